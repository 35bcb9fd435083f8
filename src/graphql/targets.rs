//! The manager's targets board: the handbooks' quality goals computed live, and what is about to
//! miss its deadline.
use super::cx;
use crate::domain::{GlobalId, NodeKind};
use crate::error::AppError;
use crate::service::targets::{self as svc, AtRiskKind, TargetKey};
use async_graphql::{Context, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};

/// One quality goal for the period: the target, the value, what was counted, and whether it is met.
#[derive(SimpleObject)]
pub struct TargetFigure {
    /// Which goal.
    pub key: TargetKey,
    /// The handbook's name for it.
    pub name: String,
    /// The target, basis points (9000 = 90.00%).
    pub target_bps: i64,
    /// The value, basis points, rounded down; null when nothing is settled yet.
    pub value_bps: Option<i64>,
    /// What was counted (e.g. complaints return-visited; fen collected).
    pub numerator: i64,
    /// Out of what: the items settled, done by their deadline or past it (e.g. complaints
    /// registered; fen due).
    pub denominator: i64,
    /// Items still inside their deadline and not done, in the denominator's unit (fen for the
    /// collection rate): neither met nor missed yet, so counted in neither.
    pub due_soon: i64,
    /// Whether the value reaches the target; null when nothing is settled yet.
    pub met: Option<bool>,
}

/// Open work about to miss (or past) its deadline.
#[derive(SimpleObject)]
pub struct AtRiskItem {
    /// What kind of work.
    pub kind: AtRiskKind,
    /// The record to open (a repair order, a complaint, a renovation).
    pub subject_id: ID,
    /// What it is about.
    pub summary: String,
    /// When it is due (UTC).
    pub due_at: DateTime<Utc>,
    /// Already past its deadline.
    pub overdue: bool,
}

/// A community's targets for one month.
pub struct TargetsBoard {
    community_id: i64,
    period: String,
    figures: Vec<svc::Figure>,
}

/// The quality goals of a community for a month, and what to catch before a target slips.
#[Object]
impl TargetsBoard {
    /// The month, `YYYY-MM`.
    async fn period(&self) -> &str {
        &self.period
    }
    /// Every goal, computed from the recorded events.
    async fn figures(&self) -> Vec<TargetFigure> {
        self.figures
            .iter()
            .map(|f| TargetFigure {
                key: f.key,
                name: f.key.name().to_owned(),
                target_bps: f.key.target_bps(),
                value_bps: f.value_bps(),
                numerator: f.numerator,
                denominator: f.denominator,
                due_soon: f.due_soon,
                met: f.met(),
            })
            .collect()
    }
    /// Repairs, follow-ups, complaint replies and rectifications due within the next hours (or
    /// already late), soonest first.
    async fn at_risk(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How far ahead to look, in hours (1–168, default 24).",
            default = 24
        )]
        within_hours: i32,
    ) -> Result<Vec<AtRiskItem>> {
        if !(1..=168).contains(&within_hours) {
            return Err(AppError::bad_input(
                "withinHours",
                "withinHours 应在 1 到 168 之间",
                "withinHours must be 1–168",
            )
            .into());
        }
        let now = crate::service::now();
        let rows = svc::at_risk(
            cx(ctx),
            self.community_id,
            chrono::Duration::hours(within_hours as i64),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AtRiskItem {
                kind: r.kind,
                subject_id: r.subject_id,
                summary: r.summary,
                overdue: r.due_at < now,
                due_at: r.due_at,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct TargetsQuery;

#[Object]
impl TargetsQuery {
    /// The targets board of a community for a month (its manager; admins).
    async fn targets_board(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community.")] community_id: ID,
        #[graphql(desc = "The month, YYYY-MM.")] period: String,
    ) -> Result<TargetsBoard> {
        let c = GlobalId::decode_as("communityId", &community_id, NodeKind::Community)?;
        let figures = svc::board(cx(ctx), c, &period).await?;
        Ok(TargetsBoard {
            community_id: c,
            period,
            figures,
        })
    }
}
