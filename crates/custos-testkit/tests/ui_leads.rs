//! HTTP-level tests of the lead pages (no browser): the list with filters and pages, the
//! form with inline errors, the lead page masked per the viewer's rights, disqualify, and the
//! convert form with its duplicate warning ("add to this customer" / "convert anyway").

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
        let rb = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(rb, &[]).await
    }

    /// Signs in through the sign-in form; returns the session's CSRF token.
    async fn sign_in(&mut self, email: &str) -> String {
        let token = self.get("/login").await.csrf();
        let r = self.post("/login", &[("csrf", &token), ("email", email), ("password", TEST_PASSWORD)]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        self.get("/customers").await.csrf()
    }
}

async fn signed_in() -> (TestApp, Browser, String) {
    let t = spawn_app().await;
    let mut b = Browser::new(&t);
    let csrf = b.sign_in(&t.admin_email.clone()).await;
    (t, b, csrf)
}

async fn api_lead(t: &TestApp, body: Value) -> String {
    let r = t.post("/api/v1/leads", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

fn next_href(p: &Page) -> String {
    let i = p.body.find("rel=\"next\"").expect("next link");
    let start = p.body[..i].rfind("href=\"").expect("href") + 6;
    p.body[start..].split('"').next().expect("href").replace("&#38;", "&").replace("&amp;", "&")
}

#[tokio::test]
async fn the_lead_list_filters_searches_and_pages() {
    let (t, mut b, _csrf) = signed_in().await;
    for i in 0..27 {
        let source = if i % 3 == 0 { "cold_call" } else { "website" };
        api_lead(&t, json!({"name": format!("线索 {i:02}"), "source": source})).await;
    }
    api_lead(&t, json!({"name": "Wu Lan", "company": "上海云杉信息科技", "source": "event"})).await;
    let customers = b.get("/customers").await;
    assert!(customers.body.contains("href=\"/leads\""), "the navigation links to leads");
    let first = b.get("/leads").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.rows(), 25);
    assert!(first.body.contains("25 leads on this page"));
    let second = b.get(&next_href(&first)).await;
    assert_eq!(second.rows(), 3);
    assert!(second.body.contains("First page"));
    let by_source = b.get("/leads?source=cold_call").await;
    assert_eq!(by_source.rows(), 9, "{}", by_source.body);
    assert!(by_source.body.contains("Cold call"));
    let found = b.get("/leads?q=云杉").await;
    assert_eq!(found.rows(), 1);
    assert!(found.body.contains("Wu Lan"));
    let none = b.get("/leads?status=converted").await;
    assert!(none.body.contains("No lead matches these filters."));
    let hx = b.get_with("/leads?q=云杉", &[("hx-request", "true")]).await;
    assert!(hx.body.contains("id=\"results\"") && hx.body.contains("Wu Lan"));
    let long = "长".repeat(201);
    let bad = b.get(&format!("/leads?q={long}")).await;
    assert_eq!(bad.status, 200);
    assert!(bad.body.contains("alert-error"));

    // Support holds no lead rights: no link, and the page is refused.
    t.add_user("s@test.example", "support").await;
    let mut s = Browser::new(&t);
    s.sign_in("s@test.example").await;
    assert!(!s.get("/customers").await.body.contains("href=\"/leads\""));
    assert_eq!(s.get("/leads").await.status, 403);
}

#[tokio::test]
async fn the_lead_form_shows_inline_errors_and_saves() {
    let (t, mut b, csrf) = signed_in().await;
    assert!(b.get("/leads/new").await.body.contains("name=\"source\""));
    let form = [("csrf", csrf.as_str()), ("name", " "), ("source", ""), ("email", "not-an-email"), ("company", "云杉")];
    let r = b.post("/leads", &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for id in ["l-name-error", "l-source-error", "l-email-error"] {
        assert!(r.body.contains(&format!("id=\"{id}\"")), "{id}: {}", r.body);
    }
    assert!(r.body.contains("value=\"云杉\""), "refilled");
    assert!(r.body.contains("Enter an e-mail address like name@example.com."));
    assert_eq!(t.get("/api/v1/leads").await.body["items"], json!([]), "nothing saved");
    assert_eq!(b.post("/leads", &[("name", "No token"), ("source", "other")]).await.status, 403);

    let ok = [("csrf", csrf.as_str()), ("name", "Zhao Lei"), ("source", "referral"), ("email", "zhao@example.com")];
    let r = b.post("/leads", &ok).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let path = r.location();
    let page = b.get(&path).await;
    assert!(page.body.contains("Zhao Lei") && page.body.contains("zhao@example.com") && page.body.contains("Referral"));
    // Edit: a stale version keeps the typed values and says why.
    let edit = b.get(&format!("{path}/edit")).await;
    assert!(edit.body.contains("name=\"version\" value=\"1\""));
    let save = [
        ("csrf", csrf.as_str()),
        ("name", "Zhao Lei 2"),
        ("source", "referral"),
        ("status", "contacted"),
        ("initial_status", "new"),
        ("version", "1"),
    ];
    assert_eq!(b.post(&format!("{path}/edit"), &save).await.status, 303);
    let stale = b.post(&format!("{path}/edit"), &save).await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("Someone else changed this lead"));
    assert!(b.get(&path).await.body.contains("Contacted"));

    // Disqualify needs a reason.
    let dq = b.post(&format!("{path}/disqualify"), &[("csrf", &csrf), ("version", "2"), ("reason", " ")]).await;
    assert_eq!(dq.status, 422);
    assert!(dq.body.contains("id=\"dq-reason-error\""));
    let dq = b
        .post(&format!("{path}/disqualify"), &[("csrf", &csrf), ("version", "2"), ("reason", "Went with a rival")])
        .await;
    assert_eq!(dq.status, 303);
    let page = b.get(&path).await;
    assert!(page.body.contains("Disqualified: Went with a rival"));
    assert!(!page.body.contains("/convert\""), "a disqualified lead offers no conversion");
}

#[tokio::test]
async fn the_lead_page_masks_what_the_viewer_may_not_see() {
    let t = spawn_app().await;
    let id = api_lead(
        &t,
        json!({"name": "Sun Li", "source": "website", "email": "sun.li@example.com", "mobile": "13812345678"}),
    )
    .await;
    t.add_user("mk@test.example", "marketing").await;
    let mut m = Browser::new(&t);
    m.sign_in("mk@test.example").await;
    let page = m.get(&format!("/leads/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("s***@example.com") && page.body.contains("138****5678"), "{}", page.body);
    assert!(!page.body.contains("sun.li@") && !page.body.contains("12345678"));
    assert!(!page.body.contains(&format!("/leads/{id}/convert")), "marketing cannot convert");
    let edit = m.get(&format!("/leads/{id}/edit")).await;
    assert!(!edit.body.contains("name=\"email\""), "a masked value is never put into a form");
    let mut admin = Browser::new(&t);
    admin.sign_in(&t.admin_email.clone()).await;
    let page = admin.get(&format!("/leads/{id}")).await;
    assert!(page.body.contains("sun.li@example.com") && page.body.contains(&format!("/leads/{id}/convert")));
}

#[tokio::test]
async fn converting_warns_of_duplicates_and_offers_the_existing_customer_or_a_new_one() {
    let (t, mut b, csrf) = signed_in().await;
    let existing = t.create_customer(json!({"name": "Yunshan Tech", "email": "wu.lan@yunshan.example"})).await;
    let eid = existing["id"].as_str().unwrap();
    let body = json!({"name": "Wu Lan", "company": "云杉科技", "source": "event", "email": "wu.lan@yunshan.example"});
    let id = api_lead(&t, body.clone()).await;
    let path = format!("/leads/{id}/convert");
    let form = b.get(&path).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"云杉科技\""), "the company is the default customer name");
    assert!(form.body.contains("Sales · "), "stages of the default pipeline are offered: {}", form.body);
    let base = [
        ("csrf", csrf.as_str()),
        ("version", "1"),
        ("customer_name", "云杉科技"),
        ("customer_kind", "organization"),
        ("create_contact", "on"),
    ];
    let warn = b.post(&path, &base).await;
    assert_eq!(warn.status, 409, "{}", warn.body);
    assert!(warn.body.contains("Possible duplicates"));
    assert!(warn.body.contains(&format!("href=\"/customers/{eid}\"")) && warn.body.contains("Yunshan Tech"));
    assert!(warn.body.contains(&format!("name=\"customer_id\" value=\"{eid}\"")));
    assert!(warn.body.contains("name=\"confirm_duplicates\""));
    assert_eq!(t.get(&format!("/api/v1/leads/{id}")).await.body["status"], "new", "nothing changed");

    // "Add to this customer".
    let mut add = base.to_vec();
    add.push(("customer_id", eid));
    let r = b.post(&path, &add).await;
    assert_eq!((r.status, r.location()), (303, format!("/customers/{eid}")));
    let lead = t.get(&format!("/api/v1/leads/{id}")).await;
    assert_eq!((lead.body["status"].clone(), lead.body["customer_id"].clone()), (json!("converted"), json!(eid)));
    assert!(b.get(&format!("/leads/{id}")).await.body.contains(&format!("href=\"/customers/{eid}\"")));

    // "Create a new customer anyway", with a deal; a bad amount first shows inline.
    let id2 = api_lead(&t, body).await;
    let path2 = format!("/leads/{id2}/convert");
    let mut deal = base.to_vec();
    deal.extend([
        ("with_deal", "on"),
        ("deal_title", "Pilot"),
        ("amount", "12.345"),
        ("currency", "CNY"),
        ("confirm_duplicates", "1"),
    ]);
    let bad = b.post(&path2, &deal).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("id=\"cv-amount-error\""), "{}", bad.body);
    assert_eq!(t.get("/api/v1/deals").await.body["items"], json!([]));
    for f in &mut deal {
        if f.0 == "amount" {
            f.1 = "12.30";
        }
    }
    let r = b.post(&path2, &deal).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_ne!(r.location(), format!("/customers/{eid}"));
    let deals = t.get("/api/v1/deals").await;
    assert_eq!(deals.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(deals.body["items"][0]["lead_id"], json!(id2));
}
