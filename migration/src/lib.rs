//! Schema migrations: one migration per capability, applied in order.
pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_000002_fees;
mod m20261123_000003_repairs;
mod m20261123_000004_renovation;
mod m20261123_000005_renovation_inspections;
mod m20261123_000006_renovation_files;
mod m20261123_000007_cards;
mod m20261123_000008_moves;
mod m20261123_000009_keys;
mod m20261123_000010_complaints;
mod m20261123_000011_notices;
mod m20261123_000012_patrols;
mod m20261123_000013_persisted_queries;
mod m20261124_000014_bill_totals;
mod m20261124_000015_desk_list_order;
mod m20261125_000016_owner_repair_order;
pub mod util;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_fees::Migration),
            Box::new(m20261123_000003_repairs::Migration),
            Box::new(m20261123_000004_renovation::Migration),
            Box::new(m20261123_000005_renovation_inspections::Migration),
            Box::new(m20261123_000006_renovation_files::Migration),
            Box::new(m20261123_000007_cards::Migration),
            Box::new(m20261123_000008_moves::Migration),
            Box::new(m20261123_000009_keys::Migration),
            Box::new(m20261123_000010_complaints::Migration),
            Box::new(m20261123_000011_notices::Migration),
            Box::new(m20261123_000012_patrols::Migration),
            Box::new(m20261123_000013_persisted_queries::Migration),
            Box::new(m20261124_000014_bill_totals::Migration),
            Box::new(m20261124_000015_desk_list_order::Migration),
            Box::new(m20261125_000016_owner_repair_order::Migration),
        ]
    }
}
