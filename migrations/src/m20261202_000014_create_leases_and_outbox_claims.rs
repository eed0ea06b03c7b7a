//! Work that must happen on one app instance at a time, and outbox entries fenced by their
//! claim.
//!
//! - `leases`: named, expiring locks (the search writer, the search rebuild, the embedded
//!   index's owner). Whoever holds one proves it with a random `token`; expiry is read from
//!   the database's clock, so app instances with skewed clocks agree.
//! - `outbox.claim_token`: set when a worker claims an entry. Completing, failing or renewing
//!   an entry needs the same token, so a worker that was paused past its lease can neither
//!   mark another worker's claim done nor send a message that was claimed again.
//! - An index on `rate_limits.window_start_ms`, for purging old windows.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Leases::Table)
                    .col(string(Leases::Name).primary_key())
                    .col(string_null(Leases::Token))
                    .col(text_null(Leases::Holder))
                    .col(big_integer(Leases::ExpiresAtMs).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(string_null(Outbox::ClaimToken))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rate_limits_window")
                    .table(RateLimits::Table)
                    .col(RateLimits::WindowStartMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_rate_limits_window")
                    .table(RateLimits::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::ClaimToken)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Leases::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Leases {
    Table,
    Name,
    Token,
    Holder,
    ExpiresAtMs,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    ClaimToken,
}

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    WindowStartMs,
}
