//! Application wiring: database, migrations, schema, router; `build` then `run_until_stopped`.
use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::graphql::build_schema;
use crate::http::AppState;
use crate::service::{events::EventBus, Core};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use secrecy::ExposeSecret;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    state: AppState,
    statements: StatementCounter,
}

pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("GUANJIA_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

/// Counts SQL statements sent by one connection pool (benchmarks and N+1 tests read it).
pub type StatementCounter = Arc<std::sync::atomic::AtomicU64>;

/// Connects and brings the schema up to date.
pub async fn connect(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    connect_counted(url, StatementCounter::default()).await
}

/// Like `connect`, counting every statement the pool executes into `counter`.
pub async fn connect_counted(
    url: &str,
    counter: StatementCounter,
) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    let sqlite = url.starts_with("sqlite");
    // Each sqlx-sqlite connection is an OS thread: a fixed set of them (min = max) is not
    // opened and closed as load comes and goes. Four, not eight: reads run side by side in WAL
    // mode and writes queue for the one lock anyway, and with eight the extra threads only
    // added switches (owner home, one core: SQLite threads 443 → 377–403 µs of CPU a request,
    // peak memory 80 → 61 MiB, same throughput; see the README's benchmark).
    opts.max_connections(if sqlite { 4 } else { 20 })
        .min_connections(if sqlite { 4 } else { 0 })
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if sqlite {
        // sqlx pings a connection each time it leaves the pool, by default. A SQLite connection
        // is a file opened by a thread of this process: nothing on the other end can hang up,
        // and each ping was a round trip to that thread, two context switches per statement.
        opts.test_before_acquire(false);
    }
    let mut db = Database::connect(opts).await?;
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers work while one writer commits; wait rather than fail on a busy lock.
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;",
        )
        .await?;
    }
    Migrator::up(&db, None).await?;
    Ok(db)
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let statements = StatementCounter::default();
        let db = connect_counted(&config.database_url, statements.clone()).await?;
        let demo_err = |e: crate::error::AppError| format!("loading the demo estate failed: {e:?}");
        if config.demo && crate::demo::is_empty(&db).await.map_err(demo_err)? {
            crate::demo::load(&db, config.demo_price_lists)
                .await
                .map_err(demo_err)?;
            tracing::info!("demo estate loaded; see README for the demo logins");
        }
        let schema = build_schema(&config.limits, config.playground);
        let jwt = JwtKeys::new(config.jwt_secret.expose_secret().as_bytes());
        let listener = TcpListener::bind(config.bind).await?;
        let bus = EventBus::default();
        bus.join_cluster(&db).await?;
        let core = Arc::new(Core {
            db,
            config: Arc::new(config),
            jwt,
            bus,
        });
        Ok(Self {
            listener,
            state: AppState { core, schema },
            statements,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    /// Statements executed so far by this application's pool.
    pub fn statement_counter(&self) -> StatementCounter {
        self.statements.clone()
    }

    pub fn db(&self) -> DatabaseConnection {
        self.state.core.db.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let limits = self.state.core.config.connections.clone();
        let app = crate::http::router(self.state);
        crate::http::server::serve(self.listener, app, &limits, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    }
}
