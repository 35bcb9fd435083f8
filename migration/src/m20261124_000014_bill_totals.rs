//! Collection totals per community, period and building, kept by the database as bills are
//! written. The collection report reads these few rows instead of summing every bill of the
//! month (100,000 at a large estate). Triggers, not service code, keep them, so every write path
//! (generation, payment, reversal, cancellation, and any added later) stays consistent on both
//! databases, in the same transaction as the bill itself.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE_TABLE: &str = "CREATE TABLE bill_totals (
    community_id BIGINT NOT NULL,
    period VARCHAR(7) NOT NULL,
    building_id BIGINT NOT NULL,
    bills BIGINT NOT NULL,
    due_fen BIGINT NOT NULL,
    paid_fen BIGINT NOT NULL,
    PRIMARY KEY (community_id, period, building_id)
)";

/// What is already there: live periodic bills, the same rows the report summed.
const BACKFILL: &str =
    "INSERT INTO bill_totals (community_id, period, building_id, bills, due_fen, paid_fen)
    SELECT community_id, period, building_id, COUNT(*), SUM(amount_fen), SUM(paid_fen)
    FROM bills WHERE kind = 'PERIODIC' AND cancelled_at IS NULL
    GROUP BY community_id, period, building_id";

/// A live periodic bill adds itself; the same upsert text in both dialects.
const ADD_NEW: &str =
    "INSERT INTO bill_totals (community_id, period, building_id, bills, due_fen, paid_fen)
        VALUES (NEW.community_id, NEW.period, NEW.building_id, 1, NEW.amount_fen, NEW.paid_fen)
        ON CONFLICT (community_id, period, building_id) DO UPDATE SET
            bills = bill_totals.bills + 1,
            due_fen = bill_totals.due_fen + excluded.due_fen,
            paid_fen = bill_totals.paid_fen + excluded.paid_fen";

/// The row a bill counted in before it changed gives its old figures back.
const REMOVE_OLD: &str = "UPDATE bill_totals SET
            bills = bills - 1, due_fen = due_fen - OLD.amount_fen, paid_fen = paid_fen - OLD.paid_fen
        WHERE community_id = OLD.community_id AND period = OLD.period AND building_id = OLD.building_id";

fn sqlite_triggers() -> Vec<String> {
    let live = |row: &str| format!("{row}.kind = 'PERIODIC' AND {row}.cancelled_at IS NULL");
    vec![
        format!("CREATE TRIGGER bill_totals_insert AFTER INSERT ON bills WHEN {} BEGIN {ADD_NEW}; END", live("NEW")),
        format!("CREATE TRIGGER bill_totals_delete AFTER DELETE ON bills WHEN {} BEGIN {REMOVE_OLD}; END", live("OLD")),
        // Two triggers for an update, so each half runs only when its row counts.
        format!(
            "CREATE TRIGGER bill_totals_update_old AFTER UPDATE ON bills WHEN {} BEGIN {REMOVE_OLD}; END",
            live("OLD")
        ),
        format!(
            "CREATE TRIGGER bill_totals_update_new AFTER UPDATE ON bills WHEN {} BEGIN {ADD_NEW}; END",
            live("NEW")
        ),
    ]
}

fn postgres_triggers() -> Vec<String> {
    vec![
        format!(
            "CREATE FUNCTION bill_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind = 'PERIODIC' AND OLD.cancelled_at IS NULL THEN
                    {REMOVE_OLD};
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.kind = 'PERIODIC' AND NEW.cancelled_at IS NULL THEN
                    {ADD_NEW};
                END IF;
                RETURN NULL;
            END $$"
        ),
        "CREATE TRIGGER bill_totals_apply AFTER INSERT OR UPDATE OR DELETE ON bills
            FOR EACH ROW EXECUTE FUNCTION bill_totals_apply()"
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(CREATE_TABLE).await?;
        db.execute_unprepared(BACKFILL).await?;
        let triggers = match db.get_database_backend() {
            DbBackend::Postgres => postgres_triggers(),
            _ => sqlite_triggers(),
        };
        for t in triggers {
            db.execute_unprepared(&t).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("DROP TRIGGER bill_totals_apply ON bills")
                    .await?;
                db.execute_unprepared("DROP FUNCTION bill_totals_apply()")
                    .await?;
            }
            _ => {
                for t in [
                    "bill_totals_insert",
                    "bill_totals_delete",
                    "bill_totals_update_old",
                    "bill_totals_update_new",
                ] {
                    db.execute_unprepared(&format!("DROP TRIGGER {t}")).await?;
                }
            }
        }
        db.execute_unprepared("DROP TABLE bill_totals").await?;
        Ok(())
    }
}
