//! Renovation permits: apply, review, approve against paid deposit and fee, passes at the gate.
use crate::helpers::*;
use serde_json::{json, Value};

const APPLY: &str = "mutation($i: ApplyRenovationInput!) { applyRenovation(input: $i) { id state workers { name passCode idNumber } } }";
const PAY: &str = "mutation($k: String!, $b: ID!, $a: Fen!) { recordPayment(clientKey: $k, method: CASH, allocations: [{ billId: $b, amountFen: $a }]) { id } }";
const CHECK: &str = "query($c: ID!, $code: String!) { checkWorkerPass(communityId: $c, code: $code) { valid verdict workerName houseAddress } }";

fn day(offset: i64) -> String {
    (guanjia::service::fees::today() + chrono::Duration::days(offset)).to_string()
}

pub fn application(house: &str, start: i64, end: i64) -> Value {
    json!({ "houseId": house, "scope": "厨卫翻新，铺地板", "touchesPlumbing": true, "contractorCompany": "安居装饰公司", "contractorLicence": "91310000MA1FL0000X",
            "contractorPerson": "赵工", "contractorPhone": "13700001111", "plannedStart": day(start), "plannedEnd": day(end),
            "workers": [{ "name": "钱师傅", "idNumber": "110101199001011234", "phone": "13700002222" }, { "name": "孙师傅", "idNumber": "11010119900101123X", "phone": "13700003333" }] })
}

async fn price_list(app: &TestApp) {
    let finance = app.login(FINANCE).await;
    let c1 = app.community_id("CUIHU").await;
    for (name, kind, fen) in [
        ("装修押金", "RENOVATION_DEPOSIT", 200_000),
        ("装修管理费", "RENOVATION_FEE", 50_000),
    ] {
        let item = json!({ "communityId": c1, "name": name, "kind": kind, "formula": "FIXED", "cycle": "ONE_OFF", "unitPriceFen": fen });
        let out = app
            .gql(
                Some(&finance),
                "mutation($i: CreateFeeItemInput!) { createFeeItem(input: $i) { id } }",
                json!({ "i": item }),
            )
            .await;
        assert_eq!(outcome(&out), "OK", "{out}");
    }
}

#[tokio::test]
async fn a_permit_is_issued_only_after_deposit_and_fee_are_paid_and_passes_work_at_the_gate() {
    let app = spawn_app().await;
    price_list(&app).await;
    let owner = app.login(OWNER1).await;
    let butler = app.login(BUTLER).await;
    let manager = app.login(MANAGER).await;
    let reception = app.login(RECEPTION).await;
    let security = app.login(SECURITY).await;
    let c1 = app.community_id("CUIHU").await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let out = app
        .gql(
            Some(&owner),
            APPLY,
            json!({ "i": application(&house, 0, 30) }),
        )
        .await;
    assert_eq!(out["data"]["applyRenovation"]["state"], "APPLIED", "{out}");
    let id = out["data"]["applyRenovation"]["id"].clone();
    let code = out["data"]["applyRenovation"]["workers"][0]["passCode"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        out["data"]["applyRenovation"]["workers"][0]["idNumber"],
        "**************1234"
    );
    let step = |name: &'static str| {
        format!("mutation($r: ID!) {{ {name}(renovationId: $r) {{ state permitNo depositBill {{ id amountFen }} feeBill {{ id amountFen }} }} }}")
    };

    // Approval by a butler is refused; the butler forwards, the manager approves.
    assert_eq!(
        error_code(
            &app.gql(
                Some(&butler),
                &step("approveRenovation"),
                json!({ "r": id })
            )
            .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql(
            Some(&butler),
            &step("forwardRenovation"),
            json!({ "r": id })
        )
        .await["data"]["forwardRenovation"]["state"],
        "REVIEWED"
    );
    let approved = app
        .gql(
            Some(&manager),
            &step("approveRenovation"),
            json!({ "r": id }),
        )
        .await;
    let r = &approved["data"]["approveRenovation"];
    assert_eq!(r["state"], "APPROVED", "{approved}");
    assert_eq!(r["depositBill"]["amountFen"], 200_000);
    // Not paid yet: no permit, the pass does not open the gate.
    let early = app
        .gql(
            Some(&reception),
            &step("issueRenovationPermit"),
            json!({ "r": id }),
        )
        .await;
    assert_eq!(error_code(&early), "INVALID_STATE_TRANSITION");
    let chk = app
        .gql(Some(&security), CHECK, json!({ "c": c1, "code": code }))
        .await;
    assert_eq!(
        chk["data"]["checkWorkerPass"]["verdict"], "NOT_ISSUED",
        "{chk}"
    );
    for (k, bill, amount) in [
        ("dep", &r["depositBill"]["id"], 200_000),
        ("fee", &r["feeBill"]["id"], 50_000),
    ] {
        assert_eq!(
            outcome(
                &app.gql(
                    Some(&reception),
                    PAY,
                    json!({ "k": k, "b": bill, "a": amount })
                )
                .await
            ),
            "OK"
        );
    }
    let issued = app
        .gql(
            Some(&reception),
            &step("issueRenovationPermit"),
            json!({ "r": id }),
        )
        .await;
    assert_eq!(
        issued["data"]["issueRenovationPermit"]["state"], "IN_PROGRESS",
        "{issued}"
    );
    assert!(issued["data"]["issueRenovationPermit"]["permitNo"]
        .as_str()
        .unwrap()
        .starts_with("ZX-CUIHU-"));
    let status = app
        .gql(
            Some(&owner),
            "query($h: ID!) { node(id: $h) { ... on House { status } } }",
            json!({ "h": house }),
        )
        .await;
    assert_eq!(status["data"]["node"]["status"], "RENOVATING");

    // At the gate: the rules decide. Working all day → valid; a holiday → not; off hours → not.
    let rules = "mutation($c: ID!, $w: String!, $h: [NaiveDate!]!) { setRenovationRules(communityId: $c, maxDays: 90, workWindows: $w, holidays: $h) }";
    app.gql(
        Some(&manager),
        rules,
        json!({ "c": c1, "w": "00:00-23:59", "h": [] }),
    )
    .await;
    let chk = app
        .gql(
            Some(&security),
            CHECK,
            json!({ "c": c1, "code": code.to_lowercase() }),
        )
        .await;
    assert_eq!(
        chk["data"]["checkWorkerPass"],
        json!({ "valid": true, "verdict": "VALID", "workerName": "钱师傅", "houseAddress": "1栋 1单元 101" }),
        "{chk}"
    );
    app.gql(
        Some(&manager),
        rules,
        json!({ "c": c1, "w": "00:00-23:59", "h": [day(0)] }),
    )
    .await;
    assert_eq!(
        app.gql(Some(&security), CHECK, json!({ "c": c1, "code": code }))
            .await["data"]["checkWorkerPass"]["verdict"],
        "HOLIDAY"
    );
    let now = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    use chrono::Timelike;
    let off = if now.hour() < 12 {
        "13:00-14:00"
    } else {
        "01:00-02:00"
    };
    app.gql(Some(&manager), rules, json!({ "c": c1, "w": off, "h": [] }))
        .await;
    let chk = app
        .gql(Some(&security), CHECK, json!({ "c": c1, "code": code }))
        .await;
    assert_eq!(
        chk["data"]["checkWorkerPass"]["verdict"], "OUTSIDE_HOURS",
        "{chk}"
    );
    assert_eq!(chk["data"]["checkWorkerPass"]["valid"], false);
    assert_eq!(
        app.gql(
            Some(&security),
            CHECK,
            json!({ "c": c1, "code": "NOPE2345" })
        )
        .await["data"]["checkWorkerPass"]["verdict"],
        "UNKNOWN_CODE"
    );
    // The owner cannot check passes; the other community's manager cannot reach this gate.
    assert_eq!(
        error_code(
            &app.gql(Some(&owner), CHECK, json!({ "c": c1, "code": code }))
                .await
        ),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn bad_applications_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let mine = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let theirs = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    assert_eq!(
        error_code(
            &app.gql(
                Some(&owner),
                APPLY,
                json!({ "i": application(&theirs, 1, 10) })
            )
            .await
        ),
        "NOT_FOUND"
    );
    let family = app.login(FAMILY).await;
    assert_eq!(
        error_code(
            &app.gql(
                Some(&family),
                APPLY,
                json!({ "i": application(&mine, 1, 10) })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let cases: Vec<(Value, &str)> = vec![
        (application(&mine, 10, 5), "plannedEnd"),
        (application(&mine, 1, 200), "plannedEnd"),
        (
            {
                let mut a = application(&mine, 1, 10);
                a["workers"][0]["idNumber"] = json!("");
                a
            },
            "workers.idNumber",
        ),
        (
            {
                let mut a = application(&mine, 1, 10);
                a["loadBearing"] = json!(true);
                a
            },
            "loadBearing",
        ),
        (
            {
                let mut a = application(&mine, 1, 10);
                a["touchesFacade"] = json!(true);
                a
            },
            "touchesFacade",
        ),
        (application(&mine, -3, 10), "plannedStart"),
    ];
    for (input, field) in cases {
        let out = app.gql(Some(&owner), APPLY, json!({ "i": input })).await;
        assert_eq!(error_code(&out), "BAD_USER_INPUT", "{out}");
        assert_eq!(out["errors"][0]["extensions"]["field"], field, "{out}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM renovations").await, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM renovation_workers").await,
        0
    );
}

#[tokio::test]
async fn drafts_are_private_and_an_application_can_be_withdrawn_until_approved() {
    let app = spawn_app().await;
    price_list(&app).await;
    let owner = app.login(OWNER1).await;
    let manager = app.login(MANAGER).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let mut draft = application(&house, 1, 10);
    draft["submit"] = json!(false);
    let out = app.gql(Some(&owner), APPLY, json!({ "i": draft })).await;
    assert_eq!(out["data"]["applyRenovation"]["state"], "DRAFT");
    let id = out["data"]["applyRenovation"]["id"].clone();
    let node = "query($r: ID!) { node(id: $r) { id } }";
    assert_eq!(
        error_code(&app.gql(Some(&manager), node, json!({ "r": id })).await),
        "NOT_FOUND",
        "drafts are the owner's"
    );
    let s = app
        .gql(
            Some(&owner),
            "mutation($r: ID!) { submitRenovation(renovationId: $r) { state } }",
            json!({ "r": id }),
        )
        .await;
    assert_eq!(s["data"]["submitRenovation"]["state"], "APPLIED");
    let w = app.gql(Some(&owner), "mutation($r: ID!) { withdrawRenovation(renovationId: $r, reason: \"改期\") { state } }", json!({ "r": id })).await;
    assert_eq!(w["data"]["withdrawRenovation"]["state"], "WITHDRAWN");
    // A second application, approved: no withdrawing any more.
    let out = app
        .gql(
            Some(&owner),
            APPLY,
            json!({ "i": application(&house, 1, 10) }),
        )
        .await;
    let id = out["data"]["applyRenovation"]["id"].clone();
    app.gql(
        Some(&manager),
        "mutation($r: ID!) { forwardRenovation(renovationId: $r) { state } }",
        json!({ "r": id }),
    )
    .await;
    app.gql(
        Some(&manager),
        "mutation($r: ID!) { approveRenovation(renovationId: $r) { state } }",
        json!({ "r": id }),
    )
    .await;
    let w = app
        .gql(
            Some(&owner),
            "mutation($r: ID!) { withdrawRenovation(renovationId: $r) { state } }",
            json!({ "r": id }),
        )
        .await;
    assert_eq!(error_code(&w), "INVALID_STATE_TRANSITION");
    assert_eq!(w["errors"][0]["extensions"]["currentState"], "APPROVED");
}

/// An application of owner 1 for 1栋1单元101, approved, paid and issued; returns its id.
async fn issued(app: &TestApp) -> Value {
    price_list(app).await;
    let owner = app.login(OWNER1).await;
    let manager = app.login(MANAGER).await;
    let reception = app.login(RECEPTION).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let id = app
        .gql(
            Some(&owner),
            APPLY,
            json!({ "i": application(&house, 0, 30) }),
        )
        .await["data"]["applyRenovation"]["id"]
        .clone();
    app.gql(
        Some(&manager),
        "mutation($r: ID!) { forwardRenovation(renovationId: $r) { state } }",
        json!({ "r": id }),
    )
    .await;
    let r = app.gql(Some(&manager), "mutation($r: ID!) { approveRenovation(renovationId: $r) { depositBill { id } feeBill { id } } }", json!({ "r": id })).await;
    let r = &r["data"]["approveRenovation"];
    app.gql(
        Some(&reception),
        PAY,
        json!({ "k": "d", "b": r["depositBill"]["id"], "a": 200_000 }),
    )
    .await;
    app.gql(
        Some(&reception),
        PAY,
        json!({ "k": "f", "b": r["feeBill"]["id"], "a": 50_000 }),
    )
    .await;
    let out = app
        .gql(
            Some(&reception),
            "mutation($r: ID!) { issueRenovationPermit(renovationId: $r) { state } }",
            json!({ "r": id }),
        )
        .await;
    assert_eq!(
        out["data"]["issueRenovationPermit"]["state"], "IN_PROGRESS",
        "{out}"
    );
    id
}

#[tokio::test]
async fn violations_are_fined_from_the_deposit_and_acceptance_refunds_the_rest() {
    let app = spawn_app().await;
    let id = issued(&app).await;
    let owner = app.login(OWNER1).await;
    let butler = app.login(BUTLER).await;
    let inspect = "mutation($r: ID!, $n: String!, $d: NaiveDate, $f: Fen!) { inspectRenovation(renovationId: $r, note: $n, rectifyBy: $d, fineFen: $f) { id isViolation fineFen } }";
    // A fine larger than the deposit is refused.
    let out = app
        .gql(
            Some(&butler),
            inspect,
            json!({ "r": id, "n": "噪音扰民", "d": day(3), "f": 200_001 }),
        )
        .await;
    assert_eq!(out["errors"][0]["extensions"]["field"], "fineFen", "{out}");
    let v = app
        .gql(
            Some(&butler),
            inspect,
            json!({ "r": id, "n": "中午施工噪音扰民", "d": day(3), "f": 50_000 }),
        )
        .await;
    let violation = v["data"]["inspectRenovation"]["id"].clone();
    assert_eq!(v["data"]["inspectRenovation"]["fineFen"], 50_000, "{v}");
    app.gql(
        Some(&butler),
        inspect,
        json!({ "r": id, "n": "现场整洁", "f": 0 }),
    )
    .await;
    // Acceptance with the violation still open is refused.
    let req = app
        .gql(
            Some(&owner),
            "mutation($r: ID!) { requestRenovationAcceptance(renovationId: $r) { state } }",
            json!({ "r": id }),
        )
        .await;
    assert_eq!(
        req["data"]["requestRenovationAcceptance"]["state"],
        "ACCEPTANCE_REQUESTED"
    );
    let accept = "mutation($r: ID!) { acceptRenovation(renovationId: $r) { state depositRefund { depositFen finesFen refundFen } house { status } } }";
    assert_eq!(
        error_code(&app.gql(Some(&butler), accept, json!({ "r": id })).await),
        "CONFLICT"
    );
    // The owner fixes it, the butler confirms, and the works are accepted.
    assert!(app
        .gql(
            Some(&owner),
            "mutation($i: ID!) { markRectified(inspectionId: $i) { rectifiedAt } }",
            json!({ "i": violation })
        )
        .await["data"]["markRectified"]["rectifiedAt"]
        .is_string());
    assert!(app
        .gql(
            Some(&butler),
            "mutation($i: ID!) { confirmRectified(inspectionId: $i) { confirmedAt } }",
            json!({ "i": violation })
        )
        .await["data"]["confirmRectified"]["confirmedAt"]
        .is_string());
    let out = app.gql(Some(&butler), accept, json!({ "r": id })).await;
    let r = &out["data"]["acceptRenovation"];
    assert_eq!(r["state"], "ACCEPTED", "{out}");
    assert_eq!(
        r["depositRefund"],
        json!({ "depositFen": 200_000, "finesFen": 50_000, "refundFen": 150_000 })
    );
    assert_eq!(r["house"]["status"], "OCCUPIED");
    // The deposit bill itself is untouched: money rows are never edited.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM payments").await, 2);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM deposit_refunds").await, 1);
}

#[tokio::test]
async fn an_extension_approved_by_the_manager_moves_the_end_date() {
    let app = spawn_app().await;
    let id = issued(&app).await;
    let owner = app.login(OWNER1).await;
    let manager = app.login(MANAGER).await;
    let ext = app.gql(Some(&owner), "mutation($r: ID!, $d: NaiveDate!) { requestRenovationExtension(renovationId: $r, plannedEnd: $d, reason: \"瓷砖到货晚\") { id status } }", json!({ "r": id, "d": day(45) })).await;
    assert_eq!(
        ext["data"]["requestRenovationExtension"]["status"], "PENDING",
        "{ext}"
    );
    let ext_id = ext["data"]["requestRenovationExtension"]["id"].clone();
    let butler = app.login(BUTLER).await;
    let decide = "mutation($e: ID!) { decideRenovationExtension(extensionId: $e, approve: true) { plannedEnd } }";
    assert_eq!(
        error_code(&app.gql(Some(&butler), decide, json!({ "e": ext_id })).await),
        "FORBIDDEN"
    );
    let out = app
        .gql(Some(&manager), decide, json!({ "e": ext_id }))
        .await;
    assert_eq!(
        out["data"]["decideRenovationExtension"]["plannedEnd"],
        day(45).as_str(),
        "{out}"
    );
    assert_eq!(
        error_code(
            &app.gql(Some(&manager), decide, json!({ "e": ext_id }))
                .await
        ),
        "INVALID_STATE_TRANSITION"
    );
}

#[tokio::test]
async fn workers_change_through_the_butler_and_the_gate_sees_todays_passes() {
    let app = spawn_app().await;
    let id = issued(&app).await;
    let owner = app.login(OWNER1).await;
    let butler = app.login(BUTLER).await;
    let security = app.login(SECURITY).await;
    let c1 = app.community_id("CUIHU").await;
    let passes = "query($c: ID!) { todaysWorkerPasses(communityId: $c) { workerName passCode houseAddress } }";
    let list = app.gql(Some(&security), passes, json!({ "c": c1 })).await;
    assert_eq!(
        list["data"]["todaysWorkerPasses"].as_array().unwrap().len(),
        2,
        "{list}"
    );
    assert_eq!(
        list["data"]["todaysWorkerPasses"][0]["houseAddress"],
        "1栋 1单元 101"
    );
    let add = "mutation($r: ID!) { addRenovationWorker(renovationId: $r, worker: { name: \"李师傅\", idNumber: \"110101198505051234\", phone: \"13700004444\" }) { id passCode } }";
    assert_eq!(
        error_code(&app.gql(Some(&owner), add, json!({ "r": id })).await),
        "FORBIDDEN",
        "worker changes go through the butler"
    );
    let added = app.gql(Some(&butler), add, json!({ "r": id })).await;
    let worker = added["data"]["addRenovationWorker"]["id"].clone();
    let code = added["data"]["addRenovationWorker"]["passCode"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.gql(Some(&security), passes, json!({ "c": c1 })).await["data"]["todaysWorkerPasses"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let out = app
        .gql(
            Some(&butler),
            "mutation($w: ID!) { removeRenovationWorker(workerId: $w, reason: \"离场\") { name } }",
            json!({ "w": worker }),
        )
        .await;
    assert_eq!(
        out["data"]["removeRenovationWorker"]["name"], "李师傅",
        "{out}"
    );
    let chk = app
        .gql(Some(&security), CHECK, json!({ "c": c1, "code": code }))
        .await;
    assert_eq!(chk["data"]["checkWorkerPass"]["verdict"], "REVOKED");
    assert_eq!(
        app.gql(Some(&security), passes, json!({ "c": c1 })).await["data"]["todaysWorkerPasses"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // The owner does not get the gate's list.
    assert_eq!(
        error_code(&app.gql(Some(&owner), passes, json!({ "c": c1 })).await),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn drawings_are_checked_and_served_only_to_those_who_may_see_them() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let id = app
        .gql(
            Some(&owner),
            APPLY,
            json!({ "i": application(&house, 1, 20) }),
        )
        .await["data"]["applyRenovation"]["id"]
        .clone();
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let ops = json!({ "query": "mutation($r: ID!, $f: [Upload!]!) { attachRenovationFiles(renovationId: $r, files: $f) { url kind contentType } }", "variables": { "r": id, "f": [null] } });
        reqwest::multipart::Form::new()
            .text("operations", ops.to_string())
            .text("map", json!({ "0": ["variables.f.0"] }).to_string())
            .part("0", reqwest::multipart::Part::bytes(bytes).file_name(name))
    };
    let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n".to_vec();
    let out: Value = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&owner)
        .multipart(upload(pdf.clone(), "plan.pdf"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let file = &out["data"]["attachRenovationFiles"][0];
    assert_eq!(file["contentType"], "application/pdf", "{out}");
    assert_eq!(file["kind"], "DRAWING");
    let url = app.url(file["url"].as_str().unwrap());
    assert_eq!(
        app.client
            .get(&url)
            .bearer_auth(&owner)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        pdf.as_slice()
    );
    let other = app.login(OWNER2).await;
    assert_eq!(
        app.client
            .get(&url)
            .bearer_auth(&other)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    let exe = vec![0x4D, 0x5A, 0x90, 0, 3, 0, 0, 0];
    let out: Value = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&owner)
        .multipart(upload(exe, "plan.pdf"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&out), "BAD_USER_INPUT", "{out}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM renovation_files").await, 1);
}

#[tokio::test]
async fn rectification_sends_the_works_back_and_the_owner_asks_again() {
    let app = spawn_app().await;
    let id = issued(&app).await;
    let owner = app.login(OWNER1).await;
    let butler = app.login(BUTLER).await;
    let c1 = app.community_id("CUIHU").await;
    app.gql(
        Some(&owner),
        "mutation($r: ID!) { requestRenovationAcceptance(renovationId: $r) { state } }",
        json!({ "r": id }),
    )
    .await;
    let todo = app.gql(Some(&butler), "query($c: ID!) { renovations(communityId: $c, state: ACCEPTANCE_REQUESTED) { edges { node { id } } } }", json!({ "c": c1 })).await;
    assert_eq!(
        todo["data"]["renovations"]["edges"][0]["node"]["id"], id,
        "{todo}"
    );
    let back = app.gql(Some(&butler), "mutation($r: ID!) { requireRenovationRectification(renovationId: $r, items: \"卫生间防水未做闭水试验\") { state note } }", json!({ "r": id })).await;
    assert_eq!(
        back["data"]["requireRenovationRectification"]["state"], "RECTIFICATION_REQUIRED",
        "{back}"
    );
    assert_eq!(
        back["data"]["requireRenovationRectification"]["note"],
        "卫生间防水未做闭水试验"
    );
    let again = app
        .gql(
            Some(&owner),
            "mutation($r: ID!) { requestRenovationAcceptance(renovationId: $r) { state } }",
            json!({ "r": id }),
        )
        .await;
    assert_eq!(
        again["data"]["requestRenovationAcceptance"]["state"],
        "ACCEPTANCE_REQUESTED"
    );
    let accepted = app.gql(Some(&butler), "mutation($r: ID!) { acceptRenovation(renovationId: $r) { state depositRefund { refundFen } } }", json!({ "r": id })).await;
    assert_eq!(
        accepted["data"]["acceptRenovation"]["depositRefund"]["refundFen"], 200_000,
        "{accepted}"
    );
    // Accepting twice is not a step the table has.
    let twice = app
        .gql(
            Some(&butler),
            "mutation($r: ID!) { acceptRenovation(renovationId: $r) { state } }",
            json!({ "r": id }),
        )
        .await;
    assert_eq!(error_code(&twice), "INVALID_STATE_TRANSITION");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM deposit_refunds").await, 1);
}

#[tokio::test]
async fn the_renovation_desk_list_does_not_grow_with_its_length() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let manager = app.login(MANAGER).await;
    let c1 = app.community_id("CUIHU").await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let q = "query($c: ID!) { renovations(communityId: $c) { edges { node { state house { number } workers { name passCode } inspections { note } files { url } extensions { status } depositRefund { refundFen } } } } }";
    let mut counts = vec![];
    for n in [1, 4] {
        while app.scalar("SELECT COUNT(*) FROM renovations").await < n {
            app.gql(
                Some(&owner),
                APPLY,
                json!({ "i": application(&house, 1, 10) }),
            )
            .await;
        }
        let (out, statements) = app.counted(Some(&manager), q, json!({ "c": c1 })).await;
        assert_eq!(
            out["data"]["renovations"]["edges"]
                .as_array()
                .unwrap()
                .len() as i64,
            n,
            "{out}"
        );
        counts.push(statements);
    }
    assert!(
        counts[1] <= counts[0] + 1,
        "1 vs 4 applications: {counts:?}"
    );
}
