//! The authorization matrix: every query and mutation, as every role, on own and on someone
//! else's data. Grows with every feature. Each cell is "OK" or the expected `extensions.code`.
use crate::helpers::*;
use serde_json::{json, Value};

const ROLES: [&str; 14] = [
    "anon",
    "owner1",
    "owner2",
    "family",
    "tenant",
    "butler",
    "reception",
    "technician",
    "security",
    "manager",
    "finance",
    "admin",
    "manager2",
    "integrator",
];

const U: &str = "UNAUTHENTICATED";
const F: &str = "FORBIDDEN";
const N: &str = "NOT_FOUND";
const OK: &str = "OK";
const I: &str = "INVALID_STATE_TRANSITION";
const C: &str = "CONFLICT";

struct Op {
    name: &'static str,
    query: &'static str,
    vars: Box<dyn Fn(usize) -> Value>,
    /// Expected outcome per role, in ROLES order.
    expect: [&'static str; 14],
}

#[tokio::test]
async fn every_role_gets_exactly_what_it_may() {
    let app = spawn_app().await;
    let admin = app.login(ADMIN).await;
    let c1 = app.community_id("CUIHU").await;
    let house_a = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let house_d = app.house_id("CUIHU", "3栋", "1单元", "101").await;
    let house_b = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    let key = app
        .gql(Some(&admin), "mutation($c: ID!) { createApiKey(communityId: $c, name: \"ERP\", scopes: [ESTATE_READ]) { secret } }", json!({ "c": c1 }))
        .await["data"]["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let owner2 = app.login(OWNER2).await;
    let tenant_member = app
        .gql(Some(&owner2), "query($h: ID!) { node(id: $h) { ... on House { members { edges { node { id relation } } } } } }", json!({ "h": house_b }))
        .await["data"]["node"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["relation"] == "TENANT")
        .unwrap()["node"]["id"]
        .clone();
    let technician_staff = app
        .gql(Some(&admin), "query($c: ID!) { node(id: $c) { ... on Community { staff(role: TECHNICIAN) { edges { node { id } } } } } }", json!({ "c": c1 }))
        .await["data"]["node"]["staff"]["edges"][0]["node"]["id"]
        .clone();

    // Fees: a management fee and this month's bills, so money rows exist to be guarded.
    let item = json!({ "communityId": c1, "name": "物业费", "kind": "MANAGEMENT", "formula": "BY_AREA", "cycle": "MONTHLY", "unitPriceFen": 280 });
    app.gql(
        Some(&admin),
        "mutation($i: CreateFeeItemInput!) { createFeeItem(input: $i) { id } }",
        json!({ "i": item }),
    )
    .await;
    let gen = app.gql(Some(&admin), "mutation($c: ID!, $p: String!) { generateBills(communityId: $c, period: $p) { created } }", json!({ "c": c1, "p": crate::fees::period(0) })).await;
    assert_eq!(outcome(&gen), "OK", "{gen}");
    let bill_a = app
        .gql(
            Some(&admin),
            "query($h: ID!) { owed(houseId: $h) { openBills { id } } }",
            json!({ "h": house_a }),
        )
        .await["data"]["owed"]["openBills"][0]["id"]
        .clone();

    // Repairs: an order of house A booked by its owner, and the technician to dispatch to.
    let (order_a, _) = crate::repairs::booked(&app, "authz-setup").await;
    let tech_staff = crate::repairs::technician_staff_id(&app).await;

    // Renovation: owner 1 applies for house A.
    let ren_a = app
        .gql(
            Some(&app.login(OWNER1).await),
            "mutation($i: ApplyRenovationInput!) { applyRenovation(input: $i) { id } }",
            json!({ "i": crate::renovation::application(&house_a, 1, 20) }),
        )
        .await["data"]["applyRenovation"]["id"]
        .clone();

    // Cards: reception issues one to owner 1.
    let owner1 = app.login(OWNER1).await;
    let me = app.gql(Some(&owner1), "query($h: ID!) { node(id: $h) { ... on House { members { edges { node { id isMe } } } } } }", json!({ "h": house_a })).await
        ["data"]["node"]["members"]["edges"].as_array().unwrap().iter().find(|e| e["node"]["isMe"] == true).unwrap()["node"]["id"].clone();
    let card_a = app.gql(Some(&app.login(RECEPTION).await), "mutation($h: ID!, $m: ID!) { issueCard(houseId: $h, holderMemberId: $m, kind: ACCESS, number: \"AUTHZ1\") { id } }",
        json!({ "h": house_a, "m": me })).await["data"]["issueCard"]["id"].clone();

    // Moves and keys: two move-in bookings of house A (one to pass the gate, one to cancel), a
    // sealed key of A to ask to open, and another whose opening the manager is asked to decide.
    let book_in = |key: &str| {
        crate::moves::booking(&house_a, "IN", guanjia::service::today_in_community(), key)
    };
    let move_pass = app
        .gql(
            Some(&owner1),
            "mutation($i: BookMoveInput!) { bookMove(input: $i) { id passCode } }",
            book_in("authz-move-1"),
        )
        .await["data"]["bookMove"]
        .clone();
    let move_cancel = app
        .gql(
            Some(&owner1),
            "mutation($i: BookMoveInput!) { bookMove(input: $i) { id } }",
            book_in("authz-move-2"),
        )
        .await["data"]["bookMove"]["id"]
        .clone();
    let reception_t = app.login(RECEPTION).await;
    let deposit = "mutation($h: ID!, $s: String) { depositKey(houseId: $h, label: \"入户门\", sealNumber: $s) { id } }";
    let key_request = app
        .gql(
            Some(&reception_t),
            deposit,
            json!({ "h": house_a, "s": "A-1" }),
        )
        .await["data"]["depositKey"]["id"]
        .clone();
    let key_decide = app
        .gql(
            Some(&reception_t),
            deposit,
            json!({ "h": house_a, "s": "A-2" }),
        )
        .await["data"]["depositKey"]["id"]
        .clone();
    let opening = app
        .gql(
            Some(&reception_t),
            "mutation($k: ID!) { requestKeyOpening(keyId: $k, reason: \"漏水\") { id } }",
            json!({ "k": key_decide }),
        )
        .await["data"]["requestKeyOpening"]["id"]
        .clone();
    let house_401 = app.house_id("CUIHU", "1栋", "1单元", "401").await;
    // Complaints and notices: owner 1's complaints about house A, one per step to test, each
    // in the state that step starts from; a water cut to 1栋.
    let complaint_at = |step: &'static str| {
        let app = &app;
        let house_a = house_a.clone();
        async move {
            let owner1 = app.login(OWNER1).await;
            let butler = app.login(BUTLER).await;
            let out = app.gql(Some(&owner1), crate::complaints::REGISTER, json!({ "i": { "houseId": house_a, "category": "FACILITIES", "summary": "水压低" } })).await;
            let id = out["data"]["registerComplaint"]["id"].clone();
            let tech = crate::repairs::technician_staff_id(app).await;
            let handler = if step == "handled-by-technician" {
                tech
            } else {
                Value::Null
            };
            if step != "registered" {
                let out = app.gql(Some(&butler), "mutation($c: ID!, $h: ID) { assignComplaint(complaintId: $c, department: ENGINEERING, handlerId: $h) { id } }", json!({ "c": id, "h": handler })).await;
                assert_eq!(outcome(&out), "OK", "{out}");
            }
            if step == "resolved" {
                let out = app.gql(Some(&butler), "mutation($c: ID!) { resolveComplaint(complaintId: $c, resolution: \"已处理\") { id } }", json!({ "c": id })).await;
                assert_eq!(outcome(&out), "OK", "{out}");
            }
            id
        }
    };
    let (complaint_node, complaint_assign, complaint_escalate, complaint_withdraw) = (
        complaint_at("registered").await,
        complaint_at("registered").await,
        complaint_at("registered").await,
        complaint_at("registered").await,
    );
    let (complaint_reply, complaint_resolve) = (
        complaint_at("handled-by-technician").await,
        complaint_at("handled-by-technician").await,
    );
    let (complaint_visit, complaint_reopen) = (
        complaint_at("resolved").await,
        complaint_at("resolved").await,
    );
    let building_1 = crate::notices::building_id(&app, "CUIHU", "1栋").await;
    let notice_1 = app.gql(Some(&app.login(RECEPTION).await), crate::notices::PUBLISH,
        json!({ "i": { "communityId": c1, "kind": "WATER_CUT", "title": "停水", "body": "检修", "startsAt": crate::repairs::in_hours(2), "endsAt": crate::repairs::in_hours(6), "buildingIds": [building_1] } })).await
        ["data"]["publishNotice"]["id"].clone();
    // Patrols: three checkpoints on a route walked every day; today's round is the butler's.
    let patrol = crate::patrols::setup(&app, json!([{ "start": "00:00", "end": "23:59" }])).await;
    let patrol_task = crate::patrols::schedule(
        &app,
        &patrol,
        &patrol.route,
        crate::patrols::today(),
        BUTLER,
    )
    .await
    .remove(0);
    let patrol_butler = crate::patrols::staff_id(&app, BUTLER).await;
    let patrol_area = app.gql(Some(&admin), "query($c: ID!) { node(id: $c) { ... on Community { publicAreas(first: 1) { edges { node { id } } } } } }", json!({ "c": c1 })).await
        ["data"]["node"]["publicAreas"]["edges"][0]["node"]["id"].clone();
    let finding = json!({ "clientId": "authz-finding", "kind": "FINDING", "taskId": patrol_task, "checkpointId": patrol.points[0].0, "description": "灯坏了", "deviceTime": chrono::Utc::now().to_rfc3339() });
    let synced = app
        .gql(
            Some(&patrol.butler),
            crate::patrols::SYNC,
            json!({ "r": [finding] }),
        )
        .await;
    assert_eq!(synced["data"]["syncPatrol"]["stored"], 1, "{synced}");

    let mut tokens: Vec<Option<String>> = vec![];
    for role in ROLES {
        let phone = match role {
            "owner1" => OWNER1,
            "owner2" => OWNER2,
            "family" => FAMILY,
            "tenant" => TENANT,
            "butler" => BUTLER,
            "reception" => RECEPTION,
            "technician" => TECHNICIAN,
            "security" => SECURITY,
            "manager" => MANAGER,
            "finance" => FINANCE,
            "admin" => ADMIN,
            "manager2" => MANAGER_C2,
            _ => "",
        };
        tokens.push(if phone.is_empty() {
            None
        } else {
            Some(app.login(phone).await)
        });
    }

    let (a, d, b, c) = (
        house_a.clone(),
        house_d.clone(),
        house_b.clone(),
        c1.clone(),
    );
    let (c_staff, c_keys, c_add, c_key) = (c1.clone(), c1.clone(), c1.clone(), c1.clone());
    let a_invite = house_a.clone();
    let (a_owed, c_fee, c_gen, c_day, c_coll, c_arr) = (
        house_a.clone(),
        c1.clone(),
        c1.clone(),
        c1.clone(),
        c1.clone(),
        c1.clone(),
    );
    let (bill_pay, bill_intent, bill_node) = (bill_a.clone(), bill_a.clone(), bill_a.clone());
    let (a_book, c_orders, c_targets, c_price, c_techs) = (
        house_a.clone(),
        c1.clone(),
        c1.clone(),
        c1.clone(),
        c1.clone(),
    );
    let (order_node, order_dispatch) = (order_a.clone(), order_a.clone());
    let (a_ren, c_ren, c_gate, ren_node, ren_fwd) = (
        house_a.clone(),
        c1.clone(),
        c1.clone(),
        ren_a.clone(),
        ren_a.clone(),
    );
    let (c_passes, c_overdue) = (c1.clone(), c1.clone());
    let (c_cards, c_changes, card_lost) = (c1.clone(), c1.clone(), card_a.clone());
    let (a_move, c_passes_gate, c_check, c_use, c_handovers, a_cards) = (
        house_a.clone(),
        c1.clone(),
        c1.clone(),
        c1.clone(),
        c1.clone(),
        house_a.clone(),
    );
    let (c_keys_desk, c_unreturned, a_deposit, c_approvals) =
        (c1.clone(), c1.clone(), house_a.clone(), c1.clone());
    let move_node = move_pass["id"].clone();
    let c_board = c1.clone();
    let (a_complain, c_complaints, c_analysis, c_publish, c_notices, b1_publish) = (
        house_a.clone(),
        c1.clone(),
        c1.clone(),
        c1.clone(),
        c1.clone(),
        building_1.clone(),
    );
    let (notice_update, notice_node) = (notice_1.clone(), notice_1.clone());
    let (pc_c1, pr_c1, pq_c1, pl_c1) = (c1.clone(), c1.clone(), c1.clone(), c1.clone());
    let (p_point, p_point_node) = (patrol.points[0].clone(), patrol.points[0].0.clone());
    let (p_task_node, p_task_sched, p_task_assign, p_task_sync) = (
        patrol_task.clone(),
        patrol.route.clone(),
        patrol_task.clone(),
        patrol_task.clone(),
    );
    let (p_butler_sched, p_butler_assign) = (patrol_butler.clone(), patrol_butler.clone());
    let p_area = patrol_area.clone();
    let p_point_route = p_point.0.clone();
    let ops = vec![
        Op { name: "me", query: "{ me { id } }", vars: Box::new(|_| json!({})),
             expect: [U, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, F] },
        Op { name: "node(own house A)", query: "query($id: ID!) { node(id: $id) { id } }", vars: Box::new(move |_| json!({ "id": a })),
             expect: [U, OK, N, OK, N, OK, OK, N, N, OK, OK, OK, N, OK] },
        Op { name: "node(house D, 3栋)", query: "query($id: ID!) { node(id: $id) { id } }", vars: Box::new(move |_| json!({ "id": d })),
             expect: [U, N, N, N, N, N, OK, N, N, OK, OK, OK, N, OK] },
        Op { name: "House.members(B)", query: "query($id: ID!) { node(id: $id) { ... on House { members { edges { node { phone } } } } } }", vars: Box::new(move |_| json!({ "id": b })),
             expect: [U, N, OK, N, OK, OK, OK, N, N, OK, OK, OK, N, F] },
        Op { name: "Community.houses", query: "query($id: ID!) { node(id: $id) { ... on Community { houses(first: 3) { edges { node { id } } } } } }", vars: Box::new(move |_| json!({ "id": c })),
             expect: [U, OK, OK, OK, OK, OK, OK, F, F, OK, OK, OK, N, OK] },
        Op { name: "Community.staff", query: "query($id: ID!) { node(id: $id) { ... on Community { staff { edges { node { id } } } } } }", vars: Box::new(move |_| json!({ "id": c_staff })),
             expect: [U, F, F, F, F, F, F, F, F, OK, F, OK, N, F] },
        Op { name: "Community.apiKeys", query: "query($id: ID!) { node(id: $id) { ... on Community { apiKeys { edges { node { id } } } } } }", vars: Box::new(move |_| json!({ "id": c_keys })),
             expect: [U, F, F, F, F, F, F, F, F, F, F, OK, N, F] },
        Op { name: "inviteHouseMember(A)", query: "mutation($i: InviteHouseMemberInput!) { inviteHouseMember(input: $i) { id } }",
             vars: Box::new(move |i| json!({ "i": { "houseId": a_invite, "phone": format!("1360000{:04}", i), "displayName": "访客", "relation": "FAMILY" } })),
             expect: [U, OK, N, F, N, OK, OK, N, N, OK, F, OK, N, F] },
        Op { name: "addStaffMember(C1)", query: "mutation($i: AddStaffMemberInput!) { addStaffMember(input: $i) { id } }",
             vars: Box::new(move |i| json!({ "i": { "communityId": c_add, "phone": format!("1350000{:04}", i), "displayName": "新人", "role": "SECURITY" } })),
             expect: [U, F, F, F, F, F, F, F, F, OK, F, OK, N, F] },
        Op { name: "createApiKey(C1)", query: "mutation($c: ID!) { createApiKey(communityId: $c, name: \"x\", scopes: [CARDS_READ]) { secret } }",
             vars: Box::new(move |_| json!({ "c": c_key })),
             expect: [U, F, F, F, F, F, F, F, F, F, F, OK, F, F] },
        Op { name: "setTenantBillAccess(B's tenant)", query: "mutation($m: ID!) { setTenantBillAccess(memberId: $m, allowed: true) { id } }",
             vars: Box::new(move |_| json!({ "m": tenant_member })),
             expect: [U, N, OK, N, F, F, F, N, N, F, F, F, N, N] },
        Op { name: "owed(A)", query: "query($h: ID!) { owed(houseId: $h) { totalFen } }", vars: Box::new(move |_| json!({ "h": a_owed })),
             expect: [U, OK, N, OK, N, OK, OK, N, N, OK, OK, OK, N, F] },
        Op { name: "node(bill of A)", query: "query($b: ID!) { node(id: $b) { ... on Bill { amountFen lines { description } } } }", vars: Box::new(move |_| json!({ "b": bill_node })),
             expect: [U, OK, N, OK, N, OK, OK, N, N, OK, OK, OK, N, N] },
        Op { name: "createFeeItem(C1)", query: "mutation($i: CreateFeeItemInput!) { createFeeItem(input: $i) { id } }",
             vars: Box::new(move |i| json!({ "i": { "communityId": c_fee, "name": format!("停车费{i}"), "kind": "PARKING", "formula": "FIXED", "cycle": "MONTHLY", "unitPriceFen": 15000 } })),
             expect: [U, F, F, F, F, F, F, F, F, OK, OK, OK, N, F] },
        Op { name: "generateBills(C1)", query: "mutation($c: ID!, $p: String!) { generateBills(communityId: $c, period: $p) { created } }",
             vars: Box::new(move |i| json!({ "c": c_gen, "p": crate::fees::period(i as i64 + 1) })),
             expect: [U, F, F, F, F, F, F, F, F, OK, OK, OK, N, F] },
        Op { name: "dayClose(C1)", query: "query($c: ID!) { dayClose(communityId: $c) { totalFen } }", vars: Box::new(move |_| json!({ "c": c_day })),
             expect: [U, F, F, F, F, F, OK, F, F, OK, OK, OK, N, F] },
        Op { name: "collectionReport(C1)", query: "query($c: ID!, $p: String!) { collectionReport(communityId: $c, period: $p) { total { rateBps } } }",
             vars: Box::new(move |_| json!({ "c": c_coll, "p": crate::fees::period(0) })),
             expect: [U, F, F, F, F, F, F, F, F, OK, OK, OK, N, F] },
        Op { name: "arrears(C1)", query: "query($c: ID!) { arrears(communityId: $c) { overdueFen } }", vars: Box::new(move |_| json!({ "c": c_arr })),
             expect: [U, F, F, F, F, OK, OK, F, F, OK, OK, OK, N, F] },
        Op { name: "recordPayment(bill of A)", query: "mutation($k: String!, $b: ID!) { recordPayment(clientKey: $k, method: CASH, allocations: [{ billId: $b, amountFen: 1 }]) { id } }",
             vars: Box::new(move |i| json!({ "k": format!("authz-{i}"), "b": bill_pay })),
             expect: [U, F, F, F, F, F, OK, F, F, OK, OK, OK, N, F] },
        Op { name: "createPaymentIntent(bill of A)", query: "mutation($k: String!, $b: ID!) { createPaymentIntent(clientKey: $k, billIds: [$b]) { id } }",
             vars: Box::new(move |i| json!({ "k": format!("intent-{i}"), "b": bill_intent })),
             expect: [U, OK, N, OK, N, N, N, N, N, N, N, N, N, F] },
        Op { name: "bookRepair(A)", query: "mutation($i: BookRepairInput!) { bookRepair(input: $i) { id } }",
             vars: Box::new(move |i| json!({ "i": { "houseId": a_book, "category": "WATER", "description": "漏水", "clientKey": format!("authz-book-{i}") } })),
             expect: [U, OK, N, OK, N, F, F, N, N, F, F, F, N, F] },
        Op { name: "myRepairOrders", query: "{ myRepairOrders { edges { node { id } } } }", vars: Box::new(|_| json!({})),
             expect: [U, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, F] },
        Op { name: "myRepairQueue", query: "{ myRepairQueue { edges { node { id } } } }", vars: Box::new(|_| json!({})),
             expect: [U, F, F, F, F, F, F, OK, F, F, F, OK, F, F] },
        Op { name: "repairOrders(C1)", query: "query($c: ID!) { repairOrders(communityId: $c) { edges { node { id } } } }", vars: Box::new(move |_| json!({ "c": c_orders })),
             expect: [U, F, F, F, F, OK, OK, F, F, OK, F, OK, N, F] },
        Op { name: "Community.staff(TECHNICIAN)", query: "query($c: ID!) { node(id: $c) { ... on Community { staff(role: TECHNICIAN) { edges { node { id } } } } } }", vars: Box::new(move |_| json!({ "c": c_techs })),
             expect: [U, F, F, F, F, OK, OK, F, F, OK, F, OK, N, F] },
        Op { name: "repairTargets(C1)", query: "query($c: ID!, $p: String!) { repairTargets(communityId: $c, period: $p) { completed } }",
             vars: Box::new(move |_| json!({ "c": c_targets, "p": crate::fees::period(0) })),
             expect: [U, F, F, F, F, F, F, F, F, OK, F, OK, N, F] },
        Op { name: "createServicePrice(C1)", query: "mutation($c: ID!) { createServicePrice(communityId: $c, name: \"疏通\", unit: \"次\", priceFen: 3000) { id } }",
             vars: Box::new(move |_| json!({ "c": c_price })),
             expect: [U, F, F, F, F, F, F, F, F, OK, F, OK, N, F] },
        Op { name: "node(repair order of A)", query: "query($o: ID!) { node(id: $o) { id } }", vars: Box::new(move |_| json!({ "o": order_node })),
             expect: [U, OK, N, OK, N, OK, OK, N, N, OK, N, OK, N, N] },
        // The butler dispatches first; later dispatchers are told the state, the technician
        // (now assigned) may not dispatch, and those who cannot see the order get NOT_FOUND.
        Op { name: "dispatchRepair(order of A)", query: "mutation($o: ID!, $t: ID!, $at: DateTime!) { dispatchRepair(orderId: $o, technicianId: $t, appointmentAt: $at) { id } }",
             vars: Box::new(move |_| json!({ "o": order_dispatch, "t": tech_staff, "at": crate::repairs::in_hours(2) })),
             expect: [U, F, N, F, N, OK, I, F, N, I, N, I, N, N] },
        Op { name: "applyRenovation(A)", query: "mutation($i: ApplyRenovationInput!) { applyRenovation(input: $i) { id } }",
             vars: Box::new(move |_| json!({ "i": crate::renovation::application(&a_ren, 2, 12) })),
             expect: [U, OK, N, F, N, F, F, N, N, F, F, F, N, F] },
        Op { name: "renovations(C1)", query: "query($c: ID!) { renovations(communityId: $c) { edges { node { id } } } }", vars: Box::new(move |_| json!({ "c": c_ren })),
             expect: [U, F, F, F, F, OK, OK, F, F, OK, F, OK, N, F] },
        Op { name: "checkWorkerPass(C1)", query: "query($c: ID!) { checkWorkerPass(communityId: $c, code: \"ABCDEFGH\") { verdict } }", vars: Box::new(move |_| json!({ "c": c_gate })),
             expect: [U, F, F, F, F, F, OK, F, OK, OK, F, OK, N, F] },
        Op { name: "node(renovation of A)", query: "query($r: ID!) { node(id: $r) { id } }", vars: Box::new(move |_| json!({ "r": ren_node })),
             expect: [U, OK, N, OK, N, OK, OK, N, N, OK, N, OK, N, N] },
        // The butler forwards first; the manager and admin then find it already REVIEWED.
        Op { name: "forwardRenovation(A)", query: "mutation($r: ID!) { forwardRenovation(renovationId: $r) { state } }", vars: Box::new(move |_| json!({ "r": ren_fwd })),
             expect: [U, F, N, F, N, OK, F, N, N, I, N, I, N, N] },
        Op { name: "todaysWorkerPasses(C1)", query: "query($c: ID!) { todaysWorkerPasses(communityId: $c) { passCode } }", vars: Box::new(move |_| json!({ "c": c_passes })),
             expect: [U, F, F, F, F, F, OK, F, OK, OK, F, OK, N, F] },
        Op { name: "overdueRectifications(C1)", query: "query($c: ID!) { overdueRectifications(communityId: $c) { id } }", vars: Box::new(move |_| json!({ "c": c_overdue })),
             expect: [U, F, F, F, F, OK, OK, F, F, OK, F, OK, N, F] },
        Op { name: "myCards", query: "{ myCards { edges { node { number } } } }", vars: Box::new(|_| json!({})),
             expect: [U, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, F] },
        Op { name: "activeCards(C1)", query: "query($c: ID!) { activeCards(communityId: $c) { edges { node { number } } } }", vars: Box::new(move |_| json!({ "c": c_cards })),
             expect: [U, F, F, F, F, F, OK, F, OK, OK, F, OK, N, F] },
        Op { name: "cardChanges(C1)", query: "query($c: ID!) { cardChanges(communityId: $c) { cursor } }", vars: Box::new(move |_| json!({ "c": c_changes })),
             expect: [U, F, F, F, F, F, OK, F, OK, OK, F, OK, N, F] },
        // The holder reports first; the desk then finds it already LOST; a guard may not report.
        Op { name: "reportCardLost(card of owner 1)", query: "mutation($c: ID!) { reportCardLost(cardId: $c) { state } }", vars: Box::new(move |_| json!({ "c": card_lost })),
             expect: [U, OK, N, N, N, N, I, N, F, I, N, I, N, N] },
        // Handover, moves and keys
        Op { name: "handOverHouse(401)", query: "mutation($i: HandOverHouseInput!) { handOverHouse(input: $i) { id } }",
             vars: Box::new(move |i| json!({ "i": { "houseId": house_401, "ownerPhone": "13700000099", "ownerName": "新业主", "idKind": "PASSPORT", "idNumber": "E12345678",
                 "keysHanded": [{ "label": "入户门", "count": 2 }], "clientKey": format!("authz-ho-{i}") } })),
             expect: [U, N, N, N, N, F, OK, N, N, C, F, C, N, F] },
        Op { name: "bookMove(A)", query: "mutation($i: BookMoveInput!) { bookMove(input: $i) { id } }",
             vars: Box::new(move |i| crate::moves::booking(&a_move, "IN", guanjia::service::today_in_community(), &format!("authz-book-move-{i}"))),
             expect: [U, OK, N, OK, N, F, F, N, N, F, F, F, N, F] },
        Op { name: "myMoves", query: "{ myMoves { edges { node { id } } } }", vars: Box::new(|_| json!({})),
             expect: [U, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, F] },
        Op { name: "releasePasses(C1)", query: "query($c: ID!) { releasePasses(communityId: $c) { id } }", vars: Box::new(move |_| json!({ "c": c_passes_gate })),
             expect: [U, F, F, F, F, F, OK, F, OK, OK, F, OK, N, F] },
        Op { name: "checkReleasePass(C1)", query: "query($c: ID!) { checkReleasePass(communityId: $c, code: \"XXXX2345\") { verdict } }", vars: Box::new(move |_| json!({ "c": c_check })),
             expect: [U, F, F, F, F, F, OK, F, OK, OK, F, OK, N, F] },
        // The guard lets the goods through once; an admin after that is told it is USED.
        Op { name: "useReleasePass(C1)", query: "mutation($c: ID!, $code: String!) { useReleasePass(communityId: $c, code: $code) { state } }",
             vars: Box::new(move |_| json!({ "c": c_use, "code": move_pass["passCode"] })),
             expect: [U, F, F, F, F, F, F, F, OK, F, F, I, F, F] },
        Op { name: "cancelMove(A's booking)", query: "mutation($b: ID!) { cancelMove(bookingId: $b) { state } }", vars: Box::new(move |_| json!({ "b": move_cancel })),
             expect: [U, OK, N, N, N, I, I, N, F, I, N, I, N, N] },
        Op { name: "node(move booking of A)", query: "query($b: ID!) { node(id: $b) { id } }", vars: Box::new(move |_| json!({ "b": move_node })),
             expect: [U, OK, N, N, N, OK, OK, N, OK, OK, N, OK, N, N] },
        Op { name: "handovers(C1)", query: "query($c: ID!) { handovers(communityId: $c) { edges { node { id } } } }", vars: Box::new(move |_| json!({ "c": c_handovers })),
             expect: [U, F, F, F, F, F, OK, F, F, OK, F, OK, N, F] },
        Op { name: "House.cards(A)", query: "query($h: ID!) { node(id: $h) { ... on House { cards { number } } } }", vars: Box::new(move |_| json!({ "h": a_cards })),
             expect: [U, OK, N, F, N, F, OK, N, N, OK, F, OK, N, F] },
        Op { name: "myKeys", query: "{ myKeys { edges { node { id } } } }", vars: Box::new(|_| json!({})),
             expect: [U, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, F] },
        Op { name: "custodyKeys(C1)", query: "query($c: ID!) { custodyKeys(communityId: $c) { edges { node { id } } } }", vars: Box::new(move |_| json!({ "c": c_keys_desk })),
             expect: [U, F, F, F, F, OK, OK, F, F, OK, F, OK, N, F] },
        Op { name: "unreturnedKeys(C1)", query: "query($c: ID!) { unreturnedKeys(communityId: $c) { dueBackAt } }", vars: Box::new(move |_| json!({ "c": c_unreturned })),
             expect: [U, F, F, F, F, OK, OK, F, F, OK, F, OK, N, F] },
        Op { name: "depositKey(A)", query: "mutation($h: ID!) { depositKey(houseId: $h, label: \"信箱\") { id } }", vars: Box::new(move |_| json!({ "h": a_deposit })),
             expect: [U, F, N, F, N, OK, OK, N, N, OK, F, OK, N, F] },
        // The butler asks first; everyone after is told one is pending.
        Op { name: "requestKeyOpening(A's key)", query: "mutation($k: ID!) { requestKeyOpening(keyId: $k, reason: \"漏水\") { id } }", vars: Box::new(move |_| json!({ "k": key_request })),
             expect: [U, F, N, N, N, OK, C, N, C, C, N, C, N, N] },
        Op { name: "decideKeyOpening(A's key)", query: "mutation($o: ID!) { decideKeyOpening(openingId: $o, approve: true) { state } }", vars: Box::new(move |_| json!({ "o": opening })),
             expect: [U, N, N, N, N, F, F, N, F, OK, N, I, N, N] },
        Op { name: "approvalsWaiting(C1)", query: "query($c: ID!) { approvalsWaiting(communityId: $c) { keyOpenings { id } } }", vars: Box::new(move |_| json!({ "c": c_approvals })),
             expect: [U, F, F, F, F, F, F, F, F, OK, F, OK, N, F] },
        Op { name: "targetsBoard(C1)", query: "query($c: ID!, $p: String!) { targetsBoard(communityId: $c, period: $p) { figures { key met } atRisk { kind } } }",
             vars: Box::new(move |_| json!({ "c": c_board, "p": crate::fees::period(0) })),
             expect: [U, F, F, F, F, F, F, F, F, OK, F, OK, N, F] },
        Op { name: "changeStaffRole(technician)", query: "mutation($s: ID!) { changeStaffRole(staffId: $s, role: TECHNICIAN) { id } }",
             vars: Box::new(move |_| json!({ "s": technician_staff })),
             expect: [U, F, F, F, F, F, F, F, F, OK, F, OK, N, F] },
        // Complaints and notices (before logout, which must stay last: it ends every session)
        // Staff without a channel register a phone call for the complainant named; residents
        // complain through the app (the complainant fields are then theirs).
        Op { name: "registerComplaint(A)", query: "mutation($i: RegisterComplaintInput!) { registerComplaint(input: $i) { id } }",
             vars: Box::new(move |_| json!({ "i": { "houseId": a_complain, "category": "NOISE", "summary": "楼上噪音", "complainantName": "王建国", "complainantPhone": OWNER1 } })),
             expect: [U, OK, N, OK, N, OK, OK, N, N, OK, F, OK, N, F] },
        Op { name: "myComplaints", query: "{ myComplaints { edges { node { id } } } }", vars: Box::new(|_| json!({})),
             expect: [U, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, F] },
        Op { name: "complaints(C1)", query: "query($c: ID!) { complaints(communityId: $c) { edges { node { id } } } }", vars: Box::new(move |_| json!({ "c": c_complaints })),
             expect: [U, F, F, F, F, OK, OK, F, F, OK, F, OK, N, F] },
        Op { name: "complaintAnalysis(C1)", query: "query($c: ID!, $p: String!) { complaintAnalysis(communityId: $c, period: $p) { count } }",
             vars: Box::new(move |_| json!({ "c": c_analysis, "p": crate::fees::period(0) })),
             expect: [U, F, F, F, F, F, F, F, F, OK, F, OK, N, F] },
        Op { name: "node(complaint of A)", query: "query($c: ID!) { node(id: $c) { id } }", vars: Box::new(move |_| json!({ "c": complaint_node })),
             expect: [U, OK, N, OK, N, OK, OK, N, N, OK, N, OK, N, N] },
        // Each step on a complaint in the state it starts from: the first desk role to act wins,
        // the others are told the new state; the complainant may not run the work order.
        Op { name: "assignComplaint(REGISTERED)", query: "mutation($c: ID!) { assignComplaint(complaintId: $c, department: ENGINEERING) { state } }",
             vars: Box::new(move |_| json!({ "c": complaint_assign })),
             expect: [U, F, N, F, N, OK, I, N, N, I, N, I, N, N] },
        Op { name: "escalateComplaint(REGISTERED)", query: "mutation($c: ID!) { escalateComplaint(complaintId: $c, reason: \"重大\") { state } }",
             vars: Box::new(move |_| json!({ "c": complaint_escalate })),
             expect: [U, F, N, F, N, OK, I, N, N, I, N, I, N, N] },
        // Replying leaves the state as it is: every desk role and the handler may.
        Op { name: "replyToComplaint(ASSIGNED)", query: "mutation($c: ID!) { replyToComplaint(complaintId: $c, reply: \"已安排\") { state } }",
             vars: Box::new(move |_| json!({ "c": complaint_reply })),
             expect: [U, F, N, F, N, OK, OK, OK, N, OK, N, OK, N, N] },
        Op { name: "resolveComplaint(ASSIGNED)", query: "mutation($c: ID!) { resolveComplaint(complaintId: $c, resolution: \"已处理\") { state } }",
             vars: Box::new(move |_| json!({ "c": complaint_resolve })),
             expect: [U, F, N, F, N, OK, I, I, N, I, N, I, N, N] },
        Op { name: "recordComplaintReturnVisit(RESOLVED)", query: "mutation($c: ID!) { recordComplaintReturnVisit(complaintId: $c, satisfaction: 5) { state } }",
             vars: Box::new(move |_| json!({ "c": complaint_visit })),
             expect: [U, F, N, F, N, OK, I, N, N, I, N, I, N, N] },
        Op { name: "reopenComplaint(RESOLVED)", query: "mutation($c: ID!) { reopenComplaint(complaintId: $c, reason: \"仍未解决\") { state } }",
             vars: Box::new(move |_| json!({ "c": complaint_reopen })),
             expect: [U, F, N, F, N, OK, I, N, N, I, N, I, N, N] },
        // The complainant withdraws first; the family member then finds it WITHDRAWN; staff never withdraw.
        Op { name: "withdrawComplaint(REGISTERED)", query: "mutation($c: ID!) { withdrawComplaint(complaintId: $c) { state } }",
             vars: Box::new(move |_| json!({ "c": complaint_withdraw })),
             expect: [U, OK, N, I, N, F, F, N, N, F, N, F, N, N] },
        Op { name: "publishNotice(C1, 1栋)", query: "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { id } }",
             vars: Box::new(move |_| json!({ "i": { "communityId": c_publish, "kind": "POWER_CUT", "title": "停电", "body": "检修", "startsAt": crate::repairs::in_hours(2), "endsAt": crate::repairs::in_hours(4), "buildingIds": [b1_publish] } })),
             expect: [U, F, F, F, F, OK, OK, F, F, OK, F, OK, N, F] },
        Op { name: "updateNotice(to 1栋)", query: "mutation($n: ID!) { updateNotice(noticeId: $n, input: { endsAt: \"2099-01-01T00:00:00Z\" }) { version } }",
             vars: Box::new(move |_| json!({ "n": notice_update })),
             expect: [U, F, F, F, F, OK, OK, F, F, OK, F, OK, N, N] },
        Op { name: "myNotices", query: "{ myNotices(first: 3) { edges { node { id } } } }", vars: Box::new(|_| json!({})),
             expect: [U, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, F] },
        Op { name: "notices(C1)", query: "query($c: ID!) { notices(communityId: $c) { edges { node { id } } } }", vars: Box::new(move |_| json!({ "c": c_notices })),
             expect: [U, F, F, F, F, OK, OK, OK, OK, OK, OK, OK, N, F] },
        Op { name: "node(notice to 1栋)", query: "query($n: ID!) { node(id: $n) { id } }", vars: Box::new(move |_| json!({ "n": notice_node })),
             expect: [U, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, N, N] },
        // Patrols: the manager (and admin) sets up and schedules; butlers and guards see the
        // set-up and sync (others' records are refused per record inside an OK answer); only
        // the assignee and planners see a round.
        Op { name: "createPatrolCheckpoint(C1)", query: "mutation($i: CreatePatrolCheckpointInput!) { createPatrolCheckpoint(input: $i) { id } }",
             vars: Box::new(move |i| json!({ "i": { "publicAreaId": p_area, "name": "点", "checks": "照明", "code": format!("AZ-{i}") } })),
             expect: [U, F, F, F, F, F, F, F, F, OK, F, OK, N, F] },
        Op { name: "createPatrolRoute(C1)", query: "mutation($i: CreatePatrolRouteInput!) { createPatrolRoute(input: $i) { id } }",
             vars: Box::new(move |_| json!({ "i": { "communityId": pr_c1, "name": "线", "checkpointIds": [p_point_route] } })),
             expect: [U, F, F, F, F, F, F, F, F, OK, F, OK, N, F] },
        Op { name: "patrolCheckpoints(C1)", query: "query($c: ID!) { patrolCheckpoints(communityId: $c) { edges { node { id code } } } }", vars: Box::new(move |_| json!({ "c": pc_c1 })),
             expect: [U, F, F, F, F, OK, F, F, OK, OK, F, OK, N, F] },
        Op { name: "patrolRoutes(C1)", query: "query($c: ID!) { patrolRoutes(communityId: $c) { edges { node { id } } } }", vars: Box::new(move |_| json!({ "c": pq_c1 })),
             expect: [U, F, F, F, F, OK, F, F, OK, OK, F, OK, N, F] },
        Op { name: "node(patrol checkpoint)", query: "query($n: ID!) { node(id: $n) { id } }", vars: Box::new(move |_| json!({ "n": p_point_node })),
             expect: [U, N, N, N, N, OK, N, N, OK, OK, N, OK, N, N] },
        Op { name: "node(butler's patrol task)", query: "query($n: ID!) { node(id: $n) { ... on PatrolTask { status } } }", vars: Box::new(move |_| json!({ "n": p_task_node })),
             expect: [U, N, N, N, N, OK, N, N, N, OK, N, OK, N, N] },
        Op { name: "myPatrolTasks", query: "{ myPatrolTasks { id } }", vars: Box::new(|_| json!({})),
             expect: [U, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, F] },
        Op { name: "patrolReport(C1)", query: "query($c: ID!, $d: NaiveDate!) { patrolReport(communityId: $c, from: $d, to: $d) { roundsScheduled } }",
             vars: Box::new(move |_| json!({ "c": pl_c1, "d": crate::patrols::today() })),
             expect: [U, F, F, F, F, F, F, F, F, OK, F, OK, N, F] },
        Op { name: "schedulePatrolTasks(route)", query: "mutation($r: ID!, $d: NaiveDate!, $a: ID!) { schedulePatrolTasks(routeId: $r, date: $d, assigneeId: $a) { id } }",
             vars: Box::new(move |_| json!({ "r": p_task_sched, "d": crate::patrols::today(), "a": p_butler_sched })),
             expect: [U, N, N, N, N, F, N, N, F, OK, N, OK, N, N] },
        Op { name: "assignPatrolTask(butler's task)", query: "mutation($t: ID!, $a: ID!) { assignPatrolTask(taskId: $t, assigneeId: $a) { id } }",
             vars: Box::new(move |_| json!({ "t": p_task_assign, "a": p_butler_assign })),
             expect: [U, N, N, N, N, F, N, N, N, OK, N, OK, N, N] },
        Op { name: "syncPatrol(butler's task)", query: "mutation($r: [PatrolRecordInput!]!) { syncPatrol(records: $r) { stored } }",
             vars: Box::new(move |i| json!({ "r": [{ "clientId": format!("authz-sync-{i}"), "kind": "CHECK_IN", "taskId": p_task_sync, "checkpointId": p_point.0, "code": p_point.1, "deviceTime": chrono::Utc::now().to_rfc3339() }] })),
             expect: [U, F, F, F, F, OK, F, F, OK, OK, F, OK, OK, F] },
        Op { name: "addPatrolFindingPhotos(butler's finding)", query: "mutation { addPatrolFindingPhotos(clientId: \"authz-finding\", photos: []) { clientId } }", vars: Box::new(|_| json!({})),
             expect: [U, F, F, F, F, OK, F, F, N, N, F, N, N, F] },
        Op { name: "logout", query: "mutation { logout }", vars: Box::new(|_| json!({})),
             expect: [U, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, F] },
    ];

    let mut wrong = vec![];
    let mut cells = 0;
    for op in &ops {
        for (i, role) in ROLES.iter().enumerate() {
            let vars = (op.vars)(i);
            let body = if *role == "integrator" {
                app.gql_key(&key, op.query, vars).await
            } else {
                app.gql(tokens[i].as_deref(), op.query, vars).await
            };
            let got = outcome(&body);
            cells += 1;
            if got != op.expect[i] {
                wrong.push(format!(
                    "{:<32} as {:<10} expected {:<16} got {got}: {body}",
                    op.name, role, op.expect[i]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
