//! Deals over the API: create with defaults, read, filter, sort and page; move through stages
//! with history; won / lost / reopen; stale versions; bad input changing nothing; and record
//! scope (a rep sees only their own deals, a manager the team's, support only reads).

use custos_testkit::{TestApp, backends, spawn_app, spawn_app_on};
use serde_json::{Value, json};

/// The default pipeline's id and its stage ids in order.
pub async fn default_pipeline(t: &TestApp) -> (String, Vec<String>) {
    let r = t.get("/api/v1/pipelines").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = &r.body["items"][0];
    let stages = p["stages"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
    (p["id"].as_str().unwrap().to_string(), stages)
}

pub async fn new_deal(t: &TestApp, token: &str, body: Value) -> Value {
    let r = t.request("POST", "/api/v1/deals", Some(token), Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_deal_is_created_with_defaults_and_read_back() {
    for b in backends() {
        let t = spawn_app_on(b).await;
        let (pipeline, stages) = default_pipeline(&t).await;
        assert_eq!(stages.len(), 5);
        let me = t.get("/api/v1/me").await.body;
        let c = t.create_customer(json!({"name": "Acme"})).await;
        let r = t
            .post(
                "/api/v1/deals",
                json!({"title": "  Big order ", "customer_id": c["id"], "amount": "12500.5", "expected_close": "2026-11-30"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let d = &r.body;
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(r.header("location"), Some(format!("/api/v1/deals/{}", id(d))));
        assert_eq!(d["title"], "Big order");
        assert_eq!((d["amount"].as_str(), d["currency"].as_str()), (Some("12500.50"), Some("CNY")));
        assert_eq!(
            (d["pipeline_id"].as_str(), d["stage_id"].as_str()),
            (Some(pipeline.as_str()), Some(stages[0].as_str()))
        );
        assert_eq!((d["status"].as_str(), d["owner_id"].clone()), (Some("open"), me["id"].clone()));
        assert_eq!(d["expected_close"], "2026-11-30");
        assert!(d["closed_at"].is_null() && d["lead_id"].is_null() && d["lost_reason"].is_null());
        let got = t.get(&format!("/api/v1/deals/{}", id(d))).await;
        assert_eq!(got.status, 200);
        assert_eq!(&got.body, d);
        let h = t.get(&format!("/api/v1/deals/{}/history", id(d))).await;
        assert_eq!(h.body["items"].as_array().unwrap().len(), 1, "{}", h.body);
        assert!(h.body["items"][0]["from_stage_id"].is_null());
        assert_eq!(h.body["items"][0]["to_stage_id"], stages[0].as_str());
        // A given stage decides the pipeline; a won deal is closed at once.
        let w = new_deal(&t, &t.admin_token, json!({"title": "Won", "customer_id": c["id"], "stage_id": stages[2], "status": "won", "currency": "usd", "amount": "9"})).await;
        assert_eq!(
            (w["stage_id"].as_str(), w["currency"].as_str(), w["amount"].as_str()),
            (Some(stages[2].as_str()), Some("USD"), Some("9.00"))
        );
        assert!(w["closed_at"].is_string());
    }
}

#[tokio::test]
async fn moves_are_recorded_and_stale_versions_refused() {
    for b in backends() {
        let t = spawn_app_on(b).await;
        let (_, stages) = default_pipeline(&t).await;
        let c = t.create_customer(json!({"name": "Acme"})).await;
        let d = new_deal(&t, &t.admin_token, json!({"title": "Mover", "customer_id": c["id"]})).await;
        let url = format!("/api/v1/deals/{}", id(&d));
        t.clock.advance(std::time::Duration::from_secs(60));
        let m = t.post(&format!("{url}/move"), json!({"stage_id": stages[2], "version": 1})).await;
        assert_eq!(m.status, 200, "{}", m.body);
        assert_eq!((m.body["stage_id"].as_str(), m.body["version"].as_i64()), (Some(stages[2].as_str()), Some(2)));
        assert_ne!(m.body["stage_entered_at"], d["stage_entered_at"]);
        // The same version again: someone else moved it first.
        let stale = t.post(&format!("{url}/move"), json!({"stage_id": stages[3], "version": 1})).await;
        stale.assert_problem(409);
        assert_eq!(stale.body["current_version"], 2);
        let stale = t
            .request_with(
                "POST",
                &format!("{url}/move"),
                Some(&t.admin_token),
                Some(json!({"stage_id": stages[3]})),
                &[("if-match", "\"1\"")],
            )
            .await;
        stale.assert_problem(412);
        t.post(&format!("{url}/move"), json!({"stage_id": stages[3]})).await.assert_problem(428);
        // A PATCH changing the stage is a move too.
        let p =
            t.request("PATCH", &url, Some(&t.admin_token), Some(json!({"version": 2, "stage_id": stages[4]}))).await;
        assert_eq!(p.status, 200, "{}", p.body);
        let h = t.get(&format!("{url}/history")).await.body;
        let steps: Vec<(Value, Value)> = h["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["from_stage_id"].clone(), s["to_stage_id"].clone()))
            .collect();
        assert_eq!(
            steps,
            [
                (Value::Null, json!(stages[0])),
                (json!(stages[0]), json!(stages[2])),
                (json!(stages[2]), json!(stages[4]))
            ]
        );
        let admin_id = t.get("/api/v1/me").await.body["id"].clone();
        assert!(
            h["items"].as_array().unwrap().iter().all(|s| s["changed_by"] == admin_id && s["changed_at"].is_string())
        );
        // A stage of another pipeline is refused and nothing changes.
        let other = t
            .post("/api/v1/pipelines", json!({"name": "Renewals", "stages": [{"name": "Due", "probability": 50}]}))
            .await;
        assert_eq!(other.status, 201, "{}", other.body);
        let foreign = other.body["stages"][0]["id"].clone();
        let r = t.post(&format!("{url}/move"), json!({"stage_id": foreign, "version": 3})).await;
        r.assert_problem(422);
        assert_eq!(r.error_fields(), ["stage_id"]);
        let r = t.request("PATCH", &url, Some(&t.admin_token), Some(json!({"version": 3, "stage_id": foreign}))).await;
        assert_eq!(r.error_fields(), ["stage_id"]);
        let now = t.get(&url).await.body;
        assert_eq!((now["version"].as_i64(), now["stage_id"].as_str()), (Some(3), Some(stages[4].as_str())));
        // Moving to another pipeline through PATCH takes its first stage.
        let r = t
            .request("PATCH", &url, Some(&t.admin_token), Some(json!({"version": 3, "pipeline_id": other.body["id"]})))
            .await;
        assert_eq!((r.status, r.body["stage_id"].clone()), (200, foreign));
    }
}

#[tokio::test]
async fn bad_input_names_the_fields_and_changes_nothing() {
    let t = spawn_app().await;
    let c = t.create_customer(json!({"name": "Acme"})).await;
    let r = t
        .post(
            "/api/v1/deals",
            json!({"title": "", "customer_id": "nope", "amount": "12,5", "currency": "XXX", "expected_close": "2026-13-01", "status": "lost"}),
        )
        .await;
    r.assert_problem(422);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["currency", "customer_id", "expected_close", "lost_reason", "title"]);
    assert!(!r.body.to_string().contains("12,5"), "no echo: {}", r.body);
    let r = t.post("/api/v1/deals", json!({"title": "x", "customer_id": c["id"], "amount": "-1"})).await;
    assert_eq!(r.error_fields(), ["amount"]);
    let r = t.post("/api/v1/deals", json!({"title": "x", "customer_id": c["id"], "colour": "red"})).await;
    r.assert_problem(400);
    assert_eq!(t.get("/api/v1/deals").await.body["items"].as_array().unwrap().len(), 0);
    let d = new_deal(&t, &t.admin_token, json!({"title": "Keep", "customer_id": c["id"], "amount": "10"})).await;
    let url = format!("/api/v1/deals/{}", id(&d));
    let r = t
        .request(
            "PATCH",
            &url,
            Some(&t.admin_token),
            Some(
                json!({"version": 1, "amount": "ten", "title": "", "owner_id": "0190f0e0-0000-7000-8000-000000000000"}),
            ),
        )
        .await;
    r.assert_problem(422);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["amount", "title"]);
    let r = t
        .request(
            "PATCH",
            &url,
            Some(&t.admin_token),
            Some(json!({"version": 1, "owner_id": "0190f0e0-0000-7000-8000-000000000000"})),
        )
        .await;
    assert_eq!(r.error_fields(), ["owner_id"]);
    assert_eq!(t.get(&url).await.body, d, "nothing changed");
    let r = t.post(&format!("{url}/lost"), json!({"version": 1})).await;
    assert_eq!(r.error_fields(), ["reason"]);
    let r = t.post(&format!("{url}/lost"), json!({"version": 1, "reason": "x".repeat(501)})).await;
    assert_eq!(r.error_fields(), ["reason"]);
    assert_eq!(t.get(&url).await.body, d, "nothing changed");
    t.get("/api/v1/deals/not-an-id").await.assert_problem(404);
    assert_eq!(t.get("/api/v1/deals?sort=size").await.error_fields(), ["sort"]);
    assert_eq!(t.get("/api/v1/deals?cursor=abc").await.error_fields(), ["cursor"]);
    assert_eq!(t.get("/api/v1/deals?status=closed&stage_id=x").await.error_fields(), ["stage_id", "status"]);
}

#[tokio::test]
async fn won_lost_and_reopen_close_and_open_the_deal() {
    let t = spawn_app().await;
    let c = t.create_customer(json!({"name": "Acme"})).await;
    let d = new_deal(&t, &t.admin_token, json!({"title": "Closing", "customer_id": c["id"]})).await;
    let url = format!("/api/v1/deals/{}", id(&d));
    let w = t.post(&format!("{url}/won"), json!({"version": 1})).await;
    assert_eq!((w.status, w.body["status"].as_str()), (200, Some("won")), "{}", w.body);
    assert!(w.body["closed_at"].is_string());
    t.post(&format!("{url}/won"), json!({"version": 2})).await.assert_problem(409);
    let l = t.post(&format!("{url}/lost"), json!({"version": 2, "reason": "Budget cut"})).await;
    assert_eq!((l.body["status"].as_str(), l.body["lost_reason"].as_str()), (Some("lost"), Some("Budget cut")));
    let o = t.post(&format!("{url}/reopen"), json!({"version": 3})).await;
    assert_eq!((o.body["status"].as_str(), o.body["version"].as_i64()), (Some("open"), Some(4)));
    assert!(o.body["closed_at"].is_null() && o.body["lost_reason"].is_null());
    let h = t.get(&format!("{url}/history")).await.body;
    let statuses: Vec<&str> = h["items"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["open", "won", "lost", "open"]);
    let del = t.request("DELETE", &url, Some(&t.admin_token), None).await;
    assert_eq!(del.status, 204);
    t.get(&url).await.assert_problem(404);
}

#[tokio::test]
async fn lists_filter_sort_and_page_without_gaps() {
    for b in backends() {
        let t = spawn_app_on(b).await;
        let (_, stages) = default_pipeline(&t).await;
        let c1 = t.create_customer(json!({"name": "One"})).await;
        let c2 = t.create_customer(json!({"name": "Two"})).await;
        for i in 0..7 {
            let c = if i % 2 == 0 { &c1 } else { &c2 };
            let stage = &stages[i % 3];
            let body = json!({"title": format!("Deal {i} {}", if i == 4 { "special" } else { "plain" }), "customer_id": c["id"], "stage_id": stage, "amount": format!("{}", (i * 37) % 11 * 100)});
            new_deal(&t, &t.admin_token, body).await;
            t.clock.advance(std::time::Duration::from_millis(5));
        }
        let all = t.get("/api/v1/deals?limit=200").await.body;
        assert_eq!(all["items"].as_array().unwrap().len(), 7);
        let stage0 = t.get(&format!("/api/v1/deals?stage_id={}", stages[0])).await.body;
        assert_eq!(stage0["items"].as_array().unwrap().len(), 3);
        let cust = t.get(&format!("/api/v1/deals?customer_id={}", c2["id"].as_str().unwrap())).await.body;
        assert_eq!(cust["items"].as_array().unwrap().len(), 3);
        let found = t.get("/api/v1/deals?q=SPECIAL").await.body;
        assert_eq!(found["items"][0]["title"], "Deal 4 special");
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        assert_eq!(t.get("/api/v1/deals?status=won").await.body["items"].as_array().unwrap().len(), 0);
        let by_amount = t.get("/api/v1/deals?sort=-amount&limit=200").await.body;
        let amounts: Vec<f64> = by_amount["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["amount"].as_str().unwrap().parse().unwrap())
            .collect();
        assert!(amounts.windows(2).all(|w| w[0] >= w[1]), "{amounts:?}");
        for sort in ["-updated_at", "amount", "title", "-expected_close"] {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let url = match &cursor {
                    Some(c) => format!("/api/v1/deals?sort={sort}&limit=3&cursor={c}"),
                    None => format!("/api/v1/deals?sort={sort}&limit=3"),
                };
                let page = t.get(&url).await;
                assert_eq!(page.status, 200, "{}", page.body);
                seen.extend(page.body["items"].as_array().unwrap().iter().map(id));
                match page.body["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_string()),
                    None => break,
                }
            }
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!((seen.len(), unique.len()), (7, 7), "{sort}");
        }
    }
}

/// Rep A and manager M in team East, rep B in West, support S.
struct World {
    t: TestApp,
    rep_a: String,
    rep_b: String,
    manager: String,
    support: String,
    a_deal: String,
    a_customer: String,
}

async fn world() -> World {
    let t = spawn_app().await;
    let east = t.post("/api/v1/teams", json!({"name": "East"})).await.body["id"].as_str().unwrap().to_string();
    let west = t.post("/api/v1/teams", json!({"name": "West"})).await.body["id"].as_str().unwrap().to_string();
    for (email, role, team) in [
        ("a@test.example", "sales_rep", Some(&east)),
        ("b@test.example", "sales_rep", Some(&west)),
        ("m@test.example", "sales_manager", Some(&east)),
        ("s@test.example", "support", None),
    ] {
        let u = t.add_user(email, role).await;
        if let Some(team) = team {
            let r = t
                .request(
                    "PATCH",
                    &format!("/api/v1/users/{}", u.id),
                    Some(&t.admin_token),
                    Some(json!({"version": 1, "team_id": team})),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    }
    let rep_a = t.login("a@test.example").await;
    let a_customer = t.request("POST", "/api/v1/customers", Some(&rep_a), Some(json!({"name": "A's customer"}))).await;
    let a_customer = a_customer.body["id"].as_str().unwrap().to_string();
    let d = new_deal(&t, &rep_a, json!({"title": "A's deal", "customer_id": a_customer, "amount": "100"})).await;
    World {
        rep_b: t.login("b@test.example").await,
        manager: t.login("m@test.example").await,
        support: t.login("s@test.example").await,
        rep_a,
        a_deal: id(&d),
        a_customer,
        t,
    }
}

#[tokio::test]
async fn a_rep_sees_only_their_own_deals_everywhere() {
    let w = world().await;
    let t = &w.t;
    let (pipeline, stages) = default_pipeline(t).await;
    let url = format!("/api/v1/deals/{}", w.a_deal);
    let unknown = t.request("GET", "/api/v1/deals/0190f0e0-0000-7000-8000-000000000000", Some(&w.rep_b), None).await;
    let hidden = t.request("GET", &url, Some(&w.rep_b), None).await;
    hidden.assert_problem(404);
    assert_eq!(unknown.body, hidden.body);
    for (m, path, body) in [
        ("PATCH", url.clone(), json!({"version": 1, "title": "mine"})),
        ("POST", format!("{url}/move"), json!({"version": 1, "stage_id": stages[1]})),
        ("POST", format!("{url}/won"), json!({"version": 1})),
        ("GET", format!("{url}/history"), Value::Null),
    ] {
        let body = (!body.is_null()).then_some(body);
        t.request(m, &path, Some(&w.rep_b), body).await.assert_problem(404);
    }
    let list = t.request("GET", "/api/v1/deals", Some(&w.rep_b), None).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
    let board = t.request("GET", &format!("/api/v1/pipelines/{pipeline}/board"), Some(&w.rep_b), None).await;
    assert_eq!(board.status, 200, "{}", board.body);
    assert!(
        board.body["stages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["count"] == 0 && s["cards"].as_array().unwrap().is_empty())
    );
    // B may not open a deal on A's customer either (it is not one B can see).
    let r = t
        .request("POST", "/api/v1/deals", Some(&w.rep_b), Some(json!({"title": "Steal", "customer_id": w.a_customer})))
        .await;
    assert_eq!(r.error_fields(), ["customer_id"]);
    // A sees their own deal on the board with its customer and total; a rep cannot delete.
    let board = t.request("GET", &format!("/api/v1/pipelines/{pipeline}/board"), Some(&w.rep_a), None).await.body;
    let first = &board["stages"][0];
    assert_eq!((first["count"].as_i64(), first["totals"][0]["amount"].as_str()), (Some(1), Some("100.00")));
    assert_eq!(first["cards"][0]["customer_name"], "A's customer");
    assert_eq!(first["cards"][0]["owner_name"].as_str().map(|n| !n.is_empty()), Some(true));
    t.request("DELETE", &url, Some(&w.rep_a), None).await.assert_problem(403);
}

#[tokio::test]
async fn a_manager_sees_the_team_and_support_only_reads() {
    let w = world().await;
    let t = &w.t;
    let url = format!("/api/v1/deals/{}", w.a_deal);
    let m = t.request("GET", &url, Some(&w.manager), None).await;
    assert_eq!(m.status, 200, "{}", m.body);
    let moved = t.request("PATCH", &url, Some(&w.manager), Some(json!({"version": 1, "amount": "250"}))).await;
    assert_eq!((moved.status, moved.body["amount"].as_str()), (200, Some("250.00")));
    assert_eq!(
        t.request("GET", "/api/v1/deals", Some(&w.manager), None).await.body["items"].as_array().unwrap().len(),
        1
    );
    let s = t.request("GET", &url, Some(&w.support), None).await;
    assert_eq!(s.status, 200, "{}", s.body);
    t.request("PATCH", &url, Some(&w.support), Some(json!({"version": 2, "title": "x"}))).await.assert_problem(403);
    t.request("POST", &format!("{url}/won"), Some(&w.support), Some(json!({"version": 2}))).await.assert_problem(403);
    t.request("POST", "/api/v1/deals", Some(&w.support), Some(json!({"title": "x", "customer_id": w.a_customer})))
        .await
        .assert_problem(403);
    assert_eq!(t.get(&url).await.body["version"], 2, "nothing changed");
}
