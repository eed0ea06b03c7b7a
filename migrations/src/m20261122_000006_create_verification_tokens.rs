//! One-time tokens sent by e-mail (e-mail verification now; password reset and seller
//! onboarding codes later). Only a SHA-256 of the token is stored.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(VerificationTokens::Table)
                    .col(big_pk_auto(VerificationTokens::Id))
                    .col(big_integer(VerificationTokens::UserId))
                    // verify_email | …
                    .col(string(VerificationTokens::Purpose))
                    .col(string_uniq(VerificationTokens::TokenHash))
                    .col(timestamp_with_time_zone(VerificationTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(VerificationTokens::UsedAt))
                    .col(timestamp_with_time_zone(VerificationTokens::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(VerificationTokens::Table, VerificationTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(VerificationTokens::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum VerificationTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
