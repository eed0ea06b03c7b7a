//! Other modern-trade channels a seller declares (supermarket and convenience chains,
//! e-commerce platforms, export), with evidence, for its province's officers to verify: a
//! verified declaration counts its participant in the modern-trade indicator from the day it
//! says the selling began until `valid_until` (twelve months after the verification). A renewal
//! is a new declaration naming the one it renews, so every verified window stays as decided.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChannelDeclarations::Table)
                    .col(big_pk_auto(ChannelDeclarations::Id))
                    .col(uuid_uniq(ChannelDeclarations::Pid))
                    .col(big_integer(ChannelDeclarations::SellerId))
                    // The seller's registry participant: whom the indicator counts.
                    .col(big_integer(ChannelDeclarations::ParticipantId))
                    // The participant's province: whose officers decide.
                    .col(string(ChannelDeclarations::ProvinceCode))
                    // supermarket_chain, convenience_chain, ecommerce_platform, export.
                    .col(string(ChannelDeclarations::Kind))
                    .col(string(ChannelDeclarations::ChannelName))
                    // The first day of selling there, as declared.
                    .col(date(ChannelDeclarations::Since))
                    .col(string_null(ChannelDeclarations::EvidenceUrl))
                    // A photo or scan of a contract or invoice, through the photo pipeline.
                    .col(string_null(ChannelDeclarations::EvidenceDigest))
                    .col(integer_null(ChannelDeclarations::EvidenceWidth))
                    .col(integer_null(ChannelDeclarations::EvidenceHeight))
                    // The declaration this one renews.
                    .col(big_integer_null(ChannelDeclarations::RenewsId))
                    // pending, verified, rejected.
                    .col(string(ChannelDeclarations::State))
                    .col(text_null(ChannelDeclarations::Reason))
                    .col(big_integer_null(ChannelDeclarations::DecidedBy))
                    .col(timestamp_with_time_zone_null(
                        ChannelDeclarations::DecidedAt,
                    ))
                    // Counts until the day before (verified only).
                    .col(date_null(ChannelDeclarations::ValidUntil))
                    .col(big_integer(ChannelDeclarations::DeclaredBy))
                    .col(timestamp_with_time_zone(ChannelDeclarations::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelDeclarations::Table, ChannelDeclarations::SellerId)
                            .to(Sellers::Table, Sellers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ChannelDeclarations::Table,
                                ChannelDeclarations::ParticipantId,
                            )
                            .to(RegistryParticipants::Table, RegistryParticipants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelDeclarations::Table, ChannelDeclarations::RenewsId)
                            .to(ChannelDeclarations::Table, ChannelDeclarations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The indicator's probe: a participant's verified windows.
        manager
            .create_index(
                Index::create()
                    .name("ix_channel_declarations_participant")
                    .table(ChannelDeclarations::Table)
                    .col(ChannelDeclarations::ParticipantId)
                    .col(ChannelDeclarations::State)
                    .col(ChannelDeclarations::ValidUntil)
                    .to_owned(),
            )
            .await?;
        // The officers' queue.
        manager
            .create_index(
                Index::create()
                    .name("ix_channel_declarations_queue")
                    .table(ChannelDeclarations::Table)
                    .col(ChannelDeclarations::ProvinceCode)
                    .col(ChannelDeclarations::State)
                    .col(ChannelDeclarations::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_channel_declarations_seller")
                    .table(ChannelDeclarations::Table)
                    .col(ChannelDeclarations::SellerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ChannelDeclarations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Sellers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RegistryParticipants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ChannelDeclarations {
    Table,
    Id,
    Pid,
    SellerId,
    ParticipantId,
    ProvinceCode,
    Kind,
    ChannelName,
    Since,
    EvidenceUrl,
    EvidenceDigest,
    EvidenceWidth,
    EvidenceHeight,
    RenewsId,
    State,
    Reason,
    DecidedBy,
    DecidedAt,
    ValidUntil,
    DeclaredBy,
    CreatedAt,
}
