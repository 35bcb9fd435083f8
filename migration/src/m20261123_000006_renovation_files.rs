//! Files of renovations: the owner's drawings and inspectors' photos.
use crate::util::{at, fk, id_col, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Renovations {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum RenovationFiles {
    Table,
    Id,
    CommunityId,
    RenovationId,
    InspectionId,
    Kind,
    StoredName,
    ContentType,
    SizeBytes,
    UploadedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use RenovationFiles as F;
        m.create_table(
            Table::create()
                .table(F::Table)
                .col(id_col(F::Id))
                .col(big_integer(F::CommunityId))
                .col(big_integer(F::RenovationId))
                .col(big_integer_null(F::InspectionId))
                .col(string_len(F::Kind, 16))
                .col(string(F::StoredName))
                .col(string_len(F::ContentType, 32))
                .col(big_integer(F::SizeBytes))
                .col(big_integer(F::UploadedBy))
                .col(at(F::CreatedAt))
                .foreign_key(&mut fk(F::Table, F::RenovationId, Renovations::Table))
                .take(),
        )
        .await?;
        m.create_index(index(F::Table, &["renovation_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("renovation_files")).take())
            .await
    }
}
