//! The settlement ledger: every đồng the platform collects for a seller (card payments through
//! Stripe) as signed entries — the sale, Stripe's fee, the platform's commission, refunds and
//! the commission they give back, and the VAT and personal income tax withheld for household
//! sellers at the period's settlement — and the payouts that pay each seller its balance.
//! Each entry has a unique `dedup_key`, so recording the same fact twice records it once.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Settlements::Table)
                    .col(big_pk_auto(Settlements::Id))
                    // `YYYY-MM`, a month in Vietnam's time.
                    .col(string_uniq(Settlements::Period))
                    .col(timestamp_with_time_zone(Settlements::SettledAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Payouts::Table)
                    .col(big_pk_auto(Payouts::Id))
                    .col(uuid_uniq(Payouts::Pid))
                    // `TT` and 8 characters: the transfer's message, matched by the bank.
                    .col(string_uniq(Payouts::Code))
                    .col(big_integer(Payouts::SellerId))
                    .col(string(Payouts::Period))
                    .col(big_integer(Payouts::AmountVnd))
                    .col(string(Payouts::BankBin))
                    .col(string(Payouts::AccountNo))
                    .col(string(Payouts::AccountName))
                    // `pending` or `paid`.
                    .col(string(Payouts::State))
                    // `bank` or `confirmed` (by an administrator).
                    .col(string_null(Payouts::PaidBy))
                    .col(timestamp_with_time_zone_null(Payouts::PaidAt))
                    .col(timestamp_with_time_zone(Payouts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Payouts::Table, Payouts::SellerId)
                            .to(Sellers::Table, Sellers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_payouts_seller_period")
                    .table(Payouts::Table)
                    .col(Payouts::SellerId)
                    .col(Payouts::Period)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerEntries::Table)
                    .col(big_pk_auto(LedgerEntries::Id))
                    .col(big_integer(LedgerEntries::SellerId))
                    .col(big_integer_null(LedgerEntries::OrderId))
                    .col(big_integer_null(LedgerEntries::RefundId))
                    .col(big_integer_null(LedgerEntries::PayoutId))
                    // sale, stripe_fee, commission, refund, commission_back, vat, pit
                    .col(string(LedgerEntries::Kind))
                    // Signed: what it adds to (or takes from) the seller's balance.
                    .col(big_integer(LedgerEntries::AmountVnd))
                    // The goods amount a commission or a tax was worked out on.
                    .col(big_integer(LedgerEntries::BaseVnd))
                    // The rate it was worked out at, in hundredths of a percent.
                    .col(integer(LedgerEntries::RateBps))
                    // `YYYY-MM` of `occurred_at` in Vietnam's time.
                    .col(string(LedgerEntries::Period))
                    .col(string_uniq(LedgerEntries::DedupKey))
                    .col(timestamp_with_time_zone(LedgerEntries::OccurredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LedgerEntries::Table, LedgerEntries::SellerId)
                            .to(Sellers::Table, Sellers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LedgerEntries::Table, LedgerEntries::PayoutId)
                            .to(Payouts::Table, Payouts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ledger_seller_period")
                    .table(LedgerEntries::Table)
                    .col(LedgerEntries::SellerId)
                    .col(LedgerEntries::Period)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LedgerEntries::Table.into_iden(),
            Payouts::Table.into_iden(),
            Settlements::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Sellers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Settlements {
    Table,
    Id,
    Period,
    SettledAt,
}

#[derive(DeriveIden)]
enum Payouts {
    Table,
    Id,
    Pid,
    Code,
    SellerId,
    Period,
    AmountVnd,
    BankBin,
    AccountNo,
    AccountName,
    State,
    PaidBy,
    PaidAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Id,
    SellerId,
    OrderId,
    RefundId,
    PayoutId,
    Kind,
    AmountVnd,
    BaseVnd,
    RateBps,
    Period,
    DedupKey,
    OccurredAt,
}
