//! Handovers (入伙) and move bookings (搬入/搬出) with their one-time gate passes (放行条).
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
enum Houses {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Handovers {
    Table,
    Id,
    CommunityId,
    HouseId,
    OwnerUserId,
    IdKind,
    IdNumberMasked,
    CheckedByUserId,
    KeysHanded,
    FeesFromPeriod,
    ClientKey,
    HandedOverAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum MoveBookings {
    Table,
    Id,
    CommunityId,
    HouseId,
    BuildingId,
    RequestedByUserId,
    RequesterRelation,
    Direction,
    MoveOn,
    WindowStartMin,
    WindowEndMin,
    Items,
    State,
    ConsentByUserId,
    ConsentAt,
    PassCode,
    PassIssuedAt,
    UsedAt,
    UsedByUserId,
    ClosedReason,
    ClientKey,
    Version,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Handovers::Table)
                .col(id_col(Handovers::Id))
                .col(big_integer(Handovers::CommunityId))
                .col(big_integer(Handovers::HouseId))
                .col(big_integer(Handovers::OwnerUserId))
                .col(string_len(Handovers::IdKind, 16))
                .col(string_len(Handovers::IdNumberMasked, 32))
                .col(big_integer(Handovers::CheckedByUserId))
                .col(text(Handovers::KeysHanded))
                .col(string_len(Handovers::FeesFromPeriod, 7))
                .col(string_len(Handovers::ClientKey, 100))
                .col(at(Handovers::HandedOverAt))
                .foreign_key(&mut fk(
                    Handovers::Table,
                    Handovers::CommunityId,
                    Communities::Table,
                ))
                .foreign_key(&mut fk(Handovers::Table, Handovers::HouseId, Houses::Table))
                .foreign_key(&mut fk(
                    Handovers::Table,
                    Handovers::OwnerUserId,
                    Users::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            Handovers::Table,
            &["community_id", "client_key"],
            true,
        ))
        .await?;
        m.create_index(index(Handovers::Table, &["house_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(MoveBookings::Table)
                .col(id_col(MoveBookings::Id))
                .col(big_integer(MoveBookings::CommunityId))
                .col(big_integer(MoveBookings::HouseId))
                .col(big_integer(MoveBookings::BuildingId))
                .col(big_integer(MoveBookings::RequestedByUserId))
                .col(string_len(MoveBookings::RequesterRelation, 16))
                .col(string_len(MoveBookings::Direction, 8))
                .col(date(MoveBookings::MoveOn))
                .col(integer(MoveBookings::WindowStartMin))
                .col(integer(MoveBookings::WindowEndMin))
                .col(text(MoveBookings::Items))
                .col(string_len(MoveBookings::State, 24))
                .col(big_integer_null(MoveBookings::ConsentByUserId))
                .col(at_null(MoveBookings::ConsentAt))
                .col(string_len_null(MoveBookings::PassCode, 16))
                .col(at_null(MoveBookings::PassIssuedAt))
                .col(at_null(MoveBookings::UsedAt))
                .col(big_integer_null(MoveBookings::UsedByUserId))
                .col(text_null(MoveBookings::ClosedReason))
                .col(string_len(MoveBookings::ClientKey, 100))
                .col(integer(MoveBookings::Version))
                .col(at(MoveBookings::CreatedAt))
                .foreign_key(&mut fk(
                    MoveBookings::Table,
                    MoveBookings::CommunityId,
                    Communities::Table,
                ))
                .foreign_key(&mut fk(
                    MoveBookings::Table,
                    MoveBookings::HouseId,
                    Houses::Table,
                ))
                .foreign_key(&mut fk(
                    MoveBookings::Table,
                    MoveBookings::RequestedByUserId,
                    Users::Table,
                ))
                .take(),
        )
        .await?;
        // A pass code opens the gate once in its community: NULL (no pass yet) is allowed many times.
        m.create_index(index(
            MoveBookings::Table,
            &["community_id", "pass_code"],
            true,
        ))
        .await?;
        m.create_index(index(
            MoveBookings::Table,
            &["requested_by_user_id", "client_key"],
            true,
        ))
        .await?;
        m.create_index(index(
            MoveBookings::Table,
            &["community_id", "move_on"],
            false,
        ))
        .await?;
        m.create_index(index(MoveBookings::Table, &["house_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["move_bookings", "handovers"] {
            m.drop_table(Table::drop().table(Alias::new(t)).take())
                .await?;
        }
        Ok(())
    }
}
