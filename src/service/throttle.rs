//! Sign-in throttling per phone and per client address. Counters live in the database so every
//! app server behind the load balancer sees the same count.
//!
//! An attempt is counted before its password is checked, in one atomic statement: otherwise
//! parallel guesses all read the same count, all get their hash checked, and none is refused.
use crate::config::ThrottleConfig;
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use chrono::{DateTime, Utc};
use entity::login_throttle::{self, Column};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

pub fn phone_key(phone: &str) -> String {
    format!("phone:{phone}")
}
pub fn address_key(addr: &str) -> String {
    format!("ip:{addr}")
}

/// One counted attempt: each key with its count (this attempt included) and its limit.
pub struct Attempt {
    counted: Vec<(String, i32, i32)>,
}

/// Counts an attempt against every `(key, limit)` before anything is checked. RATE_LIMITED
/// (with seconds to wait) if a key is locked, or if this attempt goes past a key's limit.
pub async fn attempt(
    db: &DatabaseConnection,
    cfg: &ThrottleConfig,
    keys: &[(String, i32)],
    now: DateTime<Utc>,
) -> AppResult<Attempt> {
    let mut counted = Vec::with_capacity(keys.len());
    let mut locked_until = None;
    for (key, limit) in keys {
        let (count, until) = bump(db, cfg, key, now).await?;
        locked_until = std::cmp::Ord::max(locked_until, until.filter(|u| *u > now));
        counted.push((key.clone(), count, *limit));
    }
    let attempt = Attempt { counted };
    if locked_until.is_none()
        && attempt
            .counted
            .iter()
            .any(|(_, count, limit)| count > limit)
    {
        lock_reached(db, cfg, &attempt, now).await?;
        locked_until = Some(now + lockout(cfg));
    }
    match locked_until {
        Some(until) => Err(AppError::RateLimited {
            retry_after_secs: std::cmp::max((until - now).num_seconds(), 1) as u64,
        }),
        None => Ok(attempt),
    }
}

/// Adds one to `key`'s count inside the current window, or starts a new window at 1; answers
/// the count and the key's lock.
async fn bump(
    db: &DatabaseConnection,
    cfg: &ThrottleConfig,
    key: &str,
    now: DateTime<Utc>,
) -> AppResult<(i32, Option<DateTime<Utc>>)> {
    let window_start = now - chrono::Duration::from_std(cfg.window).unwrap_or_default();
    let existing = |c: Column| Expr::col((login_throttle::Entity, c));
    let in_window = || existing(Column::WindowStart).gt(window_start);
    let stmt = Query::insert()
        .into_table(login_throttle::Entity)
        .columns([
            Column::Key,
            Column::Failures,
            Column::WindowStart,
            Column::LockedUntil,
        ])
        .values_panic([
            key.into(),
            1.into(),
            now.into(),
            Option::<DateTime<Utc>>::None.into(),
        ])
        .on_conflict(
            OnConflict::column(Column::Key)
                .values([
                    (
                        Column::Failures,
                        CaseStatement::new()
                            .case(in_window(), existing(Column::Failures).add(1))
                            .finally(1)
                            .into(),
                    ),
                    (
                        Column::WindowStart,
                        CaseStatement::new()
                            .case(in_window(), existing(Column::WindowStart))
                            .finally(now)
                            .into(),
                    ),
                ])
                .to_owned(),
        )
        .returning(Query::returning().columns([Column::Failures, Column::LockedUntil]))
        .to_owned();
    let row = db
        .query_one_raw(db.get_database_backend().build(&stmt))
        .await?
        .ok_or_else(|| AppError::internal("login throttle", "the upsert returned no row"))?;
    Ok((
        row.try_get::<i32>("", "failures")?,
        row.try_get::<Option<DateTime<Utc>>>("", "locked_until")?,
    ))
}

/// Counts one use of `key` in a window of `window`; RATE_LIMITED once more than `limit` uses
/// fall in one window (until the window ends).
pub async fn limit_rate(
    db: &DatabaseConnection,
    key: &str,
    limit: i32,
    window: std::time::Duration,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let cfg = ThrottleConfig {
        window,
        ..ThrottleConfig::default()
    };
    let (count, _) = bump(db, &cfg, key, now).await?;
    if count <= limit {
        return Ok(());
    }
    let started = login_throttle::Entity::find_by_id(key.to_owned())
        .one_row(db)
        .await?
        .map_or(now, |r| r.window_start);
    let ends = started + chrono::Duration::from_std(window).unwrap_or_default();
    Err(AppError::RateLimited {
        retry_after_secs: std::cmp::max((ends - now).num_seconds(), 1) as u64,
    })
}

fn lockout(cfg: &ThrottleConfig) -> chrono::Duration {
    chrono::Duration::from_std(cfg.lockout).unwrap_or_default()
}

/// Locks every key of the attempt whose count has reached its limit (an existing lock stands).
async fn lock_reached(
    db: &DatabaseConnection,
    cfg: &ThrottleConfig,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for (key, count, limit) in &attempt.counted {
        if count < limit {
            continue;
        }
        login_throttle::Entity::update_many()
            .col_expr(Column::LockedUntil, Expr::value(now + lockout(cfg)))
            .filter(Column::Key.eq(key.as_str()))
            .filter(
                sea_orm::Condition::any()
                    .add(Column::LockedUntil.is_null())
                    .add(Column::LockedUntil.lt(now)),
            )
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The attempt's password was wrong: the counts stay, and a key at its limit is locked.
pub async fn failed(
    db: &DatabaseConnection,
    cfg: &ThrottleConfig,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> AppResult<()> {
    lock_reached(db, cfg, attempt, now).await
}

/// The attempt succeeded: `clear` starts its key afresh (the phone); every other key gives the
/// attempt back, so an address shared by many honest people counts only their failures.
pub async fn succeeded(db: &DatabaseConnection, attempt: &Attempt, clear: &str) -> AppResult<()> {
    login_throttle::Entity::delete_many()
        .filter(Column::Key.eq(clear))
        .exec(db)
        .await?;
    for (key, _, _) in attempt.counted.iter().filter(|(k, _, _)| k != clear) {
        login_throttle::Entity::update_many()
            .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
            .filter(Column::Key.eq(key.as_str()))
            .filter(Column::Failures.gt(0))
            .exec(db)
            .await?;
    }
    Ok(())
}
