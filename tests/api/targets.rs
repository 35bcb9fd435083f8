//! The targets board: every figure computed from what was recorded, with its numerator and
//! denominator, and the manager's list of what is about to miss its deadline.
use crate::helpers::*;
use serde_json::{json, Value};

const BOARD: &str = "query($c: ID!, $p: String!, $h: Int!) { targetsBoard(communityId: $c, period: $p) { period figures { key targetBps valueBps numerator denominator met } atRisk(withinHours: $h) { kind subjectId overdue } } }";

fn figure<'a>(board: &'a Value, key: &str) -> &'a Value {
    board["data"]["targetsBoard"]["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("{key} missing: {board}"))
}

#[tokio::test]
async fn the_board_counts_what_happened_and_lists_what_is_about_to_slip() {
    let app = spawn_app().await;
    let c1 = app.community_id("CUIHU").await;
    let manager = app.login(MANAGER).await;
    let (reception, butler, tech, finance) = (
        app.login(RECEPTION).await,
        app.login(BUTLER).await,
        app.login(TECHNICIAN).await,
        app.login(FINANCE).await,
    );
    let period = crate::fees::period(0);

    // Fees: this month's bills, house A's paid in full.
    let item = json!({ "communityId": c1, "name": "物业费", "kind": "MANAGEMENT", "formula": "BY_AREA", "cycle": "MONTHLY", "unitPriceFen": 280 });
    app.gql(
        Some(&finance),
        "mutation($i: CreateFeeItemInput!) { createFeeItem(input: $i) { id } }",
        json!({ "i": item }),
    )
    .await;
    app.gql(
        Some(&finance),
        "mutation($c: ID!, $p: String!) { generateBills(communityId: $c, period: $p) { created } }",
        json!({ "c": c1, "p": period }),
    )
    .await;
    let a = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let bill = app
        .gql(
            Some(&reception),
            "query($h: ID!) { owed(houseId: $h) { openBills { id amountFen } } }",
            json!({ "h": a }),
        )
        .await["data"]["owed"]["openBills"][0]
        .clone();
    app.gql(Some(&reception), "mutation($b: ID!, $a: Fen!) { recordPayment(clientKey: \"t-pay\", method: CASH, allocations: [{ billId: $b, amountFen: $a }]) { id } }",
        json!({ "b": bill["id"], "a": bill["amountFen"] })).await;
    let report = app.gql(Some(&manager), "query($c: ID!, $p: String!) { collectionReport(communityId: $c, period: $p) { total { dueFen collectedFen } } }", json!({ "c": c1, "p": period })).await;
    let total = &report["data"]["collectionReport"]["total"];

    // Repairs: one done the same day and followed up at once (rated 3), one waiting for dispatch.
    let (done, _) = crate::repairs::booked(&app, "t-rep-1").await;
    let tech_staff = crate::repairs::technician_staff_id(&app).await;
    app.gql(Some(&reception), "mutation($o: ID!, $t: ID!, $at: DateTime!) { dispatchRepair(orderId: $o, technicianId: $t, appointmentAt: $at) { state } }", json!({ "o": done, "t": tech_staff, "at": crate::repairs::in_hours(0) })).await;
    for s in ["acceptRepair", "startRepair"] {
        app.gql(
            Some(&tech),
            &format!("mutation($o: ID!) {{ {s}(orderId: $o) {{ state }} }}"),
            json!({ "o": done }),
        )
        .await;
    }
    let out = app
        .gql(
            Some(&tech),
            "mutation($o: ID!) { completeRepair(orderId: $o, workDone: \"换了阀门\") { state } }",
            json!({ "o": done }),
        )
        .await;
    assert_eq!(out["data"]["completeRepair"]["state"], "COMPLETED", "{out}");
    app.gql(Some(&butler), "mutation($o: ID!) { followUpRepair(orderId: $o, satisfaction: 3, comment: \"一般\") { state } }", json!({ "o": done })).await;
    let (waiting, _) = crate::repairs::booked(&app, "t-rep-2").await;

    // Complaints: one answered, solved and visited (rated 5); one still waiting for its reply.
    let answered = crate::complaints::complained(&app, "FACILITIES").await;
    app.gql(Some(&butler), "mutation($c: ID!, $h: ID) { assignComplaint(complaintId: $c, department: ENGINEERING, handlerId: $h) { state } }", json!({ "c": answered, "h": tech_staff })).await;
    app.gql(
        Some(&tech),
        "mutation($c: ID!) { resolveComplaint(complaintId: $c, resolution: \"已修好\") { state } }",
        json!({ "c": answered }),
    )
    .await;
    let v = app.gql(Some(&butler), "mutation($c: ID!) { recordComplaintReturnVisit(complaintId: $c, satisfaction: 5, remarks: \"满意\") { state } }", json!({ "c": answered })).await;
    assert_eq!(
        v["data"]["recordComplaintReturnVisit"]["state"], "CLOSED",
        "{v}"
    );
    let unanswered = crate::complaints::complained(&app, "NOISE").await;

    let board = app
        .gql(
            Some(&manager),
            BOARD,
            json!({ "c": c1, "p": period, "h": 1 }),
        )
        .await;
    assert_eq!(outcome(&board), "OK", "{board}");
    let expect = |key: &str, n: i64, d: i64, value: Option<i64>, met: Option<bool>| {
        let f = figure(&board, key);
        assert_eq!(
            (f["numerator"].as_i64(), f["denominator"].as_i64()),
            (Some(n), Some(d)),
            "{key}: {f}"
        );
        assert_eq!(f["valueBps"].as_i64(), value, "{key}: {f}");
        assert_eq!(f["met"].as_bool(), met, "{key}: {f}");
    };
    expect("COMPLAINT_RETURN_VISITS", 1, 2, Some(5000), Some(true));
    expect("COMPLAINT_REPLY_ON_TIME", 1, 2, Some(5000), Some(false));
    expect("COMPLAINT_SATISFACTION", 1, 1, Some(10000), Some(true));
    // One satisfied rating (the complaint's 5) of two (the repair's 3 too).
    expect("CUSTOMER_SATISFACTION", 1, 2, Some(5000), Some(false));
    expect(
        "REPAIR_FOLLOW_UP_WITHIN_A_DAY",
        1,
        1,
        Some(10000),
        Some(true),
    );
    expect("SAME_DAY_FOLLOW_UP", 1, 1, Some(10000), Some(true));
    expect("GENERAL_SOLVED_SAME_DAY", 1, 1, Some(10000), Some(true));
    expect("HARD_SOLVED_IN_A_WEEK", 0, 0, None, None);
    expect("PAID_SERVICE_SATISFACTION", 0, 0, None, None);
    let (due, collected) = (
        total["dueFen"].as_i64().unwrap(),
        total["collectedFen"].as_i64().unwrap(),
    );
    expect(
        "COLLECTION_RATE",
        collected,
        due,
        Some(collected * 10_000 / due),
        Some(false),
    );
    assert_eq!(figure(&board, "COLLECTION_RATE")["targetBps"], 9500);
    // No route is defined, so no round was due (the patrol tests cover the rounds themselves).
    expect("PATROL_ROUNDS", 0, 0, None, None);
    assert_eq!(
        board["data"]["targetsBoard"]["figures"]
            .as_array()
            .unwrap()
            .len(),
        11
    );

    // Within the hour: the repair waiting for dispatch (30 minutes); the complaint's reply is
    // due in 24 hours, so it shows only when looking a day ahead.
    let soon: Vec<(String, Value)> = board["data"]["targetsBoard"]["atRisk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["subjectId"].clone(),
            )
        })
        .collect();
    assert_eq!(
        soon,
        vec![("REPAIR".to_owned(), waiting.clone())],
        "{board}"
    );
    let day = app
        .gql(
            Some(&manager),
            BOARD,
            json!({ "c": c1, "p": period, "h": 25 }),
        )
        .await;
    let kinds: Vec<(String, Value)> = day["data"]["targetsBoard"]["atRisk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["subjectId"].clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("REPAIR".to_owned(), waiting),
            ("COMPLAINT".to_owned(), unanswered)
        ],
        "{day}"
    );

    // Only this community's manager (and admins); a bad month is a typed error.
    assert_eq!(
        error_code(
            &app.gql(
                Some(&app.login(MANAGER_C2).await),
                BOARD,
                json!({ "c": c1, "p": period, "h": 1 })
            )
            .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(
            &app.gql(
                Some(&butler),
                BOARD,
                json!({ "c": c1, "p": period, "h": 1 })
            )
            .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &app.gql(
                Some(&manager),
                BOARD,
                json!({ "c": c1, "p": "2026-13", "h": 1 })
            )
            .await
        ),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        error_code(
            &app.gql(
                Some(&manager),
                BOARD,
                json!({ "c": c1, "p": period, "h": 0 })
            )
            .await
        ),
        "BAD_USER_INPUT"
    );
}
