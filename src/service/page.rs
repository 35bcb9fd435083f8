//! Keyset pagination by id for every Relay connection: stable under inserts, no OFFSET scans.
use crate::error::{AppError, AppResult};
use sea_orm::sea_query::{PostgresQueryBuilder, QueryBuilder, SqlWriterValues, SqliteQueryBuilder};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QueryTrait, Select, Statement,
};
use std::fmt::Write;

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

/// The rows of `q`, at most `n`, with the LIMIT written into the SQL text rather than bound.
/// SQLite re-plans a statement whose LIMIT is a bound parameter every time it runs
/// (`sqlite3Reprepare`, about 13% of the server's CPU under the screens benchmark); a literal
/// leaves one cached plan per page size, and page sizes are few.
pub async fn all_limited<E: EntityTrait>(
    db: &impl ConnectionTrait,
    q: Select<E>,
    n: u64,
) -> Result<Vec<E::Model>, DbErr> {
    let mut stmt = q.build(db.get_database_backend());
    stmt.sql.push_str(&format!(" LIMIT {n}"));
    // Boxed: SeaORM's query future is about 1.8 KB, and a page query sits inside list resolvers,
    // which async-graphql's object futures carry inline (see `Cx::reach`).
    Box::pin(E::find().from_raw_sql(stmt).all(db)).await
}

/// `Select::one` with its `LIMIT 1` in the SQL text, for the same reason as `all_limited`:
/// every session check and lookup by id went through SQLite's re-planning.
pub trait OneRow<E: EntityTrait> {
    fn one_row<C: ConnectionTrait>(
        self,
        db: &C,
    ) -> impl std::future::Future<Output = Result<Option<E::Model>, DbErr>> + Send;
}

impl<E: EntityTrait> OneRow<E> for Select<E> {
    fn one_row<C: ConnectionTrait>(
        self,
        db: &C,
    ) -> impl std::future::Future<Output = Result<Option<E::Model>, DbErr>> + Send {
        let mut stmt = self.build(db.get_database_backend());
        stmt.sql.push_str(" LIMIT 1");
        E::find().from_raw_sql(stmt).one(db)
    }
}

/// One statement for the rows matching any of `branches`: each branch's first `n` rows in
/// `id_col` order, their union, and its first `n`. `a OR b ORDER BY id` makes both databases
/// collect every row that matches either and sort them all for each page (the soak's owner
/// had 67,000 orders sorted on every home screen); here each branch reads its rows in the order
/// of an index ending in `id_col` and stops, and the union sorts at most branches × `n` rows.
/// LIMIT is a literal, as in `all_limited`.
pub fn any_limited_statement<E: EntityTrait, C: ColumnTrait>(
    backend: DbBackend,
    branches: Vec<Select<E>>,
    id_col: C,
    descending: bool,
    n: u64,
) -> Statement {
    match backend {
        DbBackend::Postgres => union_of_pages(
            PostgresQueryBuilder,
            branches,
            id_col,
            descending,
            n,
            backend,
        ),
        _ => union_of_pages(SqliteQueryBuilder, branches, id_col, descending, n, backend),
    }
}

fn union_of_pages<Q: QueryBuilder, E: EntityTrait, C: ColumnTrait>(
    builder: Q,
    branches: Vec<Select<E>>,
    id_col: C,
    descending: bool,
    n: u64,
    backend: DbBackend,
) -> Statement {
    let (placeholder, numbered) = builder.placeholder();
    // One writer for every branch, so PostgreSQL's numbered placeholders run on across them.
    let mut sql = SqlWriterValues::new(placeholder, numbered);
    let order = if descending { "DESC" } else { "ASC" };
    let id = id_col.as_str();
    for (i, branch) in branches.into_iter().enumerate() {
        let branch = if descending {
            branch.order_by_desc(id_col)
        } else {
            branch.order_by_asc(id_col)
        };
        // Wrapped, because a member of a compound SELECT may not have its own ORDER BY or LIMIT.
        sql.write_str(if i == 0 {
            "SELECT * FROM ("
        } else {
            " UNION SELECT * FROM ("
        })
        .expect("writing to a String");
        builder.prepare_select_statement(&branch.into_query(), &mut sql);
        write!(sql, " LIMIT {n}) AS branch{i}").expect("writing to a String");
    }
    write!(sql, " ORDER BY \"{id}\" {order} LIMIT {n}").expect("writing to a String");
    let (text, values) = sql.into_parts();
    Statement::from_sql_and_values(backend, text, values)
}

/// One page of the rows matching any of `branches` (see `any_limited_statement`), by id, with
/// the same keyset semantics as `paginate`.
pub async fn paginate_any<E, C>(
    db: &impl ConnectionTrait,
    branches: Vec<Select<E>>,
    id_col: C,
    args: &PageArgs,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let limit = args.first.or(args.last).unwrap_or(DEFAULT_PAGE);
    let branches = branches
        .into_iter()
        .map(|q| within_cursors(q, id_col, args))
        .collect();
    let stmt = any_limited_statement(
        db.get_database_backend(),
        branches,
        id_col,
        args.last.is_some(),
        limit + 1,
    );
    let rows = Box::pin(E::find().from_raw_sql(stmt).all(db)).await?;
    Ok(keyset_page(rows, limit, args))
}

/// `q` narrowed to the rows after `after` and before `before`, in id order.
fn within_cursors<E: EntityTrait, C: ColumnTrait>(
    mut q: Select<E>,
    id_col: C,
    args: &PageArgs,
) -> Select<E> {
    if let Some(a) = args.after {
        q = q.filter(id_col.gt(a));
    }
    if let Some(b) = args.before {
        q = q.filter(id_col.lt(b));
    }
    q
}

/// Parsed `first/after/last/before`.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub after: Option<i64>,
    pub before: Option<i64>,
    pub first: Option<u64>,
    pub last: Option<u64>,
    /// The caller asked for the whole list's size (`totalCount`).
    pub count: bool,
}

impl PageArgs {
    /// Validates the raw arguments: sizes within 0..=100, not both `first` and `last`.
    pub fn new(
        after: Option<i64>,
        before: Option<i64>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> AppResult<Self> {
        let size = |field: &'static str, v: Option<i32>| -> AppResult<Option<u64>> {
            match v {
                None => Ok(None),
                Some(n) if (0..=MAX_PAGE as i32).contains(&n) => Ok(Some(n as u64)),
                Some(_) => Err(AppError::bad_input(
                    field,
                    "每页条数应在 0 到 100 之间",
                    "Page size must be between 0 and 100",
                )),
            }
        };
        let first = size("first", first)?;
        let last = size("last", last)?;
        if first.is_some() && last.is_some() {
            return Err(AppError::bad_input(
                "last",
                "first 与 last 不能同时使用",
                "Use either first or last, not both",
            ));
        }
        Ok(Self {
            after,
            before,
            first,
            last,
            count: false,
        })
    }
}

pub struct Page<T> {
    pub items: Vec<T>,
    pub has_previous: bool,
    pub has_next: bool,
    /// How many rows the whole list holds, when `PageArgs::count` asked and counting is cheap.
    pub total: Option<u64>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_previous: self.has_previous,
            has_next: self.has_next,
            total: self.total,
        }
    }
}

/// One page of `select`, ordered by `id_col`.
pub async fn paginate<E, C>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    id_col: C,
    args: &PageArgs,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ColumnTrait,
{
    let backward = args.last.is_some();
    let limit = args.first.or(args.last).unwrap_or(DEFAULT_PAGE);
    let total = count_if_asked(db, &select, args).await?;
    let mut q = within_cursors(select, id_col, args);
    q = if backward {
        q.order_by_desc(id_col)
    } else {
        q.order_by_asc(id_col)
    };
    let rows = all_limited(db, q, limit + 1).await?;
    Ok(Page {
        total,
        ..keyset_page(rows, limit, args)
    })
}

/// The size of the whole list, when the caller asked for it.
async fn count_if_asked<E>(
    db: &impl ConnectionTrait,
    select: &Select<E>,
    args: &PageArgs,
) -> AppResult<Option<u64>>
where
    E: EntityTrait,
    E::Model: Sync,
{
    if !args.count {
        return Ok(None);
    }
    Ok(Some(
        sea_orm::PaginatorTrait::count(select.clone(), db).await?,
    ))
}

/// The page from up to `limit + 1` rows read in the direction of travel (backwards for
/// `last`): the extra row only tells that there is more that way.
fn keyset_page<T>(mut rows: Vec<T>, limit: u64, args: &PageArgs) -> Page<T> {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    if args.last.is_some() {
        rows.reverse();
        Page {
            items: rows,
            has_previous: more,
            has_next: args.before.is_some(),
            total: None,
        }
    } else {
        Page {
            items: rows,
            has_previous: args.after.is_some(),
            has_next: more,
            total: None,
        }
    }
}

/// One page of rows already in memory (a parent's few children loaded in a batch), with the
/// same keyset semantics as `paginate`.
pub fn paginate_vec<T>(mut rows: Vec<T>, id_of: impl Fn(&T) -> i64, args: &PageArgs) -> Page<T> {
    rows.sort_by_key(&id_of);
    let whole = Some(rows.len() as u64);
    rows.retain(|r| {
        args.after.is_none_or(|a| id_of(r) > a) && args.before.is_none_or(|b| id_of(r) < b)
    });
    let limit = args.first.or(args.last).unwrap_or(DEFAULT_PAGE) as usize;
    let total = rows.len();
    if args.last.is_some() {
        let skip = total.saturating_sub(limit);
        let items: Vec<T> = rows.into_iter().skip(skip).collect();
        Page {
            items,
            has_previous: skip > 0,
            has_next: args.before.is_some(),
            total: whole,
        }
    } else {
        rows.truncate(limit);
        Page {
            items: rows,
            has_previous: args.after.is_some(),
            has_next: total > limit,
            total: whole,
        }
    }
}

/// One page of rows already in memory in a meaningful order (by appointment, say); `after` and
/// `before` name the id of a row in that order.
pub fn paginate_in_order<T>(rows: Vec<T>, id_of: impl Fn(&T) -> i64, args: &PageArgs) -> Page<T> {
    let whole = Some(rows.len() as u64);
    let start = args
        .after
        .and_then(|a| rows.iter().position(|r| id_of(r) == a))
        .map_or(0, |p| p + 1);
    let end = args
        .before
        .and_then(|b| rows.iter().position(|r| id_of(r) == b))
        .unwrap_or(rows.len())
        .max(start);
    let limit = args.first.or(args.last).unwrap_or(DEFAULT_PAGE) as usize;
    let window: Vec<T> = rows.into_iter().take(end).skip(start).collect();
    let n = window.len();
    if args.last.is_some() {
        let skip = n.saturating_sub(limit);
        Page {
            items: window.into_iter().skip(skip).collect(),
            has_previous: skip > 0 || start > 0,
            has_next: args.before.is_some(),
            total: whole,
        }
    } else {
        Page {
            has_next: n > limit,
            has_previous: start > 0,
            items: window.into_iter().take(limit).collect(),
            total: whole,
        }
    }
}

/// One page of `select`, newest (highest id) first: a feed such as notices or complaints.
/// `after` continues towards older rows, `before` towards newer ones.
pub async fn paginate_newest_first<E, C>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    id_col: C,
    args: &PageArgs,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ColumnTrait,
{
    let backward = args.last.is_some();
    let limit = args.first.or(args.last).unwrap_or(DEFAULT_PAGE);
    let total = count_if_asked(db, &select, args).await?;
    let mut q = select;
    if let Some(a) = args.after {
        q = q.filter(id_col.lt(a));
    }
    if let Some(b) = args.before {
        q = q.filter(id_col.gt(b));
    }
    q = if backward {
        q.order_by_asc(id_col)
    } else {
        q.order_by_desc(id_col)
    };
    let rows = all_limited(db, q, limit + 1).await?;
    Ok(Page {
        total,
        ..keyset_page(rows, limit, args)
    })
}
