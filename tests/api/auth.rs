//! Sign-in, token rotation and revocation, throttling.
use crate::helpers::*;
use serde_json::json;

const LOGIN: &str = "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken refreshToken } }";
const REFRESH: &str =
    "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }";
const ME: &str = "{ me { phone roles } }";

#[tokio::test]
async fn login_gives_tokens_that_identify_the_person() {
    let app = spawn_app().await;
    let token = app.login(OWNER1).await;
    let me = app.gql(Some(&token), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["phone"], OWNER1);
    assert_eq!(me["data"]["me"]["roles"], json!(["OWNER"]));
    let staff = app.login(MANAGER).await;
    let me = app.gql(Some(&staff), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["roles"], json!(["MANAGER"]));
}

#[tokio::test]
async fn wrong_phone_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong_pw = app
        .gql(None, LOGIN, json!({ "p": OWNER1, "w": "not-the-password" }))
        .await;
    let wrong_phone = app
        .gql(None, LOGIN, json!({ "p": "13700000000", "w": PASSWORD }))
        .await;
    assert_eq!(error_code(&wrong_pw), "UNAUTHENTICATED");
    assert_eq!(
        wrong_pw["errors"][0]["message"],
        wrong_phone["errors"][0]["message"]
    );
    assert_eq!(
        wrong_pw["errors"][0]["extensions"],
        wrong_phone["errors"][0]["extensions"]
    );
    assert!(wrong_pw["data"].is_null());
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let first = app.login_tokens(OWNER1).await;
    let old_refresh = first["refreshToken"].as_str().unwrap();
    let rotated = app.gql(None, REFRESH, json!({ "t": old_refresh })).await;
    assert_eq!(outcome(&rotated), "OK", "{rotated}");
    let new_access = rotated["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_refresh = rotated["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        outcome(&app.gql(Some(&new_access), ME, json!({})).await),
        "OK"
    );

    // The old refresh token again: refused, and the whole session dies with it.
    let replay = app.gql(None, REFRESH, json!({ "t": old_refresh })).await;
    assert_eq!(error_code(&replay), "UNAUTHENTICATED");
    let after = app.gql(None, REFRESH, json!({ "t": new_refresh })).await;
    assert_eq!(error_code(&after), "UNAUTHENTICATED");
    let me = app.gql(Some(&new_access), ME, json!({})).await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED");
    assert_eq!(me["errors"][0]["extensions"]["reason"], "REVOKED");
}

#[tokio::test]
async fn logout_ends_the_session_at_once() {
    let app = spawn_app().await;
    let tokens = app.login_tokens(OWNER1).await;
    let access = tokens["accessToken"].as_str().unwrap();
    let out = app
        .gql(Some(access), "mutation { logout }", json!({}))
        .await;
    assert_eq!(out["data"]["logout"], true);
    assert_eq!(
        error_code(&app.gql(Some(access), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    let refresh = app
        .gql(None, REFRESH, json!({ "t": tokens["refreshToken"] }))
        .await;
    assert_eq!(error_code(&refresh), "UNAUTHENTICATED");
}

#[tokio::test]
async fn forged_and_expired_tokens_are_refused() {
    let secret = "a-known-secret-for-this-test-only-0123456789";
    let app = spawn_app_with(|c| c.jwt_secret = secret.to_owned().into()).await;
    let valid = app.login(OWNER1).await;
    // Same claims, another key.
    let other = guanjia::auth::jwt::JwtKeys::new(b"some-other-secret-entirely-0123456789");
    let (forged, _) = other
        .issue(1, "whatever", std::time::Duration::from_secs(600))
        .unwrap();
    let out = app.gql(Some(&forged), ME, json!({})).await;
    assert_eq!(error_code(&out), "UNAUTHENTICATED");
    assert_eq!(out["errors"][0]["extensions"]["reason"], "INVALID");
    // Expired an hour ago, signed with the right key.
    let now = chrono::Utc::now().timestamp();
    let claims =
        json!({ "sub": "1", "sid": "x", "iat": now - 7200, "exp": now - 3600, "typ": "access" });
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap();
    let out = app.gql(Some(&expired), ME, json!({})).await;
    assert_eq!(out["errors"][0]["extensions"]["reason"], "EXPIRED");
    // Garbage in the header.
    let out = app.gql(Some("not.a.jwt"), ME, json!({})).await;
    assert_eq!(error_code(&out), "UNAUTHENTICATED");
    // Anonymous.
    assert_eq!(
        app.gql(None, ME, json!({})).await["errors"][0]["extensions"]["reason"],
        "MISSING"
    );
    assert_eq!(outcome(&app.gql(Some(&valid), ME, json!({})).await), "OK");
}

#[tokio::test]
async fn failed_logins_are_throttled_per_phone() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let out = app
            .gql(None, LOGIN, json!({ "p": OWNER1, "w": "wrong-password" }))
            .await;
        assert_eq!(error_code(&out), "UNAUTHENTICATED");
    }
    // Locked now, even with the right password.
    let out = app
        .gql(None, LOGIN, json!({ "p": OWNER1, "w": PASSWORD }))
        .await;
    assert_eq!(error_code(&out), "RATE_LIMITED");
    let wait = out["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    assert!(wait > 0 && wait <= 15 * 60, "retry after {wait}");
    // Another phone from the same address is not locked by that phone's failures.
    assert_eq!(
        outcome(
            &app.gql(None, LOGIN, json!({ "p": OWNER2, "w": PASSWORD }))
                .await
        ),
        "OK"
    );
}

#[tokio::test]
async fn failed_logins_are_throttled_per_address() {
    let app = spawn_app_with(|c| c.throttle.max_failures_per_address = 3).await;
    for phone in ["13700000001", "13700000002", "13700000003"] {
        let out = app
            .gql(None, LOGIN, json!({ "p": phone, "w": "wrong-password" }))
            .await;
        assert_eq!(error_code(&out), "UNAUTHENTICATED");
    }
    let out = app
        .gql(None, LOGIN, json!({ "p": OWNER1, "w": PASSWORD }))
        .await;
    assert_eq!(error_code(&out), "RATE_LIMITED");
}

#[tokio::test]
async fn a_malformed_phone_is_bad_input() {
    let app = spawn_app().await;
    let out = app
        .gql(None, LOGIN, json!({ "p": "12345", "w": PASSWORD }))
        .await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT");
    assert_eq!(out["errors"][0]["extensions"]["field"], "phone");
}

#[tokio::test]
async fn parallel_wrong_passwords_are_all_counted() {
    // Address limit out of the way: this is about the phone's count.
    let app = spawn_app_with(|c| c.throttle.max_failures_per_address = 1000).await;
    let guesses = (0..20).map(|i| {
        let app = &app;
        async move {
            let w = format!("wrong-password-{i}");
            error_code(&app.gql(None, LOGIN, json!({ "p": OWNER1, "w": w })).await).to_owned()
        }
    });
    let codes = futures_util::future::join_all(guesses).await;
    let checked = codes.iter().filter(|c| *c == "UNAUTHENTICATED").count();
    let refused = codes.iter().filter(|c| *c == "RATE_LIMITED").count();
    assert_eq!((checked, refused), (5, 15), "{codes:?}");
    // And the phone stays locked for the right password too.
    let out = app
        .gql(None, LOGIN, json!({ "p": OWNER1, "w": PASSWORD }))
        .await;
    assert_eq!(error_code(&out), "RATE_LIMITED");
}

#[tokio::test]
async fn successful_sign_ins_do_not_use_up_the_address() {
    let app = spawn_app_with(|c| c.throttle.max_failures_per_address = 3).await;
    for _ in 0..5 {
        let out = app
            .gql(None, LOGIN, json!({ "p": OWNER1, "w": PASSWORD }))
            .await;
        assert_eq!(outcome(&out), "OK");
    }
    let out = app
        .gql(None, LOGIN, json!({ "p": OWNER2, "w": "wrong" }))
        .await;
    assert_eq!(error_code(&out), "UNAUTHENTICATED");
}
