//! The append-only event log (who, what, from, to, why, when) and the in-process bus that feeds
//! live subscriptions once the recording transaction has committed.
use crate::auth::Actor;
use crate::domain::NodeKind;
use crate::error::AppResult;
use crate::service::page::OneRow;
use entity::event;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use std::sync::Arc;
use tokio::sync::broadcast;

pub struct NewEvent {
    pub community_id: Option<i64>,
    pub house_id: Option<i64>,
    /// Not stored: lets a butler's feed be filtered to their buildings without a query.
    pub building_id: Option<i64>,
    pub action: &'static str,
    /// The kind of record changed: a `NodeKind`, so every event's subject has a global id.
    pub subject_type: NodeKind,
    pub subject_id: i64,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
}

impl NewEvent {
    /// An event about a record that belongs to house `h` (its community, house and building).
    pub fn about_house(
        h: &entity::house::Model,
        action: &'static str,
        subject_type: NodeKind,
        subject_id: i64,
    ) -> Self {
        Self {
            community_id: Some(h.community_id),
            house_id: Some(h.id),
            building_id: Some(h.building_id),
            action,
            subject_type,
            subject_id,
            from_state: None,
            to_state: None,
            reason: None,
        }
    }
    pub fn from(mut self, state: impl Into<String>) -> Self {
        self.from_state = Some(state.into());
        self
    }
    pub fn to(mut self, state: impl Into<String>) -> Self {
        self.to_state = Some(state.into());
        self
    }
    pub fn because(mut self, reason: Option<String>) -> Self {
        self.reason = reason;
        self
    }
}

/// A committed event as subscribers receive it.
#[derive(Clone, Debug)]
pub struct Published {
    pub event: event::Model,
    pub building_id: Option<i64>,
    /// Users who get this event whatever their role (a technician assigned to the order ...).
    pub audience: Vec<i64>,
}

/// Where committed events go: this server's subscribers at once, and, on PostgreSQL, every
/// other app server through LISTEN/NOTIFY (no extra broker), so a subscription on server A sees
/// what a mutation on server B did.
#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Arc<Published>>,
    ended: broadcast::Sender<Ended>,
    relay: Arc<std::sync::OnceLock<Relay>>,
}

/// Access that has ended, for the websockets that were opened with it (they close, 4403): a
/// session (logout, a reused refresh token), or whatever a person was allowed through a staff
/// membership or a house binding that has just ended.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Ended {
    Session(String),
    User(i64),
}

struct Relay {
    pool: sea_orm::sqlx::PgPool,
    /// Tells this server's own notifications apart when they come back.
    origin: String,
}

/// The PostgreSQL channel the servers share.
const CHANNEL: &str = "guanjia_events";
/// The channel for ended sessions and access (`Ended`).
const ENDED_CHANNEL: &str = "guanjia_ended";

impl Default for EventBus {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
            ended: broadcast::channel(1024).0,
            relay: Arc::new(std::sync::OnceLock::new()),
        }
    }
}

impl EventBus {
    pub fn publish(&self, events: impl IntoIterator<Item = Published>) {
        for e in events {
            if let Some(r) = self.relay.get() {
                // Only what a receiver cannot read from the row: it loads the event by id.
                let payload = serde_json::json!({ "o": r.origin, "e": e.event.id, "b": e.building_id, "a": e.audience }).to_string();
                let pool = r.pool.clone();
                tokio::spawn(async move {
                    if let Err(err) = sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(CHANNEL)
                        .bind(payload)
                        .execute(&pool)
                        .await
                    {
                        tracing::warn!(error = %err, "event not relayed to other servers");
                    }
                });
            }
            // No subscriber is fine: the row is already stored.
            let _ = self.tx.send(Arc::new(e));
        }
    }
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.tx.subscribe()
    }

    /// Tells every server's websockets that `what` has ended. Call after the commit that ended it.
    pub fn end(&self, what: Ended) {
        if let Some(r) = self.relay.get() {
            let payload = serde_json::json!({ "o": r.origin, "x": what }).to_string();
            let pool = r.pool.clone();
            tokio::spawn(async move {
                if let Err(err) = sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(ENDED_CHANNEL)
                    .bind(payload)
                    .execute(&pool)
                    .await
                {
                    tracing::warn!(error = %err, "ended access not relayed to other servers");
                }
            });
        }
        let _ = self.ended.send(what);
    }

    /// Ends of access, as `end` announces them here or on another server.
    pub fn ended(&self) -> broadcast::Receiver<Ended> {
        self.ended.subscribe()
    }

    /// On PostgreSQL, joins the other app servers: events they publish reach this server's
    /// subscribers, and this server's reach theirs. A dropped listening connection is re-opened.
    pub async fn join_cluster(
        &self,
        db: &sea_orm::DatabaseConnection,
    ) -> Result<(), sea_orm::DbErr> {
        if db.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        let pool = db.get_postgres_connection_pool().clone();
        let origin = uuid::Uuid::new_v4().simple().to_string();
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(&pool)
            .await
            .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        listener
            .listen_all([CHANNEL, ENDED_CHANNEL])
            .await
            .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        let _ = self.relay.set(Relay {
            pool,
            origin: origin.clone(),
        });
        let (tx, ended, db) = (self.tx.clone(), self.ended.clone(), db.clone());
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) if n.channel() == ENDED_CHANNEL => {
                        deliver_ended(&ended, &origin, n.payload())
                    }
                    Ok(n) => deliver(&tx, &db, &origin, n.payload()).await,
                    Err(err) => {
                        tracing::warn!(error = %err, "event listener lost its connection; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(())
    }
}

/// Hands another server's `Ended` to this server's websockets.
fn deliver_ended(tx: &broadcast::Sender<Ended>, origin: &str, payload: &str) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(payload) else {
        return;
    };
    if v["o"] == origin {
        return;
    }
    if let Ok(what) = serde_json::from_value::<Ended>(v["x"].clone()) {
        let _ = tx.send(what);
    }
}

/// Hands another server's event to this server's subscribers.
async fn deliver(
    tx: &broadcast::Sender<Arc<Published>>,
    db: &sea_orm::DatabaseConnection,
    origin: &str,
    payload: &str,
) {
    use sea_orm::EntityTrait;
    let Ok(v) = serde_json::from_str::<serde_json::Value>(payload) else {
        return;
    };
    if v["o"] == origin || tx.receiver_count() == 0 {
        return;
    }
    let Some(id) = v["e"].as_i64() else { return };
    match event::Entity::find_by_id(id).one_row(db).await {
        Ok(Some(row)) => {
            let audience = v["a"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x.as_i64()).collect())
                .unwrap_or_default();
            let _ = tx.send(Arc::new(Published {
                event: row,
                building_id: v["b"].as_i64(),
                audience,
            }));
        }
        Ok(None) => tracing::warn!(id, "relayed event not found"),
        Err(err) => tracing::warn!(error = %err, "relayed event not loaded"),
    }
}

/// Appends one event inside the caller's transaction; publish the result after commit.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    e: NewEvent,
) -> AppResult<Published> {
    let row = event::ActiveModel {
        community_id: Set(e.community_id),
        house_id: Set(e.house_id),
        actor: Set(actor.label()),
        action: Set(e.action.to_owned()),
        subject_type: Set(e.subject_type.name().to_owned()),
        subject_id: Set(e.subject_id),
        from_state: Set(e.from_state),
        to_state: Set(e.to_state),
        reason: Set(e.reason),
        at: Set(super::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(Published {
        event: row,
        building_id: e.building_id,
        audience: vec![],
    })
}

/// The recorded events of many subjects of one type, oldest first (one statement).
pub async fn timelines(
    conn: &impl ConnectionTrait,
    subject_type: NodeKind,
    ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, Vec<event::Model>>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mut out: std::collections::HashMap<i64, Vec<event::Model>> =
        std::collections::HashMap::new();
    for e in event::Entity::find()
        .filter(event::Column::SubjectType.eq(subject_type.name()))
        .filter(event::Column::SubjectId.is_in(ids.iter().copied()))
        .order_by_asc(event::Column::Id)
        .all(conn)
        .await?
    {
        out.entry(e.subject_id).or_default().push(e);
    }
    Ok(out)
}

/// The role someone acted in, as a timeline shows it (DOMAIN.md's roles).
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum ActorRole {
    /// An owner of the house.
    Owner,
    /// A family member or tenant of the house.
    Resident,
    /// A butler (客服管家).
    Butler,
    /// Reception (接待).
    Reception,
    /// A technician (维修工).
    Technician,
    /// A security guard (保安).
    Security,
    /// A manager (客服部经理 / 管理处主任).
    Manager,
    /// Finance (财务).
    Finance,
    /// An administrator of the property company.
    Admin,
    /// Another system through an API key (a payment gateway, an access-control vendor).
    Integrator,
    /// The server itself (scheduled work).
    System,
}

impl From<entity::enums::StaffRole> for ActorRole {
    fn from(r: entity::enums::StaffRole) -> Self {
        use entity::enums::StaffRole as R;
        match r {
            R::Butler => ActorRole::Butler,
            R::Reception => ActorRole::Reception,
            R::Technician => ActorRole::Technician,
            R::Security => ActorRole::Security,
            R::Manager => ActorRole::Manager,
            R::Finance => ActorRole::Finance,
            R::Admin => ActorRole::Admin,
        }
    }
}

/// Whom an event's `actor` label ("user:<id>", "apikey:<id>", "system") names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorRef {
    User(i64),
    ApiKey(i64),
    System,
}

impl ActorRef {
    pub fn parse(label: &str) -> Self {
        let id = |s: &str| s.parse::<i64>().ok();
        match label.split_once(':') {
            Some(("user", n)) => id(n).map_or(ActorRef::System, ActorRef::User),
            Some(("apikey", n)) => id(n).map_or(ActorRef::System, ActorRef::ApiKey),
            _ => ActorRef::System,
        }
    }
}

/// A person who acted: their name, and every staff membership and house binding they ever had
/// (ended ones too, since a timeline names the role someone acted in after they have left).
#[derive(Clone, Debug, Default)]
pub struct Person {
    pub name: String,
    pub staff: Vec<entity::staff_member::Model>,
    pub bindings: Vec<entity::house_member::Model>,
}

impl Person {
    /// The role this person acted in for an event of `community_id` / `house_id` at `at`: a staff
    /// membership of that community live then, else their relation to the house.
    pub fn role_in(
        &self,
        community_id: Option<i64>,
        house_id: Option<i64>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> ActorRole {
        use entity::enums::{HouseRelation, StaffRole};
        let live = |s: &&entity::staff_member::Model| {
            s.created_at <= at && s.ended_at.is_none_or(|e| e > at)
        };
        let here = self.staff.iter().filter(live).find(|s| {
            s.role == StaffRole::Admin || community_id.is_none() || s.community_id == community_id
        });
        if let Some(s) = here {
            return s.role.into();
        }
        let binding = self
            .bindings
            .iter()
            .find(|b| Some(b.house_id) == house_id)
            .or_else(|| self.bindings.first());
        match binding {
            Some(b) if b.relation == HouseRelation::Owner => ActorRole::Owner,
            Some(_) => ActorRole::Resident,
            // Staff acting outside their own community (or since gone): the role they last held.
            None => self
                .staff
                .last()
                .map_or(ActorRole::Resident, |s| s.role.into()),
        }
    }
}

/// The people behind many user ids: three statements whatever their number.
pub async fn people(
    conn: &impl ConnectionTrait,
    user_ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, Person>> {
    use entity::{house_member, staff_member, user};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mut out: std::collections::HashMap<i64, Person> = std::collections::HashMap::new();
    for u in user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids.iter().copied()))
        .all(conn)
        .await?
    {
        out.insert(
            u.id,
            Person {
                name: u.display_name,
                ..Default::default()
            },
        );
    }
    for s in staff_member::Entity::find()
        .filter(staff_member::Column::UserId.is_in(user_ids.iter().copied()))
        .order_by_asc(staff_member::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(p) = out.get_mut(&s.user_id) {
            p.staff.push(s);
        }
    }
    for b in house_member::Entity::find()
        .filter(house_member::Column::UserId.is_in(user_ids.iter().copied()))
        .order_by_asc(house_member::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(p) = out.get_mut(&b.user_id) {
            p.bindings.push(b);
        }
    }
    Ok(out)
}
