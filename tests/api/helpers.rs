//! spawn_app, sign-in and GraphQL helpers shared by every test.
use guanjia::app::Application;
use guanjia::config::Config;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub const PASSWORD: &str = guanjia::demo::DEMO_PASSWORD;
pub const OWNER1: &str = "13800000001";
pub const OWNER2: &str = "13800000002";
pub const TENANT: &str = "13800000003";
pub const FAMILY: &str = "13800000004";
pub const ADMIN: &str = "13900000000";
pub const BUTLER: &str = "13900000001";
pub const RECEPTION: &str = "13900000002";
pub const TECHNICIAN: &str = "13900000003";
pub const SECURITY: &str = "13900000004";
pub const MANAGER: &str = "13900000005";
pub const FINANCE: &str = "13900000006";
pub const MANAGER_C2: &str = "13900000015";

pub struct TestApp {
    /// SQL statements the server has executed so far.
    pub statements: guanjia::app::StatementCounter,
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    /// What a second server needs to join the same deployment.
    pub database_url: String,
    pub jwt_secret: String,
    /// Its database and uploads, removed when the last server on them is dropped (declared last,
    /// so `db` closes first).
    scratch: Arc<Scratch>,
}

/// A test's own database (a SQLite file, or a PostgreSQL database on `TEST_DATABASE_URL`) and
/// upload folders. A SQLite file and the folders go when the last server using them is dropped,
/// unless the test failed (they are kept, and printed, for a look). PostgreSQL databases go at
/// the start of a later run, two hours on (see `sweep_leftovers`): dropping one as its test ends
/// took 0.3 s, as long as some tests.
pub struct Scratch {
    pub database_url: String,
    dirs: std::sync::Mutex<Vec<PathBuf>>,
}

/// Scratch databases and folders are named `gj_test_<unix seconds>_…` and `gj_uploads_…`.
const SCRATCH_PREFIX: &str = "gj_test_";
/// Older scratch than this is from a run that has ended (none lasts an hour).
const LEFTOVER_AFTER: std::time::Duration = std::time::Duration::from_secs(2 * 3600);

/// A fresh database for one test.
pub async fn fresh_database() -> Scratch {
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    // Every test waits for the sweep: what it removes is then never a scratch of this run.
    static SWEEP: std::sync::Once = std::sync::Once::new();
    SWEEP.call_once(|| sweep_leftovers(admin_url.clone()));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    let name = format!(
        "{SCRATCH_PREFIX}{}_{}",
        now.as_secs(),
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let database_url = match admin_url {
        Some(base) => {
            let admin = Database::connect(&base)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let (prefix, _) = base.rsplit_once('/').expect("URL has a database path");
            format!("{prefix}/{name}")
        }
        None => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            format!("sqlite://{}?mode=rwc", path.display())
        }
    };
    Scratch {
        database_url,
        dirs: Default::default(),
    }
}

/// Once a run, before its first scratch: removes what earlier runs' failed (or killed) tests
/// left, once it is `LEFTOVER_AFTER` old, so that a run going on beside this one keeps its own.
fn sweep_leftovers(admin_url: Option<String>) {
    let hours_ago = std::time::SystemTime::now() - LEFTOVER_AFTER;
    if let Some(admin_url) = admin_url {
        let cutoff = hours_ago
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs();
        // Names from before the time was in them count as stale.
        let stale = move |name: &str| {
            let secs = name
                .strip_prefix(SCRATCH_PREFIX)
                .and_then(|rest| rest.split('_').next())
                .and_then(|s| s.parse::<u64>().ok());
            secs.is_none_or(|s| s < cutoff)
        };
        // Called from inside a test's runtime, which cannot block on a future: a thread and
        // runtime of its own.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                let list = format!(
                    "SELECT datname FROM pg_database WHERE datname LIKE '{SCRATCH_PREFIX}%'"
                );
                let rows = admin
                    .query_all_raw(sea_orm::Statement::from_string(
                        admin.get_database_backend(),
                        list,
                    ))
                    .await
                    .expect("list scratch databases");
                for row in rows {
                    let name: String = row.try_get_by_index(0).expect("datname");
                    if stale(&name) {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                    }
                }
                admin.close().await.ok();
            })
        })
        .join()
        .expect("sweeping old test databases");
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with(SCRATCH_PREFIX) || name.starts_with("gj_uploads_")) {
            continue;
        }
        if entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < hours_ago)
        {
            let path = entry.path();
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(path)
            } else {
                std::fs::remove_file(path)
            };
        }
    }
}

impl Scratch {
    /// A new upload folder path, removed with the database.
    pub fn upload_dir(&self) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("gj_uploads_{}", uuid::Uuid::new_v4().simple()));
        self.dirs.lock().unwrap().push(dir.clone());
        dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let dirs = std::mem::take(&mut *self.dirs.lock().unwrap());
        if std::thread::panicking() {
            eprintln!(
                "the failed test's database and uploads are kept: {} {dirs:?}",
                self.database_url
            );
            return;
        }
        for dir in dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(file) = self
            .database_url
            .strip_prefix("sqlite://")
            .and_then(|rest| rest.split('?').next())
        {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{file}{suffix}"));
            }
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the real server with the demo estate; `tweak` adjusts the configuration first.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    clear_of_midnight().await;
    let scratch = Arc::new(fresh_database().await);
    let mut cfg = Config::for_database(scratch.database_url.clone());
    cfg.demo = true;
    cfg.upload_dir = scratch.upload_dir();
    tweak(&mut cfg);
    let (database_url, jwt_secret) = (
        cfg.database_url.clone(),
        secrecy::ExposeSecret::expose_secret(&cfg.jwt_secret).to_owned(),
    );
    let app = Application::build(cfg).await.expect("application builds");
    let addr = app.local_addr();
    let db = app.db();
    let statements = app.statement_counter();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        statements,
        addr,
        client: reqwest::Client::new(),
        db,
        database_url,
        jwt_secret,
        scratch,
    }
}

impl TestApp {
    /// A second app server on the same database and signing secret, as behind a load balancer.
    pub async fn spawn_peer(&self) -> TestApp {
        let mut cfg = Config::for_database(self.database_url.clone());
        cfg.jwt_secret = secrecy::SecretString::from(self.jwt_secret.clone());
        cfg.upload_dir = self.scratch.upload_dir();
        let app = Application::build(cfg).await.expect("peer builds");
        let (addr, db, statements) = (app.local_addr(), app.db(), app.statement_counter());
        tokio::spawn(app.run_until_stopped());
        TestApp {
            statements,
            addr,
            client: reqwest::Client::new(),
            db,
            database_url: self.database_url.clone(),
            jwt_secret: self.jwt_secret.clone(),
            scratch: self.scratch.clone(),
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// POSTs a GraphQL request with an optional bearer token; returns the JSON body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request sent");
        assert!(resp.status().is_success(), "status {}", resp.status());
        resp.json().await.expect("JSON body")
    }

    pub async fn gql_key(&self, api_key: &str, query: &str, variables: Value) -> Value {
        self.client
            .post(self.url("/graphql"))
            .header("x-api-key", api_key)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON body")
    }

    pub async fn login_tokens(&self, phone: &str) -> Value {
        let body = self
            .gql(
                None,
                "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken refreshToken user { id } } }",
                json!({ "p": phone, "w": PASSWORD }),
            )
            .await;
        assert!(body.get("errors").is_none(), "login {phone} failed: {body}");
        body["data"]["login"].clone()
    }

    /// An access token for a demo phone.
    pub async fn login(&self, phone: &str) -> String {
        self.login_tokens(phone).await["accessToken"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// The global id of a demo house by community code, building, unit and number.
    pub async fn house_id(
        &self,
        community: &str,
        building: &str,
        unit: &str,
        number: &str,
    ) -> String {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!(
                    "SELECT h.id FROM houses h JOIN communities c ON c.id = h.community_id JOIN buildings b ON b.id = h.building_id \
                     JOIN units u ON u.id = h.unit_id WHERE c.code = '{community}' AND b.name = '{building}' AND u.name = '{unit}' AND h.number = '{number}'"
                ),
            ))
            .await
            .expect("query")
            .expect("house exists");
        let id: i64 = row.try_get("", "id").expect("id");
        guanjia::domain::GlobalId::encode(guanjia::domain::NodeKind::House, id).0
    }

    pub async fn community_id(&self, code: &str) -> String {
        let id = self
            .scalar(&format!("SELECT id FROM communities WHERE code = '{code}'"))
            .await;
        guanjia::domain::GlobalId::encode(guanjia::domain::NodeKind::Community, id).0
    }

    /// One integer from a SQL query (row counts, ids) to check what was stored.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .expect("query")
            .expect("a row");
        let v: i64 = row.try_get_by_index(0).expect("integer");
        v
    }
}

impl TestApp {
    /// Runs one request and returns (body, SQL statements it cost). Requests must not overlap.
    pub async fn counted(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (Value, u64) {
        use std::sync::atomic::Ordering;
        let before = self.statements.load(Ordering::SeqCst);
        let body = self.gql(token, query, variables).await;
        (body, self.statements.load(Ordering::SeqCst) - before)
    }
}

/// The `extensions.code` of the first error, or "OK" when there is none.
pub fn outcome(body: &Value) -> String {
    match body.get("errors").and_then(|e| e.get(0)) {
        Some(e) => e["extensions"]["code"]
            .as_str()
            .unwrap_or("NO_CODE")
            .to_owned(),
        None => "OK".to_owned(),
    }
}

pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error, got {body}"))
}

/// The community's next midnight (UTC+08:00), as a UTC instant.
fn next_community_midnight() -> chrono::DateTime<chrono::Utc> {
    let midnight = (guanjia::service::today_in_community() + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight");
    midnight.and_utc() - chrono::Duration::hours(8)
}

/// In the community day's last three minutes, waits for the next day. Tests take a date as
/// "today" (a move day, a patrol round, a loan due back) and use it a few seconds later; across
/// midnight the server's today has moved on and refuses what was valid when it was taken.
pub async fn clear_of_midnight() {
    let left = next_community_midnight() - chrono::Utc::now();
    if left < chrono::Duration::minutes(3) {
        tokio::time::sleep(
            (left + chrono::Duration::seconds(1))
                .to_std()
                .unwrap_or_default(),
        )
        .await;
    }
}

/// A time later today in the community (UTC+08:00), for what is chased "due today": two hours
/// from now, or a minute before midnight when the day ends sooner (`clear_of_midnight` first,
/// so the time is never in the past when it is used).
pub async fn later_today() -> String {
    use chrono::{Duration, Utc};
    clear_of_midnight().await;
    (Utc::now() + Duration::hours(2))
        .min(next_community_midnight() - Duration::minutes(1))
        .to_rfc3339()
}
