//! The append-only event log (who, what, from, to, why, when) and the in-process bus that feeds
//! live subscriptions once the recording transaction has committed.
use crate::auth::Actor;
use crate::error::AppResult;
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
    pub subject_type: &'static str,
    pub subject_id: i64,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
}

impl NewEvent {
    /// An event about a record that belongs to house `h` (its community, house and building).
    pub fn about_house(h: &entity::house::Model, action: &'static str, subject_type: &'static str, subject_id: i64) -> Self {
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

#[derive(Clone)]
pub struct EventBus(broadcast::Sender<Arc<Published>>);

impl Default for EventBus {
    fn default() -> Self {
        Self(broadcast::channel(1024).0)
    }
}

impl EventBus {
    pub fn publish(&self, events: impl IntoIterator<Item = Published>) {
        for e in events {
            // No subscriber is fine: the row is already stored.
            let _ = self.0.send(Arc::new(e));
        }
    }
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.0.subscribe()
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
        subject_type: Set(e.subject_type.to_owned()),
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
pub async fn timelines(conn: &impl ConnectionTrait, subject_type: &str, ids: &[i64]) -> AppResult<std::collections::HashMap<i64, Vec<event::Model>>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mut out: std::collections::HashMap<i64, Vec<event::Model>> = std::collections::HashMap::new();
    for e in event::Entity::find()
        .filter(event::Column::SubjectType.eq(subject_type))
        .filter(event::Column::SubjectId.is_in(ids.iter().copied()))
        .order_by_asc(event::Column::Id)
        .all(conn)
        .await?
    {
        out.entry(e.subject_id).or_default().push(e);
    }
    Ok(out)
}
