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
