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

#[tokio::test]
async fn a_bad_token_in_connection_init_closes_the_socket() {
    let app = spawn_app().await;
    let mut ws = connect(&app).await;
    ws.send(Message::Text(json!({ "type": "connection_init", "payload": { "Authorization": "Bearer forged.token.here" } }).to_string().into())).await.unwrap();
    let next = next_json(&mut ws).await;
    assert!(
        next.is_none() || next.as_ref().unwrap()["type"] != "connection_ack",
        "{next:?}"
    );
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
