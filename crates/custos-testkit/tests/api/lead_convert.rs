//! Lead conversion over HTTP: one step makes the customer, the contact and the deal from the
//! lead's values; customers sharing the e-mail or mobile stop it with 409 `possible_duplicates`
//! until confirmed or resolved into an existing customer; any failure rolls everything back;
//! a lead converts once.

use crate::leads::{create_lead, full_lead};
use custos_testkit::{TestApp, backends, spawn_app, spawn_app_on};
use serde_json::{Value, json};

async fn count(t: &TestApp, path: &str) -> usize {
    let r = t.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body["items"].as_array().unwrap().len()
}

/// Customers, deals, and the contacts of every customer: what a conversion could leave behind.
async fn records(t: &TestApp) -> (usize, usize, usize) {
    let customers = t.get("/api/v1/customers?limit=200").await;
    let mut contacts = 0;
    for c in customers.body["items"].as_array().unwrap() {
        contacts += count(t, &format!("/api/v1/customers/{}/contacts", c["id"].as_str().unwrap())).await;
    }
    (customers.body["items"].as_array().unwrap().len(), contacts, count(t, "/api/v1/deals").await)
}

#[tokio::test]
async fn conversion_makes_customer_contact_and_deal_from_the_leads_values() {
    for b in backends() {
        let t = spawn_app_on(b).await;
        let lead = create_lead(&t, &t.admin_token, full_lead()).await;
        let id = lead["id"].as_str().unwrap();
        let body = json!({"version": 1, "deal": {"title": "First order", "amount": "12500.00", "currency": "CNY", "expected_close": "2026-12-31"}});
        let r = t.post(&format!("/api/v1/leads/{id}/convert"), body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(r.body["customer_created"], true);
        assert_eq!(r.body["possible_duplicates"], json!([]));
        let (cid, contact, deal) = (&r.body["customer_id"], &r.body["contact_id"], &r.body["deal_id"]);

        let c = t.get(&format!("/api/v1/customers/{}", cid.as_str().unwrap())).await;
        assert_eq!(c.status, 200, "{}", c.body);
        assert_eq!((c.body["name"].clone(), c.body["kind"].clone()), (json!("星河科技"), json!("organization")));
        assert_eq!((c.body["status"].clone(), c.body["source"].clone()), (json!("prospect"), json!("website")));
        assert_eq!(c.body["owner_id"], lead["owner_id"]);
        let k = t.get(&format!("/api/v1/contacts/{}", contact.as_str().unwrap())).await;
        assert_eq!(k.body["customer_id"], *cid);
        assert_eq!((k.body["name"].clone(), k.body["title"].clone()), (json!("王芳"), json!("采购经理")));
        assert_eq!(
            (k.body["email"].clone(), k.body["mobile"].clone()),
            (json!("wang.fang@xinghe.example"), json!("+8613812345678"))
        );
        assert_eq!(k.body["notes"], "Met at the Shanghai fair");
        let d = t.get(&format!("/api/v1/deals/{}", deal.as_str().unwrap())).await;
        assert_eq!(d.status, 200, "{}", d.body);
        assert_eq!((d.body["lead_id"].clone(), d.body["customer_id"].clone()), (json!(id), cid.clone()));
        assert_eq!((d.body["amount"].clone(), d.body["currency"].clone()), (json!("12500.00"), json!("CNY")));
        assert_eq!(d.body["title"], "First order");

        let l = t.get(&format!("/api/v1/leads/{id}")).await;
        assert_eq!(l.body["status"], "converted");
        assert_eq!((l.body["customer_id"].clone(), l.body["deal_id"].clone()), (cid.clone(), deal.clone()));
        assert!(l.body["converted_at"].is_string());
        assert_eq!(l.body, r.body["lead"], "the answer shows the stored lead");
        // Found again by the customer's e-mail? No: an organisation keeps the person's details on the contact.
        assert_eq!(t.get("/api/v1/customers?email=wang.fang%40xinghe.example").await.body["items"], json!([]));

        // One audit event for each record, naming fields only.
        let ev = t.get("/api/v1/audit/events?action=lead.convert").await;
        let items = ev.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{}", ev.body);
        assert_eq!(items[0]["record_id"], id);
        assert!(!ev.body.to_string().contains("wang.fang"), "no values in the audit log");
        for action in ["customer.create", "contact.create", "deal.create"] {
            let e = t.get(&format!("/api/v1/audit/events?action={action}")).await;
            assert_eq!(e.body["items"].as_array().unwrap().len(), 1, "{action}: {}", e.body);
        }
    }
}

#[tokio::test]
async fn a_person_lead_becomes_a_person_customer_and_names_can_be_chosen() {
    let t = spawn_app().await;
    let lead =
        create_lead(&t, &t.admin_token, json!({"name": "Zhou Min", "source": "referral", "mobile": "13900001111"}))
            .await;
    let id = lead["id"].as_str().unwrap();
    let r = t.post(&format!("/api/v1/leads/{id}/convert"), json!({"version": 1, "create_contact": false})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.body["contact_id"].clone(), r.body["deal_id"].clone()), (Value::Null, Value::Null));
    let c = t.get(&format!("/api/v1/customers/{}", r.body["customer_id"].as_str().unwrap())).await;
    assert_eq!((c.body["name"].clone(), c.body["kind"].clone()), (json!("Zhou Min"), json!("person")));
    assert_eq!(c.body["mobile"], "+8613900001111", "a person customer carries the person's details");

    let other =
        create_lead(&t, &t.admin_token, json!({"name": "Qian Hao", "source": "event", "company": "Qian Ltd"})).await;
    let oid = other["id"].as_str().unwrap();
    let bad = t
        .post(&format!("/api/v1/leads/{oid}/convert"), json!({"version": 1, "customer": {"name": "", "kind": "robot"}}))
        .await;
    bad.assert_problem(422);
    assert_eq!(bad.error_fields(), ["customer.kind"]);
    let named = json!({"version": 1, "customer": {"name": "Qian Holdings", "kind": "organization"}});
    let r = t.post(&format!("/api/v1/leads/{oid}/convert"), named).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = t.get(&format!("/api/v1/customers/{}", r.body["customer_id"].as_str().unwrap())).await;
    assert_eq!(c.body["name"], "Qian Holdings");
}

#[tokio::test]
async fn possible_duplicates_stop_the_conversion_until_confirmed_or_resolved() {
    let t = spawn_app().await;
    let existing = t.create_customer(json!({"name": "Xinghe Tech", "email": "WANG.FANG@xinghe.example"})).await;
    let lead = create_lead(&t, &t.admin_token, full_lead()).await;
    let id = lead["id"].as_str().unwrap();
    let before = records(&t).await;
    let r = t.post(&format!("/api/v1/leads/{id}/convert"), json!({"version": 1})).await;
    r.assert_problem(409);
    assert_eq!(r.body["type"], "possible_duplicates");
    assert_eq!(r.body["duplicates"], json!([{"id": existing["id"], "name": "Xinghe Tech"}]));
    assert_eq!(records(&t).await, before, "nothing was created");
    assert_eq!(t.get(&format!("/api/v1/leads/{id}")).await.body, lead, "the lead is unchanged");

    // Confirmed: a new customer anyway, the duplicate named in the answer.
    let r = t.post(&format!("/api/v1/leads/{id}/convert"), json!({"version": 1, "confirm_duplicates": true})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["possible_duplicates"], json!([{"id": existing["id"], "name": "Xinghe Tech"}]));
    assert_ne!(r.body["customer_id"], existing["id"]);
    assert_eq!(records(&t).await, (before.0 + 1, before.1 + 1, before.2));
}

#[tokio::test]
async fn a_lead_converts_into_an_existing_customer_it_can_see() {
    let t = spawn_app().await;
    let existing = t.create_customer(json!({"name": "Xinghe Tech", "mobile": "13812345678"})).await;
    let cid = existing["id"].as_str().unwrap();
    let lead = create_lead(&t, &t.admin_token, full_lead()).await;
    let id = lead["id"].as_str().unwrap();
    assert_eq!(t.post(&format!("/api/v1/leads/{id}/convert"), json!({"version": 1})).await.status, 409);
    let both = json!({"version": 1, "customer_id": cid, "customer": {"name": "Another"}});
    t.post(&format!("/api/v1/leads/{id}/convert"), both).await.assert_problem(422);
    let r = t
        .post(
            &format!("/api/v1/leads/{id}/convert"),
            json!({"version": 1, "customer_id": cid, "deal": {"title": "Renewal"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.body["customer_id"].as_str(), r.body["customer_created"].clone()), (Some(cid), json!(false)));
    assert_eq!(r.body["possible_duplicates"], json!([]));
    let contacts = t.get(&format!("/api/v1/customers/{cid}/contacts")).await;
    let names: Vec<&str> =
        contacts.body["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["王芳"]);
    assert_eq!(count(&t, "/api/v1/customers").await, 1, "no new customer");
    let d = t.get(&format!("/api/v1/deals/{}", r.body["deal_id"].as_str().unwrap())).await;
    assert_eq!((d.body["customer_id"].as_str(), d.body["amount"].clone()), (Some(cid), json!("0.00")));

    // A rep can convert only into a customer in their own scope.
    t.add_user("a@test.example", "sales_rep").await;
    let rep = t.login("a@test.example").await;
    let mine = create_lead(&t, &rep, json!({"name": "Rep's lead", "source": "event"})).await;
    let r = t
        .request(
            "POST",
            &format!("/api/v1/leads/{}/convert", mine["id"].as_str().unwrap()),
            Some(&rep),
            Some(json!({"version": 1, "customer_id": cid})),
        )
        .await;
    r.assert_problem(404);
    let r = t
        .request(
            "POST",
            &format!("/api/v1/leads/{}/convert", mine["id"].as_str().unwrap()),
            Some(&rep),
            Some(json!({"version": 1, "deal": {"title": "Rep deal", "amount": "10"}})),
        )
        .await;
    assert_eq!(r.status, 200, "a rep converts their own lead: {}", r.body);
    let c = t
        .request("GET", &format!("/api/v1/customers/{}", r.body["customer_id"].as_str().unwrap()), Some(&rep), None)
        .await;
    assert_eq!(c.status, 200, "the new customer is the rep's own");
}

#[tokio::test]
async fn a_failure_at_any_step_rolls_the_whole_conversion_back() {
    for b in backends() {
        let t = spawn_app_on(b).await;
        let lead = create_lead(&t, &t.admin_token, full_lead()).await;
        let id = lead["id"].as_str().unwrap();
        let before = records(&t).await;
        // The customer and the contact are written before the deal fails inside the transaction.
        for (deal, field) in [
            (json!({"title": "Big", "amount": "12.345"}), "deal.amount"),
            (json!({"title": "Big", "stage_id": "0190f0e0-0000-7000-8000-000000000000"}), "deal.stage_id"),
            (json!({"amount": "1"}), "deal.title"),
        ] {
            let r = t.post(&format!("/api/v1/leads/{id}/convert"), json!({"version": 1, "deal": deal})).await;
            r.assert_problem(422);
            assert_eq!(r.error_fields(), [field]);
            assert_eq!(records(&t).await, before, "no customer, contact or deal after {field}");
            assert_eq!(t.get(&format!("/api/v1/leads/{id}")).await.body, lead, "lead unchanged after {field}");
        }
        let events = t.get("/api/v1/audit/events?action=customer.create").await;
        assert_eq!(events.body["items"], json!([]), "the audit events rolled back with the rest");
    }
}

#[tokio::test]
async fn a_lead_converts_once_and_a_disqualified_lead_not_at_all() {
    let t = spawn_app().await;
    let lead = create_lead(&t, &t.admin_token, json!({"name": "Once", "source": "partner"})).await;
    let path = format!("/api/v1/leads/{}", lead["id"].as_str().unwrap());
    t.post(&format!("{path}/convert"), json!({})).await.assert_problem(428);
    t.post(&format!("{path}/convert"), json!({"version": 7})).await.assert_problem(409);
    assert_eq!(t.post(&format!("{path}/convert"), json!({"version": 1})).await.status, 200);
    let again = t.post(&format!("{path}/convert"), json!({"version": 2})).await;
    again.assert_problem(409);
    assert_eq!(again.body["type"], "conflict");
    let stale = t.post(&format!("{path}/convert"), json!({"version": 1})).await;
    stale.assert_problem(409);
    assert_eq!(stale.body["type"], "version_conflict");
    t.request("PATCH", &path, Some(&t.admin_token), Some(json!({"version": 2, "name": "Changed"})))
        .await
        .assert_problem(409);
    t.post(&format!("{path}/disqualify"), json!({"version": 2, "reason": "late"})).await.assert_problem(409);
    assert_eq!(count(&t, "/api/v1/customers").await, 1);

    let dq = create_lead(&t, &t.admin_token, json!({"name": "Dropped", "source": "social"})).await;
    let dq_path = format!("/api/v1/leads/{}", dq["id"].as_str().unwrap());
    assert_eq!(t.post(&format!("{dq_path}/disqualify"), json!({"version": 1, "reason": "Student"})).await.status, 200);
    t.post(&format!("{dq_path}/convert"), json!({"version": 2})).await.assert_problem(409);
    assert_eq!(count(&t, "/api/v1/customers").await, 1);
}
