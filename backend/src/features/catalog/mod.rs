//! The catalog: sellers and listings, and the one rule of what a shopper may find.
pub mod commands;
pub mod documents;
pub mod feeds;
pub mod indexing;
pub mod lifecycle;
pub mod photos;
pub mod producers;
pub mod queries;
pub mod results;
pub mod suggest;

pub use queries::{ListingCard, ListingDetail, ListingFilter, Page};

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;

use crate::db::entities::{registry_certificate, registry_participant, seller};
pub use crate::domain::states::{ListingState, SellerState};
use crate::domain::text::slugify;

/// A new, verified and active seller for a registry participant.
pub fn new_active_seller(
    participant: &registry_participant::Model,
    now: DateTime<Utc>,
) -> seller::ActiveModel {
    seller::ActiveModel {
        pid: Set(uuid::Uuid::new_v4()),
        participant_id: Set(participant.id),
        slug: Set(format!(
            "{}-{}",
            slugify(&participant.name, 60),
            participant.business_registration_no
        )),
        display_name: Set(participant.name.clone()),
        state: Set(SellerState::Active),
        verified_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// A listing's URL slug: the product name and the certificate number (unique).
pub fn listing_slug(certificate: &registry_certificate::Model) -> String {
    format!(
        "{}-{}",
        slugify(&certificate.product_name_vi, 60),
        slugify(&certificate.certificate_no, 32)
    )
}

/// What a shopper may find: the listing is published, its seller is active, and its
/// certificate is active in the registry and not past `expires_on`. Pages, API, sitemap and
/// search all use [`visibility::condition`]; [`visibility::is_visible`] states the same rule
/// in Rust for code that already holds the rows.
pub mod visibility {
    use chrono::NaiveDate;
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::{Condition, Expr};

    use super::{ListingState, SellerState};
    use crate::db::entities::{listing, registry_certificate, seller};
    use crate::domain::registry::CertificateStatus;

    pub fn is_visible(
        listing_state: &str,
        seller_state: &str,
        certificate_status: &str,
        expires_on: NaiveDate,
        today: NaiveDate,
    ) -> bool {
        listing_state == ListingState::Published.as_str()
            && seller_state == SellerState::Active.as_str()
            && certificate_status == CertificateStatus::Active.as_str()
            && expires_on > today
    }

    /// The rule as SQL over `listings`, `sellers` and `registry_certificates` joined.
    pub fn condition(today: NaiveDate) -> Condition {
        use registry_certificate::Column as Cert;
        Condition::all()
            .add(Expr::col((listing::Entity, listing::Column::State)).eq(ListingState::Published))
            .add(Expr::col((seller::Entity, seller::Column::State)).eq(SellerState::Active))
            .add(
                Expr::col((registry_certificate::Entity, Cert::Status))
                    .eq(CertificateStatus::Active.as_str()),
            )
            .add(Expr::col((registry_certificate::Entity, Cert::ExpiresOn)).gt(today))
    }
}
