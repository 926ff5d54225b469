//! Quotas and attainment over HTTP: quotas are set, changed and removed with period parsing
//! and every bad field reported; reps see only their own quota and managers their team's;
//! attainment sums won deals closed within the period in the quota's currency (deals made
//! through the deals API). The world and sales built here serve `leaderboard.rs` too.

use custos_domain::Clock;
use custos_testkit::{Backend, TestApp, backends, spawn_app_on};
use serde_json::{Value, json};
use std::time::Duration;

pub(crate) struct World {
    pub(crate) t: TestApp,
    pub(crate) rep_a: String,
    pub(crate) rep_b: String,
    pub(crate) manager: String,
    pub(crate) a_id: String,
    pub(crate) b_id: String,
    pub(crate) m_id: String,
    pub(crate) east: String,
    pub(crate) west: String,
}

pub(crate) async fn world(backend: Backend) -> World {
    let t = spawn_app_on(backend).await;
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
    World {
        rep_a: t.login("a@test.example").await,
        rep_b: t.login("b@test.example").await,
        manager: t.login("m@test.example").await,
        a_id: ids[0].clone(),
        b_id: ids[1].clone(),
        m_id: ids[2].clone(),
        east,
        west,
        t,
    }
}

fn this_month(t: &TestApp) -> String {
    let d = t.clock.now().date();
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

async fn quota(t: &TestApp, token: &str, body: Value) -> Value {
    let r = t.request("POST", "/api/v1/quotas", Some(token), Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

pub(crate) fn field<'a>(items: &'a Value, key: &str, id: &str) -> &'a Value {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i[key].as_str() == Some(id))
        .unwrap_or_else(|| panic!("{id} not in {items}"))
}

#[tokio::test]
async fn quotas_are_set_changed_and_removed_with_periods_parsed() {
    for backend in backends() {
        let w = world(backend).await;
        let t = &w.t;
        let q = quota(t, &t.admin_token, json!({"user_id": w.a_id, "period": "2026-11", "amount": "50000"})).await;
        assert_eq!((q["starts_on"].as_str(), q["ends_on"].as_str()), (Some("2026-11-01"), Some("2026-12-01")));
        assert_eq!(
            (q["amount"].as_str(), q["currency"].as_str(), q["version"].as_i64()),
            (Some("50000.00"), Some("CNY"), Some(1))
        );
        let quarter = quota(
            t,
            &t.admin_token,
            json!({"user_id": w.a_id, "period": "2026-q4", "amount": "150000", "currency": "usd"}),
        )
        .await;
        assert_eq!(quarter["period"], "2026-Q4");
        assert_eq!(
            (quarter["starts_on"].as_str(), quarter["ends_on"].as_str()),
            (Some("2026-10-01"), Some("2027-01-01"))
        );
        assert_eq!(quarter["currency"], "USD");
        let team = quota(t, &t.admin_token, json!({"team_id": w.east, "period": "2026-12", "amount": "1"})).await;
        assert_eq!((team["team_id"].as_str(), team["user_id"].is_null()), (Some(w.east.as_str()), true));
        let dup = t.post("/api/v1/quotas", json!({"user_id": w.a_id, "period": "2026-11", "amount": "1"})).await;
        dup.assert_problem(409);
        assert_eq!(t.get("/api/v1/quotas").await.body["items"].as_array().unwrap().len(), 3, "{backend:?}");
        assert_eq!(t.get("/api/v1/quotas?period=2026-11").await.body["items"].as_array().unwrap().len(), 1);

        let path = format!("/api/v1/quotas/{}", q["id"].as_str().unwrap());
        let r = t
            .request_with(
                "PATCH",
                &path,
                Some(&t.admin_token),
                Some(json!({"amount": "60000.5"})),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!((r.body["amount"].as_str(), r.body["version"].as_i64()), (Some("60000.50"), Some(2)));
        assert_eq!(r.header("etag").unwrap(), "\"2\"");
        t.request_with("PATCH", &path, Some(&t.admin_token), Some(json!({"amount": "1"})), &[("if-match", "\"1\"")])
            .await
            .assert_problem(412);
        let bad = t
            .request(
                "PATCH",
                &path,
                Some(&t.admin_token),
                Some(json!({"version": 2, "amount": "1.234", "currency": "XXX"})),
            )
            .await;
        bad.assert_problem(422);
        assert_eq!(bad.error_fields(), vec!["currency", "amount"]);
        assert_eq!(t.get("/api/v1/quotas?period=2026-11").await.body["items"][0]["amount"], "60000.50");
        t.request_with("DELETE", &path, Some(&t.admin_token), None, &[("if-match", "\"1\"")]).await.assert_problem(412);
        assert_eq!(t.request("DELETE", &path, Some(&t.admin_token), None).await.status, 204);
        t.request("DELETE", &path, Some(&t.admin_token), None).await.assert_problem(404);
        assert_eq!(t.get("/api/v1/quotas?period=2026-11").await.body["items"], json!([]));
    }
}

#[tokio::test]
async fn bad_quotas_are_422_naming_each_field_and_store_nothing() {
    let w = world(Backend::Sqlite).await;
    let t = &w.t;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["user_id", "period", "amount"]),
        (json!({"user_id": w.a_id, "period": "2026-13", "amount": "1"}), vec!["period"]),
        (json!({"user_id": w.a_id, "period": "2026-Q5", "amount": "1"}), vec!["period"]),
        (json!({"user_id": w.a_id, "period": "2026", "amount": "1"}), vec!["period"]),
        (json!({"user_id": w.a_id, "period": "1999-01", "amount": "1"}), vec!["period"]),
        (json!({"user_id": w.a_id, "team_id": w.east, "period": "2026-11", "amount": "1"}), vec!["team_id"]),
        (json!({"user_id": w.a_id, "period": "2026-11", "amount": "-5"}), vec!["amount"]),
        (json!({"user_id": w.a_id, "period": "2026-11", "amount": "5", "currency": "XXX"}), vec!["currency"]),
        (json!({"user_id": "nope", "period": "2026-11", "amount": "5"}), vec!["user_id"]),
        (
            json!({"user_id": "0190f0e0-0000-7000-8000-000000000000", "period": "2026-11", "amount": "5"}),
            vec!["user_id"],
        ),
        (
            json!({"team_id": "0190f0e0-0000-7000-8000-000000000000", "period": "2026-11", "amount": "5"}),
            vec!["team_id"],
        ),
    ];
    for (body, fields) in cases {
        let r = t.post("/api/v1/quotas", body.clone()).await;
        r.assert_problem(422);
        assert_eq!(r.error_fields(), fields, "{body}");
    }
    assert_eq!(t.get("/api/v1/quotas").await.body["items"], json!([]), "nothing was stored");
    for url in
        ["/api/v1/quotas?period=2026-13", "/api/v1/quotas/attainment?period=Q4", "/api/v1/reports/leaderboard?period=x"]
    {
        let r = t.get(url).await;
        r.assert_problem(422);
        assert_eq!(r.error_fields(), vec!["period"], "{url}");
    }
    t.get("/api/v1/reports/leaderboard?currency=XXX").await.assert_problem(422);
    for bad in ["from=2026-13-01", "to=yesterday", "from=2026-11-30&to=2026-11-01", "from=2025-01-01&to=2026-12-31"] {
        t.get(&format!("/api/v1/reports/activity?{bad}")).await.assert_problem(422);
    }
}

#[tokio::test]
async fn reps_see_their_own_quota_and_managers_their_team() {
    let w = world(Backend::Sqlite).await;
    let t = &w.t;
    quota(t, &t.admin_token, json!({"user_id": w.a_id, "period": "2026-11", "amount": "100"})).await;
    let b_quota = quota(t, &t.admin_token, json!({"user_id": w.b_id, "period": "2026-11", "amount": "100"})).await;
    quota(t, &t.admin_token, json!({"team_id": w.east, "period": "2026-11", "amount": "300"})).await;
    quota(t, &t.admin_token, json!({"team_id": w.west, "period": "2026-11", "amount": "300"})).await;
    let who = |v: &Value| -> Vec<String> {
        let mut out: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["user_id"].as_str().or(q["team_id"].as_str()).unwrap().to_string())
            .collect();
        out.sort();
        out
    };
    let mine = t.request("GET", "/api/v1/quotas", Some(&w.rep_a), None).await;
    assert_eq!(who(&mine.body), vec![w.a_id.clone()]);
    let mut expected = vec![w.a_id.clone(), w.east.clone()];
    expected.sort();
    assert_eq!(who(&t.request("GET", "/api/v1/quotas", Some(&w.manager), None).await.body), expected);
    assert_eq!(who(&t.get("/api/v1/quotas").await.body).len(), 4);
    // Setting quotas: a rep may not; a manager only within the team.
    let r = t
        .request(
            "POST",
            "/api/v1/quotas",
            Some(&w.rep_a),
            Some(json!({"user_id": w.a_id, "period": "2026-12", "amount": "1"})),
        )
        .await;
    r.assert_problem(403);
    let r = t
        .request(
            "POST",
            "/api/v1/quotas",
            Some(&w.manager),
            Some(json!({"user_id": w.b_id, "period": "2026-12", "amount": "1"})),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec!["user_id"]);
    let r = t
        .request(
            "POST",
            "/api/v1/quotas",
            Some(&w.manager),
            Some(json!({"team_id": w.west, "period": "2026-12", "amount": "1"})),
        )
        .await;
    assert_eq!(r.error_fields(), vec!["team_id"]);
    quota(t, &w.manager, json!({"user_id": w.a_id, "period": "2026-12", "amount": "1"})).await;
    quota(t, &w.manager, json!({"team_id": w.east, "period": "2026-12", "amount": "1"})).await;
    let path = format!("/api/v1/quotas/{}", b_quota["id"].as_str().unwrap());
    t.request("PATCH", &path, Some(&w.manager), Some(json!({"version": 1, "amount": "5"}))).await.assert_problem(404);
    t.request("DELETE", &path, Some(&w.manager), None).await.assert_problem(404);
    t.request("PATCH", &path, Some(&w.rep_b), Some(json!({"version": 1, "amount": "5"}))).await.assert_problem(403);
}

/// A deal of `token`'s user on their own customer, optionally won at once.
pub(crate) async fn deal(
    t: &TestApp,
    token: &str,
    customer: &str,
    amount: &str,
    currency: &str,
    outcome: &str,
) -> String {
    let r = t
        .request(
            "POST",
            "/api/v1/deals",
            Some(token),
            Some(json!({"title": format!("Deal {amount}"), "customer_id": customer, "amount": amount, "currency": currency})),
        )
        .await;
    assert_eq!(r.status, 201, "deals API: {}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    let body = match outcome {
        "won" => Some(json!({"version": r.body["version"]})),
        "lost" => Some(json!({"version": r.body["version"], "reason": "price"})),
        _ => None,
    };
    if let Some(b) = body {
        let m = t.request("POST", &format!("/api/v1/deals/{id}/{outcome}"), Some(token), Some(b)).await;
        assert_eq!(m.status, 200, "{outcome}: {}", m.body);
        assert_eq!(m.body["status"], outcome);
    }
    id
}

pub(crate) async fn customer(t: &TestApp, token: &str, name: &str) -> String {
    let r = t.request("POST", "/api/v1/customers", Some(token), Some(json!({"name": name}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

/// Rep A: won 30,000 + 20,000 CNY and 10,000 USD, 5,000 CNY open, 7,000 lost, two calls;
/// rep B: won 40,000 CNY. Quotas this month: A 100,000, B 50,000, East 200,000.
pub(crate) async fn sales(w: &World) -> String {
    let t = &w.t;
    let ca = customer(t, &w.rep_a, "A's customer").await;
    let cb = customer(t, &w.rep_b, "B's customer").await;
    deal(t, &w.rep_a, &ca, "30000", "CNY", "won").await;
    deal(t, &w.rep_a, &ca, "20000", "CNY", "won").await;
    deal(t, &w.rep_a, &ca, "10000", "USD", "won").await;
    deal(t, &w.rep_a, &ca, "5000", "CNY", "open").await;
    deal(t, &w.rep_a, &ca, "7000", "CNY", "lost").await;
    deal(t, &w.rep_b, &cb, "40000", "CNY", "won").await;
    for s in ["First call", "Second call"] {
        let r = t
            .request(
                "POST",
                "/api/v1/activities",
                Some(&w.rep_a),
                Some(json!({"kind": "call", "subject": s, "customer_id": ca})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = t
        .request(
            "POST",
            "/api/v1/activities",
            Some(&w.rep_b),
            Some(json!({"kind": "note", "subject": "n", "customer_id": cb})),
        )
        .await;
    assert_eq!(r.status, 201);
    let month = this_month(t);
    quota(t, &t.admin_token, json!({"user_id": w.a_id, "period": month, "amount": "100000"})).await;
    quota(t, &t.admin_token, json!({"user_id": w.b_id, "period": month, "amount": "50000"})).await;
    quota(t, &t.admin_token, json!({"team_id": w.east, "period": month, "amount": "200000"})).await;
    month
}

#[tokio::test]
async fn attainment_counts_won_deals_of_the_period_in_the_quota_currency() {
    for backend in backends() {
        let mut w = world(backend).await;
        let month = sales(&w).await;
        let t = &w.t;
        let all = t.get(&format!("/api/v1/quotas/attainment?period={month}")).await;
        assert_eq!(all.status, 200, "{}", all.body);
        assert_eq!(all.body["period"], month.as_str());
        let items = &all.body["items"];
        let a = field(items, "name", "a");
        assert_eq!(
            (a["won"].as_str(), a["won_count"].as_i64(), a["attainment_percent"].as_f64()),
            (Some("50000.00"), Some(2), Some(50.0)),
            "{backend:?}"
        );
        let b = field(items, "name", "b");
        assert_eq!((b["won"].as_str(), b["attainment_percent"].as_f64()), (Some("40000.00"), Some(80.0)));
        let east = field(items, "name", "East");
        assert_eq!((east["won"].as_str(), east["attainment_percent"].as_f64()), (Some("50000.00"), Some(25.0)));
        // Scope: a rep sees their own quota only; the manager theirs and the team's.
        let mine = t.request("GET", "/api/v1/quotas/attainment", Some(&w.rep_a), None).await;
        assert_eq!(mine.body["items"].as_array().unwrap().len(), 1, "{}", mine.body);
        assert_eq!(mine.body["items"][0]["won"], "50000.00");
        let team = t.request("GET", &format!("/api/v1/quotas/attainment?period={month}"), Some(&w.manager), None).await;
        let names: Vec<&str> =
            team.body["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 2, "{}", team.body);
        assert_eq!(field(&team.body["items"], "name", "East")["won"], "50000.00");
        // Next month, nothing won yet; this month's figures stay.
        t.clock.advance(Duration::from_secs(40 * 86_400));
        w.t.admin_token = w.t.login(&w.t.admin_email.clone()).await;
        let t = &w.t;
        let next = this_month(t);
        quota(t, &t.admin_token, json!({"user_id": w.a_id, "period": next, "amount": "100000"})).await;
        let later = t.get(&format!("/api/v1/quotas/attainment?period={next}")).await;
        assert_eq!(later.body["items"][0]["won"], "0.00");
        assert_eq!(later.body["items"][0]["attainment_percent"], 0.0);
        let before = t.get(&format!("/api/v1/quotas/attainment?period={month}")).await;
        assert_eq!(field(&before.body["items"], "name", "a")["won"], "50000.00");
    }
}
