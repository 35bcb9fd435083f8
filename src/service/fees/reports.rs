//! The counter's day close, the arrears list for 催缴 calls, and the collection rate.
use super::{require_staff_in, today, CASHIERS, FEE_ADMINS};
use crate::error::{AppError, AppResult};
use crate::service::events::{self, NewEvent};
use crate::service::page::OneRow;
use crate::service::{estate, Cx};
use chrono::NaiveDate;
use entity::enums::{CallOutcome, PaymentMethod, StaffRole};
use entity::{arrears_call, bill, bill_total, day_close, payment};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use std::collections::BTreeMap;

/// SUM of a BIGINT column as BIGINT on both databases (PostgreSQL widens SUM(bigint) to NUMERIC).
fn sum_i64(col: impl sea_orm::sea_query::IntoColumnRef) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Alias, Func};
    Func::cast_as(Func::sum(Expr::col(col)), Alias::new("BIGINT")).into()
}

/// Takings of one method on one day.
#[derive(Clone, Debug)]
pub struct MethodTotal {
    pub method: PaymentMethod,
    pub count: i64,
    pub amount_fen: i64,
}

pub struct DayReport {
    pub community_id: i64,
    pub date: NaiveDate,
    pub by_method: Vec<MethodTotal>,
    pub banked: Option<day_close::Model>,
}

/// The day's takings by method (reversals count against the day they are made).
pub async fn day_report(cx: &Cx, community_id: i64, date: NaiveDate) -> AppResult<DayReport> {
    estate::community(cx, community_id).await?;
    require_staff_in(cx, community_id, CASHIERS)?;
    let rows: Vec<(PaymentMethod, i64, i64)> = payment::Entity::find()
        .select_only()
        .column(payment::Column::Method)
        .column_as(payment::Column::Id.count(), "count")
        .column_as(sum_i64(payment::Column::AmountFen), "amount")
        .filter(payment::Column::CommunityId.eq(community_id))
        .filter(payment::Column::BusinessDate.eq(date))
        .group_by(payment::Column::Method)
        .into_tuple::<(PaymentMethod, i64, Option<i64>)>()
        .all(cx.db())
        .await?
        .into_iter()
        .map(|(m, c, a)| (m, c, a.unwrap_or(0)))
        .collect();
    let banked = day_close::Entity::find()
        .filter(day_close::Column::CommunityId.eq(community_id))
        .filter(day_close::Column::BusinessDate.eq(date))
        .one_row(cx.db())
        .await?;
    Ok(DayReport {
        community_id,
        date,
        by_method: rows
            .into_iter()
            .map(|(method, count, amount_fen)| MethodTotal {
                method,
                count,
                amount_fen,
            })
            .collect(),
        banked,
    })
}

/// Finance confirms the day's cash went to the bank; once per day. The cash banked is recorded
/// with the close, and from then on the day's figures stay as they were: a payment taken later
/// counts for the next open day (see `payments::write`).
pub async fn mark_banked(
    cx: &Cx,
    community_id: i64,
    date: NaiveDate,
    note: Option<String>,
) -> AppResult<day_close::Model> {
    use chrono::Datelike;
    estate::community(cx, community_id).await?;
    require_staff_in(cx, community_id, &[StaffRole::Finance])?;
    if date > today() {
        return Err(AppError::bad_input(
            "date",
            "不能为未来日期日结",
            "Cannot close a future day",
        ));
    }
    let already = || AppError::conflict("date", "该日已日结", "This day is already closed");
    let txn = cx.db().begin().await?;
    // The receipt counter's lock: a payment being written now either commits before the sum
    // below (and is in it) or reads this close and moves to the next day.
    super::payments::bump_counter(&txn, community_id, date.year(), 0).await?;
    let closed = day_close::Entity::find()
        .filter(day_close::Column::CommunityId.eq(community_id))
        .filter(day_close::Column::BusinessDate.eq(date))
        .one_row(&txn)
        .await?;
    if closed.is_some() {
        return Err(already());
    }
    let cash: Option<i64> = payment::Entity::find()
        .select_only()
        .column_as(sum_i64(payment::Column::AmountFen), "amount")
        .filter(payment::Column::CommunityId.eq(community_id))
        .filter(payment::Column::BusinessDate.eq(date))
        .filter(payment::Column::Method.eq(PaymentMethod::Cash))
        .into_tuple::<Option<i64>>()
        .all(&txn)
        .await?
        .into_iter()
        .next()
        .flatten();
    let row = day_close::ActiveModel {
        community_id: Set(community_id),
        business_date: Set(date),
        banked_by: Set(cx.actor.label()),
        banked_at: Set(crate::service::now()),
        cash_fen: Set(cash.unwrap_or(0)),
        note: Set(note),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Conflict { .. } => already(),
        other => other,
    })?;
    let ev = events::record(
        &txn,
        &cx.actor,
        NewEvent {
            community_id: Some(community_id),
            house_id: None,
            building_id: None,
            action: "day.banked",
            // A banked day is a fact about the community; the date is in `toState`.
            subject_type: crate::domain::NodeKind::Community,
            subject_id: community_id,
            from_state: None,
            to_state: Some(date.to_string()),
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(row)
}

/// Overdue money of one house, by how long it has been overdue.
#[derive(Clone, Debug, Default)]
pub struct Arrears {
    pub house_id: i64,
    pub building_id: i64,
    pub oldest_due_on: Option<NaiveDate>,
    pub days_1_to_30: i64,
    pub days_31_to_90: i64,
    pub days_91_to_180: i64,
    pub over_180: i64,
}

impl Arrears {
    pub fn total(&self) -> i64 {
        self.days_1_to_30 + self.days_31_to_90 + self.days_91_to_180 + self.over_180
    }
}

/// Houses with overdue bills (for 催缴 calls), optionally one building; a butler sees their
/// buildings only. Ordered by house.
pub async fn arrears(
    cx: &Cx,
    community_id: i64,
    building_id: Option<i64>,
) -> AppResult<Vec<Arrears>> {
    estate::community(cx, community_id).await?;
    require_staff_in(
        cx,
        community_id,
        &[
            StaffRole::Butler,
            StaffRole::Reception,
            StaffRole::Finance,
            StaffRole::Manager,
        ],
    )?;
    let on = today();
    let mut q = bill::Entity::find()
        .filter(bill::Column::CommunityId.eq(community_id))
        .filter(bill::Column::CancelledAt.is_null())
        .filter(bill::Column::DueOn.lt(on))
        .filter(Expr::col(bill::Column::PaidFen).lt(Expr::col(bill::Column::AmountFen)));
    if let Some(b) = building_id {
        q = q.filter(bill::Column::BuildingId.eq(b));
    }
    if let Some(s) = cx.actor.staff().filter(|s| s.role == StaffRole::Butler) {
        q = q.filter(bill::Column::BuildingId.is_in(s.building_ids.clone()));
    }
    let mut by_house: BTreeMap<i64, Arrears> = BTreeMap::new();
    for b in q.order_by_asc(bill::Column::HouseId).all(cx.db()).await? {
        let a = by_house.entry(b.house_id).or_insert_with(|| Arrears {
            house_id: b.house_id,
            building_id: b.building_id,
            ..Default::default()
        });
        let owed = b.amount_fen - b.paid_fen;
        let age = (on - b.due_on).num_days();
        match age {
            ..=30 => a.days_1_to_30 += owed,
            31..=90 => a.days_31_to_90 += owed,
            91..=180 => a.days_91_to_180 += owed,
            _ => a.over_180 += owed,
        }
        a.oldest_due_on = Some(
            a.oldest_due_on
                .map_or(b.due_on, |d| std::cmp::min(d, b.due_on)),
        );
    }
    Ok(by_house.into_values().collect())
}

pub async fn record_call(
    cx: &Cx,
    house_id: i64,
    outcome: CallOutcome,
    note: Option<String>,
    promised_on: Option<NaiveDate>,
) -> AppResult<arrears_call::Model> {
    let h = estate::house(cx, house_id).await?;
    require_staff_in(
        cx,
        h.community_id,
        &[
            StaffRole::Butler,
            StaffRole::Reception,
            StaffRole::Finance,
            StaffRole::Manager,
        ],
    )?;
    match (outcome, promised_on) {
        (CallOutcome::Promised, None) => {
            return Err(AppError::bad_input(
                "promisedOn",
                "承诺缴费须填写日期",
                "A promise needs a date",
            ))
        }
        (CallOutcome::Promised, Some(d)) if d < today() => {
            return Err(AppError::bad_input(
                "promisedOn",
                "承诺日期不能早于今天",
                "The promised date is in the past",
            ));
        }
        (o, Some(_)) if o != CallOutcome::Promised => {
            return Err(AppError::bad_input(
                "promisedOn",
                "只有承诺缴费才有日期",
                "Only a promise has a date",
            ));
        }
        _ => {}
    }
    Ok(arrears_call::ActiveModel {
        community_id: Set(h.community_id),
        house_id: Set(h.id),
        called_by: Set(cx.actor.label()),
        outcome: Set(outcome),
        note: Set(note),
        promised_on: Set(promised_on),
        created_at: Set(crate::service::now()),
        ..Default::default()
    }
    .insert(cx.db())
    .await?)
}

/// The latest call of each house (one statement).
pub async fn last_calls(
    cx: &Cx,
    house_ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, arrears_call::Model>> {
    let mut out = std::collections::HashMap::new();
    for c in arrears_call::Entity::find()
        .filter(arrears_call::Column::HouseId.is_in(house_ids.iter().copied()))
        .order_by_asc(arrears_call::Column::Id)
        .all(cx.db())
        .await?
    {
        out.insert(c.house_id, c);
    }
    Ok(out)
}

/// Due and collected for one period, overall and per building.
#[derive(Clone, Debug, Default)]
pub struct Collection {
    pub building_id: Option<i64>,
    pub bills: i64,
    pub due_fen: i64,
    pub collected_fen: i64,
}

impl Collection {
    /// collected ÷ due in basis points (9500 = 95.00%), rounded down so a target is never
    /// reported as met early.
    pub fn rate_bps(&self) -> i64 {
        if self.due_fen == 0 {
            return 0;
        }
        (self.collected_fen as i128 * 10_000 / self.due_fen as i128) as i64
    }
}

/// 管理费收缴率 for a period: the periodic bills of the period, what was due and what of it has
/// been paid so far; one grouped statement.
pub async fn collection(
    cx: &Cx,
    community_id: i64,
    period: &str,
) -> AppResult<(Collection, Vec<Collection>)> {
    estate::community(cx, community_id).await?;
    require_staff_in(cx, community_id, FEE_ADMINS)?;
    super::parse_period("period", period)?;
    // The totals the database keeps per building as bills are written (migration 000014):
    // a few rows, however many bills the month has.
    let rows = bill_total::Entity::find()
        .filter(bill_total::Column::CommunityId.eq(community_id))
        .filter(bill_total::Column::Period.eq(period))
        .filter(bill_total::Column::Bills.gt(0))
        .order_by_asc(bill_total::Column::BuildingId)
        .all(cx.db())
        .await?;
    let by_building: Vec<Collection> = rows
        .into_iter()
        .map(|t| Collection {
            building_id: Some(t.building_id),
            bills: t.bills,
            due_fen: t.due_fen,
            collected_fen: t.paid_fen,
        })
        .collect();
    let total = by_building
        .iter()
        .fold(Collection::default(), |acc, c| Collection {
            building_id: None,
            bills: acc.bills + c.bills,
            due_fen: acc.due_fen + c.due_fen,
            collected_fen: acc.collected_fen + c.collected_fen,
        });
    Ok((total, by_building))
}
