//! Table `fee_items`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fee_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub kind: FeeKind,
    pub formula: FeeFormula,
    pub cycle: BillingCycle,
    /// Fen per m² per month (BY_AREA), per meter unit (BY_METER) or per month / once (FIXED).
    pub unit_price_fen: i64,
    /// Late fee per day in basis points of the overdue amount (5 = 0.05%/day).
    pub late_fee_bps_per_day: Option<i32>,
    pub late_fee_grace_days: i32,
    /// Late fee cap in basis points of the overdue amount.
    pub late_fee_cap_bps: Option<i32>,
    /// Discount for vacant houses in basis points (5000 = half price).
    pub vacant_discount_bps: Option<i32>,
    pub active: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
