//! HTTP-level tests of the activity pages (no browser): `/tasks` lists my overdue and
//! today's tasks, completes one through htmx (and by a plain form post), logs an activity
//! with inline errors in both languages, and needs the CSRF token; the customer page shows
//! the timeline and logs onto it; `/team` shows the leaderboard and quotas with SVG bars and
//! no inline style, and is refused to a role without `quota.read`. Never talks to anything
//! but the spawned server.

use custos_domain::Clock;
use custos_testkit::{TEST_PASSWORD, TestApp, spawn_app};
use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::json;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, Time};

/// A browser stand-in: no automatic redirects, cookies kept by hand.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
    lang: &'static str,
}

struct Page {
    status: u16,
    location: String,
    content_type: String,
    csp: String,
    body: String,
}

impl Page {
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let i = self.body.find(marker).unwrap_or_else(|| panic!("no csrf field in: {}", self.body));
        let rest = &self.body[i + marker.len()..];
        rest[..rest.find('"').expect("end of value")].to_string()
    }

    /// Nothing inline the CSP would refuse: no style attributes or elements, no inline script.
    fn assert_no_inline(&self) {
        let body = self.body.to_lowercase();
        assert!(!body.contains("<style") && !body.contains(" style="), "{}", self.body);
        assert!(!body.contains(" onclick=") && !body.contains(" onsubmit="), "{}", self.body);
        assert!(self.csp.contains("style-src 'self'") && !self.csp.contains("unsafe"), "{}", self.csp);
    }
}

impl Browser {
    fn new(t: &TestApp) -> Browser {
        let http = reqwest::Client::builder().redirect(Policy::none()).build().expect("client");
        Browser { http, base: t.base.clone(), cookies: Vec::new(), lang: "en" }
    }

    async fn send(&mut self, rb: reqwest::RequestBuilder, extra: &[(&str, &str)]) -> Page {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let mut rb = rb.header("cookie", cookie).header("accept-language", self.lang);
        for (k, v) in extra {
            rb = rb.header(*k, *v);
        }
        let r = rb.send().await.expect("send");
        let h = |name| r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let (status, location, content_type, csp) = (
            r.status().as_u16(),
            h(LOCATION),
            h(reqwest::header::CONTENT_TYPE),
            h(reqwest::header::CONTENT_SECURITY_POLICY),
        );
        for c in r.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let Some((k, v)) = c.split(';').next().and_then(|p| p.split_once('=')) else { continue };
            self.cookies.retain(|(n, _)| n != k);
            if !v.is_empty() && !c.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        Page { status, location, content_type, csp, body: r.text().await.expect("body") }
    }

    async fn get(&mut self, path: &str) -> Page {
        let rb = self.http.get(format!("{}{path}", self.base));
        self.send(rb, &[]).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)], extra: &[(&str, &str)]) -> Page {
        let rb = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(rb, extra).await
    }

    /// Signs in through the sign-in form; returns the session's CSRF token.
    async fn sign_in(&mut self, email: &str) -> String {
        let login = self.get("/login").await;
        let token = login.csrf();
        let r = self.post("/login", &[("csrf", &token), ("email", email), ("password", TEST_PASSWORD)], &[]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        self.get("/customers").await.csrf()
    }
}

fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

async fn task(t: &TestApp, customer: &str, subject: &str, due: OffsetDateTime) -> String {
    let r = t
        .post(
            "/api/v1/activities",
            json!({"kind": "task", "subject": subject, "customer_id": customer, "due_at": rfc(due)}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_tasks_page_lists_completes_and_logs() {
    let t = spawn_app().await;
    let c = t.create_customer(json!({"name": "Yunqi <Tech>"})).await["id"].as_str().unwrap().to_string();
    let midnight = t.clock.now().to_offset(time::UtcOffset::UTC).replace_time(Time::MIDNIGHT);
    let late = task(&t, &c, "Call back <b>now</b>", midnight - Duration::from_secs(3600)).await;
    task(&t, &c, "Send the offer", midnight + Duration::from_secs(60)).await;
    task(&t, &c, "Next week", midnight + Duration::from_secs(7 * 86_400)).await;
    let mut b = Browser::new(&t);
    let csrf = b.sign_in(&t.admin_email.clone()).await;

    let p = b.get("/tasks").await;
    assert_eq!(p.status, 200, "{}", p.body);
    p.assert_no_inline();
    assert!(p.body.contains("href=\"/tasks\" aria-current=\"page\""), "nav link");
    assert!(p.body.contains("Call back &#60;b&#62;now&#60;/b&#62;") && !p.body.contains("<b>now</b>"), "escaped");
    assert!(p.body.contains("Send the offer") && !p.body.contains("Next week"));
    assert!(p.body.contains("Yunqi &#60;Tech&#62;"), "the customer is named");
    let overdue_at = p.body.find("Overdue").unwrap();
    assert!(p.body.find("Call back").unwrap() > overdue_at && p.body.find("Due today").unwrap() > overdue_at);
    assert!(p.body.contains(&format!("hx-post=\"/tasks/{late}/complete\"")));

    // Completing needs the token; htmx gets the replacement line only.
    let refused = b.post(&format!("/tasks/{late}/complete"), &[("version", "1")], &[("hx-request", "true")]).await;
    assert_eq!(refused.status, 403);
    let done = b
        .post(
            &format!("/tasks/{late}/complete"),
            &[("version", "1")],
            &[("hx-request", "true"), ("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.starts_with("<li") && done.body.contains("Done") && !done.body.contains("<html"),
        "{}",
        done.body
    );
    let after = b.get("/tasks").await;
    assert!(!after.body.contains("Call back"), "done tasks leave the list");
    let api = t.get(&format!("/api/v1/activities/{late}")).await;
    assert_eq!(api.body["done"], true);

    // Logging with errors shows them inline (in Chinese too) and stores nothing.
    b.lang = "zh-CN";
    let bad = b
        .post("/tasks", &[("csrf", &csrf), ("kind", "task"), ("subject", ""), ("when", ""), ("customer_id", &c)], &[])
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("aria-invalid=\"true\"") && bad.body.contains("必填"), "{}", bad.body);
    assert_eq!(t.get("/api/v1/activities?kind=task").await.body["items"].as_array().unwrap().len(), 3);
    b.lang = "en";
    let ok = b
        .post(
            "/tasks",
            &[
                ("csrf", &csrf),
                ("kind", "call"),
                ("subject", "Spoke to Li"),
                ("when", "2026-11-02T09:30"),
                ("body", "asked for a demo"),
                ("customer_id", &c),
            ],
            &[],
        )
        .await;
    assert_eq!((ok.status, ok.location.as_str()), (303, "/tasks"), "{}", ok.body);
    let calls = t.get("/api/v1/activities?kind=call").await;
    assert_eq!(calls.body["items"][0]["occurred_at"], "2026-11-02T09:30:00Z");
    assert_eq!(calls.body["items"][0]["body"], "asked for a demo");
}

#[tokio::test]
async fn the_customer_page_shows_the_timeline_and_logs_onto_it() {
    let t = spawn_app().await;
    let c = t.create_customer(json!({"name": "Acme"})).await["id"].as_str().unwrap().to_string();
    let r = t
        .post(
            "/api/v1/activities",
            json!({"kind": "meeting", "subject": "Kick-off <i>", "body": "预算已确认", "customer_id": c}),
        )
        .await;
    assert_eq!(r.status, 201);
    let mut b = Browser::new(&t);
    let csrf = b.sign_in(&t.admin_email.clone()).await;
    let page = b.get(&format!("/customers/{c}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_no_inline();
    assert!(page.body.contains("id=\"timeline\"") && page.body.contains("Kick-off &#60;i&#62;"), "{}", page.body);
    assert!(page.body.contains("预算已确认") && page.body.contains(&format!("action=\"/customers/{c}/activities\"")));

    let ok = b
        .post(
            &format!("/customers/{c}/activities"),
            &[("csrf", &csrf), ("kind", "note"), ("subject", "Sent brochure")],
            &[],
        )
        .await;
    assert_eq!((ok.status, ok.location.clone()), (303, format!("/customers/{c}#timeline")), "{}", ok.body);
    assert!(b.get(&format!("/customers/{c}")).await.body.contains("Sent brochure"));
    let bad = b
        .post(
            &format!("/customers/{c}/activities"),
            &[("csrf", &csrf), ("kind", "call"), ("subject", &"x".repeat(201))],
            &[],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("aria-invalid=\"true\"") && bad.body.contains("200"), "{}", bad.body);
    let no_token = b.post(&format!("/customers/{c}/activities"), &[("kind", "note"), ("subject", "x")], &[]).await;
    assert_eq!(no_token.status, 403);
    assert_eq!(t.get(&format!("/api/v1/customers/{c}/timeline")).await.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_team_page_shows_the_leaderboard_and_quotas_to_whom_it_may() {
    let t = spawn_app().await;
    let rep = t.add_user("rep@test.example", "sales_rep").await;
    t.add_user("mkt@test.example", "marketing").await;
    let period = {
        let d = t.clock.now().date();
        format!("{:04}-{:02}", d.year(), u8::from(d.month()))
    };
    let q =
        t.post("/api/v1/quotas", json!({"user_id": rep.id.to_string(), "period": period, "amount": "100000"})).await;
    assert_eq!(q.status, 201, "{}", q.body);
    let mut b = Browser::new(&t);
    b.sign_in("rep@test.example").await;
    let page = b.get("/team").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_no_inline();
    assert!(page.body.contains("<svg") && page.body.contains("<td class=\"name\">rep</td>"), "{}", page.body);
    assert!(page.body.contains("CN¥100,000.00"), "the quota is shown: {}", page.body);
    assert!(page.body.contains("href=\"/team?period=quarter\""));
    let quarter = b.get("/team?period=quarter").await;
    assert_eq!(quarter.status, 200);
    let mut m = Browser::new(&t);
    m.sign_in("mkt@test.example").await;
    let refused = m.get("/team").await;
    assert_eq!(refused.status, 403);
    assert!(refused.content_type.starts_with("text/html"));
    assert!(!m.get("/customers").await.body.contains("href=\"/team\""), "no link without quota.read");
}
