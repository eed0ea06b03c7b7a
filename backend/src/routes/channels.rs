//! Other modern-trade channels: the seller declares and renews them at `/seller/channels`
//! (with a link or a photographed document as evidence), the officers of its province verify
//! or reject them at `/officer/channels`. The rules are `features::sales::channels`; what a
//! verified channel does to the indicator, `features::sales`.
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
use crate::features::accounts::auth::Principal;
use crate::features::sales::channels::{self, ChannelError, Declaration, Verdict};
use crate::i18n::tr;
use crate::web::auth::require;
use crate::web::auth::require_officer;
use crate::web::error::PageError;
use crate::web::forms::chosen_seller;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::see_other;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(seller_channels)
        .service(declare)
        .service(renew)
        .service(queue)
        .service(decide);
}

/// Why a step was refused, with its status; a database failure is the error page and a
/// declaration the asker may not reach a 404.
fn refusal(e: ChannelError) -> Result<(StatusCode, String), PageError> {
    use ChannelError as E;
    let status = match &e {
        E::Database(_) | E::NotFound => {
            return Err(match e {
                E::Database(e) => e.into(),
                _ => PageError::NotFound,
            });
        }
        E::AlreadyPending | E::Closed | E::NoParticipant => StatusCode::CONFLICT,
        E::BadKind | E::BadName | E::BadSince | E::BadUrl | E::NoEvidence | E::BadReason => {
            StatusCode::BAD_REQUEST
        }
    };
    Ok((status, e.to_string()))
}

#[derive(Deserialize)]
struct SellerQuery {
    seller: Option<SellerId>,
}

async fn seller_page(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    seller: Option<SellerId>,
    status: StatusCode,
    error: Option<String>,
    filled: Option<&SellerForm>,
) -> Result<HttpResponse, PageError> {
    let shop = chosen_seller(state, principal, seller).await?;
    // A refused declaration comes back with what the seller typed (not its photo).
    let typed = |name: &str| filled.map_or("", |f| f.field(name));
    let today = state.clock.today();
    let declarations = channels::for_seller(&state.db, shop.id, today).await?;
    form_page(
        state,
        req,
        status,
        "pages/seller_channels",
        json!({
            "title": tr("channels.seller_title"),
            "seller": { "id": shop.id, "name": shop.display_name },
            "declarations": declarations,
            "kinds": channels::kind_options(),
            "today": today.to_string(),
            "valid_months": channels::VALID_MONTHS,
            "filled": {
                "kind": typed("kind"),
                "channel_name": typed("channel_name"),
                "since": typed("since"),
                "evidence_url": typed("evidence_url"),
            },
            "error": error,
        }),
    )
}

/// The seller's declared channels, with the declaration form.
#[get("/seller/channels")]
async fn seller_channels(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<SellerQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    seller_page(
        &state,
        &req,
        &principal,
        query.seller,
        StatusCode::OK,
        None,
        None,
    )
    .await
}

/// A declaration form read (multipart: `csrf`, `seller` and the form's fields, at most one
/// `photo`): its fields, the seller it is for, and its document through the photo pipeline,
/// once the CSRF token and the principal's right to the seller are checked.
struct SellerForm {
    fields: std::collections::HashMap<String, String>,
    shop: crate::db::entities::seller::Model,
    document: Option<crate::media::Stored>,
}

impl SellerForm {
    async fn read(
        state: &AppState,
        req: &HttpRequest,
        principal: &Principal,
        payload: actix_multipart::Multipart,
    ) -> Result<Self, PageError> {
        let (fields, photos) = crate::web::forms::read_photos(payload, 10, 1)
            .await
            .map_err(PageError::BadRequest)?;
        let field = |name: &str| fields.get(name).map_or("", String::as_str);
        guard(state, req, field("csrf"), &[]).await?;
        let shop = chosen_seller(state, principal, field("seller").trim().parse().ok()).await?;
        let document = crate::web::forms::ingest_photos(state, photos)
            .await?
            .map_err(PageError::BadRequest)?
            .pop();
        Ok(Self {
            fields,
            shop,
            document,
        })
    }

    fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// The seller's page after a declaration or a renewal: at the new declaration, or again with
/// why it was refused (a refused declaration's form filled in again when `refill`).
async fn answer(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    form: &SellerForm,
    refill: bool,
    done: Result<crate::db::entities::channel_declaration::Model, ChannelError>,
) -> Result<HttpResponse, PageError> {
    let shop = &form.shop;
    match done {
        Ok(d) => Ok(see_other(&format!(
            "/seller/channels?seller={}#channel-{}",
            shop.id, d.pid
        ))),
        Err(e) => {
            let (status, why) = refusal(e)?;
            let filled = refill.then_some(form);
            seller_page(
                state,
                req,
                principal,
                Some(shop.id),
                status,
                Some(why),
                filled,
            )
            .await
        }
    }
}

/// `POST /seller/channels` (multipart: `csrf`, `seller`, `kind`, `channel_name`, `since`,
/// `evidence_url`, `photo`): declares a channel.
#[post("/seller/channels")]
async fn declare(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let form = SellerForm::read(&state, &req, &principal, payload).await?;
    let ask = Declaration {
        kind: form.field("kind"),
        channel_name: form.field("channel_name"),
        since: form.field("since"),
        evidence_url: form.field("evidence_url"),
        document: form.document.clone(),
    };
    let shop = &form.shop;
    let now = state.clock.now();
    let done = channels::declare(
        &state.db,
        principal.user.id,
        shop,
        ask,
        state.clock.today(),
        now,
    )
    .await;
    answer(&state, &req, &principal, &form, true, done).await
}

/// `POST /seller/channels/{pid}/renew` (multipart: `csrf`, `seller`, `evidence_url`,
/// `photo`): asks to renew a verified channel with fresh evidence.
#[post("/seller/channels/{declaration}/renew")]
async fn renew(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let form = SellerForm::read(&state, &req, &principal, payload).await?;
    let shop = &form.shop;
    let done = channels::renew(
        &state.db,
        principal.user.id,
        shop,
        *path,
        form.field("evidence_url"),
        form.document.clone(),
        state.clock.now(),
    )
    .await;
    answer(&state, &req, &principal, &form, false, done).await
}

async fn officer_page(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let found = channels::queue(&state.db, principal, state.clock.today()).await?;
    let (pending, decided): (Vec<_>, Vec<_>) = found.into_iter().partition(|d| d.pending);
    let named = |mut d: channels::DeclarationView| {
        d.province_code = state.reference.province_label(&d.province_code);
        d
    };
    form_page(
        state,
        req,
        status,
        "pages/officer_channels",
        json!({
            "title": tr("channels.officer_title"),
            "pending": pending.into_iter().map(named).collect::<Vec<_>>(),
            "decided": decided.into_iter().map(named).collect::<Vec<_>>(),
            "valid_months": channels::VALID_MONTHS,
            "error": error,
        }),
    )
}

/// Declarations of the officer's provinces: those waiting first, then the last decided.
#[get("/officer/channels")]
async fn queue(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let principal = require_officer(&state, &req).await?;
    officer_page(&state, &req, &principal, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct VerdictForm {
    csrf: String,
    /// `verify` or `reject`.
    verdict: String,
    #[serde(default)]
    reason: String,
}

#[post("/officer/channels/{declaration}")]
async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<VerdictForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require_officer(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let verdict = Verdict::parse(&form.verdict)
        .ok_or_else(|| PageError::BadRequest(tr("errors.form.bad_decision")))?;
    let decided = channels::decide(
        &state.db,
        &principal,
        *path,
        verdict,
        &form.reason,
        &state.site,
        state.clock.now(),
    )
    .await;
    match decided {
        Ok(_) => Ok(see_other(&format!("/officer/channels#channel-{}", *path))),
        Err(e) => {
            let (status, why) = refusal(e)?;
            officer_page(&state, &req, &principal, status, Some(why)).await
        }
    }
}
