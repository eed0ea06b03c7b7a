//! Pack sizes: a listing may have up to 10 variants (200 g jar, 500 g jar, gift box), each
//! with its own label, price, stock and weight. A listing with variants keeps its `price_vnd`
//! at the lowest variant price and its `stock` at their sum, in the same transaction as every
//! change to them, so search, availability and sell-through keep reading the listing. A cart
//! line and an order line name the variant (`variant_id` 0 in a cart line: the listing has
//! none).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ListingVariants::Table)
                    .col(big_pk_auto(ListingVariants::Id))
                    .col(big_integer(ListingVariants::ListingId))
                    .col(string(ListingVariants::Label))
                    .col(big_integer(ListingVariants::PriceVnd))
                    .col(integer(ListingVariants::Stock))
                    .col(integer(ListingVariants::WeightGrams))
                    .col(integer(ListingVariants::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ListingVariants::Table, ListingVariants::ListingId)
                            .to(Listings::Table, Listings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_listing_variants_label")
                    .table(ListingVariants::Table)
                    .col(ListingVariants::ListingId)
                    .col(ListingVariants::Label)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CartItems::Table)
                    .add_column(big_integer(CartItems::VariantId).default(0))
                    .to_owned(),
            )
            .await?;
        // Plain SQL both databases read the same way.
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS uq_cart_items")
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_cart_items_size")
                    .table(CartItems::Table)
                    .col(CartItems::CartId)
                    .col(CartItems::ListingId)
                    .col(CartItems::VariantId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OrderItems::Table)
                    .add_column(big_integer_null(OrderItems::VariantId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OrderItems::Table)
                    .add_column(string_null(OrderItems::VariantLabel))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [OrderItems::VariantLabel, OrderItems::VariantId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(OrderItems::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS uq_cart_items_size")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CartItems::Table)
                    .drop_column(CartItems::VariantId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_cart_items")
                    .table(CartItems::Table)
                    .col(CartItems::CartId)
                    .col(CartItems::ListingId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ListingVariants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ListingVariants {
    Table,
    Id,
    ListingId,
    Label,
    PriceVnd,
    Stock,
    WeightGrams,
    Position,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CartItems {
    Table,
    CartId,
    ListingId,
    VariantId,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    VariantId,
    VariantLabel,
}
