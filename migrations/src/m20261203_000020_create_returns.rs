//! Returns asked by shoppers after delivery: which units (per order line), why, with photos;
//! the seller's or the province officer's decision; and on acceptance the units taken back
//! (restocked or written off) and refunded. `order_items.return_asked_qty` counts the units
//! asked back (each unit once, even under racing requests); `returned_qty` those accepted,
//! which sell-through leaves out.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OrderItems::Table)
                    .add_column(integer(OrderItems::ReturnAskedQty).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OrderItems::Table)
                    .add_column(integer(OrderItems::ReturnedQty).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Returns::Table)
                    .col(big_pk_auto(Returns::Id))
                    .col(uuid_uniq(Returns::Pid))
                    // `TH` and 8 characters, quoted between shopper, seller and officer.
                    .col(string_uniq(Returns::Code))
                    .col(big_integer(Returns::OrderId))
                    // requested, accepted, refused, disputed or rejected.
                    .col(string(Returns::State))
                    .col(string(Returns::Reason))
                    // The goods' value of the units asked back.
                    .col(big_integer(Returns::AmountVnd))
                    // restock or write_off, once accepted.
                    .col(string_null(Returns::Disposition))
                    .col(string_null(Returns::RefusalReason))
                    .col(string_null(Returns::DisputeReason))
                    .col(string_null(Returns::Decision))
                    // Where a transfer refund goes (orders not paid by card).
                    .col(string_null(Returns::BankBin))
                    .col(string_null(Returns::AccountNo))
                    .col(string_null(Returns::AccountName))
                    .col(big_integer_null(Returns::RefundId))
                    .col(big_integer_null(Returns::RequestedBy))
                    .col(big_integer_null(Returns::DecidedBy))
                    .col(timestamp_with_time_zone(Returns::CreatedAt))
                    .col(timestamp_with_time_zone_null(Returns::DisputedAt))
                    .col(timestamp_with_time_zone_null(Returns::DecidedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Returns::Table, Returns::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_returns_order")
                    .table(Returns::Table)
                    .col(Returns::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_returns_state")
                    .table(Returns::Table)
                    .col(Returns::State)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReturnItems::Table)
                    .col(big_pk_auto(ReturnItems::Id))
                    .col(big_integer(ReturnItems::ReturnId))
                    .col(big_integer(ReturnItems::OrderItemId))
                    .col(integer(ReturnItems::Quantity))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReturnItems::Table, ReturnItems::ReturnId)
                            .to(Returns::Table, Returns::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReturnItems::Table, ReturnItems::OrderItemId)
                            .to(OrderItems::Table, OrderItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_return_items_return")
                    .table(ReturnItems::Table)
                    .col(ReturnItems::ReturnId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReturnPhotos::Table)
                    .col(big_pk_auto(ReturnPhotos::Id))
                    .col(big_integer(ReturnPhotos::ReturnId))
                    // The photo pipeline's content digest (its storage keys).
                    .col(string(ReturnPhotos::Digest))
                    .col(integer(ReturnPhotos::Width))
                    .col(integer(ReturnPhotos::Height))
                    .col(integer(ReturnPhotos::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReturnPhotos::Table, ReturnPhotos::ReturnId)
                            .to(Returns::Table, Returns::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_return_photos_return")
                    .table(ReturnPhotos::Table)
                    .col(ReturnPhotos::ReturnId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ReturnPhotos::Table.into_iden(),
            ReturnItems::Table.into_iden(),
            Returns::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [OrderItems::ReturnedQty, OrderItems::ReturnAskedQty] {
            manager
                .alter_table(
                    Table::alter()
                        .table(OrderItems::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
    ReturnAskedQty,
    ReturnedQty,
}

#[derive(DeriveIden)]
enum Returns {
    Table,
    Id,
    Pid,
    Code,
    OrderId,
    State,
    Reason,
    AmountVnd,
    Disposition,
    RefusalReason,
    DisputeReason,
    Decision,
    BankBin,
    AccountNo,
    AccountName,
    RefundId,
    RequestedBy,
    DecidedBy,
    CreatedAt,
    DisputedAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum ReturnItems {
    Table,
    Id,
    ReturnId,
    OrderItemId,
    Quantity,
}

#[derive(DeriveIden)]
enum ReturnPhotos {
    Table,
    Id,
    ReturnId,
    Digest,
    Width,
    Height,
    Position,
}
