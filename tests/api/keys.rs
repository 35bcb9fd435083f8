//! Key custody (钥匙管理): sealed keys, loans and returns, the daily unreturned list, and the
//! emergency opening that needs the manager's approval, two staff and a guard.
use crate::helpers::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const DEPOSIT: &str = "mutation($h: ID!, $l: String!, $s: String) { depositKey(houseId: $h, label: $l, sealNumber: $s) { id state } }";
const LEND: &str = "mutation($i: LendKeyInput!) { lendKey(input: $i) { state loans { purpose borrower returnedAt } } }";
const OPEN: &str = "mutation($i: OpenSealedKeyInput!) { openSealedKey(input: $i) { state witnesses guard decidedBy } }";

/// Staff member ids of the demo community by role.
pub async fn staff_ids(app: &TestApp) -> std::collections::HashMap<String, Value> {
    let admin = app.login(ADMIN).await;
    let c1 = app.community_id("CUIHU").await;
    let out = app.gql(Some(&admin), "query($c: ID!) { node(id: $c) { ... on Community { staff(first: 50) { edges { node { id role } } } } } }", json!({ "c": c1 })).await;
    out["data"]["node"]["staff"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["role"].as_str().unwrap().to_owned(),
                e["node"]["id"].clone(),
            )
        })
        .collect()
}

fn in_hours(h: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(h)).to_rfc3339()
}

#[tokio::test]
async fn keys_are_lent_only_unsealed_and_unreturned_ones_are_chased() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let c1 = app.community_id("CUIHU").await;
    let a = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let staff = staff_ids(&app).await;

    let sealed = app
        .gql(
            Some(&reception),
            DEPOSIT,
            json!({ "h": a, "l": "入户门", "s": "F-1001" }),
        )
        .await;
    assert_eq!(sealed["data"]["depositKey"]["state"], "SEALED", "{sealed}");
    let loan = |key: &Value, due: String| json!({ "i": { "keyId": key, "purpose": "REPAIR", "borrowerId": staff["TECHNICIAN"], "dueBackAt": due, "note": "厨房漏水" } });
    let refused = app
        .gql(
            Some(&reception),
            LEND,
            loan(&sealed["data"]["depositKey"]["id"], in_hours(2)),
        )
        .await;
    assert_eq!(
        error_code(&refused),
        "INVALID_STATE_TRANSITION",
        "a sealed key is never lent: {refused}"
    );
    assert_eq!(refused["errors"][0]["extensions"]["currentState"], "SEALED");

    let open = app
        .gql(Some(&reception), DEPOSIT, json!({ "h": a, "l": "阳台门" }))
        .await;
    let key = open["data"]["depositKey"]["id"].clone();
    assert_eq!(open["data"]["depositKey"]["state"], "HELD");
    let bad_due = app
        .gql(Some(&reception), LEND, loan(&key, in_hours(-1)))
        .await;
    assert_eq!(error_code(&bad_due), "BAD_USER_INPUT", "{bad_due}");
    // Due back today, so it is on today's chase list.
    let lent = app
        .gql(Some(&reception), LEND, loan(&key, later_today().await))
        .await;
    assert_eq!(lent["data"]["lendKey"]["state"], "LENT", "{lent}");
    assert_eq!(lent["data"]["lendKey"]["loans"][0]["borrower"], "周师傅");
    let twice = app
        .gql(Some(&reception), LEND, loan(&key, in_hours(2)))
        .await;
    assert_eq!(error_code(&twice), "INVALID_STATE_TRANSITION");

    let chase = "query($c: ID!) { unreturnedKeys(communityId: $c) { purpose borrower overdue key { label } } }";
    let list = app.gql(Some(&reception), chase, json!({ "c": c1 })).await;
    assert_eq!(
        list["data"]["unreturnedKeys"],
        json!([{ "purpose": "REPAIR", "borrower": "周师傅", "overdue": false, "key": { "label": "阳台门" } }]),
        "{list}"
    );
    let back = app
        .gql(
            Some(&reception),
            "mutation($k: ID!) { returnKey(keyId: $k) { state loans { returnedAt } } }",
            json!({ "k": key }),
        )
        .await;
    assert_eq!(back["data"]["returnKey"]["state"], "HELD", "{back}");
    assert!(back["data"]["returnKey"]["loans"][0]["returnedAt"].is_string());
    assert_eq!(
        app.gql(Some(&reception), chase, json!({ "c": c1 })).await["data"]["unreturnedKeys"],
        json!([])
    );

    // The owner sees both keys; another owner sees none of them.
    let mine = "{ myKeys { edges { node { label state } } } }";
    assert_eq!(
        app.gql(Some(&app.login(OWNER1).await), mine, json!({}))
            .await["data"]["myKeys"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        app.gql(Some(&app.login(OWNER2).await), mine, json!({}))
            .await["data"]["myKeys"]["edges"],
        json!([])
    );
}

#[tokio::test]
async fn a_sealed_key_opens_only_with_approval_two_staff_and_a_guard_and_the_owner_is_told() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let guard = app.login(SECURITY).await;
    let manager = app.login(MANAGER).await;
    let c1 = app.community_id("CUIHU").await;
    let a = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let staff = staff_ids(&app).await;
    let key = app
        .gql(
            Some(&reception),
            DEPOSIT,
            json!({ "h": a, "l": "入户门", "s": "F-2001" }),
        )
        .await["data"]["depositKey"]["id"]
        .clone();

    // The owner's phone is listening.
    let owner = app.login(OWNER1).await;
    let mut req = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws.send(Message::Text(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {owner}") } }).to_string().into())).await.unwrap();
    ws.next().await.unwrap().unwrap();
    ws.send(Message::Text(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { activity { action toState reason } }" } }).to_string().into())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let asked = app.gql(Some(&guard), "mutation($k: ID!) { requestKeyOpening(keyId: $k, reason: \"楼下报漏水，户内无人\") { id state } }", json!({ "k": key })).await;
    assert_eq!(
        asked["data"]["requestKeyOpening"]["state"], "REQUESTED",
        "{asked}"
    );
    let opening = asked["data"]["requestKeyOpening"]["id"].clone();
    let witnesses = json!([staff["RECEPTION"], staff["BUTLER"]]);
    let open_input = |w: Value, g: &Value| json!({ "i": { "openingId": opening, "witnessIds": w, "guardId": g } });

    // Without approval nothing happens.
    let early = app
        .gql(
            Some(&reception),
            OPEN,
            open_input(witnesses.clone(), &staff["SECURITY"]),
        )
        .await;
    assert_eq!(error_code(&early), "INVALID_STATE_TRANSITION", "{early}");
    assert_eq!(
        early["errors"][0]["extensions"]["currentState"],
        "REQUESTED"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM custody_keys WHERE state = 'SEALED'")
            .await,
        1
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM key_loans").await, 0);

    // Only the manager approves; it waits on their desk until then.
    let butler = app
        .gql(
            Some(&app.login(BUTLER).await),
            "mutation($o: ID!) { decideKeyOpening(openingId: $o, approve: true) { state } }",
            json!({ "o": opening }),
        )
        .await;
    assert_eq!(error_code(&butler), "FORBIDDEN", "{butler}");
    let waiting = app
        .gql(
            Some(&manager),
            "query($c: ID!) { approvalsWaiting(communityId: $c) { keyOpenings { id reason } } }",
            json!({ "c": c1 }),
        )
        .await;
    assert_eq!(
        waiting["data"]["approvalsWaiting"]["keyOpenings"][0]["id"], opening,
        "{waiting}"
    );
    let ok = app.gql(Some(&manager), "mutation($o: ID!) { decideKeyOpening(openingId: $o, approve: true) { state decidedBy } }", json!({ "o": opening })).await;
    assert_eq!(
        ok["data"]["decideKeyOpening"],
        json!({ "state": "APPROVED", "decidedBy": "郑主任" }),
        "{ok}"
    );

    // Two different staff and a guard who is neither of them, or nothing happens.
    let one = app
        .gql(
            Some(&reception),
            OPEN,
            open_input(json!([staff["RECEPTION"]]), &staff["SECURITY"]),
        )
        .await;
    assert_eq!(error_code(&one), "BAD_USER_INPUT", "{one}");
    let no_guard = app
        .gql(
            Some(&reception),
            OPEN,
            open_input(witnesses.clone(), &staff["TECHNICIAN"]),
        )
        .await;
    assert_eq!(error_code(&no_guard), "BAD_USER_INPUT", "{no_guard}");
    assert_eq!(no_guard["errors"][0]["extensions"]["field"], "guardId");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM key_loans").await, 0);

    let opened = app
        .gql(
            Some(&reception),
            OPEN,
            open_input(witnesses, &staff["SECURITY"]),
        )
        .await;
    assert_eq!(
        opened["data"]["openSealedKey"],
        json!({ "state": "OPENED", "witnesses": ["孙前台", "刘管家"], "guard": "吴保安", "decidedBy": "郑主任" }),
        "{opened}"
    );
    let k = app
        .gql(
            Some(&owner),
            "{ myKeys { edges { node { state sealNumber loans { purpose note } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        k["data"]["myKeys"]["edges"][0]["node"],
        json!({ "state": "LENT", "sealNumber": null, "loans": [{ "purpose": "EMERGENCY", "note": "楼下报漏水，户内无人" }] })
    );
    let again = app
        .gql(
            Some(&reception),
            OPEN,
            open_input(
                json!([staff["RECEPTION"], staff["BUTLER"]]),
                &staff["SECURITY"],
            ),
        )
        .await;
    assert_eq!(
        error_code(&again),
        "INVALID_STATE_TRANSITION",
        "an opening is used once: {again}"
    );

    // The owner was told live.
    let mut told = false;
    for _ in 0..10 {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next())
            .await
            .expect("event in time")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["payload"]["data"]["activity"]["action"] == "key.opened_in_emergency" {
                assert_eq!(
                    v["payload"]["data"]["activity"]["reason"],
                    "楼下报漏水，户内无人"
                );
                told = true;
                break;
            }
        }
    }
    assert!(told, "the owner hears of the emergency opening");

    // Back and sealed again.
    app.gql(
        Some(&reception),
        "mutation($k: ID!) { returnKey(keyId: $k) { state } }",
        json!({ "k": key }),
    )
    .await;
    let resealed = app
        .gql(
            Some(&reception),
            "mutation($k: ID!) { sealKey(keyId: $k, sealNumber: \"F-2002\") { state sealNumber } }",
            json!({ "k": key }),
        )
        .await;
    assert_eq!(
        resealed["data"]["sealKey"],
        json!({ "state": "SEALED", "sealNumber": "F-2002" }),
        "{resealed}"
    );
}
