//! Table `bills`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bills")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub building_id: i64,
    pub house_id: i64,
    /// "YYYY-MM".
    pub period: String,
    pub kind: BillKind,
    /// For one-off bills: what raised it (e.g. "repair:42"), unique per community.
    pub source_key: Option<String>,
    pub due_on: Date,
    pub amount_fen: i64,
    /// Running total of allocations (kept in the same transaction as each allocation row).
    pub paid_fen: i64,
    pub created_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
