//! Sessions: a sign-in never carries over the session a client presents (fixation), and a
//! user lists and ends their own sessions, and nobody else's.

use custos_testkit::{TEST_PASSWORD, TestApp, backends, spawn_app, spawn_app_on};
use serde_json::json;

#[tokio::test]
async fn signing_in_never_reuses_the_cookie_the_client_presents() {
    let t = spawn_app().await;
    let http = reqwest::Client::new();
    let login = |cookie: Option<String>| {
        let mut rb = http
            .post(format!("{}/api/v1/auth/login", t.base))
            .json(&json!({"email": t.admin_email, "password": TEST_PASSWORD, "session": "cookie"}));
        if let Some(c) = cookie {
            rb = rb.header("cookie", c);
        }
        rb.send()
    };
    let first = login(None).await.unwrap();
    let old = first.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    // A planted or earlier cookie is sent along with the next sign-in.
    let second = login(Some(old.clone())).await.unwrap();
    assert_eq!(second.status(), 200);
    let new = second.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    assert_ne!(new, old, "a new session token on every sign-in");
    let me = |c: String| http.get(format!("{}/api/v1/me", t.base)).header("cookie", c).send();
    assert_eq!(me(new).await.unwrap().status(), 200);
    assert_eq!(me(old).await.unwrap().status(), 401, "the presented session does not live on");
    // A planted token that is not a session at all is simply ignored.
    let third = login(Some("custos_session=cs_planted".into())).await.unwrap();
    assert_eq!(third.status(), 200);
}

#[tokio::test]
async fn users_list_and_end_their_own_sessions_only() {
    for backend in backends() {
        users_list_and_end_their_own_sessions_only_on(spawn_app_on(backend).await).await;
    }
}

async fn users_list_and_end_their_own_sessions_only_on(t: TestApp) {
    let email = "multi@test.example";
    t.add_user(email, "sales_rep").await;
    let laptop = t.login(email).await;
    let phone = t.login(email).await;

    let r = t.request("GET", "/api/v1/me/sessions", Some(&laptop), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", r.body);
    let current: Vec<_> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["state"], "active");
    assert_eq!(current[0]["ip"], "127.0.0.1");
    assert!(current[0]["created_at"].is_string() && current[0]["last_seen_at"].is_string());
    let text = r.body.to_string();
    assert!(!text.contains(&laptop[3..]) && !text.contains(&phone[3..]) && !text.contains("hash"), "{text}");
    let phone_id = items.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_string();

    // Another user can neither see nor end them.
    let other = t.request("GET", "/api/v1/me/sessions", Some(&t.admin_token), None).await;
    assert!(!other.body.to_string().contains(&phone_id));
    t.request("DELETE", &format!("/api/v1/me/sessions/{phone_id}"), Some(&t.admin_token), None)
        .await
        .assert_problem(404);
    assert_eq!(t.request("GET", "/api/v1/me", Some(&phone), None).await.status, 200);

    // The owner ends the phone's session.
    let r = t.request("DELETE", &format!("/api/v1/me/sessions/{phone_id}"), Some(&laptop), None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    t.request("GET", "/api/v1/me", Some(&phone), None).await.assert_problem(401);
    t.request("DELETE", &format!("/api/v1/me/sessions/{phone_id}"), Some(&laptop), None).await.assert_problem(404);
    t.request("DELETE", "/api/v1/me/sessions/not-a-session", Some(&laptop), None).await.assert_problem(404);
    let r = t.request("GET", "/api/v1/me/sessions", Some(&laptop), None).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    // Ending the current session is signing out.
    let me = r.body["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(t.request("DELETE", &format!("/api/v1/me/sessions/{me}"), Some(&laptop), None).await.status, 204);
    t.request("GET", "/api/v1/me", Some(&laptop), None).await.assert_problem(401);
}
