//! The catalog: sellers (one per registry participant) and their listings. A listing always
//! sells one registry certificate; stars, group and province are read from the certificate.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_registry_tables::{RegistryCertificates, RegistryParticipants};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sellers::Table)
                    .col(big_pk_auto(Sellers::Id))
                    .col(uuid_uniq(Sellers::Pid))
                    .col(big_integer_uniq(Sellers::ParticipantId))
                    .col(string_uniq(Sellers::Slug))
                    .col(string(Sellers::DisplayName))
                    // pending | active | suspended
                    .col(string(Sellers::State))
                    .col(string_null(Sellers::StateReason))
                    // Bank account for VietQR transfers (issue 6).
                    .col(string_null(Sellers::BankBin))
                    .col(string_null(Sellers::BankAccountNo))
                    .col(string_null(Sellers::BankAccountName))
                    .col(timestamp_with_time_zone_null(Sellers::VerifiedAt))
                    .col(timestamp_with_time_zone(Sellers::CreatedAt))
                    .col(timestamp_with_time_zone(Sellers::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sellers::Table, Sellers::ParticipantId)
                            .to(RegistryParticipants::Table, RegistryParticipants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Listings::Table)
                    .col(big_pk_auto(Listings::Id))
                    .col(uuid_uniq(Listings::Pid))
                    .col(big_integer(Listings::SellerId))
                    // One listing per certificate: a certificate is one product of one participant.
                    .col(big_integer_uniq(Listings::CertificateId))
                    .col(string_uniq(Listings::Slug))
                    .col(big_integer(Listings::PriceVnd))
                    .col(char_len(Listings::Currency, 3).default("VND"))
                    .col(integer(Listings::Stock))
                    .col(string(Listings::Unit))
                    .col(integer(Listings::WeightGrams))
                    .col(text(Listings::DescriptionVi))
                    .col(text(Listings::DescriptionEn))
                    // draft | published | paused | delisted
                    .col(string(Listings::State))
                    .col(string_null(Listings::StateReason))
                    .col(timestamp_with_time_zone_null(Listings::PublishedAt))
                    .col(timestamp_with_time_zone(Listings::CreatedAt))
                    .col(timestamp_with_time_zone(Listings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Listings::Table, Listings::SellerId)
                            .to(Sellers::Table, Sellers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Listings::Table, Listings::CertificateId)
                            .to(RegistryCertificates::Table, RegistryCertificates::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_listings_seller", Listings::SellerId),
            ("idx_listings_state", Listings::State),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Listings::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ListingPhotos::Table)
                    .col(big_pk_auto(ListingPhotos::Id))
                    .col(big_integer(ListingPhotos::ListingId))
                    .col(integer(ListingPhotos::Position))
                    // Key in the media store; resized variants derive their keys from it.
                    .col(string(ListingPhotos::StorageKey))
                    .col(string(ListingPhotos::AltVi))
                    .col(string(ListingPhotos::AltEn))
                    .col(timestamp_with_time_zone(ListingPhotos::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ListingPhotos::Table, ListingPhotos::ListingId)
                            .to(Listings::Table, Listings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_listing_photos_listing")
                    .table(ListingPhotos::Table)
                    .col(ListingPhotos::ListingId)
                    .col(ListingPhotos::Position)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ListingPhotos::Table.into_iden(),
            Listings::Table.into_iden(),
            Sellers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Sellers {
    Table,
    Id,
    Pid,
    ParticipantId,
    Slug,
    DisplayName,
    State,
    StateReason,
    BankBin,
    BankAccountNo,
    BankAccountName,
    VerifiedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
    Pid,
    SellerId,
    CertificateId,
    Slug,
    PriceVnd,
    Currency,
    Stock,
    Unit,
    WeightGrams,
    DescriptionVi,
    DescriptionEn,
    State,
    StateReason,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ListingPhotos {
    Table,
    Id,
    ListingId,
    Position,
    StorageKey,
    AltVi,
    AltEn,
    CreatedAt,
}
