//! Table `handovers`: a house handed to its new owner (入伙), one row per handover.
use crate::enums::IdDocumentKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handovers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub house_id: i64,
    pub owner_user_id: i64,
    pub id_kind: IdDocumentKind,
    /// Only the last four characters are kept (e.g. `**************123X`).
    pub id_number_masked: String,
    pub checked_by_user_id: i64,
    /// JSON list of `{ "label": .., "count": .. }`: the keys handed to the owner.
    pub keys_handed: String,
    /// First billed period, `YYYY-MM`: bill generation skips the house before it.
    pub fees_from_period: String,
    pub client_key: String,
    pub handed_over_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
