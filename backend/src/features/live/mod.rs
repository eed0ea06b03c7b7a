//! Livestream selling. A seller makes a live show (title, platform, stream address, time),
//! links its own listings to it in order (each gets a share link `/l/{code}`), starts it, pins
//! one product at a time and ends it. Following a share link counts a click and remembers the
//! show in a signed cookie for 24 hours; a checkout made with that cookie, whose cart holds a
//! product of the show, is recorded in the livestream channel with the show's id.
//!
//! Open live pages learn about a new pin through server-sent events: [`LiveHub`] carries pin
//! changes to every subscriber of this process at once, and a poller reads the pin versions of
//! live shows from the database twice a second, so a pin made through another app instance
//! reaches them too.
use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::db::entities::{
    checkout, listing, live_show, live_show_item, order, order_item, seller,
};
use crate::domain::ids::{CheckoutId, ListingId, OrderId, SellerId, ShowId};
use crate::domain::money::Vnd;
pub use crate::domain::states::ShowState;
use crate::domain::states::{ListingState, OrderState};
use crate::domain::time::{format_vietnam, vietnam_date};
use crate::features::accounts::auth::{Action, Principal, Scope};
use crate::features::catalog::queries::{ListingCard, visible_cards};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    Facebook,
    TikTok,
    YouTube,
    Zalo,
    Other,
}

impl Platform {
    pub const ALL: [Self; 5] = [
        Self::Facebook,
        Self::TikTok,
        Self::YouTube,
        Self::Zalo,
        Self::Other,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Facebook => "facebook",
            Self::TikTok => "tiktok",
            Self::YouTube => "youtube",
            Self::Zalo => "zalo",
            Self::Other => "other",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Facebook => "Facebook",
            Self::TikTok => "TikTok",
            Self::YouTube => "YouTube",
            Self::Zalo => "Zalo",
            Self::Other => "Other",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// No such show (or item), or not one of this user's sellers.
    NotFound,
    BadTitle,
    BadPlatform,
    BadUrl,
    BadTime,
    NotOwnListing,
    Ended,
    NotLinked,
    BadTransition {
        from: ShowState,
        to: ShowState,
    },
    Database(#[from] DbErr),
}

/// The text shown to the person who asked, in the current language; a failure of the
/// database or a store describes itself for the log (routes show the error page instead).
impl std::fmt::Display for LiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = {
            use crate::i18n::tr;
            match self {
                Self::BadTitle => tr("live.error.title"),
                Self::BadPlatform => tr("live.error.platform"),
                Self::BadUrl => tr("live.error.url"),
                Self::BadTime => tr("live.error.time"),
                Self::NotOwnListing => tr("live.error.not_own"),
                Self::Ended => tr("live.error.ended"),
                Self::NotLinked => tr("live.error.not_linked"),
                Self::BadTransition { .. } => tr("live.error.transition"),
                Self::NotFound => tr("error.not_found"),
                Self::Database(e) => e.to_string(),
            }
        };
        f.write_str(&text)
    }
}

/// What a seller fills in for a show.
#[derive(Clone, Debug)]
pub struct ShowInput {
    pub title: String,
    pub platform: String,
    pub stream_url: String,
    pub scheduled_at: DateTime<Utc>,
}

impl ShowInput {
    fn validate(&self) -> Result<(String, Platform, String), LiveError> {
        let title = self.title.trim();
        if !(3..=120).contains(&title.chars().count()) {
            return Err(LiveError::BadTitle);
        }
        let platform = Platform::parse(&self.platform).ok_or(LiveError::BadPlatform)?;
        let url = self.stream_url.trim();
        let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
        if !scheme_ok || url.len() > 500 || url.contains(char::is_whitespace) {
            return Err(LiveError::BadUrl);
        }
        Ok((title.to_owned(), platform, url.to_owned()))
    }
}

/// Carries "show N has a new pin" to the live pages open in this process.
#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<ShowId>,
}

impl Default for LiveHub {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveHub {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(256);
        Self { sender }
    }

    pub fn publish(&self, show_id: ShowId) {
        // No live page open: nobody to tell.
        let _ = self.sender.send(show_id);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ShowId> {
        self.sender.subscribe()
    }

    /// Reads the pin versions of live shows every `every` and publishes the ones that changed
    /// (pins made through another app instance). Runs until the process stops.
    pub async fn poll(self, db: DatabaseConnection, every: Duration) {
        let mut seen: HashMap<_, _> = HashMap::new();
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            let rows: Result<Vec<(ShowId, i64)>, DbErr> = live_show::Entity::find()
                .filter(live_show::Column::State.eq(ShowState::Live))
                .select_only()
                .column(live_show::Column::Id)
                .column(live_show::Column::PinVersion)
                .into_tuple()
                .all(&db)
                .await;
            let rows = match rows {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "reading live pins failed");
                    continue;
                }
            };
            for (id, version) in &rows {
                // A show seen for the first time may have been pinned elsewhere already; the
                // streams compare versions, so telling them too often costs one query.
                if seen.insert(*id, *version) != Some(*version) {
                    self.publish(*id);
                }
            }
            seen.retain(|id, _| rows.iter().any(|(live, _)| live == id));
        }
    }
}

/// `7` characters without look-alikes, for share links.
fn new_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    Uuid::new_v4().as_bytes()[..7]
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// A show of one of `principal`'s sellers (another seller's answers NotFound).
pub async fn find_own(
    db: &impl ConnectionTrait,
    principal: &Principal,
    pid: Uuid,
) -> Result<live_show::Model, LiveError> {
    live_show::Entity::find()
        .filter(live_show::Column::Pid.eq(pid))
        .one(db)
        .await?
        .filter(|s| principal.can(Action::ManageSeller, &Scope::Seller(s.seller_id)))
        .ok_or(LiveError::NotFound)
}

pub async fn create_show(
    db: &DatabaseConnection,
    principal: &Principal,
    seller_id: SellerId,
    input: &ShowInput,
    now: DateTime<Utc>,
) -> Result<live_show::Model, LiveError> {
    if !principal.can(Action::ManageSeller, &Scope::Seller(seller_id)) {
        return Err(LiveError::NotFound);
    }
    let (title, platform, url) = input.validate()?;
    Ok(live_show::ActiveModel {
        pid: Set(Uuid::new_v4()),
        seller_id: Set(seller_id),
        title: Set(title),
        platform: Set(platform.as_str().to_owned()),
        stream_url: Set(url),
        scheduled_at: Set(input.scheduled_at),
        state: Set(ShowState::Scheduled),
        started_at: Set(None),
        ended_at: Set(None),
        pinned_listing_id: Set(None),
        pin_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Links one of the seller's listings to the show, last in order, with a new share code.
pub async fn link_listing(
    db: &DatabaseConnection,
    principal: &Principal,
    show_pid: Uuid,
    listing_pid: Uuid,
) -> Result<live_show_item::Model, LiveError> {
    let show = find_own(db, principal, show_pid).await?;
    if show.state == ShowState::Ended.as_str() {
        return Err(LiveError::Ended);
    }
    let item = listing::Entity::find()
        .filter(listing::Column::Pid.eq(listing_pid))
        .filter(listing::Column::SellerId.eq(show.seller_id))
        .one(db)
        .await?
        .ok_or(LiveError::NotOwnListing)?;
    if let Some(existing) = live_show_item::Entity::find()
        .filter(live_show_item::Column::ShowId.eq(show.id))
        .filter(live_show_item::Column::ListingId.eq(item.id))
        .one(db)
        .await?
    {
        return Ok(existing);
    }
    let last: Option<i32> = live_show_item::Entity::find()
        .filter(live_show_item::Column::ShowId.eq(show.id))
        .select_only()
        .column_as(live_show_item::Column::Position.max(), "p")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    // A code collision (1 in 27 billion) is retried with a new code.
    for _ in 0..3 {
        let inserted = live_show_item::ActiveModel {
            show_id: Set(show.id),
            listing_id: Set(item.id),
            position: Set(last.unwrap_or(0) + 1),
            code: Set(new_code()),
            clicks: Set(0),
            ..Default::default()
        }
        .insert(db)
        .await;
        match inserted {
            Ok(linked) => return Ok(linked),
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(LiveError::Database(DbErr::Custom(
        "no free share code".into(),
    )))
}

/// Removes a linked listing (unpinning it if pinned).
pub async fn unlink_listing(
    db: &DatabaseConnection,
    principal: &Principal,
    show_pid: Uuid,
    item_id: i64,
    now: DateTime<Utc>,
) -> Result<live_show::Model, LiveError> {
    let show = find_own(db, principal, show_pid).await?;
    let item = live_show_item::Entity::find_by_id(item_id)
        .filter(live_show_item::Column::ShowId.eq(show.id))
        .one(db)
        .await?
        .ok_or(LiveError::NotFound)?;
    let txn = crate::db::begin_write(db).await?;
    live_show_item::Entity::delete_by_id(item.id)
        .exec(&txn)
        .await?;
    let show = if show.pinned_listing_id == Some(item.listing_id) {
        set_pin(&txn, &show, None, now).await?
    } else {
        show
    };
    txn.commit().await?;
    Ok(show)
}

async fn set_pin(
    db: &impl ConnectionTrait,
    show: &live_show::Model,
    listing_id: Option<ListingId>,
    now: DateTime<Utc>,
) -> Result<live_show::Model, DbErr> {
    live_show::Entity::update_many()
        .col_expr(live_show::Column::PinnedListingId, Expr::value(listing_id))
        .col_expr(
            live_show::Column::PinVersion,
            Expr::col(live_show::Column::PinVersion).add(1),
        )
        .col_expr(live_show::Column::UpdatedAt, Expr::value(now))
        .filter(live_show::Column::Id.eq(show.id))
        .exec(db)
        .await?;
    live_show::Entity::find_by_id(show.id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("live show {}", show.id)))
}

/// Pins one of the show's linked listings (`None` unpins). The caller publishes the change.
pub async fn pin(
    db: &DatabaseConnection,
    principal: &Principal,
    show_pid: Uuid,
    listing_pid: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<live_show::Model, LiveError> {
    let show = find_own(db, principal, show_pid).await?;
    if show.state == ShowState::Ended.as_str() {
        return Err(LiveError::Ended);
    }
    let listing_id = match listing_pid {
        None => None,
        Some(pid) => {
            let item = listing::Entity::find()
                .filter(listing::Column::Pid.eq(pid))
                .one(db)
                .await?
                .ok_or(LiveError::NotLinked)?;
            let linked = live_show_item::Entity::find()
                .filter(live_show_item::Column::ShowId.eq(show.id))
                .filter(live_show_item::Column::ListingId.eq(item.id))
                .one(db)
                .await?
                .is_some();
            if !linked {
                return Err(LiveError::NotLinked);
            }
            Some(item.id)
        }
    };
    Ok(set_pin(db, &show, listing_id, now).await?)
}

/// Starts (scheduled → live) or ends (live → ended) a show.
pub async fn set_state(
    db: &DatabaseConnection,
    principal: &Principal,
    show_pid: Uuid,
    to: ShowState,
    now: DateTime<Utc>,
) -> Result<live_show::Model, LiveError> {
    let show = find_own(db, principal, show_pid).await?;
    let from = show.state;
    let allowed = matches!(
        (from, to),
        (ShowState::Scheduled, ShowState::Live) | (ShowState::Live, ShowState::Ended)
    );
    if !allowed {
        return Err(LiveError::BadTransition { from, to });
    }
    let mut changed: live_show::ActiveModel = show.into();
    changed.state = Set(to);
    match to {
        ShowState::Live => changed.started_at = Set(Some(now)),
        _ => changed.ended_at = Set(Some(now)),
    }
    changed.updated_at = Set(now);
    Ok(changed.update(db).await?)
}

/// Follows a share link: counts the click and returns the show's id and the product's slug.
pub async fn follow(
    db: &DatabaseConnection,
    code: &str,
) -> Result<Option<(ShowId, String)>, DbErr> {
    let Some(item) = live_show_item::Entity::find()
        .filter(live_show_item::Column::Code.eq(code))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    live_show_item::Entity::update_many()
        .col_expr(
            live_show_item::Column::Clicks,
            Expr::col(live_show_item::Column::Clicks).add(1),
        )
        .filter(live_show_item::Column::Id.eq(item.id))
        .exec(db)
        .await?;
    let slug = listing::Entity::find_by_id(item.listing_id)
        .one(db)
        .await?
        .map(|l| l.slug);
    Ok(slug.map(|slug| (item.show_id, slug)))
}

/// Whether a checkout of `listing_ids` made after following a link of `show_id` belongs to the
/// show: the show is not over for more than a day, and one of the products is linked to it.
pub async fn attributes(
    db: &impl ConnectionTrait,
    show_id: ShowId,
    listing_ids: &[ListingId],
) -> Result<bool, DbErr> {
    let linked = live_show_item::Entity::find()
        .filter(live_show_item::Column::ShowId.eq(show_id))
        .filter(live_show_item::Column::ListingId.is_in(listing_ids.iter().copied()))
        .one(db)
        .await?;
    Ok(linked.is_some())
}

/// A linked listing as the seller's show page shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LinkedItem {
    pub item_id: i64,
    pub code: String,
    pub listing_pid: Uuid,
    pub title: String,
    pub price_vnd: Vnd,
    pub pinned: bool,
    pub clicks: i64,
    pub orders: i64,
    pub units: i64,
    pub revenue_vnd: Vnd,
}

/// Orders, units and revenue of a show, per listing, from the orders it brought in
/// (cancelled and refunded ones left out).
async fn sales_by_listing(
    db: &impl ConnectionTrait,
    show_ids: &[ShowId],
) -> Result<HashMap<(ShowId, ListingId), (i64, i64, Vnd)>, DbErr> {
    let checkouts: Vec<(CheckoutId, Option<ShowId>)> = checkout::Entity::find()
        .filter(checkout::Column::LiveShowId.is_in(show_ids.iter().copied()))
        .select_only()
        .column(checkout::Column::Id)
        .column(checkout::Column::LiveShowId)
        .into_tuple()
        .all(db)
        .await?;
    let show_of: HashMap<_, _> = checkouts
        .iter()
        .filter_map(|(c, s)| Some((*c, (*s)?)))
        .collect();
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.is_in(show_of.keys().copied()))
        .filter(order::Column::State.is_not_in([
            OrderState::Cancelled,
            OrderState::Refunded,
            OrderState::Returned,
        ]))
        .all(db)
        .await?;
    let checkout_of: HashMap<_, _> = orders.iter().map(|o| (o.id, o.checkout_id)).collect();
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(checkout_of.keys().copied()))
        .all(db)
        .await?;
    let mut out: HashMap<(ShowId, ListingId), (i64, i64, Vnd)> = HashMap::new();
    let mut counted: std::collections::HashSet<(ShowId, ListingId, OrderId)> = Default::default();
    for item in items {
        let Some(show) = checkout_of.get(&item.order_id).and_then(|c| show_of.get(c)) else {
            continue;
        };
        let entry = out.entry((*show, item.listing_id)).or_default();
        if counted.insert((*show, item.listing_id, item.order_id)) {
            entry.0 += 1;
        }
        entry.1 += i64::from(item.quantity);
        entry.2 += item.paid_for(item.quantity);
    }
    Ok(out)
}

/// A show with its linked listings and their figures, for the seller.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SellerShow {
    pub show: live_show::Model,
    pub scheduled: String,
    pub items: Vec<LinkedItem>,
    pub clicks: i64,
    pub orders: i64,
    pub units: i64,
    pub revenue_vnd: Vnd,
}

pub async fn seller_show(
    db: &impl ConnectionTrait,
    show: live_show::Model,
) -> Result<SellerShow, DbErr> {
    let links = live_show_item::Entity::find()
        .filter(live_show_item::Column::ShowId.eq(show.id))
        .order_by_asc(live_show_item::Column::Position)
        .all(db)
        .await?;
    let listings: HashMap<_, listing::Model> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(links.iter().map(|l| l.listing_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let listed: Vec<listing::Model> = listings.values().cloned().collect();
    let titles = crate::features::selling::titles_of(db, &listed).await?;
    let sales = sales_by_listing(db, &[show.id]).await?;
    let mut items = Vec::with_capacity(links.len());
    for link in links {
        let Some(l) = listings.get(&link.listing_id) else {
            continue;
        };
        let (orders, units, revenue) = sales
            .get(&(show.id, link.listing_id))
            .copied()
            .unwrap_or_default();
        items.push(LinkedItem {
            item_id: link.id,
            code: link.code,
            listing_pid: l.pid,
            title: titles.get(&l.id).cloned().unwrap_or_default(),
            price_vnd: l.price_vnd,
            pinned: show.pinned_listing_id == Some(l.id),
            clicks: link.clicks,
            orders,
            units,
            revenue_vnd: revenue,
        });
    }
    // A checkout with two products of the show is one order of the show.
    let orders = order::Entity::find()
        .filter(
            order::Column::CheckoutId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(checkout::Column::Id)
                    .from(checkout::Entity)
                    .and_where(Expr::col(checkout::Column::LiveShowId).eq(show.id))
                    .to_owned(),
            ),
        )
        .filter(order::Column::State.is_not_in([
            OrderState::Cancelled,
            OrderState::Refunded,
            OrderState::Returned,
        ]))
        .count(db)
        .await?;
    Ok(SellerShow {
        scheduled: format_vietnam(show.scheduled_at),
        clicks: items.iter().map(|i| i.clicks).sum(),
        orders: i64::try_from(orders).unwrap_or(i64::MAX),
        units: items.iter().map(|i| i.units).sum(),
        revenue_vnd: items.iter().map(|i| i.revenue_vnd).sum(),
        items,
        show,
    })
}

/// The seller's products on sale not yet linked to the show: (public id, title), oldest first.
pub async fn candidates(
    db: &impl ConnectionTrait,
    view: &SellerShow,
) -> Result<Vec<(Uuid, String)>, DbErr> {
    let listings = listing::Entity::find()
        .filter(listing::Column::SellerId.eq(view.show.seller_id))
        .filter(listing::Column::State.eq(ListingState::Published))
        .order_by_asc(listing::Column::Id)
        .all(db)
        .await?;
    let titles = crate::features::selling::titles_of(db, &listings).await?;
    Ok(listings
        .iter()
        .filter(|l| !view.items.iter().any(|i| i.listing_pid == l.pid))
        .map(|l| (l.pid, titles.get(&l.id).cloned().unwrap_or_default()))
        .collect())
}

/// The shows of a seller, newest first.
pub async fn shows_of(
    db: &impl ConnectionTrait,
    seller_id: SellerId,
) -> Result<Vec<live_show::Model>, DbErr> {
    live_show::Entity::find()
        .filter(live_show::Column::SellerId.eq(seller_id))
        .order_by_desc(live_show::Column::ScheduledAt)
        .all(db)
        .await
}

/// What the public live page shows.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PublicShow {
    pub id: ShowId,
    pub title: String,
    pub platform: String,
    pub stream_url: String,
    pub state: ShowState,
    pub scheduled: String,
    pub seller_name: String,
    pub pin_version: i64,
    pub pinned: Option<ListingCard>,
    pub items: Vec<ListingCard>,
}

/// A show for the public page, with its linked products a shopper may buy, in order.
pub async fn public_show(
    db: &impl ConnectionTrait,
    id: ShowId,
    now: DateTime<Utc>,
) -> Result<Option<PublicShow>, DbErr> {
    let Some(show) = live_show::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let links = live_show_item::Entity::find()
        .filter(live_show_item::Column::ShowId.eq(show.id))
        .order_by_asc(live_show_item::Column::Position)
        .all(db)
        .await?;
    let ids: Vec<_> = links.iter().map(|l| l.listing_id).collect();
    let pids: HashMap<_, Uuid> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l.pid))
        .collect();
    let cards = visible_cards(db, vietnam_date(now), &ids).await?;
    let card_of = |listing_id: ListingId| {
        let pid = pids.get(&listing_id)?;
        cards.iter().find(|c| &c.listing_id == pid).cloned()
    };
    let seller_name = seller::Entity::find_by_id(show.seller_id)
        .one(db)
        .await?
        .map(|s| s.display_name)
        .unwrap_or_default();
    Ok(Some(PublicShow {
        id: show.id,
        pinned: show.pinned_listing_id.and_then(card_of),
        items: ids.iter().filter_map(|id| card_of(*id)).collect(),
        title: show.title,
        platform: show.platform,
        stream_url: show.stream_url,
        state: show.state,
        scheduled: format_vietnam(show.scheduled_at),
        seller_name,
        pin_version: show.pin_version,
    }))
}

/// Shows on air now, for the home page.
pub async fn live_now(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<(live_show::Model, String)>, DbErr> {
    let shows = live_show::Entity::find()
        .filter(live_show::Column::State.eq(ShowState::Live))
        .order_by_desc(live_show::Column::StartedAt)
        .limit(limit)
        .all(db)
        .await?;
    let names: HashMap<_, String> = seller::Entity::find()
        .filter(seller::Column::Id.is_in(shows.iter().map(|s| s.seller_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect();
    Ok(shows
        .into_iter()
        .map(|s| {
            let name = names.get(&s.seller_id).cloned().unwrap_or_default();
            (s, name)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_codes_are_short_and_unambiguous() {
        for _ in 0..100 {
            let code = new_code();
            assert_eq!(code.len(), 7);
            assert!(!code.contains(['0', 'o', '1', 'l', 'i']), "{code}");
        }
    }

    #[test]
    fn shows_need_a_title_a_platform_and_a_web_address() {
        let good = ShowInput {
            title: "Mật ong Uy Đức trực tiếp".into(),
            platform: "tiktok".into(),
            stream_url: "https://www.tiktok.com/@uyduc/live".into(),
            scheduled_at: Utc::now(),
        };
        assert!(good.validate().is_ok());
        for bad in [
            ShowInput {
                title: "x".into(),
                ..good.clone()
            },
            ShowInput {
                platform: "myspace".into(),
                ..good.clone()
            },
            ShowInput {
                stream_url: "javascript:alert(1)".into(),
                ..good.clone()
            },
        ] {
            assert!(bad.validate().is_err());
        }
    }
}
