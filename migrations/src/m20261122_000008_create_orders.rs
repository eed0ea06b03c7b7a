//! The money path: carts (a guest's, by a token in a signed cookie, or a user's), checkouts
//! (one purchase, one reference, one address and payment method, an idempotency key), one order
//! per seller with its items (prices copied at checkout) and its history.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Carts::Table)
                    .col(big_pk_auto(Carts::Id))
                    .col(uuid_uniq(Carts::Token))
                    .col(big_integer_null(Carts::UserId))
                    .col(timestamp_with_time_zone(Carts::CreatedAt))
                    .col(timestamp_with_time_zone(Carts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Carts::Table, Carts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CartItems::Table)
                    .col(big_pk_auto(CartItems::Id))
                    .col(big_integer(CartItems::CartId))
                    .col(big_integer(CartItems::ListingId))
                    .col(integer(CartItems::Quantity))
                    .col(timestamp_with_time_zone(CartItems::AddedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CartItems::Table, CartItems::CartId)
                            .to(Carts::Table, Carts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CartItems::Table, CartItems::ListingId)
                            .to(Listings::Table, Listings::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_cart_items")
                    .table(CartItems::Table)
                    .col(CartItems::CartId)
                    .col(CartItems::ListingId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Checkouts::Table)
                    .col(big_pk_auto(Checkouts::Id))
                    // Shown to the shopper: OV-XXXXXXXX.
                    .col(string_uniq(Checkouts::Reference))
                    // A retried submit with the same key returns the same checkout.
                    .col(string_uniq(Checkouts::IdempotencyKey))
                    .col(big_integer_null(Checkouts::UserId))
                    .col(string(Checkouts::Email))
                    .col(string(Checkouts::Name))
                    .col(string(Checkouts::Phone))
                    .col(string(Checkouts::ProvinceCode))
                    .col(string(Checkouts::Commune))
                    .col(string(Checkouts::Street))
                    // cod | stripe | vietqr
                    .col(string(Checkouts::PaymentMethod))
                    // web | outlet | livestream
                    .col(string(Checkouts::Channel))
                    .col(big_integer_null(Checkouts::LiveShowId))
                    .col(big_integer(Checkouts::TotalVnd))
                    // Secret part of the guest tracking link.
                    .col(uuid_uniq(Checkouts::TrackingToken))
                    .col(timestamp_with_time_zone(Checkouts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(big_pk_auto(Orders::Id))
                    .col(uuid_uniq(Orders::Pid))
                    .col(string_uniq(Orders::Code))
                    .col(big_integer(Orders::CheckoutId))
                    .col(big_integer(Orders::SellerId))
                    // placed | confirmed | shipped | delivered | cancelled | refunded
                    .col(string(Orders::State))
                    // unpaid | paid | refunded (cash on delivery is paid when delivered)
                    .col(string(Orders::PaymentState))
                    .col(big_integer(Orders::SubtotalVnd))
                    .col(string_null(Orders::Carrier))
                    .col(string_null(Orders::TrackingNo))
                    .col(timestamp_with_time_zone(Orders::CreatedAt))
                    .col(timestamp_with_time_zone(Orders::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Orders::Table, Orders::CheckoutId)
                            .to(Checkouts::Table, Checkouts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Orders::Table, Orders::SellerId)
                            .to(Sellers::Table, Sellers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_orders_seller", Orders::SellerId),
            ("idx_orders_checkout", Orders::CheckoutId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Orders::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(OrderItems::Table)
                    .col(big_pk_auto(OrderItems::Id))
                    .col(big_integer(OrderItems::OrderId))
                    .col(big_integer(OrderItems::ListingId))
                    .col(string(OrderItems::Title))
                    .col(string(OrderItems::CertificateNo))
                    .col(string(OrderItems::Unit))
                    .col(big_integer(OrderItems::UnitPriceVnd))
                    .col(integer(OrderItems::Quantity))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderItems::Table, OrderItems::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderEvents::Table)
                    .col(big_pk_auto(OrderEvents::Id))
                    .col(big_integer(OrderEvents::OrderId))
                    .col(string(OrderEvents::State))
                    .col(text_null(OrderEvents::Note))
                    .col(big_integer_null(OrderEvents::ActorUserId))
                    .col(timestamp_with_time_zone(OrderEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderEvents::Table, OrderEvents::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrderEvents::Table.into_iden(),
            OrderItems::Table.into_iden(),
            Orders::Table.into_iden(),
            Checkouts::Table.into_iden(),
            CartItems::Table.into_iden(),
            Carts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Carts {
    Table,
    Id,
    Token,
    UserId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CartItems {
    Table,
    Id,
    CartId,
    ListingId,
    Quantity,
    AddedAt,
}

#[derive(DeriveIden)]
enum Checkouts {
    Table,
    Id,
    Reference,
    IdempotencyKey,
    UserId,
    Email,
    Name,
    Phone,
    ProvinceCode,
    Commune,
    Street,
    PaymentMethod,
    Channel,
    LiveShowId,
    TotalVnd,
    TrackingToken,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    Pid,
    Code,
    CheckoutId,
    SellerId,
    State,
    PaymentState,
    SubtotalVnd,
    Carrier,
    TrackingNo,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
    OrderId,
    ListingId,
    Title,
    CertificateNo,
    Unit,
    UnitPriceVnd,
    Quantity,
}

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
    Id,
    OrderId,
    State,
    Note,
    ActorUserId,
    At,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Sellers {
    Table,
    Id,
}
