//! Accounts: users (argon2 password hashes; a session epoch that signs every session out when
//! bumped) and fixed-window rate-limit counters shared by every app instance.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(uuid_uniq(Users::Pid))
                    // Lower-cased at the edge, so uniqueness is case-insensitive.
                    .col(string_uniq(Users::Email))
                    .col(string(Users::PasswordHash))
                    .col(string(Users::DisplayName))
                    .col(string_len(Users::Locale, 5).default("vi"))
                    .col(boolean(Users::IsAdmin).default(false))
                    .col(integer(Users::SessionEpoch).default(0))
                    .col(timestamp_with_time_zone_null(Users::EmailVerifiedAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    .col(string(RateLimits::Key).primary_key())
                    .col(big_integer(RateLimits::WindowStartMs))
                    .col(integer(RateLimits::Hits))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [RateLimits::Table.into_iden(), Users::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Pid,
    Email,
    PasswordHash,
    DisplayName,
    Locale,
    IsAdmin,
    SessionEpoch,
    EmailVerifiedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Key,
    WindowStartMs,
    Hits,
}
