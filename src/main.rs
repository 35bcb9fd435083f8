//! The `guanjia` binary: `serve` (default), `schema` (print the SDL), `bench-fees` (measure the
//! fees screens), `--demo` to load the demo estate.

/// mimalloc instead of glibc's malloc: a GraphQL response is many small short-lived
/// allocations made on one thread and freed on another, where glibc's arenas spent a fifth of
/// the server's CPU (profiled under the screens benchmark) and kept RSS growing. Set by the
/// binary, not the library: a program that links Guanjia chooses its own allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use guanjia::config::{self, Config};
use secrecy::SecretString;

#[derive(Parser)]
#[command(
    name = "guanjia",
    about = "Guanjia (管家) property-management GraphQL API"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Load the demo estate into an empty database and turn on GraphiQL (never for production).
    #[arg(long, global = true)]
    demo: bool,
    /// Database URL: sqlite://FILE?mode=rwc or postgres://USER:PASS@HOST/DB.
    #[arg(long, env = "GUANJIA_DATABASE_URL", default_value = config::DEFAULT_DATABASE_URL, global = true)]
    database_url: String,
    /// Address to listen on.
    #[arg(long, env = "GUANJIA_BIND", default_value = config::DEFAULT_BIND, global = true)]
    bind: std::net::SocketAddr,
    /// HMAC secret for access tokens (required unless --demo).
    #[arg(
        long,
        env = "GUANJIA_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    jwt_secret: Option<String>,
    /// Serve GraphiQL and allow introspection in production (on by default with --demo).
    #[arg(long, env = "GUANJIA_PLAYGROUND", global = true)]
    playground: bool,
    /// Directory for uploaded photos.
    #[arg(
        long,
        env = "GUANJIA_UPLOAD_DIR",
        default_value = "uploads",
        global = true
    )]
    upload_dir: std::path::PathBuf,
    /// GraphQL executions one server runs at once, the rest waiting their turn (0: no limit).
    /// Default: 8 a core on SQLite, 32 a core on PostgreSQL.
    #[arg(long, env = "GUANJIA_MAX_EXECUTIONS", global = true)]
    max_executions: Option<usize>,
    /// Connections one server holds open at once; past it a new one is answered 503.
    #[arg(long, env = "GUANJIA_MAX_CONNECTIONS", global = true)]
    max_connections: Option<usize>,
    /// Seconds a connection may take to send a complete request head, and may stay idle
    /// between requests, before it is closed.
    #[arg(long, env = "GUANJIA_IDLE_TIMEOUT_SECS", global = true)]
    idle_timeout_secs: Option<u64>,
    /// Web origins allowed to call the API from a browser (CORS), comma-separated, or `*`.
    /// Default: none (`*` with --demo).
    #[arg(long, env = "GUANJIA_CORS_ORIGINS", global = true)]
    cors_origins: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Print the GraphQL schema (SDL) that the server serves.
    Schema,
    /// Generate a large community with months of bills and report latency and SQL statements
    /// of "what do I owe" and the collection report (a fresh SQLite file unless --database-url).
    BenchFees(guanjia::bench::Args),
}

fn main() -> std::process::ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Some(Command::Schema) = cli.command {
        print!("{}", guanjia::graphql::sdl());
        return std::process::ExitCode::SUCCESS;
    }
    if let Some(Command::BenchFees(args)) = cli.command {
        // The serve default (guanjia.db) must never receive benchmark data: only a URL given
        // on purpose (flag or environment) replaces the temporary SQLite file.
        let url = (matches.value_source("database_url") != Some(ValueSource::DefaultValue))
            .then_some(cli.database_url);
        // Per-request log lines would bury the report; GUANJIA_LOG turns them on when wanted.
        if std::env::var_os("GUANJIA_LOG").is_some() {
            guanjia::app::init_tracing();
        }
        let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
        return match runtime.block_on(guanjia::bench::run(url, args)) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench-fees failed: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    guanjia::app::init_tracing();
    let jwt_secret = match (cli.jwt_secret, cli.demo) {
        (Some(s), _) if s.len() >= 32 => s,
        (Some(_), false) => {
            eprintln!("GUANJIA_JWT_SECRET must be at least 32 characters");
            return std::process::ExitCode::FAILURE;
        }
        (_, true) => config::random_secret(),
        (None, false) => {
            eprintln!("refusing to start: set GUANJIA_JWT_SECRET (or run with --demo for a trial)");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut cfg = Config::for_database(cli.database_url);
    cfg.bind = cli.bind;
    cfg.jwt_secret = SecretString::from(jwt_secret);
    cfg.demo = cli.demo;
    cfg.playground = cli.demo || cli.playground;
    cfg.upload_dir = cli.upload_dir;
    if let Some(n) = cli.max_executions {
        cfg.max_executions = n;
    }
    if let Some(n) = cli.max_connections {
        cfg.connections.max_connections = n;
    }
    if let Some(secs) = cli.idle_timeout_secs {
        cfg.connections.idle_timeout = std::time::Duration::from_secs(secs);
    }
    cfg.cors_origins = match cli.cors_origins.as_deref().map(config::CorsOrigins::parse) {
        Some(Ok(origins)) => origins,
        Some(Err(e)) => {
            eprintln!("GUANJIA_CORS_ORIGINS: {e}");
            return std::process::ExitCode::FAILURE;
        }
        None if cli.demo => config::CorsOrigins::Anyone,
        None => config::CorsOrigins::Nobody,
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async move {
        match guanjia::app::Application::build(cfg).await {
            Ok(app) => {
                tracing::info!(address = %app.local_addr(), "guanjia listening");
                if let Err(e) = app.run_until_stopped().await {
                    tracing::error!(error = %e, "server stopped with an error");
                    return std::process::ExitCode::FAILURE;
                }
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                tracing::error!(error = %e, "failed to start");
                std::process::ExitCode::FAILURE
            }
        }
    })
}
