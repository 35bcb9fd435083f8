//! Table `renovation_workers`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "renovation_workers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub renovation_id: i64,
    pub name: String,
    /// Resident identity card number (18 characters).
    pub id_number: String,
    pub phone: String,
    /// The code a guard enters or scans at the gate.
    pub pass_code: String,
    pub created_at: DateTimeUtc,
    pub removed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
