//! A signed-in shopper's address book: up to [`MAX_ADDRESSES`] delivery addresses on the 2025
//! two-level map, checked like a checkout's, one of them the default the checkout starts from.
//! Every change first locks the shopper's row (`FOR UPDATE` on PostgreSQL; SQLite's write
//! transaction holds the database), so concurrent saves from several tabs or instances keep
//! exactly one default and never pass the cap.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::db::entities::{address, user};
use crate::domain::ids::UserId;
use crate::domain::reference::Reference;
use crate::features::cart::Address;

/// Most addresses one shopper keeps.
pub const MAX_ADDRESSES: u64 = 10;

/// What the shopper typed for an address.
#[derive(Clone, Debug, Default)]
pub struct AddressInput {
    pub name: String,
    pub phone: String,
    pub province: String,
    pub commune: String,
    pub street: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AddressBookError {
    /// Each problem by field, in the current language.
    Invalid(Vec<(&'static str, String)>),
    Full,
    /// No such address of this shopper.
    NotFound,
    Database(#[from] DbErr),
}

/// The text shown to the shopper, in the current language.
impl std::fmt::Display for AddressBookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::i18n::{tr, tr_with};
        let text = match self {
            Self::Invalid(problems) => problems
                .iter()
                .map(|(_, message)| message.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            Self::Full => tr_with("addresses.error.full", &[("max", &MAX_ADDRESSES)]),
            Self::NotFound => tr("error.not_found"),
            Self::Database(e) => e.to_string(),
        };
        f.write_str(&text)
    }
}

/// The shopper's addresses, the default first, then the newest.
pub async fn list(db: &impl ConnectionTrait, user: UserId) -> Result<Vec<address::Model>, DbErr> {
    address::Entity::find()
        .filter(address::Column::UserId.eq(user))
        .order_by_desc(address::Column::IsDefault)
        .order_by_desc(address::Column::Id)
        .all(db)
        .await
}

/// The address the checkout starts from.
pub async fn default_of(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<Option<address::Model>, DbErr> {
    Ok(list(db, user).await?.into_iter().next())
}

/// Checks and saves an address; the same address saved again is the one already kept. The
/// first address, or one saved with `make_default`, becomes the default.
pub async fn save(
    db: &DatabaseConnection,
    reference: &Reference,
    user: &user::Model,
    input: &AddressInput,
    make_default: bool,
    now: DateTime<Utc>,
) -> Result<address::Model, AddressBookError> {
    let checked = Address::parse(
        reference,
        &input.name,
        &user.email,
        &input.phone,
        &input.province,
        &input.commune,
        &input.street,
    )
    .map_err(AddressBookError::Invalid)?;
    let txn = crate::db::begin_write(db).await?;
    lock_shopper(&txn, user.id).await?;
    let kept = list(&txn, user.id).await?;
    let same = kept.iter().find(|a| {
        a.name == checked.name
            && a.phone == checked.phone
            && a.province_code == checked.province_code
            && a.commune == checked.commune
            && a.street == checked.street
    });
    let saved = match same {
        Some(found) => found.clone(),
        None => {
            if kept.len() as u64 >= MAX_ADDRESSES {
                return Err(AddressBookError::Full);
            }
            address::ActiveModel {
                user_id: Set(user.id),
                name: Set(checked.name),
                phone: Set(checked.phone),
                province_code: Set(checked.province_code),
                commune: Set(checked.commune),
                street: Set(checked.street),
                is_default: Set(kept.is_empty()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let saved = if make_default && !saved.is_default {
        make_the_default(&txn, user.id, saved.id).await?
    } else {
        saved
    };
    txn.commit().await?;
    Ok(saved)
}

/// Makes one of the shopper's addresses the default.
pub async fn set_default(
    db: &DatabaseConnection,
    user: UserId,
    id: i64,
) -> Result<(), AddressBookError> {
    let txn = crate::db::begin_write(db).await?;
    lock_shopper(&txn, user).await?;
    own(&txn, user, id).await?;
    make_the_default(&txn, user, id).await?;
    txn.commit().await?;
    Ok(())
}

/// Forgets one of the shopper's addresses; when it was the default, the newest left is.
pub async fn delete(
    db: &DatabaseConnection,
    user: UserId,
    id: i64,
) -> Result<(), AddressBookError> {
    let txn = crate::db::begin_write(db).await?;
    lock_shopper(&txn, user).await?;
    let found = own(&txn, user, id).await?;
    address::Entity::delete_by_id(found.id).exec(&txn).await?;
    if found.is_default
        && let Some(next) = list(&txn, user).await?.into_iter().next()
    {
        make_the_default(&txn, user, next.id).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Serialises the changes to one shopper's address book.
async fn lock_shopper(db: &impl ConnectionTrait, user: UserId) -> Result<(), DbErr> {
    use sea_orm::QuerySelect;
    user::Entity::find_by_id(user)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("user {user}")))?;
    Ok(())
}

async fn own(
    db: &impl ConnectionTrait,
    user: UserId,
    id: i64,
) -> Result<address::Model, AddressBookError> {
    address::Entity::find_by_id(id)
        .filter(address::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AddressBookError::NotFound)
}

async fn make_the_default(
    db: &impl ConnectionTrait,
    user: UserId,
    id: i64,
) -> Result<address::Model, DbErr> {
    address::Entity::update_many()
        .col_expr(
            address::Column::IsDefault,
            sea_orm::sea_query::Expr::value(false),
        )
        .filter(address::Column::UserId.eq(user))
        .exec(db)
        .await?;
    let mut chosen: address::ActiveModel = address::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("address {id}")))?
        .into();
    chosen.is_default = Set(true);
    chosen.update(db).await
}
