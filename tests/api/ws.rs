//! Subscriptions over a real websocket speaking graphql-transport-ws.
use crate::helpers::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

pub async fn connect(
    app: &TestApp,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut req = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .expect("websocket connects");
    assert_eq!(
        resp.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    ws
}

/// A socket whose `connection_init` carried `token` and was acknowledged.
pub async fn signed_in(app: &TestApp, token: &str) -> Ws {
    let mut ws = connect(app).await;
    ws.send(Message::Text(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }).to_string().into())).await.unwrap();
    assert_eq!(next_json(&mut ws).await.unwrap()["type"], "connection_ack");
    ws
}

pub async fn next_json<S>(ws: &mut S) -> Option<Value>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("message in time")?;
        match msg.ok()? {
            Message::Text(t) => return Some(serde_json::from_str(&t).unwrap()),
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

#[tokio::test]
async fn the_butler_sees_an_invitation_live() {
    let app = spawn_app().await;
    let butler = app.login(BUTLER).await;
    let mut ws = signed_in(&app, &butler).await;
    ws.send(Message::Text(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { activity { action subjectType toState } }" } }).to_string().into()))
        .await
        .unwrap();
    // Give the server a moment to register the subscription before the event happens.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let out = app
        .gql(Some(&owner), "mutation($i: InviteHouseMemberInput!) { inviteHouseMember(input: $i) { id } }",
             json!({ "i": { "houseId": house, "phone": "13600000009", "displayName": "新家属", "relation": "FAMILY" } }))
        .await;
    assert_eq!(outcome(&out), "OK");
    let msg = next_json(&mut ws).await.unwrap();
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(
        msg["payload"]["data"]["activity"]["action"],
        "house_member.invited"
    );
    assert_eq!(msg["payload"]["data"]["activity"]["toState"], "FAMILY");
}

/// The close frame that ends the socket (code, reason); fails on anything but a close, and on
/// a `connection_ack` above all.
async fn closed_with(ws: &mut Ws) -> (u16, String) {
    let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
        .await
        .expect("closed in time");
    match msg {
        Some(Ok(Message::Close(Some(frame)))) => (u16::from(frame.code), frame.reason.to_string()),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

/// graphql-transport-ws: a server that refuses `connection_init` closes with 4403 Forbidden,
/// which graphql-ws clients take as "sign in again", not as a network fault to retry.
#[tokio::test]
async fn a_missing_or_bad_token_in_connection_init_closes_with_4403() {
    let app = spawn_app().await;
    for payload in [
        json!({ "Authorization": "Bearer forged.token.here" }),
        json!({ "Authorization": "Basic dXNlcjpwYXNz" }),
        json!({ "apiKey": "gj_not_a_key" }),
        json!({}),
    ] {
        let mut ws = connect(&app).await;
        ws.send(Message::Text(
            json!({ "type": "connection_init", "payload": payload })
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
        assert_eq!(
            closed_with(&mut ws).await,
            (4403, "Forbidden".to_owned()),
            "{payload}"
        );
    }
}

/// graphql-transport-ws: a `subscribe` before the connection was acknowledged closes with
/// 4401 Unauthorized.
#[tokio::test]
async fn a_subscribe_before_connection_ack_closes_with_4401() {
    let app = spawn_app().await;
    let mut ws = connect(&app).await;
    ws.send(Message::Text(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { activity { action } }" } }).to_string().into()))
        .await
        .unwrap();
    assert_eq!(
        closed_with(&mut ws).await,
        (4401, "Unauthorized".to_owned())
    );
    // A message that is not the protocol's at all is 4400.
    let mut ws = connect(&app).await;
    ws.send(Message::Text("not json".into())).await.unwrap();
    assert_eq!(closed_with(&mut ws).await.0, 4400);
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A socket subscribed to `activity` as the holder of `token`.
async fn subscribed(app: &TestApp, token: &str) -> Ws {
    let mut ws = signed_in(app, token).await;
    ws.send(Message::Text(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { activity { action subjectType } }" } }).to_string().into()))
        .await
        .unwrap();
    ws
}

/// Actions received within `ms` milliseconds of quiet.
async fn drain(ws: &mut Ws, ms: u64) -> Vec<String> {
    let mut out = vec![];
    while let Ok(Some(Ok(Message::Text(t)))) =
        tokio::time::timeout(std::time::Duration::from_millis(ms), ws.next()).await
    {
        let v: Value = serde_json::from_str(&t).unwrap();
        if let Some(a) = v["payload"]["data"]["activity"]["action"].as_str() {
            out.push(a.to_owned());
        }
    }
    out
}

#[tokio::test]
async fn repair_news_reaches_exactly_those_who_may_see_it() {
    let app = spawn_app().await;
    let tokens = [
        app.login(RECEPTION).await,
        app.login(TECHNICIAN).await,
        app.login(OWNER1).await,
        app.login(OWNER2).await,
        app.login(MANAGER_C2).await,
    ];
    let mut sockets = vec![];
    for t in &tokens {
        sockets.push(subscribed(&app, t).await);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (order, _) = crate::repairs::booked(&app, "live-1").await;
    let tech_staff = crate::repairs::technician_staff_id(&app).await;
    let out = app
        .gql(Some(&tokens[0]), "mutation($o: ID!, $t: ID!, $at: DateTime!) { dispatchRepair(orderId: $o, technicianId: $t, appointmentAt: $at) { state } }",
             json!({ "o": order, "t": tech_staff, "at": crate::repairs::in_hours(1) }))
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    let mut seen = vec![];
    for ws in sockets.iter_mut() {
        seen.push(drain(ws, 700).await);
    }
    let has = |i: usize, a: &str| seen[i].iter().any(|x| x == a);
    assert!(
        has(0, "repair.booked"),
        "reception gets new bookings: {seen:?}"
    );
    assert!(
        has(1, "repair.dispatched") && !has(1, "repair.booked"),
        "the technician gets the assignment only: {seen:?}"
    );
    assert!(
        has(2, "repair.booked") && has(2, "repair.dispatched"),
        "the owner follows their order: {seen:?}"
    );
    assert!(
        seen[3].is_empty(),
        "another house's owner gets nothing: {seen:?}"
    );
    assert!(
        seen[4].is_empty(),
        "another community's manager gets nothing: {seen:?}"
    );
}

#[tokio::test]
async fn the_websocket_holds_documents_to_the_alias_cap_too() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let mut ws = signed_in(&app, &owner).await;
    let aliases: String = (0..1000).map(|i| format!("a{i}:__typename ")).collect();
    ws.send(Message::Text(json!({ "id": "1", "type": "subscribe", "payload": { "query": format!("{{ {aliases} }}") } }).to_string().into()))
        .await
        .unwrap();
    // graphql-transport-ws answers a refused query with `next` carrying the errors, no data.
    let msg = next_json(&mut ws).await.unwrap();
    assert_eq!(msg["type"], "next", "{msg}");
    assert!(msg["payload"]["data"].is_null(), "{msg}");
    assert_eq!(
        msg["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{msg}"
    );
    assert!(
        msg["payload"]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("别名"),
        "{msg}"
    );
    // A small query over the same socket runs.
    ws.send(Message::Text(
        json!({ "id": "2", "type": "subscribe", "payload": { "query": "{ __typename }" } })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let msg = loop {
        let m = next_json(&mut ws).await.unwrap();
        // The refused operation's own `complete` may come first.
        if m["id"] == "2" {
            break m;
        }
    };
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["payload"]["data"]["__typename"], "Query");
}

const REFRESH: &str =
    "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }";

/// Signing out closes the sockets opened with that session's tokens: 4403, so the client
/// signs in again rather than reconnecting with a dead token.
#[tokio::test]
async fn logout_closes_the_sessions_sockets_with_4403() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let other = app.login(OWNER1).await;
    let mut ws = subscribed(&app, &owner).await;
    let mut other_ws = subscribed(&app, &other).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let out = app
        .gql(Some(&owner), "mutation { logout }", json!({}))
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    assert_eq!(
        closed_with(&mut ws).await,
        (4403, "Session ended".to_owned())
    );
    // The same person's other session (another phone) is not signed out.
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(500), other_ws.next())
            .await
            .is_err(),
        "the other session's socket stays open"
    );
}

/// A reused refresh token revokes its family, and the family's sockets close.
#[tokio::test]
async fn a_reused_refresh_token_closes_the_sessions_sockets() {
    let app = spawn_app().await;
    let tokens = app.login_tokens(OWNER1).await;
    let mut ws = subscribed(&app, tokens["accessToken"].as_str().unwrap()).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let t = json!({ "t": tokens["refreshToken"] });
    assert_eq!(outcome(&app.gql(None, REFRESH, t.clone()).await), "OK");
    assert_eq!(outcome(&app.gql(None, REFRESH, t).await), "UNAUTHENTICATED");
    assert_eq!(
        closed_with(&mut ws).await,
        (4403, "Session ended".to_owned())
    );
}

/// A socket lives as long as its access token, unless a fresh token of the same session came
/// as a `ping` payload first.
#[tokio::test]
async fn a_socket_closes_when_its_token_expires_unless_refreshed_by_ping() {
    let app = spawn_app_with(|c| c.access_token_ttl = std::time::Duration::from_secs(6)).await;
    let started = std::time::Instant::now();
    let mut ws = subscribed(&app, &app.login(OWNER1).await).await;
    let (code, reason) = closed_with(&mut ws).await;
    assert_eq!((code, reason.as_str()), (4403, "Token expired"));
    assert!(started.elapsed() < std::time::Duration::from_secs(8));

    // Expiry is in whole seconds: the first token expires within 6 s of `issued`, the fresh
    // one no sooner than 7 s after it.
    let tokens = app.login_tokens(OWNER1).await;
    let issued = std::time::Instant::now();
    let mut ws = subscribed(&app, tokens["accessToken"].as_str().unwrap()).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let fresh = app
        .gql(None, REFRESH, json!({ "t": tokens["refreshToken"] }))
        .await;
    let access = fresh["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap();
    ws.send(Message::Text(
        json!({ "type": "ping", "payload": { "token": access } })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let pong = next_json(&mut ws).await.unwrap();
    assert_eq!(pong["type"], "pong", "{pong}");
    assert!(pong["payload"]["expiresAt"].is_string(), "{pong}");
    // Past the first token's expiry, still open.
    let past_first = issued + std::time::Duration::from_millis(6300);
    assert!(
        tokio::time::timeout_at(past_first.into(), ws.next())
            .await
            .is_err(),
        "a refreshed socket stays open"
    );
    assert_eq!(closed_with(&mut ws).await.0, 4403);

    // Another person's token in a ping closes the socket.
    let tokens = app.login_tokens(OWNER1).await;
    let mut ws = subscribed(&app, tokens["accessToken"].as_str().unwrap()).await;
    let stranger = app.login(OWNER2).await;
    ws.send(Message::Text(
        json!({ "type": "ping", "payload": { "token": stranger } })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    assert_eq!(closed_with(&mut ws).await, (4403, "Forbidden".to_owned()));
}

/// The close frame that ends the socket, after any events (their own news of the change may
/// come first).
async fn closed_after_news(ws: &mut Ws) -> (u16, String) {
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(_)))) => continue,
            Ok(Some(Ok(Message::Close(Some(f))))) => {
                return (u16::from(f.code), f.reason.to_string())
            }
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// A removed staff member's and a moved-out tenant's sockets close at once.
#[tokio::test]
async fn staff_removal_and_tenancy_end_close_their_sockets() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let reception = app.login(RECEPTION).await;
    let tenant = app.login(TENANT).await;
    let owner2 = app.login(OWNER2).await;
    let mut staff_ws = subscribed(&app, &reception).await;
    let mut tenant_ws = subscribed(&app, &tenant).await;
    let mut owner_ws = subscribed(&app, &owner2).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let c1 = app.community_id("CUIHU").await;
    let list = app.gql(Some(&manager), "query($c: ID!) { node(id: $c) { ... on Community { staff(role: RECEPTION) { edges { node { id } } } } } }", json!({ "c": c1 })).await;
    let id = list["data"]["node"]["staff"]["edges"][0]["node"]["id"].clone();
    let out = app
        .gql(
            Some(&manager),
            "mutation($s: ID!) { removeStaffMember(staffId: $s, reason: \"离职\") { endedAt } }",
            json!({ "s": id }),
        )
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    assert_eq!(
        closed_after_news(&mut staff_ws).await,
        (4403, "Access changed".to_owned())
    );

    let house = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    let members = app.gql(Some(&owner2), "query($h: ID!) { node(id: $h) { ... on House { members { edges { node { id relation } } } } } }", json!({ "h": house })).await;
    let tenant_member = members["data"]["node"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["relation"] == "TENANT")
        .unwrap()["node"]["id"]
        .clone();
    let out = app.gql(Some(&owner2), "mutation($m: ID!) { removeHouseMember(memberId: $m, reason: \"租期结束\") { endedAt } }", json!({ "m": tenant_member })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    assert_eq!(
        closed_after_news(&mut tenant_ws).await,
        (4403, "Access changed".to_owned())
    );
    // The owner who ended the tenancy keeps theirs (it answers a ping).
    drain(&mut owner_ws, 300).await;
    owner_ws
        .send(Message::Text(json!({ "type": "ping" }).to_string().into()))
        .await
        .unwrap();
    let pong = loop {
        let m = next_json(&mut owner_ws)
            .await
            .expect("the owner's socket stays open");
        if m["type"] != "next" {
            break m;
        }
    };
    assert_eq!(pong["type"], "pong", "{pong}");
}
