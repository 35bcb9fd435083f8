//! Business rules, one module per domain. Every function takes the caller's `Cx` and scopes its
//! reads and writes to what that actor may see; resolvers never touch the database directly.
pub mod access;
pub mod api_keys;
pub mod auth;
pub mod cards;
pub mod complaints;
pub mod estate;
pub mod events;
pub mod fees;
pub mod handover;
pub mod keys;
pub mod members;
pub mod moves;
pub mod notices;
pub mod page;
pub mod patrols;
pub mod renovation;
pub mod repairs;
pub mod staff;
pub mod targets;
pub mod throttle;
pub mod workflow;

use crate::auth::jwt::JwtKeys;
use crate::auth::Actor;
use crate::config::Config;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Process-wide handles every service needs.
pub struct Core {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub jwt: JwtKeys,
    pub bus: events::EventBus,
}

/// One request's context: the shared core plus who is asking, with what they may see computed
/// at most once per request.
pub struct Cx {
    pub core: Arc<Core>,
    pub actor: Actor,
    reach: tokio::sync::OnceCell<access::Reach>,
}

impl Cx {
    pub fn new(core: Arc<Core>, actor: Actor) -> Self {
        Self {
            core,
            actor,
            reach: tokio::sync::OnceCell::new(),
        }
    }
    pub fn db(&self) -> &DatabaseConnection {
        &self.core.db
    }
    /// The reach if something in this request has already loaded it (never queries).
    pub fn reach_if_loaded(&self) -> Option<&access::Reach> {
        self.reach.get()
    }
    pub async fn reach(&self) -> crate::error::AppResult<&access::Reach> {
        // Boxed: the load (two queries) is a 2 KB future, and every resolver that awaits
        // `reach` would carry it inline. async-graphql sizes each field's future of an object by
        // the largest of its resolvers, so one such resolver made every field of House, User
        // or RepairOrder allocate and copy 2–2.7 KB. The load runs once per request; the box is
        // only allocated then.
        self.reach
            .get_or_try_init(|| Box::pin(access::Reach::load(&self.core.db, &self.actor)))
            .await
    }
}

/// Now, in UTC; one place so tests reason about time the same way the services do.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Today's date for business rules. Communities default to Asia/Shanghai, which has no daylight
/// saving, so a fixed +08:00 offset is exact for it.
pub fn today_in_community() -> chrono::NaiveDate {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    now().with_timezone(&offset).date_naive()
}
