//! Indexes a national catalog needs: an order's lines by the order (every sell-through,
//! indicator and order page joins them so, and without it SQLite built a temporary index over
//! every line for each such query: 20 s for the indicator at two million orders), and listings
//! newest first (the home page, the listings API and an outlet's candidates stop after a page
//! instead of sorting the catalog).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_order_items_order")
                    .table(OrderItems::Table)
                    .col(OrderItems::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_listings_published")
                    .table(Listings::Table)
                    .col(Listings::PublishedAt)
                    .col(Listings::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_listings_published")
                    .table(Listings::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_order_items_order")
                    .table(OrderItems::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    OrderId,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    PublishedAt,
    Id,
}
