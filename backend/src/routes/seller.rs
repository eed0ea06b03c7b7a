//! The seller area, server-rendered: onboarding (apply, enter the code), the dashboard with
//! certificate status, and listing management with photos. Every handler loads the signed-in
//! principal and lets `selling`/`onboarding` check its scope.
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::app::AppState;
use crate::db::entities::{registry_certificate, seller};
use crate::features::accounts::auth::{Action, Principal, Scope};
use crate::features::catalog::photos;
use crate::features::onboarding::{self, OnboardingError};
use crate::features::selling::{self, ListingInput, Move, SellerTarget, SellingError};
use crate::i18n::{pick, tr, tr_with};
use crate::web::auth::require;
use crate::web::error::PageError;
use crate::web::forms::{CsrfOnly, read_upload, see_other};
use crate::web::forms::{form_page, guard, message_page};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(dashboard)
        .service(apply_form)
        .service(apply)
        .service(application_page)
        .service(submit_code)
        .service(resend_code)
        .service(new_listing_form)
        .service(create_listing)
        .service(edit_listing)
        .service(save_listing)
        .service(change_state)
        .service(upload_photo)
        .service(move_photo)
        .service(delete_photo);
}

const APPLY_PER_USER: u32 = 10;
const CODE_PER_USER: u32 = 20;
const RESEND_PER_USER: u32 = 3;

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

fn apply_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    error: Option<String>,
    registration_no: &str,
) -> Result<HttpResponse, PageError> {
    form_page(
        state,
        req,
        status,
        "pages/seller_apply",
        json!({
            "title": tr("seller.apply_title"),
            "error": error,
            "registration_no": registration_no,
        }),
    )
}

#[get("/seller/apply")]
async fn apply_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    require(&state, &req).await?;
    apply_page(&state, &req, StatusCode::OK, None, "")
}

#[derive(Deserialize)]
struct ApplyForm {
    csrf: String,
    registration_no: String,
}

#[post("/seller/apply")]
async fn apply(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ApplyForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let limits = [(format!("apply:user:{}", principal.user.id), APPLY_PER_USER)];
    guard(&state, &req, &form.csrf, &limits).await?;
    let site = state.site.clone();
    match onboarding::apply(
        &state.db,
        &principal,
        &form.registration_no,
        &site,
        state.clock.now(),
    )
    .await
    {
        Ok(applied) => Ok(see_other(&format!(
            "/seller/applications/{}",
            applied.application.pid
        ))),
        Err(OnboardingError::Database(e)) => Err(e.into()),
        Err(e) => apply_page(
            &state,
            &req,
            StatusCode::BAD_REQUEST,
            Some(e.to_string()),
            &form.registration_no,
        ),
    }
}

async fn application_view(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    pid: Uuid,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<HttpResponse, PageError> {
    let view = onboarding::for_user(&state.db, principal.user.id)
        .await?
        .into_iter()
        .find(|a| a.pid == pid)
        .ok_or(PageError::NotFound)?;
    form_page(
        state,
        req,
        status,
        "pages/seller_application",
        json!({
            "title": tr("seller.application_title"),
            "application": view,
            "awaiting_code": view.state == onboarding::State::AwaitingCode.as_str(),
            "in_review": view.state == onboarding::State::InReview.as_str(),
            "approved": view.state == onboarding::State::Approved.as_str(),
            "rejected": view.state == onboarding::State::Rejected.as_str(),
            "minutes": onboarding::CODE_MINUTES,
            "error": error,
            "notice": notice,
        }),
    )
}

#[get("/seller/applications/{pid}")]
async fn application_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    application_view(&state, &req, &principal, *path, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
struct CodeForm {
    csrf: String,
    code: String,
}

#[post("/seller/applications/{pid}/code")]
async fn submit_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let limits = [(format!("code:user:{}", principal.user.id), CODE_PER_USER)];
    guard(&state, &req, &form.csrf, &limits).await?;
    let site = state.site.clone();
    match onboarding::submit_code(
        &state.db,
        &principal,
        *path,
        &form.code,
        &site,
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(message_page(
                &tr("seller.verified_title"),
                &tr("seller.verified"),
                "/seller",
                &tr("seller.to_seller_area"),
            )?)),
        Err(e) => application_error(&state, &req, &principal, *path, e).await,
    }
}

/// An onboarding error: a 404 or 500 page, or the application page again with the message.
async fn application_error(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    pid: Uuid,
    error: OnboardingError,
) -> Result<HttpResponse, PageError> {
    match error {
        OnboardingError::NotFound => Err(PageError::NotFound),
        OnboardingError::Database(e) => Err(e.into()),
        e => {
            let message = Some(e.to_string());
            application_view(
                state,
                req,
                principal,
                pid,
                StatusCode::BAD_REQUEST,
                message,
                None,
            )
            .await
        }
    }
}

#[post("/seller/applications/{pid}/resend")]
async fn resend_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let limits = [(
        format!("resend:user:{}", principal.user.id),
        RESEND_PER_USER,
    )];
    guard(&state, &req, &form.csrf, &limits).await?;
    match onboarding::resend_code(&state.db, &principal, *path, state.clock.now()).await {
        Ok(to) => {
            application_view(
                &state,
                &req,
                &principal,
                *path,
                StatusCode::OK,
                None,
                Some(tr_with("seller.resent", &[("to", &to)])),
            )
            .await
        }
        Err(e) => application_error(&state, &req, &principal, *path, e).await,
    }
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
}

impl ListingForm {
    fn input(&self) -> Result<ListingInput, String> {
        fn number<T: std::str::FromStr>(raw: &str, what: &str) -> Result<Option<T>, String> {
            // "150.000" and "150 000" are how prices are written in Vietnam.
            let digits: String = raw
                .chars()
                .filter(|c| !matches!(c, '.' | ' ' | '_'))
                .collect();
            if digits.is_empty() {
                return Ok(None);
            }
            digits
                .parse()
                .map(Some)
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
        Ok(ListingInput {
            price_vnd: number(&self.price_vnd, "errors.form.price")?,
            stock,
            stock_delta,
            unit: Some(self.unit.clone()),
            weight_grams: Some(number(&self.weight_grams, "errors.form.weight")?.unwrap_or(0)),
            description_vi: Some(self.description_vi.clone()),
            description_en: Some(self.description_en.clone()),
        })
    }
}

#[derive(Deserialize)]
struct NewListingQuery {
    seller: i64,
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
    let (seller_id, certificate_no) = (which.seller, which.certificate.as_str());
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    if !principal.can(Action::ManageSeller, &Scope::Seller(seller_id)) {
        return Err(PageError::AccessDenied);
    }
    let seller = seller::Entity::find_by_id(seller_id)
        .one(&state.db)
        .await?
        .ok_or(PageError::NotFound)?;
    let cert = registry_certificate::Entity::find()
        .filter(registry_certificate::Column::CertificateNo.eq(certificate_no))
        .filter(registry_certificate::Column::ParticipantId.eq(seller.participant_id))
        .one(&state.db)
        .await?
        .ok_or(PageError::NotFound)?;
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
            "province": state.reference.province(&cert.province_code).map(|p| pick(&p.name_vi, &p.name_en).to_owned()),
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
    seller_id: i64,
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
    let certificate_valid =
        own.certificate.status == "active" && own.certificate.expires_on > today;
    let row = selling::row_for(&state.db, &own).await?;
    form_page(
        state,
        req,
        status,
        "pages/seller_listing_edit",
        json!({
            "title": format!("{} — {}", own.certificate.product_name_vi, tr("seller.heading")),
            "listing": row,
            "certificate": own.certificate,
            "certificate_valid": certificate_valid,
            "days_left": (own.certificate.expires_on - today).num_days(),
            "group": state.reference.group(&own.certificate.group_code).map(|g| pick(&g.name_vi, &g.name_en).to_owned()),
            "province": state.reference.province(&own.certificate.province_code).map(|p| pick(&p.name_vi, &p.name_en).to_owned()),
            "photo_count": photos.len(),
            "photos": photos,
            "max_photos": selling::MAX_PHOTOS,
            "can_add_photo": photos.len() < selling::MAX_PHOTOS,
            "is_published": own.listing.state == "published",
            "is_delisted": own.listing.state == "delisted",
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
