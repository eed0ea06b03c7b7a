//! Vietnamese first, English second. The current language lives in a task-local: the web
//! layer sets it for each request (`web::i18n::middleware`), mail sets it for each recipient
//! ([`in_lang`]), so templates (`{{t "key"}}`, `{{pick vi en}}`), Rust code ([`tr`],
//! [`tr_with`], [`pick`]) and error pages all agree without passing it around. Nothing here
//! needs actix: features and mail use it as it is.
//!
//! Strings live in `storefront/i18n/{vi,en}.toml`; a test checks that both files have the same
//! keys and that every key a template uses exists.
use std::collections::HashMap;
use std::sync::OnceLock;

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

/// Runs `future` with `lang` as the current language (the web layer, for each request).
pub async fn scope<F: std::future::Future>(lang: RequestLang, future: F) -> F::Output {
    CURRENT.scope(lang, future).await
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

const VI: &str = include_str!("../../storefront/i18n/vi.toml");
const EN: &str = include_str!("../../storefront/i18n/en.toml");

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
