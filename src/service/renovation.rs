//! Renovation permits (装修管理程序): the owner applies, the butler checks, the manager approves
//! against the deposit and management fee (billed through the fees service), the permit is
//! issued once both are paid, and worker passes are checked at the gate.
use super::events::{self, NewEvent};
use super::fees::billing::{raise_charge_in, LineDraft};
use super::page::{paginate, Page, PageArgs};
use super::workflow::{self, About, Step};
use super::{estate, Cx};
use crate::domain::renovation_flow::{Party, RenovationAction, RENOVATIONS};
use crate::domain::{Fen, Phone};
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use chrono::{NaiveDate, NaiveTime, Timelike};
use entity::enums::{
    BillingCycle, FeeKind, HouseStatus, PaymentMethod, RenovationState, StaffRole,
};
use entity::{bill, fee_item, house, renovation, renovation_rule, renovation_worker};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

/// A community's renovation rules (defaults when it has none).
#[derive(Clone, Debug)]
pub struct Rules {
    pub max_days: i64,
    /// Local working windows.
    pub windows: Vec<(NaiveTime, NaiveTime)>,
    pub holidays: Vec<NaiveDate>,
}

impl Default for Rules {
    fn default() -> Self {
        Self::parse(90, "08:00-12:00,14:00-18:00", "")
    }
}

impl Rules {
    fn parse(max_days: i64, windows: &str, holidays: &str) -> Self {
        let windows = windows
            .split(',')
            .filter_map(|w| {
                let (a, b) = w.trim().split_once('-')?;
                Some((
                    NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?,
                    NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?,
                ))
            })
            .collect();
        let holidays = holidays
            .split(',')
            .filter_map(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
            .collect();
        Self {
            max_days,
            windows,
            holidays,
        }
    }
}

pub async fn rules(cx: &Cx, community_id: i64) -> AppResult<Rules> {
    Ok(renovation_rule::Entity::find()
        .filter(renovation_rule::Column::CommunityId.eq(community_id))
        .one_row(cx.db())
        .await?
        .map(|r| Rules::parse(r.max_days as i64, &r.work_windows, &r.holidays))
        .unwrap_or_default())
}

/// The manager sets the community's renovation rules.
pub async fn set_rules(
    cx: &Cx,
    community_id: i64,
    max_days: i32,
    windows: &str,
    holidays: &[NaiveDate],
) -> AppResult<Rules> {
    estate::community(cx, community_id).await?;
    super::fees::require_staff_in(cx, community_id, &[StaffRole::Manager])?;
    if !(1..=365).contains(&max_days) {
        return Err(AppError::bad_input(
            "maxDays",
            "最长工期应在 1 到 365 天之间",
            "The longest plan must be 1–365 days",
        ));
    }
    let parsed = Rules::parse(max_days as i64, windows, "");
    let parts = windows.split(',').filter(|w| !w.trim().is_empty()).count();
    if parts == 0 || parsed.windows.len() != parts || parsed.windows.iter().any(|(a, b)| a >= b) {
        return Err(AppError::bad_input(
            "workWindows",
            "施工时段格式应为 08:00-12:00,14:00-18:00",
            "Working hours look like 08:00-12:00,14:00-18:00",
        ));
    }
    let holidays_text = holidays
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(",");
    renovation_rule::Entity::insert(renovation_rule::ActiveModel {
        community_id: Set(community_id),
        max_days: Set(max_days),
        work_windows: Set(windows.replace(' ', "")),
        holidays: Set(holidays_text),
        ..Default::default()
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(renovation_rule::Column::CommunityId)
            .update_columns([
                renovation_rule::Column::MaxDays,
                renovation_rule::Column::WorkWindows,
                renovation_rule::Column::Holidays,
            ])
            .to_owned(),
    )
    .exec_without_returning(cx.db())
    .await?;
    rules(cx, community_id).await
}

pub struct NewWorker {
    pub name: String,
    pub id_number: String,
    pub phone: String,
}

pub struct Application {
    pub house_id: i64,
    pub scope: String,
    pub touches_walls: bool,
    pub touches_plumbing: bool,
    pub touches_electrics: bool,
    pub touches_facade: bool,
    pub touches_windows: bool,
    pub load_bearing: bool,
    pub contractor_company: String,
    pub contractor_licence: String,
    pub contractor_person: String,
    pub contractor_phone: String,
    pub planned_start: NaiveDate,
    pub planned_end: NaiveDate,
    pub workers: Vec<NewWorker>,
    /// Submit now, or keep as a draft.
    pub submit: bool,
}

fn required(field: &str, v: &str) -> AppResult<String> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > 100 {
        return Err(AppError::bad_input(
            field,
            "此项必填（最多 100 字）",
            "This field is required (at most 100 characters)",
        ));
    }
    Ok(v.to_owned())
}

/// A mainland resident ID number: 17 digits and a digit or X.
fn id_number(v: &str) -> AppResult<String> {
    let v = v.trim().to_ascii_uppercase();
    let ok = v.len() == 18
        && v[..17].bytes().all(|b| b.is_ascii_digit())
        && matches!(v.as_bytes()[17], b'0'..=b'9' | b'X');
    if !ok {
        return Err(AppError::bad_input(
            "workers.idNumber",
            "工人身份证号须为 18 位",
            "Each worker needs an 18-character ID number",
        ));
    }
    Ok(v)
}

/// The owner applies for their house (as a draft, or submitted at once).
pub async fn apply(cx: &Cx, a: Application) -> AppResult<renovation::Model> {
    let h = estate::house(cx, a.house_id).await?;
    if !cx.reach().await?.owns(h.id) {
        return Err(AppError::Forbidden);
    }
    // Structural and facade changes are never allowed (装修管理规定).
    if a.load_bearing {
        return Err(AppError::bad_input(
            "loadBearing",
            "不得改动承重墙",
            "Load-bearing walls may not be changed",
        ));
    }
    if a.touches_facade {
        return Err(AppError::bad_input(
            "touchesFacade",
            "不得改变建筑外立面",
            "The facade may not be changed",
        ));
    }
    let rules = rules(cx, h.community_id).await?;
    if a.planned_end < a.planned_start {
        return Err(AppError::bad_input(
            "plannedEnd",
            "结束日期早于开始日期",
            "The end is before the start",
        ));
    }
    if a.planned_start < super::today_in_community() {
        return Err(AppError::bad_input(
            "plannedStart",
            "开始日期不能早于今天",
            "The start is in the past",
        ));
    }
    let days = (a.planned_end - a.planned_start).num_days() + 1;
    if days > rules.max_days {
        return Err(AppError::bad_input(
            "plannedEnd",
            format!("工期 {days} 天，超过本小区上限 {} 天", rules.max_days),
            format!(
                "{days} days exceeds this community's limit of {} days",
                rules.max_days
            ),
        ));
    }
    if a.workers.is_empty() {
        return Err(AppError::bad_input(
            "workers",
            "请登记施工人员",
            "List the workers",
        ));
    }
    let mut workers = vec![];
    for w in &a.workers {
        workers.push((
            required("workers.name", &w.name)?,
            id_number(&w.id_number)?,
            Phone::parse("workers.phone", &w.phone)?,
        ));
    }
    let scope = required("scope", &a.scope)?;
    let company = required("contractorCompany", &a.contractor_company)?;
    let licence = required("contractorLicence", &a.contractor_licence)?;
    let person = required("contractorPerson", &a.contractor_person)?;
    let contractor_phone = Phone::parse("contractorPhone", &a.contractor_phone)?;
    let user = cx.actor.user()?.user_id;
    let now = super::now();
    let txn = cx.db().begin().await?;
    let row = renovation::ActiveModel {
        community_id: Set(h.community_id),
        building_id: Set(h.building_id),
        house_id: Set(h.id),
        applicant_user_id: Set(user),
        state: Set(if a.submit {
            RenovationState::Applied
        } else {
            RenovationState::Draft
        }),
        scope: Set(scope),
        touches_walls: Set(a.touches_walls),
        touches_plumbing: Set(a.touches_plumbing),
        touches_electrics: Set(a.touches_electrics),
        touches_facade: Set(false),
        touches_windows: Set(a.touches_windows),
        load_bearing: Set(false),
        contractor_company: Set(company),
        contractor_licence: Set(licence),
        contractor_person: Set(person),
        contractor_phone: Set(contractor_phone.as_str().to_owned()),
        planned_start: Set(a.planned_start),
        planned_end: Set(a.planned_end),
        created_at: Set(now),
        submitted_at: Set(a.submit.then_some(now)),
        version: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (name, id, phone) in workers {
        renovation_worker::ActiveModel {
            community_id: Set(h.community_id),
            renovation_id: Set(row.id),
            name: Set(name),
            id_number: Set(id),
            phone: Set(phone.as_str().to_owned()),
            pass_code: Set(crate::domain::pass_code::new()),
            created_at: Set(now),
            removed_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let ev = events::record(
        &txn,
        &cx.actor,
        NewEvent::about_house(
            &h,
            "renovation.applied",
            crate::domain::NodeKind::Renovation,
            row.id,
        )
        .to(row.state.to_value()),
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(row)
}

/// Who may see an application: its owner (and household), the community's desk staff (a butler:
/// their buildings), the manager, admins. Drafts only their owner.
pub async fn get(cx: &Cx, id: i64) -> AppResult<renovation::Model> {
    cx.actor.require_signed_in()?;
    let r = renovation::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let user = cx.actor.user().ok().map(|u| u.user_id);
    if user == Some(r.applicant_user_id) {
        return Ok(r);
    }
    if r.state == RenovationState::Draft {
        return Err(AppError::NotFound);
    }
    let reach = cx.reach().await?;
    let staff_ok = cx.actor.staff().is_some_and(|s| {
        s.role == StaffRole::Admin
            || (s.community_id == Some(r.community_id)
                && match s.role {
                    StaffRole::Manager | StaffRole::Reception => true,
                    StaffRole::Butler => s.building_ids.contains(&r.building_id),
                    // Guards check worker passes and inspect (装修巡查) while works are on site.
                    StaffRole::Security => ON_SITE.contains(&r.state),
                    _ => false,
                })
    });
    if staff_ok || reach.binding(r.house_id).is_some() {
        Ok(r)
    } else {
        Err(AppError::NotFound)
    }
}

/// States in which workers are on site: passes work, and inspections are recorded.
const ON_SITE: [RenovationState; 3] = [
    RenovationState::InProgress,
    RenovationState::AcceptanceRequested,
    RenovationState::RectificationRequired,
];

fn parties(cx: &Cx, r: &renovation::Model, owns: bool) -> Vec<Party> {
    let mut out = vec![];
    if owns {
        out.push(Party::Owner);
    }
    if let Some(s) = cx.actor.staff() {
        let here = s.role == StaffRole::Admin || s.community_id == Some(r.community_id);
        let building = s.role != StaffRole::Butler || s.building_ids.contains(&r.building_id);
        if here && building {
            match s.role {
                StaffRole::Butler => out.extend([Party::Butler, Party::Desk]),
                StaffRole::Manager | StaffRole::Admin => {
                    out.extend([Party::Butler, Party::Manager, Party::Desk])
                }
                StaffRole::Reception => out.push(Party::Desk),
                _ => {}
            }
        }
    }
    out
}

/// Checks the step against who the caller is to the application: the application and the
/// caller's parties to it, or why not.
async fn step(
    cx: &Cx,
    id: i64,
    action: RenovationAction,
    name: &'static str,
) -> AppResult<(renovation::Model, Vec<Party>)> {
    let r = get(cx, id).await?;
    let owns = cx.reach().await?.owns(r.house_id);
    let mine = parties(cx, &r, owns);
    workflow::check::<renovation::Entity, _, _>(cx.db(), &RENOVATIONS, &r, action, &mine, name)
        .await?;
    Ok((r, mine))
}

/// Takes the step through the workflow engine, first in `txn`; a note is kept on the application.
#[allow(clippy::too_many_arguments)]
async fn commit_step(
    cx: &Cx,
    txn: &sea_orm::DatabaseTransaction,
    r: &renovation::Model,
    mine: &[Party],
    action: RenovationAction,
    name: &'static str,
    note: Option<String>,
    mut extra: Vec<(renovation::Column, sea_orm::Value)>,
) -> AppResult<events::Published> {
    if note.is_some() {
        extra.push((renovation::Column::Note, note.clone().into()));
    }
    let (_, ev) = workflow::take::<renovation::Entity, _, _>(
        cx,
        txn,
        r,
        Step {
            flow: &RENOVATIONS,
            action,
            parties: mine,
            changes: extra,
            event: name,
            about: About {
                community_id: r.community_id,
                house_id: Some(r.house_id),
                building_id: Some(r.building_id),
            },
            reason: note,
            audience: vec![r.applicant_user_id],
        },
    )
    .await?;
    Ok(ev)
}

async fn simple(
    cx: &Cx,
    id: i64,
    action: RenovationAction,
    name: &'static str,
    note: Option<String>,
    extra: Vec<(renovation::Column, sea_orm::Value)>,
) -> AppResult<renovation::Model> {
    let (r, mine) = step(cx, id, action, name).await?;
    let txn = cx.db().begin().await?;
    let ev = commit_step(cx, &txn, &r, &mine, action, name, note, extra).await?;
    workflow::commit(cx, txn, [ev]).await?;
    get(cx, id).await
}

pub async fn submit(cx: &Cx, id: i64) -> AppResult<renovation::Model> {
    simple(
        cx,
        id,
        RenovationAction::Submit,
        "renovation.submitted",
        None,
        vec![(renovation::Column::SubmittedAt, super::now().into())],
    )
    .await
}

pub async fn withdraw(cx: &Cx, id: i64, reason: Option<String>) -> AppResult<renovation::Model> {
    simple(
        cx,
        id,
        RenovationAction::Withdraw,
        "renovation.withdrawn",
        reason,
        vec![],
    )
    .await
}

pub async fn forward(cx: &Cx, id: i64, note: Option<String>) -> AppResult<renovation::Model> {
    simple(
        cx,
        id,
        RenovationAction::Forward,
        "renovation.forwarded",
        note,
        vec![],
    )
    .await
}

pub async fn reject(cx: &Cx, id: i64, reason: String) -> AppResult<renovation::Model> {
    let reason = required("reason", &reason)?;
    simple(
        cx,
        id,
        RenovationAction::Reject,
        "renovation.rejected",
        Some(reason),
        vec![(renovation::Column::DecidedAt, super::now().into())],
    )
    .await
}

/// The one-off fee item of `kind` that prices renovations in this community.
async fn renovation_item(cx: &Cx, community_id: i64, kind: FeeKind) -> AppResult<fee_item::Model> {
    fee_item::Entity::find()
        .filter(fee_item::Column::CommunityId.eq(community_id))
        .filter(fee_item::Column::Kind.eq(kind))
        .filter(fee_item::Column::Cycle.eq(BillingCycle::OneOff))
        .filter(fee_item::Column::Active.eq(true))
        .one_row(cx.db())
        .await?
        .ok_or_else(|| {
            AppError::bad_input(
                "renovationId",
                "本小区尚未设置装修押金或装修管理费收费项目",
                "This community has no renovation deposit or renovation fee item in its price list",
            )
        })
}

/// The manager approves: the deposit and the management fee become bills of the house.
pub async fn approve(cx: &Cx, id: i64, note: Option<String>) -> AppResult<renovation::Model> {
    let (r, mine) = step(cx, id, RenovationAction::Approve, "renovation.approved").await?;
    let deposit = renovation_item(cx, r.community_id, FeeKind::RenovationDeposit).await?;
    let fee = renovation_item(cx, r.community_id, FeeKind::RenovationFee).await?;
    let line = |item: &fee_item::Model| LineDraft {
        fee_item_id: Some(item.id),
        description: format!("{}：{}", item.name, Fen(item.unit_price_fen)),
        amount_fen: item.unit_price_fen,
        late_fee_bps_per_day: None,
        late_fee_grace_days: 0,
        late_fee_cap_bps: None,
    };
    let txn = cx.db().begin().await?;
    let ev = commit_step(
        cx,
        &txn,
        &r,
        &mine,
        RenovationAction::Approve,
        "renovation.approved",
        note,
        vec![(renovation::Column::DecidedAt, super::now().into())],
    )
    .await?;
    let h = house::Entity::find_by_id(r.house_id)
        .one_row(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let deposit_bill = raise_charge_in(
        &txn,
        &h,
        &format!("renovation:{}:deposit", r.id),
        vec![line(&deposit)],
    )
    .await?;
    let fee_bill = raise_charge_in(
        &txn,
        &h,
        &format!("renovation:{}:fee", r.id),
        vec![line(&fee)],
    )
    .await?;
    renovation::Entity::update_many()
        .col_expr(
            renovation::Column::DepositBillId,
            Expr::value(deposit_bill.id),
        )
        .col_expr(renovation::Column::FeeBillId, Expr::value(fee_bill.id))
        .filter(renovation::Column::Id.eq(r.id))
        .exec(&txn)
        .await?;
    workflow::commit(cx, txn, [ev]).await?;
    get(cx, id).await
}

/// Issues the permit once the deposit and fee are paid: the house is marked renovating and the
/// workers' passes start to work.
pub async fn issue_permit(cx: &Cx, id: i64) -> AppResult<renovation::Model> {
    let (r, mine) = step(
        cx,
        id,
        RenovationAction::IssuePermit,
        "renovation.permit_issued",
    )
    .await?;
    let bills = bill::Entity::find()
        .filter(
            bill::Column::Id.is_in([r.deposit_bill_id.unwrap_or(-1), r.fee_bill_id.unwrap_or(-1)]),
        )
        .all(cx.db())
        .await?;
    let unpaid: Vec<&bill::Model> = bills
        .iter()
        .filter(|b| b.paid_fen < b.amount_fen || b.cancelled_at.is_some())
        .collect();
    if bills.len() != 2 || !unpaid.is_empty() {
        return Err(AppError::StepBlocked {
            current: r.state.to_value(),
            reason: "DEPOSIT_OR_FEE_UNPAID",
            msg: crate::error::Msg::new(
                "装修押金或装修管理费尚未缴清，暂不能发放装修许可证",
                "The renovation deposit or fee is not yet paid, so the permit cannot be issued",
            ),
        });
    }
    let community = entity::community::Entity::find_by_id(r.community_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let permit_no = format!(
        "ZX-{}-{}-{:05}",
        community.code,
        super::today_in_community().format("%Y"),
        r.id
    );
    let txn = cx.db().begin().await?;
    let ev = commit_step(
        cx,
        &txn,
        &r,
        &mine,
        RenovationAction::IssuePermit,
        "renovation.permit_issued",
        None,
        vec![
            (renovation::Column::PermitNo, permit_no.into()),
            (renovation::Column::IssuedAt, super::now().into()),
        ],
    )
    .await?;
    house::Entity::update_many()
        .col_expr(
            house::Column::Status,
            Expr::value(HouseStatus::Renovating.to_value()),
        )
        .filter(house::Column::Id.eq(r.house_id))
        .exec(&txn)
        .await?;
    workflow::commit(cx, txn, [ev]).await?;
    get(cx, id).await
}

/// The owner's applications.
pub async fn mine(cx: &Cx, args: &PageArgs) -> AppResult<Page<renovation::Model>> {
    let user = cx.actor.user()?.user_id;
    let houses: Vec<i64> = cx.reach().await?.own.iter().map(|o| o.house_id).collect();
    let q = renovation::Entity::find().filter(
        sea_orm::Condition::any()
            .add(renovation::Column::ApplicantUserId.eq(user))
            .add(
                sea_orm::Condition::all()
                    .add(renovation::Column::HouseId.is_in(houses))
                    .add(renovation::Column::State.ne(RenovationState::Draft)),
            ),
    );
    paginate(cx.db(), q, renovation::Column::Id, args).await
}

/// Staff lists (reception, manager; a butler their buildings), optionally one state.
pub async fn of_community(
    cx: &Cx,
    community_id: i64,
    state: Option<RenovationState>,
    building_id: Option<i64>,
    args: &PageArgs,
) -> AppResult<Page<renovation::Model>> {
    estate::community(cx, community_id).await?;
    super::fees::require_staff_in(
        cx,
        community_id,
        &[StaffRole::Reception, StaffRole::Butler, StaffRole::Manager],
    )?;
    let mut q = renovation::Entity::find()
        .filter(renovation::Column::CommunityId.eq(community_id))
        .filter(renovation::Column::State.ne(RenovationState::Draft));
    if let Some(s) = cx.actor.staff().filter(|s| s.role == StaffRole::Butler) {
        q = q.filter(renovation::Column::BuildingId.is_in(s.building_ids.clone()));
    }
    if let Some(s) = state {
        q = q.filter(renovation::Column::State.eq(s));
    }
    if let Some(b) = building_id {
        q = q.filter(renovation::Column::BuildingId.eq(b));
    }
    paginate(cx.db(), q, renovation::Column::Id, args).await
}

/// Why a pass does or does not open the gate now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum PassVerdict {
    /// Valid now.
    Valid,
    /// No such pass in this community.
    UnknownCode,
    /// The permit is not issued (yet, or any more).
    NotIssued,
    /// Before the permit's first day.
    NotStarted,
    /// After the permit's last day.
    Ended,
    /// Outside the community's working hours.
    OutsideHours,
    /// A holiday: no work.
    Holiday,
    /// The worker was removed from the permit.
    Revoked,
}

/// What the gate needs to know, nothing more.
pub struct PassCheck {
    pub verdict: PassVerdict,
    pub worker_name: Option<String>,
    pub house_id: Option<i64>,
    pub valid_until: Option<NaiveDate>,
}

/// A guard checks a worker's pass code at `at` (now, normally).
pub async fn check_pass(
    cx: &Cx,
    community_id: i64,
    code: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<PassCheck> {
    super::fees::require_staff_in(
        cx,
        community_id,
        &[
            StaffRole::Security,
            StaffRole::Reception,
            StaffRole::Manager,
        ],
    )?;
    let none = |v| PassCheck {
        verdict: v,
        worker_name: None,
        house_id: None,
        valid_until: None,
    };
    let Some(w) = renovation_worker::Entity::find()
        .filter(renovation_worker::Column::PassCode.eq(code.trim().to_ascii_uppercase()))
        .filter(renovation_worker::Column::CommunityId.eq(community_id))
        .one_row(cx.db())
        .await?
    else {
        return Ok(none(PassVerdict::UnknownCode));
    };
    let r = renovation::Entity::find_by_id(w.renovation_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let rules = rules(cx, community_id).await?;
    let local = at.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset"));
    let (day, time) = (
        local.date_naive(),
        local.time().with_nanosecond(0).expect("valid"),
    );
    let verdict = if w.removed_at.is_some() {
        PassVerdict::Revoked
    } else if matches!(r.state, RenovationState::Accepted) {
        // The works are over: the pass has had its day, it was not merely never issued.
        PassVerdict::Ended
    } else if !matches!(
        r.state,
        RenovationState::InProgress | RenovationState::RectificationRequired
    ) {
        // Before the permit, or while the works wait for acceptance (the gate list agrees).
        PassVerdict::NotIssued
    } else if day < r.planned_start {
        PassVerdict::NotStarted
    } else if day > r.planned_end {
        PassVerdict::Ended
    } else if rules.holidays.contains(&day) {
        PassVerdict::Holiday
    } else if !rules.windows.iter().any(|(a, b)| time >= *a && time < *b) {
        PassVerdict::OutsideHours
    } else {
        PassVerdict::Valid
    };
    Ok(PassCheck {
        verdict,
        worker_name: Some(w.name),
        house_id: Some(r.house_id),
        valid_until: Some(r.planned_end),
    })
}

// ---- inspections, acceptance and the deposit refund -------------------------------------

use entity::{deposit_refund, renovation_extension, renovation_inspection};

/// Staff who inspect works and accept them: the butler of the building, the manager.
fn require_inspector(cx: &Cx, r: &renovation::Model) -> AppResult<()> {
    let s =
        cx.actor
            .require_staff(&[StaffRole::Butler, StaffRole::Manager, StaffRole::Security])?;
    let ok = s.role == StaffRole::Admin
        || (s.community_id == Some(r.community_id)
            && (s.role != StaffRole::Butler || s.building_ids.contains(&r.building_id)));
    if !ok {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// What is left of the paid deposit after the fines recorded so far.
async fn deposit_left(cx: &Cx, r: &renovation::Model) -> AppResult<(i64, i64)> {
    let paid = match r.deposit_bill_id {
        Some(b) => bill::Entity::find_by_id(b)
            .one_row(cx.db())
            .await?
            .map(|b| b.paid_fen)
            .unwrap_or(0),
        None => 0,
    };
    let fines: i64 = renovation_inspection::Entity::find()
        .filter(renovation_inspection::Column::RenovationId.eq(r.id))
        .all(cx.db())
        .await?
        .iter()
        .map(|i| i.fine_fen)
        .sum();
    Ok((paid, fines))
}

/// A violation found on inspection: fix by a date, optionally fined from the deposit.
pub struct Violation {
    pub rectify_by: NaiveDate,
    pub fine: Fen,
}

/// Records an inspection (装修巡查) of works under way. A deadline makes it a violation; a fine
/// is only ever part of a violation, so a fine without a deadline is refused, not dropped.
pub async fn inspect(
    cx: &Cx,
    id: i64,
    note: String,
    rectify_by: Option<NaiveDate>,
    fine: Fen,
) -> AppResult<renovation_inspection::Model> {
    let r = get(cx, id).await?;
    require_inspector(cx, &r)?;
    if !ON_SITE.contains(&r.state) {
        return Err(AppError::InvalidStateTransition {
            current: r.state.to_value(),
            action: "inspect".into(),
        });
    }
    let note = required("note", &note)?;
    let violation = match rectify_by {
        Some(rectify_by) => Some(Violation { rectify_by, fine }),
        None if fine.0 != 0 => {
            return Err(AppError::bad_input(
                "rectifyBy",
                "罚款须随违规一并登记：请填写整改期限",
                "A fine comes with a violation: give the rectification deadline",
            ));
        }
        None => None,
    };
    let (rectify_by, fine) = match &violation {
        Some(v) => {
            if v.rectify_by < super::today_in_community() {
                return Err(AppError::bad_input(
                    "rectifyBy",
                    "整改期限不能早于今天",
                    "The rectification deadline is in the past",
                ));
            }
            if v.fine.0 < 0 {
                return Err(AppError::bad_input(
                    "fineFen",
                    "罚款不能为负",
                    "A fine cannot be negative",
                ));
            }
            let (paid, fines) = deposit_left(cx, &r).await?;
            if v.fine.0 > paid - fines {
                return Err(AppError::bad_input(
                    "fineFen",
                    format!("罚款超过押金余额 {}", Fen(paid - fines)),
                    format!(
                        "The fine exceeds what is left of the deposit ({})",
                        Fen(paid - fines)
                    ),
                ));
            }
            (Some(v.rectify_by), v.fine.0)
        }
        None => (None, 0),
    };
    let txn = cx.db().begin().await?;
    let row = renovation_inspection::ActiveModel {
        community_id: Set(r.community_id),
        renovation_id: Set(r.id),
        inspector_user_id: Set(cx.actor.user()?.user_id),
        note: Set(note),
        is_violation: Set(violation.is_some()),
        rectify_by: Set(rectify_by),
        fine_fen: Set(fine),
        rectified_at: Set(None),
        confirmed_at: Set(None),
        created_at: Set(super::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let h = house::Entity::find_by_id(r.house_id)
        .one_row(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut ev = events::record(
        &txn,
        &cx.actor,
        NewEvent::about_house(
            &h,
            if row.is_violation {
                "renovation.violation"
            } else {
                "renovation.inspected"
            },
            crate::domain::NodeKind::Renovation,
            r.id,
        ),
    )
    .await?;
    ev.audience.push(r.applicant_user_id);
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(row)
}

pub async fn inspections_of(
    cx: &Cx,
    r: &renovation::Model,
) -> AppResult<Vec<renovation_inspection::Model>> {
    Ok(renovation_inspection::Entity::find()
        .filter(renovation_inspection::Column::RenovationId.eq(r.id))
        .all(cx.db())
        .await?)
}

/// An inspection and its renovation, if the caller may see the renovation.
pub async fn inspection(
    cx: &Cx,
    id: i64,
) -> AppResult<(renovation_inspection::Model, renovation::Model)> {
    let i = renovation_inspection::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let r = get(cx, i.renovation_id).await?;
    Ok((i, r))
}

/// The owner reports a violation fixed.
pub async fn mark_rectified(
    cx: &Cx,
    inspection_id: i64,
) -> AppResult<renovation_inspection::Model> {
    let (i, r) = inspection(cx, inspection_id).await?;
    if !cx.reach().await?.owns(r.house_id) {
        return Err(AppError::Forbidden);
    }
    if !i.is_violation || i.rectified_at.is_some() {
        return Err(AppError::InvalidStateTransition {
            current: if i.is_violation {
                "RECTIFIED".into()
            } else {
                "NO_VIOLATION".into()
            },
            action: "markRectified".into(),
        });
    }
    let mut am: renovation_inspection::ActiveModel = i.into();
    am.rectified_at = Set(Some(super::now()));
    Ok(am.update(cx.db()).await?)
}

/// Staff confirm a fix on site.
pub async fn confirm_rectified(
    cx: &Cx,
    inspection_id: i64,
) -> AppResult<renovation_inspection::Model> {
    let (i, r) = inspection(cx, inspection_id).await?;
    require_inspector(cx, &r)?;
    if i.rectified_at.is_none() || i.confirmed_at.is_some() {
        return Err(AppError::InvalidStateTransition {
            current: if i.confirmed_at.is_some() {
                "CONFIRMED".into()
            } else {
                "OPEN".into()
            },
            action: "confirmRectified".into(),
        });
    }
    let mut am: renovation_inspection::ActiveModel = i.into();
    am.confirmed_at = Set(Some(super::now()));
    Ok(am.update(cx.db()).await?)
}

/// Violations past their deadline and not yet confirmed fixed (butler: their buildings).
pub async fn overdue_rectifications(
    cx: &Cx,
    community_id: i64,
) -> AppResult<Vec<renovation_inspection::Model>> {
    estate::community(cx, community_id).await?;
    super::fees::require_staff_in(
        cx,
        community_id,
        &[StaffRole::Butler, StaffRole::Manager, StaffRole::Reception],
    )?;
    let mut rows = renovation_inspection::Entity::find()
        .filter(renovation_inspection::Column::CommunityId.eq(community_id))
        .filter(renovation_inspection::Column::IsViolation.eq(true))
        .filter(renovation_inspection::Column::ConfirmedAt.is_null())
        .filter(renovation_inspection::Column::RectifyBy.lt(super::today_in_community()))
        .all(cx.db())
        .await?;
    if let Some(s) = cx.actor.staff().filter(|s| s.role == StaffRole::Butler) {
        let mine: Vec<i64> = renovation::Entity::find()
            .filter(renovation::Column::BuildingId.is_in(s.building_ids.clone()))
            .all(cx.db())
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        rows.retain(|i| mine.contains(&i.renovation_id));
    }
    Ok(rows)
}

pub async fn request_acceptance(cx: &Cx, id: i64) -> AppResult<renovation::Model> {
    simple(
        cx,
        id,
        RenovationAction::RequestAcceptance,
        "renovation.acceptance_requested",
        None,
        vec![],
    )
    .await
}

pub async fn require_rectification(
    cx: &Cx,
    id: i64,
    items: String,
) -> AppResult<renovation::Model> {
    let items = required("items", &items)?;
    simple(
        cx,
        id,
        RenovationAction::RequireRectification,
        "renovation.rectification_required",
        Some(items),
        vec![],
    )
    .await
}

/// Accepts the works: no open violation may remain; the deposit is refunded less fines as a
/// linked refund record (the deposit bill is never edited) and the house is lived in again.
pub async fn accept(
    cx: &Cx,
    id: i64,
    method: PaymentMethod,
) -> AppResult<(renovation::Model, deposit_refund::Model)> {
    let (r, mine) = step(cx, id, RenovationAction::Accept, "renovation.accepted").await?;
    let open = inspections_of(cx, &r)
        .await?
        .into_iter()
        .filter(|i| i.is_violation && i.confirmed_at.is_none())
        .count();
    if open > 0 {
        return Err(AppError::conflict(
            "renovationId",
            format!("仍有 {open} 项违规未整改确认"),
            format!("{open} violation(s) are not yet confirmed fixed"),
        ));
    }
    let (paid, fines) = deposit_left(cx, &r).await?;
    let txn = cx.db().begin().await?;
    let ev = commit_step(
        cx,
        &txn,
        &r,
        &mine,
        RenovationAction::Accept,
        "renovation.accepted",
        Some(format!("refund {}", Fen(paid - fines))),
        vec![],
    )
    .await?;
    let refund = deposit_refund::ActiveModel {
        community_id: Set(r.community_id),
        renovation_id: Set(r.id),
        deposit_bill_id: Set(r.deposit_bill_id.unwrap_or_default()),
        deposit_fen: Set(paid),
        fines_fen: Set(fines),
        refund_fen: Set(paid - fines),
        recorded_by: Set(cx.actor.label()),
        created_at: Set(super::now()),
        house_id: Set(Some(r.house_id)),
        method: Set(method),
        business_date: Set(Some(super::today_in_community())),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let lived_in = entity::house_member::Entity::find()
        .filter(entity::house_member::Column::HouseId.eq(r.house_id))
        .filter(entity::house_member::Column::EndedAt.is_null())
        .one_row(&txn)
        .await?
        .is_some();
    let status = if lived_in {
        HouseStatus::Occupied
    } else {
        HouseStatus::Vacant
    };
    house::Entity::update_many()
        .col_expr(house::Column::Status, Expr::value(status.to_value()))
        .filter(house::Column::Id.eq(r.house_id))
        .exec(&txn)
        .await?;
    workflow::commit(cx, txn, [ev]).await?;
    Ok((get(cx, id).await?, refund))
}

// ---- deposit refunds as money paid out, for the fees screens ----------------------------

/// Deposit refunds paid out on a business day: money out of finance's day (the counter's
/// cashiers: reception, finance, manager of the community).
pub async fn refunds_paid_on(
    cx: &Cx,
    community_id: i64,
    date: NaiveDate,
) -> AppResult<Vec<deposit_refund::Model>> {
    super::fees::require_staff_in(cx, community_id, super::fees::CASHIERS)?;
    Ok(deposit_refund::Entity::find()
        .filter(deposit_refund::Column::CommunityId.eq(community_id))
        .filter(deposit_refund::Column::BusinessDate.eq(date))
        .order_by_asc(deposit_refund::Column::Id)
        .all(cx.db())
        .await?)
}

/// Deposit refunds paid to a house, newest first: whoever may see the house's bills and
/// payments sees them (the owner's payment history).
pub async fn refunds_of_house(cx: &Cx, house_id: i64) -> AppResult<Vec<deposit_refund::Model>> {
    super::fees::house_for_bills(cx, house_id).await?;
    Ok(deposit_refund::Entity::find()
        .filter(deposit_refund::Column::HouseId.eq(house_id))
        .order_by_desc(deposit_refund::Column::Id)
        .all(cx.db())
        .await?)
}

/// The owner asks for more time.
pub async fn request_extension(
    cx: &Cx,
    id: i64,
    new_end: NaiveDate,
    reason: String,
) -> AppResult<renovation_extension::Model> {
    let r = get(cx, id).await?;
    if !cx.reach().await?.owns(r.house_id) {
        return Err(AppError::Forbidden);
    }
    if r.state != RenovationState::InProgress {
        return Err(AppError::InvalidStateTransition {
            current: r.state.to_value(),
            action: "requestExtension".into(),
        });
    }
    if new_end <= r.planned_end {
        return Err(AppError::bad_input(
            "plannedEnd",
            "延期后的结束日期须晚于原结束日期",
            "The new end must be after the current one",
        ));
    }
    let reason = required("reason", &reason)?;
    Ok(renovation_extension::ActiveModel {
        community_id: Set(r.community_id),
        renovation_id: Set(r.id),
        requested_end: Set(new_end),
        reason: Set(reason),
        status: Set("PENDING".into()),
        decided_at: Set(None),
        created_at: Set(super::now()),
        ..Default::default()
    }
    .insert(cx.db())
    .await?)
}

/// An extension request of a renovation the caller may see.
pub async fn extension(cx: &Cx, extension_id: i64) -> AppResult<renovation_extension::Model> {
    let e = renovation_extension::Entity::find_by_id(extension_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    get(cx, e.renovation_id).await?;
    Ok(e)
}

/// The manager decides an extension; approval moves the permit's end date (and the passes').
pub async fn decide_extension(
    cx: &Cx,
    extension_id: i64,
    approve: bool,
) -> AppResult<renovation::Model> {
    let e = renovation_extension::Entity::find_by_id(extension_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let r = get(cx, e.renovation_id).await?;
    super::fees::require_staff_in(cx, r.community_id, &[StaffRole::Manager])?;
    let res = renovation_extension::Entity::update_many()
        .col_expr(
            renovation_extension::Column::Status,
            Expr::value(if approve { "APPROVED" } else { "REJECTED" }),
        )
        .col_expr(
            renovation_extension::Column::DecidedAt,
            Expr::value(super::now()),
        )
        .filter(renovation_extension::Column::Id.eq(e.id))
        .filter(renovation_extension::Column::Status.eq("PENDING"))
        .exec(cx.db())
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::InvalidStateTransition {
            current: e.status,
            action: "decideExtension".into(),
        });
    }
    if approve {
        renovation::Entity::update_many()
            .col_expr(renovation::Column::PlannedEnd, Expr::value(e.requested_end))
            .filter(renovation::Column::Id.eq(r.id))
            .exec(cx.db())
            .await?;
    }
    get(cx, r.id).await
}

// ---- workers during the works, and the gate's list ----------------------------------------

/// The butler (or manager) adds a worker to a permit during the works; the new pass works at once.
pub async fn add_worker(cx: &Cx, id: i64, w: NewWorker) -> AppResult<renovation_worker::Model> {
    let r = get(cx, id).await?;
    require_butler_of(cx, &r)?;
    if !matches!(
        r.state,
        RenovationState::Applied
            | RenovationState::Reviewed
            | RenovationState::Approved
            | RenovationState::InProgress
            | RenovationState::RectificationRequired
    ) {
        return Err(AppError::InvalidStateTransition {
            current: r.state.to_value(),
            action: "addRenovationWorker".into(),
        });
    }
    let name = required("name", &w.name)?;
    let id_no = id_number(&w.id_number)?;
    let phone = Phone::parse("phone", &w.phone)?;
    let txn = cx.db().begin().await?;
    let row = renovation_worker::ActiveModel {
        community_id: Set(r.community_id),
        renovation_id: Set(r.id),
        name: Set(name),
        id_number: Set(id_no),
        phone: Set(phone.as_str().to_owned()),
        pass_code: Set(crate::domain::pass_code::new()),
        created_at: Set(super::now()),
        removed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let h = house::Entity::find_by_id(r.house_id)
        .one_row(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let ev = events::record(
        &txn,
        &cx.actor,
        NewEvent::about_house(
            &h,
            "renovation.worker_added",
            crate::domain::NodeKind::Renovation,
            r.id,
        )
        .to(row.name.clone()),
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(row)
}

/// A worker of a renovation the caller may see.
pub async fn worker(cx: &Cx, worker_id: i64) -> AppResult<renovation_worker::Model> {
    let w = renovation_worker::Entity::find_by_id(worker_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    get(cx, w.renovation_id).await?;
    Ok(w)
}

/// The butler (or manager) removes a worker; their pass stops working at once (REVOKED).
pub async fn remove_worker(
    cx: &Cx,
    worker_id: i64,
    reason: Option<String>,
) -> AppResult<renovation_worker::Model> {
    let w = renovation_worker::Entity::find_by_id(worker_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let r = get(cx, w.renovation_id).await?;
    require_butler_of(cx, &r)?;
    let now = super::now();
    let txn = cx.db().begin().await?;
    let res = renovation_worker::Entity::update_many()
        .col_expr(renovation_worker::Column::RemovedAt, Expr::value(now))
        .filter(renovation_worker::Column::Id.eq(w.id))
        .filter(renovation_worker::Column::RemovedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::InvalidStateTransition {
            current: "REMOVED".into(),
            action: "removeRenovationWorker".into(),
        });
    }
    let h = house::Entity::find_by_id(r.house_id)
        .one_row(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let ev = events::record(
        &txn,
        &cx.actor,
        NewEvent::about_house(
            &h,
            "renovation.worker_removed",
            crate::domain::NodeKind::Renovation,
            r.id,
        )
        .from(w.name.clone())
        .because(reason),
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(renovation_worker::Model {
        removed_at: Some(now),
        ..w
    })
}

/// Worker changes go through the butler of the building (or the manager).
fn require_butler_of(cx: &Cx, r: &renovation::Model) -> AppResult<()> {
    let s = cx
        .actor
        .require_staff(&[StaffRole::Butler, StaffRole::Manager])?;
    let ok = s.role == StaffRole::Admin
        || (s.community_id == Some(r.community_id)
            && (s.role != StaffRole::Butler || s.building_ids.contains(&r.building_id)));
    if !ok {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// A pass valid today at the gate, with its worker and house.
pub struct GatePass {
    pub worker: renovation_worker::Model,
    pub house_id: i64,
    pub valid_until: NaiveDate,
}

/// The passes the gate should expect today: workers of issued permits covering today (not on a
/// holiday). Two statements whatever the number of permits.
pub async fn todays_passes(cx: &Cx, community_id: i64) -> AppResult<Vec<GatePass>> {
    super::fees::require_staff_in(
        cx,
        community_id,
        &[
            StaffRole::Security,
            StaffRole::Reception,
            StaffRole::Manager,
        ],
    )?;
    let today = super::today_in_community();
    if rules(cx, community_id).await?.holidays.contains(&today) {
        return Ok(vec![]);
    }
    let permits = renovation::Entity::find()
        .filter(renovation::Column::CommunityId.eq(community_id))
        .filter(renovation::Column::State.is_in([
            RenovationState::InProgress,
            RenovationState::RectificationRequired,
        ]))
        .filter(renovation::Column::PlannedStart.lte(today))
        .filter(renovation::Column::PlannedEnd.gte(today))
        .all(cx.db())
        .await?;
    let workers = renovation_worker::Entity::find()
        .filter(renovation_worker::Column::RenovationId.is_in(permits.iter().map(|p| p.id)))
        .filter(renovation_worker::Column::RemovedAt.is_null())
        .all(cx.db())
        .await?;
    Ok(workers
        .into_iter()
        .filter_map(|w| {
            let p = permits.iter().find(|p| p.id == w.renovation_id)?;
            Some(GatePass {
                house_id: p.house_id,
                valid_until: p.planned_end,
                worker: w,
            })
        })
        .collect())
}

// ---- drawings and inspection photos -------------------------------------------------------

use super::repairs::photos::{
    check_with, remove_files, sniff, sniff_document, write_files, MAX_PHOTOS,
};
use entity::renovation_file;

/// The owner attaches drawings (images or PDF) before approval; an inspector attaches photos to
/// an inspection. At most 9 files per upload.
pub async fn attach(
    cx: &Cx,
    id: i64,
    inspection_id: Option<i64>,
    files: Vec<(String, Vec<u8>)>,
) -> AppResult<Vec<renovation_file::Model>> {
    let r = get(cx, id).await?;
    let kind = match inspection_id {
        None => {
            if !cx.reach().await?.owns(r.house_id) {
                return Err(AppError::Forbidden);
            }
            if !matches!(
                r.state,
                RenovationState::Draft | RenovationState::Applied | RenovationState::Reviewed
            ) {
                return Err(AppError::InvalidStateTransition {
                    current: r.state.to_value(),
                    action: "attachDrawings".into(),
                });
            }
            "DRAWING"
        }
        Some(i) => {
            require_inspector(cx, &r)?;
            let found = renovation_inspection::Entity::find_by_id(i)
                .one_row(cx.db())
                .await?
                .filter(|x| x.renovation_id == r.id);
            if found.is_none() {
                return Err(AppError::NotFound);
            }
            "INSPECTION_PHOTO"
        }
    };
    if files.is_empty() {
        return Err(AppError::bad_input(
            "files",
            "请选择文件",
            "Choose at least one file",
        ));
    }
    let rule = if kind == "DRAWING" {
        sniff_document
    } else {
        sniff
    };
    let checked = check_with(files, 0, cx.core.config.limits.max_upload_file_bytes, rule)?;
    if checked.len() > MAX_PHOTOS {
        return Err(AppError::bad_input(
            "files",
            format!("一次最多 {MAX_PHOTOS} 个文件"),
            format!("At most {MAX_PHOTOS} files at a time"),
        ));
    }
    let dir = &cx.core.config.upload_dir;
    let names = write_files(dir, &checked).await?;
    let user = cx.actor.user()?.user_id;
    let txn = cx.db().begin().await?;
    let mut rows = vec![];
    for (f, name) in checked.iter().zip(&names) {
        let row = renovation_file::ActiveModel {
            community_id: Set(r.community_id),
            renovation_id: Set(r.id),
            inspection_id: Set(inspection_id),
            kind: Set(kind.into()),
            stored_name: Set(name.clone()),
            content_type: Set(f.content_type.into()),
            size_bytes: Set(f.bytes.len() as i64),
            uploaded_by: Set(user),
            created_at: Set(super::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        match row {
            Ok(r) => rows.push(r),
            Err(e) => {
                remove_files(dir, &names).await;
                return Err(e.into());
            }
        }
    }
    txn.commit().await?;
    Ok(rows)
}

/// A file's path and type, if the caller may see its renovation.
pub async fn open_file(cx: &Cx, file_id: i64) -> AppResult<(std::path::PathBuf, String)> {
    let f = renovation_file::Entity::find_by_id(file_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    get(cx, f.renovation_id).await?;
    Ok((
        cx.core.config.upload_dir.join(&f.stored_name),
        f.content_type,
    ))
}
