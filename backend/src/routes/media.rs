//! `/media/{key}`: photo files from the media store. Keys are content-addressed, so responses
//! are cached for a year as immutable.
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::web;

use crate::app::AppState;
use crate::media::store::StoreError;
use crate::media::store::check_key;
use crate::web::error::PageError;

#[get("/media/{key:.*}")]
pub async fn serve(
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    if check_key(&key).is_err() || !key.ends_with(".jpg") {
        return Err(PageError::NotFound);
    }
    match state.media.get(&key).await {
        Ok(Some(bytes)) => Ok(HttpResponse::Ok()
            .content_type("image/jpeg")
            .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .body(bytes)),
        Ok(None) | Err(StoreError::BadKey) => Err(PageError::NotFound),
        Err(e) => Err(PageError::Unexpected(e.into())),
    }
}
