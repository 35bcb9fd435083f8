//! Notices (停水、停电, community news) as staff publish them and residents read and receive them.
use super::connection::{connection, page_args};
use super::estate::Building;
use super::id_of;
use super::loaders::children_of;
use super::{cx, loaders};
use crate::domain::{GlobalId, NodeKind};
use crate::error::AppError;
use crate::service::notices;
use crate::service::Cx;
use async_graphql::{Context, InputObject, Object, Result, Subscription, ID};
use chrono::{DateTime, Utc};
use entity::enums::NoticeKind;
use entity::notice;
use futures_util::Stream;
use std::sync::Arc;

/// A notice to residents.
pub struct Notice(pub notice::Model);

/// An outage notice or a piece of community news, and whom it reaches.
#[Object]
impl Notice {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::Notice, self.0.id)
    }
    /// Water, power or gas cut, news, or other.
    async fn kind(&self) -> NoticeKind {
        self.0.kind
    }
    /// The headline.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The full text.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// When the outage (or event) starts (UTC).
    async fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.0.starts_at
    }
    /// When it ends (UTC); moved when an outage is extended or ended early.
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    /// True when addressed to every house of the community.
    async fn whole_community(&self) -> bool {
        self.0.whole_community
    }
    /// The buildings it is addressed to (empty for the whole community).
    async fn buildings(&self, ctx: &Context<'_>) -> Result<Vec<Building>> {
        let l = loaders(ctx);
        let ids: Vec<i64> = children_of(l.notice_buildings(), self.0.id)
            .await?
            .iter()
            .map(|r| r.building_id)
            .collect();
        // One batch for all of them, not one round per building.
        let mut found = l
            .building()
            .load_many(ids.iter().copied())
            .await
            .map_err(|e| AppError::internal("buildings", format!("{e:?}")))?;
        Ok(ids
            .iter()
            .filter_map(|b| found.remove(b))
            .map(Building)
            .collect())
    }
    /// When it was published (UTC).
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }
    /// When it was last updated (UTC), if ever.
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.0.updated_at
    }
    /// 1 when published, +1 with every update: the newest copy has the highest.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Publish a notice.
#[derive(InputObject)]
pub struct PublishNoticeInput {
    /// The community.
    pub community_id: ID,
    /// Water, power or gas cut, news, or other.
    pub kind: NoticeKind,
    /// The headline (1–100 characters).
    pub title: String,
    /// The full text (1–5000 characters).
    pub body: String,
    /// Start (required for cuts).
    pub starts_at: Option<DateTime<Utc>>,
    /// End, after the start (required for cuts).
    pub ends_at: Option<DateTime<Utc>>,
    /// The buildings affected; omit or leave empty for the whole community (a butler: only
    /// their own buildings).
    pub building_ids: Option<Vec<ID>>,
}

/// Change a published notice; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateNoticeInput {
    /// A new headline.
    pub title: Option<String>,
    /// A new text.
    pub body: Option<String>,
    /// A new start.
    pub starts_at: Option<DateTime<Utc>>,
    /// A new end (extend or shorten the outage).
    pub ends_at: Option<DateTime<Utc>>,
    /// The outage is over now (ended early, or called off).
    #[graphql(default)]
    pub end_now: bool,
}

crate::connection_type!(NoticeConnection, NoticeEdge, Notice, "notices");

#[derive(Default)]
pub struct NoticeQuery;

#[Object]
impl NoticeQuery {
    /// Notices reaching the houses the caller lives in, newest first (`first: 3` for the home
    /// screen).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn my_notices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (older ones).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (newer ones).")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<NoticeConnection> {
        let page = notices::mine(cx(ctx), &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, Notice))
    }
    /// A community's notices, newest first (its staff).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn notices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "Items after this cursor (older ones).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (newer ones).")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<NoticeConnection> {
        let c = id_of("communityId", &community_id, NodeKind::Community)?;
        let page =
            notices::of_community(cx(ctx), c, &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, Notice))
    }
}

#[derive(Default)]
pub struct NoticeMutation;

#[Object]
impl NoticeMutation {
    /// Publish a notice to the whole community or to some buildings (butler: their buildings;
    /// reception, manager). Residents in scope receive it live. Cuts need a start before the end.
    async fn publish_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice.")] input: PublishNoticeInput,
    ) -> Result<Notice> {
        let d = notices::Draft {
            community_id: id_of("communityId", &input.community_id, NodeKind::Community)?,
            kind: input.kind,
            title: input.title,
            body: input.body,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            building_ids: input
                .building_ids
                .unwrap_or_default()
                .iter()
                .map(|b| id_of("buildingIds", b, NodeKind::Building))
                .collect::<Result<_>>()?,
        };
        Ok(Notice(notices::publish(cx(ctx), d).await?))
    }
    /// Update a notice (extend an outage, end it early, correct the text); the same residents
    /// receive the update live.
    async fn update_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice.")] notice_id: ID,
        #[graphql(desc = "What changes.")] input: UpdateNoticeInput,
    ) -> Result<Notice> {
        let id = id_of("noticeId", &notice_id, NodeKind::Notice)?;
        let p = notices::Patch {
            title: input.title,
            body: input.body,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            end_now: input.end_now,
        };
        Ok(Notice(notices::update(cx(ctx), id, p).await?))
    }
}

#[derive(Default)]
pub struct NoticeSubscription;

#[Subscription]
impl NoticeSubscription {
    /// Notices as they are published or updated, for the houses the caller lives in (staff:
    /// their community's). Authenticate in `connection_init`.
    async fn notices(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Notice> + use<>> {
        let cx: Arc<Cx> = ctx.data_unchecked::<Arc<Cx>>().clone();
        cx.actor.require_signed_in()?;
        let reach = cx.reach().await?.clone();
        let staff = cx.actor.staff().cloned();
        let user_id = cx.actor.user().ok().map(|u| u.user_id);
        let mut rx = cx.core.bus.subscribe();
        Ok(async_stream::stream! {
            loop {
                match rx.recv().await {
                    Ok(p) => {
                        // The event's audience was fixed at publish time to the residents in
                        // scope; reading the notice checks the scope once more.
                        if p.event.subject_type == "Notice" && crate::service::access::may_see_event(&reach, user_id, staff.as_ref(), &p) {
                            if let Ok(n) = notices::get(&cx, p.event.subject_id).await {
                                yield Notice(n);
                            }
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                }
            }
        })
    }
}
