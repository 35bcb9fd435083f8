//! Moving goods in and out (客户搬入/搬出管理规程): a resident books a day and a time window; a
//! tenant's move out waits for the owner's consent; any move out needs the house's bills cleared;
//! an approved booking carries a one-time pass code that the guard checks and uses at the gate.
use super::access::staff_serves;
use super::events::{self, NewEvent};
use super::page::{paginate, Page, PageArgs};
use super::workflow::{self, About, Step};
use super::{estate, Cx};
use crate::domain::move_flow::{MoveAction, Party, MOVES};
use crate::domain::{pass_code, GlobalId, NodeKind};
use crate::error::{AppError, AppResult, OwedBill};
use crate::service::page::OneRow;
use chrono::{DateTime, FixedOffset, NaiveDate, Timelike, Utc};
use entity::enums::{HouseRelation, MoveDirection, MoveState, StaffRole};
use entity::{house, move_booking};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

/// Staff who handle bookings at the counter.
const DESK: &[StaffRole] = &[StaffRole::Reception, StaffRole::Butler, StaffRole::Manager];
/// Staff who check passes at the gate.
const GATE: &[StaffRole] = &[
    StaffRole::Security,
    StaffRole::Reception,
    StaffRole::Manager,
];
/// How far ahead a move can be booked.
const MAX_DAYS_AHEAD: i64 = 60;

fn local(at: DateTime<Utc>) -> (NaiveDate, i32) {
    let l = at.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("valid offset"));
    (l.date_naive(), (l.hour() * 60 + l.minute()) as i32)
}

/// "09:30" → 570 minutes after midnight.
pub fn parse_clock(field: &str, raw: &str) -> AppResult<i32> {
    let t = chrono::NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map_err(|_| AppError::bad_input(field, "时间格式应为 HH:MM", "Use HH:MM for times"))?;
    Ok((t.hour() * 60 + t.minute()) as i32)
}

pub fn clock(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

pub struct NewBooking {
    pub house_id: i64,
    pub direction: MoveDirection,
    pub move_on: NaiveDate,
    pub window_start: String,
    pub window_end: String,
    pub items: String,
    pub client_key: String,
}

/// Fails with BILLS_OUTSTANDING, naming the bills to those who may see them, unless the house
/// owes nothing at all (due, overdue or late fees).
pub async fn require_bills_cleared(
    cx: &Cx,
    conn: &impl ConnectionTrait,
    h: &house::Model,
) -> AppResult<()> {
    let owed = super::fees::billing::owed_by_houses(conn, &[h.id])
        .await?
        .remove(&h.id)
        .unwrap_or_default();
    let total = owed.due_fen + owed.overdue_fen + owed.late_fee_fen;
    if total == 0 {
        return Ok(());
    }
    let bills = if super::fees::sees_bills_of(cx, h).await? {
        owed.open_bills
            .iter()
            .map(|b| OwedBill {
                bill_id: GlobalId::encode(NodeKind::Bill, b.id).0,
                period: b.period.clone(),
                outstanding_fen: b.amount_fen - b.paid_fen,
            })
            .collect()
    } else {
        vec![]
    };
    Err(AppError::BillsOutstanding {
        total_fen: total,
        bills,
    })
}

/// A resident books a move for a house they live in. Retrying with the same client key returns
/// the first booking.
pub async fn book(cx: &Cx, b: NewBooking) -> AppResult<move_booking::Model> {
    let user = cx.actor.user()?.user_id;
    let h = estate::house(cx, b.house_id).await?;
    let Some(binding) = cx.reach().await?.binding(h.id).cloned() else {
        return Err(AppError::Forbidden);
    };
    let key = super::fees::payments::check_client_key(&b.client_key)?.to_owned();
    if let Some(existing) = by_client_key(cx.db(), user, &key).await? {
        return Ok(existing);
    }
    let (start, end) = (
        parse_clock("windowStart", &b.window_start)?,
        parse_clock("windowEnd", &b.window_end)?,
    );
    if start >= end {
        return Err(AppError::bad_input(
            "windowEnd",
            "结束时间须晚于开始时间",
            "The window must end after it starts",
        ));
    }
    let (today, now_min) = local(super::now());
    if b.move_on < today || (b.move_on == today && end <= now_min) {
        return Err(AppError::bad_input(
            "moveOn",
            "不能预约已经过去的时间",
            "That time has already passed",
        ));
    }
    if b.move_on > today + chrono::Duration::days(MAX_DAYS_AHEAD) {
        return Err(AppError::bad_input(
            "moveOn",
            "最多提前 60 天预约",
            "Book at most 60 days ahead",
        ));
    }
    let items = b.items.trim().to_owned();
    if items.is_empty() || items.chars().count() > 500 {
        return Err(AppError::bad_input(
            "items",
            "请填写搬运物品（最多 500 字）",
            "Say what is moved (at most 500 characters)",
        ));
    }
    if b.direction == MoveDirection::Out {
        require_bills_cleared(cx, cx.db(), &h).await?;
    }
    let consent_needed =
        b.direction == MoveDirection::Out && binding.relation == HouseRelation::Tenant;
    let state = if consent_needed {
        MoveState::AwaitingConsent
    } else {
        MoveState::Approved
    };
    let now = super::now();
    let txn = cx.db().begin().await?;
    let inserted = move_booking::ActiveModel {
        community_id: Set(h.community_id),
        house_id: Set(h.id),
        building_id: Set(h.building_id),
        requested_by_user_id: Set(user),
        requester_relation: Set(binding.relation),
        direction: Set(b.direction),
        move_on: Set(b.move_on),
        window_start_min: Set(start),
        window_end_min: Set(end),
        items: Set(items),
        state: Set(state),
        consent_by_user_id: Set(None),
        consent_at: Set(None),
        pass_code: Set((!consent_needed).then(pass_code::new)),
        pass_issued_at: Set((!consent_needed).then_some(now)),
        used_at: Set(None),
        used_by_user_id: Set(None),
        closed_reason: Set(None),
        client_key: Set(key.clone()),
        version: Set(0),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let row = match inserted.map_err(AppError::from) {
        Ok(r) => r,
        // The same booking sent twice at once: the first one stored wins, the retry gets it.
        Err(AppError::Conflict { .. }) => {
            drop(txn);
            return by_client_key(cx.db(), user, &key)
                .await?
                .ok_or(AppError::Internal);
        }
        Err(e) => return Err(e),
    };
    let ev = events::record(
        &txn,
        &cx.actor,
        NewEvent::about_house(
            &h,
            "move.booked",
            crate::domain::NodeKind::MoveBooking,
            row.id,
        )
        .to(state.to_value()),
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(row)
}

async fn by_client_key(
    conn: &impl ConnectionTrait,
    user: i64,
    key: &str,
) -> AppResult<Option<move_booking::Model>> {
    Ok(move_booking::Entity::find()
        .filter(move_booking::Column::RequestedByUserId.eq(user))
        .filter(move_booking::Column::ClientKey.eq(key))
        .one_row(conn)
        .await?)
}

/// A booking the caller may see: who booked it, the house's owner, the desk serving the house,
/// the community's guards.
pub async fn get(cx: &Cx, id: i64) -> AppResult<move_booking::Model> {
    cx.actor.require_signed_in()?;
    let m = move_booking::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    if parties(cx, &m).await?.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(m)
}

async fn parties(cx: &Cx, m: &move_booking::Model) -> AppResult<Vec<Party>> {
    let mut out = vec![];
    if cx
        .actor
        .user()
        .ok()
        .is_some_and(|u| u.user_id == m.requested_by_user_id)
    {
        out.push(Party::Requester);
    }
    if cx.reach().await?.owns(m.house_id) {
        out.push(Party::Owner);
    }
    if let Some(s) = cx.actor.staff() {
        if staff_serves(s, m.community_id, m.building_id, DESK) {
            out.push(Party::Desk);
        }
        if staff_serves(s, m.community_id, m.building_id, &[StaffRole::Security]) {
            out.push(Party::Guard);
        }
    }
    Ok(out)
}

/// Takes a step through the workflow engine, in `txn`; a reason is kept on the booking.
async fn step(
    cx: &Cx,
    txn: &sea_orm::DatabaseTransaction,
    m: &move_booking::Model,
    action: MoveAction,
    as_parties: &[Party],
    mut extra: Vec<(move_booking::Column, sea_orm::Value)>,
    reason: Option<String>,
) -> AppResult<(move_booking::Model, events::Published)> {
    if reason.is_some() {
        extra.push((move_booking::Column::ClosedReason, reason.clone().into()));
    }
    let (_, ev) = workflow::take::<move_booking::Entity, _, _>(
        cx,
        txn,
        m,
        Step {
            flow: &MOVES,
            action,
            parties: as_parties,
            changes: extra,
            event: "move.changed",
            about: About {
                community_id: m.community_id,
                house_id: Some(m.house_id),
                building_id: Some(m.building_id),
            },
            reason,
            audience: vec![m.requested_by_user_id],
        },
    )
    .await?;
    Ok((
        workflow::reload::<move_booking::Entity>(txn, m.id).await?,
        ev,
    ))
}

async fn simple_step(
    cx: &Cx,
    id: i64,
    action: MoveAction,
    reason: Option<String>,
    extra: Vec<(move_booking::Column, sea_orm::Value)>,
) -> AppResult<move_booking::Model> {
    let m = get(cx, id).await?;
    let mine = parties(cx, &m).await?;
    let txn = cx.db().begin().await?;
    let (row, ev) = step(cx, &txn, &m, action, &mine, extra, reason).await?;
    workflow::commit(cx, txn, [ev]).await?;
    Ok(row)
}

/// The owner answers a tenant's move out. Consent re-checks the bills and issues the pass.
pub async fn consent(
    cx: &Cx,
    id: i64,
    agree: bool,
    reason: Option<String>,
) -> AppResult<move_booking::Model> {
    if !agree {
        let reason = reason.filter(|r| !r.trim().is_empty()).ok_or_else(|| {
            AppError::bad_input("reason", "拒绝时请说明原因", "Give a reason when refusing")
        })?;
        return simple_step(cx, id, MoveAction::Refuse, Some(reason), vec![]).await;
    }
    let m = get(cx, id).await?;
    let mine = parties(cx, &m).await?;
    // Refuse a step that is not the owner's before looking at anyone's bills.
    MOVES.check(m.state, MoveAction::Consent, &mine)?;
    let h = estate::house(cx, m.house_id).await?;
    let user = cx.actor.user()?.user_id;
    let now = super::now();
    let txn = cx.db().begin().await?;
    let (row, ev) = step(
        cx,
        &txn,
        &m,
        MoveAction::Consent,
        &mine,
        vec![
            (move_booking::Column::ConsentByUserId, user.into()),
            (move_booking::Column::ConsentAt, now.into()),
            (move_booking::Column::PassCode, pass_code::new().into()),
            (move_booking::Column::PassIssuedAt, now.into()),
        ],
        reason,
    )
    .await?;
    // After the step's write, inside its transaction: bills owed roll the consent back.
    require_bills_cleared(cx, &txn, &h).await?;
    workflow::commit(cx, txn, [ev]).await?;
    Ok(row)
}

pub async fn cancel(cx: &Cx, id: i64, reason: Option<String>) -> AppResult<move_booking::Model> {
    simple_step(cx, id, MoveAction::Cancel, reason, vec![]).await
}

pub async fn revoke(cx: &Cx, id: i64, reason: String) -> AppResult<move_booking::Model> {
    if reason.trim().is_empty() {
        return Err(AppError::bad_input(
            "reason",
            "请说明收回放行条的原因",
            "Give a reason for revoking the pass",
        ));
    }
    simple_step(cx, id, MoveAction::Revoke, Some(reason), vec![]).await
}

/// Why a pass does or does not let goods through now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum ReleaseVerdict {
    /// Valid now: let the goods through and record the exit.
    Valid,
    /// No such code in this community.
    UnknownCode,
    /// The code is for another day.
    WrongDay,
    /// Today, but outside the booked time window.
    OutsideWindow,
    /// The code was used already; it works once.
    AlreadyUsed,
    /// The desk revoked the pass, or the booking was cancelled.
    Revoked,
}

pub struct ReleaseCheck {
    pub verdict: ReleaseVerdict,
    pub booking: Option<move_booking::Model>,
}

fn verdict(m: &move_booking::Model, at: DateTime<Utc>) -> ReleaseVerdict {
    let (day, minute) = local(at);
    match m.state {
        MoveState::Used => ReleaseVerdict::AlreadyUsed,
        MoveState::Approved if day != m.move_on => ReleaseVerdict::WrongDay,
        MoveState::Approved if minute < m.window_start_min || minute > m.window_end_min => {
            ReleaseVerdict::OutsideWindow
        }
        MoveState::Approved => ReleaseVerdict::Valid,
        _ => ReleaseVerdict::Revoked,
    }
}

async fn by_code(cx: &Cx, community_id: i64, code: &str) -> AppResult<Option<move_booking::Model>> {
    super::fees::require_staff_in(cx, community_id, GATE)?;
    Ok(move_booking::Entity::find()
        .filter(move_booking::Column::CommunityId.eq(community_id))
        .filter(move_booking::Column::PassCode.eq(pass_code::normalize(code)))
        .one_row(cx.db())
        .await?)
}

/// The guard checks a code (at `at`, normally now): nothing changes.
pub async fn check(
    cx: &Cx,
    community_id: i64,
    code: &str,
    at: DateTime<Utc>,
) -> AppResult<ReleaseCheck> {
    Ok(match by_code(cx, community_id, code).await? {
        None => ReleaseCheck {
            verdict: ReleaseVerdict::UnknownCode,
            booking: None,
        },
        Some(m) => ReleaseCheck {
            verdict: verdict(&m, at),
            booking: Some(m),
        },
    })
}

/// The guard lets the goods through: the code is spent, the exit recorded. Any other verdict is
/// an error that changes nothing.
pub async fn pass_gate(cx: &Cx, community_id: i64, code: &str) -> AppResult<move_booking::Model> {
    cx.actor.require_staff(&[StaffRole::Security])?;
    let m = by_code(cx, community_id, code)
        .await?
        .ok_or_else(|| AppError::bad_input("code", "放行码不存在", "No such pass code"))?;
    let now = super::now();
    match verdict(&m, now) {
        ReleaseVerdict::Valid => {}
        ReleaseVerdict::WrongDay => {
            return Err(AppError::bad_input(
                "code",
                format!("该放行条仅限 {} 使用", m.move_on),
                format!("This pass is for {} only", m.move_on),
            ));
        }
        ReleaseVerdict::OutsideWindow => {
            let w = format!("{}–{}", clock(m.window_start_min), clock(m.window_end_min));
            return Err(AppError::bad_input(
                "code",
                format!("不在预约时段 {w} 内"),
                format!("Outside the booked window {w}"),
            ));
        }
        _ => {
            return Err(AppError::InvalidStateTransition {
                current: m.state.to_value(),
                action: crate::domain::flow::step_key(MoveAction::Pass),
            })
        }
    }
    let user = cx.actor.user()?.user_id;
    let txn = cx.db().begin().await?;
    let (row, ev) = step(
        cx,
        &txn,
        &m,
        MoveAction::Pass,
        &[Party::Guard],
        vec![
            (move_booking::Column::UsedAt, now.into()),
            (move_booking::Column::UsedByUserId, user.into()),
        ],
        None,
    )
    .await?;
    workflow::commit(cx, txn, [ev]).await?;
    Ok(row)
}

/// The caller's bookings and those of the houses they own, newest first.
pub async fn mine(cx: &Cx, args: &PageArgs) -> AppResult<Page<move_booking::Model>> {
    let user = cx.actor.user()?.user_id;
    let owned: Vec<i64> = cx
        .reach()
        .await?
        .own
        .iter()
        .filter(|o| o.relation == HouseRelation::Owner)
        .map(|o| o.house_id)
        .collect();
    let q = move_booking::Entity::find().filter(
        sea_orm::Condition::any()
            .add(move_booking::Column::RequestedByUserId.eq(user))
            .add(move_booking::Column::HouseId.is_in(owned)),
    );
    paginate(cx.db(), q, move_booking::Column::Id, args).await
}

/// The gate's list for a day: the passes issued for it (and those already used), by window.
pub async fn passes_on(
    cx: &Cx,
    community_id: i64,
    day: Option<NaiveDate>,
) -> AppResult<Vec<move_booking::Model>> {
    super::fees::require_staff_in(cx, community_id, GATE)?;
    let day = day.unwrap_or_else(super::today_in_community);
    Ok(move_booking::Entity::find()
        .filter(move_booking::Column::CommunityId.eq(community_id))
        .filter(move_booking::Column::MoveOn.eq(day))
        .filter(move_booking::Column::State.is_in([MoveState::Approved, MoveState::Used]))
        .order_by_asc(move_booking::Column::WindowStartMin)
        .order_by_asc(move_booking::Column::Id)
        .all(cx.db())
        .await?)
}

/// Tenant move outs waiting for an owner's consent, for the desk to chase (a butler: their
/// buildings).
pub async fn awaiting_consent(cx: &Cx, community_id: i64) -> AppResult<Vec<move_booking::Model>> {
    super::fees::require_staff_in(cx, community_id, DESK)?;
    let s = cx.actor.staff().ok_or(AppError::Forbidden)?;
    let rows = move_booking::Entity::find()
        .filter(move_booking::Column::CommunityId.eq(community_id))
        .filter(move_booking::Column::State.eq(MoveState::AwaitingConsent))
        .order_by_asc(move_booking::Column::MoveOn)
        .all(cx.db())
        .await?;
    Ok(rows
        .into_iter()
        .filter(|m| staff_serves(s, m.community_id, m.building_id, DESK))
        .collect())
}
