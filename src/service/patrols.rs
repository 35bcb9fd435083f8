//! Patrols (建筑物巡查管理要点): checkpoints and routes defined by the manager, the day's rounds
//! (tasks) assigned to a butler or guard, the offline sync of a round's check-ins and findings
//! (each stored once per client-generated id, refused one by one with a reason), findings turned
//! into public-area repair orders, and the figures the manager and the targets board read.
use super::events::{self, NewEvent, Published};
use super::page::{paginate, Page, PageArgs};
use super::{estate, Cx};
use crate::auth::Actor;
use crate::domain::patrol_schedule::{self, Schedule};
use crate::error::{AppError, AppResult, Locale};
use crate::service::page::OneRow;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::enums::{PatrolRecordKind, PatrolSeverity, RepairCategory, StaffRole};
use entity::{
    patrol_checkpoint, patrol_photo, patrol_record, patrol_route, patrol_route_point, patrol_task,
    public_area, staff_member,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait, TryInsertResult,
};
use std::collections::{HashMap, HashSet};

/// Who defines checkpoints and routes, schedules rounds and reads the report (and ADMIN).
const PLANNERS: &[StaffRole] = &[StaffRole::Manager];
/// Who walks the rounds.
const PATROLLERS: &[StaffRole] = &[StaffRole::Butler, StaffRole::Security];
/// Who may see a community's checkpoints and routes.
const VIEWERS: &[StaffRole] = &[StaffRole::Manager, StaffRole::Butler, StaffRole::Security];

/// Records in one sync. A round is a few dozen records; 500 covers a day of rounds offline and
/// keeps one sync's transaction short. More is refused whole, never cut silently.
pub const MAX_SYNC_RECORDS: usize = 500;
/// Handheld clocks drift: a device time up to this far ahead of the server is believed.
pub const CLOCK_SKEW_MINUTES: i64 = 5;
/// A record this long before its round's window opens is not for that round.
pub const EARLY_MINUTES: i64 = 60;
/// Checkpoints on one route.
pub const MAX_ROUTE_POINTS: usize = 100;
/// Days one report may span (it lists every round).
pub const MAX_REPORT_DAYS: i64 = 31;
/// How far back a patroller's unfinished rounds stay on their list.
const OVERDUE_DAYS: u64 = 7;

fn text(field: &str, raw: &str, max: usize) -> AppResult<String> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("{field} 须为 1–{max} 个字"),
            format!("{field} must be 1–{max} characters"),
        ));
    }
    Ok(t.to_owned())
}

/// A checkpoint code as printed on the tag: letters, digits and '-', compared case-insensitively.
fn code(raw: &str) -> Option<String> {
    let c = raw.trim().to_ascii_uppercase();
    (!c.is_empty() && c.len() <= 32 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then_some(c)
}

// ---------------------------------------------------------------------------------------------
// Checkpoints and routes

pub struct NewCheckpoint {
    pub public_area_id: i64,
    pub name: String,
    pub place: Option<String>,
    pub checks: String,
    pub code: String,
}

/// The manager posts a checkpoint in a public area (lobby, lift, car park ...).
pub async fn create_checkpoint(cx: &Cx, n: NewCheckpoint) -> AppResult<patrol_checkpoint::Model> {
    let area = estate::public_area(cx, n.public_area_id).await?;
    super::fees::require_staff_in(cx, area.community_id, PLANNERS)?;
    let name = text("name", &n.name, 100)?;
    let checks = text("checks", &n.checks, 1000)?;
    let place = match n.place.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(text("place", p, 200)?),
    };
    let code = code(&n.code).ok_or_else(|| {
        AppError::bad_input(
            "code",
            "巡查点编码须为 1–32 位字母、数字或 -",
            "A checkpoint code is 1–32 letters, digits or '-'",
        )
    })?;
    let taken = || {
        AppError::conflict(
            "code",
            "本小区已有该编码的巡查点",
            "This community already has a checkpoint with this code",
        )
    };
    if patrol_checkpoint::Entity::find()
        .filter(patrol_checkpoint::Column::CommunityId.eq(area.community_id))
        .filter(patrol_checkpoint::Column::Code.eq(code.clone()))
        .one_row(cx.db())
        .await?
        .is_some()
    {
        return Err(taken());
    }
    let txn = cx.db().begin().await?;
    let cp = patrol_checkpoint::ActiveModel {
        community_id: Set(area.community_id),
        public_area_id: Set(area.id),
        building_id: Set(area.building_id),
        name: Set(name),
        place: Set(place),
        checks: Set(checks),
        code: Set(code),
        active: Set(true),
        created_at: Set(super::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Conflict { .. } => taken(),
        other => other,
    })?;
    let ev = events::record(
        &txn,
        &cx.actor,
        event(
            area.community_id,
            area.building_id,
            "patrol.checkpoint_created",
            crate::domain::NodeKind::PatrolCheckpoint,
            cp.id,
        ),
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(cp)
}

fn event(
    community_id: i64,
    building_id: Option<i64>,
    action: &'static str,
    subject_type: crate::domain::NodeKind,
    subject_id: i64,
) -> NewEvent {
    NewEvent {
        community_id: Some(community_id),
        house_id: None,
        building_id,
        action,
        subject_type,
        subject_id,
        from_state: None,
        to_state: None,
        reason: None,
    }
}

pub struct NewRoute {
    pub community_id: i64,
    pub name: String,
    pub checkpoint_ids: Vec<i64>,
    /// ISO weekdays; None = Monday to Friday.
    pub days: Option<Vec<i32>>,
    /// Local "HH:MM" windows; None = 09:00–11:00 and 15:00–17:00.
    pub windows: Option<Vec<(String, String)>>,
}

/// The manager strings checkpoints into a route and sets when it is walked.
pub async fn create_route(cx: &Cx, n: NewRoute) -> AppResult<patrol_route::Model> {
    super::fees::require_staff_in(cx, n.community_id, PLANNERS)?;
    let name = text("name", &n.name, 100)?;
    let days = n
        .days
        .unwrap_or_else(|| patrol_schedule::DEFAULT_DAYS.map(i32::from).to_vec());
    let schedule = Schedule::new(&days, &n.windows.unwrap_or_else(Schedule::default_windows))?;
    if n.checkpoint_ids.is_empty() || n.checkpoint_ids.len() > MAX_ROUTE_POINTS {
        return Err(AppError::bad_input(
            "checkpointIds",
            format!("路线须有 1–{MAX_ROUTE_POINTS} 个巡查点"),
            format!("A route has 1–{MAX_ROUTE_POINTS} checkpoints"),
        ));
    }
    if n.checkpoint_ids.iter().collect::<HashSet<_>>().len() != n.checkpoint_ids.len() {
        return Err(AppError::bad_input(
            "checkpointIds",
            "巡查点不能重复",
            "A checkpoint may appear once per route",
        ));
    }
    let found = patrol_checkpoint::Entity::find()
        .filter(patrol_checkpoint::Column::Id.is_in(n.checkpoint_ids.clone()))
        .filter(patrol_checkpoint::Column::CommunityId.eq(n.community_id))
        .filter(patrol_checkpoint::Column::Active.eq(true))
        .all(cx.db())
        .await?;
    if found.len() != n.checkpoint_ids.len() {
        return Err(AppError::bad_input(
            "checkpointIds",
            "巡查点须属于本小区",
            "Every checkpoint must belong to this community",
        ));
    }
    let txn = cx.db().begin().await?;
    let route = patrol_route::ActiveModel {
        community_id: Set(n.community_id),
        name: Set(name),
        days: Set(schedule.days_text()),
        windows: Set(schedule.windows_text()),
        active: Set(true),
        created_at: Set(super::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let points =
        n.checkpoint_ids
            .iter()
            .enumerate()
            .map(|(i, cp)| patrol_route_point::ActiveModel {
                community_id: Set(n.community_id),
                route_id: Set(route.id),
                checkpoint_id: Set(*cp),
                position: Set(i as i32 + 1),
                ..Default::default()
            });
    patrol_route_point::Entity::insert_many(points)
        .exec(&txn)
        .await?;
    let ev = events::record(
        &txn,
        &cx.actor,
        event(
            n.community_id,
            None,
            "patrol.route_created",
            crate::domain::NodeKind::PatrolRoute,
            route.id,
        ),
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(route)
}

pub fn schedule_of(r: &patrol_route::Model) -> AppResult<Schedule> {
    Schedule::parse(&r.days, &r.windows)
}

pub async fn checkpoint(cx: &Cx, id: i64) -> AppResult<patrol_checkpoint::Model> {
    cx.actor.require_signed_in()?;
    let cp = patrol_checkpoint::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    viewer_of(cx, cp.community_id)?;
    Ok(cp)
}

pub async fn route(cx: &Cx, id: i64) -> AppResult<patrol_route::Model> {
    cx.actor.require_signed_in()?;
    let r = patrol_route::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    viewer_of(cx, r.community_id)?;
    Ok(r)
}

/// Staff who see a community's patrol set-up; anyone else is told it does not exist.
fn viewer_of(cx: &Cx, community_id: i64) -> AppResult<()> {
    super::fees::require_staff_in(cx, community_id, VIEWERS).map_err(|_| AppError::NotFound)
}

/// Whether the caller plans the patrols of a community (sees the codes, the report).
pub fn plans(actor: &Actor, community_id: i64) -> bool {
    actor.staff().is_some_and(|s| {
        s.role == StaffRole::Admin
            || (s.community_id == Some(community_id) && PLANNERS.contains(&s.role))
    })
}

pub async fn checkpoints(
    cx: &Cx,
    community_id: i64,
    args: &PageArgs,
) -> AppResult<Page<patrol_checkpoint::Model>> {
    super::fees::require_staff_in(cx, community_id, VIEWERS)?;
    let q = patrol_checkpoint::Entity::find()
        .filter(patrol_checkpoint::Column::CommunityId.eq(community_id));
    paginate(cx.db(), q, patrol_checkpoint::Column::Id, args).await
}

pub async fn routes(
    cx: &Cx,
    community_id: i64,
    args: &PageArgs,
) -> AppResult<Page<patrol_route::Model>> {
    super::fees::require_staff_in(cx, community_id, VIEWERS)?;
    let q = patrol_route::Entity::find().filter(patrol_route::Column::CommunityId.eq(community_id));
    paginate(cx.db(), q, patrol_route::Column::Id, args).await
}

// ---------------------------------------------------------------------------------------------
// Tasks (rounds)

/// The user behind a butler's or guard's live membership in the community.
async fn patroller(cx: &Cx, community_id: i64, staff_member_id: i64) -> AppResult<i64> {
    staff_member::Entity::find_by_id(staff_member_id)
        .filter(staff_member::Column::CommunityId.eq(community_id))
        .filter(staff_member::Column::Role.is_in(PATROLLERS.iter().copied()))
        .filter(staff_member::Column::EndedAt.is_null())
        .one_row(cx.db())
        .await?
        .map(|m| m.user_id)
        .ok_or_else(|| {
            AppError::bad_input(
                "assigneeId",
                "请选择本小区的管家或保安",
                "Choose a butler or security guard of this community",
            )
        })
}

/// The outcome of `INSERT .. ON CONFLICT DO NOTHING RETURNING ..`: the new row, or None when the
/// key already existed. SeaORM 2.0.4 reports an empty RETURNING as `RecordNotFound` (not as
/// `Conflicted`) on both SQLite and PostgreSQL, so both mean "already there".
fn inserted<M>(res: Result<TryInsertResult<M>, sea_orm::DbErr>) -> AppResult<Option<M>> {
    match res {
        Ok(TryInsertResult::Inserted(m)) => Ok(Some(m)),
        Ok(TryInsertResult::Conflicted | TryInsertResult::Empty)
        | Err(sea_orm::DbErr::RecordNotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Creates the day's rounds of a route for a patroller. Idempotent: a round that already exists
/// (same route, day and window) is kept as it is, with its assignee; the day's rounds are
/// returned either way.
pub async fn schedule(
    cx: &Cx,
    route_id: i64,
    date: NaiveDate,
    assignee_staff_id: i64,
) -> AppResult<Vec<patrol_task::Model>> {
    let r = route(cx, route_id).await?;
    super::fees::require_staff_in(cx, r.community_id, PLANNERS)?;
    let today = super::today_in_community();
    if (date - today).num_days().abs() > MAX_REPORT_DAYS {
        return Err(AppError::bad_input(
            "date",
            format!("只能安排前后 {MAX_REPORT_DAYS} 天内的巡查"),
            format!("Rounds can be scheduled at most {MAX_REPORT_DAYS} days either side of today"),
        ));
    }
    let rounds = schedule_of(&r)?.rounds_on(date);
    if rounds.is_empty() {
        return Err(AppError::bad_input(
            "date",
            "该路线这一天不巡查",
            "The route is not walked on that day",
        ));
    }
    let assignee = patroller(cx, r.community_id, assignee_staff_id).await?;
    let me = cx.actor.user()?.user_id;
    let now = super::now();
    let txn = cx.db().begin().await?;
    let mut evs = vec![];
    for (round, starts, ends) in rounds {
        let res = patrol_task::Entity::insert(patrol_task::ActiveModel {
            community_id: Set(r.community_id),
            route_id: Set(r.id),
            assignee_user_id: Set(assignee),
            on_date: Set(date),
            round: Set(round),
            starts_at: Set(starts),
            ends_at: Set(ends),
            created_by: Set(me),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict_do_nothing_on([
            patrol_task::Column::RouteId,
            patrol_task::Column::OnDate,
            patrol_task::Column::Round,
        ]);
        if let Some(t) = inserted(res.exec_with_returning(&txn).await)? {
            let e = event(
                r.community_id,
                None,
                "patrol.scheduled",
                crate::domain::NodeKind::PatrolTask,
                t.id,
            )
            .to(format!("user:{assignee}"));
            evs.push(events::record(&txn, &cx.actor, e).await?);
        }
    }
    let tasks = patrol_task::Entity::find()
        .filter(patrol_task::Column::RouteId.eq(r.id))
        .filter(patrol_task::Column::OnDate.eq(date))
        .order_by_asc(patrol_task::Column::Round)
        .all(&txn)
        .await?;
    txn.commit().await?;
    cx.core.bus.publish(evs);
    Ok(tasks)
}

/// A round the caller may see: its assignee, the community's planners, admins.
pub async fn task(cx: &Cx, id: i64) -> AppResult<patrol_task::Model> {
    cx.actor.require_signed_in()?;
    let me = cx.actor.user().ok().map(|u| u.user_id);
    let t = patrol_task::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    if me != Some(t.assignee_user_id) && !plans(&cx.actor, t.community_id) {
        return Err(AppError::NotFound);
    }
    Ok(t)
}

/// The manager hands a round to someone else; records already synced stay with the round.
pub async fn assign(
    cx: &Cx,
    task_id: i64,
    assignee_staff_id: i64,
) -> AppResult<patrol_task::Model> {
    let t = task(cx, task_id).await?;
    super::fees::require_staff_in(cx, t.community_id, PLANNERS)?;
    let assignee = patroller(cx, t.community_id, assignee_staff_id).await?;
    if assignee == t.assignee_user_id {
        return Ok(t);
    }
    let txn = cx.db().begin().await?;
    patrol_task::Entity::update_many()
        .col_expr(patrol_task::Column::AssigneeUserId, Expr::value(assignee))
        .filter(patrol_task::Column::Id.eq(t.id))
        .exec(&txn)
        .await?;
    let e = event(
        t.community_id,
        None,
        "patrol.reassigned",
        crate::domain::NodeKind::PatrolTask,
        t.id,
    )
    .from(format!("user:{}", t.assignee_user_id))
    .to(format!("user:{assignee}"));
    let ev = events::record(&txn, &cx.actor, e).await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(patrol_task::Model {
        assignee_user_id: assignee,
        ..t
    })
}

/// The patroller's list: today's rounds, and earlier rounds of the last week not yet complete.
pub async fn mine(cx: &Cx) -> AppResult<Vec<RoundView>> {
    let me = cx.actor.user()?.user_id;
    let today = super::today_in_community();
    let since = today - chrono::Days::new(OVERDUE_DAYS);
    let tasks = patrol_task::Entity::find()
        .filter(patrol_task::Column::AssigneeUserId.eq(me))
        .filter(patrol_task::Column::OnDate.between(since, today))
        .order_by_asc(patrol_task::Column::StartsAt)
        .order_by_asc(patrol_task::Column::Id)
        .all(cx.db())
        .await?;
    let views = evaluate(cx.db(), tasks, super::now()).await?;
    Ok(views
        .into_iter()
        .filter(|v| {
            v.task.on_date == today || !matches!(v.status, RoundStatus::Done | RoundStatus::Late)
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Round status

/// Where a round stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum RoundStatus {
    /// The window is open (or not yet open) and not every checkpoint has a check-in.
    Pending,
    /// Every checkpoint checked in before the window closed.
    Done,
    /// Every checkpoint checked in, some after the window closed.
    Late,
    /// The window closed with some checkpoints checked in and some missed.
    Incomplete,
    /// The window closed with no check-in at all.
    Missed,
}

/// A round with what its check-ins say.
#[derive(Clone, Debug)]
pub struct RoundView {
    pub task: patrol_task::Model,
    pub status: RoundStatus,
    /// The route's checkpoints in walking order with the first check-in at each (device time).
    pub points: Vec<(i64, Option<DateTime<Utc>>)>,
}

impl RoundView {
    pub fn missed(&self) -> Vec<i64> {
        self.points
            .iter()
            .filter(|(_, at)| at.is_none())
            .map(|(cp, _)| *cp)
            .collect()
    }
}

/// Judges one round from its route's checkpoints (in order) and its records, at `now`. A round
/// is DONE when every checkpoint has a check-in by the window's end, LATE when all are there but
/// some came after it, and once the window has closed INCOMPLETE or MISSED; until then PENDING
/// (a late sync can still complete it: the status is computed, never stored).
pub fn judge(
    task: patrol_task::Model,
    route_points: &[i64],
    records: &[patrol_record::Model],
    now: DateTime<Utc>,
) -> RoundView {
    let mut first: HashMap<i64, DateTime<Utc>> = HashMap::new();
    for r in records
        .iter()
        .filter(|r| r.task_id == task.id && r.kind == PatrolRecordKind::CheckIn)
    {
        first
            .entry(r.checkpoint_id)
            .and_modify(|t| *t = (*t).min(r.device_time))
            .or_insert(r.device_time);
    }
    let points: Vec<(i64, Option<DateTime<Utc>>)> = route_points
        .iter()
        .map(|cp| (*cp, first.get(cp).copied()))
        .collect();
    let checked = points.iter().filter(|(_, at)| at.is_some()).count();
    let status = if checked == points.len() && !points.is_empty() {
        if points
            .iter()
            .all(|(_, at)| at.is_some_and(|t| t <= task.ends_at))
        {
            RoundStatus::Done
        } else {
            RoundStatus::Late
        }
    } else if now <= task.ends_at {
        RoundStatus::Pending
    } else if checked == 0 {
        RoundStatus::Missed
    } else {
        RoundStatus::Incomplete
    };
    RoundView {
        task,
        status,
        points,
    }
}

/// Route checkpoints (in order) of many routes: one statement.
pub async fn points_of_routes(
    conn: &impl ConnectionTrait,
    route_ids: Vec<i64>,
) -> AppResult<HashMap<i64, Vec<i64>>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for p in patrol_route_point::Entity::find()
        .filter(patrol_route_point::Column::RouteId.is_in(route_ids))
        .order_by_asc(patrol_route_point::Column::Position)
        .all(conn)
        .await?
    {
        out.entry(p.route_id).or_default().push(p.checkpoint_id);
    }
    Ok(out)
}

/// Judges many rounds with two more statements, whatever their number.
async fn evaluate(
    conn: &impl ConnectionTrait,
    tasks: Vec<patrol_task::Model>,
    now: DateTime<Utc>,
) -> AppResult<Vec<RoundView>> {
    if tasks.is_empty() {
        return Ok(vec![]);
    }
    let points = points_of_routes(
        conn,
        tasks
            .iter()
            .map(|t| t.route_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect(),
    )
    .await?;
    let mut records: HashMap<i64, Vec<patrol_record::Model>> = HashMap::new();
    for r in patrol_record::Entity::find()
        .filter(patrol_record::Column::TaskId.is_in(tasks.iter().map(|t| t.id).collect::<Vec<_>>()))
        .filter(patrol_record::Column::Kind.eq(PatrolRecordKind::CheckIn))
        .all(conn)
        .await?
    {
        records.entry(r.task_id).or_default().push(r);
    }
    Ok(tasks
        .into_iter()
        .map(|t| {
            let p = points.get(&t.route_id).cloned().unwrap_or_default();
            let r = records.remove(&t.id).unwrap_or_default();
            judge(t, &p, &r, now)
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Report and figures

/// A community's patrols over a period, for the manager and the targets board.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PatrolFigures {
    /// Monday to Friday in the period.
    pub workdays: i64,
    /// Rounds the active routes' schedules call for in the period.
    pub rounds_expected: i64,
    /// Rounds actually scheduled (tasks).
    pub rounds_scheduled: i64,
    pub rounds_done: i64,
    pub rounds_late: i64,
    pub rounds_incomplete: i64,
    pub rounds_missed: i64,
    pub rounds_pending: i64,
    /// Checkpoint visits the scheduled rounds call for.
    pub checkpoints_due: i64,
    /// Of those, closed rounds' checkpoints with no check-in.
    pub checkpoints_missed: i64,
}

fn check_period(from: NaiveDate, to: NaiveDate) -> AppResult<()> {
    if to < from {
        return Err(AppError::bad_input(
            "to",
            "结束日期不能早于开始日期",
            "`to` is before `from`",
        ));
    }
    if (to - from).num_days() >= MAX_REPORT_DAYS {
        return Err(AppError::bad_input(
            "to",
            format!("报表最多 {MAX_REPORT_DAYS} 天"),
            format!("A report spans at most {MAX_REPORT_DAYS} days"),
        ));
    }
    Ok(())
}

/// Every round of a community in `from..=to` (community-local dates), judged now.
pub async fn rounds(
    conn: &impl ConnectionTrait,
    community_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<RoundView>> {
    let tasks = patrol_task::Entity::find()
        .filter(patrol_task::Column::CommunityId.eq(community_id))
        .filter(patrol_task::Column::OnDate.between(from, to))
        .order_by_asc(patrol_task::Column::StartsAt)
        .order_by_asc(patrol_task::Column::Id)
        .all(conn)
        .await?;
    evaluate(conn, tasks, super::now()).await
}

/// The figures of a period without any caller check: for the targets board, which scopes first.
pub async fn figures(
    db: &impl ConnectionTrait,
    community_id: i64,
    from_date: NaiveDate,
    to_date: NaiveDate,
) -> AppResult<PatrolFigures> {
    let views = rounds(db, community_id, from_date, to_date).await?;
    let routes = patrol_route::Entity::find()
        .filter(patrol_route::Column::CommunityId.eq(community_id))
        .filter(patrol_route::Column::Active.eq(true))
        .all(db)
        .await?;
    let mut f = PatrolFigures {
        workdays: patrol_schedule::workdays_between(from_date, to_date),
        ..Default::default()
    };
    for r in &routes {
        f.rounds_expected += schedule_of(r)?.rounds_between(from_date, to_date);
    }
    tally(&mut f, &views);
    Ok(f)
}

/// The PATROL_ROUNDS target of `from..=to` (community-local dates), judged now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundTarget {
    /// Rounds whose outcome is settled: walked in full, or their window has closed.
    pub due: i64,
    /// Of those, walked in full: late ones too (late is late, not missing).
    pub done: i64,
    /// Of the done, finished after the window closed.
    pub late: i64,
    /// Rounds whose window has not closed yet and that are not walked in full.
    pub due_soon: i64,
}

/// Every round the active routes' schedules call for once the route existed (a window that
/// opened before the route was defined is owed by no one), and every round actually scheduled,
/// each counted once. A round is settled when walked in full or when its window closes.
pub async fn round_target(
    db: &impl ConnectionTrait,
    community_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<RoundTarget> {
    let now = super::now();
    let views = rounds(db, community_id, from, to).await?;
    let routes = patrol_route::Entity::find()
        .filter(patrol_route::Column::CommunityId.eq(community_id))
        .filter(patrol_route::Column::Active.eq(true))
        .all(db)
        .await?;
    let mut t = RoundTarget::default();
    let mut scheduled = HashSet::new();
    for v in &views {
        scheduled.insert((v.task.route_id, v.task.on_date, v.task.round));
        match v.status {
            RoundStatus::Done => (t.due, t.done) = (t.due + 1, t.done + 1),
            RoundStatus::Late => (t.due, t.done, t.late) = (t.due + 1, t.done + 1, t.late + 1),
            RoundStatus::Pending => t.due_soon += 1,
            RoundStatus::Incomplete | RoundStatus::Missed => t.due += 1,
        }
    }
    for r in &routes {
        let s = schedule_of(r)?;
        for day in from.iter_days().take_while(|d| *d <= to) {
            for (round, starts, ends) in s.rounds_on(day) {
                if starts < r.created_at || scheduled.contains(&(r.id, day, round)) {
                    continue;
                }
                // Owed and never scheduled: missed once the window closes.
                if ends < now {
                    t.due += 1;
                } else {
                    t.due_soon += 1;
                }
            }
        }
    }
    Ok(t)
}

fn tally(f: &mut PatrolFigures, views: &[RoundView]) {
    for v in views {
        f.rounds_scheduled += 1;
        f.checkpoints_due += v.points.len() as i64;
        match v.status {
            RoundStatus::Done => f.rounds_done += 1,
            RoundStatus::Late => f.rounds_late += 1,
            RoundStatus::Pending => f.rounds_pending += 1,
            RoundStatus::Incomplete => f.rounds_incomplete += 1,
            RoundStatus::Missed => f.rounds_missed += 1,
        }
        if matches!(v.status, RoundStatus::Incomplete | RoundStatus::Missed) {
            f.checkpoints_missed += v.missed().len() as i64;
        }
    }
}

/// The manager's view: the figures and every round behind them.
pub async fn report(
    cx: &Cx,
    community_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<(PatrolFigures, Vec<RoundView>)> {
    super::fees::require_staff_in(cx, community_id, PLANNERS)?;
    check_period(from, to)?;
    let f = figures(cx.db(), community_id, from, to).await?;
    let views = rounds(cx.db(), community_id, from, to).await?;
    Ok((f, views))
}

// ---------------------------------------------------------------------------------------------
// Offline sync

/// One record as the handheld recorded it.
pub struct SyncRecord {
    pub client_id: String,
    pub kind: PatrolRecordKind,
    /// None when the id sent was malformed.
    pub task_id: Option<i64>,
    pub checkpoint_id: Option<i64>,
    pub device_time: DateTime<Utc>,
    pub code: Option<String>,
    pub description: Option<String>,
    pub severity: Option<PatrolSeverity>,
    pub create_repair: bool,
    pub repair_category: Option<RepairCategory>,
}

/// Why one record of a sync was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum PatrolRefusal {
    /// The record is malformed: client id not 1–64 characters, a check-in without a code, a
    /// finding without a description (1–1000 characters).
    InvalidRecord,
    /// No such round, or not one you can see.
    UnknownTask,
    /// The round is assigned to someone else.
    NotYourTask,
    /// The checkpoint is not on the round's route.
    NotOnRoute,
    /// The scanned code is not the checkpoint's code.
    WrongCode,
    /// The device time is in the future (beyond a few minutes of clock skew).
    TimeInFuture,
    /// The device time is long before the round's window opens.
    TimeBeforeRound,
    /// Someone else already used this client id; generate a new one.
    ClientIdTaken,
}

impl PatrolRefusal {
    pub fn message(self, locale: Locale) -> String {
        let (zh, en) = match self {
            Self::InvalidRecord => ("记录不完整：客户端编号须为 1–64 个字符，签到须有编码，发现须有 1–1000 字的描述", "Malformed record: the client id is 1–64 characters, a check-in needs a code, a finding a 1–1000 character description"),
            Self::UnknownTask => ("找不到该巡查任务", "No such patrol round"),
            Self::NotYourTask => ("该巡查任务未分配给你", "This round is assigned to someone else"),
            Self::NotOnRoute => ("该巡查点不在本次任务的路线上", "The checkpoint is not on this round's route"),
            Self::WrongCode => ("扫描的编码与巡查点不符", "The scanned code does not belong to this checkpoint"),
            Self::TimeInFuture => ("设备时间晚于当前时间，请校准手持机时钟", "The device time is in the future; check the handheld's clock"),
            Self::TimeBeforeRound => ("设备时间远早于本次巡查时段", "The device time is long before the round's window"),
            Self::ClientIdTaken => ("该客户端编号已被他人使用，请重新生成", "Someone else already used this client id; generate a new one"),
        };
        match locale {
            Locale::Zh => zh.to_owned(),
            Locale::En => en.to_owned(),
        }
    }
}

/// What happened to one record.
#[derive(Clone, Debug)]
pub enum SyncOutcome {
    /// Stored by this sync.
    Stored(patrol_record::Model),
    /// Stored by an earlier (or a concurrent) sync; nothing was written.
    AlreadyStored(patrol_record::Model),
    Refused(PatrolRefusal),
}

/// Stores a round recorded offline. Records are judged one by one; refused ones do not stop the
/// good ones. Each record's client id is unique in its community: the insert is
/// `ON CONFLICT (community_id, client_id) DO NOTHING`, so a resent batch, a batch cut halfway and
/// resent, or the same batch arriving twice at the same time stores every record exactly once;
/// the sync that inserted a record answers STORED, every other ALREADY_STORED. A finding with
/// `create_repair` raises its public-area repair order in the same transaction as the finding,
/// so it too exists once. Results come back in the order the records were sent.
pub async fn sync(cx: &Cx, records: Vec<SyncRecord>) -> AppResult<Vec<SyncOutcome>> {
    cx.actor
        .require_staff(&[StaffRole::Butler, StaffRole::Security, StaffRole::Manager])?;
    let me = cx.actor.user()?.user_id;
    if records.len() > MAX_SYNC_RECORDS {
        return Err(AppError::bad_input(
            "records",
            format!(
                "一次最多同步 {MAX_SYNC_RECORDS} 条记录（本次 {} 条），请分批同步",
                records.len()
            ),
            format!(
                "records: at most {MAX_SYNC_RECORDS} per sync (got {}); sync in batches",
                records.len()
            ),
        ));
    }
    if records.is_empty() {
        return Ok(vec![]);
    }
    let db = cx.db();
    let now = super::now();
    // Everything read before the transaction: on SQLite its first statement is then a write,
    // which waits for a concurrent writer instead of failing on a stale read snapshot.
    let task_ids: HashSet<i64> = records.iter().filter_map(|r| r.task_id).collect();
    let tasks: HashMap<i64, patrol_task::Model> = patrol_task::Entity::find()
        .filter(patrol_task::Column::Id.is_in(task_ids))
        .all(db)
        .await?
        .into_iter()
        .filter(|t| {
            cx.actor
                .staff()
                .is_some_and(|s| Actor::staff_covers_community(s, t.community_id))
        })
        .map(|t| (t.id, t))
        .collect();
    let route_points = points_of_routes(
        db,
        tasks
            .values()
            .map(|t| t.route_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect(),
    )
    .await?;
    let cp_ids: HashSet<i64> = records.iter().filter_map(|r| r.checkpoint_id).collect();
    let checkpoints: HashMap<i64, patrol_checkpoint::Model> = patrol_checkpoint::Entity::find()
        .filter(patrol_checkpoint::Column::Id.is_in(cp_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let client_ids: Vec<String> = records
        .iter()
        .map(|r| r.client_id.trim().to_owned())
        .collect();
    let earlier = stored_by_client_id(db, &client_ids).await?;

    let mut out: Vec<Option<SyncOutcome>> = vec![None; records.len()];
    let mut todo: Vec<(usize, patrol_record::ActiveModel)> = vec![];
    for (i, r) in records.iter().enumerate() {
        let cid = &client_ids[i];
        if cid.is_empty() || cid.chars().count() > 64 {
            out[i] = Some(SyncOutcome::Refused(PatrolRefusal::InvalidRecord));
            continue;
        }
        let Some(t) = r.task_id.and_then(|id| tasks.get(&id)) else {
            out[i] = Some(SyncOutcome::Refused(PatrolRefusal::UnknownTask));
            continue;
        };
        // A record stored before is answered as such even if the round changed hands since.
        if let Some(prev) = earlier.get(&(t.community_id, cid.clone())) {
            out[i] = Some(if prev.recorded_by == me {
                SyncOutcome::AlreadyStored(prev.clone())
            } else {
                SyncOutcome::Refused(PatrolRefusal::ClientIdTaken)
            });
            continue;
        }
        match judge_record(r, t, me, &route_points, &checkpoints, now) {
            Err(refusal) => out[i] = Some(SyncOutcome::Refused(refusal)),
            Ok(row) => todo.push((i, row)),
        }
    }

    // Consistent lock order on PostgreSQL: two syncs with overlapping records wait for each
    // other on the first shared id instead of deadlocking.
    todo.sort_by(|a, b| client_ids[a.0].cmp(&client_ids[b.0]));
    let mut conflicted = vec![];
    let mut published: Vec<Published> = vec![];
    if !todo.is_empty() {
        let txn = db.begin().await?;
        for (i, row) in todo {
            let res = patrol_record::Entity::insert(row)
                .on_conflict_do_nothing_on([
                    patrol_record::Column::CommunityId,
                    patrol_record::Column::ClientId,
                ])
                .exec_with_returning(&txn)
                .await;
            let Some(mut rec) = inserted(res)? else {
                conflicted.push(i);
                continue;
            };
            let r = &records[i];
            let cp = &checkpoints[&rec.checkpoint_id];
            if rec.kind == PatrolRecordKind::Finding && r.create_repair {
                let area = public_area::Entity::find_by_id(cp.public_area_id)
                    .one_row(&txn)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let description = format!(
                    "【巡查发现·{}】{}",
                    cp.name,
                    rec.description.clone().unwrap_or_default()
                );
                let (order, ev) = super::repairs::book_patrol_finding_in(
                    &txn,
                    &cx.actor,
                    &area,
                    me,
                    r.repair_category.unwrap_or(RepairCategory::Other),
                    description.chars().take(1000).collect(),
                    format!("patrol:{}", rec.client_id),
                )
                .await?;
                patrol_record::Entity::update_many()
                    .col_expr(patrol_record::Column::RepairOrderId, Expr::value(order.id))
                    .filter(patrol_record::Column::Id.eq(rec.id))
                    .exec(&txn)
                    .await?;
                rec.repair_order_id = Some(order.id);
                published.push(ev);
            }
            let t = &tasks[&rec.task_id];
            let (action, reason) = match rec.kind {
                PatrolRecordKind::CheckIn => ("patrol.checked_in", None),
                PatrolRecordKind::Finding => ("patrol.finding", rec.description.clone()),
            };
            let e = NewEvent {
                reason,
                ..event(
                    t.community_id,
                    cp.building_id,
                    action,
                    crate::domain::NodeKind::PatrolTask,
                    t.id,
                )
            };
            let ev = events::record(&txn, &cx.actor, e).await?;
            // Check-ins are logged but not pushed live: a synced round would flood the feed.
            if rec.kind == PatrolRecordKind::Finding {
                published.push(ev);
            }
            out[i] = Some(SyncOutcome::Stored(rec));
        }
        txn.commit().await?;
    }
    cx.core.bus.publish(published);

    // Lost the race to a concurrent sync (or a repeated id inside this batch): that one stored it.
    if !conflicted.is_empty() {
        let ids: Vec<String> = conflicted.iter().map(|i| client_ids[*i].clone()).collect();
        let now_stored = stored_by_client_id(db, &ids).await?;
        for i in conflicted {
            let t = &tasks[&records[i].task_id.expect("judged records have a task")];
            out[i] = Some(
                match now_stored.get(&(t.community_id, client_ids[i].clone())) {
                    Some(prev) if prev.recorded_by == me => {
                        SyncOutcome::AlreadyStored(prev.clone())
                    }
                    _ => SyncOutcome::Refused(PatrolRefusal::ClientIdTaken),
                },
            );
        }
    }
    Ok(out
        .into_iter()
        .map(|o| o.expect("every record has an outcome"))
        .collect())
}

async fn stored_by_client_id(
    db: &impl ConnectionTrait,
    client_ids: &[String],
) -> AppResult<HashMap<(i64, String), patrol_record::Model>> {
    let mut out = HashMap::new();
    // Bounded by MAX_SYNC_RECORDS, well under every driver's bind-parameter limit.
    for r in patrol_record::Entity::find()
        .filter(patrol_record::Column::ClientId.is_in(client_ids.to_vec()))
        .all(db)
        .await?
    {
        out.insert((r.community_id, r.client_id.clone()), r);
    }
    Ok(out)
}

/// Checks one record against its round; the row to store, or why not.
fn judge_record(
    r: &SyncRecord,
    t: &patrol_task::Model,
    me: i64,
    route_points: &HashMap<i64, Vec<i64>>,
    checkpoints: &HashMap<i64, patrol_checkpoint::Model>,
    now: DateTime<Utc>,
) -> Result<patrol_record::ActiveModel, PatrolRefusal> {
    if t.assignee_user_id != me {
        return Err(PatrolRefusal::NotYourTask);
    }
    let on_route = route_points
        .get(&t.route_id)
        .is_some_and(|p| r.checkpoint_id.is_some_and(|c| p.contains(&c)));
    let cp = match r.checkpoint_id.and_then(|c| checkpoints.get(&c)) {
        Some(cp) if on_route => cp,
        _ => return Err(PatrolRefusal::NotOnRoute),
    };
    if r.device_time > now + Duration::minutes(CLOCK_SKEW_MINUTES) {
        return Err(PatrolRefusal::TimeInFuture);
    }
    if r.device_time < t.starts_at - Duration::minutes(EARLY_MINUTES) {
        return Err(PatrolRefusal::TimeBeforeRound);
    }
    let (code_v, description, severity) = match r.kind {
        PatrolRecordKind::CheckIn => {
            let scanned = r.code.as_deref().ok_or(PatrolRefusal::InvalidRecord)?;
            if code(scanned).as_deref() != Some(cp.code.as_str()) {
                return Err(PatrolRefusal::WrongCode);
            }
            (Some(cp.code.clone()), None, None)
        }
        PatrolRecordKind::Finding => {
            let d = r.description.as_deref().map(str::trim).unwrap_or("");
            if d.is_empty() || d.chars().count() > 1000 {
                return Err(PatrolRefusal::InvalidRecord);
            }
            (
                None,
                Some(d.to_owned()),
                Some(r.severity.unwrap_or(PatrolSeverity::Medium)),
            )
        }
    };
    Ok(patrol_record::ActiveModel {
        community_id: Set(t.community_id),
        client_id: Set(r.client_id.trim().to_owned()),
        task_id: Set(t.id),
        checkpoint_id: Set(cp.id),
        kind: Set(r.kind),
        code: Set(code_v),
        description: Set(description),
        severity: Set(severity),
        device_time: Set(r.device_time),
        received_at: Set(now),
        recorded_by: Set(me),
        repair_order_id: Set(None),
        ..Default::default()
    })
}

// ---------------------------------------------------------------------------------------------
// Photos of findings

/// Photos per finding, as per repair order.
pub const MAX_FINDING_PHOTOS: usize = super::repairs::photos::MAX_PHOTOS;

/// Adds photos to a finding the caller synced, once it is online again (the sync itself carries
/// no files). Photos are checked by content like repair photos; one already stored for the
/// finding (same bytes: a retried upload) is skipped, so retrying is safe.
pub async fn add_photos(
    cx: &Cx,
    client_id: &str,
    files: Vec<(String, Vec<u8>)>,
) -> AppResult<patrol_record::Model> {
    use sha2::{Digest, Sha256};
    cx.actor
        .require_staff(&[StaffRole::Butler, StaffRole::Security, StaffRole::Manager])?;
    let me = cx.actor.user()?.user_id;
    let rec = patrol_record::Entity::find()
        .filter(patrol_record::Column::ClientId.eq(client_id.trim()))
        .filter(patrol_record::Column::RecordedBy.eq(me))
        .filter(patrol_record::Column::Kind.eq(PatrolRecordKind::Finding))
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let existing: HashSet<String> = patrol_photo::Entity::find()
        .filter(patrol_photo::Column::RecordId.eq(rec.id))
        .all(cx.db())
        .await?
        .into_iter()
        .map(|p| p.sha256)
        .collect();
    let mut seen = existing.clone();
    let mut fresh = vec![];
    for (name, bytes) in files {
        let hash = hex::encode(Sha256::digest(&bytes));
        if seen.insert(hash.clone()) {
            fresh.push((hash, (name, bytes)));
        }
    }
    if existing.len() + fresh.len() > MAX_FINDING_PHOTOS {
        return Err(AppError::bad_input(
            "photos",
            format!("每条巡查发现最多 {MAX_FINDING_PHOTOS} 张照片"),
            format!("At most {MAX_FINDING_PHOTOS} photos per finding"),
        ));
    }
    if fresh.is_empty() {
        return Ok(rec);
    }
    let (hashes, files): (Vec<String>, Vec<(String, Vec<u8>)>) = fresh.into_iter().unzip();
    let checked =
        super::repairs::photos::check(files, 0, cx.core.config.limits.max_upload_file_bytes)?;
    let dir = &cx.core.config.upload_dir;
    let names = super::repairs::photos::write_files(dir, &checked).await?;
    let stored = store_photos(cx, &rec, me, &hashes, &names, &checked).await;
    match stored {
        Ok(unused) => {
            // Lost a race with the same photo uploaded concurrently: keep the other copy.
            super::repairs::photos::remove_files(dir, &unused).await;
            Ok(rec)
        }
        Err(e) => {
            super::repairs::photos::remove_files(dir, &names).await;
            Err(e)
        }
    }
}

/// Inserts the photo rows and their event; returns the stored names that were not needed.
async fn store_photos(
    cx: &Cx,
    rec: &patrol_record::Model,
    me: i64,
    hashes: &[String],
    names: &[String],
    checked: &[super::repairs::photos::CheckedPhoto],
) -> AppResult<Vec<String>> {
    let txn = cx.db().begin().await?;
    let mut unused = vec![];
    for ((hash, name), p) in hashes.iter().zip(names).zip(checked) {
        let res = patrol_photo::Entity::insert(patrol_photo::ActiveModel {
            community_id: Set(rec.community_id),
            record_id: Set(rec.id),
            sha256: Set(hash.clone()),
            stored_name: Set(name.clone()),
            content_type: Set(p.content_type.to_owned()),
            size_bytes: Set(p.bytes.len() as i64),
            uploaded_by: Set(me),
            created_at: Set(super::now()),
            ..Default::default()
        })
        .on_conflict_do_nothing_on([patrol_photo::Column::RecordId, patrol_photo::Column::Sha256])
        .exec_with_returning(&txn)
        .await;
        if inserted(res)?.is_none() {
            unused.push(name.clone());
        }
    }
    let e = NewEvent {
        reason: Some(format!("{} photo(s)", names.len() - unused.len())),
        ..event(
            rec.community_id,
            None,
            "patrol.photos_added",
            crate::domain::NodeKind::PatrolTask,
            rec.task_id,
        )
    };
    events::record(&txn, &cx.actor, e).await?;
    txn.commit().await?;
    Ok(unused)
}

/// A finding photo's file: for the person who recorded it, the community's planners, and anyone
/// who may see the repair order raised from it (the technician sent to fix it).
pub async fn open_photo(cx: &Cx, photo_id: i64) -> AppResult<(std::path::PathBuf, String)> {
    cx.actor.require_signed_in()?;
    let p = patrol_photo::Entity::find_by_id(photo_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let rec = patrol_record::Entity::find_by_id(p.record_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let me = cx.actor.user().ok().map(|u| u.user_id);
    let allowed = me == Some(rec.recorded_by)
        || plans(&cx.actor, rec.community_id)
        || match rec.repair_order_id {
            Some(o) => super::repairs::get(cx, o).await.is_ok(),
            None => false,
        };
    if !allowed {
        return Err(AppError::NotFound);
    }
    Ok((
        cx.core.config.upload_dir.join(&p.stored_name),
        p.content_type,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(ends_at: DateTime<Utc>) -> patrol_task::Model {
        patrol_task::Model {
            id: 1,
            community_id: 1,
            route_id: 1,
            assignee_user_id: 1,
            on_date: ends_at.date_naive(),
            round: 1,
            starts_at: ends_at - Duration::hours(2),
            ends_at,
            created_by: 1,
            created_at: ends_at,
        }
    }

    fn check_in(cp: i64, at: DateTime<Utc>) -> patrol_record::Model {
        patrol_record::Model {
            id: cp,
            community_id: 1,
            client_id: format!("c{cp}"),
            task_id: 1,
            checkpoint_id: cp,
            kind: PatrolRecordKind::CheckIn,
            code: Some("X".into()),
            description: None,
            severity: None,
            device_time: at,
            received_at: at,
            recorded_by: 1,
            repair_order_id: None,
        }
    }

    #[test]
    fn rounds_are_done_late_incomplete_missed_or_pending() {
        let end = Utc::now();
        let before = end - Duration::minutes(10);
        let after = end + Duration::minutes(10);
        let later = end + Duration::hours(1);
        assert_eq!(
            judge(
                task(end),
                &[1, 2],
                &[check_in(1, before), check_in(2, before)],
                later
            )
            .status,
            RoundStatus::Done
        );
        assert_eq!(
            judge(
                task(end),
                &[1, 2],
                &[check_in(1, before), check_in(2, after)],
                later
            )
            .status,
            RoundStatus::Late
        );
        let partial = judge(task(end), &[1, 2], &[check_in(1, before)], later);
        assert_eq!(
            (partial.status, partial.missed()),
            (RoundStatus::Incomplete, vec![2])
        );
        assert_eq!(
            judge(task(end), &[1, 2], &[], later).status,
            RoundStatus::Missed
        );
        assert_eq!(
            judge(task(end), &[1, 2], &[check_in(1, before)], before).status,
            RoundStatus::Pending
        );
    }
}
