//! Activities over HTTP: every kind is logged and read back; bad input is 422 naming the
//! fields with nothing stored; tasks are due today or overdue by the (manual) clock and can be
//! completed; timelines are newest first with cursors; a rep sees activities on their own
//! customers only (another rep's is 404 on every path); the body is never shown to a role
//! whose confidential right is hidden; lead-only activities follow the lead's scope.

use custos_domain::Clock;
use custos_testkit::{TestApp, backends, spawn_app, spawn_app_on};
use serde_json::{Value, json};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, Time};

/// RFC 3339 at the microsecond precision the server stores.
fn at(t: OffsetDateTime) -> String {
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap().format(&Rfc3339).unwrap()
}

fn start_of_today(t: &TestApp) -> OffsetDateTime {
    t.clock.now().to_offset(time::UtcOffset::UTC).replace_time(Time::MIDNIGHT)
}

async fn customer(t: &TestApp, token: &str, name: &str) -> String {
    let r = t.request("POST", "/api/v1/customers", Some(token), Some(json!({"name": name}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

async fn activity(t: &TestApp, token: &str, body: Value) -> Value {
    let r = t.request("POST", "/api/v1/activities", Some(token), Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_kind_is_logged_and_read_back_on_every_backend() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        let c = customer(&t, &t.admin_token, "Yunqi Tech").await;
        let now = at(t.clock.now());
        for kind in ["call", "meeting", "email", "note"] {
            let a = activity(
                &t,
                &t.admin_token,
                json!({"kind": kind, "subject": format!("First {kind}"), "body": "谈到了预算\n下周再联系", "customer_id": c}),
            )
            .await;
            assert_eq!(a["kind"], kind);
            assert_eq!(a["body"], "谈到了预算\n下周再联系", "{backend:?}");
            assert_eq!(a["occurred_at"], now.as_str(), "occurred_at defaults to now");
            assert!(a["due_at"].is_null() && a["done"] == false);
            let id = a["id"].as_str().unwrap();
            let r = t.get(&format!("/api/v1/activities/{id}")).await;
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(r.body, a, "read back as created");
            assert_eq!(r.header("etag").unwrap(), "\"1\"");
        }
        let due = at(t.clock.now() + Duration::from_secs(3600));
        let task = activity(
            &t,
            &t.admin_token,
            json!({"kind": "task", "subject": "Send the offer", "customer_id": c, "due_at": due}),
        )
        .await;
        assert_eq!((task["due_at"].as_str(), task["occurred_at"].is_null()), (Some(due.as_str()), true));
        assert_eq!(task["done"], false);
        let done = t
            .post(&format!("/api/v1/activities/{}/complete", task["id"].as_str().unwrap()), json!({"version": 1}))
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!((done.body["done"].as_bool(), done.body["version"].as_i64()), (Some(true), Some(2)));
        assert_eq!(done.body["done_at"], now.as_str());
        let list = t.get(&format!("/api/v1/activities?customer_id={c}")).await;
        assert_eq!(list.body["items"].as_array().unwrap().len(), 5, "{backend:?}: {}", list.body);
        let calls = t.get("/api/v1/activities?kind=call").await;
        assert_eq!(calls.body["items"].as_array().unwrap().len(), 1);
        // Changed with If-Match, then deleted.
        let id = calls.body["items"][0]["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/activities/{id}");
        let r = t
            .request_with(
                "PATCH",
                &path,
                Some(&t.admin_token),
                Some(json!({"subject": "Follow-up call", "body": null})),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!((r.body["subject"].as_str(), r.body["body"].is_null()), (Some("Follow-up call"), true));
        let stale = t
            .request_with("PATCH", &path, Some(&t.admin_token), Some(json!({"subject": "x"})), &[("if-match", "\"1\"")])
            .await;
        stale.assert_problem(412);
        assert_eq!(t.request("DELETE", &path, Some(&t.admin_token), None).await.status, 204);
        t.get(&path).await.assert_problem(404);
    }
}

#[tokio::test]
async fn bad_input_is_422_naming_each_field_and_stores_nothing() {
    let t = spawn_app().await;
    let c = customer(&t, &t.admin_token, "Acme").await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["kind", "subject", "customer_id"]),
        (json!({"kind": "visit", "subject": "x", "customer_id": c}), vec!["kind"]),
        (json!({"kind": "call", "subject": "x".repeat(201), "customer_id": c}), vec!["subject"]),
        (json!({"kind": "note", "subject": "x", "body": "y".repeat(10_001), "customer_id": c}), vec!["body"]),
        (json!({"kind": "task", "subject": "x", "customer_id": c}), vec!["due_at"]),
        (json!({"kind": "call", "subject": "x", "customer_id": c, "due_at": "2026-12-01T00:00:00Z"}), vec!["due_at"]),
        (json!({"kind": "call", "subject": "x", "customer_id": c, "done": true}), vec!["done"]),
        (json!({"kind": "call", "subject": "x", "customer_id": c, "occurred_at": "yesterday"}), vec!["occurred_at"]),
        (json!({"kind": "call", "subject": "x", "customer_id": "not-an-id"}), vec!["customer_id"]),
        (
            json!({"kind": "call", "subject": "x", "customer_id": "0190f0e0-0000-7000-8000-000000000000"}),
            vec!["customer_id"],
        ),
        (json!({"kind": "call", "subject": "x", "lead_id": "0190f0e0-0000-7000-8000-000000000000"}), vec!["lead_id"]),
        (json!({"kind": "call", "subject": "x", "deal_id": "0190f0e0-0000-7000-8000-000000000000"}), vec!["deal_id"]),
    ];
    for (body, fields) in cases {
        let r = t.post("/api/v1/activities", body.clone()).await;
        r.assert_problem(422);
        for f in &fields {
            assert!(r.error_fields().contains(&f.to_string()), "{body}: {:?}", r.error_fields());
        }
        assert!(!r.body.to_string().contains("yesterday"), "values are never echoed");
    }
    let unknown_field =
        t.post("/api/v1/activities", json!({"kind": "call", "subject": "x", "customer_id": c, "colour": 1})).await;
    unknown_field.assert_problem(400);
    assert_eq!(t.get("/api/v1/activities").await.body["items"], json!([]), "nothing was stored");

    // A bad change is refused whole; the stored activity is unchanged.
    let a = activity(&t, &t.admin_token, json!({"kind": "call", "subject": "Kept", "body": "kept", "customer_id": c}))
        .await;
    let path = format!("/api/v1/activities/{}", a["id"].as_str().unwrap());
    let r = t
        .request(
            "PATCH",
            &path,
            Some(&t.admin_token),
            Some(json!({"version": 1, "subject": "", "due_at": "2026-12-01T00:00:00Z"})),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec!["subject", "due_at"]);
    assert_eq!(t.get(&path).await.body, a);
    t.request("PATCH", &path, Some(&t.admin_token), Some(json!({"subject": "x"}))).await.assert_problem(428);
    let r = t.post(&format!("{path}/complete"), json!({"version": 1})).await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec!["kind"]);
    for bad in ["kind=visit", "limit=0", "owner_id=x", "cursor=zzz", "due_before=soon"] {
        t.get(&format!("/api/v1/activities?{bad}")).await.assert_problem(422);
    }
}

#[tokio::test]
async fn tasks_are_due_today_or_overdue_by_the_clock_and_complete() {
    let mut t = spawn_app().await;
    let c = customer(&t, &t.admin_token, "Acme").await;
    let midnight = start_of_today(&t);
    let task = |subject: &str, due: OffsetDateTime| json!({"kind": "task", "subject": subject, "customer_id": c, "due_at": at(due)});
    let overdue = activity(&t, &t.admin_token, task("Overdue", midnight - Duration::from_secs(60))).await;
    let today = activity(&t, &t.admin_token, task("Today", midnight + Duration::from_secs(60))).await;
    let tomorrow = activity(&t, &t.admin_token, task("Tomorrow", midnight + Duration::from_secs(86_400 + 60))).await;
    activity(&t, &t.admin_token, json!({"kind": "call", "subject": "Not a task", "customer_id": c})).await;
    let mine = t.get("/api/v1/me/tasks").await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(ids(&mine.body["overdue"]), vec![overdue["id"].as_str().unwrap()]);
    assert_eq!(ids(&mine.body["today"]), vec![today["id"].as_str().unwrap()]);

    // A day later, today's task is overdue and tomorrow's is due today.
    t.clock.advance(Duration::from_secs(86_400));
    t.admin_token = t.login(&t.admin_email.clone()).await;
    let later = t.get("/api/v1/me/tasks").await;
    assert_eq!(ids(&later.body["overdue"]), vec![overdue["id"].as_str().unwrap(), today["id"].as_str().unwrap()]);
    assert_eq!(ids(&later.body["today"]), vec![tomorrow["id"].as_str().unwrap()]);

    // Completing needs the current version; a done task leaves the list.
    let path = format!("/api/v1/activities/{}/complete", overdue["id"].as_str().unwrap());
    t.post(&path, json!({"version": 7})).await.assert_problem(409);
    t.post(&path, json!({})).await.assert_problem(428);
    assert_eq!(t.post(&path, json!({"version": 1})).await.status, 200);
    assert_eq!(t.post(&path, json!({"version": 2})).await.body["version"], 2, "completing again changes nothing");
    let after = t.get("/api/v1/me/tasks").await;
    assert_eq!(ids(&after.body["overdue"]), vec![today["id"].as_str().unwrap()]);
    let open = t.get("/api/v1/activities?open=true").await;
    assert_eq!(open.body["items"].as_array().unwrap().len(), 2);
    // Reopened through PATCH, it is overdue again.
    let reopen = t
        .request(
            "PATCH",
            &format!("/api/v1/activities/{}", overdue["id"].as_str().unwrap()),
            Some(&t.admin_token),
            Some(json!({"version": 2, "done": false})),
        )
        .await;
    assert_eq!((reopen.status, reopen.body["done"].as_bool()), (200, Some(false)), "{}", reopen.body);
    assert_eq!(t.get("/api/v1/me/tasks").await.body["overdue"].as_array().unwrap().len(), 2);
    // Another user's tasks are not mine.
    t.add_user("rep@test.example", "sales_rep").await;
    let rep = t.login("rep@test.example").await;
    let theirs = t.request("GET", "/api/v1/me/tasks", Some(&rep), None).await;
    assert_eq!((theirs.body["overdue"].clone(), theirs.body["today"].clone()), (json!([]), json!([])));
}

#[tokio::test]
async fn the_customer_timeline_is_newest_first_in_pages() {
    let t = spawn_app().await;
    let c = customer(&t, &t.admin_token, "Acme").await;
    let other = customer(&t, &t.admin_token, "Other").await;
    let base = t.clock.now() - Duration::from_secs(10 * 86_400);
    let mut expected = Vec::new();
    for (i, kind) in ["call", "meeting", "email", "note", "call"].iter().enumerate() {
        let when = at(base + Duration::from_secs(i as u64 * 3600));
        let a = activity(
            &t,
            &t.admin_token,
            json!({"kind": kind, "subject": format!("#{i}"), "customer_id": c, "occurred_at": when}),
        )
        .await;
        expected.push(a["id"].as_str().unwrap().to_string());
    }
    activity(&t, &t.admin_token, json!({"kind": "note", "subject": "elsewhere", "customer_id": other})).await;
    expected.reverse();
    let mut seen = Vec::new();
    let mut url = format!("/api/v1/customers/{c}/timeline?limit=2");
    loop {
        let r = t.get(&url).await;
        assert_eq!(r.status, 200, "{}", r.body);
        for item in r.body["items"].as_array().unwrap() {
            assert_eq!(item["type"], "activity");
            assert_eq!(item["at"], item["activity"]["occurred_at"]);
            seen.push(item["activity"]["id"].as_str().unwrap().to_string());
        }
        match r.body["next_cursor"].as_str() {
            Some(cur) => url = format!("/api/v1/customers/{c}/timeline?limit=2&cursor={cur}"),
            None => break,
        }
    }
    assert_eq!(seen, expected, "newest first, every entry once");
    t.get(&format!("/api/v1/customers/{c}/timeline?cursor=bogus")).await.assert_problem(422);
    t.get("/api/v1/customers/0190f0e0-0000-7000-8000-000000000000/timeline").await.assert_problem(404);
}

/// Two reps in different teams, each with a customer and an activity on it.
struct Reps {
    t: TestApp,
    a: String,
    b: String,
    b_customer: String,
    b_activity: String,
}

async fn reps() -> Reps {
    let t = spawn_app().await;
    t.add_user("a@test.example", "sales_rep").await;
    t.add_user("b@test.example", "sales_rep").await;
    let a = t.login("a@test.example").await;
    let b = t.login("b@test.example").await;
    let a_customer = customer(&t, &a, "A's customer").await;
    let b_customer = customer(&t, &b, "B's customer").await;
    activity(&t, &a, json!({"kind": "call", "subject": "A calls", "customer_id": a_customer})).await;
    let due = at(t.clock.now());
    let b_activity =
        activity(&t, &b, json!({"kind": "task", "subject": "B's task", "customer_id": b_customer, "due_at": due}))
            .await;
    Reps { a, b, b_customer, b_activity: b_activity["id"].as_str().unwrap().to_string(), t }
}

#[tokio::test]
async fn a_rep_sees_activities_on_own_customers_only() {
    let w = reps().await;
    let t = &w.t;
    let path = format!("/api/v1/activities/{}", w.b_activity);
    let hidden = t.request("GET", &path, Some(&w.a), None).await;
    hidden.assert_problem(404);
    let unknown = t.request("GET", "/api/v1/activities/0190f0e0-0000-7000-8000-000000000000", Some(&w.a), None).await;
    assert_eq!(unknown.body, hidden.body, "out of scope looks exactly like unknown");
    t.request("PATCH", &path, Some(&w.a), Some(json!({"version": 1, "subject": "x"}))).await.assert_problem(404);
    t.request("POST", &format!("{path}/complete"), Some(&w.a), Some(json!({"version": 1}))).await.assert_problem(404);
    t.request("DELETE", &path, Some(&w.a), None).await.assert_problem(404);
    t.request("GET", &format!("/api/v1/customers/{}/timeline", w.b_customer), Some(&w.a), None)
        .await
        .assert_problem(404);
    let r = t
        .request(
            "POST",
            "/api/v1/activities",
            Some(&w.a),
            Some(json!({"kind": "note", "subject": "x", "customer_id": w.b_customer})),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec!["customer_id"]);
    let list = t.request("GET", "/api/v1/activities", Some(&w.a), None).await;
    let subjects: Vec<&str> =
        list.body["items"].as_array().unwrap().iter().map(|a| a["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, vec!["A calls"]);
    let filtered =
        t.request("GET", &format!("/api/v1/activities?customer_id={}", w.b_customer), Some(&w.a), None).await;
    assert_eq!(filtered.body["items"], json!([]));
    // B still has it, untouched; the admin sees both.
    assert_eq!(t.request("GET", &path, Some(&w.b), None).await.body["version"], 1);
    assert_eq!(t.get("/api/v1/activities").await.body["items"].as_array().unwrap().len(), 2);
    // A rep may not give a task to someone outside their scope.
    let b_id = t.request("GET", "/api/v1/me", Some(&w.b), None).await.body["id"].as_str().unwrap().to_string();
    let a_customer = t.request("GET", "/api/v1/customers", Some(&w.a), None).await.body["items"][0]["id"].clone();
    let r = t
        .request(
            "POST",
            "/api/v1/activities",
            Some(&w.a),
            Some(json!({"kind": "note", "subject": "x", "customer_id": a_customer, "owner_id": b_id})),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec!["owner_id"]);
}

#[tokio::test]
async fn the_body_follows_the_confidential_field_right() {
    let mut w = reps().await;
    let c = w.b_customer.clone();
    let a = activity(
        &w.t,
        &w.t.admin_token,
        json!({"kind": "note", "subject": "Notes", "body": "客户预算五十万", "customer_id": c}),
    )
    .await;
    let path = format!("/api/v1/activities/{}", a["id"].as_str().unwrap());
    w.t.add_user("support@test.example", "support").await;
    let support = w.t.login("support@test.example").await;
    // Support's default right is revealable: masked.
    let r = w.t.request("GET", &path, Some(&support), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["masked"], json!(["body"]));
    assert!(!r.body["body"].as_str().unwrap().contains("预算"), "{}", r.body);
    // Hidden: never shown, in any answer.
    let hide = custos_app::roles::RoleChanges { confidential: Some("hidden".into()), ..Default::default() };
    w.t.set_role("support", hide).await;
    let support = w.t.login("support@test.example").await;
    let r = w.t.request("GET", &path, Some(&support), None).await;
    assert_eq!((r.body["body"].clone(), r.body["hidden"].clone()), (Value::Null, json!(["body"])));
    for url in [format!("/api/v1/customers/{c}/timeline"), "/api/v1/activities".to_string()] {
        let r = w.t.request("GET", &url, Some(&support), None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(!r.body.to_string().contains("预算"), "{url}: {}", r.body);
    }
    // The rep who owns the customer reads it plain.
    assert_eq!(w.t.request("GET", &path, Some(&w.b), None).await.body["body"], "客户预算五十万");
    // Changes and deletions are in the audit log, by field name only.
    let events = w.t.get("/api/v1/audit/events?action=activity.create").await;
    assert_eq!(events.status, 200, "{}", events.body);
    assert!(!events.body.to_string().contains("预算"));
    assert!(events.body.to_string().contains("\"body\""), "{}", events.body);
}

#[tokio::test]
async fn lead_activities_follow_the_lead() {
    let w = reps().await;
    let t = &w.t;
    let lead =
        t.request("POST", "/api/v1/leads", Some(&w.b), Some(json!({"name": "Li Lei", "source": "website"}))).await;
    assert_eq!(lead.status, 201, "{}", lead.body);
    let lead_id = lead.body["id"].as_str().unwrap();
    let a =
        activity(t, &w.b, json!({"kind": "call", "subject": "Intro", "body": "interested", "lead_id": lead_id})).await;
    assert_eq!((a["lead_id"].as_str(), a["customer_id"].is_null()), (Some(lead_id), true));
    let path = format!("/api/v1/activities/{}", a["id"].as_str().unwrap());
    assert_eq!(t.request("GET", &path, Some(&w.b), None).await.body["body"], "interested");
    t.request("GET", &path, Some(&w.a), None).await.assert_problem(404);
    let r = t.request("GET", &format!("/api/v1/activities?lead_id={lead_id}"), Some(&w.a), None).await;
    assert_eq!(r.body["items"], json!([]));
    let r = t
        .request(
            "POST",
            "/api/v1/activities",
            Some(&w.a),
            Some(json!({"kind": "note", "subject": "x", "lead_id": lead_id})),
        )
        .await;
    assert_eq!(r.error_fields(), vec!["lead_id"]);
}
