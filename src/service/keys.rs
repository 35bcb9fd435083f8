//! Key custody (钥匙管理规程): keys held for owners, deposited and sealed; each loan for a repair
//! or an inspection recorded with who, why and when due back; unreturned keys chased daily; a
//! sealed key opened only in an emergency, with the manager's approval, two staff and a guard
//! present, and the owner told in the app.
use super::access::staff_serves;
use super::events::{self, NewEvent};
use super::page::{paginate, Page, PageArgs};
use super::workflow::{self, About, Step};
use super::{estate, Cx};
use crate::domain::key_flow::{KeyAction, OpeningAction, Party, KEYS, OPENINGS};
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use chrono::{DateTime, Duration, Utc};
use entity::enums::{HouseRelation, KeyLoanPurpose, KeyOpeningState, KeyState, StaffRole};
use entity::{custody_key, house, house_member, key_loan, key_opening, staff_member};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};

/// Staff at the key cabinet.
const DESK: &[StaffRole] = &[StaffRole::Reception, StaffRole::Butler, StaffRole::Manager];
/// Who may ask for a sealed key to be opened: the desk and the guards.
const REQUESTERS: &[StaffRole] = &[
    StaffRole::Reception,
    StaffRole::Butler,
    StaffRole::Manager,
    StaffRole::Security,
];

fn text(field: &str, raw: &str, max: usize) -> AppResult<String> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("须为 1–{max} 个字"),
            format!("Must be 1–{max} characters"),
        ));
    }
    Ok(t.to_owned())
}

/// The owners of a house: they hear of everything done with its keys.
async fn owners(conn: &impl ConnectionTrait, house_id: i64) -> AppResult<Vec<i64>> {
    Ok(house_member::Entity::find()
        .filter(house_member::Column::HouseId.eq(house_id))
        .filter(house_member::Column::Relation.eq(HouseRelation::Owner))
        .filter(house_member::Column::EndedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

async fn record(
    cx: &Cx,
    conn: &impl ConnectionTrait,
    h: &house::Model,
    action: &'static str,
    key_id: i64,
    from: Option<KeyState>,
    to: KeyState,
    reason: Option<String>,
) -> AppResult<events::Published> {
    let mut e = NewEvent::about_house(h, action, crate::domain::NodeKind::CustodyKey, key_id)
        .to(to.to_value())
        .because(reason);
    if let Some(f) = from {
        e = e.from(f.to_value());
    }
    let mut ev = events::record(conn, &cx.actor, e).await?;
    ev.audience.extend(owners(conn, h.id).await?);
    Ok(ev)
}

/// Puts a key in the cabinet for house `h`, sealed when it has a seal number. Used by the key
/// desk and by the handover, inside the caller's transaction.
pub async fn deposit_in(
    cx: &Cx,
    conn: &impl ConnectionTrait,
    h: &house::Model,
    label: &str,
    seal_number: Option<&str>,
    depositor: Option<i64>,
) -> AppResult<(custody_key::Model, events::Published)> {
    let label = text("label", label, 60)?;
    let seal = seal_number.map(|s| text("sealNumber", s, 32)).transpose()?;
    let state = if seal.is_some() {
        KeyState::Sealed
    } else {
        KeyState::Held
    };
    let k = custody_key::ActiveModel {
        community_id: Set(h.community_id),
        house_id: Set(h.id),
        building_id: Set(h.building_id),
        label: Set(label),
        seal_number: Set(seal),
        state: Set(state),
        deposited_by_user_id: Set(depositor),
        received_by_user_id: Set(cx.actor.user()?.user_id),
        deposited_at: Set(super::now()),
        version: Set(0),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let ev = record(cx, conn, h, "key.deposited", k.id, None, state, None).await?;
    Ok((k, ev))
}

/// The key desk takes a key in (sealed when a seal number is given).
pub async fn deposit(
    cx: &Cx,
    house_id: i64,
    label: &str,
    seal_number: Option<&str>,
) -> AppResult<custody_key::Model> {
    let h = estate::house(cx, house_id).await?;
    require_desk(cx, h.community_id, h.building_id)?;
    let owner = owners(cx.db(), h.id).await?.first().copied();
    let txn = cx.db().begin().await?;
    let (k, ev) = deposit_in(cx, &txn, &h, label, seal_number, owner).await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(k)
}

fn require_desk(cx: &Cx, community_id: i64, building_id: i64) -> AppResult<()> {
    let s = cx.actor.require_staff(DESK)?;
    if !staff_serves(s, community_id, building_id, DESK) {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// A key the caller may see: the owners of its house, the desk serving it, the community's
/// guards (they witness openings), admins.
pub async fn get(cx: &Cx, id: i64) -> AppResult<custody_key::Model> {
    cx.actor.require_signed_in()?;
    let k = custody_key::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let staff = cx
        .actor
        .staff()
        .is_some_and(|s| staff_serves(s, k.community_id, k.building_id, REQUESTERS));
    if staff || cx.reach().await?.owns(k.house_id) {
        Ok(k)
    } else {
        Err(AppError::NotFound)
    }
}

/// Moves a key along the table through the workflow engine; its owners hear of it.
async fn move_key(
    cx: &Cx,
    txn: &DatabaseTransaction,
    k: &custody_key::Model,
    action: KeyAction,
    seal: Option<Option<String>>,
    event: &'static str,
    reason: Option<String>,
) -> AppResult<events::Published> {
    let parties: &[Party] = if cx
        .actor
        .staff()
        .is_some_and(|s| staff_serves(s, k.community_id, k.building_id, DESK))
    {
        &[Party::Desk]
    } else {
        &[]
    };
    let changes = seal
        .map(|s| vec![(custody_key::Column::SealNumber, s.into())])
        .unwrap_or_default();
    let (_, mut ev) = workflow::take::<custody_key::Entity, _, _>(
        cx,
        txn,
        k,
        Step {
            flow: &KEYS,
            action,
            parties,
            changes,
            event,
            about: About {
                community_id: k.community_id,
                house_id: Some(k.house_id),
                building_id: Some(k.building_id),
            },
            reason,
            audience: vec![],
        },
    )
    .await?;
    ev.audience.extend(owners(txn, k.house_id).await?);
    Ok(ev)
}

/// A live staff member of the community, by staff-member id, as (user id, role).
async fn staff_of(
    conn: &impl ConnectionTrait,
    field: &str,
    community_id: i64,
    staff_member_id: i64,
) -> AppResult<(i64, StaffRole)> {
    let m = staff_member::Entity::find_by_id(staff_member_id)
        .filter(staff_member::Column::EndedAt.is_null())
        .one_row(conn)
        .await?
        .filter(|m| m.community_id == Some(community_id))
        .ok_or_else(|| {
            AppError::bad_input(
                field,
                "须为本小区在职员工",
                "Must be a current staff member of this community",
            )
        })?;
    Ok((m.user_id, m.role))
}

pub struct Loan {
    pub key_id: i64,
    pub purpose: KeyLoanPurpose,
    pub borrower_staff_id: i64,
    pub due_back_at: DateTime<Utc>,
    pub repair_order_id: Option<i64>,
    pub note: Option<String>,
}

/// Lends an unsealed key to a staff member for a repair or an inspection.
pub async fn lend(cx: &Cx, l: Loan) -> AppResult<custody_key::Model> {
    let k = get(cx, l.key_id).await?;
    require_desk(cx, k.community_id, k.building_id)?;
    if l.purpose == KeyLoanPurpose::Emergency {
        return Err(AppError::bad_input(
            "purpose",
            "紧急开启须经主任批准，走紧急开启流程",
            "Emergencies go through an approved opening",
        ));
    }
    let now = super::now();
    if l.due_back_at <= now || l.due_back_at > now + Duration::days(7) {
        return Err(AppError::bad_input(
            "dueBackAt",
            "归还时间须在未来 7 天内",
            "Due back within the next 7 days",
        ));
    }
    let (borrower, _) =
        staff_of(cx.db(), "borrowerId", k.community_id, l.borrower_staff_id).await?;
    let note = l
        .note
        .as_deref()
        .map(|n| text("note", n, 200))
        .transpose()?;
    let txn = cx.db().begin().await?;
    let ev = move_key(
        cx,
        &txn,
        &k,
        KeyAction::Lend,
        None,
        "key.lent",
        Some(format!("{:?}", l.purpose)),
    )
    .await?;
    key_loan::ActiveModel {
        community_id: Set(k.community_id),
        key_id: Set(k.id),
        purpose: Set(l.purpose),
        repair_order_id: Set(l.repair_order_id),
        opening_id: Set(None),
        note: Set(note.clone()),
        borrower_user_id: Set(borrower),
        lent_by_user_id: Set(cx.actor.user()?.user_id),
        lent_at: Set(now),
        due_back_at: Set(l.due_back_at),
        returned_at: Set(None),
        received_by_user_id: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    workflow::commit(cx, txn, [ev]).await?;
    get(cx, k.id).await
}

/// Takes a lent key back into the cabinet (unsealed: seal it again with `sealKey`).
pub async fn give_back(cx: &Cx, key_id: i64) -> AppResult<custody_key::Model> {
    let k = get(cx, key_id).await?;
    require_desk(cx, k.community_id, k.building_id)?;
    let txn = cx.db().begin().await?;
    let ev = move_key(cx, &txn, &k, KeyAction::Return, None, "key.returned", None).await?;
    key_loan::Entity::update_many()
        .col_expr(key_loan::Column::ReturnedAt, Expr::value(super::now()))
        .col_expr(
            key_loan::Column::ReceivedByUserId,
            Expr::value(cx.actor.user()?.user_id),
        )
        .filter(key_loan::Column::KeyId.eq(k.id))
        .filter(key_loan::Column::ReturnedAt.is_null())
        .exec(&txn)
        .await?;
    workflow::commit(cx, txn, [ev]).await?;
    get(cx, k.id).await
}

/// Seals a key in the cabinet under a seal number, or hands it back to its owner.
pub async fn seal_or_hand_back(
    cx: &Cx,
    key_id: i64,
    seal_number: Option<&str>,
) -> AppResult<custody_key::Model> {
    let k = get(cx, key_id).await?;
    require_desk(cx, k.community_id, k.building_id)?;
    let (action, seal, name) = match seal_number {
        Some(s) => (
            KeyAction::Seal,
            Some(Some(text("sealNumber", s, 32)?)),
            "key.sealed",
        ),
        None => (KeyAction::HandBack, Some(None), "key.handed_back"),
    };
    let txn = cx.db().begin().await?;
    let ev = move_key(cx, &txn, &k, action, seal, name, None).await?;
    workflow::commit(cx, txn, [ev]).await?;
    get(cx, k.id).await
}

/// Asks the manager to approve breaking a key's seal in an emergency (a leak, a fire alarm).
pub async fn request_opening(cx: &Cx, key_id: i64, reason: &str) -> AppResult<key_opening::Model> {
    let k = get(cx, key_id).await?;
    let s = cx.actor.require_staff(REQUESTERS)?;
    if !staff_serves(s, k.community_id, k.building_id, REQUESTERS) {
        return Err(AppError::NotFound);
    }
    let reason = text("reason", reason, 500)?;
    if k.state != KeyState::Sealed {
        return Err(AppError::InvalidStateTransition {
            current: k.state.to_value(),
            action: "requestKeyOpening".into(),
        });
    }
    let open = key_opening::Entity::find()
        .filter(key_opening::Column::KeyId.eq(k.id))
        .filter(
            key_opening::Column::State
                .is_in([KeyOpeningState::Requested, KeyOpeningState::Approved]),
        )
        .one_row(cx.db())
        .await?;
    if open.is_some() {
        return Err(AppError::conflict(
            "keyId",
            "该钥匙已有待处理的紧急开启申请",
            "An opening of this key is already pending",
        ));
    }
    let h = house::Entity::find_by_id(k.house_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = cx.db().begin().await?;
    let o = key_opening::ActiveModel {
        community_id: Set(k.community_id),
        key_id: Set(k.id),
        reason: Set(reason.clone()),
        state: Set(KeyOpeningState::Requested),
        requested_by_user_id: Set(cx.actor.user()?.user_id),
        requested_at: Set(super::now()),
        version: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let ev = events::record(
        &txn,
        &cx.actor,
        NewEvent::about_house(
            &h,
            "key.opening_requested",
            crate::domain::NodeKind::KeyOpening,
            o.id,
        )
        .to("REQUESTED")
        .because(Some(reason)),
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(o)
}

/// An opening request the caller may see: the staff who may see its key.
pub async fn opening(cx: &Cx, id: i64) -> AppResult<key_opening::Model> {
    let o = key_opening::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let k = get(cx, o.key_id).await?;
    if cx
        .actor
        .staff()
        .is_none_or(|s| !staff_serves(s, k.community_id, k.building_id, REQUESTERS))
    {
        return Err(AppError::NotFound);
    }
    Ok(o)
}

/// Moves an opening request along its table through the workflow engine.
async fn move_opening(
    cx: &Cx,
    txn: &DatabaseTransaction,
    o: &key_opening::Model,
    k: &custody_key::Model,
    action: OpeningAction,
    changes: Vec<(key_opening::Column, sea_orm::Value)>,
    event: &'static str,
    reason: Option<String>,
) -> AppResult<events::Published> {
    let mut parties = vec![];
    if let Some(s) = cx.actor.staff() {
        if staff_serves(s, o.community_id, 0, &[StaffRole::Manager]) {
            parties.push(Party::Manager);
        }
        if s.role == StaffRole::Admin
            || (s.community_id == Some(o.community_id) && DESK.contains(&s.role))
        {
            parties.push(Party::Desk);
        }
    }
    let (_, ev) = workflow::take::<key_opening::Entity, _, _>(
        cx,
        txn,
        o,
        Step {
            flow: &OPENINGS,
            action,
            parties: &parties,
            changes,
            event,
            about: About {
                community_id: k.community_id,
                house_id: Some(k.house_id),
                building_id: Some(k.building_id),
            },
            reason,
            audience: vec![],
        },
    )
    .await?;
    Ok(ev)
}

/// The manager approves or refuses an opening.
pub async fn decide_opening(
    cx: &Cx,
    id: i64,
    approve: bool,
    reason: Option<String>,
) -> AppResult<key_opening::Model> {
    let o = opening(cx, id).await?;
    let action = if approve {
        OpeningAction::Approve
    } else {
        OpeningAction::Refuse
    };
    let reason = if approve {
        None
    } else {
        Some(text("reason", reason.as_deref().unwrap_or(""), 500)?)
    };
    let k = get(cx, o.key_id).await?;
    let txn = cx.db().begin().await?;
    let ev = move_opening(
        cx,
        &txn,
        &o,
        &k,
        action,
        vec![
            (
                key_opening::Column::DecidedByUserId,
                cx.actor.user()?.user_id.into(),
            ),
            (key_opening::Column::DecidedAt, super::now().into()),
            (key_opening::Column::RefusalReason, reason.clone().into()),
        ],
        "key.opening_decided",
        reason,
    )
    .await?;
    workflow::commit(cx, txn, [ev]).await?;
    opening(cx, id).await
}

pub struct Opening {
    pub opening_id: i64,
    pub witness_staff_ids: Vec<i64>,
    pub guard_staff_id: i64,
    pub due_back_at: Option<DateTime<Utc>>,
}

/// Breaks the seal under an approved opening, with two staff members and a guard present: the
/// key is lent to the caller and the owner is told at once.
pub async fn open_sealed(cx: &Cx, input: Opening) -> AppResult<key_opening::Model> {
    let o = opening(cx, input.opening_id).await?;
    let k = get(cx, o.key_id).await?;
    require_desk(cx, k.community_id, k.building_id)?;
    if o.state != KeyOpeningState::Approved {
        // Without the manager's approval nothing happens, whatever else is right.
        return Err(AppError::InvalidStateTransition {
            current: o.state.to_value(),
            action: "openSealedKey".into(),
        });
    }
    let [w1, w2] = input.witness_staff_ids[..] else {
        return Err(AppError::bad_input(
            "witnessIds",
            "须有两名员工在场",
            "Two staff members must be present",
        ));
    };
    if w1 == w2 {
        return Err(AppError::bad_input(
            "witnessIds",
            "两名在场员工须为不同的人",
            "The two staff members must be different people",
        ));
    }
    let (u1, _) = staff_of(cx.db(), "witnessIds", k.community_id, w1).await?;
    let (u2, _) = staff_of(cx.db(), "witnessIds", k.community_id, w2).await?;
    let (guard, guard_role) =
        staff_of(cx.db(), "guardId", k.community_id, input.guard_staff_id).await?;
    if guard_role != StaffRole::Security || guard == u1 || guard == u2 {
        return Err(AppError::bad_input(
            "guardId",
            "须有一名保安在场（不能是上述两名员工）",
            "A security guard other than the two staff must be present",
        ));
    }
    let now = super::now();
    let due = input.due_back_at.unwrap_or(now + Duration::hours(4));
    if due <= now || due > now + Duration::days(1) {
        return Err(AppError::bad_input(
            "dueBackAt",
            "紧急开启的钥匙须在 24 小时内归还",
            "An emergency key is due back within 24 hours",
        ));
    }
    let me = cx.actor.user()?.user_id;
    let txn = cx.db().begin().await?;
    let opened = move_opening(
        cx,
        &txn,
        &o,
        &k,
        OpeningAction::Open,
        vec![
            (key_opening::Column::OpenedAt, now.into()),
            (key_opening::Column::OpenedByUserId, me.into()),
            (key_opening::Column::Witness1UserId, u1.into()),
            (key_opening::Column::Witness2UserId, u2.into()),
            (key_opening::Column::GuardUserId, guard.into()),
        ],
        "key.opening_opened",
        None,
    )
    .await?;
    let ev = move_key(
        cx,
        &txn,
        &k,
        KeyAction::OpenInEmergency,
        Some(None),
        "key.opened_in_emergency",
        Some(o.reason.clone()),
    )
    .await?;
    key_loan::ActiveModel {
        community_id: Set(k.community_id),
        key_id: Set(k.id),
        purpose: Set(KeyLoanPurpose::Emergency),
        repair_order_id: Set(None),
        opening_id: Set(Some(o.id)),
        note: Set(Some(o.reason.clone())),
        borrower_user_id: Set(me),
        lent_by_user_id: Set(me),
        lent_at: Set(now),
        due_back_at: Set(due),
        returned_at: Set(None),
        received_by_user_id: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    workflow::commit(cx, txn, [opened, ev]).await?;
    opening(cx, o.id).await
}

/// Keys of the houses the caller owns.
pub async fn mine(cx: &Cx, args: &PageArgs) -> AppResult<Page<custody_key::Model>> {
    cx.actor.user()?;
    let owned: Vec<i64> = cx
        .reach()
        .await?
        .own
        .iter()
        .filter(|o| o.relation == HouseRelation::Owner)
        .map(|o| o.house_id)
        .collect();
    let q = custody_key::Entity::find().filter(custody_key::Column::HouseId.is_in(owned));
    paginate(cx.db(), q, custody_key::Column::Id, args).await
}

/// The key desk's cabinet: the community's keys in custody (a butler: their buildings).
pub async fn of_community(
    cx: &Cx,
    community_id: i64,
    state: Option<KeyState>,
    args: &PageArgs,
) -> AppResult<Page<custody_key::Model>> {
    super::fees::require_staff_in(cx, community_id, DESK)?;
    let mut q =
        custody_key::Entity::find().filter(custody_key::Column::CommunityId.eq(community_id));
    if let Some(s) = cx.actor.staff().filter(|s| s.role == StaffRole::Butler) {
        q = q.filter(custody_key::Column::BuildingId.is_in(s.building_ids.clone()));
    }
    q = match state {
        Some(s) => q.filter(custody_key::Column::State.eq(s)),
        None => q.filter(custody_key::Column::State.ne(KeyState::ReturnedToOwner)),
    };
    paginate(cx.db(), q, custody_key::Column::Id, args).await
}

/// The daily chase list: loans not returned that are due before the end of the local day,
/// longest overdue first.
pub async fn unreturned(cx: &Cx, community_id: i64) -> AppResult<Vec<key_loan::Model>> {
    super::fees::require_staff_in(cx, community_id, DESK)?;
    let end_of_today = (super::today_in_community() + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        - Duration::hours(8);
    Ok(key_loan::Entity::find()
        .filter(key_loan::Column::CommunityId.eq(community_id))
        .filter(key_loan::Column::ReturnedAt.is_null())
        .filter(key_loan::Column::DueBackAt.lt(end_of_today.and_utc()))
        .order_by_asc(key_loan::Column::DueBackAt)
        .all(cx.db())
        .await?)
}

/// Emergency openings waiting for the manager.
pub async fn openings_waiting(cx: &Cx, community_id: i64) -> AppResult<Vec<key_opening::Model>> {
    super::fees::require_staff_in(cx, community_id, &[StaffRole::Manager])?;
    Ok(key_opening::Entity::find()
        .filter(key_opening::Column::CommunityId.eq(community_id))
        .filter(key_opening::Column::State.eq(KeyOpeningState::Requested))
        .order_by_asc(key_opening::Column::Id)
        .all(cx.db())
        .await?)
}
