//! Payments and fulfilment: the checkout's language (for its e-mails), the deadline of an
//! unpaid online payment (its stock returns after it), the Stripe Checkout Session; when an
//! order was paid and why it was cancelled or refunded; and one row per payment notification
//! (a Stripe event, a bank transfer), unique per provider, so a replayed notification changes
//! nothing.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for column in [
            string(Checkouts::Lang).default("vi").to_owned(),
            timestamp_with_time_zone_null(Checkouts::ExpiresAt),
            string_null(Checkouts::StripeSessionId),
            // The site address the shopper used, for the links in later e-mails.
            string(Checkouts::Site).default("").to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Checkouts::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            timestamp_with_time_zone_null(Orders::PaidAt),
            text_null(Orders::Reason),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_checkouts_expires_at")
                    .table(Checkouts::Table)
                    .col(Checkouts::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_checkouts_stripe_session")
                    .table(Checkouts::Table)
                    .col(Checkouts::StripeSessionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PaymentEvents::Table)
                    .col(big_pk_auto(PaymentEvents::Id))
                    // stripe | bank
                    .col(string(PaymentEvents::Provider))
                    // The provider's id of the notification (a Stripe event id, a bank
                    // transaction id).
                    .col(string(PaymentEvents::EventId))
                    .col(string(PaymentEvents::Kind))
                    .col(big_integer_null(PaymentEvents::CheckoutId))
                    .col(big_integer_null(PaymentEvents::OrderId))
                    .col(big_integer_null(PaymentEvents::AmountVnd))
                    // paid | ignored | unmatched | late (paid after the order was cancelled)
                    .col(string(PaymentEvents::Outcome))
                    .col(timestamp_with_time_zone(PaymentEvents::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_payment_events")
                    .table(PaymentEvents::Table)
                    .col(PaymentEvents::Provider)
                    .col(PaymentEvents::EventId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PaymentEvents::Table).to_owned())
            .await?;
        for index in ["uq_checkouts_stripe_session", "idx_checkouts_expires_at"] {
            manager
                .drop_index(Index::drop().name(index).table(Checkouts::Table).to_owned())
                .await?;
        }
        for column in [Orders::PaidAt, Orders::Reason] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            Checkouts::Lang,
            Checkouts::ExpiresAt,
            Checkouts::StripeSessionId,
            Checkouts::Site,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Checkouts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Checkouts {
    Table,
    Lang,
    ExpiresAt,
    StripeSessionId,
    Site,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    PaidAt,
    Reason,
}

#[derive(DeriveIden)]
enum PaymentEvents {
    Table,
    Id,
    Provider,
    EventId,
    Kind,
    CheckoutId,
    OrderId,
    AmountVnd,
    Outcome,
    ReceivedAt,
}
