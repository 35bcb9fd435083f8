//! Staff memberships: who works in which community in which role, and a butler's buildings.
//! Managers run their own community's team (except managers and admins); admins run everyone.
use super::events::{self, NewEvent};
use super::page::{paginate, Page, PageArgs};
use super::{members::find_or_create_user, Cx};
use crate::auth::password;
use crate::domain::Phone;
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use entity::enums::StaffRole;
use entity::{building, butler_building, staff_member, user};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};

/// May the caller hire into / change / remove `role` in `community`?
fn require_may_manage(cx: &Cx, community_id: Option<i64>, role: StaffRole) -> AppResult<()> {
    let grant = cx.actor.require_staff(&[StaffRole::Manager])?;
    if grant.role == StaffRole::Admin {
        return Ok(());
    }
    let same_community = community_id.is_some() && grant.community_id == community_id;
    if !same_community {
        return Err(AppError::NotFound);
    }
    if matches!(role, StaffRole::Manager | StaffRole::Admin) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

pub async fn of_community(
    cx: &Cx,
    community_id: i64,
    role: Option<StaffRole>,
    args: &PageArgs,
) -> AppResult<Page<staff_member::Model>> {
    // Managers see the whole team; dispatchers (reception, butler) see the technicians they
    // dispatch to.
    let grant = if role == Some(StaffRole::Technician) {
        cx.actor
            .require_staff(&[StaffRole::Manager, StaffRole::Reception, StaffRole::Butler])?
    } else {
        cx.actor.require_staff(&[StaffRole::Manager])?
    };
    if !crate::auth::Actor::staff_covers_community(grant, community_id) {
        return Err(AppError::Forbidden);
    }
    let mut q = staff_member::Entity::find()
        .filter(staff_member::Column::CommunityId.eq(community_id))
        .filter(staff_member::Column::EndedAt.is_null());
    if let Some(r) = role {
        q = q.filter(staff_member::Column::Role.eq(r));
    }
    paginate(cx.db(), q, staff_member::Column::Id, args).await
}

/// A membership the caller may see: their own, their community's (managers), any (admins).
pub async fn member(cx: &Cx, id: i64) -> AppResult<staff_member::Model> {
    cx.actor.require_signed_in()?;
    let m = staff_member::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let own = cx.actor.user().ok().is_some_and(|u| u.user_id == m.user_id);
    let manages = cx.actor.staff().is_some_and(|g| {
        g.role == StaffRole::Admin
            || (g.role == StaffRole::Manager
                && g.community_id.is_some()
                && g.community_id == m.community_id)
    });
    if own || manages {
        Ok(m)
    } else {
        Err(AppError::NotFound)
    }
}

pub struct NewStaff {
    pub community_id: Option<i64>,
    pub phone: String,
    pub display_name: Option<String>,
    pub role: StaffRole,
    pub initial_password: Option<String>,
}

pub async fn add(cx: &Cx, input: NewStaff) -> AppResult<staff_member::Model> {
    let community_id = match (input.role, input.community_id) {
        (StaffRole::Admin, _) => None,
        (_, Some(c)) => Some(c),
        (_, None) => {
            return Err(AppError::bad_input(
                "communityId",
                "请选择所属小区",
                "A community is required for this role",
            ))
        }
    };
    require_may_manage(cx, community_id.or(input.community_id), input.role)?;
    if let Some(c) = community_id {
        super::estate::community(cx, c).await?;
    }
    let phone = Phone::parse("phone", &input.phone)?;
    let new_hash = match input.initial_password {
        Some(p) => {
            password::check_strength("initialPassword", &p)?;
            Some(password::hash(p).await?)
        }
        None => None,
    };
    let txn = cx.db().begin().await?;
    let person = find_or_create_user(&txn, &phone, input.display_name).await?;
    if person.password_hash.is_none() {
        if let Some(h) = new_hash {
            let mut am: user::ActiveModel = person.clone().into();
            am.password_hash = Set(Some(h));
            am.update(&txn).await?;
        }
    }
    let existing = staff_member::Entity::find()
        .filter(staff_member::Column::UserId.eq(person.id))
        .filter(staff_member::Column::EndedAt.is_null())
        .one_row(&txn)
        .await?;
    if existing.is_some() {
        return Err(AppError::conflict(
            "phone",
            "此人已是在职员工",
            "This person already has a staff role",
        ));
    }
    let m = staff_member::ActiveModel {
        user_id: Set(person.id),
        community_id: Set(community_id),
        role: Set(input.role),
        created_at: Set(super::now()),
        ended_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Conflict { .. } => AppError::conflict(
            "phone",
            "此人已是在职员工",
            "This person already has a staff role",
        ),
        other => other,
    })?;
    let ev = record(
        &txn,
        cx,
        &m,
        "staff.added",
        None,
        Some(m.role.to_value()),
        None,
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    // What their open websockets follow was decided by the old grant.
    cx.core.bus.end(events::Ended::User(m.user_id));
    Ok(m)
}

pub async fn change_role(cx: &Cx, id: i64, role: StaffRole) -> AppResult<staff_member::Model> {
    let m = member(cx, id).await?;
    require_may_manage(cx, m.community_id, m.role)?;
    require_may_manage(cx, m.community_id, role)?;
    if m.ended_at.is_some() {
        return Err(AppError::InvalidStateTransition {
            current: "ENDED".into(),
            action: "changeStaffRole".into(),
        });
    }
    if (role == StaffRole::Admin) != (m.role == StaffRole::Admin) {
        return Err(AppError::bad_input(
            "role",
            "管理员与小区员工不能互转",
            "Admin and community roles cannot be swapped",
        ));
    }
    let txn = cx.db().begin().await?;
    let from = m.role;
    let mut am: staff_member::ActiveModel = m.into();
    am.role = Set(role);
    let m = am.update(&txn).await?;
    if from == StaffRole::Butler && role != StaffRole::Butler {
        butler_building::Entity::delete_many()
            .filter(butler_building::Column::StaffMemberId.eq(m.id))
            .exec(&txn)
            .await?;
    }
    let ev = record(
        &txn,
        cx,
        &m,
        "staff.role_changed",
        Some(from.to_value()),
        Some(role.to_value()),
        None,
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    // What their open websockets follow was decided by the old grant.
    cx.core.bus.end(events::Ended::User(m.user_id));
    Ok(m)
}

/// Replaces a butler's buildings; all must lie in the butler's community.
pub async fn assign_buildings(
    cx: &Cx,
    id: i64,
    building_ids: Vec<i64>,
) -> AppResult<staff_member::Model> {
    let m = member(cx, id).await?;
    require_may_manage(cx, m.community_id, m.role)?;
    if m.role != StaffRole::Butler {
        return Err(AppError::bad_input(
            "staffId",
            "只有管家可以分配楼栋",
            "Only butlers are assigned buildings",
        ));
    }
    let community_id = m.community_id.ok_or(AppError::Internal)?;
    let mut wanted = building_ids;
    wanted.sort_unstable();
    wanted.dedup();
    let found = building::Entity::find()
        .filter(building::Column::Id.is_in(wanted.clone()))
        .filter(building::Column::CommunityId.eq(community_id))
        .all(cx.db())
        .await?;
    if found.len() != wanted.len() {
        return Err(AppError::bad_input(
            "buildingIds",
            "楼栋不属于该管家所在小区",
            "Every building must belong to the butler's community",
        ));
    }
    let txn = cx.db().begin().await?;
    butler_building::Entity::delete_many()
        .filter(butler_building::Column::StaffMemberId.eq(m.id))
        .exec(&txn)
        .await?;
    for b in &wanted {
        butler_building::ActiveModel {
            community_id: Set(community_id),
            staff_member_id: Set(m.id),
            building_id: Set(*b),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let list = wanted
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let ev = record(
        &txn,
        cx,
        &m,
        "staff.buildings_assigned",
        None,
        Some(list),
        None,
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    // What their open websockets follow was decided by the old grant.
    cx.core.bus.end(events::Ended::User(m.user_id));
    Ok(m)
}

pub async fn remove(cx: &Cx, id: i64, reason: Option<String>) -> AppResult<staff_member::Model> {
    let m = member(cx, id).await?;
    require_may_manage(cx, m.community_id, m.role)?;
    if cx.actor.user().ok().is_some_and(|u| u.user_id == m.user_id) {
        return Err(AppError::bad_input(
            "staffId",
            "不能移除自己",
            "You cannot remove yourself",
        ));
    }
    let txn = cx.db().begin().await?;
    let now = super::now();
    let res = staff_member::Entity::update_many()
        .col_expr(
            staff_member::Column::EndedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(staff_member::Column::Id.eq(m.id))
        .filter(staff_member::Column::EndedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    let ev = record(
        &txn,
        cx,
        &m,
        "staff.removed",
        Some(m.role.to_value()),
        Some("ENDED"),
        reason,
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    // Their open websockets were let in as staff: they close, and reconnect as who they are now.
    cx.core.bus.end(events::Ended::User(m.user_id));
    Ok(staff_member::Model {
        ended_at: Some(now),
        ..m
    })
}

async fn record(
    txn: &sea_orm::DatabaseTransaction,
    cx: &Cx,
    m: &staff_member::Model,
    action: &'static str,
    from: Option<String>,
    to: Option<impl Into<String>>,
    reason: Option<String>,
) -> AppResult<events::Published> {
    events::record(
        txn,
        &cx.actor,
        NewEvent {
            community_id: m.community_id,
            house_id: None,
            building_id: None,
            action,
            subject_type: crate::domain::NodeKind::StaffMember,
            subject_id: m.id,
            from_state: from,
            to_state: to.map(Into::into),
            reason,
        },
    )
    .await
}
