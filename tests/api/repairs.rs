//! Repair booking: from an owner's tap to the follow-up call.
use crate::helpers::*;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

pub const BOOK: &str =
    "mutation($i: BookRepairInput!) { bookRepair(input: $i) { id state channel } }";
const DISPATCH: &str = "mutation($o: ID!, $t: ID!, $at: DateTime!) { dispatchRepair(orderId: $o, technicianId: $t, appointmentAt: $at) { state technicianName appointmentAt } }";
const STEP: &str = "mutation($o: ID!) { STEP(orderId: $o) { state } }";

pub fn in_hours(h: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(h)).to_rfc3339()
}

pub async fn technician_staff_id(app: &TestApp) -> Value {
    let manager = app.login(MANAGER).await;
    let c1 = app.community_id("CUIHU").await;
    let out = app.gql(Some(&manager), "query($c: ID!) { node(id: $c) { ... on Community { staff(role: TECHNICIAN) { edges { node { id } } } } } }", json!({ "c": c1 })).await;
    out["data"]["node"]["staff"]["edges"][0]["node"]["id"].clone()
}

/// Owner 1 books a water repair for 1栋1单元101; returns (order id, owner token).
pub async fn booked(app: &TestApp, key: &str) -> (Value, String) {
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let input = json!({ "houseId": house, "category": "WATER", "description": "厨房水龙头漏水", "preferredFrom": in_hours(2), "preferredTo": in_hours(4), "clientKey": key });
    let out = app.gql(Some(&owner), BOOK, json!({ "i": input })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    (out["data"]["bookRepair"]["id"].clone(), owner)
}

async fn step(app: &TestApp, token: &str, name: &str, order: &Value) -> Value {
    app.gql(
        Some(token),
        &STEP.replace("STEP", name),
        json!({ "o": order }),
    )
    .await
}

#[tokio::test]
async fn an_order_goes_from_the_owners_tap_to_the_follow_up_call() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let c1 = app.community_id("CUIHU").await;
    let price = app.gql(Some(&manager), "mutation($c: ID!) { createServicePrice(communityId: $c, name: \"更换水龙头\", unit: \"个\", priceFen: 5000) { id } }", json!({ "c": c1 })).await;
    let price_id = price["data"]["createServicePrice"]["id"].clone();
    let (order, owner) = booked(&app, "tap-1").await;
    // A retried tap is the same order.
    let (again, _) = booked(&app, "tap-1").await;
    assert_eq!(again, order);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM repair_orders").await, 1);

    let reception = app.login(RECEPTION).await;
    let tech_staff = technician_staff_id(&app).await;
    let out = app
        .gql(
            Some(&reception),
            DISPATCH,
            json!({ "o": order, "t": tech_staff, "at": in_hours(3) }),
        )
        .await;
    assert_eq!(
        out["data"]["dispatchRepair"]["state"], "DISPATCHED",
        "{out}"
    );
    assert_eq!(out["data"]["dispatchRepair"]["technicianName"], "周师傅");

    // The technician's queue: address and phone of their own order.
    let tech = app.login(TECHNICIAN).await;
    let tomorrow = (guanjia::service::fees::today() + chrono::Duration::days(1)).to_string();
    let q = app.gql(Some(&tech), "query($d: NaiveDate) { myRepairQueue(date: $d) { edges { node { id address contactPhone state } } } }", json!({ "d": tomorrow })).await;
    let item = &q["data"]["myRepairQueue"]["edges"][0]["node"];
    assert_eq!(item["id"], order);
    assert_eq!(item["address"], "翠湖花园 1栋 1单元 101");
    assert_eq!(item["contactPhone"], OWNER1);

    for (who, s, expect) in [
        (&tech, "acceptRepair", "DISPATCHED"),
        (&tech, "startRepair", "IN_PROGRESS"),
    ] {
        let out = step(&app, who, s, &order).await;
        assert_eq!(out["data"][s]["state"], expect, "{s}: {out}");
    }
    let out = app
        .gql(
            Some(&tech),
            "mutation($o: ID!) { pauseRepair(orderId: $o, reason: \"等配件\") { state } }",
            json!({ "o": order }),
        )
        .await;
    assert_eq!(out["data"]["pauseRepair"]["state"], "PAUSED");
    assert_eq!(
        step(&app, &tech, "resumeRepair", &order).await["data"]["resumeRepair"]["state"],
        "IN_PROGRESS"
    );
    let complete = "mutation($o: ID!, $p: ID!) { completeRepair(orderId: $o, workDone: \"更换了水龙头\", materials: \"水龙头 1 个\", charges: [{ servicePriceId: $p, quantity: 1 }]) { state chargeBill { amountFen lines { description } } followUpBy } }";
    let out = app
        .gql(Some(&tech), complete, json!({ "o": order, "p": price_id }))
        .await;
    assert_eq!(out["data"]["completeRepair"]["state"], "COMPLETED", "{out}");
    assert!(out["data"]["completeRepair"]["followUpBy"].is_string());
    // The charge is a bill the owner sees with the order and in what they owe.
    let mine = app.gql(Some(&owner), "{ myRepairOrders { edges { node { state chargeBill { amountFen } timeline { action toState } lastEvent { action toState } } } } }", json!({})).await;
    let node = &mine["data"]["myRepairOrders"]["edges"][0]["node"];
    assert_eq!(node["chargeBill"]["amountFen"], 5000, "{mine}");
    let steps: Vec<&str> = node["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "repair.booked",
            "repair.dispatched",
            "repair.accepted",
            "repair.started",
            "repair.paused",
            "repair.resumed",
            "repair.completed"
        ]
    );
    // The home screen shows only where each order stands: the last step.
    assert_eq!(
        node["lastEvent"],
        json!({ "action": "repair.completed", "toState": "COMPLETED" })
    );
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let owed = app
        .gql(
            Some(&owner),
            "query($h: ID!) { owed(houseId: $h) { dueFen } }",
            json!({ "h": house }),
        )
        .await;
    assert_eq!(owed["data"]["owed"]["dueFen"], 5000);

    let butler = app.login(BUTLER).await;
    let out = app.gql(Some(&butler), "mutation($o: ID!) { followUpRepair(orderId: $o, satisfaction: 5, comment: \"满意\") { state satisfaction } }", json!({ "o": order })).await;
    assert_eq!(
        out["data"]["followUpRepair"]["state"], "FOLLOWED_UP",
        "{out}"
    );
    let out = app
        .gql(
            Some(&owner),
            "mutation($o: ID!) { evaluateRepair(orderId: $o, rating: 5) { rating } }",
            json!({ "o": order }),
        )
        .await;
    assert_eq!(out["data"]["evaluateRepair"]["rating"], 5);
    let targets = app.gql(Some(&manager), "query($c: ID!, $p: String!) { repairTargets(communityId: $c, period: $p) { completed followUpRateBps averageSatisfactionX100 paidServiceSatisfactionBps } }", json!({ "c": c1, "p": crate::fees::period(0) })).await;
    assert_eq!(
        targets["data"]["repairTargets"],
        json!({ "completed": 1, "followUpRateBps": 10000, "averageSatisfactionX100": 500, "paidServiceSatisfactionBps": 10000 })
    );
}

#[tokio::test]
async fn illegal_steps_and_bad_input_are_clear_errors_that_change_nothing() {
    let app = spawn_app().await;
    let (order, owner) = booked(&app, "k1").await;
    let reception = app.login(RECEPTION).await;
    let tech = app.login(TECHNICIAN).await;
    let tech_staff = technician_staff_id(&app).await;
    // An appointment in the past.
    let past = app
        .gql(
            Some(&reception),
            DISPATCH,
            json!({ "o": order, "t": tech_staff, "at": in_hours(-2) }),
        )
        .await;
    assert_eq!(error_code(&past), "BAD_USER_INPUT");
    app.gql(
        Some(&reception),
        DISPATCH,
        json!({ "o": order, "t": tech_staff, "at": in_hours(1) }),
    )
    .await;
    // Completing an order that was never started.
    let out = app
        .gql(
            Some(&tech),
            "mutation($o: ID!) { completeRepair(orderId: $o, workDone: \"x\") { state } }",
            json!({ "o": order }),
        )
        .await;
    assert_eq!(error_code(&out), "INVALID_STATE_TRANSITION");
    assert_eq!(out["errors"][0]["extensions"]["currentState"], "DISPATCHED");
    step(&app, &tech, "startRepair", &order).await;
    // A charge that is not on the price list.
    let out = app.gql(Some(&tech), "mutation($o: ID!) { completeRepair(orderId: $o, workDone: \"x\", charges: [{ servicePriceId: \"999\", quantity: 1 }]) { state } }", json!({ "o": order })).await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT");
    assert_eq!(out["errors"][0]["extensions"]["field"], "charges");
    app.gql(
        Some(&tech),
        "mutation($o: ID!) { completeRepair(orderId: $o, workDone: \"修好了\") { state } }",
        json!({ "o": order }),
    )
    .await;
    // A follow-up by the technician; a rating of 7.
    let out = app
        .gql(
            Some(&tech),
            "mutation($o: ID!) { followUpRepair(orderId: $o, satisfaction: 5) { state } }",
            json!({ "o": order }),
        )
        .await;
    assert_eq!(error_code(&out), "FORBIDDEN");
    let out = app
        .gql(
            Some(&owner),
            "mutation($o: ID!) { evaluateRepair(orderId: $o, rating: 7) { rating } }",
            json!({ "o": order }),
        )
        .await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT");
    // Cancelling after work started.
    assert_eq!(
        error_code(&step(&app, &owner, "cancelRepair", &order).await),
        "INVALID_STATE_TRANSITION"
    );
    // A booking for someone else's house.
    let theirs = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    let out = app.gql(Some(&owner), BOOK, json!({ "i": { "houseId": theirs, "category": "WALLS", "description": "墙裂了", "clientKey": "x" } })).await;
    assert_eq!(error_code(&out), "NOT_FOUND");
    // A slot in the past.
    let mine = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let out = app.gql(Some(&owner), BOOK, json!({ "i": { "houseId": mine, "category": "WALLS", "description": "墙裂了", "preferredFrom": in_hours(-3), "clientKey": "y" } })).await;
    assert_eq!(out["errors"][0]["extensions"]["field"], "preferredFrom");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM repair_orders").await, 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM repair_orders WHERE satisfaction IS NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn an_unsatisfied_owner_sends_the_order_back_to_dispatch() {
    let app = spawn_app().await;
    let (order, _) = booked(&app, "k").await;
    let reception = app.login(RECEPTION).await;
    let tech = app.login(TECHNICIAN).await;
    let tech_staff = technician_staff_id(&app).await;
    app.gql(
        Some(&reception),
        DISPATCH,
        json!({ "o": order, "t": tech_staff, "at": in_hours(1) }),
    )
    .await;
    step(&app, &tech, "startRepair", &order).await;
    app.gql(
        Some(&tech),
        "mutation($o: ID!) { completeRepair(orderId: $o, workDone: \"修好了\") { state } }",
        json!({ "o": order }),
    )
    .await;
    let manager = app.login(MANAGER).await;
    let out = app.gql(Some(&manager), "mutation($o: ID!) { followUpRepair(orderId: $o, satisfaction: 1, comment: \"还在漏\") { state } }", json!({ "o": order })).await;
    assert_eq!(out["data"]["followUpRepair"]["state"], "REOPENED");
    let c1 = app.community_id("CUIHU").await;
    let list = app.gql(Some(&reception), "query($c: ID!) { repairOrders(communityId: $c, view: UNASSIGNED) { edges { node { id } } } }", json!({ "c": c1 })).await;
    assert_eq!(
        list["data"]["repairOrders"]["edges"][0]["node"]["id"],
        order
    );
    let out = app
        .gql(
            Some(&reception),
            DISPATCH,
            json!({ "o": order, "t": tech_staff, "at": in_hours(2) }),
        )
        .await;
    assert_eq!(out["data"]["dispatchRepair"]["state"], "DISPATCHED");
}

#[tokio::test]
async fn racing_steps_have_exactly_one_winner() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let manager = app.login(MANAGER).await;
    let tech = app.login(TECHNICIAN).await;
    let tech_staff = technician_staff_id(&app).await;
    for round in 0..3 {
        let (order, owner) = booked(&app, &format!("race-{round}")).await;
        // Two dispatchers at once.
        let (a, b) = tokio::join!(
            app.gql(
                Some(&reception),
                DISPATCH,
                json!({ "o": order, "t": tech_staff, "at": in_hours(1) })
            ),
            app.gql(
                Some(&manager),
                DISPATCH,
                json!({ "o": order, "t": tech_staff, "at": in_hours(2) })
            )
        );
        let mut got = [outcome(&a), outcome(&b)];
        got.sort();
        assert!(
            got == ["CONFLICT", "OK"] || got == ["INVALID_STATE_TRANSITION", "OK"],
            "{a} {b}"
        );
        // The owner cancels while the technician starts.
        let (c, s) = tokio::join!(
            step(&app, &owner, "cancelRepair", &order),
            step(&app, &tech, "startRepair", &order)
        );
        let mut got = [outcome(&c), outcome(&s)];
        got.sort();
        assert!(
            got == ["CONFLICT", "OK"] || got == ["INVALID_STATE_TRANSITION", "OK"],
            "{c} {s}"
        );
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM events WHERE action = 'repair.dispatched'")
            .await,
        3
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE action IN ('repair.cancelled', 'repair.started')"
        )
        .await,
        3
    );
}

#[tokio::test]
async fn the_repair_screens_cost_the_same_whatever_their_length() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let tech_staff = technician_staff_id(&app).await;
    let owner = app.login(OWNER1).await;
    let tech = app.login(TECHNICIAN).await;
    let c1 = app.community_id("CUIHU").await;
    let owner_q = "{ myRepairOrders { edges { node { state address timeline { action at } photos { url } overdue dueSoon resolveBy technicianName } } } }";
    let tech_q = "{ myRepairQueue { edges { node { address contactPhone contactName appointmentAt overdue } } } }";
    let desk_q = "query($c: ID!, $v: OrderView!) { repairOrders(communityId: $c, view: $v) { edges { node { state address contactPhone overdue dispatchBy timeline { action } } } } }";
    let mut counts = vec![];
    for n in [1, 5] {
        while app.scalar("SELECT COUNT(*) FROM repair_orders").await < n {
            let i = app.scalar("SELECT COUNT(*) FROM repair_orders").await;
            let (order, _) = booked(&app, &format!("s{i}")).await;
            app.gql(
                Some(&reception),
                DISPATCH,
                json!({ "o": order, "t": tech_staff, "at": in_hours(1) }),
            )
            .await;
        }
        let (a, owner_n) = app.counted(Some(&owner), owner_q, json!({})).await;
        assert_eq!(
            a["data"]["myRepairOrders"]["edges"]
                .as_array()
                .unwrap()
                .len() as i64,
            n,
            "{a}"
        );
        let (_, tech_n) = app.counted(Some(&tech), tech_q, json!({})).await;
        let (_, desk_n) = app
            .counted(Some(&reception), desk_q, json!({ "c": c1, "v": "ALL" }))
            .await;
        let (_, overdue_n) = app
            .counted(Some(&reception), desk_q, json!({ "c": c1, "v": "OVERDUE" }))
            .await;
        eprintln!("statements with {n} orders: owner {owner_n}, technician {tech_n}, desk {desk_n}, overdue {overdue_n}");
        counts.push([owner_n, tech_n, desk_n, overdue_n]);
    }
    for (one, five) in counts[0].iter().zip(counts[1].iter()) {
        assert!(five <= &(one + 1), "1 order vs 5 orders: {counts:?}");
    }
}

#[tokio::test]
async fn the_owner_confirms_a_new_time_and_clocks_are_per_community() {
    let app = spawn_app().await;
    let (order, owner) = booked(&app, "t1").await;
    let reception = app.login(RECEPTION).await;
    let tech = app.login(TECHNICIAN).await;
    let manager = app.login(MANAGER).await;
    let tech_staff = technician_staff_id(&app).await;
    let c1 = app.community_id("CUIHU").await;
    let out = app.gql(Some(&manager), "mutation($c: ID!) { setRepairClocks(communityId: $c, dispatchMinutes: 15, hardDays: 5, followUpHours: 12) { dispatchMinutes } }", json!({ "c": c1 })).await;
    assert_eq!(
        out["data"]["setRepairClocks"]["dispatchMinutes"], 15,
        "{out}"
    );
    let o = app
        .gql(
            Some(&owner),
            "query($o: ID!) { node(id: $o) { ... on RepairOrder { createdAt dispatchBy } } }",
            json!({ "o": order }),
        )
        .await;
    let created =
        chrono::DateTime::parse_from_rfc3339(o["data"]["node"]["createdAt"].as_str().unwrap())
            .unwrap();
    let due =
        chrono::DateTime::parse_from_rfc3339(o["data"]["node"]["dispatchBy"].as_str().unwrap())
            .unwrap();
    assert_eq!((due - created).num_minutes(), 15);
    app.gql(
        Some(&reception),
        DISPATCH,
        json!({ "o": order, "t": tech_staff, "at": in_hours(1) }),
    )
    .await;
    let later = in_hours(5);
    let out = app.gql(Some(&tech), "mutation($o: ID!, $at: DateTime!) { proposeRepairTime(orderId: $o, at: $at, reason: \"上午有别的单\") { proposedAt } }", json!({ "o": order, "at": later })).await;
    assert!(
        out["data"]["proposeRepairTime"]["proposedAt"].is_string(),
        "{out}"
    );
    // Only the household confirms.
    assert_eq!(
        error_code(&step(&app, &tech, "confirmRepairTime", &order).await),
        "FORBIDDEN"
    );
    let out = app
        .gql(
            Some(&owner),
            "mutation($o: ID!) { confirmRepairTime(orderId: $o) { appointmentAt proposedAt } }",
            json!({ "o": order }),
        )
        .await;
    assert!(
        out["data"]["confirmRepairTime"]["proposedAt"].is_null(),
        "{out}"
    );
    let agreed = chrono::DateTime::parse_from_rfc3339(
        out["data"]["confirmRepairTime"]["appointmentAt"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        agreed.timestamp(),
        chrono::DateTime::parse_from_rfc3339(&later)
            .unwrap()
            .timestamp()
    );
    // The owner chases it; the count is recorded.
    let out = app
        .gql(
            Some(&owner),
            "mutation($o: ID!) { urgeRepair(orderId: $o, note: \"快点\") { urgeCount } }",
            json!({ "o": order }),
        )
        .await;
    assert_eq!(out["data"]["urgeRepair"]["urgeCount"], 1);
}

#[tokio::test]
async fn staff_raise_public_area_orders_and_register_calls_for_households() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let c1 = app.community_id("CUIHU").await;
    let areas = app.gql(Some(&reception), "query($c: ID!) { node(id: $c) { ... on Community { publicAreas { edges { node { id name } } } } } }", json!({ "c": c1 })).await;
    let lift = areas["data"]["node"]["publicAreas"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == "1栋电梯")
        .unwrap()["node"]["id"]
        .clone();
    let out = app.gql(Some(&reception), BOOK, json!({ "i": { "publicAreaId": lift, "category": "LIFT", "description": "电梯按钮失灵", "channel": "PATROL", "clientKey": "pa-1" } })).await;
    assert_eq!(out["data"]["bookRepair"]["channel"], "PATROL", "{out}");
    // The desk's list names each order's area; a second public-area order costs no statement more.
    let desk = "query($c: ID!) { repairOrders(communityId: $c) { edges { node { address } } } }";
    let (one, with_one) = app
        .counted(Some(&reception), desk, json!({ "c": c1 }))
        .await;
    assert!(
        one["data"]["repairOrders"]["edges"][0]["node"]["address"]
            .as_str()
            .unwrap()
            .ends_with(" 1栋电梯"),
        "{one}"
    );
    let other = areas["data"]["node"]["publicAreas"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] != "1栋电梯")
        .unwrap()["node"]
        .clone();
    let out = app.gql(Some(&reception), BOOK, json!({ "i": { "publicAreaId": other["id"], "category": "OTHER", "description": "灯不亮", "channel": "PATROL", "clientKey": "pa-3" } })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    let (two, with_two) = app
        .counted(Some(&reception), desk, json!({ "c": c1 }))
        .await;
    let addresses: Vec<&str> = two["data"]["repairOrders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["address"].as_str().unwrap())
        .collect();
    assert!(
        addresses
            .iter()
            .any(|a| a.ends_with(other["name"].as_str().unwrap())),
        "{two}"
    );
    assert_eq!(with_two, with_one, "1 vs 2 public-area orders");
    // An owner cannot raise public-area orders.
    let owner = app.login(OWNER1).await;
    let out = app.gql(Some(&owner), BOOK, json!({ "i": { "publicAreaId": lift, "category": "LIFT", "description": "x", "clientKey": "pa-2" } })).await;
    assert_eq!(error_code(&out), "FORBIDDEN");
    // Reception registers an owner's phone call; the owner sees it among their orders.
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let out = app.gql(Some(&reception), BOOK, json!({ "i": { "houseId": house, "category": "ELECTRICITY", "description": "客厅插座没电", "channel": "PHONE", "clientKey": "call-1" } })).await;
    assert_eq!(out["data"]["bookRepair"]["channel"], "PHONE", "{out}");
    let mine = app
        .gql(
            Some(&owner),
            "{ myRepairOrders { edges { node { channel address } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["data"]["myRepairOrders"]["edges"][0]["node"]["channel"],
        "PHONE"
    );
    // The technician cannot register calls for households.
    let tech = app.login(TECHNICIAN).await;
    let out = app.gql(Some(&tech), BOOK, json!({ "i": { "houseId": house, "category": "WATER", "description": "x", "channel": "PHONE", "clientKey": "t-1" } })).await;
    assert_eq!(error_code(&out), "NOT_FOUND");
}

/// An owner with homes in two communities: each order runs on its own community's clocks, and
/// the list reads both communities' clocks in one statement (it took one more per community).
#[tokio::test]
async fn an_owner_with_homes_in_two_communities_gets_each_communitys_clocks_in_one_statement() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let home = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let home_id = guanjia::domain::GlobalId::decode_as(
        "h",
        &async_graphql::ID(home.clone()),
        guanjia::domain::NodeKind::House,
    )
    .unwrap();
    // The owner also bought a flat in 云栖苑 (bound at its handover; here, straight in the table).
    let second = app
        .scalar("SELECT MIN(h.id) FROM houses h JOIN communities c ON c.id = h.community_id WHERE c.code = 'YUNQI' AND h.id NOT IN (SELECT house_id FROM house_members)")
        .await;
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO house_members (community_id, house_id, user_id, relation, tenant_may_see_bills, created_at) \
             SELECT h.community_id, h.id, m.user_id, m.relation, m.tenant_may_see_bills, m.created_at \
             FROM houses h, house_members m JOIN users u ON u.id = m.user_id \
             WHERE h.id = {second} AND m.house_id = {home_id} AND u.phone = '{OWNER1}' AND m.ended_at IS NULL"
        ))
        .await
        .unwrap();
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM house_members WHERE house_id = {second}"
        ))
        .await,
        1
    );
    let second = guanjia::domain::GlobalId::encode(guanjia::domain::NodeKind::House, second).0;
    for (manager, code, minutes) in [(MANAGER, "CUIHU", 15), (MANAGER_C2, "YUNQI", 45)] {
        let token = app.login(manager).await;
        let c = app.community_id(code).await;
        let out = app.gql(Some(&token), "mutation($c: ID!, $m: Int!) { setRepairClocks(communityId: $c, dispatchMinutes: $m, hardDays: 5, followUpHours: 12) { dispatchMinutes } }", json!({ "c": c, "m": minutes })).await;
        assert_eq!(
            out["data"]["setRepairClocks"]["dispatchMinutes"], minutes,
            "{out}"
        );
    }
    let book = |house: &str, key: &str| json!({ "i": { "houseId": house, "category": "WATER", "description": "漏水", "clientKey": key } });
    let list = "{ myRepairOrders { edges { node { address createdAt dispatchBy } } } }";
    let mut statements = vec![];
    for (house, key) in [(&home, "a"), (&home, "b"), (&second, "c")] {
        let out = app.gql(Some(&owner), BOOK, book(house, key)).await;
        assert_eq!(outcome(&out), "OK", "{out}");
        if key != "a" {
            let (out, n) = app.counted(Some(&owner), list, json!({})).await;
            assert_eq!(outcome(&out), "OK", "{out}");
            statements.push(n);
            for edge in out["data"]["myRepairOrders"]["edges"].as_array().unwrap() {
                let node = &edge["node"];
                let at = |f: &str| {
                    chrono::DateTime::parse_from_rfc3339(node[f].as_str().unwrap()).unwrap()
                };
                let expected = if node["address"].as_str().unwrap().contains("云栖苑") {
                    45
                } else {
                    15
                };
                assert_eq!(
                    (at("dispatchBy") - at("createdAt")).num_minutes(),
                    expected,
                    "{node}"
                );
            }
        }
    }
    assert_eq!(
        statements[0], statements[1],
        "two orders in one community, then a third in another: {statements:?}"
    );
}

/// The home screen asks for the open orders only: a cancelled order and a followed-up one drop
/// out of `open: true` and are all of `open: false`; a completed one, whose follow-up call is
/// still due, stays open. Another owner's open order is in none of the lists.
#[tokio::test]
async fn the_owners_open_orders_leave_out_the_cancelled_and_the_followed_up() {
    let app = spawn_app().await;
    let (cancelled, owner) = booked(&app, "open-1").await;
    let (followed_up, _) = booked(&app, "open-2").await;
    let (completed, _) = booked(&app, "open-3").await;
    let (submitted, _) = booked(&app, "open-4").await;
    // Another owner's open order, in another house: in none of owner 1's lists.
    let theirs = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    let other = app.login(OWNER2).await;
    let out = app.gql(Some(&other), BOOK, json!({ "i": { "houseId": theirs, "category": "WALLS", "description": "墙裂了", "clientKey": "open-theirs" } })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    assert_eq!(
        step(&app, &owner, "cancelRepair", &cancelled).await["data"]["cancelRepair"]["state"],
        "CANCELLED"
    );
    let reception = app.login(RECEPTION).await;
    let tech = app.login(TECHNICIAN).await;
    let tech_staff = technician_staff_id(&app).await;
    for (order, at) in [(&followed_up, 1), (&completed, 3)] {
        let out = app
            .gql(
                Some(&reception),
                DISPATCH,
                json!({ "o": order, "t": tech_staff, "at": in_hours(at) }),
            )
            .await;
        assert_eq!(
            out["data"]["dispatchRepair"]["state"], "DISPATCHED",
            "{out}"
        );
        step(&app, &tech, "startRepair", order).await;
        let out = app
            .gql(
                Some(&tech),
                "mutation($o: ID!) { completeRepair(orderId: $o, workDone: \"修好了\") { state } }",
                json!({ "o": order }),
            )
            .await;
        assert_eq!(out["data"]["completeRepair"]["state"], "COMPLETED", "{out}");
    }
    let butler = app.login(BUTLER).await;
    let out = app
        .gql(
            Some(&butler),
            "mutation($o: ID!) { followUpRepair(orderId: $o, satisfaction: 5) { state } }",
            json!({ "o": followed_up }),
        )
        .await;
    assert_eq!(
        out["data"]["followUpRepair"]["state"], "FOLLOWED_UP",
        "{out}"
    );

    let list = |open: Value| {
        let (app, owner) = (&app, &owner);
        async move {
            let out = app
                .gql(
                    Some(owner),
                    "query($open: Boolean) { myRepairOrders(open: $open) { nodes { id } } }",
                    json!({ "open": open }),
                )
                .await;
            let nodes = out["data"]["myRepairOrders"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{out}"))
                .clone();
            nodes
                .into_iter()
                .map(|n| n["id"].clone())
                .collect::<Vec<Value>>()
        }
    };
    assert_eq!(
        list(json!(true)).await,
        [completed.clone(), submitted.clone()]
    );
    assert_eq!(
        list(json!(false)).await,
        [cancelled.clone(), followed_up.clone()]
    );
    assert_eq!(
        list(Value::Null).await,
        [cancelled, followed_up, completed, submitted]
    );
}

/// The owner's list holds the orders of their houses, whoever booked them, and those they
/// booked, each once, and pages through them by id both ways.
#[tokio::test]
async fn the_owners_list_pages_through_their_houses_orders_and_their_own_once_each() {
    let app = spawn_app().await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let other = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    let book = |who: &'static str, house: String, key: &'static str, channel: &'static str| {
        let app = &app;
        async move {
            let token = app.login(who).await;
            let input = json!({ "houseId": house, "category": "WATER", "description": key, "channel": channel, "clientKey": key });
            let out = app.gql(Some(&token), BOOK, json!({ "i": input })).await;
            assert_eq!(outcome(&out), "OK", "{key}: {out}");
            out["data"]["bookRepair"]["id"].as_str().unwrap().to_owned()
        }
    };
    let mut expected = vec![
        book(OWNER1, house.clone(), "o-1", "APP").await,
        book(FAMILY, house.clone(), "f-1", "APP").await,
        book(OWNER1, house.clone(), "o-2", "APP").await,
    ];
    book(OWNER2, other, "not-mine", "APP").await;
    expected.push(book(RECEPTION, house.clone(), "call-1", "PHONE").await);
    expected.push(book(OWNER1, house, "o-3", "APP").await);

    let owner = app.login(OWNER1).await;
    let list = "query($first: Int, $after: String, $last: Int, $before: String) { myRepairOrders(first: $first, after: $after, last: $last, before: $before) { edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage } } }";
    let page = |vars: Value| {
        let (app, owner) = (&app, &owner);
        async move {
            let out = app.gql(Some(owner), list, vars).await;
            let conn = out["data"]["myRepairOrders"].clone();
            assert!(conn.is_object(), "{out}");
            let ids: Vec<String> = conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
                .collect();
            let cursors: Vec<Value> = conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["cursor"].clone())
                .collect();
            // `nodes` is the same page without the cursors, in the same order.
            let nodes: Vec<String> = conn["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(nodes, ids, "{out}");
            (
                ids,
                cursors,
                conn["pageInfo"]["hasNextPage"] == true,
                conn["pageInfo"]["hasPreviousPage"] == true,
            )
        }
    };
    // Forward, two at a time: every order once, in booking order.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let (ids, cursors, more, _) = page(json!({ "first": 2, "after": after })).await;
        seen.extend(ids);
        if !more {
            break;
        }
        after = cursors.last().unwrap().clone();
    }
    assert_eq!(seen, expected);
    // Backward from the end: the last two, then the two before them.
    let (ids, cursors, _, earlier) = page(json!({ "last": 2 })).await;
    assert_eq!((ids.as_slice(), earlier), (&expected[3..], true));
    let (ids, _, later, earlier) = page(json!({ "last": 2, "before": cursors[0] })).await;
    assert_eq!(
        (ids.as_slice(), later, earlier),
        (&expected[1..3], true, true)
    );
}
