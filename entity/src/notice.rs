//! Table `notices`: outage notices (停水、停电) and community news, to a community or some buildings.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    /// True: every house of the community; false: the buildings in `notice_buildings`.
    pub whole_community: bool,
    pub published_by: i64,
    pub published_at: DateTimeUtc,
    pub updated_at: Option<DateTimeUtc>,
    /// Bumped by every update, so a client can tell a newer copy.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
