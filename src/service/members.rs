//! People bound to houses: an owner's family and tenants, who may see what, and the record of
//! every invitation and removal.
use super::events::{self, NewEvent};
use super::page::{Page, PageArgs};
use crate::service::page::OneRow;

use super::{estate, Cx};
use crate::domain::Phone;
use crate::error::{AppError, AppResult};
use entity::enums::{HouseRelation, StaffRole};
use entity::{house, house_member, user};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

/// Staff roles that may register or end a binding on an owner's behalf.
const STAFF_WHO_MANAGE_MEMBERS: [StaffRole; 3] =
    [StaffRole::Manager, StaffRole::Reception, StaffRole::Butler];

/// Whether the caller may list the people of a house they can already see.
pub async fn require_people_of(cx: &Cx, h: &house::Model) -> AppResult<()> {
    if !cx.reach().await?.sees_people_of(h) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// The live members of many houses in one statement (a house has a handful), for the house
/// lists that show who lives where. Callers check `require_people_of` per house.
pub async fn live_by_houses(
    conn: &impl ConnectionTrait,
    house_ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, Vec<house_member::Model>>> {
    let mut out: std::collections::HashMap<i64, Vec<house_member::Model>> =
        std::collections::HashMap::new();
    for m in house_member::Entity::find()
        .filter(house_member::Column::HouseId.is_in(house_ids.iter().copied()))
        .filter(house_member::Column::EndedAt.is_null())
        .all(conn)
        .await?
    {
        out.entry(m.house_id).or_default().push(m);
    }
    Ok(out)
}

/// The caller's own live bindings ("my houses").
pub async fn mine(cx: &Cx, args: &PageArgs) -> AppResult<Page<house_member::Model>> {
    cx.actor.user()?;
    // The live bindings are what the request's access check already read (a tenancy past its
    // end no longer counts); a person has a handful, so they are paged in memory.
    let bindings = cx
        .reach()
        .await?
        .own
        .iter()
        .map(|o| o.binding.clone())
        .collect();
    Ok(super::page::paginate_vec(bindings, |m| m.id, args))
}

/// One binding, if the caller may see the people of its house.
pub async fn member(cx: &Cx, id: i64) -> AppResult<house_member::Model> {
    cx.actor.require_signed_in()?;
    let m = house_member::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let h = estate::house(cx, m.house_id).await?;
    let own = cx.actor.user().ok().is_some_and(|u| u.user_id == m.user_id);
    if !own && !cx.reach().await?.sees_people_of(&h) {
        return Err(AppError::NotFound);
    }
    Ok(m)
}

/// Whether the caller may invite to / remove from house `h`: its owner, or staff who serve it.
async fn require_manager_of(cx: &Cx, h: &house::Model) -> AppResult<()> {
    let reach = cx.reach().await?;
    if reach.owns(h.id) {
        return Ok(());
    }
    let staff_ok = cx
        .actor
        .staff()
        .is_some_and(|s| s.role == StaffRole::Admin || STAFF_WHO_MANAGE_MEMBERS.contains(&s.role));
    if staff_ok && reach.staff_sees_people_of(h) {
        return Ok(());
    }
    Err(AppError::Forbidden)
}

pub struct Invite {
    pub house_id: i64,
    pub phone: String,
    pub display_name: Option<String>,
    pub relation: HouseRelation,
    pub tenancy_ends_on: Option<chrono::NaiveDate>,
    pub tenant_may_see_bills: bool,
}

pub async fn invite(cx: &Cx, input: Invite) -> AppResult<house_member::Model> {
    let h = estate::house(cx, input.house_id).await?;
    require_manager_of(cx, &h).await?;
    let phone = Phone::parse("phone", &input.phone)?;
    match input.relation {
        HouseRelation::Owner => {
            return Err(AppError::bad_input(
                "relation",
                "业主须在入伙时由前台办理",
                "Owners are bound at handover, not by invitation",
            ));
        }
        HouseRelation::Tenant => match input.tenancy_ends_on {
            None => {
                return Err(AppError::bad_input(
                    "tenancyEndsOn",
                    "租户须填写租期结束日期",
                    "A tenant needs a tenancy end date",
                ))
            }
            Some(d) if d < super::today_in_community() => {
                return Err(AppError::bad_input(
                    "tenancyEndsOn",
                    "租期结束日期不能早于今天",
                    "The tenancy end date is in the past",
                ));
            }
            _ => {}
        },
        HouseRelation::Family => {
            if input.tenancy_ends_on.is_some() {
                return Err(AppError::bad_input(
                    "tenancyEndsOn",
                    "仅租户有租期",
                    "Only tenants have a tenancy end date",
                ));
            }
        }
    }
    let display_name = input
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if display_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > 40)
    {
        return Err(AppError::bad_input(
            "displayName",
            "姓名过长（最多 40 字）",
            "Name is too long (at most 40 characters)",
        ));
    }
    let actor = cx.actor.clone();
    let inviter = cx.actor.user().ok().map(|u| u.user_id);
    let txn = cx.db().begin().await?;
    let (member, published) = {
        let person = find_or_create_user(&txn, &phone, display_name).await?;
        let live = house_member::Entity::find()
            .filter(house_member::Column::HouseId.eq(h.id))
            .filter(house_member::Column::UserId.eq(person.id))
            .filter(house_member::Column::EndedAt.is_null())
            .one_row(&txn)
            .await?;
        if live.is_some() {
            return Err(AppError::conflict(
                "phone",
                "该手机号已绑定此房屋",
                "This phone is already bound to the house",
            ));
        }
        let member = house_member::ActiveModel {
            community_id: Set(h.community_id),
            house_id: Set(h.id),
            user_id: Set(person.id),
            relation: Set(input.relation),
            tenancy_ends_on: Set(input.tenancy_ends_on),
            tenant_may_see_bills: Set(
                input.relation == HouseRelation::Tenant && input.tenant_may_see_bills
            ),
            invited_by: Set(inviter),
            created_at: Set(super::now()),
            ended_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(conflict_on_phone)?;
        let ev = events::record(
            &txn,
            &actor,
            NewEvent::about_house(
                &h,
                "house_member.invited",
                crate::domain::NodeKind::HouseMember,
                member.id,
            )
            .to(input.relation.to_value()),
        )
        .await?;
        (member, ev)
    };
    txn.commit().await?;
    cx.core.bus.publish([published]);
    Ok(member)
}

/// A concurrent invite of the same person loses on the partial unique index: still a CONFLICT.
fn conflict_on_phone(e: sea_orm::DbErr) -> AppError {
    match AppError::from(e) {
        AppError::Conflict { .. } => AppError::conflict(
            "phone",
            "该手机号已绑定此房屋",
            "This phone is already bound to the house",
        ),
        other => other,
    }
}

pub async fn remove(
    cx: &Cx,
    member_id: i64,
    reason: Option<String>,
) -> AppResult<house_member::Model> {
    let m = member(cx, member_id).await?;
    let h = estate::house(cx, m.house_id).await?;
    require_manager_of(cx, &h).await?;
    if m.relation == HouseRelation::Owner {
        return Err(AppError::bad_input(
            "memberId",
            "不能移除业主（过户须由前台办理）",
            "An owner cannot be removed here; ownership changes at the counter",
        ));
    }
    let actor = cx.actor.clone();
    let txn = cx.db().begin().await?;
    let (ended, published) = {
        let now = super::now();
        // Conditional update: a concurrent removal finds nothing left to end.
        let res = house_member::Entity::update_many()
            .col_expr(
                house_member::Column::EndedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(house_member::Column::Id.eq(m.id))
            .filter(house_member::Column::EndedAt.is_null())
            .exec(&txn)
            .await?;
        if res.rows_affected == 0 {
            return Err(AppError::NotFound);
        }
        // 退伙: their cards for this house stop working in the same transaction.
        super::cards::retire_holder(&txn, h.id, m.user_id).await?;
        let ev = events::record(
            &txn,
            &actor,
            NewEvent::about_house(
                &h,
                "house_member.removed",
                crate::domain::NodeKind::HouseMember,
                m.id,
            )
            .from(m.relation.to_value())
            .to("ENDED")
            .because(reason),
        )
        .await?;
        (
            house_member::Model {
                ended_at: Some(now),
                ..m
            },
            ev,
        )
    };
    txn.commit().await?;
    cx.core.bus.publish([published]);
    // Their open websockets still follow this house: they close, and reconnect without it.
    cx.core.bus.end(events::Ended::User(ended.user_id));
    Ok(ended)
}

/// The owner decides whether a tenant sees the house's bills.
pub async fn set_tenant_bill_access(
    cx: &Cx,
    member_id: i64,
    allowed: bool,
) -> AppResult<house_member::Model> {
    let m = member(cx, member_id).await?;
    if !cx.reach().await?.owns(m.house_id) {
        return Err(AppError::Forbidden);
    }
    if m.relation != HouseRelation::Tenant {
        return Err(AppError::bad_input(
            "memberId",
            "只有租户需要设置账单可见性",
            "Only tenants have a bill-visibility setting",
        ));
    }
    let h = estate::house(cx, m.house_id).await?;
    let actor = cx.actor.clone();
    let txn = cx.db().begin().await?;
    let (updated, published) = {
        let before = m.tenant_may_see_bills;
        let mut am: house_member::ActiveModel = m.into();
        am.tenant_may_see_bills = Set(allowed);
        let updated = am.update(&txn).await?;
        let ev = events::record(
            &txn,
            &actor,
            NewEvent::about_house(
                &h,
                "house_member.bill_access_changed",
                crate::domain::NodeKind::HouseMember,
                updated.id,
            )
            .from(before.to_string())
            .to(allowed.to_string()),
        )
        .await?;
        (updated, ev)
    };
    txn.commit().await?;
    cx.core.bus.publish([published]);
    Ok(updated)
}

/// The user with this phone, created without a password if new (they set one on first sign-in
/// through the SMS flow of the app). A new person needs a name.
pub async fn find_or_create_user(
    conn: &impl ConnectionTrait,
    phone: &Phone,
    display_name: Option<String>,
) -> AppResult<user::Model> {
    if let Some(u) = user::Entity::find()
        .filter(user::Column::Phone.eq(phone.as_str()))
        .one_row(conn)
        .await?
    {
        return Ok(u);
    }
    let Some(name) = display_name else {
        return Err(AppError::bad_input(
            "displayName",
            "新用户须填写姓名",
            "A name is required for a new person",
        ));
    };
    Ok(user::ActiveModel {
        phone: Set(phone.as_str().to_owned()),
        password_hash: Set(None),
        display_name: Set(name),
        locale: Set("zh-CN".into()),
        created_at: Set(super::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}
