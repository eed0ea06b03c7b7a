//! Vietnamese first, English second. The language of a request is `?lang=vi|en` (remembered in
//! a cookie for a year), else that cookie, else Vietnamese. It is set for the whole request by
//! [`middleware`] in a task-local, so templates (`{{t "key"}}`, `{{pick vi en}}`), Rust code
//! ([`tr`], [`tr_with`], [`pick`]) and error pages all agree without passing it around.
//!
//! Strings live in `storefront/i18n/{vi,en}.toml`; a test checks that both files have the same
//! keys and that every key a template uses exists.
use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::cookie::Cookie;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, SET_COOKIE, VARY};
use handlebars::{
    Context, Handlebars, Helper, HelperDef, RenderContext, RenderError, RenderErrorReason,
    ScopedJson,
};

pub const LANG_COOKIE: &str = "ocop_lang";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "vi" => Some(Self::Vi),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// For `og:locale`.
    pub const fn locale(self) -> &'static str {
        match self {
            Self::Vi => "vi_VN",
            Self::En => "en_US",
        }
    }
}

/// What the current request renders with.
#[derive(Clone, Debug)]
pub struct RequestLang {
    pub lang: Lang,
    /// The request's path and query without `lang`, for the language switch links.
    pub path: String,
}

tokio::task_local! {
    static CURRENT: RequestLang;
}

/// The current request's language (Vietnamese outside a request).
pub fn current() -> Lang {
    CURRENT.try_with(|c| c.lang).unwrap_or(Lang::Vi)
}

/// Runs `f` with `lang` as the current language: for e-mails, which are written in the
/// language of their recipient, not of the request that caused them.
pub fn in_lang<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    CURRENT.sync_scope(
        RequestLang {
            lang,
            path: "/".into(),
        },
        f,
    )
}

/// The current request's path and query, without `lang`.
pub fn current_path() -> String {
    CURRENT
        .try_with(|c| c.path.clone())
        .unwrap_or_else(|_| "/".into())
}

type Dictionary = HashMap<String, String>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Dictionary) {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten(&full, inner, out),
            toml::Value::String(text) => {
                out.insert(full, text.clone());
            }
            // Only strings belong in the dictionaries; the key test reports anything else.
            _ => {}
        }
    }
}

fn parse(source: &str) -> Dictionary {
    let mut out = Dictionary::new();
    match source.parse::<toml::Table>() {
        Ok(table) => flatten("", &table, &mut out),
        Err(e) => tracing::error!(error = %e, "a dictionary in storefront/i18n is not valid TOML"),
    }
    out
}

const VI: &str = include_str!("../../../storefront/i18n/vi.toml");
const EN: &str = include_str!("../../../storefront/i18n/en.toml");

fn dictionary(lang: Lang) -> &'static Dictionary {
    static DICTS: OnceLock<(Dictionary, Dictionary)> = OnceLock::new();
    let (vi, en) = DICTS.get_or_init(|| (parse(VI), parse(EN)));
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// The string for `key` in `lang`, falling back to Vietnamese, then to the key itself.
pub fn lookup(lang: Lang, key: &str) -> String {
    dictionary(lang)
        .get(key)
        .or_else(|| dictionary(Lang::Vi).get(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// The string for `key` in the current language.
pub fn tr(key: &str) -> String {
    lookup(current(), key)
}

/// The string for `key` with `{name}` placeholders filled.
pub fn tr_with(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    fill(tr(key), args)
}

fn fill(mut text: String, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), &value.to_string());
    }
    text
}

/// The Vietnamese or the English of a pair, by the current language (English falls back to
/// Vietnamese when empty).
pub fn pick<'a>(vi: &'a str, en: &'a str) -> &'a str {
    match current() {
        Lang::En if !en.trim().is_empty() => en,
        _ => vi,
    }
}

/// `{{t "key" name=value}}`: a translated string, HTML-escaped like any `{{…}}`.
pub struct TranslateHelper;

impl HelperDef for TranslateHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let key = h
            .param(0)
            .and_then(|p| p.value().as_str())
            .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex("t", 0))?;
        let mut text = tr(key);
        for (name, value) in h.hash() {
            let shown = match value.value() {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            text = text.replace(&format!("{{{name}}}"), &shown);
        }
        Ok(ScopedJson::Derived(serde_json::Value::String(text)))
    }
}

/// `{{pick title_vi title_en}}`: the English one on English pages when it is not empty.
pub struct PickHelper;

impl HelperDef for PickHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let text = |i: usize| {
            h.param(i)
                .and_then(|p| p.value().as_str())
                .unwrap_or_default()
                .to_owned()
        };
        Ok(ScopedJson::Derived(serde_json::Value::String(
            pick(&text(0), &text(1)).to_owned(),
        )))
    }
}

/// The request path and query without the `lang` parameter.
fn path_without_lang(req: &ServiceRequest) -> String {
    let kept: Vec<(String, String)> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| k != "lang")
            .collect();
    let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
    if query.is_empty() {
        req.path().to_owned()
    } else {
        format!("{}?{query}", req.path())
    }
}

/// Sets the request's language for everything it renders, and remembers `?lang=` in a cookie.
pub async fn middleware(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let asked = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v));
    let remembered = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value()));
    let lang = asked.or(remembered).unwrap_or(Lang::Vi);
    let current = RequestLang {
        lang,
        path: path_without_lang(&req),
    };
    let mut response = CURRENT.scope(current, next.call(req)).await?;
    if let Some(lang) = asked.filter(|l| Some(*l) != remembered) {
        let cookie = Cookie::build(LANG_COOKIE, lang.code())
            .path("/")
            .max_age(CookieDuration::days(365))
            .same_site(actix_web::cookie::SameSite::Lax)
            .finish();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    // Pages differ by the language cookie; assets and JSON do not.
    let is_page = response
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_page {
        response
            .headers_mut()
            .append(VARY, HeaderValue::from_static("Cookie"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_dictionaries_have_the_same_keys_and_no_empty_string() {
        let (vi, en) = (parse(VI), parse(EN));
        assert!(vi.len() > 50, "{} Vietnamese strings", vi.len());
        let missing_en: Vec<&String> = vi.keys().filter(|k| !en.contains_key(*k)).collect();
        let missing_vi: Vec<&String> = en.keys().filter(|k| !vi.contains_key(*k)).collect();
        assert!(missing_en.is_empty(), "not in en.toml: {missing_en:?}");
        assert!(missing_vi.is_empty(), "not in vi.toml: {missing_vi:?}");
        for (key, text) in vi.iter().chain(en.iter()) {
            assert!(!text.trim().is_empty(), "{key} is empty");
        }
    }

    #[test]
    fn every_key_a_template_uses_exists() {
        let vi = parse(VI);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../storefront/templates");
        let mut stack = vec![dir];
        let mut used = 0;
        while let Some(path) = stack.pop() {
            for entry in std::fs::read_dir(&path).expect("templates").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("template");
                for part in text.split("{{t \"").skip(1) {
                    let key = part.split('"').next().unwrap_or_default();
                    used += 1;
                    assert!(
                        vi.contains_key(key),
                        "{} uses unknown key {key}",
                        path.display()
                    );
                }
            }
        }
        assert!(used > 50, "{used} keys used");
    }

    #[tokio::test]
    async fn strings_follow_the_request_language() {
        let en = RequestLang {
            lang: Lang::En,
            path: "/".into(),
        };
        let english = CURRENT
            .scope(en, async {
                (tr("nav.products"), pick("Trà", "Tea").to_owned())
            })
            .await;
        assert_eq!(english, ("Products".to_owned(), "Tea".to_owned()));
        assert_eq!(tr("nav.products"), "Sản phẩm");
        assert_eq!(pick("Trà", ""), "Trà");
        assert_eq!(fill("{n} sản phẩm".into(), &[("n", &3)]), "3 sản phẩm");
        assert_eq!(lookup(Lang::En, "no.such.key"), "no.such.key");
    }
}
