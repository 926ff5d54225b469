//! The audit trail end to end, on SQLite and (when configured) PostgreSQL: events for
//! changes, reveals, exports, sign-ins and denials; no change without its event; one
//! gap-free order under concurrent writers; every kind of tampering caught by the verifier
//! naming the first bad seq; proofs checked with only the public key; impact queries.

use custos_app::audit_verify::{VerifyFailure, verify_log};
use custos_testkit::{Backend, TestApp, backends, spawn_app_on};
use serde_json::{Value, json};
use sqlx::AssertSqlSafe;

fn customer() -> Value {
    json!({"name": "审计客户", "kind": "organization", "status": "prospect", "mobile": "138 1234 5678",
           "email": "audit@example.com"})
}

async fn raw(t: &TestApp, sql: &str) {
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&t.db.url).await.expect("raw pool");
    sqlx::raw_sql(AssertSqlSafe(sql.to_string())).execute(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    pool.close().await;
}

async fn events(t: &TestApp, query: &str) -> Vec<Value> {
    t.app.flush_reads().await.expect("flush");
    let r = t.get(&format!("/api/v1/audit/events?limit=500{query}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn verify(t: &TestApp) -> Result<custos_app::audit_verify::VerifyReport, VerifyFailure> {
    let key = t.app.audit_public_key().unwrap();
    verify_log(&t.db.store, &custos_app::audit::verifier_from_key(&key).unwrap()).await
}

/// Eventually (denials and failed sign-ins are recorded in the background).
async fn wait_for(t: &TestApp, query: &str, n: usize) -> Vec<Value> {
    for _ in 0..50 {
        let e = events(t, query).await;
        if e.len() >= n {
            return e;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} events for {query}");
}

#[tokio::test]
async fn changes_reveals_exports_sign_ins_and_denials_are_recorded() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        let c = t.create_customer(customer()).await;
        let id = c["id"].as_str().unwrap().to_string();
        let p = t
            .request_with(
                "PATCH",
                &format!("/api/v1/customers/{id}"),
                Some(&t.admin_token),
                Some(json!({"tier": "B", "mobile": "139 0000 1111"})),
                &[("if-match", "\"1\""), ("x-request-id", "req-audit-1")],
            )
            .await;
        assert_eq!(p.status, 200, "{}", p.body);
        let r = t
            .post(
                &format!("/api/v1/customers/{id}/reveal"),
                json!({"fields": ["mobile"], "purpose": "customer asked for a call back"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(t.get("/api/v1/customers/export").await.status, 200);
        assert_eq!(t.get(&format!("/api/v1/customers/{id}")).await.status, 200);
        // A failed sign-in and a denied attempt.
        let bad = t
            .request(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"email": "nobody@x.example", "password": "wrong"})),
            )
            .await;
        assert_eq!(bad.status, 401);
        t.add_user("aud@test.example", "auditor").await;
        let auditor = t.login("aud@test.example").await;
        assert_eq!(t.request("GET", "/api/v1/customers", Some(&auditor), None).await.status, 403);

        let create = events(&t, "&action=customer.create").await;
        assert_eq!(create.len(), 1);
        assert_eq!(create[0]["record_id"], id.as_str());
        assert!(create[0]["fields"].as_array().unwrap().contains(&json!("mobile")));
        let update = events(&t, "&action=customer.update").await;
        assert_eq!(update[0]["fields"], json!(["tier", "mobile"]));
        assert_eq!(update[0]["request_id"], "req-audit-1");
        assert!(update[0]["actor"]["session_id"].is_string() || update[0]["actor"]["token_id"].is_string());
        let reveal = events(&t, "&action=customer.reveal").await;
        assert_eq!(reveal[0]["purpose"], "customer asked for a call back");
        assert_eq!(reveal[0]["fields"], json!(["mobile"]));
        let export = events(&t, "&action=customer.export").await;
        assert_eq!(export[0]["ids"], json!([id]));
        assert_eq!(events(&t, "&action=customer.read&outcome=allowed").await.len(), 1);
        assert!(!events(&t, "&action=auth.login&outcome=allowed").await.is_empty());
        let failed = wait_for(&t, "&action=auth.login&outcome=failed", 1).await;
        assert_eq!(failed[0]["actor"]["user_id"], Value::Null, "an unknown e-mail names nobody");
        wait_for(&t, "&outcome=denied&action=customer.read", 1).await;

        // No value of any field is in the log.
        let all = serde_json::to_string(&events(&t, "").await).unwrap();
        for secret in ["13812345678", "13900001111", "audit@example.com", "审计客户"] {
            assert!(!all.contains(secret), "{backend:?}: a field value is in the log");
        }
        let del = t.request_with("DELETE", &format!("/api/v1/customers/{id}"), Some(&t.admin_token), None, &[]).await;
        assert!(del.status < 300, "{}", del.body);
        assert_eq!(events(&t, "&action=customer.delete").await.len(), 1);
        t.app.checkpoint_now().await.unwrap();
        let report = verify(&t).await.unwrap();
        assert!(report.events > 8 && report.checkpoints >= 1);
    }
}

#[tokio::test]
async fn no_change_without_its_event() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        raw(&t, "DROP TABLE audit_subjects").await;
        let r = t.post("/api/v1/customers", customer()).await;
        assert!(r.status >= 500, "{backend:?}: {} {}", r.status, r.body);
        let n = t.app.store().count_customers(&Default::default()).await.unwrap();
        assert_eq!(n, 0, "{backend:?}: the customer was stored without its event");
    }
}

#[tokio::test]
async fn concurrent_writers_keep_one_gap_free_order() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        let before = t.db.store.audit_head().await.unwrap();
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let (base, token, http) = (t.base.clone(), t.admin_token.clone(), t.http.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..8 {
                    let r = http
                        .post(format!("{base}/api/v1/customers"))
                        .bearer_auth(&token)
                        .json(&customer())
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 201);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        t.app.flush_reads().await.unwrap();
        let head = t.db.store.audit_head().await.unwrap();
        assert!(head - before >= 48);
        t.app.checkpoint_now().await.unwrap();
        let report = verify(&t).await.unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(report.events as i64, head);
    }
}

/// A log of about 20 events with a checkpoint at the end.
async fn logged(backend: Backend) -> TestApp {
    let t = spawn_app_on(backend).await;
    for _ in 0..6 {
        let c = t.create_customer(customer()).await;
        let id = c["id"].as_str().unwrap();
        assert_eq!(t.get(&format!("/api/v1/customers/{id}")).await.status, 200);
    }
    t.app.flush_reads().await.unwrap();
    t.app.checkpoint_now().await.unwrap();
    verify(&t).await.expect("an untouched log verifies");
    t
}

async fn caught(t: &TestApp, sql: &str, want: Option<u64>) {
    raw(t, sql).await;
    let e = verify(t).await.err().unwrap_or_else(|| panic!("not caught: {sql}"));
    assert_eq!(e.seq, want, "{sql}: {e}");
}

#[tokio::test]
async fn every_kind_of_tampering_is_caught() {
    for backend in backends() {
        // Edited column.
        caught(&logged(backend).await, "UPDATE audit_events SET action = 'customer.export' WHERE seq = 5", Some(5))
            .await;
        // Edited column with a recomputed-looking leaf: the checkpoint catches it.
        let t = logged(backend).await;
        caught(
            &t,
            "UPDATE audit_events SET leaf = (SELECT leaf FROM audit_events WHERE seq = 3) WHERE seq = 4",
            Some(4),
        )
        .await;
        // Deleted in the middle.
        caught(&logged(backend).await, "DELETE FROM audit_events WHERE seq = 7", Some(7)).await;
        // Inserted at the end.
        let t = logged(backend).await;
        let head = t.db.store.audit_head().await.unwrap();
        caught(
            &t,
            &format!(
                "INSERT INTO audit_events (seq, at, action, resource, fields, outcome, ids, leaf) \
                 SELECT {head}, at, action, resource, fields, outcome, ids, leaf FROM audit_events WHERE seq = 2"
            ),
            Some(head as u64),
        )
        .await;
        // Swapped rows (every column but seq).
        let t = logged(backend).await;
        let cols = "at, actor_user, actor_token, actor_session, ip, user_agent, action, resource, record_id, \
                    fields, outcome, purpose, request_id, ids, leaf";
        raw(&t, &format!("CREATE TABLE swap AS SELECT seq, {cols} FROM audit_events WHERE seq IN (2, 9)")).await;
        let set = cols
            .split(", ")
            .map(|c| format!("{c} = (SELECT {c} FROM swap WHERE swap.seq = 11 - audit_events.seq)"))
            .collect::<Vec<_>>()
            .join(", ");
        caught(&t, &format!("UPDATE audit_events SET {set} WHERE seq IN (2, 9)"), Some(2)).await;
        // Newest rows cut off (and the head wound back too: the checkpoint still knows).
        let t = logged(backend).await;
        let head = t.db.store.audit_head().await.unwrap();
        caught(
            &t,
            &format!("DELETE FROM audit_events WHERE seq >= {}; UPDATE audit_head SET next = {}", head - 2, head - 2),
            Some(head as u64 - 2),
        )
        .await;
        // Cut off without touching the head.
        let t = logged(backend).await;
        let head = t.db.store.audit_head().await.unwrap();
        caught(&t, &format!("DELETE FROM audit_events WHERE seq = {}", head - 1), Some(head as u64 - 1)).await;
        // A list column that no longer decodes.
        caught(&logged(backend).await, "UPDATE audit_events SET fields = 'not a list' WHERE seq = 6", Some(6)).await;
        // The head advanced far beyond the stored events.
        let t = logged(backend).await;
        let head = t.db.store.audit_head().await.unwrap();
        caught(&t, "UPDATE audit_head SET next = next + 1000000", Some(head as u64)).await;
        // A changed checkpoint.
        let t = logged(backend).await;
        caught(&t, "UPDATE audit_checkpoints SET note = replace(note, 'custos', 'custoz')", None).await;
        let t = logged(backend).await;
        caught(&t, "UPDATE audit_checkpoints SET size = size - 1", None).await;
    }
}

fn hashes(v: &Value) -> Vec<custos_audit::Hash> {
    use base64::Engine as _;
    v["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let b = base64::engine::general_purpose::STANDARD.decode(h.as_str().unwrap()).unwrap();
            custos_audit::hash_from_slice(&b).unwrap()
        })
        .collect()
}

#[tokio::test]
async fn proofs_verify_with_only_the_public_key() {
    for backend in backends() {
        let t = logged(backend).await;
        let verifier = custos_audit::Verifier::from_key_string(&t.app.audit_public_key().unwrap()).unwrap();
        let first = t.get("/api/v1/audit/checkpoint").await;
        let old = verifier.verify_note(first.body["note"].as_str().unwrap()).unwrap();
        for _ in 0..3 {
            t.create_customer(customer()).await;
        }
        t.app.checkpoint_now().await.unwrap();
        let now = verifier.verify_note(t.get("/api/v1/audit/checkpoint").await.body["note"].as_str().unwrap()).unwrap();
        assert!(now.size > old.size);
        let c = t.get(&format!("/api/v1/audit/proof/consistency?from={}&to={}", old.size, now.size)).await;
        custos_audit::verify_consistency(old.size, now.size, &hashes(&c.body), &old.root, &now.root).unwrap();
        for seq in [0, old.size - 1, now.size - 1] {
            let e = t.get(&format!("/api/v1/audit/events?seq={seq}")).await;
            let ev: custos_audit::AuditEvent = serde_json::from_value(e.body["items"][0].clone()).unwrap();
            let p = t.get(&format!("/api/v1/audit/proof/inclusion?index={seq}&size={}", now.size)).await;
            custos_audit::verify_inclusion(&ev.leaf_hash(), seq, now.size, &hashes(&p.body), &now.root).unwrap();
        }
        t.get("/api/v1/audit/proof/inclusion?index=5&size=99999").await.assert_problem(422);
    }
}

#[tokio::test]
async fn impact_queries_answer_who_touched_whom() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        let a = t.create_customer(customer()).await["id"].as_str().unwrap().to_string();
        let b = t.create_customer(customer()).await["id"].as_str().unwrap().to_string();
        t.add_user("rep@test.example", "sales_rep").await;
        let rep = t.login("rep@test.example").await;
        let rep_id = t.get("/api/v1/users?limit=200").await.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == "rep@test.example")
            .map(|u| u["id"].as_str().unwrap().to_string())
            .unwrap();
        let r = t.request("GET", &format!("/api/v1/customers/{b}"), Some(&rep), None).await;
        assert!(r.status == 200 || r.status == 404, "{}", r.body);
        t.app.flush_reads().await.unwrap();
        let admin = t.get("/api/v1/me").await.body["id"].as_str().unwrap().to_string();
        let mine = t.get(&format!("/api/v1/audit/impact/actor?actor={admin}")).await;
        let ids: Vec<&str> =
            mine.body["items"].as_array().unwrap().iter().map(|i| i["customer_id"].as_str().unwrap()).collect();
        assert!(ids.contains(&a.as_str()) && ids.contains(&b.as_str()), "{}", mine.body);
        let who = t.get(&format!("/api/v1/audit/impact/customers/{b}")).await;
        let actors: Vec<&Value> =
            who.body["items"].as_array().unwrap().iter().map(|e| &e["actor"]["user_id"]).collect();
        assert!(actors.contains(&&json!(admin)));
        if r.status == 200 {
            assert!(actors.contains(&&json!(rep_id)));
        }
    }
}
