//! Livestream pages: share links (`/l/{code}`), the public live page (`/live/{id}`) with its
//! server-sent events (`/live/{id}/events`), and the seller's shows (`/seller/live…`): create,
//! link products, start and end, pin, and the show's figures.
use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::post;
use actix_web::web;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::app::AppState;
use crate::db::entities::seller;
use crate::domain::ids::{SellerId, ShowId};
use crate::domain::registry::REGISTRY_FIELDS;
use crate::features::accounts::auth::Principal;
use crate::features::live;
use crate::features::live::LiveError;
use crate::features::live::Platform;
use crate::features::live::ShowInput;
use crate::features::live::ShowState;
use crate::i18n;
use crate::i18n::tr;
use crate::i18n::tr_with;
use crate::web::auth::bearer;
use crate::web::auth::require;
use crate::web::error::ApiError;
use crate::web::error::ErrorBody;
use crate::web::error::PageError;
use crate::web::forms::CsrfOnly;
use crate::web::forms::chosen_seller;
use crate::web::forms::form_page;
use crate::web::forms::guard;
use crate::web::forms::see_other;
use crate::web::json::parse_body;
use serde::Serialize;
use utoipa::ToSchema;

/// A share link: count the click, remember the show, open the product.
#[get("/l/{code}")]
async fn follow(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let (show_id, slug) = live::follow(&state.db, &path)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/products/{slug}")))
        .insert_header(("Cache-Control", "no-store"))
        .cookie(state.cookies.live_cookie(show_id))
        .finish())
}

fn pinned_html(show: &live::PublicShow) -> Result<String, PageError> {
    Ok(crate::render::render_raw(
        "partials/live_pinned",
        &json!({ "pinned": show.pinned, "live": show.state == ShowState::Live }),
    )?)
}

#[get("/live/{id}")]
async fn live_page(
    state: web::Data<AppState>,
    path: web::Path<ShowId>,
) -> Result<HttpResponse, PageError> {
    let show = live::public_show(&state.db, *path, state.clock.now())
        .await?
        .ok_or(PageError::NotFound)?;
    let platform = Platform::parse(&show.platform).map_or("", |p| p.label());
    let body = crate::render::render(
        "pages/live",
        &json!({
            "title": tr_with("live.page_title", &[("title", &show.title)]),
            "description": tr_with("live.page_description", &[("title", &show.title), ("seller", &show.seller_name)]),
            "show": show,
            "platform_label": platform,
            "is_live": show.state == ShowState::Live,
            "is_ended": show.state == ShowState::Ended,
            "pinned_html": pinned_html(&show)?,
            "items": show.items,
        }),
    )?;
    // Browsers ask again each time (the pin moves); this instance keeps the page until a pin
    // made here, the catalog's version or ten seconds say otherwise, and the page's event
    // stream sends the current pin at once.
    let mut response = HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-cache"))
        .content_type("text/html; charset=utf-8")
        .body(body);
    crate::web::page_cache::share(&mut response, false);
    Ok(response)
}

/// Server-sent events: `event: pin` with the pinned product's HTML at once and after every
/// change; a comment every 15 s keeps proxies from closing the connection.
#[get("/live/{id}/events")]
async fn events(
    state: web::Data<AppState>,
    path: web::Path<ShowId>,
) -> Result<HttpResponse, PageError> {
    let id = *path;
    // Subscribed before reading, so a pin made in between is not missed.
    let receiver = state.live.subscribe();
    let first = live::public_show(&state.db, id, state.clock.now())
        .await?
        .ok_or(PageError::NotFound)?;
    let lang = i18n::current();
    let render = move |show: &live::PublicShow| -> String {
        let html = i18n::in_lang(lang, || pinned_html(show)).unwrap_or_default();
        let data = json!({ "version": show.pin_version, "html": html });
        format!("event: pin\ndata: {data}\n\n")
    };
    let opening = render(&first);
    let db = state.db.clone();
    let clock = state.clock;
    let updates = futures::stream::unfold(
        (receiver, first.pin_version),
        move |(mut receiver, mut version)| {
            let db = db.clone();
            async move {
                loop {
                    let woke = tokio::time::timeout(Duration::from_secs(15), receiver.recv()).await;
                    let changed = match woke {
                        Err(_) => {
                            return Some((": keep-alive\n\n".to_owned(), (receiver, version)));
                        }
                        Ok(Ok(show_id)) => show_id == id,
                        // Missed some: look anyway.
                        Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => true,
                        Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => return None,
                    };
                    if !changed {
                        continue;
                    }
                    let Ok(Some(show)) = live::public_show(&db, id, clock.now()).await else {
                        continue;
                    };
                    if show.pin_version == version {
                        continue;
                    }
                    version = show.pin_version;
                    return Some((render(&show), (receiver, version)));
                }
            }
        },
    );
    let stream = futures::stream::once(async move { opening })
        .chain(updates)
        .map(|chunk| Ok::<_, actix_web::Error>(web::Bytes::from(chunk)));
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .content_type("text/event-stream")
        .streaming(stream))
}

#[derive(Deserialize)]
struct SellerQuery {
    seller: Option<SellerId>,
}

#[derive(Default, Deserialize, serde::Serialize)]
struct ShowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    seller: SellerId,
    #[serde(default)]
    title: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    stream_url: String,
    #[serde(default)]
    scheduled_at: String,
}

async fn shows_view(
    state: &AppState,
    req: &HttpRequest,
    shop: &seller::Model,
    status: StatusCode,
    form: &ShowForm,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let list: Vec<_> = live::shows_of(&state.db, shop.id)
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "pid": s.pid,
                "id": s.id,
                "title": s.title,
                "state": s.state,
                "platform": Platform::parse(&s.platform).map_or("", |p| p.label()),
                "scheduled": crate::domain::time::format_vietnam(s.scheduled_at),
            })
        })
        .collect();
    let platforms: Vec<_> = Platform::ALL
        .iter()
        .map(|p| json!({ "value": p.as_str(), "label": p.label(), "selected": p.as_str() == form.platform }))
        .collect();
    form_page(
        state,
        req,
        status,
        "pages/seller_live",
        json!({
            "title": tr("live.seller_title"),
            "seller": { "id": shop.id, "name": shop.display_name },
            "shows": list,
            "platforms": platforms,
            "form": form,
            "error": error,
        }),
    )
}

#[get("/seller/live")]
async fn shows(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<SellerQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    let shop = chosen_seller(&state, &principal, query.seller).await?;
    let form = ShowForm {
        scheduled_at: crate::domain::time::vietnam_local_value(
            state.clock.now() + chrono::Duration::hours(1),
        ),
        ..ShowForm::default()
    };
    shows_view(&state, &req, &shop, StatusCode::OK, &form, None).await
}

#[post("/seller/live")]
async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ShowForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let shop = chosen_seller(&state, &principal, Some(form.seller)).await?;
    let Some(scheduled_at) = crate::domain::time::parse_vietnam_local(&form.scheduled_at) else {
        let message = LiveError::BadTime.to_string();
        return shows_view(
            &state,
            &req,
            &shop,
            StatusCode::BAD_REQUEST,
            &form,
            Some(message),
        )
        .await;
    };
    let input = ShowInput {
        title: form.title.clone(),
        platform: form.platform.clone(),
        stream_url: form.stream_url.clone(),
        scheduled_at,
    };
    match live::create_show(&state.db, &principal, shop.id, &input, state.clock.now()).await {
        Ok(show) => Ok(see_other(&format!("/seller/live/{}", show.pid))),
        Err(LiveError::Database(e)) => Err(e.into()),
        Err(LiveError::NotFound) => Err(PageError::AccessDenied),
        Err(e) => {
            let message = e.to_string();
            shows_view(
                &state,
                &req,
                &shop,
                StatusCode::BAD_REQUEST,
                &form,
                Some(message),
            )
            .await
        }
    }
}

fn live_error(e: LiveError) -> Result<String, PageError> {
    match e {
        LiveError::NotFound => Err(PageError::NotFound),
        LiveError::Database(e) => Err(e.into()),
        other => Ok(other.to_string()),
    }
}

async fn show_view(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    pid: Uuid,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let show = live::find_own(&state.db, principal, pid)
        .await
        .map_err(|e| live_error(e).err().unwrap_or(PageError::NotFound))?;
    let view = live::seller_show(&state.db, show).await?;
    let options: Vec<_> = live::candidates(&state.db, &view)
        .await?
        .into_iter()
        .map(|(pid, title)| json!({ "pid": pid, "title": title }))
        .collect();
    let site = state.site.clone();
    form_page(
        state,
        req,
        status,
        "pages/seller_live_show",
        json!({
            "title": tr_with("live.show_title", &[("title", &view.show.title)]),
            "view": view,
            "site": site,
            "options": options,
            "is_scheduled": view.show.state == ShowState::Scheduled.as_str(),
            "is_live": view.show.state == ShowState::Live.as_str(),
            "is_ended": view.show.state == ShowState::Ended.as_str(),
            "error": error,
        }),
    )
}

#[get("/seller/live/{pid}")]
async fn show_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    show_view(&state, &req, &principal, *path, StatusCode::OK, None).await
}

/// Applies a change to a show, then shows the show page (with the error message, if any).
async fn after(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    pid: Uuid,
    result: Result<(), LiveError>,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(()) => Ok(see_other(&format!("/seller/live/{pid}"))),
        Err(e) => {
            let message = live_error(e)?;
            show_view(
                state,
                req,
                principal,
                pid,
                StatusCode::CONFLICT,
                Some(message),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct LinkForm {
    csrf: String,
    listing: Uuid,
}

#[post("/seller/live/{pid}/items")]
async fn link(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<LinkForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let result = live::link_listing(&state.db, &principal, *path, form.listing)
        .await
        .map(|_| ());
    after(&state, &req, &principal, *path, result).await
}

#[post("/seller/live/{pid}/items/{item}/delete")]
async fn unlink(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Uuid, i64)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    let (pid, item) = *path;
    let result = live::unlink_listing(&state.db, &principal, pid, item, state.clock.now())
        .await
        .map(|show| state.live.publish(show.id));
    after(&state, &req, &principal, pid, result).await
}

#[derive(Deserialize)]
struct PinForm {
    csrf: String,
    /// Empty: unpin.
    #[serde(default)]
    listing: String,
}

#[post("/seller/live/{pid}/pin")]
async fn pin(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<PinForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    own_show(&state, &principal, *path).await?;
    let listing = match form.listing.trim() {
        "" => None,
        raw => match Uuid::parse_str(raw) {
            Ok(pid) => Some(pid),
            Err(_) => {
                return after(
                    &state,
                    &req,
                    &principal,
                    *path,
                    Err(live::LiveError::NotLinked),
                )
                .await;
            }
        },
    };
    let result = live::pin(&state.db, &principal, *path, listing, state.clock.now())
        .await
        .map(|show| state.live.publish(show.id));
    after(&state, &req, &principal, *path, result).await
}

/// Refuses (404) a show that is not one of the principal's sellers', before any form value is
/// looked at.
async fn own_show(state: &AppState, principal: &Principal, pid: Uuid) -> Result<(), PageError> {
    match live::find_own(&state.db, principal, pid).await {
        Ok(_) => Ok(()),
        Err(live::LiveError::Database(e)) => Err(e.into()),
        Err(_) => Err(PageError::NotFound),
    }
}

#[derive(Deserialize)]
struct StateForm {
    csrf: String,
    state: String,
}

#[post("/seller/live/{pid}/state")]
async fn change_state(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    form: web::Form<StateForm>,
) -> Result<HttpResponse, PageError> {
    let principal = require(&state, &req).await?;
    guard(&state, &req, &form.csrf, &[]).await?;
    own_show(&state, &principal, *path).await?;
    let to = match ShowState::parse(&form.state) {
        Some(to @ (ShowState::Live | ShowState::Ended)) => to,
        _ => return Err(PageError::BadRequest(tr("live.error.transition"))),
    };
    let result = live::set_state(&state.db, &principal, *path, to, state.clock.now())
        .await
        .map(|show| state.live.publish(show.id));
    after(&state, &req, &principal, *path, result).await
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
    use crate::features::live;
    let principal = bearer(&state, &req).await?;
    let request: PinRequest = parse_body(&body, &REGISTRY_FIELDS, &[])?;
    let show = live::pin(
        &state.db,
        &principal,
        *path,
        request.listing,
        state.clock.now(),
    )
    .await?;
    state.live.publish(show.id);
    Ok(HttpResponse::Ok().json(PinResponse {
        show: show.pid,
        pinned: request.listing,
        pin_version: show.pin_version,
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(follow)
        .service(live_page)
        .service(events)
        .service(shows)
        .service(create)
        .service(show_page)
        .service(link)
        .service(unlink)
        .service(pin)
        .service(change_state);
}

/// Under `/api/v1`.
pub fn configure_api(cfg: &mut web::ServiceConfig) {
    cfg.service(pin_live);
}
