//! Pipelines over the API: the seeded default, creation with validated stages, changes that
//! keep stage ids, refusal to remove a stage or pipeline that still has deals, pipeline.manage
//! for every change, and the board's counts and totals per currency.

use crate::deals::{default_pipeline, new_deal};
use custos_testkit::{backends, spawn_app, spawn_app_on};
use serde_json::{Value, json};

/// The stages of a pipeline as a PATCH body wants them.
fn stage_bodies(p: &Value) -> Vec<Value> {
    p["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({"id": s["id"], "name": s["name"], "probability": s["probability"]}))
        .collect()
}

fn stage_ids(p: &Value) -> Vec<String> {
    p["stages"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_default_pipeline_is_seeded_once() {
    let t = spawn_app().await;
    t.app.seed_pipelines().await.unwrap();
    let r = t.get("/api/v1/pipelines").await;
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "Sales");
    let stages: Vec<(&str, i64)> = items[0]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["probability"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        stages,
        [("Qualification", 10), ("Needs analysis", 25), ("Proposal", 50), ("Negotiation", 75), ("Contract", 90)]
    );
}

#[tokio::test]
async fn pipelines_are_validated_and_changed_with_stable_stage_ids() {
    for b in backends() {
        let t = spawn_app_on(b).await;
        let bad = t
            .post(
                "/api/v1/pipelines",
                json!({"name": "", "stages": [{"name": "A", "probability": 10}, {"name": "a", "probability": 101}]}),
            )
            .await;
        bad.assert_problem(422);
        assert_eq!(bad.error_fields(), ["name", "stages[1].name", "stages[1].probability"]);
        let none = t.post("/api/v1/pipelines", json!({"name": "Empty", "stages": []})).await;
        assert_eq!(none.error_fields(), ["stages"]);
        let taken =
            t.post("/api/v1/pipelines", json!({"name": "Sales", "stages": [{"name": "A", "probability": 1}]})).await;
        assert_eq!(taken.error_fields(), ["name"]);
        assert_eq!(t.get("/api/v1/pipelines").await.body["items"].as_array().unwrap().len(), 1, "nothing created");

        let p = t
            .post(
                "/api/v1/pipelines",
                json!({"name": "Renewals", "stages": [{"name": "Due", "probability": 20}, {"name": "Quoted", "probability": 60}, {"name": "Signed", "probability": 95}]}),
            )
            .await;
        assert_eq!(p.status, 201, "{}", p.body);
        let url = format!("/api/v1/pipelines/{}", p.body["id"].as_str().unwrap());
        let ids = stage_ids(&p.body);
        // Swap two names, re-order, add one: ids of kept stages stay.
        let r = t
            .request(
                "PATCH",
                &url,
                Some(&t.admin_token),
                Some(json!({"version": 1, "name": "Renewals 2026", "stages": [
                    {"id": ids[1], "name": "Due", "probability": 30},
                    {"id": ids[0], "name": "Quoted", "probability": 10},
                    {"name": "Lost touch", "probability": 0},
                    {"id": ids[2], "name": "Signed", "probability": 100}]})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["name"], "Renewals 2026");
        let new_ids = stage_ids(&r.body);
        assert_eq!((&new_ids[0], &new_ids[1], &new_ids[3]), (&ids[1], &ids[0], &ids[2]));
        assert_eq!(r.body["stages"][2]["name"], "Lost touch");
        // A deal in "Signed": that stage cannot be removed, the pipeline cannot be deleted.
        let c = t.create_customer(json!({"name": "Acme"})).await;
        new_deal(&t, &t.admin_token, json!({"title": "Renewal", "customer_id": c["id"], "stage_id": ids[2]})).await;
        let keep: Vec<Value> = stage_bodies(&r.body)[..3].to_vec();
        let r2 = t.request("PATCH", &url, Some(&t.admin_token), Some(json!({"version": 2, "stages": keep}))).await;
        r2.assert_problem(409);
        assert_eq!(stage_ids(&t.get(&url).await.body).len(), 4, "nothing changed");
        // Removing the unused stage is fine.
        let mut without = stage_bodies(&r.body);
        without.remove(2);
        let r3 = t.request("PATCH", &url, Some(&t.admin_token), Some(json!({"version": 2, "stages": without}))).await;
        assert_eq!((r3.status, stage_ids(&r3.body).len()), (200, 3), "{}", r3.body);
        let unknown = t
            .request(
                "PATCH",
                &url,
                Some(&t.admin_token),
                Some(json!({"version": 3, "stages": [{"id": c["id"], "name": "X", "probability": 1}]})),
            )
            .await;
        assert_eq!(unknown.error_fields(), ["stages[0].id"]);
        t.request("DELETE", &url, Some(&t.admin_token), None).await.assert_problem(409);
        // An empty pipeline can go; the last one cannot.
        let e = t
            .post("/api/v1/pipelines", json!({"name": "Scratch", "stages": [{"name": "One", "probability": 5}]}))
            .await;
        let e_url = format!("/api/v1/pipelines/{}", e.body["id"].as_str().unwrap());
        assert_eq!(t.request("DELETE", &e_url, Some(&t.admin_token), None).await.status, 204);
        t.get(&e_url).await.assert_problem(404);
    }
}

#[tokio::test]
async fn pipeline_changes_need_pipeline_manage() {
    let t = spawn_app().await;
    let (pipeline, _) = default_pipeline(&t).await;
    t.add_user("m@test.example", "sales_manager").await;
    let m = t.login("m@test.example").await;
    let body = json!({"name": "Mine", "stages": [{"name": "A", "probability": 1}]});
    t.request("POST", "/api/v1/pipelines", Some(&m), Some(body)).await.assert_problem(403);
    let url = format!("/api/v1/pipelines/{pipeline}");
    t.request("PATCH", &url, Some(&m), Some(json!({"version": 1, "name": "Mine"}))).await.assert_problem(403);
    t.request("DELETE", &url, Some(&m), None).await.assert_problem(403);
    assert_eq!(t.request("GET", &url, Some(&m), None).await.status, 200, "reading needs deal.read only");
    assert_eq!(t.get(&url).await.body["name"], "Sales");
}

#[tokio::test]
async fn the_board_counts_and_sums_every_open_deal_per_currency() {
    for b in backends() {
        let t = spawn_app_on(b).await;
        let (pipeline, stages) = default_pipeline(&t).await;
        let c = t.create_customer(json!({"name": "Acme"})).await;
        for (amount, currency, stage) in [("100", "CNY", 0), ("50.5", "CNY", 0), ("7", "USD", 0), ("1", "CNY", 1)] {
            let body = json!({"title": "D", "customer_id": c["id"], "amount": amount, "currency": currency, "stage_id": stages[stage]});
            new_deal(&t, &t.admin_token, body).await;
        }
        let won =
            new_deal(&t, &t.admin_token, json!({"title": "Closed", "customer_id": c["id"], "status": "won"})).await;
        let board = t.get(&format!("/api/v1/pipelines/{pipeline}/board?cards=2")).await;
        assert_eq!(board.status, 200, "{}", board.body);
        let first = &board.body["stages"][0];
        assert_eq!(first["count"], 3, "won deals are not on the board");
        assert_eq!(
            first["totals"],
            json!([{"amount": "150.50", "currency": "CNY"}, {"amount": "7.00", "currency": "USD"}])
        );
        assert_eq!(first["cards"].as_array().unwrap().len(), 2, "cards are capped, counts are not");
        assert!(first["cards"].as_array().unwrap().iter().all(|c| c["id"] != won["id"]));
        assert_eq!(board.body["stages"][1]["count"], 1);
        assert_eq!(board.body["stages"].as_array().unwrap().len(), 5);
        assert_eq!(t.get(&format!("/api/v1/pipelines/{pipeline}/board?cards=0")).await.error_fields(), ["cards"]);
        t.get("/api/v1/pipelines/0190f0e0-0000-7000-8000-000000000000/board").await.assert_problem(404);
    }
}
