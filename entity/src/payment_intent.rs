//! Table `payment_intents`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_intents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub client_key: String,
    pub user_id: i64,
    /// Comma-separated bill ids.
    pub bill_ids: String,
    pub amount_fen: i64,
    /// PENDING or CONFIRMED.
    pub status: String,
    pub payment_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
