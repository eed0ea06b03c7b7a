//! Gift combos ("combo quà tặng"): a provincial outlet puts several certified products of its
//! province in one gift box, possibly from several producers, and a seller may do the same
//! with its own products; each combo has its own title, photo and price.
//!
//! A combo is on sale only while every part is a visible listing (certified, published, its
//! seller active), none has pack sizes, and every part has stock: how many boxes are left is
//! the smallest stock among the parts. Nothing about a part is copied into the combo but its
//! listing id, so a part that loses its certificate or sells out takes the combo off sale at
//! once.
//!
//! The combo's price is shared among its parts in proportion to their own prices (whole đồng,
//! largest remainders: [`crate::domain::vouchers::apportion`]). At checkout each part becomes an
//! order line of its seller's order at that share (`order_items.combo_id` names the combo), and
//! its stock is taken with the same conditional update as any line, in the same transaction
//! as every other part's: a part sold out in another order drops the whole checkout. Each
//! seller's sell-through, ledger, refunds and returns then follow from its own order lines.
//!
//! Combos are few (a province's outlet makes a handful), so they are matched in the database
//! rather than in the search engine: by words of their title or their parts' titles, by the
//! parts' stars (every part has at least the stars asked for) and by the parts' provinces and
//! regions.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::db::entities::{combo, combo_part, listing, listing_variant, outlet};
use crate::domain::ids::{ComboId, ListingId, UserId};
use crate::domain::money::Vnd;
use crate::domain::text::{fold, slugify};
use crate::domain::vouchers::apportion;
use crate::features::catalog::ListingCard;
use crate::features::catalog::queries::visible_cards;
use crate::features::offers::Issuer;

/// A combo has at least this many different products…
pub const MIN_PARTS: usize = 2;
/// …and at most this many.
pub const MAX_PARTS: usize = 6;
/// The longest title.
pub const MAX_TITLE: usize = 120;
/// The longest description.
pub const MAX_DESCRIPTION: usize = 2000;
/// The highest price, in đồng.
pub const MAX_PRICE: i64 = 100_000_000;
/// Product groups that are services, not goods: nothing of theirs goes in a box.
pub const SERVICE_GROUPS: &[&str] = &["tourism"];

#[derive(Debug, thiserror::Error)]
pub enum ComboError {
    /// A form field the issuer must correct (a dictionary key).
    Invalid(&'static str),
    /// A part is not for sale now (its title, or the id given).
    NotForSale(String),
    /// A part is another seller's product, or of another province for an outlet.
    NotYours(String),
    /// A part has pack sizes (a combo takes a product with one price and one stock).
    HasSizes(String),
    /// A part is a service (community tourism), not goods.
    Service(String),
    Photo(String),
    Database(#[from] DbErr),
}

impl std::fmt::Display for ComboError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::i18n::{tr, tr_with};
        let text = match self {
            Self::Invalid(key) => tr(key),
            Self::NotForSale(title) => tr_with("combo.error.not_for_sale", &[("title", title)]),
            Self::NotYours(title) => tr_with("combo.error.not_yours", &[("title", title)]),
            Self::HasSizes(title) => tr_with("combo.error.has_sizes", &[("title", title)]),
            Self::Service(title) => tr_with("combo.error.service", &[("title", title)]),
            Self::Photo(why) => why.clone(),
            Self::Database(e) => e.to_string(),
        };
        f.write_str(&text)
    }
}

/// A new combo as its issuer's form gives it (text, so it can be shown again as typed).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Draft {
    pub title: String,
    pub description: String,
    pub price: String,
    /// The parts' public listing ids.
    pub parts: Vec<Uuid>,
}

/// The listings among `ids` that have pack sizes.
async fn sized_among(
    db: &impl ConnectionTrait,
    ids: &[ListingId],
) -> Result<Vec<ListingId>, DbErr> {
    Ok(listing_variant::Entity::find()
        .filter(listing_variant::Column::ListingId.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.listing_id)
        .collect())
}

/// The province whose products an outlet may combine (`None` for a seller).
async fn outlet_province(
    db: &impl ConnectionTrait,
    issuer: Issuer,
) -> Result<Option<String>, DbErr> {
    Ok(match issuer {
        Issuer::Outlet(id) => outlet::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|o| o.province_code),
        _ => None,
    })
}

/// Checks a draft against the catalog: the listings of its parts, in the order given.
async fn checked_parts(
    db: &impl ConnectionTrait,
    issuer: Issuer,
    draft: &Draft,
    today: NaiveDate,
) -> Result<Vec<listing::Model>, ComboError> {
    let mut pids = draft.parts.clone();
    let mut seen = std::collections::HashSet::new();
    pids.retain(|p| seen.insert(*p));
    if pids.len() < MIN_PARTS {
        return Err(ComboError::Invalid("combo.error.too_few"));
    }
    if pids.len() > MAX_PARTS {
        return Err(ComboError::Invalid("combo.error.too_many"));
    }
    let rows = listing::Entity::find()
        .filter(listing::Column::Pid.is_in(pids.clone()))
        .all(db)
        .await?;
    let ids: Vec<ListingId> = rows.iter().map(|l| l.id).collect();
    let cards = visible_cards(db, today, &ids).await?;
    let sized = sized_among(db, &ids).await?;
    let province = outlet_province(db, issuer).await?;
    let mut parts = Vec::with_capacity(pids.len());
    for pid in pids {
        let row = rows.iter().find(|l| l.pid == pid);
        let card = row.and_then(|l| cards.iter().find(|c| c.internal_id == l.id));
        let (Some(row), Some(card)) = (row, card) else {
            return Err(ComboError::NotForSale(pid.to_string()));
        };
        let yours = match issuer {
            Issuer::Seller(seller) => row.seller_id == seller,
            Issuer::Outlet(_) => province.as_deref() == Some(card.province_code.as_str()),
            Issuer::Programme => false,
        };
        if !yours {
            return Err(ComboError::NotYours(card.title_vi.clone()));
        }
        if sized.contains(&row.id) {
            return Err(ComboError::HasSizes(card.title_vi.clone()));
        }
        if SERVICE_GROUPS.contains(&card.group_code.as_str()) {
            return Err(ComboError::Service(card.title_vi.clone()));
        }
        parts.push(row.clone());
    }
    Ok(parts)
}

/// The photo a new combo shows (already through the media pipeline).
#[derive(Clone, Debug)]
pub struct Photo {
    pub digest: String,
    pub widths: Vec<u32>,
}

/// Creates a combo of `draft`'s parts for `issuer` (a seller of its own products, an outlet
/// of its province's), on sale at once. One transaction.
pub async fn create(
    db: &DatabaseConnection,
    issuer: Issuer,
    draft: &Draft,
    photo: Option<Photo>,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<combo::Model, ComboError> {
    let title = draft.title.trim();
    if title.chars().count() < 3 || title.chars().count() > MAX_TITLE {
        return Err(ComboError::Invalid("combo.error.title"));
    }
    let description = draft.description.trim();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(ComboError::Invalid("combo.error.description"));
    }
    let price = super::number::<i64>(&draft.price, "combo.error.price")
        .ok()
        .flatten()
        .filter(|p| (1000..=MAX_PRICE).contains(p))
        .ok_or(ComboError::Invalid("combo.error.price"))?;
    let (seller_id, outlet_id) = match issuer {
        Issuer::Seller(id) => (Some(id), None),
        Issuer::Outlet(id) => (None, Some(id)),
        Issuer::Programme => return Err(ComboError::Invalid("combo.error.issuer")),
    };
    let parts = checked_parts(db, issuer, draft, crate::domain::time::vietnam_date(now)).await?;
    let pid = Uuid::new_v4();
    let slug = format!("{}-{}", slugify(title, 60), &pid.simple().to_string()[..6]);
    let txn = crate::db::begin_write(db).await?;
    let made = combo::ActiveModel {
        pid: Set(pid),
        slug: Set(slug),
        issuer: Set(issuer.as_str().to_owned()),
        seller_id: Set(seller_id),
        outlet_id: Set(outlet_id),
        title: Set(title.to_owned()),
        description: Set(description.to_owned()),
        price_vnd: Set(Vnd::new(price)),
        photo_key: Set(photo.as_ref().map(|p| p.digest.clone())),
        photo_variants: Set(photo.map_or_else(String::new, |p| {
            p.widths
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })),
        active: Set(true),
        created_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (n, part) in parts.iter().enumerate() {
        combo_part::ActiveModel {
            combo_id: Set(made.id),
            listing_id: Set(part.id),
            position: Set(i32::try_from(n).unwrap_or(0)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    // Every instance's kept pages (the combos list, the search page's combos) go.
    crate::jobs::versions::bump_catalog(&txn).await?;
    txn.commit().await?;
    Ok(made)
}

/// Takes one of the issuer's combos off sale (`false`: not the issuer's).
pub async fn end(
    db: &impl ConnectionTrait,
    issuer: Issuer,
    id: ComboId,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = combo::Entity::update_many()
        .col_expr(combo::Column::Active, Expr::value(false))
        .col_expr(combo::Column::UpdatedAt, Expr::value(now))
        .filter(combo::Column::Id.eq(id));
    q = match issuer {
        Issuer::Seller(seller) => q.filter(combo::Column::SellerId.eq(seller)),
        Issuer::Outlet(shop) => q.filter(combo::Column::OutletId.eq(shop)),
        Issuer::Programme => return Ok(false),
    };
    let ended = q.exec(db).await?.rows_affected == 1;
    if ended {
        crate::jobs::versions::bump_catalog(db).await?;
    }
    Ok(ended)
}

/// One part of a combo as pages show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Part {
    pub card: ListingCard,
    /// The part's share of the combo's price.
    pub share_vnd: Vnd,
}

/// A combo with its parts, what it costs against buying them one by one, and whether (and
/// how many times) it can be bought now.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ComboView {
    pub id: ComboId,
    pub pid: Uuid,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub price_vnd: Vnd,
    pub issuer: String,
    pub active: bool,
    /// The parts for sale now, in the issuer's order.
    pub parts: Vec<Part>,
    /// How many parts the combo was made of (more than `parts` when one is no longer for sale).
    pub made_of: usize,
    /// The parts' own prices added up, and what the combo saves against that (0 when none).
    pub parts_vnd: Vnd,
    pub saving_vnd: Vnd,
    /// Boxes that can be sold now: the smallest stock among the parts.
    pub available: i32,
    /// The first part with no stock left (its title), when one has none.
    pub sold_out_part: Option<String>,
    pub on_sale: bool,
    /// The fewest stars among the parts.
    pub stars: i16,
    /// The parts' provinces and regions, each once.
    pub province_codes: Vec<String>,
    pub region_codes: Vec<String>,
    pub group_codes: Vec<String>,
    /// The parts' sellers, each once.
    pub producers: usize,
    pub photo_url: Option<String>,
    pub photo_srcset: Option<String>,
    #[serde(skip)]
    pub part_ids: Vec<ListingId>,
    #[serde(skip)]
    words: String,
}

impl ComboView {
    /// Whether a part's share of the combo's price (`None`: not a part for sale now).
    pub fn share_of(&self, listing_id: ListingId) -> Option<Vnd> {
        self.parts
            .iter()
            .find(|p| p.card.internal_id == listing_id)
            .map(|p| p.share_vnd)
    }
}

/// The views of `combos`, in the order given.
pub async fn views(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    combos: Vec<combo::Model>,
) -> Result<Vec<ComboView>, DbErr> {
    if combos.is_empty() {
        return Ok(Vec::new());
    }
    let parts = combo_part::Entity::find()
        .filter(combo_part::Column::ComboId.is_in(combos.iter().map(|c| c.id)))
        .order_by_asc(combo_part::Column::Position)
        .all(db)
        .await?;
    let mut ids: Vec<ListingId> = parts.iter().map(|p| p.listing_id).collect();
    ids.sort();
    ids.dedup();
    let cards: HashMap<ListingId, ListingCard> = visible_cards(db, today, &ids)
        .await?
        .into_iter()
        .map(|c| (c.internal_id, c))
        .collect();
    let sized = sized_among(db, &ids).await?;
    let sellers: HashMap<ListingId, crate::domain::ids::SellerId> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(parts.iter().map(|p| p.listing_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l.seller_id))
        .collect();
    Ok(combos
        .into_iter()
        .map(|c| {
            let of: Vec<&combo_part::Model> = parts.iter().filter(|p| p.combo_id == c.id).collect();
            let shown: Vec<&ListingCard> =
                of.iter().filter_map(|p| cards.get(&p.listing_id)).collect();
            let prices: Vec<Vnd> = shown.iter().map(|card| card.price_vnd).collect();
            let shares = apportion(c.price_vnd, &prices);
            let parts_vnd: Vnd = prices.iter().copied().sum();
            let complete =
                shown.len() == of.len() && !of.iter().any(|p| sized.contains(&p.listing_id));
            let available = if complete {
                shown
                    .iter()
                    .map(|card| card.stock)
                    .min()
                    .unwrap_or(0)
                    .max(0)
            } else {
                0
            };
            let mut province_codes: Vec<String> = shown
                .iter()
                .map(|card| card.province_code.clone())
                .collect();
            province_codes.sort();
            province_codes.dedup();
            let mut region_codes: Vec<String> =
                shown.iter().map(|card| card.region_code.clone()).collect();
            region_codes.sort();
            region_codes.dedup();
            let mut group_codes: Vec<String> =
                shown.iter().map(|card| card.group_code.clone()).collect();
            group_codes.sort();
            group_codes.dedup();
            let mut producers: Vec<_> = of
                .iter()
                .filter_map(|p| sellers.get(&p.listing_id))
                .collect();
            producers.sort();
            producers.dedup();
            let words = fold(&format!(
                "{} {} {}",
                c.title,
                c.description,
                shown
                    .iter()
                    .map(|card| format!("{} {}", card.title_vi, card.title_en))
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
            let sold_out_part = shown
                .iter()
                .find(|card| card.stock <= 0)
                .map(|card| card.title_vi.clone());
            let (photo_url, photo_srcset) = photo_urls(&c);
            ComboView {
                id: c.id,
                pid: c.pid,
                slug: c.slug,
                title: c.title,
                description: c.description,
                price_vnd: c.price_vnd,
                issuer: c.issuer,
                active: c.active,
                made_of: of.len(),
                parts_vnd,
                saving_vnd: (parts_vnd - c.price_vnd).max(Vnd::ZERO),
                available,
                sold_out_part,
                on_sale: c.active && complete && available > 0,
                stars: shown.iter().map(|card| card.stars).min().unwrap_or(0),
                province_codes,
                region_codes,
                group_codes,
                producers: producers.len(),
                photo_url,
                photo_srcset,
                part_ids: of.iter().map(|p| p.listing_id).collect(),
                parts: shown
                    .into_iter()
                    .zip(shares)
                    .map(|(card, share_vnd)| Part {
                        card: card.clone(),
                        share_vnd,
                    })
                    .collect(),
                words,
            }
        })
        .collect())
}

/// The URL and `srcset` of a combo's photo.
fn photo_urls(c: &combo::Model) -> (Option<String>, Option<String>) {
    use crate::media::key;
    let Some(digest) = c.photo_key.as_deref() else {
        return (None, None);
    };
    let widths: Vec<u32> = c
        .photo_variants
        .split(',')
        .filter_map(|w| w.parse().ok())
        .collect();
    let url = |size: Option<u32>| format!("/media/{}", key(digest, size));
    let shown = widths
        .iter()
        .copied()
        .find(|w| *w >= 640)
        .or(widths.last().copied());
    let srcset: Vec<String> = widths
        .iter()
        .map(|w| format!("{} {w}w", url(Some(*w))))
        .collect();
    (
        Some(url(shown)),
        (!srcset.is_empty()).then(|| srcset.join(", ")),
    )
}

/// One combo by its slug, on sale or not (`None`: no such combo).
pub async fn by_slug(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    slug: &str,
) -> Result<Option<ComboView>, DbErr> {
    let Some(found) = combo::Entity::find()
        .filter(combo::Column::Slug.eq(slug))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(views(db, today, vec![found]).await?.pop())
}

/// The combos with these ids (for a cart), on sale or not.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    ids: &[ComboId],
) -> Result<Vec<ComboView>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = combo::Entity::find()
        .filter(combo::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    views(db, today, found).await
}

/// What a shopper looks for among the combos (the search page's filters).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Words every one of which the combo's title, description or a part's title contains
    /// (with or without diacritics).
    pub q: Option<String>,
    /// Every part has at least this many stars.
    pub stars: Option<i16>,
    /// A part comes from one of these provinces (none: any)…
    pub provinces: Vec<String>,
    /// …and one of these regions…
    pub regions: Vec<String>,
    /// …and is of one of these product groups.
    pub groups: Vec<String>,
    /// Made by this outlet.
    pub outlet: Option<crate::domain::ids::OutletId>,
}

impl Filter {
    fn keeps(&self, view: &ComboView) -> bool {
        let any_of = |wanted: &[String], have: &[String]| {
            wanted.is_empty() || wanted.iter().any(|w| have.contains(w))
        };
        let words_match = self
            .q
            .as_deref()
            .is_none_or(|q| fold(q).split_whitespace().all(|w| view.words.contains(w)));
        words_match
            && self.stars.is_none_or(|s| view.stars >= s)
            && any_of(&self.provinces, &view.province_codes)
            && any_of(&self.regions, &view.region_codes)
            && any_of(&self.groups, &view.group_codes)
    }

    /// Whether it asks for anything.
    pub fn any(&self) -> bool {
        self.q.is_some()
            || self.stars.is_some()
            || !self.provinces.is_empty()
            || !self.regions.is_empty()
            || !self.groups.is_empty()
    }
}

/// The combos on sale that `filter` keeps, newest first.
pub async fn for_sale(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    filter: &Filter,
) -> Result<Vec<ComboView>, DbErr> {
    let mut q = combo::Entity::find().filter(combo::Column::Active.eq(true));
    if let Some(shop) = filter.outlet {
        q = q.filter(combo::Column::OutletId.eq(shop));
    }
    let active = q.order_by_desc(combo::Column::Id).all(db).await?;
    Ok(views(db, today, active)
        .await?
        .into_iter()
        .filter(|v| v.on_sale && filter.keeps(v))
        .collect())
}

/// The issuer's combos, on sale or not, newest first.
pub async fn issued(
    db: &impl ConnectionTrait,
    issuer: Issuer,
    today: NaiveDate,
) -> Result<Vec<ComboView>, DbErr> {
    let q = combo::Entity::find();
    let q = match issuer {
        Issuer::Seller(id) => q.filter(combo::Column::SellerId.eq(id)),
        Issuer::Outlet(id) => q.filter(combo::Column::OutletId.eq(id)),
        Issuer::Programme => return Ok(Vec::new()),
    };
    let mine = q.order_by_desc(combo::Column::Id).all(db).await?;
    views(db, today, mine).await
}

/// Most products an issuer's form offers to combine.
pub const MAX_CANDIDATES: u64 = 500;

/// The products an issuer may put in a combo: a seller's visible listings of goods without
/// pack sizes, or those of an outlet's province (the first [`MAX_CANDIDATES`] by title).
pub async fn candidates(
    db: &impl ConnectionTrait,
    issuer: Issuer,
    today: NaiveDate,
) -> Result<Vec<ListingCard>, DbErr> {
    use crate::features::catalog::queries::{ListingFilter, list_visible};
    let filter = match issuer {
        Issuer::Seller(id) => ListingFilter {
            seller_id: Some(id),
            ..ListingFilter::default()
        },
        Issuer::Outlet(_) => match outlet_province(db, issuer).await? {
            Some(province) => ListingFilter {
                province_code: Some(province),
                ..ListingFilter::default()
            },
            None => return Ok(Vec::new()),
        },
        Issuer::Programme => return Ok(Vec::new()),
    };
    let visible = list_visible(db, today, &filter, 1, MAX_CANDIDATES)
        .await?
        .items;
    let ids: Vec<ListingId> = visible.iter().map(|c| c.internal_id).collect();
    let sized = sized_among(db, &ids).await?;
    let mut cards: Vec<ListingCard> = visible
        .into_iter()
        .filter(|c| !sized.contains(&c.internal_id))
        .filter(|c| !SERVICE_GROUPS.contains(&c.group_code.as_str()))
        .collect();
    cards.sort_by(|a, b| a.title_vi.cmp(&b.title_vi));
    Ok(cards)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(words: &str, stars: i16, provinces: &[&str]) -> ComboView {
        ComboView {
            id: ComboId::new(1),
            pid: Uuid::nil(),
            slug: "hop-qua".into(),
            title: "Hộp quà".into(),
            description: String::new(),
            price_vnd: Vnd::new(100_000),
            issuer: "outlet".into(),
            active: true,
            parts: Vec::new(),
            made_of: 2,
            parts_vnd: Vnd::new(120_000),
            saving_vnd: Vnd::new(20_000),
            available: 3,
            sold_out_part: None,
            on_sale: true,
            stars,
            province_codes: provinces.iter().map(|p| (*p).to_owned()).collect(),
            region_codes: vec!["north-east".into()],
            group_codes: vec!["food".into()],
            producers: 2,
            photo_url: None,
            photo_srcset: None,
            part_ids: Vec::new(),
            words: fold(words),
        }
    }

    #[test]
    fn a_filter_matches_words_without_diacritics_and_the_weakest_part_s_stars() {
        let tea_and_honey = view("Hộp quà Tết Trà Shan tuyết Mật ong", 4, &["22"]);
        let by_words = |q: &str| Filter {
            q: Some(q.into()),
            ..Filter::default()
        };
        assert!(by_words("mat ong").keeps(&tea_and_honey));
        assert!(by_words("Mật ong tết").keeps(&tea_and_honey));
        assert!(!by_words("mật ong nước mắm").keeps(&tea_and_honey));
        let by_stars = |s| Filter {
            stars: Some(s),
            ..Filter::default()
        };
        assert!(by_stars(4).keeps(&tea_and_honey));
        assert!(by_stars(3).keeps(&tea_and_honey));
        assert!(!by_stars(5).keeps(&tea_and_honey));
        let by_province = |p: &[&str]| Filter {
            provinces: p.iter().map(|p| (*p).to_owned()).collect(),
            ..Filter::default()
        };
        assert!(by_province(&["22"]).keeps(&tea_and_honey));
        assert!(by_province(&["01", "22"]).keeps(&tea_and_honey));
        assert!(!by_province(&["01"]).keeps(&tea_and_honey));
        assert!(!Filter::default().any());
    }
}
