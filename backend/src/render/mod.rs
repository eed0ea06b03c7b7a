//! Handlebars templates from `storefront/templates`, compiled into the binary, for pages and
//! e-mails. Templates only display: prices and dates arrive formatted by the helpers below,
//! never computed.
pub mod assets;

use std::sync::OnceLock;

use handlebars::{
    Context, Handlebars, Helper, HelperDef, RenderContext, RenderErrorReason, ScopedJson,
    handlebars_helper,
};
use rust_embed::RustEmbed;
use serde::Serialize;

use crate::domain::money::Vnd;

#[derive(RustEmbed)]
#[folder = "../storefront/templates"]
struct TemplateFiles;

static TEMPLATES: OnceLock<Handlebars<'static>> = OnceLock::new();

handlebars_helper!(vnd: |amount: i64| Vnd::new(amount).to_string());
// `{{tlabel "orders.state" state}}`: the translation of `orders.state.<state>`.
handlebars_helper!(tlabel: |group: str, value: str| crate::i18n::tr(&format!("{group}.{value}")));
handlebars_helper!(star_icons: |n: u64| "★".repeat(usize::try_from(n.min(5)).unwrap_or(0)));
handlebars_helper!(vi_date: |iso: str| {
    match chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => iso.to_owned(),
    }
});
handlebars_helper!(eq: |a: Json, b: Json| a == b);
handlebars_helper!(rating: |tenths: u64| crate::domain::rating::text(
    u8::try_from(tenths).unwrap_or(0),
    crate::i18n::current()
));
handlebars_helper!(asset: |path: str| assets::versioned(path));
handlebars_helper!(state_vi: |state: str| crate::i18n::tr(&format!("listing_state.{state}")));

fn build() -> Result<Handlebars<'static>, handlebars::TemplateError> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_embed_templates_with_extension::<TemplateFiles>(".hbs")?;
    hb.register_helper("vnd", Box::new(vnd));
    hb.register_helper("star_icons", Box::new(star_icons));
    hb.register_helper("vi_date", Box::new(vi_date));
    hb.register_helper("eq", Box::new(eq));
    hb.register_helper("rating", Box::new(rating));
    hb.register_helper("state_vi", Box::new(state_vi));
    hb.register_helper("asset", Box::new(asset));
    hb.register_helper("t", Box::new(TranslateHelper));
    hb.register_helper("pick", Box::new(PickHelper));
    hb.register_helper("tlabel", Box::new(tlabel));
    Ok(hb)
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
    ) -> Result<ScopedJson<'rc>, handlebars::RenderError> {
        let key = h
            .param(0)
            .and_then(|p| p.value().as_str())
            .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex("t", 0))?;
        let mut text = crate::i18n::tr(key);
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
    ) -> Result<ScopedJson<'rc>, handlebars::RenderError> {
        let text = |i: usize| {
            h.param(i)
                .and_then(|p| p.value().as_str())
                .unwrap_or_default()
                .to_owned()
        };
        Ok(ScopedJson::Derived(serde_json::Value::String(
            crate::i18n::pick(&text(0), &text(1)).to_owned(),
        )))
    }
}

/// Compiles the templates once; a broken template stops start-up instead of a request.
pub fn init() -> Result<(), handlebars::TemplateError> {
    if TEMPLATES.get().is_none() {
        let _ = TEMPLATES.set(build()?);
    }
    Ok(())
}

/// Adds the layout's defaults (language, description, canonical, Open Graph type, robots,
/// JSON-LD) to page data that does not set them.
fn with_layout_defaults(mut data: serde_json::Value) -> serde_json::Value {
    use crate::i18n::{self, Lang};
    let lang = i18n::current();
    let other = match lang {
        Lang::Vi => Lang::En,
        Lang::En => Lang::Vi,
    };
    let path = i18n::current_path();
    let switch_href = format!(
        "{path}{}lang={}",
        if path.contains('?') { "&" } else { "?" },
        other.code()
    );
    if let Some(map) = data.as_object_mut() {
        for (key, value) in [
            ("lang", serde_json::Value::from(lang.code())),
            ("og_locale", serde_json::Value::from(lang.locale())),
            ("switch_lang", serde_json::Value::from(other.code())),
            ("switch_href", serde_json::Value::from(switch_href)),
            (
                "description",
                serde_json::Value::from(i18n::tr("site.description")),
            ),
            ("canonical", serde_json::Value::Null),
            ("og_type", serde_json::Value::from("website")),
            ("noindex", serde_json::Value::Bool(false)),
            ("json_ld", serde_json::Value::Null),
            ("og_image", serde_json::Value::Null),
        ] {
            map.entry(key).or_insert(value);
        }
    }
    data
}

/// JSON for a `<script type="application/ld+json">` block: `<`, `>` and `&` are escaped so
/// no text inside (a product name, say) can close the script element.
pub fn script_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Renders `name` (a path under `storefront/templates`, without `.hbs`).
pub fn render<T: Serialize>(name: &str, data: &T) -> Result<String, RenderError> {
    render_value(
        name,
        serde_json::to_value(data).map_err(|e| RenderError(e.to_string()))?,
    )
}

/// Renders page data that is JSON already, without copying it (a page listing hundreds of
/// rows spent most of its time copying its data twice before).
pub fn render_value(name: &str, data: serde_json::Value) -> Result<String, RenderError> {
    init().map_err(|e| RenderError(e.to_string()))?;
    let hb = TEMPLATES
        .get()
        .ok_or_else(|| RenderError("templates missing".into()))?;
    hb.render_with_context(name, &handlebars::Context::from(with_layout_defaults(data)))
        .map_err(|e| RenderError(e.to_string()))
}

/// Renders a template without the page layout's defaults (mail bodies).
pub fn render_raw<T: Serialize>(name: &str, data: &T) -> Result<String, RenderError> {
    init().map_err(|e| RenderError(e.to_string()))?;
    let hb = TEMPLATES
        .get()
        .ok_or_else(|| RenderError("templates missing".into()))?;
    hb.render(name, data)
        .map_err(|e| RenderError(e.to_string()))
}

#[derive(Debug, thiserror::Error)]
#[error("rendering a template: {0}")]
pub struct RenderError(String);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn all_templates_compile() {
        build().expect("templates compile");
    }

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let value = json!({ "name": "</script><script>alert(1)</script> & co" });
        let out = script_json(&value);
        assert!(
            !out.contains('<') && !out.contains('>') && !out.contains('&'),
            "{out}"
        );
        let back: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(back, value, "the escapes decode to the same text");
    }

    #[test]
    fn helpers_format_money_stars_and_dates_and_output_is_escaped() {
        let mut hb = build().expect("templates compile");
        hb.register_template_string("t", "{{vnd p}}|{{star_icons s}}|{{vi_date d}}|{{name}}")
            .expect("template");
        let out = hb
            .render(
                "t",
                &json!({"p": 150000, "s": 4, "d": "2027-01-10", "name": "<b>"}),
            )
            .expect("render");
        assert_eq!(out, "150.000 ₫|★★★★|10/01/2027|&lt;b&gt;");
    }
}
