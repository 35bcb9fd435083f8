//! Table `payments`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    /// The caller's idempotency key: the same key twice is one payment.
    pub client_key: String,
    pub kind: PaymentKind,
    pub method: PaymentMethod,
    /// Positive for payments, negative for reversals.
    pub amount_fen: i64,
    pub receipt_no: String,
    pub receipt_year: i32,
    pub receipt_seq: i64,
    /// The local (community) date the money was taken, for the day close.
    pub business_date: Date,
    pub recorded_by: String,
    pub reverses_payment_id: Option<i64>,
    pub reason: Option<String>,
    pub gateway_reference: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
