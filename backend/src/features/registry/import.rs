//! Applying a validated registry file to the database, in one transaction.
use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
pub use indicatif::ProgressBar;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};

use super::parse::{CertificateRow, ParticipantRow, RowProblem, parse_registry_csv};
use crate::db::entities::{listing, registry_certificate, registry_import, registry_participant};
use crate::domain::ids::ListingId;
use crate::domain::reference::Reference;
use crate::domain::registry::CertificateStatus;
use crate::domain::time::vietnam_date;
use crate::features::catalog::{ListingState, lifecycle};
use crate::jobs::outbox;

pub struct ImportOptions<'a> {
    /// Validate and compute the counts, then roll back.
    pub dry_run: bool,
    pub file_name: &'a str,
    pub imported_by: &'a str,
    pub now: DateTime<Utc>,
    pub progress: ProgressBar,
}

/// What an import did (or, for a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: usize,
    pub participants_inserted: usize,
    pub participants_updated: usize,
    pub participants_unchanged: usize,
    pub certificates_inserted: usize,
    pub certificates_updated: usize,
    pub certificates_unchanged: usize,
    /// Listings taken off sale because their certificate is no longer valid.
    pub listings_delisted: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file has {} problem(s); nothing was imported", .0.len())]
    Invalid(Vec<RowProblem>),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Validates the whole file, then upserts participants (by business registration number) and
/// certificates (by certificate number) in one transaction. Rows equal to what is stored are
/// left untouched, so importing the same file twice changes nothing.
pub async fn import_registry(
    db: &DatabaseConnection,
    reference: &Reference,
    bytes: &[u8],
    options: ImportOptions<'_>,
) -> Result<ImportReport, ImportError> {
    let parsed = parse_registry_csv(bytes, reference).map_err(ImportError::Invalid)?;
    let now = options.now;
    let today = vietnam_date(now);
    let mut report = ImportReport {
        dry_run: options.dry_run,
        rows: parsed.certificates.len(),
        ..ImportReport::default()
    };
    options
        .progress
        .set_length((parsed.participants.len() + parsed.certificates.len()) as u64);

    let txn = crate::db::begin_write(db)
        .await
        .context("starting the import transaction")?;

    let mut participant_ids: HashMap<String, i64> = HashMap::new();
    let existing: HashMap<String, registry_participant::Model> =
        registry_participant::Entity::find()
            .all(&txn)
            .await
            .context("loading participants")?
            .into_iter()
            .map(|p| (p.business_registration_no.clone(), p))
            .collect();
    for row in &parsed.participants {
        let id = match existing.get(&row.business_registration_no) {
            Some(stored) if participant_matches(stored, row) => {
                report.participants_unchanged += 1;
                stored.id
            }
            Some(stored) => {
                let mut active: registry_participant::ActiveModel = stored.clone().into();
                set_participant(&mut active, row);
                active.updated_at = Set(now);
                active
                    .update(&txn)
                    .await
                    .context("updating a participant")?;
                report.participants_updated += 1;
                stored.id
            }
            None => {
                let mut active = registry_participant::ActiveModel {
                    business_registration_no: Set(row.business_registration_no.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                };
                set_participant(&mut active, row);
                let inserted = active
                    .insert(&txn)
                    .await
                    .context("inserting a participant")?;
                report.participants_inserted += 1;
                inserted.id
            }
        };
        participant_ids.insert(row.business_registration_no.clone(), id);
        options.progress.inc(1);
    }

    let existing: HashMap<String, registry_certificate::Model> =
        registry_certificate::Entity::find()
            .all(&txn)
            .await
            .context("loading certificates")?
            .into_iter()
            .map(|c| (c.certificate_no.clone(), c))
            .collect();
    let mut new_certificates = Vec::new();
    let mut no_longer_valid = std::collections::HashSet::new();
    let mut changed = Vec::new();
    for row in &parsed.certificates {
        let participant_id = *participant_ids
            .get(&row.business_registration_no)
            .context("a certificate's participant was not imported")?;
        match existing.get(&row.certificate_no) {
            Some(stored) if certificate_matches(stored, row, participant_id) => {
                report.certificates_unchanged += 1;
            }
            Some(stored) => {
                let mut active: registry_certificate::ActiveModel = stored.clone().into();
                set_certificate(&mut active, row, participant_id);
                active.updated_at = Set(now);
                active
                    .update(&txn)
                    .await
                    .context("updating a certificate")?;
                report.certificates_updated += 1;
                changed.push(stored.id);
                if !is_valid_on(row.status, row.expires_on, today) {
                    no_longer_valid.insert(stored.id);
                }
            }
            None => {
                let mut active = registry_certificate::ActiveModel {
                    certificate_no: Set(row.certificate_no.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                };
                set_certificate(&mut active, row, participant_id);
                new_certificates.push(active);
                report.certificates_inserted += 1;
            }
        }
        options.progress.inc(1);
    }
    for chunk in new_certificates.chunks(500) {
        registry_certificate::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await
            .context("inserting certificates")?;
    }

    // A certificate that expired or was revoked takes its listing off sale at once; every
    // listing of a changed certificate is re-indexed (name, stars, province may have changed).
    if !changed.is_empty() {
        let affected: Vec<(ListingId, i64, String)> = listing::Entity::find()
            .select_only()
            .column(listing::Column::Id)
            .column(listing::Column::CertificateId)
            .column(listing::Column::State)
            .filter(listing::Column::CertificateId.is_in(changed.iter().copied()))
            .into_tuple()
            .all(&txn)
            .await
            .context("finding listings of changed certificates")?;
        let to_delist: Vec<ListingId> = affected
            .iter()
            .filter(|(_, cert, state)| {
                no_longer_valid.contains(cert) && state != ListingState::Delisted.as_str()
            })
            .map(|(id, _, _)| *id)
            .collect();
        lifecycle::delist(
            &txn,
            &to_delist,
            lifecycle::DelistedBy::System,
            "certificate no longer valid (registry import)",
            now,
        )
        .await
        .context("delisting listings of invalid certificates")?;
        report.listings_delisted = to_delist.len();
        outbox::enqueue_listing_sync(&txn, affected.iter().map(|(id, _, _)| *id), now)
            .await
            .context("queueing search updates")?;
    }

    if options.dry_run {
        txn.rollback().await.context("rolling back the dry run")?;
    } else {
        registry_import::ActiveModel {
            file_name: Set(options.file_name.to_owned()),
            sha256: Set(crate::domain::digest::sha256_hex(bytes)),
            imported_by: Set(options.imported_by.to_owned()),
            rows: Set(to_i32(report.rows)),
            certificates_inserted: Set(to_i32(report.certificates_inserted)),
            certificates_updated: Set(to_i32(report.certificates_updated)),
            certificates_unchanged: Set(to_i32(report.certificates_unchanged)),
            participants_inserted: Set(to_i32(report.participants_inserted)),
            participants_updated: Set(to_i32(report.participants_updated)),
            listings_delisted: Set(to_i32(report.listings_delisted)),
            imported_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .context("recording the import")?;
        let changed_any = report.certificates_inserted
            + report.certificates_updated
            + report.participants_inserted
            + report.participants_updated
            > 0;
        if changed_any {
            // Certificate pages kept by every instance (`/verify`) follow the registry.
            crate::jobs::versions::bump_catalog(&txn)
                .await
                .context("bumping the catalog version")?;
        }
        txn.commit().await.context("committing the import")?;
    }
    options.progress.finish_and_clear();
    Ok(report)
}

/// Whether a certificate lets its product be sold on `today`: the registry says active and
/// the 36-month validity has not run out.
pub fn is_valid_on(status: CertificateStatus, expires_on: NaiveDate, today: NaiveDate) -> bool {
    status == CertificateStatus::Active && expires_on > today
}

fn participant_matches(stored: &registry_participant::Model, row: &ParticipantRow) -> bool {
    stored.name == row.name
        && stored.participant_type == row.participant_type.as_str()
        && stored.province_code == row.province_code
        && stored.commune == row.commune
        && stored.contact_email == row.contact_email
}

fn set_participant(active: &mut registry_participant::ActiveModel, row: &ParticipantRow) {
    active.name = Set(row.name.clone());
    active.participant_type = Set(row.participant_type.as_str().to_owned());
    active.province_code = Set(row.province_code.clone());
    active.commune = Set(row.commune.clone());
    active.contact_email = Set(row.contact_email.clone());
}

fn certificate_matches(
    stored: &registry_certificate::Model,
    row: &CertificateRow,
    participant_id: i64,
) -> bool {
    stored.participant_id == participant_id
        && stored.product_name_vi == row.product_name_vi
        && stored.product_name_en == row.product_name_en
        && stored.group_code == row.group_code
        && stored.subgroup_code == row.subgroup_code
        && stored.stars == i16::from(row.stars.get())
        && stored.province_code == row.province_code
        && stored.legacy_province == row.legacy_province
        && stored.commune == row.commune
        && stored.recognition_decision_no == row.recognition_decision_no
        && stored.recognized_on == row.recognized_on
        && stored.expires_on == row.expires_on
        && stored.status == row.status.as_str()
}

fn set_certificate(
    active: &mut registry_certificate::ActiveModel,
    row: &CertificateRow,
    participant_id: i64,
) {
    active.participant_id = Set(participant_id);
    active.product_name_vi = Set(row.product_name_vi.clone());
    active.product_name_en = Set(row.product_name_en.clone());
    active.group_code = Set(row.group_code.clone());
    active.subgroup_code = Set(row.subgroup_code.clone());
    active.stars = Set(i16::from(row.stars.get()));
    active.province_code = Set(row.province_code.clone());
    active.legacy_province = Set(row.legacy_province.clone());
    active.commune = Set(row.commune.clone());
    active.recognition_decision_no = Set(row.recognition_decision_no.clone());
    active.recognized_on = Set(row.recognized_on);
    active.expires_on = Set(row.expires_on);
    active.status = Set(row.status.as_str().to_owned());
}

fn to_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
