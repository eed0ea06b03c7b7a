//! A signed-in shopper's saved delivery addresses (on the 2025 two-level map), one of them the
//! default the checkout starts from.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Addresses::Table)
                    .col(big_pk_auto(Addresses::Id))
                    .col(big_integer(Addresses::UserId))
                    .col(string(Addresses::Name))
                    .col(string(Addresses::Phone))
                    .col(string(Addresses::ProvinceCode))
                    // The commune's official name, as resolved when the address was saved.
                    .col(string(Addresses::Commune))
                    .col(string(Addresses::Street))
                    .col(boolean(Addresses::IsDefault))
                    .col(timestamp_with_time_zone(Addresses::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Addresses::Table, Addresses::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_addresses_user")
                    .table(Addresses::Table)
                    .col(Addresses::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Addresses::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Addresses {
    Table,
    Id,
    UserId,
    Name,
    Phone,
    ProvinceCode,
    Commune,
    Street,
    IsDefault,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
