//! `/graphql/ws`: subscriptions over `graphql-transport-ws`. The access token (or API key) is
//! checked in `connection_init`; the socket closes with the protocol's codes, which
//! clients act on (graphql-ws stops retrying on 4403 and 4401, and asks its app to sign in
//! again): 4403 Forbidden for a missing or bad token in `connection_init`, 4401 Unauthorized
//! for a `subscribe` before `connection_ack`, 4400 for a message that is not the protocol's.
//!
//! A socket lives no longer than the access it was opened with: it closes with 4403 when its
//! session is revoked (logout, a reused refresh token), when the person's staff membership or
//! house binding changes (`Ended`, from any server), and when its access token expires, unless
//! the client sent a fresh token of the same session first, as a `ping` whose payload is
//! `{"token": "<access token>"}` (the `pong` answers `{"expiresAt": ...}`).
use super::identity::{request_data, resolve_actor};
use super::AppState;
use crate::auth::Actor;
use crate::error::{AppError, AuthProblem, Locale};
use crate::service::events::Ended;
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
use tokio::sync::{broadcast, watch};

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
            // Taken before the credentials are checked, so an end announced meanwhile is seen.
            let ended = core.bus.ended();
            let init = Arc::new(AtomicU8::new(INIT_OPEN));
            let (who_tx, who_rx) = watch::channel::<Option<Who>>(None);
            let (mut sink, stream) = socket.split();
            // The engine writes here; the loop below forwards to the socket, and is the one
            // that closes it when the access ends.
            let (out_tx, mut out_rx) = futures_channel::mpsc::channel::<Message>(8);
            let on_ping = {
                let (core, init, who_tx) = (core.clone(), init.clone(), who_tx.clone());
                move |_: Option<&async_graphql::Data>, payload: Option<serde_json::Value>| {
                    refreshed(core, init, who_tx, payload)
                }
            };
            let engine = GraphQLWebSocket::new_with_pair(
                out_tx,
                stream,
                shared.ws_schema,
                protocol,
            )
            .on_connection_init({
                let (core, init) = (core.clone(), init.clone());
                move |payload| async move {
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
                    if let (Actor::User(u), Some(token)) = (&actor, auth.as_deref().and_then(bearer)) {
                        if let Ok((_, _, exp)) = core.jwt.verify_claims(token) {
                            let _ = who_tx.send(Some(Who {
                                user_id: u.user_id,
                                session_id: u.session_id.clone(),
                                token: token.to_owned(),
                                expires_at: exp,
                            }));
                        }
                    }
                    Ok(request_data(
                        &core,
                        actor,
                        locale,
                        addr.ip().to_string(),
                        None,
                    ))
                }
            })
            .on_ping(on_ping)
            .serve();
            let engine = tokio::spawn(engine);
            let mut until = std::pin::pin!(until_ended(core, ended, who_rx));
            loop {
                tokio::select! {
                    msg = out_rx.next() => match msg {
                        Some(msg) => {
                            if sink.send(close_code(msg, init.load(Ordering::SeqCst))).await.is_err() {
                                break;
                            }
                        }
                        None => break,
                    },
                    reason = &mut until => {
                        let _ = sink
                            .send(Message::Close(Some(CloseFrame { code: 4403, reason: reason.into() })))
                            .await;
                        break;
                    }
                }
            }
            // Its subscriptions end with it, whether or not the client answers the close.
            engine.abort();
        })
}

/// Whose access a socket was opened with, and until when.
#[derive(Clone)]
struct Who {
    user_id: i64,
    session_id: String,
    /// The latest access token presented on the socket (re-checked if announcements were lost).
    token: String,
    /// Its expiry, seconds since the epoch.
    expires_at: i64,
}

fn bearer(auth: &str) -> Option<&str> {
    let auth = auth.trim();
    auth.strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
        .map(str::trim)
}

/// A `ping`: with a token in its payload, the client refreshed its access token (same session,
/// same person), and the socket now lives until that one expires. Any other token closes it.
async fn refreshed(
    core: Arc<crate::service::Core>,
    init: Arc<AtomicU8>,
    who: watch::Sender<Option<Who>>,
    payload: Option<serde_json::Value>,
) -> async_graphql::Result<Option<serde_json::Value>> {
    let Some(payload) = payload else {
        return Ok(None);
    };
    let field = |k: &str| payload.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let Some(token) = field("token").or_else(|| {
        field("Authorization")
            .or_else(|| field("authorization"))
            .and_then(|a| bearer(&a).map(str::to_owned))
    }) else {
        return Ok(None);
    };
    let current = who.borrow().clone();
    let actor = match crate::service::auth::actor_from_bearer(&core, &token).await {
        Ok(actor) => actor,
        Err(e) => {
            init.store(INIT_FAILED, Ordering::SeqCst);
            return Err(e.into());
        }
    };
    let fresh = match (&actor, &current, core.jwt.verify_claims(&token)) {
        (Actor::User(u), Some(w), Ok((_, _, exp)))
            if u.user_id == w.user_id && u.session_id == w.session_id =>
        {
            Some(exp)
        }
        _ => None,
    };
    let (Some(exp), Some(w)) = (fresh, current) else {
        init.store(INIT_REFUSED, Ordering::SeqCst);
        return Err(AppError::Unauthenticated(AuthProblem::Invalid).into());
    };
    let _ = who.send(Some(Who {
        token,
        expires_at: exp,
        ..w
    }));
    let at = chrono::DateTime::from_timestamp(exp, 0).map(|t| t.to_rfc3339());
    Ok(Some(serde_json::json!({ "expiresAt": at })))
}

/// Resolves when the socket's access has ended, with the close frame's reason.
async fn until_ended(
    core: Arc<crate::service::Core>,
    mut ended: broadcast::Receiver<Ended>,
    mut who: watch::Receiver<Option<Who>>,
) -> &'static str {
    // Ends announced before the credentials were checked: they may concern them.
    let mut early: Vec<Ended> = vec![];
    let mut watching = true;
    loop {
        let current = who.borrow_and_update().clone();
        if let Some(w) = &current {
            for e in early.drain(..) {
                if let Some(reason) = concerns(&e, w) {
                    return reason;
                }
            }
        }
        let expiry = async {
            match &current {
                Some(w) => {
                    let left = w.expires_at - chrono::Utc::now().timestamp();
                    tokio::time::sleep(std::time::Duration::from_secs(left.max(0) as u64)).await
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            changed = who.changed(), if watching => watching = changed.is_ok(),
            () = expiry => return "Token expired",
            e = ended.recv() => match (e, &current) {
                (Ok(e), Some(w)) => {
                    if let Some(reason) = concerns(&e, w) {
                        return reason;
                    }
                }
                (Ok(e), None) => early.push(e),
                // Some announcements were lost: ask the database whether the session still holds.
                (Err(broadcast::error::RecvError::Lagged(_)), Some(w)) => {
                    match crate::service::auth::actor_from_bearer(&core, &w.token).await {
                        Ok(Actor::User(u)) if u.session_id == w.session_id => {}
                        _ => return "Session ended",
                    }
                }
                (Err(broadcast::error::RecvError::Lagged(_)), None) => {}
                (Err(broadcast::error::RecvError::Closed), _) => {
                    std::future::pending::<()>().await
                }
            },
        }
    }
}

/// Whether an announced end closes the socket of `w`, and why.
fn concerns(e: &Ended, w: &Who) -> Option<&'static str> {
    match e {
        Ended::Session(s) if *s == w.session_id => Some("Session ended"),
        Ended::User(u) if *u == w.user_id => Some("Access changed"),
        _ => None,
    }
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
