//! The workflow engine under a race: the same step sent ten times at once on one record, for
//! every workflow on the engine. Exactly one wins; every other caller gets the same answer,
//! INVALID_STATE_TRANSITION naming the state the winner left, whether it lost the write or came
//! after it; the step's event is recorded once. And a step already taken, taken again, is that
//! same refusal with no new event.
use crate::helpers::*;
use crate::repairs::{booked, in_hours, technician_staff_id};
use serde_json::{json, Value};

const N: usize = 10;

/// Sends `query` N times at once; asserts one success and the same error from the rest, and
/// returns the winner's body and the losers' current state.
async fn race(app: &TestApp, token: &str, query: &str, vars: Value) -> (Value, String) {
    let calls = (0..N).map(|_| app.gql(Some(token), query, vars.clone()));
    let out = futures_util::future::join_all(calls).await;
    let (won, lost): (Vec<&Value>, Vec<&Value>) = out.iter().partition(|b| outcome(b) == "OK");
    assert_eq!(won.len(), 1, "exactly one wins: {out:?}");
    let states: Vec<&str> = lost
        .iter()
        .map(|b| {
            assert_eq!(
                outcome(b),
                "INVALID_STATE_TRANSITION",
                "every loser alike: {b}"
            );
            b["errors"][0]["extensions"]["currentState"]
                .as_str()
                .unwrap_or("")
        })
        .collect();
    assert!(
        states.iter().all(|s| *s == states[0] && !s.is_empty()),
        "every loser names the same state: {states:?}"
    );
    (won[0].clone(), states[0].to_owned())
}

async fn events(app: &TestApp, action: &str) -> i64 {
    app.scalar(&format!(
        "SELECT COUNT(*) FROM events WHERE action = '{action}'"
    ))
    .await
}

/// A dispatched order of owner 1, assigned to the demo technician.
async fn dispatched(app: &TestApp, key: &str) -> Value {
    let (order, _) = booked(app, key).await;
    let reception = app.login(RECEPTION).await;
    let out = app.gql(Some(&reception), "mutation($o: ID!, $t: ID!, $at: DateTime!) { dispatchRepair(orderId: $o, technicianId: $t, appointmentAt: $at) { state } }",
        json!({ "o": order, "t": technician_staff_id(app).await, "at": in_hours(3) })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    order
}

const ACCEPT: &str = "mutation($o: ID!) { acceptRepair(orderId: $o) { state } }";

#[tokio::test]
async fn ten_technician_taps_accept_an_order_once() {
    let app = spawn_app().await;
    let tech = app.login(TECHNICIAN).await;
    let order = dispatched(&app, "race-accept").await;
    let (_, state) = race(&app, &tech, ACCEPT, json!({ "o": order })).await;
    assert_eq!(state, "DISPATCHED");
    assert_eq!(events(&app, "repair.accepted").await, 1);
    // Ten owners' cancellations at once: one order cancelled, once.
    let (order, owner) = booked(&app, "race-cancel").await;
    let (won, state) = race(
        &app,
        &owner,
        "mutation($o: ID!) { cancelRepair(orderId: $o) { state } }",
        json!({ "o": order }),
    )
    .await;
    assert_eq!(won["data"]["cancelRepair"]["state"], "CANCELLED");
    assert_eq!(state, "CANCELLED");
    assert_eq!(events(&app, "repair.cancelled").await, 1);
}

#[tokio::test]
async fn a_repeated_step_is_refused_naming_the_state_and_records_nothing() {
    let app = spawn_app().await;
    let tech = app.login(TECHNICIAN).await;
    let order = dispatched(&app, "again").await;
    let first = app.gql(Some(&tech), ACCEPT, json!({ "o": order })).await;
    assert_eq!(
        first["data"]["acceptRepair"]["state"], "DISPATCHED",
        "{first}"
    );
    for _ in 0..2 {
        let again = app.gql(Some(&tech), ACCEPT, json!({ "o": order })).await;
        assert_eq!(error_code(&again), "INVALID_STATE_TRANSITION", "{again}");
        assert_eq!(
            again["errors"][0]["extensions"]["currentState"],
            "DISPATCHED"
        );
    }
    assert_eq!(events(&app, "repair.accepted").await, 1);
    // Chasing an order is the one repair step that may follow itself.
    let (order, owner) = booked(&app, "urge").await;
    let urge = "mutation($o: ID!) { urgeRepair(orderId: $o) { urgeCount } }";
    app.gql(Some(&owner), urge, json!({ "o": order })).await;
    let twice = app.gql(Some(&owner), urge, json!({ "o": order })).await;
    assert_eq!(twice["data"]["urgeRepair"]["urgeCount"], 2, "{twice}");

    // Another workflow, the same rule: a key sealed, sealed again.
    let reception = app.login(RECEPTION).await;
    let a = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let key = app
        .gql(
            Some(&reception),
            "mutation($h: ID!) { depositKey(houseId: $h, label: \"阳台门\") { id } }",
            json!({ "h": a }),
        )
        .await["data"]["depositKey"]["id"]
        .clone();
    let seal = "mutation($k: ID!) { sealKey(keyId: $k, sealNumber: \"F-9\") { state } }";
    let first = app.gql(Some(&reception), seal, json!({ "k": key })).await;
    assert_eq!(first["data"]["sealKey"]["state"], "SEALED", "{first}");
    let again = app.gql(Some(&reception), seal, json!({ "k": key })).await;
    assert_eq!(error_code(&again), "INVALID_STATE_TRANSITION", "{again}");
    assert_eq!(again["errors"][0]["extensions"]["currentState"], "SEALED");
    assert_eq!(events(&app, "key.sealed").await, 1);
}

#[tokio::test]
async fn ten_withdrawals_of_one_complaint_withdraw_it_once() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let c = crate::complaints::complained(&app, "FACILITIES").await;
    let (_, state) = race(
        &app,
        &owner,
        "mutation($c: ID!) { withdrawComplaint(complaintId: $c) { state } }",
        json!({ "c": c }),
    )
    .await;
    assert_eq!(state, "WITHDRAWN");
    assert_eq!(events(&app, "complaint.withdrawn").await, 1);
}

#[tokio::test]
async fn ten_submissions_of_one_renovation_draft_submit_it_once() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let mut draft = crate::renovation::application(&house, 1, 10);
    draft["submit"] = json!(false);
    let out = app
        .gql(
            Some(&owner),
            "mutation($i: ApplyRenovationInput!) { applyRenovation(input: $i) { id state } }",
            json!({ "i": draft }),
        )
        .await;
    assert_eq!(out["data"]["applyRenovation"]["state"], "DRAFT", "{out}");
    let id = out["data"]["applyRenovation"]["id"].clone();
    let (_, state) = race(
        &app,
        &owner,
        "mutation($r: ID!) { submitRenovation(renovationId: $r) { state } }",
        json!({ "r": id }),
    )
    .await;
    assert_eq!(state, "APPLIED");
    assert_eq!(events(&app, "renovation.submitted").await, 1);
}

#[tokio::test]
async fn ten_guards_taps_on_one_release_pass_let_the_goods_through_once() {
    let app = spawn_app().await;
    clear_of_midnight().await;
    let owner = app.login(OWNER1).await;
    let guard = app.login(SECURITY).await;
    let c1 = app.community_id("CUIHU").await;
    let a = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let today = guanjia::service::today_in_community();
    let out = app
        .gql(
            Some(&owner),
            "mutation($i: BookMoveInput!) { bookMove(input: $i) { id passCode } }",
            crate::moves::booking(&a, "OUT", today, "race-mv"),
        )
        .await;
    let code = out["data"]["bookMove"]["passCode"].clone();
    assert!(code.is_string(), "{out}");
    let (_, state) = race(
        &app,
        &guard,
        "mutation($c: ID!, $code: String!) { useReleasePass(communityId: $c, code: $code) { state } }",
        json!({ "c": c1, "code": code }),
    )
    .await;
    assert_eq!(state, "USED");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE action = 'move.changed' AND to_state = 'USED'"
        )
        .await,
        1
    );
    // And a booking called off ten times at once is cancelled once.
    let out = app
        .gql(
            Some(&owner),
            "mutation($i: BookMoveInput!) { bookMove(input: $i) { id } }",
            crate::moves::booking(&a, "IN", today, "race-mv-2"),
        )
        .await;
    let id = out["data"]["bookMove"]["id"].clone();
    let (_, state) = race(
        &app,
        &owner,
        "mutation($m: ID!) { cancelMove(bookingId: $m) { state } }",
        json!({ "m": id }),
    )
    .await;
    assert_eq!(state, "CANCELLED");
}

#[tokio::test]
async fn ten_lendings_of_one_key_lend_it_once_and_ten_decisions_decide_once() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let guard = app.login(SECURITY).await;
    let manager = app.login(MANAGER).await;
    let a = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let staff = crate::keys::staff_ids(&app).await;
    let deposit = "mutation($h: ID!, $l: String!, $s: String) { depositKey(houseId: $h, label: $l, sealNumber: $s) { id } }";
    let key = app
        .gql(Some(&reception), deposit, json!({ "h": a, "l": "阳台门" }))
        .await["data"]["depositKey"]["id"]
        .clone();
    let loan = json!({ "i": { "keyId": key, "purpose": "REPAIR", "borrowerId": staff["TECHNICIAN"], "dueBackAt": in_hours(2) } });
    let (_, state) = race(
        &app,
        &reception,
        "mutation($i: LendKeyInput!) { lendKey(input: $i) { state } }",
        loan,
    )
    .await;
    assert_eq!(state, "LENT");
    assert_eq!(events(&app, "key.lent").await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM key_loans").await, 1);

    let sealed = app
        .gql(
            Some(&reception),
            deposit,
            json!({ "h": a, "l": "入户门", "s": "F-3001" }),
        )
        .await["data"]["depositKey"]["id"]
        .clone();
    let asked = app
        .gql(
            Some(&guard),
            "mutation($k: ID!) { requestKeyOpening(keyId: $k, reason: \"楼下报漏水\") { id } }",
            json!({ "k": sealed }),
        )
        .await;
    let opening = asked["data"]["requestKeyOpening"]["id"].clone();
    assert!(opening.is_string(), "{asked}");
    let (_, state) = race(
        &app,
        &manager,
        "mutation($o: ID!) { decideKeyOpening(openingId: $o, approve: true) { state } }",
        json!({ "o": opening }),
    )
    .await;
    assert_eq!(state, "APPROVED");
    assert_eq!(events(&app, "key.opening_decided").await, 1);
}

#[tokio::test]
async fn ten_reports_of_one_lost_card_report_it_once() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let members = app.gql(Some(&owner), "query($h: ID!) { node(id: $h) { ... on House { members { edges { node { id isMe } } } } } }", json!({ "h": house })).await;
    let me = members["data"]["node"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["isMe"] == true)
        .unwrap()["node"]["id"]
        .clone();
    let card = app.gql(Some(&reception), "mutation($h: ID!, $m: ID!) { issueCard(houseId: $h, holderMemberId: $m, kind: ACCESS, number: \"R0001\") { id } }", json!({ "h": house, "m": me })).await;
    let card_id = card["data"]["issueCard"]["id"].clone();
    assert!(card_id.is_string(), "{card}");
    let (_, state) = race(
        &app,
        &owner,
        "mutation($c: ID!) { reportCardLost(cardId: $c) { state } }",
        json!({ "c": card_id }),
    )
    .await;
    assert_eq!(state, "LOST");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM card_changes WHERE state = 'LOST'")
            .await,
        1,
        "the access system hears of the loss once"
    );
}
