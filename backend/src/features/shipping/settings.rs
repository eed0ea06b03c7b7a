//! A seller's delivery settings: the pick-up address on the 2025 map, the table rates and
//! free-shipping threshold, and the carrier it books with (its own account token, which is
//! kept but never shown again).
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};

use crate::audit::{self, Entry};
use crate::carriers::CarrierKind;
use crate::db::entities::{seller, shipping_rate};
use crate::domain::ids::SellerId;
use crate::domain::money::Vnd;
use crate::domain::reference::Reference;
use crate::domain::shipping::{Band, RateTable};
use crate::features::accounts::auth::{Action, Principal, Scope};
use crate::i18n::{tr, tr_with};

/// What the settings form sends; blank rate rows are skipped.
#[derive(Clone, Debug, Default)]
pub struct SettingsInput {
    pub pickup_province: String,
    pub pickup_commune: String,
    pub pickup_street: String,
    pub pickup_phone: String,
    /// (up to grams, same province, same region, elsewhere), as typed.
    pub bands: Vec<[String; 4]>,
    pub free_over: String,
    pub carrier: String,
    /// Blank keeps the saved token.
    pub carrier_token: String,
    pub carrier_shop_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{}", tr("errors.selling.not_member"))]
    NotMember,
    /// Every problem, by field.
    #[error("{}", .0.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(" "))]
    Invalid(Vec<(String, String)>),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Whole đồng or grams as typed: spaces, dots and commas between thousands allowed.
fn whole(raw: &str) -> Option<i64> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | ','))
        .collect();
    digits.parse().ok()
}

/// Checks the form and saves it in one transaction (the seller's columns and its bands).
pub async fn save(
    db: &DatabaseConnection,
    reference: &Reference,
    principal: &Principal,
    seller_id: SellerId,
    input: &SettingsInput,
    now: DateTime<Utc>,
) -> Result<seller::Model, SettingsError> {
    if !principal.can(Action::ManageSeller, &Scope::Seller(seller_id)) {
        return Err(SettingsError::NotMember);
    }
    let mut problems: Vec<(String, String)> = Vec::new();
    let province = reference
        .province(input.pickup_province.trim())
        .map(|p| p.code.clone());
    if province.is_none() {
        problems.push(("pickup_province".into(), tr("checkout.error.province")));
    }
    let commune = province.as_deref().and_then(|code| {
        super::resolve_commune(reference, code, &input.pickup_commune)
            .map_err(|why| problems.push(("pickup_commune".into(), why)))
            .ok()
    });
    let street = input.pickup_street.trim();
    if !(3..=200).contains(&street.chars().count()) {
        problems.push(("pickup_street".into(), tr("checkout.error.street")));
    }
    let phone = crate::domain::orders::parse_phone(&input.pickup_phone);
    if phone.is_none() {
        problems.push(("pickup_phone".into(), tr("checkout.error.phone")));
    }
    let mut bands = Vec::new();
    // The form's row of each band kept (blank and unreadable rows are skipped).
    let mut rows = Vec::new();
    for (n, row) in input.bands.iter().enumerate() {
        if row.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let numbers: Vec<Option<i64>> = row.iter().map(|cell| whole(cell)).collect();
        match (
            numbers[0].and_then(|g| i32::try_from(g).ok()),
            numbers[1],
            numbers[2],
            numbers[3],
        ) {
            (Some(max_grams), Some(a), Some(b), Some(c)) => {
                rows.push(n);
                bands.push(Band {
                    max_grams,
                    same_province: Vnd::new(a),
                    same_region: Vnd::new(b),
                    elsewhere: Vnd::new(c),
                });
            }
            _ => problems.push((
                format!("band_{n}"),
                tr_with("shipping.error.row", &[("row", &(n + 1))]),
            )),
        }
    }
    let free_over = match input.free_over.trim() {
        "" => None,
        raw => match whole(raw) {
            Some(v) => Some(Vnd::new(v)),
            None => {
                problems.push(("free_over".into(), tr("shipping.error.free_over")));
                None
            }
        },
    };
    let table = RateTable::checked(bands, free_over)
        .map_err(|found| {
            for p in found {
                // The table numbers the bands it was given; the form, its rows.
                let row = p.row.checked_sub(1).and_then(|i| rows.get(i).copied());
                let (field, message) = match row {
                    None => ("bands".to_owned(), tr(p.key)),
                    Some(n) => (
                        format!("band_{n}"),
                        format!(
                            "{} {}",
                            tr_with("shipping.error.row_prefix", &[("row", &(n + 1))]),
                            tr(p.key)
                        ),
                    ),
                };
                problems.push((field, message));
            }
        })
        .ok();
    let carrier = CarrierKind::parse(input.carrier.trim());
    if carrier.is_none() {
        problems.push(("carrier".into(), tr("shipping.error.carrier")));
    }
    let txn = crate::db::begin_write(db).await?;
    let found = seller::Entity::find_by_id(seller_id)
        .one(&txn)
        .await?
        .ok_or(SettingsError::NotMember)?;
    let token = match input.carrier_token.trim() {
        "" => found.carrier_token.clone(),
        given => Some(given.to_owned()),
    };
    let shop_id = input.carrier_shop_id.trim();
    if let Some(kind) = carrier
        && kind != CarrierKind::Table
    {
        if token.as_deref().is_none_or(str::is_empty)
            || token.as_ref().is_some_and(|t| t.len() > 200)
        {
            problems.push(("carrier_token".into(), tr("shipping.error.token")));
        }
        if shop_id.is_empty() || shop_id.len() > 60 {
            problems.push(("carrier_shop_id".into(), tr("shipping.error.shop_id")));
        }
    }
    let (Some(province), Some(commune), Some(phone), Some(table), Some(carrier), true) = (
        province,
        commune,
        phone,
        table,
        carrier,
        problems.is_empty(),
    ) else {
        return Err(SettingsError::Invalid(problems));
    };
    let mut changed = found.into_active_model();
    changed.pickup_province_code = Set(Some(province));
    changed.pickup_commune = Set(Some(commune));
    changed.pickup_street = Set(Some(street.to_owned()));
    changed.pickup_phone = Set(Some(phone));
    changed.free_shipping_over_vnd = Set(table.free_over);
    changed.carrier = Set(carrier.as_str().to_owned());
    changed.carrier_token = Set(token.filter(|_| carrier != CarrierKind::Table));
    changed.carrier_shop_id = Set((carrier != CarrierKind::Table).then(|| shop_id.to_owned()));
    changed.updated_at = Set(now);
    let saved = changed.update(&txn).await?;
    replace_bands(&txn, seller_id, &table.bands).await?;
    audit::record(
        &txn,
        Entry {
            actor: Some(principal.user.id),
            action: "seller.shipping_set",
            subject_type: "seller",
            subject_id: seller_id.to_string(),
            province_code: None,
            reason: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Replaces a seller's bands (in the caller's transaction).
pub async fn replace_bands(
    db: &impl ConnectionTrait,
    seller_id: SellerId,
    bands: &[Band],
) -> Result<(), DbErr> {
    shipping_rate::Entity::delete_many()
        .filter(shipping_rate::Column::SellerId.eq(seller_id))
        .exec(db)
        .await?;
    if bands.is_empty() {
        return Ok(());
    }
    shipping_rate::Entity::insert_many(bands.iter().map(|b| shipping_rate::ActiveModel {
        seller_id: Set(seller_id),
        max_grams: Set(b.max_grams),
        same_province_vnd: Set(b.same_province),
        same_region_vnd: Set(b.same_region),
        elsewhere_vnd: Set(b.elsewhere),
        ..Default::default()
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}
