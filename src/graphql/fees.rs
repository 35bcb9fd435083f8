//! Fees as the apps see them: the price list, bills with their lines, what a house owes,
//! payments and receipts, and the counter's and back office's reports.
use super::connection::{connection, page_args};
use super::estate::{Building, House};
use super::guard::StaffGuard;
use super::id_of;
use super::loaders::{children_of, load_one};
use super::{cx, loaders};
use crate::domain::money::centi;
use crate::domain::{Fen, GlobalId, NodeKind};
use crate::service::fees::{billing, items, payments, readings, reports};
use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    BillKind, BillingCycle, CallOutcome, FeeFormula, FeeKind, PaymentKind, PaymentMethod, StaffRole,
};
use entity::{
    arrears_call, bill, bill_line, fee_item, meter_reading, payment, payment_allocation,
    payment_intent,
};

/// A line of the community's price list (收费标准).
pub struct FeeItem(pub fee_item::Model);

/// A fee item: what is charged, how it is computed, how often.
#[Object]
impl FeeItem {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::FeeItem, self.0.id)
    }
    /// Name shown on bills, e.g. 物业管理费.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it charges for.
    async fn kind(&self) -> FeeKind {
        self.0.kind
    }
    /// How the amount is computed.
    async fn formula(&self) -> FeeFormula {
        self.0.formula
    }
    /// How often it is billed.
    async fn cycle(&self) -> BillingCycle {
        self.0.cycle
    }
    /// Price in fen: per m² per month (BY_AREA), per meter unit (BY_METER), per month or once (FIXED).
    async fn unit_price_fen(&self) -> Fen {
        Fen(self.0.unit_price_fen)
    }
    /// Late fee per overdue day, in basis points of the unpaid amount (5 = 0.05%); null for none.
    async fn late_fee_bps_per_day(&self) -> Option<i32> {
        self.0.late_fee_bps_per_day
    }
    /// Days after the due date before late fees start.
    async fn late_fee_grace_days(&self) -> i32 {
        self.0.late_fee_grace_days
    }
    /// Late fees stop at this share of the unpaid amount, in basis points; null for no cap.
    async fn late_fee_cap_bps(&self) -> Option<i32> {
        self.0.late_fee_cap_bps
    }
    /// Discount for vacant houses in basis points (5000 = half price); null for none.
    async fn vacant_discount_bps(&self) -> Option<i32> {
        self.0.vacant_discount_bps
    }
    /// Whether new bills include it.
    async fn active(&self) -> bool {
        self.0.active
    }
}

/// A bill (账单): one house, one period (or one one-off charge), with its lines.
pub struct Bill(pub bill::Model);

/// A bill and where it stands.
#[Object]
impl Bill {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::Bill, self.0.id)
    }
    /// The period billed, "YYYY-MM" (for one-off charges: the month raised).
    async fn period(&self) -> &str {
        &self.0.period
    }
    /// Periodic bill or one-off charge.
    async fn kind(&self) -> BillKind {
        self.0.kind
    }
    /// Last day to pay before it is overdue.
    async fn due_on(&self) -> NaiveDate {
        self.0.due_on
    }
    /// Total of the lines, in fen.
    async fn amount_fen(&self) -> Fen {
        Fen(self.0.amount_fen)
    }
    /// Paid so far, in fen.
    async fn paid_fen(&self) -> Fen {
        Fen(self.0.paid_fen)
    }
    /// Still to pay, in fen (0 once settled or cancelled).
    async fn outstanding_fen(&self) -> Fen {
        Fen(if self.0.cancelled_at.is_some() {
            0
        } else {
            self.0.amount_fen - self.0.paid_fen
        })
    }
    /// OPEN, OVERDUE, PAID or CANCELLED, as of today.
    async fn status(&self) -> BillStatus {
        BillStatus::of(&self.0)
    }
    /// Late fee as of today, in fen (not part of `amountFen`; computed live).
    async fn late_fee_fen(&self, ctx: &Context<'_>) -> Result<Fen> {
        let lines = self.sorted_lines(ctx).await?;
        Ok(Fen(billing::late_fee(
            &self.0,
            &lines,
            crate::service::fees::today(),
        )))
    }
    /// The lines, each with how it was computed.
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<BillLine>> {
        Ok(self
            .sorted_lines(ctx)
            .await?
            .into_iter()
            .map(BillLine)
            .collect())
    }
    /// The house billed.
    async fn house(&self, ctx: &Context<'_>) -> Result<House> {
        Ok(House(
            load_one(loaders(ctx).house(), self.0.house_id).await?,
        ))
    }
    /// When it was cancelled; null unless cancelled.
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.cancelled_at
    }
    /// Why it was cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
}

impl Bill {
    /// The bill's lines in settlement order, batched with every other bill of the response.
    async fn sorted_lines(&self, ctx: &Context<'_>) -> Result<Vec<bill_line::Model>> {
        let mut lines = children_of(loaders(ctx).bill_lines(), self.0.id).await?;
        lines.sort_by_key(|l| l.position);
        Ok(lines)
    }
}

/// Where a bill stands today.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum BillStatus {
    /// Unpaid (or part paid), not yet due.
    Open,
    /// Unpaid (or part paid) past its due date.
    Overdue,
    /// Fully paid.
    Paid,
    /// Cancelled; nothing to pay.
    Cancelled,
}

impl BillStatus {
    fn of(b: &bill::Model) -> Self {
        if b.cancelled_at.is_some() {
            BillStatus::Cancelled
        } else if b.paid_fen >= b.amount_fen {
            BillStatus::Paid
        } else if b.due_on < crate::service::fees::today() {
            BillStatus::Overdue
        } else {
            BillStatus::Open
        }
    }
}

/// One line of a bill.
pub struct BillLine(pub bill_line::Model);

/// A bill line: what was charged and how it was computed.
#[Object]
impl BillLine {
    /// How the amount was computed, e.g. "物业管理费：89.50 m² × ¥2.80/m²/月 × 1 个月 = ¥250.60".
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The line's amount in fen.
    async fn amount_fen(&self) -> Fen {
        Fen(self.0.amount_fen)
    }
}

/// What a house owes today.
pub struct Owed(pub billing::Owed);

/// The owner app's "what do I owe" for one house.
#[Object]
impl Owed {
    /// Unpaid, not yet due, in fen.
    async fn due_fen(&self) -> Fen {
        Fen(self.0.due_fen)
    }
    /// Unpaid past the due date, in fen.
    async fn overdue_fen(&self) -> Fen {
        Fen(self.0.overdue_fen)
    }
    /// Late fees as of today, in fen.
    async fn late_fee_fen(&self) -> Fen {
        Fen(self.0.late_fee_fen)
    }
    /// Everything to pay today: due + overdue + late fees, in fen.
    async fn total_fen(&self) -> Fen {
        Fen(self.0.due_fen + self.0.overdue_fen + self.0.late_fee_fen)
    }
    /// The unpaid bills, oldest due first (a handful at most, so a plain list).
    async fn open_bills(&self) -> Vec<Bill> {
        self.0.open_bills.iter().cloned().map(Bill).collect()
    }
}

/// A payment or a reversal, with its receipt (收据).
pub struct Payment(pub payment::Model);

/// Money received (or given back by a reversal).
#[Object]
impl Payment {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::Payment, self.0.id)
    }
    /// Receipt number, sequential per community and year, e.g. CUIHU-2026-000042.
    async fn receipt_no(&self) -> &str {
        &self.0.receipt_no
    }
    /// Payment or reversal.
    async fn kind(&self) -> PaymentKind {
        self.0.kind
    }
    /// How it was paid.
    async fn method(&self) -> PaymentMethod {
        self.0.method
    }
    /// Amount in fen; negative for a reversal. An owner or resident sees the whole amount only
    /// when all of it went to bills of their own houses; when one payment at the counter also
    /// paid other houses' bills, this is their share (the sum of the `allocations` they see),
    /// never the other houses' money. The same holds for a butler and houses outside their
    /// buildings; the community's counter, finance and manager see the whole amount.
    async fn amount_fen(&self, ctx: &Context<'_>) -> Result<Fen> {
        let (shown, whole) = self.shown_allocations(ctx).await?;
        Ok(Fen(if whole {
            self.0.amount_fen
        } else {
            shown.iter().map(|a| a.amount_fen).sum()
        }))
    }
    /// Who recorded it: the staff member's name (for a reversal: who reversed it), or the name
    /// of the gateway's API key for an online payment.
    async fn recorded_by(&self, ctx: &Context<'_>) -> Result<String> {
        match payments::Recorder::of(&self.0.recorded_by) {
            payments::Recorder::User(id) => {
                Ok(load_one(loaders(ctx).user(), id).await?.display_name)
            }
            other => Ok(payments::recorder_name(cx(ctx), other).await?),
        }
    }
    /// The client key it was recorded with.
    async fn client_key(&self) -> &str {
        &self.0.client_key
    }
    /// When it was recorded.
    async fn paid_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The community-local date it counts for in the day close: the day it was taken or, when
    /// that day's cash had already been banked (`markDayBanked`), the next day not yet banked,
    /// so a banked day's figures never change.
    async fn business_date(&self) -> NaiveDate {
        self.0.business_date
    }
    /// Why it was reversed (reversals only).
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The gateway's transaction reference (online payments only).
    async fn gateway_reference(&self) -> Option<&str> {
        self.0.gateway_reference.as_deref()
    }
    /// How the money was spread over bills: for an owner or resident, only the bills of their
    /// own houses (for a butler, of the houses in their buildings).
    async fn allocations(&self, ctx: &Context<'_>) -> Result<Vec<Allocation>> {
        Ok(self
            .shown_allocations(ctx)
            .await?
            .0
            .into_iter()
            .map(Allocation)
            .collect())
    }
    /// For a reversal: the payment it reverses.
    async fn reverses(&self, ctx: &Context<'_>) -> Result<Option<Payment>> {
        match self.0.reverses_payment_id {
            Some(id) => Ok(Some(Payment(load_one(loaders(ctx).payment(), id).await?))),
            None => Ok(None),
        }
    }
    /// For a payment: its reversal, if it was reversed.
    async fn reversed_by(&self, ctx: &Context<'_>) -> Result<Option<Payment>> {
        Ok(children_of(loaders(ctx).payment_reversals(), self.0.id)
            .await?
            .into_iter()
            .next()
            .map(Payment))
    }
}

impl Payment {
    /// The allocations the caller may see, in order, and whether that is all of them. Those who
    /// see the whole payment (`payments::sees_whole`) see every one; others, those on bills of
    /// houses whose bills they may see. Bills and houses come through the request's loaders.
    async fn shown_allocations(
        &self,
        ctx: &Context<'_>,
    ) -> Result<(Vec<payment_allocation::Model>, bool)> {
        let mut rows = children_of(loaders(ctx).payment_allocations(), self.0.id).await?;
        rows.sort_by_key(|a| a.id);
        if payments::sees_whole(cx(ctx), &self.0) {
            return Ok((rows, true));
        }
        let seen = futures_util::future::try_join_all(
            rows.iter().map(|a| bill_pointed_at(ctx, a.bill_id)),
        )
        .await?;
        let total = rows.len();
        let shown: Vec<_> = rows
            .into_iter()
            .zip(seen)
            .filter(|(_, b)| b.is_some())
            .map(|(a, _)| a)
            .collect();
        let whole = shown.len() == total;
        Ok((shown, whole))
    }
}

/// Part of a payment put on one bill.
pub struct Allocation(pub payment_allocation::Model);

/// The share of a payment that went to one bill.
#[Object]
impl Allocation {
    /// Amount in fen (negative in a reversal).
    async fn amount_fen(&self) -> Fen {
        Fen(self.0.amount_fen)
    }
    /// The bill; null for a caller who sees the payment but not the bill's house (the gateway
    /// key reading back the payment it confirmed).
    async fn bill(&self, ctx: &Context<'_>) -> Result<Option<Bill>> {
        bill_pointed_at(ctx, self.0.bill_id).await
    }
}

/// The bill a row points at, if the caller may see its house's bills. The bills (and their
/// houses) of all the rows of a list are read in one statement each, not one per row.
pub async fn bill_pointed_at(ctx: &Context<'_>, id: i64) -> Result<Option<Bill>> {
    let l = loaders(ctx);
    let b = load_one(l.bill(), id).await?;
    let h = load_one(l.house(), b.house_id).await?;
    Ok(billing::sees_bills_in(cx(ctx), &h)
        .await?
        .then_some(Bill(b)))
}

/// An online payment the owner started; the gateway confirms it.
pub struct PaymentIntent(pub payment_intent::Model);

/// What to hand to the payment gateway's checkout.
#[Object]
impl PaymentIntent {
    /// Opaque global id: pass it to the gateway, which sends it back with `confirmOnlinePayment`.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::PaymentIntent, self.0.id)
    }
    /// The amount to pay, in fen.
    async fn amount_fen(&self) -> Fen {
        Fen(self.0.amount_fen)
    }
    /// PENDING until the gateway confirms, then CONFIRMED.
    async fn status(&self) -> &str {
        &self.0.status
    }
}

/// A meter reading.
pub struct MeterReading(pub meter_reading::Model);

/// One reading of a house's water or electricity meter.
#[Object]
impl MeterReading {
    /// The reading, two decimals, e.g. "123.45".
    async fn reading(&self) -> String {
        centi(self.0.reading)
    }
    /// The date it was read.
    async fn read_on(&self) -> NaiveDate {
        self.0.read_on
    }
    /// Whether this was the first reading of a new meter.
    async fn is_replacement(&self) -> bool {
        self.0.is_replacement
    }
}

/// Takings of one payment method.
#[derive(SimpleObject)]
pub struct MethodTotal {
    /// The method.
    pub method: PaymentMethod,
    /// Number of payments (reversals included).
    pub count: i64,
    /// Net amount in fen.
    pub amount_fen: Fen,
}

/// The counter's day close (日结).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct DayClose {
    /// Whose day (money out is added in `graphql::renovation`).
    #[graphql(skip)]
    pub community_id: i64,
    /// The business date.
    pub date: NaiveDate,
    /// Takings by method.
    pub by_method: Vec<MethodTotal>,
    /// Net takings in fen.
    pub total_fen: Fen,
    /// Cash to bank, in fen. Once the day is banked it no longer changes: cash taken after
    /// banking counts for the next open day (see `Payment.businessDate`).
    pub cash_fen: Fen,
    /// When finance marked the cash banked; null until then.
    pub banked_at: Option<DateTime<Utc>>,
    /// The cash finance recorded as banked, in fen; null until banked.
    pub banked_cash_fen: Option<Fen>,
}

impl From<reports::DayReport> for DayClose {
    fn from(r: reports::DayReport) -> Self {
        Self {
            community_id: r.community_id,
            date: r.date,
            total_fen: Fen(r.by_method.iter().map(|m| m.amount_fen).sum()),
            cash_fen: Fen(r
                .by_method
                .iter()
                .filter(|m| m.method == PaymentMethod::Cash)
                .map(|m| m.amount_fen)
                .sum()),
            by_method: r
                .by_method
                .into_iter()
                .map(|m| MethodTotal {
                    method: m.method,
                    count: m.count,
                    amount_fen: Fen(m.amount_fen),
                })
                .collect(),
            banked_cash_fen: r.banked.as_ref().map(|b| Fen(b.cash_fen)),
            banked_at: r.banked.map(|b| b.banked_at),
        }
    }
}

/// A house in arrears (欠费), by age of the debt.
pub struct ArrearsEntry(pub reports::Arrears, pub Option<arrears_call::Model>);

/// Overdue money of one house, for 催缴 calls.
#[Object]
impl ArrearsEntry {
    /// The house.
    async fn house(&self, ctx: &Context<'_>) -> Result<House> {
        Ok(House(
            load_one(loaders(ctx).house(), self.0.house_id).await?,
        ))
    }
    /// All overdue money, in fen.
    async fn overdue_fen(&self) -> Fen {
        Fen(self.0.total())
    }
    /// Overdue 1–30 days, in fen.
    async fn days1_to30_fen(&self) -> Fen {
        Fen(self.0.days_1_to_30)
    }
    /// Overdue 31–90 days, in fen.
    async fn days31_to90_fen(&self) -> Fen {
        Fen(self.0.days_31_to_90)
    }
    /// Overdue 91–180 days, in fen.
    async fn days91_to180_fen(&self) -> Fen {
        Fen(self.0.days_91_to_180)
    }
    /// Overdue more than 180 days, in fen.
    async fn over180_fen(&self) -> Fen {
        Fen(self.0.over_180)
    }
    /// Due date of the oldest unpaid bill.
    async fn oldest_due_on(&self) -> Option<NaiveDate> {
        self.0.oldest_due_on
    }
    /// The last 催缴 call, if any.
    async fn last_call(&self) -> Option<ArrearsCall> {
        self.1.clone().map(ArrearsCall)
    }
}

/// A recorded 催缴 call.
pub struct ArrearsCall(pub arrears_call::Model);

/// A call chasing arrears and what came of it.
#[Object]
impl ArrearsCall {
    /// What came of it.
    async fn outcome(&self) -> CallOutcome {
        self.0.outcome
    }
    /// Notes.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The date promised, for PROMISED.
    async fn promised_on(&self) -> Option<NaiveDate> {
        self.0.promised_on
    }
    /// When the call was made.
    async fn called_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Due and collected for a period.
pub struct CollectionLine(pub reports::Collection);

/// 管理费收缴率 = collected ÷ due, for a community or one building.
#[Object]
impl CollectionLine {
    /// The building; null for the whole community.
    async fn building(&self, ctx: &Context<'_>) -> Result<Option<Building>> {
        match self.0.building_id {
            Some(id) => Ok(Some(Building(load_one(loaders(ctx).building(), id).await?))),
            None => Ok(None),
        }
    }
    /// Bills issued for the period.
    async fn bills(&self) -> i64 {
        self.0.bills
    }
    /// Billed for the period, in fen.
    async fn due_fen(&self) -> Fen {
        Fen(self.0.due_fen)
    }
    /// Collected so far on those bills, in fen.
    async fn collected_fen(&self) -> Fen {
        Fen(self.0.collected_fen)
    }
    /// Still unpaid, in fen.
    async fn outstanding_fen(&self) -> Fen {
        Fen(self.0.due_fen - self.0.collected_fen)
    }
    /// Collection rate in basis points (9500 = 95.00%), rounded down; the target is ≥ 9500.
    async fn rate_bps(&self) -> i64 {
        self.0.rate_bps()
    }
}

/// The monthly collection summary (收费汇总) of a period.
pub struct CollectionReport {
    pub period: String,
    pub total: reports::Collection,
    pub by_building: Vec<reports::Collection>,
}

/// Collection for a period: the community and each building.
#[Object]
impl CollectionReport {
    /// The period, "YYYY-MM".
    async fn period(&self) -> &str {
        &self.period
    }
    /// The whole community.
    async fn total(&self) -> CollectionLine {
        CollectionLine(self.total.clone())
    }
    /// Each building, in order.
    async fn by_building(&self) -> Vec<CollectionLine> {
        self.by_building
            .iter()
            .cloned()
            .map(CollectionLine)
            .collect()
    }
}

/// The result of generating a period's bills.
#[derive(SimpleObject)]
pub struct GenerateBillsPayload {
    /// Bills created by this run.
    pub created: u64,
    /// Houses that already had a bill for the period (left as they were).
    pub already_existing: u64,
}

/// A new fee item.
#[derive(InputObject)]
pub struct CreateFeeItemInput {
    /// The community.
    pub community_id: ID,
    /// Name shown on bills.
    pub name: String,
    /// What it charges for.
    pub kind: FeeKind,
    /// How the amount is computed.
    pub formula: FeeFormula,
    /// How often it is billed.
    pub cycle: BillingCycle,
    /// Price in fen (1 to 100 000 000).
    pub unit_price_fen: Fen,
    /// Late fee per overdue day in basis points (0–100).
    pub late_fee_bps_per_day: Option<i32>,
    /// Grace days after the due date (0–365).
    #[graphql(default = 0)]
    pub late_fee_grace_days: i32,
    /// Late fee cap in basis points of the unpaid amount (0–10000).
    pub late_fee_cap_bps: Option<i32>,
    /// Vacant-house discount in basis points (0–10000).
    pub vacant_discount_bps: Option<i32>,
}

/// Money for one bill.
#[derive(InputObject)]
pub struct AllocationInput {
    /// The bill.
    pub bill_id: ID,
    /// Amount in whole fen, at most what is outstanding.
    pub amount_fen: Fen,
}

#[derive(Default)]
pub struct FeeQuery;

#[Object]
impl FeeQuery {
    /// What a house owes today (due, overdue, late fees, open bills).
    async fn owed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The house.")] house_id: ID,
    ) -> Result<Owed> {
        let id = id_of("houseId", &house_id, NodeKind::House)?;
        crate::service::fees::house_for_bills(cx(ctx), id).await?;
        let mut map = billing::owed_by_houses(cx(ctx).db(), &[id]).await?;
        Ok(Owed(map.remove(&id).unwrap_or_default()))
    }
    /// The counter's takings of a day and whether the cash is banked (reception, finance, manager).
    async fn day_close(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "The business date; today if omitted.")] date: Option<NaiveDate>,
    ) -> Result<DayClose> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let date = date.unwrap_or_else(crate::service::fees::today);
        Ok(reports::day_report(cx(ctx), c, date).await?.into())
    }
    /// A community's payments and reversals of one business date, oldest first: the rows behind
    /// `dayClose`, with their receipts (reception, finance, manager, admin).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn day_payments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "The business date; today if omitted.")] date: Option<NaiveDate>,
        #[graphql(desc = "Only payments of this method (e.g. CASH to count the drawer).")]
        method: Option<PaymentMethod>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<PaymentConnection> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let date = date.unwrap_or_else(crate::service::fees::today);
        let page = payments::of_day(
            cx(ctx),
            c,
            date,
            method,
            &page_args(ctx, after, before, first, last)?,
        )
        .await?;
        Ok(connection(page, |m| m.id, Payment))
    }
    /// A payment by its receipt number, e.g. CUIHU-2026-000042 (reception, finance and manager
    /// of its community, admin). NOT_FOUND when there is no such receipt for the caller.
    async fn payment_by_receipt(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The receipt number printed on the receipt.")] receipt_no: String,
    ) -> Result<Payment> {
        Ok(Payment(
            payments::by_receipt_no(cx(ctx), &receipt_no).await?,
        ))
    }
    /// Houses in arrears with age buckets, for 催缴 calls (butler: their buildings).
    async fn arrears(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "Only this building.")] building_id: Option<ID>,
    ) -> Result<Vec<ArrearsEntry>> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let b = building_id
            .map(|b| id_of("buildingId", &b, NodeKind::Building))
            .transpose()?;
        let list = reports::arrears(cx(ctx), c, b).await?;
        let calls = reports::last_calls(
            cx(ctx),
            &list.iter().map(|a| a.house_id).collect::<Vec<_>>(),
        )
        .await?;
        Ok(list
            .into_iter()
            .map(|a| {
                let call = calls.get(&a.house_id).cloned();
                ArrearsEntry(a, call)
            })
            .collect())
    }
    /// Collection rate and monthly summary of a period, by building (finance, manager).
    async fn collection_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "The period, YYYY-MM.")] period: String,
    ) -> Result<CollectionReport> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let (total, by_building) = reports::collection(cx(ctx), c, &period).await?;
        Ok(CollectionReport {
            period,
            total,
            by_building,
        })
    }
}

#[derive(Default)]
pub struct FeeMutation;

#[Object]
impl FeeMutation {
    /// Add a fee item to a community's price list (finance, manager).
    #[graphql(guard = "StaffGuard(&[StaffRole::Finance, StaffRole::Manager])")]
    async fn create_fee_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item.")] input: CreateFeeItemInput,
    ) -> Result<FeeItem> {
        let row = items::create(
            cx(ctx),
            items::NewFeeItem {
                community_id: id_of("communityId", &input.community_id, NodeKind::Community)?,
                name: input.name,
                kind: input.kind,
                formula: input.formula,
                cycle: input.cycle,
                unit_price: input.unit_price_fen,
                late_fee_bps_per_day: input.late_fee_bps_per_day,
                late_fee_grace_days: input.late_fee_grace_days,
                late_fee_cap_bps: input.late_fee_cap_bps,
                vacant_discount_bps: input.vacant_discount_bps,
            },
        )
        .await?;
        Ok(FeeItem(row))
    }
    /// Stop (or resume) billing an item; issued bills keep their lines.
    #[graphql(guard = "StaffGuard(&[StaffRole::Finance, StaffRole::Manager])")]
    async fn set_fee_item_active(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item.")] id: ID,
        #[graphql(desc = "Whether new bills include it.")] active: bool,
    ) -> Result<FeeItem> {
        Ok(FeeItem(
            items::set_active(cx(ctx), id_of("id", &id, NodeKind::FeeItem)?, active).await?,
        ))
    }
    /// Record a meter reading (hundredths of a unit: 12345 = 123.45). A reading below the last
    /// is refused unless `isReplacement` says the meter was changed.
    async fn record_meter_reading(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The house.")] house_id: ID,
        #[graphql(desc = "The metered fee item (water, electricity).")] fee_item_id: ID,
        #[graphql(desc = "The reading in hundredths of a unit.")] reading: i64,
        #[graphql(desc = "The date read; today if omitted.")] read_on: Option<NaiveDate>,
        #[graphql(desc = "A new meter was fitted.", default = false)] is_replacement: bool,
    ) -> Result<MeterReading> {
        let row = readings::record(
            cx(ctx),
            readings::NewReading {
                house_id: id_of("houseId", &house_id, NodeKind::House)?,
                fee_item_id: id_of("feeItemId", &fee_item_id, NodeKind::FeeItem)?,
                reading,
                read_on: read_on.unwrap_or_else(crate::service::fees::today),
                is_replacement,
            },
        )
        .await?;
        Ok(MeterReading(row))
    }
    /// Generate a period's bills for every house of a community. Only missing bills are
    /// created; when none are missing it is a CONFLICT. Future periods are refused.
    #[graphql(guard = "StaffGuard(&[StaffRole::Finance, StaffRole::Manager])")]
    async fn generate_bills(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "The period, YYYY-MM.")] period: String,
    ) -> Result<GenerateBillsPayload> {
        let g = billing::generate(
            cx(ctx),
            id_of("communityId", &community_id, NodeKind::Community)?,
            &period,
        )
        .await?;
        Ok(GenerateBillsPayload {
            created: g.created,
            already_existing: g.already_existing,
        })
    }
    /// Raise a one-off charge from a one-off item of the price list. The client key makes a
    /// retry return the same bill.
    async fn raise_charge(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The house charged.")] house_id: ID,
        #[graphql(desc = "A one-off fee item.")] fee_item_id: ID,
        #[graphql(desc = "How many (default 1).", default = 1)] quantity: i64,
        #[graphql(desc = "A note printed on the line.")] note: Option<String>,
        #[graphql(desc = "Idempotency key chosen by the client.")] client_key: String,
    ) -> Result<Bill> {
        let h = id_of("houseId", &house_id, NodeKind::House)?;
        let f = id_of("feeItemId", &fee_item_id, NodeKind::FeeItem)?;
        Ok(Bill(
            billing::raise_charge(cx(ctx), h, f, quantity, note, &client_key).await?,
        ))
    }
    /// Cancel an unpaid bill, with a reason (finance, manager).
    #[graphql(guard = "StaffGuard(&[StaffRole::Finance, StaffRole::Manager])")]
    async fn cancel_bill(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The bill.")] bill_id: ID,
        #[graphql(desc = "Why.")] reason: String,
    ) -> Result<Bill> {
        Ok(Bill(
            billing::cancel(cx(ctx), id_of("billId", &bill_id, NodeKind::Bill)?, reason).await?,
        ))
    }
    /// Record a payment at the counter. The same client key twice returns the first payment.
    #[graphql(
        guard = "StaffGuard(&[StaffRole::Reception, StaffRole::Finance, StaffRole::Manager])"
    )]
    async fn record_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Idempotency key chosen by the client (one per tap on 收款).")] client_key: String,
        #[graphql(desc = "Cash, bank card or transfer.")] method: PaymentMethod,
        #[graphql(desc = "Money per bill.")] allocations: Vec<AllocationInput>,
    ) -> Result<Payment> {
        let allocs = allocations
            .iter()
            .map(|a| {
                Ok(payments::Allocation {
                    bill_id: id_of("allocations.billId", &a.bill_id, NodeKind::Bill)?,
                    amount: a.amount_fen,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Payment(
            payments::record(cx(ctx), &client_key, method, allocs).await?,
        ))
    }
    /// Reverse a mistaken payment (finance, manager), with a reason: a linked negative payment
    /// whose `recordedBy` names who reversed it. A payment already reversed is
    /// INVALID_STATE_TRANSITION with `currentState: REVERSED` and the reversal's receipt number
    /// in `reversalReceiptNo`.
    #[graphql(guard = "StaffGuard(payments::REVERSERS)")]
    async fn reverse_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The payment.")] payment_id: ID,
        #[graphql(desc = "Why.")] reason: String,
    ) -> Result<Payment> {
        Ok(Payment(
            payments::reverse(
                cx(ctx),
                id_of("paymentId", &payment_id, NodeKind::Payment)?,
                reason,
            )
            .await?,
        ))
    }
    /// The owner starts an online payment of their bills; hand the intent to the gateway.
    async fn create_payment_intent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Idempotency key chosen by the app.")] client_key: String,
        #[graphql(desc = "The bills to pay in full.")] bill_ids: Vec<ID>,
    ) -> Result<PaymentIntent> {
        let ids = bill_ids
            .iter()
            .map(|b| id_of("billIds", b, NodeKind::Bill))
            .collect::<Result<Vec<_>>>()?;
        Ok(PaymentIntent(
            payments::create_intent(cx(ctx), &client_key, ids).await?,
        ))
    }
    /// The payment gateway confirms an intent was paid (API key with PAYMENTS_WRITE).
    /// Idempotent on the gateway's reference.
    async fn confirm_online_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The intent's id, as `createPaymentIntent` returned it.")] intent_id: ID,
        #[graphql(desc = "The gateway's transaction reference.")] gateway_reference: String,
        #[graphql(desc = "The amount paid, in fen.")] amount_fen: Fen,
    ) -> Result<Payment> {
        let id = id_of("intentId", &intent_id, NodeKind::PaymentIntent)?;
        Ok(Payment(
            payments::confirm_online(cx(ctx), id, &gateway_reference, amount_fen).await?,
        ))
    }
    /// Finance marks a day's cash banked (日结), once per day.
    #[graphql(guard = "StaffGuard(&[StaffRole::Finance])")]
    async fn mark_day_banked(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "The business date.")] date: NaiveDate,
        #[graphql(desc = "Bank slip number or remarks.")] note: Option<String>,
    ) -> Result<DayClose> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        reports::mark_banked(cx(ctx), c, date, note).await?;
        Ok(reports::day_report(cx(ctx), c, date).await?.into())
    }
    /// Record a 催缴 call and its outcome.
    async fn record_arrears_call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The house called.")] house_id: ID,
        #[graphql(desc = "What came of it.")] outcome: CallOutcome,
        #[graphql(desc = "Notes.")] note: Option<String>,
        #[graphql(desc = "For PROMISED: the date promised.")] promised_on: Option<NaiveDate>,
    ) -> Result<ArrearsCall> {
        let h = id_of("houseId", &house_id, NodeKind::House)?;
        Ok(ArrearsCall(
            reports::record_call(cx(ctx), h, outcome, note, promised_on).await?,
        ))
    }
}

crate::connection_type!(FeeItemConnection, FeeItemEdge, FeeItem, "fee items");
crate::connection_type!(BillConnection, BillEdge, Bill, "bills");
crate::connection_type!(PaymentConnection, PaymentEdge, Payment, "payments");

/// Connection fields hung on `Community` and `House` (see estate.rs).
pub async fn community_fee_items(
    ctx: &Context<'_>,
    community_id: i64,
    args: crate::service::page::PageArgs,
) -> Result<FeeItemConnection> {
    Ok(connection(
        items::of_community(cx(ctx), community_id, &args).await?,
        |m| m.id,
        FeeItem,
    ))
}
pub async fn community_bills(
    ctx: &Context<'_>,
    community_id: i64,
    period: Option<String>,
    building: Option<i64>,
    args: crate::service::page::PageArgs,
) -> Result<BillConnection> {
    Ok(connection(
        billing::of_community(cx(ctx), community_id, period.as_deref(), building, &args).await?,
        |m| m.id,
        Bill,
    ))
}
pub async fn house_bills(
    ctx: &Context<'_>,
    house_id: i64,
    open_only: bool,
    args: crate::service::page::PageArgs,
) -> Result<BillConnection> {
    let filter = if open_only {
        billing::BillFilter::Open
    } else {
        billing::BillFilter::All
    };
    Ok(connection(
        billing::of_house(cx(ctx), house_id, filter, &args).await?,
        |m| m.id,
        Bill,
    ))
}
pub async fn house_payments(
    ctx: &Context<'_>,
    house_id: i64,
    args: crate::service::page::PageArgs,
) -> Result<PaymentConnection> {
    Ok(connection(
        payments::of_house(cx(ctx), house_id, &args).await?,
        |m| m.id,
        Payment,
    ))
}
