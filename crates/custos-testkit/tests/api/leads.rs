//! Leads over HTTP: create, read, change (If-Match), disqualify, delete and list with filters;
//! bad input names the fields and changes nothing; a rep sees only their own leads; field
//! rights mask or hide a lead's e-mail; marketing may keep leads but not convert them; a lead's
//! e-mail never reaches the database file in plaintext. Conversion is in `lead_convert.rs`.

use custos_testkit::{TestApp, backends, spawn_app, spawn_app_on};
use serde_json::{Value, json};

pub(crate) fn full_lead() -> Value {
    json!({
        "name": "王芳", "company": "星河科技", "title": "采购经理", "source": "website",
        "email": "wang.fang@xinghe.example", "mobile": "13812345678", "notes": "Met at the Shanghai fair"
    })
}

pub(crate) async fn create_lead(t: &TestApp, token: &str, body: Value) -> Value {
    let r = t.request("POST", "/api/v1/leads", Some(token), Some(body)).await;
    assert_eq!(r.status, 201, "create lead: {}", r.body);
    r.body
}

fn ids(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn leads_round_trip_with_filters_etags_and_delete() {
    for b in backends() {
        let t = spawn_app_on(b).await;
        let token = t.admin_token.clone();
        let r = t.request("POST", "/api/v1/leads", Some(&token), Some(full_lead())).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        let id = r.body["id"].as_str().unwrap().to_string();
        assert_eq!(r.header("location"), Some(format!("/api/v1/leads/{id}")));
        assert_eq!(r.body["status"], "new");
        assert_eq!(r.body["mobile"], "+8613812345678");
        assert_eq!(r.body["customer_id"], Value::Null);
        let me = t.get("/api/v1/me").await.body["id"].clone();
        assert_eq!(r.body["owner_id"], me);
        let path = format!("/api/v1/leads/{id}");
        let read = t.get(&path).await;
        assert_eq!(read.body, r.body, "read back what was written");
        let other = create_lead(&t, &token, json!({"name": "Li Lei", "source": "cold_call"})).await;

        // Filters: status, source, name or company substring, exact e-mail and mobile (blind index).
        for (query, expect) in [
            ("?source=website", vec![id.clone()]),
            ("?source=cold_call", vec![other["id"].as_str().unwrap().to_string()]),
            ("?q=%E6%98%9F%E6%B2%B3", vec![id.clone()]),
            ("?q=li%20lei", vec![other["id"].as_str().unwrap().to_string()]),
            ("?email=WANG.FANG%40xinghe.example", vec![id.clone()]),
            ("?mobile=%2B86%20138%201234%205678", vec![id.clone()]),
            ("?status=contacted", vec![]),
            ("?created_to=2000-01-01", vec![]),
        ] {
            let l = t.get(&format!("/api/v1/leads{query}")).await;
            assert_eq!(l.status, 200, "{query}: {}", l.body);
            assert_eq!(ids(&l.body), expect, "{query}");
        }
        let today = time::OffsetDateTime::now_utc().date();
        let l = t.get(&format!("/api/v1/leads?created_from={today}&sort=name")).await;
        assert_eq!(ids(&l.body).len(), 2);
        let page = t.get("/api/v1/leads?limit=1&sort=name").await;
        assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
        let cursor = page.body["next_cursor"].as_str().expect("a next page");
        let next = t.get(&format!("/api/v1/leads?limit=1&sort=name&cursor={cursor}")).await;
        assert_eq!(next.body["items"].as_array().unwrap().len(), 1);
        assert_ne!(ids(&next.body), ids(&page.body));

        // PATCH with If-Match; a stale ETag is 412, a stale body version 409.
        let p = t
            .request_with(
                "PATCH",
                &path,
                Some(&token),
                Some(json!({"status": "contacted", "email": null, "company": "星河科技有限公司"})),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert_eq!(
            (p.body["status"].clone(), p.body["email"].clone(), p.body["version"].clone()),
            (json!("contacted"), Value::Null, json!(2))
        );
        assert_eq!(p.header("etag").as_deref(), Some("\"2\""));
        t.request_with("PATCH", &path, Some(&token), Some(json!({"name": "x"})), &[("if-match", "\"1\"")])
            .await
            .assert_problem(412);
        t.request("PATCH", &path, Some(&token), Some(json!({"version": 1, "name": "x"}))).await.assert_problem(409);
        t.request("PATCH", &path, Some(&token), Some(json!({"name": "x"}))).await.assert_problem(428);

        // Disqualify needs a reason; a disqualified lead reopens with a working status.
        let dq = t.request("POST", &format!("{path}/disqualify"), Some(&token), Some(json!({"version": 2}))).await;
        dq.assert_problem(422);
        assert_eq!(dq.error_fields(), vec!["reason"]);
        let dq = t
            .request(
                "POST",
                &format!("{path}/disqualify"),
                Some(&token),
                Some(json!({"version": 2, "reason": "No budget this year"})),
            )
            .await;
        assert_eq!(dq.status, 200, "{}", dq.body);
        assert_eq!(
            (dq.body["status"].clone(), dq.body["disqualify_reason"].clone()),
            (json!("disqualified"), json!("No budget this year"))
        );
        let back = t.request("PATCH", &path, Some(&token), Some(json!({"version": 3, "status": "qualified"}))).await;
        assert_eq!(
            (back.body["status"].clone(), back.body["disqualify_reason"].clone()),
            (json!("qualified"), Value::Null)
        );

        // Delete with a stale ETag is refused; then it is gone.
        t.request_with("DELETE", &path, Some(&token), None, &[("if-match", "\"1\"")]).await.assert_problem(412);
        let d = t.request_with("DELETE", &path, Some(&token), None, &[("if-match", "\"4\"")]).await;
        assert_eq!(d.status, 204, "{}", d.body);
        t.get(&path).await.assert_problem(404);
    }
}

#[tokio::test]
async fn bad_input_names_the_fields_and_changes_nothing() {
    let t = spawn_app().await;
    let bad = json!({"name": "x".repeat(201), "source": "billboard", "status": "converted",
        "email": "not-an-email", "mobile": "12345", "title": "t".repeat(101), "notes": "n".repeat(10_001)});
    let r = t.post("/api/v1/leads", bad).await;
    r.assert_problem(422);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["email", "mobile", "name", "notes", "source", "status", "title"]);
    assert!(!r.body.to_string().contains("not-an-email"), "values are never echoed: {}", r.body);
    let missing = t.post("/api/v1/leads", json!({})).await;
    missing.assert_problem(422);
    assert_eq!(missing.error_fields(), ["name", "source"]);
    t.post("/api/v1/leads", json!({"name": "x", "source": "other", "nope": 1})).await.assert_problem(400);
    t.post(
        "/api/v1/leads",
        json!({"name": "x", "source": "other", "owner_id": "0190f0e0-0000-7000-8000-000000000000"}),
    )
    .await
    .assert_problem(422);
    assert_eq!(t.get("/api/v1/leads").await.body["items"], json!([]), "nothing was created");

    let lead = create_lead(&t, &t.admin_token, full_lead()).await;
    let path = format!("/api/v1/leads/{}", lead["id"].as_str().unwrap());
    for body in [
        json!({"version": 1, "email": "broken", "name": ""}),
        json!({"version": 1, "status": "disqualified"}),
        json!({"version": 1, "source": "tv"}),
    ] {
        t.request("PATCH", &path, Some(&t.admin_token), Some(body)).await.assert_problem(422);
    }
    let long = t
        .request(
            "POST",
            &format!("{path}/disqualify"),
            Some(&t.admin_token),
            Some(json!({"version": 1, "reason": "r".repeat(501)})),
        )
        .await;
    long.assert_problem(422);
    assert_eq!(long.error_fields(), ["reason"]);
    assert_eq!(t.get(&path).await.body, lead, "unchanged after every refused change");
    for q in [
        "?status=won",
        "?source=tv",
        "?email=nope",
        "?created_from=yesterday",
        "?sort=owner",
        "?limit=0",
        "?cursor=zzz",
    ] {
        t.get(&format!("/api/v1/leads{q}")).await.assert_problem(422);
    }
}

#[tokio::test]
async fn a_rep_sees_only_their_own_leads_and_another_reps_lead_is_not_found() {
    let t = spawn_app().await;
    t.add_user("a@test.example", "sales_rep").await;
    t.add_user("b@test.example", "sales_rep").await;
    let (a, b) = (t.login("a@test.example").await, t.login("b@test.example").await);
    let mine = create_lead(&t, &a, json!({"name": "A's lead", "source": "event"})).await;
    let theirs =
        create_lead(&t, &b, json!({"name": "B's lead", "source": "event", "email": "b.lead@example.com"})).await;
    let list = t.request("GET", "/api/v1/leads", Some(&a), None).await;
    assert_eq!(ids(&list.body), vec![mine["id"].as_str().unwrap().to_string()]);
    let by_mail = t.request("GET", "/api/v1/leads?email=b.lead%40example.com", Some(&a), None).await;
    assert_eq!(by_mail.body["items"], json!([]), "a blind-index search stays in scope");
    let other = format!("/api/v1/leads/{}", theirs["id"].as_str().unwrap());
    let hidden = t.request("GET", &other, Some(&a), None).await;
    hidden.assert_problem(404);
    let unknown = t.request("GET", "/api/v1/leads/0190f0e0-0000-7000-8000-000000000000", Some(&a), None).await;
    assert_eq!(unknown.body, hidden.body, "out of scope looks exactly like unknown");
    t.request("PATCH", &other, Some(&a), Some(json!({"version": 1, "name": "x"}))).await.assert_problem(404);
    t.request("POST", &format!("{other}/disqualify"), Some(&a), Some(json!({"version": 1, "reason": "mine now"})))
        .await
        .assert_problem(404);
    t.request("POST", &format!("{other}/convert"), Some(&a), Some(json!({"version": 1}))).await.assert_problem(404);
    t.request("DELETE", &other, Some(&a), None).await.assert_problem(404);
    assert_eq!(t.get(&other).await.body["version"], 1, "B's lead is untouched");
    assert_eq!(ids(&t.get("/api/v1/leads").await.body).len(), 2, "the admin sees both");
}

#[tokio::test]
async fn field_rights_mask_or_hide_a_leads_contact_details() {
    let mut t = spawn_app().await;
    t.add_user("mk@test.example", "marketing").await;
    let marketing = t.login("mk@test.example").await;
    let lead = create_lead(&t, &marketing, full_lead()).await;
    // Marketing keeps leads but sees personal data masked (a hint only).
    assert_eq!(lead["email"], "w***@xinghe.example");
    assert_eq!(lead["mobile"], "138****5678");
    assert_eq!(lead["masked"], json!(["email", "mobile", "notes"]));
    assert!(!lead["notes"].as_str().unwrap().contains("Shanghai"));
    let path = format!("/api/v1/leads/{}", lead["id"].as_str().unwrap());
    let admin = t.get(&path).await;
    assert_eq!(admin.body["email"], "wang.fang@xinghe.example", "stored in full");
    assert_eq!(admin.body["masked"], json!([]));
    // Marketing may not convert.
    t.request("POST", &format!("{path}/convert"), Some(&marketing), Some(json!({"version": 1})))
        .await
        .assert_problem(403);
    assert_eq!(t.get(&path).await.body["status"], "new");
    // A role whose confidential right is hidden gets no value at all.
    let c = custos_app::roles::RoleChanges { confidential: Some("hidden".into()), ..Default::default() };
    t.set_role("marketing", c).await;
    let marketing = t.login("mk@test.example").await;
    let r = t.request("GET", &path, Some(&marketing), None).await;
    assert_eq!((r.body["email"].clone(), r.body["mobile"].clone()), (Value::Null, Value::Null));
    assert_eq!(r.body["hidden"], json!(["email", "mobile", "notes"]));
    // Support has no lead rights at all.
    t.add_user("s@test.example", "support").await;
    let support = t.login("s@test.example").await;
    t.request("GET", "/api/v1/leads", Some(&support), None).await.assert_problem(403);
    t.request("POST", "/api/v1/leads", Some(&support), Some(full_lead())).await.assert_problem(403);
}

#[tokio::test]
async fn a_leads_contact_details_never_reach_the_database_file_in_plaintext() {
    let t = spawn_app().await;
    let markers = ["lqzx7w.canary@ibislead.test", "13987650789", "LeadNote quokka-heron"];
    let lead = create_lead(
        &t,
        &t.admin_token,
        json!({"name": "Canary Lead", "source": "other", "email": markers[0], "mobile": markers[1], "notes": markers[2]}),
    )
    .await;
    let id = lead["id"].as_str().unwrap();
    let patched = t
        .request(
            "PATCH",
            &format!("/api/v1/leads/{id}"),
            Some(&t.admin_token),
            Some(json!({"version": 1, "title": "CTO"})),
        )
        .await;
    assert_eq!(patched.status, 200);
    let found = t.get("/api/v1/leads?email=lqzx7w.canary%40ibislead.test").await;
    assert_eq!(ids(&found.body), vec![id.to_string()], "found through the blind index");
    let needles = ["lqzx7w.can", "ibislead", "87650789", "quokka-heron", "LeadNote"];
    for entry in std::fs::read_dir(t.db.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for n in needles {
            assert!(!bytes.windows(n.len()).any(|w| w == n.as_bytes()), "{n:?} found in {}", path.display());
        }
    }
}
