//! Delivery: sellers' pick-up addresses and outlets' communes on the 2025 map; each seller's
//! table rates (weight band × zone) and free-shipping threshold, and the carrier it books with
//! (the built-in table, GHN or GHTK with its own account token); each order's shipping fee and
//! the carrier that quoted it; the carriers' status updates as the shopper's tracking history.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for column in [
            string_null(Sellers::PickupProvinceCode),
            string_null(Sellers::PickupCommune),
            string_null(Sellers::PickupStreet),
            string_null(Sellers::PickupPhone),
            big_integer_null(Sellers::FreeShippingOverVnd),
            // table | ghn | ghtk
            string(Sellers::Carrier).default("table").to_owned(),
            string_null(Sellers::CarrierToken),
            string_null(Sellers::CarrierShopId),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Sellers::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Outlets::Table)
                    .add_column(string_null(Outlets::Commune))
                    .to_owned(),
            )
            .await?;
        for column in [
            big_integer(Orders::ShippingVnd).default(0).to_owned(),
            // table | ghn | ghtk | pickup: who priced the delivery.
            string(Orders::ShippingService).default("table").to_owned(),
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
        manager
            .create_table(
                Table::create()
                    .table(ShippingRates::Table)
                    .col(big_pk_auto(ShippingRates::Id))
                    .col(big_integer(ShippingRates::SellerId))
                    // The band holds parcels up to this weight (and above the band before it).
                    .col(integer(ShippingRates::MaxGrams))
                    .col(big_integer(ShippingRates::SameProvinceVnd))
                    .col(big_integer(ShippingRates::SameRegionVnd))
                    .col(big_integer(ShippingRates::ElsewhereVnd))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShippingRates::Table, ShippingRates::SellerId)
                            .to(Sellers::Table, Sellers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_shipping_rates_band")
                    .table(ShippingRates::Table)
                    .col(ShippingRates::SellerId)
                    .col(ShippingRates::MaxGrams)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ShipmentEvents::Table)
                    .col(big_pk_auto(ShipmentEvents::Id))
                    .col(big_integer(ShipmentEvents::OrderId))
                    .col(string(ShipmentEvents::Carrier))
                    // The carrier's own status name or number.
                    .col(string(ShipmentEvents::Status))
                    .col(string_null(ShipmentEvents::Note))
                    .col(timestamp_with_time_zone(ShipmentEvents::HappenedAt))
                    .col(timestamp_with_time_zone(ShipmentEvents::ReceivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShipmentEvents::Table, ShipmentEvents::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A status update delivered twice is recorded once.
        manager
            .create_index(
                Index::create()
                    .name("uq_shipment_events")
                    .table(ShipmentEvents::Table)
                    .col(ShipmentEvents::OrderId)
                    .col(ShipmentEvents::Status)
                    .col(ShipmentEvents::HappenedAt)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ShipmentEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ShippingRates::Table).to_owned())
            .await?;
        for column in [Orders::ShippingVnd, Orders::ShippingService] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Outlets::Table)
                    .drop_column(Outlets::Commune)
                    .to_owned(),
            )
            .await?;
        for column in [
            Sellers::PickupProvinceCode,
            Sellers::PickupCommune,
            Sellers::PickupStreet,
            Sellers::PickupPhone,
            Sellers::FreeShippingOverVnd,
            Sellers::Carrier,
            Sellers::CarrierToken,
            Sellers::CarrierShopId,
        ] {
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
    PickupProvinceCode,
    PickupCommune,
    PickupStreet,
    PickupPhone,
    FreeShippingOverVnd,
    Carrier,
    CarrierToken,
    CarrierShopId,
}

#[derive(DeriveIden)]
enum Outlets {
    Table,
    Commune,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    ShippingVnd,
    ShippingService,
}

#[derive(DeriveIden)]
enum ShippingRates {
    Table,
    Id,
    SellerId,
    MaxGrams,
    SameProvinceVnd,
    SameRegionVnd,
    ElsewhereVnd,
}

#[derive(DeriveIden)]
enum ShipmentEvents {
    Table,
    Id,
    OrderId,
    Carrier,
    Status,
    Note,
    HappenedAt,
    ReceivedAt,
}
