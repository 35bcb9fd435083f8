//! Smart cards (住户智能卡, 车辆出入IC卡): issued at the counter, reported lost or damaged at any
//! hour (dead at once), replaced with a new number and a fee, and synced by the access-control
//! system from an append-only change log.
use super::fees::billing::{raise_charge_in, LineDraft};
use super::page::{paginate, Page, PageArgs};
use super::{estate, Cx};
use crate::auth::ApiScope;
use crate::domain::card_flow::{CardAction, Party, CARDS};
use crate::domain::flow::wrong_state;
use crate::domain::Fen;
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use entity::enums::{BillingCycle, CardKind, CardState, FeeKind, StaffRole};
use entity::{card, card_change, fee_item, house, house_member};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

const DESK: &[StaffRole] = &[StaffRole::Reception, StaffRole::Manager];

/// Appends the card's new state to the change log (same transaction as the change).
async fn log(conn: &impl ConnectionTrait, c: &card::Model, state: CardState) -> AppResult<()> {
    card_change::ActiveModel {
        community_id: Set(c.community_id),
        card_id: Set(c.id),
        number: Set(c.number.clone()),
        kind: Set(c.kind),
        state: Set(state),
        at: Set(super::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub(crate) fn number(raw: &str) -> AppResult<String> {
    let n = raw.trim().to_ascii_uppercase();
    if n.is_empty() || n.len() > 32 || !n.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AppError::bad_input(
            "number",
            "卡号须为 1–32 位字母或数字",
            "A card number is 1–32 letters or digits",
        ));
    }
    Ok(n)
}

fn taken() -> AppError {
    AppError::conflict("number", "该卡号已存在", "This card number already exists")
}

/// Reception issues a card to a live member of a house.
pub async fn issue(
    cx: &Cx,
    house_id: i64,
    holder_user_id: i64,
    kind: CardKind,
    raw_number: &str,
) -> AppResult<card::Model> {
    let h = estate::house(cx, house_id).await?;
    super::fees::require_staff_in(cx, h.community_id, DESK)?;
    let n = number(raw_number)?;
    let member = house_member::Entity::find()
        .filter(house_member::Column::HouseId.eq(h.id))
        .filter(house_member::Column::UserId.eq(holder_user_id))
        .filter(house_member::Column::EndedAt.is_null())
        .one_row(cx.db())
        .await?;
    if member.is_none() {
        return Err(AppError::bad_input(
            "holderMemberId",
            "持卡人须为该房屋的住户",
            "The holder must live in this house",
        ));
    }
    let txn = cx.db().begin().await?;
    let c = insert(&txn, &h, holder_user_id, kind, n).await?;
    txn.commit().await?;
    Ok(c)
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    h: &house::Model,
    holder: i64,
    kind: CardKind,
    n: String,
) -> AppResult<card::Model> {
    if card::Entity::find()
        .filter(card::Column::CommunityId.eq(h.community_id))
        .filter(card::Column::Number.eq(n.clone()))
        .one_row(conn)
        .await?
        .is_some()
    {
        return Err(taken());
    }
    let c = card::ActiveModel {
        community_id: Set(h.community_id),
        house_id: Set(h.id),
        holder_user_id: Set(holder),
        kind: Set(kind),
        number: Set(n),
        state: Set(CardState::Active),
        replaced_by_id: Set(None),
        replacement_bill_id: Set(None),
        created_at: Set(super::now()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Conflict { .. } => taken(),
        other => other,
    })?;
    log(conn, &c, CardState::Active).await?;
    Ok(c)
}

/// A card the caller may see: its holder, the house's owner, the community's desk and guards.
pub async fn get(cx: &Cx, id: i64) -> AppResult<card::Model> {
    cx.actor.require_signed_in()?;
    let c = card::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let user = cx.actor.user().ok().map(|u| u.user_id);
    let owner = cx.reach().await?.owns(c.house_id);
    let staff = cx.actor.staff().is_some_and(|s| {
        s.role == StaffRole::Admin
            || (s.community_id == Some(c.community_id)
                && matches!(
                    s.role,
                    StaffRole::Reception | StaffRole::Manager | StaffRole::Security
                ))
    });
    if user == Some(c.holder_user_id) || owner || staff {
        Ok(c)
    } else {
        Err(AppError::NotFound)
    }
}

/// Retires a person's working cards of a house when they move out (退伙); logged for the
/// access-control sync like any other change.
pub async fn retire_holder(
    conn: &impl ConnectionTrait,
    house_id: i64,
    user_id: i64,
) -> AppResult<()> {
    let live = card::Entity::find()
        .filter(card::Column::HouseId.eq(house_id))
        .filter(card::Column::HolderUserId.eq(user_id))
        .filter(card::Column::State.is_in([CardState::Active, CardState::Lost, CardState::Damaged]))
        .all(conn)
        .await?;
    for c in live {
        card::Entity::update_many()
            .col_expr(
                card::Column::State,
                Expr::value(CardState::Retired.to_value()),
            )
            .filter(card::Column::Id.eq(c.id))
            .exec(conn)
            .await?;
        log(conn, &c, CardState::Retired).await?;
    }
    Ok(())
}

/// Whether the caller may act for the card's holder (themselves, the owner, the desk).
fn may_act(cx: &Cx, c: &card::Model, owner: bool) -> bool {
    cx.actor
        .user()
        .ok()
        .is_some_and(|u| u.user_id == c.holder_user_id)
        || owner
        || cx.actor.staff().is_some_and(|s| {
            s.role == StaffRole::Admin
                || (s.community_id == Some(c.community_id) && DESK.contains(&s.role))
        })
}

/// Who the caller is to the card.
async fn parties(cx: &Cx, c: &card::Model) -> AppResult<Vec<Party>> {
    let mut out = vec![];
    if may_act(cx, c, cx.reach().await?.owns(c.house_id)) {
        out.push(Party::ForHolder);
    }
    if cx.actor.staff().is_some_and(|s| {
        s.role == StaffRole::Admin
            || (s.community_id == Some(c.community_id) && DESK.contains(&s.role))
    }) {
        out.push(Party::Desk);
    }
    Ok(out)
}

/// Writes the card's new state only if it still has the state the step was checked against
/// (cards carry no version: the state is the lock). Lost to another step, it answers as the
/// workflow engine does: INVALID_STATE_TRANSITION naming the state the card is in now.
async fn write_state(
    txn: &sea_orm::DatabaseTransaction,
    c: &card::Model,
    action: CardAction,
    to: CardState,
) -> AppResult<()> {
    let res = card::Entity::update_many()
        .col_expr(card::Column::State, Expr::value(to.to_value()))
        .filter(card::Column::Id.eq(c.id))
        .filter(card::Column::State.eq(c.state))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        let now = card::Entity::find_by_id(c.id)
            .one_row(txn)
            .await?
            .ok_or(AppError::NotFound)?;
        return Err(wrong_state(now.state, action));
    }
    log(txn, c, to).await
}

/// Takes a step of `CARDS` that writes nothing but the state.
async fn transition(cx: &Cx, id: i64, action: CardAction) -> AppResult<card::Model> {
    let c = get(cx, id).await?;
    let to = CARDS.check(c.state, action, &parties(cx, &c).await?)?;
    let txn = cx.db().begin().await?;
    write_state(&txn, &c, action, to).await?;
    txn.commit().await?;
    Ok(card::Model { state: to, ..c })
}

/// 挂失 / 报损: the card is dead the moment this returns.
pub async fn report(cx: &Cx, id: i64, damaged: bool) -> AppResult<card::Model> {
    let action = if damaged {
        CardAction::ReportDamaged
    } else {
        CardAction::ReportLost
    };
    transition(cx, id, action).await
}

/// 解挂: a lost card found again works again, unless it was already replaced.
pub async fn reactivate(cx: &Cx, id: i64) -> AppResult<card::Model> {
    transition(cx, id, CardAction::Reactivate).await
}

/// 补办: a new card with a new number; the old one is dead forever and the fee is billed.
pub async fn replace(cx: &Cx, id: i64, new_number: &str) -> AppResult<card::Model> {
    let old = get(cx, id).await?;
    super::fees::require_staff_in(cx, old.community_id, DESK)?;
    let to = CARDS.check(old.state, CardAction::Replace, &parties(cx, &old).await?)?;
    let n = number(new_number)?;
    let item = fee_item::Entity::find()
        .filter(fee_item::Column::CommunityId.eq(old.community_id))
        .filter(fee_item::Column::Kind.eq(FeeKind::CardReplacement))
        .filter(fee_item::Column::Cycle.eq(BillingCycle::OneOff))
        .filter(fee_item::Column::Active.eq(true))
        .one_row(cx.db())
        .await?
        .ok_or_else(|| {
            AppError::bad_input(
                "cardId",
                "本小区尚未设置补卡费收费项目",
                "This community has no card replacement fee item",
            )
        })?;
    let txn = cx.db().begin().await?;
    // The state first: on SQLite a transaction that read first cannot write after another has.
    write_state(&txn, &old, CardAction::Replace, to).await?;
    let h = house::Entity::find_by_id(old.house_id)
        .one_row(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let new = insert(&txn, &h, old.holder_user_id, old.kind, n).await?;
    let bill = raise_charge_in(
        &txn,
        &h,
        &format!("card:{}", old.id),
        vec![LineDraft {
            fee_item_id: Some(item.id),
            description: format!(
                "{}：{} 号卡补办为 {} = {}",
                item.name,
                old.number,
                new.number,
                Fen(item.unit_price_fen)
            ),
            amount_fen: item.unit_price_fen,
            late_fee_bps_per_day: None,
            late_fee_grace_days: 0,
            late_fee_cap_bps: None,
        }],
    )
    .await?;
    card::Entity::update_many()
        .col_expr(card::Column::ReplacedById, Expr::value(new.id))
        .col_expr(card::Column::ReplacementBillId, Expr::value(bill.id))
        .filter(card::Column::Id.eq(old.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(new)
}

/// The caller's cards and those of the houses they own.
pub async fn mine(cx: &Cx, args: &PageArgs) -> AppResult<Page<card::Model>> {
    let user = cx.actor.user()?.user_id;
    let owned: Vec<i64> = cx
        .reach()
        .await?
        .own
        .iter()
        .filter(|o| o.relation == entity::enums::HouseRelation::Owner)
        .map(|o| o.house_id)
        .collect();
    let q = card::Entity::find().filter(
        sea_orm::Condition::any()
            .add(card::Column::HolderUserId.eq(user))
            .add(card::Column::HouseId.is_in(owned)),
    );
    paginate(cx.db(), q, card::Column::Id, args).await
}

/// The access-control system (`cards:read`) or the desk: who may read a community's cards.
fn require_card_reader(cx: &Cx, community_id: i64) -> AppResult<()> {
    if cx
        .actor
        .integrator_with(ApiScope::CardsRead)
        .is_some_and(|i| i.community_id == community_id)
    {
        return Ok(());
    }
    if matches!(cx.actor, crate::auth::Actor::Integrator(_)) {
        return Err(AppError::Forbidden);
    }
    super::fees::require_staff_in(
        cx,
        community_id,
        &[
            StaffRole::Reception,
            StaffRole::Manager,
            StaffRole::Security,
        ],
    )
}

/// The cards that open doors right now.
pub async fn active(cx: &Cx, community_id: i64, args: &PageArgs) -> AppResult<Page<card::Model>> {
    cx.actor.require_signed_in()?;
    require_card_reader(cx, community_id)?;
    let q = card::Entity::find()
        .filter(card::Column::CommunityId.eq(community_id))
        .filter(card::Column::State.eq(CardState::Active));
    paginate(cx.db(), q, card::Column::Id, args).await
}

/// Changes after a cursor (the last change id seen), oldest first, at most `limit`.
pub async fn changes(
    cx: &Cx,
    community_id: i64,
    after: i64,
    limit: u64,
) -> AppResult<(Vec<card_change::Model>, bool)> {
    cx.actor.require_signed_in()?;
    require_card_reader(cx, community_id)?;
    let q = card_change::Entity::find()
        .filter(card_change::Column::CommunityId.eq(community_id))
        .filter(card_change::Column::Id.gt(after))
        .order_by_asc(card_change::Column::Id);
    let mut rows = super::page::all_limited(cx.db(), q, limit + 1).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// The card desk's view of a house: its owner, and reception or the manager of its community.
pub async fn require_cards_of(cx: &Cx, h: &house::Model) -> AppResult<()> {
    let desk = cx
        .actor
        .staff()
        .is_some_and(|s| super::access::staff_serves(s, h.community_id, h.building_id, DESK));
    if desk || cx.reach().await?.owns(h.id) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}
