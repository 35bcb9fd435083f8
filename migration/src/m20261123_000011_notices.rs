//! Notices (停水、停电管理规程; 社区文化): outages and news to a community or some of its buildings.
use crate::util::{at, at_null, fk, id_col, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Communities {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Buildings {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Notices {
    Table,
    Id,
    CommunityId,
    Kind,
    Title,
    Body,
    StartsAt,
    EndsAt,
    WholeCommunity,
    PublishedBy,
    PublishedAt,
    UpdatedAt,
    Version,
}
#[derive(DeriveIden, Clone, Copy)]
enum NoticeBuildings {
    Table,
    Id,
    CommunityId,
    NoticeId,
    BuildingId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use Notices as N;
        m.create_table(
            Table::create()
                .table(N::Table)
                .col(id_col(N::Id))
                .col(big_integer(N::CommunityId))
                .col(string_len(N::Kind, 16))
                .col(string_len(N::Title, 100))
                .col(text(N::Body))
                .col(at_null(N::StartsAt))
                .col(at_null(N::EndsAt))
                .col(boolean(N::WholeCommunity))
                .col(big_integer(N::PublishedBy))
                .col(at(N::PublishedAt))
                .col(at_null(N::UpdatedAt))
                .col(integer(N::Version))
                .foreign_key(&mut fk(N::Table, N::CommunityId, Communities::Table))
                .foreign_key(&mut fk(N::Table, N::PublishedBy, Users::Table))
                .take(),
        )
        .await?;
        m.create_index(index(N::Table, &["community_id", "id"], false))
            .await?;
        use NoticeBuildings as B;
        m.create_table(
            Table::create()
                .table(B::Table)
                .col(id_col(B::Id))
                .col(big_integer(B::CommunityId))
                .col(big_integer(B::NoticeId))
                .col(big_integer(B::BuildingId))
                .foreign_key(&mut fk(B::Table, B::NoticeId, Notices::Table))
                .foreign_key(&mut fk(B::Table, B::BuildingId, Buildings::Table))
                .take(),
        )
        .await?;
        m.create_index(index(B::Table, &["notice_id", "building_id"], true))
            .await?;
        // A resident's notices: those addressed to their buildings.
        m.create_index(index(B::Table, &["building_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["notice_buildings", "notices"] {
            m.drop_table(Table::drop().table(Alias::new(t)).take())
                .await?;
        }
        Ok(())
    }
}
