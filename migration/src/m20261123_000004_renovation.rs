//! Renovation permits: applications and their workflow, workers and their gate passes,
//! inspections with violations and fines, deposit refunds, and each community's rules.
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
enum RenovationRules {
    Table,
    Id,
    CommunityId,
    MaxDays,
    WorkWindows,
    Holidays,
}
#[derive(DeriveIden, Clone, Copy)]
enum Renovations {
    Table,
    Id,
    CommunityId,
    BuildingId,
    HouseId,
    ApplicantUserId,
    State,
    Scope,
    TouchesWalls,
    TouchesPlumbing,
    TouchesElectrics,
    TouchesFacade,
    TouchesWindows,
    LoadBearing,
    ContractorCompany,
    ContractorLicence,
    ContractorPerson,
    ContractorPhone,
    PlannedStart,
    PlannedEnd,
    DepositBillId,
    FeeBillId,
    PermitNo,
    Note,
    CreatedAt,
    SubmittedAt,
    DecidedAt,
    IssuedAt,
    Version,
}
#[derive(DeriveIden, Clone, Copy)]
enum RenovationWorkers {
    Table,
    Id,
    CommunityId,
    RenovationId,
    Name,
    IdNumber,
    Phone,
    PassCode,
    CreatedAt,
    RemovedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RenovationRules::Table)
                .col(id_col(RenovationRules::Id))
                .col(big_integer(RenovationRules::CommunityId))
                .col(integer(RenovationRules::MaxDays))
                .col(string(RenovationRules::WorkWindows))
                .col(text(RenovationRules::Holidays))
                .foreign_key(&mut fk(
                    RenovationRules::Table,
                    RenovationRules::CommunityId,
                    Communities::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(RenovationRules::Table, &["community_id"], true))
            .await?;
        use Renovations as R;
        m.create_table(
            Table::create()
                .table(R::Table)
                .col(id_col(R::Id))
                .col(big_integer(R::CommunityId))
                .col(big_integer(R::BuildingId))
                .col(big_integer(R::HouseId))
                .col(big_integer(R::ApplicantUserId))
                .col(string_len(R::State, 32))
                .col(text(R::Scope))
                .col(boolean(R::TouchesWalls).default(false))
                .col(boolean(R::TouchesPlumbing).default(false))
                .col(boolean(R::TouchesElectrics).default(false))
                .col(boolean(R::TouchesFacade).default(false))
                .col(boolean(R::TouchesWindows).default(false))
                .col(boolean(R::LoadBearing).default(false))
                .col(string(R::ContractorCompany))
                .col(string(R::ContractorLicence))
                .col(string(R::ContractorPerson))
                .col(string_len(R::ContractorPhone, 20))
                .col(date(R::PlannedStart))
                .col(date(R::PlannedEnd))
                .col(big_integer_null(R::DepositBillId))
                .col(big_integer_null(R::FeeBillId))
                .col(string_null(R::PermitNo))
                .col(text_null(R::Note))
                .col(at(R::CreatedAt))
                .col(at_null(R::SubmittedAt))
                .col(at_null(R::DecidedAt))
                .col(at_null(R::IssuedAt))
                .col(integer(R::Version).default(0))
                .foreign_key(&mut fk(R::Table, R::CommunityId, Communities::Table))
                .foreign_key(&mut fk(R::Table, R::HouseId, Houses::Table))
                .take(),
        )
        .await?;
        m.create_index(index(R::Table, &["community_id", "state"], false))
            .await?;
        m.create_index(index(R::Table, &["house_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(RenovationWorkers::Table)
                .col(id_col(RenovationWorkers::Id))
                .col(big_integer(RenovationWorkers::CommunityId))
                .col(big_integer(RenovationWorkers::RenovationId))
                .col(string(RenovationWorkers::Name))
                .col(string_len(RenovationWorkers::IdNumber, 18))
                .col(string_len(RenovationWorkers::Phone, 20))
                .col(string_len_uniq(RenovationWorkers::PassCode, 16))
                .col(at(RenovationWorkers::CreatedAt))
                .col(at_null(RenovationWorkers::RemovedAt))
                .foreign_key(&mut fk(
                    RenovationWorkers::Table,
                    RenovationWorkers::RenovationId,
                    R::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(RenovationWorkers::Table, &["renovation_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["renovation_workers", "renovations", "renovation_rules"] {
            m.drop_table(Table::drop().table(Alias::new(t)).take())
                .await?;
        }
        Ok(())
    }
}
