//! HTTP adapter: `/graphql` (POST, GET, GraphiQL and its files under `/graphiql/`), `/graphql/ws`,
//! `/healthz`, `/readyz`, and CORS for the browser apps of the origins configured.
pub mod apq;
mod files;
mod graphql;
mod health;
mod identity;
mod playground;
pub mod server;
mod ws;

use crate::graphql::extension::Documents;
use crate::graphql::{build_prevalidated_schema, build_ws_schema, GuanjiaSchema};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// What the GraphQL routes share besides the app state.
#[derive(Clone)]
struct GraphqlShared {
    /// Parsed documents, kept for every route that executes GraphQL.
    documents: Arc<Documents>,
    /// The websocket's schema (with the extension the HTTP schema goes without).
    ws_schema: GuanjiaSchema,
    /// The HTTP schema without the validation rules, for documents that passed them before.
    prevalidated: GuanjiaSchema,
    /// Turns to execute, `Config::max_executions` of them (None: no limit). Taken once a
    /// request's body is read, so a slow upload holds none, and given back with the response.
    executions: Option<Arc<tokio::sync::Semaphore>>,
}

/// What every handler is given: the services' shared core and the schema.
#[derive(Clone)]
pub struct AppState {
    pub core: Arc<crate::service::Core>,
    pub schema: GuanjiaSchema,
}

pub fn router(state: AppState) -> Router {
    let limits = &state.core.config.limits;
    // What no route reads a body past; `/graphql` holds each kind of body to its own cap.
    let max_body = limits.max_upload_request_bytes;
    let documents = Arc::new(Documents::new(limits.max_aliases, limits.max_depth));
    let shared = GraphqlShared {
        ws_schema: build_ws_schema(limits, state.core.config.playground, documents.clone()),
        prevalidated: build_prevalidated_schema(limits, state.core.config.playground),
        documents,
        executions: (state.core.config.max_executions > 0).then(|| {
            Arc::new(tokio::sync::Semaphore::new(
                state.core.config.max_executions,
            ))
        }),
    };
    let routes = Router::new()
        .route(
            "/graphql",
            get(graphql::get_handler).post(graphql::post_handler),
        )
        .route("/graphql/ws", get(ws::handler))
        .route("/graphiql/{*path}", get(playground::asset))
        .route("/files/repair-photos/{id}", get(files::repair_photo))
        .route("/files/renovation/{id}", get(files::renovation_file))
        .route("/files/patrol-photos/{id}", get(files::patrol_photo))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(axum::Extension(shared))
        .layer(cors(&state.core.config.cors_origins));
    common_layers(routes).with_state(state)
}

/// Request headers the browser apps send and the server reads: the token or API key, the
/// language, the request id; and the headers Apollo Client and apollo-upload-client add to
/// uploads and persisted queries (`apollo-require-preflight`, `x-apollo-operation-name`,
/// `apollographql-client-*`), which a browser only sends once a preflight allowed them.
const CORS_REQUEST_HEADERS: [&str; 10] = [
    "authorization",
    "content-type",
    "accept",
    "accept-language",
    "x-api-key",
    "x-request-id",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "apollographql-client-name",
    "apollographql-client-version",
];

/// CORS for the origins in the configuration: GET, POST and the preflight's OPTIONS, the
/// headers above, and `x-request-id` readable by the page (to quote to support). A preflight is
/// answered here, before routing (which would answer OPTIONS with 405); an origin not allowed
/// gets no `access-control-allow-origin`, so the browser keeps the answer from its page.
fn cors(origins: &crate::config::CorsOrigins) -> tower_http::cors::CorsLayer {
    use crate::config::CorsOrigins;
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let allow = match origins {
        CorsOrigins::Nobody => AllowOrigin::list([]),
        CorsOrigins::Anyone => AllowOrigin::any(),
        // Checked to be origins when the configuration was read.
        CorsOrigins::Only(list) => AllowOrigin::list(
            list.iter()
                .filter_map(|o| http::HeaderValue::from_str(o).ok()),
        ),
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([http::Method::GET, http::Method::POST, http::Method::OPTIONS])
        .allow_headers(CORS_REQUEST_HEADERS.map(http::HeaderName::from_static))
        .expose_headers([http::HeaderName::from_static("x-request-id")])
        // A browser asks again after this long (Chrome holds it 2 h at most).
        .max_age(Duration::from_secs(3600))
}

/// The layers every route of the server sits behind, whatever it serves: a request id (set
/// here, or taken from the caller, and returned), the request's span, so every log line of it
/// carries that id, and the 30-s timeout. Public so the benchmark's hand-written twin of a
/// screen sits behind the same ones: what it measures against is then the GraphQL layer alone.
pub fn common_layers<S: Clone + Send + Sync + 'static>(routes: Router<S>) -> Router<S> {
    let x_request_id = http::HeaderName::from_static("x-request-id");
    routes
        .layer(TraceLayer::new_for_http().make_span_with(|req: &http::Request<axum::body::Body>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        }).on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(tower_http::LatencyUnit::Millis)))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
}
