//! Payments: at the counter or confirmed by a gateway, idempotent by client key, never edited;
//! a mistake is reversed by a linked negative payment that a manager approves. Receipt numbers
//! run without gaps per community and year.
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
use entity::{bill, community, payment, payment_allocation, payment_intent, receipt_counter};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set, TransactionTrait,
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
    receipt_counter::Entity::insert(receipt_counter::ActiveModel {
        community_id: Set(community.id),
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
            Expr::col(receipt_counter::Column::LastSeq).add(1),
        )
        .filter(receipt_counter::Column::CommunityId.eq(community.id))
        .filter(receipt_counter::Column::Year.eq(year))
        .exec(txn)
        .await?;
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
        business_date: Set(today),
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
            subject_type: "Payment",
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

/// A manager reverses a mistaken payment, with a reason. A reversal cannot be reversed, and a
/// payment is reversed at most once.
pub async fn reverse(cx: &Cx, payment_id: i64, reason: String) -> AppResult<payment::Model> {
    let original = get(cx, payment_id).await?;
    require_staff_in(cx, original.community_id, &[StaffRole::Manager])?;
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
        return Err(AppError::InvalidStateTransition {
            current: format!("REVERSED ({})", existing.receipt_no),
            action: "reversePayment".into(),
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
    write(cx, p, allocs).await.map_err(|e| match e {
        AppError::Conflict { field, .. } if field == "id" => AppError::InvalidStateTransition {
            current: "REVERSED".into(),
            action: "reversePayment".into(),
        },
        other => other,
    })
}

/// A payment, for the cashiers of its community, and for people who may see the bills it paid.
pub async fn get(cx: &Cx, id: i64) -> AppResult<payment::Model> {
    cx.actor.require_signed_in()?;
    let p = payment::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    if cx.actor.staff().is_some_and(|s| {
        crate::auth::Actor::staff_covers_community(s, p.community_id)
            && (s.role == StaffRole::Admin || CASHIERS.contains(&s.role))
    }) {
        return Ok(p);
    }
    let first = payment_allocation::Entity::find()
        .filter(payment_allocation::Column::PaymentId.eq(p.id))
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let b = bill::Entity::find_by_id(first.bill_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    match house_for_bills(cx, b.house_id).await {
        Ok(_) => Ok(p),
        Err(_) => Err(AppError::NotFound),
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
    if let Some(existing) = payment_intent::Entity::find()
        .filter(payment_intent::Column::UserId.eq(user))
        .filter(payment_intent::Column::ClientKey.eq(key))
        .one_row(cx.db())
        .await?
    {
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
    Ok(payment_intent::ActiveModel {
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
    .await?)
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
