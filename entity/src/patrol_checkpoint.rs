//! Table `patrol_checkpoints`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patrol_checkpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    /// The public area the point is in; a finding there becomes a repair order of this area.
    pub public_area_id: i64,
    /// The area's building, copied so a butler's buildings can be matched without a join.
    pub building_id: Option<i64>,
    pub name: String,
    pub place: Option<String>,
    /// What to check at the point.
    pub checks: String,
    /// The code posted at the point and scanned on site, unique in its community.
    pub code: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
