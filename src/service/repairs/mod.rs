//! Repair booking (客户维修服务管理规程): from an owner's tap to the follow-up call. Booking and
//! who may see an order live here; the workflow steps in `flow`, the clocks in `clock`, the
//! paid-service price list in `prices`, the quality targets in `targets`.
pub mod clock;
pub mod flow;
pub mod photos;
pub mod prices;
pub mod targets;

use super::events::{self, NewEvent};
use super::page::{paginate, paginate_vec, Page, PageArgs};
use super::{estate, Cx};
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use chrono::{DateTime, Utc};
use entity::enums::{RepairCategory, RepairChannel, RepairDifficulty, RepairState, StaffRole};
use entity::{repair_order, repair_setting};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

/// Staff who dispatch and see their community's orders (a butler: their buildings).
pub const DISPATCHERS: &[StaffRole] =
    &[StaffRole::Reception, StaffRole::Butler, StaffRole::Manager];

/// What a booking says.
pub struct Booking {
    pub house_id: Option<i64>,
    pub public_area_id: Option<i64>,
    pub category: RepairCategory,
    pub description: String,
    pub channel: Option<RepairChannel>,
    pub preferred_from: Option<DateTime<Utc>>,
    pub preferred_to: Option<DateTime<Utc>>,
    pub client_key: String,
}

/// A community's clocks.
pub async fn settings(
    conn: &impl ConnectionTrait,
    community_id: i64,
) -> AppResult<clock::Settings> {
    Ok(settings_of(conn, &[community_id])
        .await?
        .remove(&community_id)
        .unwrap_or_default())
}

/// The repair clocks of several communities in one statement (the defaults where a community set
/// none): a list of orders asks once, however many communities its orders come from.
pub async fn settings_of(
    conn: &impl ConnectionTrait,
    community_ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, clock::Settings>> {
    let mut out: std::collections::HashMap<i64, clock::Settings> = community_ids
        .iter()
        .map(|&c| (c, clock::Settings::default()))
        .collect();
    let rows = repair_setting::Entity::find()
        .filter(repair_setting::Column::CommunityId.is_in(community_ids.iter().copied()))
        .all(conn)
        .await?;
    for row in rows {
        out.insert(row.community_id, row.into());
    }
    Ok(out)
}

/// Books a repair. Owners and residents book for their own house from the app; staff register a
/// household's call or visit (PHONE, VISIT) or raise a public-area order (PATROL, STAFF). The
/// client key makes a retried tap return the first order.
pub async fn book(
    cx: &Cx,
    b: Booking,
    files: Vec<(String, Vec<u8>)>,
) -> AppResult<repair_order::Model> {
    let user = cx.actor.user()?.user_id;
    let key = super::fees::payments::check_client_key(&b.client_key)?.to_owned();
    if let Some(existing) = repair_order::Entity::find()
        .filter(repair_order::Column::RequestedBy.eq(user))
        .filter(repair_order::Column::ClientKey.eq(key.clone()))
        .one_row(cx.db())
        .await?
    {
        return Ok(existing);
    }
    let description = b.description.trim().to_owned();
    if description.is_empty() || description.chars().count() > 1000 {
        return Err(AppError::bad_input(
            "description",
            "请描述问题（1–1000 字）",
            "Describe the problem (1–1000 characters)",
        ));
    }
    let now = super::now();
    match (b.preferred_from, b.preferred_to) {
        (Some(f), _) if f < now - chrono::Duration::minutes(5) => {
            return Err(AppError::bad_input(
                "preferredFrom",
                "预约时间不能早于现在",
                "The preferred time is in the past",
            ));
        }
        (Some(f), Some(t)) if t <= f => {
            return Err(AppError::bad_input(
                "preferredTo",
                "结束时间须晚于开始时间",
                "The slot must end after it starts",
            ));
        }
        _ => {}
    }
    let reach = cx.reach().await?;
    let staff = cx.actor.staff();
    let (community_id, building_id, house_id, public_area_id, channel) =
        match (b.house_id, b.public_area_id) {
            (Some(h), None) => {
                let house = estate::house(cx, h).await?;
                let own = reach.binding(house.id).is_some();
                let channel = match (own, staff, b.channel) {
                    // The household itself, from the app.
                    (true, _, None | Some(RepairChannel::App)) => RepairChannel::App,
                    // Staff registering a phone call or a visit for a household they serve.
                    (_, Some(s), Some(c @ (RepairChannel::Phone | RepairChannel::Visit)))
                        if (s.role == StaffRole::Admin || DISPATCHERS.contains(&s.role))
                            && reach.staff_sees_people_of(&house) =>
                    {
                        c
                    }
                    (_, Some(_), _) if !own => return Err(AppError::Forbidden),
                    (true, _, Some(_)) => {
                        return Err(AppError::bad_input(
                            "channel",
                            "业主自助报修的渠道为 APP",
                            "Owners book through the APP channel",
                        ));
                    }
                    _ => return Err(AppError::Forbidden),
                };
                (
                    house.community_id,
                    Some(house.building_id),
                    Some(house.id),
                    None,
                    channel,
                )
            }
            (None, Some(a)) => {
                let area = estate::public_area(cx, a).await?;
                let grant = cx.actor.require_staff(&[
                    StaffRole::Reception,
                    StaffRole::Butler,
                    StaffRole::Manager,
                    StaffRole::Security,
                    StaffRole::Technician,
                ])?;
                if !crate::auth::Actor::staff_covers_community(grant, area.community_id) {
                    return Err(AppError::NotFound);
                }
                let channel = match b.channel {
                    Some(c @ (RepairChannel::Patrol | RepairChannel::Staff)) => c,
                    None => RepairChannel::Staff,
                    Some(_) => {
                        return Err(AppError::bad_input(
                            "channel",
                            "公共报修的渠道为 PATROL 或 STAFF",
                            "Public-area orders come from PATROL or STAFF",
                        ))
                    }
                };
                (
                    area.community_id,
                    area.building_id,
                    None,
                    Some(area.id),
                    channel,
                )
            }
            _ => {
                return Err(AppError::bad_input(
                    "houseId",
                    "请选择房屋或公共区域之一",
                    "Give either a house or a public area",
                ))
            }
        };
    let checked = photos::check(files, 0, cx.core.config.limits.max_upload_file_bytes)?;
    let txn = cx.db().begin().await?;
    let (order, ev) = insert_order(
        &txn,
        &cx.actor,
        NewOrder {
            community_id,
            building_id,
            house_id,
            public_area_id,
            category: b.category,
            description,
            channel,
            requested_by: user,
            client_key: key,
            preferred_from: b.preferred_from,
            preferred_to: b.preferred_to,
        },
    )
    .await?;
    photos::store(&txn, &cx.core.config.upload_dir, &order, user, checked).await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(order)
}

/// A checked order ready to store.
struct NewOrder {
    community_id: i64,
    building_id: Option<i64>,
    house_id: Option<i64>,
    public_area_id: Option<i64>,
    category: RepairCategory,
    description: String,
    channel: RepairChannel,
    requested_by: i64,
    client_key: String,
    preferred_from: Option<DateTime<Utc>>,
    preferred_to: Option<DateTime<Utc>>,
}

/// Stores a SUBMITTED order and its `repair.booked` event in the caller's transaction.
async fn insert_order(
    conn: &impl ConnectionTrait,
    actor: &crate::auth::Actor,
    n: NewOrder,
) -> AppResult<(repair_order::Model, events::Published)> {
    let order = repair_order::ActiveModel {
        community_id: Set(n.community_id),
        building_id: Set(n.building_id),
        house_id: Set(n.house_id),
        public_area_id: Set(n.public_area_id),
        category: Set(n.category),
        difficulty: Set(RepairDifficulty::General),
        description: Set(n.description),
        channel: Set(n.channel),
        state: Set(RepairState::Submitted),
        requested_by: Set(n.requested_by),
        client_key: Set(n.client_key),
        preferred_from: Set(n.preferred_from),
        preferred_to: Set(n.preferred_to),
        created_at: Set(super::now()),
        paused_seconds: Set(0),
        urge_count: Set(0),
        version: Set(0),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let ev = events::record(
        conn,
        actor,
        NewEvent {
            community_id: Some(n.community_id),
            house_id: n.house_id,
            building_id: n.building_id,
            action: "repair.booked",
            subject_type: "RepairOrder",
            subject_id: order.id,
            from_state: None,
            to_state: Some("SUBMITTED".into()),
            reason: None,
        },
    )
    .await?;
    Ok((order, ev))
}

/// A public-area order raised from a patrol finding (channel PATROL), inside the caller's
/// transaction so the finding and its order are stored together or not at all. The caller has
/// checked that `requested_by` patrols `area`'s community and that the finding is new.
pub async fn book_patrol_finding_in(
    conn: &impl ConnectionTrait,
    actor: &crate::auth::Actor,
    area: &entity::public_area::Model,
    requested_by: i64,
    category: RepairCategory,
    description: String,
    client_key: String,
) -> AppResult<(repair_order::Model, events::Published)> {
    insert_order(
        conn,
        actor,
        NewOrder {
            community_id: area.community_id,
            building_id: area.building_id,
            house_id: None,
            public_area_id: Some(area.id),
            category,
            description,
            channel: RepairChannel::Patrol,
            requested_by,
            client_key,
            preferred_from: None,
            preferred_to: None,
        },
    )
    .await
}

/// Whether the caller may see an order: its household, its technician, the community's
/// dispatchers (a butler: their buildings), admins.
pub async fn may_see(cx: &Cx, o: &repair_order::Model) -> AppResult<bool> {
    let Ok(user) = cx.actor.user() else {
        return Ok(false);
    };
    if o.requested_by == user.user_id || o.assignee_user_id == Some(user.user_id) {
        return Ok(true);
    }
    let reach = cx.reach().await?;
    if reach.all || o.house_id.is_some_and(|h| reach.binding(h).is_some()) {
        return Ok(true);
    }
    Ok(cx.actor.staff().is_some_and(|s| {
        s.community_id == Some(o.community_id)
            && match s.role {
                StaffRole::Reception | StaffRole::Manager => true,
                StaffRole::Butler => o.building_id.is_some_and(|b| s.building_ids.contains(&b)),
                _ => false,
            }
    }))
}

pub async fn get(cx: &Cx, id: i64) -> AppResult<repair_order::Model> {
    cx.actor.require_signed_in()?;
    let o = repair_order::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(cx, &o).await? {
        return Err(AppError::NotFound);
    }
    Ok(o)
}

/// The owner's screen: orders of the houses they are bound to, and those they booked; with
/// `open`, only the open (`Some(true)`) or the finished ones (`Some(false)`).
pub async fn mine(
    cx: &Cx,
    open: Option<bool>,
    args: &PageArgs,
) -> AppResult<Page<repair_order::Model>> {
    let user = cx.actor.user()?.user_id;
    let houses: Vec<i64> = cx.reach().await?.own.iter().map(|o| o.house_id).collect();
    super::page::paginate_any(
        cx.db(),
        owners_orders(&houses, user, open),
        repair_order::Column::Id,
        args,
    )
    .await
}

/// The owner's orders as branches read in id order: one a house (index `(house_id, id)`; a
/// person has a handful of houses) and those they booked (`(requested_by, id)`). The state
/// filter is checked on the rows the index yields, so a branch passes the owner's finished
/// orders on its way to a page of open ones: a few dozen for an owner, which an index on the
/// state would not repay.
pub fn owners_orders(
    houses: &[i64],
    user: i64,
    open: Option<bool>,
) -> Vec<sea_orm::Select<repair_order::Entity>> {
    let finished = crate::domain::repair_flow::FINISHED;
    let by_state = |q: sea_orm::Select<repair_order::Entity>| match open {
        None => q,
        Some(true) => q.filter(repair_order::Column::State.is_not_in(finished)),
        Some(false) => q.filter(repair_order::Column::State.is_in(finished)),
    };
    houses
        .iter()
        .map(|h| repair_order::Entity::find().filter(repair_order::Column::HouseId.eq(*h)))
        .chain([repair_order::Entity::find().filter(repair_order::Column::RequestedBy.eq(user))])
        .map(by_state)
        .collect()
}

/// The technician's queue for a day: open orders assigned to them with an appointment that day
/// (or earlier and still open), by appointment time.
pub async fn queue(
    cx: &Cx,
    day: chrono::NaiveDate,
    args: &PageArgs,
) -> AppResult<Page<repair_order::Model>> {
    let grant = cx.actor.require_staff(&[StaffRole::Technician])?;
    let _ = grant;
    let user = cx.actor.user()?.user_id;
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let end_of_day = day
        .succ_opt()
        .expect("valid date")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_local_timezone(offset)
        .single()
        .expect("fixed offset")
        .with_timezone(&Utc);
    let rows = repair_order::Entity::find()
        .filter(repair_order::Column::AssigneeUserId.eq(user))
        .filter(repair_order::Column::State.is_in([
            RepairState::Dispatched,
            RepairState::InProgress,
            RepairState::Paused,
        ]))
        .filter(repair_order::Column::AppointmentAt.lt(end_of_day))
        .order_by_asc(repair_order::Column::AppointmentAt)
        .order_by_asc(repair_order::Column::Id)
        .all(cx.db())
        .await?;
    Ok(super::page::paginate_in_order(rows, |o| o.id, args))
}

/// What a dispatcher's list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum OrderView {
    /// Every order.
    All,
    /// Waiting for a technician (SUBMITTED or REOPENED).
    Unassigned,
    /// Past the deadline of their current step.
    Overdue,
    /// Completed, waiting for the follow-up call.
    AwaitingFollowUp,
}

pub struct OrderFilter {
    pub community_id: i64,
    pub view: OrderView,
    pub state: Option<RepairState>,
    pub building_id: Option<i64>,
    pub category: Option<RepairCategory>,
}

/// Reception, butler (their buildings) and manager lists.
pub async fn of_community(
    cx: &Cx,
    f: &OrderFilter,
    args: &PageArgs,
) -> AppResult<Page<repair_order::Model>> {
    estate::community(cx, f.community_id).await?;
    super::fees::require_staff_in(cx, f.community_id, DISPATCHERS)?;
    let mut q =
        repair_order::Entity::find().filter(repair_order::Column::CommunityId.eq(f.community_id));
    if let Some(s) = cx.actor.staff().filter(|s| s.role == StaffRole::Butler) {
        q = q.filter(repair_order::Column::BuildingId.is_in(s.building_ids.clone()));
    }
    if let Some(s) = f.state {
        q = q.filter(repair_order::Column::State.eq(s));
    }
    if let Some(b) = f.building_id {
        q = q.filter(repair_order::Column::BuildingId.eq(b));
    }
    if let Some(c) = f.category {
        q = q.filter(repair_order::Column::Category.eq(c));
    }
    match f.view {
        OrderView::All => paginate(cx.db(), q, repair_order::Column::Id, args).await,
        OrderView::Unassigned => {
            let q = q.filter(
                repair_order::Column::State.is_in([RepairState::Submitted, RepairState::Reopened]),
            );
            paginate(cx.db(), q, repair_order::Column::Id, args).await
        }
        OrderView::AwaitingFollowUp => {
            let q = q.filter(repair_order::Column::State.eq(RepairState::Completed));
            paginate(cx.db(), q, repair_order::Column::Id, args).await
        }
        OrderView::Overdue => {
            // Deadlines depend on each order's clock: filter the open ones in memory.
            let s = settings(cx.db(), f.community_id).await?;
            let now = super::now();
            let open = q
                .filter(repair_order::Column::State.is_not_in([
                    RepairState::FollowedUp,
                    RepairState::Cancelled,
                    RepairState::Paused,
                ]))
                .all(cx.db())
                .await?;
            let late: Vec<_> = open
                .into_iter()
                .filter(|o| clock::is_overdue(&clock::deadlines(o, &s, now), now))
                .collect();
            Ok(paginate_vec(late, |o| o.id, args))
        }
    }
}

/// Bumps the urge counter (used by `flow::urge`).
pub(crate) fn urge_expr() -> sea_orm::sea_query::Expr {
    Expr::col(repair_order::Column::UrgeCount).add(1)
}

/// The manager sets the community's clocks.
pub async fn set_clocks(
    cx: &Cx,
    community_id: i64,
    c: clock::Settings,
) -> AppResult<clock::Settings> {
    estate::community(cx, community_id).await?;
    super::fees::require_staff_in(cx, community_id, &[StaffRole::Manager])?;
    if !(1..=1440).contains(&c.dispatch_minutes) {
        return Err(AppError::bad_input(
            "dispatchMinutes",
            "派工时限应在 1 到 1440 分钟之间",
            "Dispatch time must be 1–1440 minutes",
        ));
    }
    if !(1..=60).contains(&c.hard_days) {
        return Err(AppError::bad_input(
            "hardDays",
            "疑难问题时限应在 1 到 60 天之间",
            "Hard problems must be 1–60 days",
        ));
    }
    if !(1..=168).contains(&c.follow_up_hours) {
        return Err(AppError::bad_input(
            "followUpHours",
            "回访时限应在 1 到 168 小时之间",
            "Follow-up must be 1–168 hours",
        ));
    }
    let row = repair_setting::ActiveModel {
        community_id: Set(community_id),
        dispatch_minutes: Set(c.dispatch_minutes as i32),
        hard_days: Set(c.hard_days as i32),
        follow_up_hours: Set(c.follow_up_hours as i32),
        ..Default::default()
    };
    repair_setting::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(repair_setting::Column::CommunityId)
                .update_columns([
                    repair_setting::Column::DispatchMinutes,
                    repair_setting::Column::HardDays,
                    repair_setting::Column::FollowUpHours,
                ])
                .to_owned(),
        )
        .exec_without_returning(cx.db())
        .await?;
    settings(cx.db(), community_id).await
}
