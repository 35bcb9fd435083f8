//! The repair quality targets, computed live for a community and a month: follow-up within
//! 24 h (≥ 98%), general problems solved the same day, average satisfaction, paid-service
//! satisfaction (≥ 98%). Deadlines are the repair clock's (`clock::deadlines`), the same ones the
//! at-risk list and the overdue flags read.
use super::clock::{self, Settings};
use crate::error::AppResult;
use crate::service::fees::{month_end, parse_period, require_staff_in};
use crate::service::{estate, Cx};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use entity::enums::{RepairDifficulty, RepairState, StaffRole};
use entity::{repair_charge, repair_order};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use std::collections::HashSet;

/// The figures of a month. Each counts an order once its outcome is settled: done by its
/// deadline, or the deadline passed (late is counted, and counts as not met); an order still
/// inside its deadline is counted apart as due soon, neither met nor missed yet.
#[derive(Clone, Debug, Default)]
pub struct Targets {
    /// Orders completed in the period.
    pub completed: i64,
    /// Of those, the follow-ups settled: made, or the community's follow-up window has closed.
    pub follow_up_settled: i64,
    /// Of the settled, followed up within the follow-up window.
    pub followed_up_in_time: i64,
    /// Completed orders waiting for a follow-up whose window is still open.
    pub follow_up_due_soon: i64,
    /// Of the completed, settled for the same-day follow-up: followed up, or their local day is over.
    pub same_day_settled: i64,
    /// Of those, followed up the same local day they were completed (对当日已解决问题的回访).
    pub followed_up_same_day: i64,
    /// Completed today, not followed up yet.
    pub same_day_due_soon: i64,
    /// General problems booked in the period and settled: solved, or past their deadline (the
    /// end of the appointment's local day, or the booking's, plus any pause).
    pub general: i64,
    /// Of those, solved by the deadline.
    pub general_same_day: i64,
    /// General problems still open inside their deadline.
    pub general_due_soon: i64,
    /// Hard problems booked in the period and settled (solved, or past the community's
    /// hard-problem days plus any pause), of those solved in time, and those still inside it.
    pub hard: i64,
    pub hard_in_time: i64,
    pub hard_due_soon: i64,
    /// Sum and count of follow-up satisfaction scores (1–5) of orders completed in the period.
    pub satisfaction_sum: i64,
    pub satisfaction_count: i64,
    /// Paid-service orders followed up, and of those rated satisfied (4–5).
    pub paid_followed_up: i64,
    pub paid_satisfied: i64,
    /// Follow-ups rated satisfied (4–5).
    pub satisfied_count: i64,
}

/// `part ÷ whole` in basis points, rounded down; None when there is nothing to measure.
pub fn rate_bps(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| part * 10_000 / whole)
}

/// The local end of the day `at` falls on: the same-day follow-up is due by then.
fn end_of_local_day(at: DateTime<Utc>, offset: FixedOffset) -> DateTime<Utc> {
    let day = at.with_timezone(&offset).date_naive() + Duration::days(1);
    day.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_local_timezone(offset)
        .single()
        .expect("fixed")
        .to_utc()
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
    let now = crate::service::now();
    // The follow-up targets take the orders completed in the month; the solving targets the
    // orders booked in it, so one still open past its deadline counts as missed.
    let orders = repair_order::Entity::find()
        .filter(repair_order::Column::CommunityId.eq(community_id))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(repair_order::Column::CompletedAt.gte(from))
                        .add(repair_order::Column::CompletedAt.lt(to)),
                )
                .add(
                    Condition::all()
                        .add(repair_order::Column::CreatedAt.gte(from))
                        .add(repair_order::Column::CreatedAt.lt(to)),
                ),
        )
        .all(cx.db())
        .await?;
    let paid: HashSet<i64> = repair_charge::Entity::find()
        .filter(repair_charge::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
        .all(cx.db())
        .await?
        .into_iter()
        .map(|c| c.order_id)
        .collect();
    let in_period = |at: DateTime<Utc>| from <= at && at < to;
    let mut t = Targets::default();
    for o in &orders {
        if in_period(o.created_at) && o.state != RepairState::Cancelled {
            let due = clock::deadlines(o, &s, now).resolve_by.expect("always set");
            let (settled, met, soon) = match o.difficulty {
                RepairDifficulty::General => (
                    &mut t.general,
                    &mut t.general_same_day,
                    &mut t.general_due_soon,
                ),
                RepairDifficulty::Hard => (&mut t.hard, &mut t.hard_in_time, &mut t.hard_due_soon),
            };
            match o.completed_at {
                Some(done) => {
                    *settled += 1;
                    *met += i64::from(done <= due);
                }
                None if now > due => *settled += 1,
                None => *soon += 1,
            }
        }
        let Some(done) = o.completed_at.filter(|d| in_period(*d)) else {
            continue;
        };
        t.completed += 1;
        let window = done + Duration::hours(s.follow_up_hours);
        match o.followed_up_at {
            Some(f) => {
                t.follow_up_settled += 1;
                t.followed_up_in_time += i64::from(f <= window);
            }
            None if now > window => t.follow_up_settled += 1,
            None => t.follow_up_due_soon += 1,
        }
        let day_end = end_of_local_day(done, offset);
        match o.followed_up_at {
            Some(f) => {
                t.same_day_settled += 1;
                t.followed_up_same_day += i64::from(f < day_end);
            }
            None if now >= day_end => t.same_day_settled += 1,
            None => t.same_day_due_soon += 1,
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
