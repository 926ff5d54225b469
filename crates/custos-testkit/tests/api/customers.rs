use custos_testkit::{backends, spawn_app, spawn_app_on};
use serde_json::{Value, json};

fn full_customer() -> Value {
    json!({
        "name": "杭州云栖科技有限公司",
        "kind": "organization",
        "industry": "软件",
        "tier": "A",
        "status": "prospect",
        "tags": ["vip", "重点客户"],
        "source": "展会 trade show",
        "email": "Zhang.Wei@Example.com",
        "mobile": "138 1234 5678",
        "phone": "0571-8888 1234",
        "address": "浙江省杭州市西湖区文三路 90 号",
        "birthday": "1985-06-15",
        "national_id": "11010519491231002x",
        "bank_account": "6222 0202 0011 2345 679",
        "notes": "首次拜访顺利。"
    })
}

#[tokio::test]
async fn create_get_update_delete_on_every_backend() {
    for backend in backends() {
        let mut t = spawn_app_on(backend).await;
        t.show_plain("admin").await;
        let c = t.post("/api/v1/customers", full_customer()).await;
        assert_eq!(c.status, 201, "{backend:?}: {}", c.body);
        let id = c.body["id"].as_str().unwrap().to_string();
        assert_eq!(c.header("location").unwrap(), format!("/api/v1/customers/{id}"));
        assert_eq!(c.header("etag").unwrap(), "\"1\"");
        // Canonical forms.
        assert_eq!(c.body["email"], "Zhang.Wei@example.com");
        assert_eq!(c.body["mobile"], "+8613812345678");
        assert_eq!(c.body["national_id"], "11010519491231002X");
        assert_eq!(c.body["bank_account"], "6222020200112345679");
        assert_eq!(c.body["tags"], json!(["vip", "重点客户"]));
        assert!(c.body["owner_id"].is_string(), "owner defaults to the creator");

        let g = t.get(&format!("/api/v1/customers/{id}")).await;
        assert_eq!(g.status, 200);
        assert_eq!(g.body, custos_testkit::without_create_extras(c.body.clone()), "{backend:?}: read back differs");

        // PATCH with If-Match: set, clear, keep.
        let p = t
            .request_with(
                "PATCH",
                &format!("/api/v1/customers/{id}"),
                Some(&t.admin_token),
                Some(json!({"status": "customer", "notes": null, "tags": ["vip"]})),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert_eq!(p.body["version"], 2);
        assert_eq!(p.header("etag").unwrap(), "\"2\"");
        assert_eq!(p.body["status"], "customer");
        assert_eq!(p.body["notes"], Value::Null);
        assert_eq!(p.body["email"], "Zhang.Wei@example.com");
        assert_eq!(p.body["tags"], json!(["vip"]));

        // Stale: 412 with If-Match, 409 with a body version, 428 with neither.
        let stale = t
            .request_with(
                "PATCH",
                &format!("/api/v1/customers/{id}"),
                Some(&t.admin_token),
                Some(json!({"tier": "B"})),
                &[("if-match", "\"1\"")],
            )
            .await;
        stale.assert_problem(412);
        assert_eq!(stale.body["current_version"], 2);
        t.request(
            "PATCH",
            &format!("/api/v1/customers/{id}"),
            Some(&t.admin_token),
            Some(json!({"version": 1, "tier": "B"})),
        )
        .await
        .assert_problem(409);
        t.request("PATCH", &format!("/api/v1/customers/{id}"), Some(&t.admin_token), Some(json!({"tier": "B"})))
            .await
            .assert_problem(428);
        assert_eq!(t.get(&format!("/api/v1/customers/{id}")).await.body["tier"], "A", "refused updates change nothing");

        // Delete, then it is gone.
        t.request_with(
            "DELETE",
            &format!("/api/v1/customers/{id}"),
            Some(&t.admin_token),
            None,
            &[("if-match", "\"1\"")],
        )
        .await
        .assert_problem(412);
        assert_eq!(
            t.request("DELETE", &format!("/api/v1/customers/{id}"), Some(&t.admin_token), None).await.status,
            204
        );
        t.get(&format!("/api/v1/customers/{id}")).await.assert_problem(404);
        t.request("DELETE", &format!("/api/v1/customers/{id}"), Some(&t.admin_token), None).await.assert_problem(404);
    }
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404() {
    let t = spawn_app().await;
    t.get("/api/v1/customers/0190f0e0-0000-7000-8000-000000000000").await.assert_problem(404);
    t.get("/api/v1/customers/not-a-uuid").await.assert_problem(404);
}

async fn names(t: &custos_testkit::TestApp, query: &str) -> (Vec<String>, Option<String>) {
    let r = t.get(&format!("/api/v1/customers?{query}")).await;
    assert_eq!(r.status, 200, "{query}: {}", r.body);
    let names = r.body["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect();
    (names, r.body["next_cursor"].as_str().map(String::from))
}

#[tokio::test]
async fn list_filters_sorts_and_paginates_on_every_backend() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        let rep = t.add_user("rep@test.example", "sales_rep").await;
        for i in 0..25 {
            let status = ["lead", "prospect", "customer"][i % 3];
            let mut body = json!({"name": format!("Customer {i:02}"), "status": status, "tags": if i % 5 == 0 { json!(["vip"]) } else { json!([]) }});
            if i % 4 == 0 {
                body["owner_id"] = json!(rep.id.to_string());
            }
            if i == 7 {
                body["email"] = json!("seven@example.com");
                body["mobile"] = json!("13900000007");
            }
            t.post("/api/v1/customers", body).await;
            t.clock.advance(std::time::Duration::from_millis(3));
        }
        t.post("/api/v1/customers", json!({"name": "50%_off\\Shop"})).await;

        // Pagination by name visits every record exactly once, in order.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let q = match &cursor {
                Some(c) => format!("sort=name&limit=7&cursor={c}"),
                None => "sort=name&limit=7".into(),
            };
            let (page, next) = names(&t, &q).await;
            assert!(page.len() <= 7);
            seen.extend(page);
            match next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        assert_eq!(seen.len(), 26, "{backend:?}");
        let mut sorted = seen.clone();
        sorted.sort_by_key(|s| s.to_lowercase());
        assert_eq!(seen, sorted, "{backend:?}");

        // Descending creation order by default, with pages that do not overlap.
        let (first, next) = names(&t, "limit=10").await;
        assert_eq!(first[0], "50%_off\\Shop");
        let (second, _) = names(&t, &format!("limit=10&cursor={}", next.unwrap())).await;
        assert!(first.iter().all(|n| !second.contains(n)));

        assert_eq!(names(&t, "status=lead&limit=200").await.0.len(), 10);
        assert_eq!(names(&t, "tag=vip&limit=200").await.0.len(), 5);
        assert_eq!(names(&t, &format!("owner={}&limit=200", rep.id)).await.0.len(), 7);
        assert_eq!(names(&t, "q=customer%201&limit=200").await.0.len(), 10, "case-insensitive contains");
        assert_eq!(names(&t, "q=%25_&limit=200").await.0, vec!["50%_off\\Shop"], "LIKE wildcards are literal");
        assert_eq!(names(&t, "email=SEVEN%40example.com").await.0, vec!["Customer 07"], "blind-index search");
        assert_eq!(names(&t, "mobile=%2B86%20139-0000-0007").await.0, vec!["Customer 07"]);
        assert_eq!(names(&t, "status=lead&tag=vip&limit=200").await.0.len(), 2);

        // Bad parameters are 4xx problems.
        t.get("/api/v1/customers?status=vip").await.assert_problem(422);
        t.get("/api/v1/customers?sort=bogus").await.assert_problem(422);
        t.get("/api/v1/customers?limit=0").await.assert_problem(422);
        t.get("/api/v1/customers?limit=abc").await.assert_problem(400);
        t.get("/api/v1/customers?cursor=garbage").await.assert_problem(422);
        t.get("/api/v1/customers?unknown=1").await.assert_problem(400);
        let (_, next) = names(&t, "sort=name&limit=2").await;
        t.get(&format!("/api/v1/customers?sort=-created_at&cursor={}", next.unwrap())).await.assert_problem(422);
    }
}

#[tokio::test]
async fn owner_and_team_must_exist() {
    let t = spawn_app().await;
    let r = t.post("/api/v1/customers", json!({"name": "x", "owner_id": "0190f0e0-0000-7000-8000-000000000000"})).await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec!["owner_id"]);
    let r = t.post("/api/v1/customers", json!({"name": "x", "team_id": "nope"})).await;
    assert_eq!(r.error_fields(), vec!["team_id"]);
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let t = spawn_app().await;
    let r = t.get("/api/v1/customers").await;
    assert_eq!(r.header("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(r.header("cache-control").unwrap(), "no-store");
    assert!(r.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
    assert!(r.header("x-request-id").is_some());
    let h = t.request("GET", "/healthz", None, None).await;
    assert_eq!(h.status, 200);
    assert_eq!(h.body["status"], "ok");
}
