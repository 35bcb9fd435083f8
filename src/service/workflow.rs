//! The one way a workflow step is taken, for every record with a `domain::flow::Flow` table.
//!
//! A step is looked up in the table against who the caller is to the row (the only thing a
//! domain supplies), the row's state, version and the step's other columns are written only if
//! the row has not changed since it was read, and the step's event (actor, subject, from, to,
//! reason) is recorded in the same transaction; the event reaches subscribers once the
//! transaction has committed (`commit`). Every workflow answers the same way:
//!
//! - a step the caller may never take here: FORBIDDEN;
//! - a step the current state does not allow, a same-state step taken again with nothing in
//!   between (accepting an accepted order), and a step someone else took first while this one
//!   was on its way (two guards tapping one pass): INVALID_STATE_TRANSITION naming the current
//!   state, and nothing written — whoever comes second gets the answer whoever comes later gets;
//! - a step that is still allowed but the row changed under it (another step wrote other
//!   columns meanwhile): CONFLICT, "the record changed meanwhile; reload and retry".
use super::events::{self, NewEvent, Published};
use super::page::OneRow;
use super::Cx;
use crate::domain::flow::{wrong_state, Flow};
use crate::domain::NodeKind;
use crate::error::{AppError, AppResult};
use entity::event;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};

/// A table whose rows move through a workflow.
pub trait Record: EntityTrait {
    type State: ActiveEnum<Value = String> + Copy + Eq + Send + Sync;
    /// The kind of node the events are about.
    const KIND: NodeKind;
    const ID: Self::Column;
    const STATE: Self::Column;
    const VERSION: Self::Column;
    fn id(m: &Self::Model) -> i64;
    fn state(m: &Self::Model) -> Self::State;
    fn version(m: &Self::Model) -> i32;
}

/// Where a step's event belongs: who may see it in the feed.
#[derive(Clone, Copy, Debug)]
pub struct About {
    pub community_id: i64,
    pub house_id: Option<i64>,
    pub building_id: Option<i64>,
}

/// One step, as a domain asks for it.
pub struct Step<'a, R: Record, A: 'static, P: 'static> {
    pub flow: &'a Flow<R::State, A, P>,
    pub action: A,
    /// Who the caller is to this row (the domain's one function).
    pub parties: &'a [P],
    /// Columns the step writes besides state and version.
    pub changes: Vec<(R::Column, sea_orm::Value)>,
    /// The event's action (`repair.accepted`).
    pub event: &'static str,
    pub about: About,
    pub reason: Option<String>,
    /// Users who hear of it whatever their role (the requester, the assignee ...).
    pub audience: Vec<i64>,
}

/// Whether this step, from `state`, repeats the row's last recorded step: a same-state step not
/// marked repeatable, taken again with nothing in between.
async fn repeats<R, A, P>(
    conn: &impl ConnectionTrait,
    flow: &Flow<R::State, A, P>,
    row: &R::Model,
    action: A,
    next: R::State,
    event_name: &str,
) -> AppResult<bool>
where
    R: Record,
    A: Copy + Eq,
{
    if next != R::state(row) || flow.repeatable.contains(&action) {
        return Ok(false);
    }
    let last = event::Entity::find()
        .filter(event::Column::SubjectType.eq(R::KIND.name()))
        .filter(event::Column::SubjectId.eq(R::id(row)))
        .order_by_desc(event::Column::Id)
        .one_row(conn)
        .await?;
    Ok(last.is_some_and(|e| e.action == event_name))
}

/// Whether the caller may take the step on `row` as it is: the next state, or FORBIDDEN /
/// INVALID_STATE_TRANSITION. Services call it first to refuse before they check the input.
pub async fn check<R, A, P>(
    conn: &impl ConnectionTrait,
    flow: &Flow<R::State, A, P>,
    row: &R::Model,
    action: A,
    parties: &[P],
    event_name: &str,
) -> AppResult<R::State>
where
    R: Record,
    A: Copy + Eq + std::fmt::Debug,
    P: Copy + Eq,
{
    let state = R::state(row);
    let next = flow.check(state, action, parties)?;
    if repeats::<R, A, P>(conn, flow, row, action, next, event_name).await? {
        return Err(wrong_state(state, action));
    }
    Ok(next)
}

/// Takes the step on `row` (as the caller read it) inside `txn`: the new state and the event,
/// to be published by `commit`. Nothing is written when it answers an error.
pub async fn take<R, A, P>(
    cx: &Cx,
    txn: &DatabaseTransaction,
    row: &R::Model,
    step: Step<'_, R, A, P>,
) -> AppResult<(R::State, Published)>
where
    R: Record,
    A: Copy + Eq + std::fmt::Debug,
    P: Copy + Eq,
{
    let (from, id) = (R::state(row), R::id(row));
    let next = step.flow.check(from, step.action, step.parties)?;
    // The conditional write comes first in the transaction: on SQLite a transaction that read
    // before writing cannot take the write lock once another writer has committed.
    let mut q = R::update_many()
        .col_expr(R::STATE, Expr::value(next.to_value()))
        .col_expr(R::VERSION, Expr::value(R::version(row) + 1));
    for (c, v) in step.changes {
        q = q.col_expr(c, Expr::value(v));
    }
    let res = q
        .filter(R::ID.eq(id))
        .filter(R::VERSION.eq(R::version(row)))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        // Someone else got there first: if the step no longer applies, say so as a later caller
        // would hear it; if it still does, the caller acted on a stale copy.
        let now = R::find()
            .filter(R::ID.eq(id))
            .one_row(txn)
            .await?
            .ok_or(AppError::NotFound)?;
        check::<R, A, P>(txn, step.flow, &now, step.action, step.parties, step.event).await?;
        // CONFLICT names the argument that names the record in the mutations.
        return Err(changed_meanwhile(match R::KIND {
            NodeKind::RepairOrder => "orderId",
            NodeKind::Complaint => "complaintId",
            NodeKind::Renovation => "renovationId",
            NodeKind::MoveBooking => "bookingId",
            NodeKind::CustodyKey => "keyId",
            NodeKind::KeyOpening => "openingId",
            _ => "id",
        }));
    }
    if repeats::<R, A, P>(txn, step.flow, row, step.action, next, step.event).await? {
        return Err(wrong_state(from, step.action));
    }
    let mut ev = events::record(
        txn,
        &cx.actor,
        NewEvent {
            community_id: Some(step.about.community_id),
            house_id: step.about.house_id,
            building_id: step.about.building_id,
            action: step.event,
            subject_type: R::KIND,
            subject_id: id,
            from_state: Some(from.to_value()),
            to_state: Some(next.to_value()),
            reason: step.reason,
        },
    )
    .await?;
    ev.audience = step.audience;
    Ok((next, ev))
}

/// The answer to a step on a stale copy of the record.
pub fn changed_meanwhile(field: &str) -> AppError {
    AppError::conflict(
        field,
        "记录刚被他人修改，请刷新后重试",
        "The record changed meanwhile; reload and retry",
    )
}

/// Commits a step's transaction and hands its events to subscribers: the one place where a
/// taken step becomes visible.
pub async fn commit(
    cx: &Cx,
    txn: DatabaseTransaction,
    events: impl IntoIterator<Item = Published>,
) -> AppResult<()> {
    txn.commit().await?;
    cx.core.bus.publish(events);
    Ok(())
}

/// A step with nothing else in its transaction: takes it, commits, and returns the row as now.
pub async fn run<R, A, P>(cx: &Cx, row: &R::Model, step: Step<'_, R, A, P>) -> AppResult<R::Model>
where
    R: Record,
    A: Copy + Eq + std::fmt::Debug,
    P: Copy + Eq,
{
    let txn = cx.db().begin().await?;
    let (_, ev) = take(cx, &txn, row, step).await?;
    let fresh = reload::<R>(&txn, R::id(row)).await?;
    commit(cx, txn, [ev]).await?;
    Ok(fresh)
}

/// The row as it is now.
pub async fn reload<R: Record>(conn: &impl ConnectionTrait, id: i64) -> AppResult<R::Model> {
    R::find()
        .filter(R::ID.eq(id))
        .one_row(conn)
        .await?
        .ok_or(AppError::NotFound)
}

macro_rules! record {
    ($m:ident, $state:ty, $kind:ident) => {
        impl Record for entity::$m::Entity {
            type State = $state;
            const KIND: NodeKind = NodeKind::$kind;
            const ID: Self::Column = entity::$m::Column::Id;
            const STATE: Self::Column = entity::$m::Column::State;
            const VERSION: Self::Column = entity::$m::Column::Version;
            fn id(m: &Self::Model) -> i64 {
                m.id
            }
            fn state(m: &Self::Model) -> Self::State {
                m.state
            }
            fn version(m: &Self::Model) -> i32 {
                m.version
            }
        }
    };
}

use entity::enums::RepairState;
use entity::enums::{ComplaintState, KeyOpeningState, KeyState, MoveState, RenovationState};
record!(repair_order, RepairState, RepairOrder);
record!(complaint, ComplaintState, Complaint);
record!(renovation, RenovationState, Renovation);
record!(move_booking, MoveState, MoveBooking);
record!(custody_key, KeyState, CustodyKey);
record!(key_opening, KeyOpeningState, KeyOpening);
