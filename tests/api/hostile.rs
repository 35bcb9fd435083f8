//! Hostile input, kept as regression tests: what an attacker, a buggy client or a careless
//! integrator sent, and what the server must answer.
use crate::helpers::*;
use crate::repairs::{booked, in_hours, BOOK};
use serde_json::json;
use sha2::Digest;

/// A control character in a variable is refused naming its path, and nothing is stored.
#[tokio::test]
async fn a_nul_in_a_variable_is_bad_input_and_stores_nothing() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let before = app.scalar("SELECT COUNT(*) FROM repair_orders").await;
    for bad in ["漏水\u{0}", "漏水\u{7}", "漏水\u{1b}[31m", "漏水\r"] {
        let input = json!({ "houseId": house, "category": "WATER", "description": bad, "preferredFrom": in_hours(2), "preferredTo": in_hours(4), "clientKey": "nul-1" });
        let out = app.gql(Some(&owner), BOOK, json!({ "i": input })).await;
        assert_eq!(error_code(&out), "BAD_USER_INPUT", "{bad:?}: {out}");
        assert_eq!(
            out["errors"][0]["extensions"]["field"], "i.description",
            "{out}"
        );
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM repair_orders").await,
        before
    );
    // Newline and tab are text.
    let input = json!({ "houseId": house, "category": "WATER", "description": "厨房\n\t水龙头漏水", "preferredFrom": in_hours(2), "preferredTo": in_hours(4), "clientKey": "nul-2" });
    let out = app.gql(Some(&owner), BOOK, json!({ "i": input })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
}

/// The same for a literal in the document, written with a GraphQL escape.
#[tokio::test]
async fn a_nul_in_a_literal_is_bad_input() {
    let app = spawn_app().await;
    let (order, owner) = booked(&app, "nul-literal").await;
    let q = r#"mutation($o: ID!) { cancelRepair(orderId: $o, reason: "不修了\u0000") { state } }"#;
    let out = app.gql(Some(&owner), q, json!({ "o": order })).await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT", "{out}");
    assert_eq!(out["errors"][0]["extensions"]["field"], "reason", "{out}");
    let state = app
        .gql(
            Some(&owner),
            "query($o: ID!) { node(id: $o) { ... on RepairOrder { state } } }",
            json!({ "o": order }),
        )
        .await;
    assert_eq!(state["data"]["node"]["state"], "SUBMITTED", "{state}");
}

/// An anonymous APQ registration with a NUL is a typed error, not a 500, and stores nothing.
#[tokio::test]
async fn a_nul_in_a_persisted_query_is_bad_input() {
    let app = spawn_app().await;
    let query = "{ me { displayName } }\u{0}";
    let hash = hex::encode(sha2::Sha256::digest(query.as_bytes()));
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let resp = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query, "extensions": ext }))
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_client_error() || resp.status().is_success(),
        "{}",
        resp.status()
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM persisted_queries").await,
        0
    );
}
