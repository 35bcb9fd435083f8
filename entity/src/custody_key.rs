//! Table `custody_keys`: a key (or bunch) held for an owner in the key cabinet.
use crate::enums::KeyState;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "custody_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub house_id: i64,
    pub building_id: i64,
    pub label: String,
    /// The number on the seal (封条) while sealed.
    pub seal_number: Option<String>,
    pub state: KeyState,
    pub deposited_by_user_id: Option<i64>,
    pub received_by_user_id: i64,
    pub deposited_at: DateTimeUtc,
    /// Optimistic lock: two desks lending the same key at once, one wins.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
