//! `guanjia bench-fees`: generates a large community with months of bills, runs the real server
//! in process and reports latency and SQL statements per request for the two hot fees screens,
//! the owner's "what do I owe" and finance's collection-rate report.
use crate::app::{Application, StatementCounter};
use crate::config::Config;
use crate::domain::money::round_div;
use crate::domain::{AreaM2, Fen, GlobalId, NodeKind};
use crate::service::fees::{month_end, period_of};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::enums::{
    BillKind, BillingCycle, FeeFormula, FeeKind, HouseRelation, HouseStatus, StaffRole,
};
use entity::{
    bill, bill_line, building, community, fee_item, house, house_member, staff_member, unit, user,
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel,
    Set, Statement, TransactionTrait,
};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Flags of `guanjia bench-fees` (the database comes from the global `--database-url`).
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Houses in the generated community, spread over 20 buildings × 5 units.
    #[arg(long, default_value_t = 10_000)]
    pub houses: usize,
    /// Months of bills per house, ending with the current month.
    #[arg(long, default_value_t = 24)]
    pub months: u32,
    /// Measured requests per screen, after 10 warm-up requests.
    #[arg(long, default_value_t = 300)]
    pub requests: usize,
}

/// Every generated account (owners and staff) signs in with this.
pub const PASSWORD: &str = "bench-password";
const WARMUP: usize = 10;
const BUILDINGS: usize = 20;
const UNITS_PER_BUILDING: usize = 5;
const HOUSES_PER_FLOOR: usize = 4;
/// Rows per INSERT: 500 bills × 14 columns stays far below SQLite's 32,766 bound parameters.
const CHUNK: usize = 500;
const PRICE_FEN_PER_M2: i64 = 280;
const FINANCE_PHONE: &str = "13700000001";
/// The first generated community's manager signs in with this phone (the others with
/// 135 and the community's number).
pub const MANAGER_PHONE: &str = "13700000002";
/// Households per community in the screens benchmark (`Spec::households_per_community`): a
/// typical 小区 is about ten buildings of 100 households, and a property company with 100,000
/// households runs about 100 of them, not one community of 1,000 buildings.
pub const HOUSEHOLDS_PER_COMMUNITY: usize = 1_000;
/// Households per technician, in each community: a handful for a thousand households.
const HOUSES_PER_TECHNICIAN: usize = 250;
/// Repair orders per 20 houses: one open, `CLOSED_PER_20` finished and followed up.
const CLOSED_PER_20: usize = 3;
/// How many months back the collection report looks (a closed period with arrears in it).
const REPORT_AGE_MONTHS: u32 = 6;
/// Requests per owner when comparing statement counts across bill counts.
const SCAN_CHECK_REQUESTS: usize = 5;

/// House indexes with a known shape, so the scan check has an owner with one open bill and one
/// with every bill open; index 0 is the "typical" owner the latency loop uses.
const TYPICAL: usize = 0;
const ALL_OPEN: usize = 1;
const ONE_OPEN: usize = 2;

const OWED: &str = "query($h: ID!) { owed(houseId: $h) { dueFen overdueFen lateFeeFen totalFen openBills { id amountFen } } }";
const COLLECTION: &str = "query($c: ID!, $p: String!) { collectionReport(communityId: $c, period: $p) { total { dueFen collectedFen rateBps } byBuilding { dueFen collectedFen rateBps } } }";
const LOGIN: &str =
    "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }";

/// Runs the whole benchmark and prints the report; `database_url` None means a fresh SQLite
/// file in a temporary directory. Err carries what went wrong (or the failed scan check).
pub async fn run(database_url: Option<String>, args: Args) -> Result<(), String> {
    if args.houses < 3 {
        return Err("--houses must be at least 3 (the scan check needs three owners)".into());
    }
    if args.months < 1 || args.requests < 1 {
        return Err("--months and --requests must be at least 1".into());
    }
    let (url, _scratch) = match database_url {
        Some(u) => (u, None),
        None => {
            let dir = Scratch::new()?;
            (
                format!("sqlite://{}?mode=rwc", dir.0.join("bench.db").display()),
                Some(dir),
            )
        }
    };
    let backend = if url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };

    eprintln!(
        "generating {} houses × {} months of bills ({backend}) ...",
        args.houses, args.months
    );
    let started = Instant::now();
    let db = crate::app::connect(&url)
        .await
        .map_err(|e| format!("connecting to the database: {e}"))?;
    // Generated ids and the fixed community code assume nothing is there yet.
    if !crate::demo::is_empty(&db)
        .await
        .map_err(|e| format!("reading the database: {e:?}"))?
    {
        return Err("the database already holds a community; bench-fees needs an empty one".into());
    }
    let hash = tokio::task::spawn_blocking(|| crate::auth::password::hash_blocking(PASSWORD))
        .await
        .map_err(|e| format!("hashing the password: {e}"))?
        .map_err(|e| format!("hashing the password: {e:?}"))?;
    let spec = Spec {
        houses: args.houses,
        months: args.months,
        // The whole estate in one community, as `--houses` describes.
        households_per_community: usize::MAX,
        buildings: BUILDINGS,
        units_per_building: UNITS_PER_BUILDING,
        repairs_and_notices: false,
    };
    let data = seed(&db, &spec, &hash)
        .await
        .map_err(|e| format!("generating the data: {e}"))?;
    db.close()
        .await
        .map_err(|e| format!("closing the setup pool: {e}"))?;
    let setup = started.elapsed();

    // Bound to 127.0.0.1:0 with a random JWT secret; the generated data stands in for --demo.
    let mut cfg = Config::for_database(url.clone());
    cfg.demo = false;
    let app = Application::build(cfg)
        .await
        .map_err(|e| format!("starting the server: {e}"))?;
    let addr = app.local_addr();
    let counter = app.statement_counter();
    let server = tokio::spawn(app.run_until_stopped());
    let result = measure(addr, &counter, &data, &args).await;
    server.abort();
    let m = result?;

    println!(
        "dataset: {} houses, {} bills (setup {:.1} s, {backend})",
        args.houses,
        data.bills,
        setup.as_secs_f64()
    );
    println!(
        "what do I owe      p50 {}  p99 {}  statements/request {}  (house with {} open bill{}, {} requests)",
        ms(percentile(&m.owed, 50)),
        ms(percentile(&m.owed, 99)),
        mean_statements(&m.owed),
        m.typical_open,
        if m.typical_open == 1 { "" } else { "s" },
        m.owed.len()
    );
    println!(
        "collection report  p50 {}  p99 {}  statements/request {}  (period {}, {} requests)",
        ms(percentile(&m.report, 50)),
        ms(percentile(&m.report, 99)),
        mean_statements(&m.report),
        data.report_period,
        m.report.len()
    );
    let constant = m.one_open_statements == m.all_open_statements;
    println!(
        "owed statements: 1 open bill -> {}, {} open bill{} -> {} ({})",
        m.one_open_statements,
        args.months,
        if args.months == 1 { "" } else { "s" },
        m.all_open_statements,
        if constant {
            "constant"
        } else {
            "NOT constant: owed scans"
        }
    );
    if !constant {
        return Err("\"what do I owe\" runs more statements for more open bills".into());
    }
    Ok(())
}

/// A temporary directory for the SQLite file, removed when the run ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, String> {
        let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("guanjia-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The shape of a generated estate: `houses` households, one owner each, filling communities of
/// `households_per_community` houses in order (the last community holds what is left).
pub struct Spec {
    pub houses: usize,
    /// Months of bills per house, ending with the current month.
    pub months: u32,
    /// Houses per community; `usize::MAX` (or `houses`) puts the whole estate in one community,
    /// as `bench-fees` does. At 3 or more, the TYPICAL, ALL_OPEN and ONE_OPEN houses (indexes 0
    /// to 2) are in the first community.
    pub households_per_community: usize,
    /// Buildings of a full community, one of `min(houses, households_per_community)` houses. A
    /// smaller last community keeps about as many houses per building: it gets
    /// `ceil(its houses × buildings / a full community's houses)` buildings.
    pub buildings: usize,
    pub units_per_building: usize,
    /// Also repair orders with their events, technicians, and notices, each community its own
    /// (see `seed_repairs`, `seed_notices`).
    pub repairs_and_notices: bool,
}

/// What the measurements need to know about the generated data.
pub struct Seeded {
    /// The first community (the only one in `bench-fees`), which holds house indexes 0 to 2.
    pub community_id: i64,
    /// Every community, in the order of their houses; the first is `community_id`.
    pub communities: Vec<i64>,
    /// Each community's manager (user id), in the order of `communities`; the first signs in
    /// with `MANAGER_PHONE`.
    pub managers: Vec<i64>,
    pub bills: u64,
    pub report_period: String,
    /// (phone, house id) of the owners of the TYPICAL, ALL_OPEN and ONE_OPEN houses.
    pub typical: (String, i64),
    pub all_open: (String, i64),
    pub one_open: (String, i64),
    /// The owner (user id) of each house, by house index.
    pub owners: Vec<i64>,
    /// Technicians (user ids) of every community, when repairs were generated; each is
    /// assigned orders of its own community only.
    pub technicians: Vec<i64>,
    pub repair_orders: u64,
    pub repair_events: u64,
    pub notices: u64,
}

/// One generated community: the house indexes it holds and the rows made for it.
struct CommunityPlan {
    id: i64,
    houses: std::ops::Range<usize>,
    buildings: Vec<i64>,
    /// (building id, unit id), in order.
    units: Vec<(i64, i64)>,
    fee_item: i64,
    /// The manager (user id).
    manager: i64,
    /// Technicians (user ids), when repairs are generated.
    technicians: Vec<i64>,
}

/// The sign-in phone of the owner of house `index`.
pub fn owner_phone(index: usize) -> String {
    format!("139{index:08}")
}

/// The sign-in phone of the manager of community `k` (0 = the first, `MANAGER_PHONE`).
fn manager_phone(k: usize) -> String {
    if k == 0 {
        MANAGER_PHONE.to_owned()
    } else {
        format!("135{k:08}")
    }
}

/// Whether the bill of house `index` from `age` months ago (0 = this month) is paid. The last
/// three months are open, ~90% of older ones paid, spread so every period has arrears.
fn is_paid(index: usize, age: u32) -> bool {
    match index {
        ALL_OPEN => false,
        ONE_OPEN => age > 0,
        _ => age > 2 && !(index * 7 + age as usize * 3).is_multiple_of(10),
    }
}

/// Writes the communities with their buildings, units, fee item and staff, the houses, owners
/// and bills, with multi-row INSERTs and ids chosen here, so rows can point at each other
/// without reading anything back.
pub async fn seed(
    db: &DatabaseConnection,
    args: &Spec,
    hash: &str,
) -> Result<Seeded, sea_orm::DbErr> {
    let now = Utc::now();
    let this_month = crate::service::today_in_community()
        .with_day(1)
        .expect("first of month");
    // Community k holds house indexes k × per .. (k + 1) × per; `per` houses make a full one.
    let per = args.households_per_community.min(args.houses).max(1);
    let community_count = args.houses.div_ceil(per).max(1);
    // Every community's price list has this one item, at the same price and late-fee terms.
    let item = fee_item::Model {
        id: 0,
        community_id: 0,
        name: "物业管理费".into(),
        kind: FeeKind::Management,
        formula: FeeFormula::ByArea,
        cycle: BillingCycle::Monthly,
        unit_price_fen: PRICE_FEN_PER_M2,
        late_fee_bps_per_day: Some(5),
        late_fee_grace_days: 5,
        late_fee_cap_bps: Some(1000),
        vacant_discount_bps: None,
        active: true,
        created_at: now,
    };

    let txn = db.begin().await?;
    let community_base = max_id(&txn, "communities").await?;
    let item_base = max_id(&txn, "fee_items").await?;
    let mut building_id = max_id(&txn, "buildings").await?;
    let mut unit_id = max_id(&txn, "units").await?;
    let mut staff_id = max_id(&txn, "staff_members").await?;
    let mut user_id = max_id(&txn, "users").await?;
    let (mut community_rows, mut building_rows, mut unit_rows, mut item_rows) =
        (vec![], vec![], vec![], vec![]);
    let (mut user_rows, mut staff_rows) = (vec![], vec![]);
    // A user with a live staff membership in a community (one live role per user).
    let mut staff = |community_id: i64, phone: String, name: String, role: StaffRole| {
        user_id += 1;
        staff_id += 1;
        user_rows.push(user::ActiveModel {
            id: Set(user_id),
            phone: Set(phone),
            password_hash: Set(Some(hash.to_owned())),
            display_name: Set(name),
            locale: Set("zh-CN".into()),
            created_at: Set(now),
        });
        staff_rows.push(staff_member::ActiveModel {
            id: Set(staff_id),
            user_id: Set(user_id),
            community_id: Set(Some(community_id)),
            role: Set(role),
            created_at: Set(now),
            ended_at: Set(None),
        });
        user_id
    };
    // One finance account, in the first community.
    staff(
        community_base + 1,
        FINANCE_PHONE.into(),
        "压测会计".into(),
        StaffRole::Finance,
    );
    let mut technician_no = 0usize;
    let mut plans = Vec::with_capacity(community_count);
    for k in 0..community_count {
        let id = community_base + k as i64 + 1;
        let houses = (k * per).min(args.houses)..((k + 1) * per).min(args.houses);
        let (name, code, manager_name) = if k == 0 {
            (
                "压测花园".to_owned(),
                "BENCH".to_owned(),
                "压测主任".to_owned(),
            )
        } else {
            (
                format!("压测花园{}", k + 1),
                format!("BENCH{}", k + 1),
                format!("压测主任{}", k + 1),
            )
        };
        community_rows.push(community::ActiveModel {
            id: Set(id),
            name: Set(name),
            code: Set(code),
            timezone: Set("Asia/Shanghai".into()),
            created_at: Set(now),
        });
        let (mut buildings, mut units) = (vec![], vec![]);
        for b in 1..=(houses.len() * args.buildings).div_ceil(per).max(1) {
            building_id += 1;
            building_rows.push(building::ActiveModel {
                id: Set(building_id),
                community_id: Set(id),
                name: Set(format!("{b}栋")),
                created_at: Set(now),
            });
            buildings.push(building_id);
            for u in 1..=args.units_per_building {
                unit_id += 1;
                unit_rows.push(unit::ActiveModel {
                    id: Set(unit_id),
                    community_id: Set(id),
                    building_id: Set(building_id),
                    name: Set(format!("{u}单元")),
                });
                units.push((building_id, unit_id));
            }
        }
        let fee_item = item_base + k as i64 + 1;
        item_rows.push(
            fee_item::Model {
                id: fee_item,
                community_id: id,
                ..item.clone()
            }
            .into_active_model()
            .reset_all(),
        );
        let manager = staff(id, manager_phone(k), manager_name, StaffRole::Manager);
        // Today's rule, per community: one technician per 250 households, at least three.
        let mut technicians = vec![];
        if args.repairs_and_notices {
            for _ in 0..houses.len().div_ceil(HOUSES_PER_TECHNICIAN).max(3) {
                let t = technician_no;
                technician_no += 1;
                technicians.push(staff(
                    id,
                    format!("136{t:08}"),
                    format!("维修工{t}"),
                    StaffRole::Technician,
                ));
            }
        }
        plans.push(CommunityPlan {
            id,
            houses,
            buildings,
            units,
            fee_item,
            manager,
            technicians,
        });
    }
    insert_chunked(&txn, community_rows).await?;
    insert_chunked(&txn, building_rows).await?;
    insert_chunked(&txn, unit_rows).await?;
    insert_chunked(&txn, item_rows).await?;
    insert_chunked(&txn, user_rows).await?;
    insert_chunked(&txn, staff_rows).await?;

    let house_base = max_id(&txn, "houses").await?;
    let user_base = max_id(&txn, "users").await?;
    let member_base = max_id(&txn, "house_members").await?;
    let mut houses: Vec<house::Model> = Vec::with_capacity(args.houses);
    for p in &plans {
        // Houses fill their community's units in order; each unit gets the same share, four
        // houses a floor.
        let per_unit = p.houses.len().div_ceil(p.units.len()).max(1);
        for (k, i) in p.houses.clone().enumerate() {
            let (building_id, unit_id) = p.units[k / per_unit];
            let k = k % per_unit;
            let (floor, pos) = (k / HOUSES_PER_FLOOR + 1, k % HOUSES_PER_FLOOR + 1);
            houses.push(house::Model {
                id: house_base + i as i64 + 1,
                community_id: p.id,
                building_id,
                unit_id,
                number: format!("{floor}{pos:02}"),
                floor: floor as i32,
                // 89.50 m² to 161.50 m², in hundredths of a m².
                area_centi_m2: 8950 + (floor as i64 % 4) * 1800 + pos as i64 * 450,
                status: HouseStatus::Occupied,
                created_at: now,
            });
        }
    }
    for chunk in houses.chunks(CHUNK) {
        house::Entity::insert_many(chunk.iter().map(|h| house::ActiveModel {
            id: Set(h.id),
            community_id: Set(h.community_id),
            building_id: Set(h.building_id),
            unit_id: Set(h.unit_id),
            number: Set(h.number.clone()),
            floor: Set(h.floor),
            area_centi_m2: Set(h.area_centi_m2),
            status: Set(h.status),
            created_at: Set(h.created_at),
        }))
        .exec_without_returning(&txn)
        .await?;
        user::Entity::insert_many(chunk.iter().map(|h| {
            let i = (h.id - house_base - 1) as usize;
            user::ActiveModel {
                id: Set(user_base + i as i64 + 1),
                phone: Set(owner_phone(i)),
                password_hash: Set(Some(hash.to_owned())),
                display_name: Set(format!("业主{i}")),
                locale: Set("zh-CN".into()),
                created_at: Set(now),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
        house_member::Entity::insert_many(chunk.iter().map(|h| {
            let i = h.id - house_base;
            house_member::ActiveModel {
                id: Set(member_base + i),
                community_id: Set(h.community_id),
                house_id: Set(h.id),
                user_id: Set(user_base + i),
                relation: Set(HouseRelation::Owner),
                tenancy_ends_on: Set(None),
                tenant_may_see_bills: Set(false),
                invited_by: Set(None),
                created_at: Set(now),
                ended_at: Set(None),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;

    // One transaction per month keeps each commit (and SQLite's WAL) a manageable size.
    let mut bill_id = max_id(db, "bills").await?;
    let mut line_id = max_id(db, "bill_lines").await?;
    let mut bills = 0u64;
    for age in (0..args.months).rev() {
        let first = this_month
            .checked_sub_months(chrono::Months::new(age))
            .expect("month in range");
        let period = period_of(first);
        let due_on = month_end(first);
        let created_at = first_instant(first);
        let txn = db.begin().await?;
        for (c_index, chunk) in houses.chunks(CHUNK).enumerate() {
            let mut bill_rows = Vec::with_capacity(chunk.len());
            let mut line_rows = Vec::with_capacity(chunk.len());
            for (k, h) in chunk.iter().enumerate() {
                let index = c_index * CHUNK + k;
                let amount = round_div(h.area_centi_m2 as i128 * PRICE_FEN_PER_M2 as i128, 100);
                bill_id += 1;
                line_id += 1;
                bill_rows.push(bill::ActiveModel {
                    id: Set(bill_id),
                    community_id: Set(h.community_id),
                    building_id: Set(h.building_id),
                    house_id: Set(h.id),
                    period: Set(period.clone()),
                    kind: Set(BillKind::Periodic),
                    source_key: Set(None),
                    due_on: Set(due_on),
                    amount_fen: Set(amount),
                    // The reports and owed read paid_fen; payment rows would only slow the setup.
                    paid_fen: Set(if is_paid(index, age) { amount } else { 0 }),
                    created_at: Set(created_at),
                    cancelled_at: Set(None),
                    cancel_reason: Set(None),
                });
                line_rows.push(bill_line::ActiveModel {
                    id: Set(line_id),
                    community_id: Set(h.community_id),
                    bill_id: Set(bill_id),
                    fee_item_id: Set(Some(plans[index / per].fee_item)),
                    position: Set(0),
                    description: Set(format!(
                        "{}：{} m² × {}/m²/月 × 1 个月 = {}",
                        item.name,
                        AreaM2(h.area_centi_m2),
                        Fen(PRICE_FEN_PER_M2),
                        Fen(amount)
                    )),
                    amount_fen: Set(amount),
                    late_fee_bps_per_day: Set(item.late_fee_bps_per_day),
                    late_fee_grace_days: Set(item.late_fee_grace_days),
                    late_fee_cap_bps: Set(item.late_fee_cap_bps),
                });
            }
            bills += bill_rows.len() as u64;
            bill::Entity::insert_many(bill_rows)
                .exec_without_returning(&txn)
                .await?;
            bill_line::Entity::insert_many(line_rows)
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
    }

    let owners: Vec<i64> = (0..houses.len())
        .map(|i| user_base + i as i64 + 1)
        .collect();
    let (mut repairs, mut notices) = ((0, 0), 0);
    if args.repairs_and_notices {
        repairs = seed_repairs(db, &plans, &houses, &owners).await?;
        notices = seed_notices(db, &plans, args.months).await?;
    }

    if db.get_database_backend() == DbBackend::Postgres {
        // Explicit ids leave the id sequences behind; move them past what was written so the
        // server's own inserts (sessions, payments) do not collide. ANALYZE stands in for the
        // autovacuum that would have gathered statistics on a long-running database.
        for table in [
            "communities",
            "buildings",
            "units",
            "fee_items",
            "houses",
            "users",
            "house_members",
            "bills",
            "bill_lines",
            "staff_members",
            "repair_orders",
            "events",
            "notices",
            "notice_buildings",
        ] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            ))
            .await?;
        }
        db.execute_unprepared("ANALYZE").await?;
    }

    let report_first = this_month
        .checked_sub_months(chrono::Months::new(REPORT_AGE_MONTHS.min(args.months - 1)))
        .expect("month in range");
    let pick = |i: usize| (owner_phone(i), houses[i].id);
    Ok(Seeded {
        community_id: plans[0].id,
        communities: plans.iter().map(|p| p.id).collect(),
        managers: plans.iter().map(|p| p.manager).collect(),
        bills,
        report_period: period_of(report_first),
        typical: pick(TYPICAL),
        all_open: pick(ALL_OPEN),
        one_open: pick(ONE_OPEN),
        owners,
        technicians: plans
            .iter()
            .flat_map(|p| p.technicians.iter().copied())
            .collect(),
        repair_orders: repairs.0,
        repair_events: repairs.1,
        notices,
    })
}

/// Repair orders in proportion to each community's houses: per 20 houses one open order (a quarter waiting
/// for dispatch, the rest dispatched, in progress or paused, due today or in the last two days,
/// spread over the community's technicians) and `CLOSED_PER_20` finished ones from the last two years,
/// each with the events its steps would have written. Returns (orders, events).
async fn seed_repairs(
    db: &DatabaseConnection,
    plans: &[CommunityPlan],
    houses: &[house::Model],
    owners: &[i64],
) -> Result<(u64, u64), sea_orm::DbErr> {
    use entity::enums::{RepairCategory, RepairChannel, RepairDifficulty, RepairState};
    use entity::{event, repair_order};
    const CATEGORIES: [RepairCategory; 4] = [
        RepairCategory::Water,
        RepairCategory::Electricity,
        RepairCategory::DoorsWindows,
        RepairCategory::Walls,
    ];
    let now = Utc::now();
    let today = crate::service::today_in_community();
    // 09:00–16:00 in the community (UTC+8), today or up to two days ago.
    let appointment = |k: usize| {
        let day = today - chrono::Duration::days((k % 3) as i64);
        first_instant(day) + chrono::Duration::hours(1 + (k % 8) as i64)
    };
    let mut order_id = max_id(db, "repair_orders").await?;
    let mut event_id = max_id(db, "events").await?;
    let (mut orders, mut events) = (vec![], vec![]);
    // Index i counts within the community, so each community follows the same rule.
    let per_community = plans.iter().flat_map(|p| {
        let start = p.houses.start;
        houses[p.houses.clone()]
            .iter()
            .enumerate()
            .map(move |(i, h)| (p, start + i, i, h))
    });
    for (p, index, i, h) in per_community {
        let slot = i % 20;
        if slot != 0 && !(1..=CLOSED_PER_20).any(|c| slot == c * 20 / (CLOSED_PER_20 + 1)) {
            continue;
        }
        let k = i / 20;
        let owner = owners[index];
        // Four blocks in a row go to one technician, so each gets every open state (the state
        // below follows k % 4): a technician queue is never all undispatched.
        let technician = p.technicians[(k / 4) % p.technicians.len()];
        let open = slot == 0;
        let created = if open {
            now - chrono::Duration::hours(30 + (k % 20) as i64)
        } else {
            now - chrono::Duration::days(3 + ((i * 37) % 700) as i64)
        };
        // (action, from, to, hours after booking, by the technician)
        let mut steps: Vec<(&str, Option<&str>, &str, i64, bool)> =
            vec![("repair.booked", None, "SUBMITTED", 0, false)];
        let state = if open {
            match k % 4 {
                0 => RepairState::Submitted,
                1 => RepairState::Dispatched,
                2 => RepairState::InProgress,
                _ => RepairState::Paused,
            }
        } else {
            RepairState::FollowedUp
        };
        let dispatched = state != RepairState::Submitted;
        if dispatched {
            steps.push((
                "repair.dispatched",
                Some("SUBMITTED"),
                "DISPATCHED",
                1,
                false,
            ));
        }
        if matches!(
            state,
            RepairState::InProgress | RepairState::Paused | RepairState::FollowedUp
        ) {
            steps.push(("repair.started", Some("DISPATCHED"), "IN_PROGRESS", 3, true));
        }
        if state == RepairState::Paused {
            steps.push(("repair.paused", Some("IN_PROGRESS"), "PAUSED", 4, true));
        }
        if state == RepairState::FollowedUp {
            steps.push((
                "repair.completed",
                Some("IN_PROGRESS"),
                "COMPLETED",
                5,
                true,
            ));
            steps.push((
                "repair.followed_up",
                Some("COMPLETED"),
                "FOLLOWED_UP",
                26,
                false,
            ));
        }
        let at = |hours: i64| created + chrono::Duration::hours(hours);
        order_id += 1;
        let appointment_at = if open { appointment(k) } else { at(2) };
        orders.push(repair_order::ActiveModel {
            id: Set(order_id),
            community_id: Set(p.id),
            building_id: Set(Some(h.building_id)),
            house_id: Set(Some(h.id)),
            public_area_id: Set(None),
            category: Set(CATEGORIES[i % CATEGORIES.len()]),
            difficulty: Set(RepairDifficulty::General),
            description: Set(format!("{}：报修内容 #{order_id}", h.number)),
            channel: Set(RepairChannel::App),
            state: Set(state),
            requested_by: Set(owner),
            client_key: Set(format!("bench-{order_id}")),
            preferred_from: Set(None),
            preferred_to: Set(None),
            appointment_at: Set(dispatched.then_some(appointment_at)),
            proposed_at: Set(None),
            assignee_user_id: Set(dispatched.then_some(technician)),
            accepted_at: Set(dispatched.then(|| at(1))),
            created_at: Set(created),
            dispatched_at: Set(dispatched.then(|| at(1))),
            started_at: Set(matches!(
                state,
                RepairState::InProgress | RepairState::Paused | RepairState::FollowedUp
            )
            .then(|| at(3))),
            completed_at: Set((state == RepairState::FollowedUp).then(|| at(5))),
            followed_up_at: Set((state == RepairState::FollowedUp).then(|| at(26))),
            paused_at: Set((state == RepairState::Paused).then(|| at(4))),
            paused_seconds: Set(0),
            pause_reason: Set((state == RepairState::Paused).then(|| "等配件".to_owned())),
            work_done: Set((state == RepairState::FollowedUp).then(|| "已修复".to_owned())),
            materials: Set(None),
            satisfaction: Set((state == RepairState::FollowedUp).then_some(5)),
            follow_up_comment: Set(None),
            rating: Set(None),
            rating_comment: Set(None),
            urge_count: Set(0),
            charge_bill_id: Set(None),
            version: Set(steps.len() as i32 - 1),
        });
        for (action, from, to, hours, by_technician) in steps {
            event_id += 1;
            events.push(event::ActiveModel {
                id: Set(event_id),
                community_id: Set(Some(p.id)),
                house_id: Set(Some(h.id)),
                actor: Set(format!(
                    "user:{}",
                    if by_technician { technician } else { owner }
                )),
                action: Set(action.to_owned()),
                subject_type: Set("RepairOrder".into()),
                subject_id: Set(order_id),
                from_state: Set(from.map(str::to_owned)),
                to_state: Set(Some(to.to_owned())),
                reason: Set(None),
                at: Set(at(hours)),
            });
        }
    }
    let counts = (orders.len() as u64, events.len() as u64);
    let txn = db.begin().await?;
    insert_chunked(&txn, orders).await?;
    insert_chunked(&txn, events).await?;
    txn.commit().await?;
    Ok(counts)
}

/// Per community and month of history: two notices per building (a water or power cut with its
/// times, and news) and two to the whole community, published by its manager. Returns how many.
async fn seed_notices(
    db: &DatabaseConnection,
    plans: &[CommunityPlan],
    months: u32,
) -> Result<u64, sea_orm::DbErr> {
    use entity::enums::NoticeKind;
    use entity::{notice, notice_building};
    let this_month = crate::service::today_in_community()
        .with_day(1)
        .expect("first of month");
    let mut notice_id = max_id(db, "notices").await?;
    let mut link_id = max_id(db, "notice_buildings").await?;
    let (mut notices, mut links) = (vec![], vec![]);
    // Oldest first, so within a community ids grow with publication time as they do in service.
    for age in (0..months).rev() {
        let first = first_instant(
            this_month
                .checked_sub_months(chrono::Months::new(age))
                .expect("month in range"),
        );
        for p in plans {
            let mut add = |building: Option<i64>, kind: NoticeKind, day: i64, title: String| {
                notice_id += 1;
                let published_at = first + chrono::Duration::days(day) + chrono::Duration::hours(1);
                let outage = matches!(kind, NoticeKind::WaterCut | NoticeKind::PowerCut);
                let starts = published_at + chrono::Duration::days(2);
                notices.push(notice::ActiveModel {
                    id: Set(notice_id),
                    community_id: Set(p.id),
                    kind: Set(kind),
                    title: Set(title),
                    body: Set("因设备检修，届时请提前做好准备。给您带来不便，敬请谅解。".into()),
                    starts_at: Set(outage.then_some(starts)),
                    ends_at: Set(outage.then(|| starts + chrono::Duration::hours(4))),
                    whole_community: Set(building.is_none()),
                    published_by: Set(p.manager),
                    published_at: Set(published_at),
                    updated_at: Set(None),
                    version: Set(1),
                });
                if let Some(b) = building {
                    link_id += 1;
                    links.push(notice_building::ActiveModel {
                        id: Set(link_id),
                        community_id: Set(p.id),
                        notice_id: Set(notice_id),
                        building_id: Set(b),
                    });
                }
            };
            add(None, NoticeKind::News, 1, "社区活动通知".into());
            for (n, &b) in p.buildings.iter().enumerate() {
                let kind = if n % 2 == 0 {
                    NoticeKind::WaterCut
                } else {
                    NoticeKind::PowerCut
                };
                add(
                    Some(b),
                    kind,
                    3 + (n % 10) as i64,
                    "楼栋停水停电通知".into(),
                );
            }
            add(None, NoticeKind::News, 15, "小区公告".into());
            for (n, &b) in p.buildings.iter().enumerate() {
                add(
                    Some(b),
                    NoticeKind::Other,
                    16 + (n % 10) as i64,
                    "楼栋公告".into(),
                );
            }
        }
    }
    let count = notices.len() as u64;
    let txn = db.begin().await?;
    insert_chunked(&txn, notices).await?;
    insert_chunked(&txn, links).await?;
    txn.commit().await?;
    Ok(count)
}

fn first_instant(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

/// Inserts `rows` with multi-row INSERTs of `CHUNK` rows (SQLite's bound-parameter limit).
async fn insert_chunked<A>(
    txn: &sea_orm::DatabaseTransaction,
    rows: Vec<A>,
) -> Result<(), sea_orm::DbErr>
where
    A: ActiveModelTrait + Clone + Send,
{
    for chunk in rows.chunks(CHUNK) {
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// The highest id in `table` (0 when empty), so generated ids never collide with existing rows.
async fn max_id(conn: &impl ConnectionTrait, table: &str) -> Result<i64, sea_orm::DbErr> {
    let stmt = Statement::from_string(
        conn.get_database_backend(),
        format!("SELECT COALESCE(MAX(id), 0) AS m FROM {table}"),
    );
    match conn.query_one_raw(stmt).await? {
        Some(row) => row.try_get::<i64>("", "m"),
        None => Ok(0),
    }
}

/// One measured request: wall-clock time and the statements the server ran for it.
#[derive(Clone, Copy)]
struct Sample {
    latency: Duration,
    statements: u64,
}

struct Measured {
    owed: Vec<Sample>,
    report: Vec<Sample>,
    typical_open: usize,
    one_open_statements: u64,
    all_open_statements: u64,
}

async fn measure(
    addr: SocketAddr,
    counter: &StatementCounter,
    data: &Seeded,
    args: &Args,
) -> Result<Measured, String> {
    let mut http = Http::new(addr);
    let owner = login(&mut http, &data.typical.0).await?;
    let finance = login(&mut http, FINANCE_PHONE).await?;
    let house = |id: i64| json!({ "h": GlobalId::encode(NodeKind::House, id).0 });
    let report_vars = json!({
        "c": GlobalId::encode(NodeKind::Community, data.community_id).0,
        "p": data.report_period,
    });

    let first = http
        .graphql(Some(&owner), OWED, house(data.typical.1), "owed")
        .await?;
    let typical_open = open_bills(&first);
    let owed = repeat(
        &mut http,
        counter,
        &owner,
        OWED,
        house(data.typical.1),
        "owed",
        WARMUP,
        args.requests,
    )
    .await?;
    let report = repeat(
        &mut http,
        counter,
        &finance,
        COLLECTION,
        report_vars,
        "collectionReport",
        WARMUP,
        args.requests,
    )
    .await?;

    // The same screen for an owner with one open bill and one with every bill open: the
    // statement count must not grow with the bills (one query for bills, one for their lines).
    let mut counts = vec![];
    for ((phone, house_id), expected) in
        [(&data.one_open, 1), (&data.all_open, args.months as usize)]
    {
        let token = login(&mut http, phone).await?;
        let body = http
            .graphql(Some(&token), OWED, house(*house_id), "owed")
            .await?;
        if open_bills(&body) != expected {
            return Err(format!(
                "owner {phone} should have {expected} open bills, has {}",
                open_bills(&body)
            ));
        }
        let samples = repeat(
            &mut http,
            counter,
            &token,
            OWED,
            house(*house_id),
            "owed",
            2,
            SCAN_CHECK_REQUESTS,
        )
        .await?;
        let mut s: Vec<u64> = samples.iter().map(|s| s.statements).collect();
        s.sort_unstable();
        // The median ignores a stray statement from anything else sharing the pool.
        counts.push(s[s.len() / 2]);
    }
    Ok(Measured {
        owed,
        report,
        typical_open,
        one_open_statements: counts[0],
        all_open_statements: counts[1],
    })
}

fn open_bills(body: &Value) -> usize {
    body["data"]["owed"]["openBills"]
        .as_array()
        .map_or(0, Vec::len)
}

async fn login(http: &mut Http, phone: &str) -> Result<String, String> {
    let body = http
        .graphql(None, LOGIN, json!({ "p": phone, "w": PASSWORD }), "login")
        .await?;
    body["data"]["login"]["accessToken"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("login of {phone} returned no token: {body}"))
}

/// `warmup` unmeasured requests, then `n` measured ones, one after another so each counter
/// delta belongs to exactly one request.
#[allow(clippy::too_many_arguments)]
async fn repeat(
    http: &mut Http,
    counter: &StatementCounter,
    token: &str,
    query: &str,
    variables: Value,
    label: &str,
    warmup: usize,
    n: usize,
) -> Result<Vec<Sample>, String> {
    for _ in 0..warmup {
        http.graphql(Some(token), query, variables.clone(), label)
            .await?;
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let before = counter.load(Ordering::SeqCst);
        let t = Instant::now();
        http.graphql(Some(token), query, variables.clone(), label)
            .await?;
        let latency = t.elapsed();
        let statements = counter.load(Ordering::SeqCst) - before;
        out.push(Sample {
            latency,
            statements,
        });
    }
    Ok(out)
}

/// Nearest-rank percentile of the latencies.
fn percentile(samples: &[Sample], p: usize) -> Duration {
    let mut l: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    l.sort_unstable();
    let rank = (p * l.len()).div_ceil(100).max(1);
    l[rank - 1]
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn mean_statements(samples: &[Sample]) -> String {
    let total: u64 = samples.iter().map(|s| s.statements).sum();
    if total.is_multiple_of(samples.len() as u64) {
        (total / samples.len() as u64).to_string()
    } else {
        format!("{:.2}", total as f64 / samples.len() as f64)
    }
}

/// Just enough HTTP/1.1 to POST GraphQL over one kept-alive connection: the production binary
/// carries no HTTP client, and a benchmark should not pay for a new connection per request.
struct Http {
    addr: SocketAddr,
    conn: Option<BufReader<TcpStream>>,
}

impl Http {
    fn new(addr: SocketAddr) -> Self {
        Self { addr, conn: None }
    }

    /// POSTs the operation and returns the body; Err if it has `errors` or is not JSON.
    async fn graphql(
        &mut self,
        token: Option<&str>,
        query: &str,
        variables: Value,
        label: &str,
    ) -> Result<Value, String> {
        let body = serde_json::to_vec(&json!({ "query": query, "variables": variables }))
            .expect("JSON of a JSON value");
        let reused = self.conn.is_some();
        let (status, raw) = match self.round_trip(token, &body).await {
            // The server may close an idle kept-alive connection; one fresh attempt is fair.
            Err(_) if reused => self.round_trip(token, &body).await,
            other => other,
        }
        .map_err(|e| format!("{label}: HTTP: {e}"))?;
        let v: Value = serde_json::from_slice(&raw).map_err(|e| {
            format!(
                "{label}: status {status}, body is not JSON ({e}): {}",
                String::from_utf8_lossy(&raw)
            )
        })?;
        match v.get("errors") {
            Some(errors) if !errors.is_null() => {
                Err(format!("{label}: status {status}, errors: {errors}"))
            }
            _ => Ok(v),
        }
    }

    async fn round_trip(
        &mut self,
        token: Option<&str>,
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let mut conn = match self.conn.take() {
            Some(c) => c,
            None => {
                let s = TcpStream::connect(self.addr).await?;
                // Small requests: do not let Nagle hold them back waiting for an ACK.
                s.set_nodelay(true)?;
                BufReader::new(s)
            }
        };
        let mut head = format!(
            "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(t) = token {
            head.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        conn.get_mut().write_all(&request).await?;

        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        let mut line = String::new();
        if conn.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("status line"))?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        loop {
            line.clear();
            if conn.read_line(&mut line).await? == 0 {
                return Err(bad("headers cut short"));
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((name, value)) = l.split_once(':') {
                let (name, value) = (
                    name.trim().to_ascii_lowercase(),
                    value.trim().to_ascii_lowercase(),
                );
                match name.as_str() {
                    "content-length" => {
                        length = Some(value.parse::<usize>().map_err(|_| bad("content-length"))?)
                    }
                    "transfer-encoding" => chunked = value.contains("chunked"),
                    "connection" => close = value.contains("close"),
                    _ => {}
                }
            }
        }
        let mut out = vec![];
        if chunked {
            loop {
                line.clear();
                conn.read_line(&mut line).await?;
                let size_hex = line.trim_end().split(';').next().unwrap_or("");
                let size = usize::from_str_radix(size_hex, 16).map_err(|_| bad("chunk size"))?;
                if size == 0 {
                    // Trailers, if any, end with an empty line.
                    loop {
                        line.clear();
                        if conn.read_line(&mut line).await? == 0 || line.trim_end().is_empty() {
                            break;
                        }
                    }
                    break;
                }
                let start = out.len();
                out.resize(start + size, 0);
                conn.read_exact(&mut out[start..]).await?;
                line.clear();
                conn.read_line(&mut line).await?;
            }
        } else if let Some(n) = length {
            out.resize(n, 0);
            conn.read_exact(&mut out).await?;
        } else {
            conn.read_to_end(&mut out).await?;
            close = true;
        }
        if !close {
            self.conn = Some(conn);
        }
        Ok((status, out))
    }
}
