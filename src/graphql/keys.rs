//! Key custody as the owner app, the key desk and the manager see it, and the manager's list of
//! approvals waiting.
use super::connection::{connection, page_args};
use super::estate::House;
use super::id_of;
use super::loaders::{children_of, load_one};
use super::renovation::Renovation;
use super::{cx, loaders};
use crate::domain::{GlobalId, NodeKind};
use crate::service::keys::{self as svc, Loan, Opening};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::enums::{KeyLoanPurpose, KeyOpeningState, KeyState, RenovationState};
use entity::{custody_key, key_loan, key_opening};

async fn name(ctx: &Context<'_>, user_id: Option<i64>) -> Result<Option<String>> {
    Ok(match user_id {
        Some(u) => Some(load_one(loaders(ctx).user(), u).await?.display_name),
        None => None,
    })
}

/// A key (or bunch) held for an owner.
pub struct CustodyKey(pub custody_key::Model);

/// A key in the management office's custody, where it is, and every time it left the cabinet.
#[Object]
impl CustodyKey {
    /// Every step so far, oldest first: who did it (name and role), what, from, to, why, when.
    async fn timeline(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<super::events::TimelineEntry>> {
        super::events::timeline(super::loaders(ctx).key_timeline(), self.0.id).await
    }
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::CustodyKey, self.0.id)
    }
    /// The house it opens.
    async fn house(&self, ctx: &Context<'_>) -> Result<House> {
        Ok(House(
            load_one(loaders(ctx).house(), self.0.house_id).await?,
        ))
    }
    /// What it opens.
    async fn label(&self) -> &str {
        &self.0.label
    }
    /// Where it is.
    async fn state(&self) -> KeyState {
        self.0.state
    }
    /// The seal's number while sealed.
    async fn seal_number(&self) -> Option<&str> {
        self.0.seal_number.as_deref()
    }
    /// When it was deposited (UTC).
    async fn deposited_at(&self) -> DateTime<Utc> {
        self.0.deposited_at
    }
    /// Who at the desk took it in.
    async fn received_by(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load_one(loaders(ctx).user(), self.0.received_by_user_id)
            .await?
            .display_name)
    }
    /// Every loan, newest first: who took it, why, when due and when back.
    async fn loans(&self, ctx: &Context<'_>) -> Result<Vec<KeyLoan>> {
        let mut rows = children_of(loaders(ctx).key_loans(), self.0.id).await?;
        rows.sort_by_key(|l| std::cmp::Reverse(l.id));
        Ok(rows.into_iter().map(KeyLoan).collect())
    }
}

/// One time a key left the cabinet.
pub struct KeyLoan(pub key_loan::Model);

/// Who took a key, why, and whether it is back.
#[Object]
impl KeyLoan {
    /// The key.
    async fn key(&self, ctx: &Context<'_>) -> Result<CustodyKey> {
        // Loans are only reached through a key or the desk's list, both already authorized.
        Ok(CustodyKey(
            load_one(loaders(ctx).custody_key(), self.0.key_id).await?,
        ))
    }
    /// Why.
    async fn purpose(&self) -> KeyLoanPurpose {
        self.0.purpose
    }
    /// The repair order it was taken for, if any.
    async fn repair_order_id(&self) -> Option<ID> {
        self.0
            .repair_order_id
            .map(|id| GlobalId::encode(NodeKind::RepairOrder, id))
    }
    /// A note (the emergency's reason).
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Who has it.
    async fn borrower(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load_one(loaders(ctx).user(), self.0.borrower_user_id)
            .await?
            .display_name)
    }
    /// When it left (UTC).
    async fn lent_at(&self) -> DateTime<Utc> {
        self.0.lent_at
    }
    /// When it is due back (UTC).
    async fn due_back_at(&self) -> DateTime<Utc> {
        self.0.due_back_at
    }
    /// When it came back (UTC); null while out.
    async fn returned_at(&self) -> Option<DateTime<Utc>> {
        self.0.returned_at
    }
    /// Out and past its due time.
    async fn overdue(&self) -> bool {
        self.0.returned_at.is_none() && self.0.due_back_at < crate::service::now()
    }
}

/// A request to open a sealed key in an emergency.
pub struct KeyOpening(pub key_opening::Model);

/// An emergency opening: why, who approved, and who was present.
#[Object]
impl KeyOpening {
    /// Every step so far, oldest first: who did it (name and role), what, from, to, why, when.
    async fn timeline(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<super::events::TimelineEntry>> {
        super::events::timeline(super::loaders(ctx).key_opening_timeline(), self.0.id).await
    }
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::KeyOpening, self.0.id)
    }
    /// The sealed key.
    async fn key(&self, ctx: &Context<'_>) -> Result<CustodyKey> {
        // Openings are only reached through `node` or the manager's list, both already authorized.
        Ok(CustodyKey(
            load_one(loaders(ctx).custody_key(), self.0.key_id).await?,
        ))
    }
    /// The emergency.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// Where it stands.
    async fn state(&self) -> KeyOpeningState {
        self.0.state
    }
    /// Who asked.
    async fn requested_by(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        name(ctx, Some(self.0.requested_by_user_id)).await
    }
    /// When (UTC).
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }
    /// The manager who approved or refused.
    async fn decided_by(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        name(ctx, self.0.decided_by_user_id).await
    }
    /// Why it was refused.
    async fn refusal_reason(&self) -> Option<&str> {
        self.0.refusal_reason.as_deref()
    }
    /// When the seal was broken (UTC).
    async fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.0.opened_at
    }
    /// The two staff members present.
    async fn witnesses(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let mut out = vec![];
        for u in [self.0.witness1_user_id, self.0.witness2_user_id]
            .into_iter()
            .flatten()
        {
            out.push(load_one(loaders(ctx).user(), u).await?.display_name);
        }
        Ok(out)
    }
    /// The guard present.
    async fn guard(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        name(ctx, self.0.guard_user_id).await
    }
}

/// What waits for the manager's decision in a community.
#[derive(SimpleObject)]
pub struct ApprovalsWaiting {
    /// Emergency key openings to approve or refuse.
    pub key_openings: Vec<KeyOpening>,
    /// Renovation applications the butler forwarded, to approve or reject.
    pub renovations: Vec<Renovation>,
}

/// A key to lend.
#[derive(InputObject)]
pub struct LendKeyInput {
    /// The key (unsealed, in the cabinet).
    pub key_id: ID,
    /// Repair or inspection.
    pub purpose: KeyLoanPurpose,
    /// The staff member who takes it.
    pub borrower_id: ID,
    /// When it must be back (within 7 days).
    pub due_back_at: DateTime<Utc>,
    /// The repair order it is for, if any.
    pub repair_order_id: Option<ID>,
    /// A note.
    pub note: Option<String>,
}

/// Breaking a seal under an approved opening.
#[derive(InputObject)]
pub struct OpenSealedKeyInput {
    /// The approved opening.
    pub opening_id: ID,
    /// The two staff members present (staff member ids).
    pub witness_ids: Vec<ID>,
    /// The security guard present (staff member id).
    pub guard_id: ID,
    /// When the key must be back (default in 4 hours, at most 24).
    pub due_back_at: Option<DateTime<Utc>>,
}

crate::connection_type!(
    CustodyKeyConnection,
    CustodyKeyEdge,
    CustodyKey,
    "keys in custody"
);

#[derive(Default)]
pub struct KeyQuery;

#[Object]
impl KeyQuery {
    /// Keys of the houses I own held by the management office, with every loan.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn my_keys(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<CustodyKeyConnection> {
        let page = svc::mine(cx(ctx), &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, CustodyKey))
    }
    /// The key desk's cabinet (reception, manager; a butler, their buildings): keys in custody,
    /// optionally in one state.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn custody_keys(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "Only keys in this state (default: all still in custody).")] state: Option<
            KeyState,
        >,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<CustodyKeyConnection> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let page = svc::of_community(
            cx(ctx),
            c,
            state,
            &page_args(ctx, after, before, first, last)?,
        )
        .await?;
        Ok(connection(page, |m| m.id, CustodyKey))
    }
    /// The daily chase list: keys out and due back before tonight, most overdue first.
    async fn unreturned_keys(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
    ) -> Result<Vec<KeyLoan>> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        Ok(svc::unreturned(cx(ctx), c)
            .await?
            .into_iter()
            .map(KeyLoan)
            .collect())
    }
    /// The manager's desk: what waits for their decision.
    async fn approvals_waiting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
    ) -> Result<ApprovalsWaiting> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let cx = cx(ctx);
        let key_openings = svc::openings_waiting(cx, c)
            .await?
            .into_iter()
            .map(KeyOpening)
            .collect();
        let args = crate::service::page::PageArgs::new(None, None, Some(100), None)?;
        let renovations = crate::service::renovation::of_community(
            cx,
            c,
            Some(RenovationState::Reviewed),
            None,
            &args,
        )
        .await?;
        Ok(ApprovalsWaiting {
            key_openings,
            renovations: renovations.items.into_iter().map(Renovation).collect(),
        })
    }
}

#[derive(Default)]
pub struct KeyMutation;

#[Object]
impl KeyMutation {
    /// The key desk takes a key in for a house; with a seal number it is sealed (only an approved
    /// emergency opening may then use it). The owner is told.
    async fn deposit_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The house.")] house_id: ID,
        #[graphql(desc = "What it opens.")] label: String,
        #[graphql(desc = "The seal's number, to seal it.")] seal_number: Option<String>,
    ) -> Result<CustodyKey> {
        let h = id_of("houseId", &house_id, NodeKind::House)?;
        Ok(CustodyKey(
            svc::deposit(cx(ctx), h, &label, seal_number.as_deref()).await?,
        ))
    }
    /// Lend an unsealed key for a repair or an inspection: who, why, when due back.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn lend_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan.")] input: LendKeyInput,
    ) -> Result<CustodyKey> {
        let l = Loan {
            key_id: id_of("keyId", &input.key_id, NodeKind::CustodyKey)?,
            purpose: input.purpose,
            borrower_staff_id: id_of("borrowerId", &input.borrower_id, NodeKind::StaffMember)?,
            due_back_at: input.due_back_at,
            repair_order_id: input
                .repair_order_id
                .as_ref()
                .map(|r| id_of("repairOrderId", r, NodeKind::RepairOrder))
                .transpose()?,
            note: input.note,
        };
        Ok(CustodyKey(svc::lend(cx(ctx), l).await?))
    }
    /// Take a lent key back into the cabinet.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn return_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key.")] key_id: ID,
    ) -> Result<CustodyKey> {
        Ok(CustodyKey(
            svc::give_back(cx(ctx), id_of("keyId", &key_id, NodeKind::CustodyKey)?).await?,
        ))
    }
    /// Seal a key in the cabinet (again, after an opening) under a seal number.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn seal_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key.")] key_id: ID,
        #[graphql(desc = "The new seal's number.")] seal_number: String,
    ) -> Result<CustodyKey> {
        Ok(CustodyKey(
            svc::seal_or_hand_back(
                cx(ctx),
                id_of("keyId", &key_id, NodeKind::CustodyKey)?,
                Some(&seal_number),
            )
            .await?,
        ))
    }
    /// Give a key in the cabinet back to its owner: it leaves custody.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn hand_key_back(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key.")] key_id: ID,
    ) -> Result<CustodyKey> {
        Ok(CustodyKey(
            svc::seal_or_hand_back(
                cx(ctx),
                id_of("keyId", &key_id, NodeKind::CustodyKey)?,
                None,
            )
            .await?,
        ))
    }
    /// Ask the manager to approve opening a sealed key in an emergency (desk staff, guards).
    async fn request_key_opening(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sealed key.")] key_id: ID,
        #[graphql(desc = "The emergency.")] reason: String,
    ) -> Result<KeyOpening> {
        Ok(KeyOpening(
            svc::request_opening(
                cx(ctx),
                id_of("keyId", &key_id, NodeKind::CustodyKey)?,
                &reason,
            )
            .await?,
        ))
    }
    /// The manager approves or refuses an emergency opening (a refusal needs a reason).
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn decide_key_opening(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request.")] opening_id: ID,
        #[graphql(desc = "Approve (true) or refuse (false).")] approve: bool,
        #[graphql(desc = "Why not, when refusing.")] reason: Option<String>,
    ) -> Result<KeyOpening> {
        Ok(KeyOpening(
            svc::decide_opening(
                cx(ctx),
                id_of("openingId", &opening_id, NodeKind::KeyOpening)?,
                approve,
                reason,
            )
            .await?,
        ))
    }
    /// Break the seal under an approved opening, with two staff members and a guard present:
    /// the key is lent to you and the owner is told at once. Without approval nothing happens.
    /// Taken already, or first by someone else: INVALID_STATE_TRANSITION naming the state; on a record changed meanwhile: CONFLICT (reload and retry).
    async fn open_sealed_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who is present.")] input: OpenSealedKeyInput,
    ) -> Result<KeyOpening> {
        let o = Opening {
            opening_id: id_of("openingId", &input.opening_id, NodeKind::KeyOpening)?,
            witness_staff_ids: input
                .witness_ids
                .iter()
                .map(|w| id_of("witnessIds", w, NodeKind::StaffMember))
                .collect::<Result<_>>()?,
            guard_staff_id: id_of("guardId", &input.guard_id, NodeKind::StaffMember)?,
            due_back_at: input.due_back_at,
        };
        Ok(KeyOpening(svc::open_sealed(cx(ctx), o).await?))
    }
}
