//! Table `patrol_records`: check-ins and findings synced from handhelds, once per client id.
use crate::enums::{PatrolRecordKind, PatrolSeverity};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patrol_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    /// Generated on the handheld; unique in the community.
    pub client_id: String,
    pub task_id: i64,
    pub checkpoint_id: i64,
    pub kind: PatrolRecordKind,
    /// The scanned code (check-ins).
    pub code: Option<String>,
    /// What was found (findings).
    pub description: Option<String>,
    pub severity: Option<PatrolSeverity>,
    /// When it happened, by the handheld's clock.
    pub device_time: DateTimeUtc,
    /// When the server stored it.
    pub received_at: DateTimeUtc,
    pub recorded_by: i64,
    /// The public-area repair order raised from a finding.
    pub repair_order_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
