//! Table `house_members`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "house_members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub house_id: i64,
    pub user_id: i64,
    pub relation: HouseRelation,
    pub tenancy_ends_on: Option<Date>,
    pub tenant_may_see_bills: bool,
    pub invited_by: Option<i64>,
    pub created_at: DateTimeUtc,
    /// Set when the binding ends; rows are never deleted.
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
