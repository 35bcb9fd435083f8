//! Renovation permits as the owner app, the service desk and the gate see them.
use super::connection::{connection, page_args};
use super::estate::House;
use super::fees::Bill;
use super::id_of;
use super::loaders::{children_of, load_one};
use super::{cx, loaders};
use crate::domain::{GlobalId, NodeKind};
use crate::service::renovation::{self as svc, PassVerdict};
use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{PaymentMethod, RenovationState};
use entity::{renovation, renovation_worker};

/// A renovation application and, once issued, its permit (装修许可证).
pub struct Renovation(pub renovation::Model);

/// A renovation: what, who, when, and where it stands.
#[Object]
impl Renovation {
    /// Every step so far, oldest first: who did it (name and role), what, from, to, why, when.
    async fn timeline(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<super::events::TimelineEntry>> {
        super::events::timeline(super::loaders(ctx).renovation_timeline(), self.0.id).await
    }
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::Renovation, self.0.id)
    }
    /// Where it stands.
    async fn state(&self) -> RenovationState {
        self.0.state
    }
    /// The scope of works.
    async fn scope(&self) -> &str {
        &self.0.scope
    }
    /// Whether non-structural walls are changed.
    async fn touches_walls(&self) -> bool {
        self.0.touches_walls
    }
    /// Whether plumbing is changed.
    async fn touches_plumbing(&self) -> bool {
        self.0.touches_plumbing
    }
    /// Whether electrics are changed.
    async fn touches_electrics(&self) -> bool {
        self.0.touches_electrics
    }
    /// Whether windows are changed.
    async fn touches_windows(&self) -> bool {
        self.0.touches_windows
    }
    /// Contractor company.
    async fn contractor_company(&self) -> &str {
        &self.0.contractor_company
    }
    /// Contractor's business licence number.
    async fn contractor_licence(&self) -> &str {
        &self.0.contractor_licence
    }
    /// Person in charge on site.
    async fn contractor_person(&self) -> &str {
        &self.0.contractor_person
    }
    /// Phone of the person in charge.
    async fn contractor_phone(&self) -> &str {
        &self.0.contractor_phone
    }
    /// First day of works.
    async fn planned_start(&self) -> NaiveDate {
        self.0.planned_start
    }
    /// Last day of works.
    async fn planned_end(&self) -> NaiveDate {
        self.0.planned_end
    }
    /// The permit number, once issued.
    async fn permit_no(&self) -> Option<&str> {
        self.0.permit_no.as_deref()
    }
    /// The reviewer's note, or why it was rejected.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When it was submitted.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }
    /// The house.
    async fn house(&self, ctx: &Context<'_>) -> Result<House> {
        Ok(House(
            load_one(loaders(ctx).house(), self.0.house_id).await?,
        ))
    }
    /// The renovation deposit bill (after approval).
    async fn deposit_bill(&self, ctx: &Context<'_>) -> Result<Option<Bill>> {
        match self.0.deposit_bill_id {
            Some(b) => super::fees::bill_pointed_at(ctx, b).await,
            None => Ok(None),
        }
    }
    /// The renovation management fee bill (after approval).
    async fn fee_bill(&self, ctx: &Context<'_>) -> Result<Option<Bill>> {
        match self.0.fee_bill_id {
            Some(b) => super::fees::bill_pointed_at(ctx, b).await,
            None => Ok(None),
        }
    }
    /// Drawings and inspection photos.
    async fn files(&self, ctx: &Context<'_>) -> Result<Vec<RenovationFile>> {
        Ok(children_of(loaders(ctx).renovation_files(), self.0.id)
            .await?
            .into_iter()
            .map(RenovationFile)
            .collect())
    }
    /// Inspections (装修巡查) and the violations they found, oldest first.
    async fn inspections(&self, ctx: &Context<'_>) -> Result<Vec<Inspection>> {
        Ok(
            children_of(loaders(ctx).renovation_inspections(), self.0.id)
                .await?
                .into_iter()
                .map(Inspection)
                .collect(),
        )
    }
    /// Extension requests.
    async fn extensions(&self, ctx: &Context<'_>) -> Result<Vec<Extension>> {
        Ok(children_of(loaders(ctx).renovation_extensions(), self.0.id)
            .await?
            .into_iter()
            .map(Extension)
            .collect())
    }
    /// The deposit refund, once accepted: deposit, fines, refunded amount.
    async fn deposit_refund(&self, ctx: &Context<'_>) -> Result<Option<DepositRefund>> {
        Ok(children_of(loaders(ctx).deposit_refunds(), self.0.id)
            .await?
            .into_iter()
            .next()
            .map(DepositRefund))
    }
    /// The workers and their pass codes (a handful, so a plain list).
    async fn workers(&self, ctx: &Context<'_>) -> Result<Vec<Worker>> {
        let all = children_of(loaders(ctx).renovation_workers(), self.0.id).await?;
        Ok(all
            .into_iter()
            .filter(|w| w.removed_at.is_none())
            .map(Worker)
            .collect())
    }
}

/// An inspection of works under way.
pub struct Inspection(pub entity::renovation_inspection::Model);

/// What an inspector found; a violation has a deadline and maybe a fine.
#[Object(name = "RenovationInspection")]
impl Inspection {
    /// Opaque global id; pass to `markRectified` / `confirmRectified`.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::RenovationInspection, self.0.id)
    }
    /// What was found.
    async fn note(&self) -> &str {
        &self.0.note
    }
    /// Whether it is a violation of the rules.
    async fn is_violation(&self) -> bool {
        self.0.is_violation
    }
    /// Fix by this date.
    async fn rectify_by(&self) -> Option<NaiveDate> {
        self.0.rectify_by
    }
    /// Fine taken from the deposit, in fen.
    async fn fine_fen(&self) -> crate::domain::Fen {
        crate::domain::Fen(self.0.fine_fen)
    }
    /// When the owner reported it fixed.
    async fn rectified_at(&self) -> Option<DateTime<Utc>> {
        self.0.rectified_at
    }
    /// When staff confirmed the fix.
    async fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.0.confirmed_at
    }
    /// When it was recorded.
    async fn inspected_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A drawing or an inspection photo.
pub struct RenovationFile(pub entity::renovation_file::Model);

/// A file of a renovation, fetched with the same bearer token from `url`.
#[Object]
impl RenovationFile {
    /// Where to fetch it.
    async fn url(&self) -> String {
        format!("/files/renovation/{}", self.0.id)
    }
    /// DRAWING or INSPECTION_PHOTO.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// The inspection it documents (inspection photos).
    async fn inspection_id(&self) -> Option<ID> {
        self.0
            .inspection_id
            .map(|i| GlobalId::encode(NodeKind::RenovationInspection, i))
    }
    /// Checked from the content: an image type, or application/pdf for drawings.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
}

/// A request for more time.
pub struct Extension(pub entity::renovation_extension::Model);

/// An extension request and its decision.
#[Object(name = "RenovationExtension")]
impl Extension {
    /// Opaque global id; pass to `decideRenovationExtension`.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::RenovationExtension, self.0.id)
    }
    /// The new last day asked for.
    async fn requested_end(&self) -> NaiveDate {
        self.0.requested_end
    }
    /// Why.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// PENDING, APPROVED or REJECTED.
    async fn status(&self) -> &str {
        &self.0.status
    }
}

/// The deposit returned at acceptance (a record of its own; the deposit bill is never edited).
pub struct DepositRefund(pub entity::deposit_refund::Model);

/// Deposit paid, fines kept, amount refunded.
#[Object]
impl DepositRefund {
    /// Deposit paid, in fen.
    async fn deposit_fen(&self) -> crate::domain::Fen {
        crate::domain::Fen(self.0.deposit_fen)
    }
    /// Fines kept, in fen.
    async fn fines_fen(&self) -> crate::domain::Fen {
        crate::domain::Fen(self.0.fines_fen)
    }
    /// Refunded to the owner, in fen.
    async fn refund_fen(&self) -> crate::domain::Fen {
        crate::domain::Fen(self.0.refund_fen)
    }
    /// When.
    async fn refunded_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// How it was paid out.
    async fn method(&self) -> PaymentMethod {
        self.0.method
    }
    /// The business day it was paid out (null on refunds recorded before this was kept).
    async fn business_date(&self) -> Option<NaiveDate> {
        self.0.business_date
    }
    /// The renovation whose deposit it returns.
    async fn renovation_id(&self) -> ID {
        GlobalId::encode(NodeKind::Renovation, self.0.renovation_id)
    }
}

/// A house's deposit refunds (its owner's payment history shows money back as well as paid).
pub async fn house_refunds(ctx: &Context<'_>, house_id: i64) -> Result<Vec<DepositRefund>> {
    Ok(svc::refunds_of_house(cx(ctx), house_id)
        .await?
        .into_iter()
        .map(DepositRefund)
        .collect())
}

/// The day close's money out: deposit refunds are paid from the same day's money.
#[async_graphql::ComplexObject]
impl super::fees::DayClose {
    /// Renovation deposits refunded this day, with how each was paid out.
    async fn deposit_refunds(&self, ctx: &Context<'_>) -> Result<Vec<DepositRefund>> {
        Ok(svc::refunds_paid_on(cx(ctx), self.community_id, self.date)
            .await?
            .into_iter()
            .map(DepositRefund)
            .collect())
    }
    /// Money paid out this day (deposit refunds), in fen; `cashFen` is takings, before this.
    async fn paid_out_fen(&self, ctx: &Context<'_>) -> Result<crate::domain::Fen> {
        let rows = svc::refunds_paid_on(cx(ctx), self.community_id, self.date).await?;
        Ok(crate::domain::Fen(rows.iter().map(|r| r.refund_fen).sum()))
    }
}

/// A pass the gate should expect today.
pub struct GatePass(pub svc::GatePass);

/// Who may come in today and for which house.
#[Object]
impl GatePass {
    /// The worker's name.
    async fn worker_name(&self) -> &str {
        &self.0.worker.name
    }
    /// The pass code.
    async fn pass_code(&self) -> &str {
        &self.0.worker.pass_code
    }
    /// The house (building, unit, number).
    async fn house_address(&self, ctx: &Context<'_>) -> Result<String> {
        let l = loaders(ctx);
        let house = load_one(l.house(), self.0.house_id).await?;
        let (b, u) = futures_util::try_join!(
            load_one(l.building(), house.building_id),
            load_one(l.unit(), house.unit_id)
        )?;
        Ok(format!("{} {} {}", b.name, u.name, house.number))
    }
    /// Last day of the permit.
    async fn valid_until(&self) -> NaiveDate {
        self.0.valid_until
    }
}

/// A worker on the permit.
pub struct Worker(pub renovation_worker::Model);

/// A worker and their gate pass.
#[Object(name = "RenovationWorker")]
impl Worker {
    /// Opaque global id; pass to `removeRenovationWorker`.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::RenovationWorker, self.0.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// ID number, masked except the last four characters.
    async fn id_number(&self) -> String {
        format!(
            "**************{}",
            &self.0.id_number[self.0.id_number.len().saturating_sub(4)..]
        )
    }
    /// Phone.
    async fn phone(&self) -> &str {
        &self.0.phone
    }
    /// The code the guard checks at the gate (valid once the permit is issued).
    async fn pass_code(&self) -> &str {
        &self.0.pass_code
    }
}

/// What the gate sees when a pass is checked: valid or not, why, and whose.
pub struct PassCheck(pub svc::PassCheck);

/// A pass check: only what the gate needs.
#[Object]
impl PassCheck {
    /// Whether the gate may open.
    async fn valid(&self) -> bool {
        self.0.verdict == PassVerdict::Valid
    }
    /// Why (VALID, or the reason it is not).
    async fn verdict(&self) -> PassVerdict {
        self.0.verdict
    }
    /// The worker's name.
    async fn worker_name(&self) -> Option<&str> {
        self.0.worker_name.as_deref()
    }
    /// The house being renovated (building, unit, number).
    async fn house_address(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let Some(h) = self.0.house_id else {
            return Ok(None);
        };
        let l = loaders(ctx);
        let house = load_one(l.house(), h).await?;
        let (b, u) = futures_util::try_join!(
            load_one(l.building(), house.building_id),
            load_one(l.unit(), house.unit_id)
        )?;
        Ok(Some(format!("{} {} {}", b.name, u.name, house.number)))
    }
    /// Last day of the permit.
    async fn valid_until(&self) -> Option<NaiveDate> {
        self.0.valid_until
    }
}

/// A worker to register.
#[derive(InputObject)]
pub struct WorkerInput {
    /// Name.
    pub name: String,
    /// 18-character resident ID number.
    pub id_number: String,
    /// Mobile number.
    pub phone: String,
}

/// An application for a renovation permit.
#[derive(InputObject)]
pub struct ApplyRenovationInput {
    /// The owner's house.
    pub house_id: ID,
    /// Scope of works.
    pub scope: String,
    /// Non-structural walls.
    #[graphql(default)]
    pub touches_walls: bool,
    /// Plumbing.
    #[graphql(default)]
    pub touches_plumbing: bool,
    /// Electrics.
    #[graphql(default)]
    pub touches_electrics: bool,
    /// The facade (always refused).
    #[graphql(default)]
    pub touches_facade: bool,
    /// Windows.
    #[graphql(default)]
    pub touches_windows: bool,
    /// A load-bearing wall (always refused).
    #[graphql(default)]
    pub load_bearing: bool,
    /// Contractor company.
    pub contractor_company: String,
    /// Contractor's business licence number.
    pub contractor_licence: String,
    /// Person in charge on site.
    pub contractor_person: String,
    /// Phone of the person in charge.
    pub contractor_phone: String,
    /// First day of works.
    pub planned_start: NaiveDate,
    /// Last day of works (the community's maximum applies, 90 days by default).
    pub planned_end: NaiveDate,
    /// The workers.
    pub workers: Vec<WorkerInput>,
    /// Submit now (true) or save a draft (false).
    #[graphql(default = true)]
    pub submit: bool,
}

crate::connection_type!(
    RenovationConnection,
    RenovationEdge,
    Renovation,
    "renovation applications"
);

#[derive(Default)]
pub struct RenovationQuery;

#[Object]
impl RenovationQuery {
    /// The owner's applications and permits.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn my_renovations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<RenovationConnection> {
        let page = svc::mine(cx(ctx), &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, Renovation))
    }
    /// The community's applications (reception, manager; a butler: their buildings).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn renovations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(
            desc = "Only this state (e.g. APPLIED for the butler's review, REVIEWED for the manager's, ACCEPTANCE_REQUESTED for acceptances to do)."
        )]
        state: Option<RenovationState>,
        #[graphql(desc = "Only this building (works in progress by building).")]
        building_id: Option<ID>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<RenovationConnection> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let b = building_id
            .map(|b| id_of("buildingId", &b, NodeKind::Building))
            .transpose()?;
        let page = svc::of_community(
            cx(ctx),
            c,
            state,
            b,
            &page_args(ctx, after, before, first, last)?,
        )
        .await?;
        Ok(connection(page, |m| m.id, Renovation))
    }
    /// Today's valid worker passes, for the gate (security, reception, manager).
    async fn todays_worker_passes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
    ) -> Result<Vec<GatePass>> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        Ok(svc::todays_passes(cx(ctx), c)
            .await?
            .into_iter()
            .map(GatePass)
            .collect())
    }
    /// Violations past their deadline, not yet confirmed fixed (butler: their buildings).
    async fn overdue_rectifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
    ) -> Result<Vec<Inspection>> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        Ok(svc::overdue_rectifications(cx(ctx), c)
            .await?
            .into_iter()
            .map(Inspection)
            .collect())
    }
    /// The guard checks a worker's pass code now (security, reception, manager).
    async fn check_worker_pass(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community of the gate.")] community_id: ID,
        #[graphql(desc = "The code on the pass.")] code: String,
    ) -> Result<PassCheck> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        Ok(PassCheck(
            svc::check_pass(cx(ctx), c, &code, crate::service::now()).await?,
        ))
    }
}

fn ren_id(raw: &ID) -> Result<i64> {
    id_of("renovationId", raw, NodeKind::Renovation)
}

#[derive(Default)]
pub struct RenovationMutation;

#[Object]
impl RenovationMutation {
    /// The owner applies for their house (or saves a draft).
    async fn apply_renovation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application.")] input: ApplyRenovationInput,
    ) -> Result<Renovation> {
        let a = svc::Application {
            house_id: id_of("houseId", &input.house_id, NodeKind::House)?,
            scope: input.scope,
            touches_walls: input.touches_walls,
            touches_plumbing: input.touches_plumbing,
            touches_electrics: input.touches_electrics,
            touches_facade: input.touches_facade,
            touches_windows: input.touches_windows,
            load_bearing: input.load_bearing,
            contractor_company: input.contractor_company,
            contractor_licence: input.contractor_licence,
            contractor_person: input.contractor_person,
            contractor_phone: input.contractor_phone,
            planned_start: input.planned_start,
            planned_end: input.planned_end,
            workers: input
                .workers
                .into_iter()
                .map(|w| svc::NewWorker {
                    name: w.name,
                    id_number: w.id_number,
                    phone: w.phone,
                })
                .collect(),
            submit: input.submit,
        };
        Ok(Renovation(svc::apply(cx(ctx), a).await?))
    }
    /// Submit a draft.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn submit_renovation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application.")] renovation_id: ID,
    ) -> Result<Renovation> {
        Ok(Renovation(
            svc::submit(cx(ctx), ren_id(&renovation_id)?).await?,
        ))
    }
    /// The owner withdraws a submitted application (until approved).
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn withdraw_renovation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application.")] renovation_id: ID,
        #[graphql(desc = "Why.")] reason: Option<String>,
    ) -> Result<Renovation> {
        Ok(Renovation(
            svc::withdraw(cx(ctx), ren_id(&renovation_id)?, reason).await?,
        ))
    }
    /// The butler has checked the application and forwards it to the manager.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn forward_renovation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application.")] renovation_id: ID,
        #[graphql(desc = "Notes for the manager.")] note: Option<String>,
    ) -> Result<Renovation> {
        Ok(Renovation(
            svc::forward(cx(ctx), ren_id(&renovation_id)?, note).await?,
        ))
    }
    /// The manager approves: the deposit and management fee are billed to the house.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn approve_renovation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application.")] renovation_id: ID,
        #[graphql(desc = "Conditions or notes.")] note: Option<String>,
    ) -> Result<Renovation> {
        Ok(Renovation(
            svc::approve(cx(ctx), ren_id(&renovation_id)?, note).await?,
        ))
    }
    /// The manager rejects, with a reason.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn reject_renovation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application.")] renovation_id: ID,
        #[graphql(desc = "Why.")] reason: String,
    ) -> Result<Renovation> {
        Ok(Renovation(
            svc::reject(cx(ctx), ren_id(&renovation_id)?, reason).await?,
        ))
    }
    /// Set the community's renovation rules (manager): longest plan, working hours, holidays.
    async fn set_renovation_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "Longest plan in days (default 90).")] max_days: i32,
        #[graphql(desc = "Local working hours, e.g. \"08:00-12:00,14:00-18:00\".")]
        work_windows: String,
        #[graphql(desc = "Days with no work.", default)] holidays: Vec<NaiveDate>,
    ) -> Result<bool> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        svc::set_rules(cx(ctx), c, max_days, &work_windows, &holidays).await?;
        Ok(true)
    }
    /// Attach drawings (owner, before approval; images or PDF) or inspection photos (inspector,
    /// with `inspectionId`), as a GraphQL multipart request; 10 MB each, 9 at a time.
    async fn attach_renovation_files(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The renovation.")] renovation_id: ID,
        #[graphql(desc = "For inspection photos: the inspection.")] inspection_id: Option<ID>,
        #[graphql(desc = "The files.")] files: Vec<async_graphql::Upload>,
    ) -> Result<Vec<RenovationFile>> {
        let inspection = inspection_id
            .map(|i| id_of("inspectionId", &i, NodeKind::RenovationInspection))
            .transpose()?;
        let files = super::repairs::read_uploads(ctx, files)?;
        Ok(
            svc::attach(cx(ctx), ren_id(&renovation_id)?, inspection, files)
                .await?
                .into_iter()
                .map(RenovationFile)
                .collect(),
        )
    }
    /// Add a worker during the works (the butler of the building, or the manager).
    async fn add_renovation_worker(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The renovation.")] renovation_id: ID,
        #[graphql(desc = "The worker.")] worker: WorkerInput,
    ) -> Result<Worker> {
        let w = svc::NewWorker {
            name: worker.name,
            id_number: worker.id_number,
            phone: worker.phone,
        };
        Ok(Worker(
            svc::add_worker(cx(ctx), ren_id(&renovation_id)?, w).await?,
        ))
    }
    /// Remove a worker; their pass stops working at once.
    async fn remove_renovation_worker(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The worker.")] worker_id: ID,
        #[graphql(desc = "Why.")] reason: Option<String>,
    ) -> Result<Worker> {
        let id = id_of("workerId", &worker_id, NodeKind::RenovationWorker)?;
        Ok(Worker(svc::remove_worker(cx(ctx), id, reason).await?))
    }
    /// Record an inspection (butler of the building, manager, security); a violation needs a
    /// deadline and may be fined from what is left of the deposit.
    async fn inspect_renovation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The renovation.")] renovation_id: ID,
        #[graphql(desc = "What was found.")] note: String,
        #[graphql(desc = "For a violation: fix by this date.")] rectify_by: Option<NaiveDate>,
        #[graphql(desc = "For a violation: fine in fen taken from the deposit.", default)] fine_fen: crate::domain::Fen,
    ) -> Result<Inspection> {
        Ok(Inspection(
            svc::inspect(cx(ctx), ren_id(&renovation_id)?, note, rectify_by, fine_fen).await?,
        ))
    }
    /// The owner reports a violation fixed.
    async fn mark_rectified(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The inspection.")] inspection_id: ID,
    ) -> Result<Inspection> {
        let id = id_of(
            "inspectionId",
            &inspection_id,
            NodeKind::RenovationInspection,
        )?;
        Ok(Inspection(svc::mark_rectified(cx(ctx), id).await?))
    }
    /// Staff confirm the fix on site.
    async fn confirm_rectified(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The inspection.")] inspection_id: ID,
    ) -> Result<Inspection> {
        let id = id_of(
            "inspectionId",
            &inspection_id,
            NodeKind::RenovationInspection,
        )?;
        Ok(Inspection(svc::confirm_rectified(cx(ctx), id).await?))
    }
    /// The owner asks for the acceptance inspection (验收).
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn request_renovation_acceptance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The renovation.")] renovation_id: ID,
    ) -> Result<Renovation> {
        Ok(Renovation(
            svc::request_acceptance(cx(ctx), ren_id(&renovation_id)?).await?,
        ))
    }
    /// Staff accept the works: no open violations; the deposit is refunded less fines, paid out
    /// by `refundMethod` (it shows in that day's `dayClose.depositRefunds` and in
    /// `House.depositRefunds`).
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn accept_renovation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The renovation.")] renovation_id: ID,
        #[graphql(
            desc = "How the refund is paid out (bank transfer to the owner unless told otherwise).",
            default_with = "PaymentMethod::Transfer"
        )]
        refund_method: PaymentMethod,
    ) -> Result<Renovation> {
        Ok(Renovation(
            svc::accept(cx(ctx), ren_id(&renovation_id)?, refund_method)
                .await?
                .0,
        ))
    }
    /// Staff send the works back with the items to fix.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn require_renovation_rectification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The renovation.")] renovation_id: ID,
        #[graphql(desc = "What to fix.")] items: String,
    ) -> Result<Renovation> {
        Ok(Renovation(
            svc::require_rectification(cx(ctx), ren_id(&renovation_id)?, items).await?,
        ))
    }
    /// The owner asks for more time.
    async fn request_renovation_extension(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The renovation.")] renovation_id: ID,
        #[graphql(desc = "The new last day.")] planned_end: NaiveDate,
        #[graphql(desc = "Why.")] reason: String,
    ) -> Result<Extension> {
        Ok(Extension(
            svc::request_extension(cx(ctx), ren_id(&renovation_id)?, planned_end, reason).await?,
        ))
    }
    /// The manager approves or refuses an extension.
    async fn decide_renovation_extension(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The extension request.")] extension_id: ID,
        #[graphql(desc = "true to approve.")] approve: bool,
    ) -> Result<Renovation> {
        let id = id_of("extensionId", &extension_id, NodeKind::RenovationExtension)?;
        Ok(Renovation(
            svc::decide_extension(cx(ctx), id, approve).await?,
        ))
    }
    /// Issue the permit once deposit and fee are paid (reception, butler, manager).
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn issue_renovation_permit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application.")] renovation_id: ID,
    ) -> Result<Renovation> {
        Ok(Renovation(
            svc::issue_permit(cx(ctx), ren_id(&renovation_id)?).await?,
        ))
    }
}
