//! The seller JSON API (`/api/v1/seller/…`) for mobile and livestream tools, authenticated
//! with `Authorization: Bearer ocop_…` tokens made on the account page. It does what the
//! seller area does, through the same `selling` functions, and is described by the OpenAPI
//! document at `/api/openapi.json`.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::features::catalog::photos::{self, PhotoView};
use crate::features::selling::{self, ListingInput, ListingRow, SellerTarget, SellingError};
use crate::media::PhotoError;
use crate::web::auth::bearer;
use crate::web::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_listings)
        .service(create_listing)
        .service(get_listing)
        .service(patch_listing)
        .service(upload_photo)
        .service(delete_photo)
        .service(certificates)
        .service(pin_live);
}

/// Fields that come from the OCOP registry: never accepted from a seller.
const REGISTRY_FIELDS: [&str; 14] = [
    "title",
    "product_name_vi",
    "product_name_en",
    "stars",
    "group_code",
    "subgroup_code",
    "province_code",
    "commune",
    "certificate_no",
    "recognition_decision_no",
    "recognized_on",
    "expires_on",
    "status",
    "participant",
];

fn api_error(e: SellingError) -> ApiError {
    use StatusCode as S;
    let message = e.to_string();
    match e {
        SellingError::NotFound => ApiError::NotFound("no such listing".into()),
        SellingError::NotMember => ApiError::refused(S::FORBIDDEN, "forbidden", message),
        SellingError::ForeignCertificate => {
            ApiError::refused(S::FORBIDDEN, "foreign_certificate", message)
        }
        SellingError::InactiveCertificate => {
            ApiError::refused(S::CONFLICT, "inactive_certificate", message)
        }
        SellingError::AlreadyListed => ApiError::refused(S::CONFLICT, "already_listed", message),
        SellingError::SellerNotActive => {
            ApiError::refused(S::CONFLICT, "seller_not_active", message)
        }
        SellingError::DelistedByOfficer => {
            ApiError::refused(S::CONFLICT, "delisted_by_officer", message)
        }
        SellingError::BadTransition => ApiError::refused(S::CONFLICT, "bad_transition", message),
        SellingError::PriceRequired => ApiError::refused(S::CONFLICT, "price_required", message),
        SellingError::StockOutOfRange { .. } => {
            ApiError::refused(S::CONFLICT, "stock_out_of_range", message)
        }
        SellingError::TooManyPhotos => ApiError::refused(S::CONFLICT, "too_many_photos", message),
        SellingError::ReasonRequired | SellingError::Invalid(_) => {
            ApiError::bad_request("invalid_listing", message)
        }
        SellingError::BadBankAccount(_) => ApiError::bad_request("invalid_bank_account", message),
        SellingError::Photo(PhotoError::TooLarge) => {
            ApiError::refused(S::PAYLOAD_TOO_LARGE, "photo_too_large", message)
        }
        SellingError::Photo(PhotoError::Unsupported) => {
            ApiError::refused(S::UNSUPPORTED_MEDIA_TYPE, "photo_unsupported", message)
        }
        SellingError::Photo(PhotoError::TooManyPixels) => {
            ApiError::refused(S::UNPROCESSABLE_ENTITY, "photo_too_many_pixels", message)
        }
        SellingError::Photo(PhotoError::Corrupt) => {
            ApiError::refused(S::UNPROCESSABLE_ENTITY, "photo_corrupt", message)
        }
        SellingError::Store(why) => ApiError::Unavailable(why),
        SellingError::Database(e) => e.into(),
    }
}

/// Parses a JSON object body, refusing registry fields by name (except those in `allowed`,
/// such as the certificate a new listing names) before anything else.
fn parse_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    allowed: &[&str],
) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("invalid JSON: {e}")))?;
    let Some(object) = value.as_object() else {
        return Err(ApiError::bad_request(
            "invalid_json",
            "expected a JSON object",
        ));
    };
    if let Some(field) = REGISTRY_FIELDS
        .iter()
        .find(|f| object.contains_key(**f) && !allowed.contains(f))
    {
        return Err(ApiError::bad_request(
            "registry_field",
            format!("`{field}` comes from the OCOP registry and cannot be edited"),
        ));
    }
    serde_json::from_value(value).map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))
}

/// What to pin on a live show: a listing linked to it, or `null` to unpin.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PinRequest {
    listing: Option<Uuid>,
}

/// The show after a pin.
#[derive(Serialize, ToSchema)]
struct PinResponse {
    show: Uuid,
    pinned: Option<Uuid>,
    pin_version: i64,
}

/// Pins a product on a live show from a phone or a streaming tool: every open live page
/// shows it within a second.
#[utoipa::path(
    post, path = "/api/v1/seller/live/{pid}/pin", tag = "seller",
    security(("bearer" = [])),
    params(("pid" = Uuid, Path, description = "The show")),
    request_body = PinRequest,
    responses(
        (status = 200, description = "Pinned", body = PinResponse),
        (status = 400, description = "Invalid body or show id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
        (status = 404, description = "No such show of the user's sellers", body = ErrorBody),
        (status = 409, description = "The show has ended, or the product is not linked to it", body = ErrorBody),
    )
)]
#[post("/seller/live/{pid}/pin")]
async fn pin_live(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    use crate::features::live::{self, LiveError};
    let principal = bearer(&state, &req).await?;
    let request: PinRequest = parse_body(&body, &[])?;
    let show = live::pin(
        &state.db,
        &principal,
        *path,
        request.listing,
        state.clock.now(),
    )
    .await
    .map_err(|e| match e {
        LiveError::NotFound => ApiError::NotFound("no such show among the user's sellers".into()),
        LiveError::NotLinked => ApiError::refused(
            StatusCode::CONFLICT,
            "not_linked",
            "that product is not linked to the show",
        ),
        LiveError::Database(e) => e.into(),
        other => ApiError::refused(StatusCode::CONFLICT, "show_ended", other.to_string()),
    })?;
    state.live.publish(show.id);
    Ok(HttpResponse::Ok().json(PinResponse {
        show: show.pid,
        pinned: request.listing,
        pin_version: show.pin_version,
    }))
}

#[derive(Serialize, ToSchema)]
struct ListingList {
    listings: Vec<ListingRow>,
}

/// The listings of every seller the token's user belongs to.
#[utoipa::path(
    get, path = "/api/v1/seller/listings", tag = "seller",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user's listings", body = ListingList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The account is not a member of any seller", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
    )
)]
#[get("/seller/listings")]
async fn list_listings(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let principal = seller_member(&state, &req).await?;
    let listings = selling::dashboards(&state.db, &principal, state.clock.now())
        .await?
        .into_iter()
        .flat_map(|d| d.listings)
        .collect();
    Ok(HttpResponse::Ok().json(ListingList { listings }))
}

/// A new listing for one of the seller's own active certificates.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateListing {
    /// The seller to list for; needed only when the user belongs to several.
    #[serde(default, deserialize_with = "whole")]
    #[schema(minimum = 1)]
    seller_id: Option<i64>,
    #[schema(min_length = 1, max_length = 40)]
    certificate_no: String,
    /// Publish at once (needs a price); a draft otherwise.
    #[serde(default)]
    publish: bool,
    #[serde(default, deserialize_with = "whole")]
    #[schema(minimum = 1, maximum = 10_000_000_000_i64)]
    price_vnd: Option<i64>,
    #[serde(default, deserialize_with = "whole")]
    #[schema(minimum = 0, maximum = 1_000_000)]
    stock: Option<i32>,
    #[schema(min_length = 1, max_length = 40, pattern = r"\S")]
    unit: Option<String>,
    #[serde(default, deserialize_with = "whole")]
    #[schema(minimum = 0, maximum = 100_000)]
    weight_grams: Option<i32>,
    #[schema(max_length = 5000)]
    description_vi: Option<String>,
    #[schema(max_length = 5000)]
    description_en: Option<String>,
}

/// A whole number, also when a client writes it as `12.0` (JSON has one number type).
fn whole<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    use serde::de::Error;
    let Some(n) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let value = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => i,
        // Every whole float up to 2^53 is exact.
        (None, Some(f)) if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => f as i64,
        _ => {
            return Err(D::Error::custom(format!(
                "expected a whole number, not {n}"
            )));
        }
    };
    T::try_from(value)
        .map(Some)
        .map_err(|_| D::Error::custom(format!("{value} is out of range")))
}

#[utoipa::path(
    post, path = "/api/v1/seller/listings", tag = "seller",
    security(("bearer" = [])),
    request_body = CreateListing,
    responses(
        (status = 201, description = "Created", body = ListingRow),
        (status = 400, description = "Invalid body or a registry field", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
        (status = 403, description = "Not a member, or a certificate of another participant", body = ErrorBody),
        (status = 409, description = "Certificate expired/revoked or already listed, or publishing without a price", body = ErrorBody),
    )
)]
#[post("/seller/listings")]
async fn create_listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let principal = bearer(&state, &req).await?;
    let create: CreateListing = parse_body(&body, &["certificate_no"])?;
    let sellers = principal.seller_ids();
    let seller_id = match (create.seller_id, sellers.as_slice()) {
        (Some(id), _) => id,
        (None, [only]) => *only,
        (None, []) => {
            return Err(ApiError::refused(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this account is not a member of any seller",
            ));
        }
        (None, _) => {
            return Err(ApiError::bad_request(
                "seller_id_required",
                "you belong to several sellers: give seller_id",
            ));
        }
    };
    let input = ListingInput {
        price_vnd: create.price_vnd,
        stock: create.stock,
        stock_delta: None,
        unit: create.unit,
        weight_grams: create.weight_grams,
        description_vi: create.description_vi,
        description_en: create.description_en,
    };
    let now = state.clock.now();
    let created = selling::create_listing(
        &state.db,
        &principal,
        seller_id,
        &create.certificate_no,
        &input,
        create.publish,
        now,
    )
    .await
    .map_err(api_error)?;
    let own = selling::find_own(&state.db, &principal, created.pid)
        .await
        .map_err(api_error)?;
    Ok(HttpResponse::Created().json(selling::row_for(&state.db, &own).await?))
}

#[derive(Serialize, ToSchema)]
struct ListingDetail {
    listing: ListingRow,
    photos: Vec<PhotoView>,
}

async fn detail(
    state: &AppState,
    principal: &crate::features::accounts::auth::Principal,
    pid: Uuid,
) -> Result<ListingDetail, ApiError> {
    let own = selling::find_own(&state.db, principal, pid)
        .await
        .map_err(api_error)?;
    let photos = photos::photos_of(&state.db, own.listing.id)
        .await?
        .iter()
        .map(photos::photo_view)
        .collect();
    Ok(ListingDetail {
        listing: selling::row_for(&state.db, &own).await?,
        photos,
    })
}

#[utoipa::path(
    get, path = "/api/v1/seller/listings/{pid}", tag = "seller",
    security(("bearer" = [])),
    params(("pid" = Uuid, Path, description = "The listing's public id")),
    responses(
        (status = 200, description = "The listing and its photos", body = ListingDetail),
        (status = 400, description = "The listing id is not a UUID", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
        (status = 404, description = "No such listing among the user's sellers", body = ErrorBody),
    )
)]
#[get("/seller/listings/{pid}")]
async fn get_listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    pid: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let principal = bearer(&state, &req).await?;
    Ok(HttpResponse::Ok().json(detail(&state, &principal, *pid).await?))
}

/// Seller-owned fields to change, and optionally a new state.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ListingPatch {
    #[serde(default, deserialize_with = "whole")]
    #[schema(minimum = 1, maximum = 10_000_000_000_i64)]
    price_vnd: Option<i64>,
    #[serde(default, deserialize_with = "whole")]
    #[schema(minimum = 0, maximum = 1_000_000)]
    stock: Option<i32>,
    /// Units to add (negative: to remove) to the stock as it is when the change is made, so
    /// units sold meanwhile stay sold; applied after `stock` when both are given. A result
    /// below 0 or above 1,000,000 is refused with 409.
    #[serde(default, deserialize_with = "whole")]
    #[schema(minimum = -1_000_000, maximum = 1_000_000)]
    stock_delta: Option<i32>,
    #[schema(min_length = 1, max_length = 40, pattern = r"\S")]
    unit: Option<String>,
    #[serde(default, deserialize_with = "whole")]
    #[schema(minimum = 0, maximum = 100_000)]
    weight_grams: Option<i32>,
    #[schema(max_length = 5000)]
    description_vi: Option<String>,
    #[schema(max_length = 5000)]
    description_en: Option<String>,
    state: Option<SellerTarget>,
}

#[utoipa::path(
    patch, path = "/api/v1/seller/listings/{pid}", tag = "seller",
    security(("bearer" = [])),
    params(("pid" = Uuid, Path, description = "The listing's public id")),
    request_body = ListingPatch,
    responses(
        (status = 200, description = "Updated", body = ListingDetail),
        (status = 400, description = "Invalid body, or a registry field such as `stars`", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
        (status = 404, description = "No such listing among the user's sellers", body = ErrorBody),
        (status = 409, description = "The state change is not allowed now (e.g. publishing without a price), or the stock would leave 0..=1,000,000", body = ErrorBody),
    )
)]
#[patch("/seller/listings/{pid}")]
async fn patch_listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    pid: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let principal = bearer(&state, &req).await?;
    let patch: ListingPatch = parse_body(&body, &[])?;
    let input = ListingInput {
        price_vnd: patch.price_vnd,
        stock: patch.stock,
        stock_delta: patch.stock_delta,
        unit: patch.unit,
        weight_grams: patch.weight_grams,
        description_vi: patch.description_vi,
        description_en: patch.description_en,
    };
    let now = state.clock.now();
    selling::update_listing(&state.db, &principal, *pid, &input, patch.state, now)
        .await
        .map_err(api_error)?;
    Ok(HttpResponse::Ok().json(detail(&state, &principal, *pid).await?))
}

#[utoipa::path(
    post, path = "/api/v1/seller/listings/{pid}/photos", tag = "seller",
    security(("bearer" = [])),
    params(("pid" = Uuid, Path, description = "The listing's public id")),
    request_body(content = Vec<u8>, description = "A JPEG, PNG or WebP photo, at most 10 MB", content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Stored: the full-size picture and its resized variants", body = PhotoView),
        (status = 400, description = "The listing id is not a UUID", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
        (status = 404, description = "No such listing among the user's sellers", body = ErrorBody),
        (status = 409, description = "The listing already has the most photos allowed", body = ErrorBody),
        (status = 413, description = "Larger than 10 MB", body = ErrorBody),
        (status = 415, description = "Not a JPEG, PNG or WebP picture (judged by content)", body = ErrorBody),
        (status = 422, description = "Corrupt, or too many pixels (decompression bomb)", body = ErrorBody),
    )
)]
#[post("/seller/listings/{pid}/photos")]
async fn upload_photo(
    state: web::Data<AppState>,
    req: HttpRequest,
    pid: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let principal = bearer(&state, &req).await?;
    let _permit = state
        .photo_permits
        .acquire()
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let photo = selling::add_photo(
        &state.db,
        &state.media,
        &principal,
        *pid,
        body.to_vec(),
        state.clock.now(),
    )
    .await
    .map_err(api_error)?;
    Ok(HttpResponse::Created().json(photo))
}

#[utoipa::path(
    delete, path = "/api/v1/seller/listings/{pid}/photos/{photo_id}", tag = "seller",
    security(("bearer" = [])),
    params(
        ("pid" = Uuid, Path, description = "The listing's public id"),
        ("photo_id" = i64, Path, description = "The photo's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "The listing or photo id is not valid", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
        (status = 404, description = "No such listing or photo", body = ErrorBody),
    )
)]
#[delete("/seller/listings/{pid}/photos/{photo_id}")]
async fn delete_photo(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Uuid, i64)>,
) -> Result<HttpResponse, ApiError> {
    let principal = bearer(&state, &req).await?;
    let (pid, photo) = path.into_inner();
    selling::delete_photo(&state.db, &principal, pid, photo, state.clock.now())
        .await
        .map_err(api_error)?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
struct CertificateJson {
    certificate_no: String,
    product_name_vi: String,
    stars: i16,
    status: String,
    expires_on: chrono::NaiveDate,
    days_left: i64,
    expiring_soon: bool,
    valid: bool,
    listing_pid: Option<Uuid>,
    listing_state: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct SellerCertificates {
    seller_id: i64,
    name: String,
    state: String,
    certificates: Vec<CertificateJson>,
}

#[utoipa::path(
    get, path = "/api/v1/seller/certificates", tag = "seller",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Each of the user's sellers with its registry certificates and their status", body = Vec<SellerCertificates>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The account is not a member of any seller", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
    )
)]
#[get("/seller/certificates")]
async fn certificates(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let principal = seller_member(&state, &req).await?;
    let out: Vec<SellerCertificates> =
        selling::dashboards(&state.db, &principal, state.clock.now())
            .await?
            .into_iter()
            .map(|d| SellerCertificates {
                seller_id: d.seller_id,
                name: d.name,
                state: d.state,
                certificates: d
                    .certificates
                    .into_iter()
                    .map(|c| CertificateJson {
                        certificate_no: c.certificate_no,
                        product_name_vi: c.product_name_vi,
                        stars: c.stars,
                        status: c.status,
                        expires_on: c.expires_on,
                        days_left: c.days_left,
                        expiring_soon: c.expiring_soon,
                        valid: c.valid,
                        listing_pid: c.listing_pid,
                        listing_state: c.listing_state,
                    })
                    .collect(),
            })
            .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// The token's user, if it belongs to at least one seller (the seller API is for sellers).
async fn seller_member(
    state: &AppState,
    req: &HttpRequest,
) -> Result<crate::features::accounts::auth::Principal, ApiError> {
    let principal = bearer(state, req).await?;
    if principal.seller_ids().is_empty() {
        return Err(ApiError::refused(
            StatusCode::FORBIDDEN,
            "not_a_seller",
            "this account is not a member of any seller",
        ));
    }
    Ok(principal)
}

/// Every API error: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    code: String,
    message: String,
}

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from the account page: ocop_…"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OCOP Village API",
        description = "Seller operations for mobile and livestream tools, and the public modern-trade indicator. Authenticate with `Authorization: Bearer <token>`; make tokens on the account page (/account)."
    ),
    paths(list_listings, create_listing, get_listing, patch_listing, upload_photo, delete_photo, certificates, pin_live, super::indicators::modern_trade_api),
    modifiers(&BearerScheme),
    tags(
        (name = "seller", description = "A verified seller's listings, photos and certificates"),
        (name = "indicators", description = "The modern-trade participation indicator, computed from completed sales")
    )
)]
pub struct ApiDoc;

/// The methods the OpenAPI document gives the path `path` (`/api/v1/seller/listings/…`), if
/// it documents it: the answer of a request with another method.
pub fn methods_of(path: &str) -> Option<Vec<&'static str>> {
    use std::sync::OnceLock;
    static PATHS: OnceLock<Vec<(Vec<String>, Vec<&'static str>)>> = OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        ApiDoc::openapi()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template.split('/').map(str::to_owned).collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter(|(_, has)| *has)
                .map(|(name, _)| name)
                .collect();
                (segments, methods)
            })
            .collect()
    });
    let asked: Vec<&str> = path.split('/').collect();
    paths.iter().find_map(|(segments, methods)| {
        let same = segments.len() == asked.len()
            && segments
                .iter()
                .zip(&asked)
                .all(|(want, got)| (want.starts_with('{') && !got.is_empty()) || want == got);
        same.then(|| methods.clone())
    })
}

#[get("/api/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(ApiDoc::openapi())
}
