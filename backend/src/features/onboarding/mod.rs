//! Seller onboarding: a signed-in user proves that it acts for a registry participant.
//!
//! 1. The user applies with a business registration number. The participant must be in the
//!    registry mirror.
//! 2. When the participant has an active certificate and a contact address on file, a one-time
//!    code is mailed to that address (never to the applicant's own). Entering it makes the user
//!    a member of the participant's seller at once.
//! 3. Otherwise (no contact, no active certificate, or too many wrong codes) the application
//!    waits in the review queue of the officers of the participant's province, who approve or
//!    reject it with a reason. The applicant is mailed either way.
//!
//! Every step is written to the audit log in the transaction that takes it.
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::db::entities::{
    province, registry_certificate, registry_participant, seller, seller_application, user,
};
use crate::domain::ids::UserId;
use crate::domain::registry::CertificateStatus;
use crate::domain::time::vietnam_date;
use crate::features::accounts::auth::{self, Action, Principal, Role, Scope};
use crate::features::catalog::SellerState;
use crate::mail;

/// How long a code works.
pub const CODE_MINUTES: i64 = 30;
/// Wrong codes allowed before the application goes to an officer.
pub const MAX_CODE_ATTEMPTS: i32 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    AwaitingCode,
    InReview,
    Approved,
    Rejected,
}

impl State {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingCode => "awaiting_code",
            Self::InReview => "in_review",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
}

/// Why an application waits for an officer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewReason {
    NoContact,
    NoActiveCertificate,
    TooManyAttempts,
}

impl ReviewReason {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoContact => "no_contact",
            Self::NoActiveCertificate => "no_active_certificate",
            Self::TooManyAttempts => "too_many_attempts",
        }
    }

    /// In the current language, for pages and mail.
    pub fn describe(code: &str) -> String {
        let key = match code {
            "no_contact" | "no_active_certificate" | "too_many_attempts" => code,
            _ => "other",
        };
        crate::i18n::tr(&format!("errors.review_reason.{key}"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OnboardingError {
    #[error("{}", crate::i18n::tr("errors.onboarding.unknown_participant"))]
    UnknownParticipant,
    #[error("{}", crate::i18n::tr("errors.onboarding.bad_registration_no"))]
    BadRegistrationNo,
    #[error("{}", crate::i18n::tr("errors.onboarding.email_not_verified"))]
    EmailNotVerified,
    #[error("{}", crate::i18n::tr("errors.onboarding.already_member"))]
    AlreadyMember,
    #[error("no such application")]
    NotFound,
    #[error("{}", crate::i18n::tr_with("errors.onboarding.wrong_code", &[("remaining", remaining as &dyn std::fmt::Display)]))]
    WrongCode { remaining: i32 },
    #[error("{}", crate::i18n::tr("errors.onboarding.too_many_attempts"))]
    TooManyAttempts,
    #[error("{}", crate::i18n::tr("errors.onboarding.code_expired"))]
    CodeExpired,
    #[error("{}", crate::i18n::tr("errors.onboarding.code_used"))]
    CodeUsed,
    #[error("{}", crate::i18n::tr("errors.onboarding.not_awaiting_code"))]
    NotAwaitingCode,
    #[error("{}", crate::i18n::tr("errors.onboarding.not_in_review"))]
    NotInReview,
    #[error("{}", crate::i18n::tr("errors.onboarding.reason_required"))]
    ReasonRequired,
    #[error("{}", crate::i18n::tr("errors.onboarding.forbidden"))]
    Forbidden,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Digits only; 10 (enterprise, cooperative) or 13 (household business) of them.
pub fn parse_registration_no(raw: &str) -> Result<String, OnboardingError> {
    let digits: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if (digits.len() == 10 || digits.len() == 13) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(OnboardingError::BadRegistrationNo)
    }
}

/// What the code mail to the registry contact says: who asks, for whom, and the code.
fn code_mail(
    applicant: &Principal,
    participant: &registry_participant::Model,
    code: &str,
) -> serde_json::Value {
    json!({
        "applicant": applicant.user.display_name,
        "applicant_email": applicant.user.email,
        "participant": participant.name,
        "registration_no": participant.business_registration_no,
        "code": code,
        "minutes": CODE_MINUTES,
    })
}

/// The province's Vietnamese name, for mail.
async fn province_name(db: &impl ConnectionTrait, code: &str) -> Result<String, DbErr> {
    Ok(province::Entity::find_by_id(code.to_owned())
        .one(db)
        .await?
        .map_or_else(|| code.to_owned(), |p| p.name_vi))
}

fn code_hash(application: Uuid, code: &str) -> String {
    crate::domain::digest::sha256_hex(format!("{application}:{code}").as_bytes())
}

fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000))
}

/// `lan@example.com` → `l**@example.com`: enough to recognise, not to harvest.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!(
                "{first}{}@{domain}",
                "*".repeat(local.chars().count().saturating_sub(1).max(2))
            )
        }
        None => "***".into(),
    }
}

/// What the applicant sees after applying.
#[derive(Debug, Clone)]
pub struct Applied {
    pub application: seller_application::Model,
    /// The masked registry contact the code went to, when one was sent.
    pub code_sent_to: Option<String>,
}

async fn active_certificates(
    db: &impl ConnectionTrait,
    participant_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    registry_certificate::Entity::find()
        .filter(registry_certificate::Column::ParticipantId.eq(participant_id))
        .filter(registry_certificate::Column::Status.eq(CertificateStatus::Active.as_str()))
        .filter(registry_certificate::Column::ExpiresOn.gt(vietnam_date(now)))
        .count(db)
        .await
}

/// Starts (or, for an open one, returns) the user's application for a participant.
pub async fn apply(
    db: &DatabaseConnection,
    applicant: &Principal,
    registration_no: &str,
    site: &str,
    now: DateTime<Utc>,
) -> Result<Applied, OnboardingError> {
    let registration_no = parse_registration_no(registration_no)?;
    if applicant.user.email_verified_at.is_none() {
        return Err(OnboardingError::EmailNotVerified);
    }
    let txn = crate::db::begin_write(db).await?;
    let participant = registry_participant::Entity::find()
        .filter(registry_participant::Column::BusinessRegistrationNo.eq(&registration_no))
        .one(&txn)
        .await?
        .ok_or(OnboardingError::UnknownParticipant)?;
    if let Some(seller) = seller::Entity::find()
        .filter(seller::Column::ParticipantId.eq(participant.id))
        .one(&txn)
        .await?
        && applicant.seller_ids().contains(&seller.id)
    {
        return Err(OnboardingError::AlreadyMember);
    }
    let open = seller_application::Entity::find()
        .filter(seller_application::Column::UserId.eq(applicant.user.id))
        .filter(seller_application::Column::ParticipantId.eq(participant.id))
        .filter(
            seller_application::Column::State
                .is_in([State::AwaitingCode.as_str(), State::InReview.as_str()]),
        )
        .one(&txn)
        .await?;
    if let Some(application) = open {
        txn.rollback().await?;
        return Ok(Applied {
            application,
            code_sent_to: None,
        });
    }

    let review = if active_certificates(&txn, participant.id, now).await? == 0 {
        Some(ReviewReason::NoActiveCertificate)
    } else if participant.contact_email.is_none() {
        Some(ReviewReason::NoContact)
    } else {
        None
    };
    let pid = Uuid::new_v4();
    let code = new_code();
    let mut row = seller_application::ActiveModel {
        pid: Set(pid),
        user_id: Set(applicant.user.id),
        participant_id: Set(participant.id),
        province_code: Set(participant.province_code.clone()),
        code_attempts: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let link = format!("{site}/seller/applications/{pid}");
    let mut code_sent_to = None;
    match (review, participant.contact_email.as_deref()) {
        (None, Some(contact)) => {
            row.state = Set(State::AwaitingCode.as_str().into());
            row.code_hash = Set(Some(code_hash(pid, &code)));
            row.code_expires_at = Set(Some(now + Duration::minutes(CODE_MINUTES)));
            mail::queue(
                &txn,
                "seller_code",
                contact,
                &code_mail(applicant, &participant, &code),
                now,
            )
            .await?;
            code_sent_to = Some(mask_email(contact));
        }
        (why, _) => {
            let why = why.unwrap_or(ReviewReason::NoContact);
            row.state = Set(State::InReview.as_str().into());
            row.review_reason = Set(Some(why.as_str().into()));
            mail::queue(
                &txn,
                "application_review",
                &applicant.user.email,
                &json!({
                    "name": applicant.user.display_name,
                    "participant": participant.name,
                    "province": province_name(&txn, &participant.province_code).await?,
                    "why": ReviewReason::describe(why.as_str()),
                    "link": link,
                }),
                now,
            )
            .await?;
        }
    }
    let application = row.insert(&txn).await?;
    audit::record(
        &txn,
        Entry {
            actor: Some(applicant.user.id),
            action: if code_sent_to.is_some() {
                "application.code_sent"
            } else {
                "application.queued_for_review"
            },
            subject_type: "seller_application",
            subject_id: pid.to_string(),
            province_code: Some(&participant.province_code),
            reason: application.review_reason.as_deref(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Applied {
        application,
        code_sent_to,
    })
}

/// The application, if it is the user's own.
pub async fn find_own(
    db: &impl ConnectionTrait,
    user_id: UserId,
    pid: Uuid,
) -> Result<seller_application::Model, OnboardingError> {
    seller_application::Entity::find()
        .filter(seller_application::Column::Pid.eq(pid))
        .filter(seller_application::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(OnboardingError::NotFound)
}

/// Checks the code the registry contact passed on; a right one approves the application.
/// Wrong attempts are counted (and committed) before the error is returned.
pub async fn submit_code(
    db: &DatabaseConnection,
    applicant: &Principal,
    pid: Uuid,
    code: &str,
    site: &str,
    now: DateTime<Utc>,
) -> Result<seller_application::Model, OnboardingError> {
    let txn = crate::db::begin_write(db).await?;
    let application = find_own(&txn, applicant.user.id, pid).await?;
    if application.code_used_at.is_some() {
        return Err(OnboardingError::CodeUsed);
    }
    if application.state != State::AwaitingCode.as_str() {
        return Err(OnboardingError::NotAwaitingCode);
    }
    if application.code_expires_at.is_none_or(|at| at <= now) {
        return Err(OnboardingError::CodeExpired);
    }
    let given = code.trim();
    let right = application.code_hash.as_deref().is_some_and(|h| {
        crate::domain::digest::constant_time_eq(h.as_bytes(), code_hash(pid, given).as_bytes())
    });
    if !right {
        let attempts = application.code_attempts + 1;
        let province = application.province_code.clone();
        let mut changed: seller_application::ActiveModel = application.into();
        changed.code_attempts = Set(attempts);
        changed.updated_at = Set(now);
        let error = if attempts >= MAX_CODE_ATTEMPTS {
            changed.state = Set(State::InReview.as_str().into());
            changed.review_reason = Set(Some(ReviewReason::TooManyAttempts.as_str().into()));
            changed.code_hash = Set(None);
            audit::record(
                &txn,
                Entry {
                    actor: Some(applicant.user.id),
                    action: "application.queued_for_review",
                    subject_type: "seller_application",
                    subject_id: pid.to_string(),
                    province_code: Some(&province),
                    reason: Some(ReviewReason::TooManyAttempts.as_str()),
                },
                now,
            )
            .await?;
            OnboardingError::TooManyAttempts
        } else {
            OnboardingError::WrongCode {
                remaining: MAX_CODE_ATTEMPTS - attempts,
            }
        };
        changed.update(&txn).await?;
        txn.commit().await?;
        return Err(error);
    }
    let mut changed: seller_application::ActiveModel = application.into();
    changed.code_used_at = Set(Some(now));
    changed.code_hash = Set(None);
    let approved = approve(
        &txn,
        changed,
        &applicant.user,
        None,
        "mã xác minh gửi tới địa chỉ liên hệ trong Hệ thống OCOP",
        site,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(approved)
}

/// Sends a fresh code (the old one stops working). Wrong attempts are not reset.
pub async fn resend_code(
    db: &DatabaseConnection,
    applicant: &Principal,
    pid: Uuid,
    now: DateTime<Utc>,
) -> Result<String, OnboardingError> {
    let txn = crate::db::begin_write(db).await?;
    let application = find_own(&txn, applicant.user.id, pid).await?;
    if application.state != State::AwaitingCode.as_str() {
        return Err(OnboardingError::NotAwaitingCode);
    }
    let participant = registry_participant::Entity::find_by_id(application.participant_id)
        .one(&txn)
        .await?
        .ok_or(OnboardingError::UnknownParticipant)?;
    let contact = participant
        .contact_email
        .clone()
        .ok_or(OnboardingError::NotAwaitingCode)?;
    let code = new_code();
    let mut changed: seller_application::ActiveModel = application.into();
    changed.code_hash = Set(Some(code_hash(pid, &code)));
    changed.code_expires_at = Set(Some(now + Duration::minutes(CODE_MINUTES)));
    changed.updated_at = Set(now);
    changed.update(&txn).await?;
    mail::queue(
        &txn,
        "seller_code",
        &contact,
        &code_mail(applicant, &participant, &code),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(mask_email(&contact))
}

/// An officer's decision on an application in review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

/// Approves or rejects an application in review. Only an officer of the participant's
/// province (or an administrator) may; a reason is always required and is mailed.
pub async fn decide(
    db: &DatabaseConnection,
    officer: &Principal,
    pid: Uuid,
    decision: Decision,
    reason: &str,
    site: &str,
    now: DateTime<Utc>,
) -> Result<seller_application::Model, OnboardingError> {
    let reason = reason.trim();
    if reason.chars().count() < 5 {
        return Err(OnboardingError::ReasonRequired);
    }
    let txn = crate::db::begin_write(db).await?;
    let application = seller_application::Entity::find()
        .filter(seller_application::Column::Pid.eq(pid))
        .one(&txn)
        .await?
        .ok_or(OnboardingError::NotFound)?;
    if !officer.can(
        Action::ReviewProvince,
        &Scope::Province(&application.province_code),
    ) {
        return Err(OnboardingError::Forbidden);
    }
    if application.state != State::InReview.as_str() {
        return Err(OnboardingError::NotInReview);
    }
    let applicant = user::Entity::find_by_id(application.user_id)
        .one(&txn)
        .await?
        .ok_or(OnboardingError::NotFound)?;
    let decided = match decision {
        Decision::Approve => {
            approve(
                &txn,
                application.into(),
                &applicant,
                Some(officer.user.id),
                reason,
                site,
                now,
            )
            .await?
        }
        Decision::Reject => {
            let participant = registry_participant::Entity::find_by_id(application.participant_id)
                .one(&txn)
                .await?
                .ok_or(OnboardingError::UnknownParticipant)?;
            let mut changed: seller_application::ActiveModel = application.into();
            changed.state = Set(State::Rejected.as_str().into());
            changed.decided_by = Set(Some(officer.user.id));
            changed.decision_reason = Set(Some(reason.to_owned()));
            changed.decided_at = Set(Some(now));
            changed.updated_at = Set(now);
            let rejected = changed.update(&txn).await?;
            audit::record(
                &txn,
                Entry {
                    actor: Some(officer.user.id),
                    action: "application.rejected",
                    subject_type: "seller_application",
                    subject_id: pid.to_string(),
                    province_code: Some(&rejected.province_code),
                    reason: Some(reason),
                },
                now,
            )
            .await?;
            mail::queue(
                &txn,
                "application_rejected",
                &applicant.email,
                &json!({
                    "name": applicant.display_name,
                    "participant": participant.name,
                    "province": province_name(&txn, &participant.province_code).await?,
                    "reason": reason,
                    "link": format!("{site}/seller/apply"),
                }),
                now,
            )
            .await?;
            rejected
        }
    };
    txn.commit().await?;
    Ok(decided)
}

/// Marks the application approved, makes sure the participant has an active seller, makes the
/// applicant a member, and records and mails the decision.
async fn approve(
    txn: &impl ConnectionTrait,
    mut application: seller_application::ActiveModel,
    applicant: &user::Model,
    officer: Option<UserId>,
    reason: &str,
    site: &str,
    now: DateTime<Utc>,
) -> Result<seller_application::Model, OnboardingError> {
    application.state = Set(State::Approved.as_str().into());
    application.decided_by = Set(officer);
    application.decision_reason = Set(Some(reason.to_owned()));
    application.decided_at = Set(Some(now));
    application.updated_at = Set(now);
    let approved = application.update(txn).await?;
    let participant = registry_participant::Entity::find_by_id(approved.participant_id)
        .one(txn)
        .await?
        .ok_or(OnboardingError::UnknownParticipant)?;
    let seller = match seller::Entity::find()
        .filter(seller::Column::ParticipantId.eq(participant.id))
        .one(txn)
        .await?
    {
        // A suspended seller stays suspended: only an officer lifts a suspension.
        Some(existing) if existing.state == SellerState::Pending.as_str() => {
            let mut active: seller::ActiveModel = existing.into();
            active.state = Set(SellerState::Active);
            active.verified_at = Set(Some(now));
            active.updated_at = Set(now);
            active.update(txn).await?
        }
        Some(existing) => existing,
        None => {
            crate::features::catalog::new_active_seller(&participant, now)
                .insert(txn)
                .await?
        }
    };
    auth::grant(
        txn,
        applicant.id,
        Role::Seller,
        Some(seller.id),
        None,
        None,
        now,
    )
    .await?;
    audit::record(
        txn,
        Entry {
            actor: officer.or(Some(applicant.id)),
            action: if officer.is_some() {
                "application.approved"
            } else {
                "application.verified_by_code"
            },
            subject_type: "seller_application",
            subject_id: approved.pid.to_string(),
            province_code: Some(&approved.province_code),
            reason: Some(reason),
        },
        now,
    )
    .await?;
    mail::queue(
        txn,
        "application_approved",
        &applicant.email,
        &json!({
            "name": applicant.display_name,
            "participant": participant.name,
            "reason": officer.map(|_| reason),
            "link": format!("{site}/seller"),
        }),
        now,
    )
    .await?;
    Ok(approved)
}

/// An application with what pages show about it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApplicationView {
    pub pid: Uuid,
    pub state: String,
    pub review_reason: Option<String>,
    pub review_reason_text: Option<String>,
    pub participant: String,
    pub registration_no: String,
    pub province_code: String,
    pub applicant_name: String,
    pub applicant_email: String,
    pub decision_reason: Option<String>,
    /// The masked registry contact the code goes to, while one is awaited.
    pub code_sent_to: Option<String>,
    /// When it was submitted, in Vietnam time.
    pub submitted_at: String,
}

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<seller_application::Model>,
) -> Result<Vec<ApplicationView>, DbErr> {
    use std::collections::HashMap;
    // Two queries for the whole list, not two per application.
    let participants: HashMap<i64, registry_participant::Model> =
        registry_participant::Entity::find()
            .filter(registry_participant::Column::Id.is_in(rows.iter().map(|r| r.participant_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    let users: HashMap<UserId, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|r| r.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let participant = participants.get(&row.participant_id);
        let applicant = users.get(&row.user_id);
        let code_sent_to = (row.state == State::AwaitingCode.as_str())
            .then(|| {
                participant
                    .and_then(|p| p.contact_email.as_deref())
                    .map(mask_email)
            })
            .flatten();
        out.push(ApplicationView {
            pid: row.pid,
            review_reason_text: row.review_reason.as_deref().map(ReviewReason::describe),
            state: row.state,
            review_reason: row.review_reason,
            code_sent_to,
            participant: participant.map_or_else(String::new, |p| p.name.clone()),
            registration_no: participant
                .map_or_else(String::new, |p| p.business_registration_no.clone()),
            province_code: row.province_code,
            applicant_name: applicant.map_or_else(String::new, |u| u.display_name.clone()),
            applicant_email: applicant.map_or_else(String::new, |u| u.email.clone()),
            decision_reason: row.decision_reason,
            submitted_at: crate::domain::time::format_vietnam(row.created_at),
        });
    }
    Ok(out)
}

/// The user's own applications, newest first.
pub async fn for_user(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<Vec<ApplicationView>, DbErr> {
    let rows = seller_application::Entity::find()
        .filter(seller_application::Column::UserId.eq(user_id))
        .order_by_desc(seller_application::Column::Id)
        .all(db)
        .await?;
    views(db, rows).await
}

/// The review queue an officer sees: applications in review in the officer's provinces
/// (every province for an administrator), oldest first.
pub async fn review_queue(
    db: &impl ConnectionTrait,
    officer: &Principal,
) -> Result<Vec<ApplicationView>, DbErr> {
    let mut query = seller_application::Entity::find()
        .filter(seller_application::Column::State.eq(State::InReview.as_str()))
        .order_by_asc(seller_application::Column::Id);
    if let Some(provinces) = officer.reviewed_provinces() {
        query = query.filter(seller_application::Column::ProvinceCode.is_in(provinces));
    }
    views(db, query.all(db).await?).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_numbers_are_ten_or_thirteen_digits() {
        assert_eq!(
            parse_registration_no(" 2510 996 049 ").ok().as_deref(),
            Some("2510996049")
        );
        assert!(parse_registration_no("8123456789001").is_ok());
        assert!(parse_registration_no("12345").is_err());
        assert!(parse_registration_no("25109960ab").is_err());
    }

    #[test]
    fn contacts_are_masked() {
        assert_eq!(
            mask_email("ruou-chi-vuong@example.com"),
            "r*************@example.com"
        );
        assert_eq!(mask_email("a@b.vn"), "a**@b.vn");
    }

    #[test]
    fn codes_are_six_digits_and_hashed_per_application() {
        let code = new_code();
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        assert_ne!(code_hash(a, &code), code_hash(b, &code));
        assert_eq!(code_hash(a, &code), code_hash(a, &code));
    }
}
