//! The owner's repair list reads one page a house and one of the orders they booked, each in id
//! order (`service::repairs::owners_orders`). `(house_id)` gave that order on SQLite only (its
//! index entries end in the rowid), and no index gave it for the booker: both databases sorted
//! every order the owner ever had for each home screen. `(house_id, id)` replaces `(house_id)`.
use crate::util::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "repair_orders";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(Alias::new(TABLE), &["house_id", "id"], false))
            .await?;
        m.create_index(index(Alias::new(TABLE), &["requested_by", "id"], false))
            .await?;
        m.drop_index(
            Index::drop()
                .name(format!("idx_{TABLE}_house_id"))
                .table(Alias::new(TABLE))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(Alias::new(TABLE), &["house_id"], false))
            .await?;
        for name in ["house_id_id", "requested_by_id"] {
            m.drop_index(
                Index::drop()
                    .name(format!("idx_{TABLE}_{name}"))
                    .table(Alias::new(TABLE))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
