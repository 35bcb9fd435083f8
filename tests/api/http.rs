//! GraphQL over HTTP: negotiation, GET, request errors, caps, languages, health.
use crate::helpers::*;
use serde_json::{json, Value};

const GRJ: &str = "application/graphql-response+json";

async fn post(app: &TestApp, accept: &str, body: &str) -> (u16, String, Value) {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("accept", accept)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, ct, body)
}

#[tokio::test]
async fn content_negotiation_answers_in_the_type_asked_for() {
    let app = spawn_app().await;
    let q = r#"{"query":"{ __typename }"}"#;
    let (s, ct, body) = post(&app, GRJ, q).await;
    assert_eq!(
        (s, body["data"]["__typename"].as_str()),
        (200, Some("Query"))
    );
    assert!(ct.starts_with(GRJ), "{ct}");
    let (s, ct, _) = post(&app, "application/json", q).await;
    assert_eq!(s, 200);
    assert!(ct.starts_with("application/json"), "{ct}");
    let (_, ct, _) = post(&app, "*/*", q).await;
    assert!(ct.starts_with("application/json"), "{ct}");
    let (s, _, _) = post(&app, "text/csv", q).await;
    assert_eq!(s, 406);
}

#[tokio::test]
async fn request_errors_are_400_and_document_errors_depend_on_accept() {
    let app = spawn_app().await;
    // Not GraphQL at all: 400 whatever the caller accepts.
    for body in [
        r#"{ "not a JSON"#,
        r#"{"qeury":"{ __typename }"}"#,
        r#"{"query":"{ __typename }","variables":"x"}"#,
        r#"{"query":1}"#,
    ] {
        for accept in [GRJ, "application/json"] {
            let (s, _, b) = post(&app, accept, body).await;
            assert_eq!(s, 400, "{body}");
            assert!(b.get("data").is_none(), "no data entry: {b}");
            assert_eq!(error_code(&b), "BAD_USER_INPUT");
        }
    }
    // A document that does not parse or validate: 400 under graphql-response+json, 200 under json.
    for body in [r#"{"query":"{"}"#, r#"{"query":"{ nope }"}"#] {
        let (s, _, b) = post(&app, GRJ, body).await;
        assert_eq!(s, 400, "{body}");
        assert!(b.get("data").is_none(), "no data entry: {b}");
        assert_eq!(error_code(&b), "BAD_USER_INPUT");
        let (s, _, b) = post(&app, "application/json", body).await;
        assert_eq!(s, 200, "{body}");
        assert!(b["errors"].is_array());
    }
    // No content type at all.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);
}

#[tokio::test]
async fn a_failed_non_null_root_field_is_an_execution_error_not_a_request_error() {
    let app = spawn_app().await;
    // `me: User!` without a token: the error bubbles up to `data: null`, but the document ran,
    // so it is 200 with a `data` entry under either media type, and the error has its path.
    // The same document twice: the second comes from the parsed-document cache.
    for _ in 0..2 {
        for accept in [GRJ, "application/json"] {
            let (s, _, b) = post(&app, accept, r#"{"query":"{ me { id } }"}"#).await;
            assert_eq!(s, 200, "{b}");
            assert!(
                b.get("data").is_some_and(Value::is_null),
                "data entry, null: {b}"
            );
            assert_eq!(b["errors"][0]["path"], json!(["me"]), "{b}");
            assert_eq!(error_code(&b), "UNAUTHENTICATED");
        }
    }
    // A document that fails validation after an identical text was cached as valid is still
    // a request error when its variables are wrong.
    let q = "query($n: Int!) { myNotices(first: $n) { edges { node { id } } } }";
    let (s, _, b) = post(
        &app,
        GRJ,
        &json!({ "query": q, "variables": { "n": "three" } }).to_string(),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert!(b.get("data").is_none(), "no data entry: {b}");
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(app.url("/graphql?query=%7B__typename%7D"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["data"]["__typename"], "Query");
    let before = app.scalar("SELECT COUNT(*) FROM auth_sessions").await;
    let url = app.url("/graphql?query=mutation%7Blogin(phone%3A%2213800000001%22%2Cpassword%3A%22guanjia2026%22)%7BaccessToken%7D%7D");
    let resp = app
        .client
        .get(url)
        .header("accept", GRJ)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM auth_sessions").await,
        before,
        "nothing happened"
    );
    // A browser gets GraphiQL.
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("graphiql"), "GraphiQL page");
}

#[tokio::test]
async fn unknown_operation_and_wrong_variable_types_are_bad_input() {
    let app = spawn_app().await;
    let (_, _, b) = post(
        &app,
        "application/json",
        r#"{"query":"query A { __typename }","operationName":"B"}"#,
    )
    .await;
    assert_eq!(error_code(&b), "BAD_USER_INPUT");
    let (_, _, b) = post(&app, "application/json", r#"{"query":"query($n: Int) { communities(first: $n) { edges { cursor } } }","variables":{"n":"ten"}}"#).await;
    assert_eq!(error_code(&b), "BAD_USER_INPUT");
}

/// A document that passed validation without variables is not validated again when it comes
/// back without variables; everything else still is.
#[tokio::test]
async fn a_document_that_passed_validation_is_still_checked_when_it_comes_back_different() {
    let app = spawn_app().await;
    // An argument that fails in execution still answers `__typename` in `data`, where
    // validation answers with a request error and no data.
    let q = r#"query A($id: ID = "Q29tbXVuaXR5OjE") { __typename node(id: $id) { id } } query B { __typename }"#;
    let body = |op: &str, vars: Value| {
        json!({ "query": q, "operationName": op, "variables": vars }).to_string()
    };
    // Twice without variables (and without a token): it passes validation, then fails in
    // execution; the second time from the kept document, the same answer.
    for _ in 0..2 {
        let (status, _, b) = post(&app, GRJ, &body("A", json!({}))).await;
        assert_eq!((status, error_code(&b)), (200, "UNAUTHENTICATED"), "{b}");
        assert_eq!(b["data"]["__typename"], "Query", "{b}");
    }
    // The same document with a variable of the wrong type: validated, a request error.
    let (status, _, b) = post(&app, GRJ, &body("A", json!({ "id": true }))).await;
    assert_eq!((status, error_code(&b)), (400, "BAD_USER_INPUT"), "{b}");
    assert!(b.get("data").is_none(), "{b}");
    // An operation it does not have: a request error each time.
    for _ in 0..2 {
        let (status, _, b) = post(&app, GRJ, &body("C", json!({}))).await;
        assert_eq!((status, error_code(&b)), (400, "BAD_USER_INPUT"), "{b}");
    }
    let (status, _, b) = post(&app, GRJ, &body("B", json!({}))).await;
    assert_eq!(
        (status, &b["data"]["__typename"]),
        (200, &json!("Query")),
        "{b}"
    );
}

#[tokio::test]
async fn abusive_documents_hit_clear_caps() {
    let app = spawn_app().await;
    // 50 levels deep.
    let mut deep = String::from("__typename");
    for _ in 0..50 {
        deep = format!("me {{ houses {{ edges {{ node {{ house {{ members {{ edges {{ node {{ {deep} }} }} }} }} }} }} }} }}");
    }
    let (_, _, b) = post(
        &app,
        "application/json",
        &json!({ "query": format!("{{ {deep} }}") }).to_string(),
    )
    .await;
    assert_eq!(error_code(&b), "BAD_USER_INPUT");
    // 1,000 aliases.
    let aliases: String = (0..1000).map(|i| format!("a{i}:__typename ")).collect();
    let (_, _, b) = post(
        &app,
        "application/json",
        &json!({ "query": format!("{{ {aliases} }}") }).to_string(),
    )
    .await;
    assert_eq!(error_code(&b), "BAD_USER_INPUT");
    assert!(
        b["errors"][0]["message"].as_str().unwrap().contains("别名"),
        "{b}"
    );
    // A 100-operation batch.
    let batch: Vec<Value> = (0..100)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let (_, _, b) = post(&app, "application/json", &Value::Array(batch).to_string()).await;
    assert_eq!(error_code(&b), "BAD_USER_INPUT");
    // A small batch is fine.
    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]);
    let (_, _, b) = post(&app, "application/json", &batch.to_string()).await;
    assert_eq!(b.as_array().map(Vec::len), Some(2));
    // An oversized body is refused before parsing.
    let huge = "x".repeat(2 * 1024 * 1024);
    let (s, _, _) = post(
        &app,
        "application/json",
        &json!({ "query": huge }).to_string(),
    )
    .await;
    assert_eq!(s, 413);
}

#[tokio::test]
async fn messages_are_chinese_by_default_and_english_on_request() {
    let app = spawn_app().await;
    let zh: Value = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(zh["errors"][0]["message"], "请先登录");
    let en: Value = app
        .client
        .post(app.url("/graphql"))
        .header("accept-language", "en-US,en;q=0.9")
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(en["errors"][0]["message"], "Please sign in");
    assert_eq!(en["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn health_and_readiness_and_request_ids() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers().contains_key("x-request-id"));
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");
}

/// GraphiQL must load where a browser reaches this server and nothing else (an integrator
/// behind a firewall): the page names no other origin, and every file it loads is served here,
/// with its content type, and the versioned ones cacheable for good. Off, the files go too.
#[tokio::test]
async fn graphiql_and_every_file_it_loads_come_from_the_server_itself() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert!(
        header(&resp, "content-type").starts_with("text/html"),
        "{}",
        header(&resp, "content-type")
    );
    // The browser itself refuses other origins' scripts and connections.
    let csp = header(&resp, "content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let page = resp.text().await.unwrap();
    for external in ["https://", "http://", "//unpkg", "//cdn"] {
        assert!(
            !page.contains(external),
            "the page names another origin ({external}):\n{page}"
        );
    }
    // Every file the page refers to, by src= or href=, resolved against /graphql.
    let refs: Vec<&str> = ["src=\"", "href=\""]
        .iter()
        .flat_map(|attr| {
            page.split(attr)
                .skip(1)
                .map(|rest| &rest[..rest.find('"').unwrap()])
        })
        .collect();
    let wanted = [".js", ".css", "favicon.svg"];
    for ending in wanted {
        assert!(
            refs.iter().any(|r| r.ends_with(ending)),
            "no {ending} among {refs:?}"
        );
    }
    assert!(
        refs.iter().filter(|r| r.ends_with(".js")).count() >= 4,
        "React, ReactDOM, GraphiQL and the start script: {refs:?}"
    );
    for r in &refs {
        assert!(
            !r.starts_with("//") && !r.contains(':'),
            "{r} is not on this server"
        );
        let path = if r.starts_with('/') {
            r.to_string()
        } else {
            format!("/{r}")
        };
        let resp = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        let (content_type, cache) = (
            header(&resp, "content-type"),
            header(&resp, "cache-control"),
        );
        let expected = match path.rsplit('.').next().unwrap() {
            "js" => "text/javascript",
            "css" => "text/css",
            "svg" => "image/svg+xml",
            other => panic!("unexpected file type {other} for {path}"),
        };
        assert!(content_type.starts_with(expected), "{path}: {content_type}");
        assert_eq!(header(&resp, "x-content-type-options"), "nosniff", "{path}");
        // A vendored file's path carries its version, so browsers may keep it for a year.
        let versioned = path.split('/').any(|segment| {
            segment
                .rsplit_once('-')
                .is_some_and(|(_, v)| v.starts_with(|c: char| c.is_ascii_digit()))
        });
        if versioned {
            assert!(
                cache.contains("max-age=31536000") && cache.contains("immutable"),
                "{path}: {cache}"
            );
        } else {
            assert!(!cache.is_empty(), "{path} has no Cache-Control");
        }
        assert!(!resp.bytes().await.unwrap().is_empty(), "{path} is empty");
    }
    let unknown = app
        .client
        .get(app.url("/graphiql/graphiql-4.1.2/nothing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);

    // Off (production without GUANJIA_PLAYGROUND), neither the page nor its files are served.
    let off = spawn_app_with(|c| c.playground = false).await;
    let resp = off
        .client
        .get(off.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    for r in &refs {
        let path = if r.starts_with('/') {
            r.to_string()
        } else {
            format!("/{r}")
        };
        let resp = off.client.get(off.url(&path)).send().await.unwrap();
        assert_eq!(
            resp.status().as_u16(),
            404,
            "{path} with the playground off"
        );
    }
}

/// A preflight as a browser sends it before a cross-origin POST with a token.
async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type,accept-language,apollo-require-preflight,x-apollo-operation-name")
        .send()
        .await
        .unwrap()
}

/// Browser apps (an owner's web app, finance's desk) call the API across origins: the origins
/// in GUANJIA_CORS_ORIGINS get the preflight and the answers' CORS headers, others none.
#[tokio::test]
async fn browser_apps_of_the_configured_origins_may_call_the_api() {
    let app = spawn_app_with(|c| {
        c.cors_origins = guanjia::config::CorsOrigins::Only(vec!["https://app.example.com".into()])
    })
    .await;
    let resp = preflight(&app, "https://app.example.com").await;
    assert!(
        matches!(resp.status().as_u16(), 200 | 204),
        "preflight: {}",
        resp.status()
    );
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example.com");
    let methods = h["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_ascii_uppercase();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in [
        "authorization",
        "content-type",
        "accept-language",
        "apollo-require-preflight",
        "x-apollo-operation-name",
        "x-api-key",
    ] {
        assert!(allowed.contains(header), "{header} in {allowed}");
    }
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("origin", "https://app.example.com")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(resp.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .contains("x-request-id"));
    // Another origin gets no allowance, so the browser keeps the answer from its page.
    let resp = preflight(&app, "https://evil.example.com").await;
    assert!(
        resp.headers().get("access-control-allow-origin").is_none(),
        "{:?}",
        resp.headers()
    );
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("origin", "https://evil.example.com")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers().get("access-control-allow-origin").is_none(),
        "{:?}",
        resp.headers()
    );
}

/// Without GUANJIA_CORS_ORIGINS no other origin is allowed; the server's own pages (GraphiQL)
/// are same-origin and need nothing.
#[tokio::test]
async fn without_configured_origins_no_other_origin_is_allowed() {
    let app = spawn_app().await;
    let resp = preflight(&app, "https://app.example.com").await;
    assert!(
        resp.headers().get("access-control-allow-origin").is_none(),
        "{:?}",
        resp.headers()
    );
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("origin", "https://app.example.com")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.headers().get("access-control-allow-origin").is_none(),
        "{:?}",
        resp.headers()
    );
    // `*` allows any origin (a trial server; `--demo`'s default).
    let app = spawn_app_with(|c| c.cors_origins = guanjia::config::CorsOrigins::Anyone).await;
    let resp = preflight(&app, "http://localhost:5173").await;
    assert!(
        matches!(resp.status().as_u16(), 200 | 204),
        "preflight: {}",
        resp.status()
    );
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
}
