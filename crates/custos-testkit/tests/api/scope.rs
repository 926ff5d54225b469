//! Record scope and field rights: reps see their own (and shared) customers, managers their
//! team's; a wrong-scope id answers 404 on every path; sensitive fields are masked, hidden or
//! revealable per role; reveals need a purpose and, for restricted fields, step-up.

use custos_testkit::{TestApp, spawn_app};
use serde_json::json;

struct World {
    t: TestApp,
    rep_a: String,
    rep_b: String,
    manager: String,
    a_customer: String,
    b_customer: String,
    b_id: String,
}

async fn world() -> World {
    let t = spawn_app().await;
    let east = t.post("/api/v1/teams", json!({"name": "East"})).await.body["id"].as_str().unwrap().to_string();
    let west = t.post("/api/v1/teams", json!({"name": "West"})).await.body["id"].as_str().unwrap().to_string();
    let mut ids = Vec::new();
    for (email, role, team) in [
        ("a@test.example", "sales_rep", &east),
        ("b@test.example", "sales_rep", &west),
        ("m@test.example", "sales_manager", &east),
    ] {
        let u = t.add_user(email, role).await;
        let r = t
            .request(
                "PATCH",
                &format!("/api/v1/users/{}", u.id),
                Some(&t.admin_token),
                Some(json!({"version": 1, "team_id": team})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        ids.push(u.id.to_string());
    }
    let rep_a = t.login("a@test.example").await;
    let rep_b = t.login("b@test.example").await;
    let manager = t.login("m@test.example").await;
    let a = t.request("POST", "/api/v1/customers", Some(&rep_a), Some(json!({"name": "A's customer", "mobile": "13812345678", "national_id": "11010519491231002X", "email": "x@example.com"}))).await;
    let b = t.request("POST", "/api/v1/customers", Some(&rep_b), Some(json!({"name": "B's customer"}))).await;
    assert_eq!((a.status, b.status), (201, 201));
    World {
        rep_a,
        rep_b,
        manager,
        a_customer: a.body["id"].as_str().unwrap().into(),
        b_customer: b.body["id"].as_str().unwrap().into(),
        b_id: ids[1].clone(),
        t,
    }
}

#[tokio::test]
async fn a_rep_cannot_read_list_count_export_or_guess_another_reps_customer() {
    let w = world().await;
    let t = &w.t;
    let other = format!("/api/v1/customers/{}", w.b_customer);
    t.request("GET", &other, Some(&w.rep_a), None).await.assert_problem(404);
    t.request("PATCH", &other, Some(&w.rep_a), Some(json!({"version": 1, "name": "x"}))).await.assert_problem(404);
    t.request("GET", &format!("{other}/contacts"), Some(&w.rep_a), None).await.assert_problem(404);
    t.request("POST", &format!("{other}/contacts"), Some(&w.rep_a), Some(json!({"name": "x"})))
        .await
        .assert_problem(404);
    t.request(
        "POST",
        &format!("{other}/reveal"),
        Some(&w.rep_a),
        Some(json!({"fields": ["email"], "purpose": "guessing an id here"})),
    )
    .await
    .assert_problem(404);
    // Unknown ids look exactly the same as out-of-scope ids.
    let unknown =
        t.request("GET", "/api/v1/customers/0190f0e0-0000-7000-8000-000000000000", Some(&w.rep_a), None).await;
    let hidden = t.request("GET", &other, Some(&w.rep_a), None).await;
    assert_eq!(unknown.body, hidden.body);

    let list = t.request("GET", "/api/v1/customers", Some(&w.rep_a), None).await;
    let names: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["A's customer"]);
    assert_eq!(t.request("GET", "/api/v1/customers/count", Some(&w.rep_a), None).await.body["count"], 1);
    // Admin sees both.
    assert_eq!(t.get("/api/v1/customers/count").await.body["count"], 2);
    // A share makes it visible to the rep it is shared with, and only to them.
    let share = t
        .request(
            "POST",
            &format!("/api/v1/customers/{}/shares", w.a_customer),
            Some(&w.rep_a),
            Some(json!({"user_id": w.b_id})),
        )
        .await;
    assert_eq!(share.status, 204, "{}", share.body);
    assert_eq!(
        t.request("GET", &format!("/api/v1/customers/{}", w.a_customer), Some(&w.rep_b), None).await.status,
        200
    );
    assert_eq!(t.request("GET", "/api/v1/customers/count", Some(&w.rep_b), None).await.body["count"], 2);
    let unshare = t
        .request("DELETE", &format!("/api/v1/customers/{}/shares/{}", w.a_customer, w.b_id), Some(&w.rep_a), None)
        .await;
    assert_eq!(unshare.status, 204);
    t.request("GET", &format!("/api/v1/customers/{}", w.a_customer), Some(&w.rep_b), None).await.assert_problem(404);
}

#[tokio::test]
async fn a_manager_sees_the_team_and_not_other_teams() {
    let w = world().await;
    let t = &w.t;
    assert_eq!(
        t.request("GET", &format!("/api/v1/customers/{}", w.a_customer), Some(&w.manager), None).await.status,
        200
    );
    t.request("GET", &format!("/api/v1/customers/{}", w.b_customer), Some(&w.manager), None).await.assert_problem(404);
    assert_eq!(t.request("GET", "/api/v1/customers/count", Some(&w.manager), None).await.body["count"], 1);
    let csv = t.request("GET", "/api/v1/customers/export", Some(&w.manager), None).await;
    assert_eq!(csv.status, 200);
}

#[tokio::test]
async fn fields_are_plain_masked_hidden_or_revealable_by_role() {
    let w = world().await;
    let t = &w.t;
    let path = format!("/api/v1/customers/{}", w.a_customer);
    // Rep: confidential plain, restricted masked (never revealable).
    let r = t.request("GET", &path, Some(&w.rep_a), None).await;
    assert_eq!(r.body["mobile"], "+8613812345678");
    assert_eq!(r.body["national_id"], "110105********002X");
    assert_eq!(r.body["masked"], json!(["national_id"]));
    t.request(
        "POST",
        &format!("{path}/reveal"),
        Some(&w.rep_a),
        Some(json!({"fields": ["national_id"], "purpose": "verify the customer's identity"})),
    )
    .await
    .assert_problem(403);
    // Support: confidential masked but revealable with a purpose, restricted hidden.
    t.add_user("s@test.example", "support").await;
    let support = t.login("s@test.example").await;
    let r = t.request("GET", &path, Some(&support), None).await;
    assert_eq!(r.body["mobile"], "138****5678");
    assert_eq!(r.body["email"], "x***@example.com");
    assert_eq!(r.body["national_id"], serde_json::Value::Null);
    assert_eq!(r.body["hidden"], json!(["national_id"]));
    let bad = t
        .request("POST", &format!("{path}/reveal"), Some(&support), Some(json!({"fields": ["mobile"], "purpose": "x"})))
        .await;
    bad.assert_problem(422);
    assert_eq!(bad.error_fields(), vec!["purpose"]);
    let rev = t
        .request(
            "POST",
            &format!("{path}/reveal"),
            Some(&support),
            Some(json!({"fields": ["mobile"], "purpose": "call back about ticket 4711"})),
        )
        .await;
    assert_eq!(rev.status, 200, "{}", rev.body);
    assert_eq!(rev.body["fields"]["mobile"], "+8613812345678");
    t.request(
        "POST",
        &format!("{path}/reveal"),
        Some(&support),
        Some(json!({"fields": ["national_id"], "purpose": "call back about ticket 4711"})),
    )
    .await
    .assert_problem(403);
    t.request(
        "POST",
        &format!("{path}/reveal"),
        Some(&support),
        Some(json!({"fields": ["name"], "purpose": "call back about ticket 4711"})),
    )
    .await
    .assert_problem(422);
    // Admin: restricted revealable, but only after a recent second factor.
    let r = t
        .request(
            "POST",
            &format!("{path}/reveal"),
            Some(&t.admin_token),
            Some(json!({"fields": ["national_id"], "purpose": "verify the customer's identity"})),
        )
        .await;
    r.assert_problem(403);
    assert_eq!(r.body["type"], "step_up_required");
    // Auditor: no customer data at all.
    t.add_user("au@test.example", "auditor").await;
    let auditor = t.login("au@test.example").await;
    t.request("GET", &path, Some(&auditor), None).await.assert_problem(403);
    // Contacts are redacted the same way.
    let k = t
        .request(
            "POST",
            &format!("{path}/contacts"),
            Some(&w.rep_a),
            Some(json!({"name": "K", "mobile": "13912345678"})),
        )
        .await;
    let kid = k.body["id"].as_str().unwrap();
    assert_eq!(
        t.request("GET", &format!("/api/v1/contacts/{kid}"), Some(&support), None).await.body["mobile"],
        "139****5678"
    );
}

#[tokio::test]
async fn reveals_are_rate_limited() {
    let mut w = world().await;
    w.t.set_role("support", custos_app::roles::RoleChanges::default()).await;
    let t = &w.t;
    t.add_user("s@test.example", "support").await;
    let support = t.login("s@test.example").await;
    let path = format!("/api/v1/customers/{}/reveal", w.a_customer);
    let mut statuses = Vec::new();
    for _ in 0..62 {
        statuses.push(
            t.request(
                "POST",
                &path,
                Some(&support),
                Some(json!({"fields": ["email"], "purpose": "bulk looking at e-mails"})),
            )
            .await
            .status,
        );
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 60);
    assert_eq!(statuses[60..], [429, 429]);
    let _ = &w.rep_b;
}
