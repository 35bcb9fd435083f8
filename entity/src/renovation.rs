//! Table `renovations`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "renovations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub building_id: i64,
    pub house_id: i64,
    pub applicant_user_id: i64,
    pub state: RenovationState,
    pub scope: String,
    pub touches_walls: bool,
    pub touches_plumbing: bool,
    pub touches_electrics: bool,
    pub touches_facade: bool,
    pub touches_windows: bool,
    /// Changes a load-bearing wall: always refused.
    pub load_bearing: bool,
    pub contractor_company: String,
    pub contractor_licence: String,
    pub contractor_person: String,
    pub contractor_phone: String,
    pub planned_start: Date,
    pub planned_end: Date,
    pub deposit_bill_id: Option<i64>,
    pub fee_bill_id: Option<i64>,
    pub permit_no: Option<String>,
    /// The reviewer's note or the rejection reason.
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub issued_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
