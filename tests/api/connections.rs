//! What every Relay connection carries beyond its page.
use crate::helpers::*;
use serde_json::json;

const HOUSES: &str = "query($c: ID!, $after: String) { node(id: $c) { ... on Community { houses(first: 10, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } } }";

/// `totalCount` is the whole list's size, the same on every page; it costs a statement only
/// when asked for.
#[tokio::test]
async fn total_count_is_the_whole_list_on_every_page() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let c = app.community_id("CUIHU").await;
    let houses = app
        .scalar("SELECT COUNT(*) FROM houses h JOIN communities c ON c.id = h.community_id WHERE c.code = 'CUIHU'")
        .await;
    let first = app.gql(Some(&manager), HOUSES, json!({ "c": c })).await;
    let page = &first["data"]["node"]["houses"];
    assert_eq!(page["totalCount"], houses, "{first}");
    assert_eq!(page["edges"].as_array().unwrap().len(), 10);
    let after = page["pageInfo"]["endCursor"].clone();
    let second = app
        .gql(Some(&manager), HOUSES, json!({ "c": c, "after": after }))
        .await;
    assert_eq!(
        second["data"]["node"]["houses"]["totalCount"], houses,
        "{second}"
    );

    let without = HOUSES.replace("totalCount ", "");
    let (_, counted) = app.counted(Some(&manager), HOUSES, json!({ "c": c })).await;
    let (_, plain) = app
        .counted(Some(&manager), &without, json!({ "c": c }))
        .await;
    assert_eq!(
        counted,
        plain + 1,
        "one statement for the count, and only when asked"
    );
}

/// A list merged from several sources says it has no cheap count.
#[tokio::test]
async fn the_owners_merged_repair_list_has_no_count() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let out = app
        .gql(
            Some(&owner),
            "{ myRepairOrders(first: 5) { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    assert!(
        out["data"]["myRepairOrders"]["totalCount"].is_null(),
        "{out}"
    );
}
