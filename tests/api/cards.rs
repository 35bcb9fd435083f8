//! Smart cards: issue, loss at any hour, replacement with a fee, and the access-control sync.
use crate::helpers::*;
use serde_json::{json, Value};

const ISSUE: &str = "mutation($h: ID!, $m: ID!, $n: String!) { issueCard(houseId: $h, holderMemberId: $m, kind: ACCESS, number: $n) { id number state } }";
const ACTIVE: &str =
    "query($c: ID!) { activeCards(communityId: $c, first: 100) { edges { node { number } } } }";
const CHANGES: &str = "query($c: ID!, $a: String) { cardChanges(communityId: $c, after: $a) { changes { number state } cursor hasMore } }";

fn numbers(v: &Value) -> Vec<String> {
    v["data"]["activeCards"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["number"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_lost_card_stops_working_at_once_and_the_access_system_syncs_it() {
    let app = spawn_app().await;
    let admin = app.login(ADMIN).await;
    let reception = app.login(RECEPTION).await;
    let owner = app.login(OWNER1).await;
    let c1 = app.community_id("CUIHU").await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let members = app.gql(Some(&owner), "query($h: ID!) { node(id: $h) { ... on House { members { edges { node { id isMe } } } } } }", json!({ "h": house })).await;
    let me = members["data"]["node"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["isMe"] == true)
        .unwrap()["node"]["id"]
        .clone();
    let card = app
        .gql(
            Some(&reception),
            ISSUE,
            json!({ "h": house, "m": me, "n": "A0001" }),
        )
        .await;
    assert_eq!(card["data"]["issueCard"]["state"], "ACTIVE", "{card}");
    let card_id = card["data"]["issueCard"]["id"].clone();
    // The same number twice is a conflict.
    assert_eq!(
        error_code(
            &app.gql(
                Some(&reception),
                ISSUE,
                json!({ "h": house, "m": me, "n": "a0001" })
            )
            .await
        ),
        "CONFLICT"
    );

    let key = app.gql(Some(&admin), "mutation($c: ID!) { createApiKey(communityId: $c, name: \"门禁\", scopes: [CARDS_READ]) { secret } }", json!({ "c": c1 })).await["data"]["createApiKey"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        numbers(&app.gql_key(&key, ACTIVE, json!({ "c": c1 })).await),
        ["A0001"]
    );
    let first = app.gql_key(&key, CHANGES, json!({ "c": c1 })).await;
    let cursor = first["data"]["cardChanges"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        first["data"]["cardChanges"]["changes"],
        json!([{ "number": "A0001", "state": "ACTIVE" }])
    );

    // Someone else cannot report it; its holder can, from the app, at any hour.
    let other = app.login(OWNER2).await;
    assert_eq!(
        error_code(
            &app.gql(
                Some(&other),
                "mutation($c: ID!) { reportCardLost(cardId: $c) { state } }",
                json!({ "c": card_id })
            )
            .await
        ),
        "NOT_FOUND"
    );
    let lost = app
        .gql(
            Some(&owner),
            "mutation($c: ID!) { reportCardLost(cardId: $c) { state } }",
            json!({ "c": card_id }),
        )
        .await;
    assert_eq!(lost["data"]["reportCardLost"]["state"], "LOST");
    assert!(
        numbers(&app.gql_key(&key, ACTIVE, json!({ "c": c1 })).await).is_empty(),
        "gone on the very next call"
    );
    let next = app
        .gql_key(&key, CHANGES, json!({ "c": c1, "a": cursor }))
        .await;
    assert_eq!(
        next["data"]["cardChanges"]["changes"],
        json!([{ "number": "A0001", "state": "LOST" }])
    );
    assert_eq!(next["data"]["cardChanges"]["hasMore"], false);

    // Found again: the holder reactivates it.
    let back = app
        .gql(
            Some(&owner),
            "mutation($c: ID!) { reactivateCard(cardId: $c) { state } }",
            json!({ "c": card_id }),
        )
        .await;
    assert_eq!(back["data"]["reactivateCard"]["state"], "ACTIVE");
    // Lost again and replaced at the desk: a new number, a fee, and the old card is dead forever.
    let finance = app.login(FINANCE).await;
    let item = json!({ "communityId": c1, "name": "补卡费", "kind": "CARD_REPLACEMENT", "formula": "FIXED", "cycle": "ONE_OFF", "unitPriceFen": 2000 });
    app.gql(
        Some(&finance),
        "mutation($i: CreateFeeItemInput!) { createFeeItem(input: $i) { id } }",
        json!({ "i": item }),
    )
    .await;
    app.gql(
        Some(&owner),
        "mutation($c: ID!) { reportCardLost(cardId: $c) { state } }",
        json!({ "c": card_id }),
    )
    .await;
    assert_eq!(
        error_code(
            &app.gql(
                Some(&owner),
                "mutation($c: ID!) { replaceCard(cardId: $c, newNumber: \"A0002\") { id } }",
                json!({ "c": card_id })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let new = app
        .gql(
            Some(&reception),
            "mutation($c: ID!) { replaceCard(cardId: $c, newNumber: \"A0002\") { number state } }",
            json!({ "c": card_id }),
        )
        .await;
    assert_eq!(
        new["data"]["replaceCard"],
        json!({ "number": "A0002", "state": "ACTIVE" }),
        "{new}"
    );
    let again = app
        .gql(
            Some(&owner),
            "mutation($c: ID!) { reactivateCard(cardId: $c) { state } }",
            json!({ "c": card_id }),
        )
        .await;
    assert_eq!(error_code(&again), "INVALID_STATE_TRANSITION");
    assert_eq!(again["errors"][0]["extensions"]["currentState"], "REPLACED");
    assert_eq!(
        numbers(&app.gql_key(&key, ACTIVE, json!({ "c": c1 })).await),
        ["A0002"]
    );
    let owed = app
        .gql(
            Some(&owner),
            "query($h: ID!) { owed(houseId: $h) { dueFen } }",
            json!({ "h": house }),
        )
        .await;
    assert_eq!(owed["data"]["owed"]["dueFen"], 2000);
    // A key without CARDS_READ, and an owner, cannot list the community's cards.
    let estate_key = app.gql(Some(&admin), "mutation($c: ID!) { createApiKey(communityId: $c, name: \"ERP\", scopes: [ESTATE_READ]) { secret } }", json!({ "c": c1 })).await["data"]["createApiKey"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        error_code(&app.gql_key(&estate_key, ACTIVE, json!({ "c": c1 })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&app.gql(Some(&owner), ACTIVE, json!({ "c": c1 })).await),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn a_tenant_moving_out_loses_their_cards_at_once() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let owner2 = app.login(OWNER2).await;
    let tenant = app.login(TENANT).await;
    let c1 = app.community_id("CUIHU").await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    let members = app.gql(Some(&owner2), "query($h: ID!) { node(id: $h) { ... on House { members { edges { node { id relation } } } } } }", json!({ "h": house })).await;
    let tenant_member = members["data"]["node"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["relation"] == "TENANT")
        .unwrap()["node"]["id"]
        .clone();
    let card = app
        .gql(
            Some(&reception),
            ISSUE,
            json!({ "h": house, "m": tenant_member, "n": "T0001" }),
        )
        .await;
    assert_eq!(card["data"]["issueCard"]["state"], "ACTIVE", "{card}");
    let mine = app
        .gql(
            Some(&tenant),
            "{ myCards { edges { node { number state } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["data"]["myCards"]["edges"][0]["node"]["state"],
        "ACTIVE"
    );
    // 退伙: the owner ends the tenancy.
    let out = app.gql(Some(&owner2), "mutation($m: ID!) { removeHouseMember(memberId: $m, reason: \"租期结束\") { endedAt } }", json!({ "m": tenant_member })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    let mine = app
        .gql(
            Some(&tenant),
            "{ myCards { edges { node { number state } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["data"]["myCards"]["edges"][0]["node"]["state"],
        "RETIRED"
    );
    assert_eq!(
        app.gql(Some(&reception), ACTIVE, json!({ "c": c1 })).await["data"]["activeCards"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        error_code(
            &app.gql(
                Some(&tenant),
                "query($h: ID!) { node(id: $h) { id } }",
                json!({ "h": house })
            )
            .await
        ),
        "NOT_FOUND"
    );
}
