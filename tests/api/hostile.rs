//! Hostile input, kept as regression tests: what an attacker, a buggy client or a careless
//! integrator sent, and what the server must answer.
use crate::helpers::*;
use crate::repairs::{booked, in_hours, BOOK};
use serde_json::json;
use sha2::Digest;

/// A control character in a variable is refused naming its path, and nothing is stored.
#[tokio::test]
async fn a_nul_in_a_variable_is_bad_input_and_stores_nothing() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let before = app.scalar("SELECT COUNT(*) FROM repair_orders").await;
    for bad in ["漏水\u{0}", "漏水\u{7}", "漏水\u{1b}[31m", "漏水\r"] {
        let input = json!({ "houseId": house, "category": "WATER", "description": bad, "preferredFrom": in_hours(2), "preferredTo": in_hours(4), "clientKey": "nul-1" });
        let out = app.gql(Some(&owner), BOOK, json!({ "i": input })).await;
        assert_eq!(error_code(&out), "BAD_USER_INPUT", "{bad:?}: {out}");
        assert_eq!(
            out["errors"][0]["extensions"]["field"], "i.description",
            "{out}"
        );
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM repair_orders").await,
        before
    );
    // Newline and tab are text.
    let input = json!({ "houseId": house, "category": "WATER", "description": "厨房\n\t水龙头漏水", "preferredFrom": in_hours(2), "preferredTo": in_hours(4), "clientKey": "nul-2" });
    let out = app.gql(Some(&owner), BOOK, json!({ "i": input })).await;
    assert_eq!(outcome(&out), "OK", "{out}");
}

/// The same for a literal in the document, written with a GraphQL escape.
#[tokio::test]
async fn a_nul_in_a_literal_is_bad_input() {
    let app = spawn_app().await;
    let (order, owner) = booked(&app, "nul-literal").await;
    let q = r#"mutation($o: ID!) { cancelRepair(orderId: $o, reason: "不修了\u0000") { state } }"#;
    let out = app.gql(Some(&owner), q, json!({ "o": order })).await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT", "{out}");
    assert_eq!(out["errors"][0]["extensions"]["field"], "reason", "{out}");
    let state = app
        .gql(
            Some(&owner),
            "query($o: ID!) { node(id: $o) { ... on RepairOrder { state } } }",
            json!({ "o": order }),
        )
        .await;
    assert_eq!(state["data"]["node"]["state"], "SUBMITTED", "{state}");
}

/// An anonymous APQ registration with a NUL is a typed error, not a 500, and stores nothing.
#[tokio::test]
async fn a_nul_in_a_persisted_query_is_bad_input() {
    let app = spawn_app().await;
    let query = "{ me { displayName } }\u{0}";
    let hash = hex::encode(sha2::Sha256::digest(query.as_bytes()));
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let resp = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query, "extensions": ext }))
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_client_error() || resp.status().is_success(),
        "{}",
        resp.status()
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM persisted_queries").await,
        0
    );
}

/// Reads until the server closes the socket (Ok(true)) or `within` passes (Ok(false)).
async fn closed_within(stream: &mut tokio::net::TcpStream, within: std::time::Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

async fn healthz(app: &TestApp) -> u16 {
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    resp.status().as_u16()
}

/// A few hundred requests whose headers never finish neither stop `/healthz` nor stay open.
#[tokio::test]
async fn slow_headers_and_idle_connections_are_closed() {
    use tokio::io::AsyncWriteExt;
    let app =
        spawn_app_with(|c| c.connections.idle_timeout = std::time::Duration::from_secs(1)).await;
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: guanjia\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    assert_eq!(healthz(&app).await, 200);
    // An idle keep-alive connection, after one answered request.
    let mut idle = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: guanjia\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    tokio::io::AsyncReadExt::read_exact(&mut idle, &mut first)
        .await
        .unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let wait = std::time::Duration::from_secs(5);
    for s in &mut slow {
        assert!(
            closed_within(s, wait).await,
            "a request with unfinished headers stayed open"
        );
    }
    assert!(
        closed_within(&mut idle, wait).await,
        "an idle keep-alive connection stayed open"
    );
    assert_eq!(healthz(&app).await, 200);
}

/// Past the bound on open connections a new one is told so (503) and closed; once others close,
/// the server answers again.
#[tokio::test]
async fn connections_past_the_bound_are_refused_clearly() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|c| c.connections.max_connections = 40).await;
    let mut held = Vec::new();
    for _ in 0..40 {
        held.push(tokio::net::TcpStream::connect(app.addr).await.unwrap());
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut extra = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let _ = extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: guanjia\r\n\r\n")
        .await;
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        extra.read_to_end(&mut answer),
    )
    .await
    .expect("the refusal comes at once")
    .ok();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("RATE_LIMITED"), "{answer}");
    drop(held);
    let mut ok = false;
    for _ in 0..50 {
        if let Ok(resp) = app.client.get(app.url("/healthz")).send().await {
            if resp.status() == 200 {
                ok = true;
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ok, "the server answers again once connections close");
}

/// Twenty copies of one booking sent at once (a phone retrying on a bad network): one order,
/// and every copy answers it.
#[tokio::test]
async fn concurrent_duplicates_of_a_booking_all_get_the_first_answer() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let input = json!({ "houseId": house, "category": "WATER", "description": "厨房水龙头漏水", "preferredFrom": in_hours(2), "preferredTo": in_hours(4), "clientKey": "retry-storm" });
    let copies = (0..20).map(|_| app.gql(Some(&owner), BOOK, json!({ "i": input })));
    let answers = futures_util::future::join_all(copies).await;
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|out| {
            assert_eq!(outcome(out), "OK", "{out}");
            out["data"]["bookRepair"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let stored = app
        .scalar("SELECT COUNT(*) FROM repair_orders WHERE client_key = 'retry-storm'")
        .await;
    assert_eq!(stored, 1);
}

fn apq_ext(query: &str) -> serde_json::Value {
    let hash = hex::encode(sha2::Sha256::digest(query.as_bytes()));
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn apq(
    app: &TestApp,
    token: &str,
    query: Option<&str>,
    ext: serde_json::Value,
) -> serde_json::Value {
    let mut body = json!({ "extensions": ext });
    if let Some(q) = query {
        body["query"] = json!(q);
    }
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    resp.json().await.unwrap()
}

/// Only documents that parse and validate are kept, for a bounded time, in bounded number, and
/// one address registers only so many; an unknown hash is always PERSISTED_QUERY_NOT_FOUND.
#[tokio::test]
async fn persisted_queries_are_not_free_storage() {
    let app = spawn_app_with(|c| {
        c.apq.new_per_address = 5;
        c.apq.kept = 2;
    })
    .await;
    let owner = app.login(OWNER1).await;
    let stored = || app.scalar("SELECT COUNT(*) FROM persisted_queries");
    for junk in ["any text at all, stored for ever?", "{ nope }"] {
        let out = apq(&app, &owner, Some(junk), apq_ext(junk)).await;
        assert!(out["errors"].is_array(), "{out}");
        let miss = apq(&app, &owner, None, apq_ext(junk)).await;
        assert_eq!(error_code(&miss), "PERSISTED_QUERY_NOT_FOUND", "{miss}");
    }
    assert_eq!(
        stored().await,
        0,
        "a document that does not validate is not kept"
    );

    let docs = [
        "{ me { displayName } }",
        "{ me { phone } }",
        "{ me { id } }",
    ];
    for d in docs {
        let out = apq(&app, &owner, Some(d), apq_ext(d)).await;
        assert_eq!(outcome(&out), "OK", "{out}");
    }
    assert_eq!(
        stored().await,
        2,
        "at most `kept` documents, the oldest gone first"
    );
    let newest = apq(&app, &owner, None, apq_ext(docs[2])).await;
    assert_eq!(outcome(&newest), "OK", "{newest}");
    let oldest = apq(&app, &owner, None, apq_ext(docs[0])).await;
    assert_eq!(error_code(&oldest), "PERSISTED_QUERY_NOT_FOUND", "{oldest}");

    // Every attempt to register counts, kept or not: the sixth from this address is refused.
    let fourth = "{ me { roles } }";
    let out = apq(&app, &owner, Some(fourth), apq_ext(fourth)).await;
    assert_eq!(error_code(&out), "RATE_LIMITED", "{out}");
    // A hash-only lookup is never rate limited, and a never-stored hash is NOT_FOUND.
    let out = apq(&app, &owner, None, apq_ext("{ me { never } }")).await;
    assert_eq!(error_code(&out), "PERSISTED_QUERY_NOT_FOUND", "{out}");
}

/// A kept document expires; the client is told so and registers it again.
#[tokio::test]
async fn persisted_queries_expire() {
    let app = spawn_app_with(|c| c.apq.kept_for = chrono::Duration::seconds(1)).await;
    let owner = app.login(OWNER1).await;
    let d = "{ me { displayName } }";
    assert_eq!(outcome(&apq(&app, &owner, Some(d), apq_ext(d)).await), "OK");
    assert_eq!(outcome(&apq(&app, &owner, None, apq_ext(d)).await), "OK");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let out = apq(&app, &owner, None, apq_ext(d)).await;
    assert_eq!(error_code(&out), "PERSISTED_QUERY_NOT_FOUND", "{out}");
    assert_eq!(outcome(&apq(&app, &owner, Some(d), apq_ext(d)).await), "OK");
    assert_eq!(outcome(&apq(&app, &owner, None, apq_ext(d)).await), "OK");
}

/// Without introspection no error names a field, type or argument the query did not.
#[tokio::test]
async fn production_errors_name_nothing_the_query_did_not() {
    let app = spawn_app_with(|c| c.playground = false).await;
    let owner = app.login(OWNER1).await;
    for q in [
        "{ me { displayNam } }",
        "{ me { displayName(x: 1) } }",
        "query($v: Int) { me { houses(first: $v, nope: 1) { nodes { id } } } }",
    ] {
        let out = app.gql(Some(&owner), q, json!({})).await;
        let text = out.to_string();
        assert!(out["errors"].is_array(), "{out}");
        for leak in [
            "displayName",
            "User",
            "Query",
            "HouseMember",
            "Did you mean",
        ] {
            if !q.contains(leak) {
                assert!(!text.contains(leak), "{q}: {text} names {leak}");
            }
        }
    }
    let out = app
        .gql(Some(&owner), "{ me { displayName } }", json!({}))
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
}

/// The websocket conceals the schema in production as `/graphql` does.
#[tokio::test]
async fn production_errors_over_the_websocket_name_nothing_the_query_did_not() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let app = spawn_app_with(|c| c.playground = false).await;
    let owner = app.login(OWNER1).await;
    let mut ws = crate::ws::signed_in(&app, &owner).await;
    for (i, q) in ["{ me { displayNam } }", "{ me { displayName(x: 1) } }"]
        .into_iter()
        .enumerate()
    {
        ws.send(Message::Text(
            json!({ "id": i.to_string(), "type": "subscribe", "payload": { "query": q } })
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
        let msg = loop {
            let m = crate::ws::next_json(&mut ws).await.unwrap();
            if m["type"] == "next" {
                break m;
            }
        };
        let text = msg.to_string();
        assert!(msg["payload"]["errors"].is_array(), "{msg}");
        for leak in ["displayName", "User", "Query", "Did you mean"] {
            if !q.contains(leak) {
                assert!(!text.contains(leak), "{q}: {text} names {leak}");
            }
        }
    }
}

/// Sends `head` and then `body` (never finishing it when `hold`), and returns the status the
/// server answered with while the body was still coming, if it did within 10 s.
async fn answered_mid_body(app: &TestApp, head: String, body: Vec<u8>) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        if wr.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for chunk in body.chunks(64 * 1024) {
            if wr.write_all(chunk).await.is_err() {
                return;
            }
        }
        // Hold the connection open, the rest of the body never sent.
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        drop(wr);
    });
    let mut buf = vec![0u8; 256];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), rd.read(&mut buf))
        .await
        .ok()?
        .ok()?;
    writer.abort();
    let line = String::from_utf8_lossy(&buf[..n]).to_string();
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A JSON body is refused once it passes its cap (1 MB) while it is read, whatever length it
/// declares or when it declares none: the server does not wait for 39 MB to say 413.
#[tokio::test]
async fn a_json_body_past_its_cap_is_refused_while_it_is_read() {
    let app = spawn_app().await;
    let start = r#"{"query":"{ __typename }","variables":{"x":""#;
    let mut body = start.as_bytes().to_vec();
    body.resize(2 * 1024 * 1024, b'a');
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        39 * 1024 * 1024
    );
    assert_eq!(answered_mid_body(&app, head, body.clone()).await, Some(413));
    // Chunked, no length declared: refused once 1 MB has come.
    let mut chunked = vec![];
    for c in body.chunks(64 * 1024) {
        chunked.extend(format!("{:x}\r\n", c.len()).as_bytes());
        chunked.extend(c);
        chunked.extend(b"\r\n");
    }
    let head = "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned();
    assert_eq!(answered_mid_body(&app, head, chunked).await, Some(413));
    // A body under the cap still runs.
    let owner = app.login(OWNER1).await;
    let out = app
        .gql(Some(&owner), "{ me { displayName } }", json!({}))
        .await;
    assert_eq!(outcome(&out), "OK", "{out}");
}

/// Only a signed-in caller may send a body past the JSON cap (a multipart upload), and the
/// token is checked before the body is read.
#[tokio::test]
async fn an_anonymous_upload_is_refused_before_its_body_is_read() {
    let app = spawn_app().await;
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\n\r\n",
        30 * 1024 * 1024
    );
    let mut body = b"--b\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n".to_vec();
    body.resize(2 * 1024 * 1024, b'a');
    assert_eq!(answered_mid_body(&app, head, body.clone()).await, Some(401));
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer forged\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\n\r\n",
        30 * 1024 * 1024
    );
    assert_eq!(answered_mid_body(&app, head, body).await, Some(401));
}
