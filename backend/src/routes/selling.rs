//! The seller area, server-rendered: onboarding (apply, enter the code), the dashboard with
//! certificate status, and listing management with photos. Every handler loads the signed-in
//! principal and lets `selling`/`onboarding` check its scope.
use actix_multipart::Multipart;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::StatusCode;
use actix_web::post;
use actix_web::web;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::app::AppState;
use crate::domain::ids::SellerId;
use crate::domain::money::Vnd;
use crate::domain::refusal::ErrorCode;
use crate::domain::registry::REGISTRY_FIELDS;
use crate::features::accounts::auth::Principal;
use crate::features::catalog::photos;
use crate::features::catalog::photos::PhotoView;
use crate::features::catalog::{ListingState, SellerState};
use crate::features::onboarding;
use crate::features::registry::import::is_valid_on;
use crate::features::selling;
use crate::features::selling::ListingInput;
use crate::features::selling::ListingRow;
use crate::features::selling::Move;
use crate::features::selling::SellerTarget;
use crate::features::selling::SellingError;
use crate::features::selling::variants::VariantInput;
use crate::i18n::pick;
use crate::i18n::tr;
use crate::i18n::tr_with;
use crate::web::auth::bearer;
use crate::web::auth::require;
use crate::web::auth::seller_member;
use crate::web::error::ApiError;
use crate::web::error::ErrorBody;
use crate::web::error::PageError;
use crate::web::forms::CsrfOnly;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::read_upload;
use crate::web::forms::see_other;
use crate::web::json::parse_body;
use crate::web::json::whole;
use crate::web::json::whole_required;
use actix_web::delete;
use actix_web::patch;
use serde::Serialize;
use utoipa::ToSchema;

/// Maps a selling error to a page error, or to a message shown on the form again.
fn selling_error(e: SellingError) -> Result<String, PageError> {
    match e {
        SellingError::NotFound => Err(PageError::NotFound),
        SellingError::NotMember => Err(PageError::AccessDenied),
        SellingError::Database(e) => Err(e.into()),
        SellingError::Store(why) => Err(PageError::Unexpected(anyhow::anyhow!(why))),
        other => Ok(other.to_string()),
    }
}

#[get("/seller")]
async fn dashboard(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let sellers = selling::dashboards(&state.db, &principal, state.clock.now()).await?;
    let applications = onboarding::for_user(&state.db, principal.user.id).await?;
    form_page(
        &state,
        &req,
        StatusCode::OK,
        "pages/seller_dashboard",
        json!({
            "title": tr("seller.title"),
            "sellers": sellers,
            "applications": applications,
            "is_officer": principal.is_officer(),
        }),
    )
}

/// The listing form as submitted: numbers arrive as text and are checked here.
#[derive(Deserialize)]
struct ListingForm {
    csrf: String,
    price_vnd: String,
    stock: String,
    /// The stock the edit form showed: a changed number is applied as the difference, so
    /// units sold while the seller typed stay sold; an unchanged one is left alone.
    #[serde(default)]
    stock_seen: Option<String>,
    unit: String,
    weight_grams: String,
    description_vi: String,
    description_en: String,
    /// The pack-size rows (`variant_label_0`…`variant_weight_9`, `variants_form` when the
    /// page had them): text, read in [`ListingForm::variants`].
    #[serde(flatten)]
    rows: std::collections::HashMap<String, String>,
}

impl ListingForm {
    /// The pack sizes the form lists (rows without a label are left out), when it had the
    /// section: stock is a difference from what the page showed, like the listing's own.
    fn variants(&self) -> Result<Option<Vec<VariantInput>>, String> {
        fn number<T: std::str::FromStr>(raw: &str, what: &str) -> Result<Option<T>, String> {
            crate::web::forms::written_number(raw)
                .map_err(|_| tr_with("errors.form.integer", &[("what", &tr(what))]))
        }
        if !self.rows.contains_key("variants_form") {
            return Ok(None);
        }
        let field = |name: &str, n: usize| {
            self.rows
                .get(&format!("variant_{name}_{n}"))
                .map_or("", |v| v.trim())
        };
        let mut list = Vec::new();
        for n in 0..selling::variants::MAX_VARIANTS {
            let label = field("label", n);
            if label.is_empty() {
                continue;
            }
            let stock: i32 = number(field("stock", n), "errors.form.stock")?.unwrap_or(0);
            let seen: Option<i32> = number(field("seen", n), "errors.form.stock")?;
            let (stock, stock_delta) = match seen {
                Some(seen) => (None, Some(stock.saturating_sub(seen))),
                None => (Some(stock), None),
            };
            list.push(VariantInput {
                label: label.to_owned(),
                price_vnd: Vnd::new(number(field("price", n), "errors.form.price")?.unwrap_or(0)),
                stock,
                stock_delta,
                weight_grams: number(field("weight", n), "errors.form.weight")?,
                photo_id: number(field("photo", n), "errors.form.photo")?,
            });
        }
        Ok(Some(list))
    }

    fn input(&self) -> Result<ListingInput, String> {
        fn number<T: std::str::FromStr>(raw: &str, what: &str) -> Result<Option<T>, String> {
            crate::web::forms::written_number(raw)
                .map_err(|_| tr_with("errors.form.integer", &[("what", &tr(what))]))
        }
        let stock: i32 = number(&self.stock, "errors.form.stock")?.unwrap_or(0);
        let seen: Option<i32> = match self.stock_seen.as_deref() {
            Some(raw) => number(raw, "errors.form.stock")?,
            None => None,
        };
        let (stock, stock_delta) = match seen {
            Some(seen) if seen == stock => (None, None),
            Some(seen) => (None, Some(stock.saturating_sub(seen))),
            None => (Some(stock), None),
        };
        let variants = self.variants()?;
        // With pack sizes, the listing's price and stock are theirs.
        let sized = variants.as_ref().is_some_and(|v| !v.is_empty());
        let price = number(&self.price_vnd, "errors.form.price")?.map(Vnd::new);
        Ok(ListingInput {
            price_vnd: price.filter(|_| !sized),
            stock: stock.filter(|_| !sized),
            stock_delta: stock_delta.filter(|_| !sized),
            unit: Some(self.unit.clone()),
            weight_grams: Some(number(&self.weight_grams, "errors.form.weight")?.unwrap_or(0)),
            description_vi: Some(self.description_vi.clone()),
            description_en: Some(self.description_en.clone()),
            variants,
        })
    }
}

#[derive(Deserialize)]
struct NewListingQuery {
    seller: SellerId,
    certificate: String,
}

async fn new_listing_page(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    which: &NewListingQuery,
    status: StatusCode,
    error: Option<String>,
    listing: serde_json::Value,
) -> Result<HttpResponse, PageError> {
    let (seller, cert) =
        match selling::certificate_to_list(&state.db, principal, which.seller, &which.certificate)
            .await
        {
            Ok(found) => found,
            Err(SellingError::NotMember) => return Err(PageError::AccessDenied),
            Err(SellingError::Database(e)) => return Err(e.into()),
            Err(_) => return Err(PageError::NotFound),
        };
    form_page(
        state,
        req,
        status,
        "pages/seller_listing_new",
        json!({
            "title": tr("seller.new_title"),
            "seller": { "id": seller.id, "name": seller.display_name },
            "certificate": cert,
            "group": state.reference.group(&cert.group_code).map(|g| pick(&g.name_vi, &g.name_en).to_owned()),
            "province": state.reference.province(&cert.province_code).map(|p| p.name()),
            "error": error,
            "listing": listing,
        }),
    )
}

#[get("/seller/listings/new")]
async fn new_listing_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<NewListingQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let blank = json!({
        "price_vnd": "", "stock": "", "unit": "", "weight_grams": "",
        "description_vi": "", "description_en": "",
    });
    new_listing_page(
        &state,
        &req,
        &principal,
        &query,
        StatusCode::OK,
        None,
        blank,
    )
    .await
}

#[derive(Deserialize)]
struct CreateForm {
    seller_id: SellerId,
    certificate_no: String,
    publish: Option<String>,
    #[serde(flatten)]
    listing: ListingForm,
}

#[post("/seller/listings/new")]
async fn create_listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.listing.csrf, &[]).await?;
    let submitted = json!({
        "price_vnd": form.listing.price_vnd, "stock": form.listing.stock,
        "unit": form.listing.unit, "weight_grams": form.listing.weight_grams,
        "description_vi": form.listing.description_vi, "description_en": form.listing.description_en,
    });
    let which = NewListingQuery {
        seller: form.seller_id,
        certificate: form.certificate_no.clone(),
    };
    let again = |why: String| {
        new_listing_page(
            &state,
            &req,
            &principal,
            &which,
            StatusCode::BAD_REQUEST,
            Some(why),
            submitted.clone(),
        )
    };
    let input = match form.listing.input() {
        Ok(input) => input,
        Err(why) => return again(why).await,
    };
    match selling::create_listing(
        &state.db,
        &principal,
        form.seller_id,
        &form.certificate_no,
        &input,
        form.publish.is_some(),
        state.clock.now(),
    )
    .await
    {
        Ok(created) => Ok(see_other(&format!("/seller/listings/{}", created.pid))),
        Err(e) => {
            let why = selling_error(e)?;
            again(why).await
        }
    }
}

async fn edit_page(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    pid: Uuid,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let own = selling::find_own(&state.db, principal, pid)
        .await
        .map_err(|e| selling_error(e).err().unwrap_or(PageError::NotFound))?;
    let photos: Vec<_> = photos::photos_of(&state.db, own.listing.id)
        .await?
        .iter()
        .map(photos::photo_view)
        .collect();
    let today = state.clock.today();
    let certificate_valid = own
        .certificate
        .status
        .parse()
        .is_ok_and(|status| is_valid_on(status, own.certificate.expires_on, today));
    let row = selling::row_for(&state.db, &own).await?;
    let sizes = selling::variants::of(&state.db, own.listing.id).await?;
    // Every pack size, then empty rows up to three more (at most 10 in all).
    let blank = (selling::variants::MAX_VARIANTS - sizes.len().min(10)).min(3);
    // Each row's choice of the listing's photos (by their number on the page).
    let photo_choices = |chosen: Option<i64>| -> Vec<serde_json::Value> {
        photos
            .iter()
            .enumerate()
            .map(|(i, p)| json!({ "id": p.id, "number": i + 1, "selected": chosen == Some(p.id) }))
            .collect()
    };
    let variant_rows: Vec<_> = sizes
        .iter()
        .map(|v| json!({ "label": v.label, "price": v.price_vnd, "stock": v.stock, "seen": v.stock, "weight": v.weight_grams, "photos": photo_choices(v.photo_id) }))
        .chain((0..blank).map(|_| json!({ "label": "", "price": "", "stock": "", "seen": null, "weight": "", "photos": photo_choices(None) })))
        .enumerate()
        .map(|(n, mut row)| {
            row["n"] = n.into();
            row
        })
        .collect();
    form_page(
        state,
        req,
        status,
        "pages/seller_listing_edit",
        json!({
            "title": format!("{} — {}", own.certificate.product_name_vi, tr("seller.heading")),
            "listing": row,
            "variant_rows": variant_rows,
            "has_variants": !sizes.is_empty(),
            "certificate": own.certificate,
            "certificate_valid": certificate_valid,
            "days_left": (own.certificate.expires_on - today).num_days(),
            "group": state.reference.group(&own.certificate.group_code).map(|g| pick(&g.name_vi, &g.name_en).to_owned()),
            "province": state.reference.province(&own.certificate.province_code).map(|p| p.name()),
            "photo_count": photos.len(),
            "photos": photos,
            "max_photos": selling::MAX_PHOTOS,
            "can_add_photo": photos.len() < selling::MAX_PHOTOS,
            "is_published": own.listing.state == ListingState::Published,
            "is_delisted": own.listing.state == ListingState::Delisted,
            "error": error,
            "notice": notice,
        }),
    )
}

#[get("/seller/listings/{pid}")]
async fn edit_listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    edit_page(&state, &req, &principal, *path, StatusCode::OK, None, None).await
}

#[post("/seller/listings/{pid}")]
async fn save_listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<ListingForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let result = match form.input() {
        Ok(input) => selling::update_listing(
            &state.db,
            &principal,
            *path,
            &input,
            None,
            state.clock.now(),
        )
        .await
        .map_err(selling_error),
        Err(why) => Err(Ok(why)),
    };
    match result {
        Ok(_) => {
            edit_page(
                &state,
                &req,
                &principal,
                *path,
                StatusCode::OK,
                None,
                Some(&tr("seller.saved")),
            )
            .await
        }
        Err(Ok(why)) => {
            edit_page(
                &state,
                &req,
                &principal,
                *path,
                StatusCode::BAD_REQUEST,
                Some(why),
                None,
            )
            .await
        }
        Err(Err(page)) => Err(page),
    }
}

#[derive(Deserialize)]
struct StateForm {
    csrf: String,
    state: String,
}

#[post("/seller/listings/{pid}/state")]
async fn change_state(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<StateForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    own_listing(&state, &principal, *path).await?;
    let target = SellerTarget::parse(&form.state)
        .ok_or_else(|| PageError::BadRequest(tr("errors.form.bad_state")))?;
    match selling::set_state(&state.db, &principal, *path, target, state.clock.now()).await {
        Ok(_) => Ok(see_other(&format!("/seller/listings/{}", path))),
        Err(e) => {
            let why = selling_error(e)?;
            edit_page(
                &state,
                &req,
                &principal,
                *path,
                StatusCode::BAD_REQUEST,
                Some(why),
                None,
            )
            .await
        }
    }
}

/// Refuses (404) a listing that is not one of the principal's sellers', before any form value
/// is looked at.
async fn own_listing(state: &AppState, principal: &Principal, pid: Uuid) -> Result<(), PageError> {
    match selling::find_own(&state.db, principal, pid).await {
        Ok(_) => Ok(()),
        Err(SellingError::Database(e)) => Err(e.into()),
        Err(_) => Err(PageError::NotFound),
    }
}

#[post("/seller/listings/{pid}/photos")]
async fn upload_photo(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let (fields, bytes) = match read_upload(payload).await {
        Ok(read) => read,
        Err(why) => {
            return edit_page(
                &state,
                &req,
                &principal,
                *path,
                StatusCode::BAD_REQUEST,
                Some(why),
                None,
            )
            .await;
        }
    };
    let csrf = fields.get("csrf").map_or("", String::as_str);
    guard(&state, &req, csrf, &[]).await?;
    let _permit = state
        .photo_permits
        .acquire()
        .await
        .map_err(|e| PageError::Unexpected(e.into()))?;
    match selling::add_photo(
        &state.db,
        &state.media,
        &principal,
        *path,
        bytes,
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/seller/listings/{}#photos", path))),
        Err(e) => {
            let why = selling_error(e)?;
            edit_page(
                &state,
                &req,
                &principal,
                *path,
                StatusCode::BAD_REQUEST,
                Some(why),
                None,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct MoveForm {
    csrf: String,
    direction: String,
}

#[post("/seller/listings/{pid}/photos/{photo}/move")]
async fn move_photo(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Uuid, i64)>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let (pid, photo) = path.into_inner();
    own_listing(&state, &principal, pid).await?;
    let direction = match form.direction.as_str() {
        "up" => Move::Up,
        "down" => Move::Down,
        _ => return Err(PageError::BadRequest(tr("errors.form.bad_direction"))),
    };
    selling::move_photo(
        &state.db,
        &principal,
        pid,
        photo,
        direction,
        state.clock.now(),
    )
    .await
    .map_err(|e| selling_error(e).err().unwrap_or(PageError::NotFound))?;
    Ok(see_other(&format!("/seller/listings/{pid}#photos")))
}

#[post("/seller/listings/{pid}/photos/{photo}/delete")]
async fn delete_photo(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Uuid, i64)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let (pid, photo) = path.into_inner();
    selling::delete_photo(&state.db, &principal, pid, photo, state.clock.now())
        .await
        .map_err(|e| selling_error(e).err().unwrap_or(PageError::NotFound))?;
    Ok(see_other(&format!("/seller/listings/{pid}#photos")))
}

#[derive(Serialize, ToSchema)]
struct ListingList {
    listings: Vec<ListingRow>,
}

/// The listings of every seller the token's user belongs to.
#[utoipa::path(
    operation_id = "list_listings",
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
async fn api_list_listings(
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

#[utoipa::path(
    operation_id = "create_listing",
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
async fn api_create_listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let principal = bearer(&state, &req).await?;
    let create: CreateListing = parse_body(&body, &REGISTRY_FIELDS, &["certificate_no"])?;
    let sellers = principal.seller_ids();
    let seller_id = match (create.seller_id.map(SellerId::new), sellers.as_slice()) {
        (Some(id), _) => id,
        (None, [only]) => *only,
        (None, []) => {
            return Err(ErrorCode::NoSeller.into());
        }
        (None, _) => {
            return Err(ErrorCode::SellerIdRequired.into());
        }
    };
    let input = ListingInput {
        price_vnd: create.price_vnd.map(Vnd::new),
        stock: create.stock,
        stock_delta: None,
        unit: create.unit,
        weight_grams: create.weight_grams,
        description_vi: create.description_vi,
        description_en: create.description_en,
        variants: None,
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
    .await?;
    let own = selling::find_own(&state.db, &principal, created.pid).await?;
    Ok(HttpResponse::Created().json(selling::row_for(&state.db, &own).await?))
}

#[derive(Serialize, ToSchema)]
struct ListingDetail {
    listing: ListingRow,
    photos: Vec<PhotoView>,
    /// Its pack sizes in the seller's order (none: one price and one stock, the listing's).
    variants: Vec<SizeJson>,
}

/// A pack size as the API shows it.
#[derive(Serialize, ToSchema)]
struct SizeJson {
    /// The id a cart line names (`variant` in `POST /cart/add`).
    id: i64,
    label: String,
    price_vnd: i64,
    stock: i32,
    weight_grams: i32,
    /// The listing's photo it shows, if any.
    photo_id: Option<i64>,
}

/// A pack size to keep or add (matched by label, in any case).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SizeBody {
    #[schema(min_length = 1, max_length = 40, pattern = r"\S")]
    label: String,
    #[serde(deserialize_with = "whole_required")]
    #[schema(minimum = 1, maximum = 10_000_000_000_i64)]
    price_vnd: i64,
    /// Sets its units (a new size starts with 0 without it).
    #[serde(default, deserialize_with = "whole")]
    #[schema(minimum = 0, maximum = 1_000_000)]
    stock: Option<i32>,
    /// Units to add (negative: remove) to its stock as it is when saved, after `stock`; a
    /// result outside 0..=1,000,000 is refused with 409.
    #[serde(default, deserialize_with = "whole")]
    #[schema(minimum = -1_000_000, maximum = 1_000_000)]
    stock_delta: Option<i32>,
    /// Its shipping weight; the listing's when left out.
    #[serde(default, deserialize_with = "whole")]
    #[schema(minimum = 0, maximum = 100_000)]
    weight_grams: Option<i32>,
    /// One of the listing's photos (its `id` in `photos`) to show beside the size; another
    /// listing's is a 409 `sizes_conflict`.
    #[serde(default, deserialize_with = "whole")]
    #[schema(minimum = 1)]
    photo_id: Option<i64>,
}

async fn api_detail(
    state: &AppState,
    principal: &crate::features::accounts::auth::Principal,
    pid: Uuid,
) -> Result<ListingDetail, ApiError> {
    let own = selling::find_own(&state.db, principal, pid).await?;
    let photos = photos::photos_of(&state.db, own.listing.id)
        .await?
        .iter()
        .map(photos::photo_view)
        .collect();
    let variants = selling::variants::of(&state.db, own.listing.id)
        .await?
        .into_iter()
        .map(|v| SizeJson {
            id: v.id,
            label: v.label,
            price_vnd: v.price_vnd.dong(),
            stock: v.stock,
            weight_grams: v.weight_grams,
            photo_id: v.photo_id,
        })
        .collect();
    Ok(ListingDetail {
        listing: selling::row_for(&state.db, &own).await?,
        photos,
        variants,
    })
}

#[utoipa::path(
    operation_id = "get_listing",
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
async fn api_get_listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    pid: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let principal = bearer(&state, &req).await?;
    Ok(HttpResponse::Ok().json(api_detail(&state, &principal, *pid).await?))
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
    /// Every pack size the listing keeps, in order (one left out is removed; `[]` removes
    /// them all). While it has any, its price is their lowest and its stock their sum, and
    /// `price_vnd`, `stock` and `stock_delta` are refused with 409; two sizes with one label
    /// are a 409 too.
    #[schema(max_items = 10)]
    variants: Option<Vec<SizeBody>>,
}

#[utoipa::path(
    operation_id = "patch_listing",
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
        (status = 409, description = "The state change is not allowed now (e.g. publishing without a price), the stock (or a pack size's) would leave 0..=1,000,000, or the pack sizes conflict (`sizes_conflict`)", body = ErrorBody),
    )
)]
#[patch("/seller/listings/{pid}")]
async fn api_patch_listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    pid: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let principal = bearer(&state, &req).await?;
    let patch: ListingPatch = parse_body(&body, &REGISTRY_FIELDS, &[])?;
    let input = ListingInput {
        price_vnd: patch.price_vnd.map(Vnd::new),
        stock: patch.stock,
        stock_delta: patch.stock_delta,
        unit: patch.unit,
        weight_grams: patch.weight_grams,
        description_vi: patch.description_vi,
        description_en: patch.description_en,
        variants: patch.variants.map(|sizes| {
            sizes
                .into_iter()
                .map(|s| VariantInput {
                    label: s.label,
                    price_vnd: Vnd::new(s.price_vnd),
                    stock: s.stock,
                    stock_delta: s.stock_delta,
                    weight_grams: s.weight_grams,
                    photo_id: s.photo_id,
                })
                .collect()
        }),
    };
    let now = state.clock.now();
    selling::update_listing(&state.db, &principal, *pid, &input, patch.state, now).await?;
    Ok(HttpResponse::Ok().json(api_detail(&state, &principal, *pid).await?))
}

#[utoipa::path(
    operation_id = "upload_photo",
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
async fn api_upload_photo(
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
    .await?;
    Ok(HttpResponse::Created().json(photo))
}

#[utoipa::path(
    operation_id = "delete_photo",
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
async fn api_delete_photo(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Uuid, i64)>,
) -> Result<HttpResponse, ApiError> {
    let principal = bearer(&state, &req).await?;
    let (pid, photo) = path.into_inner();
    selling::delete_photo(&state.db, &principal, pid, photo, state.clock.now()).await?;
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
    #[schema(value_type = Option<String>)]
    listing_state: Option<ListingState>,
}

#[derive(Serialize, ToSchema)]
struct SellerCertificates {
    #[schema(value_type = i64)]
    seller_id: SellerId,
    name: String,
    #[schema(value_type = String)]
    state: SellerState,
    certificates: Vec<CertificateJson>,
}

#[utoipa::path(
    operation_id = "certificates",
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
async fn api_certificates(
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

#[derive(Deserialize)]
struct SellerQuery {
    seller: Option<SellerId>,
}

/// The producer page's editor: the story in both languages and the photos.
async fn producer_editor(
    state: &AppState,
    req: &HttpRequest,
    shop: &crate::db::entities::seller::Model,
    status: StatusCode,
    stories: (&str, &str),
    error: Option<String>,
    saved: bool,
) -> Result<HttpResponse, PageError> {
    let photos = selling::producer::photos(&state.db, shop.id)
        .await
        .map_err(|e| selling_error(e).err().unwrap_or(PageError::NotFound))?;
    let can_add_photo = photos.len() < selling::producer::MAX_PHOTOS;
    form_page(
        state,
        req,
        status,
        "pages/seller_producer",
        json!({
            "title": tr("producer.seller_title"),
            "seller": { "id": shop.id, "name": shop.display_name, "slug": shop.slug },
            "story_vi": stories.0,
            "story_en": stories.1,
            "max_story": selling::producer::MAX_STORY,
            "photos": photos,
            "can_add_photo": can_add_photo,
            "error": error,
            "saved": saved,
        }),
    )
}

#[get("/seller/producer")]
async fn producer_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<SellerQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let shop = crate::web::forms::chosen_seller(&state, &principal, query.seller).await?;
    let stories = (
        shop.story_vi.clone().unwrap_or_default(),
        shop.story_en.clone().unwrap_or_default(),
    );
    producer_editor(
        &state,
        &req,
        &shop,
        StatusCode::OK,
        (&stories.0, &stories.1),
        None,
        false,
    )
    .await
}

#[derive(Deserialize)]
struct StoryForm {
    csrf: String,
    seller: SellerId,
    #[serde(default)]
    story_vi: String,
    #[serde(default)]
    story_en: String,
}

#[post("/seller/producer")]
async fn save_story(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<StoryForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let shop = crate::web::forms::chosen_seller(&state, &principal, Some(form.seller)).await?;
    let stories = (form.story_vi.as_str(), form.story_en.as_str());
    match selling::producer::save_story(
        &state.db,
        &principal,
        shop.id,
        stories.0,
        stories.1,
        state.clock.now(),
    )
    .await
    {
        Ok(saved) => {
            let kept = (
                saved.story_vi.clone().unwrap_or_default(),
                saved.story_en.clone().unwrap_or_default(),
            );
            producer_editor(
                &state,
                &req,
                &saved,
                StatusCode::OK,
                (&kept.0, &kept.1),
                None,
                true,
            )
            .await
        }
        Err(e) => {
            let why = selling_error(e)?;
            producer_editor(
                &state,
                &req,
                &shop,
                StatusCode::BAD_REQUEST,
                stories,
                Some(why),
                false,
            )
            .await
        }
    }
}

/// `POST /seller/producer/photos` (multipart: `csrf`, `seller`, `photo`).
#[post("/seller/producer/photos")]
async fn add_producer_photo(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let (fields, bytes) = match read_upload(payload).await {
        Ok(read) => read,
        Err(why) => return Err(PageError::BadRequest(why)),
    };
    guard(
        &state,
        &req,
        fields.get("csrf").map_or("", String::as_str),
        &[],
    )
    .await?;
    let asked = fields.get("seller").and_then(|id| id.trim().parse().ok());
    let shop = crate::web::forms::chosen_seller(&state, &principal, asked).await?;
    let _permit = state
        .photo_permits
        .acquire()
        .await
        .map_err(|e| PageError::Unexpected(e.into()))?;
    let added = selling::producer::add_photo(
        &state.db,
        &state.media,
        &principal,
        shop.id,
        bytes,
        state.clock.now(),
    )
    .await;
    match added {
        Ok(_) => Ok(see_other(&format!(
            "/seller/producer?seller={}#photos",
            shop.id
        ))),
        Err(e) => {
            let why = selling_error(e)?;
            let stories = (
                shop.story_vi.clone().unwrap_or_default(),
                shop.story_en.clone().unwrap_or_default(),
            );
            let status = StatusCode::BAD_REQUEST;
            producer_editor(
                &state,
                &req,
                &shop,
                status,
                (&stories.0, &stories.1),
                Some(why),
                false,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct SellerCsrf {
    csrf: String,
    seller: SellerId,
}

#[post("/seller/producer/photos/{photo}/delete")]
async fn delete_producer_photo(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<SellerCsrf>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let shop = crate::web::forms::chosen_seller(&state, &principal, Some(form.seller)).await?;
    selling::producer::delete_photo(&state.db, &principal, shop.id, *path)
        .await
        .map_err(|e| selling_error(e).err().unwrap_or(PageError::NotFound))?;
    Ok(see_other(&format!(
        "/seller/producer?seller={}#photos",
        shop.id
    )))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(dashboard)
        .service(producer_form)
        .service(save_story)
        .service(add_producer_photo)
        .service(delete_producer_photo)
        .service(new_listing_form)
        .service(create_listing)
        .service(edit_listing)
        .service(save_listing)
        .service(change_state)
        .service(upload_photo)
        .service(move_photo)
        .service(delete_photo);
}

/// The seller API, under `/api/v1`.
pub fn configure_api(cfg: &mut web::ServiceConfig) {
    cfg.service(api_list_listings)
        .service(api_create_listing)
        .service(api_get_listing)
        .service(api_patch_listing)
        .service(api_upload_photo)
        .service(api_delete_photo)
        .service(api_certificates);
}
