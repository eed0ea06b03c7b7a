//! Vouchers. A seller issues codes for its own products, a provincial outlet for the products
//! on its shelf (collected there), an administrator for programme-wide campaigns (Tết); each
//! is a percentage (optionally capped) or a fixed amount, with a minimum spend on the goods it
//! applies to, a window, and optional total and per-shopper caps; a code tied to a live show
//! is valid only with that show's link cookie.
//!
//! A cart holds one code. [`evaluate`] works out, for the cart's lines, which ones the code
//! applies to and each line's share of the discount ([`crate::domain::vouchers::split`]); the
//! cart shows it per seller's order, and the checkout stores it on the order lines. The
//! checkout [`redeem`]s the code in its own transaction: the total and the shopper's uses are
//! raised with conditional updates (`used < total_cap`), so two shoppers taking the last use
//! at the same moment redeem it once and the other checkout is refused with nothing written.
//! The discount lowers the seller's order: its subtotal (goods after discounts), its payment,
//! its refunds, its sell-through and its ledger entries all follow from that. A checkout whose
//! every order is cancelled gives its use back ([`give_back`]).
pub mod combos;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::db::entities::{
    live_show, order, outlet_listing, voucher, voucher_redemption, voucher_shopper,
};
use crate::domain::ids::{CheckoutId, ListingId, OutletId, SellerId, ShowId, UserId, VoucherId};
use crate::domain::money::Vnd;
use crate::domain::vouchers::{Benefit, MAX_PERCENT, normalize_code, split};

/// Who issued a voucher, and so which products it applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Issuer {
    Seller(SellerId),
    Outlet(OutletId),
    Programme,
}

impl Issuer {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seller(_) => "seller",
            Self::Outlet(_) => "outlet",
            Self::Programme => "programme",
        }
    }

    fn of(v: &voucher::Model) -> Option<Self> {
        match (v.issuer.as_str(), v.seller_id, v.outlet_id) {
            ("seller", Some(id), _) => Some(Self::Seller(id)),
            ("outlet", _, Some(id)) => Some(Self::Outlet(id)),
            ("programme", _, _) => Some(Self::Programme),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VoucherError {
    /// No such code (or one the issuer ended).
    Unknown(String),
    NotStarted(DateTime<Utc>),
    Expired,
    /// Every use is taken.
    Exhausted,
    /// This shopper used it as often as allowed.
    ShopperLimit,
    /// The goods it applies to come to less than its minimum.
    MinSpend(Vnd),
    /// Nothing in the cart is a product it applies to.
    NothingEligible,
    /// Valid only for shoppers who came through this show's link.
    LiveOnly(String),
    /// An outlet's code: only for products collected at that outlet.
    PickupOnly,
    /// A form field the issuer must correct (a dictionary key).
    Invalid(&'static str),
    /// The code is taken by another voucher.
    CodeTaken,
    Database(#[from] DbErr),
}

impl std::fmt::Display for VoucherError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::i18n::{tr, tr_with};
        let text = match self {
            Self::Unknown(code) => tr_with("voucher.error.unknown", &[("code", code)]),
            Self::NotStarted(at) => tr_with(
                "voucher.error.not_started",
                &[("at", &crate::domain::time::format_vietnam(*at))],
            ),
            Self::Expired => tr("voucher.error.expired"),
            Self::Exhausted => tr("voucher.error.exhausted"),
            Self::ShopperLimit => tr("voucher.error.shopper_limit"),
            Self::MinSpend(min) => tr_with("voucher.error.min_spend", &[("min", min)]),
            Self::NothingEligible => tr("voucher.error.nothing_eligible"),
            Self::LiveOnly(show) => tr_with("voucher.error.live_only", &[("show", show)]),
            Self::PickupOnly => tr("voucher.error.pickup_only"),
            Self::Invalid(key) => tr(key),
            Self::CodeTaken => tr("voucher.error.code_taken"),
            Self::Database(e) => e.to_string(),
        };
        f.write_str(&text)
    }
}

/// One cart line as a voucher sees it.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    pub listing_id: ListingId,
    pub seller_id: SellerId,
    /// The line's goods before any discount.
    pub goods: Vnd,
}

/// Where the goods will be collected, as far as is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Not chosen yet (the cart page): an outlet's code is shown as if collected there.
    Unknown,
    Home,
    Pickup(OutletId),
}

/// The circumstances a code is checked in.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    /// The shopper's e-mail address when known (signed in, or at checkout).
    pub shopper: Option<&'a str>,
    /// The live show whose link the shopper followed.
    pub show: Option<ShowId>,
    pub delivery: Delivery,
}

/// A code that applies to a cart: the voucher and each line's share of its discount (in the
/// order of the lines given).
#[derive(Clone, Debug)]
pub struct Applied {
    pub voucher: voucher::Model,
    pub discount: Vnd,
    pub shares: Vec<Vnd>,
}

fn benefit(v: &voucher::Model) -> Benefit {
    match (v.percent, v.amount_vnd) {
        (Some(percent), _) => Benefit::Percent {
            percent,
            cap: v.max_discount_vnd,
        },
        (None, amount) => Benefit::Amount(amount.unwrap_or(Vnd::ZERO)),
    }
}

/// The shopper key of per-shopper caps: the e-mail address, lower-cased.
pub fn shopper_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The voucher `raw` names, if it is a code at all.
pub async fn find(db: &impl ConnectionTrait, raw: &str) -> Result<Option<voucher::Model>, DbErr> {
    let Some(code) = normalize_code(raw) else {
        return Ok(None);
    };
    voucher::Entity::find()
        .filter(voucher::Column::Code.eq(code))
        .one(db)
        .await
}

/// Whether `raw` applies to `lines` in `context`, and how much it takes off each line.
pub async fn evaluate(
    db: &impl ConnectionTrait,
    raw: &str,
    lines: &[Line],
    context: Context<'_>,
) -> Result<Applied, VoucherError> {
    let unknown = || VoucherError::Unknown(raw.trim().to_uppercase());
    let v = find(db, raw)
        .await?
        .filter(|v| v.active)
        .ok_or_else(unknown)?;
    let issuer = Issuer::of(&v).ok_or_else(unknown)?;
    if context.now < v.starts_at {
        return Err(VoucherError::NotStarted(v.starts_at));
    }
    if context.now >= v.ends_at {
        return Err(VoucherError::Expired);
    }
    if v.total_cap.is_some_and(|cap| v.used >= cap) {
        return Err(VoucherError::Exhausted);
    }
    if let Some(show_id) = v.live_show_id
        && context.show != Some(show_id)
    {
        let title = live_show::Entity::find_by_id(show_id)
            .one(db)
            .await?
            .map(|s| s.title)
            .unwrap_or_default();
        return Err(VoucherError::LiveOnly(title));
    }
    if let (Some(cap), Some(shopper)) = (v.per_shopper_cap, context.shopper) {
        let uses = voucher_shopper::Entity::find_by_id((v.id, shopper_key(shopper)))
            .one(db)
            .await?
            .map_or(0, |s| s.uses);
        if uses >= cap {
            return Err(VoucherError::ShopperLimit);
        }
    }
    let on_shelf: Vec<ListingId> = match issuer {
        Issuer::Outlet(outlet_id) => {
            if matches!(context.delivery, Delivery::Pickup(at) if at != outlet_id)
                || context.delivery == Delivery::Home
            {
                return Err(VoucherError::PickupOnly);
            }
            outlet_listing::Entity::find()
                .filter(outlet_listing::Column::OutletId.eq(outlet_id))
                .filter(outlet_listing::Column::ListingId.is_in(lines.iter().map(|l| l.listing_id)))
                .all(db)
                .await?
                .into_iter()
                .map(|r| r.listing_id)
                .collect()
        }
        _ => Vec::new(),
    };
    let applies = |line: &Line| match issuer {
        Issuer::Seller(seller_id) => line.seller_id == seller_id,
        Issuer::Outlet(_) => on_shelf.contains(&line.listing_id),
        Issuer::Programme => true,
    };
    let eligible: Vec<Vnd> = lines
        .iter()
        .map(|l| if applies(l) { l.goods } else { Vnd::ZERO })
        .collect();
    let goods: Vnd = eligible.iter().copied().sum();
    if goods == Vnd::ZERO {
        return Err(VoucherError::NothingEligible);
    }
    if goods < v.min_spend_vnd {
        return Err(VoucherError::MinSpend(v.min_spend_vnd));
    }
    let discount = benefit(&v).discount(goods);
    let shares = split(discount, &eligible);
    Ok(Applied {
        voucher: v,
        discount,
        shares,
    })
}

/// Takes one use of `applied`'s voucher for `shopper`'s checkout, inside the checkout's
/// transaction: the total and the shopper's count are raised only while under their caps, so
/// concurrent checkouts cannot pass them (the loser's transaction is dropped by its caller).
pub async fn redeem(
    txn: &impl ConnectionTrait,
    applied: &Applied,
    shopper: &str,
    checkout_id: CheckoutId,
    now: DateTime<Utc>,
) -> Result<(), VoucherError> {
    let v = &applied.voucher;
    let mut taken = voucher::Entity::update_many()
        .col_expr(
            voucher::Column::Used,
            Expr::col(voucher::Column::Used).add(1),
        )
        .filter(voucher::Column::Id.eq(v.id))
        .filter(voucher::Column::Active.eq(true));
    if v.total_cap.is_some() {
        taken =
            taken.filter(Expr::col(voucher::Column::Used).lt(Expr::col(voucher::Column::TotalCap)));
    }
    if taken.exec(txn).await?.rows_affected != 1 {
        return Err(VoucherError::Exhausted);
    }
    let key = shopper_key(shopper);
    voucher_shopper::Entity::insert(voucher_shopper::ActiveModel {
        voucher_id: Set(v.id),
        shopper: Set(key.clone()),
        uses: Set(0),
    })
    .on_conflict(
        OnConflict::columns([
            voucher_shopper::Column::VoucherId,
            voucher_shopper::Column::Shopper,
        ])
        .do_nothing()
        .to_owned(),
    )
    .try_insert()
    .exec_without_returning(txn)
    .await?;
    let mut counted = voucher_shopper::Entity::update_many()
        .col_expr(
            voucher_shopper::Column::Uses,
            Expr::col(voucher_shopper::Column::Uses).add(1),
        )
        .filter(voucher_shopper::Column::VoucherId.eq(v.id))
        .filter(voucher_shopper::Column::Shopper.eq(key.clone()));
    if let Some(cap) = v.per_shopper_cap {
        counted = counted.filter(voucher_shopper::Column::Uses.lt(cap));
    }
    if counted.exec(txn).await?.rows_affected != 1 {
        return Err(VoucherError::ShopperLimit);
    }
    voucher_redemption::ActiveModel {
        voucher_id: Set(v.id),
        checkout_id: Set(checkout_id),
        shopper: Set(key),
        discount_vnd: Set(applied.discount),
        at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// A voucher as its issuer fills it in: the form's fields as written.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct Draft {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub title: String,
    /// `percent` or `amount`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub max_discount: String,
    #[serde(default)]
    pub min_spend: String,
    /// `datetime-local` values, Vietnam's time.
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    #[serde(default)]
    pub total_cap: String,
    #[serde(default)]
    pub per_shopper_cap: String,
    /// A live show's id, or empty.
    #[serde(default)]
    pub live_show: String,
}

fn number<T: std::str::FromStr>(raw: &str, key: &'static str) -> Result<Option<T>, VoucherError> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' ' | '_'))
        .collect();
    if digits.is_empty() {
        return Ok(None);
    }
    digits
        .parse()
        .map(Some)
        .map_err(|_| VoucherError::Invalid(key))
}

/// Checks `draft` and creates the voucher for `issuer`. A live show must be the seller's own
/// (any show for the programme; outlets have none).
pub async fn create(
    db: &impl ConnectionTrait,
    issuer: Issuer,
    draft: &Draft,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<voucher::Model, VoucherError> {
    use crate::domain::time::parse_vietnam_local;
    let code = normalize_code(&draft.code).ok_or(VoucherError::Invalid("voucher.error.code"))?;
    let title = draft.title.trim();
    if title.is_empty() || title.chars().count() > 120 {
        return Err(VoucherError::Invalid("voucher.error.title"));
    }
    let value: i64 = number(&draft.value, "voucher.error.value")?
        .filter(|v| *v > 0)
        .ok_or(VoucherError::Invalid("voucher.error.value"))?;
    let (percent, amount) = match draft.kind.as_str() {
        "percent" if value <= i64::from(MAX_PERCENT) => (Some(value as i32), None),
        "amount" if value <= 100_000_000 => (None, Some(Vnd::new(value))),
        _ => return Err(VoucherError::Invalid("voucher.error.value")),
    };
    let max_discount = number::<i64>(&draft.max_discount, "voucher.error.max_discount")?
        .filter(|_| percent.is_some())
        .map(|m| {
            if m > 0 {
                Ok(Vnd::new(m))
            } else {
                Err(VoucherError::Invalid("voucher.error.max_discount"))
            }
        })
        .transpose()?;
    let min_spend = number::<i64>(&draft.min_spend, "voucher.error.min_spend_field")?.unwrap_or(0);
    if !(0..=1_000_000_000).contains(&min_spend) {
        return Err(VoucherError::Invalid("voucher.error.min_spend_field"));
    }
    let starts =
        parse_vietnam_local(&draft.starts).ok_or(VoucherError::Invalid("voucher.error.window"))?;
    let ends =
        parse_vietnam_local(&draft.ends).ok_or(VoucherError::Invalid("voucher.error.window"))?;
    if ends <= starts || ends <= now {
        return Err(VoucherError::Invalid("voucher.error.window"));
    }
    let cap = |raw: &str| {
        number::<i32>(raw, "voucher.error.cap")?
            .map(|c| {
                if c > 0 {
                    Ok(c)
                } else {
                    Err(VoucherError::Invalid("voucher.error.cap"))
                }
            })
            .transpose()
    };
    let total_cap = cap(&draft.total_cap)?;
    let per_shopper_cap = cap(&draft.per_shopper_cap)?;
    let live_show_id = match draft.live_show.trim() {
        "" => None,
        raw => {
            let id: ShowId = raw
                .parse()
                .map_err(|_| VoucherError::Invalid("voucher.error.show"))?;
            let show = live_show::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(VoucherError::Invalid("voucher.error.show"))?;
            match issuer {
                Issuer::Seller(seller_id) if show.seller_id == seller_id => Some(id),
                Issuer::Programme => Some(id),
                _ => return Err(VoucherError::Invalid("voucher.error.show")),
            }
        }
    };
    let inserted = voucher::ActiveModel {
        code: Set(code),
        title: Set(title.to_owned()),
        issuer: Set(issuer.as_str().to_owned()),
        seller_id: Set(match issuer {
            Issuer::Seller(id) => Some(id),
            _ => None,
        }),
        outlet_id: Set(match issuer {
            Issuer::Outlet(id) => Some(id),
            _ => None,
        }),
        live_show_id: Set(live_show_id),
        percent: Set(percent),
        amount_vnd: Set(amount),
        max_discount_vnd: Set(max_discount),
        min_spend_vnd: Set(Vnd::new(min_spend)),
        starts_at: Set(starts),
        ends_at: Set(ends),
        total_cap: Set(total_cap),
        per_shopper_cap: Set(per_shopper_cap),
        used: Set(0),
        active: Set(true),
        created_by: Set(by),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(v) => Ok(v),
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            Err(VoucherError::CodeTaken)
        }
        Err(e) => Err(e.into()),
    }
}

fn issued_by(issuer: Issuer) -> sea_orm::Condition {
    let c = sea_orm::Condition::all().add(voucher::Column::Issuer.eq(issuer.as_str()));
    match issuer {
        Issuer::Seller(id) => c.add(voucher::Column::SellerId.eq(id)),
        Issuer::Outlet(id) => c.add(voucher::Column::OutletId.eq(id)),
        Issuer::Programme => c,
    }
}

/// The issuer's vouchers, newest first.
pub async fn issued(
    db: &impl ConnectionTrait,
    issuer: Issuer,
) -> Result<Vec<voucher::Model>, DbErr> {
    voucher::Entity::find()
        .filter(issued_by(issuer))
        .order_by_desc(voucher::Column::CreatedAt)
        .order_by_desc(voucher::Column::Id)
        .all(db)
        .await
}

/// Ends one of the issuer's vouchers now: it is refused from then on. `false` when the issuer
/// has no such voucher.
pub async fn end(db: &impl ConnectionTrait, issuer: Issuer, id: VoucherId) -> Result<bool, DbErr> {
    let done = voucher::Entity::update_many()
        .col_expr(voucher::Column::Active, Expr::value(false))
        .filter(voucher::Column::Id.eq(id))
        .filter(issued_by(issuer))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The programme's campaigns running or to come, for a seller's list (their discounts come
/// off its orders too).
pub async fn campaigns(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<voucher::Model>, DbErr> {
    voucher::Entity::find()
        .filter(voucher::Column::Issuer.eq("programme"))
        .filter(voucher::Column::Active.eq(true))
        .filter(voucher::Column::EndsAt.gt(now))
        .order_by_asc(voucher::Column::StartsAt)
        .all(db)
        .await
}

/// The live shows a code of `issuer` may be tied to, not ended: the seller's own, or every
/// show for the programme (outlets run none).
pub async fn shows_for(
    db: &impl ConnectionTrait,
    issuer: Issuer,
) -> Result<Vec<live_show::Model>, DbErr> {
    use crate::domain::states::ShowState;
    let q = live_show::Entity::find()
        .filter(live_show::Column::State.ne(ShowState::Ended))
        .order_by_asc(live_show::Column::ScheduledAt);
    match issuer {
        Issuer::Seller(id) => q.filter(live_show::Column::SellerId.eq(id)).all(db).await,
        Issuer::Programme => q.all(db).await,
        Issuer::Outlet(_) => Ok(Vec::new()),
    }
}

/// Gives back the use a checkout took, once every one of its orders is cancelled (unpaid and
/// never sent: the shopper may use the code again). Called in the transaction that cancels an
/// order; the redemption row is deleted first, so the use comes back once however many
/// cancellations race. `true` when it came back.
pub async fn give_back(txn: &impl ConnectionTrait, checkout_id: CheckoutId) -> Result<bool, DbErr> {
    use crate::domain::states::OrderState;
    use sea_orm::PaginatorTrait;
    let open = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(checkout_id))
        .filter(order::Column::State.ne(OrderState::Cancelled))
        .count(txn)
        .await?;
    if open > 0 {
        return Ok(false);
    }
    let Some(taken) = voucher_redemption::Entity::find()
        .filter(voucher_redemption::Column::CheckoutId.eq(checkout_id))
        .one(txn)
        .await?
    else {
        return Ok(false);
    };
    let gone = voucher_redemption::Entity::delete_many()
        .filter(voucher_redemption::Column::Id.eq(taken.id))
        .exec(txn)
        .await?;
    if gone.rows_affected != 1 {
        return Ok(false);
    }
    voucher::Entity::update_many()
        .col_expr(
            voucher::Column::Used,
            Expr::col(voucher::Column::Used).sub(1),
        )
        .filter(voucher::Column::Id.eq(taken.voucher_id))
        .filter(voucher::Column::Used.gt(0))
        .exec(txn)
        .await?;
    voucher_shopper::Entity::update_many()
        .col_expr(
            voucher_shopper::Column::Uses,
            Expr::col(voucher_shopper::Column::Uses).sub(1),
        )
        .filter(voucher_shopper::Column::VoucherId.eq(taken.voucher_id))
        .filter(voucher_shopper::Column::Shopper.eq(taken.shopper))
        .filter(voucher_shopper::Column::Uses.gt(0))
        .exec(txn)
        .await?;
    Ok(true)
}
