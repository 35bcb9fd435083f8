//! The targets board (质量目标, 工作质量目标): each of the handbooks' quality goals for a community
//! and a month, computed from what was recorded (never typed in), with its numerator and
//! denominator; and the manager's list of what is about to miss its deadline.
use super::fees::{month_end, parse_period, require_staff_in};
use super::repairs::clock;
use super::{estate, Cx};
use crate::domain::{GlobalId, NodeKind};
use crate::error::AppResult;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use entity::enums::{ComplaintState, RepairState, StaffRole};
use entity::{complaint, renovation_inspection, repair_order};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// One goal of the handbooks. Each counts an item once its outcome is settled: done by its
/// deadline, or its deadline passed (a late item counts, as not met unless the goal says so); an
/// item still inside its deadline is counted apart, as due soon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum TargetKey {
    /// 客户服务满意率 (000): ratings of 4–5 among all follow-up and return-visit ratings; ≥ 90%.
    CustomerSatisfaction,
    /// 投诉处理回访率 (000): complaints return-visited among complaints registered, each counted
    /// once visited or 48 h after registration (24 h to handle it, a day for the visit); ≥ 50%.
    ComplaintReturnVisits,
    /// 投诉回复及时率 (001): complaints answered within 24 h, each counted once answered or once
    /// the 24 h have passed (a late answer counts, as not on time); 99.9%.
    ComplaintReplyOnTime,
    /// 有效投诉处理满意率 (001): return visits rated 4–5; ≥ 90%.
    ComplaintSatisfaction,
    /// 管理费收缴率 (000): fees collected of fees due for the month's periodic bills; ≥ 95%. The
    /// bills fall due on the month's last day: until then only what is paid counts (as due and
    /// collected) and the rest is due soon, in fen.
    CollectionRate,
    /// 有偿服务满意率 (000): paid repairs rated 4–5 at follow-up; ≥ 98%.
    PaidServiceSatisfaction,
    /// 维修回访 (004): completed repairs followed up within 24 h (the community's follow-up
    /// window), each counted once followed up or once the window has closed; ≥ 98%.
    RepairFollowUpWithinADay,
    /// 对当日已解决问题的回访率 (001): repairs followed up the day they were completed, each
    /// counted once followed up or once that day is over; ≥ 90%.
    SameDayFollowUp,
    /// 一般性问题处理：当日 (001): general problems booked in the month solved by the end of
    /// their appointment's (or booking's) day, each counted once solved or once that day is over; 100%.
    GeneralSolvedSameDay,
    /// 疑难问题处理：≤ 1 周 (001): hard problems booked in the month solved within the
    /// community's hard-problem days (a week), each counted once solved or once that time is up; 100%.
    HardSolvedInAWeek,
    /// 公共区域巡视 2 次/日（工作日）(001): patrol rounds walked in full of rounds due, a round
    /// counted once walked or once its window has closed. A round walked late is done (late, not
    /// missing) and meets this goal; the patrol report shows it as LATE. Rounds of windows that
    /// opened before their route was defined are not due; 100%.
    PatrolRounds,
}

impl TargetKey {
    /// The target in basis points (9000 = 90.00%).
    pub fn target_bps(self) -> i64 {
        match self {
            TargetKey::CustomerSatisfaction
            | TargetKey::ComplaintSatisfaction
            | TargetKey::SameDayFollowUp => 9000,
            TargetKey::ComplaintReturnVisits => 5000,
            TargetKey::ComplaintReplyOnTime => 9990,
            TargetKey::CollectionRate => 9500,
            TargetKey::PaidServiceSatisfaction | TargetKey::RepairFollowUpWithinADay => 9800,
            TargetKey::GeneralSolvedSameDay
            | TargetKey::HardSolvedInAWeek
            | TargetKey::PatrolRounds => 10_000,
        }
    }
    /// The handbook's name for it.
    pub fn name(self) -> &'static str {
        match self {
            TargetKey::CustomerSatisfaction => "客户服务满意率",
            TargetKey::ComplaintReturnVisits => "投诉处理回访率",
            TargetKey::ComplaintReplyOnTime => "投诉回复及时率",
            TargetKey::ComplaintSatisfaction => "有效投诉处理满意率",
            TargetKey::CollectionRate => "管理费收缴率",
            TargetKey::PaidServiceSatisfaction => "有偿服务满意率",
            TargetKey::RepairFollowUpWithinADay => "维修 24 小时内回访率",
            TargetKey::SameDayFollowUp => "当日已解决问题回访率",
            TargetKey::GeneralSolvedSameDay => "一般性问题当日解决率",
            TargetKey::HardSolvedInAWeek => "疑难问题一周内解决率",
            TargetKey::PatrolRounds => "公共区域巡查完成率（每工作日 2 次）",
        }
    }
}

/// One figure: what was counted, against what, and whether the target is met.
#[derive(Clone, Debug)]
pub struct Figure {
    pub key: TargetKey,
    pub numerator: i64,
    pub denominator: i64,
    /// Items still inside their deadline, in the denominator's unit: not counted yet.
    pub due_soon: i64,
}

impl Figure {
    /// numerator ÷ denominator in basis points, rounded down (never met early); None when there
    /// is nothing to measure yet.
    pub fn value_bps(&self) -> Option<i64> {
        (self.denominator > 0)
            .then(|| (self.numerator as i128 * 10_000 / self.denominator as i128) as i64)
    }
    pub fn met(&self) -> Option<bool> {
        self.value_bps().map(|v| v >= self.key.target_bps())
    }
}

fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

fn local_midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_local_timezone(shanghai())
        .single()
        .expect("fixed offset")
        .to_utc()
}

/// The board for `period` (`YYYY-MM`): the community's manager (and admins).
pub async fn board(cx: &Cx, community_id: i64, period: &str) -> AppResult<Vec<Figure>> {
    estate::community(cx, community_id).await?;
    require_staff_in(cx, community_id, &[StaffRole::Manager])?;
    let first = parse_period("period", period)?;
    let last = month_end(first);
    let (from, to) = (
        local_midnight(first),
        local_midnight(last + Duration::days(1)),
    );
    let repairs = super::repairs::targets::compute(cx, community_id, period).await?;
    let complaints = complaint_figures(cx.db(), community_id, from, to).await?;
    let (collection, _) = super::fees::reports::collection(cx, community_id, period).await?;
    let today = super::today_in_community();
    // Periodic bills fall due on the period's last day (fees::billing): until that day is over,
    // a fen paid is settled and a fen unpaid is not late yet.
    let (collection_due, collection_soon) = if last < today {
        (collection.due_fen, 0)
    } else {
        (
            collection.collected_fen,
            collection.due_fen - collection.collected_fen,
        )
    };
    // Rounds of days still ahead are not due yet: count up to today.
    let patrol_to = last.min(today);
    let rounds = if patrol_to < first {
        Default::default()
    } else {
        super::patrols::round_target(cx.db(), community_id, first, patrol_to).await?
    };
    let f = |key, numerator, denominator, due_soon| Figure {
        key,
        numerator,
        denominator,
        due_soon,
    };
    Ok(vec![
        f(
            TargetKey::CustomerSatisfaction,
            repairs.satisfied_count + complaints.satisfied,
            repairs.satisfaction_count + complaints.return_visited,
            0,
        ),
        f(
            TargetKey::ComplaintReturnVisits,
            complaints.return_visited,
            complaints.visit_settled,
            complaints.visit_due_soon,
        ),
        f(
            TargetKey::ComplaintReplyOnTime,
            complaints.replied_on_time,
            complaints.reply_settled,
            complaints.reply_due_soon,
        ),
        f(
            TargetKey::ComplaintSatisfaction,
            complaints.satisfied,
            complaints.return_visited,
            0,
        ),
        f(
            TargetKey::CollectionRate,
            collection.collected_fen,
            collection_due,
            collection_soon,
        ),
        f(
            TargetKey::PaidServiceSatisfaction,
            repairs.paid_satisfied,
            repairs.paid_followed_up,
            0,
        ),
        f(
            TargetKey::RepairFollowUpWithinADay,
            repairs.followed_up_in_time,
            repairs.follow_up_settled,
            repairs.follow_up_due_soon,
        ),
        f(
            TargetKey::SameDayFollowUp,
            repairs.followed_up_same_day,
            repairs.same_day_settled,
            repairs.same_day_due_soon,
        ),
        f(
            TargetKey::GeneralSolvedSameDay,
            repairs.general_same_day,
            repairs.general,
            repairs.general_due_soon,
        ),
        f(
            TargetKey::HardSolvedInAWeek,
            repairs.hard_in_time,
            repairs.hard,
            repairs.hard_due_soon,
        ),
        f(
            TargetKey::PatrolRounds,
            rounds.done,
            rounds.due,
            rounds.due_soon,
        ),
    ])
}

/// A complaint's return visit is chased this long after registration: 24 h to handle it
/// (客户投诉受理规程), then a day for the call.
pub const RETURN_VISIT_WITHIN_HOURS: i64 = 48;

/// The complaint figures of the complaints registered in `[from, to)` (withdrawn ones aside).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComplaintTargets {
    /// Replies settled: made, or 24 h passed without one.
    pub reply_settled: i64,
    /// Of those, made by the deadline.
    pub replied_on_time: i64,
    /// No reply yet, still inside the 24 h.
    pub reply_due_soon: i64,
    /// Return visits settled: made, or `RETURN_VISIT_WITHIN_HOURS` passed without one.
    pub visit_settled: i64,
    /// Of those (and of all), made.
    pub return_visited: i64,
    /// Not visited yet, still inside the time for it.
    pub visit_due_soon: i64,
    /// Of the visited, satisfied (4–5).
    pub satisfied: i64,
}

/// One statement; instants are compared in Rust, as SQLite keeps them as text.
async fn complaint_figures(
    db: &impl ConnectionTrait,
    community_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<ComplaintTargets> {
    type Row = (
        DateTime<Utc>,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<i16>,
    );
    let rows: Vec<Row> = complaint::Entity::find()
        .select_only()
        .column(complaint::Column::CreatedAt)
        .column(complaint::Column::ReplyDueAt)
        .column(complaint::Column::RepliedAt)
        .column(complaint::Column::ReturnVisitedAt)
        .column(complaint::Column::Satisfaction)
        .filter(complaint::Column::CommunityId.eq(community_id))
        .filter(complaint::Column::CreatedAt.gte(from))
        .filter(complaint::Column::CreatedAt.lt(to))
        .filter(complaint::Column::State.ne(ComplaintState::Withdrawn))
        .into_tuple()
        .all(db)
        .await?;
    let now = super::now();
    let mut f = ComplaintTargets::default();
    for (created, reply_due, replied, visited, satisfaction) in rows {
        match replied {
            Some(r) => {
                (f.reply_settled, f.replied_on_time) = (
                    f.reply_settled + 1,
                    f.replied_on_time + i64::from(r <= reply_due),
                )
            }
            None if now > reply_due => f.reply_settled += 1,
            None => f.reply_due_soon += 1,
        }
        match visited {
            Some(_) => {
                (f.visit_settled, f.return_visited) = (f.visit_settled + 1, f.return_visited + 1);
                f.satisfied += i64::from(satisfaction.is_some_and(|s| s >= 4));
            }
            None if now > created + Duration::hours(RETURN_VISIT_WITHIN_HOURS) => {
                f.visit_settled += 1
            }
            None => f.visit_due_soon += 1,
        }
    }
    Ok(f)
}

/// What is about to miss its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum AtRiskKind {
    /// A repair to dispatch or solve.
    Repair,
    /// A completed repair waiting for its follow-up call.
    FollowUp,
    /// A complaint waiting for its reply.
    Complaint,
    /// A renovation violation to be rectified.
    Rectification,
}

pub struct AtRisk {
    pub kind: AtRiskKind,
    /// Global id of the record.
    pub subject_id: async_graphql::ID,
    pub summary: String,
    pub due_at: DateTime<Utc>,
}

/// Open work whose deadline falls within `horizon` from now (or has passed), soonest first.
pub async fn at_risk(cx: &Cx, community_id: i64, horizon: Duration) -> AppResult<Vec<AtRisk>> {
    estate::community(cx, community_id).await?;
    require_staff_in(cx, community_id, &[StaffRole::Manager])?;
    let now = super::now();
    let until = now + horizon;
    let mut out = vec![];

    let settings = super::repairs::settings(cx.db(), community_id).await?;
    let open = repair_order::Entity::find()
        .filter(repair_order::Column::CommunityId.eq(community_id))
        .filter(repair_order::Column::State.is_not_in([
            RepairState::FollowedUp,
            RepairState::Cancelled,
            RepairState::Paused,
        ]))
        .all(cx.db())
        .await?;
    for o in open {
        let Some(due) = clock::deadlines(&o, &settings, now)
            .next_due
            .filter(|d| *d <= until)
        else {
            continue;
        };
        let kind = if o.state == RepairState::Completed {
            AtRiskKind::FollowUp
        } else {
            AtRiskKind::Repair
        };
        out.push(AtRisk {
            kind,
            subject_id: GlobalId::encode(NodeKind::RepairOrder, o.id),
            summary: o.description,
            due_at: due,
        });
    }

    let waiting = complaint::Entity::find()
        .filter(complaint::Column::CommunityId.eq(community_id))
        .filter(complaint::Column::RepliedAt.is_null())
        .filter(complaint::Column::State.is_not_in([
            ComplaintState::Withdrawn,
            ComplaintState::Closed,
            ComplaintState::Resolved,
        ]))
        .filter(complaint::Column::ReplyDueAt.lte(until))
        .all(cx.db())
        .await?;
    for c in waiting {
        out.push(AtRisk {
            kind: AtRiskKind::Complaint,
            subject_id: GlobalId::encode(NodeKind::Complaint, c.id),
            summary: c.summary,
            due_at: c.reply_due_at,
        });
    }

    // A rectification is due by the end of its local day.
    let last_day = (until.with_timezone(&shanghai())).date_naive();
    let pending = renovation_inspection::Entity::find()
        .filter(renovation_inspection::Column::CommunityId.eq(community_id))
        .filter(renovation_inspection::Column::IsViolation.eq(true))
        .filter(renovation_inspection::Column::ConfirmedAt.is_null())
        .filter(renovation_inspection::Column::RectifyBy.lte(last_day))
        .all(cx.db())
        .await?;
    for i in pending {
        let Some(day) = i.rectify_by else { continue };
        let due = local_midnight(day + Duration::days(1)) - Duration::seconds(1);
        // The renovation is what the manager opens to chase it.
        out.push(AtRisk {
            kind: AtRiskKind::Rectification,
            subject_id: GlobalId::encode(NodeKind::Renovation, i.renovation_id),
            summary: i.note,
            due_at: due,
        });
    }
    out.sort_by_key(|r| r.due_at);
    Ok(out)
}
