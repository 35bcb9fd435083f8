//! A renovation deposit refund is money paid out: it says how (cash, card, transfer), on which
//! business day, and to which house, so it shows in finance's day and the owner's history.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "deposit_refunds";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Alias::new(TABLE))
                .add_column(ColumnDef::new(Alias::new("house_id")).big_integer().null())
                .to_owned(),
        )
        .await?;
        // Refunds recorded before this went back by transfer, the usual way for a deposit.
        m.alter_table(
            Table::alter()
                .table(Alias::new(TABLE))
                .add_column(
                    ColumnDef::new(Alias::new("method"))
                        .string_len(16)
                        .not_null()
                        .default("TRANSFER"),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new(TABLE))
                .add_column(ColumnDef::new(Alias::new("business_date")).date().null())
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared("UPDATE deposit_refunds SET house_id = (SELECT r.house_id FROM renovations r WHERE r.id = deposit_refunds.renovation_id)")
            .await?;
        m.create_index(crate::util::index(
            Alias::new(TABLE),
            &["community_id", "business_date"],
            false,
        ))
        .await?;
        m.create_index(crate::util::index(Alias::new(TABLE), &["house_id"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["community_id_business_date", "house_id"] {
            m.drop_index(
                Index::drop()
                    .name(format!("idx_{TABLE}_{name}"))
                    .table(Alias::new(TABLE))
                    .to_owned(),
            )
            .await?;
        }
        for col in ["business_date", "method", "house_id"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(TABLE))
                    .drop_column(Alias::new(col))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
