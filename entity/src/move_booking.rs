//! Table `move_bookings`: a booked move of goods in or out, and its one-time gate pass.
use crate::enums::{HouseRelation, MoveDirection, MoveState};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "move_bookings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub house_id: i64,
    pub building_id: i64,
    pub requested_by_user_id: i64,
    pub requester_relation: HouseRelation,
    pub direction: MoveDirection,
    /// The local day of the move.
    pub move_on: Date,
    /// Local minutes after midnight.
    pub window_start_min: i32,
    pub window_end_min: i32,
    pub items: String,
    pub state: MoveState,
    pub consent_by_user_id: Option<i64>,
    pub consent_at: Option<DateTimeUtc>,
    /// Set when approved; unique in the community.
    pub pass_code: Option<String>,
    pub pass_issued_at: Option<DateTimeUtc>,
    pub used_at: Option<DateTimeUtc>,
    pub used_by_user_id: Option<i64>,
    /// Why it was refused, cancelled or revoked.
    pub closed_reason: Option<String>,
    pub client_key: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
