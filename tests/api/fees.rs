//! Fees: price list, bill generation, what an owner owes, payments, reversals, reports.
use crate::helpers::*;
use serde_json::{json, Value};

const CREATE_ITEM: &str =
    "mutation($i: CreateFeeItemInput!) { createFeeItem(input: $i) { id unitPriceFen } }";
const GENERATE: &str = "mutation($c: ID!, $p: String!) { generateBills(communityId: $c, period: $p) { created alreadyExisting } }";
const OWED: &str = "query($h: ID!) { owed(houseId: $h) { dueFen overdueFen lateFeeFen totalFen openBills { id amountFen paidFen outstandingFen status lines { description amountFen } } } }";
const PAY: &str = "mutation($k: String!, $m: PaymentMethod!, $a: [AllocationInput!]!) { recordPayment(clientKey: $k, method: $m, allocations: $a) { id receiptNo amountFen } }";

pub fn period(months_ago: i64) -> String {
    use chrono::Datelike;
    let today = guanjia::service::fees::today();
    let total = today.year() as i64 * 12 + today.month0() as i64 - months_ago;
    format!("{:04}-{:02}", total / 12, total % 12 + 1)
}

/// Finance sets up a management fee (¥2.80/m²/month, 0.05%/day late fee after 5 days, capped
/// at 10%, vacant houses half price) and generates bills for `period`.
pub async fn bill_community(app: &TestApp, periods: &[String]) -> String {
    let finance = app.login(FINANCE).await;
    let c1 = app.community_id("CUIHU").await;
    let item = json!({ "communityId": c1, "name": "物业管理费", "kind": "MANAGEMENT", "formula": "BY_AREA", "cycle": "MONTHLY",
        "unitPriceFen": 280, "lateFeeBpsPerDay": 5, "lateFeeGraceDays": 5, "lateFeeCapBps": 1000, "vacantDiscountBps": 5000 });
    let out = app
        .gql(Some(&finance), CREATE_ITEM, json!({ "i": item }))
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    for p in periods {
        let out = app
            .gql(Some(&finance), GENERATE, json!({ "c": c1, "p": p }))
            .await;
        assert_eq!(out["data"]["generateBills"]["created"], 42, "{out}");
    }
    finance
}

async fn owed(app: &TestApp, token: &str, house: &str) -> Value {
    let out = app.gql(Some(token), OWED, json!({ "h": house })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    out["data"]["owed"].clone()
}

#[tokio::test]
async fn bills_spell_out_their_formula_and_generation_is_idempotent() {
    let app = spawn_app().await;
    let finance = bill_community(&app, &[period(0)]).await;
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let o = owed(&app, &owner, &house).await;
    // 1栋1单元101 is 107.50 m², occupied: 107.50 × 2.80 = ¥301.00.
    assert_eq!(o["dueFen"], 30100);
    let line = &o["openBills"][0]["lines"][0];
    assert_eq!(line["amountFen"], 30100);
    assert!(
        line["description"]
            .as_str()
            .unwrap()
            .contains("107.50 m² × ¥2.80/m²/月 × 1 个月 = ¥301.00"),
        "{line}"
    );
    // A vacant house pays half.
    let vacant = app.house_id("CUIHU", "1栋", "1单元", "401").await;
    let manager = app.login(MANAGER).await;
    let o = owed(&app, &manager, &vacant).await;
    // 401 is 89.50 m² and vacant: ¥250.60 at half price = ¥125.30.
    assert_eq!(o["dueFen"], 12530, "{o}");

    // Twice: a clear CONFLICT, nothing new. The future: refused.
    let c1 = app.community_id("CUIHU").await;
    let bills = app.scalar("SELECT COUNT(*) FROM bills").await;
    let again = app
        .gql(Some(&finance), GENERATE, json!({ "c": c1, "p": period(0) }))
        .await;
    assert_eq!(error_code(&again), "CONFLICT");
    let future = app
        .gql(
            Some(&finance),
            GENERATE,
            json!({ "c": c1, "p": period(-1) }),
        )
        .await;
    assert_eq!(error_code(&future), "BAD_USER_INPUT");
    assert_eq!(future["errors"][0]["extensions"]["field"], "period");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bills").await, bills);
}

#[tokio::test]
async fn partial_payment_leaves_the_rest_due_and_a_retry_pays_once() {
    let app = spawn_app().await;
    bill_community(&app, &[period(0)]).await;
    let owner = app.login(OWNER1).await;
    let reception = app.login(RECEPTION).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let bill = owed(&app, &owner, &house).await["openBills"][0]["id"].clone();
    let pay = json!({ "k": "tap-1", "m": "CASH", "a": [{ "billId": bill, "amountFen": 10000 }] });
    let first = app.gql(Some(&reception), PAY, pay.clone()).await;
    assert_eq!(outcome(&first), "OK", "{first}");
    let receipt = first["data"]["recordPayment"]["receiptNo"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        receipt.starts_with("CUIHU-") && receipt.ends_with("-000001"),
        "{receipt}"
    );
    // The phone retries the same tap: the same payment comes back, nothing is added.
    let retry = app.gql(Some(&reception), PAY, pay).await;
    assert_eq!(
        retry["data"]["recordPayment"]["receiptNo"],
        receipt.as_str()
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM payments").await, 1);
    let o = owed(&app, &owner, &house).await;
    assert_eq!(o["dueFen"], 20100);
    assert_eq!(o["openBills"][0]["status"], "OPEN");
    // Overpaying the rest is refused and changes nothing.
    let over = app
        .gql(
            Some(&reception),
            PAY,
            json!({ "k": "tap-2", "m": "CASH", "a": [{ "billId": bill, "amountFen": 20101 }] }),
        )
        .await;
    assert_eq!(error_code(&over), "BAD_USER_INPUT");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM payments").await, 1);
    // The owner sees the receipt in the house's history.
    let hist = app.gql(Some(&owner), "query($h: ID!) { node(id: $h) { ... on House { payments { edges { node { receiptNo amountFen method } } } } } }", json!({ "h": house })).await;
    assert_eq!(
        hist["data"]["node"]["payments"]["edges"][0]["node"]["receiptNo"],
        receipt.as_str()
    );
}

#[tokio::test]
async fn bad_amounts_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let finance = bill_community(&app, &[period(0)]).await;
    let reception = app.login(RECEPTION).await;
    let manager = app.login(MANAGER).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let bill = owed(&app, &manager, &house).await["openBills"][0]["id"].clone();
    for amount in [json!(0), json!(-500), json!(12.5)] {
        let out = app.gql(Some(&reception), PAY, json!({ "k": format!("k{amount}"), "m": "CASH", "a": [{ "billId": bill, "amountFen": amount }] })).await;
        assert_eq!(error_code(&out), "BAD_USER_INPUT", "{amount}: {out}");
    }
    let c1 = app.community_id("CUIHU").await;
    let huge = json!({ "communityId": c1, "name": "天价", "kind": "OTHER", "formula": "FIXED", "cycle": "ONE_OFF", "unitPriceFen": 1_000_000_000_000_000i64 });
    let out = app
        .gql(Some(&finance), CREATE_ITEM, json!({ "i": huge }))
        .await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT");
    assert_eq!(out["errors"][0]["extensions"]["field"], "unitPriceFen");
    // A bill of another community, through a cashier of this one: it does not exist for them.
    let admin = app.login(ADMIN).await;
    let c2 = app.community_id("YUNQI").await;
    let item = json!({ "communityId": c2, "name": "物业费", "kind": "MANAGEMENT", "formula": "BY_AREA", "cycle": "MONTHLY", "unitPriceFen": 300 });
    assert_eq!(
        outcome(
            &app.gql(Some(&admin), CREATE_ITEM, json!({ "i": item }))
                .await
        ),
        "OK"
    );
    assert_eq!(
        outcome(
            &app.gql(Some(&admin), GENERATE, json!({ "c": c2, "p": period(0) }))
                .await
        ),
        "OK"
    );
    let other_house = app.house_id("YUNQI", "1栋", "1单元", "101").await;
    let other_bill = owed(&app, &admin, &other_house).await["openBills"][0]["id"].clone();
    let out = app
        .gql(
            Some(&reception),
            PAY,
            json!({ "k": "x1", "m": "CASH", "a": [{ "billId": other_bill, "amountFen": 100 }] }),
        )
        .await;
    assert_eq!(error_code(&out), "NOT_FOUND");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM payments").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM fee_items").await, 2);
}

#[tokio::test]
async fn two_cashiers_paying_one_bill_at_once_pay_it_once() {
    let app = spawn_app().await;
    bill_community(&app, &[period(0)]).await;
    let reception = app.login(RECEPTION).await;
    let finance = app.login(FINANCE).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let bill = owed(&app, &reception, &house).await["openBills"][0]["id"].clone();
    for round in 0..3 {
        let a = json!({ "k": format!("a{round}"), "m": "CASH", "a": [{ "billId": bill, "amountFen": 100 }] });
        let b = json!({ "k": format!("b{round}"), "m": "BANK_CARD", "a": [{ "billId": bill, "amountFen": 100 }] });
        let (x, y) = tokio::join!(
            app.gql(Some(&reception), PAY, a),
            app.gql(Some(&finance), PAY, b)
        );
        let outcomes = [outcome(&x), outcome(&y)];
        assert!(outcomes.contains(&"OK".to_string()), "{x} {y}");
        assert!(
            outcomes.iter().all(|o| o == "OK" || o == "CONFLICT"),
            "{x} {y}"
        );
    }
    // Whatever interleaving happened, the bill's total equals the money rows.
    let paid = app
        .scalar("SELECT paid_fen FROM bills WHERE paid_fen > 0")
        .await;
    let allocated = app
        .scalar("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM payment_allocations")
        .await;
    assert_eq!(paid, allocated);
    // Paying the full outstanding twice at the same moment: exactly one wins.
    let left = 30100 - paid;
    let a = json!({ "k": "full-a", "m": "CASH", "a": [{ "billId": bill, "amountFen": left }] });
    let b = json!({ "k": "full-b", "m": "CASH", "a": [{ "billId": bill, "amountFen": left }] });
    let (x, y) = tokio::join!(
        app.gql(Some(&reception), PAY, a),
        app.gql(Some(&finance), PAY, b)
    );
    let mut outcomes = [outcome(&x), outcome(&y)];
    outcomes.sort();
    assert_eq!(outcomes, ["CONFLICT", "OK"], "{x} {y}");
    assert_eq!(
        app.scalar("SELECT paid_fen FROM bills WHERE paid_fen > 0")
            .await,
        30100
    );
    assert_eq!(
        app.scalar("SELECT CAST(SUM(amount_fen) AS BIGINT) FROM payment_allocations")
            .await,
        30100
    );
}

#[tokio::test]
async fn receipt_numbers_have_no_gaps_under_concurrency() {
    let app = spawn_app().await;
    bill_community(&app, &[period(0)]).await;
    let reception = app.login(RECEPTION).await;
    let finance = app.login(FINANCE).await;
    let c1 = app.community_id("CUIHU").await;
    let list = app.gql(Some(&finance), "query($c: ID!) { node(id: $c) { ... on Community { bills(first: 12) { edges { node { id } } } } } }", json!({ "c": c1 })).await;
    let bills: Vec<Value> = list["data"]["node"]["bills"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    assert_eq!(bills.len(), 12);
    let futures = bills.iter().enumerate().map(|(i, b)| {
        let token = if i % 2 == 0 { &reception } else { &finance };
        let vars =
            json!({ "k": format!("r{i}"), "m": "CASH", "a": [{ "billId": b, "amountFen": 1000 }] });
        let app = &app;
        async move { app.gql(Some(token), PAY, vars).await }
    });
    let results = futures_util::future::join_all(futures).await;
    let ok = results.iter().filter(|r| outcome(r) == "OK").count() as i64;
    assert!(ok >= 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM payments").await, ok);
    assert_eq!(
        app.scalar("SELECT MAX(receipt_seq) FROM payments").await,
        ok,
        "sequential from 1 without gaps"
    );
    assert_eq!(app.scalar("SELECT MIN(receipt_seq) FROM payments").await, 1);
}

#[tokio::test]
async fn a_manager_reverses_a_payment_once_and_never_a_reversal() {
    let app = spawn_app().await;
    bill_community(&app, &[period(0)]).await;
    let reception = app.login(RECEPTION).await;
    let manager = app.login(MANAGER).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let bill = owed(&app, &manager, &house).await["openBills"][0]["id"].clone();
    let paid = app
        .gql(
            Some(&reception),
            PAY,
            json!({ "k": "p1", "m": "CASH", "a": [{ "billId": bill, "amountFen": 30100 }] }),
        )
        .await;
    let payment = paid["data"]["recordPayment"]["id"].clone();
    assert_eq!(owed(&app, &manager, &house).await["dueFen"], 0);
    let rev = "mutation($p: ID!, $r: String!) { reversePayment(paymentId: $p, reason: $r) { id amountFen kind reverses { receiptNo } } }";
    assert_eq!(
        error_code(
            &app.gql(
                Some(&reception),
                rev,
                json!({ "p": payment, "r": "收错了" })
            )
            .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &app.gql(Some(&manager), rev, json!({ "p": payment, "r": " " }))
                .await
        ),
        "BAD_USER_INPUT"
    );
    let out = app
        .gql(
            Some(&manager),
            rev,
            json!({ "p": payment, "r": "收错了户" }),
        )
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    assert_eq!(out["data"]["reversePayment"]["amountFen"], -30100);
    assert_eq!(out["data"]["reversePayment"]["kind"], "REVERSAL");
    let reversal = out["data"]["reversePayment"]["id"].clone();
    assert_eq!(
        owed(&app, &manager, &house).await["dueFen"],
        30100,
        "the bill is due again"
    );
    assert_eq!(
        error_code(
            &app.gql(Some(&manager), rev, json!({ "p": payment, "r": "again" }))
                .await
        ),
        "INVALID_STATE_TRANSITION"
    );
    assert_eq!(
        error_code(
            &app.gql(Some(&manager), rev, json!({ "p": reversal, "r": "undo" }))
                .await
        ),
        "BAD_USER_INPUT"
    );
    // Money rows are append-only: the original is still there, untouched.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM payments").await, 2);
    assert_eq!(
        app.scalar("SELECT CAST(SUM(amount_fen) AS BIGINT) FROM payments")
            .await,
        0
    );
}

#[tokio::test]
async fn tenants_see_bills_only_when_the_owner_allows() {
    let app = spawn_app().await;
    bill_community(&app, &[period(0)]).await;
    let tenant = app.login(TENANT).await;
    let owner2 = app.login(OWNER2).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    assert_eq!(
        error_code(&app.gql(Some(&tenant), OWED, json!({ "h": house })).await),
        "FORBIDDEN"
    );
    let members = app.gql(Some(&owner2), "query($h: ID!) { node(id: $h) { ... on House { members { edges { node { id relation } } } } } }", json!({ "h": house })).await;
    let tenant_id = members["data"]["node"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["relation"] == "TENANT")
        .unwrap()["node"]["id"]
        .clone();
    app.gql(
        Some(&owner2),
        "mutation($m: ID!) { setTenantBillAccess(memberId: $m, allowed: true) { id } }",
        json!({ "m": tenant_id }),
    )
    .await;
    assert_eq!(
        outcome(&app.gql(Some(&tenant), OWED, json!({ "h": house })).await),
        "OK"
    );
}

#[tokio::test]
async fn owners_pay_online_through_the_gateway_once() {
    let app = spawn_app().await;
    bill_community(&app, &[period(0)]).await;
    let admin = app.login(ADMIN).await;
    let c1 = app.community_id("CUIHU").await;
    let key = app.gql(Some(&admin), "mutation($c: ID!) { createApiKey(communityId: $c, name: \"支付网关\", scopes: [PAYMENTS_WRITE]) { secret } }", json!({ "c": c1 })).await["data"]["createApiKey"]["secret"].as_str().unwrap().to_owned();
    let owner = app.login(OWNER1).await;
    let mine = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let theirs = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    let manager = app.login(MANAGER).await;
    let my_bill = owed(&app, &owner, &mine).await["openBills"][0]["id"].clone();
    let their_bill = owed(&app, &manager, &theirs).await["openBills"][0]["id"].clone();
    let intent_q = "mutation($k: String!, $b: [ID!]!) { createPaymentIntent(clientKey: $k, billIds: $b) { id amountFen } }";
    assert_eq!(
        error_code(
            &app.gql(
                Some(&owner),
                intent_q,
                json!({ "k": "i0", "b": [their_bill] })
            )
            .await
        ),
        "NOT_FOUND"
    );
    let intent = app
        .gql(Some(&owner), intent_q, json!({ "k": "i1", "b": [my_bill] }))
        .await;
    assert_eq!(intent["data"]["createPaymentIntent"]["amountFen"], 30100);
    let confirm = "mutation($i: ID!, $r: String!, $a: Fen!) { confirmOnlinePayment(intentId: $i, gatewayReference: $r, amountFen: $a) { receiptNo method } }";
    let vars = json!({ "i": intent["data"]["createPaymentIntent"]["id"], "r": "wx-20261123-0001", "a": 30100 });
    assert_eq!(
        error_code(&app.gql(Some(&owner), confirm, vars.clone()).await),
        "FORBIDDEN",
        "owners cannot confirm their own payment"
    );
    let first = app.gql_key(&key, confirm, vars.clone()).await;
    assert_eq!(
        first["data"]["confirmOnlinePayment"]["method"], "ONLINE",
        "{first}"
    );
    let again = app.gql_key(&key, confirm, vars).await;
    assert_eq!(
        again["data"]["confirmOnlinePayment"]["receiptNo"],
        first["data"]["confirmOnlinePayment"]["receiptNo"]
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM payments").await, 1);
    assert_eq!(owed(&app, &owner, &mine).await["totalFen"], 0);
}

#[tokio::test]
async fn day_close_arrears_and_collection_rate() {
    let app = spawn_app().await;
    // Three months ago: long overdue. Last month: overdue. This month: due.
    let finance = bill_community(&app, &[period(3), period(1), period(0)]).await;
    let reception = app.login(RECEPTION).await;
    let butler = app.login(BUTLER).await;
    let c1 = app.community_id("CUIHU").await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let bills = app.gql(Some(&finance), "query($h: ID!) { node(id: $h) { ... on House { bills { edges { node { id period amountFen } } } } } }", json!({ "h": house })).await;
    let old = bills["data"]["node"]["bills"]["edges"][0]["node"].clone();
    assert_eq!(old["period"], period(3).as_str());
    let pay = app.gql(Some(&reception), PAY, json!({ "k": "d1", "m": "CASH", "a": [{ "billId": old["id"], "amountFen": old["amountFen"] }] })).await;
    assert_eq!(outcome(&pay), "OK", "{pay}");

    // The owner of 101 still owes last month's bill, due on its last day. Its late fee runs from
    // the sixth of this month (five days' grace) at 0.05% a day of ¥301.00, rounded to the fen;
    // on the first five days of a month it is still nothing.
    let owner = app.login(OWNER1).await;
    let o = owed(&app, &owner, &house).await;
    assert_eq!(o["overdueFen"], 30100);
    let days_charged = chrono::Datelike::day(&guanjia::service::fees::today()) as i64 - 5;
    let expected_late_fee = if days_charged > 0 {
        (30100 * 5 * days_charged + 5_000) / 10_000
    } else {
        0
    };
    assert_eq!(o["lateFeeFen"], expected_late_fee, "{o}");

    // Day close: today's cash, banked once by finance.
    let dc = app.gql(Some(&reception), "query($c: ID!) { dayClose(communityId: $c) { totalFen cashFen byMethod { method count amountFen } bankedAt } }", json!({ "c": c1 })).await;
    assert_eq!(dc["data"]["dayClose"]["cashFen"], old["amountFen"], "{dc}");
    let today = guanjia::service::fees::today().to_string();
    let bank = "mutation($c: ID!, $d: NaiveDate!) { markDayBanked(communityId: $c, date: $d) { bankedAt } }";
    assert_eq!(
        error_code(
            &app.gql(Some(&reception), bank, json!({ "c": c1, "d": today }))
                .await
        ),
        "FORBIDDEN"
    );
    assert!(app
        .gql(Some(&finance), bank, json!({ "c": c1, "d": today }))
        .await["data"]["markDayBanked"]["bankedAt"]
        .is_string());
    assert_eq!(
        error_code(
            &app.gql(Some(&finance), bank, json!({ "c": c1, "d": today }))
                .await
        ),
        "CONFLICT"
    );

    // Arrears: the butler sees 1栋 and 2栋 only, with age buckets; a call is recorded.
    let arrears = "query($c: ID!) { arrears(communityId: $c) { house { id } overdueFen days1To30Fen days31To90Fen days91To180Fen over180Fen lastCall { outcome } } }";
    let all = app.gql(Some(&finance), arrears, json!({ "c": c1 })).await["data"]["arrears"]
        .as_array()
        .unwrap()
        .len();
    let mine = app.gql(Some(&butler), arrears, json!({ "c": c1 })).await["data"]["arrears"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all, 42);
    assert_eq!(mine.len(), 28);
    let entry = mine
        .iter()
        .find(|e| e["house"]["id"] == house.as_str())
        .unwrap();
    assert_eq!(entry["overdueFen"], 30100);
    let call = "mutation($h: ID!) { recordArrearsCall(houseId: $h, outcome: NO_ANSWER, note: \"晚上再打\") { outcome } }";
    assert_eq!(
        outcome(&app.gql(Some(&butler), call, json!({ "h": house })).await),
        "OK"
    );
    let mine = app.gql(Some(&butler), arrears, json!({ "c": c1 })).await["data"]["arrears"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        mine.iter()
            .find(|e| e["house"]["id"] == house.as_str())
            .unwrap()["lastCall"]["outcome"],
        "NO_ANSWER"
    );

    // Collection rate of the old period: one bill of 42 paid.
    let report = app.gql(Some(&finance), "query($c: ID!, $p: String!) { collectionReport(communityId: $c, period: $p) { total { bills dueFen collectedFen rateBps } byBuilding { building { name } dueFen collectedFen rateBps } } }", json!({ "c": c1, "p": period(3) })).await;
    let total = &report["data"]["collectionReport"]["total"];
    assert_eq!(total["bills"], 42);
    assert_eq!(total["collectedFen"], 30100);
    let expected = 30100i64 * 10_000 / total["dueFen"].as_i64().unwrap();
    assert_eq!(total["rateBps"], expected);
    assert_eq!(
        report["data"]["collectionReport"]["byBuilding"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn meter_readings_never_go_backwards_and_bill_the_difference() {
    let app = spawn_app().await;
    let finance = app.login(FINANCE).await;
    let butler = app.login(BUTLER).await;
    let c1 = app.community_id("CUIHU").await;
    let item = json!({ "communityId": c1, "name": "水费", "kind": "WATER", "formula": "BY_METER", "cycle": "MONTHLY", "unitPriceFen": 350 });
    let water = app
        .gql(Some(&finance), CREATE_ITEM, json!({ "i": item }))
        .await["data"]["createFeeItem"]["id"]
        .clone();
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let read = "mutation($h: ID!, $f: ID!, $r: Int!, $d: NaiveDate, $x: Boolean! = false) { recordMeterReading(houseId: $h, feeItemId: $f, reading: $r, readOn: $d, isReplacement: $x) { reading } }";
    let today = guanjia::service::fees::today();
    let last_month = (today
        - chrono::Duration::days(today.format("%d").to_string().parse::<i64>().unwrap()))
    .to_string();
    let first = app
        .gql(
            Some(&butler),
            read,
            json!({ "h": house, "f": water, "r": 10000, "d": last_month }),
        )
        .await;
    assert_eq!(outcome(&first), "OK", "{first}");
    let back = app
        .gql(
            Some(&butler),
            read,
            json!({ "h": house, "f": water, "r": 9000 }),
        )
        .await;
    assert_eq!(error_code(&back), "BAD_USER_INPUT");
    assert_eq!(back["errors"][0]["extensions"]["field"], "reading");
    assert_eq!(
        outcome(
            &app.gql(
                Some(&butler),
                read,
                json!({ "h": house, "f": water, "r": 11250 })
            )
            .await
        ),
        "OK"
    );
    let gen = app
        .gql(Some(&finance), GENERATE, json!({ "c": c1, "p": period(0) }))
        .await;
    assert_eq!(
        gen["data"]["generateBills"]["created"], 1,
        "only the metered house has something to pay: {gen}"
    );
    let o = owed(&app, &finance, &house).await;
    // (112.50 − 100.00) × ¥3.50 = ¥43.75.
    assert_eq!(o["dueFen"], 4375);
    assert!(o["openBills"][0]["lines"][0]["description"]
        .as_str()
        .unwrap()
        .contains("(112.50 − 100.00) × ¥3.50"));
    // A new meter may start lower, when flagged.
    assert_eq!(
        outcome(
            &app.gql(
                Some(&butler),
                read,
                json!({ "h": house, "f": water, "r": 5, "x": true })
            )
            .await
        ),
        "OK"
    );
}

#[tokio::test]
async fn a_one_off_charge_is_raised_once_per_client_key() {
    let app = spawn_app().await;
    let finance = app.login(FINANCE).await;
    let reception = app.login(RECEPTION).await;
    let c1 = app.community_id("CUIHU").await;
    let item = json!({ "communityId": c1, "name": "补卡费", "kind": "CARD_REPLACEMENT", "formula": "FIXED", "cycle": "ONE_OFF", "unitPriceFen": 2000 });
    let card = app
        .gql(Some(&finance), CREATE_ITEM, json!({ "i": item }))
        .await["data"]["createFeeItem"]["id"]
        .clone();
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let raise = "mutation($h: ID!, $f: ID!, $k: String!) { raiseCharge(houseId: $h, feeItemId: $f, quantity: 2, note: \"门禁卡\", clientKey: $k) { id amountFen kind lines { description } } }";
    let first = app
        .gql(
            Some(&reception),
            raise,
            json!({ "h": house, "f": card, "k": "card-1" }),
        )
        .await;
    assert_eq!(first["data"]["raiseCharge"]["amountFen"], 4000, "{first}");
    assert_eq!(first["data"]["raiseCharge"]["kind"], "ONE_OFF");
    let again = app
        .gql(
            Some(&reception),
            raise,
            json!({ "h": house, "f": card, "k": "card-1" }),
        )
        .await;
    assert_eq!(
        again["data"]["raiseCharge"]["id"],
        first["data"]["raiseCharge"]["id"]
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bills").await, 1);
    let owner = app.login(OWNER1).await;
    assert_eq!(owed(&app, &owner, &house).await["dueFen"], 4000);
    // The technician cannot raise charges through this mutation.
    let tech = app.login(TECHNICIAN).await;
    assert_eq!(
        error_code(
            &app.gql(
                Some(&tech),
                raise,
                json!({ "h": house, "f": card, "k": "card-2" })
            )
            .await
        ),
        "NOT_FOUND"
    );
}

/// The collection report reads totals the database keeps as bills are written: after
/// generation, a partial payment, a full one, its reversal and a cancellation, every building's
/// figures equal the sums over the bills themselves.
#[tokio::test]
async fn collection_totals_follow_payments_reversals_and_cancellations() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app().await;
    let finance = bill_community(&app, &[period(1), period(0)]).await;
    let reception = app.login(RECEPTION).await;
    let manager = app.login(MANAGER).await;
    let c1 = app.community_id("CUIHU").await;
    let h101 = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let h201 = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    let bill_of = |house: String| {
        let (app, finance) = (&app, finance.clone());
        async move {
            let q = "query($h: ID!) { node(id: $h) { ... on House { bills { edges { node { id period amountFen } } } } } }";
            let out = app.gql(Some(&finance), q, json!({ "h": house })).await;
            out["data"]["node"]["bills"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone())
                .find(|b| b["period"] == period(0).as_str())
                .unwrap()
        }
    };
    let (b101, b201) = (bill_of(h101.clone()).await, bill_of(h201.clone()).await);
    // 101 pays part of its bill; 201 pays in full, and the manager reverses that payment.
    assert_eq!(outcome(&app.gql(Some(&reception), PAY, json!({ "k": "t1", "m": "CASH", "a": [{ "billId": b101["id"], "amountFen": 10000 }] })).await), "OK");
    let full = app.gql(Some(&reception), PAY, json!({ "k": "t2", "m": "CASH", "a": [{ "billId": b201["id"], "amountFen": b201["amountFen"] }] })).await;
    let rev = "mutation($p: ID!) { reversePayment(paymentId: $p, reason: \"收错了户\") { id } }";
    assert_eq!(
        outcome(
            &app.gql(
                Some(&manager),
                rev,
                json!({ "p": full["data"]["recordPayment"]["id"] })
            )
            .await
        ),
        "OK"
    );
    // Another house's bill is cancelled.
    let h102 = app.house_id("CUIHU", "3栋", "1单元", "101").await;
    let b102 = bill_of(h102).await;
    let cancel = "mutation($b: ID!) { cancelBill(billId: $b, reason: \"面积录错\") { id } }";
    assert_eq!(
        outcome(
            &app.gql(Some(&finance), cancel, json!({ "b": b102["id"] }))
                .await
        ),
        "OK"
    );

    let report = app.gql(Some(&finance), "query($c: ID!, $p: String!) { collectionReport(communityId: $c, period: $p) { total { bills dueFen collectedFen } byBuilding { building { name } bills dueFen collectedFen } } }", json!({ "c": c1, "p": period(0) })).await;
    let r = &report["data"]["collectionReport"];
    let backend = app.db.get_database_backend();
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT b.name, COUNT(*), CAST(SUM(x.amount_fen) AS BIGINT), CAST(SUM(x.paid_fen) AS BIGINT) FROM bills x JOIN buildings b ON b.id = x.building_id \
                 JOIN communities c ON c.id = x.community_id WHERE c.code = 'CUIHU' AND x.period = '{}' AND x.kind = 'PERIODIC' AND x.cancelled_at IS NULL GROUP BY b.id, b.name ORDER BY b.id",
                period(0)
            ),
        ))
        .await
        .unwrap();
    let by_building = r["byBuilding"].as_array().unwrap();
    assert_eq!(by_building.len(), rows.len(), "{report}");
    let (mut bills, mut due, mut paid) = (0, 0, 0);
    for (row, b) in rows.iter().zip(by_building) {
        let (name, n, d, p): (String, i64, i64, i64) = (
            row.try_get_by_index(0).unwrap(),
            row.try_get_by_index(1).unwrap(),
            row.try_get_by_index(2).unwrap(),
            row.try_get_by_index(3).unwrap(),
        );
        assert_eq!(
            (
                b["building"]["name"].as_str().unwrap(),
                b["bills"].as_i64().unwrap(),
                b["dueFen"].as_i64().unwrap(),
                b["collectedFen"].as_i64().unwrap()
            ),
            (name.as_str(), n, d, p)
        );
        (bills, due, paid) = (bills + n, due + d, paid + p);
    }
    assert_eq!(
        (
            r["total"]["bills"].as_i64().unwrap(),
            r["total"]["dueFen"].as_i64().unwrap(),
            r["total"]["collectedFen"].as_i64().unwrap()
        ),
        (bills, due, paid)
    );
    // What the steps above leave: 42 bills less the cancelled one, 101's part payment only.
    assert_eq!(bills, 41);
    assert_eq!(paid, 10000);
}

const DAY: &str = "query($c: ID!, $d: NaiveDate) { dayClose(communityId: $c, date: $d) { totalFen cashFen bankedCashFen byMethod { method count amountFen } bankedAt } }";
const BANK: &str = "mutation($c: ID!, $d: NaiveDate!) { markDayBanked(communityId: $c, date: $d) { cashFen bankedCashFen } }";
const REVERSE: &str = "mutation($p: ID!, $r: String!) { reversePayment(paymentId: $p, reason: $r) { id receiptNo amountFen kind recordedBy reason businessDate reverses { receiptNo } } }";

/// The open bill of a house, as finance sees it.
async fn open_bill(app: &TestApp, token: &str, house: &str) -> Value {
    owed(app, token, house).await["openBills"][0].clone()
}

/// Once finance has banked a day, the day's figures stay as banked: cash taken afterwards
/// (and a reversal made afterwards) counts for the next day, which is still open.
#[tokio::test]
async fn a_banked_day_keeps_its_figures_and_later_money_counts_for_the_next_day() {
    let app = spawn_app().await;
    let finance = bill_community(&app, &[period(0)]).await;
    let reception = app.login(RECEPTION).await;
    let c1 = app.community_id("CUIHU").await;
    let today = guanjia::service::fees::today();
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    let (h101, h201) = (
        app.house_id("CUIHU", "1栋", "1单元", "101").await,
        app.house_id("CUIHU", "1栋", "1单元", "201").await,
    );
    let (b101, b201) = (
        open_bill(&app, &finance, &h101).await,
        open_bill(&app, &finance, &h201).await,
    );
    let morning = app
        .gql(
            Some(&reception),
            PAY,
            json!({ "k": "am", "m": "CASH", "a": [{ "billId": b101["id"], "amountFen": 10000 }] }),
        )
        .await;
    assert_eq!(outcome(&morning), "OK", "{morning}");
    let banked = app
        .gql(
            Some(&finance),
            BANK,
            json!({ "c": c1, "d": today.to_string() }),
        )
        .await;
    assert_eq!(
        banked["data"]["markDayBanked"],
        json!({ "cashFen": 10000, "bankedCashFen": 10000 }),
        "{banked}"
    );
    let before = app
        .gql(
            Some(&finance),
            DAY,
            json!({ "c": c1, "d": today.to_string() }),
        )
        .await;

    // After banking: more cash, a card payment, and the morning's payment reversed.
    let pay_late = |key: &'static str, method: &'static str, bill: Value, amount: i64| {
        let (app, reception) = (&app, reception.clone());
        async move {
            let out = app.gql(Some(&reception), "mutation($k: String!, $m: PaymentMethod!, $a: [AllocationInput!]!) { recordPayment(clientKey: $k, method: $m, allocations: $a) { businessDate } }",
                json!({ "k": key, "m": method, "a": [{ "billId": bill, "amountFen": amount }] })).await;
            assert_eq!(outcome(&out), "OK", "{out}");
            out["data"]["recordPayment"]["businessDate"].clone()
        }
    };
    assert_eq!(
        pay_late("pm-cash", "CASH", b201["id"].clone(), 5000).await,
        tomorrow.as_str(),
        "cash after banking counts for the next day"
    );
    assert_eq!(
        pay_late("pm-card", "BANK_CARD", b201["id"].clone(), 700).await,
        tomorrow.as_str()
    );
    let rev = app
        .gql(
            Some(&finance),
            REVERSE,
            json!({ "p": morning["data"]["recordPayment"]["id"], "r": "收错了" }),
        )
        .await;
    assert_eq!(
        rev["data"]["reversePayment"]["businessDate"],
        tomorrow.as_str(),
        "{rev}"
    );

    let after = app
        .gql(
            Some(&finance),
            DAY,
            json!({ "c": c1, "d": today.to_string() }),
        )
        .await;
    assert_eq!(after, before, "the banked day's figures never move");
    assert_eq!(after["data"]["dayClose"]["cashFen"], 10000);
    assert_eq!(after["data"]["dayClose"]["bankedCashFen"], 10000);
    let next = app
        .gql(Some(&finance), DAY, json!({ "c": c1, "d": tomorrow }))
        .await;
    let next = &next["data"]["dayClose"];
    assert_eq!(
        next["cashFen"],
        5000 - 10000,
        "tomorrow: the late cash less the reversal: {next}"
    );
    assert_eq!(next["totalFen"], 5000 + 700 - 10000);
    assert!(next["bankedAt"].is_null());
    assert!(next["bankedCashFen"].is_null());
}

/// Finance reverses a payment (not only the manager); the reversal names who made it, and a
/// second attempt says REVERSED with the reversal's receipt number in a field of its own.
#[tokio::test]
async fn finance_reverses_a_payment_and_the_reversal_names_who_did_it() {
    let app = spawn_app().await;
    let finance = bill_community(&app, &[period(0)]).await;
    let reception = app.login(RECEPTION).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let bill = open_bill(&app, &finance, &house).await;
    let paid = app.gql(Some(&reception), "mutation($b: ID!) { recordPayment(clientKey: \"p1\", method: CASH, allocations: [{ billId: $b, amountFen: 30100 }]) { id recordedBy } }", json!({ "b": bill["id"] })).await;
    assert_eq!(
        paid["data"]["recordPayment"]["recordedBy"], "孙前台",
        "{paid}"
    );
    let payment = paid["data"]["recordPayment"]["id"].clone();
    let out = app
        .gql(
            Some(&finance),
            REVERSE,
            json!({ "p": payment, "r": "收错了户" }),
        )
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    let reversal = &out["data"]["reversePayment"];
    assert_eq!(reversal["kind"], "REVERSAL");
    assert_eq!(reversal["amountFen"], -30100);
    assert_eq!(
        reversal["recordedBy"], "钱会计",
        "the reversal names who reversed it"
    );
    assert_eq!(reversal["reason"], "收错了户");
    let again = app
        .gql(
            Some(&finance),
            REVERSE,
            json!({ "p": payment, "r": "again" }),
        )
        .await;
    assert_eq!(error_code(&again), "INVALID_STATE_TRANSITION");
    let ext = &again["errors"][0]["extensions"];
    assert_eq!(
        ext["currentState"], "REVERSED",
        "the state field holds the state only: {again}"
    );
    assert_eq!(ext["reversalReceiptNo"], reversal["receiptNo"]);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM payments").await, 2);
}

/// Finance lists a day's payments (a Relay connection of their community) and finds one by
/// its receipt number; other communities' receipts do not exist for them.
#[tokio::test]
async fn finance_lists_a_days_payments_and_finds_one_by_receipt_number() {
    let app = spawn_app().await;
    let finance = bill_community(&app, &[period(0)]).await;
    let reception = app.login(RECEPTION).await;
    let c1 = app.community_id("CUIHU").await;
    let mut receipts = vec![];
    for (i, n) in ["101", "201", "301"].iter().enumerate() {
        let h = app.house_id("CUIHU", "1栋", "1单元", n).await;
        let b = open_bill(&app, &finance, &h).await;
        let method = if i == 1 { "BANK_CARD" } else { "CASH" };
        let out = app.gql(Some(&reception), PAY, json!({ "k": format!("d{i}"), "m": method, "a": [{ "billId": b["id"], "amountFen": 1000 + i }] })).await;
        receipts.push(
            out["data"]["recordPayment"]["receiptNo"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let list = "query($c: ID!, $m: PaymentMethod, $f: Int, $a: String) { dayPayments(communityId: $c, method: $m, first: $f, after: $a) { edges { cursor node { receiptNo amountFen method } } pageInfo { hasNextPage endCursor } } }";
    let page1 = app
        .gql(Some(&finance), list, json!({ "c": c1, "f": 2 }))
        .await;
    let edges = page1["data"]["dayPayments"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        edges
            .iter()
            .map(|e| e["node"]["receiptNo"].as_str().unwrap())
            .collect::<Vec<_>>(),
        receipts[..2],
        "{page1}"
    );
    assert_eq!(
        page1["data"]["dayPayments"]["pageInfo"]["hasNextPage"],
        true
    );
    let page2 = app
        .gql(
            Some(&finance),
            list,
            json!({ "c": c1, "f": 2, "a": page1["data"]["dayPayments"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        page2["data"]["dayPayments"]["edges"][0]["node"]["receiptNo"],
        receipts[2].as_str()
    );
    let cash = app
        .gql(Some(&reception), list, json!({ "c": c1, "m": "CASH" }))
        .await;
    assert_eq!(
        cash["data"]["dayPayments"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{cash}"
    );
    // Yesterday had none.
    let yesterday = (guanjia::service::fees::today() - chrono::Duration::days(1)).to_string();
    let none = app.gql(Some(&finance), "query($c: ID!, $d: NaiveDate) { dayPayments(communityId: $c, date: $d) { edges { cursor } } }", json!({ "c": c1, "d": yesterday })).await;
    assert_eq!(none["data"]["dayPayments"]["edges"], json!([]), "{none}");

    let find = "query($r: String!) { paymentByReceipt(receiptNo: $r) { receiptNo amountFen allocations { bill { house { number } } } } }";
    let found = app
        .gql(Some(&finance), find, json!({ "r": receipts[1] }))
        .await;
    assert_eq!(
        found["data"]["paymentByReceipt"]["amountFen"], 1001,
        "{found}"
    );
    assert_eq!(
        found["data"]["paymentByReceipt"]["allocations"][0]["bill"]["house"]["number"],
        "201"
    );
    let missing = app
        .gql(
            Some(&finance),
            find,
            json!({ "r": receipts[1].replace("-00000", "-90000") }),
        )
        .await;
    assert_eq!(error_code(&missing), "NOT_FOUND");
    let bad = app.gql(Some(&finance), find, json!({ "r": "收据" })).await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "receiptNo");
    // The other community's manager: the receipt is not theirs, the list is not theirs.
    let other = app.login(MANAGER_C2).await;
    assert_eq!(
        error_code(
            &app.gql(Some(&other), find, json!({ "r": receipts[0] }))
                .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(&app.gql(Some(&other), list, json!({ "c": c1 })).await),
        "NOT_FOUND"
    );
}

/// A gateway key with only PAYMENTS_WRITE reads back every field of what its own
/// `confirmOnlinePayment` answered, without an error; it sees no bill behind it and no one
/// else's payment.
#[tokio::test]
async fn a_gateway_key_reads_back_the_payment_it_confirmed() {
    let app = spawn_app().await;
    let finance = bill_community(&app, &[period(0)]).await;
    let admin = app.login(ADMIN).await;
    let c1 = app.community_id("CUIHU").await;
    let key = app.gql(Some(&admin), "mutation($c: ID!) { createApiKey(communityId: $c, name: \"支付网关\", scopes: [PAYMENTS_WRITE]) { secret } }", json!({ "c": c1 })).await["data"]["createApiKey"]["secret"].as_str().unwrap().to_owned();
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let bill = open_bill(&app, &owner, &house).await;
    let intent = app.gql(Some(&owner), "mutation($b: ID!) { createPaymentIntent(clientKey: \"i1\", billIds: [$b]) { id amountFen status } }", json!({ "b": bill["id"] })).await;
    let intent_id = intent["data"]["createPaymentIntent"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A Relay global id: the owner fetches it again through node(id:).
    let again = app
        .gql(
            Some(&owner),
            "query($i: ID!) { node(id: $i) { id ... on PaymentIntent { amountFen status } } }",
            json!({ "i": intent_id }),
        )
        .await;
    assert_eq!(again["data"]["node"]["amountFen"], 30100, "{again}");
    let confirm = "mutation($i: ID!) { confirmOnlinePayment(intentId: $i, gatewayReference: \"wx-1\", amountFen: 30100) { id receiptNo kind method amountFen clientKey paidAt businessDate reason gatewayReference recordedBy allocations { amountFen bill { id } } reverses { id } reversedBy { id } } }";
    let out = app.gql_key(&key, confirm, json!({ "i": intent_id })).await;
    assert!(out.get("errors").is_none(), "{out}");
    let p = &out["data"]["confirmOnlinePayment"];
    assert_eq!(p["amountFen"], 30100);
    assert_eq!(p["recordedBy"], "支付网关");
    assert_eq!(
        p["allocations"],
        json!([{ "amountFen": 30100, "bill": null }]),
        "the amounts, not the owner's bill"
    );
    // It may fetch that payment again, not one taken at the counter.
    let node = "query($p: ID!) { node(id: $p) { ... on Payment { receiptNo amountFen } } }";
    assert_eq!(
        outcome(&app.gql_key(&key, node, json!({ "p": p["id"] })).await),
        "OK"
    );
    let h201 = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    let b201 = open_bill(&app, &finance, &h201).await;
    let counter = app
        .gql(
            Some(&finance),
            PAY,
            json!({ "k": "c1", "m": "CASH", "a": [{ "billId": b201["id"], "amountFen": 100 }] }),
        )
        .await;
    assert_eq!(
        error_code(
            &app.gql_key(
                &key,
                node,
                json!({ "p": counter["data"]["recordPayment"]["id"] })
            )
            .await
        ),
        "NOT_FOUND"
    );
    // The old plain-integer form of the intent id is refused with the field named.
    let plain = app.gql_key(&key, confirm, json!({ "i": "1" })).await;
    assert_eq!(error_code(&plain), "BAD_USER_INPUT");
    assert_eq!(plain["errors"][0]["extensions"]["field"], "intentId");
}

/// The technician assigned sees the charge they record at completion, in the mutation's answer
/// and on the order; another owner does not.
#[tokio::test]
async fn the_technician_sees_the_charge_they_recorded() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let c1 = app.community_id("CUIHU").await;
    let price = app.gql(Some(&manager), "mutation($c: ID!) { createServicePrice(communityId: $c, name: \"更换水龙头\", unit: \"个\", priceFen: 5000) { id } }", json!({ "c": c1 })).await;
    let price_id = price["data"]["createServicePrice"]["id"].clone();
    // A Relay global id: node(id:) fetches the price again.
    let node = app
        .gql(
            Some(&manager),
            "query($p: ID!) { node(id: $p) { ... on ServicePrice { name priceFen } } }",
            json!({ "p": price_id }),
        )
        .await;
    assert_eq!(
        node["data"]["node"],
        json!({ "name": "更换水龙头", "priceFen": 5000 }),
        "{node}"
    );
    let (order, owner) = crate::repairs::booked(&app, "charge-1").await;
    let tech = complete_with_charge(&app, &order, &price_id, 2).await;
    let out = &tech["data"]["completeRepair"];
    assert_eq!(out["chargeBill"]["amountFen"], 10000, "{tech}");
    assert_eq!(
        out["charges"],
        json!([{ "name": "更换水龙头", "quantity": 2, "amountFen": 10000, "service": { "id": price_id } }])
    );
    let tech_token = app.login(TECHNICIAN).await;
    let read = "query($o: ID!) { node(id: $o) { ... on RepairOrder { chargeBill { amountFen } charges { name amountFen } } } }";
    let again = app
        .gql(Some(&tech_token), read, json!({ "o": order }))
        .await;
    assert_eq!(
        again["data"]["node"]["charges"][0]["amountFen"], 10000,
        "{again}"
    );
    assert_eq!(again["data"]["node"]["chargeBill"]["amountFen"], 10000);
    // The owner sees it too (their bill); the butler of the building as well.
    let mine = app.gql(Some(&owner), read, json!({ "o": order })).await;
    assert_eq!(
        mine["data"]["node"]["charges"][0]["amountFen"], 10000,
        "{mine}"
    );
}

/// Books (as owner 1), dispatches, starts and completes an order with `qty` of a price-list
/// item, as the technician; returns the completeRepair answer.
async fn complete_with_charge(app: &TestApp, order: &Value, price_id: &Value, qty: i32) -> Value {
    let reception = app.login(RECEPTION).await;
    let tech = app.login(TECHNICIAN).await;
    let tech_staff = crate::repairs::technician_staff_id(app).await;
    let d = app.gql(Some(&reception), "mutation($o: ID!, $t: ID!, $at: DateTime!) { dispatchRepair(orderId: $o, technicianId: $t, appointmentAt: $at) { state } }",
        json!({ "o": order, "t": tech_staff, "at": crate::repairs::in_hours(1) })).await;
    assert_eq!(outcome(&d), "OK", "{d}");
    let s = app
        .gql(
            Some(&tech),
            "mutation($o: ID!) { startRepair(orderId: $o) { state } }",
            json!({ "o": order }),
        )
        .await;
    assert_eq!(outcome(&s), "OK", "{s}");
    let complete = "mutation($o: ID!, $p: ID!, $q: Int!) { completeRepair(orderId: $o, workDone: \"更换\", charges: [{ servicePriceId: $p, quantity: $q }]) { state chargeBill { amountFen } charges { name quantity amountFen service { id } } } }";
    let out = app
        .gql(
            Some(&tech),
            complete,
            json!({ "o": order, "p": price_id, "q": qty }),
        )
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    out
}

/// A fresh demo estate has its price lists: finance bills this month at once, and a repair is
/// charged from the paid-service price list without setting anything up.
#[tokio::test]
async fn the_demo_estate_bills_and_prices_from_the_start() {
    let app = spawn_app_with(|c| c.demo_price_lists = true).await;
    let finance = app.login(FINANCE).await;
    let c1 = app.community_id("CUIHU").await;
    let gen = app
        .gql(Some(&finance), GENERATE, json!({ "c": c1, "p": period(0) }))
        .await;
    assert_eq!(gen["data"]["generateBills"]["created"], 42, "{gen}");
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let o = owed(&app, &owner, &house).await;
    assert_eq!(o["dueFen"], 30100, "107.50 m² × ¥2.80: {o}");
    let prices = app.gql(Some(&owner), "query($c: ID!) { servicePrices(communityId: $c) { edges { node { id name priceFen } } } }", json!({ "c": c1 })).await;
    let list = prices["data"]["servicePrices"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert!(list.len() >= 3, "{prices}");
    let tap = list
        .iter()
        .find(|e| e["node"]["name"] == "更换水龙头")
        .expect("a tap on the price list")["node"]
        .clone();
    let (order, _) = crate::repairs::booked(&app, "demo-1").await;
    let done = complete_with_charge(&app, &order, &tap["id"], 1).await;
    assert_eq!(
        done["data"]["completeRepair"]["chargeBill"]["amountFen"], tap["priceFen"],
        "{done}"
    );
    assert_eq!(
        owed(&app, &owner, &house).await["dueFen"],
        30100 + tap["priceFen"].as_i64().unwrap()
    );
}

/// Banking while the counter takes cash: whatever the interleaving, the cash recorded as banked
/// is the banked day's cash, and every payment counts for today or tomorrow, none lost.
#[tokio::test]
async fn banking_while_the_counter_takes_cash_banks_exactly_the_days_cash() {
    let app = spawn_app().await;
    let finance = bill_community(&app, &[period(0)]).await;
    let reception = app.login(RECEPTION).await;
    let c1 = app.community_id("CUIHU").await;
    let today = guanjia::service::fees::today();
    let list = app.gql(Some(&finance), "query($c: ID!) { node(id: $c) { ... on Community { bills(first: 8) { edges { node { id } } } } } }", json!({ "c": c1 })).await;
    let bills: Vec<Value> = list["data"]["node"]["bills"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    let pays = bills.iter().enumerate().map(|(i, b)| {
        let (app, reception) = (&app, &reception);
        let vars = json!({ "k": format!("race{i}"), "m": "CASH", "a": [{ "billId": b, "amountFen": 100 + i as i64 }] });
        async move { app.gql(Some(reception), PAY, vars).await }
    });
    let bank = app.gql(
        Some(&finance),
        BANK,
        json!({ "c": c1, "d": today.to_string() }),
    );
    let (paid, banked) = tokio::join!(futures_util::future::join_all(pays), bank);
    assert!(paid.iter().all(|p| outcome(p) == "OK"), "{paid:?}");
    assert_eq!(outcome(&banked), "OK", "{banked}");
    let day = app
        .gql(
            Some(&finance),
            DAY,
            json!({ "c": c1, "d": today.to_string() }),
        )
        .await;
    assert_eq!(
        day["data"]["dayClose"]["cashFen"], day["data"]["dayClose"]["bankedCashFen"],
        "{day}"
    );
    let next = app
        .gql(
            Some(&finance),
            DAY,
            json!({ "c": c1, "d": (today + chrono::Duration::days(1)).to_string() }),
        )
        .await;
    let total: i64 = (0..bills.len() as i64).map(|i| 100 + i).sum();
    assert_eq!(
        day["data"]["dayClose"]["cashFen"].as_i64().unwrap()
            + next["data"]["dayClose"]["cashFen"].as_i64().unwrap(),
        total,
        "{day} {next}"
    );
}

/// Twenty copies of one pay tap at once: one intent, and every copy answers it.
#[tokio::test]
async fn concurrent_duplicates_of_a_payment_intent_all_get_the_first_answer() {
    let app = spawn_app().await;
    bill_community(&app, &[period(0)]).await;
    let owner = app.login(OWNER1).await;
    let mine = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let my_bill = owed(&app, &owner, &mine).await["openBills"][0]["id"].clone();
    let q = "mutation($k: String!, $b: [ID!]!) { createPaymentIntent(clientKey: $k, billIds: $b) { id } }";
    let vars = json!({ "k": "pay-storm", "b": [my_bill] });
    let copies = (0..20).map(|_| app.gql(Some(&owner), q, vars.clone()));
    let answers = futures_util::future::join_all(copies).await;
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|out| {
            assert_eq!(outcome(out), "OK", "{out}");
            out["data"]["createPaymentIntent"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let stored = app
        .scalar("SELECT COUNT(*) FROM payment_intents WHERE client_key = 'pay-storm'")
        .await;
    assert_eq!(stored, 1);
}
