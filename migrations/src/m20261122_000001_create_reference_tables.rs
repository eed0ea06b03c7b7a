//! Reference data: regions, the 34 current provinces, every name a province has been known by
//! (including the 63 former provinces), OCOP product groups and product sets.
//! Rows are synced from `seed/*.json` at start-up; the region mapping is configuration.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Regions::Table)
                    .col(string(Regions::Code).primary_key())
                    .col(string(Regions::NameVi))
                    .col(string(Regions::NameEn))
                    .col(integer(Regions::Position))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Provinces::Table)
                    .col(string(Provinces::Code).primary_key())
                    .col(string(Provinces::NameVi))
                    .col(string(Provinces::NameEn))
                    .col(string(Provinces::Kind))
                    .col(string(Provinces::RegionCode))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Provinces::Table, Provinces::RegionCode)
                            .to(Regions::Table, Regions::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProvinceNames::Table)
                    .col(string(ProvinceNames::NameKey).primary_key())
                    .col(string(ProvinceNames::Name))
                    .col(string(ProvinceNames::ProvinceCode))
                    .col(boolean(ProvinceNames::Legacy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProvinceNames::Table, ProvinceNames::ProvinceCode)
                            .to(Provinces::Table, Provinces::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProductGroups::Table)
                    .col(string(ProductGroups::Code).primary_key())
                    .col(string(ProductGroups::NameVi))
                    .col(string(ProductGroups::NameEn))
                    .col(integer(ProductGroups::Position))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProductSubgroups::Table)
                    .col(string(ProductSubgroups::Code).primary_key())
                    .col(string(ProductSubgroups::GroupCode))
                    .col(integer(ProductSubgroups::SetNo))
                    .col(string(ProductSubgroups::NameVi))
                    .col(string(ProductSubgroups::NameEn))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProductSubgroups::Table, ProductSubgroups::GroupCode)
                            .to(ProductGroups::Table, ProductGroups::Code),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProductSubgroups::Table.into_iden(),
            ProductGroups::Table.into_iden(),
            ProvinceNames::Table.into_iden(),
            Provinces::Table.into_iden(),
            Regions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Regions {
    Table,
    Code,
    NameVi,
    NameEn,
    Position,
}

#[derive(DeriveIden)]
pub enum Provinces {
    Table,
    Code,
    NameVi,
    NameEn,
    Kind,
    RegionCode,
}

#[derive(DeriveIden)]
enum ProvinceNames {
    Table,
    NameKey,
    Name,
    ProvinceCode,
    Legacy,
}

#[derive(DeriveIden)]
pub enum ProductGroups {
    Table,
    Code,
    NameVi,
    NameEn,
    Position,
}

#[derive(DeriveIden)]
pub enum ProductSubgroups {
    Table,
    Code,
    GroupCode,
    SetNo,
    NameVi,
    NameEn,
}
