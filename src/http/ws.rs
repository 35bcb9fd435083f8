//! `/graphql/ws`: subscriptions over `graphql-transport-ws`. The access token (or API key) is
//! checked once in `connection_init`; the socket closes with the protocol's codes, which
//! clients act on (graphql-ws stops retrying on 4403 and 4401, and asks its app to sign in
//! again): 4403 Forbidden for a missing or bad token in `connection_init`, 4401 Unauthorized
//! for a `subscribe` before `connection_ack`, 4400 for a message that is not the protocol's.
use super::identity::{request_data, resolve_actor};
use super::AppState;
use crate::auth::Actor;
use crate::error::{AppError, Locale};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// How `connection_init` ended, for the close code (`close_code`).
const INIT_OPEN: u8 = 0;
/// The credentials were missing or not valid.
const INIT_REFUSED: u8 = 1;
/// Checking them failed on the server's side (the database).
const INIT_FAILED: u8 = 2;

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
            let init = Arc::new(AtomicU8::new(INIT_OPEN));
            let (sink, stream) = socket.split();
            let sink = sink.with({
                let init = init.clone();
                move |msg: Message| {
                    std::future::ready(Ok::<_, axum::Error>(close_code(
                        msg,
                        init.load(Ordering::SeqCst),
                    )))
                }
            });
            GraphQLWebSocket::new_with_pair(sink, stream, shared.ws_schema, protocol)
                .on_connection_init(move |payload| async move {
                    let field =
                        |k: &str| payload.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                    let auth = field("Authorization")
                        .or_else(|| field("authorization"))
                        .or_else(|| field("token").map(|t| format!("Bearer {t}")));
                    let key = field("X-Api-Key").or_else(|| field("apiKey"));
                    let actor = match resolve_actor(&core, auth.as_deref(), key.as_deref()).await {
                        Ok(actor) => actor,
                        Err(e) => {
                            init.store(INIT_FAILED, Ordering::SeqCst);
                            return Err(e.into());
                        }
                    };
                    if let Actor::Anonymous(problem) = actor {
                        init.store(INIT_REFUSED, Ordering::SeqCst);
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

/// The close frame graphql-transport-ws asks for in place of the engine's: it closes a refused
/// `connection_init` with 1002 and its message (the same code as for a message it cannot
/// read), and a `subscribe` before `connection_ack` with 1011. Every other message passes.
/// The legacy `graphql-ws` protocol answers a refused init with a `connection_error` message,
/// not a close, and is left as it is.
fn close_code(msg: Message, init: u8) -> Message {
    let Message::Close(Some(frame)) = &msg else {
        return msg;
    };
    let (code, reason) = match (frame.code, init) {
        (1002, INIT_REFUSED) => (4403, "Forbidden"),
        (1002, INIT_FAILED) => (1011, "Internal server error"),
        (1002, _) => (4400, "Invalid message"),
        (1011, _) => (4401, "Unauthorized"),
        _ => return msg,
    };
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}
