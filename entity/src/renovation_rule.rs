//! Table `renovation_rules`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "renovation_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    /// Longest plan allowed, in days (90 by default).
    pub max_days: i32,
    /// Quiet-hours rule as local windows, e.g. "08:00-12:00,14:00-18:00".
    pub work_windows: String,
    /// Comma-separated dates (YYYY-MM-DD) with no noisy work.
    pub holidays: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
