//! Vouchers: codes issued by a seller (its own products), an outlet (its shelf, collected
//! there) or the programme (every product), with a percentage or a fixed amount, a minimum
//! spend, a window, a total and a per-shopper cap, optionally valid only with one live show's
//! link. `used` and `voucher_shoppers.uses` are raised with conditional updates inside the
//! checkout's transaction, so concurrent checkouts cannot pass a cap. A cart holds one code;
//! an order line keeps the discount it got, and an order's subtotal is its goods after
//! discounts (`discount_vnd` says how much was taken off).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Vouchers::Table)
                    .col(big_pk_auto(Vouchers::Id))
                    // Upper-case letters and digits, as the shopper types it.
                    .col(string_uniq(Vouchers::Code))
                    .col(string(Vouchers::Title))
                    // `seller`, `outlet` or `programme`.
                    .col(string(Vouchers::Issuer))
                    .col(big_integer_null(Vouchers::SellerId))
                    .col(big_integer_null(Vouchers::OutletId))
                    .col(big_integer_null(Vouchers::LiveShowId))
                    // Exactly one of the two: a percentage (1–90) or an amount in đồng.
                    .col(integer_null(Vouchers::Percent))
                    .col(big_integer_null(Vouchers::AmountVnd))
                    // The most a percentage takes off, if capped.
                    .col(big_integer_null(Vouchers::MaxDiscountVnd))
                    .col(big_integer(Vouchers::MinSpendVnd).default(0))
                    .col(timestamp_with_time_zone(Vouchers::StartsAt))
                    .col(timestamp_with_time_zone(Vouchers::EndsAt))
                    .col(integer_null(Vouchers::TotalCap))
                    .col(integer_null(Vouchers::PerShopperCap))
                    .col(integer(Vouchers::Used).default(0))
                    .col(boolean(Vouchers::Active).default(true))
                    .col(big_integer_null(Vouchers::CreatedBy))
                    .col(timestamp_with_time_zone(Vouchers::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VoucherShoppers::Table)
                    .col(big_integer(VoucherShoppers::VoucherId))
                    // The shopper's e-mail address, lower-cased.
                    .col(string(VoucherShoppers::Shopper))
                    .col(integer(VoucherShoppers::Uses).default(0))
                    .primary_key(
                        Index::create()
                            .col(VoucherShoppers::VoucherId)
                            .col(VoucherShoppers::Shopper),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(VoucherShoppers::Table, VoucherShoppers::VoucherId)
                            .to(Vouchers::Table, Vouchers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VoucherRedemptions::Table)
                    .col(big_pk_auto(VoucherRedemptions::Id))
                    .col(big_integer(VoucherRedemptions::VoucherId))
                    .col(big_integer(VoucherRedemptions::CheckoutId).unique_key())
                    .col(string(VoucherRedemptions::Shopper))
                    .col(big_integer(VoucherRedemptions::DiscountVnd))
                    .col(timestamp_with_time_zone(VoucherRedemptions::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(VoucherRedemptions::Table, VoucherRedemptions::VoucherId)
                            .to(Vouchers::Table, Vouchers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(VoucherRedemptions::Table, VoucherRedemptions::CheckoutId)
                            .to(Checkouts::Table, Checkouts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_voucher_redemptions_voucher")
                    .table(VoucherRedemptions::Table)
                    .col(VoucherRedemptions::VoucherId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Carts::Table)
                    .add_column(string_null(Carts::VoucherCode))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(big_integer(Orders::DiscountVnd).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OrderItems::Table)
                    .add_column(big_integer(OrderItems::DiscountVnd).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Checkouts::Table)
                    .add_column(string_null(Checkouts::VoucherCode))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            (
                Checkouts::Table.into_iden(),
                Checkouts::VoucherCode.into_iden(),
            ),
            (
                OrderItems::Table.into_iden(),
                OrderItems::DiscountVnd.into_iden(),
            ),
            (Orders::Table.into_iden(), Orders::DiscountVnd.into_iden()),
            (Carts::Table.into_iden(), Carts::VoucherCode.into_iden()),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        for table in [
            VoucherRedemptions::Table.into_iden(),
            VoucherShoppers::Table.into_iden(),
            Vouchers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Vouchers {
    Table,
    Id,
    Code,
    Title,
    Issuer,
    SellerId,
    OutletId,
    LiveShowId,
    Percent,
    AmountVnd,
    MaxDiscountVnd,
    MinSpendVnd,
    StartsAt,
    EndsAt,
    TotalCap,
    PerShopperCap,
    Used,
    Active,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum VoucherShoppers {
    Table,
    VoucherId,
    Shopper,
    Uses,
}

#[derive(DeriveIden)]
enum VoucherRedemptions {
    Table,
    Id,
    VoucherId,
    CheckoutId,
    Shopper,
    DiscountVnd,
    At,
}

#[derive(DeriveIden)]
enum Carts {
    Table,
    VoucherCode,
}

#[derive(DeriveIden)]
enum Checkouts {
    Table,
    Id,
    VoucherCode,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    DiscountVnd,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    DiscountVnd,
}
