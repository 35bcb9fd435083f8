//! GraphiQL for browsers at `GET /graphql`, with every file it needs served from this binary
//! under `/graphiql/…`: integrators often sit behind a firewall that lets them reach this server
//! and nothing else, so a page that pulls React or GraphiQL from a CDN never loads there.
//! The files are vendored in `assets/graphiql/` (its README says the versions and how they were
//! fetched); the page, its start script and the favicon are ours.
use super::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// Vendored files carry their version in the path, so a browser may keep them for a year and
/// an upgrade (a new path) is still fetched at once.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Our own files change with the server, under the same path: revalidate every time.
const REVALIDATE: &str = "no-cache";

/// The page admits only this server's own scripts, styles, images and connections (HTTP and
/// its websocket), so a stray CDN reference fails here, loudly, instead of behind a customer's
/// firewall. Inline styles: React sets `style` attributes; data: URLs: GraphiQL's CSS embeds
/// its fonts and icons.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// One file under `/graphiql/`.
struct Asset {
    /// Path below `/graphiql/`.
    path: &'static str,
    content_type: &'static str,
    cache_control: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "graphiql-4.1.2/graphiql.min.js",
        content_type: "text/javascript; charset=utf-8",
        cache_control: IMMUTABLE,
        body: include_bytes!("../../assets/graphiql/graphiql.min.js"),
    },
    Asset {
        path: "graphiql-4.1.2/graphiql.min.css",
        content_type: "text/css; charset=utf-8",
        cache_control: IMMUTABLE,
        body: include_bytes!("../../assets/graphiql/graphiql.min.css"),
    },
    Asset {
        path: "react-18.3.1/react.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        cache_control: IMMUTABLE,
        body: include_bytes!("../../assets/graphiql/react.production.min.js"),
    },
    Asset {
        path: "react-18.3.1/react-dom.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        cache_control: IMMUTABLE,
        body: include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    },
    Asset {
        path: "start.js",
        content_type: "text/javascript; charset=utf-8",
        cache_control: REVALIDATE,
        body: include_bytes!("../../assets/graphiql/start.js"),
    },
    Asset {
        path: "favicon.svg",
        content_type: "image/svg+xml",
        cache_control: REVALIDATE,
        body: include_bytes!("../../assets/graphiql/favicon.svg"),
    },
];

/// Paths are relative to `/graphql`, so they resolve to `/graphiql/…` here and still hold
/// behind a proxy that serves the API under a prefix.
const PAGE: &str = include_str!("../../assets/graphiql/index.html");

fn disabled() -> Response {
    (StatusCode::NOT_FOUND, "GraphiQL is disabled on this server").into_response()
}

/// The GraphiQL page, or 404 where the playground is off (production without
/// `GUANJIA_PLAYGROUND=true`).
pub fn page(enabled: bool) -> Response {
    if !enabled {
        return disabled();
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, REVALIDATE),
            // The same URL answers GraphQL GETs with JSON: caches must key on Accept.
            (header::VARY, "Accept"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        PAGE,
    )
        .into_response()
}

/// `GET /graphiql/{*path}`: one of the page's files; off together with the page.
pub async fn asset(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    if !state.core.config.playground {
        return disabled();
    }
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, asset.cache_control),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        asset.body,
    )
        .into_response()
}
