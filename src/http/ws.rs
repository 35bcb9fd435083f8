//! `/graphql/ws`: subscriptions over `graphql-transport-ws`. The access token (or API key) is
//! checked once in `connection_init`; a bad one closes the socket (4403).
use super::identity::{request_data, resolve_actor};
use crate::app::AppState;
use crate::auth::Actor;
use crate::error::{AppError, Locale};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use std::net::SocketAddr;

pub async fn handler(
    State(state): State<AppState>,
    Extension(shared): Extension<super::GraphqlShared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let locale =
        Locale::from_accept_language(headers.get("accept-language").and_then(|v| v.to_str().ok()));
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let core = state.core.clone();
            GraphQLWebSocket::new(socket, shared.ws_schema, protocol)
                .on_connection_init(move |payload| async move {
                    let field =
                        |k: &str| payload.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                    let auth = field("Authorization")
                        .or_else(|| field("authorization"))
                        .or_else(|| field("token").map(|t| format!("Bearer {t}")));
                    let key = field("X-Api-Key").or_else(|| field("apiKey"));
                    let actor = resolve_actor(&core, auth.as_deref(), key.as_deref()).await?;
                    if let Actor::Anonymous(problem) = actor {
                        return Err(AppError::Unauthenticated(problem).into());
                    }
                    Ok(request_data(
                        &core,
                        actor,
                        locale,
                        addr.ip().to_string(),
                        None,
                    ))
                })
                .serve()
                .await
        })
}
