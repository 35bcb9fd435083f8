//! Table `bill_totals`: live periodic bills of a community's period, per building. Kept by
//! database triggers on `bills` (migration 000014); the application only reads it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bill_totals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub community_id: i64,
    /// "YYYY-MM".
    #[sea_orm(primary_key, auto_increment = false)]
    pub period: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub building_id: i64,
    /// Live periodic bills counted (0 once every one is cancelled).
    pub bills: i64,
    pub due_fen: i64,
    pub paid_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
