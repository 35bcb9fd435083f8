//! Faults: the real binary killed with SIGKILL in the middle of a stream of payments and repair
//! bookings, then restarted; and (PostgreSQL) the database refusing connections for a while.
use crate::helpers::*;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Server {
    child: Child,
    base: String,
    client: reqwest::Client,
}

async fn start(db_url: &str, port: u16, uploads: &std::path::Path) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_guanjia"))
        .arg("--demo")
        .env("GUANJIA_DATABASE_URL", db_url)
        .env("GUANJIA_BIND", format!("127.0.0.1:{port}"))
        .env(
            "GUANJIA_JWT_SECRET",
            "faults-test-secret-faults-test-secret",
        )
        .env("GUANJIA_UPLOAD_DIR", uploads)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let s = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
    };
    for _ in 0..200 {
        if s.client
            .get(format!("{}/healthz", s.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not come up");
}

impl Server {
    /// The body, or None when the request got no answer (the server was killed under it).
    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Option<Value> {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.ok()?;
        resp.json().await.ok()
    }
    async fn login(&self, phone: &str) -> String {
        let out = self.gql(None, "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }", json!({ "p": phone, "w": PASSWORD })).await.unwrap();
        out["data"]["login"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

const PAY: &str = "mutation($k: String!, $b: ID!) { recordPayment(clientKey: $k, method: CASH, allocations: [{ billId: $b, amountFen: 1 }]) { id } }";
const BOOK: &str = "mutation($i: BookRepairInput!) { bookRepair(input: $i) { id } }";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn a_server_killed_mid_stream_loses_nothing_acknowledged_and_retries_double_nothing() {
    let scratch = fresh_database().await;
    let (url, uploads) = (scratch.database_url.clone(), scratch.upload_dir());
    let port = free_port();
    let mut server = start(&url, port, &uploads).await;
    let (reception, owner, finance) = (
        server.login(RECEPTION).await,
        server.login(OWNER1).await,
        server.login(FINANCE).await,
    );
    let who = server
        .gql(
            Some(&reception),
            "{ communities { edges { node { id } } } }",
            json!({}),
        )
        .await
        .unwrap();
    let c1 = who["data"]["communities"]["edges"][0]["node"]["id"].clone();
    let item = json!({ "communityId": c1, "name": "物业费", "kind": "MANAGEMENT", "formula": "BY_AREA", "cycle": "MONTHLY", "unitPriceFen": 280 });
    server
        .gql(
            Some(&finance),
            "mutation($i: CreateFeeItemInput!) { createFeeItem(input: $i) { id } }",
            json!({ "i": item }),
        )
        .await
        .unwrap();
    server.gql(Some(&finance), "mutation($c: ID!, $p: String!) { generateBills(communityId: $c, period: $p) { created } }", json!({ "c": c1, "p": crate::fees::period(0) })).await.unwrap();
    let owed = server
        .gql(
            Some(&owner),
            "{ me { houses { edges { node { house { id owed { openBills { id } } } } } } } }",
            json!({}),
        )
        .await
        .unwrap();
    let house = owed["data"]["me"]["houses"]["edges"][0]["node"]["house"]["id"].clone();
    let bill = owed["data"]["me"]["houses"]["edges"][0]["node"]["house"]["owed"]["openBills"][0]
        ["id"]
        .clone();
    let booking = move |k: &str| json!({ "i": { "houseId": house, "category": "WATER", "description": "漏水", "clientKey": k } });

    // Two streams of writes; the server is killed while they run.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let server_ref = Arc::new(server.base.clone());
    let stream = |kind: &'static str| {
        let (acked, base) = (acked.clone(), server_ref.clone());
        let (reception, owner, bill, booking) = (
            reception.clone(),
            owner.clone(),
            bill.clone(),
            booking.clone(),
        );
        tokio::spawn(async move {
            let s = Server {
                child: Command::new("true").spawn().unwrap(),
                base: (*base).clone(),
                client: reqwest::Client::new(),
            };
            for i in 0..10_000 {
                let key = format!("{kind}-{i}");
                let out = if kind == "pay" {
                    s.gql(Some(&reception), PAY, json!({ "k": key, "b": bill }))
                        .await
                } else {
                    s.gql(Some(&owner), BOOK, booking(&key)).await
                };
                match out {
                    Some(v) if outcome(&v) == "OK" => acked.lock().unwrap().push(key),
                    Some(v) => panic!("unexpected answer before the kill: {v}"),
                    None => return i,
                }
            }
            10_000
        })
    };
    let (pays, books) = (stream("pay"), stream("book"));
    while acked.lock().unwrap().len() < 40 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.child.kill().expect("SIGKILL");
    server.child.wait().unwrap();
    let sent = [pays.await.unwrap(), books.await.unwrap()];
    let acked = acked.lock().unwrap().clone();

    // Restarted on the same database: everything acknowledged is there, once, whole.
    let server = start(&url, port, &uploads).await;
    let db = Database::connect(&url).await.unwrap();
    let count = |sql: String| {
        let db = db.clone();
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<i64>(0).unwrap()
        }
    };
    for key in &acked {
        let table = if key.starts_with("pay") {
            "payments"
        } else {
            "repair_orders"
        };
        assert_eq!(
            count(format!(
                "SELECT COUNT(*) FROM {table} WHERE client_key = '{key}'"
            ))
            .await,
            1,
            "acknowledged {key} survives the kill"
        );
    }
    // Nothing half-written: every payment is fully allocated and every bill's paid amount is the
    // sum of what was allocated to it.
    assert_eq!(count("SELECT COUNT(*) FROM payments p WHERE p.amount_fen <> (SELECT COALESCE(SUM(a.amount_fen), 0) FROM payment_allocations a WHERE a.payment_id = p.id)".into()).await, 0);
    assert_eq!(count("SELECT COUNT(*) FROM bills b WHERE b.paid_fen <> (SELECT COALESCE(SUM(a.amount_fen), 0) FROM payment_allocations a WHERE a.bill_id = b.id)".into()).await, 0);

    // The phones retry everything they sent, answered or not: nothing is doubled.
    let (reception, owner) = (server.login(RECEPTION).await, server.login(OWNER1).await);
    for i in 0..=sent[0] {
        let out = server
            .gql(
                Some(&reception),
                PAY,
                json!({ "k": format!("pay-{i}"), "b": bill }),
            )
            .await
            .unwrap();
        assert_eq!(outcome(&out), "OK", "{out}");
    }
    for i in 0..=sent[1] {
        let out = server
            .gql(Some(&owner), BOOK, booking(&format!("book-{i}")))
            .await
            .unwrap();
        assert_eq!(outcome(&out), "OK", "{out}");
    }
    assert_eq!(
        count("SELECT COUNT(*) FROM payments WHERE client_key LIKE 'pay-%'".into()).await,
        sent[0] as i64 + 1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM repair_orders WHERE client_key LIKE 'book-%'".into()).await,
        sent[1] as i64 + 1
    );
    assert_eq!(count("SELECT COUNT(*) FROM (SELECT client_key FROM payments GROUP BY client_key HAVING COUNT(*) > 1) d".into()).await, 0);
    drop(server);
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_server_reports_not_ready_while_the_database_is_away_and_recovers_without_a_restart() {
    let app = spawn_app().await;
    let Some((base, name)) = app
        .database_url
        .rsplit_once('/')
        .filter(|_| app.database_url.starts_with("postgres"))
    else {
        eprintln!("skipped on SQLite: the database is a file inside the server process");
        return;
    };
    let admin = Database::connect(format!("{base}/postgres")).await.unwrap();
    let ready = || async {
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(ready().await, 200);
    let token = app.login(OWNER1).await;

    // The database drops every connection and refuses new ones.
    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();
    let mut down = false;
    for _ in 0..40 {
        if ready().await == 503 {
            down = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(down, "/readyz reports 503 while the database is away");

    // Back again: ready and serving, same process.
    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    let mut up = false;
    for _ in 0..40 {
        if ready().await == 200 {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(up, "/readyz recovers without a restart");
    let me = app
        .gql(Some(&token), "{ me { displayName } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["displayName"], "王建国", "{me}");
}

/// A phone that loses signal while its payment waits on a lock: the server stops the request's
/// execution when the connection goes (`execute_apart` aborts the task), the transaction rolls
/// back, the pool's connection comes back clean, and the phone's retry with the same client key
/// pays once.
/// Another writer holding the lock a payment needs: on SQLite the database's write lock (the
/// payment waits at its first UPDATE), on PostgreSQL a lock on `payments` (the payment has
/// already raised the bill's paid amount and waits at its INSERT). Rolling back the
/// transaction releases it.
async fn hold_the_payments_lock(
    app: &TestApp,
) -> (sea_orm::DatabaseConnection, sea_orm::DatabaseTransaction) {
    use sea_orm::TransactionTrait;
    let holder = Database::connect(&app.database_url).await.unwrap();
    let lock = holder.begin().await.unwrap();
    if app.database_url.starts_with("postgres") {
        lock.execute_unprepared("LOCK TABLE payments IN SHARE ROW EXCLUSIVE MODE")
            .await
            .unwrap();
    } else {
        lock.execute_unprepared("UPDATE communities SET code = code")
            .await
            .unwrap();
    }
    (holder, lock)
}

/// Returns once a payment waits on `hold_the_payments_lock`'s lock, inside its transaction.
async fn until_a_payment_waits_on_the_lock(app: &TestApp) {
    if app.database_url.starts_with("postgres") {
        let waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
        for _ in 0..100 {
            if app.scalar(waiting).await == 1 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no payment waits on the lock");
    }
    // SQLite's busy handler waits inside the connection's thread, where nothing shows it.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// Bills this month and returns reception's token, owner 1's token and the id of an open bill of
/// their house, for `PAY`.
async fn a_bill_to_pay(app: &TestApp) -> (String, String, Value) {
    crate::fees::bill_community(app, &[crate::fees::period(0)]).await;
    let reception = app.login(RECEPTION).await;
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let owed = app
        .gql(
            Some(&owner),
            "query($h: ID!) { owed(houseId: $h) { openBills { id } } }",
            json!({ "h": house }),
        )
        .await;
    (
        reception,
        owner,
        owed["data"]["owed"]["openBills"][0]["id"].clone(),
    )
}

/// A GraphQL POST as raw HTTP/1.1, for a client that hangs up or reads its answer late.
fn raw_post(app: &TestApp, token: &str, body: &str) -> String {
    format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        app.addr,
        body.len()
    )
}

#[tokio::test]
async fn a_payment_whose_client_hangs_up_mid_transaction_rolls_back_and_its_retry_pays_once() {
    use std::io::Write;
    let app = spawn_app().await;
    let (reception, _owner, bill) = a_bill_to_pay(&app).await;
    let paid = || app.scalar("SELECT CAST(COALESCE(SUM(paid_fen), 0) AS BIGINT) FROM bills");
    let paid_before = paid().await;

    let (_holder, lock) = hold_the_payments_lock(&app).await;
    let body = json!({ "query": PAY, "variables": { "k": "lost-signal", "b": bill } }).to_string();
    let mut phone = std::net::TcpStream::connect(app.addr).unwrap();
    write!(phone, "{}", raw_post(&app, &reception, &body)).unwrap();
    until_a_payment_waits_on_the_lock(&app).await;
    phone.shutdown(std::net::Shutdown::Both).unwrap();
    drop(phone);
    tokio::time::sleep(Duration::from_millis(300)).await;
    lock.rollback().await.unwrap();

    // Given time to finish had it gone on, nothing of it is there.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM payments").await,
        0,
        "the hung-up payment did not commit"
    );
    assert_eq!(
        paid().await,
        paid_before,
        "the bill's paid amount rolled back"
    );

    // The retry pays once, and the server goes on serving on the same pool.
    for _ in 0..2 {
        let out = app
            .gql(
                Some(&reception),
                PAY,
                json!({ "k": "lost-signal", "b": bill }),
            )
            .await;
        assert_eq!(outcome(&out), "OK", "{out}");
    }
    for i in 0..6 {
        let out = app
            .gql(
                Some(&reception),
                PAY,
                json!({ "k": format!("after-{i}"), "b": bill }),
            )
            .await;
        assert_eq!(outcome(&out), "OK", "{out}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM payments").await, 7);
    assert_eq!(paid().await, paid_before + 7);
}

#[tokio::test]
async fn executions_beyond_the_limit_wait_their_turn_and_a_caller_who_gives_up_while_waiting_takes_none(
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|c| c.max_executions = 1).await;
    let (reception, owner, bill) = a_bill_to_pay(&app).await;
    const WHO: &str = "{ me { displayName } }";

    // A payment takes the one turn and waits on a lock.
    let (_holder, lock) = hold_the_payments_lock(&app).await;
    let body =
        json!({ "query": PAY, "variables": { "k": "first-in-line", "b": bill } }).to_string();
    let mut payment = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    payment
        .write_all(raw_post(&app, &reception, &body).as_bytes())
        .await
        .unwrap();
    until_a_payment_waits_on_the_lock(&app).await;

    // An owner's query waits for the turn instead of running beside it.
    let queued = tokio::spawn(
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&owner)
            .json(&json!({ "query": WHO }))
            .send(),
    );
    // Another caller gives up while waiting.
    let body = json!({ "query": WHO }).to_string();
    let mut quitter = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    quitter
        .write_all(raw_post(&app, &owner, &body).as_bytes())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !queued.is_finished(),
        "the query waits while the payment holds the only turn"
    );
    drop(quitter);
    tokio::time::sleep(Duration::from_millis(100)).await;

    lock.rollback().await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), payment.read_to_string(&mut answer))
        .await
        .expect("the payment is answered")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""recordPayment":{"id":"#), "{answer}");
    let out: Value = tokio::time::timeout(Duration::from_secs(10), queued)
        .await
        .expect("the queued query runs next")
        .unwrap()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(out["data"]["me"]["displayName"], "王建国", "{out}");
    // The caller who gave up took no turn with them: the next requests run one after another.
    for _ in 0..3 {
        let out = tokio::time::timeout(
            Duration::from_secs(10),
            app.gql(Some(&owner), WHO, json!({})),
        )
        .await
        .expect("a turn is free");
        assert_eq!(out["data"]["me"]["displayName"], "王建国", "{out}");
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM payments").await,
        1,
        "the payment ran once"
    );
}
