//! Counters that tell every app instance something changed: `catalog` goes up each time the
//! outbox worker has applied listing changes to the search index, and the instances drop the
//! pages they cached from the catalog (see `jobs::versions`).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChangeCounters::Table)
                    .col(string(ChangeCounters::Name).primary_key())
                    .col(big_integer(ChangeCounters::Value).default(0))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert
            .into_table(ChangeCounters::Table)
            .columns([ChangeCounters::Name, ChangeCounters::Value])
            .values(["catalog".into(), 0.into()])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        manager.exec_stmt(insert.to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ChangeCounters::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ChangeCounters {
    Table,
    Name,
    Value,
}
