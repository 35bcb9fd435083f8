//! Table `meter_readings`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meter_readings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub house_id: i64,
    pub fee_item_id: i64,
    /// Meter reading in hundredths of a unit (12345 = 123.45 m³ or kWh).
    pub reading: i64,
    pub read_on: Date,
    /// A new meter: the reading starts a new baseline and may be lower than the last.
    pub is_replacement: bool,
    pub entered_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
