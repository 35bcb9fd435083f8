//! Failed sign-in throttling per phone and per client address. Counters live in the database so
//! every app server behind the load balancer sees the same count.
use crate::config::ThrottleConfig;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use entity::login_throttle;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

pub fn phone_key(phone: &str) -> String {
    format!("phone:{phone}")
}
pub fn address_key(addr: &str) -> String {
    format!("ip:{addr}")
}

/// RATE_LIMITED (with seconds to wait) if any key is locked.
pub async fn check(db: &DatabaseConnection, keys: &[String], now: DateTime<Utc>) -> AppResult<()> {
    let rows = login_throttle::Entity::find()
        .filter(login_throttle::Column::Key.is_in(keys.to_vec()))
        .all(db)
        .await?;
    let wait = rows
        .iter()
        .filter_map(|r| r.locked_until)
        .filter(|until| *until > now)
        .max();
    match wait {
        Some(until) => Err(AppError::RateLimited {
            retry_after_secs: std::cmp::max((until - now).num_seconds(), 1) as u64,
        }),
        None => Ok(()),
    }
}

/// Counts one failure for `key`, locking it once the limit is reached inside the window.
pub async fn record_failure(
    db: &DatabaseConnection,
    cfg: &ThrottleConfig,
    key: &str,
    limit: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let window_start = now - chrono::Duration::from_std(cfg.window).unwrap_or_default();
    // Increment atomically inside the current window ...
    let bumped = login_throttle::Entity::update_many()
        .col_expr(
            login_throttle::Column::Failures,
            Expr::col(login_throttle::Column::Failures).add(1),
        )
        .filter(login_throttle::Column::Key.eq(key))
        .filter(login_throttle::Column::WindowStart.gt(window_start))
        .exec(db)
        .await?;
    if bumped.rows_affected == 0 {
        // ... or start a new window (insert, or reset a stale row).
        let row = login_throttle::ActiveModel {
            key: sea_orm::Set(key.to_owned()),
            failures: sea_orm::Set(1),
            window_start: sea_orm::Set(now),
            locked_until: sea_orm::Set(None),
        };
        login_throttle::Entity::insert(row)
            .on_conflict(
                OnConflict::column(login_throttle::Column::Key)
                    .update_columns([
                        login_throttle::Column::Failures,
                        login_throttle::Column::WindowStart,
                        login_throttle::Column::LockedUntil,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    let lock_until = now + chrono::Duration::from_std(cfg.lockout).unwrap_or_default();
    login_throttle::Entity::update_many()
        .col_expr(login_throttle::Column::LockedUntil, Expr::value(lock_until))
        .filter(login_throttle::Column::Key.eq(key))
        .filter(login_throttle::Column::Failures.gte(limit))
        .filter(
            sea_orm::Condition::any()
                .add(login_throttle::Column::LockedUntil.is_null())
                .add(login_throttle::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// A successful sign-in clears the phone's counter (the address keeps its own).
pub async fn clear(db: &DatabaseConnection, key: &str) -> AppResult<()> {
    login_throttle::Entity::delete_many()
        .filter(login_throttle::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}
