//! Gift combos: a provincial outlet (or a seller, of its own products) puts several certified
//! products in one box with its own title, photo and price. A cart holds a combo as one line
//! (`cart_combos`); at checkout each part becomes an order line of its seller's order, priced
//! at the part's share of the combo's price, and names the combo (`order_items.combo_id`).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Combos::Table)
                    .col(big_pk_auto(Combos::Id))
                    .col(uuid_uniq(Combos::Pid))
                    .col(string_uniq(Combos::Slug))
                    .col(string(Combos::Issuer))
                    .col(big_integer_null(Combos::SellerId))
                    .col(big_integer_null(Combos::OutletId))
                    .col(string(Combos::Title))
                    .col(text(Combos::Description))
                    .col(big_integer(Combos::PriceVnd))
                    .col(string_null(Combos::PhotoKey))
                    .col(string(Combos::PhotoVariants).default(""))
                    .col(boolean(Combos::Active))
                    .col(big_integer_null(Combos::CreatedBy))
                    .col(timestamp_with_time_zone(Combos::CreatedAt))
                    .col(timestamp_with_time_zone(Combos::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Combos::Table, Combos::SellerId)
                            .to(Sellers::Table, Sellers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Combos::Table, Combos::OutletId)
                            .to(Outlets::Table, Outlets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ComboParts::Table)
                    .col(big_pk_auto(ComboParts::Id))
                    .col(big_integer(ComboParts::ComboId))
                    .col(big_integer(ComboParts::ListingId))
                    .col(integer(ComboParts::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ComboParts::Table, ComboParts::ComboId)
                            .to(Combos::Table, Combos::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ComboParts::Table, ComboParts::ListingId)
                            .to(Listings::Table, Listings::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_combo_parts")
                    .table(ComboParts::Table)
                    .col(ComboParts::ComboId)
                    .col(ComboParts::ListingId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CartCombos::Table)
                    .col(big_pk_auto(CartCombos::Id))
                    .col(big_integer(CartCombos::CartId))
                    .col(big_integer(CartCombos::ComboId))
                    .col(integer(CartCombos::Quantity))
                    .col(timestamp_with_time_zone(CartCombos::AddedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CartCombos::Table, CartCombos::CartId)
                            .to(Carts::Table, Carts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CartCombos::Table, CartCombos::ComboId)
                            .to(Combos::Table, Combos::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_cart_combos")
                    .table(CartCombos::Table)
                    .col(CartCombos::CartId)
                    .col(CartCombos::ComboId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OrderItems::Table)
                    .add_column(big_integer_null(OrderItems::ComboId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OrderItems::Table)
                    .drop_column(OrderItems::ComboId)
                    .to_owned(),
            )
            .await?;
        for table in [CartCombos::Table.into_iden(), ComboParts::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Combos::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Combos {
    Table,
    Id,
    Pid,
    Slug,
    Issuer,
    SellerId,
    OutletId,
    Title,
    Description,
    PriceVnd,
    PhotoKey,
    PhotoVariants,
    Active,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ComboParts {
    Table,
    Id,
    ComboId,
    ListingId,
    Position,
}

#[derive(DeriveIden)]
enum CartCombos {
    Table,
    Id,
    CartId,
    ComboId,
    Quantity,
    AddedAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    ComboId,
}

#[derive(DeriveIden)]
enum Sellers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Outlets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Carts {
    Table,
    Id,
}
