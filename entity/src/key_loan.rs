//! Table `key_loans`: each time a key left the cabinet, who took it, why, and when it came back.
use crate::enums::KeyLoanPurpose;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_loans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub key_id: i64,
    pub purpose: KeyLoanPurpose,
    pub repair_order_id: Option<i64>,
    pub opening_id: Option<i64>,
    pub note: Option<String>,
    pub borrower_user_id: i64,
    pub lent_by_user_id: i64,
    pub lent_at: DateTimeUtc,
    pub due_back_at: DateTimeUtc,
    pub returned_at: Option<DateTimeUtc>,
    pub received_by_user_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
