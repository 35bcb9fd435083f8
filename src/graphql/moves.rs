//! Handovers, move bookings and release passes as the owner app, the desk and the gate see them.
use super::connection::{connection, page_args};
use super::estate::House;
use super::id_of;
use super::loaders::load_one;
use super::{cx, loaders};
use crate::domain::{GlobalId, NodeKind};
use crate::service::handover::{self as handover_svc, HandedKey, KeptKey, NewHandover};
use crate::service::moves::{self as svc, clock, NewBooking, ReleaseVerdict};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{CardKind, HouseRelation, IdDocumentKind, MoveDirection, MoveState};
use entity::{handover, move_booking};

/// A house handed to its new owner (入伙).
pub struct Handover(pub handover::Model);

/// What was checked and handed over when a house got its owner.
#[Object]
impl Handover {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::Handover, self.0.id)
    }
    /// The house.
    async fn house(&self, ctx: &Context<'_>) -> Result<House> {
        Ok(House(
            load_one(loaders(ctx).house(), self.0.house_id).await?,
        ))
    }
    /// The new owner's name.
    async fn owner_name(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load_one(loaders(ctx).user(), self.0.owner_user_id)
            .await?
            .display_name)
    }
    /// The identity document checked.
    async fn id_kind(&self) -> IdDocumentKind {
        self.0.id_kind
    }
    /// The document number, all but the last four characters masked (the whole number is never stored).
    async fn id_number_masked(&self) -> &str {
        &self.0.id_number_masked
    }
    /// Who checked the document and handed the house over.
    async fn checked_by(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load_one(loaders(ctx).user(), self.0.checked_by_user_id)
            .await?
            .display_name)
    }
    /// The keys handed to the owner.
    async fn keys_handed(&self) -> Vec<KeysHanded> {
        serde_json::from_str::<Vec<serde_json::Value>>(&self.0.keys_handed)
            .unwrap_or_default()
            .iter()
            .map(|v| KeysHanded {
                label: v["label"].as_str().unwrap_or_default().to_owned(),
                count: v["count"].as_i64().unwrap_or(0) as i32,
            })
            .collect()
    }
    /// The first period (`YYYY-MM`) billed to the owner.
    async fn fees_from_period(&self) -> &str {
        &self.0.fees_from_period
    }
    /// When (UTC).
    async fn handed_over_at(&self) -> DateTime<Utc> {
        self.0.handed_over_at
    }
}

/// Keys of one kind handed to the owner.
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "KeysHandedInput")]
pub struct KeysHanded {
    /// What they open, e.g. 入户门, 信箱.
    pub label: String,
    /// How many (1–20).
    pub count: i32,
}

/// A key the owner leaves with the management office at handover.
#[derive(InputObject)]
pub struct KeyKeptInput {
    /// What it opens.
    pub label: String,
    /// The number on the seal when the owner has it sealed (only an approved emergency opening may then use it).
    pub seal_number: Option<String>,
}

/// A card issued at handover.
#[derive(InputObject)]
pub struct HandoverCardInput {
    /// Access or vehicle.
    pub kind: CardKind,
    /// The card number.
    pub number: String,
}

/// Everything reception records when handing a house to its new owner.
#[derive(InputObject)]
pub struct HandOverHouseInput {
    /// The house, which must not have an owner yet.
    pub house_id: ID,
    /// The owner's mobile number (their sign-in).
    pub owner_phone: String,
    /// The owner's name as on the document.
    pub owner_name: String,
    /// The document checked.
    pub id_kind: IdDocumentKind,
    /// The document number; a resident ID's check digit is verified. Only the last four characters are kept.
    pub id_number: String,
    /// The keys handed to the owner (at least one).
    pub keys_handed: Vec<KeysHanded>,
    /// Keys the owner leaves in custody, sealed or not.
    #[graphql(default)]
    pub keys_kept: Vec<KeyKeptInput>,
    /// Cards issued to the owner now.
    #[graphql(default)]
    pub cards: Vec<HandoverCardInput>,
    /// First period billed (`YYYY-MM`); the current month when omitted.
    pub fees_from_period: Option<String>,
    /// A key the desk app makes once per handover, so a retry does not hand over twice.
    pub client_key: String,
}

/// A booked move of goods in or out, and its pass.
pub struct MoveBooking(pub move_booking::Model);

/// A move booking: what, when, and whether the goods may pass the gate.
#[Object]
impl MoveBooking {
    /// Every step so far, oldest first: who did it (name and role), what, from, to, why, when.
    async fn timeline(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<super::events::TimelineEntry>> {
        super::events::timeline(super::loaders(ctx).move_timeline(), self.0.id).await
    }
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::MoveBooking, self.0.id)
    }
    /// The house.
    async fn house(&self, ctx: &Context<'_>) -> Result<House> {
        Ok(House(
            load_one(loaders(ctx).house(), self.0.house_id).await?,
        ))
    }
    /// In or out.
    async fn direction(&self) -> MoveDirection {
        self.0.direction
    }
    /// Where it stands.
    async fn state(&self) -> MoveState {
        self.0.state
    }
    /// The local day of the move.
    async fn move_on(&self) -> NaiveDate {
        self.0.move_on
    }
    /// Start of the booked window, local `HH:MM`.
    async fn window_start(&self) -> String {
        clock(self.0.window_start_min)
    }
    /// End of the booked window, local `HH:MM`; the pass expires then.
    async fn window_end(&self) -> String {
        clock(self.0.window_end_min)
    }
    /// What is moved.
    async fn items(&self) -> &str {
        &self.0.items
    }
    /// Who booked it.
    async fn requested_by(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load_one(loaders(ctx).user(), self.0.requested_by_user_id)
            .await?
            .display_name)
    }
    /// How the person who booked lives there.
    async fn requester_relation(&self) -> HouseRelation {
        self.0.requester_relation
    }
    /// The one-time code to show at the gate (放行条), once approved; null for the gate's list.
    async fn pass_code(&self, ctx: &Context<'_>) -> Option<&str> {
        // A guard checks codes; the list on the gate's screen must not hand them out.
        if cx(ctx).actor.staff_role() == Some(entity::enums::StaffRole::Security) {
            return None;
        }
        self.0.pass_code.as_deref()
    }
    /// When the owner consented (a tenant's move out).
    async fn consent_at(&self) -> Option<DateTime<Utc>> {
        self.0.consent_at
    }
    /// When the goods passed the gate.
    async fn used_at(&self) -> Option<DateTime<Utc>> {
        self.0.used_at
    }
    /// Why it was refused, cancelled or revoked.
    async fn closed_reason(&self) -> Option<&str> {
        self.0.closed_reason.as_deref()
    }
    /// When it was booked (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A move to book.
#[derive(InputObject)]
pub struct BookMoveInput {
    /// The house (one you live in).
    pub house_id: ID,
    /// In or out.
    pub direction: MoveDirection,
    /// The local day.
    pub move_on: NaiveDate,
    /// Window start, local `HH:MM`.
    pub window_start: String,
    /// Window end, local `HH:MM`.
    pub window_end: String,
    /// What is moved (1–500 characters).
    pub items: String,
    /// A key the app makes once per booking, so a retry does not book twice.
    pub client_key: String,
}

/// What the gate is told about a code.
#[derive(SimpleObject)]
pub struct ReleasePassCheck {
    /// Valid, or why not.
    pub verdict: ReleaseVerdict,
    /// The booking behind the code (none for an unknown code).
    pub booking: Option<MoveBooking>,
}

crate::connection_type!(
    MoveBookingConnection,
    MoveBookingEdge,
    MoveBooking,
    "move bookings"
);
crate::connection_type!(HandoverConnection, HandoverEdge, Handover, "handovers");

#[derive(Default)]
pub struct MoveQuery;

#[Object]
impl MoveQuery {
    /// My move bookings and those of the houses I own, newest first, with their passes.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn my_moves(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<MoveBookingConnection> {
        let page = svc::mine(cx(ctx), &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, MoveBooking))
    }
    /// The gate's list: passes for a day (today by default), by window (security, reception, manager).
    async fn release_passes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "The local day; today when omitted.")] day: Option<NaiveDate>,
    ) -> Result<Vec<MoveBooking>> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        Ok(svc::passes_on(cx(ctx), c, day)
            .await?
            .into_iter()
            .map(MoveBooking)
            .collect())
    }
    /// Check a pass code without using it (security, reception, manager). `at` checks another time.
    async fn check_release_pass(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "The code as typed or scanned.")] code: String,
        #[graphql(desc = "When (default now).")] at: Option<DateTime<Utc>>,
    ) -> Result<ReleasePassCheck> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let r = svc::check(cx(ctx), c, &code, at.unwrap_or_else(crate::service::now)).await?;
        Ok(ReleasePassCheck {
            verdict: r.verdict,
            booking: r.booking.map(MoveBooking),
        })
    }
    /// Tenant move outs waiting for the owner's consent (the desk; a butler, their buildings).
    async fn moves_awaiting_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
    ) -> Result<Vec<MoveBooking>> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        Ok(svc::awaiting_consent(cx(ctx), c)
            .await?
            .into_iter()
            .map(MoveBooking)
            .collect())
    }
    /// Reception's handovers in a community, newest first.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn handovers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<HandoverConnection> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let page =
            handover_svc::of_community(cx(ctx), c, &page_args(ctx, after, before, first, last)?)
                .await?;
        Ok(connection(page, |m| m.id, Handover))
    }
}

#[derive(Default)]
pub struct MoveMutation;

#[Object]
impl MoveMutation {
    /// 入伙 (reception, manager): check the owner's identity, bind them to the house, record the
    /// keys handed over and kept, issue cards and start the fees, all at once.
    async fn hand_over_house(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The handover.")] input: HandOverHouseInput,
    ) -> Result<Handover> {
        let n = NewHandover {
            house_id: id_of("houseId", &input.house_id, NodeKind::House)?,
            owner_phone: input.owner_phone,
            owner_name: input.owner_name,
            id_kind: input.id_kind,
            id_number: input.id_number,
            keys_handed: input
                .keys_handed
                .into_iter()
                .map(|k| HandedKey {
                    label: k.label,
                    count: k.count,
                })
                .collect(),
            keys_kept: input
                .keys_kept
                .into_iter()
                .map(|k| KeptKey {
                    label: k.label,
                    seal_number: k.seal_number,
                })
                .collect(),
            cards: input
                .cards
                .into_iter()
                .map(|c| (c.kind, c.number))
                .collect(),
            fees_from_period: input.fees_from_period,
            client_key: input.client_key,
        };
        Ok(Handover(handover_svc::hand_over(cx(ctx), n).await?))
    }
    /// Book a move in or out (a resident of the house). A move out needs the house's bills
    /// cleared (else BILLS_OUTSTANDING listing them); a tenant's waits for the owner's consent.
    async fn book_move(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking.")] input: BookMoveInput,
    ) -> Result<MoveBooking> {
        let b = NewBooking {
            house_id: id_of("houseId", &input.house_id, NodeKind::House)?,
            direction: input.direction,
            move_on: input.move_on,
            window_start: input.window_start,
            window_end: input.window_end,
            items: input.items,
            client_key: input.client_key,
        };
        Ok(MoveBooking(svc::book(cx(ctx), b).await?))
    }
    /// The owner answers a tenant's move out: consent issues the pass (bills re-checked); a refusal needs a reason.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn answer_move_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking.")] booking_id: ID,
        #[graphql(desc = "Whether the owner agrees.")] consent: bool,
        #[graphql(desc = "Why not (required when refusing).")] reason: Option<String>,
    ) -> Result<MoveBooking> {
        let id = id_of("bookingId", &booking_id, NodeKind::MoveBooking)?;
        Ok(MoveBooking(
            svc::consent(cx(ctx), id, consent, reason).await?,
        ))
    }
    /// Call a move off (who booked it, the owner, the desk) before the goods pass.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn cancel_move(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking.")] booking_id: ID,
        #[graphql(desc = "Why, optionally.")] reason: Option<String>,
    ) -> Result<MoveBooking> {
        let id = id_of("bookingId", &booking_id, NodeKind::MoveBooking)?;
        Ok(MoveBooking(svc::cancel(cx(ctx), id, reason).await?))
    }
    /// The desk withdraws an issued pass, with a reason.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn revoke_release_pass(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking.")] booking_id: ID,
        #[graphql(desc = "Why.")] reason: String,
    ) -> Result<MoveBooking> {
        let id = id_of("bookingId", &booking_id, NodeKind::MoveBooking)?;
        Ok(MoveBooking(svc::revoke(cx(ctx), id, reason).await?))
    }
    /// The guard lets the goods through and records the exit: the code works once. A wrong day or
    /// time is BAD_USER_INPUT, a used or revoked code INVALID_STATE_TRANSITION; nothing changes then.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn use_release_pass(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "The code as typed or scanned.")] code: String,
    ) -> Result<MoveBooking> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        Ok(MoveBooking(svc::pass_gate(cx(ctx), c, &code).await?))
    }
}
