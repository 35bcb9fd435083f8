//! Live activity over websockets: recorded events the caller may see, as they are committed.
use super::cx;
use crate::domain::{GlobalId, NodeKind};
use crate::service::events::Published;
use async_graphql::{Context, Object, Result, Subscription, ID};
use chrono::{DateTime, Utc};
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
    /// Global id of the record changed.
    async fn subject_id(&self) -> Option<ID> {
        let kind = [
            NodeKind::HouseMember,
            NodeKind::StaffMember,
            NodeKind::ApiKey,
            NodeKind::House,
            NodeKind::Complaint,
            NodeKind::Notice,
        ]
        .into_iter()
        .find(|k| k.name() == self.0.event.subject_type)?;
        Some(GlobalId::encode(kind, self.0.event.subject_id))
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
