//! Smart cards as the owner app, the card desk and the access-control system see them.
use super::connection::{connection, page_args};
use super::loaders::load_one;
use super::{cx, loaders};
use crate::domain::{GlobalId, NodeKind};
use crate::error::AppError;
use crate::service::cards;
use async_graphql::{Context, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::enums::{CardKind, CardState};
use entity::{card, card_change};

fn card_id(raw: &ID) -> Result<i64> {
    Ok(GlobalId::decode_as("cardId", raw, NodeKind::Card)?)
}

/// An access or vehicle card.
pub struct Card(pub card::Model);

/// A card, its holder and whether it works.
#[Object]
impl Card {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::Card, self.0.id)
    }
    /// The card number.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// Access or vehicle.
    async fn kind(&self) -> CardKind {
        self.0.kind
    }
    /// Whether it works, and if not why.
    async fn state(&self) -> CardState {
        self.0.state
    }
    /// The holder's name.
    async fn holder_name(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load_one(loaders(ctx).user(), self.0.holder_user_id)
            .await?
            .display_name)
    }
    /// When it was issued.
    async fn issued_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One change of a card's state, as an access-control system syncs it.
pub struct CardChange(pub card_change::Model);

/// A card's new state.
#[Object]
impl CardChange {
    /// The card number.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// Access or vehicle.
    async fn kind(&self) -> CardKind {
        self.0.kind
    }
    /// The state from now on; only ACTIVE opens anything.
    async fn state(&self) -> CardState {
        self.0.state
    }
    /// When (UTC).
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// A batch of card changes and where to continue.
#[derive(SimpleObject)]
pub struct CardChangesPage {
    /// The changes, oldest first.
    pub changes: Vec<CardChange>,
    /// Pass as `after` next time (unchanged when there was nothing new).
    pub cursor: String,
    /// Whether more changes are waiting right now.
    pub has_more: bool,
}

crate::connection_type!(CardConnection, CardEdge, Card, "cards");

#[derive(Default)]
pub struct CardQuery;

#[Object]
impl CardQuery {
    /// The caller's cards and those of the houses they own.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn my_cards(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<CardConnection> {
        let page = cards::mine(cx(ctx), &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, Card))
    }
    /// The community's cards that work now (API key with CARDS_READ; reception, manager, security).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn active_cards(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<CardConnection> {
        let c = GlobalId::decode_as("communityId", &community_id, NodeKind::Community)?;
        let page = cards::active(cx(ctx), c, &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, Card))
    }
    /// Card changes since a cursor, for an access-control system to sync: call with the last
    /// `cursor` you got (or none the first time) until `hasMore` is false.
    async fn card_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "The cursor from the previous call; omit to start from the beginning.")]
        after: Option<String>,
        #[graphql(
            desc = "At most this many changes (1–500, default 100).",
            default = 100
        )]
        limit: i32,
    ) -> Result<CardChangesPage> {
        let c = GlobalId::decode_as("communityId", &community_id, NodeKind::Community)?;
        let after_id = match after.as_deref() {
            None | Some("") => 0,
            Some(a) => a
                .parse::<i64>()
                .map_err(|_| AppError::bad_input("after", "同步游标无效", "Invalid sync cursor"))?,
        };
        if !(1..=500).contains(&limit) {
            return Err(AppError::bad_input(
                "limit",
                "limit 应在 1 到 500 之间",
                "limit must be 1–500",
            )
            .into());
        }
        let (rows, has_more) = cards::changes(cx(ctx), c, after_id, limit as u64).await?;
        let cursor = rows.last().map(|r| r.id).unwrap_or(after_id).to_string();
        Ok(CardChangesPage {
            changes: rows.into_iter().map(CardChange).collect(),
            cursor,
            has_more,
        })
    }
}

#[derive(Default)]
pub struct CardMutation;

#[Object]
impl CardMutation {
    /// Issue a card to a resident of a house (reception, manager). A number already in use is CONFLICT.
    async fn issue_card(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The house.")] house_id: ID,
        #[graphql(desc = "The holder's house membership.")] holder_member_id: ID,
        #[graphql(desc = "Access or vehicle.")] kind: CardKind,
        #[graphql(desc = "The card number.")] number: String,
    ) -> Result<Card> {
        let cx = cx(ctx);
        let h = GlobalId::decode_as("houseId", &house_id, NodeKind::House)?;
        let m = crate::service::members::member(
            cx,
            GlobalId::decode_as("holderMemberId", &holder_member_id, NodeKind::HouseMember)?,
        )
        .await?;
        Ok(Card(cards::issue(cx, h, m.user_id, kind, &number).await?))
    }
    /// 挂失: the card stops working the moment this returns (holder, house owner, desk).
    async fn report_card_lost(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The card.")] card_id: ID,
    ) -> Result<Card> {
        Ok(Card(
            cards::report(cx(ctx), self::card_id(&card_id)?, false).await?,
        ))
    }
    /// 报损: a damaged card stops working; replace it at the desk.
    async fn report_card_damaged(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The card.")] card_id: ID,
    ) -> Result<Card> {
        Ok(Card(
            cards::report(cx(ctx), self::card_id(&card_id)?, true).await?,
        ))
    }
    /// 解挂: a lost card found again works again, unless it was replaced.
    async fn reactivate_card(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The card.")] card_id: ID,
    ) -> Result<Card> {
        Ok(Card(
            cards::reactivate(cx(ctx), self::card_id(&card_id)?).await?,
        ))
    }
    /// 补办 (reception, manager): a new card with a new number; the old one never works again and
    /// the replacement fee is billed to the house.
    async fn replace_card(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lost or damaged card.")] card_id: ID,
        #[graphql(desc = "The new card's number.")] new_number: String,
    ) -> Result<Card> {
        Ok(Card(
            cards::replace(cx(ctx), self::card_id(&card_id)?, &new_number).await?,
        ))
    }
}
