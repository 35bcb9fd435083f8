//! Table `deposit_refunds`.
use crate::enums::PaymentMethod;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deposit_refunds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub renovation_id: i64,
    pub deposit_bill_id: i64,
    pub deposit_fen: i64,
    pub fines_fen: i64,
    pub refund_fen: i64,
    pub recorded_by: String,
    pub created_at: DateTimeUtc,
    /// The house the deposit was paid for (null only on rows older than this column).
    pub house_id: Option<i64>,
    /// How the refund was paid out.
    pub method: PaymentMethod,
    /// The local (community) date it was paid out, for finance's day (null on old rows).
    pub business_date: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
