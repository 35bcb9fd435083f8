//! Table `bill_lines`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bill_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub bill_id: i64,
    pub fee_item_id: Option<i64>,
    /// Payments settle lines in this order.
    pub position: i32,
    /// How the amount was computed, e.g. "89.50 m² × ¥2.80 × 1 个月".
    pub description: String,
    pub amount_fen: i64,
    pub late_fee_bps_per_day: Option<i32>,
    pub late_fee_grace_days: i32,
    pub late_fee_cap_bps: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
