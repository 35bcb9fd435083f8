//! The event log as people read it: every live event names its record, every timeline entry
//! names who did it, and a refused step speaks the reader's language.
use crate::helpers::*;
use crate::ws::{next_json, signed_in};
use futures_util::SinkExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use tokio_tungstenite::tungstenite::Message;

const APPLY: &str = "mutation($i: ApplyRenovationInput!) { applyRenovation(input: $i) { id } }";
const TIMELINE: &str = "query($id: ID!) { node(id: $id) { __typename ... on RepairOrder { timeline { action actorName actorRole } } ... on Renovation { timeline { action actorName actorRole } } ... on MoveBooking { timeline { action actorName actorRole } } ... on CustodyKey { timeline { action actorName actorRole } } } }";

async fn name_of(app: &TestApp, token: &str) -> String {
    app.gql(Some(token), "{ me { displayName } }", json!({}))
        .await["data"]["me"]["displayName"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The manager watches the community live while a repair, a renovation, a move and a key are
/// recorded (kinds the live feed used to leave without an id): each event's `subjectId` fetches
/// the very record through `node(id:)`, and says who acted; their timelines say it too.
#[tokio::test]
async fn every_event_names_its_record_and_who_did_it_live_and_in_timelines() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let reception = app.login(RECEPTION).await;
    let butler = app.login(BUTLER).await;
    let mut ws = signed_in(&app, &manager).await;
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { activity { action subjectType subjectId actorName actorRole } }" } });
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let (order, owner) = crate::repairs::booked(&app, "ev-repair").await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let out = app
        .gql(
            Some(&owner),
            APPLY,
            json!({ "i": crate::renovation::application(&house, 1, 10) }),
        )
        .await;
    let renovation = out["data"]["applyRenovation"]["id"].clone();
    assert!(renovation.is_string(), "{out}");
    let out = app
        .gql(
            Some(&owner),
            "mutation($i: BookMoveInput!) { bookMove(input: $i) { id } }",
            crate::moves::booking(
                &house,
                "IN",
                guanjia::service::today_in_community(),
                "ev-move",
            ),
        )
        .await;
    let booking = out["data"]["bookMove"]["id"].clone();
    assert!(booking.is_string(), "{out}");
    let out = app
        .gql(
            Some(&reception),
            "mutation($h: ID!) { depositKey(houseId: $h, label: \"入户门钥匙\") { id } }",
            json!({ "h": house }),
        )
        .await;
    let key = out["data"]["depositKey"]["id"].clone();
    assert!(key.is_string(), "{out}");

    let expected: HashMap<&str, (&Value, &str)> = HashMap::from([
        ("RepairOrder", (&order, "OWNER")),
        ("Renovation", (&renovation, "OWNER")),
        ("MoveBooking", (&booking, "OWNER")),
        ("CustodyKey", (&key, "RECEPTION")),
    ]);
    let (owner_name, reception_name) =
        (name_of(&app, &owner).await, name_of(&app, &reception).await);
    let mut seen = HashMap::new();
    while seen.len() < expected.len() {
        let msg = next_json(&mut ws).await.expect("an event");
        let e = &msg["payload"]["data"]["activity"];
        assert_eq!(msg["type"], "next", "{msg}");
        // Whatever the kind, the event names its record, and that id fetches it.
        let id = e["subjectId"]
            .as_str()
            .unwrap_or_else(|| panic!("no subjectId: {msg}"));
        let node = app
            .gql(
                Some(&manager),
                "query($id: ID!) { node(id: $id) { __typename id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            node["data"]["node"]["__typename"], e["subjectType"],
            "{node} for {msg}"
        );
        assert_eq!(node["data"]["node"]["id"], id);
        let kind = e["subjectType"].as_str().unwrap().to_owned();
        if let Some((record, role)) = expected.get(kind.as_str()) {
            assert_eq!(id, record.as_str().unwrap(), "{msg}");
            assert_eq!(e["actorRole"], *role, "{msg}");
            let name = if *role == "OWNER" {
                &owner_name
            } else {
                &reception_name
            };
            assert_eq!(e["actorName"], name.as_str(), "{msg}");
            seen.insert(kind, ());
        }
    }

    // The timelines say who did each step, in the role they did it in.
    app.gql(
        Some(&butler),
        "mutation($r: ID!) { forwardRenovation(renovationId: $r) { state } }",
        json!({ "r": renovation }),
    )
    .await;
    let butler_name = name_of(&app, &butler).await;
    let steps = |out: &Value| -> Vec<(String, String, String)> {
        let node = &out["data"]["node"];
        node["timeline"]
            .as_array()
            .unwrap_or_else(|| panic!("{out}"))
            .iter()
            .map(|t| {
                (
                    t["action"].as_str().unwrap().to_owned(),
                    t["actorName"].as_str().unwrap_or("").to_owned(),
                    t["actorRole"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let r = app
        .gql(Some(&manager), TIMELINE, json!({ "id": renovation }))
        .await;
    assert_eq!(
        steps(&r),
        vec![
            (
                "renovation.applied".into(),
                owner_name.clone(),
                "OWNER".into()
            ),
            ("renovation.forwarded".into(), butler_name, "BUTLER".into())
        ],
        "{r}"
    );
    let o = app
        .gql(Some(&owner), TIMELINE, json!({ "id": order }))
        .await;
    assert_eq!(
        (steps(&o)[0].1.as_str(), steps(&o)[0].2.as_str()),
        (owner_name.as_str(), "OWNER"),
        "{o}"
    );
    let m = app
        .gql(Some(&owner), TIMELINE, json!({ "id": booking }))
        .await;
    assert_eq!(
        steps(&m),
        vec![("move.booked".into(), owner_name.clone(), "OWNER".into())],
        "{m}"
    );
    let k = app
        .gql(Some(&reception), TIMELINE, json!({ "id": key }))
        .await;
    assert_eq!(steps(&k)[0].1, reception_name, "{k}");
    assert_eq!(steps(&k)[0].2, "RECEPTION", "{k}");
}

/// A step the state does not allow names the state and the step in words, in one language:
/// Chinese by default, English on request, never the code's names (`Cancel`, `CANCELLED`).
#[tokio::test]
async fn a_refused_step_names_the_state_and_the_step_in_the_readers_language() {
    let app = spawn_app().await;
    let (order, owner) = crate::repairs::booked(&app, "ev-words").await;
    let cancel = "mutation($o: ID!) { cancelRepair(orderId: $o) { state } }";
    assert_eq!(
        outcome(&app.gql(Some(&owner), cancel, json!({ "o": order })).await),
        "OK"
    );
    let zh = app.gql(Some(&owner), cancel, json!({ "o": order })).await;
    assert_eq!(error_code(&zh), "INVALID_STATE_TRANSITION", "{zh}");
    assert_eq!(zh["errors"][0]["extensions"]["currentState"], "CANCELLED");
    assert_eq!(
        zh["errors"][0]["message"], "当前状态为「已取消」，不能取消报修",
        "{zh}"
    );
    let en: Value = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&owner)
        .header("Accept-Language", "en")
        .json(&json!({ "query": cancel, "variables": { "o": order } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        en["errors"][0]["message"], "Cannot cancel the order: it is cancelled",
        "{en}"
    );

    // The guard's second scan of a used release pass, as the issue found it.
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let out = app
        .gql(
            Some(&owner),
            "mutation($i: BookMoveInput!) { bookMove(input: $i) { passCode } }",
            crate::moves::booking(
                &house,
                "IN",
                guanjia::service::today_in_community(),
                "ev-pass",
            ),
        )
        .await;
    let code = out["data"]["bookMove"]["passCode"]
        .as_str()
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    let guard = app.login(SECURITY).await;
    let c1 = app.community_id("CUIHU").await;
    let pass = "mutation($c: ID!, $code: String!) { useReleasePass(communityId: $c, code: $code) { state } }";
    assert_eq!(
        outcome(
            &app.gql(Some(&guard), pass, json!({ "c": c1, "code": code }))
                .await
        ),
        "OK"
    );
    let again: Value = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&guard)
        .header("Accept-Language", "en")
        .json(&json!({ "query": pass, "variables": { "c": c1, "code": code } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&again), "INVALID_STATE_TRANSITION", "{again}");
    assert_eq!(
        again["errors"][0]["message"], "Cannot let the goods through: it is already used",
        "{again}"
    );
    let zh = app
        .gql(Some(&guard), pass, json!({ "c": c1, "code": code }))
        .await;
    assert_eq!(
        zh["errors"][0]["message"], "当前状态为「已使用」，不能放行",
        "{zh}"
    );
}
