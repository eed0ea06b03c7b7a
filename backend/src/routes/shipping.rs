//! A seller's delivery settings page: pick-up address, table rates, free-shipping threshold
//! and carrier account (`features::shipping::settings`).
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::StatusCode;
use actix_web::post;
use actix_web::web;
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::carriers::CarrierKind;
use crate::db::entities::seller;
use crate::domain::ids::SellerId;
use crate::domain::shipping::MAX_BANDS;
use crate::features::shipping::settings::{self, SettingsError, SettingsInput};
use crate::i18n::tr;
use crate::web::auth::require;
use crate::web::error::PageError;
use crate::web::forms::chosen_seller;
use crate::web::forms::form_page;
use crate::web::forms::guard;

#[derive(Deserialize)]
struct SellerQuery {
    seller: Option<SellerId>,
}

/// The form as shown: the saved settings, or what was typed with its problems.
fn settings_page(
    state: &AppState,
    req: &HttpRequest,
    shop: &seller::Model,
    status: StatusCode,
    input: &SettingsInput,
    errors: &[(String, String)],
    saved: bool,
) -> Result<HttpResponse, PageError> {
    let mut rows: Vec<[String; 4]> = input.bands.clone();
    // Room for more bands, up to the most a table holds.
    while rows.len() < MAX_BANDS {
        rows.push(Default::default());
    }
    rows.truncate(MAX_BANDS);
    let bands: Vec<_> = rows
        .iter()
        .enumerate()
        .map(|(n, r)| {
            json!({
                "n": n,
                "row": n + 1,
                "max_grams": r[0], "same_province": r[1], "same_region": r[2],
                // Not `elsewhere`: handlebars reads `{{else…}}` as `{{else}}`.
                "far": r[3],
                "error": errors.iter().find(|(f, _)| *f == format!("band_{n}")).map(|(_, m)| m),
            })
        })
        .collect();
    let carriers: Vec<_> = CarrierKind::ALL
        .into_iter()
        .map(|k| {
            json!({
                "value": k.as_str(),
                "label": tr(&format!("shipping.carrier.{}", k.as_str())),
                "checked": input.carrier == k.as_str(),
            })
        })
        .collect();
    let provinces: Vec<_> = state
        .reference
        .provinces
        .iter()
        .map(|p| json!({ "code": p.code, "name": p.name(), "selected": p.code == input.pickup_province }))
        .collect();
    form_page(
        state,
        req,
        status,
        "pages/seller_shipping",
        json!({
            "title": tr("shipping.settings_title"),
            "seller": { "id": shop.id, "name": shop.display_name },
            "fields": {
                "pickup_commune": input.pickup_commune,
                "pickup_street": input.pickup_street,
                "pickup_phone": input.pickup_phone,
                "free_over": input.free_over,
                "carrier_shop_id": input.carrier_shop_id,
            },
            "token_saved": shop.carrier_token.is_some(),
            "provinces": provinces,
            "communes": state.reference.communes.of(&input.pickup_province),
            "bands": bands,
            "carriers": carriers,
            "errors": errors.iter().map(|(_, m)| m).collect::<Vec<_>>(),
            "saved": saved,
        }),
    )
}

/// The saved settings as the form's fields (the token is never sent back).
async fn saved_input(state: &AppState, shop: &seller::Model) -> Result<SettingsInput, PageError> {
    let tables =
        crate::features::shipping::rate_tables(&state.db, std::slice::from_ref(shop)).await?;
    let table = tables
        .get(&shop.id)
        .cloned()
        .unwrap_or_else(crate::domain::shipping::RateTable::standard);
    Ok(SettingsInput {
        pickup_province: shop.pickup_province_code.clone().unwrap_or_default(),
        pickup_commune: shop.pickup_commune.clone().unwrap_or_default(),
        pickup_street: shop.pickup_street.clone().unwrap_or_default(),
        pickup_phone: shop.pickup_phone.clone().unwrap_or_default(),
        bands: table
            .bands
            .iter()
            .map(|b| {
                [
                    b.max_grams.to_string(),
                    b.same_province.dong().to_string(),
                    b.same_region.dong().to_string(),
                    b.elsewhere.dong().to_string(),
                ]
            })
            .collect(),
        free_over: table
            .free_over
            .map(|v| v.dong().to_string())
            .unwrap_or_default(),
        carrier: shop.carrier.clone(),
        carrier_token: String::new(),
        carrier_shop_id: shop.carrier_shop_id.clone().unwrap_or_default(),
    })
}

#[get("/seller/shipping")]
async fn settings_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<SellerQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let shop = chosen_seller(&state, &principal, query.seller).await?;
    let input = saved_input(&state, &shop).await?;
    settings_page(&state, &req, &shop, StatusCode::OK, &input, &[], false)
}

/// The form's fields: the rate rows come as `band_{n}_{column}`.
fn form_input(form: &[(String, String)]) -> (Option<SellerId>, String, SettingsInput) {
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let bands = (0..MAX_BANDS)
        .map(|n| {
            ["max_grams", "same_province", "same_region", "elsewhere"]
                .map(|column| get(&format!("band_{n}_{column}")))
        })
        .collect();
    (
        get("seller").parse().ok(),
        get("csrf"),
        SettingsInput {
            pickup_province: get("pickup_province"),
            pickup_commune: get("pickup_commune"),
            pickup_street: get("pickup_street"),
            pickup_phone: get("pickup_phone"),
            bands,
            free_over: get("free_over"),
            carrier: get("carrier"),
            carrier_token: get("carrier_token"),
            carrier_shop_id: get("carrier_shop_id"),
        },
    )
}

#[post("/seller/shipping")]
async fn save_settings(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let (seller_id, csrf, input) = form_input(&form);
    guard(&state, &req, &csrf, &[]).await?;
    let shop = chosen_seller(&state, &principal, seller_id).await?;
    match settings::save(
        &state.db,
        &state.reference,
        &principal,
        shop.id,
        &input,
        state.clock.now(),
    )
    .await
    {
        Ok(saved) => {
            let shown = saved_input(&state, &saved).await?;
            settings_page(&state, &req, &saved, StatusCode::OK, &shown, &[], true)
        }
        Err(SettingsError::NotMember) => Err(PageError::AccessDenied),
        Err(SettingsError::Database(e)) => Err(e.into()),
        Err(SettingsError::Invalid(problems)) => settings_page(
            &state,
            &req,
            &shop,
            StatusCode::BAD_REQUEST,
            &input,
            &problems,
            false,
        ),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(settings_form).service(save_settings);
}
