//! Bills: the monthly bills of a community (idempotent per house and period), one-off charges
//! that other workflows raise, what a house owes today with late fees, and cancellation.
use super::{
    house_for_bills, month_end, parse_period, period_of, require_staff_in, today, CASHIERS,
    FEE_ADMINS,
};
use crate::domain::money::{bps_of, centi, round_div};
use crate::domain::{AreaM2, Fen};
use crate::error::{AppError, AppResult};
use crate::service::events::{self, NewEvent};
use crate::service::page::OneRow;
use crate::service::page::{paginate, Page, PageArgs};
use crate::service::{estate, Cx};
use chrono::{Datelike, NaiveDate};
use entity::enums::{BillKind, BillingCycle, FeeFormula, HouseStatus, StaffRole};
use entity::{bill, bill_line, fee_item, house, meter_reading};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use std::collections::{HashMap, HashSet};

/// Months an item covers when billed in the month starting `first`; 0 if not billed then.
fn months_billed(cycle: BillingCycle, first: NaiveDate) -> i64 {
    match cycle {
        BillingCycle::Monthly => 1,
        BillingCycle::Quarterly if (first.month() - 1) % 3 == 0 => 3,
        BillingCycle::Yearly if first.month() == 1 => 12,
        _ => 0,
    }
}

/// A computed line before it is stored.
#[derive(Clone, Debug)]
pub struct LineDraft {
    pub fee_item_id: Option<i64>,
    pub description: String,
    pub amount_fen: i64,
    pub late_fee_bps_per_day: Option<i32>,
    pub late_fee_grace_days: i32,
    pub late_fee_cap_bps: Option<i32>,
}

/// (previous, current) readings of one meter for a period.
type MeterPair = (i64, i64);

/// The line one fee item contributes to one house's bill for a period, if any.
pub fn compute_line(
    item: &fee_item::Model,
    h: &house::Model,
    months: i64,
    meter: Option<MeterPair>,
) -> Option<LineDraft> {
    let price = item.unit_price_fen as i128;
    let (amount, mut description) = match item.formula {
        FeeFormula::ByArea => (
            round_div(h.area_centi_m2 as i128 * price * months as i128, 100),
            format!(
                "{}：{} m² × {}/m²/月 × {} 个月",
                item.name,
                AreaM2(h.area_centi_m2),
                Fen(item.unit_price_fen),
                months
            ),
        ),
        FeeFormula::ByMeter => {
            let (prev, now) = meter?;
            (
                round_div((now - prev) as i128 * price, 100),
                format!(
                    "{}：({} − {}) × {}",
                    item.name,
                    centi(now),
                    centi(prev),
                    Fen(item.unit_price_fen)
                ),
            )
        }
        FeeFormula::Fixed => (
            item.unit_price_fen * months,
            format!(
                "{}：{} × {} 个月",
                item.name,
                Fen(item.unit_price_fen),
                months
            ),
        ),
    };
    let amount = match (h.status, item.vacant_discount_bps) {
        (HouseStatus::Vacant, Some(d)) if d > 0 => {
            description.push_str(&format!(" × 空置 {}%", (10_000 - d) as f32 / 100.0));
            amount - bps_of(amount, d as i64)
        }
        _ => amount,
    };
    (amount > 0).then(|| LineDraft {
        fee_item_id: Some(item.id),
        description: format!("{description} = {}", Fen(amount)),
        amount_fen: amount,
        late_fee_bps_per_day: item.late_fee_bps_per_day,
        late_fee_grace_days: item.late_fee_grace_days,
        late_fee_cap_bps: item.late_fee_cap_bps,
    })
}

/// The consumption window of each (house, meter item) for a period: the last reading before
/// the period and the last one in it. A replacement reading starts a new baseline.
async fn meter_pairs(
    conn: &impl ConnectionTrait,
    community_id: i64,
    first: NaiveDate,
) -> AppResult<HashMap<(i64, i64), MeterPair>> {
    let end = month_end(first);
    let rows = meter_reading::Entity::find()
        .filter(meter_reading::Column::CommunityId.eq(community_id))
        .filter(meter_reading::Column::ReadOn.lte(end))
        .filter(meter_reading::Column::ReadOn.gte(first - chrono::Duration::days(366)))
        .order_by_asc(meter_reading::Column::ReadOn)
        .order_by_asc(meter_reading::Column::Id)
        .all(conn)
        .await?;
    let mut before: HashMap<(i64, i64), i64> = HashMap::new();
    let mut pairs: HashMap<(i64, i64), MeterPair> = HashMap::new();
    for r in rows {
        let key = (r.house_id, r.fee_item_id);
        if r.read_on < first {
            before.insert(key, r.reading);
            continue;
        }
        if r.is_replacement {
            // The new meter's first reading: nothing consumed on it yet.
            pairs.remove(&key);
            before.insert(key, r.reading);
            continue;
        }
        if let Some(prev) = pairs
            .get(&key)
            .map(|p| p.0)
            .or_else(|| before.get(&key).copied())
        {
            pairs.insert(key, (prev, r.reading));
        }
    }
    Ok(pairs)
}

pub struct Generated {
    pub created: u64,
    pub already_existing: u64,
}

/// Generates the period's bills for every house that has none yet. Running it again adds only
/// what is missing; when nothing is missing it is a CONFLICT and changes nothing.
pub async fn generate(cx: &Cx, community_id: i64, period: &str) -> AppResult<Generated> {
    estate::community(cx, community_id).await?;
    require_staff_in(cx, community_id, FEE_ADMINS)?;
    let first = parse_period("period", period)?;
    let this_month = today().with_day(1).expect("first of month");
    if first > this_month {
        return Err(AppError::bad_input(
            "period",
            "不能为未来的账期生成账单",
            "Bills cannot be generated for a future period",
        ));
    }
    let db = cx.db();
    let items: Vec<fee_item::Model> = fee_item::Entity::find()
        .filter(fee_item::Column::CommunityId.eq(community_id))
        .filter(fee_item::Column::Active.eq(true))
        .order_by_asc(fee_item::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|i| months_billed(i.cycle, first) > 0)
        .collect();
    let houses = house::Entity::find()
        .filter(house::Column::CommunityId.eq(community_id))
        .order_by_asc(house::Column::Id)
        .all(db)
        .await?;
    let existing: HashSet<i64> = bill::Entity::find()
        .filter(bill::Column::CommunityId.eq(community_id))
        .filter(bill::Column::Period.eq(period))
        .filter(super::periodic_bills())
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.house_id)
        .collect();
    // Houses handed over with fees starting later are not billed yet.
    let later = crate::service::handover::not_yet_billed(db, community_id, period).await?;
    let missing: Vec<&house::Model> = houses
        .iter()
        .filter(|h| !existing.contains(&h.id) && !later.contains(&h.id))
        .collect();
    if missing.is_empty() {
        return Err(AppError::conflict(
            "period",
            "该账期的账单已全部生成",
            "Bills for this period have already been generated",
        ));
    }
    let meters = meter_pairs(db, community_id, first).await?;
    let due_on = month_end(first);
    let now = crate::service::now();
    let txn = db.begin().await?;
    let mut created = 0u64;
    for chunk in missing.chunks(500) {
        let mut drafts: Vec<(&house::Model, Vec<LineDraft>)> = vec![];
        for h in chunk {
            let lines: Vec<LineDraft> = items
                .iter()
                .filter_map(|i| {
                    compute_line(
                        i,
                        h,
                        months_billed(i.cycle, first),
                        meters.get(&(h.id, i.id)).copied(),
                    )
                })
                .collect();
            if !lines.is_empty() {
                drafts.push((h, lines));
            }
        }
        if drafts.is_empty() {
            continue;
        }
        let bills = bill::Entity::insert_many(drafts.iter().map(|(h, lines)| bill::ActiveModel {
            community_id: Set(community_id),
            building_id: Set(h.building_id),
            house_id: Set(h.id),
            period: Set(period.to_owned()),
            kind: Set(BillKind::Periodic),
            source_key: Set(None),
            due_on: Set(due_on),
            amount_fen: Set(lines.iter().map(|l| l.amount_fen).sum()),
            paid_fen: Set(0),
            created_at: Set(now),
            cancelled_at: Set(None),
            cancel_reason: Set(None),
            ..Default::default()
        }))
        .exec_with_returning(&txn)
        .await?;
        let by_house: HashMap<i64, i64> = bills.iter().map(|b| (b.house_id, b.id)).collect();
        let line_rows: Vec<bill_line::ActiveModel> = drafts
            .iter()
            .flat_map(|(h, lines)| {
                let bill_id = by_house[&h.id];
                lines
                    .iter()
                    .enumerate()
                    .map(move |(pos, l)| line_model(community_id, bill_id, pos as i32, l))
            })
            .collect();
        bill_line::Entity::insert_many(line_rows)
            .exec_without_returning(&txn)
            .await?;
        created += bills.len() as u64;
    }
    let ev = events::record(
        &txn,
        &cx.actor,
        NewEvent {
            community_id: Some(community_id),
            house_id: None,
            building_id: None,
            action: "bills.generated",
            subject_type: "Community",
            subject_id: community_id,
            from_state: None,
            to_state: Some(period.to_owned()),
            reason: Some(format!("{created} bills")),
        },
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(Generated {
        created,
        already_existing: existing.len() as u64,
    })
}

fn line_model(
    community_id: i64,
    bill_id: i64,
    position: i32,
    l: &LineDraft,
) -> bill_line::ActiveModel {
    bill_line::ActiveModel {
        community_id: Set(community_id),
        bill_id: Set(bill_id),
        fee_item_id: Set(l.fee_item_id),
        position: Set(position),
        description: Set(l.description.clone()),
        amount_fen: Set(l.amount_fen),
        late_fee_bps_per_day: Set(l.late_fee_bps_per_day),
        late_fee_grace_days: Set(l.late_fee_grace_days),
        late_fee_cap_bps: Set(l.late_fee_cap_bps),
        ..Default::default()
    }
}

/// A one-off charge (paid service, card replacement, renovation deposit ...) as a bill of its
/// own. `source_key` makes it idempotent: raising the same source twice returns the first bill.
/// Later workflows call this inside their own transaction.
pub async fn raise_charge_in(
    conn: &impl ConnectionTrait,
    h: &house::Model,
    source_key: &str,
    lines: Vec<LineDraft>,
) -> AppResult<bill::Model> {
    if let Some(b) = bill::Entity::find()
        .filter(bill::Column::CommunityId.eq(h.community_id))
        .filter(bill::Column::SourceKey.eq(source_key))
        .one_row(conn)
        .await?
    {
        return Ok(b);
    }
    let today = today();
    let b = bill::ActiveModel {
        community_id: Set(h.community_id),
        building_id: Set(h.building_id),
        house_id: Set(h.id),
        period: Set(period_of(today)),
        kind: Set(BillKind::OneOff),
        source_key: Set(Some(source_key.to_owned())),
        due_on: Set(today + chrono::Duration::days(15)),
        amount_fen: Set(lines.iter().map(|l| l.amount_fen).sum()),
        paid_fen: Set(0),
        created_at: Set(crate::service::now()),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    for (pos, l) in lines.iter().enumerate() {
        line_model(h.community_id, b.id, pos as i32, l)
            .insert(conn)
            .await?;
    }
    Ok(b)
}

/// Staff raise a one-off charge from an item of the price list (amount = the item's price ×
/// quantity), keyed by the caller's client key.
pub async fn raise_charge(
    cx: &Cx,
    house_id: i64,
    fee_item_id: i64,
    quantity: i64,
    note: Option<String>,
    client_key: &str,
) -> AppResult<bill::Model> {
    let h = estate::house(cx, house_id).await?;
    require_staff_in(cx, h.community_id, CASHIERS)?;
    let client_key = super::payments::check_client_key(client_key)?;
    let item = fee_item::Entity::find_by_id(fee_item_id)
        .one_row(cx.db())
        .await?
        .filter(|i| i.community_id == h.community_id)
        .ok_or(AppError::NotFound)?;
    if item.cycle != BillingCycle::OneOff {
        return Err(AppError::bad_input(
            "feeItemId",
            "只有一次性收费项目可以单独收取",
            "Only one-off fee items can be charged on their own",
        ));
    }
    if !(1..=1000).contains(&quantity) {
        return Err(AppError::bad_input(
            "quantity",
            "数量应在 1 到 1000 之间",
            "Quantity must be between 1 and 1000",
        ));
    }
    let amount = item.unit_price_fen * quantity;
    Fen::positive("quantity", Fen(amount))?;
    let note = note
        .map(|n| format!("（{}）", n.trim()))
        .unwrap_or_default();
    let line = LineDraft {
        fee_item_id: Some(item.id),
        description: format!(
            "{}：{} × {}{} = {}",
            item.name,
            Fen(item.unit_price_fen),
            quantity,
            note,
            Fen(amount)
        ),
        amount_fen: amount,
        late_fee_bps_per_day: item.late_fee_bps_per_day,
        late_fee_grace_days: item.late_fee_grace_days,
        late_fee_cap_bps: item.late_fee_cap_bps,
    };
    let txn = cx.db().begin().await?;
    let b = raise_charge_in(&txn, &h, &format!("charge:{client_key}"), vec![line]).await?;
    txn.commit().await?;
    Ok(b)
}

/// Cancel an unpaid bill (a mistake in the price list, a house billed in error).
pub async fn cancel(cx: &Cx, bill_id: i64, reason: String) -> AppResult<bill::Model> {
    let b = get(cx, bill_id).await?;
    require_staff_in(cx, b.community_id, FEE_ADMINS)?;
    if reason.trim().is_empty() {
        return Err(AppError::bad_input(
            "reason",
            "请填写作废原因",
            "A reason is required",
        ));
    }
    if b.cancelled_at.is_some() {
        return Err(AppError::InvalidStateTransition {
            current: "CANCELLED".into(),
            action: "cancelBill".into(),
        });
    }
    let txn = cx.db().begin().await?;
    let now = crate::service::now();
    let res = bill::Entity::update_many()
        .col_expr(bill::Column::CancelledAt, Expr::value(now))
        .col_expr(bill::Column::CancelReason, Expr::value(reason.clone()))
        .filter(bill::Column::Id.eq(b.id))
        .filter(bill::Column::PaidFen.eq(0))
        .filter(bill::Column::CancelledAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::InvalidStateTransition {
            current: "PAID".into(),
            action: "cancelBill".into(),
        });
    }
    let ev = events::record(
        &txn,
        &cx.actor,
        NewEvent {
            community_id: Some(b.community_id),
            house_id: Some(b.house_id),
            building_id: Some(b.building_id),
            action: "bill.cancelled",
            subject_type: "Bill",
            subject_id: b.id,
            from_state: Some("OPEN".into()),
            to_state: Some("CANCELLED".into()),
            reason: Some(reason.clone()),
        },
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(bill::Model {
        cancelled_at: Some(now),
        cancel_reason: Some(reason),
        ..b
    })
}

/// Whether the caller may see the bills of house `h`: they see the house, and its money.
pub async fn sees_bills_in(cx: &Cx, h: &house::Model) -> AppResult<bool> {
    cx.actor.require_signed_in()?;
    Ok(cx.reach().await?.sees_house(h) && super::sees_bills_of(cx, h).await?)
}

/// One bill, if the caller may see its house's bills.
pub async fn get(cx: &Cx, id: i64) -> AppResult<bill::Model> {
    cx.actor.require_signed_in()?;
    let b = bill::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    match house_for_bills(cx, b.house_id).await {
        Ok(_) => Ok(b),
        Err(AppError::Forbidden) => Err(AppError::NotFound),
        Err(e) => Err(e),
    }
}

/// Which bills of a house to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BillFilter {
    All,
    /// Not cancelled and not fully paid.
    Open,
}

pub async fn of_house(
    cx: &Cx,
    house_id: i64,
    filter: BillFilter,
    args: &PageArgs,
) -> AppResult<Page<bill::Model>> {
    house_for_bills(cx, house_id).await?;
    let mut q = bill::Entity::find().filter(bill::Column::HouseId.eq(house_id));
    if filter == BillFilter::Open {
        q = q
            .filter(bill::Column::CancelledAt.is_null())
            .filter(Expr::col(bill::Column::PaidFen).lt(Expr::col(bill::Column::AmountFen)));
    }
    paginate(cx.db(), q, bill::Column::Id, args).await
}

/// Lines of many bills at once (one statement), in settlement order.
pub async fn lines_of(
    conn: &impl ConnectionTrait,
    bill_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<bill_line::Model>>> {
    let rows = bill_line::Entity::find()
        .filter(bill_line::Column::BillId.is_in(bill_ids.iter().copied()))
        .order_by_asc(bill_line::Column::BillId)
        .order_by_asc(bill_line::Column::Position)
        .all(conn)
        .await?;
    let mut map: HashMap<i64, Vec<bill_line::Model>> = HashMap::new();
    for r in rows {
        map.entry(r.bill_id).or_default().push(r);
    }
    Ok(map)
}

/// Late fee of a bill as of `on`: payments settle lines in order; each line's unpaid part
/// accrues its own rule's daily rate after due date + grace days, up to its cap.
pub fn late_fee(b: &bill::Model, lines: &[bill_line::Model], on: NaiveDate) -> i64 {
    if b.cancelled_at.is_some() {
        return 0;
    }
    let mut paid_left = b.paid_fen;
    let mut total = 0;
    for l in lines {
        let settled = paid_left.clamp(0, l.amount_fen);
        paid_left -= settled;
        let unpaid = l.amount_fen - settled;
        let Some(rate) = l.late_fee_bps_per_day else {
            continue;
        };
        let days = (on - b.due_on).num_days() - l.late_fee_grace_days as i64;
        if unpaid <= 0 || days <= 0 {
            continue;
        }
        let mut fee = round_div(unpaid as i128 * rate as i128 * days as i128, 10_000);
        if let Some(cap) = l.late_fee_cap_bps {
            fee = std::cmp::min(fee, bps_of(unpaid, cap as i64));
        }
        total += fee;
    }
    total
}

/// What a house owes today.
#[derive(Clone, Debug, Default)]
pub struct Owed {
    pub house_id: i64,
    /// Unpaid and not yet past the due date.
    pub due_fen: i64,
    /// Unpaid and past the due date.
    pub overdue_fen: i64,
    pub late_fee_fen: i64,
    pub open_bills: Vec<bill::Model>,
}

/// What each house owes, in two statements whatever the number of houses and bills: the open
/// bills (an index on house_id, paid_fen), then their lines.
pub async fn owed_by_houses(
    conn: &impl ConnectionTrait,
    house_ids: &[i64],
) -> AppResult<HashMap<i64, Owed>> {
    let on = today();
    let bills = bill::Entity::find()
        .filter(bill::Column::HouseId.is_in(house_ids.iter().copied()))
        .filter(bill::Column::CancelledAt.is_null())
        .filter(Expr::col(bill::Column::PaidFen).lt(Expr::col(bill::Column::AmountFen)))
        .order_by_asc(bill::Column::DueOn)
        .all(conn)
        .await?;
    let lines = lines_of(conn, &bills.iter().map(|b| b.id).collect::<Vec<_>>()).await?;
    let mut out: HashMap<i64, Owed> = house_ids
        .iter()
        .map(|&h| {
            (
                h,
                Owed {
                    house_id: h,
                    ..Default::default()
                },
            )
        })
        .collect();
    for b in bills {
        let o = out.entry(b.house_id).or_default();
        let outstanding = b.amount_fen - b.paid_fen;
        if b.due_on < on {
            o.overdue_fen += outstanding;
        } else {
            o.due_fen += outstanding;
        }
        o.late_fee_fen += late_fee(&b, lines.get(&b.id).map(Vec::as_slice).unwrap_or(&[]), on);
        o.open_bills.push(b);
    }
    Ok(out)
}

/// Bills of a community for staff, optionally one period and building.
pub async fn of_community(
    cx: &Cx,
    community_id: i64,
    period: Option<&str>,
    building_id: Option<i64>,
    args: &PageArgs,
) -> AppResult<Page<bill::Model>> {
    estate::community(cx, community_id).await?;
    require_staff_in(
        cx,
        community_id,
        &[
            StaffRole::Reception,
            StaffRole::Finance,
            StaffRole::Manager,
            StaffRole::Butler,
        ],
    )?;
    let mut q = bill::Entity::find().filter(bill::Column::CommunityId.eq(community_id));
    if let Some(s) = cx.actor.staff().filter(|s| s.role == StaffRole::Butler) {
        q = q.filter(bill::Column::BuildingId.is_in(s.building_ids.clone()));
    }
    if let Some(p) = period {
        parse_period("period", p)?;
        q = q.filter(bill::Column::Period.eq(p));
    }
    if let Some(b) = building_id {
        q = q.filter(bill::Column::BuildingId.eq(b));
    }
    paginate(cx.db(), q, bill::Column::Id, args).await
}
