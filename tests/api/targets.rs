//! The targets board: every figure computed from what was recorded, with its numerator and
//! denominator, and the manager's list of what is about to miss its deadline.
use crate::helpers::*;
use serde_json::{json, Value};

const BOARD: &str = "query($c: ID!, $p: String!, $h: Int!) { targetsBoard(communityId: $c, period: $p) { period figures { key targetBps valueBps numerator denominator dueSoon met } atRisk(withinHours: $h) { kind subjectId overdue } } }";

fn due_soon(board: &Value, key: &str) -> i64 {
    figure(board, key)["dueSoon"]
        .as_i64()
        .unwrap_or_else(|| panic!("{key}: {board}"))
}

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
    // The complaint registered a moment ago is neither answered late nor left unvisited yet.
    expect("COMPLAINT_RETURN_VISITS", 1, 1, Some(10000), Some(true));
    expect("COMPLAINT_REPLY_ON_TIME", 1, 1, Some(10000), Some(true));
    assert_eq!(due_soon(&board, "COMPLAINT_RETURN_VISITS"), 1);
    assert_eq!(due_soon(&board, "COMPLAINT_REPLY_ON_TIME"), 1);
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
    // The repair waiting for dispatch has until the end of the day.
    assert_eq!(due_soon(&board, "GENERAL_SOLVED_SAME_DAY"), 1);
    expect("HARD_SOLVED_IN_A_WEEK", 0, 0, None, None);
    expect("PAID_SERVICE_SATISFACTION", 0, 0, None, None);
    let (due, collected) = (
        total["dueFen"].as_i64().unwrap(),
        total["collectedFen"].as_i64().unwrap(),
    );
    // This month's bills fall due on its last day: what is paid counts, the rest is not late yet.
    assert!(0 < collected && collected < due, "{report}");
    expect(
        "COLLECTION_RATE",
        collected,
        collected,
        Some(10000),
        Some(true),
    );
    assert_eq!(due_soon(&board, "COLLECTION_RATE"), due - collected);
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

/// `YYYY-MM` of an instant in the community (UTC+08:00).
fn period_of(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%Y-%m")
        .to_string()
}

/// Moves the given instant columns of one row `hours` into the past.
async fn backdate(
    app: &TestApp,
    table: &str,
    id: i64,
    columns: &[&str],
    hours: i64,
) -> chrono::DateTime<chrono::Utc> {
    let at = chrono::Utc::now() - chrono::Duration::hours(hours);
    for c in columns {
        let sql = format!("UPDATE {table} SET {c} = $1 WHERE id = $2");
        let st = sea_orm::Statement::from_sql_and_values(
            sea_orm::ConnectionTrait::get_database_backend(&app.db),
            sql,
            [at.into(), id.into()],
        );
        sea_orm::ConnectionTrait::execute_raw(&app.db, st)
            .await
            .unwrap();
    }
    at
}

async fn board(app: &TestApp, token: &str, period: &str) -> Value {
    let c1 = app.community_id("CUIHU").await;
    let out = app
        .gql(Some(token), BOARD, json!({ "c": c1, "p": period, "h": 24 }))
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    out
}

/// (numerator, denominator, dueSoon) of one figure.
fn counts(board: &Value, key: &str) -> (i64, i64, i64) {
    let f = figure(board, key);
    (
        f["numerator"].as_i64().unwrap(),
        f["denominator"].as_i64().unwrap(),
        f["dueSoon"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn a_route_defined_today_owes_no_round_from_before_it_existed() {
    let app = spawn_app().await;
    let s = crate::patrols::setup(
        &app,
        json!([{ "start": "09:00", "end": "11:00" }, { "start": "15:00", "end": "17:00" }]),
    )
    .await;
    // Walked every day, twice: last month would have owed some 60 rounds had the route existed.
    let last_month = board(&app, &s.manager, &crate::fees::period(1)).await;
    assert_eq!(
        counts(&last_month, "PATROL_ROUNDS"),
        (0, 0, 0),
        "{last_month}"
    );
    assert_eq!(figure(&last_month, "PATROL_ROUNDS")["met"], Value::Null);
    // This month: no window that opened before the route was defined, and none of today's
    // later windows has closed yet; those are due soon.
    let this_month = board(&app, &s.manager, &crate::fees::period(0)).await;
    let (done, due, soon) = counts(&this_month, "PATROL_ROUNDS");
    assert_eq!((done, due), (0, 0), "{this_month}");
    assert!(soon <= 2, "{this_month}");
}

#[tokio::test]
async fn a_late_round_counts_as_done() {
    let app = spawn_app().await;
    let s = crate::patrols::setup(&app, json!([{ "start": "08:00", "end": "10:00" }])).await;
    let yesterday = crate::patrols::today() - chrono::Duration::days(1);
    let task = crate::patrols::schedule(&app, &s, &s.route, yesterday, BUTLER).await;
    // Every checkpoint, an hour after the window closed.
    let late = crate::patrols::local(yesterday, 11, 0);
    let records: Vec<Value> = s
        .points
        .iter()
        .map(|p| crate::patrols::check_in(&task[0], p, &late))
        .collect();
    let out = app
        .gql(
            Some(&s.butler),
            crate::patrols::SYNC,
            json!({ "r": records }),
        )
        .await;
    assert_eq!(out["data"]["syncPatrol"]["stored"], 3, "{out}");

    // The round was scheduled, so it is owed although the route is younger; walked late, it
    // is done (the patrol report says LATE).
    let b = board(&app, &s.manager, &yesterday.format("%Y-%m").to_string()).await;
    let (done, due, soon) = counts(&b, "PATROL_ROUNDS");
    assert_eq!((done, due), (1, 1), "{b}");
    assert!(
        soon <= 1,
        "today's round, if its window has not opened yet: {b}"
    );
    assert_eq!(figure(&b, "PATROL_ROUNDS")["met"], true, "{b}");
}

#[tokio::test]
async fn a_complaint_a_minute_old_is_due_soon_and_one_unanswered_past_its_day_is_late() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    crate::complaints::complained(&app, "NOISE").await;
    let now = board(&app, &manager, &crate::fees::period(0)).await;
    assert_eq!(counts(&now, "COMPLAINT_REPLY_ON_TIME"), (0, 0, 1), "{now}");
    assert_eq!(counts(&now, "COMPLAINT_RETURN_VISITS"), (0, 0, 1), "{now}");
    assert_eq!(
        figure(&now, "COMPLAINT_REPLY_ON_TIME")["met"],
        Value::Null,
        "nothing to judge yet: {now}"
    );

    // Registered 25 hours ago and still unanswered: the reply is late, counted and not met; the
    // return visit still has time.
    let id = app.scalar("SELECT MAX(id) FROM complaints").await;
    let at = backdate(&app, "complaints", id, &["created_at"], 25).await;
    backdate(&app, "complaints", id, &["reply_due_at"], 1).await;
    let late = board(&app, &manager, &period_of(at)).await;
    assert_eq!(
        counts(&late, "COMPLAINT_REPLY_ON_TIME"),
        (0, 1, 0),
        "{late}"
    );
    assert_eq!(figure(&late, "COMPLAINT_REPLY_ON_TIME")["met"], false);
    assert_eq!(
        counts(&late, "COMPLAINT_RETURN_VISITS"),
        (0, 0, 1),
        "{late}"
    );
}

#[tokio::test]
async fn a_repair_completed_seconds_ago_is_not_a_missed_follow_up() {
    let app = spawn_app().await;
    let (manager, reception, tech) = (
        app.login(MANAGER).await,
        app.login(RECEPTION).await,
        app.login(TECHNICIAN).await,
    );
    let (order, _) = crate::repairs::booked(&app, "t-follow").await;
    let tech_staff = crate::repairs::technician_staff_id(&app).await;
    let dispatch = "mutation($o: ID!, $t: ID!, $at: DateTime!) { dispatchRepair(orderId: $o, technicianId: $t, appointmentAt: $at) { state } }";
    app.gql(
        Some(&reception),
        dispatch,
        json!({ "o": order, "t": tech_staff, "at": crate::repairs::in_hours(0) }),
    )
    .await;
    for s in ["acceptRepair", "startRepair"] {
        app.gql(
            Some(&tech),
            &format!("mutation($o: ID!) {{ {s}(orderId: $o) {{ state }} }}"),
            json!({ "o": order }),
        )
        .await;
    }
    let out = app
        .gql(
            Some(&tech),
            "mutation($o: ID!) { completeRepair(orderId: $o, workDone: \"换了阀门\") { state } }",
            json!({ "o": order }),
        )
        .await;
    assert_eq!(out["data"]["completeRepair"]["state"], "COMPLETED", "{out}");

    let now = board(&app, &manager, &crate::fees::period(0)).await;
    assert_eq!(
        counts(&now, "REPAIR_FOLLOW_UP_WITHIN_A_DAY"),
        (0, 0, 1),
        "{now}"
    );
    assert_eq!(counts(&now, "SAME_DAY_FOLLOW_UP"), (0, 0, 1), "{now}");
    // Solved, and so settled at once: in time.
    assert_eq!(counts(&now, "GENERAL_SOLVED_SAME_DAY"), (1, 1, 0), "{now}");

    // Completed 25 hours ago and never followed up: now it is a missed follow-up, on both.
    let id = app.scalar("SELECT MAX(id) FROM repair_orders").await;
    let at = backdate(&app, "repair_orders", id, &["completed_at"], 25).await;
    let late = board(&app, &manager, &period_of(at)).await;
    assert_eq!(
        counts(&late, "REPAIR_FOLLOW_UP_WITHIN_A_DAY"),
        (0, 1, 0),
        "{late}"
    );
    assert_eq!(counts(&late, "SAME_DAY_FOLLOW_UP"), (0, 1, 0), "{late}");
}
