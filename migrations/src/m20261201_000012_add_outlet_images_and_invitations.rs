//! Provincial outlets get a logo and a banner (content-addressed photo keys and their variant
//! widths), and administrators invite staff by e-mail: an invitation holds a hashed one-time
//! token and is accepted by the account with that e-mail.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for column in [
            string_null(Outlets::LogoKey),
            string(Outlets::LogoVariants).default("").to_owned(),
            string_null(Outlets::BannerKey),
            string(Outlets::BannerVariants).default("").to_owned(),
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
            .create_table(
                Table::create()
                    .table(OutletInvitations::Table)
                    .col(big_pk_auto(OutletInvitations::Id))
                    .col(big_integer(OutletInvitations::OutletId))
                    .col(string(OutletInvitations::Email))
                    .col(string_uniq(OutletInvitations::TokenHash))
                    .col(big_integer_null(OutletInvitations::InvitedBy))
                    .col(timestamp_with_time_zone(OutletInvitations::CreatedAt))
                    .col(timestamp_with_time_zone(OutletInvitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OutletInvitations::AcceptedAt))
                    .col(big_integer_null(OutletInvitations::AcceptedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OutletInvitations::Table, OutletInvitations::OutletId)
                            .to(Outlets::Table, Outlets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outlet_invitations_outlet")
                    .table(OutletInvitations::Table)
                    .col(OutletInvitations::OutletId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutletInvitations::Table).to_owned())
            .await?;
        for column in [
            Outlets::LogoKey,
            Outlets::LogoVariants,
            Outlets::BannerKey,
            Outlets::BannerVariants,
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
    LogoKey,
    LogoVariants,
    BannerKey,
    BannerVariants,
}

#[derive(DeriveIden)]
enum OutletInvitations {
    Table,
    Id,
    OutletId,
    Email,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
    AcceptedBy,
}
