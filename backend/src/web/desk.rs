//! The desks of the seller and outlet areas that manage something of their own (vouchers,
//! gift combos): who asks, for which seller or outlet, and where the pages and forms live.
use actix_web::HttpRequest;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::ids::{OutletId, SellerId};
use crate::features::offers::Issuer;
use crate::web::auth::require;
use crate::web::error::PageError;
use crate::web::forms::chosen_seller;

/// Who asks: which issuer's codes (or gift combos) the page shows, and the page's own address.
pub struct Desk {
    pub issuer: Issuer,
    /// The page, with the seller or outlet chosen (`/seller/vouchers?seller=3`).
    pub page: String,
    /// Where its forms post, without the query (`/seller/vouchers`).
    pub base: String,
    /// The hidden field that names the seller or outlet, if any.
    pub scope: Option<(&'static str, i64)>,
    pub by: crate::domain::ids::UserId,
}

#[derive(Deserialize)]
pub struct DeskQuery {
    pub seller: Option<SellerId>,
    pub outlet: Option<OutletId>,
}

/// A seller's desk for its `area` (`vouchers`, `combos`): members of the seller only.
pub async fn seller_desk(
    state: &AppState,
    req: &HttpRequest,
    asked: Option<SellerId>,
    area: &str,
) -> Result<Desk, PageError> {
    let principal = require(state, req).await?;
    let shop = chosen_seller(state, &principal, asked).await?;
    Ok(Desk {
        issuer: Issuer::Seller(shop.id),
        page: format!("/seller/{area}?seller={}", shop.id),
        base: format!("/seller/{area}"),
        scope: Some(("seller", shop.id.get())),
        by: principal.user.id,
    })
}

/// An outlet's desk for its `area`: its staff only (the only outlet they staff when none is
/// asked for).
pub async fn outlet_desk(
    state: &AppState,
    req: &HttpRequest,
    asked: Option<OutletId>,
    area: &str,
) -> Result<Desk, PageError> {
    use crate::features::outlets;
    let principal = require(state, req).await?;
    let id = match asked {
        Some(id) => id,
        None => match outlets::operated_by(&state.db, &principal)
            .await?
            .as_slice()
        {
            [only] => only.id,
            _ => return Err(PageError::AccessDenied),
        },
    };
    let shop = outlets::find_operated(&state.db, &principal, id)
        .await
        .map_err(|e| match e {
            outlets::OutletError::Database(e) => e.into(),
            _ => PageError::AccessDenied,
        })?;
    Ok(Desk {
        issuer: Issuer::Outlet(shop.id),
        page: format!("/outlet/{area}?outlet={}", shop.id),
        base: format!("/outlet/{area}"),
        scope: Some(("outlet", shop.id.get())),
        by: principal.user.id,
    })
}

#[derive(Deserialize)]
pub struct EndForm {
    pub csrf: String,
    pub seller: Option<SellerId>,
    pub outlet: Option<OutletId>,
}
