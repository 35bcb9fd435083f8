//! Table `patrol_photos`: photos of patrol findings, stored once per content hash.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patrol_photos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub record_id: i64,
    /// Hex SHA-256 of the bytes: a retried upload of the same photo adds nothing.
    pub sha256: String,
    pub stored_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
