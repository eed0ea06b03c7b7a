//! Accounts: sign-up, password checks, and the rate limiter that guards them.
pub mod auth;
pub mod rate_limit;
pub mod tokens;

use crate::domain::ids::UserId;
use crate::i18n::{tr, tr_with};
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
};
use uuid::Uuid;

use crate::db::entities::{user, verification_token};
use crate::domain::registry::parse_email;
use crate::mail;

/// A new password: 10 to 128 characters, not only spaces.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN: usize = 10;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let n = raw.chars().count();
        if n < Self::MIN {
            Err(tr_with(
                "errors.account.password_short",
                &[("min", &Self::MIN)],
            ))
        } else if n > Self::MAX {
            Err(tr_with(
                "errors.account.password_long",
                &[("max", &Self::MAX)],
            ))
        } else if raw.trim().is_empty() {
            Err(tr("errors.account.password_blank"))
        } else {
            Ok(Self(raw.to_owned()))
        }
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// What a sign-up form asks for, validated.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub password: Password,
    pub display_name: String,
}

impl NewAccount {
    /// Every problem, keyed by form field.
    pub fn parse(
        email: &str,
        password: &str,
        display_name: &str,
    ) -> Result<Self, Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        let email = parse_email(email.trim())
            .map_err(|_| problems.push(("email", tr("errors.account.email"))))
            .ok();
        let password = Password::parse(password)
            .map_err(|why| problems.push(("password", why)))
            .ok();
        let name = display_name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            problems.push(("display_name", tr("errors.account.display_name")));
        }
        match (email, password, problems.is_empty()) {
            (Some(email), Some(password), true) => Ok(Self {
                email,
                password,
                display_name: name.to_owned(),
            }),
            _ => Err(problems),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("this e-mail address already has an account")]
    EmailTaken,
    #[error("wrong e-mail or password")]
    WrongCredentials,
    #[error("the link is unknown, used or expired")]
    InvalidToken,
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("password hashing: {0}")]
    Hashing(String),
    #[error("composing an e-mail: {0}")]
    Compose(String),
}

/// Argon2id hash, computed on the blocking pool (it is deliberately slow).
pub async fn hash_password(password: &Password) -> Result<String, AccountError> {
    let password = password.0.clone();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AccountError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| AccountError::Hashing(e.to_string()))?
}

async fn verify_password(hash: String, candidate: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(candidate.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A valid hash of a random password: checked when the e-mail is unknown, so a wrong
/// address takes as long as a wrong password and does not reveal who has an account.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5Y6Cu9bSCqkYFdZl8Y7v0yqEbZxgw9Oq3PpD3kH1yRo";

/// How long an e-mail verification link works.
pub const VERIFY_EMAIL_HOURS: i64 = 48;
const VERIFY_EMAIL: &str = "verify_email";

fn token_hash(token: &str) -> String {
    crate::domain::digest::sha256_hex(token.as_bytes())
}

/// How long a password-reset link works.
pub const RESET_PASSWORD_MINUTES: i64 = 60;
const RESET_PASSWORD: &str = "reset_password";

/// Stores a new one-time token for `user_id` and returns it (only its hash is kept).
async fn issue_token(
    db: &impl sea_orm::ConnectionTrait,
    user_id: UserId,
    purpose: &str,
    valid_for: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let token = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    verification_token::ActiveModel {
        user_id: Set(user_id),
        purpose: Set(purpose.into()),
        token_hash: Set(token_hash(&token)),
        expires_at: Set(now + valid_for),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Uses up a token: the user it was issued to, if it is known, unused and unexpired.
async fn consume_token(
    db: &impl sea_orm::ConnectionTrait,
    token: &str,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<user::Model, AccountError> {
    let found = verification_token::Entity::find()
        .filter(verification_token::Column::TokenHash.eq(token_hash(token)))
        .filter(verification_token::Column::Purpose.eq(purpose))
        .one(db)
        .await?;
    let Some(found) = found.filter(|t| t.used_at.is_none() && t.expires_at > now) else {
        return Err(AccountError::InvalidToken);
    };
    let user = user::Entity::find_by_id(found.user_id)
        .one(db)
        .await?
        .ok_or(AccountError::InvalidToken)?;
    let mut used: verification_token::ActiveModel = found.into();
    used.used_at = Set(Some(now));
    used.update(db).await?;
    Ok(user)
}

/// Whether a reset token is currently usable (to show the form), without using it.
pub async fn reset_token_is_valid(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(verification_token::Entity::find()
        .filter(verification_token::Column::TokenHash.eq(token_hash(token)))
        .filter(verification_token::Column::Purpose.eq(RESET_PASSWORD))
        .one(db)
        .await?
        .is_some_and(|t| t.used_at.is_none() && t.expires_at > now))
}

/// Mails a reset link if an account has this e-mail; does nothing visible otherwise, so the
/// answer never tells who has an account.
pub async fn request_password_reset(
    db: &DatabaseConnection,
    email: &str,
    site: &str,
    now: DateTime<Utc>,
) -> Result<(), AccountError> {
    let email = email.trim().to_lowercase();
    let txn = crate::db::begin_write(db).await?;
    let Some(user) = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&txn)
        .await?
    else {
        txn.rollback().await?;
        return Ok(());
    };
    let token = issue_token(
        &txn,
        user.id,
        RESET_PASSWORD,
        chrono::Duration::minutes(RESET_PASSWORD_MINUTES),
        now,
    )
    .await?;
    let mail = mail::compose(
        "reset_password",
        &user.email,
        &serde_json::json!({
            "name": user.display_name,
            "link": format!("{site}/account/password/reset?token={token}"),
        }),
    )
    .map_err(|e| AccountError::Compose(e.to_string()))?;
    mail::enqueue(&txn, &mail, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password with a reset token. Every existing session is signed out, and the
/// e-mail counts as verified (the link proved control of it).
pub async fn reset_password(
    db: &DatabaseConnection,
    token: &str,
    password: &Password,
    now: DateTime<Utc>,
) -> Result<user::Model, AccountError> {
    let hash = hash_password(password).await?;
    let txn = crate::db::begin_write(db).await?;
    let user = consume_token(&txn, token, RESET_PASSWORD, now).await?;
    let epoch = user.session_epoch + 1;
    let verified_at = user.email_verified_at.unwrap_or(now);
    let mut changed: user::ActiveModel = user.into();
    changed.password_hash = Set(hash);
    changed.session_epoch = Set(epoch);
    changed.email_verified_at = Set(Some(verified_at));
    changed.updated_at = Set(now);
    let user = changed.update(&txn).await?;
    txn.commit().await?;
    Ok(user)
}

/// Creates the account and, in the same transaction, queues the e-mail with its verification
/// link (`{site}/account/verify?token=…`).
pub async fn sign_up(
    db: &DatabaseConnection,
    account: NewAccount,
    site: &str,
    now: DateTime<Utc>,
) -> Result<user::Model, AccountError> {
    let hash = hash_password(&account.password).await?;
    let txn = crate::db::begin_write(db).await?;
    let inserted = user::ActiveModel {
        pid: Set(Uuid::new_v4()),
        email: Set(account.email),
        password_hash: Set(hash),
        display_name: Set(account.display_name),
        locale: Set("vi".into()),
        is_admin: Set(false),
        session_epoch: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let user = match inserted {
        Ok(user) => user,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(AccountError::EmailTaken);
        }
        Err(e) => return Err(e.into()),
    };
    let token = issue_token(
        &txn,
        user.id,
        VERIFY_EMAIL,
        chrono::Duration::hours(VERIFY_EMAIL_HOURS),
        now,
    )
    .await?;
    let mail = mail::compose(
        "verify_email",
        &user.email,
        &serde_json::json!({
            "name": user.display_name,
            "link": format!("{site}/account/verify?token={token}"),
        }),
    )
    .map_err(|e| AccountError::Compose(e.to_string()))?;
    mail::enqueue(&txn, &mail, now).await?;
    txn.commit().await?;
    Ok(user)
}

/// Marks the e-mail of the token's user as verified. A token works once, before it expires.
pub async fn verify_email(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<user::Model, AccountError> {
    let txn = crate::db::begin_write(db).await?;
    let user = consume_token(&txn, token, VERIFY_EMAIL, now).await?;
    let mut verified: user::ActiveModel = user.into();
    verified.email_verified_at = Set(Some(now));
    verified.updated_at = Set(now);
    let user = verified.update(&txn).await?;
    txn.commit().await?;
    Ok(user)
}

/// The user with this e-mail and password.
pub async fn authenticate(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
) -> Result<user::Model, AccountError> {
    let email = email.trim().to_lowercase();
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?;
    let hash = found
        .as_ref()
        .map_or(DUMMY_HASH.to_owned(), |u| u.password_hash.clone());
    let ok = verify_password(hash, password.to_owned()).await;
    match (found, ok) {
        (Some(user), true) => Ok(user),
        _ => Err(AccountError::WrongCredentials),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_ten_characters_and_not_only_spaces() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("          ").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(Password::parse("mật khẩu dài đủ").is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("secret-password").expect("ok")),
            "Password(***)"
        );
    }

    #[test]
    fn a_new_account_reports_every_bad_field() {
        let problems = NewAccount::parse("not-an-email", "short", " ").expect_err("bad");
        let fields: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["email", "password", "display_name"]);
        let ok = NewAccount::parse(" Lan@Example.COM ", "a long passphrase", " Lan ").expect("ok");
        assert_eq!(ok.email, "lan@example.com");
        assert_eq!(ok.display_name, "Lan");
    }

    #[tokio::test]
    async fn hashes_verify_and_the_dummy_hash_is_well_formed() {
        let password = Password::parse("a long passphrase").expect("ok");
        let hash = hash_password(&password).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(hash.clone(), "a long passphrase".into()).await);
        assert!(!verify_password(hash, "another passphrase".into()).await);
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
