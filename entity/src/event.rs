//! Table `events`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: Option<i64>,
    /// The house the event concerns, if any: drives who may see it.
    pub house_id: Option<i64>,
    /// "user:<id>", "apikey:<id>" or "system".
    pub actor: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: i64,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
