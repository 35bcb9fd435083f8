//! The repair steps: who the caller is to an order, what each step writes besides its state, and
//! what it does alongside (charges, a bill); `service::workflow` takes the step itself against
//! `domain::repair_flow::REPAIRS`.
use super::{get, DISPATCHERS};
use crate::domain::repair_flow::{Party, RepairAction, REPAIRS};
use crate::domain::Fen;
use crate::error::{AppError, AppResult};
use crate::service::events;
use crate::service::fees::billing::{raise_charge_in, LineDraft};
use crate::service::page::OneRow;
use crate::service::workflow::{self, About, Step};
use crate::service::Cx;
use chrono::{DateTime, Utc};
use entity::enums::{RepairDifficulty, RepairState, StaffRole};
use entity::{house, repair_charge, repair_order, service_price, staff_member};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

/// The parties the caller is to this order.
async fn parties(cx: &Cx, o: &repair_order::Model) -> AppResult<Vec<Party>> {
    let mut out = vec![];
    let Ok(user) = cx.actor.user() else {
        return Ok(out);
    };
    let reach = cx.reach().await?;
    if o.requested_by == user.user_id || o.house_id.is_some_and(|h| reach.binding(h).is_some()) {
        out.push(Party::Requester);
    }
    if o.assignee_user_id == Some(user.user_id) {
        out.push(Party::Assignee);
    }
    if let Some(s) = cx.actor.staff() {
        let here = s.role == StaffRole::Admin || s.community_id == Some(o.community_id);
        let building_ok = s.role != StaffRole::Butler
            || o.building_id.is_some_and(|b| s.building_ids.contains(&b));
        if here && building_ok && (s.role == StaffRole::Admin || DISPATCHERS.contains(&s.role)) {
            out.push(Party::Dispatcher);
        }
        if here
            && building_ok
            && matches!(
                s.role,
                StaffRole::Butler | StaffRole::Manager | StaffRole::Admin
            )
        {
            out.push(Party::FollowUpStaff);
        }
    }
    Ok(out)
}

/// Checks the table against who the caller is to the order: the next state, or why not.
async fn check(cx: &Cx, o: &repair_order::Model, action: RepairAction) -> AppResult<RepairState> {
    let mine = parties(cx, o).await?;
    workflow::check::<repair_order::Entity, _, _>(
        cx.db(),
        &REPAIRS,
        o,
        action,
        &mine,
        action_name(action),
    )
    .await
}

/// Field changes a step makes besides the state.
type Changes = Vec<(repair_order::Column, sea_orm::Value)>;

/// Takes one step through the workflow engine, in `txn`.
async fn apply(
    cx: &Cx,
    txn: &DatabaseTransaction,
    o: &repair_order::Model,
    action: RepairAction,
    changes: Changes,
    reason: Option<String>,
) -> AppResult<events::Published> {
    let mine = parties(cx, o).await?;
    let mut audience = vec![o.requested_by];
    audience.extend(o.assignee_user_id);
    let (_, ev) = workflow::take::<repair_order::Entity, _, _>(
        cx,
        txn,
        o,
        Step {
            flow: &REPAIRS,
            action,
            parties: &mine,
            changes,
            event: action_name(action),
            about: About {
                community_id: o.community_id,
                house_id: o.house_id,
                building_id: o.building_id,
            },
            reason,
            audience,
        },
    )
    .await?;
    Ok(ev)
}

fn action_name(a: RepairAction) -> &'static str {
    match a {
        RepairAction::Dispatch => "repair.dispatched",
        RepairAction::Reassign => "repair.reassigned",
        RepairAction::Accept => "repair.accepted",
        RepairAction::ProposeTime => "repair.time_proposed",
        RepairAction::ConfirmTime => "repair.time_confirmed",
        RepairAction::Start => "repair.started",
        RepairAction::Pause => "repair.paused",
        RepairAction::Resume => "repair.resumed",
        RepairAction::Complete => "repair.completed",
        RepairAction::FollowUp => "repair.followed_up",
        RepairAction::FollowUpUnsatisfied => "repair.reopened",
        RepairAction::Evaluate => "repair.evaluated",
        RepairAction::Urge => "repair.urged",
        RepairAction::Cancel => "repair.cancelled",
    }
}

/// A step with no payload beyond optional field changes.
async fn step(
    cx: &Cx,
    id: i64,
    action: RepairAction,
    changes: impl FnOnce(&repair_order::Model) -> AppResult<Changes>,
    reason: Option<String>,
) -> AppResult<repair_order::Model> {
    step_with(cx, id, action, changes, reason, |_, _, _| {
        Box::pin(async { Ok(()) })
    })
    .await
}

type Extra<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = AppResult<()>> + Send + 'a>>;

/// A step that also writes related rows (charges, bills) in the same transaction.
async fn step_with<F>(
    cx: &Cx,
    id: i64,
    action: RepairAction,
    changes: impl FnOnce(&repair_order::Model) -> AppResult<Changes>,
    reason: Option<String>,
    extra: F,
) -> AppResult<repair_order::Model>
where
    F: for<'a> FnOnce(&'a DatabaseTransaction, &'a repair_order::Model, &'a Cx) -> Extra<'a>,
{
    let o = get(cx, id).await?;
    check(cx, &o, action).await?;
    let changes = changes(&o)?;
    let txn = cx.db().begin().await?;
    let mut ev = apply(cx, &txn, &o, action, changes, reason).await?;
    extra(&txn, &o, cx).await?;
    let fresh = workflow::reload::<repair_order::Entity>(&txn, o.id).await?;
    ev.audience.extend(fresh.assignee_user_id);
    workflow::commit(cx, txn, [ev]).await?;
    Ok(fresh)
}

fn future(field: &str, at: DateTime<Utc>) -> AppResult<()> {
    if at < crate::service::now() - chrono::Duration::minutes(5) {
        return Err(AppError::bad_input(
            field,
            "预约时间不能早于现在",
            "The appointment is in the past",
        ));
    }
    Ok(())
}

/// The user behind a technician's staff membership in the order's community.
async fn technician(cx: &Cx, o: &repair_order::Model, staff_member_id: i64) -> AppResult<i64> {
    staff_member::Entity::find_by_id(staff_member_id)
        .filter(staff_member::Column::CommunityId.eq(o.community_id))
        .filter(staff_member::Column::Role.eq(StaffRole::Technician))
        .filter(staff_member::Column::EndedAt.is_null())
        .one_row(cx.db())
        .await?
        .map(|m| m.user_id)
        .ok_or_else(|| {
            AppError::bad_input(
                "technicianId",
                "请选择本小区的维修工",
                "Choose a technician of this community",
            )
        })
}

/// Dispatch (SUBMITTED or REOPENED) or reassign (DISPATCHED, PAUSED) to a technician of the
/// community with an appointment. Two dispatchers racing: one wins, the other is told the state.
pub async fn assign(
    cx: &Cx,
    id: i64,
    action: RepairAction,
    technician_staff_id: i64,
    appointment_at: DateTime<Utc>,
    difficulty: RepairDifficulty,
) -> AppResult<repair_order::Model> {
    future("appointmentAt", appointment_at)?;
    let o = get(cx, id).await?;
    check(cx, &o, action).await?;
    let technician_user = technician(cx, &o, technician_staff_id).await?;
    let now = crate::service::now();
    step(
        cx,
        id,
        action,
        |_| {
            Ok(vec![
                (repair_order::Column::AssigneeUserId, technician_user.into()),
                (repair_order::Column::AppointmentAt, appointment_at.into()),
                (
                    repair_order::Column::Difficulty,
                    difficulty.to_value().into(),
                ),
                (repair_order::Column::DispatchedAt, now.into()),
                (
                    repair_order::Column::AcceptedAt,
                    Option::<DateTime<Utc>>::None.into(),
                ),
                (
                    repair_order::Column::ProposedAt,
                    Option::<DateTime<Utc>>::None.into(),
                ),
            ])
        },
        None,
    )
    .await
}

pub async fn accept(cx: &Cx, id: i64) -> AppResult<repair_order::Model> {
    let now = crate::service::now();
    step(
        cx,
        id,
        RepairAction::Accept,
        |_| Ok(vec![(repair_order::Column::AcceptedAt, now.into())]),
        None,
    )
    .await
}

pub async fn propose_time(
    cx: &Cx,
    id: i64,
    at: DateTime<Utc>,
    reason: Option<String>,
) -> AppResult<repair_order::Model> {
    future("at", at)?;
    step(
        cx,
        id,
        RepairAction::ProposeTime,
        |_| Ok(vec![(repair_order::Column::ProposedAt, at.into())]),
        reason,
    )
    .await
}

pub async fn confirm_time(cx: &Cx, id: i64) -> AppResult<repair_order::Model> {
    let now = crate::service::now();
    step(
        cx,
        id,
        RepairAction::ConfirmTime,
        |o| {
            let at = o
                .proposed_at
                .ok_or_else(|| AppError::InvalidStateTransition {
                    current: "NO_PROPOSAL".into(),
                    action: crate::domain::flow::step_key(RepairAction::ConfirmTime),
                })?;
            Ok(vec![
                (repair_order::Column::AppointmentAt, at.into()),
                (
                    repair_order::Column::ProposedAt,
                    Option::<DateTime<Utc>>::None.into(),
                ),
                (repair_order::Column::AcceptedAt, now.into()),
            ])
        },
        None,
    )
    .await
}

pub async fn start(cx: &Cx, id: i64) -> AppResult<repair_order::Model> {
    let now = crate::service::now();
    step(
        cx,
        id,
        RepairAction::Start,
        |_| Ok(vec![(repair_order::Column::StartedAt, now.into())]),
        None,
    )
    .await
}

pub async fn pause(cx: &Cx, id: i64, reason: String) -> AppResult<repair_order::Model> {
    if reason.trim().is_empty() {
        return Err(AppError::bad_input(
            "reason",
            "请说明暂停原因（如等待配件）",
            "Say why the work is paused (waiting for parts ...)",
        ));
    }
    let now = crate::service::now();
    let r = reason.trim().to_owned();
    step(
        cx,
        id,
        RepairAction::Pause,
        |_| {
            Ok(vec![
                (repair_order::Column::PausedAt, now.into()),
                (repair_order::Column::PauseReason, r.clone().into()),
            ])
        },
        Some(r.clone()),
    )
    .await
}

pub async fn resume(cx: &Cx, id: i64) -> AppResult<repair_order::Model> {
    let now = crate::service::now();
    step(
        cx,
        id,
        RepairAction::Resume,
        |o| {
            let paused = o.paused_at.map(|p| (now - p).num_seconds()).unwrap_or(0);
            Ok(vec![
                (
                    repair_order::Column::PausedAt,
                    Option::<DateTime<Utc>>::None.into(),
                ),
                (
                    repair_order::Column::PausedSeconds,
                    (o.paused_seconds + paused).into(),
                ),
            ])
        },
        None,
    )
    .await
}

/// A charge from the price list.
#[derive(Clone, Copy, Debug)]
pub struct Charge {
    pub service_price_id: i64,
    pub quantity: i32,
}

/// The technician completes the work. Charges must come from the community's price list; for a
/// household they become one one-off bill through the fees service, in the same transaction.
pub async fn complete(
    cx: &Cx,
    id: i64,
    work_done: String,
    materials: Option<String>,
    charges: Vec<Charge>,
) -> AppResult<repair_order::Model> {
    if work_done.trim().is_empty() {
        return Err(AppError::bad_input(
            "workDone",
            "请填写维修内容",
            "Describe the work done",
        ));
    }
    let o = get(cx, id).await?;
    check(cx, &o, RepairAction::Complete).await?;
    let prices = service_price::Entity::find()
        .filter(service_price::Column::Id.is_in(charges.iter().map(|c| c.service_price_id)))
        .filter(service_price::Column::CommunityId.eq(o.community_id))
        .filter(service_price::Column::Active.eq(true))
        .all(cx.db())
        .await?;
    let mut lines = vec![];
    for c in &charges {
        let Some(p) = prices.iter().find(|p| p.id == c.service_price_id) else {
            return Err(AppError::bad_input(
                "charges",
                "收费项目不在本小区有偿服务价目表中",
                "A charge is not on this community's price list",
            ));
        };
        if !(1..=1000).contains(&c.quantity) {
            return Err(AppError::bad_input(
                "charges.quantity",
                "数量应在 1 到 1000 之间",
                "Quantity must be between 1 and 1000",
            ));
        }
        let amount = p.price_fen * c.quantity as i64;
        lines.push((
            c.service_price_id,
            c.quantity,
            amount,
            LineDraft {
                fee_item_id: None,
                description: format!(
                    "有偿服务 {}：{} × {}{} = {}",
                    p.name,
                    Fen(p.price_fen),
                    c.quantity,
                    p.unit,
                    Fen(amount)
                ),
                amount_fen: amount,
                late_fee_bps_per_day: None,
                late_fee_grace_days: 0,
                late_fee_cap_bps: None,
            },
        ));
    }
    let now = crate::service::now();
    let work = work_done.trim().to_owned();
    step_with(
        cx,
        id,
        RepairAction::Complete,
        |_| {
            Ok(vec![
                (repair_order::Column::CompletedAt, now.into()),
                (repair_order::Column::WorkDone, work.clone().into()),
                (repair_order::Column::Materials, materials.clone().into()),
            ])
        },
        None,
        move |txn, o, _cx| {
            Box::pin(async move {
                for (price_id, qty, amount, _) in &lines {
                    repair_charge::ActiveModel {
                        community_id: Set(o.community_id),
                        order_id: Set(o.id),
                        service_price_id: Set(*price_id),
                        quantity: Set(*qty),
                        amount_fen: Set(*amount),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await?;
                }
                if let (Some(house_id), false) = (o.house_id, lines.is_empty()) {
                    let h = house::Entity::find_by_id(house_id)
                        .one_row(txn)
                        .await?
                        .ok_or(AppError::NotFound)?;
                    let bill = raise_charge_in(
                        txn,
                        &h,
                        &format!("repair:{}", o.id),
                        lines.into_iter().map(|l| l.3).collect(),
                    )
                    .await?;
                    repair_order::Entity::update_many()
                        .col_expr(repair_order::Column::ChargeBillId, Expr::value(bill.id))
                        .filter(repair_order::Column::Id.eq(o.id))
                        .exec(txn)
                        .await?;
                }
                Ok(())
            })
        },
    )
    .await
}

fn score(field: &str, v: i32) -> AppResult<i16> {
    if !(1..=5).contains(&v) {
        return Err(AppError::bad_input(
            field,
            "评分应为 1 到 5",
            "A score is 1 to 5",
        ));
    }
    Ok(v as i16)
}

/// The butler's follow-up call: satisfied (3–5) closes the order, unsatisfied (1–2) reopens it
/// for dispatch.
pub async fn follow_up(
    cx: &Cx,
    id: i64,
    satisfaction: i32,
    comment: Option<String>,
) -> AppResult<repair_order::Model> {
    let s = score("satisfaction", satisfaction)?;
    let action = if s <= 2 {
        RepairAction::FollowUpUnsatisfied
    } else {
        RepairAction::FollowUp
    };
    let now = crate::service::now();
    step(
        cx,
        id,
        action,
        |_| {
            Ok(vec![
                (repair_order::Column::FollowedUpAt, now.into()),
                (repair_order::Column::Satisfaction, s.into()),
                (
                    repair_order::Column::FollowUpComment,
                    comment.clone().into(),
                ),
            ])
        },
        comment.clone(),
    )
    .await
}

pub async fn evaluate(
    cx: &Cx,
    id: i64,
    rating: i32,
    comment: Option<String>,
) -> AppResult<repair_order::Model> {
    let r = score("rating", rating)?;
    step(
        cx,
        id,
        RepairAction::Evaluate,
        |_| {
            Ok(vec![
                (repair_order::Column::Rating, r.into()),
                (repair_order::Column::RatingComment, comment.clone().into()),
            ])
        },
        comment.clone(),
    )
    .await
}

/// 催单: recorded, and pushed to the assignee through the live feed.
pub async fn urge(cx: &Cx, id: i64, note: Option<String>) -> AppResult<repair_order::Model> {
    let o = get(cx, id).await?;
    check(cx, &o, RepairAction::Urge).await?;
    let txn = cx.db().begin().await?;
    let ev = apply(cx, &txn, &o, RepairAction::Urge, vec![], note).await?;
    repair_order::Entity::update_many()
        .col_expr(repair_order::Column::UrgeCount, super::urge_expr())
        .filter(repair_order::Column::Id.eq(o.id))
        .exec(&txn)
        .await?;
    let fresh = workflow::reload::<repair_order::Entity>(&txn, o.id).await?;
    workflow::commit(cx, txn, [ev]).await?;
    Ok(fresh)
}

pub async fn cancel(cx: &Cx, id: i64, reason: Option<String>) -> AppResult<repair_order::Model> {
    step(cx, id, RepairAction::Cancel, |_| Ok(vec![]), reason).await
}
