//! Small builders shared by the migrations so every table gets the same id, timestamp and FK shape.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// `id BIGINT PRIMARY KEY` with auto-increment on both SQLite and PostgreSQL.
pub fn id_col<T: IntoIden>(name: T) -> ColumnDef {
    big_pk_auto(name)
}

/// A UTC instant (`timestamptz` on PostgreSQL, ISO text on SQLite).
pub fn at<T: IntoIden>(name: T) -> ColumnDef {
    timestamp_with_time_zone(name)
}

pub fn at_null<T: IntoIden>(name: T) -> ColumnDef {
    timestamp_with_time_zone_null(name)
}

/// A foreign key with the conventional name `fk_<table>_<column>`.
pub fn fk<T, C, R>(table: T, column: C, ref_table: R) -> ForeignKeyCreateStatement
where
    T: IntoIden + Clone + 'static,
    C: IntoIden + Clone + 'static,
    R: IntoIden + 'static,
{
    let t = table.clone().into_iden().to_string();
    let c = column.clone().into_iden().to_string();
    ForeignKey::create()
        .name(format!("fk_{t}_{c}"))
        .from(table, column)
        .to(ref_table, Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

/// A plain (optionally unique) index named `idx_<table>_<cols>`.
pub fn index<T: IntoIden + Clone + 'static>(
    table: T,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let t = table.clone().into_iden().to_string();
    let mut stmt = Index::create();
    stmt.name(format!("idx_{t}_{}", cols.join("_")))
        .table(table);
    for c in cols {
        stmt.col(Alias::new(*c));
    }
    if unique {
        stmt.unique();
    }
    stmt.take()
}
