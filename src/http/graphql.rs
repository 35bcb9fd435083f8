//! GraphQL over HTTP (the GraphQL-over-HTTP spec): POST and GET, content negotiation between
//! `application/graphql-response+json` (request errors are 400) and `application/json`
//! (always 200), GET only for queries, GraphiQL for browsers, and the request-size caps.
use super::apq;
use super::identity::{request_data, resolve_actor};
use super::AppState;
use crate::error::{AppError, Locale};
use crate::graphql::batch::Passes;
use crate::graphql::extension::{
    conceal_schema, is_request_error, localize, Documents, Validation,
};
use crate::graphql::GuanjiaSchema;
use async_graphql::parser::types::OperationType;
use async_graphql::ServerError;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::task::AbortOnDropHandle;
use tracing::Instrument;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Media {
    Json,
    GraphqlResponse,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Media::Json => "application/json; charset=utf-8",
            Media::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        }
    }
}

/// Picks the response media type from `Accept` (highest q wins, then order); a missing header
/// means application/json. None when nothing acceptable is offered (406).
fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::Json);
    };
    let mut best: Option<(f32, Media)> = None;
    for part in accept.split(',') {
        let mut bits = part.split(';');
        let mime = bits.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = bits
            .filter_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|v| v.parse::<f32>().ok())
            })
            .next()
            .unwrap_or(1.0);
        let media = match mime.as_str() {
            GRAPHQL_RESPONSE_JSON => Media::GraphqlResponse,
            "application/json" | "application/*" | "*/*" => Media::Json,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, media));
        }
    }
    best.map(|(_, m)| m)
}

fn locale_of(headers: &HeaderMap) -> Locale {
    Locale::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

fn server_error(err: AppError, locale: Locale) -> ServerError {
    let gql: async_graphql::Error = err.into();
    let mut e = ServerError {
        message: gql.message,
        source: gql.source,
        locations: vec![],
        path: vec![],
        extensions: gql.extensions,
    };
    localize(&mut e, locale);
    e
}

/// A request the server could not even read as GraphQL (bad JSON, bad parameters, wrong method
/// or media type): no `data` entry, a 4xx status whatever the Accept header (the current
/// GraphQL-over-HTTP draft). Documents that parse but fail validation are answered by `execute`.
fn request_error(media: Media, status: StatusCode, err: AppError, locale: Locale) -> Response {
    let status = if matches!(err, AppError::Internal) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        status
    };
    let body = json!({ "errors": [server_error(err, locale)] });
    (
        status,
        [(header::CONTENT_TYPE, media.content_type())],
        body.to_string(),
    )
        .into_response()
}

/// An APQ miss or mismatch: 200 under application/json (what Apollo clients expect, they then
/// send the query), 400 under graphql-response+json like any request error.
fn apq_error(media: Media, err: AppError, locale: Locale) -> Response {
    let status = if media == Media::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    request_error(media, status, err, locale)
}

fn not_acceptable() -> Response {
    (
        StatusCode::NOT_ACCEPTABLE,
        "Accept application/graphql-response+json or application/json",
    )
        .into_response()
}

/// Checks the shape of one GraphQL-over-HTTP request object and turns it into a request.
fn to_request(v: Value, max_document: usize) -> Result<async_graphql::Request, AppError> {
    let Value::Object(obj) = v else {
        return Err(AppError::bad_input(
            "body",
            "请求体须为 JSON 对象",
            "The request body must be a JSON object",
        ));
    };
    match obj.get("query") {
        Some(Value::String(q)) if q.len() > max_document => {
            return Err(AppError::bad_input(
                "query",
                format!("查询文本超过 {max_document} 字节"),
                format!("The query document exceeds {max_document} bytes"),
            ));
        }
        Some(Value::String(_)) => {}
        Some(_) => {
            return Err(AppError::bad_input(
                "query",
                "query 须为字符串",
                "query must be a string",
            ))
        }
        // An APQ request may carry only the hash of its query.
        None if obj
            .get("extensions")
            .and_then(|e| e.get("persistedQuery"))
            .is_some() => {}
        None => {
            return Err(AppError::bad_input(
                "query",
                "缺少 query 参数",
                "The query parameter is missing",
            ))
        }
    }
    let optional = |name: &'static str,
                    ok: fn(&Value) -> bool,
                    zh: &'static str,
                    en: &'static str| match obj.get(name) {
        None | Some(Value::Null) => Ok(()),
        Some(v) if ok(v) => Ok(()),
        Some(_) => Err(AppError::bad_input(name, zh, en)),
    };
    optional(
        "operationName",
        Value::is_string,
        "operationName 须为字符串",
        "operationName must be a string",
    )?;
    optional(
        "variables",
        Value::is_object,
        "variables 须为对象",
        "variables must be an object",
    )?;
    optional(
        "extensions",
        Value::is_object,
        "extensions 须为对象",
        "extensions must be an object",
    )?;
    let cleaned: Map<String, Value> = obj.into_iter().filter(|(_, v)| !v.is_null()).collect();
    serde_json::from_value(Value::Object(cleaned))
        .map_err(|_| AppError::bad_input("body", "请求参数无效", "Invalid request parameters"))
}

struct Caller<'a> {
    media: Media,
    locale: Locale,
    client: String,
    documents: &'a Documents,
    /// The schema for documents that passed validation before (`Validation::Passed`).
    prevalidated: &'a GuanjiaSchema,
    /// Turns to execute (see `GraphqlShared::executions`).
    executions: Option<&'a tokio::sync::Semaphore>,
}

/// Executes `req` on `schema` as a task of its own, its loaders batching by `passes`; the task
/// is cancelled if the request is dropped (the client went away, or the timeout layer gave up).
///
/// Why: an execution is woken once for every statement answered and every batch loaded, and a
/// wake-up polls its task from the top. Inside the handler the top is hyper, the middleware and
/// axum, about ten futures deep, on each of those wake-ups; as its own task, only the execution
/// is polled, and the handler once when it is done. The request's span goes with it, so its log
/// lines keep the request id. A panic in a resolver is re-raised here, as if it had run inline.
async fn execute_apart(
    schema: &GuanjiaSchema,
    passes: Arc<Passes>,
    req: async_graphql::Request,
) -> async_graphql::Response {
    let schema = schema.clone();
    let execution = async move { passes.drive(schema.execute(req)).await };
    let task = AbortOnDropHandle::new(tokio::spawn(execution.in_current_span()));
    match task.await {
        Ok(resp) => resp,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only an abort ends a task otherwise, and only dropping `task` (this future) aborts it.
        Err(e) => async_graphql::Response::from_errors(vec![ServerError::new(
            format!("the execution was cancelled: {e}"),
            None,
        )]),
    }
}

async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller<'_>,
    reqs: Vec<(async_graphql::Request, Option<apq::Registration>)>,
    batch: bool,
) -> Response {
    // Wait for a turn (tokio's semaphore is first come, first served). A caller who hangs up
    // while waiting leaves the queue; the turn goes back when this response is built.
    let _turn = match caller.executions {
        Some(turns) => Some(
            turns
                .acquire()
                .await
                .expect("the executions semaphore is never closed"),
        ),
        None => None,
    };
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let actor = match resolve_actor(&state.core, auth, key).await {
        Ok(a) => a,
        Err(e) => {
            return request_error(
                caller.media,
                StatusCode::INTERNAL_SERVER_ERROR,
                e,
                caller.locale,
            )
        }
    };
    let mut bodies = Vec::with_capacity(reqs.len());
    let mut all_request_errors = true;
    for (mut req, registration) in reqs {
        let passes = Arc::new(Passes::default());
        req.data = request_data(
            &state.core,
            actor.clone(),
            caller.locale,
            caller.client.clone(),
            Some(passes.clone()),
        );
        // Without introspection, errors are checked against the query's own words.
        let concealed = (!state.core.config.playground).then(|| req.query.clone());
        let mut resp = match caller.documents.prepare(&mut req) {
            Ok(Validation::Passed) => execute_apart(caller.prevalidated, passes, req).await,
            Ok(Validation::Needed) => {
                let without_variables = req
                    .variables
                    .is_empty()
                    .then(|| (req.query.clone(), req.operation_name.clone()));
                let resp = execute_apart(&state.schema, passes, req).await;
                if let Some((query, operation)) =
                    without_variables.filter(|_| !is_request_error(&resp))
                {
                    caller.documents.passed(&query, operation);
                }
                resp
            }
            Err(e) => async_graphql::Response::from_errors(vec![e]),
        };
        for e in &mut resp.errors {
            if let Some(query) = &concealed {
                conceal_schema(e, query, caller.locale);
            }
            localize(e, caller.locale);
        }
        let request_err = is_request_error(&resp);
        all_request_errors &= request_err;
        // Only a document that parsed and validated is kept.
        if let Some(registration) = registration.filter(|_| !request_err) {
            if let Err(e) = registration
                .store(&state.core.db, &state.core.config.apq)
                .await
            {
                tracing::warn!(error = ?e, "a persisted query was not stored");
            }
        }
        // Serialized straight to bytes: going through serde_json::Value first copied every
        // response twice.
        let body = if request_err {
            serde_json::to_vec(&json!({ "errors": resp.errors }))
        } else {
            serde_json::to_vec(&resp)
        };
        bodies.push(body.unwrap_or_else(|_| br#"{"errors":[]}"#.to_vec()));
    }
    let status = if caller.media == Media::GraphqlResponse && all_request_errors {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = if batch {
        let mut out = Vec::with_capacity(bodies.iter().map(|b| b.len() + 1).sum::<usize>() + 2);
        out.push(b'[');
        for (i, b) in bodies.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b);
        }
        out.push(b']');
        out
    } else {
        bodies.pop().unwrap_or_else(|| b"null".to_vec())
    };
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(caller.media.content_type()),
        )],
        body,
    )
        .into_response()
}

/// A POST body's cap depends on what it is, and it is held to it while it is read: a JSON body
/// to `max_body_bytes`; a multipart upload to `max_upload_request_bytes`, and only once the
/// caller's token or API key was found good (a stranger cannot make the server read 40 MB).
pub async fn post_handler(
    State(state): State<AppState>,
    Extension(shared): Extension<super::GraphqlShared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let locale = locale_of(&headers);
    let too_large = |limit: usize| {
        let mb = limit / (1024 * 1024);
        AppError::bad_input(
            "body",
            format!("请求体超过 {mb} MB"),
            format!("The request body exceeds {mb} MB"),
        )
    };
    let limits = &state.core.config.limits;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let upload = content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data");
    if upload {
        let auth = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
        match resolve_actor(&state.core, auth, key).await {
            Ok(crate::auth::Actor::Anonymous(problem)) => {
                return request_error(
                    media,
                    StatusCode::UNAUTHORIZED,
                    AppError::Unauthenticated(problem),
                    locale,
                )
            }
            Ok(_) => {}
            Err(e) => return request_error(media, StatusCode::INTERNAL_SERVER_ERROR, e, locale),
        }
    }
    let cap = if upload {
        limits.max_upload_request_bytes
    } else {
        limits.max_body_bytes
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > cap as u64) {
        return request_error(media, StatusCode::PAYLOAD_TOO_LARGE, too_large(cap), locale);
    }
    let body = match axum::body::to_bytes(body, cap).await {
        Ok(b) => b,
        Err(e) => {
            let over = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            return if over {
                request_error(media, StatusCode::PAYLOAD_TOO_LARGE, too_large(cap), locale)
            } else {
                let err = AppError::bad_input(
                    "body",
                    "请求体未能读完",
                    "The request body could not be read",
                );
                request_error(media, StatusCode::BAD_REQUEST, err, locale)
            };
        }
    };
    let caller = Caller {
        media,
        locale: locale_of(&headers),
        client: addr.ip().to_string(),
        documents: &shared.documents,
        prevalidated: &shared.prevalidated,
        executions: shared.executions.as_deref(),
    };
    if upload {
        return multipart(&state, &headers, &caller, content_type, body).await;
    }
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        let err = AppError::bad_input(
            "Content-Type",
            "请使用 application/json 提交",
            "POST bodies must be application/json",
        );
        return request_error(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            err,
            caller.locale,
        );
    }
    if body.is_empty() {
        let err = AppError::bad_input("body", "请求体为空", "The request body is empty");
        return request_error(media, StatusCode::BAD_REQUEST, err, caller.locale);
    }
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            let err = AppError::bad_input(
                "body",
                "请求体不是合法的 JSON",
                "The request body is not valid JSON",
            );
            return request_error(media, StatusCode::BAD_REQUEST, err, caller.locale);
        }
    };
    let (items, batch) = match parsed {
        Value::Array(items) => {
            if items.is_empty() || items.len() > limits.max_batch {
                let err = AppError::bad_input(
                    "body",
                    format!("批量请求须包含 1 到 {} 个操作", limits.max_batch),
                    format!("A batch must hold 1 to {} operations", limits.max_batch),
                );
                return request_error(media, StatusCode::BAD_REQUEST, err, caller.locale);
            }
            (items, true)
        }
        other => (vec![other], false),
    };
    let apq_limits = &state.core.config.apq;
    let mut reqs = Vec::with_capacity(items.len());
    for item in items {
        match to_request(item, limits.max_document_bytes) {
            Ok(mut r) => {
                match apq::resolve(&state.core.db, apq_limits, &caller.client, &mut r).await {
                    Ok(registration) => reqs.push((r, registration)),
                    Err(e) => return apq_error(media, e, caller.locale),
                }
            }
            Err(e) => return request_error(media, StatusCode::BAD_REQUEST, e, caller.locale),
        }
    }
    execute(&state, &headers, &caller, reqs, batch).await
}

pub async fn get_handler(
    State(state): State<AppState>,
    Extension(shared): Extension<super::GraphqlShared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if get("query").is_none() && wants_html {
        return super::playground::page(state.core.config.playground);
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let caller = Caller {
        media,
        locale: locale_of(&headers),
        client: addr.ip().to_string(),
        documents: &shared.documents,
        prevalidated: &shared.prevalidated,
        executions: shared.executions.as_deref(),
    };
    let mut obj = Map::new();
    for name in ["query", "operationName"] {
        if let Some(v) = get(name) {
            obj.insert(name.into(), Value::String(v));
        }
    }
    for name in ["variables", "extensions"] {
        if let Some(v) = get(name) {
            match serde_json::from_str::<Value>(&v) {
                Ok(parsed) => {
                    obj.insert(name.into(), parsed);
                }
                Err(_) => {
                    let err = AppError::bad_input(
                        name,
                        format!("{name} 不是合法的 JSON"),
                        format!("{name} is not valid JSON"),
                    );
                    return request_error(media, StatusCode::BAD_REQUEST, err, caller.locale);
                }
            }
        }
    }
    let mut req = match to_request(
        Value::Object(obj),
        state.core.config.limits.max_document_bytes,
    ) {
        Ok(r) => r,
        Err(e) => return request_error(media, StatusCode::BAD_REQUEST, e, caller.locale),
    };
    // Resolve an APQ hash first, so the mutation check below sees the real document.
    let apq_limits = &state.core.config.apq;
    let registration =
        match apq::resolve(&state.core.db, apq_limits, &caller.client, &mut req).await {
            Ok(r) => r,
            Err(e) => return apq_error(media, e, caller.locale),
        };
    if is_mutation(caller.documents, &mut req) {
        let err = AppError::bad_input(
            "query",
            "GET 请求只能执行查询，变更请用 POST",
            "GET requests may only run queries; send mutations with POST",
        );
        let mut resp = request_error(media, StatusCode::METHOD_NOT_ALLOWED, err, caller.locale);
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return resp;
    }
    execute(&state, &headers, &caller, vec![(req, registration)], false).await
}

/// Whether the operation a GET would run is a mutation (or subscription): those need POST/ws.
/// The document is parsed through the cache and stays on the request, so `execute` does not
/// parse it again; one that does not parse is answered by `execute` as a request error.
fn is_mutation(documents: &Documents, req: &mut async_graphql::Request) -> bool {
    if documents.prepare(req).is_err() {
        return false;
    }
    let operation_name = req.operation_name.clone();
    let Ok(doc) = req.parsed_query() else {
        return false;
    };
    let op = match operation_name.as_deref() {
        Some(name) => doc
            .operations
            .iter()
            .find(|(n, _)| n.map(|n| n.as_str()) == Some(name))
            .map(|(_, o)| o),
        None => doc.operations.iter().next().map(|(_, o)| o),
    };
    op.is_some_and(|o| o.node.ty != OperationType::Query)
}

/// A GraphQL multipart request (uploads): the operations, the map and the files.
async fn multipart(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller<'_>,
    content_type: &str,
    body: Bytes,
) -> Response {
    let limits = &state.core.config.limits;
    let opts = async_graphql::http::MultipartOptions::default()
        .max_file_size(limits.max_upload_file_bytes)
        .max_num_files(crate::service::repairs::photos::MAX_PHOTOS);
    let parsed = async_graphql::http::receive_batch_body(
        Some(content_type),
        futures_util::io::Cursor::new(body),
        opts,
    )
    .await;
    let batch = match parsed {
        Ok(b) => b,
        Err(e) => {
            let (zh, en) = match &e {
                async_graphql::ParseRequestError::PayloadTooLarge => (
                    format!(
                        "单个文件不能超过 {} MB",
                        limits.max_upload_file_bytes / (1024 * 1024)
                    ),
                    format!(
                        "A file may not exceed {} MB",
                        limits.max_upload_file_bytes / (1024 * 1024)
                    ),
                ),
                other => (
                    "上传请求格式不正确".to_owned(),
                    format!("Malformed multipart request: {other}"),
                ),
            };
            return request_error(
                caller.media,
                StatusCode::BAD_REQUEST,
                AppError::bad_input("body", zh, en),
                caller.locale,
            );
        }
    };
    let (reqs, is_batch) = match batch {
        async_graphql::BatchRequest::Single(r) => (vec![r], false),
        async_graphql::BatchRequest::Batch(rs) => (rs, true),
    };
    if reqs
        .iter()
        .any(|r| r.query.len() > limits.max_document_bytes)
    {
        let err = AppError::bad_input("query", "查询文本过长", "The query document is too long");
        return request_error(caller.media, StatusCode::BAD_REQUEST, err, caller.locale);
    }
    // Uploads carry their document in full: nothing to register.
    let reqs = reqs.into_iter().map(|r| (r, None)).collect();
    execute(state, headers, caller, reqs, is_batch).await
}
