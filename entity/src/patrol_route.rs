//! Table `patrol_routes`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patrol_routes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    /// ISO weekdays the route is walked, e.g. "12345" (Monday to Friday).
    pub days: String,
    /// Local (community time) windows, e.g. "09:00-11:00,15:00-17:00"; one round per window.
    pub windows: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
