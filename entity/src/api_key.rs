//! Table `api_keys`.
#[allow(unused_imports)]
use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    /// Public part of the key, used to find the row; the secret is only stored hashed.
    #[sea_orm(unique)]
    pub key_prefix: String,
    /// SHA-256 (hex) of the full key.
    pub key_hash: String,
    /// Space-separated scopes, e.g. "payments:write cards:read".
    pub scopes: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
