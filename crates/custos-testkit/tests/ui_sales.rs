//! HTTP-level tests of the pipeline board and the deal pages (no browser): the board's columns,
//! counts, totals and capped cards; moving a card by the plain form and by the board script's
//! request (CSRF, version, 409 when stale); record scope on the board and pages; the deal form
//! with inline errors in both languages; won / lost / reopen; the list's filters and pages; and
//! escaping of hostile titles. The browser half is in `browser_board.rs`.

use custos_testkit::{TEST_PASSWORD, TestApp, spawn_app};
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::{Value, json};

/// A browser stand-in: no automatic redirects, cookies kept by hand.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
}

struct Page {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> String {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let i = self.body.find(marker).unwrap_or_else(|| panic!("no csrf field in: {}", self.body));
        let rest = &self.body[i + marker.len()..];
        rest[..rest.find('"').expect("end of value")].to_string()
    }
    fn cards(&self) -> usize {
        self.body.matches("class=\"deal-card\"").count()
    }
    fn rows(&self) -> usize {
        self.body.matches("<td class=\"name\">").count()
    }
}

impl Browser {
    fn new(t: &TestApp) -> Browser {
        let http = reqwest::Client::builder().redirect(Policy::none()).build().expect("client");
        Browser { http, base: t.base.clone(), cookies: Vec::new() }
    }

    async fn send(&mut self, rb: reqwest::RequestBuilder, extra: &[(&str, &str)]) -> Page {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let mut rb = rb.header("cookie", cookie);
        for (k, v) in extra {
            rb = rb.header(*k, *v);
        }
        let r = rb.send().await.expect("send");
        let p = Page { status: r.status().as_u16(), headers: r.headers().clone(), body: r.text().await.expect("body") };
        for c in p.headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let Some((k, v)) = c.split(';').next().unwrap_or("").split_once('=') else { continue };
            self.cookies.retain(|(n, _)| n != k);
            if !v.is_empty() && !c.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        p
    }

    async fn get(&mut self, path: &str) -> Page {
        self.get_with(path, &[]).await
    }

    async fn get_with(&mut self, path: &str, extra: &[(&str, &str)]) -> Page {
        let rb = self.http.get(format!("{}{path}", self.base));
        self.send(rb, extra).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_with(path, form, &[]).await
    }

    async fn post_with(&mut self, path: &str, form: &[(&str, &str)], extra: &[(&str, &str)]) -> Page {
        let rb = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(rb, extra).await
    }

    /// Signs in through the sign-in form; returns the session's CSRF token.
    async fn sign_in(&mut self, email: &str) -> String {
        let login = self.get("/login").await;
        let token = login.csrf();
        let r = self.post("/login", &[("csrf", &token), ("email", email), ("password", TEST_PASSWORD)]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        self.get("/pipeline").await.csrf()
    }
}

/// The default pipeline's id and stage ids.
async fn pipeline(t: &TestApp) -> (String, Vec<String>) {
    let p = t.get("/api/v1/pipelines").await.body["items"][0].clone();
    let stages = p["stages"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
    (p["id"].as_str().unwrap().to_string(), stages)
}

async fn deal(t: &TestApp, token: &str, body: Value) -> Value {
    let r = t.request("POST", "/api/v1/deals", Some(token), Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

#[tokio::test]
async fn the_board_shows_stages_counts_totals_and_cards() {
    let t = spawn_app().await;
    let (_, stages) = pipeline(&t).await;
    let c = t.create_customer(json!({"name": "Acme Trading"})).await;
    deal(
        &t,
        &t.admin_token,
        json!({"title": "Boilers", "customer_id": c["id"], "amount": "12500", "expected_close": "2026-11-30"}),
    )
    .await;
    deal(&t, &t.admin_token, json!({"title": "Pumps", "customer_id": c["id"], "amount": "500.5"})).await;
    deal(
        &t,
        &t.admin_token,
        json!({"title": "Valves", "customer_id": c["id"], "stage_id": stages[2], "currency": "USD", "amount": "99"}),
    )
    .await;
    let mut b = Browser::new(&t);
    b.sign_in(&t.admin_email).await;
    let p = b.get("/pipeline").await;
    assert_eq!(p.status, 200);
    let csp = p.headers.get("content-security-policy").unwrap().to_str().unwrap().to_string();
    assert!(!csp.contains("unsafe-inline") && csp.contains("script-src 'self'"), "{csp}");
    assert!(!p.body.contains("<script>") && p.body.contains("<script src=\"/static/board."), "only script files");
    for text in ["Qualification", "Needs analysis", "Proposal", "Negotiation", "Contract", "Boilers", "Acme Trading"] {
        assert!(p.body.contains(text), "{text} missing");
    }
    assert!(p.body.contains("2 open deals") && p.body.contains("1 open deal<"), "counts");
    assert!(p.body.contains("CN¥13,000.50") && p.body.contains("$99.00"), "totals");
    assert!(p.body.contains("30 Nov 2026"), "close date");
    assert!(p.body.contains("href=\"/pipeline\" aria-current=\"page\""), "nav");
    assert_eq!(p.cards(), 3);
    assert!(p.body.contains("draggable=\"true\" tabindex=\"0\""), "movable for a writer");
    let src = format!(
        "/static/board.{}",
        p.body.split("<script src=\"/static/board.").nth(1).unwrap().split('"').next().unwrap()
    );
    let js = b.get(&src).await;
    assert_eq!(
        (js.status, js.headers.get("content-type").unwrap().to_str().unwrap()),
        (200, "text/javascript; charset=utf-8")
    );
    assert!(js.body.contains("x-csrf-token"));
    // The same in Chinese.
    b.cookies.push(("custos_lang".into(), "zh-CN".into()));
    let zh = b.get("/pipeline").await;
    assert!(zh.body.contains("2 个进行中的商机") && zh.body.contains("¥13,000.50"), "zh-CN board");
}

#[tokio::test]
async fn a_card_moves_by_form_and_by_script_with_csrf_and_version() {
    let t = spawn_app().await;
    let (pid, stages) = pipeline(&t).await;
    let c = t.create_customer(json!({"name": "Acme"})).await;
    let d = deal(&t, &t.admin_token, json!({"title": "Mover", "customer_id": c["id"]})).await;
    let id = d["id"].as_str().unwrap();
    let mut b = Browser::new(&t);
    let csrf = b.sign_in(&t.admin_email).await;
    let url = format!("/deals/{id}/move");
    // No token: refused, nothing moves.
    assert_eq!(b.post(&url, &[("stage_id", &stages[1]), ("version", "1")]).await.status, 403);
    let r = b.post(&url, &[("csrf", &csrf), ("stage_id", &stages[1]), ("version", "1")]).await;
    assert_eq!((r.status, r.location()), (303, format!("/pipeline?pipeline={pid}#deal-{id}")));
    // The board script: token in the header, the new board in the answer.
    let hx = [("hx-request", "true"), ("x-csrf-token", csrf.as_str())];
    let r = b.post_with(&url, &[("stage_id", &stages[3]), ("version", "2")], &hx).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.starts_with("<div id=\"board\"") && r.body.contains("data-announce=\"Moved “Mover” to Negotiation.\""),
        "{}",
        &r.body[..300.min(r.body.len())]
    );
    assert!(!r.body.contains("<html"), "a fragment");
    // A stale card: 409 with the message, nothing changes.
    let r = b.post_with(&url, &[("stage_id", &stages[0]), ("version", "2")], &hx).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("Someone else changed this deal"));
    let r = b.post(&url, &[("csrf", &csrf), ("stage_id", &stages[0]), ("version", "2")]).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("alert-warn"));
    let h = t.get(&format!("/api/v1/deals/{id}/history")).await.body;
    let to: Vec<&str> = h["items"].as_array().unwrap().iter().map(|s| s["to_stage_id"].as_str().unwrap()).collect();
    assert_eq!(to, [stages[0].as_str(), stages[1].as_str(), stages[3].as_str()]);
    // The fragment of the board for the script's reload.
    let f = b.get_with(&format!("/pipeline?pipeline={pid}"), &[("hx-request", "true")]).await;
    assert!(f.body.starts_with("<div id=\"board\""));
}

#[tokio::test]
async fn a_rep_sees_only_their_own_cards_and_pages() {
    let t = spawn_app().await;
    t.add_user("a@test.example", "sales_rep").await;
    t.add_user("b@test.example", "sales_rep").await;
    let a = t.login("a@test.example").await;
    let c = t.request("POST", "/api/v1/customers", Some(&a), Some(json!({"name": "A's customer"}))).await.body;
    let d = deal(&t, &a, json!({"title": "Secret deal", "customer_id": c["id"], "amount": "777"})).await;
    let mut rb = Browser::new(&t);
    rb.sign_in("b@test.example").await;
    let board = rb.get("/pipeline").await;
    assert!(!board.body.contains("Secret deal") && !board.body.contains("CN¥777"));
    assert!(board.body.contains("0 open deals"));
    assert!(!rb.get("/deals").await.body.contains("Secret deal"));
    assert_eq!(rb.get(&format!("/deals/{}", d["id"].as_str().unwrap())).await.status, 404);
    let mut ra = Browser::new(&t);
    ra.sign_in("a@test.example").await;
    assert!(ra.get("/pipeline").await.body.contains("Secret deal"));
    // Support reads the board but gets no move controls.
    t.add_user("s@test.example", "support").await;
    let mut rs = Browser::new(&t);
    rs.sign_in("s@test.example").await;
    let p = rs.get("/pipeline").await;
    assert_eq!(p.cards(), 1);
    assert!(!p.body.contains("draggable=\"true\"") && !p.body.contains("/move\""));
}

#[tokio::test]
async fn the_board_caps_cards_per_stage_but_counts_every_deal() {
    let t = spawn_app().await;
    let c = t.create_customer(json!({"name": "Bulk"})).await;
    for i in 0..60 {
        deal(&t, &t.admin_token, json!({"title": format!("Bulk {i}"), "customer_id": c["id"], "amount": "1"})).await;
    }
    let mut b = Browser::new(&t);
    b.sign_in(&t.admin_email).await;
    let p = b.get("/pipeline").await;
    assert_eq!(p.cards(), 50);
    assert!(p.body.contains("60 open deals") && p.body.contains("CN¥60.00"));
    assert!(p.body.contains("Show all 60 in the deal list"));
    assert!(p.body.contains("/deals?pipeline_id="), "the link goes to the filtered list");
}

#[tokio::test]
async fn the_deal_form_shows_inline_errors_in_both_languages_then_creates() {
    let t = spawn_app().await;
    let c = t.create_customer(json!({"name": "Acme"})).await;
    let cid = c["id"].as_str().unwrap();
    let mut b = Browser::new(&t);
    let csrf = b.sign_in(&t.admin_email).await;
    let form = b.get(&format!("/deals/new?customer_id={cid}")).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(&format!("<option value=\"{cid}\" selected>Acme</option>")));
    let bad = [("csrf", csrf.as_str()), ("title", ""), ("customer_id", cid), ("amount", "12,5"), ("currency", "CNY")];
    let r = b.post("/deals", &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"d-title-error\"") && r.body.contains("Required."));
    assert!(r.body.contains("id=\"d-amount-error\"") && r.body.contains("Enter an amount such as 12500"));
    assert!(r.body.contains("aria-invalid=\"true\""));
    b.cookies.push(("custos_lang".into(), "zh-CN".into()));
    let r = b.post("/deals", &bad).await;
    assert!(r.body.contains("请输入金额"), "zh-CN message");
    assert_eq!(t.get("/api/v1/deals").await.body["items"].as_array().unwrap().len(), 0, "nothing created");
    b.cookies.retain(|(k, _)| k != "custos_lang");
    let good = [
        ("csrf", csrf.as_str()),
        ("title", "Boilers"),
        ("customer_id", cid),
        ("amount", "12500"),
        ("currency", "CNY"),
        ("expected_close", "2026-12-01"),
    ];
    let r = b.post("/deals", &good).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(&r.location()).await;
    assert!(
        page.body.contains("Boilers")
            && page.body.contains("CN¥12,500.00")
            && page.body.contains("Created in Qualification")
    );
    // Edit: a stale version keeps the values and warns.
    let edit = b.get(&format!("{}/edit", r.location())).await;
    assert!(edit.body.contains("value=\"Boilers\""));
    let stale = [
        ("csrf", csrf.as_str()),
        ("title", "Boilers 2"),
        ("customer_id", cid),
        ("amount", "1"),
        ("currency", "CNY"),
        ("version", "7"),
    ];
    let s = b.post(&format!("{}/edit", r.location()), &stale).await;
    assert_eq!(s.status, 409);
    assert!(s.body.contains("value=\"Boilers 2\"") && s.body.contains("alert-warn"));
}

#[tokio::test]
async fn won_lost_and_reopen_from_the_deal_page() {
    let t = spawn_app().await;
    let c = t.create_customer(json!({"name": "Acme"})).await;
    let d = deal(&t, &t.admin_token, json!({"title": "Closing", "customer_id": c["id"]})).await;
    let url = format!("/deals/{}", d["id"].as_str().unwrap());
    let mut b = Browser::new(&t);
    let csrf = b.sign_in(&t.admin_email).await;
    let r = b.post(&format!("{url}/lost"), &[("csrf", &csrf), ("version", "1"), ("reason", " ")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"lost-reason-error\"") && r.body.contains("<details class=\"deal-lost\" open>"));
    let r = b.post(&format!("{url}/lost"), &[("csrf", &csrf), ("version", "1"), ("reason", "Budget cut")]).await;
    assert_eq!((r.status, r.location()), (303, url.clone()));
    let page = b.get(&url).await;
    assert!(
        page.body.contains("badge-deal-lost")
            && page.body.contains("Budget cut")
            && page.body.contains("Lost in Qualification")
    );
    let r = b.post(&format!("{url}/reopen"), &[("csrf", &csrf), ("version", "2")]).await;
    assert_eq!(r.status, 303);
    let r = b.post(&format!("{url}/won"), &[("csrf", &csrf), ("version", "3")]).await;
    assert_eq!(r.status, 303);
    let stale = b.post(&format!("{url}/reopen"), &[("csrf", &csrf), ("version", "3")]).await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("badge-deal-won"), "shows the current state");
}

#[tokio::test]
async fn the_deal_list_filters_and_pages() {
    let t = spawn_app().await;
    let (_, stages) = pipeline(&t).await;
    let c = t.create_customer(json!({"name": "Acme"})).await;
    for i in 0..30 {
        let stage = if i < 3 { &stages[4] } else { &stages[0] };
        deal(&t, &t.admin_token, json!({"title": format!("Order {i:02}"), "customer_id": c["id"], "stage_id": stage}))
            .await;
    }
    let mut b = Browser::new(&t);
    b.sign_in(&t.admin_email).await;
    let first = b.get("/deals").await;
    assert_eq!(first.rows(), 25);
    let next = first
        .body
        .split("rel=\"next\"")
        .next()
        .unwrap()
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let second = b.get(&next).await;
    assert_eq!(second.rows(), 5);
    assert_eq!(b.get(&format!("/deals?stage_id={}", stages[4])).await.rows(), 3);
    assert_eq!(b.get("/deals?q=order%2007").await.rows(), 1);
    let none = b.get("/deals?status=won").await;
    assert!(none.body.contains("No deal matches these filters."));
    let bad = b.get("/deals?stage_id=nope").await;
    assert!(bad.body.contains("alert-error"));
    let frag = b.get_with("/deals?status=open", &[("hx-request", "true")]).await;
    assert_eq!(frag.status, 200);
}

#[tokio::test]
async fn hostile_titles_are_escaped_everywhere() {
    let t = spawn_app().await;
    let c = t.create_customer(json!({"name": "<b>Cust</b>"})).await;
    let payload = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
    let d = deal(&t, &t.admin_token, json!({"title": payload, "customer_id": c["id"]})).await;
    let mut b = Browser::new(&t);
    b.sign_in(&t.admin_email).await;
    for path in ["/pipeline".to_string(), "/deals".to_string(), format!("/deals/{}", d["id"].as_str().unwrap())] {
        let p = b.get(&path).await;
        assert_eq!(p.status, 200, "{path}");
        assert!(
            !p.body.contains("<script>alert") && !p.body.contains("<img src=x") && !p.body.contains("<b>Cust"),
            "{path}"
        );
    }
}
