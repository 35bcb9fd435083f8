//! Uploaded files, served only to callers who may see what they belong to.
use super::identity::resolve_actor;
use super::AppState;
use crate::error::AppError;
use crate::service::Cx;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// `GET /files/repair-photos/{id}` with the same bearer token as the API.
pub async fn repair_photo(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let Some(cx) = caller(&state, &headers).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    serve(crate::service::repairs::photos::open(&cx, id).await).await
}

/// `GET /files/renovation/{id}`: drawings and inspection photos.
pub async fn renovation_file(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let Some(cx) = caller(&state, &headers).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    serve(crate::service::renovation::open_file(&cx, id).await).await
}

/// `GET /files/patrol-photos/{id}`: photos of patrol findings.
pub async fn patrol_photo(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let Some(cx) = caller(&state, &headers).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    serve(crate::service::patrols::open_photo(&cx, id).await).await
}

async fn caller(state: &AppState, headers: &HeaderMap) -> Option<Cx> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let actor = resolve_actor(&state.core, auth, None).await.ok()?;
    Some(Cx::new(Arc::clone(&state.core), actor))
}

/// The file, or a status that says only what the caller may know.
async fn serve(found: Result<(std::path::PathBuf, String), AppError>) -> Response {
    match found {
        Ok((path, content_type)) => match tokio::fs::read(&path).await {
            Ok(bytes) => (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CACHE_CONTROL, "private, max-age=3600".into()),
                    // The browser takes the type we checked, never a guess from the bytes, and
                    // a file opened on its own can run nothing and reach nothing.
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
                            .into(),
                    ),
                ],
                bytes,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, path = %path.display(), "photo file missing");
                StatusCode::NOT_FOUND.into_response()
            }
        },
        Err(AppError::Unauthenticated(_)) => StatusCode::UNAUTHORIZED.into_response(),
        Err(AppError::Internal) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
