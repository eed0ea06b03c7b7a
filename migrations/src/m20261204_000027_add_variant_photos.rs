//! A pack size may show one of its listing's photos (`listing_variants.photo_id`; deleting the
//! photo clears it).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ListingVariants::Table)
                    .add_column(big_integer_null(ListingVariants::PhotoId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ListingVariants::Table)
                    .drop_column(ListingVariants::PhotoId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ListingVariants {
    Table,
    PhotoId,
}
