//! The second factor over HTTP: TOTP enrolment (QR as SVG, otpauth URI), sign-in that
//! answers `mfa_required` until a code is given, replay refusal, one-time recovery codes,
//! a pending session that opens nothing and is replaced (never upgraded), step-up with its
//! 5-minute window, and roles that require a second factor.

use custos_crypto::totp;
use custos_domain::Clock;
use custos_testkit::{TEST_PASSWORD, TestApp, backends, spawn_app, spawn_app_on};
use serde_json::{Value, json};
use std::time::Duration;

/// The current TOTP step of the test clock.
fn step(t: &TestApp) -> i64 {
    totp::time_step(t.clock.now().unix_timestamp(), totp::STEP_SECS)
}

fn code(secret: &str, step: i64) -> String {
    totp::code_at(&totp::base32_decode(secret).expect("base32 secret"), step)
}

async fn sign_in(t: &TestApp, email: &str) -> Value {
    let r =
        t.request("POST", "/api/v1/auth/login", None, Some(json!({"email": email, "password": TEST_PASSWORD}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// A user with a confirmed authenticator: (their secret, a session token, recovery codes).
async fn enrolled_user(t: &TestApp, email: &str) -> (String, String, Vec<String>) {
    t.add_user(email, "sales_rep").await;
    let token = t.login(email).await;
    let e = t.request("POST", "/api/v1/auth/mfa/totp", Some(&token), None).await;
    assert_eq!(e.status, 200, "{}", e.body);
    let secret = e.body["secret"].as_str().unwrap().to_string();
    let c = t
        .request("POST", "/api/v1/auth/mfa/totp/confirm", Some(&token), Some(json!({"code": code(&secret, step(t))})))
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert!(c.body.get("sign_in").is_none(), "an active session stays the same session");
    let codes: Vec<String> =
        c.body["recovery_codes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    // The step used to confirm is spent: move on so that sign-ins get a fresh one.
    t.clock.advance(Duration::from_secs(30));
    (secret, token, codes)
}

#[tokio::test]
async fn totp_enrolment_gives_an_svg_qr_code_and_a_parsable_otpauth_uri() {
    let t = spawn_app().await;
    let r = t.request("POST", "/api/v1/auth/mfa/totp", Some(&t.admin_token), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let svg = r.body["qr_svg"].as_str().unwrap();
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
    let secret = r.body["secret"].as_str().unwrap();
    assert_eq!(totp::base32_decode(secret).unwrap().len(), 20, "160-bit secret");
    let uri = reqwest::Url::parse(r.body["otpauth_uri"].as_str().unwrap()).unwrap();
    assert_eq!(uri.scheme(), "otpauth");
    assert_eq!(uri.host_str(), Some("totp"));
    assert_eq!(uri.path(), "/Custos:admin%40test.example");
    let q: std::collections::HashMap<_, _> = uri.query_pairs().into_owned().collect();
    assert_eq!(q["secret"], secret);
    assert_eq!(q["issuer"], "Custos");
    assert_eq!((q["algorithm"].as_str(), q["digits"].as_str(), q["period"].as_str()), ("SHA1", "6", "30"));
    // Not in force until confirmed: sign-in still needs only the password.
    assert_eq!(sign_in(&t, &t.admin_email).await["status"], "ok");
    // A wrong first code is refused and changes nothing.
    let bad = t
        .request(
            "POST",
            "/api/v1/auth/mfa/totp/confirm",
            Some(&t.admin_token),
            Some(json!({"code": code(secret, step(&t) + 5)})),
        )
        .await;
    bad.assert_problem(422);
    assert_eq!(sign_in(&t, &t.admin_email).await["status"], "ok");
    // Once confirmed, a second set-up cannot replace it.
    let ok = t
        .request(
            "POST",
            "/api/v1/auth/mfa/totp/confirm",
            Some(&t.admin_token),
            Some(json!({"code": code(secret, step(&t))})),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let codes = ok.body["recovery_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.as_str().unwrap().len() == 14), "{codes:?}");
    t.request("POST", "/api/v1/auth/mfa/totp", Some(&t.admin_token), None).await.assert_problem(409);
}

#[tokio::test]
async fn sign_in_answers_mfa_required_until_a_fresh_code_is_given() {
    for backend in backends() {
        sign_in_answers_mfa_required_until_a_fresh_code_is_given_on(spawn_app_on(backend).await).await;
    }
}

async fn sign_in_answers_mfa_required_until_a_fresh_code_is_given_on(t: TestApp) {
    let email = "rep@test.example";
    let (secret, _, _) = enrolled_user(&t, email).await;

    let first = sign_in(&t, email).await;
    assert_eq!(first["status"], "mfa_required", "{first}");
    let pending = first["token"].as_str().unwrap().to_string();
    // The pending token opens nothing but the MFA step.
    t.request("GET", "/api/v1/me", Some(&pending), None).await.assert_problem(401);
    t.request("GET", "/api/v1/customers", Some(&pending), None).await.assert_problem(401);
    t.request("DELETE", "/api/v1/auth/mfa/totp", Some(&pending), None).await.assert_problem(401);
    // A wrong code is refused.
    let wrong =
        t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"code": code(&secret, step(&t) + 3)}))).await;
    wrong.assert_problem(422);
    assert_eq!(wrong.body["errors"][0]["field"], "code");

    let now_code = code(&secret, step(&t));
    let done = t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"code": now_code}))).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["status"], "ok");
    let session = done.body["token"].as_str().unwrap().to_string();
    assert_ne!(session, pending, "a new session, never the pending one upgraded");
    assert_eq!(t.request("GET", "/api/v1/me", Some(&session), None).await.status, 200);
    // The pending token is spent (fixation defence) and still opens nothing.
    t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"code": code(&secret, step(&t) + 1)})))
        .await
        .assert_problem(401);
    t.request("GET", "/api/v1/me", Some(&pending), None).await.assert_problem(401);

    // Replay: the same code in another sign-in is refused...
    let again = sign_in(&t, email).await["token"].as_str().unwrap().to_string();
    t.request("POST", "/api/v1/auth/mfa", Some(&again), Some(json!({"code": now_code}))).await.assert_problem(422);
    // ...while the next step's code works (one step of drift is accepted).
    let next =
        t.request("POST", "/api/v1/auth/mfa", Some(&again), Some(json!({"code": code(&secret, step(&t) + 1)}))).await;
    assert_eq!(next.status, 200, "{}", next.body);
    // Having accepted step n+1, the code of step n is refused for good.
    t.clock.advance(Duration::from_secs(30));
    let third = sign_in(&t, email).await["token"].as_str().unwrap().to_string();
    t.request("POST", "/api/v1/auth/mfa", Some(&third), Some(json!({"code": code(&secret, step(&t) - 1)})))
        .await
        .assert_problem(422);
    // Exactly one factor is required.
    t.request("POST", "/api/v1/auth/mfa", Some(&third), Some(json!({}))).await.assert_problem(422);
}

#[tokio::test]
async fn pending_sign_ins_end_after_five_minutes() {
    let t = spawn_app().await;
    let email = "slow@test.example";
    let (secret, _, _) = enrolled_user(&t, email).await;
    let pending = sign_in(&t, email).await["token"].as_str().unwrap().to_string();
    t.clock.advance(Duration::from_secs(5 * 60 + 1));
    t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"code": code(&secret, step(&t))})))
        .await
        .assert_problem(401);
}

#[tokio::test]
async fn recovery_codes_work_once_and_are_replaced_with_step_up() {
    for backend in backends() {
        recovery_codes_work_once_and_are_replaced_with_step_up_on(spawn_app_on(backend).await).await;
    }
}

async fn recovery_codes_work_once_and_are_replaced_with_step_up_on(t: TestApp) {
    let email = "lost-phone@test.example";
    let (secret, session, codes) = enrolled_user(&t, email).await;
    let pending = sign_in(&t, email).await["token"].as_str().unwrap().to_string();
    // Typed loosely: upper case, spaces instead of dashes.
    let typed = codes[0].to_uppercase().replace('-', " ");
    let r = t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"recovery_code": typed}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let pending = sign_in(&t, email).await["token"].as_str().unwrap().to_string();
    let r = t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"recovery_code": codes[0]}))).await;
    r.assert_problem(422);
    assert_eq!(r.body["errors"][0]["field"], "recovery_code");
    let r = t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"recovery_code": codes[1]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // New codes need step-up (confirming the authenticator counted as one, 5 minutes ago
    // now); the old codes then stop working.
    t.clock.advance(Duration::from_secs(5 * 60));
    let r = t.request("POST", "/api/v1/auth/mfa/recovery-codes", Some(&session), None).await;
    r.assert_problem(403);
    assert_eq!(r.body["type"], "step_up_required");
    let up =
        t.request("POST", "/api/v1/auth/step-up", Some(&session), Some(json!({"code": code(&secret, step(&t))}))).await;
    assert_eq!(up.status, 200, "{}", up.body);
    let fresh = t.request("POST", "/api/v1/auth/mfa/recovery-codes", Some(&session), None).await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    let fresh: Vec<String> =
        fresh.body["recovery_codes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert_eq!(fresh.len(), 10);
    let pending = sign_in(&t, email).await["token"].as_str().unwrap().to_string();
    t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"recovery_code": codes[2]})))
        .await
        .assert_problem(422);
    let r = t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"recovery_code": fresh[0]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn step_up_allows_sensitive_actions_for_five_minutes_in_sessions_only() {
    let t = spawn_app().await;
    let email = "careful@test.example";
    let (secret, session, _) = enrolled_user(&t, email).await;
    // Removing the authenticator is a sensitive action. Confirming the authenticator
    // counted as a second-factor check; once its 5 minutes are over, step-up is due.
    t.clock.advance(Duration::from_secs(5 * 60));
    let r = t.request("DELETE", "/api/v1/auth/mfa/totp", Some(&session), None).await;
    r.assert_problem(403);
    assert_eq!(r.body["type"], "step_up_required");
    // A wrong code does not step up.
    t.request("POST", "/api/v1/auth/step-up", Some(&session), Some(json!({"code": code(&secret, step(&t) + 4)})))
        .await
        .assert_problem(422);
    let up =
        t.request("POST", "/api/v1/auth/step-up", Some(&session), Some(json!({"code": code(&secret, step(&t))}))).await;
    assert_eq!(up.status, 200, "{}", up.body);
    assert!(up.body["valid_until"].is_string());
    // Five minutes later the window has closed.
    t.clock.advance(Duration::from_secs(5 * 60 + 1));
    let r = t.request("DELETE", "/api/v1/auth/mfa/totp", Some(&session), None).await;
    r.assert_problem(403);
    assert_eq!(r.body["type"], "step_up_required");
    // Within the window it is allowed.
    let up =
        t.request("POST", "/api/v1/auth/step-up", Some(&session), Some(json!({"code": code(&secret, step(&t))}))).await;
    assert_eq!(up.status, 200, "{}", up.body);
    t.clock.advance(Duration::from_secs(4 * 60));
    assert_eq!(t.request("DELETE", "/api/v1/auth/mfa/totp", Some(&session), None).await.status, 204);
    // Without an authenticator, sign-in is back to the password alone and step-up has nothing to check.
    assert_eq!(sign_in(&t, email).await["status"], "ok");
    t.request("POST", "/api/v1/auth/step-up", Some(&session), Some(json!({"code": "123456"})))
        .await
        .assert_problem(409);

    // API tokens cannot step up.
    let (secret, _, _) = enrolled_user(&t, "robot-owner@test.example").await;
    let issued = t
        .app
        .issue_token(
            &custos_app::Actor::operator(),
            "robot-owner@test.example",
            &custos_app::users::TokenRequest { name: "robot".into(), ..Default::default() },
        )
        .await
        .unwrap();
    let r = t
        .request("POST", "/api/v1/auth/step-up", Some(&issued.token), Some(json!({"code": code(&secret, step(&t))})))
        .await;
    r.assert_problem(403);
    assert_eq!(r.body["type"], "step_up_required");
}

#[tokio::test]
async fn a_role_that_requires_mfa_forces_enrolment_at_sign_in() {
    for backend in backends() {
        a_role_that_requires_mfa_forces_enrolment_at_sign_in_on(spawn_app_on(backend).await).await;
    }
}

async fn a_role_that_requires_mfa_forces_enrolment_at_sign_in_on(mut t: TestApp) {
    let email = "support@test.example";
    t.add_user(email, "support").await;
    t.set_role("support", custos_app::roles::RoleChanges { require_mfa: Some(true), ..Default::default() }).await;

    let r = sign_in(&t, email).await;
    assert_eq!(r["status"], "mfa_enrollment_required", "{r}");
    let pending = r["token"].as_str().unwrap().to_string();
    t.request("GET", "/api/v1/me", Some(&pending), None).await.assert_problem(401);
    // Nothing to complete with yet.
    t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"code": "123456"}))).await.assert_problem(409);
    // The pending session may enrol, and confirming completes the sign-in with a new session.
    let e = t.request("POST", "/api/v1/auth/mfa/totp", Some(&pending), None).await;
    assert_eq!(e.status, 200, "{}", e.body);
    let secret = e.body["secret"].as_str().unwrap().to_string();
    let c = t
        .request(
            "POST",
            "/api/v1/auth/mfa/totp/confirm",
            Some(&pending),
            Some(json!({"code": code(&secret, step(&t))})),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(c.body["recovery_codes"].as_array().unwrap().len(), 10);
    assert_eq!(c.body["sign_in"]["status"], "ok");
    let session = c.body["sign_in"]["token"].as_str().unwrap().to_string();
    assert_ne!(session, pending);
    assert_eq!(t.request("GET", "/api/v1/me", Some(&session), None).await.status, 200);
    t.request("GET", "/api/v1/me", Some(&pending), None).await.assert_problem(401);
    t.request("POST", "/api/v1/auth/mfa/totp", Some(&pending), None).await.assert_problem(401);
    // From now on the user signs in with the code, like any enrolled user; a pending sign-in
    // of an enrolled user cannot set up a different authenticator.
    t.clock.advance(Duration::from_secs(30));
    let r = sign_in(&t, email).await;
    assert_eq!(r["status"], "mfa_required");
    let pending = r["token"].as_str().unwrap().to_string();
    t.request("POST", "/api/v1/auth/mfa/totp", Some(&pending), None).await.assert_problem(403);
    let done =
        t.request("POST", "/api/v1/auth/mfa", Some(&pending), Some(json!({"code": code(&secret, step(&t))}))).await;
    assert_eq!(done.status, 200, "{}", done.body);
}

#[tokio::test]
async fn cookie_sign_in_with_mfa_swaps_the_pending_cookie_for_a_new_one() {
    let t = spawn_app().await;
    let email = "browser@test.example";
    let (secret, _, _) = enrolled_user(&t, email).await;
    let http = reqwest::Client::new();
    let login = http
        .post(format!("{}/api/v1/auth/login", t.base))
        .json(&json!({"email": email, "password": TEST_PASSWORD, "session": "cookie"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let pending_cookie = cookie_pair(&login);
    let body: Value = login.json().await.unwrap();
    assert_eq!(body["status"], "mfa_required");
    assert!(body.get("token").is_none(), "cookie sign-ins never show a token");
    let me = http.get(format!("{}/api/v1/me", t.base)).header("cookie", &pending_cookie).send().await.unwrap();
    assert_eq!(me.status(), 401);
    let done = http
        .post(format!("{}/api/v1/auth/mfa", t.base))
        .header("cookie", &pending_cookie)
        .json(&json!({"code": code(&secret, step(&t))}))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    let session_cookie = cookie_pair(&done);
    assert_ne!(session_cookie, pending_cookie);
    let me = http.get(format!("{}/api/v1/me", t.base)).header("cookie", &session_cookie).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let me = http.get(format!("{}/api/v1/me", t.base)).header("cookie", &pending_cookie).send().await.unwrap();
    assert_eq!(me.status(), 401);
}

/// `name=value` of the response's Set-Cookie.
pub fn cookie_pair(r: &reqwest::Response) -> String {
    let c = r.headers().get("set-cookie").expect("set-cookie").to_str().unwrap();
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict"), "{c}");
    c.split(';').next().unwrap().to_string()
}
