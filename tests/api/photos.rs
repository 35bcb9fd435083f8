//! Photos on repair orders: GraphQL multipart uploads, checked by content, capped, and served
//! back only to people who may see the order.
use crate::helpers::*;
use serde_json::{json, Value};

const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1, 0xFF, 0xD9,
];
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
];
const ELF: &[u8] = &[0x7F, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0];

/// Books a repair for 1栋1单元101 with the given files, as a GraphQL multipart request.
async fn book_with(
    app: &TestApp,
    token: &str,
    files: Vec<(&str, Vec<u8>)>,
    key: &str,
) -> (u16, Value) {
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let ops = json!({
        "query": "mutation($i: BookRepairInput!, $p: [Upload!]!) { bookRepair(input: $i, photos: $p) { id photos { url contentType sizeBytes } } }",
        "variables": { "i": { "houseId": house, "category": "WATER", "description": "漏水", "clientKey": key }, "p": files.iter().map(|_| Value::Null).collect::<Vec<_>>() }
    });
    let map: serde_json::Map<String, Value> = (0..files.len())
        .map(|i| (i.to_string(), json!([format!("variables.p.{i}")])))
        .collect();
    let mut form = reqwest::multipart::Form::new()
        .text("operations", ops.to_string())
        .text("map", Value::Object(map).to_string());
    for (i, (name, bytes)) in files.into_iter().enumerate() {
        form = form.part(
            i.to_string(),
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("image/jpeg")
                .unwrap(),
        );
    }
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("sent");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn photos_are_stored_and_served_only_to_those_who_may_see_the_order() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let (status, out) = book_with(
        &app,
        &owner,
        vec![("leak.jpg", JPEG.to_vec()), ("tap.png", PNG.to_vec())],
        "p1",
    )
    .await;
    assert_eq!(status, 200, "{out}");
    let photos = out["data"]["bookRepair"]["photos"]
        .as_array()
        .unwrap_or_else(|| panic!("{out}"))
        .clone();
    assert_eq!(photos.len(), 2);
    assert_eq!(photos[1]["contentType"], "image/png");
    let url = photos[0]["url"].as_str().unwrap();
    let got = app
        .client
        .get(app.url(url))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    assert_eq!(got.headers()["x-content-type-options"], "nosniff");
    let csp = got.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("sandbox"),
        "{csp}"
    );
    assert_eq!(got.bytes().await.unwrap().as_ref(), JPEG);
    let other = app.login(OWNER2).await;
    assert_eq!(
        app.client
            .get(app.url(url))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.client
            .get(app.url(url))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let butler = app.login(BUTLER).await;
    assert_eq!(
        app.client
            .get(app.url(url))
            .bearer_auth(&butler)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn bad_uploads_are_refused_and_nothing_is_booked() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    // An executable renamed .jpg.
    let (_, out) = book_with(&app, &owner, vec![("photo.jpg", ELF.to_vec())], "b1").await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT", "{out}");
    assert_eq!(out["errors"][0]["extensions"]["field"], "photos");
    // Ten photos.
    let ten = (0..10)
        .map(|i| (if i % 2 == 0 { "a.jpg" } else { "b.jpg" }, JPEG.to_vec()))
        .collect();
    let (_, out) = book_with(&app, &owner, ten, "b2").await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT", "{out}");
    // One file over the 10 MB cap.
    let mut big = JPEG.to_vec();
    big.resize(11 * 1024 * 1024, 0);
    let (status, out) = book_with(&app, &owner, vec![("big.jpg", big)], "b3").await;
    assert_eq!((status, error_code(&out)), (400, "BAD_USER_INPUT"), "{out}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM repair_orders").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM repair_photos").await, 0);
}

#[tokio::test]
async fn a_request_over_the_upload_cap_gets_413() {
    let app = spawn_app_with(|c| c.limits.max_upload_request_bytes = 2 * 1024 * 1024).await;
    let owner = app.login(OWNER1).await;
    let mut big = JPEG.to_vec();
    big.resize(3 * 1024 * 1024, 0);
    let (status, out) = book_with(&app, &owner, vec![("big.jpg", big)], "c1").await;
    assert_eq!(status, 413, "{out}");
    assert_eq!(error_code(&out), "BAD_USER_INPUT");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM repair_orders").await, 0);
}
