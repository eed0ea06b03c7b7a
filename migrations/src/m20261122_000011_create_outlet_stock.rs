//! Provincial OCOP outlets run a storefront and a counter: their public profile (tagline,
//! address, opening hours, map link, brand colour), the products they carry from their
//! province with the stock they hold on consignment, and the outlet a counter sale was made at.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for column in [
            string(Outlets::Tagline).default("").to_owned(),
            string(Outlets::Address).default("").to_owned(),
            string(Outlets::OpeningHours).default("").to_owned(),
            string_null(Outlets::MapUrl),
            string(Outlets::Color).default("#1d6b3a").to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outlets::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Checkouts::Table)
                    .add_column(big_integer_null(Checkouts::OutletId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OutletListings::Table)
                    .col(big_pk_auto(OutletListings::Id))
                    .col(big_integer(OutletListings::OutletId))
                    .col(big_integer(OutletListings::ListingId))
                    // Units the outlet holds on consignment from the seller.
                    .col(integer(OutletListings::Stock).default(0))
                    .col(timestamp_with_time_zone(OutletListings::AddedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OutletListings::Table, OutletListings::OutletId)
                            .to(Outlets::Table, Outlets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OutletListings::Table, OutletListings::ListingId)
                            .to(Listings::Table, Listings::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_outlet_listings")
                    .table(OutletListings::Table)
                    .col(OutletListings::OutletId)
                    .col(OutletListings::ListingId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_checkouts_outlet")
                    .table(Checkouts::Table)
                    .col(Checkouts::OutletId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_checkouts_outlet")
                    .table(Checkouts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(OutletListings::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Checkouts::Table)
                    .drop_column(Checkouts::OutletId)
                    .to_owned(),
            )
            .await?;
        for column in [
            Outlets::Tagline,
            Outlets::Address,
            Outlets::OpeningHours,
            Outlets::MapUrl,
            Outlets::Color,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outlets::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Outlets {
    Table,
    Id,
    Tagline,
    Address,
    OpeningHours,
    MapUrl,
    Color,
}

#[derive(DeriveIden)]
enum OutletListings {
    Table,
    Id,
    OutletId,
    ListingId,
    Stock,
    AddedAt,
}

#[derive(DeriveIden)]
enum Checkouts {
    Table,
    OutletId,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
}
