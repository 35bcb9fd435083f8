//! Smart cards (access and vehicle) and the append-only log of their changes that access-control
//! systems sync from.
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
enum Houses {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Cards {
    Table,
    Id,
    CommunityId,
    HouseId,
    HolderUserId,
    Kind,
    Number,
    State,
    ReplacedById,
    ReplacementBillId,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum CardChanges {
    Table,
    Id,
    CommunityId,
    CardId,
    Number,
    Kind,
    State,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Cards::Table)
                .col(id_col(Cards::Id))
                .col(big_integer(Cards::CommunityId))
                .col(big_integer(Cards::HouseId))
                .col(big_integer(Cards::HolderUserId))
                .col(string_len(Cards::Kind, 16))
                .col(string_len(Cards::Number, 32))
                .col(string_len(Cards::State, 16))
                .col(big_integer_null(Cards::ReplacedById))
                .col(big_integer_null(Cards::ReplacementBillId))
                .col(at(Cards::CreatedAt))
                .foreign_key(&mut fk(
                    Cards::Table,
                    Cards::CommunityId,
                    Communities::Table,
                ))
                .foreign_key(&mut fk(Cards::Table, Cards::HouseId, Houses::Table))
                .foreign_key(&mut fk(Cards::Table, Cards::HolderUserId, Users::Table))
                .take(),
        )
        .await?;
        m.create_index(index(Cards::Table, &["community_id", "number"], true))
            .await?;
        m.create_index(index(Cards::Table, &["holder_user_id"], false))
            .await?;
        m.create_index(index(Cards::Table, &["house_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(CardChanges::Table)
                .col(id_col(CardChanges::Id))
                .col(big_integer(CardChanges::CommunityId))
                .col(big_integer(CardChanges::CardId))
                .col(string_len(CardChanges::Number, 32))
                .col(string_len(CardChanges::Kind, 16))
                .col(string_len(CardChanges::State, 16))
                .col(at(CardChanges::At))
                .foreign_key(&mut fk(
                    CardChanges::Table,
                    CardChanges::CardId,
                    Cards::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(CardChanges::Table, &["community_id", "id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["card_changes", "cards"] {
            m.drop_table(Table::drop().table(Alias::new(t)).take())
                .await?;
        }
        Ok(())
    }
}
