//! Renovation inspections with violations and fines, extension requests, and deposit refunds.
use crate::util::{at, at_null, fk, id_col, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Renovations {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum RenovationInspections {
    Table,
    Id,
    CommunityId,
    RenovationId,
    InspectorUserId,
    Note,
    IsViolation,
    RectifyBy,
    FineFen,
    RectifiedAt,
    ConfirmedAt,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum RenovationExtensions {
    Table,
    Id,
    CommunityId,
    RenovationId,
    RequestedEnd,
    Reason,
    Status,
    DecidedAt,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum DepositRefunds {
    Table,
    Id,
    CommunityId,
    RenovationId,
    DepositBillId,
    DepositFen,
    FinesFen,
    RefundFen,
    RecordedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use RenovationInspections as I;
        m.create_table(
            Table::create()
                .table(I::Table)
                .col(id_col(I::Id))
                .col(big_integer(I::CommunityId))
                .col(big_integer(I::RenovationId))
                .col(big_integer(I::InspectorUserId))
                .col(text(I::Note))
                .col(boolean(I::IsViolation).default(false))
                .col(date_null(I::RectifyBy))
                .col(big_integer(I::FineFen).default(0))
                .col(at_null(I::RectifiedAt))
                .col(at_null(I::ConfirmedAt))
                .col(at(I::CreatedAt))
                .foreign_key(&mut fk(I::Table, I::RenovationId, Renovations::Table))
                .take(),
        )
        .await?;
        m.create_index(index(I::Table, &["renovation_id"], false))
            .await?;
        use RenovationExtensions as E;
        m.create_table(
            Table::create()
                .table(E::Table)
                .col(id_col(E::Id))
                .col(big_integer(E::CommunityId))
                .col(big_integer(E::RenovationId))
                .col(date(E::RequestedEnd))
                .col(text(E::Reason))
                .col(string_len(E::Status, 16))
                .col(at_null(E::DecidedAt))
                .col(at(E::CreatedAt))
                .foreign_key(&mut fk(E::Table, E::RenovationId, Renovations::Table))
                .take(),
        )
        .await?;
        use DepositRefunds as D;
        m.create_table(
            Table::create()
                .table(D::Table)
                .col(id_col(D::Id))
                .col(big_integer(D::CommunityId))
                .col(big_integer(D::RenovationId))
                .col(big_integer(D::DepositBillId))
                .col(big_integer(D::DepositFen))
                .col(big_integer(D::FinesFen))
                .col(big_integer(D::RefundFen))
                .col(string(D::RecordedBy))
                .col(at(D::CreatedAt))
                .foreign_key(&mut fk(D::Table, D::RenovationId, Renovations::Table))
                .take(),
        )
        .await?;
        // One refund per renovation: a deposit is returned once.
        m.create_index(index(D::Table, &["renovation_id"], true))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "deposit_refunds",
            "renovation_extensions",
            "renovation_inspections",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).take())
                .await?;
        }
        Ok(())
    }
}
