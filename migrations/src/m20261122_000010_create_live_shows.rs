//! Livestream selling: a seller's live show (platform, stream address, schedule, state, the
//! product pinned right now) and the listings linked to it in order, each with the short code
//! of its share link (`/l/{code}`) and a count of the link's clicks.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LiveShows::Table)
                    .col(big_pk_auto(LiveShows::Id))
                    .col(uuid_uniq(LiveShows::Pid))
                    .col(big_integer(LiveShows::SellerId))
                    .col(string(LiveShows::Title))
                    // facebook | tiktok | youtube | zalo | other
                    .col(string(LiveShows::Platform))
                    .col(string(LiveShows::StreamUrl))
                    .col(timestamp_with_time_zone(LiveShows::ScheduledAt))
                    // scheduled | live | ended
                    .col(string(LiveShows::State))
                    .col(timestamp_with_time_zone_null(LiveShows::StartedAt))
                    .col(timestamp_with_time_zone_null(LiveShows::EndedAt))
                    .col(big_integer_null(LiveShows::PinnedListingId))
                    // Changes with every pin: live pages compare it to know something moved.
                    .col(big_integer(LiveShows::PinVersion).default(0))
                    .col(timestamp_with_time_zone(LiveShows::CreatedAt))
                    .col(timestamp_with_time_zone(LiveShows::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LiveShows::Table, LiveShows::SellerId)
                            .to(Sellers::Table, Sellers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_live_shows_state")
                    .table(LiveShows::Table)
                    .col(LiveShows::State)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LiveShowItems::Table)
                    .col(big_pk_auto(LiveShowItems::Id))
                    .col(big_integer(LiveShowItems::ShowId))
                    .col(big_integer(LiveShowItems::ListingId))
                    .col(integer(LiveShowItems::Position))
                    .col(string_uniq(LiveShowItems::Code))
                    .col(big_integer(LiveShowItems::Clicks).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LiveShowItems::Table, LiveShowItems::ShowId)
                            .to(LiveShows::Table, LiveShows::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LiveShowItems::Table, LiveShowItems::ListingId)
                            .to(Listings::Table, Listings::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_live_show_items")
                    .table(LiveShowItems::Table)
                    .col(LiveShowItems::ShowId)
                    .col(LiveShowItems::ListingId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_checkouts_live_show")
                    .table(Checkouts::Table)
                    .col(Checkouts::LiveShowId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_checkouts_live_show")
                    .table(Checkouts::Table)
                    .to_owned(),
            )
            .await?;
        for table in [
            LiveShowItems::Table.into_iden(),
            LiveShows::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum LiveShows {
    Table,
    Id,
    Pid,
    SellerId,
    Title,
    Platform,
    StreamUrl,
    ScheduledAt,
    State,
    StartedAt,
    EndedAt,
    PinnedListingId,
    PinVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LiveShowItems {
    Table,
    Id,
    ShowId,
    ListingId,
    Position,
    Code,
    Clicks,
}

#[derive(DeriveIden)]
enum Sellers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Checkouts {
    Table,
    LiveShowId,
}
