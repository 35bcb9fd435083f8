//! Staff and roles, butler buildings, integrator API keys.
use crate::helpers::*;
use serde_json::json;

const ADD: &str = "mutation($i: AddStaffMemberInput!) { addStaffMember(input: $i) { id role phone community { code } } }";

#[tokio::test]
async fn manager_hires_a_technician_who_can_sign_in_and_is_scoped() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let c1 = app.community_id("CUIHU").await;
    let input = json!({ "communityId": c1, "phone": "13500000001", "displayName": "新师傅", "role": "TECHNICIAN", "initialPassword": "s3cret-pass" });
    let out = app.gql(Some(&manager), ADD, json!({ "i": input })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    assert_eq!(out["data"]["addStaffMember"]["community"]["code"], "CUIHU");
    let login = app
        .gql(
            None,
            "mutation { login(phone: \"13500000001\", password: \"s3cret-pass\") { accessToken } }",
            json!({}),
        )
        .await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = app
        .gql(
            Some(&token),
            "{ me { roles staffMembership { role } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["roles"], json!(["TECHNICIAN"]));
    // Hiring the same person twice is a conflict; a manager cannot create managers.
    assert_eq!(
        error_code(&app.gql(Some(&manager), ADD, json!({ "i": input })).await),
        "CONFLICT"
    );
    let mgr = json!({ "communityId": c1, "phone": "13500000002", "displayName": "副主任", "role": "MANAGER" });
    assert_eq!(
        error_code(&app.gql(Some(&manager), ADD, json!({ "i": mgr })).await),
        "FORBIDDEN"
    );
    let weak = json!({ "communityId": c1, "phone": "13500000003", "displayName": "某", "role": "SECURITY", "initialPassword": "123" });
    let out = app.gql(Some(&manager), ADD, json!({ "i": weak })).await;
    assert_eq!(out["errors"][0]["extensions"]["field"], "initialPassword");
}

#[tokio::test]
async fn a_removed_staff_member_loses_access_at_once() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let reception = app.login(RECEPTION).await;
    let c1 = app.community_id("CUIHU").await;
    let list = app.gql(Some(&manager), "query($c: ID!) { node(id: $c) { ... on Community { staff(role: RECEPTION) { edges { node { id } } } } } }", json!({ "c": c1 })).await;
    let id = list["data"]["node"]["staff"]["edges"][0]["node"]["id"].clone();
    let houses = "query($c: ID!) { node(id: $c) { ... on Community { houses(first: 1) { edges { node { id } } } } } }";
    assert_eq!(
        outcome(&app.gql(Some(&reception), houses, json!({ "c": c1 })).await),
        "OK"
    );
    let out = app
        .gql(
            Some(&manager),
            "mutation($s: ID!) { removeStaffMember(staffId: $s, reason: \"离职\") { endedAt } }",
            json!({ "s": id }),
        )
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    assert_eq!(
        error_code(&app.gql(Some(&reception), houses, json!({ "c": c1 })).await),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn butler_buildings_define_what_the_butler_sees() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let c1 = app.community_id("CUIHU").await;
    let q = "query($c: ID!) { node(id: $c) { ... on Community { staff(role: BUTLER) { edges { node { id buildings { id name } } } } buildings { edges { node { id name } } } } } }";
    let out = app.gql(Some(&manager), q, json!({ "c": c1 })).await;
    let butler = &out["data"]["node"]["staff"]["edges"][0]["node"];
    assert_eq!(butler["buildings"].as_array().unwrap().len(), 2);
    // The staff list with each one's buildings: one page of six costs what a page of one does.
    let list = "query($c: ID!, $n: Int!) { node(id: $c) { ... on Community { staff(first: $n) { edges { node { role buildings { name } } } } } } }";
    let (one, one_costs) = app
        .counted(Some(&manager), list, json!({ "c": c1, "n": 1 }))
        .await;
    let (six, six_costs) = app
        .counted(Some(&manager), list, json!({ "c": c1, "n": 6 }))
        .await;
    assert_eq!(
        one["data"]["node"]["staff"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{one}"
    );
    assert_eq!(
        six["data"]["node"]["staff"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        6,
        "{six}"
    );
    assert_eq!(six_costs, one_costs, "1 vs 6 staff");
    let third = out["data"]["node"]["buildings"]["edges"][2]["node"]["id"].clone();
    let m = "mutation($s: ID!, $b: [ID!]!) { assignButlerBuildings(staffId: $s, buildingIds: $b) { buildings { name } } }";
    let out = app
        .gql(
            Some(&manager),
            m,
            json!({ "s": butler["id"], "b": [third] }),
        )
        .await;
    assert_eq!(
        out["data"]["assignButlerBuildings"]["buildings"],
        json!([{ "name": "3栋" }])
    );
    let token = app.login(BUTLER).await;
    let houses = app.gql(Some(&token), "query($c: ID!) { node(id: $c) { ... on Community { houses(first: 100) { edges { node { id } } } } } }", json!({ "c": c1 })).await;
    assert_eq!(
        houses["data"]["node"]["houses"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        14
    );
    // A building of the other community is refused.
    let c2 = app.community_id("YUNQI").await;
    let admin = app.login(ADMIN).await;
    let other = app.gql(Some(&admin), "query($c: ID!) { node(id: $c) { ... on Community { buildings(first: 1) { edges { node { id } } } } } }", json!({ "c": c2 })).await;
    let foreign = other["data"]["node"]["buildings"]["edges"][0]["node"]["id"].clone();
    let out = app
        .gql(
            Some(&manager),
            m,
            json!({ "s": butler["id"], "b": [foreign] }),
        )
        .await;
    assert_eq!(out["errors"][0]["extensions"]["field"], "buildingIds");
}

#[tokio::test]
async fn integrator_keys_carry_only_their_scopes_in_their_community() {
    let app = spawn_app().await;
    let admin = app.login(ADMIN).await;
    let c1 = app.community_id("CUIHU").await;
    let c2 = app.community_id("YUNQI").await;
    let out = app
        .gql(Some(&admin), "mutation($c: ID!) { createApiKey(communityId: $c, name: \"门禁系统\", scopes: [ESTATE_READ]) { secret apiKey { id scopes prefix } } }", json!({ "c": c1 }))
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    let secret = out["data"]["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let key_id = out["data"]["createApiKey"]["apiKey"]["id"].clone();
    assert!(secret.starts_with(
        out["data"]["createApiKey"]["apiKey"]["prefix"]
            .as_str()
            .unwrap()
    ));
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM api_keys WHERE key_hash = '{secret}'"
        ))
        .await,
        0,
        "stored hashed"
    );

    let houses = "query($c: ID!) { node(id: $c) { ... on Community { houses(first: 3) { edges { node { id members { edges { node { phone } } } } } } } } }";
    let out = app.gql_key(&secret, houses, json!({ "c": c1 })).await;
    assert_eq!(
        error_code(&out),
        "FORBIDDEN",
        "houses yes, people no: {out}"
    );
    let out = app.gql_key(&secret, "query($c: ID!) { node(id: $c) { ... on Community { houses(first: 3) { edges { node { id } } } } } }", json!({ "c": c1 })).await;
    assert_eq!(outcome(&out), "OK");
    let out = app
        .gql_key(
            &secret,
            "query($c: ID!) { node(id: $c) { id } }",
            json!({ "c": c2 }),
        )
        .await;
    assert_eq!(error_code(&out), "NOT_FOUND");
    assert_eq!(
        error_code(&app.gql_key(&secret, "{ me { id } }", json!({})).await),
        "FORBIDDEN"
    );

    let out = app
        .gql(
            Some(&admin),
            "mutation($k: ID!) { revokeApiKey(id: $k) { revokedAt } }",
            json!({ "k": key_id }),
        )
        .await;
    assert_eq!(outcome(&out), "OK");
    let out = app
        .gql_key(
            &secret,
            "query($c: ID!) { node(id: $c) { id } }",
            json!({ "c": c1 }),
        )
        .await;
    assert_eq!(error_code(&out), "UNAUTHENTICATED");
}
