//! Complaints as the owner app and the service desk see them.
use super::connection::{connection, page_args};
use super::id_of;
use super::loaders::load_one;
use super::repairs::TimelineEntry;
use super::{cx, loaders};
use crate::domain::{GlobalId, NodeKind};
use crate::error::AppError;
use crate::service::complaints::{self, ComplaintFilter, Place};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::complaint;
use entity::enums::{
    ComplaintCategory, ComplaintChannel, ComplaintSeverity, ComplaintState, Department,
};

fn complaint_id(raw: &ID) -> Result<i64> {
    id_of("complaintId", raw, NodeKind::Complaint)
}

/// A complaint (投诉) as registered in the complaint register.
pub struct Complaint(pub complaint::Model);

/// A complaint: who, where, what, and every step of its handling.
#[Object]
impl Complaint {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::Complaint, self.0.id)
    }
    /// Where the complaint stands.
    async fn state(&self) -> ComplaintState {
        self.0.state
    }
    /// How it reached the service centre.
    async fn channel(&self) -> ComplaintChannel {
        self.0.channel
    }
    /// What it is about.
    async fn category(&self) -> ComplaintCategory {
        self.0.category
    }
    /// General, or major (escalated to the manager).
    async fn severity(&self) -> ComplaintSeverity {
        self.0.severity
    }
    /// The department responsible for handling it, once known.
    async fn department(&self) -> Option<Department> {
        self.0.department
    }
    /// The complaint in the complainant's words (内容摘要).
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// The complainant's name.
    async fn complainant_name(&self) -> &str {
        &self.0.complainant_name
    }
    /// The complainant's phone, for the reply and the return visit.
    async fn complainant_phone(&self) -> &str {
        &self.0.complainant_phone
    }
    /// Where: the house address, the public area, or the building.
    async fn place(&self, ctx: &Context<'_>) -> Result<String> {
        let l = loaders(ctx);
        let c = load_one(l.community(), self.0.community_id).await?;
        if let Some(h) = self.0.house_id {
            let house = load_one(l.house(), h).await?;
            let (b, u) = futures_util::try_join!(
                load_one(l.building(), house.building_id),
                load_one(l.unit(), house.unit_id)
            )?;
            return Ok(format!("{} {} {} {}", c.name, b.name, u.name, house.number));
        }
        if let Some(a) = self.0.public_area_id {
            return Ok(format!(
                "{} {}",
                c.name,
                load_one(l.public_area(), a).await?.name
            ));
        }
        match self.0.building_id {
            Some(b) => Ok(format!(
                "{} {}",
                c.name,
                load_one(l.building(), b).await?.name
            )),
            None => Ok(c.name),
        }
    }
    /// The handler's name, once assigned to one.
    async fn handler_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        match self.0.handler_user_id {
            Some(u) => Ok(Some(load_one(loaders(ctx).user(), u).await?.display_name)),
            None => Ok(None),
        }
    }
    /// When it was registered (UTC).
    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The reply is due by then: 24 h after registration.
    async fn reply_due_at(&self) -> DateTime<Utc> {
        self.0.reply_due_at
    }
    /// When the complainant was first answered.
    async fn replied_at(&self) -> Option<DateTime<Utc>> {
        self.0.replied_at
    }
    /// The latest answer given to the complainant.
    async fn reply(&self) -> Option<&str> {
        self.0.reply.as_deref()
    }
    /// Not answered, and past the reply deadline.
    async fn reply_overdue(&self) -> bool {
        self.0.replied_at.is_none()
            && self.0.state != ComplaintState::Withdrawn
            && self.0.reply_due_at < crate::service::now()
    }
    /// When it was turned into a work order.
    async fn assigned_at(&self) -> Option<DateTime<Utc>> {
        self.0.assigned_at
    }
    /// When it was escalated to the manager.
    async fn escalated_at(&self) -> Option<DateTime<Utc>> {
        self.0.escalated_at
    }
    /// When it was handled.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// How it was handled (处理结果).
    async fn resolution(&self) -> Option<&str> {
        self.0.resolution.as_deref()
    }
    /// When the return visit was made.
    async fn return_visited_at(&self) -> Option<DateTime<Utc>> {
        self.0.return_visited_at
    }
    /// The owner's satisfaction at the return visit, 1–5.
    async fn satisfaction(&self) -> Option<i16> {
        self.0.satisfaction
    }
    /// The owner's remarks at the return visit.
    async fn return_visit_remarks(&self) -> Option<&str> {
        self.0.return_visit_remarks.as_deref()
    }
    /// Every step so far, oldest first: who, what, from, to, why, when (the progress an owner sees).
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<TimelineEntry>> {
        let rows = loaders(ctx)
            .complaint_timeline()
            .load_one(self.0.id)
            .await
            .map_err(|e| AppError::internal("timeline", format!("{e:?}")))?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(TimelineEntry)
            .collect())
    }
}

/// Complaints of one category at one place in a month (投诉汇总), for the monthly analysis.
#[derive(SimpleObject)]
pub struct ComplaintGroup {
    /// What they are about.
    pub category: ComplaintCategory,
    /// The public area's name, else the building's, else "全小区" (the whole community).
    pub place: String,
    /// The building, when the place lies in one.
    pub building_id: Option<ID>,
    /// The public area, when the complaints are about one.
    pub public_area_id: Option<ID>,
    /// How many complaints were registered in the month.
    pub count: i64,
    /// Two or more in the month: a recurring problem to organise a fix for.
    pub recurring: bool,
}

/// Register a complaint.
#[derive(InputObject)]
pub struct RegisterComplaintInput {
    /// The house complained about or from (owners and residents: their own).
    pub house_id: Option<ID>,
    /// Or a public area.
    pub public_area_id: Option<ID>,
    /// Or a building as a whole.
    pub building_id: Option<ID>,
    /// APP for owners and residents; PHONE, VISIT or LETTER when staff register it (default:
    /// APP for a resident of the place, else PHONE).
    pub channel: Option<ComplaintChannel>,
    /// What it is about.
    pub category: ComplaintCategory,
    /// Staff only: MAJOR goes straight to the manager. Default GENERAL.
    pub severity: Option<ComplaintSeverity>,
    /// The responsible department, if already known.
    pub department: Option<Department>,
    /// The complaint (1–1000 characters).
    pub summary: String,
    /// Staff registering: the complainant's name.
    pub complainant_name: Option<String>,
    /// Staff registering: the complainant's phone (linked to their account if they live here).
    pub complainant_phone: Option<String>,
}

crate::connection_type!(ComplaintConnection, ComplaintEdge, Complaint, "complaints");

#[derive(Default)]
pub struct ComplaintQuery;

#[Object]
impl ComplaintQuery {
    /// The caller's complaints and those about the houses they live in, newest first, with
    /// their progress.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn my_complaints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<ComplaintConnection> {
        let page = complaints::mine(cx(ctx), &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, Complaint))
    }
    /// The complaint register of a community, newest first (reception, manager; a butler: their
    /// buildings).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn complaints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "Only this state.")] state: Option<ComplaintState>,
        #[graphql(desc = "Only those not answered by their reply deadline.", default)]
        reply_overdue: bool,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<ComplaintConnection> {
        let f = ComplaintFilter {
            community_id: id_of("communityId", &community_id, NodeKind::Community)?,
            state,
            reply_overdue,
        };
        let page =
            complaints::of_community(cx(ctx), &f, &page_args(ctx, after, before, first, last)?)
                .await?;
        Ok(connection(page, |m| m.id, Complaint))
    }
    /// The month's complaints grouped by category and place, most frequent first (manager).
    async fn complaint_analysis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "The month, YYYY-MM (community time).")] period: String,
    ) -> Result<Vec<ComplaintGroup>> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        Ok(complaints::analysis(cx(ctx), c, &period)
            .await?
            .into_iter()
            .map(|g| ComplaintGroup {
                category: g.category,
                place: g.place,
                building_id: g
                    .building_id
                    .map(|b| GlobalId::encode(NodeKind::Building, b)),
                public_area_id: g
                    .public_area_id
                    .map(|a| GlobalId::encode(NodeKind::PublicArea, a)),
                recurring: g.count >= 2,
                count: g.count,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct ComplaintMutation;

#[Object]
impl ComplaintMutation {
    /// Register a complaint: an owner or resident from the app about their own house (or a
    /// shared place of their community); desk staff on someone's behalf (PHONE, VISIT, LETTER).
    /// Someone else's house is NOT_FOUND. The reply is due 24 h later.
    async fn register_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint.")] input: RegisterComplaintInput,
    ) -> Result<Complaint> {
        let place = match (&input.house_id, &input.public_area_id, &input.building_id) {
            (Some(h), None, None) => Place::House(id_of("houseId", h, NodeKind::House)?),
            (None, Some(a), None) => {
                Place::PublicArea(id_of("publicAreaId", a, NodeKind::PublicArea)?)
            }
            (None, None, Some(b)) => Place::Building(id_of("buildingId", b, NodeKind::Building)?),
            _ => {
                return Err(AppError::bad_input(
                    "houseId",
                    "请选择房屋、公共区域或楼栋之一",
                    "Give exactly one of a house, a public area or a building",
                )
                .into())
            }
        };
        let r = complaints::Registration {
            place,
            channel: input.channel,
            category: input.category,
            severity: input.severity,
            department: input.department,
            summary: input.summary,
            complainant_name: input.complainant_name,
            complainant_phone: input.complainant_phone,
        };
        Ok(Complaint(complaints::register(cx(ctx), r).await?))
    }
    /// Turn a complaint into a work order for the responsible department (the desk; a major
    /// complaint: the manager).
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn assign_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint.")] complaint_id: ID,
        #[graphql(desc = "The responsible department.")] department: Department,
        #[graphql(desc = "The handler's staff membership id, if one person handles it.")]
        handler_id: Option<ID>,
    ) -> Result<Complaint> {
        let handler = handler_id
            .map(|h| id_of("handlerId", &h, NodeKind::StaffMember))
            .transpose()?;
        Ok(Complaint(
            complaints::assign(
                cx(ctx),
                self::complaint_id(&complaint_id)?,
                department,
                handler,
            )
            .await?,
        ))
    }
    /// Escalate a complaint to the manager as major (the desk).
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn escalate_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint.")] complaint_id: ID,
        #[graphql(desc = "Why it is major.")] reason: String,
    ) -> Result<Complaint> {
        Ok(Complaint(
            complaints::escalate(cx(ctx), self::complaint_id(&complaint_id)?, &reason).await?,
        ))
    }
    /// Answer the complainant (the desk, the handler; a major complaint: the manager). Due 24 h
    /// after registration; the first answer's time counts.
    /// Changes no state and may be repeated; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn reply_to_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint.")] complaint_id: ID,
        #[graphql(desc = "The answer.")] reply: String,
    ) -> Result<Complaint> {
        Ok(Complaint(
            complaints::reply(cx(ctx), self::complaint_id(&complaint_id)?, &reply).await?,
        ))
    }
    /// Record how the complaint was handled (the handler, the desk; a major complaint: the manager).
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn resolve_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint.")] complaint_id: ID,
        #[graphql(desc = "What was done.")] resolution: String,
    ) -> Result<Complaint> {
        Ok(Complaint(
            complaints::resolve(cx(ctx), self::complaint_id(&complaint_id)?, &resolution).await?,
        ))
    }
    /// The return visit (回访) after handling: the owner's satisfaction and remarks; closes it (the desk).
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn record_complaint_return_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint.")] complaint_id: ID,
        #[graphql(desc = "The owner's satisfaction, 1–5.")] satisfaction: i32,
        #[graphql(desc = "The owner's remarks.")] remarks: Option<String>,
    ) -> Result<Complaint> {
        Ok(Complaint(
            complaints::return_visit(
                cx(ctx),
                self::complaint_id(&complaint_id)?,
                satisfaction,
                remarks,
            )
            .await?,
        ))
    }
    /// The handling did not solve it: back to the department (the desk).
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn reopen_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint.")] complaint_id: ID,
        #[graphql(desc = "What is still wrong.")] reason: String,
    ) -> Result<Complaint> {
        Ok(Complaint(
            complaints::reopen(cx(ctx), self::complaint_id(&complaint_id)?, &reason).await?,
        ))
    }
    /// The complainant withdraws the complaint before it is handled.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn withdraw_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint.")] complaint_id: ID,
        #[graphql(desc = "Why, if they say.")] reason: Option<String>,
    ) -> Result<Complaint> {
        Ok(Complaint(
            complaints::withdraw(cx(ctx), self::complaint_id(&complaint_id)?, reason).await?,
        ))
    }
}
