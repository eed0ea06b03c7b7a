//! Verified-buyer reviews: one per order line of a delivered order, a rating of 1 to 5, a text
//! and up to three photos; the seller's one reply; reports of abusive reviews, which an officer
//! of the product's province hides or dismisses. `listings.rating_count` and `rating_total`
//! hold the shown reviews' figures, kept in the transaction of every change.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Listings::RatingCount, Listings::RatingTotal] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Listings::Table)
                        .add_column(integer(column).default(0))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .col(big_pk_auto(Reviews::Id))
                    .col(uuid_uniq(Reviews::Pid))
                    .col(big_integer(Reviews::ListingId))
                    // One review per order line.
                    .col(big_integer_uniq(Reviews::OrderItemId))
                    .col(small_integer(Reviews::Rating))
                    .col(text(Reviews::Body))
                    // "Lan N.": the buyer's given name and family initial.
                    .col(string(Reviews::AuthorName))
                    .col(big_integer_null(Reviews::UserId))
                    .col(text_null(Reviews::Reply))
                    .col(big_integer_null(Reviews::RepliedBy))
                    .col(timestamp_with_time_zone_null(Reviews::RepliedAt))
                    .col(boolean(Reviews::Hidden).default(false))
                    .col(string_null(Reviews::HiddenReason))
                    .col(big_integer_null(Reviews::HiddenBy))
                    .col(timestamp_with_time_zone_null(Reviews::HiddenAt))
                    .col(timestamp_with_time_zone(Reviews::CreatedAt))
                    .col(timestamp_with_time_zone(Reviews::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviews::Table, Reviews::ListingId)
                            .to(Listings::Table, Listings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviews::Table, Reviews::OrderItemId)
                            .to(OrderItems::Table, OrderItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_reviews_listing")
                    .table(Reviews::Table)
                    .col(Reviews::ListingId)
                    .col(Reviews::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReviewPhotos::Table)
                    .col(big_pk_auto(ReviewPhotos::Id))
                    .col(big_integer(ReviewPhotos::ReviewId))
                    .col(string(ReviewPhotos::Digest))
                    .col(integer(ReviewPhotos::Width))
                    .col(integer(ReviewPhotos::Height))
                    .col(integer(ReviewPhotos::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewPhotos::Table, ReviewPhotos::ReviewId)
                            .to(Reviews::Table, Reviews::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_review_photos_review")
                    .table(ReviewPhotos::Table)
                    .col(ReviewPhotos::ReviewId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReviewReports::Table)
                    .col(big_pk_auto(ReviewReports::Id))
                    .col(big_integer(ReviewReports::ReviewId))
                    .col(big_integer(ReviewReports::ReportedBy))
                    .col(string(ReviewReports::Reason))
                    .col(timestamp_with_time_zone(ReviewReports::CreatedAt))
                    // hidden or kept, by an officer.
                    .col(string_null(ReviewReports::Outcome))
                    .col(big_integer_null(ReviewReports::ResolvedBy))
                    .col(timestamp_with_time_zone_null(ReviewReports::ResolvedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewReports::Table, ReviewReports::ReviewId)
                            .to(Reviews::Table, Reviews::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_review_reports_once")
                    .table(ReviewReports::Table)
                    .col(ReviewReports::ReviewId)
                    .col(ReviewReports::ReportedBy)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ReviewReports::Table.into_iden(),
            ReviewPhotos::Table.into_iden(),
            Reviews::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [Listings::RatingTotal, Listings::RatingCount] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Listings::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
    RatingCount,
    RatingTotal,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    Pid,
    ListingId,
    OrderItemId,
    Rating,
    Body,
    AuthorName,
    UserId,
    Reply,
    RepliedBy,
    RepliedAt,
    Hidden,
    HiddenReason,
    HiddenBy,
    HiddenAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReviewPhotos {
    Table,
    Id,
    ReviewId,
    Digest,
    Width,
    Height,
    Position,
}

#[derive(DeriveIden)]
enum ReviewReports {
    Table,
    Id,
    ReviewId,
    ReportedBy,
    Reason,
    CreatedAt,
    Outcome,
    ResolvedBy,
    ResolvedAt,
}
