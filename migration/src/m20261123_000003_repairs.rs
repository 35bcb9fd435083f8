//! Repairs: orders and their workflow state, photos, the paid-service price list, charges, and
//! each community's service clocks.
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
enum RepairOrders {
    Table,
    Id,
    CommunityId,
    BuildingId,
    HouseId,
    PublicAreaId,
    Category,
    Difficulty,
    Description,
    Channel,
    State,
    RequestedBy,
    ClientKey,
    PreferredFrom,
    PreferredTo,
    AppointmentAt,
    ProposedAt,
    AssigneeUserId,
    AcceptedAt,
    CreatedAt,
    DispatchedAt,
    StartedAt,
    CompletedAt,
    FollowedUpAt,
    PausedAt,
    PausedSeconds,
    PauseReason,
    WorkDone,
    Materials,
    Satisfaction,
    FollowUpComment,
    Rating,
    RatingComment,
    UrgeCount,
    ChargeBillId,
    Version,
}
#[derive(DeriveIden, Clone, Copy)]
enum RepairPhotos {
    Table,
    Id,
    CommunityId,
    OrderId,
    StoredName,
    ContentType,
    SizeBytes,
    UploadedBy,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum ServicePrices {
    Table,
    Id,
    CommunityId,
    Name,
    Unit,
    PriceFen,
    Active,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum RepairCharges {
    Table,
    Id,
    CommunityId,
    OrderId,
    ServicePriceId,
    Quantity,
    AmountFen,
}
#[derive(DeriveIden, Clone, Copy)]
enum RepairSettings {
    Table,
    Id,
    CommunityId,
    DispatchMinutes,
    HardDays,
    FollowUpHours,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use RepairOrders as R;
        m.create_table(
            Table::create()
                .table(R::Table)
                .col(id_col(R::Id))
                .col(big_integer(R::CommunityId))
                .col(big_integer_null(R::BuildingId))
                .col(big_integer_null(R::HouseId))
                .col(big_integer_null(R::PublicAreaId))
                .col(string_len(R::Category, 24))
                .col(string_len(R::Difficulty, 16))
                .col(text(R::Description))
                .col(string_len(R::Channel, 16))
                .col(string_len(R::State, 24))
                .col(big_integer(R::RequestedBy))
                .col(string_len(R::ClientKey, 120))
                .col(at_null(R::PreferredFrom))
                .col(at_null(R::PreferredTo))
                .col(at_null(R::AppointmentAt))
                .col(at_null(R::ProposedAt))
                .col(big_integer_null(R::AssigneeUserId))
                .col(at_null(R::AcceptedAt))
                .col(at(R::CreatedAt))
                .col(at_null(R::DispatchedAt))
                .col(at_null(R::StartedAt))
                .col(at_null(R::CompletedAt))
                .col(at_null(R::FollowedUpAt))
                .col(at_null(R::PausedAt))
                .col(big_integer(R::PausedSeconds).default(0))
                .col(text_null(R::PauseReason))
                .col(text_null(R::WorkDone))
                .col(text_null(R::Materials))
                .col(small_integer_null(R::Satisfaction))
                .col(text_null(R::FollowUpComment))
                .col(small_integer_null(R::Rating))
                .col(text_null(R::RatingComment))
                .col(integer(R::UrgeCount).default(0))
                .col(big_integer_null(R::ChargeBillId))
                .col(integer(R::Version).default(0))
                .foreign_key(&mut fk(R::Table, R::CommunityId, Communities::Table))
                .take(),
        )
        .await?;
        m.create_index(index(R::Table, &["requested_by", "client_key"], true))
            .await?;
        m.create_index(index(R::Table, &["community_id", "state"], false))
            .await?;
        m.create_index(index(R::Table, &["assignee_user_id", "state"], false))
            .await?;
        m.create_index(index(R::Table, &["house_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(RepairPhotos::Table)
                .col(id_col(RepairPhotos::Id))
                .col(big_integer(RepairPhotos::CommunityId))
                .col(big_integer(RepairPhotos::OrderId))
                .col(string(RepairPhotos::StoredName))
                .col(string_len(RepairPhotos::ContentType, 32))
                .col(big_integer(RepairPhotos::SizeBytes))
                .col(big_integer(RepairPhotos::UploadedBy))
                .col(at(RepairPhotos::CreatedAt))
                .foreign_key(&mut fk(
                    RepairPhotos::Table,
                    RepairPhotos::OrderId,
                    R::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(RepairPhotos::Table, &["order_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(ServicePrices::Table)
                .col(id_col(ServicePrices::Id))
                .col(big_integer(ServicePrices::CommunityId))
                .col(string(ServicePrices::Name))
                .col(string_len(ServicePrices::Unit, 16))
                .col(big_integer(ServicePrices::PriceFen))
                .col(boolean(ServicePrices::Active).default(true))
                .col(at(ServicePrices::CreatedAt))
                .foreign_key(&mut fk(
                    ServicePrices::Table,
                    ServicePrices::CommunityId,
                    Communities::Table,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RepairCharges::Table)
                .col(id_col(RepairCharges::Id))
                .col(big_integer(RepairCharges::CommunityId))
                .col(big_integer(RepairCharges::OrderId))
                .col(big_integer(RepairCharges::ServicePriceId))
                .col(integer(RepairCharges::Quantity))
                .col(big_integer(RepairCharges::AmountFen))
                .foreign_key(&mut fk(
                    RepairCharges::Table,
                    RepairCharges::OrderId,
                    R::Table,
                ))
                .foreign_key(&mut fk(
                    RepairCharges::Table,
                    RepairCharges::ServicePriceId,
                    ServicePrices::Table,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RepairSettings::Table)
                .col(id_col(RepairSettings::Id))
                .col(big_integer(RepairSettings::CommunityId))
                .col(integer(RepairSettings::DispatchMinutes))
                .col(integer(RepairSettings::HardDays))
                .col(integer(RepairSettings::FollowUpHours))
                .take(),
        )
        .await?;
        m.create_index(index(RepairSettings::Table, &["community_id"], true))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "repair_settings",
            "repair_charges",
            "service_prices",
            "repair_photos",
            "repair_orders",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).take())
                .await?;
        }
        Ok(())
    }
}
