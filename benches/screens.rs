//! `cargo bench --bench screens`: the main screens under many concurrent clients, against a
//! hand-written twin of the owner's home screen.
//!
//! The process generates an estate (`guanjia::bench::seed`): the households in communities of
//! up to `HOUSEHOLDS_PER_COMMUNITY` (1,000: ten buildings of 100), each with its own manager,
//! technicians, repair orders and notices, so 100,000 households make 100 communities as a
//! property company would run them. It signs the users in, then for each screen starts a fresh
//! server child (this same executable re-run with `--serve`, under `taskset -c 0` in pinned
//! mode) and drives it over keep-alive HTTP/1.1 connections from this process (pinned to core 1
//! in pinned mode). The collection report goes to every community in turn, as its manager. The
//! child prints its statement counter when asked on stdin, so statements per request are counted
//! in the server between two quiet moments; its peak memory is VmHWM of /proc/<pid>/status.
//! The hand-written baseline lives only here.

// The server runs in this process: the same allocator as the `guanjia` binary (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Parser, ValueEnum};
use guanjia::app::{Application, StatementCounter};
use guanjia::auth::jwt::JwtKeys;
use guanjia::bench::{Seeded, Spec, HOUSEHOLDS_PER_COMMUNITY};
use guanjia::config::Config;
use guanjia::domain::{GlobalId, NodeKind};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use secrecy::SecretString;
use serde_json::{json, Value};
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Parser, Debug)]
#[command(about = "Throughput, latency, SQL statements and server memory of the main screens")]
struct Args {
    /// Households in the generated estate (100 to 100,000), about 100 to a building, in
    /// communities of up to 1,000.
    #[arg(long, default_value_t = 1000)]
    households: usize,
    /// Concurrent clients, each on its own kept-alive connection.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Measured seconds per screen (after the warm-up).
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Unmeasured warm-up seconds per screen.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Rounds of each screen. A comparison (owner home and its baseline, `{ __typename }` and
    /// constant JSON) runs its two sides alternately and prints the median of the rounds'
    /// ratios, so a slow spell of this shared machine weighs on one round, not on one side; the
    /// screens without a twin print the medians of their rounds.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// shared: server and load on both cores; pinned: server on core 0, load on core 1.
    #[arg(long, value_enum, default_value_t = Mode::Both)]
    mode: Mode,
    /// Which screens to run (comma-separated): home, queue, report, typename.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "home,queue,report,typename"
    )]
    screens: Vec<String>,
    /// An empty database to fill (e.g. postgres://…/fresh_db); default a temporary SQLite file.
    #[arg(long, env = "GUANJIA_BENCH_DATABASE_URL")]
    database_url: Option<String>,
    /// Internal: run a server (graphql or baseline) on this database and report on stdin/stdout.
    #[arg(long, value_enum, hide = true)]
    serve: Option<Server>,
    /// Internal: the JWT secret of the served child.
    #[arg(long, hide = true)]
    secret: Option<String>,
    /// Internal: print every statement the server children run (to check the baseline's twin).
    #[arg(long, hide = true)]
    show_sql: bool,
    /// Diagnosis: send this document as the owners instead of the home screen's, on the GraphQL
    /// side of the home comparison (the twin stays the full screen), to see what a part costs.
    #[arg(long)]
    owner_document: Option<String>,
    /// How the home screen asks for its three lists: `edges { node }` (each item with its
    /// cursor, the screen measured since the first session) or `nodes` (the items alone). Both
    /// servers answer in the form asked.
    #[arg(long, value_enum, default_value_t = ListForm::Edges)]
    home_lists: ListForm,
    /// Diagnosis: serve the hand-written twin (and the constant route) without the product's
    /// HTTP layers (request id, span, timeout; `guanjia::http::common_layers`), so the ratio
    /// also charges those to GraphQL.
    #[arg(long)]
    bare_twin: bool,
    /// Diagnosis: run each server child under valgrind's callgrind, writing its profiles to this
    /// directory, and count the instructions of the measured window only (zeroed when it starts,
    /// dumped when it ends). Prints each child's instructions a request and, for a comparison,
    /// the median twin ÷ GraphQL ratio of them. Instructions are repeatable where seconds on this
    /// shared machine are not; they leave out cache misses. Use few clients and a long window:
    /// the server runs some 50 times slower.
    #[arg(long)]
    callgrind: Option<PathBuf>,
    /// The GraphQL server's turns to execute (`guanjia serve --max-executions`; 0: no limit).
    /// Default: the product's, 8 a core on SQLite and 32 a core on PostgreSQL.
    #[arg(long)]
    executions: Option<usize>,
    /// Diagnosis: give the hand-written twin such a limit too (0, the default: none), to see
    /// whether a limit's gain is the GraphQL server's own.
    #[arg(long, default_value_t = 0)]
    twin_executions: usize,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    Shared,
    Pinned,
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ListForm {
    Nodes,
    Edges,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Server {
    Graphql,
    Baseline,
}

const MONTHS: u32 = 24;
const HOUSES_PER_BUILDING: usize = 100;
/// Signed-in owners, spread evenly over the estate (every owner up to this many).
const MAX_OWNER_SESSIONS: usize = 20_000;

/// The owner's home screen: houses with what each owes, their open repair orders with their
/// last step, and the latest three notices; each list as `form` asks for its items.
fn home_document(form: ListForm) -> String {
    let list = |items: &str| match form {
        ListForm::Edges => format!("edges {{ node {{ {items} }} }}"),
        ListForm::Nodes => format!("nodes {{ {items} }}"),
    };
    format!(
        "{{ me {{ displayName houses {{ {} }} }} myRepairOrders(first: 5, open: true) {{ {} }} myNotices(first: 3) {{ {} }} }}",
        list("relation house { id address owed { dueFen overdueFen lateFeeFen totalFen } }"),
        list("id state category description createdAt lastEvent { action toState at }"),
        list("id kind title startsAt endsAt publishedAt"),
    )
}
/// The technician's queue for today.
const QUEUE: &str = "{ myRepairQueue(first: 20) { edges { node { id state category description address contactName contactPhone appointmentAt resolveBy overdue } } } }";
/// A manager's collection report of one month for their community, by building.
const REPORT: &str = "query($c: ID!, $p: String!) { collectionReport(communityId: $c, period: $p) { total { dueFen collectedFen rateBps } byBuilding { dueFen collectedFen rateBps } } }";
const TYPENAME: &str = "{ __typename }";

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if let Some(server) = args.serve {
        return serve(server, &args);
    }
    match run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("screens benchmark failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The driver

fn run(args: Args) -> Result<(), String> {
    if !(100..=100_000).contains(&args.households) {
        return Err("--households must be between 100 and 100,000".into());
    }
    if args.clients == 0 || args.seconds <= 0.0 || args.rounds == 0 {
        return Err("--clients, --seconds and --rounds must be positive".into());
    }
    let (url, _scratch) = match &args.database_url {
        Some(u) => (u.clone(), None),
        None => {
            let dir = Scratch::new()?;
            let url = format!("sqlite://{}?mode=rwc", dir.0.join("bench.db").display());
            (url, Some(dir))
        }
    };
    let backend = if url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };
    let secret = guanjia::config::random_secret();
    let rt = runtime(2);
    let started = Instant::now();
    eprintln!(
        "generating {} households × {MONTHS} months ({backend}) ...",
        args.households
    );
    let (data, tokens) = rt.block_on(generate(&url, args.households, &secret))?;
    eprintln!(
        "generated in {:.1} s: {} households in {}, {} bills, {} repair orders with {} events, {} notices, {} technicians",
        started.elapsed().as_secs_f64(),
        args.households,
        communities(data.communities.len()),
        data.bills,
        data.repair_orders,
        data.repair_events,
        data.notices,
        data.technicians.len()
    );
    drop(rt);

    let modes: &[Mode] = match args.mode {
        Mode::Both => &[Mode::Shared, Mode::Pinned],
        Mode::Shared => &[Mode::Shared],
        Mode::Pinned => &[Mode::Pinned],
    };
    let exe = std::env::current_exe().map_err(|e| format!("finding this executable: {e}"))?;
    for &mode in modes {
        let ncpu = std::thread::available_parallelism().map_or(2, |n| n.get());
        let load_cpus = if mode == Mode::Pinned {
            "1".to_owned()
        } else {
            format!("0-{}", ncpu - 1)
        };
        pin_self(&load_cpus)?;
        let rt = runtime(if mode == Mode::Pinned { 1 } else { ncpu });
        println!();
        println!(
            "== {backend}, {} households in {}, {} clients, {} s per screen (+{} s warm-up), mode {} — load average {}",
            args.households,
            communities(data.communities.len()),
            args.clients,
            args.seconds,
            args.warmup,
            match mode {
                Mode::Pinned => "pinned (server on core 0, load generator on core 1)",
                _ => "shared (server and load generator on all cores)",
            },
            loadavg()
        );
        let server_cores = if mode == Mode::Pinned { 1 } else { ncpu };
        let executions = args
            .executions
            .unwrap_or_else(|| server_cores * guanjia::config::executions_per_core(&url));
        let limit = |n: usize| {
            if n == 0 {
                "no limit".to_owned()
            } else {
                format!("{n} at once")
            }
        };
        println!(
            "executions: GraphQL {}, hand-written twin {}",
            limit(executions),
            limit(args.twin_executions)
        );
        println!(
            "{:<30} {:>9} {:>9} {:>9} {:>10} {:>10} {:>11} {:>9} {:>13}",
            "screen",
            "req/s",
            "p50",
            "p99",
            "stmts/req",
            "server peak",
            "server cpu",
            "in sqlite",
            "switches/req"
        );
        let run_one = |label: &str,
                       server: Server,
                       reqs: Vec<Vec<u8>>|
         -> Result<Outcome, String> {
            let mut child = Served::start(&exe, server, &url, &secret, mode, &args)?;
            let out = rt.block_on(drive(
                child.addr,
                args.clients,
                args.warmup,
                args.seconds,
                reqs,
                &mut child,
            ));
            let out = match out {
                Ok(o) => o,
                Err(e) => {
                    child.stop();
                    return Err(format!("{label}: {e}"));
                }
            };
            child.stop();
            println!(
                "{:<30} {:>9.0} {:>9} {:>9} {:>10} {:>7} MiB {:>8.0} µs {:>6.0} µs {:>6.1} +{:>5.1}",
                label,
                out.throughput,
                ms(out.p50),
                ms(out.p99),
                stmts(out.statements_per_request),
                out.peak_kib / 1024,
                out.cpu_per_request.total() * 1e6,
                out.cpu_per_request.database * 1e6,
                out.cpu_per_request.voluntary,
                out.cpu_per_request.involuntary,
            );
            Ok(out)
        };
        let wanted = |name: &str| args.screens.iter().any(|s| s == name);
        // Runs a GraphQL screen and its twin alternately, `--rounds` times, and prints the
        // median of the rounds' throughput ratios (and p99 ratios).
        let compare = |what: &str,
                       graphql: (&str, Vec<Vec<u8>>),
                       twin: (&str, Vec<Vec<u8>>)|
         -> Result<(), String> {
            let (mut ratios, mut p99s, mut cpus, mut instructions) =
                (vec![], vec![], vec![], vec![]);
            for round in 1..=args.rounds {
                let tag = if args.rounds > 1 {
                    format!(" #{round}")
                } else {
                    String::new()
                };
                let g = run_one(
                    &format!("{}{tag}", graphql.0),
                    Server::Graphql,
                    graphql.1.clone(),
                )?;
                let t = run_one(
                    &format!("{}{tag}", twin.0),
                    Server::Baseline,
                    twin.1.clone(),
                )?;
                // A ratio means something only if both answered alike (the diagnosis document
                // is not the twin's screen).
                if args.owner_document.is_none() {
                    if let Some((k, (a, b))) = g
                        .answers
                        .iter()
                        .zip(&t.answers)
                        .enumerate()
                        .find(|(_, (a, b))| a != b)
                    {
                        return Err(format!("{what}: the two servers answer request {k} differently:\nGraphQL:      {a}\nhand-written: {b}"));
                    }
                }
                ratios.push(g.throughput / t.throughput);
                p99s.push(g.p99.as_secs_f64() / t.p99.as_secs_f64());
                cpus.push(t.cpu_per_request.total() / g.cpu_per_request.total());
                if let (Some(gi), Some(ti)) =
                    (g.instructions_per_request, t.instructions_per_request)
                {
                    instructions.push(ti / gi);
                }
            }
            let each: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
            println!(
                "ratio: {what} throughput {:.2}× (median of {} rounds: {}), p99 {:.2}×, server cpu per request (twin ÷ GraphQL) {:.2}×",
                median(&mut ratios),
                args.rounds,
                each.join(" "),
                median(&mut p99s),
                median(&mut cpus),
            );
            if !instructions.is_empty() {
                let each: Vec<String> = instructions.iter().map(|r| format!("{r:.3}")).collect();
                println!(
                    "ratio: {what} instructions per request (twin ÷ GraphQL) {:.3}× (median of {} rounds: {})",
                    median(&mut instructions),
                    instructions.len(),
                    each.join(" ")
                );
            }
            Ok(())
        };
        // Runs a GraphQL screen without a twin `--rounds` times and prints the medians, so
        // p99 at one size can be set against p99 at another without one slow spell deciding.
        let repeat = |label: &str, reqs: Vec<Vec<u8>>| -> Result<(), String> {
            let (mut rates, mut p50s, mut p99s) = (vec![], vec![], vec![]);
            for round in 1..=args.rounds {
                let tag = if args.rounds > 1 {
                    format!(" #{round}")
                } else {
                    String::new()
                };
                let out = run_one(&format!("{label}{tag}"), Server::Graphql, reqs.clone())?;
                rates.push(out.throughput);
                p50s.push(out.p50.as_secs_f64());
                p99s.push(out.p99.as_secs_f64());
            }
            if args.rounds > 1 {
                println!(
                    "median: {label} {:.0} req/s, p50 {}, p99 {} ({} rounds)",
                    median(&mut rates),
                    ms(Duration::from_secs_f64(median(&mut p50s))),
                    ms(Duration::from_secs_f64(median(&mut p99s))),
                    args.rounds,
                );
            }
            Ok(())
        };
        if wanted("home") {
            let owners: Vec<&String> = tokens.owners.iter().collect();
            let home = home_document(args.home_lists);
            compare(
                "owner home GraphQL/hand-written",
                (
                    "owner home (GraphQL)",
                    requests(
                        "/graphql",
                        &owners,
                        args.owner_document.as_deref().unwrap_or(&home),
                        json!({}),
                    ),
                ),
                (
                    "owner home (hand-written)",
                    requests("/home", &owners, &home, json!({})),
                ),
            )?;
        }
        if wanted("queue") {
            let techs: Vec<&String> = tokens.technicians.iter().collect();
            repeat(
                "technician queue (GraphQL)",
                requests("/graphql", &techs, QUEUE, json!({})),
            )?;
        }
        if wanted("report") {
            // Period by period, each request of a period to the next community, asked by its own
            // manager: consecutive requests go to different communities and, with one
            // community, to different periods.
            let reports: Vec<Vec<u8>> = (0..MONTHS)
                .flat_map(|age| {
                    let period = period_ago(age);
                    data.communities
                        .iter()
                        .zip(&tokens.managers)
                        .map(move |(&c, token)| {
                            let community = GlobalId::encode(NodeKind::Community, c).0;
                            request(
                                "/graphql",
                                Some(token),
                                REPORT,
                                json!({ "c": community, "p": period }),
                            )
                        })
                })
                .collect();
            repeat("collection report (GraphQL)", reports)?;
        }
        if wanted("typename") {
            compare(
                "{ __typename }/constant JSON",
                (
                    "{ __typename } (GraphQL)",
                    vec![request("/graphql", None, TYPENAME, json!({}))],
                ),
                (
                    "constant JSON (axum)",
                    vec![request("/const", None, TYPENAME, json!({}))],
                ),
            )?;
        }
        println!("load average after: {}", loadavg());
    }
    pin_self(&format!(
        "0-{}",
        std::thread::available_parallelism().map_or(2, |n| n.get()) - 1
    ))?;
    Ok(())
}

fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Moves every thread of this process to `cpus` (a taskset list).
fn pin_self(cpus: &str) -> Result<(), String> {
    let status = Command::new("taskset")
        .args(["-a", "-p", "-c", cpus, &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("running taskset: {e}"))?;
    if !status.success() {
        return Err(format!("taskset -a -p -c {cpus} failed"));
    }
    Ok(())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn period_ago(age: u32) -> String {
    use chrono::Datelike;
    let first = guanjia::service::today_in_community()
        .with_day(1)
        .expect("first of month");
    let d = first
        .checked_sub_months(chrono::Months::new(age))
        .expect("month in range");
    format!("{:04}-{:02}", d.year(), d.month())
}

/// Access tokens of the signed-in users.
struct Tokens {
    owners: Vec<String>,
    technicians: Vec<String>,
    /// Each community's manager, in the order of `Seeded::communities`.
    managers: Vec<String>,
}

/// Fills the database and signs users in: one real sign-in over the service (the first
/// community's manager) checks the generated password; the others get sessions written
/// directly (argon2 for tens of thousands of owners would take longer than the benchmark), each
/// with its own token, exactly as a sign-in would leave them.
async fn generate(url: &str, households: usize, secret: &str) -> Result<(Seeded, Tokens), String> {
    let db = guanjia::app::connect(url)
        .await
        .map_err(|e| format!("connecting: {e}"))?;
    if !guanjia::demo::is_empty(&db)
        .await
        .map_err(|e| format!("reading the database: {e:?}"))?
    {
        return Err(
            "the database already holds a community; the benchmark needs an empty one".into(),
        );
    }
    let hash = tokio::task::spawn_blocking(|| {
        guanjia::auth::password::hash_blocking(guanjia::bench::PASSWORD)
    })
    .await
    .map_err(|e| format!("hashing: {e}"))?
    .map_err(|e| format!("hashing: {e:?}"))?;
    // Ten buildings to a full community; a smaller one (the only one below 1,000 households, or
    // the last) gets one per 100 households, rounded up.
    let spec = Spec {
        houses: households,
        months: MONTHS,
        households_per_community: HOUSEHOLDS_PER_COMMUNITY,
        buildings: households
            .min(HOUSEHOLDS_PER_COMMUNITY)
            .div_ceil(HOUSES_PER_BUILDING),
        units_per_building: 2,
        repairs_and_notices: true,
    };
    let data = guanjia::bench::seed(&db, &spec, &hash)
        .await
        .map_err(|e| format!("generating: {e}"))?;
    let keys = JwtKeys::new(secret.as_bytes());
    // Every `stride`-th owner, wrapping round: a stride prime to the household count visits
    // distinct owners, and one prime to 20 takes houses with and without repair orders in the
    // same mix at every size (a stride of 5 would pick only houses with orders).
    let n = households.min(MAX_OWNER_SESSIONS);
    let gcd = |mut a: usize, mut b: usize| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    let stride = (households / n..)
        .find(|&s| gcd(s, households) == 1 && gcd(s, 20) == 1)
        .expect("a stride");
    let owner_ids: Vec<i64> = (0..n)
        .map(|k| data.owners[k * stride % households])
        .collect();
    let owners = sessions(&db, &keys, &owner_ids).await?;
    let technicians = sessions(&db, &keys, &data.technicians).await?;
    let managers = sessions(&db, &keys, &data.managers).await?;
    check_password(&db, secret).await?;
    db.close().await.map_err(|e| format!("closing: {e}"))?;
    Ok((
        data,
        Tokens {
            owners,
            technicians,
            managers,
        },
    ))
}

async fn sessions(
    db: &DatabaseConnection,
    keys: &JwtKeys,
    users: &[i64],
) -> Result<Vec<String>, String> {
    let now = chrono::Utc::now();
    let ids: Vec<String> = users
        .iter()
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    for (chunk_ids, chunk_users) in ids.chunks(500).zip(users.chunks(500)) {
        entity::auth_session::Entity::insert_many(chunk_ids.iter().zip(chunk_users).map(
            |(id, &user)| entity::auth_session::ActiveModel {
                id: Set(id.clone()),
                user_id: Set(user),
                created_at: Set(now),
                revoked_at: Set(None),
                revoked_reason: Set(None),
            },
        ))
        .exec_without_returning(db)
        .await
        .map_err(|e| format!("writing sessions: {e}"))?;
    }
    ids.iter()
        .zip(users)
        .map(|(sid, &user)| {
            keys.issue(user, sid, Duration::from_secs(6 * 3600))
                .map(|(t, _)| t)
                .map_err(|e| format!("issuing a token: {e:?}"))
        })
        .collect()
}

/// The first community's manager signs in through the real service once: the generated
/// password works.
async fn check_password(db: &DatabaseConnection, secret: &str) -> Result<(), String> {
    let mut cfg = Config::for_database("sqlite::memory:");
    cfg.jwt_secret = SecretString::from(secret.to_owned());
    let core = guanjia::service::Core {
        db: db.clone(),
        config: Arc::new(cfg),
        jwt: JwtKeys::new(secret.as_bytes()),
        bus: Default::default(),
    };
    guanjia::service::auth::login(
        &core,
        guanjia::bench::MANAGER_PHONE,
        guanjia::bench::PASSWORD.to_owned(),
        "127.0.0.1",
    )
    .await
    .map(|_| ())
    .map_err(|e| format!("the manager's sign-in failed: {e:?}"))
}

/// One raw HTTP/1.1 request per token, ready to write.
fn requests(path: &str, tokens: &[&String], query: &str, variables: Value) -> Vec<Vec<u8>> {
    tokens
        .iter()
        .map(|t| request(path, Some(t), query, variables.clone()))
        .collect()
}

fn request(path: &str, token: Option<&str>, query: &str, variables: Value) -> Vec<u8> {
    let body =
        serde_json::to_vec(&json!({ "query": query, "variables": variables })).expect("JSON");
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(&body);
    out
}

/// What one screen measured.
struct Outcome {
    throughput: f64,
    p50: Duration,
    p99: Duration,
    statements_per_request: f64,
    peak_kib: u64,
    cpu_per_request: Cpu,
    /// Under `--callgrind`: the server's instructions a request over the measured window.
    instructions_per_request: Option<f64>,
    /// The answers to the first requests (up to `ANSWERS_CHECKED`), sent before the warm-up: a
    /// comparison checks that both servers answer the same.
    answers: Vec<Value>,
}

/// How many of a screen's requests (each as another user) both sides of a comparison must
/// answer alike.
const ANSWERS_CHECKED: usize = 20;

/// CPU time of the server child's threads in seconds (user + system, from
/// `/proc/<pid>/task/*/stat`): the tokio workers, the sqlx-sqlite connection threads, the rest.
#[derive(Clone, Copy, Default)]
struct Cpu {
    workers: f64,
    database: f64,
    other: f64,
    /// Context switches of all the threads: voluntary (a thread waited) and involuntary (the
    /// scheduler took the core away). On one core each costs both sides a few microseconds.
    voluntary: f64,
    involuntary: f64,
}

impl Cpu {
    fn of(pid: u32) -> Self {
        // Clock ticks per second: 100 on Linux.
        const TICK: f64 = 0.01;
        let mut cpu = Cpu::default();
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return cpu;
        };
        for task in tasks.flatten() {
            let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
                continue;
            };
            // The name sits in parentheses and may hold spaces; the fields after it are fixed.
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let name = &stat[open + 1..close];
            let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
            // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the name.
            let ticks = |i: usize| {
                fields
                    .get(i)
                    .and_then(|f| f.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            let secs = (ticks(11) + ticks(12)) * TICK;
            if let Ok(status) = std::fs::read_to_string(task.path().join("status")) {
                let count = |key: &str| {
                    status
                        .lines()
                        .find_map(|l| l.strip_prefix(key))
                        .and_then(|v| v.trim().parse::<f64>().ok())
                        .unwrap_or(0.0)
                };
                cpu.voluntary += count("voluntary_ctxt_switches:");
                cpu.involuntary += count("nonvoluntary_ctxt_switches:");
            }
            if name.starts_with("tokio-rt-worker") {
                cpu.workers += secs;
            } else if name.starts_with("sqlx-sqlite") {
                cpu.database += secs;
            } else {
                cpu.other += secs;
            }
        }
        cpu
    }

    fn since(&self, earlier: &Cpu) -> Cpu {
        Cpu {
            workers: self.workers - earlier.workers,
            database: self.database - earlier.database,
            other: self.other - earlier.other,
            voluntary: self.voluntary - earlier.voluntary,
            involuntary: self.involuntary - earlier.involuntary,
        }
    }

    fn per(&self, n: usize) -> Cpu {
        let n = n as f64;
        Cpu {
            workers: self.workers / n,
            database: self.database / n,
            other: self.other / n,
            voluntary: self.voluntary / n,
            involuntary: self.involuntary / n,
        }
    }

    fn total(&self) -> f64 {
        self.workers + self.database + self.other
    }
}

/// Checks one response of each kind, then warm-up, then the measured run: `clients` tasks,
/// each sending request after request on its own connection, request k taking `reqs[k % n]`
/// (so consecutive requests go as different users). Statements are read from the server
/// between the phases, when nothing is in flight.
async fn drive(
    addr: SocketAddr,
    clients: usize,
    warmup: f64,
    seconds: f64,
    reqs: Vec<Vec<u8>>,
    server: &mut Served,
) -> Result<Outcome, String> {
    let reqs = Arc::new(reqs);
    let mut first = Conn::connect(addr).await?;
    let (status, body) = first
        .send(&reqs[0])
        .await
        .map_err(|e| format!("HTTP: {e}"))?;
    let v: Value = serde_json::from_slice(&body).map_err(|e| {
        format!(
            "status {status}, not JSON: {e}: {}",
            String::from_utf8_lossy(&body)
        )
    })?;
    if status != 200 || v.get("errors").is_some_and(|e| !e.is_null()) || v.get("data").is_none() {
        return Err(format!("status {status}: {v}"));
    }
    let mut answers = vec![v];
    for req in reqs.iter().take(ANSWERS_CHECKED).skip(1) {
        let (_, body) = first.send(req).await.map_err(|e| format!("HTTP: {e}"))?;
        answers.push(
            serde_json::from_slice(&body)
                .map_err(|e| format!("not JSON: {e}: {}", String::from_utf8_lossy(&body)))?,
        );
    }
    let mut conns = vec![];
    for _ in 0..clients {
        conns.push(Conn::connect(addr).await?);
    }
    let next = Arc::new(AtomicUsize::new(0));
    let (conns, _) = phase(conns, &reqs, &next, Duration::from_secs_f64(warmup)).await?;
    let before = server.statements()?;
    let cpu_before = server.cpu();
    server.callgrind("-z")?;
    let t = Instant::now();
    let (_conns, mut latencies) =
        phase(conns, &reqs, &next, Duration::from_secs_f64(seconds)).await?;
    let elapsed = t.elapsed();
    server.callgrind("-d")?;
    let instructions = server.dumped_instructions()?;
    if let (Some(n), Some(dump)) = (instructions, &server.callgrind) {
        println!(
            "callgrind: {} covers {} requests, {:.0} instructions a request",
            dump.display(),
            latencies.len(),
            n as f64 / latencies.len().max(1) as f64
        );
    }
    let after = server.statements()?;
    let cpu = server.cpu().since(&cpu_before);
    let peak_kib = server.peak_kib();
    latencies.sort_unstable();
    let n = latencies.len().max(1);
    Ok(Outcome {
        throughput: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 50),
        p99: percentile(&latencies, 99),
        statements_per_request: (after - before) as f64 / n as f64,
        peak_kib,
        cpu_per_request: cpu.per(n),
        instructions_per_request: instructions.map(|i| i as f64 / n as f64),
        answers,
    })
}

/// Every client sends until `length` has passed; returns the connections and the latencies.
async fn phase(
    conns: Vec<Conn>,
    reqs: &Arc<Vec<Vec<u8>>>,
    next: &Arc<AtomicUsize>,
    length: Duration,
) -> Result<(Vec<Conn>, Vec<Duration>), String> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = vec![];
    for mut conn in conns {
        let (reqs, next, stop) = (reqs.clone(), next.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(4096);
            while !stop.load(Ordering::Relaxed) {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let req = &reqs[k % reqs.len()];
                let t = Instant::now();
                let (status, body) = conn.send(req).await.map_err(|e| format!("HTTP: {e}"))?;
                lat.push(t.elapsed());
                // Errors come back with status 200 in GraphQL: look for them in every body.
                if status != 200 || contains(&body, b"\"errors\"") {
                    return Err(format!(
                        "status {status}: {}",
                        String::from_utf8_lossy(&body)
                    ));
                }
            }
            Ok::<_, String>((conn, lat))
        }));
    }
    tokio::time::sleep(length).await;
    stop.store(true, Ordering::Relaxed);
    let (mut conns, mut all) = (vec![], vec![]);
    for t in tasks {
        let (c, l) = t.await.map_err(|e| format!("client task: {e}"))??;
        conns.push(c);
        all.extend(l);
    }
    Ok((conns, all))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn communities(n: usize) -> String {
    if n == 1 {
        "1 community".to_owned()
    } else {
        format!("{n} communities")
    }
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn stmts(x: f64) -> String {
    if (x - x.round()).abs() < 0.005 {
        format!("{}", x.round())
    } else {
        format!("{x:.2}")
    }
}

/// One kept-alive HTTP/1.1 connection, just enough to send a prepared request and read the
/// response (Content-Length or chunked).
struct Conn {
    r: BufReader<TcpStream>,
    line: String,
}

impl Conn {
    async fn connect(addr: SocketAddr) -> Result<Self, String> {
        let s = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connecting to {addr}: {e}"))?;
        s.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(Self {
            r: BufReader::new(s),
            line: String::new(),
        })
    }

    async fn send(&mut self, req: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        self.r.get_mut().write_all(req).await?;
        self.line.clear();
        if self.r.read_line(&mut self.line).await? == 0 {
            return Err(bad("connection closed"));
        }
        let status: u16 = self
            .line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("status line"))?;
        let (mut length, mut chunked) = (None, false);
        loop {
            self.line.clear();
            if self.r.read_line(&mut self.line).await? == 0 {
                return Err(bad("headers cut short"));
            }
            let l = self.line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((name, value)) = l.split_once(':') {
                let name = name.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = Some(
                        value
                            .trim()
                            .parse::<usize>()
                            .map_err(|_| bad("content-length"))?,
                    );
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.to_ascii_lowercase().contains("chunked");
                }
            }
        }
        let mut out = vec![];
        if chunked {
            loop {
                self.line.clear();
                self.r.read_line(&mut self.line).await?;
                let size =
                    usize::from_str_radix(self.line.trim_end().split(';').next().unwrap_or(""), 16)
                        .map_err(|_| bad("chunk size"))?;
                if size == 0 {
                    loop {
                        self.line.clear();
                        if self.r.read_line(&mut self.line).await? == 0
                            || self.line.trim_end().is_empty()
                        {
                            break;
                        }
                    }
                    break;
                }
                let start = out.len();
                out.resize(start + size, 0);
                self.r.read_exact(&mut out[start..]).await?;
                self.line.clear();
                self.r.read_line(&mut self.line).await?;
            }
        } else {
            let n = length.ok_or_else(|| bad("no content-length"))?;
            out.resize(n, 0);
            self.r.read_exact(&mut out).await?;
        }
        Ok((status, out))
    }
}

/// A temporary directory for the SQLite file, removed when the run ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, String> {
        let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("guanjia-screens-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// The server child and how the driver talks to it

/// A server child: this executable with `--serve`, under `taskset -c 0` in pinned mode.
struct Served {
    child: Child,
    stdin: ChildStdin,
    stdout: std::io::BufReader<ChildStdout>,
    addr: SocketAddr,
    /// Under callgrind (`--callgrind`): the file its first dump goes to.
    callgrind: Option<PathBuf>,
}

impl Served {
    fn start(
        exe: &std::path::Path,
        server: Server,
        url: &str,
        secret: &str,
        mode: Mode,
        args: &Args,
    ) -> Result<Self, String> {
        let callgrind = args.callgrind.as_deref();
        let kind = match server {
            Server::Graphql => "graphql",
            Server::Baseline => "baseline",
        };
        let mut cmd = if mode == Mode::Pinned {
            let mut c = Command::new("taskset");
            c.args(["-c", "0"]);
            c
        } else {
            Command::new("env")
        };
        if let Some(dir) = callgrind {
            cmd.args(["valgrind", "--tool=callgrind", "--quiet"])
                .arg(format!("--callgrind-out-file={}/{kind}.%p", dir.display()));
        }
        cmd.arg(exe);
        cmd.args(["--serve", kind, "--database-url", url, "--secret", secret])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if args.show_sql {
            cmd.arg("--show-sql");
        }
        if let Some(n) = args.executions {
            cmd.arg(format!("--executions={n}"));
        }
        cmd.arg(format!("--twin-executions={}", args.twin_executions));
        if args.bare_twin {
            cmd.arg("--bare-twin");
        }
        if args.home_lists == ListForm::Nodes {
            cmd.arg("--home-lists=nodes");
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("starting the {kind} server: {e}"))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .map_err(|e| format!("reading the {kind} server: {e}"))?;
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("the {kind} server did not start: {line:?}"))?;
        let callgrind = callgrind.map(|dir| dir.join(format!("{kind}.{}.1", child.id())));
        Ok(Self {
            child,
            stdin,
            stdout,
            addr,
            callgrind,
        })
    }

    /// Under callgrind: zero its counters (`-z`) or dump them (`-d`) with `callgrind_control`.
    fn callgrind(&self, what: &str) -> Result<(), String> {
        if self.callgrind.is_none() {
            return Ok(());
        }
        let out = Command::new("callgrind_control")
            .args([what, &self.child.id().to_string()])
            .output()
            .map_err(|e| format!("callgrind_control: {e}"))?;
        out.status.success().then_some(()).ok_or_else(|| {
            format!(
                "callgrind_control {what}: {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    /// Under callgrind: the instructions of its first dump (the measured window), from the
    /// dump's `summary:` line.
    fn dumped_instructions(&self) -> Result<Option<u64>, String> {
        let Some(dump) = &self.callgrind else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(dump)
            .map_err(|e| format!("reading {}: {e}", dump.display()))?;
        text.lines()
            .find_map(|l| l.strip_prefix("summary:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .map(Some)
            .ok_or_else(|| format!("no summary line in {}", dump.display()))
    }

    /// Statements the server's pool has run so far.
    fn statements(&mut self) -> Result<u64, String> {
        writeln!(self.stdin, "count")
            .and_then(|_| self.stdin.flush())
            .map_err(|e| format!("asking the server: {e}"))?;
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| format!("reading the server: {e}"))?;
        line.trim()
            .strip_prefix("statements ")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("unexpected answer {line:?}"))
    }

    /// CPU time its threads have used so far.
    fn cpu(&self) -> Cpu {
        Cpu::of(self.child.id())
    }

    /// VmHWM: the peak resident set of the server process, in KiB.
    fn peak_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
            })
            .unwrap_or(0)
    }

    fn stop(mut self) {
        // Closing stdin ends the child.
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

/// `--serve`: run a server on the database until stdin closes, answering `count` with the
/// statements run so far.
fn serve(server: Server, args: &Args) -> std::process::ExitCode {
    if std::env::var_os("GUANJIA_LOG").is_some() {
        guanjia::app::init_tracing();
    }
    let url = args.database_url.clone().expect("--database-url");
    let secret = args.secret.clone().expect("--secret");
    // The same runtime as `guanjia serve`: one worker per core it may run on.
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let result: Result<(), String> = rt.block_on(async move {
        let (listener_app, counter): (BoxedServe, StatementCounter) = match server {
            Server::Graphql if args.show_sql => graphql_showing_sql(&url, &secret).await?,
            Server::Graphql => {
                let mut cfg = Config::for_database(url);
                cfg.jwt_secret = SecretString::from(secret);
                cfg.playground = false;
                if let Some(n) = args.executions {
                    cfg.max_executions = n;
                }
                let app = Application::build(cfg)
                    .await
                    .map_err(|e| format!("starting: {e}"))?;
                let counter = app.statement_counter();
                let addr = app.local_addr();
                announce(
                    Box::pin(
                        async move { app.run_until_stopped().await.map_err(|e| e.to_string()) },
                    ),
                    counter,
                    addr,
                )
            }
            Server::Baseline => {
                baseline::start(
                    &url,
                    &secret,
                    args.show_sql,
                    args.twin_executions,
                    args.home_lists,
                    args.bare_twin,
                )
                .await?
            }
        };
        let c = counter.clone();
        std::thread::spawn(move || {
            let stdin = std::io::stdin();
            for line in stdin.lock().lines() {
                match line.as_deref() {
                    Ok("count") => {
                        println!("statements {}", c.load(Ordering::SeqCst));
                        let _ = std::io::stdout().flush();
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            std::process::exit(0);
        });
        listener_app.await
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

type BoxedServe = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>;

/// Announces the address on stdout (the driver reads it as the first line).
fn announce(
    serve: BoxedServe,
    counter: StatementCounter,
    addr: SocketAddr,
) -> (BoxedServe, StatementCounter) {
    println!("listening {addr}");
    let _ = std::io::stdout().flush();
    (serve, counter)
}

/// The product's router and schema on a pool that also prints each statement to stderr.
async fn graphql_showing_sql(
    url: &str,
    secret: &str,
) -> Result<(BoxedServe, StatementCounter), String> {
    let counter = StatementCounter::default();
    let mut db = guanjia::app::connect_counted(url, counter.clone())
        .await
        .map_err(|e| e.to_string())?;
    let c = counter.clone();
    db.set_metric_callback(move |info| {
        c.fetch_add(1, Ordering::Relaxed);
        eprintln!("SQL {}", info.statement);
    });
    let mut cfg = Config::for_database(url);
    cfg.jwt_secret = SecretString::from(secret.to_owned());
    cfg.playground = false;
    let schema = guanjia::graphql::build_schema(&cfg.limits, false);
    let core = Arc::new(guanjia::service::Core {
        db,
        config: Arc::new(cfg),
        jwt: JwtKeys::new(secret.as_bytes()),
        bus: Default::default(),
    });
    let router = guanjia::http::router(guanjia::http::AppState { core, schema });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let fut: BoxedServe = Box::pin(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .map_err(|e| e.to_string())
    });
    Ok(announce(fut, counter, addr))
}

mod baseline {
    //! The hand-written twin of the owner's home screen: one axum handler, SeaORM queries, the
    //! JSON built with `json!`. It checks the token the way the product does (JWT signature,
    //! then the session row and the staff membership) and reads the same rows with the same
    //! statements, once each: the GraphQL server's pool settings, its late-fee arithmetic
    //! (`owed_by_houses`, the same two statements its loader runs), nothing cached.
    use super::*;
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{header, HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::post;
    use entity::enums::HouseRelation;
    use entity::{
        auth_session, building, community, event, house, house_member, notice, notice_building,
        repair_order, staff_member, unit, user,
    };
    // The product's statement helpers, so both servers send the same SQL text (LIMIT written in,
    // not bound; see `guanjia::service::page::all_limited`).
    use guanjia::service::page::{all_limited, any_limited_statement, OneRow};
    use guanjia::service::repairs::owners_orders;
    use sea_orm::{
        ActiveEnum, ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    };
    use std::collections::HashMap;

    struct Base {
        db: DatabaseConnection,
        jwt: JwtKeys,
        /// `--twin-executions`: turns to answer, as the product's `max_executions` (None: no limit).
        executions: Option<tokio::sync::Semaphore>,
        /// How the home screen's lists are asked for (`--home-lists`).
        lists: ListForm,
    }

    pub async fn start(
        url: &str,
        secret: &str,
        show_sql: bool,
        executions: usize,
        lists: ListForm,
        bare: bool,
    ) -> Result<(BoxedServe, StatementCounter), String> {
        let counter = StatementCounter::default();
        let mut db = guanjia::app::connect_counted(url, counter.clone())
            .await
            .map_err(|e| e.to_string())?;
        if show_sql {
            let c = counter.clone();
            db.set_metric_callback(move |info| {
                c.fetch_add(1, Ordering::Relaxed);
                eprintln!("SQL {}", info.statement);
            });
        }
        let executions = (executions > 0).then(|| tokio::sync::Semaphore::new(executions));
        let state = Arc::new(Base {
            db,
            jwt: JwtKeys::new(secret.as_bytes()),
            executions,
            lists,
        });
        let routes = axum::Router::new()
            .route("/home", post(home))
            .route("/const", post(constant));
        // Behind the product's own layers, as a handler of the product would be.
        let router = if bare {
            routes
        } else {
            guanjia::http::common_layers(routes)
        }
        .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let fut: BoxedServe = Box::pin(async move {
            axum::serve(listener, router)
                .await
                .map_err(|e| e.to_string())
        });
        Ok(announce(fut, counter, addr))
    }

    async fn constant(_body: Bytes) -> Response {
        (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"data":{"__typename":"Query"}}"#,
        )
            .into_response()
    }

    async fn home(State(s): State<Arc<Base>>, headers: HeaderMap, _body: Bytes) -> Response {
        let _permit = match &s.executions {
            Some(x) => Some(x.acquire().await.expect("never closed")),
            None => None,
        };
        match home_json(&s, &headers).await {
            Ok(v) => (
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::to_vec(&v).expect("JSON"),
            )
                .into_response(),
            Err((status, msg)) => (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                json!({ "errors": [{ "message": msg }] }).to_string(),
            )
                .into_response(),
        }
    }

    type Failed = (StatusCode, String);

    fn internal(e: impl std::fmt::Display) -> Failed {
        (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }

    fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
        t.to_rfc3339()
    }

    async fn home_json(s: &Base, headers: &HeaderMap) -> Result<Value, Failed> {
        let unauthenticated = || (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED".to_owned());
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().strip_prefix("Bearer "))
            .ok_or_else(unauthenticated)?;
        let (user_id, session_id) = s.jwt.verify(token.trim()).map_err(|_| unauthenticated())?;
        let db = &s.db;
        match auth_session::Entity::find_by_id(session_id)
            .one_row(db)
            .await
            .map_err(internal)?
        {
            Some(x) if x.revoked_at.is_none() && x.user_id == user_id => {}
            _ => return Err(unauthenticated()),
        }
        // The product loads the caller's staff membership with every request; so does this.
        let _staff = staff_member::Entity::find()
            .filter(staff_member::Column::UserId.eq(user_id))
            .filter(staff_member::Column::EndedAt.is_null())
            .one_row(db)
            .await
            .map_err(internal)?;
        let me = user::Entity::find_by_id(user_id)
            .one_row(db)
            .await
            .map_err(internal)?
            .ok_or_else(unauthenticated)?;

        let today = guanjia::service::today_in_community();
        let bindings: Vec<house_member::Model> = house_member::Entity::find()
            .filter(house_member::Column::UserId.eq(user_id))
            .filter(house_member::Column::EndedAt.is_null())
            .order_by_asc(house_member::Column::Id)
            .all(db)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|b| b.tenancy_ends_on.is_none_or(|end| end >= today))
            .collect();
        let house_ids: Vec<i64> = bindings.iter().map(|b| b.house_id).collect();
        let houses: HashMap<i64, house::Model> = if house_ids.is_empty() {
            HashMap::new()
        } else {
            house::Entity::find()
                .filter(house::Column::Id.is_in(house_ids.clone()))
                .all(db)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|h| (h.id, h))
                .collect()
        };
        let ids = |f: fn(&house::Model) -> i64| {
            let mut v: Vec<i64> = houses.values().map(f).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let (community_ids, building_ids, unit_ids) = (
            ids(|h| h.community_id),
            ids(|h| h.building_id),
            ids(|h| h.unit_id),
        );
        let (communities, buildings, units, owed) = if houses.is_empty() {
            Default::default()
        } else {
            let may_see_bills: Vec<i64> = bindings
                .iter()
                .filter(|b| b.relation != HouseRelation::Tenant || b.tenant_may_see_bills)
                .map(|b| b.house_id)
                .collect();
            let (c, b, u, o) = futures_util::try_join!(
                async {
                    community::Entity::find()
                        .filter(community::Column::Id.is_in(community_ids.clone()))
                        .all(db)
                        .await
                        .map_err(internal)
                },
                async {
                    building::Entity::find()
                        .filter(building::Column::Id.is_in(building_ids.clone()))
                        .all(db)
                        .await
                        .map_err(internal)
                },
                async {
                    unit::Entity::find()
                        .filter(unit::Column::Id.is_in(unit_ids.clone()))
                        .all(db)
                        .await
                        .map_err(internal)
                },
                async {
                    guanjia::service::fees::billing::owed_by_houses(db, &may_see_bills)
                        .await
                        .map_err(|e| internal(format!("{e:?}")))
                },
            )?;
            (
                c.into_iter()
                    .map(|x| (x.id, x.name))
                    .collect::<HashMap<_, _>>(),
                b.into_iter()
                    .map(|x| (x.id, x.name))
                    .collect::<HashMap<_, _>>(),
                u.into_iter()
                    .map(|x| (x.id, x.name))
                    .collect::<HashMap<_, _>>(),
                o,
            )
        };
        let house_items: Vec<Value> = bindings
            .iter()
            .filter_map(|b| {
                let h = houses.get(&b.house_id)?;
                let owed = owed.get(&h.id).map(|o| {
                    json!({
                        "dueFen": o.due_fen,
                        "overdueFen": o.overdue_fen,
                        "lateFeeFen": o.late_fee_fen,
                        "totalFen": o.due_fen + o.overdue_fen + o.late_fee_fen,
                    })
                });
                let address = format!(
                    "{} {} {} {}",
                    communities.get(&h.community_id)?,
                    buildings.get(&h.building_id)?,
                    units.get(&h.unit_id)?,
                    h.number
                );
                Some(json!({ "relation": b.relation.to_value(), "house": {
                    "id": GlobalId::encode(NodeKind::House, h.id).0,
                    "address": address,
                    "owed": owed,
                } }))
            })
            .collect();

        // The owner's open orders (their houses' and those they booked), first five, with their
        // last step: the product's one statement, a page from each branch in index order.
        let orders = any_limited_statement(
            db.get_database_backend(),
            owners_orders(&house_ids, user_id, Some(true)),
            repair_order::Column::Id,
            false,
            5,
        );
        // The latest three notices reaching the caller's buildings or whole communities.
        let to_my_buildings = notice_building::Entity::find()
            .select_only()
            .column(notice_building::Column::NoticeId)
            .filter(notice_building::Column::BuildingId.is_in(building_ids.clone()))
            .into_query();
        let notices = notice::Entity::find()
            .filter(notice::Column::CommunityId.is_in(community_ids.clone()))
            .filter(
                Condition::any()
                    .add(notice::Column::WholeCommunity.eq(true))
                    .add(notice::Column::Id.in_subquery(to_my_buildings)),
            )
            .order_by_desc(notice::Column::Id);
        let (orders, notices) = futures_util::try_join!(
            async {
                repair_order::Entity::find()
                    .from_raw_sql(orders)
                    .all(db)
                    .await
                    .map_err(internal)
            },
            async { all_limited(db, notices, 3).await.map_err(internal) }
        )?;
        let mut steps: HashMap<i64, Vec<Value>> = HashMap::new();
        if !orders.is_empty() {
            for e in event::Entity::find()
                .filter(event::Column::SubjectType.eq("RepairOrder"))
                .filter(event::Column::SubjectId.is_in(orders.iter().map(|o| o.id)))
                .order_by_asc(event::Column::Id)
                .all(db)
                .await
                .map_err(internal)?
            {
                steps.entry(e.subject_id).or_default().push(
                    json!({ "action": e.action, "toState": e.to_state, "at": rfc3339(e.at) }),
                );
            }
        }
        let order_items: Vec<Value> = orders
            .iter()
            .map(|o| {
                json!({
                    "id": GlobalId::encode(NodeKind::RepairOrder, o.id).0,
                    "state": o.state.to_value(),
                    "category": o.category.to_value(),
                    "description": o.description,
                    "createdAt": rfc3339(o.created_at),
                    "lastEvent": steps.remove(&o.id).and_then(|mut s| s.pop()),
                })
            })
            .collect();
        let notice_items: Vec<Value> = notices
            .iter()
            .map(|n| {
                json!({
                    "id": GlobalId::encode(NodeKind::Notice, n.id).0,
                    "kind": n.kind.to_value(),
                    "title": n.title,
                    "startsAt": n.starts_at.map(rfc3339),
                    "endsAt": n.ends_at.map(rfc3339),
                    "publishedAt": rfc3339(n.published_at),
                })
            })
            .collect();
        // A list as the screen asked for it: the items, or each under `edges { node }`.
        let list = |items: Vec<Value>| match s.lists {
            ListForm::Nodes => json!({ "nodes": items }),
            ListForm::Edges => {
                json!({ "edges": items.into_iter().map(|node| json!({ "node": node })).collect::<Vec<_>>() })
            }
        };
        Ok(json!({ "data": {
            "me": { "displayName": me.display_name, "houses": list(house_items) },
            "myRepairOrders": list(order_items),
            "myNotices": list(notice_items),
        } }))
    }
}
