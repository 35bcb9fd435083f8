//! The GraphQL schema: `build_schema()` merges one query/mutation object per domain.
pub mod auth;
pub mod batch;
pub mod cards;
pub mod complaints;
pub mod connection;
pub mod estate;
pub mod events;
pub mod extension;
pub mod fees;
pub mod guard;
pub mod keys;
pub mod loaders;
pub mod members;
pub mod moves;
pub mod node;
pub mod notices;
pub mod patrols;
pub mod renovation;
pub mod repairs;
pub mod staff;
pub mod targets;
pub mod text;

use crate::config::Limits;
use crate::service::Cx;
use async_graphql::{Context, MergedObject, MergedSubscription, Schema};
use std::sync::Arc;

/// Read the estate, its people and your own profile. Start with `me`.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    members::MeQuery,
    estate::EstateQuery,
    fees::FeeQuery,
    repairs::RepairQuery,
    renovation::RenovationQuery,
    cards::CardQuery,
    moves::MoveQuery,
    keys::KeyQuery,
    complaints::ComplaintQuery,
    notices::NoticeQuery,
    patrols::PatrolQuery,
    targets::TargetsQuery,
);

/// Sign in, manage house members, staff and API keys, fees and payments.
#[derive(MergedObject, Default)]
pub struct Mutation(
    auth::AuthMutation,
    members::MemberMutation,
    staff::StaffMutation,
    fees::FeeMutation,
    repairs::RepairMutation,
    renovation::RenovationMutation,
    cards::CardMutation,
    moves::MoveMutation,
    keys::KeyMutation,
    complaints::ComplaintMutation,
    notices::NoticeMutation,
    patrols::PatrolMutation,
);

/// Live feeds over `/graphql/ws` (graphql-transport-ws; authenticate in `connection_init`).
#[derive(MergedSubscription, Default)]
pub struct Subscription(events::ActivitySubscription, notices::NoticeSubscription);

pub type GuanjiaSchema = Schema<Query, Mutation, Subscription>;

/// The schema `/graphql` executes over HTTP: no async-graphql extension (see
/// `extension.rs`: the HTTP layer parses, caps aliases and spots request errors itself).
pub fn build_schema(limits: &Limits, introspection: bool) -> GuanjiaSchema {
    schema_builder(limits, introspection).finish()
}

/// The schema `/graphql` executes a document with when the same document and operation passed
/// validation before, also without variables (`extension::Validation::Passed`): the validation
/// rules are skipped, the depth and complexity limits are still checked.
pub fn build_prevalidated_schema(limits: &Limits, introspection: bool) -> GuanjiaSchema {
    schema_builder(limits, introspection)
        .validation_mode(async_graphql::ValidationMode::Fast)
        .finish()
}

/// The schema `/graphql/ws` serves: the same types and limits, plus the extension that caps
/// aliases through the server's `Documents` and localizes subscription events' errors.
pub fn build_ws_schema(
    limits: &Limits,
    introspection: bool,
    documents: std::sync::Arc<extension::Documents>,
) -> GuanjiaSchema {
    schema_builder(limits, introspection)
        .extension(extension::RequestPolicy::new(documents, !introspection))
        .finish()
}

fn schema_builder(
    limits: &Limits,
    introspection: bool,
) -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    // No `limit_depth`: `extension::Documents` holds every document to `max_depth` as it is
    // parsed, counting the standard introspection query's `ofType` chain as the engine cannot.
    let b = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_complexity(limits.max_complexity)
    .limit_directives(10);
    if introspection {
        b
    } else {
        // A stranger must not learn field names from "Did you mean" either.
        b.disable_introspection().disable_suggestions()
    }
}

/// The SDL the server serves (what `schema.graphql` must equal).
pub fn sdl() -> String {
    build_schema(&Limits::default(), true).sdl()
}

/// The row id inside a global id argument, which must name a row of `kind`; a bad one is
/// BAD_USER_INPUT naming `field`.
pub fn id_of(
    field: &str,
    raw: &async_graphql::ID,
    kind: crate::domain::NodeKind,
) -> async_graphql::Result<i64> {
    Ok(crate::domain::GlobalId::decode_as(field, raw, kind)?)
}

/// The request context every resolver hands to the services.
pub fn cx<'a>(ctx: &Context<'a>) -> &'a Cx {
    ctx.data_unchecked::<Arc<Cx>>()
}

pub fn loaders<'a>(ctx: &Context<'a>) -> &'a loaders::Loaders {
    ctx.data_unchecked::<loaders::Loaders>()
}
