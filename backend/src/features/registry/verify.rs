//! What the public verification page says about a certificate number: valid, expired, revoked
//! or unknown, with its holder and the product's page on the marketplace, if it is on sale.
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::db::entities::{registry_certificate, registry_participant};
use crate::domain::registry::CertificateStatus;
use crate::features::catalog::queries;

/// What the page concludes about a certificate on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Expired,
    Revoked,
}

impl Verdict {
    pub fn of(certificate: &registry_certificate::Model, today: NaiveDate) -> Self {
        match certificate.status.parse::<CertificateStatus>() {
            Ok(CertificateStatus::Revoked) => Self::Revoked,
            Ok(CertificateStatus::Active) if certificate.expires_on > today => Self::Valid,
            _ => Self::Expired,
        }
    }

    /// The verdict's key in the dictionaries (`verify.{key}_title`, `verify.{key}_detail`).
    pub const fn key(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

/// A certificate found in the registry.
#[derive(Clone, Debug)]
pub struct Verification {
    pub certificate: registry_certificate::Model,
    pub verdict: Verdict,
    /// The holder's name (empty if the participant is missing from the mirror).
    pub participant_name: String,
    /// The slug of the product's page, when the product is on sale here.
    pub listing_slug: Option<String>,
}

/// Looks up a certificate number as written on a package (case and surrounding spaces ignored).
pub async fn verify(
    db: &impl ConnectionTrait,
    number: &str,
    today: NaiveDate,
) -> Result<Option<Verification>, DbErr> {
    let number = number.trim().to_uppercase();
    let Some(certificate) = registry_certificate::Entity::find()
        .filter(registry_certificate::Column::CertificateNo.eq(number.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let participant_name = registry_participant::Entity::find_by_id(certificate.participant_id)
        .one(db)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let listing_slug = queries::visible_slug_for_certificate(db, today, certificate.id).await?;
    Ok(Some(Verification {
        verdict: Verdict::of(&certificate, today),
        certificate,
        participant_name,
        listing_slug,
    }))
}
