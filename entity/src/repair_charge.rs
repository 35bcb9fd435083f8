//! Table `repair_charges`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "repair_charges")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub order_id: i64,
    pub service_price_id: i64,
    pub quantity: i32,
    pub amount_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
