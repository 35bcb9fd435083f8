//! Handover (入伙), move bookings (搬入/搬出) and the one-time release pass at the gate.
use crate::helpers::*;
use serde_json::{json, Value};

const BOOK: &str = "mutation($i: BookMoveInput!) { bookMove(input: $i) { id state passCode } }";
const USE: &str = "mutation($c: ID!, $code: String!) { useReleasePass(communityId: $c, code: $code) { state usedAt } }";
const CHECK: &str = "query($c: ID!, $code: String!, $at: DateTime) { checkReleasePass(communityId: $c, code: $code, at: $at) { verdict booking { items } } }";
const HANDOVER: &str = "mutation($i: HandOverHouseInput!) { handOverHouse(input: $i) { id idNumberMasked feesFromPeriod ownerName keysHanded { label count } } }";
/// A resident ID number with a correct check character (GB 11643's own example).
const ID_NUMBER: &str = "11010519491231002X";

fn today() -> chrono::NaiveDate {
    guanjia::service::today_in_community()
}

pub fn booking(house: &str, direction: &str, day: chrono::NaiveDate, key: &str) -> Value {
    json!({ "i": { "houseId": house, "direction": direction, "moveOn": day.to_string(), "windowStart": "00:00", "windowEnd": "23:59", "items": "沙发一套、纸箱十个", "clientKey": key } })
}

fn handover_input(house: &str, key: &str, cards: Value, fees_from: &str) -> Value {
    json!({ "i": { "houseId": house, "ownerPhone": "13700000001", "ownerName": "陈业主", "idKind": "RESIDENT_ID", "idNumber": ID_NUMBER,
        "keysHanded": [{ "label": "入户门", "count": 3 }, { "label": "信箱", "count": 1 }],
        "keysKept": [{ "label": "入户门备用钥匙", "sealNumber": "F-0001" }],
        "cards": cards, "feesFromPeriod": fees_from, "clientKey": key } })
}

#[tokio::test]
async fn reception_hands_a_house_over_in_one_step_and_fees_start_when_agreed() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let finance = app.login(FINANCE).await;
    let c1 = app.community_id("CUIHU").await;
    let h401 = app.house_id("CUIHU", "1栋", "1单元", "401").await;
    let h501 = app.house_id("CUIHU", "1栋", "1单元", "501").await;
    let next_month = crate::fees::period(-1);

    // Bad input changes nothing: a wrong check digit, then a card number already in use.
    let mut bad = handover_input(&h401, "ho-1", json!([]), &next_month);
    bad["i"]["idNumber"] = json!("110105194912310021");
    let out = app.gql(Some(&reception), HANDOVER, bad).await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT", "{out}");
    assert_eq!(out["errors"][0]["extensions"]["field"], "idNumber");
    let members = "query($h: ID!) { node(id: $h) { ... on House { status members { edges { node { relation } } } cards { number state } } } }";
    let house_now = app
        .gql(Some(&reception), members, json!({ "h": h401 }))
        .await;
    let (m, _) = (
        house_now["data"]["node"]["members"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        0,
    );
    assert_eq!(m, 0, "nobody bound after a refused handover: {house_now}");
    app.gql(Some(&reception), "mutation($h: ID!, $m: ID!) { issueCard(houseId: $h, holderMemberId: $m, kind: ACCESS, number: \"TAKEN1\") { id } }",
        json!({ "h": app.house_id("CUIHU", "1栋", "1单元", "101").await, "m": owner1_member(&app).await })).await;
    let out = app
        .gql(
            Some(&reception),
            HANDOVER,
            handover_input(
                &h401,
                "ho-2",
                json!([{ "kind": "ACCESS", "number": "TAKEN1" }]),
                &next_month,
            ),
        )
        .await;
    assert_eq!(error_code(&out), "CONFLICT", "{out}");
    let house_now = app
        .gql(Some(&reception), members, json!({ "h": h401 }))
        .await;
    assert_eq!(
        house_now["data"]["node"]["members"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "all or nothing: {house_now}"
    );
    assert_eq!(house_now["data"]["node"]["status"], "VACANT");

    // The real handover: owner bound, cards issued, keys recorded, fees from next month.
    let input = handover_input(
        &h401,
        "ho-3",
        json!([{ "kind": "ACCESS", "number": "HO401A" }, { "kind": "VEHICLE", "number": "HO401V" }]),
        &next_month,
    );
    let done = app.gql(Some(&reception), HANDOVER, input.clone()).await;
    assert_eq!(outcome(&done), "OK", "{done}");
    let h = &done["data"]["handOverHouse"];
    assert_eq!(h["idNumberMasked"], "**************002X");
    assert_eq!(h["feesFromPeriod"], next_month);
    assert_eq!(h["keysHanded"][0], json!({ "label": "入户门", "count": 3 }));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM handovers WHERE id_number_masked LIKE '%19491231%'")
            .await,
        0,
        "the full number is never stored"
    );
    // A retry with the same client key is the same handover, not a second one.
    let again = app.gql(Some(&reception), HANDOVER, input).await;
    assert_eq!(again["data"]["handOverHouse"]["id"], h["id"]);
    // Another handover of the same house is refused.
    let other = app
        .gql(
            Some(&reception),
            HANDOVER,
            handover_input(&h401, "ho-4", json!([]), &next_month),
        )
        .await;
    assert_eq!(error_code(&other), "CONFLICT", "{other}");

    let house_now = app
        .gql(Some(&reception), members, json!({ "h": h401 }))
        .await;
    let node = &house_now["data"]["node"];
    assert_eq!(node["status"], "OCCUPIED");
    assert_eq!(node["members"]["edges"][0]["node"]["relation"], "OWNER");
    let mut cards: Vec<(String, String)> = node["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["number"].as_str().unwrap().into(),
                c["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    cards.sort();
    assert_eq!(
        cards,
        vec![
            ("HO401A".into(), "ACTIVE".into()),
            ("HO401V".into(), "ACTIVE".into())
        ]
    );
    let kept = app.gql(Some(&reception), "query($c: ID!) { custodyKeys(communityId: $c) { edges { node { label state sealNumber house { number } } } } }", json!({ "c": c1 })).await;
    assert_eq!(
        kept["data"]["custodyKeys"]["edges"][0]["node"],
        json!({ "label": "入户门备用钥匙", "state": "SEALED", "sealNumber": "F-0001", "house": { "number": "401" } })
    );
    let listed = app.gql(Some(&reception), "query($c: ID!) { handovers(communityId: $c) { edges { node { ownerName checkedBy house { number } } } } }", json!({ "c": c1 })).await;
    assert_eq!(
        listed["data"]["handovers"]["edges"][0]["node"],
        json!({ "ownerName": "陈业主", "checkedBy": "孙前台", "house": { "number": "401" } })
    );

    // Fees start next month: this month's bills leave 401 out and still bill 501.
    let item = json!({ "communityId": c1, "name": "物业费", "kind": "MANAGEMENT", "formula": "BY_AREA", "cycle": "MONTHLY", "unitPriceFen": 280 });
    app.gql(
        Some(&finance),
        "mutation($i: CreateFeeItemInput!) { createFeeItem(input: $i) { id } }",
        json!({ "i": item }),
    )
    .await;
    let gen = app.gql(Some(&finance), "mutation($c: ID!, $p: String!) { generateBills(communityId: $c, period: $p) { created } }", json!({ "c": c1, "p": crate::fees::period(0) })).await;
    assert_eq!(outcome(&gen), "OK", "{gen}");
    let owed = "query($h: ID!) { owed(houseId: $h) { totalFen openBills { id } } }";
    assert_eq!(
        app.gql(Some(&reception), owed, json!({ "h": h401 })).await["data"]["owed"]["openBills"],
        json!([])
    );
    assert_eq!(
        app.gql(Some(&reception), owed, json!({ "h": h501 })).await["data"]["owed"]["openBills"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn owner1_member(app: &TestApp) -> Value {
    let owner = app.login(OWNER1).await;
    let a = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    app.gql(Some(&owner), "query($h: ID!) { node(id: $h) { ... on House { members { edges { node { id isMe } } } } } }", json!({ "h": a })).await["data"]["node"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["isMe"] == true)
        .unwrap()["node"]["id"]
        .clone()
}

#[tokio::test]
async fn a_release_code_works_once_on_its_day_and_in_its_window() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let guard = app.login(SECURITY).await;
    let c1 = app.community_id("CUIHU").await;
    let a = app.house_id("CUIHU", "1栋", "1单元", "101").await;

    let out = app
        .gql(Some(&owner), BOOK, booking(&a, "OUT", today(), "mv-1"))
        .await;
    assert_eq!(out["data"]["bookMove"]["state"], "APPROVED", "{out}");
    let code = out["data"]["bookMove"]["passCode"]
        .as_str()
        .unwrap()
        .to_owned();
    // The same booking retried is the same booking.
    let again = app
        .gql(Some(&owner), BOOK, booking(&a, "OUT", today(), "mv-1"))
        .await;
    assert_eq!(
        again["data"]["bookMove"]["id"],
        out["data"]["bookMove"]["id"]
    );

    // The gate's list shows today's pass without its code.
    let list = app.gql(Some(&guard), "query($c: ID!) { releasePasses(communityId: $c) { items passCode windowStart windowEnd house { number } } }", json!({ "c": c1 })).await;
    assert_eq!(
        list["data"]["releasePasses"],
        json!([{ "items": "沙发一套、纸箱十个", "passCode": null, "windowStart": "00:00", "windowEnd": "23:59", "house": { "number": "101" } }])
    );

    let check = app
        .gql(
            Some(&guard),
            CHECK,
            json!({ "c": c1, "code": code.to_lowercase() }),
        )
        .await;
    assert_eq!(
        check["data"]["checkReleasePass"]["verdict"], "VALID",
        "{check}"
    );
    let tomorrow_noon = format!("{}T04:00:00Z", today() + chrono::Duration::days(1));
    let check = app
        .gql(
            Some(&guard),
            CHECK,
            json!({ "c": c1, "code": code, "at": tomorrow_noon }),
        )
        .await;
    assert_eq!(check["data"]["checkReleasePass"]["verdict"], "WRONG_DAY");
    let unknown = app
        .gql(Some(&guard), CHECK, json!({ "c": c1, "code": "NOPE2345" }))
        .await;
    assert_eq!(
        unknown["data"]["checkReleasePass"],
        json!({ "verdict": "UNKNOWN_CODE", "booking": null })
    );

    // Two guards scan the same code at the same moment: exactly one lets the goods through.
    let guard2 = app.login(SECURITY).await;
    let (x, y) = tokio::join!(
        app.gql(Some(&guard), USE, json!({ "c": c1, "code": code })),
        app.gql(Some(&guard2), USE, json!({ "c": c1, "code": code }))
    );
    let mut outcomes = vec![outcome(&x), outcome(&y)];
    outcomes.sort();
    assert_eq!(
        outcomes,
        vec!["INVALID_STATE_TRANSITION".to_string(), "OK".to_string()],
        "{x} {y}"
    );
    let third = app
        .gql(Some(&guard), USE, json!({ "c": c1, "code": code }))
        .await;
    assert_eq!(error_code(&third), "INVALID_STATE_TRANSITION");
    assert_eq!(third["errors"][0]["extensions"]["currentState"], "USED");
    assert_eq!(
        app.gql(Some(&guard), CHECK, json!({ "c": c1, "code": code }))
            .await["data"]["checkReleasePass"]["verdict"],
        "ALREADY_USED"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM move_bookings WHERE state = 'USED'")
            .await,
        1
    );

    // Tomorrow's pass is refused today, with the day named, and stays usable.
    let later = app
        .gql(
            Some(&owner),
            BOOK,
            booking(&a, "OUT", today() + chrono::Duration::days(1), "mv-2"),
        )
        .await;
    let later_code = later["data"]["bookMove"]["passCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong_day = app
        .gql(Some(&guard), USE, json!({ "c": c1, "code": later_code }))
        .await;
    assert_eq!(error_code(&wrong_day), "BAD_USER_INPUT", "{wrong_day}");
    assert_eq!(
        app.gql(
            Some(&guard),
            CHECK,
            json!({ "c": c1, "code": later_code, "at": tomorrow_noon })
        )
        .await["data"]["checkReleasePass"]["verdict"],
        "VALID"
    );

    // Outside the booked window on the right day.
    let mut windowed = booking(&a, "IN", today() + chrono::Duration::days(2), "mv-3");
    windowed["i"]["windowStart"] = json!("09:00");
    windowed["i"]["windowEnd"] = json!("11:00");
    let w = app.gql(Some(&owner), BOOK, windowed).await;
    let w_code = w["data"]["bookMove"]["passCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let day2 = today() + chrono::Duration::days(2);
    // 12:00 local is 04:00 UTC; 10:00 local is 02:00 UTC.
    assert_eq!(
        app.gql(
            Some(&guard),
            CHECK,
            json!({ "c": c1, "code": w_code, "at": format!("{day2}T04:00:00Z") })
        )
        .await["data"]["checkReleasePass"]["verdict"],
        "OUTSIDE_WINDOW"
    );
    assert_eq!(
        app.gql(
            Some(&guard),
            CHECK,
            json!({ "c": c1, "code": w_code, "at": format!("{day2}T02:00:00Z") })
        )
        .await["data"]["checkReleasePass"]["verdict"],
        "VALID"
    );

    // A revoked pass is dead.
    let reception = app.login(RECEPTION).await;
    let rev = app.gql(Some(&reception), "mutation($b: ID!) { revokeReleasePass(bookingId: $b, reason: \"业主要求取消\") { state } }", json!({ "b": later["data"]["bookMove"]["id"] })).await;
    assert_eq!(
        rev["data"]["revokeReleasePass"]["state"], "REVOKED",
        "{rev}"
    );
    assert_eq!(
        app.gql(
            Some(&guard),
            CHECK,
            json!({ "c": c1, "code": later_code, "at": tomorrow_noon })
        )
        .await["data"]["checkReleasePass"]["verdict"],
        "REVOKED"
    );

    // The owner sees their bookings and what became of them.
    let mine = app
        .gql(
            Some(&owner),
            "{ myMoves { edges { node { state direction } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["data"]["myMoves"]["edges"].as_array().unwrap().len(),
        3,
        "{mine}"
    );
}

#[tokio::test]
async fn a_move_out_needs_cleared_bills_and_a_tenants_needs_the_owners_consent() {
    let app = spawn_app().await;
    let owner2 = app.login(OWNER2).await;
    let tenant = app.login(TENANT).await;
    let finance = app.login(FINANCE).await;
    let c1 = app.community_id("CUIHU").await;
    let b = app.house_id("CUIHU", "1栋", "1单元", "201").await;

    // The tenant asks: it waits for the owner, with no code to show at the gate.
    let asked = app
        .gql(Some(&tenant), BOOK, booking(&b, "OUT", today(), "t-1"))
        .await;
    assert_eq!(
        asked["data"]["bookMove"]["state"], "AWAITING_CONSENT",
        "{asked}"
    );
    assert_eq!(asked["data"]["bookMove"]["passCode"], Value::Null);
    let id = asked["data"]["bookMove"]["id"].clone();
    const ANSWER: &str = "mutation($b: ID!, $yes: Boolean!, $r: String) { answerMoveConsent(bookingId: $b, consent: $yes, reason: $r) { state passCode consentAt } }";
    let own = app
        .gql(Some(&tenant), ANSWER, json!({ "b": id, "yes": true }))
        .await;
    assert_eq!(
        error_code(&own),
        "FORBIDDEN",
        "a tenant cannot consent for the owner: {own}"
    );
    let desk = app
        .gql(
            Some(&app.login(RECEPTION).await),
            "query($c: ID!) { movesAwaitingConsent(communityId: $c) { id } }",
            json!({ "c": c1 }),
        )
        .await;
    assert_eq!(desk["data"]["movesAwaitingConsent"][0]["id"], id);

    // Bills arrive before the owner answers: consent is refused with what is owed, nothing changes.
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
        json!({ "c": c1, "p": crate::fees::period(0) }),
    )
    .await;
    let owed = app
        .gql(
            Some(&owner2),
            "query($h: ID!) { owed(houseId: $h) { totalFen openBills { id amountFen } } }",
            json!({ "h": b }),
        )
        .await;
    let total = owed["data"]["owed"]["totalFen"].as_i64().unwrap();
    assert!(total > 0);
    let refused = app
        .gql(Some(&owner2), ANSWER, json!({ "b": id, "yes": true }))
        .await;
    assert_eq!(error_code(&refused), "BILLS_OUTSTANDING", "{refused}");
    let ext = &refused["errors"][0]["extensions"];
    assert_eq!(ext["owedFen"].as_i64(), Some(total));
    assert_eq!(
        ext["bills"][0]["billId"],
        owed["data"]["owed"]["openBills"][0]["id"]
    );
    let still = app
        .gql(
            Some(&owner2),
            "query($b: ID!) { node(id: $b) { ... on MoveBooking { state passCode } } }",
            json!({ "b": id }),
        )
        .await;
    assert_eq!(
        still["data"]["node"],
        json!({ "state": "AWAITING_CONSENT", "passCode": null })
    );

    // A new move out is refused outright while bills are owed (the list comes with it), and
    // nothing is stored; a move in is fine.
    let out = app
        .gql(Some(&owner2), BOOK, booking(&b, "OUT", today(), "o-1"))
        .await;
    assert_eq!(error_code(&out), "BILLS_OUTSTANDING", "{out}");
    assert_eq!(
        out["errors"][0]["extensions"]["bills"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM move_bookings WHERE client_key = 'o-1'")
            .await,
        0
    );
    let inbound = app
        .gql(Some(&owner2), BOOK, booking(&b, "IN", today(), "o-2"))
        .await;
    assert_eq!(
        inbound["data"]["bookMove"]["state"], "APPROVED",
        "{inbound}"
    );

    // Paid up, the owner consents and the pass is issued.
    let bill = owed["data"]["owed"]["openBills"][0]["id"].clone();
    let amount = owed["data"]["owed"]["openBills"][0]["amountFen"]
        .as_i64()
        .unwrap();
    let paid = app.gql(Some(&app.login(RECEPTION).await), "mutation($b: ID!, $a: Fen!) { recordPayment(clientKey: \"pay-b\", method: CASH, allocations: [{ billId: $b, amountFen: $a }]) { id } }",
        json!({ "b": bill, "a": amount })).await;
    assert_eq!(outcome(&paid), "OK", "{paid}");
    let yes = app
        .gql(Some(&owner2), ANSWER, json!({ "b": id, "yes": true }))
        .await;
    assert_eq!(
        yes["data"]["answerMoveConsent"]["state"], "APPROVED",
        "{yes}"
    );
    assert_eq!(
        yes["data"]["answerMoveConsent"]["passCode"]
            .as_str()
            .unwrap()
            .len(),
        8
    );
    // A second answer is a wrong step now.
    let twice = app
        .gql(
            Some(&owner2),
            ANSWER,
            json!({ "b": id, "yes": false, "r": "改主意" }),
        )
        .await;
    assert_eq!(error_code(&twice), "INVALID_STATE_TRANSITION", "{twice}");
    // The tenant sees their pass; the other owner cannot see the booking at all.
    let seen = app
        .gql(
            Some(&tenant),
            "{ myMoves { edges { node { state passCode } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        seen["data"]["myMoves"]["edges"][0]["node"]["state"],
        "APPROVED"
    );
    let stranger = app
        .gql(
            Some(&app.login(OWNER1).await),
            "query($b: ID!) { node(id: $b) { id } }",
            json!({ "b": id }),
        )
        .await;
    assert_eq!(error_code(&stranger), "NOT_FOUND");
}
