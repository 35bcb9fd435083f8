//! Complaints (客户投诉受理规程): the register, the workflow state and the return visit.
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
enum Houses {
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
enum Complaints {
    Table,
    Id,
    CommunityId,
    BuildingId,
    HouseId,
    PublicAreaId,
    Channel,
    Category,
    Severity,
    Department,
    Summary,
    State,
    ComplainantUserId,
    ComplainantName,
    ComplainantPhone,
    RegisteredBy,
    HandlerUserId,
    CreatedAt,
    ReplyDueAt,
    AssignedAt,
    EscalatedAt,
    RepliedAt,
    Reply,
    ResolvedAt,
    Resolution,
    ReturnVisitedAt,
    Satisfaction,
    ReturnVisitRemarks,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use Complaints as C;
        m.create_table(
            Table::create()
                .table(C::Table)
                .col(id_col(C::Id))
                .col(big_integer(C::CommunityId))
                .col(big_integer_null(C::BuildingId))
                .col(big_integer_null(C::HouseId))
                .col(big_integer_null(C::PublicAreaId))
                .col(string_len(C::Channel, 16))
                .col(string_len(C::Category, 24))
                .col(string_len(C::Severity, 16))
                .col(string_len_null(C::Department, 24))
                .col(text(C::Summary))
                .col(string_len(C::State, 16))
                .col(big_integer_null(C::ComplainantUserId))
                .col(string_len(C::ComplainantName, 64))
                .col(string_len(C::ComplainantPhone, 32))
                .col(big_integer(C::RegisteredBy))
                .col(big_integer_null(C::HandlerUserId))
                .col(at(C::CreatedAt))
                .col(at(C::ReplyDueAt))
                .col(at_null(C::AssignedAt))
                .col(at_null(C::EscalatedAt))
                .col(at_null(C::RepliedAt))
                .col(text_null(C::Reply))
                .col(at_null(C::ResolvedAt))
                .col(text_null(C::Resolution))
                .col(at_null(C::ReturnVisitedAt))
                .col(small_integer_null(C::Satisfaction))
                .col(text_null(C::ReturnVisitRemarks))
                .col(integer(C::Version))
                .foreign_key(&mut fk(C::Table, C::CommunityId, Communities::Table))
                .foreign_key(&mut fk(C::Table, C::BuildingId, Buildings::Table))
                .foreign_key(&mut fk(C::Table, C::HouseId, Houses::Table))
                .foreign_key(&mut fk(C::Table, C::PublicAreaId, PublicAreas::Table))
                .foreign_key(&mut fk(C::Table, C::ComplainantUserId, Users::Table))
                .foreign_key(&mut fk(C::Table, C::RegisteredBy, Users::Table))
                .foreign_key(&mut fk(C::Table, C::HandlerUserId, Users::Table))
                .take(),
        )
        .await?;
        // The staff lists and the monthly figures filter by community and registration time.
        m.create_index(index(C::Table, &["community_id", "created_at"], false))
            .await?;
        m.create_index(index(C::Table, &["house_id"], false))
            .await?;
        m.create_index(index(C::Table, &["complainant_user_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Complaints::Table).take())
            .await?;
        Ok(())
    }
}
