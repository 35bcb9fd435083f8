//! Live activity over websockets: recorded events the caller may see, as they are committed.
use super::{cx, loaders};
use crate::domain::{GlobalId, NodeKind};
use crate::error::AppError;
use crate::service::events::{ActorRef, ActorRole, Published};
use async_graphql::{Context, Object, Result, Subscription, ID};
use chrono::{DateTime, Utc};
use entity::event;
use futures_util::Stream;
use std::sync::Arc;

pub struct Event(pub Arc<Published>);

/// One recorded change: who did what to which record, from which state to which, and why.
#[Object]
impl Event {
    /// Action name, e.g. `house_member.invited`.
    async fn action(&self) -> &str {
        &self.0.event.action
    }
    /// Type of the record changed, e.g. HouseMember.
    async fn subject_type(&self) -> &str {
        &self.0.event.subject_type
    }
    /// Global id of the record changed (fetch it with `node(id:)`). Every event recorded names
    /// one; null only for events of record types this server no longer has.
    async fn subject_id(&self) -> Option<ID> {
        subject_id(&self.0.event)
    }
    /// State before, if the record has states.
    async fn from_state(&self) -> Option<&str> {
        self.0.event.from_state.as_deref()
    }
    /// State after.
    async fn to_state(&self) -> Option<&str> {
        self.0.event.to_state.as_deref()
    }
    /// The reason given, if any.
    async fn reason(&self) -> Option<&str> {
        self.0.event.reason.as_deref()
    }
    /// When it happened (UTC).
    async fn at(&self) -> DateTime<Utc> {
        self.0.event.at
    }
    /// Who did it: the person's display name, or the API key's name; null for the system.
    async fn actor_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(actor_of(ctx, &self.0.event).await?.0)
    }
    /// The role they did it in.
    async fn actor_role(&self, ctx: &Context<'_>) -> Result<ActorRole> {
        Ok(actor_of(ctx, &self.0.event).await?.1)
    }
}

/// The global id of an event's subject: every kind an event writer can name is a `NodeKind`.
fn subject_id(e: &event::Model) -> Option<ID> {
    NodeKind::named(&e.subject_type).map(|k| GlobalId::encode(k, e.subject_id))
}

/// Who acted in an event, as a name and the role they acted in (batched per request).
async fn actor_of(ctx: &Context<'_>, e: &event::Model) -> Result<(Option<String>, ActorRole)> {
    let l = loaders(ctx);
    let failed =
        |err: std::sync::Arc<AppError>| AppError::internal("event actor", format!("{err:?}"));
    Ok(match ActorRef::parse(&e.actor) {
        ActorRef::User(id) => match l.people().load_one(id).await.map_err(failed)? {
            Some(p) => {
                let role = p.role_in(e.community_id, e.house_id, e.at);
                (Some(p.name), role)
            }
            None => (None, ActorRole::Resident),
        },
        ActorRef::ApiKey(id) => (
            l.api_key()
                .load_one(id)
                .await
                .map_err(failed)?
                .map(|k| k.name),
            ActorRole::Integrator,
        ),
        ActorRef::System => (None, ActorRole::System),
    })
}

/// One recorded step of a record's history (a repair order, complaint, renovation, move
/// booking, key or key opening).
pub struct TimelineEntry(pub event::Model);

/// A step in a record's history: who did what, from which state to which, why and when.
#[Object]
impl TimelineEntry {
    /// What happened, e.g. repair.dispatched.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// State before.
    async fn from_state(&self) -> Option<&str> {
        self.0.from_state.as_deref()
    }
    /// State after.
    async fn to_state(&self) -> Option<&str> {
        self.0.to_state.as_deref()
    }
    /// The reason or comment given.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// When (UTC).
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Who did it: the person's display name, or the API key's name; null for the system.
    async fn actor_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(actor_of(ctx, &self.0).await?.0)
    }
    /// The role they did it in (OWNER, BUTLER, TECHNICIAN ...).
    async fn actor_role(&self, ctx: &Context<'_>) -> Result<ActorRole> {
        Ok(actor_of(ctx, &self.0).await?.1)
    }
}

/// A record's timeline from one of the per-request timeline loaders, oldest first.
pub async fn timeline(
    loader: &super::batch::Batcher<super::loaders::Timeline>,
    id: i64,
) -> Result<Vec<TimelineEntry>> {
    let rows = loader
        .load_one(id)
        .await
        .map_err(|e| AppError::internal("timeline", format!("{e:?}")))?;
    Ok(rows
        .unwrap_or_default()
        .into_iter()
        .map(TimelineEntry)
        .collect())
}

#[derive(Default)]
pub struct ActivitySubscription;

#[Subscription]
impl ActivitySubscription {
    /// Events as they happen: staff see their community's (a butler, their buildings'), owners
    /// and residents those of their houses. Authenticate in `connection_init`.
    async fn activity(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Event> + use<>> {
        let cx = cx(ctx);
        cx.actor.require_signed_in()?;
        let reach = cx.reach().await?.clone();
        let staff = cx.actor.staff().cloned();
        let user_id = cx.actor.user().ok().map(|u| u.user_id);
        let mut rx = cx.core.bus.subscribe();
        Ok(async_stream::stream! {
            loop {
                match rx.recv().await {
                    Ok(p) => {
                        if crate::service::access::may_see_event(&reach, user_id, staff.as_ref(), &p) {
                            yield Event(p);
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                }
            }
        })
    }
}
