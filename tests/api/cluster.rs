//! Two app servers on one database, as behind a load balancer without sticky sessions: live
//! events cross servers (PostgreSQL LISTEN/NOTIFY), and login throttling and automatic persisted
//! queries keep their state in the database.
use crate::helpers::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sha2::Digest;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const LOGIN: &str =
    "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }";

async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    let token = app.login(MANAGER).await;
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn a_subscription_on_one_server_hears_a_mutation_on_the_other() {
    let a = spawn_app().await;
    if !a.database_url.starts_with("postgres") {
        // One SQLite file is one server's database; several servers need PostgreSQL.
        eprintln!("skipped on SQLite: cross-server events need PostgreSQL");
        return;
    }
    let b = a.spawn_peer().await;
    let butler = a.login(BUTLER).await;
    let mut req = format!("ws://{}/graphql/ws", a.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws.send(Message::Text(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {butler}") } }).to_string().into())).await.unwrap();
    ws.next().await.unwrap().unwrap();
    ws.send(Message::Text(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { activity { action subjectType } }" } }).to_string().into())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    // The owner's request lands on server B (its token, signed by the shared secret, works there).
    let owner = a.login(OWNER1).await;
    let house = b.house_id("CUIHU", "1栋", "1单元", "101").await;
    let out = b.gql(Some(&owner), "mutation($i: InviteHouseMemberInput!) { inviteHouseMember(input: $i) { id } }",
        json!({ "i": { "houseId": house, "phone": "13600000077", "displayName": "新家属", "relation": "FAMILY" } })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
        .await
        .expect("event crosses servers in time")
        .unwrap()
        .unwrap();
    let Message::Text(t) = msg else {
        panic!("text frame expected")
    };
    let v: Value = serde_json::from_str(&t).unwrap();
    assert_eq!(
        v["payload"]["data"]["activity"],
        json!({ "action": "house_member.invited", "subjectType": "HouseMember" }),
        "{v}"
    );
}

#[tokio::test]
async fn login_throttling_counts_failures_on_every_server() {
    let a = spawn_app().await;
    let b = a.spawn_peer().await;
    // Five wrong passwords spread over both servers lock the phone on both.
    for i in 0..5 {
        let server = if i % 2 == 0 { &a } else { &b };
        let out = server
            .gql(None, LOGIN, json!({ "p": OWNER1, "w": "wrong-password" }))
            .await;
        assert_eq!(error_code(&out), "UNAUTHENTICATED", "{out}");
    }
    for server in [&a, &b] {
        let out = server
            .gql(None, LOGIN, json!({ "p": OWNER1, "w": PASSWORD }))
            .await;
        assert_eq!(error_code(&out), "RATE_LIMITED", "{out}");
    }
}

#[tokio::test]
async fn a_persisted_query_registered_on_one_server_works_on_the_other() {
    let a = spawn_app().await;
    let b = a.spawn_peer().await;
    let query = "{ communities { edges { node { name } } } }";
    let hash = hex::encode(sha2::Sha256::digest(query.as_bytes()));
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });

    // Apollo's protocol: hash only, told it is unknown, then hash and query once.
    let (status, miss) = post(&a, json!({ "extensions": ext })).await;
    assert_eq!(status, 200);
    assert_eq!(
        miss["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
        "{miss}"
    );
    assert_eq!(miss["errors"][0]["message"], "PersistedQueryNotFound");
    let (_, full) = post(&a, json!({ "query": query, "extensions": ext })).await;
    assert_eq!(
        full["data"]["communities"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "the manager sees their community: {full}"
    );
    // Server B has never seen the query: the hash alone is enough there now, and on A again.
    for server in [&b, &a] {
        let (status, hit) = post(server, json!({ "extensions": ext })).await;
        assert_eq!(status, 200);
        assert_eq!(hit, full, "the same answer from the hash alone");
    }
    // And over GET, as CDNs cache it.
    let get = b
        .client
        .get(b.url("/graphql"))
        .bearer_auth(b.login(MANAGER).await)
        .header("accept", "application/json")
        .query(&[("extensions", ext.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(get.json::<Value>().await.unwrap(), full);

    // A hash that does not match its query is refused and not stored.
    let (_, bad) = post(&b, json!({ "query": "{ __typename }", "extensions": ext })).await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT", "{bad}");
    assert_eq!(a.scalar("SELECT COUNT(*) FROM persisted_queries").await, 1);

    // A persisted mutation cannot be run over GET.
    let m = "mutation { logout }";
    let mh = hex::encode(sha2::Sha256::digest(m.as_bytes()));
    let mext = json!({ "persistedQuery": { "version": 1, "sha256Hash": mh } });
    post(&a, json!({ "query": m, "extensions": mext })).await;
    let get = a
        .client
        .get(a.url("/graphql"))
        .header("accept", "application/json")
        .query(&[("extensions", mext.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 405);
}

/// Signing out on server B closes the session's socket on server A.
#[tokio::test]
async fn logout_on_one_server_closes_the_socket_on_the_other() {
    let a = spawn_app().await;
    if !a.database_url.starts_with("postgres") {
        eprintln!("skipped on SQLite: several servers need PostgreSQL");
        return;
    }
    let b = a.spawn_peer().await;
    let owner = a.login(OWNER1).await;
    let mut ws = crate::ws::signed_in(&a, &owner).await;
    ws.send(Message::Text(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { activity { action } }" } }).to_string().into())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let out = b.gql(Some(&owner), "mutation { logout }", json!({})).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
        .await
        .expect("closed in time");
    match msg {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 4403),
        other => panic!("expected a close frame, got {other:?}"),
    }
}
