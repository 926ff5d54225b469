//! Deal lists and the pipeline board show customers' names, so they are reads of those
//! customers: one batched read event names the customers shown, and "who accessed customer
//! Y" finds it.

use crate::deals::{default_pipeline, new_deal};
use custos_testkit::{TestApp, backends, spawn_app_on};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The customer ids named by the newest event of `action`.
async fn named_by_latest(t: &TestApp, action: &str) -> (Value, BTreeSet<String>) {
    let r = t.get(&format!("/api/v1/audit/events?action={action}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let e = r.body["items"][0].clone();
    let ids = e["ids"].as_array().unwrap_or_else(|| panic!("no {action} event: {}", r.body));
    let named = ids.iter().map(|i| i.as_str().unwrap().to_string()).collect();
    (e, named)
}

#[tokio::test]
async fn deal_lists_and_the_board_record_whom_they_show() {
    for b in backends() {
        let t = spawn_app_on(b).await;
        let (pipeline, _) = default_pipeline(&t).await;
        let mut customers = BTreeSet::new();
        for name in ["Shown One", "Shown Two"] {
            let c = t.create_customer(json!({"name": name})).await;
            let cid = c["id"].as_str().unwrap().to_string();
            for title in ["First", "Second"] {
                new_deal(&t, &t.admin_token, json!({"title": title, "customer_id": cid, "amount": "10"})).await;
            }
            customers.insert(cid);
        }
        assert_eq!(t.get("/api/v1/deals").await.status, 200);
        let board = t.get(&format!("/api/v1/pipelines/{pipeline}/board")).await;
        assert_eq!(board.status, 200, "{}", board.body);
        t.app.flush_reads().await.unwrap();

        let (list, named) = named_by_latest(&t, "deal.list").await;
        assert_eq!(named, customers, "each customer once: {list}");
        assert_eq!(list["resource"], "deal");
        let (board, named) = named_by_latest(&t, "deal.board").await;
        assert_eq!(named, customers, "{board}");
        assert_eq!(board["record_id"], json!(pipeline));

        for cid in &customers {
            let r = t.get(&format!("/api/v1/audit/impact/customers/{cid}")).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let actions: BTreeSet<&str> =
                r.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
            assert!(actions.contains("deal.list") && actions.contains("deal.board"), "{b:?} {cid}: {actions:?}");
        }
        // An empty list names nobody and records nothing.
        let before = t.get("/api/v1/audit/events?action=deal.list").await.body["items"].as_array().unwrap().len();
        let none = t.get("/api/v1/deals?q=nothing-matches-this").await;
        assert_eq!(none.body["items"], json!([]), "{}", none.body);
        t.app.flush_reads().await.unwrap();
        let after = t.get("/api/v1/audit/events?action=deal.list").await.body["items"].as_array().unwrap().len();
        assert_eq!(before, after);
    }
}
