//! An owner's household: inviting and removing family and tenants, who sees whose phone.
use crate::helpers::*;
use serde_json::{json, Value};

const INVITE: &str = "mutation($i: InviteHouseMemberInput!) { inviteHouseMember(input: $i) { id relation displayName phone tenancyEndsOn } }";
const MEMBERS: &str = "query($h: ID!) { node(id: $h) { ... on House { members { edges { node { id relation phone displayName isMe } } } } } }";

fn next_year() -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(300)).to_string()
}

async fn members(app: &TestApp, token: &str, house: &str) -> Vec<Value> {
    let out = app.gql(Some(token), MEMBERS, json!({ "h": house })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    out["data"]["node"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn owner_invites_a_tenant_once_and_a_second_time_conflicts() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let input = json!({ "houseId": house, "phone": "13600000001", "displayName": "租客甲", "relation": "TENANT", "tenancyEndsOn": next_year() });
    let out = app.gql(Some(&owner), INVITE, json!({ "i": input })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
    assert_eq!(out["data"]["inviteHouseMember"]["relation"], "TENANT");
    let before = app.scalar("SELECT COUNT(*) FROM house_members").await;
    let events = app
        .scalar("SELECT COUNT(*) FROM events WHERE action = 'house_member.invited'")
        .await;
    assert_eq!(events, 1);

    let again = app.gql(Some(&owner), INVITE, json!({ "i": input })).await;
    assert_eq!(error_code(&again), "CONFLICT");
    assert_eq!(again["errors"][0]["extensions"]["field"], "phone");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM house_members").await,
        before,
        "nothing changed"
    );
    assert_eq!(members(&app, &owner, &house).await.len(), 3);
}

#[tokio::test]
async fn bad_invitations_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let before = app.scalar("SELECT COUNT(*) FROM house_members").await;
    let cases = [
        (
            json!({ "houseId": house, "phone": "13600000002", "displayName": "租客", "relation": "TENANT" }),
            "tenancyEndsOn",
        ),
        (
            json!({ "houseId": house, "phone": "13600000002", "displayName": "租客", "relation": "TENANT", "tenancyEndsOn": "2001-01-01" }),
            "tenancyEndsOn",
        ),
        (
            json!({ "houseId": house, "phone": "136", "displayName": "某人", "relation": "FAMILY" }),
            "phone",
        ),
        (
            json!({ "houseId": house, "phone": "13600000002", "relation": "FAMILY" }),
            "displayName",
        ),
        (
            json!({ "houseId": house, "phone": "13600000002", "displayName": "某人", "relation": "OWNER" }),
            "relation",
        ),
        (
            json!({ "houseId": "bm90LWFuLWlk", "phone": "13600000002", "displayName": "某人", "relation": "FAMILY" }),
            "houseId",
        ),
    ];
    for (input, field) in cases {
        let out = app.gql(Some(&owner), INVITE, json!({ "i": input })).await;
        assert_eq!(error_code(&out), "BAD_USER_INPUT", "{input}: {out}");
        assert_eq!(out["errors"][0]["extensions"]["field"], field, "{out}");
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM house_members").await,
        before
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE phone = '13600000002'")
            .await,
        0
    );
}

#[tokio::test]
async fn removed_member_loses_the_house_at_once() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let family = app.login(FAMILY).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let q = "query($h: ID!) { node(id: $h) { id } }";
    assert_eq!(
        outcome(&app.gql(Some(&family), q, json!({ "h": house })).await),
        "OK"
    );
    let family_member = members(&app, &owner, &house)
        .await
        .into_iter()
        .find(|m| m["relation"] == "FAMILY")
        .unwrap();
    let out = app
        .gql(
            Some(&owner),
            "mutation($m: ID!) { removeHouseMember(memberId: $m, reason: \"搬走了\") { endedAt } }",
            json!({ "m": family_member["id"] }),
        )
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    assert!(out["data"]["removeHouseMember"]["endedAt"].is_string());
    // Same token, next request: the house is gone from their view.
    assert_eq!(
        error_code(&app.gql(Some(&family), q, json!({ "h": house })).await),
        "NOT_FOUND"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM events WHERE action = 'house_member.removed'")
            .await,
        1
    );
    // Rows are never deleted.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM house_members WHERE ended_at IS NOT NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn housemates_see_masked_phones_the_owner_sees_them_in_full() {
    let app = spawn_app().await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let family = app.login(FAMILY).await;
    let seen_by_family = members(&app, &family, &house).await;
    let owner_row = seen_by_family
        .iter()
        .find(|m| m["relation"] == "OWNER")
        .unwrap();
    assert_eq!(owner_row["phone"], "138****0001");
    let me_row = seen_by_family.iter().find(|m| m["isMe"] == true).unwrap();
    assert_eq!(me_row["phone"], FAMILY);
    let owner = app.login(OWNER1).await;
    let seen_by_owner = members(&app, &owner, &house).await;
    assert!(seen_by_owner.iter().any(|m| m["phone"] == FAMILY));
}

#[tokio::test]
async fn owner_decides_whether_the_tenant_sees_bills() {
    let app = spawn_app().await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    let owner2 = app.login(OWNER2).await;
    let tenant_row = members(&app, &owner2, &house)
        .await
        .into_iter()
        .find(|m| m["relation"] == "TENANT")
        .unwrap();
    let m = "mutation($m: ID!, $a: Boolean!) { setTenantBillAccess(memberId: $m, allowed: $a) { tenantMaySeeBills } }";
    let out = app
        .gql(
            Some(&owner2),
            m,
            json!({ "m": tenant_row["id"], "a": true }),
        )
        .await;
    assert_eq!(
        out["data"]["setTenantBillAccess"]["tenantMaySeeBills"],
        true
    );
    let tenant = app.login(TENANT).await;
    let out = app
        .gql(
            Some(&tenant),
            m,
            json!({ "m": tenant_row["id"], "a": true }),
        )
        .await;
    assert_eq!(error_code(&out), "FORBIDDEN");
}

/// A tenancy past its end date no longer counts, without anyone removing it: the tenant's app
/// lists no house and the house itself is out of reach.
#[tokio::test]
async fn an_ended_tenancy_drops_out_of_the_tenants_app() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let tenant = app.login(TENANT).await;
    let houses = "{ me { houses { edges { node { relation house { id } } } } } }";
    let before = app.gql(Some(&tenant), houses, json!({})).await;
    let edges = before["data"]["me"]["houses"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 1, "{before}");
    assert_eq!(edges[0]["node"]["relation"], "TENANT");
    let house = edges[0]["node"]["house"]["id"].clone();
    app.db
        .execute_unprepared(&format!(
            "UPDATE house_members SET tenancy_ends_on = '2020-01-31' WHERE user_id = (SELECT id FROM users WHERE phone = '{TENANT}')"
        ))
        .await
        .unwrap();
    let after = app.gql(Some(&tenant), houses, json!({})).await;
    assert_eq!(after["data"]["me"]["houses"]["edges"], json!([]), "{after}");
    let node = app
        .gql(
            Some(&tenant),
            "query($h: ID!) { node(id: $h) { id } }",
            json!({ "h": house }),
        )
        .await;
    assert!(node["data"]["node"].is_null(), "{node}");
}
