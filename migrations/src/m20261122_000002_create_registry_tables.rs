//! The mirror of the OCOP registry: participants (chủ thể), their certificates, and the log of
//! imports. Upserts are keyed by business registration number and certificate number.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_reference_tables::{ProductGroups, ProductSubgroups, Provinces};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RegistryParticipants::Table)
                    .col(big_pk_auto(RegistryParticipants::Id))
                    .col(string_uniq(RegistryParticipants::BusinessRegistrationNo))
                    .col(string(RegistryParticipants::Name))
                    .col(string(RegistryParticipants::ParticipantType))
                    .col(string(RegistryParticipants::ProvinceCode))
                    .col(string(RegistryParticipants::Commune))
                    .col(string_null(RegistryParticipants::ContactEmail))
                    // First qualifying sale on the platform (modern-trade indicator, issue 8).
                    .col(timestamp_with_time_zone_null(
                        RegistryParticipants::ModernTradeSince,
                    ))
                    .col(timestamp_with_time_zone(RegistryParticipants::CreatedAt))
                    .col(timestamp_with_time_zone(RegistryParticipants::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RegistryParticipants::Table,
                                RegistryParticipants::ProvinceCode,
                            )
                            .to(Provinces::Table, Provinces::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_registry_participants_province")
                    .table(RegistryParticipants::Table)
                    .col(RegistryParticipants::ProvinceCode)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RegistryCertificates::Table)
                    .col(big_pk_auto(RegistryCertificates::Id))
                    .col(string_uniq(RegistryCertificates::CertificateNo))
                    .col(big_integer(RegistryCertificates::ParticipantId))
                    .col(string(RegistryCertificates::ProductNameVi))
                    .col(string(RegistryCertificates::ProductNameEn))
                    .col(string(RegistryCertificates::GroupCode))
                    .col(string(RegistryCertificates::SubgroupCode))
                    .col(small_integer(RegistryCertificates::Stars))
                    .col(string(RegistryCertificates::ProvinceCode))
                    // The province name as printed on a pre-2025 certificate, kept verbatim.
                    .col(string_null(RegistryCertificates::LegacyProvince))
                    .col(string(RegistryCertificates::Commune))
                    .col(string(RegistryCertificates::RecognitionDecisionNo))
                    .col(date(RegistryCertificates::RecognizedOn))
                    .col(date(RegistryCertificates::ExpiresOn))
                    .col(string(RegistryCertificates::Status))
                    .col(timestamp_with_time_zone(RegistryCertificates::CreatedAt))
                    .col(timestamp_with_time_zone(RegistryCertificates::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RegistryCertificates::Table,
                                RegistryCertificates::ParticipantId,
                            )
                            .to(RegistryParticipants::Table, RegistryParticipants::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RegistryCertificates::Table,
                                RegistryCertificates::ProvinceCode,
                            )
                            .to(Provinces::Table, Provinces::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RegistryCertificates::Table, RegistryCertificates::GroupCode)
                            .to(ProductGroups::Table, ProductGroups::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RegistryCertificates::Table,
                                RegistryCertificates::SubgroupCode,
                            )
                            .to(ProductSubgroups::Table, ProductSubgroups::Code),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_registry_certificates_participant",
                RegistryCertificates::ParticipantId,
            ),
            (
                "idx_registry_certificates_province",
                RegistryCertificates::ProvinceCode,
            ),
            (
                "idx_registry_certificates_expiry",
                RegistryCertificates::ExpiresOn,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(RegistryCertificates::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RegistryImports::Table)
                    .col(big_pk_auto(RegistryImports::Id))
                    .col(string(RegistryImports::FileName))
                    .col(string(RegistryImports::Sha256))
                    .col(string(RegistryImports::ImportedBy))
                    .col(integer(RegistryImports::Rows))
                    .col(integer(RegistryImports::CertificatesInserted))
                    .col(integer(RegistryImports::CertificatesUpdated))
                    .col(integer(RegistryImports::CertificatesUnchanged))
                    .col(integer(RegistryImports::ParticipantsInserted))
                    .col(integer(RegistryImports::ParticipantsUpdated))
                    .col(integer(RegistryImports::ListingsDelisted))
                    .col(timestamp_with_time_zone(RegistryImports::ImportedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RegistryImports::Table.into_iden(),
            RegistryCertificates::Table.into_iden(),
            RegistryParticipants::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum RegistryParticipants {
    Table,
    Id,
    BusinessRegistrationNo,
    Name,
    ParticipantType,
    ProvinceCode,
    Commune,
    ContactEmail,
    ModernTradeSince,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum RegistryCertificates {
    Table,
    Id,
    CertificateNo,
    ParticipantId,
    ProductNameVi,
    ProductNameEn,
    GroupCode,
    SubgroupCode,
    Stars,
    ProvinceCode,
    LegacyProvince,
    Commune,
    RecognitionDecisionNo,
    RecognizedOn,
    ExpiresOn,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RegistryImports {
    Table,
    Id,
    FileName,
    Sha256,
    ImportedBy,
    Rows,
    CertificatesInserted,
    CertificatesUpdated,
    CertificatesUnchanged,
    ParticipantsInserted,
    ParticipantsUpdated,
    ListingsDelisted,
    ImportedAt,
}
