//! Table `repair_orders`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "repair_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub building_id: Option<i64>,
    /// The house, for household repairs; None for public areas.
    pub house_id: Option<i64>,
    pub public_area_id: Option<i64>,
    pub category: RepairCategory,
    pub difficulty: RepairDifficulty,
    pub description: String,
    pub channel: RepairChannel,
    pub state: RepairState,
    /// The user who booked it (the owner, or the staff member registering it).
    pub requested_by: i64,
    pub client_key: String,
    pub preferred_from: Option<DateTimeUtc>,
    pub preferred_to: Option<DateTimeUtc>,
    pub appointment_at: Option<DateTimeUtc>,
    /// Another time proposed by the technician, waiting for the owner.
    pub proposed_at: Option<DateTimeUtc>,
    pub assignee_user_id: Option<i64>,
    pub accepted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub dispatched_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub followed_up_at: Option<DateTimeUtc>,
    /// Start of the current pause; clocks stop while paused.
    pub paused_at: Option<DateTimeUtc>,
    /// Seconds spent paused before the current pause.
    pub paused_seconds: i64,
    pub pause_reason: Option<String>,
    pub work_done: Option<String>,
    pub materials: Option<String>,
    pub satisfaction: Option<i16>,
    pub follow_up_comment: Option<String>,
    pub rating: Option<i16>,
    pub rating_comment: Option<String>,
    pub urge_count: i32,
    pub charge_bill_id: Option<i64>,
    /// Optimistic lock: every transition bumps it.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
