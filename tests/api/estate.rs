//! Browsing the estate: scoping per role, Relay paging, global ids.
use crate::helpers::*;
use serde_json::json;

const HOUSES: &str = "query($c: ID!, $first: Int, $after: String) { node(id: $c) { ... on Community { houses(first: $first, after: $after) { edges { cursor node { id number areaM2 address } } pageInfo { hasNextPage hasPreviousPage endCursor } } } } }";

#[tokio::test]
async fn pages_walk_every_house_once() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let c = app.community_id("CUIHU").await;
    let mut seen = std::collections::HashSet::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = app
            .gql(
                Some(&manager),
                HOUSES,
                json!({ "c": c, "first": 10, "after": after }),
            )
            .await;
        assert_eq!(outcome(&out), "OK", "{out}");
        let conn = &out["data"]["node"]["houses"];
        for e in conn["edges"].as_array().unwrap() {
            assert!(
                seen.insert(e["node"]["id"].as_str().unwrap().to_owned()),
                "house repeated"
            );
        }
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], after.is_some());
        pages += 1;
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = Some(conn["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen.len(), 42);
    assert_eq!(pages, 5);
}

#[tokio::test]
async fn a_huge_page_size_is_refused() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let c = app.community_id("CUIHU").await;
    let out = app
        .gql(
            Some(&manager),
            HOUSES,
            json!({ "c": c, "first": 1_000_000_000 }),
        )
        .await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT");
    assert_eq!(out["errors"][0]["extensions"]["field"], "first");
    let out = app
        .gql(
            Some(&manager),
            HOUSES,
            json!({ "c": c, "first": 5, "after": "garbage" }),
        )
        .await;
    assert_eq!(out["errors"][0]["extensions"]["field"], "after");
}

#[tokio::test]
async fn each_role_sees_its_own_slice_of_the_estate() {
    let app = spawn_app().await;
    let c1 = app.community_id("CUIHU").await;
    let count = |body: &serde_json::Value| {
        body["data"]["node"]["houses"]["edges"]
            .as_array()
            .map(|a| a.len())
    };
    // Owner: only their house. Butler: 1栋 and 2栋 (28 houses). Manager: all 42 (two pages).
    let owner = app.login(OWNER1).await;
    assert_eq!(
        count(
            &app.gql(Some(&owner), HOUSES, json!({ "c": c1, "first": 100 }))
                .await
        ),
        Some(1)
    );
    let butler = app.login(BUTLER).await;
    assert_eq!(
        count(
            &app.gql(Some(&butler), HOUSES, json!({ "c": c1, "first": 100 }))
                .await
        ),
        Some(28)
    );
    let manager = app.login(MANAGER).await;
    assert_eq!(
        count(
            &app.gql(Some(&manager), HOUSES, json!({ "c": c1, "first": 100 }))
                .await
        ),
        Some(42)
    );
    // Another community's manager cannot even see the community.
    let other = app.login(MANAGER_C2).await;
    assert_eq!(
        error_code(
            &app.gql(Some(&other), HOUSES, json!({ "c": c1, "first": 5 }))
                .await
        ),
        "NOT_FOUND"
    );
    // Communities list: staff see one, the admin sees both.
    let q = "{ communities { edges { node { name } } } }";
    assert_eq!(
        app.gql(Some(&manager), q, json!({})).await["data"]["communities"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let admin = app.login(ADMIN).await;
    assert_eq!(
        app.gql(Some(&admin), q, json!({})).await["data"]["communities"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn node_refetches_what_a_list_returned_and_ids_are_opaque() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let out = app.gql(Some(&owner), "{ me { houses { edges { node { house { id number areaM2 areaCentiM2 building { name } unit { name } community { name } } } } } } }", json!({})).await;
    let house = &out["data"]["me"]["houses"]["edges"][0]["node"]["house"];
    assert_eq!(house["number"], "101");
    assert_eq!(
        house["areaCentiM2"].as_i64().unwrap() % 100,
        house["areaM2"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap()
            .parse::<i64>()
            .unwrap()
    );
    let id = house["id"].as_str().unwrap();
    assert!(!id.contains("House"), "ids are opaque");
    let again = app
        .gql(
            Some(&owner),
            "query($id: ID!) { node(id: $id) { __typename id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(again["data"]["node"]["__typename"], "House");
    assert_eq!(again["data"]["node"]["id"], id);
}
