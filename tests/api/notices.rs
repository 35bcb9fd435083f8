//! Notices (停水、停电管理规程; community news): published to a community or some buildings,
//! read in the app, and pushed live, publish and update alike, to exactly the residents in scope.
use crate::helpers::*;
use crate::ws::Ws;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

pub const PUBLISH: &str = "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { id kind title startsAt endsAt wholeCommunity buildings { name } version } }";
const UPDATE: &str = "mutation($n: ID!, $i: UpdateNoticeInput!) { updateNotice(noticeId: $n, input: $i) { id title endsAt version } }";
const MINE: &str = "query($n: Int) { myNotices(first: $n) { edges { node { id title kind } } } }";

fn at(hours: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(hours)).to_rfc3339()
}

/// The global id of a demo building.
pub async fn building_id(app: &TestApp, community: &str, name: &str) -> String {
    let id = app.scalar(&format!("SELECT b.id FROM buildings b JOIN communities c ON c.id = b.community_id WHERE c.code = '{community}' AND b.name = '{name}'")).await;
    guanjia::domain::GlobalId::encode(guanjia::domain::NodeKind::Building, id).0
}

/// The phone of a demo owner living in `building` of 翠湖花园.
async fn resident_of(app: &TestApp, building: &str) -> String {
    use sea_orm::ConnectionTrait;
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!(
                "SELECT u.phone FROM users u JOIN house_members m ON m.user_id = u.id JOIN houses h ON h.id = m.house_id \
                 JOIN buildings b ON b.id = h.building_id JOIN communities c ON c.id = h.community_id \
                 WHERE c.code = 'CUIHU' AND b.name = '{building}' AND m.ended_at IS NULL ORDER BY u.id LIMIT 1"
            ),
        ))
        .await
        .unwrap()
        .expect("a resident");
    row.try_get("", "phone").unwrap()
}

/// A socket subscribed to `notices` as the holder of `token`.
async fn listening(app: &TestApp, token: &str) -> Ws {
    let mut ws = crate::ws::signed_in(app, token).await;
    ws.send(Message::Text(json!({ "id": "n", "type": "subscribe", "payload": { "query": "subscription { notices { id title endsAt version } }" } }).to_string().into()))
        .await
        .unwrap();
    ws.send(Message::Text(json!({ "id": "a", "type": "subscribe", "payload": { "query": "subscription { activity { action subjectType } }" } }).to_string().into()))
        .await
        .unwrap();
    ws
}

/// Activity-feed actions about notices received within `ms` milliseconds of quiet.
async fn activity(ws: &mut Ws, ms: u64) -> Vec<String> {
    let mut out = vec![];
    while let Ok(Some(Ok(Message::Text(t)))) =
        tokio::time::timeout(std::time::Duration::from_millis(ms), ws.next()).await
    {
        let v: Value = serde_json::from_str(&t).unwrap();
        if let Some(a) = v["payload"]["data"]["activity"]["action"].as_str() {
            out.push(a.to_owned());
        }
    }
    out
}

/// Notices received within `ms` milliseconds of quiet.
async fn received(ws: &mut Ws, ms: u64) -> Vec<Value> {
    let mut out = vec![];
    while let Ok(Some(Ok(Message::Text(t)))) =
        tokio::time::timeout(std::time::Duration::from_millis(ms), ws.next()).await
    {
        let v: Value = serde_json::from_str(&t).unwrap();
        if !v["payload"]["data"]["notices"].is_null() {
            out.push(v["payload"]["data"]["notices"].clone());
        }
    }
    out
}

#[tokio::test]
async fn a_water_cut_reaches_the_affected_building_live_and_so_do_its_updates() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let c1 = app.community_id("CUIHU").await;
    let in_scope = app.login(OWNER1).await;
    let elsewhere_phone = resident_of(&app, "2栋").await;
    let elsewhere = app.login(&elsewhere_phone).await;
    let mut near = listening(&app, &in_scope).await;
    let mut far = listening(&app, &elsewhere).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let b1 = building_id(&app, "CUIHU", "1栋").await;
    let input = json!({ "communityId": c1, "kind": "WATER_CUT", "title": "1栋停水通知", "body": "因水泵检修，1栋将停水。请提前储水。", "startsAt": at(2), "endsAt": at(6), "buildingIds": [b1] });
    let out = app
        .gql(Some(&reception), PUBLISH, json!({ "i": input }))
        .await;
    let n = &out["data"]["publishNotice"];
    assert_eq!(
        (
            n["wholeCommunity"].as_bool(),
            n["buildings"].clone(),
            n["version"].as_i64()
        ),
        (Some(false), json!([{ "name": "1栋" }]), Some(1)),
        "{out}"
    );
    let id = n["id"].clone();
    let got = received(&mut near, 700).await;
    assert_eq!(got.len(), 1, "the notice itself, once: {got:?}");
    assert_eq!(
        (
            got[0]["id"].clone(),
            got[0]["title"].as_str(),
            got[0]["version"].as_i64()
        ),
        (id.clone(), Some("1栋停水通知"), Some(1))
    );

    // Extended by two hours, then ended early: each update reaches the same residents.
    let out = app.gql(Some(&reception), UPDATE, json!({ "n": id, "i": { "endsAt": at(8), "body": "检修延长，预计两小时后恢复供水。" } })).await;
    assert_eq!(out["data"]["updateNotice"]["version"], 2, "{out}");
    let out = app
        .gql(
            Some(&reception),
            UPDATE,
            json!({ "n": id, "i": { "endNow": true } }),
        )
        .await;
    assert_eq!(out["data"]["updateNotice"]["version"], 3, "{out}");
    let got = received(&mut near, 700).await;
    assert_eq!(
        got.iter()
            .map(|n| n["version"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [2, 3],
        "{got:?}"
    );
    let ended = chrono::DateTime::parse_from_rfc3339(got[1]["endsAt"].as_str().unwrap()).unwrap();
    assert!(ended <= chrono::Utc::now(), "ended early: {got:?}");
    assert!(
        received(&mut far, 300).await.is_empty(),
        "a resident of 2栋 receives neither the notice nor its updates"
    );
    // The activity feed carries the same news to the same people.
    let mut near2 = listening(&app, &in_scope).await;
    let mut far2 = listening(&app, &elsewhere).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let out = app
        .gql(
            Some(&reception),
            UPDATE,
            json!({ "n": id, "i": { "title": "1栋停水通知（已恢复）" } }),
        )
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
    assert_eq!(activity(&mut near2, 700).await, ["notice.updated"]);
    assert!(activity(&mut far2, 300).await.is_empty());

    // In the app: the residents of 1栋 (the tenant of 201 too) see it; 2栋 does not.
    for who in [OWNER1.to_owned(), TENANT.to_owned()] {
        let mine = app
            .gql(Some(&app.login(&who).await), MINE, json!({ "n": 3 }))
            .await;
        assert_eq!(
            mine["data"]["myNotices"]["edges"].as_array().unwrap().len(),
            1,
            "{who}: {mine}"
        );
    }
    let theirs = app.gql(Some(&elsewhere), MINE, json!({ "n": 3 })).await;
    assert_eq!(theirs["data"]["myNotices"]["edges"], json!([]), "{theirs}");
    assert_eq!(
        error_code(
            &app.gql(
                Some(&elsewhere),
                "query($n: ID!) { node(id: $n) { id } }",
                json!({ "n": id })
            )
            .await
        ),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn bad_notices_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let butler = app.login(BUTLER).await;
    let c1 = app.community_id("CUIHU").await;
    let b1 = building_id(&app, "CUIHU", "1栋").await;
    let b3 = building_id(&app, "CUIHU", "3栋").await;
    let other = building_id(&app, "YUNQI", "1栋").await;
    let cut = |buildings: Value, starts: String, ends: String| json!({ "i": { "communityId": c1, "kind": "POWER_CUT", "title": "停电通知", "body": "线路检修", "startsAt": starts, "endsAt": ends, "buildingIds": buildings } });

    let backwards = app
        .gql(Some(&manager), PUBLISH, cut(json!([b1]), at(6), at(2)))
        .await;
    assert_eq!(
        backwards["errors"][0]["extensions"]["field"], "endsAt",
        "{backwards}"
    );
    let no_times = app.gql(Some(&manager), PUBLISH, json!({ "i": { "communityId": c1, "kind": "WATER_CUT", "title": "停水", "body": "检修" } })).await;
    assert_eq!(error_code(&no_times), "BAD_USER_INPUT", "{no_times}");
    let foreign = app
        .gql(
            Some(&manager),
            PUBLISH,
            cut(json!([b1, other]), at(2), at(6)),
        )
        .await;
    assert_eq!(
        foreign["errors"][0]["extensions"]["field"], "buildingIds",
        "another community's building: {foreign}"
    );
    let yunqi = app
        .gql(
            Some(&app.login(MANAGER_C2).await),
            PUBLISH,
            cut(json!([b1]), at(2), at(6)),
        )
        .await;
    assert_eq!(error_code(&yunqi), "NOT_FOUND", "{yunqi}");
    // A butler speaks for their own buildings only; owners publish nothing.
    assert_eq!(
        error_code(
            &app.gql(Some(&butler), PUBLISH, cut(json!([]), at(2), at(6)))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &app.gql(Some(&butler), PUBLISH, cut(json!([b1, b3]), at(2), at(6)))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &app.gql(
                Some(&app.login(OWNER1).await),
                PUBLISH,
                cut(json!([b1]), at(2), at(6))
            )
            .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM notices").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM notice_buildings").await, 0);

    let ok = app
        .gql(Some(&butler), PUBLISH, cut(json!([b1]), at(2), at(6)))
        .await;
    assert_eq!(outcome(&ok), "OK", "{ok}");
    let id = ok["data"]["publishNotice"]["id"].clone();
    // An update may not make the end precede the start either.
    let out = app
        .gql(
            Some(&butler),
            UPDATE,
            json!({ "n": id, "i": { "endsAt": at(1) } }),
        )
        .await;
    assert_eq!(out["errors"][0]["extensions"]["field"], "endsAt", "{out}");
    let out = app
        .gql(
            Some(&butler),
            UPDATE,
            json!({ "n": id, "i": { "endsAt": at(8), "endNow": true } }),
        )
        .await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT");
    assert_eq!(
        error_code(
            &app.gql(
                Some(&app.login(OWNER1).await),
                UPDATE,
                json!({ "n": id, "i": { "title": "改" } })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let stored = app
        .gql(
            Some(&manager),
            "query($c: ID!) { notices(communityId: $c) { edges { node { title version } } } }",
            json!({ "c": c1 }),
        )
        .await;
    assert_eq!(
        stored["data"]["notices"]["edges"],
        json!([{ "node": { "title": "停电通知", "version": 1 } }]),
        "{stored}"
    );
}

#[tokio::test]
async fn community_news_reaches_every_resident_of_the_community_newest_first() {
    let app = spawn_app().await;
    let manager = app.login(MANAGER).await;
    let c1 = app.community_id("CUIHU").await;
    for title in ["中秋游园会", "电梯年检", "垃圾分类讲座", "端午包粽子"] {
        let out = app.gql(Some(&manager), PUBLISH, json!({ "i": { "communityId": c1, "kind": "NEWS", "title": title, "body": "欢迎参加" } })).await;
        assert_eq!(outcome(&out), "OK", "{out}");
    }
    let home = app
        .gql(
            Some(&app.login(&resident_of(&app, "3栋").await).await),
            MINE,
            json!({ "n": 3 }),
        )
        .await;
    let titles: Vec<&str> = home["data"]["myNotices"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["端午包粽子", "垃圾分类讲座", "电梯年检"],
        "the home screen shows the latest three"
    );
    let yunqi = app
        .gql(
            Some(&app.login("13800000011").await),
            MINE,
            json!({ "n": 3 }),
        )
        .await;
    assert_eq!(
        yunqi["data"]["myNotices"]["edges"],
        json!([]),
        "another community's owner: {yunqi}"
    );
    let staff = app.gql(Some(&app.login(TECHNICIAN).await), "query($c: ID!) { notices(communityId: $c, first: 2) { edges { node { title } } pageInfo { hasNextPage } } }", json!({ "c": c1 })).await;
    assert_eq!(
        staff["data"]["notices"]["pageInfo"]["hasNextPage"], true,
        "{staff}"
    );
}

#[tokio::test]
async fn the_owners_notice_list_costs_the_same_for_one_notice_or_four() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let owner = app.login(OWNER1).await;
    let c1 = app.community_id("CUIHU").await;
    let (b1, b2) = (
        building_id(&app, "CUIHU", "1栋").await,
        building_id(&app, "CUIHU", "2栋").await,
    );
    let q = "{ myNotices(first: 10) { edges { node { id kind title startsAt endsAt wholeCommunity buildings { name } } } } }";
    let mut counts = vec![];
    for i in 0..4 {
        let out = app.gql(Some(&reception), PUBLISH, json!({ "i": { "communityId": c1, "kind": "POWER_CUT", "title": format!("停电{i}"), "body": "检修", "startsAt": at(2), "endsAt": at(4), "buildingIds": [b1, b2] } })).await;
        assert_eq!(outcome(&out), "OK", "{out}");
        let (list, n) = app.counted(Some(&owner), q, json!({})).await;
        let edges = list["data"]["myNotices"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), i + 1, "{list}");
        assert_eq!(
            edges[0]["node"]["buildings"],
            json!([{ "name": "1栋" }, { "name": "2栋" }])
        );
        counts.push(n);
    }
    assert_eq!(counts[3], counts[0], "1 notice vs 4 notices: {counts:?}");
}
