//! Service clocks of a repair order: dispatch within N minutes, general problems solved the same
//! (local) day and hard ones within N days, follow-up within N hours of completion. Paused time
//! does not count.
use chrono::{DateTime, Duration, FixedOffset, Utc};
use entity::enums::{RepairDifficulty, RepairState};
use entity::{repair_order, repair_setting};

/// A community's clock settings (defaults when it has none).
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub dispatch_minutes: i64,
    pub hard_days: i64,
    pub follow_up_hours: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dispatch_minutes: 30,
            hard_days: 7,
            follow_up_hours: 24,
        }
    }
}

impl From<repair_setting::Model> for Settings {
    fn from(m: repair_setting::Model) -> Self {
        Self {
            dispatch_minutes: m.dispatch_minutes as i64,
            hard_days: m.hard_days as i64,
            follow_up_hours: m.follow_up_hours as i64,
        }
    }
}

/// When each milestone is due, and which one the order is waiting for now.
#[derive(Clone, Copy, Debug, Default)]
pub struct Deadlines {
    pub dispatch_by: Option<DateTime<Utc>>,
    pub resolve_by: Option<DateTime<Utc>>,
    pub follow_up_by: Option<DateTime<Utc>>,
    /// The deadline that matters in the current state; None when done, cancelled or paused.
    pub next_due: Option<DateTime<Utc>>,
}

/// How long before a deadline an order counts as "due soon".
pub const DUE_SOON: i64 = 60;

fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// Time spent paused so far (including a pause still running).
pub fn paused(o: &repair_order::Model, now: DateTime<Utc>) -> Duration {
    Duration::seconds(o.paused_seconds) + o.paused_at.map(|p| now - p).unwrap_or_default()
}

pub fn deadlines(o: &repair_order::Model, s: &Settings, now: DateTime<Utc>) -> Deadlines {
    let dispatch_by = o.created_at + Duration::minutes(s.dispatch_minutes);
    let resolve_by = match o.difficulty {
        RepairDifficulty::General => {
            // End of the local day of the appointment (or of the booking).
            let day = o
                .appointment_at
                .unwrap_or(o.created_at)
                .with_timezone(&shanghai())
                .date_naive();
            let end = day
                .and_hms_opt(23, 59, 59)
                .expect("valid time")
                .and_local_timezone(shanghai())
                .single()
                .expect("fixed offset");
            end.with_timezone(&Utc)
        }
        RepairDifficulty::Hard => o.created_at + Duration::days(s.hard_days),
    } + paused(o, now);
    let follow_up_by = o
        .completed_at
        .map(|c| c + Duration::hours(s.follow_up_hours));
    let next_due = match o.state {
        RepairState::Submitted | RepairState::Reopened => Some(dispatch_by),
        RepairState::Dispatched | RepairState::InProgress => Some(resolve_by),
        RepairState::Completed => follow_up_by,
        RepairState::Paused | RepairState::FollowedUp | RepairState::Cancelled => None,
    };
    Deadlines {
        dispatch_by: Some(dispatch_by),
        resolve_by: Some(resolve_by),
        follow_up_by,
        next_due,
    }
}

pub fn is_overdue(d: &Deadlines, now: DateTime<Utc>) -> bool {
    d.next_due.is_some_and(|due| now > due)
}

pub fn is_due_soon(d: &Deadlines, now: DateTime<Utc>) -> bool {
    d.next_due
        .is_some_and(|due| now <= due && due - now <= Duration::minutes(DUE_SOON))
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::{RepairCategory, RepairChannel};

    fn order(state: RepairState) -> repair_order::Model {
        let t = DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z")
            .unwrap()
            .to_utc(); // 10:00 in Shanghai
        repair_order::Model {
            id: 1,
            community_id: 1,
            building_id: None,
            house_id: None,
            public_area_id: None,
            category: RepairCategory::Water,
            difficulty: RepairDifficulty::General,
            description: String::new(),
            channel: RepairChannel::App,
            state,
            requested_by: 1,
            client_key: String::new(),
            preferred_from: None,
            preferred_to: None,
            appointment_at: None,
            proposed_at: None,
            assignee_user_id: None,
            accepted_at: None,
            created_at: t,
            dispatched_at: None,
            started_at: None,
            completed_at: None,
            followed_up_at: None,
            paused_at: None,
            paused_seconds: 0,
            pause_reason: None,
            work_done: None,
            materials: None,
            satisfaction: None,
            follow_up_comment: None,
            rating: None,
            rating_comment: None,
            urge_count: 0,
            charge_bill_id: None,
            version: 0,
        }
    }

    #[test]
    fn general_problems_are_due_by_the_end_of_the_local_day_and_pauses_stop_the_clock() {
        let s = Settings::default();
        let o = order(RepairState::InProgress);
        let now = o.created_at + Duration::hours(1);
        let d = deadlines(&o, &s, now);
        // 23:59:59 in Shanghai is 15:59:59 UTC.
        assert_eq!(
            d.resolve_by.unwrap().to_rfc3339(),
            "2026-11-23T15:59:59+00:00"
        );
        assert_eq!(d.dispatch_by.unwrap(), o.created_at + Duration::minutes(30));
        let paused = repair_order::Model {
            paused_seconds: 3600,
            ..o.clone()
        };
        assert_eq!(
            deadlines(&paused, &s, now).resolve_by.unwrap(),
            d.resolve_by.unwrap() + Duration::hours(1)
        );
        // While paused nothing is due, so nothing is overdue.
        let on_hold = repair_order::Model {
            state: RepairState::Paused,
            paused_at: Some(now),
            ..o.clone()
        };
        assert!(!is_overdue(
            &deadlines(&on_hold, &s, now + Duration::days(3)),
            now + Duration::days(3)
        ));
        assert!(is_overdue(&d, now + Duration::days(1)));
        assert!(is_due_soon(
            &d,
            d.resolve_by.unwrap() - Duration::minutes(30)
        ));
    }
}
