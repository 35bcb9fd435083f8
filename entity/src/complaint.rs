//! Table `complaints` (客户投诉登记表): one row per complaint, its workflow state and outcome.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    /// The building of the house or public area, or the building complained about.
    pub building_id: Option<i64>,
    pub house_id: Option<i64>,
    pub public_area_id: Option<i64>,
    pub channel: ComplaintChannel,
    pub category: ComplaintCategory,
    pub severity: ComplaintSeverity,
    pub department: Option<Department>,
    pub summary: String,
    pub state: ComplaintState,
    /// The complainant's account, when known (the app user, or a resident staff matched by phone).
    pub complainant_user_id: Option<i64>,
    pub complainant_name: String,
    pub complainant_phone: String,
    /// Who registered it (the complainant from the app, or the staff member).
    pub registered_by: i64,
    pub handler_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    /// created_at + 24 h: the reply is due by then (投诉回复及时率).
    pub reply_due_at: DateTimeUtc,
    pub assigned_at: Option<DateTimeUtc>,
    pub escalated_at: Option<DateTimeUtc>,
    pub replied_at: Option<DateTimeUtc>,
    pub reply: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolution: Option<String>,
    pub return_visited_at: Option<DateTimeUtc>,
    pub satisfaction: Option<i16>,
    pub return_visit_remarks: Option<String>,
    /// Optimistic lock: every step bumps it.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
