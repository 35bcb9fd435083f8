//! Table `key_openings`: a request to break a key's seal in an emergency, its approval and the
//! people present when it was opened.
use crate::enums::KeyOpeningState;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_openings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub key_id: i64,
    pub reason: String,
    pub state: KeyOpeningState,
    pub requested_by_user_id: i64,
    pub requested_at: DateTimeUtc,
    pub decided_by_user_id: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub refusal_reason: Option<String>,
    pub opened_at: Option<DateTimeUtc>,
    pub opened_by_user_id: Option<i64>,
    pub witness1_user_id: Option<i64>,
    pub witness2_user_id: Option<i64>,
    pub guard_user_id: Option<i64>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
