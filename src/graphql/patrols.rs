//! Patrols as the manager sets them up and reads them, and as the handheld walks and syncs them.
use super::connection::{connection, page_args};
use super::estate::PublicArea;
use super::loaders::{children_of, load_one};
use super::{cx, loaders};
use crate::domain::{GlobalId, NodeKind};
use crate::error::{AppError, Locale};
use crate::service::patrols::{self, PatrolRefusal, RoundStatus, SyncOutcome, SyncRecord};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, Upload, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{PatrolRecordKind, PatrolSeverity, RepairCategory};
use entity::{patrol_checkpoint, patrol_photo, patrol_record, patrol_route, patrol_task};

/// A place on the estate a patrol must visit, with the code posted there.
pub struct PatrolCheckpoint(pub patrol_checkpoint::Model);

/// A checkpoint (巡查点).
#[Object]
impl PatrolCheckpoint {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::PatrolCheckpoint, self.0.id)
    }
    /// What the point is called (e.g. "1栋大堂消防栓").
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Where exactly, if the name does not say.
    async fn place(&self) -> Option<&str> {
        self.0.place.as_deref()
    }
    /// What to check there.
    async fn checks(&self) -> &str {
        &self.0.checks
    }
    /// The code on the tag to scan; shown to managers only, so a check-in proves presence.
    async fn code(&self, ctx: &Context<'_>) -> Option<&str> {
        patrols::plans(&cx(ctx).actor, self.0.community_id).then_some(self.0.code.as_str())
    }
    /// The public area it is in; a finding's repair order is raised for this area.
    async fn public_area(&self, ctx: &Context<'_>) -> Result<PublicArea> {
        Ok(PublicArea(
            load_one(loaders(ctx).public_area(), self.0.public_area_id).await?,
        ))
    }
}

/// One time window of a route, in community-local time.
#[derive(SimpleObject)]
pub struct PatrolWindow {
    /// Opens at (HH:MM).
    pub start: String,
    /// Closes at (HH:MM); check-ins after this are late.
    pub end: String,
}

/// A window as the manager types it.
#[derive(InputObject)]
pub struct PatrolWindowInput {
    /// Opens at (HH:MM, community-local time).
    pub start: String,
    /// Closes at (HH:MM, after `start`).
    pub end: String,
}

/// An ordered walk through checkpoints, with the days and windows it is walked.
pub struct PatrolRoute(pub patrol_route::Model);

/// A patrol route (巡查路线).
#[Object]
impl PatrolRoute {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::PatrolRoute, self.0.id)
    }
    /// The route's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// ISO weekdays it is walked: 1 = Monday … 7 = Sunday.
    async fn days(&self) -> Result<Vec<i32>> {
        Ok(patrols::schedule_of(&self.0)?
            .days
            .into_iter()
            .map(i32::from)
            .collect())
    }
    /// The day's windows, one round each.
    async fn windows(&self) -> Result<Vec<PatrolWindow>> {
        Ok(patrols::schedule_of(&self.0)?
            .windows
            .into_iter()
            .map(|(s, e)| PatrolWindow {
                start: s.format("%H:%M").to_string(),
                end: e.format("%H:%M").to_string(),
            })
            .collect())
    }
    /// The checkpoints in walking order.
    async fn checkpoints(&self, ctx: &Context<'_>) -> Result<Vec<PatrolCheckpoint>> {
        checkpoints_of_route(ctx, self.0.id).await
    }
}

async fn checkpoints_of_route(ctx: &Context<'_>, route_id: i64) -> Result<Vec<PatrolCheckpoint>> {
    let l = loaders(ctx);
    let mut points = children_of(l.patrol_route_points(), route_id).await?;
    points.sort_by_key(|p| p.position);
    checkpoints(ctx, points.iter().map(|p| p.checkpoint_id).collect()).await
}

/// Checkpoints by id in the order given, in one loader call (one batch, not one per point).
async fn checkpoints(ctx: &Context<'_>, ids: Vec<i64>) -> Result<Vec<PatrolCheckpoint>> {
    let found = loaders(ctx)
        .patrol_checkpoint()
        .load_many(ids.iter().copied())
        .await
        .map_err(|e| AppError::internal("checkpoints", format!("{e:?}")))?;
    ids.iter()
        .map(|id| {
            found.get(id).cloned().map(PatrolCheckpoint).ok_or_else(|| {
                AppError::internal("loader", format!("dangling checkpoint {id}")).into()
            })
        })
        .collect()
}

/// A round as it stands: judged already by the service (lists), or from the route's checkpoints
/// and the round's check-ins through the loaders (a single round).
async fn view(ctx: &Context<'_>, t: &PatrolTask) -> Result<patrols::RoundView> {
    if let Some(v) = &t.1 {
        return Ok(v.clone());
    }
    let l = loaders(ctx);
    let mut points = children_of(l.patrol_route_points(), t.0.route_id).await?;
    points.sort_by_key(|p| p.position);
    let ids: Vec<i64> = points.iter().map(|p| p.checkpoint_id).collect();
    let records = children_of(l.patrol_records(), t.0.id).await?;
    Ok(patrols::judge(
        t.0.clone(),
        &ids,
        &records,
        crate::service::now(),
    ))
}

/// One checkpoint of a round and its check-in.
pub struct PatrolTaskPoint {
    position: i32,
    checkpoint_id: i64,
    checked_in_at: Option<DateTime<Utc>>,
    ends_at: DateTime<Utc>,
}

/// A checkpoint of a round, in walking order, and when it was checked in.
#[Object]
impl PatrolTaskPoint {
    /// 1-based walking order.
    async fn position(&self) -> i32 {
        self.position
    }
    /// The checkpoint.
    async fn checkpoint(&self, ctx: &Context<'_>) -> Result<PatrolCheckpoint> {
        Ok(PatrolCheckpoint(
            load_one(loaders(ctx).patrol_checkpoint(), self.checkpoint_id).await?,
        ))
    }
    /// The first check-in, by the handheld's clock; null until one is synced.
    async fn checked_in_at(&self) -> Option<DateTime<Utc>> {
        self.checked_in_at
    }
    /// Whether the check-in came after the window closed.
    async fn late(&self) -> bool {
        self.checked_in_at.is_some_and(|t| t > self.ends_at)
    }
}

/// A finding or check-in as stored.
pub struct PatrolRecord(pub patrol_record::Model);

/// A record synced from a handheld.
#[Object]
impl PatrolRecord {
    /// The id the handheld generated.
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    /// Check-in or finding.
    async fn kind(&self) -> PatrolRecordKind {
        self.0.kind
    }
    /// The checkpoint.
    async fn checkpoint(&self, ctx: &Context<'_>) -> Result<PatrolCheckpoint> {
        Ok(PatrolCheckpoint(
            load_one(loaders(ctx).patrol_checkpoint(), self.0.checkpoint_id).await?,
        ))
    }
    /// What was found (findings).
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// How serious (findings).
    async fn severity(&self) -> Option<PatrolSeverity> {
        self.0.severity
    }
    /// When it happened, by the handheld's clock.
    async fn device_time(&self) -> DateTime<Utc> {
        self.0.device_time
    }
    /// When the server stored it.
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    /// The public-area repair order raised from this finding.
    async fn repair_order_id(&self) -> Option<ID> {
        self.0
            .repair_order_id
            .map(|id| GlobalId::encode(NodeKind::RepairOrder, id))
    }
    /// Photos of the finding (served at `/files/patrol-photos/{id}`).
    async fn photos(&self, ctx: &Context<'_>) -> Result<Vec<PatrolPhoto>> {
        let mut p = children_of(loaders(ctx).patrol_photos(), self.0.id).await?;
        p.sort_by_key(|p| p.id);
        Ok(p.into_iter().map(PatrolPhoto).collect())
    }
}

/// A photo of a patrol finding.
pub struct PatrolPhoto(pub patrol_photo::Model);

/// A photo, fetched with the same bearer token from `url`.
#[Object]
impl PatrolPhoto {
    /// Where to GET the file (same bearer token as the API).
    async fn url(&self) -> String {
        format!("/files/patrol-photos/{}", self.0.id)
    }
    /// The file's type, from its content.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// Size in bytes.
    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }
}

/// One scheduled round of a route, with its status when a list already judged it in a batch.
pub struct PatrolTask(pub patrol_task::Model, pub Option<patrols::RoundView>);

impl PatrolTask {
    pub fn new(t: patrol_task::Model) -> Self {
        Self(t, None)
    }
    pub fn judged(v: patrols::RoundView) -> Self {
        Self(v.task.clone(), Some(v))
    }
}

/// A patrol round (巡查任务) assigned to a butler or guard.
#[Object]
impl PatrolTask {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::PatrolTask, self.0.id)
    }
    /// The route to walk.
    async fn route(&self, ctx: &Context<'_>) -> Result<PatrolRoute> {
        Ok(PatrolRoute(
            load_one(loaders(ctx).patrol_route(), self.0.route_id).await?,
        ))
    }
    /// The community-local day.
    async fn date(&self) -> NaiveDate {
        self.0.on_date
    }
    /// Which of the day's windows (1 = first).
    async fn round(&self) -> i32 {
        self.0.round
    }
    /// The window opens (UTC).
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// The window closes (UTC); check-ins after it are late.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// Who walks it.
    async fn assignee_name(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load_one(loaders(ctx).user(), self.0.assignee_user_id)
            .await?
            .display_name)
    }
    /// Where it stands now.
    async fn status(&self, ctx: &Context<'_>) -> Result<RoundStatus> {
        Ok(view(ctx, self).await?.status)
    }
    /// The route's checkpoints in walking order with their check-ins.
    async fn points(&self, ctx: &Context<'_>) -> Result<Vec<PatrolTaskPoint>> {
        let v = view(ctx, self).await?;
        Ok(v.points
            .into_iter()
            .enumerate()
            .map(|(i, (cp, at))| PatrolTaskPoint {
                position: i as i32 + 1,
                checkpoint_id: cp,
                checked_in_at: at,
                ends_at: self.0.ends_at,
            })
            .collect())
    }
    /// Checkpoints with no check-in, once the window has closed (empty while it is open).
    async fn missed_checkpoints(&self, ctx: &Context<'_>) -> Result<Vec<PatrolCheckpoint>> {
        let v = view(ctx, self).await?;
        if !matches!(v.status, RoundStatus::Incomplete | RoundStatus::Missed) {
            return Ok(vec![]);
        }
        checkpoints(ctx, v.missed()).await
    }
    /// The findings recorded on this round, by device time.
    async fn findings(&self, ctx: &Context<'_>) -> Result<Vec<PatrolRecord>> {
        let mut r = children_of(loaders(ctx).patrol_records(), self.0.id).await?;
        r.retain(|r| r.kind == PatrolRecordKind::Finding);
        r.sort_by_key(|r| (r.device_time, r.id));
        Ok(r.into_iter().map(PatrolRecord).collect())
    }
}

/// The manager's patrol figures for a period, and the rounds behind them.
pub struct PatrolReport {
    figures: patrols::PatrolFigures,
    rounds: Vec<patrols::RoundView>,
}

/// Rounds scheduled, done, late, incomplete and missed in a period.
#[Object]
impl PatrolReport {
    /// Monday to Friday in the period (the handbook asks 2 rounds per workday).
    async fn workdays(&self) -> i64 {
        self.figures.workdays
    }
    /// Rounds the active routes' schedules call for.
    async fn rounds_expected(&self) -> i64 {
        self.figures.rounds_expected
    }
    /// Rounds scheduled (assigned tasks).
    async fn rounds_scheduled(&self) -> i64 {
        self.figures.rounds_scheduled
    }
    /// Every checkpoint checked in within the window.
    async fn rounds_done(&self) -> i64 {
        self.figures.rounds_done
    }
    /// Every checkpoint checked in, some after the window.
    async fn rounds_late(&self) -> i64 {
        self.figures.rounds_late
    }
    /// Window closed with some checkpoints missed.
    async fn rounds_incomplete(&self) -> i64 {
        self.figures.rounds_incomplete
    }
    /// Window closed with no check-in.
    async fn rounds_missed(&self) -> i64 {
        self.figures.rounds_missed
    }
    /// Window still open (or to come) and not complete.
    async fn rounds_pending(&self) -> i64 {
        self.figures.rounds_pending
    }
    /// Checkpoint visits the scheduled rounds call for.
    async fn checkpoints_due(&self) -> i64 {
        self.figures.checkpoints_due
    }
    /// Checkpoints of closed rounds with no check-in.
    async fn checkpoints_missed(&self) -> i64 {
        self.figures.checkpoints_missed
    }
    /// Every round of the period by start time, with its status and missed checkpoints.
    async fn rounds(&self) -> Vec<PatrolTask> {
        self.rounds
            .iter()
            .cloned()
            .map(PatrolTask::judged)
            .collect()
    }
}

/// What happened to one synced record.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum PatrolRecordOutcome {
    /// Stored by this sync.
    Stored,
    /// Already stored by an earlier or concurrent sync; nothing was written twice.
    AlreadyStored,
    /// Refused; see `reason`. Other records of the sync are unaffected.
    Refused,
}

/// The answer for one record, in the order the records were sent.
#[derive(SimpleObject)]
pub struct PatrolRecordResult {
    /// The record's client id, as sent.
    pub client_id: String,
    /// Stored, already stored, or refused.
    pub outcome: PatrolRecordOutcome,
    /// Why it was refused.
    pub reason: Option<PatrolRefusal>,
    /// The refusal explained, in the caller's language.
    pub message: Option<String>,
    /// The public-area repair order raised from a finding (also on ALREADY_STORED).
    pub repair_order_id: Option<ID>,
}

/// The answer to a sync.
#[derive(SimpleObject)]
pub struct PatrolSyncResult {
    /// Records stored by this sync.
    pub stored: i32,
    /// Records an earlier or concurrent sync had stored.
    pub already_stored: i32,
    /// Records refused.
    pub refused: i32,
    /// One result per record, in the order sent.
    pub results: Vec<PatrolRecordResult>,
}

/// One record made on the handheld, possibly offline.
#[derive(InputObject)]
pub struct PatrolRecordInput {
    /// Generated on the handheld (a UUID), 1–64 characters; resending it stores nothing twice.
    pub client_id: String,
    /// Check-in or finding.
    pub kind: PatrolRecordKind,
    /// The round.
    pub task_id: ID,
    /// The checkpoint, on the round's route.
    pub checkpoint_id: ID,
    /// When it happened, by the handheld's clock.
    pub device_time: DateTime<Utc>,
    /// The code scanned at the checkpoint (check-ins).
    pub code: Option<String>,
    /// What was found, 1–1000 characters (findings).
    pub description: Option<String>,
    /// How serious (findings; MEDIUM if omitted).
    pub severity: Option<PatrolSeverity>,
    /// Raise a public-area repair order (channel PATROL) for this finding.
    #[graphql(default)]
    pub create_repair: bool,
    /// The repair order's category (OTHER if omitted).
    pub repair_category: Option<RepairCategory>,
}

/// Define a checkpoint.
#[derive(InputObject)]
pub struct CreatePatrolCheckpointInput {
    /// The public area it is in (lobby, lift, car park ...).
    pub public_area_id: ID,
    /// Its name, 1–100 characters.
    pub name: String,
    /// Where exactly (optional, up to 200 characters).
    pub place: Option<String>,
    /// What to check there, 1–1000 characters.
    pub checks: String,
    /// The code on the tag: 1–32 letters, digits or '-', unique in the community.
    pub code: String,
}

/// Define a route.
#[derive(InputObject)]
pub struct CreatePatrolRouteInput {
    /// The community.
    pub community_id: ID,
    /// Its name, 1–100 characters.
    pub name: String,
    /// The checkpoints in walking order (1–100, no repeats).
    pub checkpoint_ids: Vec<ID>,
    /// ISO weekdays it is walked, 1 = Monday … 7 = Sunday; Monday to Friday if omitted.
    pub days: Option<Vec<i32>>,
    /// Community-local windows, one round each; 09:00–11:00 and 15:00–17:00 if omitted.
    pub windows: Option<Vec<PatrolWindowInput>>,
}

crate::connection_type!(
    PatrolCheckpointConnection,
    PatrolCheckpointEdge,
    PatrolCheckpoint,
    "patrol checkpoints"
);
crate::connection_type!(
    PatrolRouteConnection,
    PatrolRouteEdge,
    PatrolRoute,
    "patrol routes"
);

fn community(raw: &ID) -> Result<i64> {
    Ok(GlobalId::decode_as(
        "communityId",
        raw,
        NodeKind::Community,
    )?)
}

#[derive(Default)]
pub struct PatrolQuery;

#[Object]
impl PatrolQuery {
    /// The community's checkpoints (manager, butler, security).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn patrol_checkpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<PatrolCheckpointConnection> {
        let page = patrols::checkpoints(
            cx(ctx),
            community(&community_id)?,
            &page_args(ctx, after, before, first, last)?,
        )
        .await?;
        Ok(connection(page, |m| m.id, PatrolCheckpoint))
    }
    /// The community's routes (manager, butler, security).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn patrol_routes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<PatrolRouteConnection> {
        let page = patrols::routes(
            cx(ctx),
            community(&community_id)?,
            &page_args(ctx, after, before, first, last)?,
        )
        .await?;
        Ok(connection(page, |m| m.id, PatrolRoute))
    }
    /// The caller's rounds: today's, and unfinished ones of the last 7 days, by start time. Load
    /// this before going offline: it has every checkpoint of every round.
    async fn my_patrol_tasks(&self, ctx: &Context<'_>) -> Result<Vec<PatrolTask>> {
        Ok(patrols::mine(cx(ctx))
            .await?
            .into_iter()
            .map(PatrolTask::judged)
            .collect())
    }
    /// Rounds scheduled, done, late, incomplete and missed over at most 31 days (manager).
    async fn patrol_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "First day (community-local).")] from: NaiveDate,
        #[graphql(desc = "Last day, included (at most 30 days after `from`).")] to: NaiveDate,
    ) -> Result<PatrolReport> {
        let (figures, views) =
            patrols::report(cx(ctx), community(&community_id)?, from, to).await?;
        Ok(PatrolReport {
            figures,
            rounds: views,
        })
    }
}

#[derive(Default)]
pub struct PatrolMutation;

#[Object]
impl PatrolMutation {
    /// Define a checkpoint in a public area (manager). A code already used in the community is
    /// CONFLICT.
    async fn create_patrol_checkpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The checkpoint.")] input: CreatePatrolCheckpointInput,
    ) -> Result<PatrolCheckpoint> {
        let n = patrols::NewCheckpoint {
            public_area_id: GlobalId::decode_as(
                "publicAreaId",
                &input.public_area_id,
                NodeKind::PublicArea,
            )?,
            name: input.name,
            place: input.place,
            checks: input.checks,
            code: input.code,
        };
        Ok(PatrolCheckpoint(
            patrols::create_checkpoint(cx(ctx), n).await?,
        ))
    }
    /// Define a route of checkpoints with its days and windows (manager).
    async fn create_patrol_route(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The route.")] input: CreatePatrolRouteInput,
    ) -> Result<PatrolRoute> {
        let checkpoint_ids = input
            .checkpoint_ids
            .iter()
            .map(|c| GlobalId::decode_as("checkpointIds", c, NodeKind::PatrolCheckpoint))
            .collect::<Result<Vec<_>, AppError>>()?;
        let n = patrols::NewRoute {
            community_id: community(&input.community_id)?,
            name: input.name,
            checkpoint_ids,
            days: input.days,
            windows: input
                .windows
                .map(|w| w.into_iter().map(|w| (w.start, w.end)).collect()),
        };
        Ok(PatrolRoute(patrols::create_route(cx(ctx), n).await?))
    }
    /// Create a day's rounds of a route for a butler or guard (manager), one per window, for a
    /// day within 31 days of today (past days too, to back-fill). Idempotent: rounds that already
    /// exist are returned unchanged (assignee included), never duplicated.
    async fn schedule_patrol_tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The route.")] route_id: ID,
        #[graphql(desc = "The community-local day.")] date: NaiveDate,
        #[graphql(desc = "The butler's or guard's staff membership.")] assignee_id: ID,
    ) -> Result<Vec<PatrolTask>> {
        let r = GlobalId::decode_as("routeId", &route_id, NodeKind::PatrolRoute)?;
        let a = GlobalId::decode_as("assigneeId", &assignee_id, NodeKind::StaffMember)?;
        Ok(patrols::schedule(cx(ctx), r, date, a)
            .await?
            .into_iter()
            .map(PatrolTask::new)
            .collect())
    }
    /// Hand a round to another butler or guard (manager).
    async fn assign_patrol_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The round.")] task_id: ID,
        #[graphql(desc = "The butler's or guard's staff membership.")] assignee_id: ID,
    ) -> Result<PatrolTask> {
        let t = GlobalId::decode_as("taskId", &task_id, NodeKind::PatrolTask)?;
        let a = GlobalId::decode_as("assigneeId", &assignee_id, NodeKind::StaffMember)?;
        Ok(PatrolTask::new(patrols::assign(cx(ctx), t, a).await?))
    }
    /// Add photos to a finding you synced, by its client id, once online (GraphQL multipart
    /// request; JPEG, PNG, HEIC or WebP, 10 MB each, 9 per finding). A photo already stored for
    /// the finding is skipped, so a retried upload adds nothing.
    async fn add_patrol_finding_photos(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The finding's client id, as synced.")] client_id: String,
        #[graphql(desc = "The photos.")] photos: Vec<Upload>,
    ) -> Result<PatrolRecord> {
        let files = super::repairs::read_uploads(ctx, photos)?;
        Ok(PatrolRecord(
            patrols::add_photos(cx(ctx), &client_id, files).await?,
        ))
    }
    /// Sync check-ins and findings recorded on the handheld, possibly offline (at most 500 per
    /// call; more is BAD_USER_INPUT on `records` and stores nothing). Each record is judged on its
    /// own: refused records come back with a reason and do not stop the others. Resending (all
    /// or part of) a batch, even concurrently, stores each client id once: the sync that stored
    /// it answers STORED, any other ALREADY_STORED.
    async fn sync_patrol(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The records, oldest first.")] records: Vec<PatrolRecordInput>,
    ) -> Result<PatrolSyncResult> {
        let locale = ctx.data_opt::<Locale>().copied().unwrap_or_default();
        let client_ids: Vec<String> = records.iter().map(|r| r.client_id.clone()).collect();
        let input = records
            .into_iter()
            .map(|r| SyncRecord {
                client_id: r.client_id,
                kind: r.kind,
                task_id: GlobalId::decode_as("taskId", &r.task_id, NodeKind::PatrolTask).ok(),
                checkpoint_id: GlobalId::decode_as(
                    "checkpointId",
                    &r.checkpoint_id,
                    NodeKind::PatrolCheckpoint,
                )
                .ok(),
                device_time: r.device_time,
                code: r.code,
                description: r.description,
                severity: r.severity,
                create_repair: r.create_repair,
                repair_category: r.repair_category,
            })
            .collect();
        let outcomes = patrols::sync(cx(ctx), input).await?;
        let mut res = PatrolSyncResult {
            stored: 0,
            already_stored: 0,
            refused: 0,
            results: Vec::with_capacity(outcomes.len()),
        };
        for (client_id, o) in client_ids.into_iter().zip(outcomes) {
            let order = |r: &patrol_record::Model| {
                r.repair_order_id
                    .map(|id| GlobalId::encode(NodeKind::RepairOrder, id))
            };
            let (outcome, reason, repair_order_id) = match &o {
                SyncOutcome::Stored(r) => {
                    res.stored += 1;
                    (PatrolRecordOutcome::Stored, None, order(r))
                }
                SyncOutcome::AlreadyStored(r) => {
                    res.already_stored += 1;
                    (PatrolRecordOutcome::AlreadyStored, None, order(r))
                }
                SyncOutcome::Refused(why) => {
                    res.refused += 1;
                    (PatrolRecordOutcome::Refused, Some(*why), None)
                }
            };
            res.results.push(PatrolRecordResult {
                client_id,
                outcome,
                reason,
                message: reason.map(|r| r.message(locale)),
                repair_order_id,
            });
        }
        Ok(res)
    }
}
