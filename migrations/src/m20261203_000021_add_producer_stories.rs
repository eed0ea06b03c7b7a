//! Producer pages: the story a seller tells about its producer (Vietnamese and English) and
//! the producer's photos, stored by the photo pipeline under their content digest.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Sellers::StoryVi, Sellers::StoryEn] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Sellers::Table)
                        .add_column(text_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ProducerPhotos::Table)
                    .col(big_pk_auto(ProducerPhotos::Id))
                    .col(big_integer(ProducerPhotos::SellerId))
                    .col(string(ProducerPhotos::Digest))
                    .col(integer(ProducerPhotos::Width))
                    .col(integer(ProducerPhotos::Height))
                    .col(integer(ProducerPhotos::Position))
                    .col(timestamp_with_time_zone(ProducerPhotos::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProducerPhotos::Table, ProducerPhotos::SellerId)
                            .to(Sellers::Table, Sellers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_producer_photos_seller")
                    .table(ProducerPhotos::Table)
                    .col(ProducerPhotos::SellerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProducerPhotos::Table).to_owned())
            .await?;
        for column in [Sellers::StoryEn, Sellers::StoryVi] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Sellers::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Sellers {
    Table,
    Id,
    StoryVi,
    StoryEn,
}

#[derive(DeriveIden)]
enum ProducerPhotos {
    Table,
    Id,
    SellerId,
    Digest,
    Width,
    Height,
    Position,
    CreatedAt,
}
