//! Table `cards`.
use crate::enums::{CardKind, CardState};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub house_id: i64,
    pub holder_user_id: i64,
    pub kind: CardKind,
    /// The number printed on / read from the card, unique in its community.
    pub number: String,
    pub state: CardState,
    pub replaced_by_id: Option<i64>,
    pub replacement_bill_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
