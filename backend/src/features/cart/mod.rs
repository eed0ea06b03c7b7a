//! Carts and checkout. A cart belongs to a guest (a token in a signed cookie) or a user; a
//! guest's cart joins the user's at sign-in. Checkout takes the stock of every line with one
//! conditional `UPDATE … WHERE stock >= quantity` each, inside one transaction with the orders
//! (one per seller), their items (prices copied), their first history entry and the search
//! updates: concurrent buyers can never take more than is on hand, and a failed line undoes
//! the whole checkout.
pub mod addresses;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, FromQueryResult, QueryFilter, QueryOrder, Set, SqlErr,
};
use uuid::Uuid;

use crate::carriers::{Endpoints, ParcelItem, Place};
use crate::db::entities::{
    cart, cart_combo, cart_item, checkout, listing, order, order_event, order_item,
    registry_certificate, seller,
};
use crate::domain::ids::{CheckoutId, ComboId, ListingId, OutletId, SellerId, ShowId, UserId};
use crate::domain::money::Vnd;
use crate::domain::orders::{Channel, PaymentMethod};
use crate::domain::reference::Reference;
use crate::domain::states::{OrderState, PaymentState};
use crate::domain::time::vietnam_date;
use crate::features::catalog::queries::visible_base;
use crate::features::offers;
use crate::features::offers::combos;
use crate::features::shipping::{Consignment, Destination, Quote, QuoteError};
use crate::i18n::Lang;
use crate::jobs::outbox;

/// Most units of one product in one cart.
pub const MAX_QUANTITY: i32 = 99;

#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    NotForSale,
    BadQuantity,
    NotEnoughStock {
        title: String,
        left: i32,
        unit: String,
    },
    EmptyCart,
    /// The product comes in several pack sizes and none was chosen.
    ChooseVariant,
    /// VietQR needs every seller's bank account; these sellers have none.
    NoBankAccount(String),
    /// A seller's order cannot be delivered (the shipping quote's reason).
    CannotShip(String),
    /// The cart changed between the shipping quotes and the checkout.
    ShippingChanged,
    /// The cart's voucher does not apply (why, in the current language).
    Voucher(String),
    /// The gift combo is not on sale now (a part lost its certificate, or the issuer ended it).
    ComboNotForSale {
        combo: String,
    },
    /// A part of a gift combo ran out (in another order) before this checkout took it.
    ComboSoldOut {
        combo: String,
        part: String,
    },
    Database(#[from] DbErr),
}

/// The text shown to the person who asked, in the current language; a failure of the
/// database or a store describes itself for the log (routes show the error page instead).
impl std::fmt::Display for ShopError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = {
            use crate::i18n::{tr, tr_with};
            match self {
                Self::NotForSale => tr("cart.error.not_for_sale"),
                Self::BadQuantity => tr_with("cart.error.bad_quantity", &[("max", &MAX_QUANTITY)]),
                Self::NotEnoughStock { title, left, unit } => tr_with(
                    "cart.error.not_enough",
                    &[("left", left), ("unit", unit), ("title", title)],
                ),
                Self::EmptyCart => tr("cart.empty"),
                Self::ChooseVariant => tr("errors.variant.choose"),
                Self::NoBankAccount(sellers) => {
                    tr_with("checkout.vietqr_unavailable", &[("sellers", sellers)])
                }
                Self::CannotShip(why) => why.clone(),
                Self::ShippingChanged => tr("shipping.error.changed"),
                Self::Voucher(why) => why.clone(),
                Self::ComboNotForSale { combo } => {
                    tr_with("cart.error.combo_not_for_sale", &[("combo", combo)])
                }
                Self::ComboSoldOut { combo, part } => tr_with(
                    "cart.error.combo_sold_out",
                    &[("combo", combo), ("part", part)],
                ),
                Self::Database(e) => e.to_string(),
            }
        };
        f.write_str(&text)
    }
}

/// The cart for this request: the user's when signed in (adopting the guest's cart if the
/// user has none), else the guest's by its token; made when missing and `create` is set.
pub async fn find_cart(
    db: &DatabaseConnection,
    token: Option<Uuid>,
    user_id: Option<UserId>,
    create: bool,
    now: DateTime<Utc>,
) -> Result<Option<cart::Model>, DbErr> {
    if let Some(user_id) = user_id
        && let Some(found) = cart::Entity::find()
            .filter(cart::Column::UserId.eq(user_id))
            .one(db)
            .await?
    {
        return Ok(Some(found));
    }
    if let Some(token) = token
        && let Some(found) = cart::Entity::find()
            .filter(cart::Column::Token.eq(token))
            .filter(cart::Column::UserId.is_null())
            .one(db)
            .await?
    {
        if let Some(user_id) = user_id {
            let mut adopted: cart::ActiveModel = found.into();
            adopted.user_id = Set(Some(user_id));
            adopted.updated_at = Set(now);
            return Ok(Some(adopted.update(db).await?));
        }
        return Ok(Some(found));
    }
    if !create {
        return Ok(None);
    }
    Ok(Some(
        cart::ActiveModel {
            token: Set(Uuid::new_v4()),
            user_id: Set(user_id),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?,
    ))
}

/// At sign-in: the guest cart's lines move into the user's cart (quantities add up, at most
/// [`MAX_QUANTITY`]), and the guest cart is removed. One transaction.
pub async fn merge_at_sign_in(
    db: &DatabaseConnection,
    guest_token: Uuid,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let Some(guest) = cart::Entity::find()
        .filter(cart::Column::Token.eq(guest_token))
        .filter(cart::Column::UserId.is_null())
        .one(&txn)
        .await?
    else {
        return txn.rollback().await;
    };
    let mine = cart::Entity::find()
        .filter(cart::Column::UserId.eq(user_id))
        .one(&txn)
        .await?;
    match mine {
        None => {
            let mut adopted: cart::ActiveModel = guest.into();
            adopted.user_id = Set(Some(user_id));
            adopted.updated_at = Set(now);
            adopted.update(&txn).await?;
        }
        Some(mine) => {
            let lines = cart_item::Entity::find()
                .filter(cart_item::Column::CartId.eq(guest.id))
                .all(&txn)
                .await?;
            for line in lines {
                let at = (line.listing_id, line.variant_id);
                add_quantity(&txn, mine.id, at, line.quantity, now).await?;
            }
            let boxes = cart_combo::Entity::find()
                .filter(cart_combo::Column::CartId.eq(guest.id))
                .all(&txn)
                .await?;
            for line in boxes {
                add_combos(&txn, mine.id, line.combo_id, line.quantity, now).await?;
            }
            if mine.voucher_code.is_none() && guest.voucher_code.is_some() {
                let mut kept: cart::ActiveModel = mine.into();
                kept.voucher_code = Set(guest.voucher_code.clone());
                kept.update(&txn).await?;
            }
            cart::Entity::delete_by_id(guest.id).exec(&txn).await?;
        }
    }
    txn.commit().await
}

/// Adds `quantity` to a line of a listing and pack size (`0`: none) (creating it), capped at
/// [`MAX_QUANTITY`].
async fn add_quantity(
    db: &impl ConnectionTrait,
    cart_id: i64,
    (listing_id, variant_id): (ListingId, i64),
    quantity: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    cart_item::Entity::insert(cart_item::ActiveModel {
        cart_id: Set(cart_id),
        listing_id: Set(listing_id),
        variant_id: Set(variant_id),
        quantity: Set(Ord::min(quantity, MAX_QUANTITY)),
        added_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            cart_item::Column::CartId,
            cart_item::Column::ListingId,
            cart_item::Column::VariantId,
        ])
        .value(cart_item::Column::Quantity, capped_sum("cart_items"))
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A cart line's quantity plus the one being added, at most [`MAX_QUANTITY`] (for an upsert
/// into `table`). Portable (SQLite and PostgreSQL): no MIN/LEAST of two values.
fn capped_sum(table: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::cust(format!(
        "CASE WHEN {table}.quantity + excluded.quantity > {MAX_QUANTITY} \
             THEN {MAX_QUANTITY} ELSE {table}.quantity + excluded.quantity END"
    ))
}

/// Adds `quantity` boxes of a gift combo to a cart (creating the line), capped at
/// [`MAX_QUANTITY`].
async fn add_combos(
    db: &impl ConnectionTrait,
    cart_id: i64,
    combo_id: ComboId,
    quantity: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    cart_combo::Entity::insert(cart_combo::ActiveModel {
        cart_id: Set(cart_id),
        combo_id: Set(combo_id),
        quantity: Set(Ord::min(quantity, MAX_QUANTITY)),
        added_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([cart_combo::Column::CartId, cart_combo::Column::ComboId])
            .value(cart_combo::Column::Quantity, capped_sum("cart_combos"))
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Puts `quantity` more boxes of the gift combo `slug` in the cart, if it is on sale and
/// every part has that many left.
pub async fn add_combo_to_cart(
    db: &DatabaseConnection,
    cart_id: i64,
    slug: &str,
    quantity: i32,
    now: DateTime<Utc>,
) -> Result<(), ShopError> {
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(ShopError::BadQuantity);
    }
    let gift = combos::by_slug(db, vietnam_date(now), slug)
        .await?
        .ok_or(ShopError::NotForSale)?;
    if !gift.on_sale {
        return Err(GiftOff::of(&gift).into());
    }
    let already = cart_combo::Entity::find()
        .filter(cart_combo::Column::CartId.eq(cart_id))
        .filter(cart_combo::Column::ComboId.eq(gift.id))
        .one(db)
        .await?
        .map_or(0, |l| l.quantity);
    if already + quantity > gift.available {
        return Err(ShopError::NotEnoughStock {
            title: gift.title,
            left: gift.available,
            unit: crate::i18n::tr("combo.unit"),
        });
    }
    add_combos(db, cart_id, gift.id, quantity, now).await?;
    Ok(())
}

/// A gift combo that cannot be bought now: its title, and the part that sold out (`None`:
/// it is off sale for another reason).
#[derive(Clone, Debug)]
pub struct GiftOff {
    pub combo: String,
    pub part: Option<String>,
}

impl GiftOff {
    fn of(gift: &combos::ComboView) -> Self {
        Self {
            combo: gift.title.clone(),
            part: gift.sold_out_part.clone().filter(|_| gift.active),
        }
    }
}

impl From<GiftOff> for ShopError {
    fn from(off: GiftOff) -> Self {
        match off.part {
            Some(part) => ShopError::ComboSoldOut {
                combo: off.combo,
                part,
            },
            None => ShopError::ComboNotForSale { combo: off.combo },
        }
    }
}

/// Sets how many boxes of a gift combo the cart holds; 0 removes the line.
pub async fn set_combo_quantity(
    db: &DatabaseConnection,
    cart_id: i64,
    combo_id: ComboId,
    quantity: i32,
) -> Result<(), ShopError> {
    if !(0..=MAX_QUANTITY).contains(&quantity) {
        return Err(ShopError::BadQuantity);
    }
    let lines = cart_combo::Entity::find()
        .filter(cart_combo::Column::CartId.eq(cart_id))
        .filter(cart_combo::Column::ComboId.eq(combo_id));
    if quantity == 0 {
        cart_combo::Entity::delete_many()
            .filter(cart_combo::Column::CartId.eq(cart_id))
            .filter(cart_combo::Column::ComboId.eq(combo_id))
            .exec(db)
            .await?;
    } else if let Some(line) = lines.one(db).await? {
        let mut changed: cart_combo::ActiveModel = line.into();
        changed.quantity = Set(quantity);
        changed.update(db).await?;
    }
    Ok(())
}

/// A product a shopper may buy now, with what a cart line shows.
#[derive(Clone, Debug, FromQueryResult, serde::Serialize)]
pub struct Buyable {
    pub listing_id: ListingId,
    pub pid: Uuid,
    pub slug: String,
    pub title_vi: String,
    pub title_en: String,
    pub certificate_no: String,
    pub seller_id: SellerId,
    pub seller_name: String,
    pub price_vnd: Vnd,
    pub stock: i32,
    pub unit: String,
    pub weight_grams: i32,
}

async fn buyable(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    ids: Option<&[ListingId]>,
    pid: Option<Uuid>,
) -> Result<Vec<Buyable>, DbErr> {
    use registry_certificate::Column as Cert;
    let mut q = visible_base(today);
    q.expr_as(
        Expr::col((listing::Entity, listing::Column::Id)),
        "listing_id",
    )
    .column((listing::Entity, listing::Column::Pid))
    .column((listing::Entity, listing::Column::Slug))
    .expr_as(
        Expr::col((registry_certificate::Entity, Cert::ProductNameVi)),
        "title_vi",
    )
    .expr_as(
        Expr::col((registry_certificate::Entity, Cert::ProductNameEn)),
        "title_en",
    )
    .column((registry_certificate::Entity, Cert::CertificateNo))
    .column((listing::Entity, listing::Column::SellerId))
    .expr_as(
        Expr::col((seller::Entity, seller::Column::DisplayName)),
        "seller_name",
    )
    .column((listing::Entity, listing::Column::PriceVnd))
    .column((listing::Entity, listing::Column::Stock))
    .column((listing::Entity, listing::Column::Unit))
    .column((listing::Entity, listing::Column::WeightGrams));
    if let Some(ids) = ids {
        q.and_where(Expr::col((listing::Entity, listing::Column::Id)).is_in(ids.iter().copied()));
    }
    if let Some(pid) = pid {
        q.and_where(Expr::col((listing::Entity, listing::Column::Pid)).eq(pid));
    }
    db.query_all(&q)
        .await?
        .iter()
        .map(|row| Buyable::from_query_result(row, ""))
        .collect()
}

/// The public ids of every product for sale (for the checkout benchmark).
pub async fn view_buyable_pids(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(buyable(db, today, None, None)
        .await?
        .into_iter()
        .map(|b| b.pid)
        .collect())
}

/// Puts `quantity` more of a product in the cart, if it is for sale and in stock: of the
/// pack size `variant` when the product has several (one must be chosen), else `0`.
pub async fn add_to_cart(
    db: &DatabaseConnection,
    cart_id: i64,
    listing_pid: Uuid,
    variant: i64,
    quantity: i32,
    now: DateTime<Utc>,
) -> Result<(), ShopError> {
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(ShopError::BadQuantity);
    }
    let mut item = buyable(db, vietnam_date(now), None, Some(listing_pid))
        .await?
        .pop()
        .ok_or(ShopError::NotForSale)?;
    let sizes = crate::features::selling::variants::of(db, item.listing_id).await?;
    if !sizes.is_empty() {
        let size = sizes
            .iter()
            .find(|v| v.id == variant)
            .ok_or(ShopError::ChooseVariant)?;
        item.stock = size.stock;
        item.title_vi = format!("{} — {}", item.title_vi, size.label);
    } else if variant != 0 {
        return Err(ShopError::NotForSale);
    }
    let already = cart_item::Entity::find()
        .filter(cart_item::Column::CartId.eq(cart_id))
        .filter(cart_item::Column::ListingId.eq(item.listing_id))
        .filter(cart_item::Column::VariantId.eq(variant))
        .one(db)
        .await?
        .map_or(0, |l| l.quantity);
    if already + quantity > item.stock {
        return Err(ShopError::NotEnoughStock {
            title: item.title_vi,
            left: item.stock,
            unit: item.unit,
        });
    }
    add_quantity(db, cart_id, (item.listing_id, variant), quantity, now).await?;
    Ok(())
}

/// Sets a line's quantity (the line of that product and pack size, `0`: none); 0 removes it.
pub async fn set_quantity(
    db: &DatabaseConnection,
    cart_id: i64,
    listing_pid: Uuid,
    variant: i64,
    quantity: i32,
) -> Result<(), ShopError> {
    if !(0..=MAX_QUANTITY).contains(&quantity) {
        return Err(ShopError::BadQuantity);
    }
    let Some(found) = listing::Entity::find()
        .filter(listing::Column::Pid.eq(listing_pid))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let line = cart_item::Entity::find()
        .filter(cart_item::Column::CartId.eq(cart_id))
        .filter(cart_item::Column::ListingId.eq(found.id))
        .filter(cart_item::Column::VariantId.eq(variant))
        .one(db)
        .await?;
    match (line, quantity) {
        (Some(line), 0) => {
            cart_item::Entity::delete_by_id(line.id).exec(db).await?;
        }
        (Some(line), n) => {
            let mut changed: cart_item::ActiveModel = line.into();
            changed.quantity = Set(n);
            changed.update(db).await?;
        }
        (None, _) => {}
    }
    Ok(())
}

/// One cart line as pages show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CartLine {
    /// The product, with the pack size's price, stock and weight when it has one.
    pub item: Buyable,
    /// The pack size (`0`: none) and its label.
    pub variant_id: i64,
    pub variant_label: Option<String>,
    pub quantity: i32,
    pub line_total_vnd: Vnd,
    /// What the cart's voucher takes off this line.
    pub discount_vnd: Vnd,
    /// There is not enough stock for this quantity any more.
    pub short: bool,
    /// The gift combo this line is a part of (priced at the part's share; its quantity is
    /// the combo's, changed on the combo's line).
    pub combo: Option<ComboTag>,
}

/// The gift combo a cart line is a part of.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ComboTag {
    pub id: ComboId,
    pub title: String,
    /// The part's own titles (the line's title names the combo too).
    pub part_vi: String,
    pub part_en: String,
}

/// A gift combo in the cart, as one line (its parts are in their sellers' groups).
#[derive(Clone, Debug, serde::Serialize)]
pub struct CartCombo {
    pub id: ComboId,
    pub slug: String,
    pub title: String,
    pub quantity: i32,
    pub price_vnd: Vnd,
    pub line_total_vnd: Vnd,
    pub available: i32,
    /// Fewer boxes are left than the line asks for.
    pub short: bool,
}

/// The lines of one seller: they become one order.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SellerGroup {
    pub seller_id: SellerId,
    pub seller_name: String,
    pub lines: Vec<CartLine>,
    /// The goods before any voucher (shipping is quoted on this).
    pub subtotal_vnd: Vnd,
    /// What the cart's voucher takes off this seller's order.
    pub discount_vnd: Vnd,
}

impl SellerGroup {
    /// The group as one parcel for the shipping quotes.
    pub fn consignment(&self) -> Consignment {
        Consignment {
            seller_id: self.seller_id,
            subtotal: self.subtotal_vnd,
            items: self
                .lines
                .iter()
                .map(|l| ParcelItem {
                    name: l.item.title_vi.clone(),
                    quantity: l.quantity,
                    grams: l.item.weight_grams,
                    price: l.item.price_vnd,
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct CartView {
    pub groups: Vec<SellerGroup>,
    /// The gift combos, each once (their parts are also lines of the groups).
    pub combos: Vec<CartCombo>,
    pub total_vnd: Vnd,
    pub count: i32,
    /// Lines whose product is no longer for sale (they are left out of the groups).
    pub unavailable: usize,
    /// Why the first gift combo of the cart that is no longer on sale cannot be bought (a
    /// checkout refuses it rather than leave the gift out unnoticed).
    #[serde(skip)]
    pub gift_off_sale: Option<GiftOff>,
    /// The voucher taken off, when the cart's code applies.
    pub voucher: Option<VoucherView>,
    /// Why the cart's code does not apply, when it does not.
    pub voucher_error: Option<String>,
    /// The cart's code as the shopper entered it.
    pub voucher_code: Option<String>,
    pub discount_vnd: Vnd,
    /// The goods after the voucher.
    pub goods_vnd: Vnd,
}

/// The applied voucher as the cart shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct VoucherView {
    pub code: String,
    pub title: String,
    /// Only when collected at the issuing outlet.
    pub pickup_only: bool,
    pub live_only: bool,
}

impl CartView {
    /// The cart's lines as a voucher sees them, in group order.
    fn voucher_lines(&self) -> Vec<offers::Line> {
        self.groups
            .iter()
            .flat_map(|g| &g.lines)
            .map(|l| offers::Line {
                listing_id: l.item.listing_id,
                seller_id: l.item.seller_id,
                goods: l.line_total_vnd,
            })
            .collect()
    }

    /// Puts `applied`'s shares on the lines and their sums on the groups and the cart.
    fn take_off(&mut self, applied: &offers::Applied) {
        let mut shares = applied.shares.iter().copied();
        self.discount_vnd = Vnd::ZERO;
        for group in &mut self.groups {
            group.discount_vnd = Vnd::ZERO;
            for line in &mut group.lines {
                line.discount_vnd = shares.next().unwrap_or(Vnd::ZERO);
                group.discount_vnd += line.discount_vnd;
            }
            self.discount_vnd += group.discount_vnd;
        }
        self.goods_vnd = self.total_vnd - self.discount_vnd;
        self.voucher = Some(VoucherView {
            code: applied.voucher.code.clone(),
            title: applied.voucher.title.clone(),
            pickup_only: applied.voucher.issuer == "outlet",
            live_only: applied.voucher.live_show_id.is_some(),
        });
    }
}

/// Applies the cart's voucher `code`, if any, to `view` in `context`: the discount on each
/// line, or why the code does not apply (`voucher_error`; the view is then undiscounted).
pub async fn apply_voucher(
    db: &impl ConnectionTrait,
    view: &mut CartView,
    code: Option<&str>,
    context: offers::Context<'_>,
) -> Result<Option<offers::Applied>, DbErr> {
    view.voucher_code = code.map(str::to_owned);
    let Some(code) = code else {
        return Ok(None);
    };
    if view.groups.is_empty() {
        return Ok(None);
    }
    match offers::evaluate(db, code, &view.voucher_lines(), context).await {
        Ok(applied) => {
            view.take_off(&applied);
            Ok(Some(applied))
        }
        Err(offers::VoucherError::Database(e)) => Err(e),
        Err(e) => {
            view.voucher_error = Some(e.to_string());
            Ok(None)
        }
    }
}

/// Sets the cart's voucher code (`None` removes it). A code that cannot apply is refused
/// with why, and the cart keeps the code it had.
pub async fn set_voucher(
    db: &DatabaseConnection,
    cart: &cart::Model,
    code: Option<&str>,
    context: offers::Context<'_>,
    today: NaiveDate,
) -> Result<(), ShopError> {
    if let Some(raw) = code {
        let mut priced = view(db, cart.id, today).await?;
        if priced.groups.is_empty() {
            return Err(ShopError::EmptyCart);
        }
        match offers::evaluate(db, raw, &priced.voucher_lines(), context).await {
            Ok(applied) => priced.take_off(&applied),
            Err(offers::VoucherError::Database(e)) => return Err(e.into()),
            Err(e) => return Err(ShopError::Voucher(e.to_string())),
        }
    }
    let code = code.and_then(crate::domain::vouchers::normalize_code);
    cart::Entity::update_many()
        .col_expr(cart::Column::VoucherCode, Expr::value(code))
        .filter(cart::Column::Id.eq(cart.id))
        .exec(db)
        .await?;
    Ok(())
}

/// The cart's lines grouped by seller, with products no longer for sale left out.
pub async fn view(
    db: &impl ConnectionTrait,
    cart_id: i64,
    today: NaiveDate,
) -> Result<CartView, DbErr> {
    let lines = cart_item::Entity::find()
        .filter(cart_item::Column::CartId.eq(cart_id))
        .all(db)
        .await?;
    let boxes = cart_combo::Entity::find()
        .filter(cart_combo::Column::CartId.eq(cart_id))
        .order_by_asc(cart_combo::Column::Id)
        .all(db)
        .await?;
    let gifts = combos::by_ids(
        db,
        today,
        &boxes.iter().map(|b| b.combo_id).collect::<Vec<_>>(),
    )
    .await?;
    let ids: Vec<_> = lines.iter().map(|l| l.listing_id).collect();
    let mut wanted = ids.clone();
    wanted.extend(gifts.iter().flat_map(|g| g.part_ids.iter().copied()));
    let items = if wanted.is_empty() {
        Vec::new()
    } else {
        buyable(db, today, Some(&wanted), None).await?
    };
    let sizes = if ids.is_empty() {
        Vec::new()
    } else {
        crate::db::entities::listing_variant::Entity::find()
            .filter(crate::db::entities::listing_variant::Column::ListingId.is_in(ids.clone()))
            .all(db)
            .await?
    };
    let mut groups: BTreeMap<(String, SellerId), SellerGroup> = BTreeMap::new();
    let mut view = CartView::default();
    for line in &lines {
        let Some(found) = items.iter().find(|i| i.listing_id == line.listing_id) else {
            view.unavailable += 1;
            continue;
        };
        // A pack size's own price, stock and weight; a line of a product that has pack sizes
        // needs one of them (and one whose pack size was removed is no longer for sale).
        let mut item = found.clone();
        let has_sizes = sizes.iter().any(|v| v.listing_id == line.listing_id);
        let size = sizes
            .iter()
            .find(|v| v.listing_id == line.listing_id && v.id == line.variant_id);
        match (has_sizes, size) {
            (false, _) if line.variant_id == 0 => {}
            (true, Some(size)) => {
                item.price_vnd = size.price_vnd;
                item.stock = size.stock;
                item.weight_grams = size.weight_grams;
            }
            _ => {
                view.unavailable += 1;
                continue;
            }
        }
        add_line(
            &mut groups,
            &mut view.total_vnd,
            CartLine {
                line_total_vnd: item.price_vnd * i64::from(line.quantity),
                short: line.quantity > item.stock,
                item,
                variant_id: line.variant_id,
                variant_label: size.map(|v| v.label.clone()),
                quantity: line.quantity,
                discount_vnd: Vnd::ZERO,
                combo: None,
            },
        );
        view.count += line.quantity;
    }
    // Each gift combo on sale: one line of its own, and each part a line of its seller's
    // group at the part's share of the combo's price.
    for line in &boxes {
        let Some(gift) = gifts.iter().find(|g| g.id == line.combo_id) else {
            continue;
        };
        if !gift.on_sale {
            view.unavailable += 1;
            if view.gift_off_sale.is_none() {
                view.gift_off_sale = Some(GiftOff::of(gift));
            }
            continue;
        }
        for part in &gift.parts {
            let Some(found) = items.iter().find(|i| i.listing_id == part.card.internal_id) else {
                continue;
            };
            let mut item = found.clone();
            item.price_vnd = part.share_vnd;
            item.title_vi = format!("{}: {}", gift.title, found.title_vi);
            add_line(
                &mut groups,
                &mut view.total_vnd,
                CartLine {
                    line_total_vnd: item.price_vnd * i64::from(line.quantity),
                    short: line.quantity > item.stock,
                    item,
                    variant_id: 0,
                    variant_label: None,
                    quantity: line.quantity,
                    discount_vnd: Vnd::ZERO,
                    combo: Some(ComboTag {
                        id: gift.id,
                        title: gift.title.clone(),
                        part_vi: found.title_vi.clone(),
                        part_en: found.title_en.clone(),
                    }),
                },
            );
        }
        view.count += line.quantity;
        view.combos.push(CartCombo {
            id: gift.id,
            slug: gift.slug.clone(),
            title: gift.title.clone(),
            quantity: line.quantity,
            price_vnd: gift.price_vnd,
            line_total_vnd: gift.price_vnd * i64::from(line.quantity),
            available: gift.available,
            short: line.quantity > gift.available,
        });
    }
    view.groups = groups.into_values().collect();
    view.goods_vnd = view.total_vnd;
    Ok(view)
}

/// Adds `line` to its seller's group (made when missing) and its amount to `total`.
fn add_line(
    groups: &mut BTreeMap<(String, SellerId), SellerGroup>,
    total: &mut Vnd,
    line: CartLine,
) {
    let group = groups
        .entry((line.item.seller_name.clone(), line.item.seller_id))
        .or_insert_with(|| SellerGroup {
            seller_id: line.item.seller_id,
            seller_name: line.item.seller_name.clone(),
            lines: Vec::new(),
            subtotal_vnd: Vnd::ZERO,
            discount_vnd: Vnd::ZERO,
        });
    group.subtotal_vnd += line.line_total_vnd;
    *total += line.line_total_vnd;
    group.lines.push(line);
}

/// Where and to whom to deliver, validated.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Address {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub province_code: String,
    pub commune: String,
    pub street: String,
}

pub use crate::domain::orders::parse_phone;

impl Address {
    /// Name, e-mail and phone, checked; problems are added to `problems`.
    fn contact(
        name: &str,
        email: &str,
        phone: &str,
        problems: &mut Vec<(&'static str, String)>,
    ) -> Option<(String, String, String)> {
        use crate::i18n::tr;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            problems.push(("name", tr("checkout.error.name")));
        }
        let email = crate::domain::registry::parse_email(email.trim())
            .map_err(|_| problems.push(("email", tr("checkout.error.email"))))
            .ok();
        let phone = parse_phone(phone).or_else(|| {
            problems.push(("phone", tr("checkout.error.phone")));
            None
        });
        Some((name.to_owned(), email?, phone?))
    }

    /// The contact of a shopper who collects at `outlet`: only name, e-mail and phone are
    /// asked; the address is the outlet's.
    pub fn for_pickup(
        name: &str,
        email: &str,
        phone: &str,
        outlet: &crate::db::entities::outlet::Model,
    ) -> Result<Self, Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        match Self::contact(name, email, phone, &mut problems) {
            Some((name, email, phone)) if problems.is_empty() => Ok(Self {
                name,
                email,
                phone,
                province_code: outlet.province_code.clone(),
                commune: outlet
                    .commune
                    .clone()
                    .unwrap_or_else(|| outlet.name.clone()),
                street: outlet.address.clone(),
            }),
            _ => Err(problems),
        }
    }

    /// Every problem, keyed by field.
    pub fn parse(
        reference: &Reference,
        name: &str,
        email: &str,
        phone: &str,
        province: &str,
        commune: &str,
        street: &str,
    ) -> Result<Self, Vec<(&'static str, String)>> {
        use crate::i18n::tr;
        let mut problems = Vec::new();
        let contact = Self::contact(name, email, phone, &mut problems);
        // Only today's 34 provinces: a former one is not an address any more.
        let province_code = reference
            .province(province.trim())
            .map(|p| p.code.clone())
            .or_else(|| {
                problems.push(("province", tr("checkout.error.province")));
                None
            });
        let commune = match province_code.as_deref() {
            // Without a province there is no list to look in; the province's problem is shown.
            None => None,
            Some(_) if commune.trim().is_empty() || commune.chars().count() > 100 => {
                problems.push(("commune", tr("checkout.error.commune")));
                None
            }
            Some(province) => resolve_commune(reference, province, commune)
                .map_err(|why| problems.push(("commune", why)))
                .ok(),
        };
        let street = street.trim();
        if street.chars().count() < 3 || street.chars().count() > 200 {
            problems.push(("street", tr("checkout.error.street")));
        }
        match (contact, province_code, commune, problems.is_empty()) {
            (Some((name, email, phone)), Some(province_code), Some(commune), true) => Ok(Self {
                name,
                email,
                phone,
                province_code,
                commune,
                street: street.to_owned(),
            }),
            _ => Err(problems),
        }
    }
}

pub use crate::features::shipping::resolve_commune;

/// What a checkout needs besides the cart.
#[derive(Clone, Debug)]
pub struct Placement<'a> {
    pub cart_id: i64,
    pub user_id: Option<UserId>,
    pub address: &'a Address,
    pub method: PaymentMethod,
    /// One per checkout form: a retried submit returns the first checkout.
    pub idempotency_key: &'a str,
    /// The shopper's language, for the e-mails about this checkout.
    pub lang: Lang,
    /// The site address the shopper used, for the links in those e-mails.
    pub site: &'a str,
    /// The live show whose share link this shopper followed, if any: the checkout is
    /// attributed to it when the cart holds one of its products.
    pub from_show: Option<ShowId>,
    /// Collected at this outlet: the units come from the outlet's shelf, not the seller's
    /// stock.
    pub pickup_outlet: Option<OutletId>,
    /// For the shipping quotes.
    pub reference: &'a Reference,
    pub carriers: &'a Endpoints,
    /// A VAT invoice asked for, if any.
    pub invoice: Option<&'a crate::domain::invoice::InvoiceRequest>,
}

impl Address {
    /// The address as a carrier's destination.
    pub fn place(&self, reference: &Reference) -> Place {
        Place::new(
            reference,
            &self.province_code,
            &self.commune,
            &self.street,
            &self.name,
            &self.phone,
        )
    }
}

/// The fees for a checkout form still being filled in: known once its province and commune
/// resolve (the contact may still be missing), or when the shopper collects at an outlet.
#[allow(clippy::too_many_arguments)]
pub async fn preview_quotes(
    db: &impl ConnectionTrait,
    reference: &Reference,
    carriers: &Endpoints,
    cart: &CartView,
    province: &str,
    commune: &str,
    street: &str,
    pickup: bool,
) -> Result<Option<Vec<Quote>>, ShopError> {
    // Collected at an outlet, the address does not matter.
    let province = reference.province(province.trim());
    let commune = province.and_then(|p| resolve_commune(reference, &p.code, commune).ok());
    if commune.is_none() && !pickup {
        return Ok(None);
    }
    let address = Address {
        name: String::new(),
        email: String::new(),
        phone: String::new(),
        province_code: province.map(|p| p.code.clone()).unwrap_or_default(),
        commune: commune.unwrap_or_default(),
        street: street.trim().to_owned(),
    };
    shipping_quotes(db, reference, Some(carriers), cart, &address, pickup)
        .await
        .map(Some)
}

/// The shipping fee of each seller's order in `cart`, delivered to `address` or collected at
/// an outlet (`pickup`).
pub async fn shipping_quotes(
    db: &impl ConnectionTrait,
    reference: &Reference,
    carriers: Option<&Endpoints>,
    cart: &CartView,
    address: &Address,
    pickup: bool,
) -> Result<Vec<Quote>, ShopError> {
    let consignments: Vec<_> = cart.groups.iter().map(SellerGroup::consignment).collect();
    let destination = if pickup {
        Destination::Pickup
    } else {
        Destination::Address(address.place(reference))
    };
    crate::features::shipping::quote(db, reference, carriers, &consignments, &destination)
        .await
        .map_err(|e| match e {
            QuoteError::Database(e) => ShopError::Database(e),
            e @ QuoteError::CannotShip { .. } => ShopError::CannotShip(e.to_string()),
        })
}

/// `OV-` and 8 characters without look-alikes (no 0/O, 1/I).
pub fn new_reference() -> String {
    crate::domain::orders::random_code("OV-")
}

#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    #[error(transparent)]
    Shop(#[from] ShopError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// The checkout an idempotency key already placed, if any (a form submitted again).
pub async fn checkout_by_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<checkout::Model>, DbErr> {
    checkout::Entity::find()
        .filter(checkout::Column::IdempotencyKey.eq(key))
        .one(db)
        .await
}

/// Places the cart's lines as one checkout with one order per seller, paying by `method`,
/// and queues the confirmation and the sellers' notices. A retried submit with the same
/// `idempotency_key` returns the first checkout unchanged.
///
/// Stock rows are taken in one fixed order (by listing), so two carts holding the same
/// products cannot deadlock; a transaction PostgreSQL aborts anyway (a deadlock or a
/// serialization failure) is run again from the start, a few times.
pub async fn place(
    db: &DatabaseConnection,
    placement: &Placement<'_>,
    now: DateTime<Utc>,
) -> Result<checkout::Model, CheckoutError> {
    // A seller's carrier is asked before the transaction, so no row is held while it
    // answers; table rates are worked out inside it, from the lines it reads. A cart that
    // changed meanwhile (a seller's new price crossing a free-shipping threshold) is quoted
    // again rather than refused.
    let mut quotes = carrier_quotes(db, placement, now).await?;
    let (mut attempt, mut requoted) = (0, 0);
    loop {
        match place_once(db, placement, quotes.as_deref(), now).await {
            Err(CheckoutError::Database(e)) if attempt < 4 && crate::db::is_retryable(&e) => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "checkout conflicted; running it again");
                tokio::time::sleep(crate::db::retry_pause(attempt)).await;
            }
            Err(CheckoutError::Shop(ShopError::ShippingChanged)) if requoted < 2 => {
                requoted += 1;
                quotes = carrier_quotes(db, placement, now).await?;
            }
            result => return result,
        }
    }
}

/// The carriers' quotes for the cart when one of its sellers ships with a carrier; `None`
/// when table rates price every seller's order.
async fn carrier_quotes(
    db: &DatabaseConnection,
    placement: &Placement<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Vec<Quote>>, CheckoutError> {
    if !crate::features::shipping::cart_uses_carriers(db, placement.cart_id).await? {
        return Ok(None);
    }
    let cart = view(db, placement.cart_id, vietnam_date(now)).await?;
    Ok(Some(
        shipping_quotes(
            db,
            placement.reference,
            Some(placement.carriers),
            &cart,
            placement.address,
            placement.pickup_outlet.is_some(),
        )
        .await?,
    ))
}

async fn place_once(
    db: &DatabaseConnection,
    placement: &Placement<'_>,
    quotes: Option<&[Quote]>,
    now: DateTime<Utc>,
) -> Result<checkout::Model, CheckoutError> {
    let Placement {
        cart_id,
        user_id,
        address,
        method,
        idempotency_key,
        lang,
        site,
        from_show,
        pickup_outlet,
        reference,
        invoice,
        ..
    } = *placement;
    let txn = crate::db::begin_write(db).await?;
    if let Some(done) = checkout::Entity::find()
        .filter(checkout::Column::IdempotencyKey.eq(idempotency_key))
        .one(&txn)
        .await?
    {
        txn.rollback().await?;
        return Ok(done);
    }
    let mut cart = view(&txn, cart_id, vietnam_date(now)).await?;
    if let Some(off) = cart.gift_off_sale.take() {
        return Err(ShopError::from(off).into());
    }
    if cart.groups.is_empty() {
        return Err(ShopError::EmptyCart.into());
    }
    // The cart's voucher, checked again for this shopper, show and delivery: one that no
    // longer applies stops the checkout with why (the shopper removes it or changes the cart).
    let code = cart::Entity::find_by_id(cart_id)
        .one(&txn)
        .await?
        .and_then(|c| c.voucher_code);
    let context = offers::Context {
        now,
        shopper: Some(&address.email),
        show: from_show,
        delivery: pickup_outlet.map_or(offers::Delivery::Home, offers::Delivery::Pickup),
    };
    let applied = apply_voucher(&txn, &mut cart, code.as_deref(), context).await?;
    if let Some(why) = cart.voucher_error.take() {
        return Err(ShopError::Voucher(why).into());
    }
    // Each seller's order with the fee quoted for exactly these lines: the carriers' quotes
    // asked before, or the table rates now.
    let table_quotes;
    let quotes = match quotes {
        Some(asked) => asked,
        None => {
            table_quotes = shipping_quotes(
                &txn,
                reference,
                None,
                &cart,
                address,
                pickup_outlet.is_some(),
            )
            .await?;
            &table_quotes
        }
    };
    let fees = cart
        .groups
        .iter()
        .map(|g| {
            let parcel = g.consignment();
            quotes
                .iter()
                .find(|q| {
                    q.seller_id == g.seller_id
                        && q.subtotal == g.subtotal_vnd
                        && q.grams == parcel.grams()
                })
                .ok_or(ShopError::ShippingChanged)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let shipping: Vnd = fees.iter().map(|q| q.fee).sum();
    if method == PaymentMethod::VietQr {
        let ids: Vec<_> = cart.groups.iter().map(|g| g.seller_id).collect();
        let missing = sellers_without_bank(&txn, &ids).await?;
        if !missing.is_empty() {
            return Err(ShopError::NoBankAccount(missing.join(", ")).into());
        }
    }
    // Take the stock, line by line in listing order; any shortfall undoes everything (the
    // transaction drops).
    let mut lines: Vec<_> = cart.groups.iter().flat_map(|g| &g.lines).collect();
    lines.sort_by_key(|line| (line.item.listing_id, line.variant_id));
    let mut taken = Vec::new();
    for line in lines {
        if let Some(outlet_id) = pickup_outlet {
            use crate::db::entities::outlet_listing;
            let done = outlet_listing::Entity::update_many()
                .col_expr(
                    outlet_listing::Column::Stock,
                    Expr::col(outlet_listing::Column::Stock).sub(line.quantity),
                )
                .filter(outlet_listing::Column::OutletId.eq(outlet_id))
                .filter(outlet_listing::Column::ListingId.eq(line.item.listing_id))
                .filter(outlet_listing::Column::Stock.gte(line.quantity))
                .exec(&txn)
                .await?;
            if done.rows_affected != 1 {
                let left = outlet_listing::Entity::find()
                    .filter(outlet_listing::Column::OutletId.eq(outlet_id))
                    .filter(outlet_listing::Column::ListingId.eq(line.item.listing_id))
                    .one(&txn)
                    .await?
                    .map_or(0, |r| r.stock);
                return Err(ShopError::NotEnoughStock {
                    title: line.item.title_vi.clone(),
                    left,
                    unit: line.item.unit.clone(),
                }
                .into());
            }
            continue;
        }
        let done = listing::Entity::update_many()
            .col_expr(
                listing::Column::Stock,
                Expr::col(listing::Column::Stock).sub(line.quantity),
            )
            .col_expr(listing::Column::UpdatedAt, Expr::value(now))
            .filter(listing::Column::Id.eq(line.item.listing_id))
            .filter(listing::Column::Stock.gte(line.quantity))
            .exec(&txn)
            .await?;
        // A pack size: its own stock too, after the listing's row (the order every writer
        // takes them in), so the listing's stock stays the sum of its pack sizes'.
        if done.rows_affected == 1 && line.variant_id != 0 {
            use crate::db::entities::listing_variant;
            let taken = listing_variant::Entity::update_many()
                .col_expr(
                    listing_variant::Column::Stock,
                    Expr::col(listing_variant::Column::Stock).sub(line.quantity),
                )
                .filter(listing_variant::Column::Id.eq(line.variant_id))
                .filter(listing_variant::Column::Stock.gte(line.quantity))
                .exec(&txn)
                .await?;
            if taken.rows_affected != 1 {
                let left = listing_variant::Entity::find_by_id(line.variant_id)
                    .one(&txn)
                    .await?
                    .map_or(0, |v| v.stock);
                return Err(ShopError::NotEnoughStock {
                    title: format!(
                        "{} — {}",
                        line.item.title_vi,
                        line.variant_label.as_deref().unwrap_or_default()
                    ),
                    left,
                    unit: line.item.unit.clone(),
                }
                .into());
            }
        }
        if done.rows_affected != 1 {
            let left = listing::Entity::find_by_id(line.item.listing_id)
                .one(&txn)
                .await?
                .map_or(0, |l| l.stock);
            // A gift combo's part: the combo sold out, or has fewer boxes left.
            if let Some(gift) = &line.combo {
                return Err(match left {
                    0 => ShopError::ComboSoldOut {
                        combo: gift.title.clone(),
                        part: gift.part_vi.clone(),
                    },
                    _ => ShopError::NotEnoughStock {
                        title: gift.title.clone(),
                        left,
                        unit: crate::i18n::tr("combo.unit"),
                    },
                }
                .into());
            }
            return Err(ShopError::NotEnoughStock {
                title: line.item.title_vi.clone(),
                left,
                unit: line.item.unit.clone(),
            }
            .into());
        }
        taken.push(line.item.listing_id);
    }
    let bought: Vec<_> = cart
        .groups
        .iter()
        .flat_map(|g| &g.lines)
        .map(|l| l.item.listing_id)
        .collect();
    let channel = match from_show {
        Some(show_id) if crate::features::live::attributes(&txn, show_id, &bought).await? => {
            Channel::Livestream { show_id }
        }
        _ => Channel::Web,
    };
    let reference = new_reference();
    let inserted = checkout::ActiveModel {
        reference: Set(reference.clone()),
        idempotency_key: Set(idempotency_key.to_owned()),
        user_id: Set(user_id),
        email: Set(address.email.clone()),
        name: Set(address.name.clone()),
        phone: Set(address.phone.clone()),
        province_code: Set(address.province_code.clone()),
        commune: Set(address.commune.clone()),
        street: Set(address.street.clone()),
        payment_method: Set(method.as_str().to_owned()),
        channel: Set(channel.as_str().to_owned()),
        live_show_id: Set(channel.show_id()),
        total_vnd: Set(cart.goods_vnd + shipping),
        tracking_token: Set(Uuid::new_v4()),
        created_at: Set(now),
        lang: Set(lang.code().to_owned()),
        expires_at: Set(method.reservation().map(|d| now + d)),
        stripe_session_id: Set(None),
        site: Set(site.to_owned()),
        outlet_id: Set(pickup_outlet),
        invoice_company: Set(invoice.map(|i| i.company.clone())),
        invoice_tax_code: Set(invoice.map(|i| i.tax_code.clone())),
        invoice_address: Set(invoice.map(|i| i.address.clone())),
        voucher_code: Set(applied.as_ref().map(|a| a.voucher.code.clone())),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let placed = match inserted {
        Ok(placed) => placed,
        // The same submit raced itself: the other one won; return its checkout.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            return checkout::Entity::find()
                .filter(checkout::Column::IdempotencyKey.eq(idempotency_key))
                .one(db)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound(idempotency_key.to_owned()).into());
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(applied) = &applied {
        match offers::redeem(&txn, applied, &address.email, placed.id, now).await {
            Ok(()) => {}
            Err(offers::VoucherError::Database(e)) => return Err(e.into()),
            Err(e) => return Err(ShopError::Voucher(e.to_string()).into()),
        }
    }
    for (n, (group, fee)) in cart.groups.iter().zip(&fees).enumerate() {
        let placed_order = order::ActiveModel {
            pid: Set(Uuid::new_v4()),
            code: Set(format!("{reference}-{}", n + 1)),
            checkout_id: Set(placed.id),
            seller_id: Set(group.seller_id),
            state: Set(OrderState::Placed),
            payment_state: Set(PaymentState::Unpaid),
            subtotal_vnd: Set(group.subtotal_vnd - group.discount_vnd),
            discount_vnd: Set(group.discount_vnd),
            shipping_vnd: Set(fee.fee),
            shipping_service: Set(fee.service.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for line in &group.lines {
            order_item::ActiveModel {
                order_id: Set(placed_order.id),
                listing_id: Set(line.item.listing_id),
                // The pack size in the title, so every page, e-mail and receipt names it.
                title: Set(match &line.variant_label {
                    Some(label) => format!("{} — {label}", line.item.title_vi),
                    None => line.item.title_vi.clone(),
                }),
                certificate_no: Set(line.item.certificate_no.clone()),
                unit: Set(line.item.unit.clone()),
                unit_price_vnd: Set(line.item.price_vnd),
                quantity: Set(line.quantity),
                discount_vnd: Set(line.discount_vnd),
                variant_id: Set((line.variant_id != 0).then_some(line.variant_id)),
                variant_label: Set(line.variant_label.clone()),
                combo_id: Set(line.combo.as_ref().map(|c| c.id)),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        order_event::ActiveModel {
            order_id: Set(placed_order.id),
            state: Set(OrderState::Placed.as_str().to_owned()),
            note: Set(None),
            actor_user_id: Set(user_id),
            at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    cart_item::Entity::delete_many()
        .filter(cart_item::Column::CartId.eq(cart_id))
        .exec(&txn)
        .await?;
    cart_combo::Entity::delete_many()
        .filter(cart_combo::Column::CartId.eq(cart_id))
        .exec(&txn)
        .await?;
    // Stock changed: "sold out" may now show in search.
    outbox::enqueue_listing_sync(&txn, taken, now).await?;
    crate::features::orders::notify_placed(&txn, &placed, now).await?;
    txn.commit().await?;
    Ok(placed)
}

/// A checkout with its orders and their items, for the order page.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OrderView {
    pub code: String,
    pub state: OrderState,
    pub payment_state: PaymentState,
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    pub reason: Option<String>,
    pub seller_name: String,
    pub subtotal_vnd: Vnd,
    /// What a voucher took off the goods (`subtotal_vnd` is after it).
    pub discount_vnd: Vnd,
    pub shipping_vnd: Vnd,
    pub total_vnd: Vnd,
    pub items: Vec<order_item::Model>,
    /// The carrier's status updates, oldest first.
    pub tracking: Vec<crate::features::shipping::tracking::TrackView>,
    /// The e-invoice the seller issued, when the buyer asked for one.
    pub invoice_no: Option<String>,
    pub invoice_url: Option<String>,
    pub events: Vec<crate::features::orders::EventView>,
    /// Money sent back, or on its way.
    pub refunds: Vec<crate::features::orders::refunds::RefundView>,
    /// Where a bank transfer for this order goes: (bank BIN, account number, holder).
    #[serde(skip)]
    pub bank: Option<(String, String, String)>,
}

impl OrderView {
    /// Placed and not paid yet: the shopper may still pay it online.
    pub fn awaits_payment(&self) -> bool {
        self.state == OrderState::Placed && self.payment_state == PaymentState::Unpaid
    }
}

pub async fn orders_of(
    db: &impl ConnectionTrait,
    checkout_id: CheckoutId,
) -> Result<Vec<OrderView>, DbErr> {
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(checkout_id))
        .order_by_asc(order::Column::Id)
        .all(db)
        .await?;
    // Six queries for the checkout, whatever its number of orders.
    let mut items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
        .all(db)
        .await?;
    let sellers: std::collections::HashMap<_, seller::Model> = seller::Entity::find()
        .filter(seller::Column::Id.is_in(orders.iter().map(|o| o.seller_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let ids: Vec<_> = orders.iter().map(|o| o.id).collect();
    let mut history = crate::features::orders::history(db, &ids).await?;
    let mut tracking = crate::features::shipping::tracking::tracking(db, &ids).await?;
    let mut refunds = crate::features::orders::refunds::of_orders(db, &ids).await?;
    let mut out = Vec::with_capacity(orders.len());
    for o in orders {
        let (mine, rest): (Vec<_>, Vec<_>) = items.into_iter().partition(|i| i.order_id == o.id);
        items = rest;
        let seller = sellers.get(&o.seller_id);
        out.push(OrderView {
            seller_name: seller.map(|s| s.display_name.clone()).unwrap_or_default(),
            bank: seller.and_then(|s| {
                Some((
                    s.bank_bin.clone()?,
                    s.bank_account_no.clone()?,
                    s.bank_account_name.clone().unwrap_or_default(),
                ))
            }),
            events: history.remove(&o.id).unwrap_or_default(),
            tracking: tracking.remove(&o.id).unwrap_or_default(),
            refunds: refunds.remove(&o.id).unwrap_or_default(),
            total_vnd: o.total_vnd(),
            shipping_vnd: o.shipping_vnd,
            invoice_no: o.invoice_no,
            invoice_url: o.invoice_url,
            code: o.code,
            state: o.state,
            payment_state: o.payment_state,
            carrier: o.carrier,
            tracking_no: o.tracking_no,
            reason: o.reason,
            subtotal_vnd: o.subtotal_vnd,
            discount_vnd: o.discount_vnd,
            items: mine,
        });
    }
    Ok(out)
}

/// The outlets where every line of the cart can be collected now (each product on their shelf
/// in the quantity asked), by name.
pub async fn pickup_outlets(
    db: &impl ConnectionTrait,
    cart: &CartView,
) -> Result<Vec<crate::db::entities::outlet::Model>, DbErr> {
    use crate::db::entities::{outlet, outlet_listing};
    // Outlets keep a product on their shelf, not its pack sizes.
    if cart
        .groups
        .iter()
        .flat_map(|g| &g.lines)
        .any(|l| l.variant_id != 0)
    {
        return Ok(Vec::new());
    }
    // A product both on its own and in a gift combo: the units of both.
    let mut wanted: BTreeMap<ListingId, i32> = BTreeMap::new();
    for line in cart.groups.iter().flat_map(|g| &g.lines) {
        *wanted.entry(line.item.listing_id).or_default() += line.quantity;
    }
    let lines: Vec<(ListingId, i32)> = wanted.into_iter().collect();
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let shelves = outlet_listing::Entity::find()
        .filter(outlet_listing::Column::ListingId.is_in(lines.iter().map(|(id, _)| *id)))
        .all(db)
        .await?;
    let mut ready: Vec<_> = shelves.iter().map(|s| s.outlet_id).collect();
    ready.sort_unstable();
    ready.dedup();
    ready.retain(|outlet_id| {
        lines.iter().all(|(listing_id, quantity)| {
            shelves.iter().any(|s| {
                s.outlet_id == *outlet_id && s.listing_id == *listing_id && s.stock >= *quantity
            })
        })
    });
    outlet::Entity::find()
        .filter(outlet::Column::Id.is_in(ready))
        .order_by_asc(outlet::Column::Name)
        .all(db)
        .await
}

/// The checkout with this reference, for whoever holds its tracking token or its owner signed in
/// (`viewer`); anyone else gets None, as if there were no such checkout.
pub async fn tracked(
    db: &impl ConnectionTrait,
    reference: &str,
    token: Option<Uuid>,
    viewer: Option<UserId>,
) -> Result<Option<checkout::Model>, DbErr> {
    let found = checkout::Entity::find()
        .filter(checkout::Column::Reference.eq(reference))
        .one(db)
        .await?;
    Ok(found.filter(|c| {
        token.is_some_and(|t| t == c.tracking_token) || (c.user_id.is_some() && c.user_id == viewer)
    }))
}

/// Where the shopper collects a checkout: its outlet, unless it was a sale at the outlet's counter.
pub async fn pickup_of(
    db: &impl ConnectionTrait,
    found: &checkout::Model,
) -> Result<Option<crate::db::entities::outlet::Model>, DbErr> {
    match found.outlet_id {
        Some(id) if found.channel != crate::domain::orders::ChannelKind::Outlet.as_str() => {
            crate::db::entities::outlet::Entity::find_by_id(id)
                .one(db)
                .await
        }
        _ => Ok(None),
    }
}

/// The names of the sellers among `seller_ids` with no bank account for VietQR transfers.
pub async fn sellers_without_bank(
    db: &impl ConnectionTrait,
    seller_ids: &[SellerId],
) -> Result<Vec<String>, DbErr> {
    Ok(seller::Entity::find()
        .filter(seller::Column::Id.is_in(seller_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .filter(|s| s.bank_bin.is_none() || s.bank_account_no.is_none())
        .map(|s| s.display_name)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_phone_numbers() {
        for (raw, expected) in [
            ("0912 345 678", Some("0912345678")),
            ("+84 912.345.678", Some("0912345678")),
            ("091-234-5678", Some("0912345678")),
            ("912345678", None),
            ("0012345678", None),
            ("09123456789", None),
            ("09123abc78", None),
        ] {
            assert_eq!(parse_phone(raw).as_deref(), expected, "{raw}");
        }
    }

    #[test]
    fn references_avoid_look_alike_characters() {
        for _ in 0..100 {
            let r = new_reference();
            assert_eq!(r.len(), 11);
            assert!(r.starts_with("OV-"));
            assert!(!r[3..].contains(['0', 'O', '1', 'I']), "{r}");
        }
    }
}
