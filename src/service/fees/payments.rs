//! Payments: at the counter or confirmed by a gateway, idempotent by client key, never edited;
//! a mistake is reversed by a linked negative payment that finance or a manager records.
//! Receipt numbers run without gaps per community and year.
use super::{house_for_bills, require_staff_in, CASHIERS};
use crate::auth::ApiScope;
use crate::domain::Fen;
use crate::error::{AppError, AppResult};
use crate::service::events::{self, NewEvent};
use crate::service::page::OneRow;
use crate::service::page::{paginate, Page, PageArgs};
use crate::service::Cx;
use chrono::Datelike;
use entity::enums::{PaymentKind, PaymentMethod, StaffRole};
use entity::{
    bill, community, day_close, payment, payment_allocation, payment_intent, receipt_counter,
};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};

pub fn check_client_key(raw: &str) -> AppResult<&str> {
    let k = raw.trim();
    if k.is_empty() || k.len() > 100 {
        return Err(AppError::bad_input(
            "clientKey",
            "clientKey 须为 1–100 个字符",
            "clientKey must be 1–100 characters",
        ));
    }
    Ok(k)
}

/// Money put on one bill.
#[derive(Clone, Copy, Debug)]
pub struct Allocation {
    pub bill_id: i64,
    pub amount: Fen,
}

fn bill_changed() -> AppError {
    AppError::conflict(
        "allocations",
        "账单刚被他人修改（可能已收款），请刷新后重试",
        "The bill changed meanwhile (someone else took a payment); reload and retry",
    )
}

/// Loads and checks the bills of a payment: same community, open, not overpaid.
async fn checked_bills(
    txn: &DatabaseTransaction,
    allocations: &[Allocation],
) -> AppResult<Vec<bill::Model>> {
    if allocations.is_empty() {
        return Err(AppError::bad_input(
            "allocations",
            "至少选择一张账单",
            "Choose at least one bill",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for a in allocations {
        Fen::positive("allocations.amountFen", a.amount)?;
        if !seen.insert(a.bill_id) {
            return Err(AppError::bad_input(
                "allocations",
                "同一账单出现了两次",
                "A bill appears twice",
            ));
        }
    }
    let bills = bill::Entity::find()
        .filter(bill::Column::Id.is_in(allocations.iter().map(|a| a.bill_id)))
        .all(txn)
        .await?;
    if bills.len() != allocations.len() {
        return Err(AppError::NotFound);
    }
    for a in allocations {
        let b = bills.iter().find(|b| b.id == a.bill_id).expect("loaded");
        if b.cancelled_at.is_some() {
            return Err(AppError::InvalidStateTransition {
                current: "CANCELLED".into(),
                action: "pay".into(),
            });
        }
        if b.paid_fen >= b.amount_fen {
            // Someone paid it in full first: the same race as a lost update, so the same answer.
            return Err(AppError::conflict(
                "allocations",
                "该账单已付清",
                "This bill is already paid in full",
            ));
        }
        if a.amount.0 > b.amount_fen - b.paid_fen {
            return Err(AppError::bad_input(
                "allocations.amountFen",
                format!("超额支付：该账单仅欠 {}", Fen(b.amount_fen - b.paid_fen)),
                format!(
                    "Overpayment: only {} is outstanding on this bill",
                    Fen(b.amount_fen - b.paid_fen)
                ),
            ));
        }
    }
    Ok(bills)
}

/// The next receipt number of a community's year, taken inside the payment's transaction: the
/// counter row stays locked until commit, so numbers are sequential and a rollback leaves no gap.
async fn next_receipt(
    txn: &DatabaseTransaction,
    community: &community::Model,
    year: i32,
) -> AppResult<(String, i64)> {
    bump_counter(txn, community.id, year, 1).await?;
    let row = receipt_counter::Entity::find()
        .filter(receipt_counter::Column::CommunityId.eq(community.id))
        .filter(receipt_counter::Column::Year.eq(year))
        .one_row(txn)
        .await?
        .ok_or(AppError::Internal)?;
    Ok((
        format!("{}-{year}-{:06}", community.code, row.last_seq),
        row.last_seq,
    ))
}

/// Adds `step` to a community's receipt counter of `year` (creating it at 0), which holds the
/// row locked until the transaction ends. A step of 0 takes the lock only: banking a day
/// (`reports::mark_banked`) takes it so that no payment commits into the day being closed.
pub(super) async fn bump_counter(
    txn: &DatabaseTransaction,
    community_id: i64,
    year: i32,
    step: i64,
) -> AppResult<()> {
    receipt_counter::Entity::insert(receipt_counter::ActiveModel {
        community_id: Set(community_id),
        year: Set(year),
        last_seq: Set(0),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            receipt_counter::Column::CommunityId,
            receipt_counter::Column::Year,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    receipt_counter::Entity::update_many()
        .col_expr(
            receipt_counter::Column::LastSeq,
            Expr::col(receipt_counter::Column::LastSeq).add(step),
        )
        .filter(receipt_counter::Column::CommunityId.eq(community_id))
        .filter(receipt_counter::Column::Year.eq(year))
        .exec(txn)
        .await?;
    Ok(())
}

/// The business date a payment taken today counts for: today, or the first day after it whose
/// cash is not yet banked. A banked day's figures never change, and refusing the money instead
/// would stop the counter taking payments for the rest of the day. Read under the receipt
/// counter's lock, which banking takes too.
async fn open_business_date(
    txn: &DatabaseTransaction,
    community_id: i64,
    today: chrono::NaiveDate,
) -> AppResult<chrono::NaiveDate> {
    let banked: Vec<chrono::NaiveDate> = day_close::Entity::find()
        .select_only()
        .column(day_close::Column::BusinessDate)
        .filter(day_close::Column::CommunityId.eq(community_id))
        .filter(day_close::Column::BusinessDate.gte(today))
        .order_by_asc(day_close::Column::BusinessDate)
        .into_tuple()
        .all(txn)
        .await?;
    let mut day = today;
    for d in banked {
        if d != day {
            break;
        }
        day = day.succ_opt().ok_or(AppError::Internal)?;
    }
    Ok(day)
}

/// Moves `delta` onto a bill's paid total, only if nobody else moved it since we read it.
async fn bump_paid(txn: &DatabaseTransaction, b: &bill::Model, delta: i64) -> AppResult<()> {
    let res = bill::Entity::update_many()
        .col_expr(bill::Column::PaidFen, Expr::value(b.paid_fen + delta))
        .filter(bill::Column::Id.eq(b.id))
        .filter(bill::Column::PaidFen.eq(b.paid_fen))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(bill_changed());
    }
    Ok(())
}

struct NewPayment<'a> {
    community_id: i64,
    client_key: &'a str,
    kind: PaymentKind,
    method: PaymentMethod,
    reverses: Option<i64>,
    reason: Option<String>,
    gateway_reference: Option<String>,
}

/// Writes one payment (or reversal) with its allocations and receipt, and moves the bills.
async fn write(
    cx: &Cx,
    p: NewPayment<'_>,
    allocs: Vec<(bill::Model, i64)>,
) -> AppResult<payment::Model> {
    let db = cx.db();
    let community = community::Entity::find_by_id(p.community_id)
        .one_row(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = db.begin().await?;
    for (b, delta) in &allocs {
        bump_paid(&txn, b, *delta).await?;
    }
    let today = super::today();
    let (receipt_no, seq) = next_receipt(&txn, &community, today.year()).await?;
    let business_date = open_business_date(&txn, community.id, today).await?;
    let amount: i64 = allocs.iter().map(|(_, d)| d).sum();
    let row = payment::ActiveModel {
        community_id: Set(community.id),
        client_key: Set(p.client_key.to_owned()),
        kind: Set(p.kind),
        method: Set(p.method),
        amount_fen: Set(amount),
        receipt_no: Set(receipt_no),
        receipt_year: Set(today.year()),
        receipt_seq: Set(seq),
        business_date: Set(business_date),
        recorded_by: Set(cx.actor.label()),
        reverses_payment_id: Set(p.reverses),
        reason: Set(p.reason.clone()),
        gateway_reference: Set(p.gateway_reference),
        created_at: Set(crate::service::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    payment_allocation::Entity::insert_many(allocs.iter().map(|(b, d)| {
        payment_allocation::ActiveModel {
            community_id: Set(community.id),
            payment_id: Set(row.id),
            bill_id: Set(b.id),
            amount_fen: Set(*d),
            ..Default::default()
        }
    }))
    .exec_without_returning(&txn)
    .await?;
    let ev = events::record(
        &txn,
        &cx.actor,
        NewEvent {
            community_id: Some(community.id),
            house_id: allocs.first().map(|(b, _)| b.house_id),
            building_id: allocs.first().map(|(b, _)| b.building_id),
            action: if p.kind == PaymentKind::Payment {
                "payment.recorded"
            } else {
                "payment.reversed"
            },
            subject_type: crate::domain::NodeKind::Payment,
            subject_id: row.id,
            from_state: None,
            to_state: Some(Fen(amount).to_string()),
            reason: p.reason,
        },
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(row)
}

async fn by_client_key(
    conn: &impl ConnectionTrait,
    community_id: i64,
    key: &str,
) -> AppResult<Option<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(payment::Column::CommunityId.eq(community_id))
        .filter(payment::Column::ClientKey.eq(key))
        .one_row(conn)
        .await?)
}

/// The same client key again: the first payment, if it was the same request; CONFLICT if the
/// key was reused for something else.
fn replay(
    existing: payment::Model,
    method: PaymentMethod,
    amount: i64,
) -> AppResult<payment::Model> {
    if existing.method != method || existing.amount_fen != amount {
        return Err(AppError::conflict(
            "clientKey",
            "该 clientKey 已用于另一笔付款",
            "This clientKey was already used for a different payment",
        ));
    }
    Ok(existing)
}

/// A payment at the counter (cash, bank card, transfer) against one or more bills.
pub async fn record(
    cx: &Cx,
    client_key: &str,
    method: PaymentMethod,
    allocations: Vec<Allocation>,
) -> AppResult<payment::Model> {
    cx.actor.require_staff(CASHIERS)?;
    let key = check_client_key(client_key)?;
    if method == PaymentMethod::Online {
        return Err(AppError::bad_input(
            "method",
            "线上支付由支付网关确认",
            "Online payments are confirmed by the payment gateway",
        ));
    }
    let amount: i64 = allocations.iter().map(|a| a.amount.0).sum();
    let first = allocations.first().ok_or_else(|| {
        AppError::bad_input(
            "allocations",
            "至少选择一张账单",
            "Choose at least one bill",
        )
    })?;
    let first_bill = bill::Entity::find_by_id(first.bill_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let community_id = first_bill.community_id;
    require_staff_in(cx, community_id, CASHIERS)?;
    if let Some(existing) = by_client_key(cx.db(), community_id, key).await? {
        return replay(existing, method, amount);
    }
    let txn = cx.db().begin().await?;
    let bills = checked_bills(&txn, &allocations).await?;
    drop(txn);
    if bills.iter().any(|b| b.community_id != community_id) {
        return Err(AppError::NotFound);
    }
    let allocs = allocations
        .iter()
        .map(|a| {
            (
                bills
                    .iter()
                    .find(|b| b.id == a.bill_id)
                    .expect("loaded")
                    .clone(),
                a.amount.0,
            )
        })
        .collect();
    let p = NewPayment {
        community_id,
        client_key: key,
        kind: PaymentKind::Payment,
        method,
        reverses: None,
        reason: None,
        gateway_reference: None,
    };
    match write(cx, p, allocs).await {
        // A concurrent request with the same key won the insert: answer with its payment.
        Err(AppError::Conflict { .. })
            if by_client_key(cx.db(), community_id, key).await?.is_some() =>
        {
            replay(
                by_client_key(cx.db(), community_id, key)
                    .await?
                    .expect("found"),
                method,
                amount,
            )
        }
        other => other,
    }
}

/// Finance (or a manager) reverses a mistaken payment, with a reason; the reversal records who
/// made it. A reversal cannot be reversed, and a payment is reversed at most once.
pub async fn reverse(cx: &Cx, payment_id: i64, reason: String) -> AppResult<payment::Model> {
    let original = get(cx, payment_id).await?;
    require_staff_in(cx, original.community_id, REVERSERS)?;
    if reason.trim().is_empty() {
        return Err(AppError::bad_input(
            "reason",
            "冲正须填写原因",
            "A reversal needs a reason",
        ));
    }
    if original.kind == PaymentKind::Reversal {
        return Err(AppError::bad_input(
            "paymentId",
            "冲正记录不能再冲正",
            "A reversal cannot itself be reversed",
        ));
    }
    let key = format!("reversal:{}", original.id);
    if let Some(existing) = by_client_key(cx.db(), original.community_id, &key).await? {
        return Err(AppError::AlreadyReversed {
            reversal_receipt_no: existing.receipt_no,
        });
    }
    let allocations = payment_allocation::Entity::find()
        .filter(payment_allocation::Column::PaymentId.eq(original.id))
        .all(cx.db())
        .await?;
    let bills = bill::Entity::find()
        .filter(bill::Column::Id.is_in(allocations.iter().map(|a| a.bill_id)))
        .all(cx.db())
        .await?;
    let allocs = allocations
        .iter()
        .map(|a| {
            (
                bills
                    .iter()
                    .find(|b| b.id == a.bill_id)
                    .expect("allocated bill exists")
                    .clone(),
                -a.amount_fen,
            )
        })
        .collect();
    let p = NewPayment {
        community_id: original.community_id,
        client_key: &key,
        kind: PaymentKind::Reversal,
        method: original.method,
        reverses: Some(original.id),
        reason: Some(reason.trim().to_owned()),
        gateway_reference: None,
    };
    match write(cx, p, allocs).await {
        // Someone else reversed it a moment ago: name their reversal.
        Err(AppError::Conflict { field, .. }) if field == "paymentId" || field == "clientKey" => {
            match by_client_key(cx.db(), original.community_id, &key).await? {
                Some(existing) => Err(AppError::AlreadyReversed {
                    reversal_receipt_no: existing.receipt_no,
                }),
                None => Err(bill_changed()),
            }
        }
        other => other,
    }
}

/// Who may reverse a payment: finance, whose books it is, and the manager (ADMIN anywhere).
pub const REVERSERS: &[StaffRole] = &[StaffRole::Finance, StaffRole::Manager];

/// Who may list a day's payments and look one up by receipt number: the counter (reception
/// reprints receipts and checks what went through), finance and the manager (ADMIN anywhere).
pub const PAYMENT_DESK: &[StaffRole] = CASHIERS;

/// Whether the caller sees all of payment `p` without looking at its bills: the cashiers of its
/// community and admins, integrators with `bills:read` there, and the gateway key that recorded
/// it (it may read back what `confirmOnlinePayment` answered, and nothing of anyone else's).
pub fn sees_whole(cx: &Cx, p: &payment::Model) -> bool {
    if let Some(s) = cx.actor.staff() {
        return crate::auth::Actor::staff_covers_community(s, p.community_id)
            && (s.role == StaffRole::Admin || CASHIERS.contains(&s.role));
    }
    if cx
        .actor
        .integrator_with(ApiScope::BillsRead)
        .is_some_and(|i| i.community_id == p.community_id)
    {
        return true;
    }
    cx.actor
        .integrator_with(ApiScope::PaymentsWrite)
        .is_some_and(|i| i.community_id == p.community_id)
        && p.recorded_by == cx.actor.label()
}

/// A payment, for those who see all of it (`sees_whole`), and for people who may see the bills
/// of at least one house it paid (they see their part of it; see `graphql::fees::Payment`).
pub async fn get(cx: &Cx, id: i64) -> AppResult<payment::Model> {
    cx.actor.require_signed_in()?;
    let p = payment::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    if sees_whole(cx, &p) {
        return Ok(p);
    }
    let allocations = payment_allocation::Entity::find()
        .filter(payment_allocation::Column::PaymentId.eq(p.id))
        .all(cx.db())
        .await?;
    let bills = bill::Entity::find()
        .filter(bill::Column::Id.is_in(allocations.iter().map(|a| a.bill_id)))
        .all(cx.db())
        .await?;
    let mut houses: Vec<i64> = bills.iter().map(|b| b.house_id).collect();
    houses.sort_unstable();
    houses.dedup();
    for h in houses {
        if house_for_bills(cx, h).await.is_ok() {
            return Ok(p);
        }
    }
    Err(AppError::NotFound)
}

/// A community's payments and reversals of one business date (the day close's rows), oldest
/// first, optionally of one method; for the counter, finance and the manager.
pub async fn of_day(
    cx: &Cx,
    community_id: i64,
    date: chrono::NaiveDate,
    method: Option<PaymentMethod>,
    args: &PageArgs,
) -> AppResult<Page<payment::Model>> {
    crate::service::estate::community(cx, community_id).await?;
    require_staff_in(cx, community_id, PAYMENT_DESK)?;
    let mut q = payment::Entity::find()
        .filter(payment::Column::CommunityId.eq(community_id))
        .filter(payment::Column::BusinessDate.eq(date));
    if let Some(m) = method {
        q = q.filter(payment::Column::Method.eq(m));
    }
    paginate(cx.db(), q, payment::Column::Id, args).await
}

/// A payment by its receipt number (COMMUNITY-YEAR-SEQUENCE, e.g. CUIHU-2026-000042), for the
/// counter, finance and the manager of that community. NOT_FOUND when there is none, or it is
/// another community's.
pub async fn by_receipt_no(cx: &Cx, receipt_no: &str) -> AppResult<payment::Model> {
    cx.actor.require_staff(PAYMENT_DESK)?;
    let bad = || {
        AppError::bad_input(
            "receiptNo",
            "收据号格式应为 小区代码-年份-序号，如 CUIHU-2026-000042",
            "A receipt number looks like CUIHU-2026-000042",
        )
    };
    let raw = receipt_no.trim();
    let mut parts = raw.rsplitn(3, '-');
    let (seq, year, code) = (
        parts.next().ok_or_else(bad)?,
        parts.next().ok_or_else(bad)?,
        parts.next().ok_or_else(bad)?,
    );
    let seq: i64 = seq.parse().map_err(|_| bad())?;
    let year: i32 = year.parse().map_err(|_| bad())?;
    if code.is_empty() || year.to_string().len() != 4 {
        return Err(bad());
    }
    let c = community::Entity::find()
        .filter(community::Column::Code.eq(code))
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    require_staff_in(cx, c.id, PAYMENT_DESK)?;
    payment::Entity::find()
        .filter(payment::Column::CommunityId.eq(c.id))
        .filter(payment::Column::ReceiptYear.eq(year))
        .filter(payment::Column::ReceiptSeq.eq(seq))
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)
}

/// An online payment intent: for the owner who started it, the gateway keys of its community,
/// and its community's cashiers (who answer the owner's "did my payment go through?").
pub async fn intent(cx: &Cx, id: i64) -> AppResult<payment_intent::Model> {
    cx.actor.require_signed_in()?;
    let i = payment_intent::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let own = cx.actor.user().is_ok_and(|u| u.user_id == i.user_id);
    let gateway = cx
        .actor
        .integrator_with(ApiScope::PaymentsWrite)
        .is_some_and(|g| g.community_id == i.community_id);
    let desk = cx.actor.staff().is_some_and(|s| {
        crate::auth::Actor::staff_covers_community(s, i.community_id)
            && (s.role == StaffRole::Admin || CASHIERS.contains(&s.role))
    });
    if own || gateway || desk {
        Ok(i)
    } else {
        Err(AppError::NotFound)
    }
}

/// Payment history of a house (receipts), newest last.
pub async fn of_house(cx: &Cx, house_id: i64, args: &PageArgs) -> AppResult<Page<payment::Model>> {
    house_for_bills(cx, house_id).await?;
    let bill_ids = bill::Entity::find()
        .filter(bill::Column::HouseId.eq(house_id))
        .all(cx.db())
        .await?
        .into_iter()
        .map(|b| b.id);
    let payment_ids: Vec<i64> = payment_allocation::Entity::find()
        .filter(payment_allocation::Column::BillId.is_in(bill_ids))
        .all(cx.db())
        .await?
        .into_iter()
        .map(|a| a.payment_id)
        .collect();
    let q = payment::Entity::find().filter(payment::Column::Id.is_in(payment_ids));
    paginate(cx.db(), q, payment::Column::Id, args).await
}

/// An owner starts paying online: the full outstanding amount of their chosen bills, for the
/// gateway's checkout. Only bills of houses the caller is bound to (and may see) qualify.
pub async fn create_intent(
    cx: &Cx,
    client_key: &str,
    bill_ids: Vec<i64>,
) -> AppResult<payment_intent::Model> {
    let user = cx.actor.user()?.user_id;
    let key = check_client_key(client_key)?;
    let mine = || {
        payment_intent::Entity::find()
            .filter(payment_intent::Column::UserId.eq(user))
            .filter(payment_intent::Column::ClientKey.eq(key))
            .one_row(cx.db())
    };
    if let Some(existing) = mine().await? {
        return Ok(existing);
    }
    if bill_ids.is_empty() {
        return Err(AppError::bad_input(
            "billIds",
            "至少选择一张账单",
            "Choose at least one bill",
        ));
    }
    let bills = bill::Entity::find()
        .filter(bill::Column::Id.is_in(bill_ids.iter().copied()))
        .all(cx.db())
        .await?;
    if bills.len() != bill_ids.len() {
        return Err(AppError::NotFound);
    }
    let reach = cx.reach().await?;
    for b in &bills {
        // Through the owner API only one's own houses: staff pay at the counter instead.
        if reach.binding(b.house_id).is_none() {
            return Err(AppError::NotFound);
        }
        house_for_bills(cx, b.house_id).await?;
        if b.cancelled_at.is_some() {
            return Err(AppError::InvalidStateTransition {
                current: "CANCELLED".into(),
                action: "pay".into(),
            });
        }
        if b.paid_fen >= b.amount_fen {
            return Err(AppError::bad_input(
                "billIds",
                "该账单已付清",
                "This bill is already paid",
            ));
        }
    }
    let community_id = bills[0].community_id;
    if bills.iter().any(|b| b.community_id != community_id) {
        return Err(AppError::bad_input(
            "billIds",
            "一次只能支付同一小区的账单",
            "Pay the bills of one community at a time",
        ));
    }
    let amount = bills.iter().map(|b| b.amount_fen - b.paid_fen).sum();
    let mut ids: Vec<String> = bills.iter().map(|b| b.id.to_string()).collect();
    ids.sort();
    let inserted = payment_intent::ActiveModel {
        community_id: Set(community_id),
        client_key: Set(key.to_owned()),
        user_id: Set(user),
        bill_ids: Set(ids.join(",")),
        amount_fen: Set(amount),
        status: Set("PENDING".into()),
        payment_id: Set(None),
        created_at: Set(crate::service::now()),
        ..Default::default()
    }
    .insert(cx.db())
    .await
    .map_err(AppError::from);
    match inserted {
        // The same tap sent twice at once: the first intent stored wins, the retry gets it.
        Err(e @ AppError::Conflict { .. }) => mine().await?.ok_or(e),
        other => other,
    }
}

/// The gateway confirms an intent was paid. Idempotent on the gateway's reference.
pub async fn confirm_online(
    cx: &Cx,
    intent_id: i64,
    gateway_reference: &str,
    amount: Fen,
) -> AppResult<payment::Model> {
    let gateway = cx
        .actor
        .integrator_with(ApiScope::PaymentsWrite)
        .ok_or_else(|| match cx.actor.require_signed_in() {
            Err(e) => e,
            Ok(()) => AppError::Forbidden,
        })?;
    let reference = check_client_key(gateway_reference).map_err(|_| {
        AppError::bad_input(
            "gatewayReference",
            "网关流水号无效",
            "Invalid gateway reference",
        )
    })?;
    let intent = payment_intent::Entity::find_by_id(intent_id)
        .one_row(cx.db())
        .await?
        .filter(|i| i.community_id == gateway.community_id)
        .ok_or(AppError::NotFound)?;
    let key = format!("gateway:{reference}");
    if let Some(existing) = by_client_key(cx.db(), intent.community_id, &key).await? {
        return replay(existing, PaymentMethod::Online, amount.0);
    }
    if intent.status != "PENDING" {
        return Err(AppError::InvalidStateTransition {
            current: intent.status,
            action: "confirmOnlinePayment".into(),
        });
    }
    if amount.0 != intent.amount_fen {
        return Err(AppError::bad_input(
            "amountFen",
            format!("金额与待付金额 {} 不符", Fen(intent.amount_fen)),
            format!(
                "The amount does not match the {} due",
                Fen(intent.amount_fen)
            ),
        ));
    }
    let ids: Vec<i64> = intent
        .bill_ids
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    let bills = bill::Entity::find()
        .filter(bill::Column::Id.is_in(ids))
        .all(cx.db())
        .await?;
    let allocs: Vec<(bill::Model, i64)> = bills
        .into_iter()
        .map(|b| {
            let outstanding = b.amount_fen - b.paid_fen;
            (b, outstanding)
        })
        .collect();
    if allocs.iter().map(|(_, d)| d).sum::<i64>() != intent.amount_fen
        || allocs
            .iter()
            .any(|(b, d)| *d <= 0 || b.cancelled_at.is_some())
    {
        return Err(bill_changed());
    }
    let p = NewPayment {
        community_id: intent.community_id,
        client_key: &key,
        kind: PaymentKind::Payment,
        method: PaymentMethod::Online,
        reverses: None,
        reason: None,
        gateway_reference: Some(reference.to_owned()),
    };
    let paid = write(cx, p, allocs).await?;
    payment_intent::Entity::update_many()
        .col_expr(payment_intent::Column::Status, Expr::value("CONFIRMED"))
        .col_expr(payment_intent::Column::PaymentId, Expr::value(paid.id))
        .filter(payment_intent::Column::Id.eq(intent.id))
        .exec(cx.db())
        .await?;
    Ok(paid)
}

/// Who recorded a money row, from its `recorded_by` label (`Actor::label`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorder {
    User(i64),
    ApiKey(i64),
    Unknown,
}

impl Recorder {
    pub fn of(label: &str) -> Self {
        match label.split_once(':') {
            Some(("user", id)) => id.parse().map_or(Recorder::Unknown, Recorder::User),
            Some(("apikey", id)) => id.parse().map_or(Recorder::Unknown, Recorder::ApiKey),
            _ => Recorder::Unknown,
        }
    }
}

/// The name to show for who recorded a payment: the person's display name, or the API key's
/// name (e.g. 支付网关).
pub async fn recorder_name(cx: &Cx, who: Recorder) -> AppResult<String> {
    Ok(match who {
        Recorder::User(id) => entity::user::Entity::find_by_id(id)
            .one_row(cx.db())
            .await?
            .map(|u| u.display_name),
        Recorder::ApiKey(id) => entity::api_key::Entity::find_by_id(id)
            .one_row(cx.db())
            .await?
            .map(|k| k.name),
        Recorder::Unknown => None,
    }
    .unwrap_or_else(|| "—".into()))
}
