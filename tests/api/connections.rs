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

/// A list field costs its page size times what one item costs (`connection::cost`): two nested
/// full pages pass the complexity limit and are refused before anything runs; the same query
/// with small pages, or with the default page size, is served.
#[tokio::test]
async fn a_list_field_costs_its_page_size_times_its_items() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let c = app.community_id("CUIHU").await;
    let nested = |outer: &str, inner: &str| {
        format!(
            "query($c: ID!) {{ node(id: $c) {{ ... on Community {{ buildings{outer} {{ nodes {{ id name units{inner} {{ nodes {{ id name }} }} }} }} }} }} }}"
        )
    };
    let big = app
        .gql(
            Some(&manager),
            &nested("(first: 100)", "(last: 100)"),
            json!({ "c": c }),
        )
        .await;
    assert!(big["data"].is_null(), "{big}");
    let msg = big["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(msg.to_lowercase().contains("complex"), "{big}");

    let small = app
        .gql(
            Some(&manager),
            &nested("(first: 5)", "(first: 5)"),
            json!({ "c": c }),
        )
        .await;
    assert!(small["errors"].is_null(), "{small}");
    let default = app
        .gql(Some(&manager), &nested("", ""), json!({ "c": c }))
        .await;
    assert!(default["errors"].is_null(), "{default}");
}
