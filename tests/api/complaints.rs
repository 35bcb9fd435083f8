//! Complaints (客户投诉受理规程): from the app or the desk, through the work order, the reply
//! within 24 h and the return visit; the monthly analysis; the figures of the targets board.
use crate::helpers::*;
use serde_json::{json, Value};

pub const REGISTER: &str = "mutation($i: RegisterComplaintInput!) { registerComplaint(input: $i) { id state channel severity complainantName registeredAt replyDueAt } }";
const ASSIGN: &str = "mutation($c: ID!, $h: ID) { assignComplaint(complaintId: $c, department: ENGINEERING, handlerId: $h) { state department handlerName } }";
const REPLY: &str = "mutation($c: ID!) { replyToComplaint(complaintId: $c, reply: \"已安排工程部处理，今天下午上门\") { state repliedAt } }";
const RESOLVE: &str = "mutation($c: ID!) { resolveComplaint(complaintId: $c, resolution: \"已更换水泵，水压恢复\") { state resolvedAt repliedAt } }";
const VISIT: &str = "mutation($c: ID!, $s: Int!) { recordComplaintReturnVisit(complaintId: $c, satisfaction: $s, remarks: \"满意\") { state satisfaction } }";
const ESCALATE: &str = "mutation($c: ID!) { escalateComplaint(complaintId: $c, reason: \"多户受影响\") { state severity } }";
const REOPEN: &str =
    "mutation($c: ID!) { reopenComplaint(complaintId: $c, reason: \"仍然水压不足\") { state } }";
const WITHDRAW: &str = "mutation($c: ID!) { withdrawComplaint(complaintId: $c) { state } }";
const MINE: &str =
    "{ myComplaints { edges { node { id state summary place timeline { action toState } } } } }";

/// Owner 1 complains from the app about 1栋1单元101; returns the complaint id.
pub async fn complained(app: &TestApp, category: &str) -> Value {
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let out = app.gql(Some(&owner), REGISTER, json!({ "i": { "houseId": house, "category": category, "summary": "晚上水压太低，洗不了澡" } })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    out["data"]["registerComplaint"]["id"].clone()
}

fn current_state(body: &Value) -> &str {
    body["errors"][0]["extensions"]["currentState"]
        .as_str()
        .unwrap_or_else(|| panic!("no current state in {body}"))
}

#[tokio::test]
async fn an_owner_complains_from_the_app_and_follows_it_to_the_return_visit() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let butler = app.login(BUTLER).await;
    let technician = app.login(TECHNICIAN).await;
    let house_a = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let house_b = app.house_id("CUIHU", "1栋", "1单元", "201").await;

    let out = app.gql(Some(&owner), REGISTER, json!({ "i": { "houseId": house_a, "category": "FACILITIES", "summary": "晚上水压太低" } })).await;
    let c = &out["data"]["registerComplaint"];
    assert_eq!(
        (
            c["state"].as_str(),
            c["channel"].as_str(),
            c["severity"].as_str()
        ),
        (Some("REGISTERED"), Some("APP"), Some("GENERAL")),
        "{out}"
    );
    assert_eq!(c["complainantName"], "王建国");
    let registered =
        chrono::DateTime::parse_from_rfc3339(c["registeredAt"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(c["replyDueAt"].as_str().unwrap()).unwrap();
    assert_eq!(
        due - registered,
        chrono::Duration::hours(24),
        "the reply is due 24 h after registration"
    );
    let id = c["id"].clone();

    // Someone else's house: NOT_FOUND, and nothing is stored.
    let other = app
        .gql(
            Some(&owner),
            REGISTER,
            json!({ "i": { "houseId": house_b, "category": "NOISE", "summary": "楼上装修太吵" } }),
        )
        .await;
    assert_eq!(error_code(&other), "NOT_FOUND", "{other}");
    // Owners do not grade their own complaint, nor pretend to be the desk.
    let major = app.gql(Some(&owner), REGISTER, json!({ "i": { "houseId": house_a, "category": "NOISE", "severity": "MAJOR", "summary": "吵" } })).await;
    assert_eq!(error_code(&major), "BAD_USER_INPUT");
    let phone = app.gql(Some(&owner), REGISTER, json!({ "i": { "houseId": house_a, "category": "NOISE", "channel": "PHONE", "summary": "吵" } })).await;
    assert_eq!(error_code(&phone), "BAD_USER_INPUT");
    let empty = app
        .gql(
            Some(&owner),
            REGISTER,
            json!({ "i": { "houseId": house_a, "category": "NOISE", "summary": "  " } }),
        )
        .await;
    assert_eq!(
        empty["errors"][0]["extensions"]["field"], "summary",
        "{empty}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM complaints").await, 1);

    // The butler turns it into a work order for engineering, handled by the technician.
    let tech = crate::repairs::technician_staff_id(&app).await;
    let out = app
        .gql(Some(&butler), ASSIGN, json!({ "c": id, "h": tech }))
        .await;
    assert_eq!(
        out["data"]["assignComplaint"],
        json!({ "state": "ASSIGNED", "department": "ENGINEERING", "handlerName": "周师傅" }),
        "{out}"
    );
    // The handler answers and handles it.
    let out = app.gql(Some(&technician), REPLY, json!({ "c": id })).await;
    assert_eq!(
        out["data"]["replyToComplaint"]["state"], "ASSIGNED",
        "{out}"
    );
    let out = app
        .gql(Some(&technician), RESOLVE, json!({ "c": id }))
        .await;
    assert_eq!(
        out["data"]["resolveComplaint"]["state"], "RESOLVED",
        "{out}"
    );
    // The owner does not record their own return visit; the butler does, and it closes.
    assert_eq!(
        error_code(
            &app.gql(Some(&owner), VISIT, json!({ "c": id, "s": 5 }))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &app.gql(Some(&butler), VISIT, json!({ "c": id, "s": 6 }))
                .await
        ),
        "BAD_USER_INPUT"
    );
    let out = app
        .gql(Some(&butler), VISIT, json!({ "c": id, "s": 5 }))
        .await;
    assert_eq!(
        out["data"]["recordComplaintReturnVisit"],
        json!({ "state": "CLOSED", "satisfaction": 5 }),
        "{out}"
    );
    let again = app
        .gql(Some(&butler), VISIT, json!({ "c": id, "s": 4 }))
        .await;
    assert_eq!(error_code(&again), "INVALID_STATE_TRANSITION");
    assert_eq!(current_state(&again), "CLOSED");

    // The owner (and the family member of the house) follow every step in the app.
    for who in [OWNER1, FAMILY] {
        let mine = app.gql(Some(&app.login(who).await), MINE, json!({})).await;
        let node = &mine["data"]["myComplaints"]["edges"][0]["node"];
        assert_eq!(node["place"], "翠湖花园 1栋 1单元 101", "{mine}");
        let actions: Vec<&str> = node["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "complaint.registered",
                "complaint.assigned",
                "complaint.replied",
                "complaint.resolved",
                "complaint.return_visited"
            ]
        );
    }
    // Owner 2 sees nothing of it.
    let theirs = app
        .gql(Some(&app.login(OWNER2).await), MINE, json!({}))
        .await;
    assert_eq!(theirs["data"]["myComplaints"]["edges"], json!([]));
    assert_eq!(
        error_code(
            &app.gql(
                Some(&app.login(OWNER2).await),
                "query($c: ID!) { node(id: $c) { id } }",
                json!({ "c": id })
            )
            .await
        ),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn staff_register_on_someones_behalf_and_major_complaints_go_to_the_manager() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let butler = app.login(BUTLER).await;
    let manager = app.login(MANAGER).await;
    let house_a = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let house_d = app.house_id("CUIHU", "3栋", "1单元", "101").await;

    // Reception takes a phone call about 3栋: a major complaint, straight to the manager.
    let input = json!({ "houseId": house_d, "channel": "PHONE", "category": "SECURITY", "severity": "MAJOR", "summary": "车库夜间无人值守，车辆被划", "complainantName": "陈先生", "complainantPhone": "13700000001" });
    let out = app
        .gql(Some(&reception), REGISTER, json!({ "i": input }))
        .await;
    let c = &out["data"]["registerComplaint"];
    assert_eq!(
        (
            c["state"].as_str(),
            c["channel"].as_str(),
            c["complainantName"].as_str()
        ),
        (Some("ESCALATED"), Some("PHONE"), Some("陈先生")),
        "{out}"
    );
    let major = c["id"].clone();
    // Staff register calls, visits and letters, with who complained.
    let app_channel = app.gql(Some(&reception), REGISTER, json!({ "i": { "houseId": house_d, "channel": "APP", "category": "NOISE", "summary": "吵", "complainantName": "陈先生", "complainantPhone": "13700000001" } })).await;
    assert_eq!(
        app_channel["errors"][0]["extensions"]["field"], "channel",
        "{app_channel}"
    );
    let no_phone = app.gql(Some(&reception), REGISTER, json!({ "i": { "houseId": house_d, "channel": "VISIT", "category": "NOISE", "summary": "吵", "complainantName": "陈先生" } })).await;
    assert_eq!(
        no_phone["errors"][0]["extensions"]["field"], "complainantPhone",
        "{no_phone}"
    );
    // The butler serves 1栋 and 2栋 only.
    let out = app.gql(Some(&butler), REGISTER, json!({ "i": { "houseId": house_d, "channel": "VISIT", "category": "NOISE", "summary": "吵", "complainantName": "陈先生", "complainantPhone": "13700000001" } })).await;
    assert_eq!(error_code(&out), "NOT_FOUND");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM complaints").await, 1);

    // Only the manager assigns a major complaint.
    let tech = crate::repairs::technician_staff_id(&app).await;
    assert_eq!(
        error_code(
            &app.gql(Some(&reception), ASSIGN, json!({ "c": major, "h": tech }))
                .await
        ),
        "FORBIDDEN"
    );
    let out = app
        .gql(Some(&manager), ASSIGN, json!({ "c": major, "h": tech }))
        .await;
    assert_eq!(out["data"]["assignComplaint"]["state"], "ASSIGNED", "{out}");

    // The butler registers owner 1's phone call; matched by phone, owner 1 follows it in the app.
    let out = app.gql(Some(&butler), REGISTER, json!({ "i": { "houseId": house_a, "channel": "PHONE", "category": "CLEANING", "summary": "楼道垃圾两天没人清", "complainantName": "王建国", "complainantPhone": OWNER1 } })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    let mine = app
        .gql(Some(&app.login(OWNER1).await), MINE, json!({}))
        .await;
    assert_eq!(
        mine["data"]["myComplaints"]["edges"][0]["node"]["summary"], "楼道垃圾两天没人清",
        "{mine}"
    );
    // A general complaint that proves major is escalated by the desk.
    let id = out["data"]["registerComplaint"]["id"].clone();
    let out = app.gql(Some(&butler), ESCALATE, json!({ "c": id })).await;
    assert_eq!(
        out["data"]["escalateComplaint"],
        json!({ "state": "ESCALATED", "severity": "MAJOR" }),
        "{out}"
    );
    // ESCALATED belongs to the manager: the butler may neither answer nor handle it, and it
    // cannot be escalated twice or visited before it is handled.
    assert_eq!(
        error_code(&app.gql(Some(&butler), REPLY, json!({ "c": id })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&app.gql(Some(&butler), RESOLVE, json!({ "c": id })).await),
        "FORBIDDEN"
    );
    for (q, vars) in [
        (ESCALATE, json!({ "c": id })),
        (VISIT, json!({ "c": id, "s": 5 })),
        (REOPEN, json!({ "c": id })),
    ] {
        let out = app.gql(Some(&butler), q, vars).await;
        assert_eq!(current_state(&out), "ESCALATED", "{q}: {out}");
    }
    let out = app.gql(Some(&manager), RESOLVE, json!({ "c": id })).await;
    assert_eq!(
        out["data"]["resolveComplaint"]["state"], "RESOLVED",
        "{out}"
    );
    assert!(
        out["data"]["resolveComplaint"]["repliedAt"].is_string(),
        "handling it answers it: {out}"
    );
}

#[tokio::test]
async fn every_bad_step_names_the_current_state_and_every_wrong_role_is_forbidden() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let butler = app.login(BUTLER).await;
    let reception = app.login(RECEPTION).await;
    let technician = app.login(TECHNICIAN).await;
    let tech = crate::repairs::technician_staff_id(&app).await;
    let id = complained(&app, "FACILITIES").await;

    // REGISTERED: nothing to reply-visit, resolve or reopen yet.
    for (q, vars) in [
        (RESOLVE, json!({ "c": id })),
        (VISIT, json!({ "c": id, "s": 5 })),
        (REOPEN, json!({ "c": id })),
    ] {
        let out = app.gql(Some(&butler), q, vars).await;
        assert_eq!(error_code(&out), "INVALID_STATE_TRANSITION", "{q}: {out}");
        assert_eq!(current_state(&out), "REGISTERED");
    }
    // Wrong people: the owner runs no work order; the desk does not withdraw for the owner.
    for (q, vars) in [
        (ASSIGN, json!({ "c": id, "h": tech })),
        (ESCALATE, json!({ "c": id })),
        (REPLY, json!({ "c": id })),
        (RESOLVE, json!({ "c": id })),
        (VISIT, json!({ "c": id, "s": 5 })),
        (REOPEN, json!({ "c": id })),
    ] {
        assert_eq!(
            error_code(&app.gql(Some(&owner), q, vars).await),
            "FORBIDDEN",
            "owner: {q}"
        );
    }
    assert_eq!(
        error_code(
            &app.gql(Some(&reception), WITHDRAW, json!({ "c": id }))
                .await
        ),
        "FORBIDDEN"
    );
    // Staff who cannot see it get NOT_FOUND, as if it did not exist.
    assert_eq!(
        error_code(
            &app.gql(Some(&technician), ASSIGN, json!({ "c": id, "h": tech }))
                .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(
            &app.gql(
                Some(&app.login(MANAGER_C2).await),
                ASSIGN,
                json!({ "c": id, "h": tech })
            )
            .await
        ),
        "NOT_FOUND"
    );

    // ASSIGNED: the handler handles; the technician may not assign or visit.
    app.gql(Some(&butler), ASSIGN, json!({ "c": id, "h": tech }))
        .await;
    let twice = app
        .gql(Some(&reception), ASSIGN, json!({ "c": id, "h": tech }))
        .await;
    assert_eq!(error_code(&twice), "INVALID_STATE_TRANSITION");
    assert_eq!(current_state(&twice), "ASSIGNED");
    assert_eq!(
        error_code(
            &app.gql(Some(&technician), ESCALATE, json!({ "c": id }))
                .await
        ),
        "FORBIDDEN"
    );
    let early = app
        .gql(Some(&butler), VISIT, json!({ "c": id, "s": 5 }))
        .await;
    assert_eq!(current_state(&early), "ASSIGNED");
    app.gql(Some(&technician), RESOLVE, json!({ "c": id }))
        .await;
    // RESOLVED: the handler does not visit their own work; reopening sends it back.
    assert_eq!(
        error_code(
            &app.gql(Some(&technician), VISIT, json!({ "c": id, "s": 5 }))
                .await
        ),
        "FORBIDDEN"
    );
    let late = app.gql(Some(&owner), WITHDRAW, json!({ "c": id })).await;
    assert_eq!(
        current_state(&late),
        "RESOLVED",
        "handled complaints are not withdrawn"
    );
    let out = app.gql(Some(&butler), REOPEN, json!({ "c": id })).await;
    assert_eq!(out["data"]["reopenComplaint"]["state"], "ASSIGNED", "{out}");
    // The owner withdraws; nothing moves it after that.
    let out = app.gql(Some(&owner), WITHDRAW, json!({ "c": id })).await;
    assert_eq!(
        out["data"]["withdrawComplaint"]["state"], "WITHDRAWN",
        "{out}"
    );
    for (q, vars) in [
        (ASSIGN, json!({ "c": id, "h": tech })),
        (RESOLVE, json!({ "c": id })),
        (ESCALATE, json!({ "c": id })),
    ] {
        let out = app.gql(Some(&butler), q, vars).await;
        assert_eq!(current_state(&out), "WITHDRAWN", "{q}: {out}");
    }
    assert_eq!(
        current_state(&app.gql(Some(&owner), WITHDRAW, json!({ "c": id })).await),
        "WITHDRAWN"
    );
}

#[tokio::test]
async fn recurring_complaints_are_grouped_by_category_and_place_for_the_month() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let owner2 = app.login(OWNER2).await;
    let c1 = app.community_id("CUIHU").await;
    complained(&app, "FACILITIES").await;
    complained(&app, "NOISE").await;
    // Another house of the same building, same problem: it recurs in 1栋.
    let house_b = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    let out = app
        .gql(
            Some(&owner2),
            REGISTER,
            json!({ "i": { "houseId": house_b, "category": "FACILITIES", "summary": "水压低" } }),
        )
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    let q = "query($c: ID!, $p: String!) { complaintAnalysis(communityId: $c, period: $p) { category place count recurring } }";
    let out = app
        .gql(
            Some(&manager),
            q,
            json!({ "c": c1, "p": crate::fees::period(0) }),
        )
        .await;
    assert_eq!(
        out["data"]["complaintAnalysis"],
        json!([
            { "category": "FACILITIES", "place": "1栋", "count": 2, "recurring": true },
            { "category": "NOISE", "place": "1栋", "count": 1, "recurring": false },
        ]),
        "{out}"
    );
    // A shared place: an owner of the community complains about 1栋's lift; another community's
    // owner cannot.
    let lift = app.scalar("SELECT a.id FROM public_areas a JOIN communities c ON c.id = a.community_id WHERE c.code = 'CUIHU' AND a.name = '1栋电梯'").await;
    let lift = guanjia::domain::GlobalId::encode(guanjia::domain::NodeKind::PublicArea, lift).0;
    let out = app.gql(Some(&owner2), REGISTER, json!({ "i": { "publicAreaId": lift, "category": "FACILITIES", "summary": "电梯经常停" } })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    let yunqi_owner = app.login("13800000011").await;
    assert_eq!(error_code(&app.gql(Some(&yunqi_owner), REGISTER, json!({ "i": { "publicAreaId": lift, "category": "FACILITIES", "summary": "电梯" } })).await), "NOT_FOUND");
    let out = app
        .gql(
            Some(&manager),
            q,
            json!({ "c": c1, "p": crate::fees::period(0) }),
        )
        .await;
    assert_eq!(
        out["data"]["complaintAnalysis"][2],
        json!({ "category": "FACILITIES", "place": "1栋电梯", "count": 1, "recurring": false }),
        "{out}"
    );
    let last_month = app
        .gql(
            Some(&manager),
            q,
            json!({ "c": c1, "p": crate::fees::period(1) }),
        )
        .await;
    assert_eq!(last_month["data"]["complaintAnalysis"], json!([]));
    assert_eq!(
        app.gql(Some(&manager), q, json!({ "c": c1, "p": "2026-13" }))
            .await["errors"][0]["extensions"]["field"],
        "period"
    );
    assert_eq!(
        error_code(
            &app.gql(
                Some(&app.login(MANAGER_C2).await),
                q,
                json!({ "c": c1, "p": crate::fees::period(0) })
            )
            .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(
            &app.gql(
                Some(&app.login(RECEPTION).await),
                q,
                json!({ "c": c1, "p": crate::fees::period(0) })
            )
            .await
        ),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn the_figures_count_return_visits_replies_on_time_and_satisfaction() {
    let app = spawn_app().await;
    let butler = app.login(BUTLER).await;
    let owner = app.login(OWNER1).await;
    let on_time = complained(&app, "FACILITIES").await;
    let late = complained(&app, "NOISE").await;
    let unhappy = complained(&app, "CLEANING").await;
    let withdrawn = complained(&app, "OTHER").await;
    // The second was registered two days ago and is only answered now: late.
    let late_id = guanjia::domain::GlobalId::decode_as(
        "id",
        late.as_str().unwrap(),
        guanjia::domain::NodeKind::Complaint,
    )
    .unwrap();
    let two_days_ago = chrono::Utc::now() - chrono::Duration::days(2);
    let backdate = sea_orm::Statement::from_sql_and_values(
        sea_orm::ConnectionTrait::get_database_backend(&app.db),
        "UPDATE complaints SET created_at = $1, reply_due_at = $2 WHERE id = $3",
        [
            two_days_ago.into(),
            (two_days_ago + chrono::Duration::hours(24)).into(),
            late_id.into(),
        ],
    );
    sea_orm::ConnectionTrait::execute_raw(&app.db, backdate)
        .await
        .unwrap();
    // Unanswered past its deadline: the desk's overdue list shows it, and only it.
    let c1_id = app.community_id("CUIHU").await;
    let overdue = app.gql(Some(&butler), "query($c: ID!) { complaints(communityId: $c, replyOverdue: true) { edges { node { id replyOverdue } } } }", json!({ "c": c1_id })).await;
    assert_eq!(
        overdue["data"]["complaints"]["edges"],
        json!([{ "node": { "id": late, "replyOverdue": true } }]),
        "{overdue}"
    );
    for (id, satisfaction) in [(&on_time, 5), (&late, 4), (&unhappy, 2)] {
        app.gql(Some(&butler), ASSIGN, json!({ "c": id, "h": null }))
            .await;
        let out = app.gql(Some(&butler), RESOLVE, json!({ "c": id })).await;
        assert_eq!(outcome(&out), "OK", "{out}");
        if satisfaction != 2 {
            let out = app
                .gql(Some(&butler), VISIT, json!({ "c": id, "s": satisfaction }))
                .await;
            assert_eq!(outcome(&out), "OK", "{out}");
        }
    }
    let unhappy_visit = app
        .gql(Some(&butler), VISIT, json!({ "c": unhappy, "s": 2 }))
        .await;
    assert_eq!(outcome(&unhappy_visit), "OK");
    app.gql(Some(&owner), WITHDRAW, json!({ "c": withdrawn }))
        .await;

    let c1 = app
        .scalar("SELECT id FROM communities WHERE code = 'CUIHU'")
        .await;
    let now = chrono::Utc::now();
    let f = guanjia::service::complaints::figures(
        &app.db,
        c1,
        now - chrono::Duration::days(7),
        now + chrono::Duration::minutes(1),
    )
    .await
    .unwrap();
    assert_eq!(
        f,
        guanjia::service::complaints::ComplaintFigures {
            complaints: 3,
            return_visited: 3,
            replied_on_time: 2,
            satisfied: 2
        }
    );
    // A window before any of them counts nothing; another community has none.
    let before = guanjia::service::complaints::figures(
        &app.db,
        c1,
        now - chrono::Duration::days(30),
        now - chrono::Duration::days(3),
    )
    .await
    .unwrap();
    assert_eq!(before.complaints, 0);
    let c2 = app
        .scalar("SELECT id FROM communities WHERE code <> 'CUIHU'")
        .await;
    assert_eq!(
        guanjia::service::complaints::figures(&app.db, c2, now - chrono::Duration::days(7), now)
            .await
            .unwrap()
            .complaints,
        0
    );
}

#[tokio::test]
async fn the_desk_list_costs_the_same_for_one_complaint_or_four() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let butler = app.login(BUTLER).await;
    let tech = crate::repairs::technician_staff_id(&app).await;
    let c1 = app.community_id("CUIHU").await;
    let q = "query($c: ID!) { complaints(communityId: $c, first: 20) { edges { node { id state summary complainantName place handlerName replyDueAt replyOverdue timeline { action at } } } } }";
    let first = complained(&app, "FACILITIES").await;
    app.gql(Some(&butler), ASSIGN, json!({ "c": first, "h": tech }))
        .await;
    let (one, with_one) = app.counted(Some(&reception), q, json!({ "c": c1 })).await;
    assert_eq!(
        one["data"]["complaints"]["edges"].as_array().unwrap().len(),
        1,
        "{one}"
    );
    for cat in ["NOISE", "CLEANING", "PARKING"] {
        let id = complained(&app, cat).await;
        app.gql(Some(&butler), ASSIGN, json!({ "c": id, "h": tech }))
            .await;
    }
    let (four, with_four) = app.counted(Some(&reception), q, json!({ "c": c1 })).await;
    let edges = four["data"]["complaints"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 4, "{four}");
    assert_eq!(edges[0]["node"]["summary"], "晚上水压太低，洗不了澡");
    assert!(
        edges.iter().all(|e| e["node"]["handlerName"] == "周师傅"
            && e["node"]["timeline"].as_array().unwrap().len() == 2),
        "{four}"
    );
    assert_eq!(
        with_four, with_one,
        "1 complaint cost {with_one} statements, 4 cost {with_four}"
    );
}
