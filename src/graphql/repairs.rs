//! Repair orders as the owner app, the technician's handheld and the service desk see them.
use super::connection::{connection, page_args};
use super::guard::StaffGuard;
use super::id_of;
use super::loaders::load_one;
use super::{cx, loaders};
use crate::domain::repair_flow::RepairAction;
use crate::domain::{Fen, GlobalId, NodeKind};
use crate::error::AppError;
use crate::service::repairs::{self, clock, flow, prices, targets, OrderView};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, Upload, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{RepairCategory, RepairChannel, RepairDifficulty, RepairState, StaffRole};
use entity::{repair_charge, repair_order, repair_photo, service_price};

/// A repair order (维修任务单).
pub struct RepairOrder(pub repair_order::Model);

impl RepairOrder {
    async fn deadlines(&self, ctx: &Context<'_>) -> Result<clock::Deadlines> {
        let s = loaders(ctx)
            .repair_settings()
            .load_one(self.0.community_id)
            .await
            .map_err(|e| AppError::internal("settings", format!("{e:?}")))?
            .unwrap_or_default();
        Ok(clock::deadlines(&self.0, &s, crate::service::now()))
    }
}

/// A repair: what, where, who, when, and every step so far.
#[Object]
impl RepairOrder {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::RepairOrder, self.0.id)
    }
    /// Where the order stands.
    async fn state(&self) -> RepairState {
        self.0.state
    }
    /// What needs repairing.
    async fn category(&self) -> RepairCategory {
        self.0.category
    }
    /// General (same day) or hard (days), set at dispatch.
    async fn difficulty(&self) -> RepairDifficulty {
        self.0.difficulty
    }
    /// The owner's description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// How the request came in.
    async fn channel(&self) -> RepairChannel {
        self.0.channel
    }
    /// Where: the house address, or the public area's name. Shown to everyone who may see the
    /// order, including the technician assigned to it.
    async fn address(&self, ctx: &Context<'_>) -> Result<String> {
        let l = loaders(ctx);
        if let Some(h) = self.0.house_id {
            let house = load_one(l.house(), h).await?;
            let (c, b, u) = futures_util::try_join!(
                load_one(l.community(), house.community_id),
                load_one(l.building(), house.building_id),
                load_one(l.unit(), house.unit_id)
            )?;
            return Ok(format!("{} {} {} {}", c.name, b.name, u.name, house.number));
        }
        let area = match self.0.public_area_id {
            Some(a) => load_one(l.public_area(), a).await?.name,
            None => String::new(),
        };
        let c = load_one(l.community(), self.0.community_id).await?;
        Ok(format!("{} {}", c.name, area))
    }
    /// The phone of whoever booked it, for the technician's call before a visit.
    async fn contact_phone(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load_one(loaders(ctx).user(), self.0.requested_by)
            .await?
            .phone)
    }
    /// The name of whoever booked it.
    async fn contact_name(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load_one(loaders(ctx).user(), self.0.requested_by)
            .await?
            .display_name)
    }
    /// The technician's name, once dispatched.
    async fn technician_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        match self.0.assignee_user_id {
            Some(u) => Ok(Some(load_one(loaders(ctx).user(), u).await?.display_name)),
            None => Ok(None),
        }
    }
    /// The owner's preferred slot.
    async fn preferred_from(&self) -> Option<DateTime<Utc>> {
        self.0.preferred_from
    }
    /// End of the preferred slot.
    async fn preferred_to(&self) -> Option<DateTime<Utc>> {
        self.0.preferred_to
    }
    /// The agreed appointment.
    async fn appointment_at(&self) -> Option<DateTime<Utc>> {
        self.0.appointment_at
    }
    /// Another time the technician proposed, waiting for the owner to confirm.
    async fn proposed_at(&self) -> Option<DateTime<Utc>> {
        self.0.proposed_at
    }
    /// When it was booked.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was completed.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// Why it is paused.
    async fn pause_reason(&self) -> Option<&str> {
        self.0.pause_reason.as_deref()
    }
    /// What the technician did.
    async fn work_done(&self) -> Option<&str> {
        self.0.work_done.as_deref()
    }
    /// Materials used.
    async fn materials(&self) -> Option<&str> {
        self.0.materials.as_deref()
    }
    /// Follow-up satisfaction 1–5 (the butler's call).
    async fn satisfaction(&self) -> Option<i16> {
        self.0.satisfaction
    }
    /// The owner's own rating 1–5.
    async fn rating(&self) -> Option<i16> {
        self.0.rating
    }
    /// How many times the owner chased it (催单).
    async fn urge_count(&self) -> i32 {
        self.0.urge_count
    }
    /// The bill for paid service, if any: for those who may see the house's bills, and for the
    /// technician assigned (who raised it at completion).
    async fn charge_bill(&self, ctx: &Context<'_>) -> Result<Option<super::fees::Bill>> {
        match self.0.charge_bill_id {
            Some(b) if prices::is_assignee(cx(ctx), &self.0) => Ok(Some(super::fees::Bill(
                load_one(loaders(ctx).bill(), b).await?,
            ))),
            Some(b) => super::fees::bill_pointed_at(ctx, b).await,
            None => Ok(None),
        }
    }
    /// The paid-service charges recorded at completion, from the price list (empty when none):
    /// for the technician assigned, and for those who may see the house's bills (or, for a
    /// public-area repair, the staff who see the order); null for anyone else.
    async fn charges(&self, ctx: &Context<'_>) -> Result<Option<Vec<RepairCharge>>> {
        let may = match self.0.house_id {
            _ if prices::is_assignee(cx(ctx), &self.0) => true,
            Some(h) => {
                crate::service::fees::billing::sees_bills_in(
                    cx(ctx),
                    &load_one(loaders(ctx).house(), h).await?,
                )
                .await?
            }
            None => cx(ctx).actor.staff().is_some(),
        };
        if !may {
            return Ok(None);
        }
        let mut rows =
            super::loaders::children_of(loaders(ctx).repair_charges(), self.0.id).await?;
        rows.sort_by_key(|c| c.id);
        let prices = futures_util::future::try_join_all(
            rows.iter()
                .map(|c| load_one(loaders(ctx).service_price(), c.service_price_id)),
        )
        .await?;
        Ok(Some(
            rows.into_iter()
                .zip(prices)
                .map(|(c, p)| RepairCharge(c, p))
                .collect(),
        ))
    }
    /// Dispatch due by (booking + the community's dispatch minutes).
    async fn dispatch_by(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(self.deadlines(ctx).await?.dispatch_by)
    }
    /// Resolution due by (same day for general problems, N days for hard ones; paused time added).
    async fn resolve_by(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(self.deadlines(ctx).await?.resolve_by)
    }
    /// Follow-up call due by (completion + 24 h by default).
    async fn follow_up_by(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(self.deadlines(ctx).await?.follow_up_by)
    }
    /// Past the deadline of its current step.
    async fn overdue(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(clock::is_overdue(
            &self.deadlines(ctx).await?,
            crate::service::now(),
        ))
    }
    /// Within an hour of the deadline of its current step.
    async fn due_soon(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(clock::is_due_soon(
            &self.deadlines(ctx).await?,
            crate::service::now(),
        ))
    }
    /// Every step so far, oldest first: who, what, from, to, why, when.
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<TimelineEntry>> {
        let rows = loaders(ctx)
            .timeline()
            .load_one(self.0.id)
            .await
            .map_err(|e| AppError::internal("timeline", format!("{e:?}")))?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(TimelineEntry)
            .collect())
    }
    /// The latest step, for lists that show only where each order stands (same batch as `timeline`).
    async fn last_event(&self, ctx: &Context<'_>) -> Result<Option<TimelineEntry>> {
        let rows = loaders(ctx)
            .timeline()
            .load_one(self.0.id)
            .await
            .map_err(|e| AppError::internal("timeline", format!("{e:?}")))?;
        Ok(rows.and_then(|mut r| r.pop()).map(TimelineEntry))
    }
    /// Photos (served at `/files/repair-photos/{id}` to those who may see the order).
    async fn photos(&self, ctx: &Context<'_>) -> Result<Vec<RepairPhoto>> {
        let rows = loaders(ctx)
            .photos()
            .load_one(self.0.id)
            .await
            .map_err(|e| AppError::internal("photos", format!("{e:?}")))?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(RepairPhoto)
            .collect())
    }
}

pub use super::events::TimelineEntry;

/// A photo of a repair order.
pub struct RepairPhoto(pub repair_photo::Model);

/// A photo, fetched with the same bearer token from `url`.
#[Object]
impl RepairPhoto {
    /// Where to fetch it.
    async fn url(&self) -> String {
        format!("/files/repair-photos/{}", self.0.id)
    }
    /// image/jpeg, image/png, image/heic or image/webp (checked from the content).
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// Size in bytes.
    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }
}

/// A paid-service charge of a repair.
pub struct RepairCharge(pub repair_charge::Model, pub service_price::Model);

/// One line of paid service charged at completion: what, how many, how much.
#[Object]
impl RepairCharge {
    /// The price-list item charged.
    async fn service(&self) -> ServicePrice {
        ServicePrice(self.1.clone())
    }
    /// What it was, e.g. 更换水龙头 (the price list's name).
    async fn name(&self) -> &str {
        &self.1.name
    }
    /// How many units.
    async fn quantity(&self) -> i32 {
        self.0.quantity
    }
    /// The amount charged in fen (quantity × the unit price at completion).
    async fn amount_fen(&self) -> Fen {
        Fen(self.0.amount_fen)
    }
}

/// An item of the paid-service price list.
pub struct ServicePrice(pub service_price::Model);

/// A paid service (有偿服务) and its price.
#[Object]
impl ServicePrice {
    /// Opaque global id; pass it in `completeRepair(charges:)`.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::ServicePrice, self.0.id)
    }
    /// What it is, e.g. 更换水龙头.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Unit, e.g. 次 or 个.
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    /// Price per unit in fen.
    async fn price_fen(&self) -> Fen {
        Fen(self.0.price_fen)
    }
}

/// The repair quality targets of a month.
#[derive(SimpleObject)]
pub struct RepairTargets {
    /// Orders completed in the period.
    pub completed: i64,
    /// Share followed up within the follow-up window (24 h unless set), basis points (target ≥
    /// 9800), of the completed orders whose follow-up is settled (made, or its window closed);
    /// null while none is.
    pub follow_up_rate_bps: Option<i64>,
    /// Share of the general problems booked in the month solved by the end of their
    /// appointment's (or booking's) local day, basis points, of those solved or past that day.
    pub same_day_rate_bps: Option<i64>,
    /// Average follow-up satisfaction × 100 (450 = 4.50 of 5).
    pub average_satisfaction_x100: Option<i64>,
    /// Share of paid-service orders rated 4–5 at follow-up, basis points (target ≥ 9800).
    pub paid_service_satisfaction_bps: Option<i64>,
}

/// A community's service clocks.
#[derive(SimpleObject)]
pub struct RepairClocks {
    /// Minutes from booking to dispatch.
    pub dispatch_minutes: i64,
    /// Days to solve a hard problem (general ones: the same day).
    pub hard_days: i64,
    /// Hours from completion to the follow-up call.
    pub follow_up_hours: i64,
}

/// Book a repair.
#[derive(InputObject)]
pub struct BookRepairInput {
    /// The house (owners and residents: their own; staff: on a household's behalf).
    pub house_id: Option<ID>,
    /// Or a public area (staff only).
    pub public_area_id: Option<ID>,
    /// What needs repairing.
    pub category: RepairCategory,
    /// The problem, in the owner's words.
    pub description: String,
    /// APP for owners; PHONE or VISIT when staff register it; PATROL or STAFF for public areas.
    pub channel: Option<RepairChannel>,
    /// Preferred slot start.
    pub preferred_from: Option<DateTime<Utc>>,
    /// Preferred slot end.
    pub preferred_to: Option<DateTime<Utc>>,
    /// Idempotency key chosen by the app: a retried tap returns the first order.
    pub client_key: String,
}

/// A charge at completion.
#[derive(InputObject)]
pub struct ChargeInput {
    /// An item of the community's price list.
    pub service_price_id: ID,
    /// How many units.
    pub quantity: i32,
}

crate::connection_type!(
    RepairOrderConnection,
    RepairOrderEdge,
    RepairOrder,
    "repair orders"
);
crate::connection_type!(
    ServicePriceConnection,
    ServicePriceEdge,
    ServicePrice,
    "paid-service prices"
);

#[derive(Default)]
pub struct RepairQuery;

#[Object]
impl RepairQuery {
    /// The owner's orders: their houses' and those they booked, with timeline and photos,
    /// oldest first (by when they were booked).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn my_repair_orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "true: only the open orders, whose work is not over (every state but FOLLOWED_UP and CANCELLED; COMPLETED waits for its follow-up call), as the home screen shows them; false: only the finished ones; omitted: all."
        )]
        open: Option<bool>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<RepairOrderConnection> {
        let page =
            repairs::mine(cx(ctx), open, &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, RepairOrder))
    }
    /// The technician's queue for a day (today by default), by appointment time.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn my_repair_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day; today if omitted.")] date: Option<NaiveDate>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<RepairOrderConnection> {
        let day = date.unwrap_or_else(crate::service::fees::today);
        let page =
            repairs::queue(cx(ctx), day, &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, RepairOrder))
    }
    /// The service desk's lists: unassigned, overdue, awaiting follow-up, or all with filters
    /// (reception, butler: their buildings, manager).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn repair_orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "Which list.", default_with = "OrderView::All")] view: OrderView,
        #[graphql(desc = "Only this state.")] state: Option<RepairState>,
        #[graphql(desc = "Only this building.")] building_id: Option<ID>,
        #[graphql(desc = "Only this category.")] category: Option<RepairCategory>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<RepairOrderConnection> {
        let f = repairs::OrderFilter {
            community_id: id_of("communityId", &community_id, NodeKind::Community)?,
            view,
            state,
            building_id: building_id
                .map(|b| id_of("buildingId", &b, NodeKind::Building))
                .transpose()?,
            category,
        };
        let page = repairs::of_community(cx(ctx), &f, &page_args(ctx, after, before, first, last)?)
            .await?;
        Ok(connection(page, |m| m.id, RepairOrder))
    }
    /// The community's paid-service price list.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn service_prices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<ServicePriceConnection> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let page =
            prices::of_community(cx(ctx), c, &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, ServicePrice))
    }
    /// The month's repair targets (manager).
    async fn repair_targets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "The month, YYYY-MM.")] period: String,
    ) -> Result<RepairTargets> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let t = targets::compute(cx(ctx), c, &period).await?;
        Ok(RepairTargets {
            completed: t.completed,
            follow_up_rate_bps: targets::rate_bps(t.followed_up_in_time, t.follow_up_settled),
            same_day_rate_bps: targets::rate_bps(t.general_same_day, t.general),
            average_satisfaction_x100: (t.satisfaction_count > 0)
                .then(|| t.satisfaction_sum * 100 / t.satisfaction_count),
            paid_service_satisfaction_bps: targets::rate_bps(t.paid_satisfied, t.paid_followed_up),
        })
    }
}

/// The uploaded files of a request, as (name, bytes).
pub(crate) fn read_uploads(
    ctx: &Context<'_>,
    uploads: Vec<Upload>,
) -> Result<Vec<(String, Vec<u8>)>> {
    uploads
        .into_iter()
        .map(|u| {
            let v = u.value(ctx).map_err(|_| {
                AppError::bad_input("files", "上传文件缺失", "An uploaded file is missing")
            })?;
            Ok((v.filename.clone(), v.content.to_vec()))
        })
        .collect()
}

fn order_id(raw: &ID) -> Result<i64> {
    id_of("orderId", raw, NodeKind::RepairOrder)
}

async fn assign(
    ctx: &Context<'_>,
    order: &ID,
    action: RepairAction,
    technician: &ID,
    at: DateTime<Utc>,
    difficulty: RepairDifficulty,
) -> Result<RepairOrder> {
    let cx = cx(ctx);
    let staff_id = id_of("technicianId", technician, NodeKind::StaffMember)?;
    Ok(RepairOrder(
        flow::assign(cx, order_id(order)?, action, staff_id, at, difficulty).await?,
    ))
}

#[derive(Default)]
pub struct RepairMutation;

#[Object]
impl RepairMutation {
    /// Book a repair (owner/resident for their house; staff on a household's behalf or for a
    /// public area). The client key makes a retried tap return the same order.
    async fn book_repair(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking.")] input: BookRepairInput,
        #[graphql(
            desc = "Up to 9 photos (GraphQL multipart request; JPEG, PNG, HEIC or WebP, 10 MB each).",
            default
        )]
        photos: Vec<Upload>,
    ) -> Result<RepairOrder> {
        let files = read_uploads(ctx, photos)?;
        let b = repairs::Booking {
            house_id: input
                .house_id
                .map(|h| id_of("houseId", &h, NodeKind::House))
                .transpose()?,
            public_area_id: input
                .public_area_id
                .map(|a| id_of("publicAreaId", &a, NodeKind::PublicArea))
                .transpose()?,
            category: input.category,
            description: input.description,
            channel: input.channel,
            preferred_from: input.preferred_from,
            preferred_to: input.preferred_to,
            client_key: input.client_key,
        };
        Ok(RepairOrder(repairs::book(cx(ctx), b, files).await?))
    }
    /// Dispatch a new or reopened order to a technician with an appointment (reception,
    /// butler, manager). A second dispatcher racing for the same order is told its state.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn dispatch_repair(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
        #[graphql(desc = "The technician's staff membership id.")] technician_id: ID,
        #[graphql(desc = "The agreed time.")] appointment_at: DateTime<Utc>,
        #[graphql(
            desc = "General (same day) or hard.",
            default_with = "RepairDifficulty::General"
        )]
        difficulty: RepairDifficulty,
    ) -> Result<RepairOrder> {
        assign(
            ctx,
            &order_id,
            RepairAction::Dispatch,
            &technician_id,
            appointment_at,
            difficulty,
        )
        .await
    }
    /// Give a dispatched (or paused) order to another technician.
    /// Changes no state and may be repeated; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn reassign_repair(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
        #[graphql(desc = "The new technician's staff membership id.")] technician_id: ID,
        #[graphql(desc = "The new agreed time.")] appointment_at: DateTime<Utc>,
        #[graphql(
            desc = "General (same day) or hard.",
            default_with = "RepairDifficulty::General"
        )]
        difficulty: RepairDifficulty,
    ) -> Result<RepairOrder> {
        assign(
            ctx,
            &order_id,
            RepairAction::Reassign,
            &technician_id,
            appointment_at,
            difficulty,
        )
        .await
    }
    /// Add photos to an order (its household, dispatchers, the technician); 9 per order at most.
    async fn add_repair_photos(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
        #[graphql(desc = "JPEG, PNG, HEIC or WebP files (GraphQL multipart request), 10 MB each.")]
        photos: Vec<Upload>,
    ) -> Result<Vec<RepairPhoto>> {
        let files = read_uploads(ctx, photos)?;
        let rows = repairs::photos::add(cx(ctx), self::order_id(&order_id)?, files).await?;
        Ok(rows.into_iter().map(RepairPhoto).collect())
    }
    /// The technician accepts the job at the agreed time.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn accept_repair(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
    ) -> Result<RepairOrder> {
        Ok(RepairOrder(
            flow::accept(cx(ctx), self::order_id(&order_id)?).await?,
        ))
    }
    /// The technician is busy then and proposes another time; the owner confirms it.
    /// Changes no state and may be repeated; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn propose_repair_time(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
        #[graphql(desc = "The time proposed.")] at: DateTime<Utc>,
        #[graphql(desc = "Why.")] reason: Option<String>,
    ) -> Result<RepairOrder> {
        Ok(RepairOrder(
            flow::propose_time(cx(ctx), self::order_id(&order_id)?, at, reason).await?,
        ))
    }
    /// The owner confirms the technician's proposed time.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn confirm_repair_time(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
    ) -> Result<RepairOrder> {
        Ok(RepairOrder(
            flow::confirm_time(cx(ctx), self::order_id(&order_id)?).await?,
        ))
    }
    /// The technician starts work.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn start_repair(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
    ) -> Result<RepairOrder> {
        Ok(RepairOrder(
            flow::start(cx(ctx), self::order_id(&order_id)?).await?,
        ))
    }
    /// Pause (waiting for parts ...), with a reason; the clocks stop.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn pause_repair(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
        #[graphql(desc = "Why.")] reason: String,
    ) -> Result<RepairOrder> {
        Ok(RepairOrder(
            flow::pause(cx(ctx), self::order_id(&order_id)?, reason).await?,
        ))
    }
    /// Resume paused work.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn resume_repair(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
    ) -> Result<RepairOrder> {
        Ok(RepairOrder(
            flow::resume(cx(ctx), self::order_id(&order_id)?).await?,
        ))
    }
    /// Complete the work: what was done, materials, and charges from the price list (a bill for
    /// the household).
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn complete_repair(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
        #[graphql(desc = "What was done.")] work_done: String,
        #[graphql(desc = "Materials used.")] materials: Option<String>,
        #[graphql(desc = "Paid-service charges.", default)] charges: Vec<ChargeInput>,
    ) -> Result<RepairOrder> {
        let charges = charges
            .iter()
            .map(|c| {
                let id = id_of(
                    "charges.servicePriceId",
                    &c.service_price_id,
                    NodeKind::ServicePrice,
                )?;
                Ok(flow::Charge {
                    service_price_id: id,
                    quantity: c.quantity,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(RepairOrder(
            flow::complete(
                cx(ctx),
                self::order_id(&order_id)?,
                work_done,
                materials,
                charges,
            )
            .await?,
        ))
    }
    /// The butler's follow-up call (回访): satisfaction 1–5; 1–2 reopens the order.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn follow_up_repair(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
        #[graphql(desc = "The owner's satisfaction, 1–5.")] satisfaction: i32,
        #[graphql(desc = "What the owner said.")] comment: Option<String>,
    ) -> Result<RepairOrder> {
        Ok(RepairOrder(
            flow::follow_up(cx(ctx), self::order_id(&order_id)?, satisfaction, comment).await?,
        ))
    }
    /// The owner rates the work, 1–5.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn evaluate_repair(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
        #[graphql(desc = "Rating, 1–5.")] rating: i32,
        #[graphql(desc = "Comment.")] comment: Option<String>,
    ) -> Result<RepairOrder> {
        Ok(RepairOrder(
            flow::evaluate(cx(ctx), self::order_id(&order_id)?, rating, comment).await?,
        ))
    }
    /// The owner chases the order (催单); the technician is notified.
    /// Changes no state and may be repeated; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn urge_repair(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
        #[graphql(desc = "A note.")] note: Option<String>,
    ) -> Result<RepairOrder> {
        Ok(RepairOrder(
            flow::urge(cx(ctx), self::order_id(&order_id)?, note).await?,
        ))
    }
    /// The owner cancels before work starts.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn cancel_repair(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order.")] order_id: ID,
        #[graphql(desc = "Why.")] reason: Option<String>,
    ) -> Result<RepairOrder> {
        Ok(RepairOrder(
            flow::cancel(cx(ctx), self::order_id(&order_id)?, reason).await?,
        ))
    }
    /// Set the community's service clocks (manager).
    async fn set_repair_clocks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "Minutes from booking to dispatch (default 30).")] dispatch_minutes: i32,
        #[graphql(desc = "Days to solve a hard problem (default 7).")] hard_days: i32,
        #[graphql(desc = "Hours from completion to the follow-up call (default 24).")]
        follow_up_hours: i32,
    ) -> Result<RepairClocks> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let s = repairs::set_clocks(
            cx(ctx),
            c,
            clock::Settings {
                dispatch_minutes: dispatch_minutes as i64,
                hard_days: hard_days as i64,
                follow_up_hours: follow_up_hours as i64,
            },
        )
        .await?;
        Ok(RepairClocks {
            dispatch_minutes: s.dispatch_minutes,
            hard_days: s.hard_days,
            follow_up_hours: s.follow_up_hours,
        })
    }
    /// Add an item to the paid-service price list (manager).
    #[graphql(guard = "StaffGuard(&[StaffRole::Manager])")]
    async fn create_service_price(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "What it is.")] name: String,
        #[graphql(desc = "Unit, e.g. 次.")] unit: String,
        #[graphql(desc = "Price per unit in fen.")] price_fen: Fen,
    ) -> Result<ServicePrice> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        Ok(ServicePrice(
            prices::create(cx(ctx), c, name, unit, price_fen).await?,
        ))
    }
}
