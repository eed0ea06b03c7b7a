//! Refunds that move money: a card payment's through Stripe's refund API (the payment intent
//! is kept when the payment arrives), a transfer or cash payment's as the seller's obligation
//! to pay the shopper's bank account. `orders.refunded_vnd` holds what is refunded or being
//! refunded, so two refunds can never return more than the order's total.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Checkouts::Table)
                    .add_column(string_null(Checkouts::StripePaymentIntent))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(big_integer(Orders::RefundedVnd).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Refunds::Table)
                    .col(big_pk_auto(Refunds::Id))
                    .col(uuid_uniq(Refunds::Pid))
                    // `HT` and 8 characters: the transfer's message, matched by the bank.
                    .col(string_uniq(Refunds::Code))
                    .col(big_integer(Refunds::OrderId))
                    .col(big_integer(Refunds::AmountVnd))
                    .col(string(Refunds::Reason))
                    // `stripe` (the card is refunded) or `transfer` (the seller pays it).
                    .col(string(Refunds::Method))
                    // `pending`, `succeeded` or `failed`.
                    .col(string(Refunds::State))
                    // One per refund form: a second click is the same refund.
                    .col(string_uniq(Refunds::IdempotencyKey))
                    .col(string_null(Refunds::StripeRefundId).unique_key())
                    // The shopper's account a transfer refund is paid to.
                    .col(string_null(Refunds::BankBin))
                    .col(string_null(Refunds::AccountNo))
                    .col(string_null(Refunds::AccountName))
                    .col(string_null(Refunds::Failure))
                    .col(big_integer_null(Refunds::RequestedBy))
                    // `stripe`, `bank` or `confirmed` (by the seller).
                    .col(string_null(Refunds::SettledBy))
                    .col(timestamp_with_time_zone(Refunds::CreatedAt))
                    .col(timestamp_with_time_zone_null(Refunds::SettledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Refunds::Table, Refunds::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_refunds_order")
                    .table(Refunds::Table)
                    .col(Refunds::OrderId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Refunds::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .drop_column(Orders::RefundedVnd)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Checkouts::Table)
                    .drop_column(Checkouts::StripePaymentIntent)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Checkouts {
    Table,
    StripePaymentIntent,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    RefundedVnd,
}

#[derive(DeriveIden)]
enum Refunds {
    Table,
    Id,
    Pid,
    Code,
    OrderId,
    AmountVnd,
    Reason,
    Method,
    State,
    IdempotencyKey,
    StripeRefundId,
    BankBin,
    AccountNo,
    AccountName,
    Failure,
    RequestedBy,
    SettledBy,
    CreatedAt,
    SettledAt,
}
