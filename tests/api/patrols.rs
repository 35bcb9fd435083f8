//! Patrols: checkpoints and routes, idempotent scheduling, the offline sync (resent, cut halfway,
//! concurrent, refused per record, over the limit), findings as public repair orders, the report.
use crate::helpers::*;
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};

const CHECKPOINT: &str =
    "mutation($i: CreatePatrolCheckpointInput!) { createPatrolCheckpoint(input: $i) { id code } }";
const ROUTE: &str = "mutation($i: CreatePatrolRouteInput!) { createPatrolRoute(input: $i) { id days windows { start end } checkpoints { id } } }";
pub const SCHEDULE: &str = "mutation($r: ID!, $d: NaiveDate!, $a: ID!) { schedulePatrolTasks(routeId: $r, date: $d, assigneeId: $a) { id round } }";
pub const SYNC: &str = "mutation($r: [PatrolRecordInput!]!) { syncPatrol(records: $r) { stored alreadyStored refused results { clientId outcome reason message repairOrderId } } }";

/// Today in the community (Asia/Shanghai, +08:00).
pub fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

/// A community-local wall-clock time as a UTC instant.
pub fn local(d: NaiveDate, h: u32, m: u32) -> String {
    (d.and_hms_opt(h, m, 0).unwrap().and_utc() - Duration::hours(8)).to_rfc3339()
}

fn now_minus(minutes: i64) -> String {
    (Utc::now() - Duration::minutes(minutes)).to_rfc3339()
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The global id of the n-th public area of 翠湖花园.
async fn public_area(app: &TestApp, n: i64) -> String {
    let id = app.scalar(&format!("SELECT id FROM public_areas WHERE community_id = (SELECT id FROM communities WHERE code = 'CUIHU') ORDER BY id LIMIT 1 OFFSET {n}")).await;
    guanjia::domain::GlobalId::encode(guanjia::domain::NodeKind::PublicArea, id).0
}

/// The staff membership id of a demo phone.
pub async fn staff_id(app: &TestApp, phone: &str) -> String {
    let id = app.scalar(&format!("SELECT s.id FROM staff_members s JOIN users u ON u.id = s.user_id WHERE u.phone = '{phone}'")).await;
    guanjia::domain::GlobalId::encode(guanjia::domain::NodeKind::StaffMember, id).0
}

/// A patrol set-up in 翠湖花园: three checkpoints (codes CP-1..3) on a route walked every day.
pub struct Setup {
    pub manager: String,
    pub butler: String,
    pub c1: String,
    /// (id, code) in walking order.
    pub points: Vec<(String, String)>,
    pub route: String,
}

pub async fn setup(app: &TestApp, windows: Value) -> Setup {
    let manager = app.login(MANAGER).await;
    let butler = app.login(BUTLER).await;
    let c1 = app.community_id("CUIHU").await;
    let mut points = vec![];
    for n in 1..=3 {
        let code = format!("CP-{n}");
        let i = json!({ "publicAreaId": public_area(app, n - 1).await, "name": format!("巡查点{n}"), "place": "东侧", "checks": "消防栓、照明、卫生", "code": code.to_lowercase() });
        let out = app.gql(Some(&manager), CHECKPOINT, json!({ "i": i })).await;
        assert_eq!(out["data"]["createPatrolCheckpoint"]["code"], code, "{out}");
        points.push((
            out["data"]["createPatrolCheckpoint"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
            code,
        ));
    }
    let ids: Vec<&String> = points.iter().map(|p| &p.0).collect();
    let i = json!({ "communityId": c1, "name": "全天路线", "checkpointIds": ids, "days": [1, 2, 3, 4, 5, 6, 7], "windows": windows });
    let out = app.gql(Some(&manager), ROUTE, json!({ "i": i })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    let route = out["data"]["createPatrolRoute"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Setup {
        manager,
        butler,
        c1,
        points,
        route,
    }
}

/// Schedules `date`'s rounds of `route` for `phone`; returns the task ids by round.
pub async fn schedule(
    app: &TestApp,
    s: &Setup,
    route: &str,
    date: NaiveDate,
    phone: &str,
) -> Vec<String> {
    let out = app
        .gql(
            Some(&s.manager),
            SCHEDULE,
            json!({ "r": route, "d": date, "a": staff_id(app, phone).await }),
        )
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    out["data"]["schedulePatrolTasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

pub fn check_in(task: &str, point: &(String, String), at: &str) -> Value {
    json!({ "clientId": uuid(), "kind": "CHECK_IN", "taskId": task, "checkpointId": point.0, "code": point.1, "deviceTime": at })
}

fn finding(task: &str, point: &(String, String), at: &str, repair: bool) -> Value {
    json!({ "clientId": uuid(), "kind": "FINDING", "taskId": task, "checkpointId": point.0, "description": "消防栓漏水", "severity": "HIGH", "deviceTime": at, "createRepair": repair, "repairCategory": "WATER" })
}

fn outcomes(out: &Value) -> Vec<String> {
    out["data"]["syncPatrol"]["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results: {out}"))
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .collect()
}

async fn records(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM patrol_records").await
}

#[tokio::test]
async fn a_round_resent_or_cut_halfway_is_stored_once_and_its_finding_raises_one_repair_order() {
    let app = spawn_app().await;
    let s = setup(&app, json!([{ "start": "00:00", "end": "23:59" }])).await;
    // Scheduling the same day twice creates the round once.
    let tasks = schedule(&app, &s, &s.route, today(), BUTLER).await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(schedule(&app, &s, &s.route, today(), BUTLER).await, tasks);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM patrol_tasks").await, 1);
    let task = &tasks[0];

    // The butler's handheld loads the round with its checkpoints in order (codes stay hidden).
    let mine = app.gql(Some(&s.butler), "{ myPatrolTasks { id status route { name } points { position checkpoint { id name code } checkedInAt } } }", json!({})).await;
    let t = &mine["data"]["myPatrolTasks"][0];
    assert_eq!(t["id"], task.as_str(), "{mine}");
    assert_eq!(t["status"], "PENDING");
    let order: Vec<&str> = t["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["checkpoint"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        s.points.iter().map(|p| p.0.as_str()).collect::<Vec<_>>()
    );
    assert_eq!(
        t["points"][0]["checkpoint"]["code"],
        Value::Null,
        "the code is on the tag, not on the screen"
    );

    // The whole round, recorded offline, in one sync.
    let at = now_minus(20);
    let round: Vec<Value> = vec![
        check_in(task, &s.points[0], &at),
        finding(task, &s.points[0], &at, true),
        check_in(task, &s.points[1], &at),
        check_in(task, &s.points[2], &at),
    ];
    let first = app.gql(Some(&s.butler), SYNC, json!({ "r": round })).await;
    assert_eq!(outcomes(&first), ["STORED"; 4], "{first}");
    let order_id = first["data"]["syncPatrol"]["results"][1]["repairOrderId"].clone();
    assert!(order_id.is_string(), "{first}");
    assert_eq!(records(&app).await, 4);

    // Sent again (the app never saw the answer): nothing doubles, the same order comes back.
    let again = app.gql(Some(&s.butler), SYNC, json!({ "r": round })).await;
    assert_eq!(outcomes(&again), ["ALREADY_STORED"; 4], "{again}");
    assert_eq!(again["data"]["syncPatrol"]["alreadyStored"], 4);
    assert_eq!(
        again["data"]["syncPatrol"]["results"][1]["repairOrderId"],
        order_id
    );
    assert_eq!(records(&app).await, 4);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM repair_orders").await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM repair_orders WHERE channel = 'PATROL' AND public_area_id IS NOT NULL AND house_id IS NULL").await, 1);
    // The repair desk sees the public-area order.
    let o = app
        .gql(
            Some(&s.manager),
            "query($o: ID!) { node(id: $o) { ... on RepairOrder { state channel description } } }",
            json!({ "o": order_id }),
        )
        .await;
    assert_eq!(o["data"]["node"]["channel"], "PATROL", "{o}");
    assert_eq!(o["data"]["node"]["state"], "SUBMITTED");

    // A later batch cut halfway by a lost signal, then sent in full.
    let more: Vec<Value> = (0..6)
        .map(|i| check_in(task, &s.points[i % 3], &now_minus(10)))
        .collect();
    let half = app
        .gql(Some(&s.butler), SYNC, json!({ "r": more[..3] }))
        .await;
    assert_eq!(outcomes(&half), ["STORED"; 3], "{half}");
    let full = app.gql(Some(&s.butler), SYNC, json!({ "r": more })).await;
    assert_eq!(
        outcomes(&full),
        [
            "ALREADY_STORED",
            "ALREADY_STORED",
            "ALREADY_STORED",
            "STORED",
            "STORED",
            "STORED"
        ],
        "{full}"
    );
    assert_eq!(records(&app).await, 10);
    assert_eq!(
        app.scalar("SELECT COUNT(DISTINCT client_id) FROM patrol_records")
            .await,
        10
    );

    // Every checkpoint checked in within the window: the round is done and leaves no gap.
    let done = app.gql(Some(&s.butler), "query($t: ID!) { node(id: $t) { ... on PatrolTask { status missedCheckpoints { id } findings { description repairOrderId } } } }", json!({ "t": task })).await;
    assert_eq!(done["data"]["node"]["status"], "DONE", "{done}");
    assert_eq!(done["data"]["node"]["missedCheckpoints"], json!([]));
    assert_eq!(
        done["data"]["node"]["findings"],
        json!([{ "description": "消防栓漏水", "repairOrderId": order_id }])
    );
    // Each stored record appended one event; the resends appended none.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE action IN ('patrol.checked_in', 'patrol.finding')"
        )
        .await,
        10
    );
}

/// Two identical syncs racing: one batch of `n` records sent by two concurrent requests.
async fn race(app: &TestApp, token: &str, batch: &[Value]) -> (Vec<String>, Vec<String>) {
    let (a, b) = tokio::join!(
        app.gql(Some(token), SYNC, json!({ "r": batch })),
        app.gql(Some(token), SYNC, json!({ "r": batch })),
    );
    (outcomes(&a), outcomes(&b))
}

#[tokio::test]
async fn the_same_batch_arriving_twice_at_the_same_time_is_stored_once() {
    let app = spawn_app().await;
    let s = setup(&app, json!([{ "start": "00:00", "end": "23:59" }])).await;
    let task = schedule(&app, &s, &s.route, today(), BUTLER)
        .await
        .remove(0);
    let mut total = 0;
    for attempt in 0..3 {
        let mut batch: Vec<Value> = (0..40)
            .map(|i| check_in(&task, &s.points[i % 3], &now_minus(5)))
            .collect();
        batch.push(finding(&task, &s.points[attempt], &now_minus(5), true));
        let (a, b) = race(&app, &s.butler, &batch).await;
        // Each record: STORED in exactly one response, ALREADY_STORED in the other.
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            let mut pair = [x.as_str(), y.as_str()];
            pair.sort();
            assert_eq!(
                pair,
                ["ALREADY_STORED", "STORED"],
                "attempt {attempt}, record {i}: {a:?} / {b:?}"
            );
        }
        total += batch.len() as i64;
        assert_eq!(records(&app).await, total);
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM repair_orders").await,
            attempt as i64 + 1,
            "one order per finding"
        );
    }
    // Overlapping halves in opposite orders at once (a resend racing the rest of a cut batch):
    // no deadlock, and every shared record is stored by exactly one of them.
    let batch: Vec<Value> = (0..40)
        .map(|i| check_in(&task, &s.points[i % 3], &now_minus(5)))
        .collect();
    let first: Vec<Value> = batch[..30].to_vec();
    let second: Vec<Value> = batch[10..].iter().rev().cloned().collect();
    let (a, b) = tokio::join!(
        app.gql(Some(&s.butler), SYNC, json!({ "r": first })),
        app.gql(Some(&s.butler), SYNC, json!({ "r": second })),
    );
    let (a, b) = (outcomes(&a), outcomes(&b));
    let mut b_by_record = b.clone();
    b_by_record.reverse(); // b_by_record[k] is the answer for batch[10 + k]
    for i in 0..40 {
        let x = (i < 30).then(|| a[i].as_str());
        let y = (i >= 10).then(|| b_by_record[i - 10].as_str());
        let stored = [x, y].iter().filter(|o| **o == Some("STORED")).count();
        assert_eq!(stored, 1, "record {i}: {x:?} / {y:?}");
    }
    assert_eq!(records(&app).await, total + 40);
}

#[tokio::test]
async fn bad_records_are_refused_one_by_one_and_the_good_ones_kept() {
    let app = spawn_app().await;
    let s = setup(
        &app,
        json!([{ "start": "08:00", "end": "10:00" }, { "start": "14:00", "end": "16:00" }]),
    )
    .await;
    let yesterday = today() - Duration::days(1);
    let mine = schedule(&app, &s, &s.route, yesterday, BUTLER).await;
    // A second route, walked by the guard.
    let ids: Vec<&String> = s.points.iter().map(|p| &p.0).collect();
    let i = json!({ "communityId": s.c1, "name": "保安路线", "checkpointIds": ids[..1], "days": [1, 2, 3, 4, 5, 6, 7] });
    let guard_route = app.gql(Some(&s.manager), ROUTE, json!({ "i": i })).await["data"]
        ["createPatrolRoute"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let guards = schedule(&app, &s, &guard_route, yesterday, SECURITY).await;
    let at = local(yesterday, 9, 0);

    let good = check_in(&mine[0], &s.points[0], &at);
    let mut wrong_code = check_in(&mine[0], &s.points[1], &at);
    wrong_code["code"] = json!("CP-3");
    let someone_elses = check_in(&guards[0], &s.points[0], &at);
    let future = check_in(
        &mine[1],
        &s.points[0],
        &(Utc::now() + Duration::hours(1)).to_rfc3339(),
    );
    let too_early = check_in(&mine[1], &s.points[0], &local(yesterday, 12, 0));
    let mut no_such_task = check_in(&mine[0], &s.points[2], &at);
    no_such_task["taskId"] = json!("not-an-id");
    // A checkpoint of the community that is not on the guard's one-point route.
    let other_route_point = check_in(&guards[0], &s.points[2], &at);
    let also_good = finding(&mine[1], &s.points[2], &local(yesterday, 15, 0), false);
    let batch = vec![
        good,
        wrong_code,
        someone_elses,
        future,
        too_early,
        no_such_task,
        also_good,
    ];
    let out = app.gql(Some(&s.butler), SYNC, json!({ "r": batch })).await;
    let reasons: Vec<Value> = out["data"]["syncPatrol"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].clone())
        .collect();
    assert_eq!(
        reasons,
        [
            json!(null),
            json!("WRONG_CODE"),
            json!("NOT_YOUR_TASK"),
            json!("TIME_IN_FUTURE"),
            json!("TIME_BEFORE_ROUND"),
            json!("UNKNOWN_TASK"),
            json!(null)
        ],
        "{out}"
    );
    assert_eq!(out["data"]["syncPatrol"]["stored"], 2);
    assert_eq!(out["data"]["syncPatrol"]["refused"], 5);
    assert_eq!(
        out["data"]["syncPatrol"]["results"][1]["message"],
        "扫描的编码与巡查点不符"
    );
    assert_eq!(records(&app).await, 2);
    // The reason in English on request; a resend of the refused record is refused again.
    let en: Value = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&s.butler)
        .header("Accept-Language", "en")
        .json(&json!({ "query": SYNC, "variables": { "r": [batch[1].clone()] } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        en["data"]["syncPatrol"]["results"][0]["message"],
        "The scanned code does not belong to this checkpoint",
        "{en}"
    );
    assert_eq!(records(&app).await, 2);

    // The guard's own sync: a point off their route is refused, and reusing the butler's client
    // id does not pass for theirs.
    let guard = app.login(SECURITY).await;
    let mut reused = check_in(&guards[0], &s.points[0], &at);
    reused["clientId"] = batch[0]["clientId"].clone();
    let out = app
        .gql(
            Some(&guard),
            SYNC,
            json!({ "r": [other_route_point, reused] }),
        )
        .await;
    let reasons: Vec<Value> = out["data"]["syncPatrol"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].clone())
        .collect();
    assert_eq!(
        reasons,
        [json!("NOT_ON_ROUTE"), json!("CLIENT_ID_TAKEN")],
        "{out}"
    );
    assert_eq!(records(&app).await, 2);

    // Owners and technicians do not patrol.
    assert_eq!(
        error_code(
            &app.gql(Some(&app.login(OWNER1).await), SYNC, json!({ "r": [] }))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &app.gql(Some(&app.login(TECHNICIAN).await), SYNC, json!({ "r": [] }))
                .await
        ),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn a_sync_over_500_records_is_refused_whole_with_the_limit_named() {
    let app = spawn_app().await;
    let s = setup(&app, json!([{ "start": "00:00", "end": "23:59" }])).await;
    let task = schedule(&app, &s, &s.route, today(), BUTLER)
        .await
        .remove(0);
    let at = now_minus(5);
    let batch = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| check_in(&task, &s.points[i % 3], &at))
            .collect()
    };

    // 10,000 records as JSON: about 2 MB, over the 1 MiB body cap, refused before parsing.
    let huge = json!({ "query": SYNC, "variables": { "r": batch(10_000) } });
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&s.butler)
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "body", "{body}");

    // The same 10,000 as a multipart request (whose cap is larger) reach the sync's own limit.
    let form = reqwest::multipart::Form::new()
        .text(
            "operations",
            json!({ "query": SYNC, "variables": { "r": batch(10_000) } }).to_string(),
        )
        .text("map", "{}");
    let body: Value = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&s.butler)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        error_code(&body),
        "BAD_USER_INPUT",
        "{}",
        body.to_string().chars().take(500).collect::<String>()
    );
    assert_eq!(body["errors"][0]["extensions"]["field"], "records");
    let msg = body["errors"][0]["message"].as_str().unwrap();
    assert!(msg.contains("500") && msg.contains("10000"), "{msg}");

    // 501 in plain JSON: the records limit, named.
    let out = app
        .gql(Some(&s.butler), SYNC, json!({ "r": batch(501) }))
        .await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT");
    assert_eq!(out["errors"][0]["extensions"]["field"], "records");
    assert_eq!(records(&app).await, 0, "nothing stored by a refused sync");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM events WHERE action = 'patrol.checked_in'")
            .await,
        0
    );

    // 500, the most a sync takes, fit in the body cap and are stored in full.
    let full = batch(500);
    let size = json!({ "query": SYNC, "variables": { "r": full } })
        .to_string()
        .len();
    assert!(size < 1024 * 1024, "500 records are {size} bytes");
    let out = app.gql(Some(&s.butler), SYNC, json!({ "r": full })).await;
    assert_eq!(
        out["data"]["syncPatrol"]["stored"],
        500,
        "{}",
        out.to_string().chars().take(500).collect::<String>()
    );
    assert_eq!(records(&app).await, 500);
}

#[tokio::test]
async fn the_manager_sees_done_late_incomplete_and_missed_rounds_with_the_missed_points() {
    let app = spawn_app().await;
    let s = setup(
        &app,
        json!([{ "start": "08:00", "end": "10:00" }, { "start": "14:00", "end": "16:00" }]),
    )
    .await;
    let d1 = today() - Duration::days(2);
    let d2 = today() - Duration::days(1);
    // A one-point route with one morning window.
    let i = json!({ "communityId": s.c1, "name": "车库路线", "checkpointIds": [s.points[0].0], "days": [1, 2, 3, 4, 5, 6, 7], "windows": [{ "start": "08:00", "end": "10:00" }] });
    let garage = app.gql(Some(&s.manager), ROUTE, json!({ "i": i })).await["data"]
        ["createPatrolRoute"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let main = schedule(&app, &s, &s.route, d2, BUTLER).await;
    let late = schedule(&app, &s, &garage, d1, SECURITY).await;
    let missed = schedule(&app, &s, &garage, d2, SECURITY).await;
    let p = &s.points;
    // Morning: every point in the window. Afternoon: one in time, one late, one never.
    let butler_batch = vec![
        check_in(&main[0], &p[0], &local(d2, 8, 10)),
        check_in(&main[0], &p[1], &local(d2, 8, 20)),
        check_in(&main[0], &p[2], &local(d2, 8, 30)),
        check_in(&main[1], &p[0], &local(d2, 14, 10)),
        check_in(&main[1], &p[1], &local(d2, 16, 30)),
    ];
    assert_eq!(
        outcomes(
            &app.gql(Some(&s.butler), SYNC, json!({ "r": butler_batch }))
                .await
        ),
        ["STORED"; 5]
    );
    let guard = app.login(SECURITY).await;
    let out = app
        .gql(
            Some(&guard),
            SYNC,
            json!({ "r": [check_in(&late[0], &p[0], &local(d1, 11, 0))] }),
        )
        .await;
    assert_eq!(outcomes(&out), ["STORED"], "{out}");

    let q = "query($c: ID!, $f: NaiveDate!, $t: NaiveDate!) { patrolReport(communityId: $c, from: $f, to: $t) { roundsExpected roundsScheduled roundsDone roundsLate roundsIncomplete roundsMissed roundsPending checkpointsDue checkpointsMissed rounds { id status missedCheckpoints { name } points { late } } } }";
    let out = app
        .gql(Some(&s.manager), q, json!({ "c": s.c1, "f": d1, "t": d2 }))
        .await;
    let r = &out["data"]["patrolReport"];
    assert_eq!(
        [
            &r["roundsExpected"],
            &r["roundsScheduled"],
            &r["roundsDone"],
            &r["roundsLate"],
            &r["roundsIncomplete"],
            &r["roundsMissed"],
            &r["roundsPending"]
        ],
        [
            &json!(6),
            &json!(4),
            &json!(1),
            &json!(1),
            &json!(1),
            &json!(1),
            &json!(0)
        ],
        "{out}"
    );
    assert_eq!(r["checkpointsDue"], 8);
    assert_eq!(r["checkpointsMissed"], 2);
    let by_id = |id: &str| {
        r["rounds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id(&main[0])["status"], "DONE");
    assert_eq!(by_id(&late[0])["status"], "LATE");
    let afternoon = by_id(&main[1]);
    assert_eq!(afternoon["status"], "INCOMPLETE");
    assert_eq!(
        afternoon["missedCheckpoints"],
        json!([{ "name": "巡查点3" }])
    );
    assert_eq!(
        afternoon["points"],
        json!([{ "late": false }, { "late": true }, { "late": false }])
    );
    assert_eq!(by_id(&missed[0])["status"], "MISSED");
    assert_eq!(
        by_id(&missed[0])["missedCheckpoints"],
        json!([{ "name": "巡查点1" }])
    );

    // The same figures through the plain service function the targets board will call.
    let community_id = app
        .scalar("SELECT id FROM communities WHERE code = 'CUIHU'")
        .await;
    let f = guanjia::service::patrols::figures(&app.db, community_id, d1, d2)
        .await
        .unwrap();
    assert_eq!(
        (
            f.rounds_scheduled,
            f.rounds_done,
            f.rounds_late,
            f.rounds_incomplete,
            f.rounds_missed
        ),
        (4, 1, 1, 1, 1)
    );
    assert_eq!(
        f.workdays,
        guanjia::domain::patrol_schedule::workdays_between(d1, d2)
    );

    // Another community's manager learns nothing; a period over 31 days is refused.
    let other = app.login(MANAGER_C2).await;
    assert_eq!(
        error_code(
            &app.gql(Some(&other), q, json!({ "c": s.c1, "f": d1, "t": d2 }))
                .await
        ),
        "NOT_FOUND"
    );
    let long = app
        .gql(
            Some(&s.manager),
            q,
            json!({ "c": s.c1, "f": d1 - Duration::days(40), "t": d2 }),
        )
        .await;
    assert_eq!(error_code(&long), "BAD_USER_INPUT");
}

#[tokio::test]
async fn routes_default_to_two_rounds_per_workday_and_codes_are_unique() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let c1 = app.community_id("CUIHU").await;
    let area = public_area(&app, 0).await;
    let i = json!({ "publicAreaId": area, "name": "大堂", "checks": "门禁", "code": "LOBBY-1" });
    let cp = app.gql(Some(&manager), CHECKPOINT, json!({ "i": i })).await["data"]
        ["createPatrolCheckpoint"]["id"]
        .clone();
    assert_eq!(
        error_code(&app.gql(Some(&manager), CHECKPOINT, json!({ "i": i })).await),
        "CONFLICT"
    );
    let out = app
        .gql(
            Some(&manager),
            ROUTE,
            json!({ "i": { "communityId": c1, "name": "日常", "checkpointIds": [cp] } }),
        )
        .await;
    let r = &out["data"]["createPatrolRoute"];
    assert_eq!(r["days"], json!([1, 2, 3, 4, 5]), "{out}");
    assert_eq!(
        r["windows"],
        json!([{ "start": "09:00", "end": "11:00" }, { "start": "15:00", "end": "17:00" }])
    );
    let overlap = json!({ "communityId": c1, "name": "x", "checkpointIds": [cp], "windows": [{ "start": "09:00", "end": "11:00" }, { "start": "10:00", "end": "12:00" }] });
    assert_eq!(
        app.gql(Some(&manager), ROUTE, json!({ "i": overlap }))
            .await["errors"][0]["extensions"]["field"],
        "windows"
    );
    // The next Monday has two rounds; the following Saturday none.
    let mut monday = today() + Duration::days(1);
    while chrono::Datelike::weekday(&monday) != chrono::Weekday::Mon {
        monday += Duration::days(1);
    }
    let route = r["id"].clone();
    let staff = staff_id(&app, SECURITY).await;
    let out = app
        .gql(
            Some(&manager),
            SCHEDULE,
            json!({ "r": route, "d": monday, "a": staff }),
        )
        .await;
    let rounds = out["data"]["schedulePatrolTasks"].as_array().unwrap();
    assert_eq!(
        rounds
            .iter()
            .map(|t| t["round"].clone())
            .collect::<Vec<_>>(),
        [json!(1), json!(2)],
        "{out}"
    );
    let saturday = monday + Duration::days(5);
    let out = app
        .gql(
            Some(&manager),
            SCHEDULE,
            json!({ "r": route, "d": saturday, "a": staff }),
        )
        .await;
    assert_eq!(out["errors"][0]["extensions"]["field"], "date", "{out}");
    // Only butlers and guards walk rounds.
    let tech = staff_id(&app, TECHNICIAN).await;
    let out = app
        .gql(
            Some(&manager),
            SCHEDULE,
            json!({ "r": route, "d": monday, "a": tech }),
        )
        .await;
    assert_eq!(
        out["errors"][0]["extensions"]["field"], "assigneeId",
        "{out}"
    );
}

const PHOTOS: &str = "mutation($c: String!, $p: [Upload!]!) { addPatrolFindingPhotos(clientId: $c, photos: $p) { photos { url contentType } } }";

/// Uploads `files` to a finding as a GraphQL multipart request.
async fn upload(app: &TestApp, token: &str, client_id: &str, files: &[Vec<u8>]) -> Value {
    let ops = json!({ "query": PHOTOS, "variables": { "c": client_id, "p": vec![Value::Null; files.len()] } });
    let map: serde_json::Map<String, Value> = (0..files.len())
        .map(|i| (i.to_string(), json!([format!("variables.p.{i}")])))
        .collect();
    let mut form = reqwest::multipart::Form::new()
        .text("operations", ops.to_string())
        .text("map", Value::Object(map).to_string());
    for (i, bytes) in files.iter().enumerate() {
        form = form.part(
            i.to_string(),
            reqwest::multipart::Part::bytes(bytes.clone())
                .file_name(format!("p{i}.jpg"))
                .mime_str("image/jpeg")
                .unwrap(),
        );
    }
    app.client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn finding_photos_are_stored_once_and_served_to_who_may_see_them() {
    let app = spawn_app().await;
    let s = setup(&app, json!([{ "start": "00:00", "end": "23:59" }])).await;
    let task = schedule(&app, &s, &s.route, today(), BUTLER)
        .await
        .remove(0);
    let f = finding(&task, &s.points[1], &now_minus(3), true);
    let cid = f["clientId"].as_str().unwrap().to_owned();
    assert_eq!(
        outcomes(&app.gql(Some(&s.butler), SYNC, json!({ "r": [f] })).await),
        ["STORED"]
    );

    let jpeg = |n: u8| vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', n];
    let out = upload(&app, &s.butler, &cid, &[jpeg(1), jpeg(2)]).await;
    let photos = out["data"]["addPatrolFindingPhotos"]["photos"]
        .as_array()
        .unwrap_or_else(|| panic!("{out}"))
        .clone();
    assert_eq!(photos.len(), 2);
    // A retried upload (and a repeated photo) adds nothing.
    let again = upload(&app, &s.butler, &cid, &[jpeg(2), jpeg(1), jpeg(2)]).await;
    assert_eq!(
        again["data"]["addPatrolFindingPhotos"]["photos"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{again}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM patrol_photos").await, 2);
    // Not an image: refused.
    assert_eq!(
        error_code(&upload(&app, &s.butler, &cid, &[b"MZ\x90\0 not a photo".to_vec()]).await),
        "BAD_USER_INPUT"
    );
    // Only the one who recorded the finding adds photos to it.
    assert_eq!(
        error_code(&upload(&app, &app.login(SECURITY).await, &cid, &[jpeg(3)]).await),
        "NOT_FOUND"
    );

    let url = app.url(photos[0]["url"].as_str().unwrap());
    let get = |token: String| {
        let url = url.clone();
        let client = app.client.clone();
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(get(s.butler.clone()).await, 200);
    assert_eq!(get(s.manager.clone()).await, 200);
    assert_eq!(get(app.login(OWNER1).await).await, 404);
    assert_eq!(
        get(app.login(TECHNICIAN).await).await,
        404,
        "not their order (yet)"
    );
}

#[tokio::test]
async fn the_report_and_the_handheld_list_cost_the_same_for_2_or_6_rounds() {
    let app = spawn_app().await;
    let s = setup(
        &app,
        json!([{ "start": "08:00", "end": "10:00" }, { "start": "14:00", "end": "16:00" }]),
    )
    .await;
    let q = "query($c: ID!, $f: NaiveDate!, $t: NaiveDate!) { patrolReport(communityId: $c, from: $f, to: $t) { roundsDone rounds { status assigneeName route { name checkpoints { name } } points { late checkpoint { name publicArea { name } } } missedCheckpoints { name } findings { description } } } }";
    let mine = "{ myPatrolTasks { status route { name } points { checkpoint { name place checks } checkedInAt } } }";
    let d = today();
    schedule(&app, &s, &s.route, d, BUTLER).await;
    let (out, few) = app
        .counted(Some(&s.manager), q, json!({ "c": s.c1, "f": d, "t": d }))
        .await;
    assert_eq!(
        out["data"]["patrolReport"]["rounds"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{out}"
    );
    let (_, mine_few) = app.counted(Some(&s.butler), mine, json!({})).await;
    for back in 1..=2 {
        schedule(&app, &s, &s.route, d - Duration::days(back), BUTLER).await;
    }
    let (out, many) = app
        .counted(
            Some(&s.manager),
            q,
            json!({ "c": s.c1, "f": d - Duration::days(2), "t": d }),
        )
        .await;
    assert_eq!(
        out["data"]["patrolReport"]["rounds"]
            .as_array()
            .unwrap()
            .len(),
        6,
        "{out}"
    );
    assert_eq!(few, many, "statements for 2 rounds vs 6");
    let (out, mine_many) = app.counted(Some(&s.butler), mine, json!({})).await;
    assert!(
        out["data"]["myPatrolTasks"].as_array().unwrap().len() >= 4,
        "today's and the overdue ones: {out}"
    );
    assert_eq!(mine_few, mine_many, "statements for the handheld list");
}
