//! Fees (物业管理费用收取规程): fee items, meter readings, bills, payments and the reports the
//! counter and the back office live by. Money is integer fen; money rows are append-only.
pub mod billing;
pub mod items;
pub mod payments;
pub mod readings;
pub mod reports;

use super::Cx;
use crate::auth::{Actor, ApiScope};
use crate::error::{AppError, AppResult};
use entity::enums::{HouseRelation, StaffRole};
use entity::house;

/// Who configures fee items and generates bills: finance and the manager.
pub const FEE_ADMINS: &[StaffRole] = &[StaffRole::Finance, StaffRole::Manager];
/// Who takes money at the counter.
pub const CASHIERS: &[StaffRole] = &[StaffRole::Reception, StaffRole::Finance, StaffRole::Manager];

/// Staff with one of `roles` in `community_id` (ADMIN anywhere); NOT_FOUND for staff of another
/// community, so one community's rows do not leak to another.
pub fn require_staff_in(cx: &Cx, community_id: i64, roles: &[StaffRole]) -> AppResult<()> {
    let grant = cx.actor.require_staff(roles)?;
    if !Actor::staff_covers_community(grant, community_id) {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Whether the caller may see the bills of house `h`: its owner and family, a tenant the owner
/// allowed, the community's reception/finance/manager, the butler of its building, admins,
/// and integrators with `bills:read` in its community.
pub async fn sees_bills_of(cx: &Cx, h: &house::Model) -> AppResult<bool> {
    let reach = cx.reach().await?;
    if reach.all {
        return Ok(true);
    }
    if let Some(b) = reach.binding(h.id) {
        if b.relation != HouseRelation::Tenant || b.tenant_may_see_bills {
            return Ok(true);
        }
    }
    if let Some(s) = cx.actor.staff() {
        if s.community_id == Some(h.community_id) {
            match s.role {
                StaffRole::Reception | StaffRole::Finance | StaffRole::Manager => return Ok(true),
                StaffRole::Butler if s.building_ids.contains(&h.building_id) => return Ok(true),
                _ => {}
            }
        }
    }
    Ok(cx
        .actor
        .integrator_with(ApiScope::BillsRead)
        .is_some_and(|i| i.community_id == h.community_id))
}

/// The house, if the caller may see its bills: NOT_FOUND if they cannot see the house at all,
/// FORBIDDEN if they can but not its money (a tenant without the owner's leave, a technician).
pub async fn house_for_bills(cx: &Cx, house_id: i64) -> AppResult<house::Model> {
    let h = super::estate::house(cx, house_id).await?;
    if !sees_bills_of(cx, &h).await? {
        return Err(AppError::Forbidden);
    }
    Ok(h)
}

/// The community's local "today" and "this month" for due dates and overdue ages.
pub fn today() -> chrono::NaiveDate {
    super::today_in_community()
}

/// Parses "YYYY-MM".
pub fn parse_period(field: &str, raw: &str) -> AppResult<chrono::NaiveDate> {
    let bad = || AppError::bad_input(field, "账期格式应为 YYYY-MM", "A period looks like YYYY-MM");
    let (y, m) = raw.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let (y, m) = (
        y.parse::<i32>().map_err(|_| bad())?,
        m.parse::<u32>().map_err(|_| bad())?,
    );
    chrono::NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)
}

pub fn period_of(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

/// Last day of the month that starts on `first`.
pub fn month_end(first: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    let next = if first.month() == 12 {
        chrono::NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        chrono::NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    next.expect("valid month").pred_opt().expect("valid day")
}

/// `kind = 'PERIODIC'` with the constant in the SQL text: bound as a parameter, it is compared
/// with the partial index `uq_bills_periodic … WHERE kind = 'PERIODIC'` and SQLite re-plans the
/// statement on every execution.
pub fn periodic_bills() -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait};
    Expr::col((entity::bill::Entity, entity::bill::Column::Kind)).eq(Expr::cust("'PERIODIC'"))
}
