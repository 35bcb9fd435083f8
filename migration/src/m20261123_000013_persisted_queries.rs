//! Automatic persisted queries (Apollo's APQ): query texts by their SHA-256, shared by every app
//! server so a hash registered on one is known to all.
use crate::util::at;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum PersistedQueries {
    Table,
    Hash,
    Query,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PersistedQueries::Table)
                .col(string_len(PersistedQueries::Hash, 64).primary_key())
                .col(text(PersistedQueries::Query))
                .col(at(PersistedQueries::CreatedAt))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PersistedQueries::Table).take())
            .await
    }
}
