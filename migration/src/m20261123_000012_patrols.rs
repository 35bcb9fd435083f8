//! Patrols (建筑物巡查): checkpoints with a code to scan, routes of ordered checkpoints with a
//! schedule, the day's rounds (tasks) assigned to staff, and the check-ins and findings synced
//! from handhelds, each stored once per client-generated id.
use crate::util::{at, fk, id_col, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Communities {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum PublicAreas {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum RepairOrders {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum PatrolCheckpoints {
    Table,
    Id,
    CommunityId,
    PublicAreaId,
    BuildingId,
    Name,
    Place,
    Checks,
    Code,
    Active,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum PatrolRoutes {
    Table,
    Id,
    CommunityId,
    Name,
    Days,
    Windows,
    Active,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum PatrolRoutePoints {
    Table,
    Id,
    CommunityId,
    RouteId,
    CheckpointId,
    Position,
}
#[derive(DeriveIden, Clone, Copy)]
enum PatrolTasks {
    Table,
    Id,
    CommunityId,
    RouteId,
    AssigneeUserId,
    OnDate,
    Round,
    StartsAt,
    EndsAt,
    CreatedBy,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum PatrolRecords {
    Table,
    Id,
    CommunityId,
    ClientId,
    TaskId,
    CheckpointId,
    Kind,
    Code,
    Description,
    Severity,
    DeviceTime,
    ReceivedAt,
    RecordedBy,
    RepairOrderId,
}
#[derive(DeriveIden, Clone, Copy)]
enum PatrolPhotos {
    Table,
    Id,
    CommunityId,
    RecordId,
    Sha256,
    StoredName,
    ContentType,
    SizeBytes,
    UploadedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PatrolCheckpoints::Table)
                .col(id_col(PatrolCheckpoints::Id))
                .col(big_integer(PatrolCheckpoints::CommunityId))
                .col(big_integer(PatrolCheckpoints::PublicAreaId))
                .col(big_integer_null(PatrolCheckpoints::BuildingId))
                .col(string_len(PatrolCheckpoints::Name, 100))
                .col(string_len_null(PatrolCheckpoints::Place, 200))
                .col(text(PatrolCheckpoints::Checks))
                .col(string_len(PatrolCheckpoints::Code, 32))
                .col(boolean(PatrolCheckpoints::Active).default(true))
                .col(at(PatrolCheckpoints::CreatedAt))
                .foreign_key(&mut fk(
                    PatrolCheckpoints::Table,
                    PatrolCheckpoints::CommunityId,
                    Communities::Table,
                ))
                .foreign_key(&mut fk(
                    PatrolCheckpoints::Table,
                    PatrolCheckpoints::PublicAreaId,
                    PublicAreas::Table,
                ))
                .take(),
        )
        .await?;
        // The code printed at the point is what the handheld scans: one point per code.
        m.create_index(index(
            PatrolCheckpoints::Table,
            &["community_id", "code"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(PatrolRoutes::Table)
                .col(id_col(PatrolRoutes::Id))
                .col(big_integer(PatrolRoutes::CommunityId))
                .col(string_len(PatrolRoutes::Name, 100))
                .col(string_len(PatrolRoutes::Days, 16))
                .col(string_len(PatrolRoutes::Windows, 200))
                .col(boolean(PatrolRoutes::Active).default(true))
                .col(at(PatrolRoutes::CreatedAt))
                .foreign_key(&mut fk(
                    PatrolRoutes::Table,
                    PatrolRoutes::CommunityId,
                    Communities::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(PatrolRoutes::Table, &["community_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(PatrolRoutePoints::Table)
                .col(id_col(PatrolRoutePoints::Id))
                .col(big_integer(PatrolRoutePoints::CommunityId))
                .col(big_integer(PatrolRoutePoints::RouteId))
                .col(big_integer(PatrolRoutePoints::CheckpointId))
                .col(integer(PatrolRoutePoints::Position))
                .foreign_key(&mut fk(
                    PatrolRoutePoints::Table,
                    PatrolRoutePoints::RouteId,
                    PatrolRoutes::Table,
                ))
                .foreign_key(&mut fk(
                    PatrolRoutePoints::Table,
                    PatrolRoutePoints::CheckpointId,
                    PatrolCheckpoints::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            PatrolRoutePoints::Table,
            &["route_id", "position"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(PatrolTasks::Table)
                .col(id_col(PatrolTasks::Id))
                .col(big_integer(PatrolTasks::CommunityId))
                .col(big_integer(PatrolTasks::RouteId))
                .col(big_integer(PatrolTasks::AssigneeUserId))
                .col(date(PatrolTasks::OnDate))
                .col(integer(PatrolTasks::Round))
                .col(at(PatrolTasks::StartsAt))
                .col(at(PatrolTasks::EndsAt))
                .col(big_integer(PatrolTasks::CreatedBy))
                .col(at(PatrolTasks::CreatedAt))
                .foreign_key(&mut fk(
                    PatrolTasks::Table,
                    PatrolTasks::RouteId,
                    PatrolRoutes::Table,
                ))
                .foreign_key(&mut fk(
                    PatrolTasks::Table,
                    PatrolTasks::AssigneeUserId,
                    Users::Table,
                ))
                .take(),
        )
        .await?;
        // One task per route, day and round: scheduling the same day twice creates nothing new.
        m.create_index(index(
            PatrolTasks::Table,
            &["route_id", "on_date", "round"],
            true,
        ))
        .await?;
        m.create_index(index(
            PatrolTasks::Table,
            &["community_id", "on_date"],
            false,
        ))
        .await?;
        m.create_index(index(
            PatrolTasks::Table,
            &["assignee_user_id", "on_date"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(PatrolRecords::Table)
                .col(id_col(PatrolRecords::Id))
                .col(big_integer(PatrolRecords::CommunityId))
                .col(string_len(PatrolRecords::ClientId, 64))
                .col(big_integer(PatrolRecords::TaskId))
                .col(big_integer(PatrolRecords::CheckpointId))
                .col(string_len(PatrolRecords::Kind, 16))
                .col(string_len_null(PatrolRecords::Code, 32))
                .col(text_null(PatrolRecords::Description))
                .col(string_len_null(PatrolRecords::Severity, 16))
                .col(at(PatrolRecords::DeviceTime))
                .col(at(PatrolRecords::ReceivedAt))
                .col(big_integer(PatrolRecords::RecordedBy))
                .col(big_integer_null(PatrolRecords::RepairOrderId))
                .foreign_key(&mut fk(
                    PatrolRecords::Table,
                    PatrolRecords::TaskId,
                    PatrolTasks::Table,
                ))
                .foreign_key(&mut fk(
                    PatrolRecords::Table,
                    PatrolRecords::CheckpointId,
                    PatrolCheckpoints::Table,
                ))
                .foreign_key(&mut fk(
                    PatrolRecords::Table,
                    PatrolRecords::RepairOrderId,
                    RepairOrders::Table,
                ))
                .take(),
        )
        .await?;
        // The handheld's id for a record: a resent or concurrent sync inserts nothing twice
        // (INSERT .. ON CONFLICT DO NOTHING arbitrates on this index on both databases).
        m.create_index(index(
            PatrolRecords::Table,
            &["community_id", "client_id"],
            true,
        ))
        .await?;
        m.create_index(index(PatrolRecords::Table, &["task_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(PatrolPhotos::Table)
                .col(id_col(PatrolPhotos::Id))
                .col(big_integer(PatrolPhotos::CommunityId))
                .col(big_integer(PatrolPhotos::RecordId))
                .col(string_len(PatrolPhotos::Sha256, 64))
                .col(string(PatrolPhotos::StoredName))
                .col(string_len(PatrolPhotos::ContentType, 64))
                .col(big_integer(PatrolPhotos::SizeBytes))
                .col(big_integer(PatrolPhotos::UploadedBy))
                .col(at(PatrolPhotos::CreatedAt))
                .foreign_key(&mut fk(
                    PatrolPhotos::Table,
                    PatrolPhotos::RecordId,
                    PatrolRecords::Table,
                ))
                .take(),
        )
        .await?;
        // The same photo uploaded again (a retried request) is stored once.
        m.create_index(index(PatrolPhotos::Table, &["record_id", "sha256"], true))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "patrol_photos",
            "patrol_records",
            "patrol_tasks",
            "patrol_route_points",
            "patrol_routes",
            "patrol_checkpoints",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).take())
                .await?;
        }
        Ok(())
    }
}
