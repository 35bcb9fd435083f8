//! Subscriptions over a real websocket speaking graphql-transport-ws.
use crate::helpers::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

async fn connect(
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

async fn next_json<S>(ws: &mut S) -> Option<Value>
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
    let mut ws = connect(&app).await;
    ws.send(Message::Text(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {butler}") } }).to_string().into())).await.unwrap();
    assert_eq!(next_json(&mut ws).await.unwrap()["type"], "connection_ack");
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
