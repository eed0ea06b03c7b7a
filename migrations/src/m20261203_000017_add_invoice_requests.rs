//! VAT invoices: a shopper may ask for one at checkout (the buyer's company, tax code and
//! address); the seller records the e-invoice it issued (its number and link) on the order.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for column in [
            string_null(Checkouts::InvoiceCompany),
            string_null(Checkouts::InvoiceTaxCode),
            string_null(Checkouts::InvoiceAddress),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Checkouts::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            string_null(Orders::InvoiceNo),
            string_null(Orders::InvoiceUrl),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Orders::InvoiceNo, Orders::InvoiceUrl] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            Checkouts::InvoiceCompany,
            Checkouts::InvoiceTaxCode,
            Checkouts::InvoiceAddress,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Checkouts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Checkouts {
    Table,
    InvoiceCompany,
    InvoiceTaxCode,
    InvoiceAddress,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    InvoiceNo,
    InvoiceUrl,
}
