//! The repair quality targets, computed live for a community and a month: follow-up within
//! 24 h (≥ 98%), general problems solved the same day, average satisfaction, paid-service
//! satisfaction (≥ 98%).
use super::clock::Settings;
use crate::error::AppResult;
use crate::service::fees::{month_end, parse_period, require_staff_in};
use crate::service::{estate, Cx};
use chrono::{Duration, FixedOffset};
use entity::enums::{RepairDifficulty, StaffRole};
use entity::{repair_charge, repair_order};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashSet;

#[derive(Clone, Debug, Default)]
pub struct Targets {
    /// Orders completed in the period.
    pub completed: i64,
    /// Of those, followed up within the community's follow-up window.
    pub followed_up_in_time: i64,
    /// General problems completed in the period.
    pub general: i64,
    /// Of those, completed the same local day they were booked.
    pub general_same_day: i64,
    /// Sum and count of follow-up satisfaction scores (1–5).
    pub satisfaction_sum: i64,
    pub satisfaction_count: i64,
    /// Paid-service orders followed up, and of those rated satisfied (4–5).
    pub paid_followed_up: i64,
    pub paid_satisfied: i64,
    /// Follow-ups rated satisfied (4–5).
    pub satisfied_count: i64,
    /// Hard problems completed in the period, and of those within the community's hard-problem days.
    pub hard: i64,
    pub hard_in_time: i64,
    /// Orders followed up the same local day they were completed (对当日已解决问题的回访).
    pub followed_up_same_day: i64,
}

/// `part ÷ whole` in basis points, rounded down; None when there is nothing to measure.
pub fn rate_bps(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| part * 10_000 / whole)
}

pub async fn compute(cx: &Cx, community_id: i64, period: &str) -> AppResult<Targets> {
    estate::community(cx, community_id).await?;
    require_staff_in(cx, community_id, &[StaffRole::Manager])?;
    let first = parse_period("period", period)?;
    let offset = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let from = first
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_local_timezone(offset)
        .single()
        .expect("fixed")
        .to_utc();
    let to = (month_end(first) + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_local_timezone(offset)
        .single()
        .expect("fixed")
        .to_utc();
    let s: Settings = super::settings(cx.db(), community_id).await?;
    let orders = repair_order::Entity::find()
        .filter(repair_order::Column::CommunityId.eq(community_id))
        .filter(repair_order::Column::CompletedAt.gte(from))
        .filter(repair_order::Column::CompletedAt.lt(to))
        .all(cx.db())
        .await?;
    let paid: HashSet<i64> = repair_charge::Entity::find()
        .filter(repair_charge::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
        .all(cx.db())
        .await?
        .into_iter()
        .map(|c| c.order_id)
        .collect();
    let mut t = Targets::default();
    for o in &orders {
        let Some(done) = o.completed_at else { continue };
        t.completed += 1;
        if o.followed_up_at
            .is_some_and(|f| f - done <= Duration::hours(s.follow_up_hours))
        {
            t.followed_up_in_time += 1;
        }
        if o.followed_up_at.is_some_and(|f| {
            f.with_timezone(&offset).date_naive() == done.with_timezone(&offset).date_naive()
        }) {
            t.followed_up_same_day += 1;
        }
        if o.difficulty == RepairDifficulty::General {
            t.general += 1;
            if done.with_timezone(&offset).date_naive()
                == o.created_at.with_timezone(&offset).date_naive()
            {
                t.general_same_day += 1;
            }
        } else {
            t.hard += 1;
            if done - o.created_at - Duration::seconds(o.paused_seconds)
                <= Duration::days(s.hard_days)
            {
                t.hard_in_time += 1;
            }
        }
        if let Some(sat) = o.satisfaction {
            t.satisfaction_sum += sat as i64;
            t.satisfaction_count += 1;
            if sat >= 4 {
                t.satisfied_count += 1;
            }
            if paid.contains(&o.id) {
                t.paid_followed_up += 1;
                if sat >= 4 {
                    t.paid_satisfied += 1;
                }
            }
        }
    }
    Ok(t)
}
