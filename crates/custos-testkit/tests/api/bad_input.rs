//! Bad input gets a 4xx problem+json and changes nothing (checked by reading back).

use custos_testkit::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn count(t: &TestApp) -> usize {
    t.get("/api/v1/customers?limit=200").await.body["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn malformed_bodies_are_refused_and_change_nothing() {
    let t = spawn_app().await;
    let tok = Some(t.admin_token.as_str());
    let before = count(&t).await;
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("application/json", b"{\"name\": ".to_vec(), 400),
        ("application/json", b"not json".to_vec(), 400),
        ("application/json", b"[]".to_vec(), 400),
        ("application/json", br#"{"name": 42}"#.to_vec(), 400),
        ("application/json", br#"{"name": "x", "tags": "vip"}"#.to_vec(), 400),
        ("application/json", br#"{"name": "x", "unknown_field": 1}"#.to_vec(), 400),
        ("text/plain", br#"{"name": "x"}"#.to_vec(), 415),
        ("application/json", format!(r#"{{"name": "{}"}}"#, "x".repeat(200_000)).into_bytes(), 413),
    ];
    for (ct, body, status) in cases {
        let r = t.raw("POST", "/api/v1/customers", tok, ct, body).await;
        r.assert_problem(status);
    }
    assert_eq!(count(&t).await, before);
}

#[tokio::test]
async fn invalid_fields_are_all_reported_without_echoing_values() {
    let t = spawn_app().await;
    let secret_id = "110105194912310021";
    let r = t
        .post(
            "/api/v1/customers",
            json!({
                "name": "字".repeat(201),
                "kind": "robot",
                "status": "vip",
                "email": "not-an-email",
                "mobile": "12345",
                "phone": "call me",
                "birthday": "1990-02-30",
                "national_id": secret_id,
                "bank_account": "4111111111111112",
                "tags": ["ok", "a,b"],
                "industry": "x".repeat(101),
                "notes": "bad\u{0}byte",
            }),
        )
        .await;
    r.assert_problem(422);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "bank_account",
            "birthday",
            "email",
            "industry",
            "kind",
            "mobile",
            "name",
            "national_id",
            "notes",
            "phone",
            "status",
            "tags"
        ]
    );
    assert!(!r.body.to_string().contains(secret_id), "errors must not echo values");
    assert_eq!(count(&t).await, 0);
}

#[tokio::test]
async fn bad_patches_change_nothing() {
    let t = spawn_app().await;
    let c = t.create_customer(json!({"name": "Stable Ltd", "email": "a@example.com"})).await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/api/v1/customers/{id}");
    let bodies: Vec<Value> = vec![
        json!({"version": 1, "email": "broken"}),
        json!({"version": 1, "name": ""}),
        json!({"version": 1, "national_id": "123"}),
        json!({"version": 1, "surprise": true}),
        json!({"version": "1"}),
    ];
    for b in bodies {
        let r = t.request("PATCH", &path, Some(&t.admin_token), Some(b.clone())).await;
        assert!(r.status == 400 || r.status == 422, "{b}: {}", r.status);
        assert_eq!(r.content_type, "application/problem+json");
    }
    let r = t
        .request_with("PATCH", &path, Some(&t.admin_token), Some(json!({"name": "x"})), &[("if-match", "nonsense")])
        .await;
    r.assert_problem(400);
    let after = t.get(&path).await;
    assert_eq!(after.body, c, "nothing changed");
}
