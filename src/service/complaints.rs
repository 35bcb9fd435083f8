//! Complaints (客户投诉受理规程): registration from any channel, the workflow steps of
//! `domain::complaint_flow`, who may see a complaint, the staff lists, the monthly analysis of
//! recurring problems, and the figures the targets board reads.
use super::events::{self, NewEvent};
use super::page::{paginate_newest_first, Page, PageArgs};
use super::workflow::{self, About, Step};
use super::{estate, Cx};
use crate::domain::complaint_flow::{ComplaintAction, Party, COMPLAINTS};
use crate::domain::Phone;
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use chrono::{DateTime, Duration, Utc};
use entity::enums::{
    ComplaintCategory, ComplaintChannel, ComplaintSeverity, ComplaintState, Department, StaffRole,
};
use entity::{building, complaint, house_member, public_area, staff_member, user};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QuerySelect, Set, TransactionTrait,
};
use std::collections::HashMap;

/// Staff who register complaints on someone's behalf and run the work orders (a butler: for
/// their buildings).
pub const DESK: &[StaffRole] = &[StaffRole::Reception, StaffRole::Butler, StaffRole::Manager];

/// The reply is due this long after registration (一般在24小时内处理完毕).
pub const REPLY_WITHIN_HOURS: i64 = 24;

/// What a complaint is about: a house, a public area, or a building as a whole.
#[derive(Clone, Copy, Debug)]
pub enum Place {
    House(i64),
    PublicArea(i64),
    Building(i64),
}

/// What a registration says.
pub struct Registration {
    pub place: Place,
    pub channel: Option<ComplaintChannel>,
    pub category: ComplaintCategory,
    pub severity: Option<ComplaintSeverity>,
    pub department: Option<Department>,
    pub summary: String,
    pub complainant_name: Option<String>,
    pub complainant_phone: Option<String>,
}

/// Where a complaint lies, resolved and checked.
struct Located {
    community_id: i64,
    building_id: Option<i64>,
    house_id: Option<i64>,
    public_area_id: Option<i64>,
    /// The caller lives there (a resident of the house, or of the community for shared places).
    own: bool,
    /// The caller is desk staff who serve that place.
    serves: bool,
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

/// Whether desk staff serve a place in `community_id` (building `b`, if any): reception and the
/// manager the whole community, a butler their buildings, admins everything.
fn desk_serves(cx: &Cx, community_id: i64, b: Option<i64>) -> bool {
    cx.actor.staff().is_some_and(|s| match s.role {
        StaffRole::Admin => true,
        StaffRole::Reception | StaffRole::Manager => s.community_id == Some(community_id),
        StaffRole::Butler => {
            s.community_id == Some(community_id) && b.is_some_and(|b| s.building_ids.contains(&b))
        }
        _ => false,
    })
}

async fn locate(cx: &Cx, place: Place) -> AppResult<Located> {
    let reach = cx.reach().await?;
    let lives_in = |c: i64| reach.own.iter().any(|o| o.community_id == c);
    Ok(match place {
        Place::House(h) => {
            // Someone else's house is NOT_FOUND: it does not leak and nothing is written.
            let house = estate::house(cx, h).await?;
            Located {
                community_id: house.community_id,
                building_id: Some(house.building_id),
                house_id: Some(house.id),
                public_area_id: None,
                own: reach.binding(house.id).is_some(),
                serves: desk_serves(cx, house.community_id, Some(house.building_id))
                    && reach.staff_sees_people_of(&house),
            }
        }
        Place::PublicArea(a) => {
            let area = estate::public_area(cx, a).await?;
            Located {
                community_id: area.community_id,
                building_id: area.building_id,
                house_id: None,
                public_area_id: Some(area.id),
                own: lives_in(area.community_id),
                serves: desk_serves(cx, area.community_id, area.building_id),
            }
        }
        Place::Building(b) => {
            let b = estate::building(cx, b).await?;
            Located {
                community_id: b.community_id,
                building_id: Some(b.id),
                house_id: None,
                public_area_id: None,
                own: lives_in(b.community_id),
                serves: desk_serves(cx, b.community_id, Some(b.id)),
            }
        }
    })
}

/// A complainant staff typed in, linked to their account when they live in the community, so
/// they can follow it in the app.
async fn resident_by_phone(
    conn: &impl ConnectionTrait,
    phone: &str,
    community_id: i64,
) -> AppResult<Option<i64>> {
    let Some(u) = user::Entity::find()
        .filter(user::Column::Phone.eq(phone))
        .one_row(conn)
        .await?
    else {
        return Ok(None);
    };
    let bound = house_member::Entity::find()
        .filter(house_member::Column::UserId.eq(u.id))
        .filter(house_member::Column::CommunityId.eq(community_id))
        .filter(house_member::Column::EndedAt.is_null())
        .one_row(conn)
        .await?;
    Ok(bound.map(|_| u.id))
}

/// Registers a complaint. Owners and residents complain from the app about their own house (or
/// a shared place of their community); desk staff register a call, visit or letter on someone's
/// behalf for a place they serve. A major complaint goes straight to the manager (ESCALATED).
pub async fn register(cx: &Cx, r: Registration) -> AppResult<complaint::Model> {
    let me = cx.actor.user()?.user_id;
    let summary = text("summary", &r.summary, 1000)?;
    let at = locate(cx, r.place).await?;
    // Without a channel, a resident complains through the app and staff take a phone call.
    let channel = r.channel.unwrap_or(if at.own {
        ComplaintChannel::App
    } else {
        ComplaintChannel::Phone
    });
    let staff_channel = channel != ComplaintChannel::App;
    let (channel, complainant_user_id, name, phone) = if at.own && !staff_channel {
        if r.severity.is_some() {
            return Err(AppError::bad_input(
                "severity",
                "投诉级别由客服中心判定",
                "The service centre decides the severity",
            ));
        }
        let u = user::Entity::find_by_id(me)
            .one_row(cx.db())
            .await?
            .ok_or(AppError::NotFound)?;
        (ComplaintChannel::App, Some(me), u.display_name, u.phone)
    } else if at.serves && staff_channel {
        let name = text(
            "complainantName",
            r.complainant_name.as_deref().unwrap_or(""),
            64,
        )?;
        let phone = Phone::parse(
            "complainantPhone",
            r.complainant_phone.as_deref().unwrap_or(""),
        )?;
        let linked = resident_by_phone(cx.db(), phone.as_str(), at.community_id).await?;
        (channel, linked, name, phone.as_str().to_owned())
    } else if at.serves {
        return Err(AppError::bad_input(
            "channel",
            "代客登记的渠道为 PHONE、VISIT 或 LETTER",
            "Staff register PHONE, VISIT or LETTER complaints",
        ));
    } else if at.own {
        return Err(AppError::bad_input(
            "channel",
            "业主自助投诉的渠道为 APP",
            "Owners complain through the APP channel",
        ));
    } else {
        return Err(AppError::Forbidden);
    };
    let severity = r.severity.unwrap_or(ComplaintSeverity::General);
    let state = if severity == ComplaintSeverity::Major {
        ComplaintState::Escalated
    } else {
        ComplaintState::Registered
    };
    let now = super::now();
    let txn = cx.db().begin().await?;
    let c = complaint::ActiveModel {
        community_id: Set(at.community_id),
        building_id: Set(at.building_id),
        house_id: Set(at.house_id),
        public_area_id: Set(at.public_area_id),
        channel: Set(channel),
        category: Set(r.category),
        severity: Set(severity),
        department: Set(r.department),
        summary: Set(summary),
        state: Set(state),
        complainant_user_id: Set(complainant_user_id),
        complainant_name: Set(name),
        complainant_phone: Set(phone),
        registered_by: Set(me),
        handler_user_id: Set(None),
        created_at: Set(now),
        reply_due_at: Set(now + Duration::hours(REPLY_WITHIN_HOURS)),
        escalated_at: Set((state == ComplaintState::Escalated).then_some(now)),
        version: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut ev = events::record(
        &txn,
        &cx.actor,
        NewEvent {
            community_id: Some(c.community_id),
            house_id: c.house_id,
            building_id: c.building_id,
            action: "complaint.registered",
            subject_type: crate::domain::NodeKind::Complaint,
            subject_id: c.id,
            from_state: None,
            to_state: Some(state.to_value()),
            reason: None,
        },
    )
    .await?;
    ev.audience.extend(c.complainant_user_id);
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(c)
}

/// Whether the caller may see a complaint: the complainant and the residents of the house, who
/// registered it, its handler, the desk staff who serve its place, admins.
pub async fn may_see(cx: &Cx, c: &complaint::Model) -> AppResult<bool> {
    let Ok(user) = cx.actor.user() else {
        return Ok(false);
    };
    let me = user.user_id;
    if c.complainant_user_id == Some(me) || c.registered_by == me || c.handler_user_id == Some(me) {
        return Ok(true);
    }
    let reach = cx.reach().await?;
    if reach.all || c.house_id.is_some_and(|h| reach.binding(h).is_some()) {
        return Ok(true);
    }
    Ok(desk_serves(cx, c.community_id, c.building_id))
}

/// A complaint the caller may see; NOT_FOUND otherwise.
pub async fn get(cx: &Cx, id: i64) -> AppResult<complaint::Model> {
    cx.actor.require_signed_in()?;
    let c = complaint::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(cx, &c).await? {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

/// The parties the caller is to this complaint.
async fn parties(cx: &Cx, c: &complaint::Model) -> AppResult<Vec<Party>> {
    let mut out = vec![];
    let Ok(user) = cx.actor.user() else {
        return Ok(out);
    };
    let reach = cx.reach().await?;
    if c.complainant_user_id == Some(user.user_id)
        || c.house_id.is_some_and(|h| reach.binding(h).is_some())
    {
        out.push(Party::Complainant);
    }
    if c.handler_user_id == Some(user.user_id) {
        out.push(Party::Handler);
    }
    if desk_serves(cx, c.community_id, c.building_id) {
        out.push(Party::Desk);
    }
    if cx.actor.staff().is_some_and(|s| {
        s.role == StaffRole::Admin
            || (s.role == StaffRole::Manager && s.community_id == Some(c.community_id))
    }) {
        out.push(Party::Manager);
    }
    Ok(out)
}

/// Checks the table against who the caller is to the complaint: the next state, or why not.
async fn check(
    cx: &Cx,
    c: &complaint::Model,
    action: ComplaintAction,
) -> AppResult<ComplaintState> {
    let mine = parties(cx, c).await?;
    workflow::check::<complaint::Entity, _, _>(
        cx.db(),
        &COMPLAINTS,
        c,
        action,
        &mine,
        action_name(action),
    )
    .await
}

fn action_name(a: ComplaintAction) -> &'static str {
    match a {
        ComplaintAction::Assign => "complaint.assigned",
        ComplaintAction::Escalate => "complaint.escalated",
        ComplaintAction::Reply => "complaint.replied",
        ComplaintAction::Resolve => "complaint.resolved",
        ComplaintAction::ReturnVisit => "complaint.return_visited",
        ComplaintAction::Reopen => "complaint.reopened",
        ComplaintAction::Withdraw => "complaint.withdrawn",
    }
}

/// Field changes a step makes besides the state.
type Changes = Vec<(complaint::Column, sea_orm::Value)>;

/// Takes one step through the workflow engine; the complainant and the handler hear of it.
async fn step(
    cx: &Cx,
    id: i64,
    action: ComplaintAction,
    changes: impl FnOnce(&complaint::Model) -> AppResult<Changes>,
    reason: Option<String>,
) -> AppResult<complaint::Model> {
    let c = get(cx, id).await?;
    let mine = parties(cx, &c).await?;
    workflow::check::<complaint::Entity, _, _>(
        cx.db(),
        &COMPLAINTS,
        &c,
        action,
        &mine,
        action_name(action),
    )
    .await?;
    let changes = changes(&c)?;
    let txn = cx.db().begin().await?;
    let (_, mut ev) = workflow::take::<complaint::Entity, _, _>(
        cx,
        &txn,
        &c,
        Step {
            flow: &COMPLAINTS,
            action,
            parties: &mine,
            changes,
            event: action_name(action),
            about: About {
                community_id: c.community_id,
                house_id: c.house_id,
                building_id: c.building_id,
            },
            reason,
            audience: vec![],
        },
    )
    .await?;
    let fresh = workflow::reload::<complaint::Entity>(&txn, c.id).await?;
    ev.audience.extend(fresh.complainant_user_id);
    ev.audience.extend(fresh.handler_user_id);
    workflow::commit(cx, txn, [ev]).await?;
    Ok(fresh)
}

/// The user behind a live staff membership of the complaint's community (the handler).
async fn handler(cx: &Cx, community_id: i64, staff_member_id: i64) -> AppResult<i64> {
    staff_member::Entity::find_by_id(staff_member_id)
        .filter(staff_member::Column::CommunityId.eq(community_id))
        .filter(staff_member::Column::EndedAt.is_null())
        .one_row(cx.db())
        .await?
        .map(|m| m.user_id)
        .ok_or_else(|| {
            AppError::bad_input(
                "handlerId",
                "请选择本小区的员工",
                "Choose a staff member of this community",
            )
        })
}

/// Turns a complaint into a work order (工作联系单) for the responsible department and,
/// optionally, a named handler. A major complaint is assigned by the manager only.
pub async fn assign(
    cx: &Cx,
    id: i64,
    department: Department,
    handler_staff_id: Option<i64>,
) -> AppResult<complaint::Model> {
    let c = get(cx, id).await?;
    check(cx, &c, ComplaintAction::Assign).await?;
    let handler_user = match handler_staff_id {
        Some(s) => Some(handler(cx, c.community_id, s).await?),
        None => None,
    };
    let now = super::now();
    step(
        cx,
        id,
        ComplaintAction::Assign,
        |_| {
            Ok(vec![
                (complaint::Column::Department, department.to_value().into()),
                (complaint::Column::HandlerUserId, handler_user.into()),
                (complaint::Column::AssignedAt, now.into()),
            ])
        },
        None,
    )
    .await
}

/// Hands a complaint to the manager as major (重大投诉).
pub async fn escalate(cx: &Cx, id: i64, reason: &str) -> AppResult<complaint::Model> {
    let reason = text("reason", reason, 500)?;
    let now = super::now();
    step(
        cx,
        id,
        ComplaintAction::Escalate,
        |_| {
            Ok(vec![
                (
                    complaint::Column::Severity,
                    ComplaintSeverity::Major.to_value().into(),
                ),
                (complaint::Column::EscalatedAt, now.into()),
            ])
        },
        Some(reason),
    )
    .await
}

/// Answers the complainant. The first answer's time is what "replied on time" measures; a later
/// one replaces the text only.
pub async fn reply(cx: &Cx, id: i64, reply: &str) -> AppResult<complaint::Model> {
    let reply = text("reply", reply, 1000)?;
    let now = super::now();
    let r = reply.clone();
    step(
        cx,
        id,
        ComplaintAction::Reply,
        move |c| {
            Ok(vec![
                (complaint::Column::Reply, r.into()),
                (
                    complaint::Column::RepliedAt,
                    c.replied_at.unwrap_or(now).into(),
                ),
            ])
        },
        Some(reply),
    )
    .await
}

/// Records how the complaint was handled. Handling it without an earlier reply is the reply.
pub async fn resolve(cx: &Cx, id: i64, resolution: &str) -> AppResult<complaint::Model> {
    let resolution = text("resolution", resolution, 1000)?;
    let now = super::now();
    let r = resolution.clone();
    step(
        cx,
        id,
        ComplaintAction::Resolve,
        move |c| {
            let mut ch: Changes = vec![
                (complaint::Column::Resolution, r.clone().into()),
                (complaint::Column::ResolvedAt, now.into()),
            ];
            if c.replied_at.is_none() {
                ch.push((complaint::Column::RepliedAt, now.into()));
                ch.push((complaint::Column::Reply, r.into()));
            }
            Ok(ch)
        },
        Some(resolution),
    )
    .await
}

/// The return visit (回访): the owner's satisfaction 1–5 and remarks; closes the complaint.
pub async fn return_visit(
    cx: &Cx,
    id: i64,
    satisfaction: i32,
    remarks: Option<String>,
) -> AppResult<complaint::Model> {
    if !(1..=5).contains(&satisfaction) {
        return Err(AppError::bad_input(
            "satisfaction",
            "满意度为 1 到 5",
            "Satisfaction is 1–5",
        ));
    }
    let remarks = match remarks.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => Some(text("remarks", r, 500)?),
    };
    let now = super::now();
    let rm = remarks.clone();
    step(
        cx,
        id,
        ComplaintAction::ReturnVisit,
        move |_| {
            Ok(vec![
                (
                    complaint::Column::Satisfaction,
                    (satisfaction as i16).into(),
                ),
                (complaint::Column::ReturnVisitRemarks, rm.into()),
                (complaint::Column::ReturnVisitedAt, now.into()),
            ])
        },
        remarks,
    )
    .await
}

/// The handling did not solve it: back to the department, with the reason.
pub async fn reopen(cx: &Cx, id: i64, reason: &str) -> AppResult<complaint::Model> {
    let reason = text("reason", reason, 500)?;
    step(
        cx,
        id,
        ComplaintAction::Reopen,
        |_| {
            Ok(vec![(
                complaint::Column::ResolvedAt,
                Option::<DateTime<Utc>>::None.into(),
            )])
        },
        Some(reason),
    )
    .await
}

/// The complainant withdraws the complaint before it is handled.
pub async fn withdraw(cx: &Cx, id: i64, reason: Option<String>) -> AppResult<complaint::Model> {
    let reason = match reason.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => Some(text("reason", r, 500)?),
    };
    step(cx, id, ComplaintAction::Withdraw, |_| Ok(vec![]), reason).await
}

/// The owner's screen: complaints they made and those about the houses they live in, newest first.
pub async fn mine(cx: &Cx, args: &PageArgs) -> AppResult<Page<complaint::Model>> {
    let me = cx.actor.user()?.user_id;
    let houses: Vec<i64> = cx.reach().await?.own.iter().map(|o| o.house_id).collect();
    let q = complaint::Entity::find().filter(
        Condition::any()
            .add(complaint::Column::ComplainantUserId.eq(me))
            .add(complaint::Column::HouseId.is_in(houses)),
    );
    paginate_newest_first(cx.db(), q, complaint::Column::Id, args).await
}

pub struct ComplaintFilter {
    pub community_id: i64,
    pub state: Option<ComplaintState>,
    /// Only those not replied to by their due time.
    pub reply_overdue: bool,
}

/// The desk's list (reception, manager; a butler: their buildings), newest first.
pub async fn of_community(
    cx: &Cx,
    f: &ComplaintFilter,
    args: &PageArgs,
) -> AppResult<Page<complaint::Model>> {
    estate::community(cx, f.community_id).await?;
    super::fees::require_staff_in(cx, f.community_id, DESK)?;
    let mut q = complaint::Entity::find().filter(complaint::Column::CommunityId.eq(f.community_id));
    if let Some(s) = cx.actor.staff().filter(|s| s.role == StaffRole::Butler) {
        q = q.filter(complaint::Column::BuildingId.is_in(s.building_ids.clone()));
    }
    if let Some(s) = f.state {
        q = q.filter(complaint::Column::State.eq(s));
    }
    if f.reply_overdue {
        q = q
            .filter(complaint::Column::RepliedAt.is_null())
            .filter(complaint::Column::ReplyDueAt.lt(super::now()))
            .filter(complaint::Column::State.ne(ComplaintState::Withdrawn));
    }
    paginate_newest_first(cx.db(), q, complaint::Column::Id, args).await
}

/// The month's complaints of one category at one place (投诉汇总).
#[derive(Clone, Debug)]
pub struct Group {
    pub category: ComplaintCategory,
    pub building_id: Option<i64>,
    pub public_area_id: Option<i64>,
    /// The public area's name, else the building's, else "全小区" (the whole community).
    pub place: String,
    pub count: i64,
}

/// Recurring problems of a month (manager): complaints registered in the period, grouped by
/// category and place, most frequent first. Houses count at their building: a recurring problem
/// (water pressure, a noisy lift) shows across the houses of a building, not in one flat.
pub async fn analysis(cx: &Cx, community_id: i64, period: &str) -> AppResult<Vec<Group>> {
    estate::community(cx, community_id).await?;
    super::fees::require_staff_in(cx, community_id, &[StaffRole::Manager])?;
    let (from, to) = month_utc(period)?;
    let rows: Vec<(ComplaintCategory, Option<i64>, Option<i64>, i64)> = complaint::Entity::find()
        .select_only()
        .column(complaint::Column::Category)
        .column(complaint::Column::BuildingId)
        .column(complaint::Column::PublicAreaId)
        .column_as(complaint::Column::Id.count(), "n")
        .filter(complaint::Column::CommunityId.eq(community_id))
        .filter(complaint::Column::CreatedAt.gte(from))
        .filter(complaint::Column::CreatedAt.lt(to))
        .group_by(complaint::Column::Category)
        .group_by(complaint::Column::BuildingId)
        .group_by(complaint::Column::PublicAreaId)
        .into_tuple()
        .all(cx.db())
        .await?;
    let buildings: HashMap<i64, String> = building::Entity::find()
        .filter(building::Column::Id.is_in(rows.iter().filter_map(|r| r.1)))
        .all(cx.db())
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    let areas: HashMap<i64, String> = public_area::Entity::find()
        .filter(public_area::Column::Id.is_in(rows.iter().filter_map(|r| r.2)))
        .all(cx.db())
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let mut groups: Vec<Group> = rows
        .into_iter()
        .map(|(category, building_id, public_area_id, count)| {
            let place = match (
                public_area_id.and_then(|a| areas.get(&a)),
                building_id.and_then(|b| buildings.get(&b)),
            ) {
                (Some(a), _) => a.clone(),
                (None, Some(b)) => b.clone(),
                (None, None) => "全小区".to_owned(),
            };
            Group {
                category,
                building_id,
                public_area_id,
                place,
                count,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.category.cmp(&b.category))
            .then(a.place.cmp(&b.place))
    });
    Ok(groups)
}

/// A month "YYYY-MM" in the community's time zone, as a UTC half-open range.
pub fn month_utc(period: &str) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let first = super::fees::parse_period("period", period)?;
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let at = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_local_timezone(offset)
            .single()
            .expect("fixed offset")
            .to_utc()
    };
    Ok((
        at(first),
        at(super::fees::month_end(first) + Duration::days(1)),
    ))
}

/// What the targets board needs about complaints of a community in a period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ComplaintFigures {
    /// Complaints registered in the period and not withdrawn (总投诉处理宗数).
    pub complaints: i64,
    /// Of those, return-visited (投诉处理回访宗数).
    pub return_visited: i64,
    /// Of those, replied to within 24 h of registration (投诉回复及时).
    pub replied_on_time: i64,
    /// Of the return-visited, satisfied (satisfaction ≥ 4) (有效投诉处理满意).
    pub satisfied: i64,
}

/// The complaint figures of a community for complaints registered in `[from, to)`. Plain
/// numbers for the targets board, which does its own authorization. One statement.
pub async fn figures(
    db: &impl ConnectionTrait,
    community_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<ComplaintFigures> {
    // Compared in Rust, not SQL: SQLite stores instants as text, and comparing two columns of
    // it is only as good as their formatting.
    type Row = (
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<i16>,
    );
    let rows: Vec<Row> = complaint::Entity::find()
        .select_only()
        .column(complaint::Column::ReplyDueAt)
        .column(complaint::Column::RepliedAt)
        .column(complaint::Column::ReturnVisitedAt)
        .column(complaint::Column::Satisfaction)
        .filter(complaint::Column::CommunityId.eq(community_id))
        .filter(complaint::Column::CreatedAt.gte(from))
        .filter(complaint::Column::CreatedAt.lt(to))
        .filter(complaint::Column::State.ne(ComplaintState::Withdrawn))
        .into_tuple()
        .all(db)
        .await?;
    let mut f = ComplaintFigures::default();
    for (due, replied, visited, satisfaction) in rows {
        f.complaints += 1;
        if replied.is_some_and(|r| r <= due) {
            f.replied_on_time += 1;
        }
        if visited.is_some() {
            f.return_visited += 1;
            if satisfaction.is_some_and(|s| s >= 4) {
                f.satisfied += 1;
            }
        }
    }
    Ok(f)
}
