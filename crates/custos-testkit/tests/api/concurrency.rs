//! Concurrent writers never see a 500, and stale updates are refused, never silently applied.

use custos_testkit::{backends, spawn_app_on};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_get_no_server_errors() {
    for backend in backends() {
        let t = std::sync::Arc::new(spawn_app_on(backend).await);
        let c = t.create_customer(json!({"name": "Contended", "tier": "0"})).await;
        let id = c["id"].as_str().unwrap().to_string();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let t = t.clone();
            let id = id.clone();
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    t.post("/api/v1/customers", json!({"name": format!("Parallel {i}")})).await.status
                } else {
                    // Everyone races to update from version 1: exactly one may win.
                    t.request(
                        "PATCH",
                        &format!("/api/v1/customers/{id}"),
                        Some(&t.admin_token),
                        Some(json!({"version": 1, "tier": i.to_string()})),
                    )
                    .await
                    .status
                }
            }));
        }
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.unwrap());
        }
        assert!(statuses.iter().all(|s| *s < 500), "{backend:?}: {statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 20, "{backend:?}");
        let winners = statuses.iter().filter(|s| **s == 200).count();
        assert_eq!(winners, 1, "{backend:?}: exactly one stale-version update may win: {statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19, "{backend:?}");
        let now = t.get(&format!("/api/v1/customers/{id}")).await;
        assert_eq!(now.body["version"], 2);
    }
}
