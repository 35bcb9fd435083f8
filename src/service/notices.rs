//! Notices (停水、停电管理规程; 社区文化): planned water, power and gas cuts and community news,
//! published by staff to a whole community or to some of its buildings, read by the residents of
//! the houses in scope, and pushed to them live when published or updated.
use super::events::{self, NewEvent};
use super::page::{paginate_newest_first, Page, PageArgs};
use super::{estate, Cx};
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use chrono::{DateTime, Utc};
use entity::enums::{NoticeKind, StaffRole};
use entity::{building, house, house_member, notice, notice_building};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, QueryTrait, Set, TransactionTrait,
};

/// Staff who publish notices (a butler: to their own buildings only).
pub const PUBLISHERS: &[StaffRole] = &[StaffRole::Butler, StaffRole::Reception, StaffRole::Manager];

/// Every staff role works in the community and needs to know of an outage there.
const STAFF: &[StaffRole] = &[
    StaffRole::Butler,
    StaffRole::Reception,
    StaffRole::Technician,
    StaffRole::Security,
    StaffRole::Manager,
    StaffRole::Finance,
];

/// A notice to publish.
pub struct Draft {
    pub community_id: i64,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Empty: the whole community.
    pub building_ids: Vec<i64>,
}

/// Changes to a published notice; the audience never changes, so an update reaches exactly the
/// people the notice did.
#[derive(Default)]
pub struct Patch {
    pub title: Option<String>,
    pub body: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// The outage is over now (ended early, or called off before it began).
    pub end_now: bool,
}

fn text(field: &str, raw: &str, max: usize) -> AppResult<String> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("请填写内容（1–{max} 字）"),
            format!("Write 1–{max} characters"),
        ));
    }
    Ok(t.to_owned())
}

fn check_times(
    kind: NoticeKind,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    match (starts_at, ends_at) {
        (None, _) | (_, None) if kind.is_outage() => Err(AppError::bad_input(
            if starts_at.is_none() {
                "startsAt"
            } else {
                "endsAt"
            },
            "停水、停电、停气通知须写明开始和结束时间",
            "An outage notice needs a start and an end",
        )),
        (Some(s), Some(e)) if e <= s => Err(AppError::bad_input(
            "endsAt",
            "结束时间须晚于开始时间",
            "The end must be after the start",
        )),
        _ => Ok(()),
    }
}

/// A publisher may address these buildings: reception, the manager and admins any of the
/// community, a butler only their own (and never the whole community).
fn may_publish_to(cx: &Cx, community_id: i64, building_ids: &[i64]) -> AppResult<()> {
    super::fees::require_staff_in(cx, community_id, PUBLISHERS)?;
    if let Some(s) = cx.actor.staff().filter(|s| s.role == StaffRole::Butler) {
        if building_ids.is_empty() || building_ids.iter().any(|b| !s.building_ids.contains(b)) {
            return Err(AppError::Forbidden);
        }
    }
    Ok(())
}

/// The users living in the houses a notice reaches (live bindings, tenancies not yet over).
async fn audience(
    conn: &impl ConnectionTrait,
    n: &notice::Model,
    building_ids: &[i64],
) -> AppResult<Vec<i64>> {
    let mut q = house_member::Entity::find()
        .filter(house_member::Column::CommunityId.eq(n.community_id))
        .filter(house_member::Column::EndedAt.is_null());
    if !n.whole_community {
        let houses = house::Entity::find()
            .select_only()
            .column(house::Column::Id)
            .filter(house::Column::CommunityId.eq(n.community_id))
            .filter(house::Column::BuildingId.is_in(building_ids.iter().copied()))
            .into_query();
        q = q.filter(house_member::Column::HouseId.in_subquery(houses));
    }
    let today = super::today_in_community();
    let mut users: Vec<i64> = q
        .all(conn)
        .await?
        .into_iter()
        .filter(|m| m.tenancy_ends_on.is_none_or(|end| end >= today))
        .map(|m| m.user_id)
        .collect();
    users.sort_unstable();
    users.dedup();
    Ok(users)
}

/// Records the event in the caller's transaction, addressed to the notice's audience.
async fn record(
    conn: &impl ConnectionTrait,
    cx: &Cx,
    n: &notice::Model,
    building_ids: &[i64],
    action: &'static str,
) -> AppResult<events::Published> {
    let mut ev = events::record(
        conn,
        &cx.actor,
        NewEvent {
            community_id: Some(n.community_id),
            house_id: None,
            // A butler's feed is filtered by building: a notice to one building shows there.
            building_id: match building_ids {
                [b] => Some(*b),
                _ => None,
            },
            action,
            subject_type: "Notice",
            subject_id: n.id,
            from_state: None,
            to_state: None,
            reason: None,
        },
    )
    .await?;
    ev.audience = audience(conn, n, building_ids).await?;
    Ok(ev)
}

/// Publishes a notice to the whole community or to some of its buildings. A building of another
/// community is BAD_USER_INPUT naming `buildingIds`; nothing is stored.
pub async fn publish(cx: &Cx, d: Draft) -> AppResult<notice::Model> {
    estate::community(cx, d.community_id).await?;
    let me = cx.actor.user()?.user_id;
    let mut building_ids = d.building_ids.clone();
    building_ids.sort_unstable();
    building_ids.dedup();
    may_publish_to(cx, d.community_id, &building_ids)?;
    let title = text("title", &d.title, 100)?;
    let body = text("body", &d.body, 5000)?;
    check_times(d.kind, d.starts_at, d.ends_at)?;
    if !building_ids.is_empty() {
        let found = building::Entity::find()
            .filter(building::Column::Id.is_in(building_ids.iter().copied()))
            .filter(building::Column::CommunityId.eq(d.community_id))
            .all(cx.db())
            .await?;
        if found.len() != building_ids.len() {
            return Err(AppError::bad_input(
                "buildingIds",
                "所选楼栋不属于本小区",
                "Every building must belong to this community",
            ));
        }
    }
    let now = super::now();
    let txn = cx.db().begin().await?;
    let n = notice::ActiveModel {
        community_id: Set(d.community_id),
        kind: Set(d.kind),
        title: Set(title),
        body: Set(body),
        starts_at: Set(d.starts_at),
        ends_at: Set(d.ends_at),
        whole_community: Set(building_ids.is_empty()),
        published_by: Set(me),
        published_at: Set(now),
        updated_at: Set(None),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if !building_ids.is_empty() {
        notice_building::Entity::insert_many(building_ids.iter().map(|b| {
            notice_building::ActiveModel {
                community_id: Set(d.community_id),
                notice_id: Set(n.id),
                building_id: Set(*b),
                ..Default::default()
            }
        }))
        .exec(&txn)
        .await?;
    }
    let ev = record(&txn, cx, &n, &building_ids, "notice.published").await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(n)
}

async fn buildings_of(conn: &impl ConnectionTrait, notice_id: i64) -> AppResult<Vec<i64>> {
    Ok(notice_building::Entity::find()
        .filter(notice_building::Column::NoticeId.eq(notice_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| b.building_id)
        .collect())
}

/// Whether the caller may read a notice: staff of its community, admins, and the residents of
/// the houses in its scope.
async fn may_see(cx: &Cx, n: &notice::Model) -> AppResult<bool> {
    if cx
        .actor
        .staff()
        .is_some_and(|s| s.role == StaffRole::Admin || s.community_id == Some(n.community_id))
    {
        return Ok(true);
    }
    let reach = cx.reach().await?;
    let mine: Vec<i64> = reach
        .own
        .iter()
        .filter(|o| o.community_id == n.community_id)
        .map(|o| o.building_id)
        .collect();
    if mine.is_empty() {
        return Ok(false);
    }
    if n.whole_community {
        return Ok(true);
    }
    Ok(buildings_of(cx.db(), n.id)
        .await?
        .iter()
        .any(|b| mine.contains(b)))
}

/// A notice the caller may read; NOT_FOUND otherwise.
pub async fn get(cx: &Cx, id: i64) -> AppResult<notice::Model> {
    cx.actor.require_signed_in()?;
    let n = notice::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(cx, &n).await? {
        return Err(AppError::NotFound);
    }
    Ok(n)
}

/// Updates a published notice (extend or end an outage early, correct the text); the update
/// reaches the same people live.
pub async fn update(cx: &Cx, id: i64, p: Patch) -> AppResult<notice::Model> {
    let n = get(cx, id).await?;
    let building_ids = buildings_of(cx.db(), n.id).await?;
    may_publish_to(cx, n.community_id, &building_ids)?;
    let now = super::now();
    let title = p
        .title
        .as_deref()
        .map(|t| text("title", t, 100))
        .transpose()?;
    let body = p
        .body
        .as_deref()
        .map(|t| text("body", t, 5000))
        .transpose()?;
    let mut starts_at = p.starts_at.or(n.starts_at);
    let mut ends_at = p.ends_at.or(n.ends_at);
    if p.end_now {
        if p.ends_at.is_some() {
            return Err(AppError::bad_input(
                "endNow",
                "endNow 与 endsAt 只能选一个",
                "Give either endNow or endsAt",
            ));
        }
        ends_at = Some(now);
        // Called off before it began: it starts and ends now (a zero-length outage).
        starts_at = starts_at.map(|s| s.min(now));
    } else if p.starts_at.is_some() || p.ends_at.is_some() {
        // Only new times are checked: a text edit of an outage called off stays valid.
        check_times(n.kind, starts_at, ends_at)?;
    }
    let txn = cx.db().begin().await?;
    let res = notice::Entity::update_many()
        .col_expr(
            notice::Column::Title,
            sea_orm::sea_query::Expr::value(title.unwrap_or(n.title.clone())),
        )
        .col_expr(
            notice::Column::Body,
            sea_orm::sea_query::Expr::value(body.unwrap_or(n.body.clone())),
        )
        .col_expr(
            notice::Column::StartsAt,
            sea_orm::sea_query::Expr::value(starts_at),
        )
        .col_expr(
            notice::Column::EndsAt,
            sea_orm::sea_query::Expr::value(ends_at),
        )
        .col_expr(
            notice::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .col_expr(
            notice::Column::Version,
            sea_orm::sea_query::Expr::value(n.version + 1),
        )
        .filter(notice::Column::Id.eq(n.id))
        .filter(notice::Column::Version.eq(n.version))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::conflict(
            "noticeId",
            "通知刚被他人修改，请刷新后重试",
            "The notice changed meanwhile; reload and retry",
        ));
    }
    let fresh = notice::Entity::find_by_id(n.id)
        .one_row(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let ev = record(&txn, cx, &fresh, &building_ids, "notice.updated").await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(fresh)
}

/// The owner app: notices reaching the houses the caller lives in, newest first
/// (`first: 3` is the home screen).
pub async fn mine(cx: &Cx, args: &PageArgs) -> AppResult<Page<notice::Model>> {
    cx.actor.user()?;
    let reach = cx.reach().await?;
    let communities: Vec<i64> = reach.own.iter().map(|o| o.community_id).collect();
    let buildings: Vec<i64> = reach.own.iter().map(|o| o.building_id).collect();
    let to_my_buildings = notice_building::Entity::find()
        .select_only()
        .column(notice_building::Column::NoticeId)
        .filter(notice_building::Column::BuildingId.is_in(buildings))
        .into_query();
    let q = notice::Entity::find()
        .filter(notice::Column::CommunityId.is_in(communities))
        .filter(
            Condition::any()
                .add(notice::Column::WholeCommunity.eq(true))
                .add(notice::Column::Id.in_subquery(to_my_buildings)),
        );
    paginate_newest_first(cx.db(), q, notice::Column::Id, args).await
}

/// The community's notices as its staff see them, newest first.
pub async fn of_community(
    cx: &Cx,
    community_id: i64,
    args: &PageArgs,
) -> AppResult<Page<notice::Model>> {
    estate::community(cx, community_id).await?;
    super::fees::require_staff_in(cx, community_id, STAFF)?;
    let q = notice::Entity::find().filter(notice::Column::CommunityId.eq(community_id));
    paginate_newest_first(cx.db(), q, notice::Column::Id, args).await
}
