//! Key custody (钥匙管理): keys held for owners, every loan and return, and emergency openings of
//! sealed keys with the manager's approval and the witnesses present.
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
enum CustodyKeys {
    Table,
    Id,
    CommunityId,
    HouseId,
    BuildingId,
    Label,
    SealNumber,
    State,
    DepositedByUserId,
    ReceivedByUserId,
    DepositedAt,
    Version,
}
#[derive(DeriveIden, Clone, Copy)]
enum KeyLoans {
    Table,
    Id,
    CommunityId,
    KeyId,
    Purpose,
    RepairOrderId,
    OpeningId,
    Note,
    BorrowerUserId,
    LentByUserId,
    LentAt,
    DueBackAt,
    ReturnedAt,
    ReceivedByUserId,
}
#[derive(DeriveIden, Clone, Copy)]
enum KeyOpenings {
    Table,
    Id,
    CommunityId,
    KeyId,
    Reason,
    State,
    RequestedByUserId,
    RequestedAt,
    DecidedByUserId,
    DecidedAt,
    RefusalReason,
    OpenedAt,
    OpenedByUserId,
    Witness1UserId,
    Witness2UserId,
    GuardUserId,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CustodyKeys::Table)
                .col(id_col(CustodyKeys::Id))
                .col(big_integer(CustodyKeys::CommunityId))
                .col(big_integer(CustodyKeys::HouseId))
                .col(big_integer(CustodyKeys::BuildingId))
                .col(string_len(CustodyKeys::Label, 60))
                .col(string_len_null(CustodyKeys::SealNumber, 32))
                .col(string_len(CustodyKeys::State, 24))
                .col(big_integer_null(CustodyKeys::DepositedByUserId))
                .col(big_integer(CustodyKeys::ReceivedByUserId))
                .col(at(CustodyKeys::DepositedAt))
                .col(integer(CustodyKeys::Version))
                .foreign_key(&mut fk(
                    CustodyKeys::Table,
                    CustodyKeys::CommunityId,
                    Communities::Table,
                ))
                .foreign_key(&mut fk(
                    CustodyKeys::Table,
                    CustodyKeys::HouseId,
                    Houses::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(CustodyKeys::Table, &["community_id", "state"], false))
            .await?;
        m.create_index(index(CustodyKeys::Table, &["house_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(KeyOpenings::Table)
                .col(id_col(KeyOpenings::Id))
                .col(big_integer(KeyOpenings::CommunityId))
                .col(big_integer(KeyOpenings::KeyId))
                .col(text(KeyOpenings::Reason))
                .col(string_len(KeyOpenings::State, 16))
                .col(big_integer(KeyOpenings::RequestedByUserId))
                .col(at(KeyOpenings::RequestedAt))
                .col(big_integer_null(KeyOpenings::DecidedByUserId))
                .col(at_null(KeyOpenings::DecidedAt))
                .col(text_null(KeyOpenings::RefusalReason))
                .col(at_null(KeyOpenings::OpenedAt))
                .col(big_integer_null(KeyOpenings::OpenedByUserId))
                .col(big_integer_null(KeyOpenings::Witness1UserId))
                .col(big_integer_null(KeyOpenings::Witness2UserId))
                .col(big_integer_null(KeyOpenings::GuardUserId))
                .col(integer(KeyOpenings::Version))
                .foreign_key(&mut fk(
                    KeyOpenings::Table,
                    KeyOpenings::KeyId,
                    CustodyKeys::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(KeyOpenings::Table, &["community_id", "state"], false))
            .await?;
        m.create_index(index(KeyOpenings::Table, &["key_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(KeyLoans::Table)
                .col(id_col(KeyLoans::Id))
                .col(big_integer(KeyLoans::CommunityId))
                .col(big_integer(KeyLoans::KeyId))
                .col(string_len(KeyLoans::Purpose, 16))
                .col(big_integer_null(KeyLoans::RepairOrderId))
                .col(big_integer_null(KeyLoans::OpeningId))
                .col(text_null(KeyLoans::Note))
                .col(big_integer(KeyLoans::BorrowerUserId))
                .col(big_integer(KeyLoans::LentByUserId))
                .col(at(KeyLoans::LentAt))
                .col(at(KeyLoans::DueBackAt))
                .col(at_null(KeyLoans::ReturnedAt))
                .col(big_integer_null(KeyLoans::ReceivedByUserId))
                .foreign_key(&mut fk(
                    KeyLoans::Table,
                    KeyLoans::KeyId,
                    CustodyKeys::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            KeyLoans::Table,
            &["community_id", "returned_at"],
            false,
        ))
        .await?;
        m.create_index(index(KeyLoans::Table, &["key_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["key_loans", "key_openings", "custody_keys"] {
            m.drop_table(Table::drop().table(Alias::new(t)).take())
                .await?;
        }
        Ok(())
    }
}
