//! API tokens for the JSON API (mobile and livestream tools): `Authorization: Bearer ocop_…`.
//! A token acts for its user with the user's current grants; only its SHA-256 is stored and it
//! is shown once, when created.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::auth::Principal;
use crate::db::entities::{api_token, user};
use crate::domain::ids::UserId;

pub const PREFIX: &str = "ocop_";
/// Tokens a user may hold at once.
pub const MAX_PER_USER: usize = 10;

pub fn hash(token: &str) -> String {
    crate::domain::digest::sha256_hex(token.as_bytes())
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("a token needs a name of 1 to 60 characters")]
    BadName,
    #[error("you already have {MAX_PER_USER} tokens; revoke one first")]
    TooMany,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Creates a token and returns it in clear, the only time it is available.
pub async fn create(
    db: &DatabaseConnection,
    user_id: UserId,
    name: &str,
    now: DateTime<Utc>,
) -> Result<String, TokenError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(TokenError::BadName);
    }
    if list(db, user_id).await?.len() >= MAX_PER_USER {
        return Err(TokenError::TooMany);
    }
    let token = format!(
        "{PREFIX}{}{}",
        Uuid::new_v4().simple(),
        Uuid::new_v4().simple()
    );
    api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        token_hash: Set(hash(&token)),
        prefix: Set(token.chars().take(PREFIX.len() + 6).collect()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The user's tokens that are not revoked, newest first.
pub async fn list(
    db: &DatabaseConnection,
    user_id: UserId,
) -> Result<Vec<api_token::Model>, DbErr> {
    api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await
}

/// Revokes one of the user's tokens; returns whether it existed.
pub async fn revoke(
    db: &DatabaseConnection,
    user_id: UserId,
    token_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(token_id))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// The principal a bearer token acts for, if the token is known and not revoked.
pub async fn authenticate(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Principal>, DbErr> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some(found) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(user) = user::Entity::find_by_id(found.user_id).one(db).await? else {
        return Ok(None);
    };
    // Recorded at most once a minute per token, so reads stay cheap.
    if found
        .last_used_at
        .is_none_or(|at| now - at > chrono::Duration::minutes(1))
    {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(found.id))
            .exec(db)
            .await?;
    }
    Ok(Some(Principal::load(db, user).await?))
}
