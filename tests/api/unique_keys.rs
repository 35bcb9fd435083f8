//! A unique-constraint clash names the field the caller sent, on both databases: the table of
//! unique indexes in `guanjia::error` matches the migrated catalogue, and a real clash on each
//! engine comes back as CONFLICT with that field.
use crate::helpers::*;
use guanjia::error::{unique_key_of, AppError, UNIQUE_KEYS};
use guanjia::service::page::OneRow;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, Statement};

/// (index name, table, columns) of every unique index the migrations made.
async fn catalogue(app: &TestApp) -> Vec<(String, String, Vec<String>)> {
    let db = &app.db;
    let mut out = Vec::new();
    if db.get_database_backend() == DbBackend::Postgres {
        let rows = db
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT i.relname AS index, t.relname AS tbl, \
                        array_to_string(array_agg(a.attname ORDER BY k.ord), ',') AS cols \
                 FROM pg_index x \
                 JOIN pg_class i ON i.oid = x.indexrelid \
                 JOIN pg_class t ON t.oid = x.indrelid \
                 JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema() \
                 CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
                 WHERE x.indisunique AND NOT x.indisprimary AND t.relname <> 'seaql_migrations' \
                 GROUP BY i.relname, t.relname"
                    .to_owned(),
            ))
            .await
            .unwrap();
        for r in rows {
            let cols: String = r.try_get("", "cols").unwrap();
            out.push((
                r.try_get("", "index").unwrap(),
                r.try_get("", "tbl").unwrap(),
                cols.split(',').map(str::to_owned).collect(),
            ));
        }
    } else {
        let rows = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT m.name AS index_name, m.tbl_name AS tbl, \
                        (SELECT group_concat(name, ',') FROM \
                           (SELECT name FROM pragma_index_info(m.name) ORDER BY seqno)) AS cols \
                 FROM sqlite_master m \
                 WHERE m.type = 'index' AND m.tbl_name <> 'seaql_migrations' \
                   AND (m.sql LIKE 'CREATE UNIQUE%' OR m.name LIKE 'sqlite_autoindex_%') \
                   AND (SELECT origin FROM pragma_index_list(m.tbl_name) l \
                        WHERE l.name = m.name) <> 'pk'"
                    .to_owned(),
            ))
            .await
            .unwrap();
        for r in rows {
            let cols: String = r.try_get("", "cols").unwrap();
            let name: String = r.try_get("", "index_name").unwrap();
            let tbl: String = r.try_get("", "tbl").unwrap();
            // SQLite names a column constraint's index itself; use PostgreSQL's name for it.
            let name = if name.starts_with("sqlite_autoindex_") {
                format!("{tbl}_{}_key", cols.replace(',', "_"))
            } else {
                name
            };
            out.push((
                name,
                r.try_get("", "tbl").unwrap(),
                cols.split(',').map(str::to_owned).collect(),
            ));
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn every_unique_index_names_a_field_of_the_schema() {
    let app = spawn_app().await;
    let found = catalogue(&app).await;
    let mut known: Vec<(String, String, Vec<String>)> = UNIQUE_KEYS
        .iter()
        .map(|k| {
            (
                k.index.to_owned(),
                k.table.to_owned(),
                k.columns.iter().map(|c| c.to_string()).collect(),
            )
        })
        .collect();
    known.sort();
    assert_eq!(
        found, known,
        "error::UNIQUE_KEYS differs from the database's unique indexes"
    );
    let sdl =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    for k in UNIQUE_KEYS {
        assert!(
            sdl.contains(&format!("{}:", k.field)) || sdl.contains(&format!("{}(", k.field)),
            "{} names {:?}, which the schema does not have",
            k.index,
            k.field
        );
    }
}

#[tokio::test]
async fn a_real_clash_names_the_field_on_this_engine() {
    let app = spawn_app().await;
    let house = entity::house::Entity::find()
        .one_row(&app.db)
        .await
        .unwrap()
        .expect("the demo estate has houses");
    let copy = entity::house::ActiveModel {
        id: sea_orm::NotSet,
        ..entity::house::ActiveModel::from(house.clone())
    };
    let err = copy
        .insert(&app.db)
        .await
        .expect_err("same unit and number");
    let detail = match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(d)) => d,
        other => panic!("not a unique violation: {other:?}"),
    };
    assert_eq!(
        unique_key_of(&detail).map(|k| k.index),
        Some("idx_houses_unit_id_number")
    );
    match AppError::from(err) {
        AppError::Conflict { field, .. } => assert_eq!(field, "number"),
        other => panic!("expected CONFLICT, got {other:?}"),
    }
}
