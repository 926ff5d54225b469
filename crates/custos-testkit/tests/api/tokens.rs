//! API tokens (scoped, CIDR-limited, expiring, revocable, shown once), role IP allow-lists,
//! offboarding, privilege changes ending sessions, and access reviews.

use custos_app::roles::RoleChanges;
use custos_testkit::spawn_app;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn tokens_are_scoped_limited_expiring_and_revocable() {
    let t = spawn_app().await;
    t.add_user("rep@test.example", "sales_rep").await;
    let rep = t.login("rep@test.example").await;
    let r = t
        .request(
            "POST",
            "/api/v1/tokens",
            Some(&rep),
            Some(json!({"name": "read only", "scopes": ["customer.read"], "expires_in_days": 1})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let read_only = r.body["token"].as_str().unwrap().to_string();
    let read_only_id = r.body["id"].as_str().unwrap().to_string();
    assert!(read_only.starts_with("ct_"));
    assert_eq!(t.request("GET", "/api/v1/customers", Some(&read_only), None).await.status, 200);
    t.request("POST", "/api/v1/customers", Some(&read_only), Some(json!({"name": "x"}))).await.assert_problem(403);
    // Listing never shows the secret again.
    let list = t.request("GET", "/api/v1/tokens", Some(&rep), None).await;
    assert_eq!(list.body["items"][0]["scopes"], json!(["customer.read"]));
    assert!(!list.body.to_string().contains(&read_only[3..]), "the secret is shown once only");
    // A scope the owner's role lacks cannot be asked for.
    let r = t
        .request("POST", "/api/v1/tokens", Some(&rep), Some(json!({"name": "greedy", "scopes": ["user.manage"]})))
        .await;
    r.assert_problem(422);
    // CIDR-limited tokens work only from inside their ranges (the test client is 127.0.0.1).
    let outside =
        t.request("POST", "/api/v1/tokens", Some(&rep), Some(json!({"name": "office", "cidrs": ["10.0.0.0/8"]}))).await;
    let inside =
        t.request("POST", "/api/v1/tokens", Some(&rep), Some(json!({"name": "local", "cidrs": ["127.0.0.0/8"]}))).await;
    t.request("GET", "/api/v1/me", Some(outside.body["token"].as_str().unwrap()), None).await.assert_problem(403);
    assert_eq!(t.request("GET", "/api/v1/me", Some(inside.body["token"].as_str().unwrap()), None).await.status, 200);
    t.request("POST", "/api/v1/tokens", Some(&rep), Some(json!({"name": "bad", "cidrs": ["not a range"]})))
        .await
        .assert_problem(422);
    // Revoked: refused at once.
    assert_eq!(t.request("DELETE", &format!("/api/v1/tokens/{read_only_id}"), Some(&rep), None).await.status, 204);
    t.request("GET", "/api/v1/customers", Some(&read_only), None).await.assert_problem(401);
    // Expired: refused after its lifetime.
    let short =
        t.request("POST", "/api/v1/tokens", Some(&rep), Some(json!({"name": "short", "expires_in_days": 1}))).await;
    let short = short.body["token"].as_str().unwrap_or_else(|| panic!("{}", short.body)).to_string();
    assert_eq!(t.request("GET", "/api/v1/me", Some(&short), None).await.status, 200);
    t.clock.advance(Duration::from_secs(86_400 + 60));
    t.request("GET", "/api/v1/me", Some(&short), None).await.assert_problem(401);
    // Someone else's token id is not found.
    let admin = t.login(&t.admin_email).await;
    let admin_tokens = t.request("GET", "/api/v1/tokens", Some(&admin), None).await;
    assert_eq!(admin_tokens.body["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn role_ip_allow_lists_apply_to_sessions_and_tokens() {
    let mut t = spawn_app().await;
    t.add_user("rep@test.example", "sales_rep").await;
    let token =
        t.request("POST", "/api/v1/tokens", Some(&t.login("rep@test.example").await), Some(json!({"name": "t"}))).await;
    let token = token.body["token"].as_str().unwrap().to_string();
    t.set_role("sales_rep", RoleChanges { ip_allow: Some(vec!["10.0.0.0/8".into()]), ..Default::default() }).await;
    let session = t.login("rep@test.example").await;
    t.request("GET", "/api/v1/me", Some(&session), None).await.assert_problem(403);
    t.request("GET", "/api/v1/me", Some(&token), None).await.assert_problem(403);
    t.set_role("sales_rep", RoleChanges { ip_allow: Some(vec!["127.0.0.1/32".into()]), ..Default::default() }).await;
    let session = t.login("rep@test.example").await;
    assert_eq!(t.request("GET", "/api/v1/me", Some(&session), None).await.status, 200);
    assert_eq!(t.request("GET", "/api/v1/me", Some(&token), None).await.status, 200);
    // Other roles are unaffected.
    assert_eq!(t.get("/api/v1/me").await.status, 200);
}

#[tokio::test]
async fn privilege_changes_end_sessions_and_offboarding_ends_everything() {
    let t = spawn_app().await;
    let u = t.add_user("rep@test.example", "sales_rep").await;
    let session = t.login("rep@test.example").await;
    let token = t.request("POST", "/api/v1/tokens", Some(&session), Some(json!({"name": "t"}))).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    // Changing the role needs role.manage and a recent second factor.
    let r = t
        .request(
            "PATCH",
            &format!("/api/v1/users/{}", u.id),
            Some(&t.admin_token),
            Some(json!({"version": 1, "role": "sales_manager"})),
        )
        .await;
    r.assert_problem(403);
    assert_eq!(r.body["type"], "step_up_required");
    // A team change is a privilege change too: the session ends, the token stays.
    let team = t.post("/api/v1/teams", json!({"name": "East"})).await.body["id"].as_str().unwrap().to_string();
    let r = t
        .request(
            "PATCH",
            &format!("/api/v1/users/{}", u.id),
            Some(&t.admin_token),
            Some(json!({"version": 1, "team_id": team})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    t.request("GET", "/api/v1/me", Some(&session), None).await.assert_problem(401);
    assert_eq!(t.request("GET", "/api/v1/me", Some(&token), None).await.status, 200);
    // Offboarding: every session and token at once.
    let again = t.login("rep@test.example").await;
    let r = t.post(&format!("/api/v1/users/{}/revoke-access", u.id), json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"sessions": 1, "tokens": 1}));
    t.request("GET", "/api/v1/me", Some(&again), None).await.assert_problem(401);
    t.request("GET", "/api/v1/me", Some(&token), None).await.assert_problem(401);
    // Disabling the account refuses sign-in like a wrong password.
    let r = t
        .request(
            "PATCH",
            &format!("/api/v1/users/{}", u.id),
            Some(&t.admin_token),
            Some(json!({"version": 2, "status": "disabled"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t
        .request(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "rep@test.example", "password": custos_testkit::TEST_PASSWORD})),
        )
        .await;
    r.assert_problem(401);
}

#[tokio::test]
async fn access_reviews_report_certify_revoke_and_overdue() {
    let t = spawn_app().await;
    let rep = t.add_user("rep@test.example", "sales_rep").await;
    let support = t.add_user("support@test.example", "support").await;
    let rep_session = t.login("rep@test.example").await;
    assert_eq!(t.request("GET", "/api/v1/customers", Some(&rep_session), None).await.status, 200);
    let report = t.get("/api/v1/access-reviews/report").await;
    assert_eq!(report.status, 200);
    let line =
        report.body["users"].as_array().unwrap().iter().find(|l| l["email"] == "rep@test.example").unwrap().clone();
    assert_eq!(line["role"], "sales_rep");
    assert_eq!(line["scope"], "own");
    assert!(line["last_login_at"].is_string());
    let unused: Vec<&str> =
        line["unused_permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(unused.contains(&"customer.create"), "{unused:?}");
    // Use is recorded in the background; give it a moment, then customer.read is no longer unused.
    let mut used = false;
    for _ in 0..50 {
        let r = t.get("/api/v1/access-reviews/report").await;
        let l = r.body["users"].as_array().unwrap().iter().find(|l| l["email"] == "rep@test.example").unwrap().clone();
        if !l["unused_permissions"].as_array().unwrap().iter().any(|p| p == "customer.read") {
            used = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(used, "customer.read was used and must not be reported unused");

    let review = t.post("/api/v1/access-reviews", json!({"due_in_days": 7})).await;
    assert_eq!(review.status, 201, "{}", review.body);
    let id = review.body["id"].as_str().unwrap().to_string();
    assert_eq!(review.body["items"].as_array().unwrap().len(), 3);
    let r = t
        .post(
            &format!("/api/v1/access-reviews/{id}/decisions"),
            json!({"user_id": support.id.to_string(), "decision": "certify"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t
        .post(
            &format!("/api/v1/access-reviews/{id}/decisions"),
            json!({"user_id": rep.id.to_string(), "decision": "revoke", "note": "left the company"}),
        )
        .await;
    assert_eq!(r.status, 200);
    t.request("GET", "/api/v1/me", Some(&rep_session), None).await.assert_problem(401);
    t.post(
        &format!("/api/v1/access-reviews/{id}/decisions"),
        json!({"user_id": rep.id.to_string(), "decision": "certify"}),
    )
    .await
    .assert_problem(404);
    t.post(
        &format!("/api/v1/access-reviews/{id}/decisions"),
        json!({"user_id": support.id.to_string(), "decision": "maybe"}),
    )
    .await
    .assert_problem(422);
    // Still open (the admin's own line is pending); overdue once its date passes.
    let list = t.get("/api/v1/access-reviews").await;
    assert_eq!(list.body["items"][0]["overdue"], false);
    t.clock.advance(Duration::from_secs(8 * 86_400));
    let admin = t.login(&t.admin_email).await;
    let list = t.request("GET", "/api/v1/access-reviews", Some(&admin), None).await;
    assert_eq!(list.body["items"][0]["overdue"], true);
}
