//! Quality reports to the programme: a signed-in user reports a quality or certificate problem
//! on a product (with photos), and a review of one or two stars files one by itself. Each goes
//! to the officers of the product's province, who answer, ask the seller, or delist with a
//! reason; the reporter is told the outcome.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(QualityReports::Table)
                    .col(big_pk_auto(QualityReports::Id))
                    .col(uuid_uniq(QualityReports::Pid))
                    .col(big_integer(QualityReports::ListingId))
                    // The product's province when filed: whose officers see it.
                    .col(string(QualityReports::ProvinceCode))
                    // label, expired_stamp, food_safety, certificate, other; low_rating.
                    .col(string(QualityReports::Kind))
                    .col(text(QualityReports::Body))
                    .col(big_integer_null(QualityReports::ReporterId))
                    // Where the outcome is told (the order's address for a review).
                    .col(string_null(QualityReports::ReporterEmail))
                    .col(string(QualityReports::ReporterName))
                    // One report per review.
                    .col(big_integer_null(QualityReports::ReviewId).unique_key())
                    // open, asked_seller, seller_answered, answered, delisted.
                    .col(string(QualityReports::State))
                    .col(text_null(QualityReports::Question))
                    .col(text_null(QualityReports::SellerAnswer))
                    .col(timestamp_with_time_zone_null(
                        QualityReports::SellerAnsweredAt,
                    ))
                    .col(text_null(QualityReports::Outcome))
                    .col(big_integer_null(QualityReports::DecidedBy))
                    .col(timestamp_with_time_zone_null(QualityReports::DecidedAt))
                    .col(timestamp_with_time_zone(QualityReports::CreatedAt))
                    .col(timestamp_with_time_zone(QualityReports::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(QualityReports::Table, QualityReports::ListingId)
                            .to(Listings::Table, Listings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(QualityReports::Table, QualityReports::ReviewId)
                            .to(Reviews::Table, Reviews::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_quality_reports_queue")
                    .table(QualityReports::Table)
                    .col(QualityReports::ProvinceCode)
                    .col(QualityReports::State)
                    .col(QualityReports::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_quality_reports_listing")
                    .table(QualityReports::Table)
                    .col(QualityReports::ListingId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_quality_reports_reporter")
                    .table(QualityReports::Table)
                    .col(QualityReports::ReporterId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QualityReportPhotos::Table)
                    .col(big_pk_auto(QualityReportPhotos::Id))
                    .col(big_integer(QualityReportPhotos::ReportId))
                    .col(string(QualityReportPhotos::Digest))
                    .col(integer(QualityReportPhotos::Width))
                    .col(integer(QualityReportPhotos::Height))
                    .col(integer(QualityReportPhotos::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .from(QualityReportPhotos::Table, QualityReportPhotos::ReportId)
                            .to(QualityReports::Table, QualityReports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_quality_report_photos_report")
                    .table(QualityReportPhotos::Table)
                    .col(QualityReportPhotos::ReportId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            QualityReportPhotos::Table.into_iden(),
            QualityReports::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum QualityReports {
    Table,
    Id,
    Pid,
    ListingId,
    ProvinceCode,
    Kind,
    Body,
    ReporterId,
    ReporterEmail,
    ReporterName,
    ReviewId,
    State,
    Question,
    SellerAnswer,
    SellerAnsweredAt,
    Outcome,
    DecidedBy,
    DecidedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum QualityReportPhotos {
    Table,
    Id,
    ReportId,
    Digest,
    Width,
    Height,
    Position,
}
