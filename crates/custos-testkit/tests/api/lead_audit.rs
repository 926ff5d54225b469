//! Lead events and the audit subject index: the ids of a lead list (leads) or of any other
//! non-customer record are not indexed as customers, so impact queries ("whom did X touch",
//! "who touched customer Y") name customers only; customer reads are still found, and a
//! conversion is found under the customer it made.

use crate::leads::{create_lead, full_lead};
use custos_testkit::{TestApp, backends, spawn_app_on};
use serde_json::json;
use std::collections::BTreeSet;

async fn actions_concerning(t: &TestApp, id: &str) -> BTreeSet<String> {
    let r = t.get(&format!("/api/v1/audit/impact/customers/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

fn set(actions: &[&str]) -> BTreeSet<String> {
    actions.iter().map(|a| a.to_string()).collect()
}

#[tokio::test]
async fn lead_events_index_only_customers_as_audit_subjects() {
    for b in backends() {
        let t = spawn_app_on(b).await;
        let customer = t.create_customer(json!({"name": "Seen Customer"})).await;
        let cid = customer["id"].as_str().unwrap();
        assert_eq!(t.get(&format!("/api/v1/customers/{cid}")).await.status, 200);
        assert_eq!(t.get("/api/v1/customers").await.status, 200);
        let lead = create_lead(&t, &t.admin_token, json!({"name": "Listed Lead", "source": "event"})).await;
        let lid = lead["id"].as_str().unwrap();
        let listed = t.get("/api/v1/leads").await;
        assert_eq!(listed.body["items"][0]["id"], lead["id"], "{}", listed.body);
        let converted = create_lead(&t, &t.admin_token, full_lead()).await;
        let body = json!({"version": 1, "deal": {"title": "First order", "amount": "100.00"}});
        let r = t.post(&format!("/api/v1/leads/{}/convert", converted["id"].as_str().unwrap()), body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let (new_customer, contact, deal) = (&r.body["customer_id"], &r.body["contact_id"], &r.body["deal_id"]);
        t.app.flush_reads().await.unwrap();
        let lead_list = t.get("/api/v1/audit/events?action=lead.list").await;
        assert_eq!(lead_list.body["items"][0]["ids"], json!([lid]), "the event still names the leads read");

        // Customer reads are found under the customer; the lead list is not under the lead.
        let seen = actions_concerning(&t, cid).await;
        assert_eq!(seen, set(&["customer.create", "customer.read", "customer.list"]), "{cid}");
        assert_eq!(actions_concerning(&t, lid).await, BTreeSet::new(), "a lead is no customer");
        // The conversion is found under the customer it made; its contact and deal are no customers.
        let made = actions_concerning(&t, new_customer.as_str().unwrap()).await;
        assert_eq!(made, set(&["customer.create", "contact.create", "deal.create", "lead.convert"]));
        for other in [contact, deal] {
            assert_eq!(actions_concerning(&t, other.as_str().unwrap()).await, BTreeSet::new(), "{other}");
        }

        // Whom the admin touched: customers only, the conversion among them.
        let admin = t.get("/api/v1/me").await.body["id"].as_str().unwrap().to_string();
        let mine = t.get(&format!("/api/v1/audit/impact/actor?actor={admin}")).await;
        let rows: Vec<(&str, &str)> = mine.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["customer_id"].as_str().unwrap(), i["action"].as_str().unwrap()))
            .collect();
        let subjects: BTreeSet<&str> = rows.iter().map(|(c, _)| *c).collect();
        assert_eq!(subjects, BTreeSet::from([cid, new_customer.as_str().unwrap()]), "{}", mine.body);
        assert!(rows.contains(&(cid, "customer.read")), "{rows:?}");
        assert!(rows.contains(&(new_customer.as_str().unwrap(), "lead.convert")), "{rows:?}");
        assert!(!rows.iter().any(|(_, a)| *a == "lead.list" || *a == "lead.create"), "{rows:?}");
    }
}
