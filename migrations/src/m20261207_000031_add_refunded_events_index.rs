//! The latest refund at a glance: a partial index of the order events that moved an order to
//! `refunded` (a small share of all events, so it costs the other events' writes nothing). An
//! outlet's kept sales report is keyed by the newest of them, which this makes one index read
//! instead of a scan of every event (3 s at two million orders).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A partial index, written the same for SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS idx_order_events_refunded \
                 ON order_events (id) WHERE state = 'refunded'",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS idx_order_events_refunded")
            .await
            .map(|_| ())
    }
}
