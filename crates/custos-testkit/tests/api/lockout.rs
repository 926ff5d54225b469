//! Brute force and credential stuffing: per-account progressive delays then a lockout, its
//! reset on success, second-factor failures counted against the account, the per-address
//! limit, and byte-identical answers for unknown and known accounts.

use custos_crypto::totp;
use custos_domain::Clock;
use custos_testkit::{TEST_PASSWORD, TestApp, backends, spawn_app, spawn_app_on};
use serde_json::json;
use std::time::Duration;

async fn attempt(t: &TestApp, email: &str, password: &str) -> custos_testkit::ApiResponse {
    t.request("POST", "/api/v1/auth/login", None, Some(json!({"email": email, "password": password}))).await
}

fn retry_after(r: &custos_testkit::ApiResponse) -> u64 {
    r.assert_problem(429);
    assert_eq!(r.body["type"], "too_many_attempts");
    r.header("retry-after").expect("Retry-After").parse().unwrap()
}

#[tokio::test]
async fn failures_slow_down_then_lock_the_account_and_success_resets() {
    for backend in backends() {
        failures_slow_down_then_lock_the_account_and_success_resets_on(spawn_app_on(backend).await).await;
    }
}

async fn failures_slow_down_then_lock_the_account_and_success_resets_on(t: TestApp) {
    let email = "target@test.example";
    t.add_user(email, "sales_rep").await;
    // Three free failures (the default), then waits of 1, 2, 4 … seconds.
    for _ in 0..3 {
        attempt(&t, email, "wrong password").await.assert_problem(401);
    }
    let mut failures = 3;
    let mut wait = 1;
    while failures < 10 {
        let r = attempt(&t, email, "wrong password").await;
        assert_eq!(retry_after(&r), wait, "after {failures} failures");
        // Even the right password waits: nothing is checked while the account waits.
        assert_eq!(retry_after(&attempt(&t, email, TEST_PASSWORD).await), wait);
        t.clock.advance(Duration::from_secs(wait));
        attempt(&t, email, "wrong password").await.assert_problem(401);
        failures += 1;
        wait = (wait * 2).min(60);
    }
    // Ten failures: locked for 15 minutes (the default), even for the right password.
    let r = attempt(&t, email, TEST_PASSWORD).await;
    assert_eq!(retry_after(&r), 15 * 60);
    t.clock.advance(Duration::from_secs(14 * 60));
    assert_eq!(retry_after(&attempt(&t, email, TEST_PASSWORD).await), 60);
    t.clock.advance(Duration::from_secs(60));
    // The lock is over: the right password signs in and clears the record...
    let ok = attempt(&t, email, TEST_PASSWORD).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    // ...so the free failures are free again.
    for _ in 0..3 {
        attempt(&t, email, "wrong password").await.assert_problem(401);
    }
    retry_after(&attempt(&t, email, "wrong password").await);
    // Other accounts are unaffected.
    assert_eq!(attempt(&t, &t.admin_email, TEST_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn after_a_lock_expires_one_more_failure_locks_again() {
    let t = spawn_app().await;
    let email = "stubborn@test.example";
    t.add_user(email, "sales_rep").await;
    for _ in 0..10 {
        // Wait out every delay: only the count matters here.
        t.clock.advance(Duration::from_secs(61));
        attempt(&t, email, "wrong password").await.assert_problem(401);
    }
    t.clock.advance(Duration::from_secs(15 * 60));
    attempt(&t, email, "wrong password").await.assert_problem(401);
    assert_eq!(retry_after(&attempt(&t, email, TEST_PASSWORD).await), 15 * 60);
}

/// Status, headers that matter and the raw body bytes of a sign-in attempt.
async fn raw_attempt(t: &TestApp, email: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", t.base))
        .json(&json!({"email": email, "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let mut headers: Vec<(String, String)> = r
        .headers()
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "date" | "x-request-id"))
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    headers.sort();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn unknown_and_known_accounts_get_byte_identical_answers() {
    for backend in backends() {
        unknown_and_known_accounts_get_byte_identical_answers_on(spawn_app_on(backend).await).await;
    }
}

async fn unknown_and_known_accounts_get_byte_identical_answers_on(t: TestApp) {
    let known = "exists@test.example";
    t.add_user(known, "sales_rep").await;
    let unknown = "ghost@test.example";
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let a = raw_attempt(&t, known).await;
        let b = raw_attempt(&t, unknown).await;
        assert_eq!(a, b, "known and unknown accounts must answer alike");
        statuses.push(a.0);
        t.clock.advance(Duration::from_secs(1));
    }
    assert!(statuses.contains(&401) && statuses.contains(&429), "{statuses:?}");
}

#[tokio::test]
async fn second_factor_failures_count_against_the_account() {
    let t = spawn_app().await;
    let email = "guessed@test.example";
    t.add_user(email, "sales_rep").await;
    let token = t.login(email).await;
    let e = t.request("POST", "/api/v1/auth/mfa/totp", Some(&token), None).await;
    let secret = totp::base32_decode(e.body["secret"].as_str().unwrap()).unwrap();
    let now = totp::time_step(t.clock.now().unix_timestamp(), 30);
    let c = t
        .request(
            "POST",
            "/api/v1/auth/mfa/totp/confirm",
            Some(&token),
            Some(json!({"code": totp::code_at(&secret, now)})),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    let r = attempt(&t, email, TEST_PASSWORD).await;
    assert_eq!(r.body["status"], "mfa_required");
    let pending = r.body["token"].as_str().unwrap().to_string();
    // The right password is not held against the account; wrong codes are.
    for _ in 0..3 {
        let wrong = totp::code_at(&secret, now + 7);
        t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"code": wrong}))).await.assert_problem(422);
    }
    let r = t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"code": "000000"}))).await;
    assert_eq!(retry_after(&r), 1);
    // The same account record throttles the password step too.
    assert_eq!(retry_after(&attempt(&t, email, TEST_PASSWORD).await), 1);
    t.clock.advance(Duration::from_secs(1));
    let ok = t
        .request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"code": totp::code_at(&secret, now + 1)})))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
}

#[tokio::test]
async fn each_address_has_a_per_minute_limit() {
    let t = spawn_app().await;
    // 30 attempts a minute from one address (the default), each on a different account; the
    // harness's own admin sign-in was the first.
    for i in 0..29 {
        let r = attempt(&t, &format!("stuffed-{i}@test.example"), "leaked password").await;
        r.assert_problem(401);
    }
    let r = attempt(&t, "stuffed-29@test.example", "leaked password").await;
    let wait = retry_after(&r);
    assert!((1..=60).contains(&wait), "{wait}");
    // Even real credentials wait for the window to pass.
    retry_after(&attempt(&t, &t.admin_email, TEST_PASSWORD).await);
    t.clock.advance(Duration::from_secs(60));
    assert_eq!(attempt(&t, &t.admin_email, TEST_PASSWORD).await.status, 200);
}
