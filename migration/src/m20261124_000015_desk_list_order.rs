//! Desk lists page a community's rows by id (`service::page::paginate`). With only indexes that
//! start `(community_id, state …)` or `(community_id, period …)`, SQLite read every row of the
//! community and sorted them for each page of 20: the reception's repair list sorted all 40,000
//! orders of a five-minute soak on every request. `(community_id, id)` gives those pages in
//! order, so a page reads its 21 rows and stops (notices and card changes had it already).
use crate::util::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose community lists page by id.
const TABLES: [&str; 8] = [
    "repair_orders",
    "complaints",
    "bills",
    "renovations",
    "move_bookings",
    "handovers",
    "cards",
    "custody_keys",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES {
            m.create_index(index(Alias::new(t), &["community_id", "id"], false))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES {
            m.drop_index(
                Index::drop()
                    .name(format!("idx_{t}_community_id_id"))
                    .table(Alias::new(t))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
