//! Table `renovation_inspections`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "renovation_inspections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub renovation_id: i64,
    pub inspector_user_id: i64,
    pub note: String,
    pub is_violation: bool,
    /// For violations: fix by this date.
    pub rectify_by: Option<Date>,
    /// Fine taken from the deposit at refund time, in fen.
    pub fine_fen: i64,
    /// The owner says it is fixed.
    pub rectified_at: Option<DateTimeUtc>,
    /// Staff confirmed the fix.
    pub confirmed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
