//! Sell-through and the modern-trade indicator count completed sales: an order is completed
//! when it is delivered, or paid and neither cancelled nor refunded. `completed_at` is when it
//! first became so; the indexes let the database answer per-period questions without
//! reading every order.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(timestamp_with_time_zone_null(Orders::CompletedAt))
                    .to_owned(),
            )
            .await?;
        // Orders completed before this migration: paid ones when they were paid, delivered
        // unpaid ones when they last changed (their delivery).
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE orders SET completed_at = COALESCE(paid_at, updated_at) \
                 WHERE state = 'delivered' \
                    OR (payment_state = 'paid' AND state IN ('placed', 'confirmed', 'shipped'))",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_orders_completed")
                    .table(Orders::Table)
                    .col(Orders::CompletedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_orders_seller_completed")
                    .table(Orders::Table)
                    .col(Orders::SellerId)
                    .col(Orders::CompletedAt)
                    .to_owned(),
            )
            .await?;
        // Orders placed after a period (their units were on hand at its end).
        manager
            .create_index(
                Index::create()
                    .name("idx_orders_created")
                    .table(Orders::Table)
                    .col(Orders::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // Units of a listing ordered after a period (its stock at the period's end).
        manager
            .create_index(
                Index::create()
                    .name("idx_order_items_listing")
                    .table(OrderItems::Table)
                    .col(OrderItems::ListingId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_order_items_listing")
                    .table(OrderItems::Table)
                    .to_owned(),
            )
            .await?;
        for name in [
            "idx_orders_created",
            "idx_orders_seller_completed",
            "idx_orders_completed",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Orders::Table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .drop_column(Orders::CompletedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    SellerId,
    CreatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    ListingId,
}
