//! Roles and seller onboarding: outlets (the provincial sale points, extended in issue 7),
//! memberships (who may act for which seller, outlet or province), seller applications with
//! their one-time codes, the audit log, API tokens, certificate-expiry reminders, and the photo
//! columns the media pipeline fills.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outlets::Table)
                    .col(big_pk_auto(Outlets::Id))
                    .col(string_uniq(Outlets::Slug))
                    .col(string(Outlets::Name))
                    .col(string(Outlets::ProvinceCode))
                    .col(timestamp_with_time_zone(Outlets::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(big_pk_auto(Memberships::Id))
                    .col(big_integer(Memberships::UserId))
                    // seller | outlet_staff | officer
                    .col(string(Memberships::Role))
                    // The one scope column the role uses is set; the others are null.
                    .col(big_integer_null(Memberships::SellerId))
                    .col(big_integer_null(Memberships::OutletId))
                    .col(string_null(Memberships::ProvinceCode))
                    .col(timestamp_with_time_zone(Memberships::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::SellerId)
                            .to(Sellers::Table, Sellers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::OutletId)
                            .to(Outlets::Table, Outlets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_memberships_user")
                    .table(Memberships::Table)
                    .col(Memberships::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SellerApplications::Table)
                    .col(big_pk_auto(SellerApplications::Id))
                    .col(uuid_uniq(SellerApplications::Pid))
                    .col(big_integer(SellerApplications::UserId))
                    .col(big_integer(SellerApplications::ParticipantId))
                    .col(string(SellerApplications::ProvinceCode))
                    // awaiting_code | in_review | approved | rejected | withdrawn
                    .col(string(SellerApplications::State))
                    // Why it went to review: no_contact | no_active_certificate | too_many_attempts
                    .col(string_null(SellerApplications::ReviewReason))
                    .col(string_null(SellerApplications::CodeHash))
                    .col(timestamp_with_time_zone_null(
                        SellerApplications::CodeExpiresAt,
                    ))
                    .col(integer(SellerApplications::CodeAttempts).default(0))
                    .col(timestamp_with_time_zone_null(
                        SellerApplications::CodeUsedAt,
                    ))
                    .col(big_integer_null(SellerApplications::DecidedBy))
                    .col(text_null(SellerApplications::DecisionReason))
                    .col(timestamp_with_time_zone_null(SellerApplications::DecidedAt))
                    .col(timestamp_with_time_zone(SellerApplications::CreatedAt))
                    .col(timestamp_with_time_zone(SellerApplications::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SellerApplications::Table, SellerApplications::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SellerApplications::Table, SellerApplications::ParticipantId)
                            .to(RegistryParticipants::Table, RegistryParticipants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_seller_applications_queue")
                    .table(SellerApplications::Table)
                    .col(SellerApplications::State)
                    .col(SellerApplications::ProvinceCode)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    // Null when the system acted (a sweep, an import).
                    .col(big_integer_null(AuditLog::ActorUserId))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::SubjectType))
                    .col(string(AuditLog::SubjectId))
                    .col(string_null(AuditLog::ProvinceCode))
                    .col(text_null(AuditLog::Reason))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_subject")
                    .table(AuditLog::Table)
                    .col(AuditLog::SubjectType)
                    .col(AuditLog::SubjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(big_pk_auto(ApiTokens::Id))
                    .col(big_integer(ApiTokens::UserId))
                    .col(string(ApiTokens::Name))
                    .col(string_uniq(ApiTokens::TokenHash))
                    // The first characters, shown so a user can tell tokens apart.
                    .col(string(ApiTokens::Prefix))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CertificateReminders::Table)
                    .col(big_pk_auto(CertificateReminders::Id))
                    .col(big_integer(CertificateReminders::CertificateId))
                    // A renewal (new expiry date) starts a new series of reminders.
                    .col(date(CertificateReminders::ExpiresOn))
                    .col(integer(CertificateReminders::DaysBefore))
                    .col(timestamp_with_time_zone(CertificateReminders::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                CertificateReminders::Table,
                                CertificateReminders::CertificateId,
                            )
                            .to(RegistryCertificates::Table, RegistryCertificates::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_certificate_reminders")
                    .table(CertificateReminders::Table)
                    .col(CertificateReminders::CertificateId)
                    .col(CertificateReminders::ExpiresOn)
                    .col(CertificateReminders::DaysBefore)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // SQLite alters one column per statement.
        for column in [
            integer(ListingPhotos::Width).default(0),
            integer(ListingPhotos::Height).default(0),
            // Comma-separated widths of the stored variants, e.g. "320,800,1600".
            string(ListingPhotos::Variants).default(""),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ListingPhotos::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // Who delisted a listing: `system` (its certificate lapsed; a renewal lets the seller
        // republish) or `officer` (only an officer reinstates it).
        manager
            .alter_table(
                Table::alter()
                    .table(Listings::Table)
                    .add_column(string_null(Listings::DelistedBy))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Listings::Table)
                    .drop_column(Listings::DelistedBy)
                    .to_owned(),
            )
            .await?;
        for column in [
            ListingPhotos::Variants,
            ListingPhotos::Height,
            ListingPhotos::Width,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ListingPhotos::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            CertificateReminders::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            AuditLog::Table.into_iden(),
            SellerApplications::Table.into_iden(),
            Memberships::Table.into_iden(),
            Outlets::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Outlets {
    Table,
    Id,
    Slug,
    Name,
    ProvinceCode,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    UserId,
    Role,
    SellerId,
    OutletId,
    ProvinceCode,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SellerApplications {
    Table,
    Id,
    Pid,
    UserId,
    ParticipantId,
    ProvinceCode,
    State,
    ReviewReason,
    CodeHash,
    CodeExpiresAt,
    CodeAttempts,
    CodeUsedAt,
    DecidedBy,
    DecisionReason,
    DecidedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorUserId,
    Action,
    SubjectType,
    SubjectId,
    ProvinceCode,
    Reason,
    At,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Prefix,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum CertificateReminders {
    Table,
    Id,
    CertificateId,
    ExpiresOn,
    DaysBefore,
    SentAt,
}

#[derive(DeriveIden)]
enum ListingPhotos {
    Table,
    Width,
    Height,
    Variants,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    DelistedBy,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Sellers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RegistryParticipants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RegistryCertificates {
    Table,
    Id,
}
