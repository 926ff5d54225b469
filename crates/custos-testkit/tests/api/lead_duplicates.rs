//! The duplicate check of a lead conversion: it runs inside the conversion's write
//! transaction (a customer that gains the lead's e-mail while the conversion waits for the
//! write lock is still reported), it also finds customers through their contacts' e-mail or
//! mobile (each customer once, only customers the actor can see), and a refusal leaves
//! nothing behind, not even a data key.

use crate::leads::{create_lead, full_lead};
use custos_testkit::{TestApp, backends, spawn_app, spawn_app_on};
use serde_json::{Value, json};
use sqlx::Connection;
use std::collections::BTreeSet;
use std::time::Duration;

/// Customers, contacts of each, deals, and data keys: what a conversion could leave behind.
async fn footprint(t: &TestApp) -> (Value, usize, usize, Vec<(i64, i64)>) {
    let customers = t.get("/api/v1/customers?limit=200").await.body["items"].clone();
    let mut contacts = 0;
    for c in customers.as_array().unwrap() {
        let r = t.get(&format!("/api/v1/customers/{}/contacts", c["id"].as_str().unwrap())).await;
        contacts += r.body["items"].as_array().unwrap().len();
    }
    let deals = t.get("/api/v1/deals").await.body["items"].as_array().unwrap().len();
    (customers, contacts, deals, t.db.keystore.count_by_version().await.unwrap())
}

fn duplicate_ids(body: &Value) -> BTreeSet<String> {
    body.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_string()).collect()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn add_customer(t: &TestApp, token: &str, body: Value) -> String {
    let r = t.request("POST", "/api/v1/customers", Some(token), Some(body)).await;
    assert_eq!(r.status, 201, "add customer: {}", r.body);
    id(&r.body)
}

async fn add_contact(t: &TestApp, token: &str, customer: &str, body: Value) {
    let r = t.request("POST", &format!("/api/v1/customers/{customer}/contacts"), Some(token), Some(body)).await;
    assert_eq!(r.status, 201, "add contact: {}", r.body);
}

#[tokio::test]
async fn a_customer_matching_while_the_conversion_waits_for_the_write_lock_is_reported() {
    // SQLite: writers queue on one lock, so the check in the transaction sees exactly what
    // committed before it.
    let t = spawn_app().await;
    let later = t.create_customer(json!({"name": "Later Match"})).await;
    let lead = create_lead(&t, &t.admin_token, full_lead()).await;
    let (lead_id, later_id) = (id(&lead), id(&later));
    let before = footprint(&t).await;

    // Another writer holds the lock and gives the customer the lead's e-mail (its blind index),
    // committing only after the conversion has started and is waiting for the lock.
    let mut other = sqlx::AnyConnection::connect(&t.db.url).await.unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut other).await.unwrap();
    sqlx::query("UPDATE customers SET email_bidx = (SELECT email_bidx FROM leads WHERE id = $1) WHERE id = $2")
        .bind(lead_id.as_str())
        .bind(later_id.as_str())
        .execute(&mut other)
        .await
        .unwrap();
    let path = format!("/api/v1/leads/{lead_id}/convert");
    let (r, ()) = tokio::join!(t.post(&path, json!({"version": 1})), async {
        tokio::time::sleep(Duration::from_millis(800)).await;
        sqlx::raw_sql("COMMIT").execute(&mut other).await.unwrap();
    });
    r.assert_problem(409);
    assert_eq!(r.body["type"], "possible_duplicates");
    assert_eq!(r.body["duplicates"], json!([{"id": later_id, "name": "Later Match"}]));
    let after = footprint(&t).await;
    assert_eq!(after, before, "no customer, contact, deal or data key was left behind");
    assert_eq!(t.get(&format!("/api/v1/leads/{lead_id}")).await.body, lead, "the lead is unchanged");
}

#[tokio::test]
async fn customers_whose_contacts_share_the_leads_email_or_mobile_are_reported_once_and_only_in_scope() {
    for b in backends() {
        let t = spawn_app_on(b).await;
        t.add_user("rep@test.example", "sales_rep").await;
        let rep = t.login("rep@test.example").await;
        // A: a contact with the lead's e-mail (written differently). B: the lead's mobile on
        // the customer itself and the e-mail on one of its contacts. C: someone else's.
        let a = add_customer(&t, &rep, json!({"name": "Contact Holder"})).await;
        add_contact(&t, &rep, &a, json!({"name": "Fang W.", "email": "Wang.Fang@XINGHE.example"})).await;
        let b_id = add_customer(&t, &rep, json!({"name": "Both Ways", "mobile": "13812345678"})).await;
        add_contact(&t, &rep, &b_id, json!({"name": "Wang Fang", "email": "wang.fang@xinghe.example"})).await;
        add_contact(&t, &rep, &b_id, json!({"name": "Front desk", "mobile": "+86 138 1234 5678"})).await;
        let c = id(&t.create_customer(json!({"name": "Admin's Own"})).await);
        add_contact(&t, &t.admin_token, &c, json!({"name": "W. Fang", "mobile": "13812345678"})).await;
        // A contact sharing nothing does not count.
        add_contact(&t, &rep, &a, json!({"name": "Other", "email": "other@xinghe.example"})).await;

        let lead = create_lead(&t, &rep, full_lead()).await;
        let path = format!("/api/v1/leads/{}/convert", id(&lead));
        let before = footprint(&t).await;
        let r = t.request("POST", &path, Some(&rep), Some(json!({"version": 1}))).await;
        r.assert_problem(409);
        assert_eq!(r.body["type"], "possible_duplicates");
        let listed = r.body["duplicates"].as_array().unwrap();
        assert_eq!(listed.len(), 2, "each customer once, the admin's not at all: {}", r.body);
        assert_eq!(duplicate_ids(&r.body["duplicates"]), BTreeSet::from([a.clone(), b_id.clone()]));
        let names: BTreeSet<&str> = listed.iter().map(|d| d["name"].as_str().unwrap()).collect();
        assert_eq!(names, BTreeSet::from(["Contact Holder", "Both Ways"]));
        assert_eq!(footprint(&t).await, before, "nothing changed on refusal");
        assert_eq!(t.request("GET", &format!("/api/v1/leads/{}", id(&lead)), Some(&rep), None).await.body, lead);

        // The admin sees all three; a lead matching nobody converts without a word.
        let admins = create_lead(&t, &t.admin_token, full_lead()).await;
        let r = t.post(&format!("/api/v1/leads/{}/convert", id(&admins)), json!({"version": 1})).await;
        r.assert_problem(409);
        assert_eq!(duplicate_ids(&r.body["duplicates"]), BTreeSet::from([a.clone(), b_id.clone(), c.clone()]));
        let nobody = create_lead(&t, &rep, json!({"name": "Nobody", "source": "event", "email": "x@y.example"})).await;
        let r = t
            .request("POST", &format!("/api/v1/leads/{}/convert", id(&nobody)), Some(&rep), Some(json!({"version": 1})))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["possible_duplicates"], json!([]));

        // Confirmed: converted anyway, the same customers named in the answer.
        let r = t.request("POST", &path, Some(&rep), Some(json!({"version": 1, "confirm_duplicates": true}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(duplicate_ids(&r.body["possible_duplicates"]), BTreeSet::from([a, b_id]));
    }
}
