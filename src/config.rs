//! Settings from flags and environment; secrets are wrapped so they never reach a log line.
use secrecy::SecretString;
use std::net::SocketAddr;
use std::time::Duration;

/// Caps on what one GraphQL request may ask for. The real screens (owner home, staff house
/// browser) need depth 5 and a few hundred complexity points; the caps leave room above that.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Deepest selection nesting, in fields (graphql-armor's default is 6). Introspection's
    /// `ofType` does not count, so the standard introspection query (15 fields deep) fits.
    pub max_depth: usize,
    /// Complexity budget; list fields cost `first × child`.
    pub max_complexity: usize,
    /// Aliases in one document (graphql-armor's default is 15).
    pub max_aliases: usize,
    /// Operations in one batched POST.
    pub max_batch: usize,
    /// Bytes of the `query` string.
    pub max_document_bytes: usize,
    /// Bytes of a JSON request body.
    pub max_body_bytes: usize,
    /// Bytes of one uploaded file.
    pub max_upload_file_bytes: usize,
    /// Bytes of a whole multipart (upload) request.
    pub max_upload_request_bytes: usize,
}

/// What the persisted-query store keeps (`http::apq`).
#[derive(Clone, Debug)]
pub struct ApqLimits {
    /// Documents kept at most; past it the oldest registered go first.
    pub kept: u64,
    /// How long a document is kept after it was registered.
    pub kept_for: chrono::Duration,
    /// New documents one client address may register in `window`.
    pub new_per_address: i32,
    pub window: Duration,
}

impl Default for ApqLimits {
    fn default() -> Self {
        Self {
            kept: 10_000,
            kept_for: chrono::Duration::days(30),
            new_per_address: 100,
            window: Duration::from_secs(15 * 60),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 8,
            max_complexity: 5000,
            max_aliases: 15,
            max_batch: 10,
            max_document_bytes: 16 * 1024,
            max_body_bytes: 1024 * 1024,
            max_upload_file_bytes: 10 * 1024 * 1024,
            max_upload_request_bytes: 40 * 1024 * 1024,
        }
    }
}

/// Failed-sign-in throttling, kept in the database so several app servers share it.
#[derive(Clone, Debug)]
pub struct ThrottleConfig {
    pub window: Duration,
    pub max_failures_per_phone: i32,
    pub max_failures_per_address: i32,
    pub lockout: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            max_failures_per_phone: 5,
            max_failures_per_address: 30,
            lockout: Duration::from_secs(15 * 60),
        }
    }
}

/// What one server holds open for its clients. Each connection costs a file descriptor and a
/// task, so neither a flood of sockets nor a client that never finishes its request may keep
/// them for ever.
#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    /// Connections open at once; one more is answered 503 and closed (a load balancer then
    /// tries another server). Keep it below the process's file-descriptor limit.
    pub max_connections: usize,
    /// A connection that has not sent a complete request head within this time is closed: a
    /// request whose headers never finish, and an idle keep-alive connection between requests
    /// alike. A load balancer's own idle timeout should be shorter, so that it closes first.
    pub idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 4096,
            idle_timeout: Duration::from_secs(60),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    pub jwt_secret: SecretString,
    /// GraphiQL and introspection; on in demo mode, off in production unless asked.
    pub playground: bool,
    pub demo: bool,
    /// With `demo`: also load the demo price lists (fee items, paid-service prices), so a new
    /// user can bill and charge at once. The API tests turn it off to set up their own prices.
    pub demo_price_lists: bool,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub limits: Limits,
    pub throttle: ThrottleConfig,
    pub apq: ApqLimits,
    pub connections: ConnectionLimits,
    /// Where uploaded photos are stored (served back only to people who may see them).
    pub upload_dir: std::path::PathBuf,
    /// GraphQL executions (HTTP queries and mutations) one server runs at once; the rest wait
    /// their turn in arrival order. 0: no limit. See `default_max_executions`.
    pub max_executions: usize,
    /// Web origins whose pages may call the API from a browser (CORS).
    pub cors_origins: CorsOrigins,
}

/// Which other origins' web pages a browser lets call the API (CORS, `GUANJIA_CORS_ORIGINS`).
/// GraphiQL at `/graphql` is the server's own origin and needs no entry: a browser asks for
/// permission only across origins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// No other origin (production's default).
    #[default]
    Nobody,
    /// Every origin (`*`), for a trial server (`--demo`'s default). A page still needs a token
    /// or API key of its own: the API reads no cookies, so a browser sends no credentials for it.
    Anyone,
    /// These origins exactly, each `scheme://host[:port]` as a browser sends it in `Origin`.
    Only(Vec<String>),
}

impl CorsOrigins {
    /// Parses `GUANJIA_CORS_ORIGINS`: comma-separated origins (`https://app.example.com`), `*`
    /// for any, or nothing for none. Err names the entry that is not an origin.
    pub fn parse(value: &str) -> Result<Self, String> {
        let entries: Vec<&str> = value
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        if entries.is_empty() {
            return Ok(Self::Nobody);
        }
        if entries.contains(&"*") {
            return if entries.len() == 1 {
                Ok(Self::Anyone)
            } else {
                Err("`*` stands alone: every origin, or a list".into())
            };
        }
        let mut origins = Vec::with_capacity(entries.len());
        for entry in entries {
            // A browser's `Origin` has no path; a trailing slash is what people paste.
            let origin = entry
                .strip_suffix('/')
                .unwrap_or(entry)
                .to_ascii_lowercase();
            let uri: http::Uri = origin
                .parse()
                .map_err(|_| format!("{entry:?} is not an origin (https://host[:port])"))?;
            let bare = uri.path_and_query().is_none_or(|p| p.as_str() == "/");
            if !matches!(uri.scheme_str(), Some("http" | "https"))
                || uri.authority().is_none()
                || !bare
                || origin.contains('@')
            {
                return Err(format!(
                    "{entry:?} is not an origin (https://host[:port], no path)"
                ));
            }
            origins.push(origin);
        }
        Ok(Self::Only(origins))
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://guanjia.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8000";

impl Config {
    /// A configuration for tests and tools: given database, random secret, playground on.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        let database_url = database_url.into();
        Self {
            max_executions: default_max_executions(&database_url),
            database_url,
            bind: "127.0.0.1:0".parse().expect("valid address"),
            jwt_secret: SecretString::from(random_secret()),
            playground: true,
            demo: false,
            demo_price_lists: true,
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            limits: Limits::default(),
            throttle: ThrottleConfig::default(),
            apq: ApqLimits::default(),
            connections: ConnectionLimits::default(),
            upload_dir: std::path::PathBuf::from("uploads"),
            cors_origins: CorsOrigins::Nobody,
        }
    }
}

/// Executions at once per core, by database. On SQLite an execution never waits on anything
/// but this process's own threads, so more of them in flight only take turns on the cores, each
/// with its own copy of the document, its futures and its partial response: past about eight a
/// core they push one another out of the caches. Owner home screen, SQLite, one core, 32
/// clients: 0.74–0.75× of the hand-written twin with no limit, 0.82–0.84× at 4, 0.85–0.88× at
/// 8 (the README's "Benchmark"). On PostgreSQL an execution mostly waits on the network, and a
/// low limit would leave the cores idle behind a distant database; there the limit only bounds
/// memory.
pub const SQLITE_EXECUTIONS_PER_CORE: usize = 8;
pub const POSTGRES_EXECUTIONS_PER_CORE: usize = 32;

/// Executions at once per core on the database at `database_url`.
pub fn executions_per_core(database_url: &str) -> usize {
    if database_url.starts_with("sqlite:") {
        SQLITE_EXECUTIONS_PER_CORE
    } else {
        POSTGRES_EXECUTIONS_PER_CORE
    }
}

/// The default `max_executions`: `executions_per_core` times the cores this process may run on.
pub fn default_max_executions(database_url: &str) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    executions_per_core(database_url) * cores
}

#[cfg(test)]
mod tests {
    use super::CorsOrigins;

    #[test]
    fn cors_origins_are_a_list_a_star_or_nothing() {
        assert_eq!(CorsOrigins::parse(""), Ok(CorsOrigins::Nobody));
        assert_eq!(CorsOrigins::parse(" , "), Ok(CorsOrigins::Nobody));
        assert_eq!(CorsOrigins::parse("*"), Ok(CorsOrigins::Anyone));
        assert_eq!(
            CorsOrigins::parse("https://App.example.com/, http://localhost:5173"),
            Ok(CorsOrigins::Only(vec![
                "https://app.example.com".into(),
                "http://localhost:5173".into()
            ]))
        );
        for bad in [
            "app.example.com",
            "https://app.example.com/path",
            "ftp://x.cn",
            "*, https://a.cn",
            "https://u@a.cn",
            "https://a.cn?x=1",
        ] {
            let err = CorsOrigins::parse(bad).unwrap_err();
            assert!(err.contains("origin") || err.contains('*'), "{bad}: {err}");
        }
    }
}

pub fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
