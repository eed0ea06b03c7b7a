//! The settlement ledger: every đồng the platform collects for a seller (card payments go to
//! the platform's Stripe account; cash and VietQR transfers go to the seller directly and stay
//! out of it). Each fact is a signed entry, written in the transaction that records the fact,
//! once (a unique `dedup_key`):
//!
//! - a card payment: `sale` (+ the order's total), `stripe_fee` (− the fee on it) and
//!   `commission` (− the platform's share of the goods);
//! - a card refund that succeeded: `refund` (− its amount) and `commission_back` (+ the
//!   commission on its goods part, at the sale's rate);
//! - at settlement, for a household seller: `vat` and `pit` (− 1 % and 0.5 % of the period's
//!   net goods: goods sold less goods refunded in the period).
//!
//! Settling a period (a month that has ended, with something not yet paid out) claims it once
//! (`settlements`), writes the
//! withholding, and makes one payout per seller of everything not yet paid out (its entries
//! point at it), to the seller's bank account. A payout is paid by a signed bank notification
//! of the transfer (its code in the message) or marked paid by an administrator. A seller whose
//! balance is not positive, or who has no bank account, is carried to the next period.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::db::entities::{
    checkout, ledger_entry, order, payout, refund, registry_participant, seller, settlement,
};
use crate::domain::ids::{OrderId, SellerId};
use crate::domain::ledger::{PIT_BPS, Period, Rates, VAT_BPS, goods_part, share, withheld_for};
use crate::domain::money::Vnd;
use crate::domain::orders::PaymentMethod;

pub const SALE: &str = "sale";
pub const STRIPE_FEE: &str = "stripe_fee";
pub const COMMISSION: &str = "commission";
pub const REFUND: &str = "refund";
pub const COMMISSION_BACK: &str = "commission_back";
pub const VAT: &str = "vat";
pub const PIT: &str = "pit";

/// The kinds, in the order statements list them.
pub const KINDS: [&str; 7] = [
    SALE,
    STRIPE_FEE,
    COMMISSION,
    REFUND,
    COMMISSION_BACK,
    VAT,
    PIT,
];

struct Entry {
    seller_id: SellerId,
    order_id: Option<OrderId>,
    refund_id: Option<i64>,
    kind: &'static str,
    amount: Vnd,
    base: Vnd,
    rate_bps: i32,
    key: String,
    at: DateTime<Utc>,
}

/// Writes an entry unless one with its key exists: `true` when written.
async fn add(txn: &impl ConnectionTrait, e: Entry) -> Result<bool, DbErr> {
    let written = ledger_entry::Entity::insert(ledger_entry::ActiveModel {
        seller_id: Set(e.seller_id),
        order_id: Set(e.order_id),
        refund_id: Set(e.refund_id),
        payout_id: Set(None),
        kind: Set(e.kind.to_owned()),
        amount_vnd: Set(e.amount),
        base_vnd: Set(e.base),
        rate_bps: Set(e.rate_bps),
        period: Set(Period::of(e.at).to_string()),
        dedup_key: Set(e.key),
        occurred_at: Set(e.at),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(ledger_entry::Column::DedupKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(written == 1)
}

/// A card payment arrived for `o`: the sale, Stripe's fee on what was charged for it, and the
/// platform's commission on its goods (a zero fee or commission writes no entry).
pub async fn record_card_sale(
    txn: &impl ConnectionTrait,
    o: &order::Model,
    rates: Rates,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let entry = |kind, amount, base, rate_bps| Entry {
        seller_id: o.seller_id,
        order_id: Some(o.id),
        refund_id: None,
        kind,
        amount,
        base,
        rate_bps,
        key: format!("{kind}:{}", o.id),
        at: now,
    };
    add(txn, entry(SALE, o.total_vnd(), o.subtotal_vnd, 0)).await?;
    let fee = share(o.total_vnd(), rates.stripe_fee_bps);
    if fee > Vnd::ZERO {
        let e = entry(
            STRIPE_FEE,
            Vnd::ZERO - fee,
            o.total_vnd(),
            rates.stripe_fee_bps,
        );
        add(txn, e).await?;
    }
    let commission = share(o.subtotal_vnd, rates.commission_bps);
    if commission > Vnd::ZERO {
        let e = entry(
            COMMISSION,
            Vnd::ZERO - commission,
            o.subtotal_vnd,
            rates.commission_bps,
        );
        add(txn, e).await?;
    }
    Ok(())
}

/// A card refund succeeded: it leaves the seller's balance, and the commission on its goods
/// part (goods first, the delivery last) comes back at the sale's rate. Nothing for an order
/// whose sale is not in the ledger.
pub async fn record_card_refund(
    txn: &impl ConnectionTrait,
    r: &refund::Model,
    o: &order::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::OrderId.eq(o.id))
        .all(txn)
        .await?;
    if !entries.iter().any(|e| e.kind == SALE) {
        return Ok(());
    }
    let refunded_before: Vnd = entries
        .iter()
        .filter(|e| e.kind == REFUND && e.refund_id != Some(r.id))
        .map(|e| Vnd::ZERO - e.amount_vnd)
        .sum();
    let goods = goods_part(o.subtotal_vnd, refunded_before, r.amount_vnd);
    let entry = |kind, amount, rate_bps| Entry {
        seller_id: o.seller_id,
        order_id: Some(o.id),
        refund_id: Some(r.id),
        kind,
        amount,
        base: goods,
        rate_bps,
        key: format!("{kind}:{}", r.id),
        at: now,
    };
    add(txn, entry(REFUND, Vnd::ZERO - r.amount_vnd, 0)).await?;
    if let Some(rate) = entries
        .iter()
        .find(|e| e.kind == COMMISSION)
        .map(|e| e.rate_bps)
    {
        let back = share(goods, rate);
        if back > Vnd::ZERO {
            add(txn, entry(COMMISSION_BACK, back, rate)).await?;
        }
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// Only a month that has ended is settled: its sales are all in.
    #[error("the period {0} has not ended yet")]
    NotOver(Period),
    /// The ledger changed under the settlement (run it again).
    #[error("the ledger changed while settling; nothing was written")]
    Changed,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// What a settlement did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Settled {
    /// `false`: the period was settled before; nothing was written now.
    pub newly: bool,
    pub payouts: usize,
    pub total_vnd: Vnd,
    /// Sellers owed money but without a bank account: carried to the next period.
    pub without_bank: Vec<String>,
}

/// Settles `period` once (concurrent runs wait on the claim; the others do nothing).
pub async fn settle(
    db: &DatabaseConnection,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Settled, SettleError> {
    if period >= Period::of(now) {
        return Err(SettleError::NotOver(period));
    }
    let txn = crate::db::begin_write(db).await?;
    let key = period.to_string();
    // A month with nothing in the ledger is not claimed: a later run may still find entries
    // (a demo seeded into the past), and an empty claim would hide them.
    let anything = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::Period.lte(key.as_str()))
        .filter(ledger_entry::Column::PayoutId.is_null())
        .one(&txn)
        .await?;
    if anything.is_none() {
        txn.rollback().await?;
        return Ok(Settled::default());
    }
    let claimed = settlement::Entity::insert(settlement::ActiveModel {
        period: Set(period.to_string()),
        settled_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(settlement::Column::Period)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if claimed != 1 {
        txn.rollback().await?;
        return Ok(Settled::default());
    }
    // Withholding for household sellers, on the period's net goods.
    let of_period = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::Period.eq(key.as_str()))
        .all(&txn)
        .await?;
    let types = participant_types(&txn, of_period.iter().map(|e| e.seller_id)).await?;
    let (_, end) = period.bounds();
    for (seller_id, net) in net_goods(&of_period) {
        let withheld = types.get(&seller_id).is_some_and(|t| withheld_for(t));
        if !withheld || net <= Vnd::ZERO {
            continue;
        }
        for (kind, bps) in [(VAT, VAT_BPS), (PIT, PIT_BPS)] {
            let entry = Entry {
                seller_id,
                order_id: None,
                refund_id: None,
                kind,
                amount: Vnd::ZERO - share(net, bps),
                base: net,
                rate_bps: bps,
                key: format!("{kind}:{seller_id}:{key}"),
                // The last moment of the period: the entry belongs to it.
                at: end - chrono::Duration::seconds(1),
            };
            add(&txn, entry).await?;
        }
    }
    // One payout per seller of everything not paid out yet, up to this period.
    let open = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::PayoutId.is_null())
        .filter(ledger_entry::Column::Period.lte(key.as_str()))
        .order_by_asc(ledger_entry::Column::Id)
        .all(&txn)
        .await?;
    let mut by_seller: BTreeMap<SellerId, Vec<&ledger_entry::Model>> = BTreeMap::new();
    for e in &open {
        by_seller.entry(e.seller_id).or_default().push(e);
    }
    let sellers: HashMap<_, _> = seller::Entity::find()
        .filter(seller::Column::Id.is_in(by_seller.keys().copied()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut settled = Settled {
        newly: true,
        ..Settled::default()
    };
    for (seller_id, entries) in by_seller {
        let amount: Vnd = entries.iter().map(|e| e.amount_vnd).sum();
        if amount <= Vnd::ZERO {
            continue;
        }
        let Some(shop) = sellers.get(&seller_id) else {
            continue;
        };
        let (Some(bin), Some(account)) = (&shop.bank_bin, &shop.bank_account_no) else {
            settled.without_bank.push(shop.display_name.clone());
            continue;
        };
        let made = payout::ActiveModel {
            pid: Set(Uuid::new_v4()),
            code: Set(crate::domain::orders::random_code("TT")),
            seller_id: Set(seller_id),
            period: Set(key.clone()),
            amount_vnd: Set(amount),
            bank_bin: Set(bin.clone()),
            account_no: Set(account.clone()),
            account_name: Set(shop.bank_account_name.clone().unwrap_or_default()),
            state: Set("pending".into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let ids: Vec<_> = entries.iter().map(|e| e.id).collect();
        let tied = ledger_entry::Entity::update_many()
            .col_expr(ledger_entry::Column::PayoutId, Expr::value(made.id))
            .filter(ledger_entry::Column::Id.is_in(ids.iter().copied()))
            .filter(ledger_entry::Column::PayoutId.is_null())
            .exec(&txn)
            .await?;
        if tied.rows_affected != ids.len() as u64 {
            return Err(SettleError::Changed);
        }
        settled.payouts += 1;
        settled.total_vnd += amount;
    }
    txn.commit().await?;
    Ok(settled)
}

/// Settles the month before `now`'s, if it was not (the worker calls this; every instance may).
pub async fn settle_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Option<Settled>, SettleError> {
    let due = Period::of(now).previous();
    let done = settlement::Entity::find()
        .filter(settlement::Column::Period.eq(due.to_string()))
        .one(db)
        .await?;
    if done.is_some() {
        return Ok(None);
    }
    settle(db, due, now).await.map(Some)
}

/// The participant type of each seller.
async fn participant_types(
    db: &impl ConnectionTrait,
    sellers: impl Iterator<Item = SellerId>,
) -> Result<HashMap<SellerId, String>, DbErr> {
    let sellers: Vec<_> = seller::Entity::find()
        .filter(seller::Column::Id.is_in(sellers.collect::<Vec<_>>()))
        .all(db)
        .await?;
    let participants: HashMap<_, _> = registry_participant::Entity::find()
        .filter(registry_participant::Column::Id.is_in(sellers.iter().map(|s| s.participant_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(sellers
        .iter()
        .filter_map(|s| {
            participants
                .get(&s.participant_id)
                .map(|p| (s.id, p.participant_type.clone()))
        })
        .collect())
}

/// Each seller's goods sold less goods refunded, among `entries`.
fn net_goods(entries: &[ledger_entry::Model]) -> BTreeMap<SellerId, Vnd> {
    let mut net: BTreeMap<SellerId, Vnd> = BTreeMap::new();
    for e in entries {
        let signed = match e.kind.as_str() {
            SALE => e.base_vnd,
            REFUND => Vnd::ZERO - e.base_vnd,
            _ => continue,
        };
        *net.entry(e.seller_id).or_default() += signed;
    }
    net
}

/// A bank notification whose message holds a payout's code, in the caller's transaction:
/// `None` when it names no payout; else what it did.
pub async fn apply_bank_transfer(
    txn: &impl ConnectionTrait,
    notice: &crate::payments::bank::Notification,
    now: DateTime<Utc>,
) -> Result<Option<(&'static str, payout::Model)>, DbErr> {
    let Some(code) = crate::domain::orders::find_code(&notice.description, "TT") else {
        return Ok(None);
    };
    let Some(p) = payout::Entity::find()
        .filter(payout::Column::Code.eq(code))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    if p.account_no != notice.account_no.trim() || p.amount_vnd != notice.amount_vnd {
        return Ok(Some(("unmatched", p)));
    }
    let outcome = if mark_paid_in(txn, &p, "bank", now).await? {
        "paid_out"
    } else {
        "duplicate"
    };
    Ok(Some((outcome, p)))
}

async fn mark_paid_in(
    txn: &impl ConnectionTrait,
    p: &payout::Model,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = payout::Entity::update_many()
        .col_expr(payout::Column::State, Expr::value("paid"))
        .col_expr(payout::Column::PaidBy, Expr::value(by))
        .col_expr(payout::Column::PaidAt, Expr::value(now))
        .filter(payout::Column::Id.eq(p.id))
        .filter(payout::Column::State.eq("pending"))
        .exec(txn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// An administrator marks a payout paid (audited): `None` when there is no such payout,
/// `Some(false)` when it was paid already.
pub async fn mark_paid(
    db: &DatabaseConnection,
    pid: Uuid,
    by: Option<crate::domain::ids::UserId>,
    now: DateTime<Utc>,
) -> Result<Option<bool>, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let Some(p) = payout::Entity::find()
        .filter(payout::Column::Pid.eq(pid))
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    let done = mark_paid_in(&txn, &p, "confirmed", now).await?;
    if done {
        crate::audit::record(
            &txn,
            crate::audit::Entry {
                actor: by,
                action: "payout.marked_paid",
                subject_type: "payout",
                subject_id: p.code.clone(),
                province_code: None,
                reason: None,
            },
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Some(done))
}

/// One ledger line as statements show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Line {
    pub at: String,
    pub order_code: Option<String>,
    pub kind: String,
    pub base_vnd: Vnd,
    pub rate_bps: i32,
    pub amount_vnd: Vnd,
}

/// A seller's statement for a period: its lines, the total by kind and the balance, and the
/// payout that settled it, if any.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Statement {
    pub period: String,
    pub lines: Vec<Line>,
    pub totals: Vec<(String, Vnd)>,
    pub balance_vnd: Vnd,
    pub payout: Option<payout::Model>,
}

pub async fn statement(
    db: &impl ConnectionTrait,
    seller_id: SellerId,
    period: Period,
) -> Result<Statement, DbErr> {
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::SellerId.eq(seller_id))
        .filter(ledger_entry::Column::Period.eq(period.to_string()))
        .order_by_asc(ledger_entry::Column::OccurredAt)
        .order_by_asc(ledger_entry::Column::Id)
        .all(db)
        .await?;
    let codes: HashMap<_, _> = order::Entity::find()
        .filter(order::Column::Id.is_in(entries.iter().filter_map(|e| e.order_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.code))
        .collect();
    let totals = KINDS
        .iter()
        .map(|kind| {
            let sum = entries
                .iter()
                .filter(|e| e.kind == *kind)
                .map(|e| e.amount_vnd)
                .sum();
            ((*kind).to_owned(), sum)
        })
        .collect();
    let payout = payout::Entity::find()
        .filter(payout::Column::SellerId.eq(seller_id))
        .filter(payout::Column::Period.eq(period.to_string()))
        .one(db)
        .await?;
    Ok(Statement {
        period: period.to_string(),
        balance_vnd: entries.iter().map(|e| e.amount_vnd).sum(),
        lines: entries
            .into_iter()
            .map(|e| Line {
                at: crate::domain::time::format_vietnam(e.occurred_at),
                order_code: e.order_id.and_then(|id| codes.get(&id).cloned()),
                kind: e.kind,
                base_vnd: e.base_vnd,
                rate_bps: e.rate_bps,
                amount_vnd: e.amount_vnd,
            })
            .collect(),
        totals,
        payout,
    })
}

/// One seller's line of the monthly withholding report.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Withholding {
    pub seller: String,
    pub tax_code: String,
    pub participant_type: String,
    pub gross_goods_vnd: Vnd,
    pub refunded_goods_vnd: Vnd,
    pub net_goods_vnd: Vnd,
    pub vat_vnd: Vnd,
    pub pit_vnd: Vnd,
    /// Whether the period is settled (the amounts are the ledger's), or a preview.
    pub settled: bool,
}

/// A seller paid directly (cash on delivery, VietQR to its own account) in the period: it
/// declares its own tax.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SelfDeclaring {
    pub seller: String,
    pub tax_code: String,
    pub participant_type: String,
    pub orders: usize,
    pub goods_vnd: Vnd,
}

/// The withholding report of `period`: household sellers paid through the platform, with
/// their goods, refunds and the VAT and PIT withheld (from the ledger once the period is
/// settled, worked out the same way before), and the sellers paid directly.
pub async fn withholding(
    db: &impl ConnectionTrait,
    period: Period,
) -> Result<(Vec<Withholding>, Vec<SelfDeclaring>), DbErr> {
    let key = period.to_string();
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::Period.eq(key.as_str()))
        .all(db)
        .await?;
    let settled = settlement::Entity::find()
        .filter(settlement::Column::Period.eq(key.as_str()))
        .one(db)
        .await?
        .is_some();
    // The orders paid directly and completed in the period.
    let (start, end) = period.bounds();
    let completed = order::Entity::find()
        .filter(order::Column::CompletedAt.gte(start))
        .filter(order::Column::CompletedAt.lt(end))
        .all(db)
        .await?;
    let methods: HashMap<_, _> = checkout::Entity::find()
        .filter(checkout::Column::Id.is_in(completed.iter().map(|o| o.checkout_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.payment_method))
        .collect();
    let direct: Vec<_> = completed
        .iter()
        .filter(|o| !o.state.is_void())
        .filter(|o| {
            methods
                .get(&o.checkout_id)
                .is_some_and(|m| m != PaymentMethod::Stripe.as_str())
        })
        .collect();
    let seller_ids: Vec<_> = entries
        .iter()
        .map(|e| e.seller_id)
        .chain(direct.iter().map(|o| o.seller_id))
        .collect();
    let sellers: HashMap<_, _> = seller::Entity::find()
        .filter(seller::Column::Id.is_in(seller_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let participants: HashMap<_, _> = registry_participant::Entity::find()
        .filter(registry_participant::Column::Id.is_in(sellers.values().map(|s| s.participant_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let who = |id: SellerId| {
        let shop = sellers.get(&id);
        let p = shop.and_then(|s| participants.get(&s.participant_id));
        (
            shop.map(|s| s.display_name.clone()).unwrap_or_default(),
            p.map(|p| p.business_registration_no.clone())
                .unwrap_or_default(),
            p.map(|p| p.participant_type.clone()).unwrap_or_default(),
        )
    };
    let mut rows = Vec::new();
    for (seller_id, net) in net_goods(&entries) {
        let (seller, tax_code, participant_type) = who(seller_id);
        if !withheld_for(&participant_type) {
            continue;
        }
        let mine = entries.iter().filter(|e| e.seller_id == seller_id);
        let sum_base = |kind: &str| -> Vnd {
            mine.clone()
                .filter(|e| e.kind == kind)
                .map(|e| e.base_vnd)
                .sum()
        };
        let withheld = |kind: &str, bps: i32| -> Vnd {
            if settled {
                Vnd::ZERO
                    - mine
                        .clone()
                        .filter(|e| e.kind == kind)
                        .map(|e| e.amount_vnd)
                        .sum::<Vnd>()
            } else if net > Vnd::ZERO {
                share(net, bps)
            } else {
                Vnd::ZERO
            }
        };
        rows.push(Withholding {
            seller,
            tax_code,
            participant_type,
            gross_goods_vnd: sum_base(SALE),
            refunded_goods_vnd: sum_base(REFUND),
            net_goods_vnd: net,
            vat_vnd: withheld(VAT, VAT_BPS),
            pit_vnd: withheld(PIT, PIT_BPS),
            settled,
        });
    }
    let mut by_seller: BTreeMap<SellerId, (usize, Vnd)> = BTreeMap::new();
    for o in direct {
        let slot = by_seller.entry(o.seller_id).or_default();
        slot.0 += 1;
        slot.1 += o.subtotal_vnd;
    }
    let direct = by_seller
        .into_iter()
        .map(|(id, (orders, goods_vnd))| {
            let (seller, tax_code, participant_type) = who(id);
            SelfDeclaring {
                seller,
                tax_code,
                participant_type,
                orders,
                goods_vnd,
            }
        })
        .collect();
    Ok((rows, direct))
}

/// A settled period's payouts with their sellers' names, and the periods settled so far.
pub async fn payouts(
    db: &impl ConnectionTrait,
    period: Period,
) -> Result<Vec<(payout::Model, String)>, DbErr> {
    let rows = payout::Entity::find()
        .filter(payout::Column::Period.eq(period.to_string()))
        .order_by_asc(payout::Column::Id)
        .all(db)
        .await?;
    let names: HashMap<_, _> = seller::Entity::find()
        .filter(seller::Column::Id.is_in(rows.iter().map(|p| p.seller_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|p| {
            let name = names.get(&p.seller_id).cloned().unwrap_or_default();
            (p, name)
        })
        .collect())
}

pub async fn settled_periods(db: &impl ConnectionTrait) -> Result<Vec<settlement::Model>, DbErr> {
    settlement::Entity::find()
        .order_by_desc(settlement::Column::Period)
        .all(db)
        .await
}
