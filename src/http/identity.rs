//! Turns presented credentials into the request's data: actor, language, loaders.
use crate::auth::Actor;
use crate::error::{AppResult, AuthProblem, Locale};
use crate::graphql::auth::ClientAddr;
use crate::graphql::batch::Passes;
use crate::graphql::loaders::Loaders;
use crate::service::{auth, Core, Cx};
use async_graphql::Data;
use std::sync::Arc;

/// Resolve `Authorization: Bearer …` or an API key; anything else is anonymous.
pub async fn resolve_actor(
    core: &Core,
    authorization: Option<&str>,
    api_key: Option<&str>,
) -> AppResult<Actor> {
    if let Some(key) = api_key {
        return auth::actor_from_api_key(core, key.trim()).await;
    }
    match authorization {
        None => Ok(Actor::Anonymous(AuthProblem::Missing)),
        Some(h) => match h
            .trim()
            .strip_prefix("Bearer ")
            .or_else(|| h.trim().strip_prefix("bearer "))
        {
            Some(token) => auth::actor_from_bearer(core, token.trim()).await,
            None => Ok(Actor::Anonymous(AuthProblem::Invalid)),
        },
    }
}

/// The per-request (or per-websocket) data every resolver relies on. `passes`: the HTTP
/// request's polls, which its loaders' batches watch (`graphql::batch`); None on a websocket.
pub fn request_data(
    core: &Arc<Core>,
    actor: Actor,
    locale: Locale,
    client: String,
    passes: Option<Arc<Passes>>,
) -> Data {
    let mut data = Data::default();
    data.insert(Loaders::new(&core.db, passes));
    data.insert(Arc::new(Cx::new(core.clone(), actor)));
    data.insert(locale);
    data.insert(ClientAddr(client));
    data
}
