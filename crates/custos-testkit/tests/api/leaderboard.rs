//! The leaderboard and the activity report over HTTP (a rep sees only themselves, a manager
//! only the team), and deal timelines merging activities with stage changes.

use super::quotas::{customer, deal, field, sales, world};
use custos_testkit::{backends, spawn_app};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn the_leaderboard_and_activity_report_show_only_whom_the_reader_may_see() {
    for backend in backends() {
        let w = world(backend).await;
        let month = sales(&w).await;
        let t = &w.t;
        let board = |token: String, query: String| async move {
            let r = t.request("GET", &format!("/api/v1/reports/leaderboard{query}"), Some(&token), None).await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body
        };
        let all = board(t.admin_token.clone(), format!("?period={month}")).await;
        let rows = &all["rows"];
        assert_eq!(rows[0]["user_id"], w.a_id.as_str(), "best first: {all}");
        let a = field(rows, "user_id", &w.a_id);
        assert_eq!(
            (a["won"].as_str(), a["won_count"].as_i64(), a["open_pipeline"].as_str()),
            (Some("50000.00"), Some(2), Some("5000.00"))
        );
        assert_eq!(
            (a["quota"].as_str(), a["attainment_percent"].as_f64(), a["activities"].as_i64()),
            (Some("100000.00"), Some(50.0), Some(2))
        );
        assert_eq!(field(rows, "user_id", &w.b_id)["won"], "40000.00");
        assert_eq!(rows.as_array().unwrap().len(), 3, "a, b and the admin: {all}");
        let usd = board(t.admin_token.clone(), "?currency=USD".into()).await;
        assert_eq!(field(&usd["rows"], "user_id", &w.a_id)["won"], "10000.00");
        assert_eq!(usd["currency"], "USD");

        let rep = board(w.rep_a.clone(), String::new()).await;
        let ids: Vec<&str> = rep["rows"].as_array().unwrap().iter().map(|r| r["user_id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec![w.a_id.as_str()], "a rep sees only themselves");
        let b = board(w.rep_b.clone(), String::new()).await;
        assert_eq!(b["rows"].as_array().unwrap().len(), 1);
        assert_eq!(b["rows"][0]["won"], "40000.00");
        let mgr = board(w.manager.clone(), String::new()).await;
        let mut ids: Vec<&str> =
            mgr["rows"].as_array().unwrap().iter().map(|r| r["user_id"].as_str().unwrap()).collect();
        ids.sort();
        let mut expected = vec![w.a_id.as_str(), w.m_id.as_str()];
        expected.sort();
        assert_eq!(ids, expected, "the manager sees the team, not rep B: {mgr}");

        // Activity counts per person, scoped the same way.
        let report = |token: String| async move {
            let r = t.request("GET", "/api/v1/reports/activity", Some(&token), None).await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body
        };
        let everyone = report(t.admin_token.clone()).await;
        let a = field(&everyone["people"], "user_id", &w.a_id);
        assert_eq!((a["call"].as_i64(), a["note"].as_i64(), a["total"].as_i64()), (Some(2), Some(0), Some(2)));
        assert_eq!(field(&everyone["people"], "user_id", &w.b_id)["note"], 1);
        let own = report(w.rep_b.clone()).await;
        assert_eq!(own["people"].as_array().unwrap().len(), 1);
        assert_eq!(own["people"][0]["user_id"], w.b_id.as_str());
        let team = report(w.manager.clone()).await;
        assert_eq!(team["people"].as_array().unwrap().len(), 1, "only rep A of the team logged: {team}");
    }
}

#[tokio::test]
async fn deal_timelines_merge_activities_and_stage_changes() {
    let t = spawn_app().await;
    let c = customer(&t, &t.admin_token, "Acme").await;
    let d = deal(&t, &t.admin_token, &c, "1000", "CNY", "open").await;
    t.clock.advance(Duration::from_secs(60));
    let a = t
        .post("/api/v1/activities", json!({"kind": "call", "subject": "About the deal", "deal_id": d, "body": "b"}))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["customer_id"], c.as_str(), "an activity on a deal belongs to the deal's customer");
    t.clock.advance(Duration::from_secs(60));
    let current = t.get(&format!("/api/v1/deals/{d}")).await;
    let won = t.post(&format!("/api/v1/deals/{d}/won"), json!({"version": current.body["version"]})).await;
    assert_eq!(won.status, 200, "{}", won.body);
    let other = customer(&t, &t.admin_token, "Other").await;
    let mismatch =
        t.post("/api/v1/activities", json!({"kind": "note", "subject": "x", "deal_id": d, "customer_id": other})).await;
    assert_eq!(mismatch.error_fields(), vec!["deal_id"]);

    let tl = t.get(&format!("/api/v1/deals/{d}/timeline")).await;
    assert_eq!(tl.status, 200, "{}", tl.body);
    let kinds: Vec<&str> = tl.body["items"].as_array().unwrap().iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"stage_change"), "the win is newest: {}", tl.body);
    assert!(kinds.contains(&"activity"), "{}", tl.body);
    assert_eq!(tl.body["items"][0]["stage_change"]["status"], "won");
    let ats: Vec<&str> = tl.body["items"].as_array().unwrap().iter().map(|i| i["at"].as_str().unwrap()).collect();
    let mut sorted = ats.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ats, sorted, "newest first");
    // The customer's timeline has the deal's activity too.
    let ctl = t.get(&format!("/api/v1/customers/{c}/timeline")).await;
    assert_eq!(ctl.body["items"][0]["activity"]["subject"], "About the deal");
    t.get("/api/v1/deals/0190f0e0-0000-7000-8000-000000000000/timeline").await.assert_problem(404);
    // A rep who cannot see the deal gets 404.
    t.add_user("rep@test.example", "sales_rep").await;
    let rep = t.login("rep@test.example").await;
    t.request("GET", &format!("/api/v1/deals/{d}/timeline"), Some(&rep), None).await.assert_problem(404);
    let r = t
        .request("POST", "/api/v1/activities", Some(&rep), Some(json!({"kind": "note", "subject": "x", "deal_id": d})))
        .await;
    assert_eq!(r.error_fields(), vec!["deal_id"]);
}
