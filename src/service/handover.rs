//! Handover (客户入伙管理程序): reception checks the new owner's identity, binds them to the house,
//! records the keys handed over (and any left in custody), issues their cards and starts the
//! house's fees, all in one transaction so a half-done handover never exists.
use super::events::{self, NewEvent};
use super::page::{paginate, Page, PageArgs};
use super::{estate, Cx};
use crate::domain::Phone;
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use entity::enums::{CardKind, HouseRelation, HouseStatus, IdDocumentKind, StaffRole};
use entity::{handover, house, house_member};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

const DESK: &[StaffRole] = &[StaffRole::Reception, StaffRole::Manager];

pub struct HandedKey {
    pub label: String,
    pub count: i32,
}

pub struct KeptKey {
    pub label: String,
    pub seal_number: Option<String>,
}

pub struct NewHandover {
    pub house_id: i64,
    pub owner_phone: String,
    pub owner_name: String,
    pub id_kind: IdDocumentKind,
    pub id_number: String,
    pub keys_handed: Vec<HandedKey>,
    pub keys_kept: Vec<KeptKey>,
    pub cards: Vec<(CardKind, String)>,
    pub fees_from_period: Option<String>,
    pub client_key: String,
}

/// Checks an identity number and keeps only its last four characters: the desk sees the
/// document, the database never holds the whole number.
pub fn masked_id(kind: IdDocumentKind, raw: &str) -> AppResult<String> {
    let n: String = raw.trim().to_ascii_uppercase();
    let ok = match kind {
        IdDocumentKind::ResidentId => resident_id_ok(&n),
        _ => (5..=20).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric()),
    };
    if !ok {
        return Err(AppError::bad_input(
            "idNumber",
            "证件号码无效，请核对",
            "The document number is not valid; check it",
        ));
    }
    let keep = n.len() - 4;
    Ok(format!("{}{}", "*".repeat(keep), &n[keep..]))
}

/// GB 11643: 17 digits and an ISO 7064 MOD 11-2 check character.
fn resident_id_ok(n: &str) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = n.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(W)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    CHECK[(sum % 11) as usize] == b[17]
}

/// Hands house `house_id` to its new owner. The same client key again returns the first
/// handover; a house that already has an owner is a CONFLICT.
pub async fn hand_over(cx: &Cx, n: NewHandover) -> AppResult<handover::Model> {
    let h = estate::house(cx, n.house_id).await?;
    super::fees::require_staff_in(cx, h.community_id, DESK)?;
    let key = super::fees::payments::check_client_key(&n.client_key)?.to_owned();
    if let Some(done) = by_client_key(cx.db(), h.community_id, &key).await? {
        return Ok(done);
    }
    let phone = Phone::parse("ownerPhone", &n.owner_phone)?;
    let name = n.owner_name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(AppError::bad_input(
            "ownerName",
            "请填写业主姓名（最多 40 字）",
            "Give the owner's name (at most 40 characters)",
        ));
    }
    let masked = masked_id(n.id_kind, &n.id_number)?;
    if n.keys_handed.is_empty()
        || n.keys_handed.iter().any(|k| {
            k.label.trim().is_empty()
                || k.label.chars().count() > 30
                || !(1..=20).contains(&k.count)
        })
    {
        return Err(AppError::bad_input(
            "keysHanded",
            "请逐项登记交付的钥匙（名称 1–30 字，数量 1–20）",
            "List the keys handed over (name 1–30 characters, 1–20 of each)",
        ));
    }
    let fees_from = match n.fees_from_period.as_deref() {
        Some(p) => super::fees::period_of(super::fees::parse_period("feesFromPeriod", p)?),
        None => super::fees::period_of(super::today_in_community()),
    };
    let cards: Vec<(CardKind, String)> = n
        .cards
        .iter()
        .map(|(k, num)| Ok((*k, super::cards::number(num)?)))
        .collect::<AppResult<_>>()?;
    let keys_json = serde_json::to_string(
        &n.keys_handed
            .iter()
            .map(|k| serde_json::json!({ "label": k.label.trim(), "count": k.count }))
            .collect::<Vec<_>>(),
    )
    .map_err(|e| AppError::internal("keys json", e))?;
    let checker = cx.actor.user()?.user_id;

    let out: AppResult<handover::Model> = async {
        let txn = cx.db().begin().await?;
        let has_owner = house_member::Entity::find()
            .filter(house_member::Column::HouseId.eq(h.id))
            .filter(house_member::Column::Relation.eq(HouseRelation::Owner))
            .filter(house_member::Column::EndedAt.is_null())
            .one_row(&txn)
            .await?
            .is_some();
        if has_owner {
            return Err(AppError::conflict(
                "houseId",
                "该房屋已有业主，过户请走过户流程",
                "This house already has an owner",
            ));
        }
        let owner = super::members::find_or_create_user(&txn, &phone, Some(name)).await?;
        let now = super::now();
        house_member::ActiveModel {
            community_id: Set(h.community_id),
            house_id: Set(h.id),
            user_id: Set(owner.id),
            relation: Set(HouseRelation::Owner),
            tenancy_ends_on: Set(None),
            tenant_may_see_bills: Set(false),
            invited_by: Set(Some(checker)),
            created_at: Set(now),
            ended_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        house::Entity::update_many()
            .col_expr(
                house::Column::Status,
                Expr::value(HouseStatus::Occupied.to_value()),
            )
            .filter(house::Column::Id.eq(h.id))
            .filter(house::Column::Status.eq(HouseStatus::Vacant))
            .exec(&txn)
            .await?;
        let row = handover::ActiveModel {
            community_id: Set(h.community_id),
            house_id: Set(h.id),
            owner_user_id: Set(owner.id),
            id_kind: Set(n.id_kind),
            id_number_masked: Set(masked),
            checked_by_user_id: Set(checker),
            keys_handed: Set(keys_json),
            fees_from_period: Set(fees_from.clone()),
            client_key: Set(key.clone()),
            handed_over_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let row = row?;
        for (kind, number) in cards {
            super::cards::insert(&txn, &h, owner.id, kind, number).await?;
        }
        let mut published = vec![];
        for k in &n.keys_kept {
            published.push(
                super::keys::deposit_in(
                    cx,
                    &txn,
                    &h,
                    &k.label,
                    k.seal_number.as_deref(),
                    Some(owner.id),
                )
                .await?
                .1,
            );
        }
        let mut ev = events::record(
            &txn,
            &cx.actor,
            NewEvent::about_house(&h, "house.handed_over", "Handover", row.id)
                .to("OWNER")
                .because(Some(format!("fees from {fees_from}"))),
        )
        .await?;
        ev.audience.push(owner.id);
        published.insert(0, ev);
        txn.commit().await?;
        cx.core.bus.publish(published);
        Ok(row)
    }
    .await;
    match out {
        // The same handover sent twice at once: the first one stored is the answer.
        Err(AppError::Conflict { .. })
            if by_client_key(cx.db(), h.community_id, &key)
                .await?
                .is_some() =>
        {
            by_client_key(cx.db(), h.community_id, &key)
                .await?
                .ok_or(AppError::Internal)
        }
        other => other,
    }
}

async fn by_client_key(
    conn: &impl ConnectionTrait,
    community_id: i64,
    key: &str,
) -> AppResult<Option<handover::Model>> {
    Ok(handover::Entity::find()
        .filter(handover::Column::CommunityId.eq(community_id))
        .filter(handover::Column::ClientKey.eq(key))
        .one_row(conn)
        .await?)
}

/// Houses whose fees start after `period` (`YYYY-MM`): bill generation leaves them out.
pub async fn not_yet_billed(
    conn: &impl ConnectionTrait,
    community_id: i64,
    period: &str,
) -> AppResult<std::collections::HashSet<i64>> {
    Ok(handover::Entity::find()
        .filter(handover::Column::CommunityId.eq(community_id))
        .filter(handover::Column::FeesFromPeriod.gt(period))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.house_id)
        .collect())
}

/// Reception's list of handovers in a community, newest first.
pub async fn of_community(
    cx: &Cx,
    community_id: i64,
    args: &PageArgs,
) -> AppResult<Page<handover::Model>> {
    estate::community(cx, community_id).await?;
    super::fees::require_staff_in(cx, community_id, DESK)?;
    paginate(
        cx.db(),
        handover::Entity::find().filter(handover::Column::CommunityId.eq(community_id)),
        handover::Column::Id,
        args,
    )
    .await
}

/// One handover: the desk of its community, and the owner it was made to.
pub async fn get(cx: &Cx, id: i64) -> AppResult<handover::Model> {
    cx.actor.require_signed_in()?;
    let r = handover::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let own = cx
        .actor
        .user()
        .ok()
        .is_some_and(|u| u.user_id == r.owner_user_id);
    let desk = cx.actor.staff().is_some_and(|s| {
        s.role == StaffRole::Admin
            || (s.community_id == Some(r.community_id) && DESK.contains(&s.role))
    });
    if own || desk {
        Ok(r)
    } else {
        Err(AppError::NotFound)
    }
}
