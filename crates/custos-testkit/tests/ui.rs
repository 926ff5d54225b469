//! HTTP-level tests of the web pages (no browser): sign-in and redirects, cookies, CSP and
//! framing, CSRF on every state change, inline validation in both languages, htmx fragments,
//! pagination, static assets and output escaping of hostile text in every text field. The
//! browser-driven half is in `browser.rs`. Never talks to anything but the spawned server.

use custos_testkit::{TEST_PASSWORD, TestApp, spawn_app};
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::json;

const PAYLOADS: [&str; 2] = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"];

/// A browser stand-in: no automatic redirects, cookies kept by hand.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
    lang: Option<&'static str>,
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
    fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }
    fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
    }
    /// The first `name="csrf" value="…"` of the page.
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let i = self.body.find(marker).unwrap_or_else(|| panic!("no csrf field in: {}", self.body));
        let rest = &self.body[i + marker.len()..];
        rest[..rest.find('"').expect("end of value")].to_string()
    }
}

impl Browser {
    fn new(t: &TestApp) -> Browser {
        let http = reqwest::Client::builder().redirect(Policy::none()).build().expect("client");
        Browser { http, base: t.base.clone(), cookies: Vec::new(), lang: None }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep_cookies(&mut self, p: &Page) {
        for c in p.set_cookies() {
            let first = c.split(';').next().unwrap_or("");
            let Some((k, v)) = first.split_once('=') else { continue };
            self.cookies.retain(|(n, _)| n != k);
            if !v.is_empty() && !c.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
    }

    async fn send(&mut self, rb: reqwest::RequestBuilder, extra: &[(&str, &str)]) -> Page {
        let mut rb = rb.header("cookie", self.cookie_header());
        if let Some(l) = self.lang {
            rb = rb.header("accept-language", l);
        }
        for (k, v) in extra {
            rb = rb.header(*k, *v);
        }
        let r = rb.send().await.expect("send");
        let p = Page { status: r.status().as_u16(), headers: r.headers().clone(), body: r.text().await.expect("body") };
        self.keep_cookies(&p);
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
        assert_eq!(login.status, 200);
        let token = login.csrf();
        let r = self.post("/login", &[("csrf", &token), ("email", email), ("password", TEST_PASSWORD)]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location(), "/customers");
        let list = self.get("/customers").await;
        assert_eq!(list.status, 200);
        list.csrf()
    }
}

async fn signed_in() -> (TestApp, Browser, String) {
    let t = spawn_app().await;
    let mut b = Browser::new(&t);
    let csrf = b.sign_in(&t.admin_email.clone()).await;
    (t, b, csrf)
}

#[tokio::test]
async fn pages_send_visitors_without_a_session_to_sign_in_and_the_api_still_answers_401() {
    let t = spawn_app().await;
    let mut b = Browser::new(&t);
    for path in ["/", "/customers", "/customers/new", "/customers/0190aaaa-0000-7000-8000-000000000000"] {
        let r = b.get(path).await;
        assert_eq!(r.status, 303, "{path}");
        assert_eq!(r.location(), "/login", "{path}");
    }
    let hx = b.get_with("/customers", &[("hx-request", "true")]).await;
    assert_eq!(hx.status, 401);
    assert_eq!(hx.header("hx-redirect"), "/login");
    // A made-up session cookie is treated as none, and cleared.
    b.cookies.push(("custos_session".into(), "cs_forged".into()));
    let r = b.get("/customers").await;
    assert_eq!((r.status, r.location().as_str()), (303, "/login"));
    assert!(b.cookies.iter().all(|(k, _)| k != "custos_session"));
    // The JSON API is unchanged: problem+json 401, its own strict CSP.
    let api = t.request("GET", "/api/v1/customers", None, None).await;
    api.assert_problem(401);
    assert_eq!(api.header("content-security-policy").as_deref(), Some("default-src 'none'; frame-ancestors 'none'"));
}

#[tokio::test]
async fn sign_in_sets_a_strict_cookie_and_pages_carry_a_strict_csp() {
    let t = spawn_app().await;
    let mut b = Browser::new(&t);
    let login = b.get("/login").await;
    assert_eq!(login.status, 200);
    let mut pages = vec![("/login", login)];
    let token = pages[0].1.csrf();
    let r = b.post("/login", &[("csrf", &token), ("email", &t.admin_email), ("password", TEST_PASSWORD)]).await;
    let session = r.set_cookies().into_iter().find(|c| c.starts_with("custos_session=")).expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(session.contains(attr), "{session}");
    }
    assert!(!session.contains("Secure"), "plain HTTP on loopback in tests: {session}");
    for path in ["/customers", "/customers/new"] {
        let p = b.get(path).await;
        pages.push((path, p));
    }
    for (path, p) in &pages {
        let csp = p.header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("style-src 'self'") && !csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(p.header("x-frame-options"), "DENY");
        assert_eq!(p.header("cache-control"), "no-store", "{path}");
        assert!(p.header("content-type").starts_with("text/html"), "{path}");
        // Nothing inline: no <style>, no style=, no <script> without src, no on…= handlers.
        let body = p.body.to_lowercase();
        assert!(!body.contains("<style") && !body.contains(" style="), "{path}");
        assert!(!body.contains(" onclick=") && !body.contains(" onload="), "{path}");
        for (i, _) in body.match_indices("<script") {
            let tag = &body[i..i + body[i..].find('>').expect("tag end")];
            assert!(tag.contains(" src=\"/static/"), "{path}: inline script {tag}");
        }
    }
}

#[tokio::test]
async fn every_state_change_needs_the_csrf_token() {
    let (t, mut b, csrf) = signed_in().await;
    let refused = |p: &Page, what: &str| {
        assert_eq!(p.status, 403, "{what}: {}", p.body);
        assert!(p.header("content-type").starts_with("text/html"), "{what}");
    };
    let form = [("name", "ACME")];
    refused(&b.post("/customers", &form).await, "create without token");
    refused(&b.post("/customers", &[("csrf", "0".repeat(64).as_str()), ("name", "ACME")]).await, "wrong token");
    refused(&b.post("/logout", &[]).await, "sign-out without token");
    refused(&b.post("/language", &[("lang", "zh-CN"), ("back", "/")]).await, "language without token");
    let cross =
        b.post_with("/customers", &[("csrf", &csrf), ("name", "ACME")], &[("origin", "https://evil.example")]).await;
    refused(&cross, "cross-origin");
    // The htmx header works as well as the form field.
    let ok = b.post_with("/customers", &[("name", "ACME")], &[("x-csrf-token", &csrf)]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let ok = b.post("/customers", &[("csrf", &csrf), ("name", "Beta")]).await;
    assert_eq!(ok.status, 303);
    assert!(ok.location().starts_with("/customers/"));
    // Sign-in itself needs the pre-sign-in token (login CSRF).
    let mut other = Browser::new(&t);
    let r = other.post("/login", &[("email", &t.admin_email), ("password", TEST_PASSWORD)]).await;
    refused(&r, "sign-in without token");
    // A token from another session does not work.
    let mut second = Browser::new(&t);
    let csrf2 = second.sign_in(&t.admin_email).await;
    assert_ne!(csrf, csrf2);
    refused(&b.post("/customers", &[("csrf", &csrf2), ("name", "X")]).await, "token of another session");
    // Signing out with the token ends the session.
    let out = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!((out.status, out.location().as_str()), (303, "/login"));
    assert_eq!(b.get("/customers").await.status, 303);
}

#[tokio::test]
async fn forms_show_inline_errors_from_the_domain_rules_in_the_users_language() {
    let (_t, mut b, csrf) = signed_in().await;
    let r = b
        .post(
            "/customers",
            &[
                ("csrf", &csrf),
                ("name", " "),
                ("email", "not-an-email"),
                ("industry", "金融"),
                ("birthday", "2990-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"c-email\" name=\"email\" type=\"email\" value=\"not-an-email\""), "refilled");
    assert!(r.body.contains("value=\"金融\""));
    assert!(r.body.contains("aria-invalid=\"true\" aria-describedby=\"c-email-error\""), "{}", r.body);
    assert!(r.body.contains("id=\"c-name-error\""));
    assert!(r.body.contains("id=\"c-birthday-error\""));
    assert!(r.body.contains("Enter an e-mail address like name@example.com."));
    // Switch to Chinese with the language form; the same errors come back in Chinese.
    let sw = b.post("/language", &[("csrf", &csrf), ("lang", "zh-CN"), ("back", "/customers/new")]).await;
    assert_eq!((sw.status, sw.location().as_str()), (303, "/customers/new"));
    assert!(sw.set_cookies().iter().any(|c| c.starts_with("custos_lang=zh-CN") && c.contains("SameSite=Strict")));
    let r = b.post("/customers", &[("csrf", &csrf), ("name", ""), ("email", "x@")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("<html lang=\"zh-CN\">"));
    assert!(r.body.contains("请输入有效的邮箱地址"), "{}", r.body);
    assert!(r.body.contains("请更正以下字段"));
}

#[tokio::test]
async fn sign_in_page_follows_accept_language_and_wrong_passwords_are_refused() {
    let t = spawn_app().await;
    let mut b = Browser::new(&t);
    b.lang = Some("zh-CN,zh;q=0.9,en;q=0.5");
    let p = b.get("/login").await;
    assert!(p.body.contains("<html lang=\"zh-CN\">") && p.body.contains("登录 Custos"));
    let token = p.csrf();
    let r = b.post("/login", &[("csrf", &token), ("email", &t.admin_email), ("password", "wrong")]).await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("邮箱或密码错误"));
    assert!(r.body.contains(&format!("value=\"{}\"", t.admin_email)), "e-mail kept");
    assert!(!r.body.contains("wrong"), "the password is never echoed");
    b.lang = Some("en-GB,en;q=0.9");
    b.cookies.retain(|(k, _)| k != "custos_lang");
    assert!(b.get("/login").await.body.contains("Sign in to Custos"));
}

#[tokio::test]
async fn the_list_searches_filters_sorts_pages_and_answers_htmx_with_a_fragment() {
    let (t, mut b, _csrf) = signed_in().await;
    for i in 0..30 {
        let status = if i % 3 == 0 { "customer" } else { "lead" };
        let tags = if i % 2 == 0 { json!(["华东"]) } else { json!([]) };
        t.create_customer(json!({"name": format!("客户 {i:02}"), "status": status, "tags": tags})).await;
    }
    t.create_customer(json!({"name": "上海云杉信息科技有限公司", "status": "prospect"})).await;
    let p = b.get("/customers?q=云杉").await;
    assert!(p.body.contains("上海云杉信息科技有限公司") && !p.body.contains("客户 01"));
    assert!(p.body.contains("<form class=\"filters\""), "full page");
    let frag = b.get_with("/customers?q=云杉", &[("hx-request", "true")]).await;
    assert!(frag.body.contains("上海云杉信息科技有限公司"));
    assert!(!frag.body.contains("<html") && !frag.body.contains("<form class=\"filters\""), "fragment only");
    let st = b.get("/customers?status=customer&sort=name").await;
    assert_eq!(st.body.matches("badge-customer\"").count(), 10, "{}", st.body);
    let tag = b.get("/customers?tag=华东&status=").await;
    assert_eq!(tag.body.matches("<td class=\"name\">").count(), 15);
    // 31 customers: two pages of 25 and 6, name order, with a working next link.
    let first = b.get("/customers?sort=name").await;
    assert_eq!(first.body.matches("<td class=\"name\">").count(), 25);
    assert!(first.body.contains("25 customers on this page"));
    let marker = "rel=\"next\"";
    let i = first.body.find(marker).expect("next link");
    let href_start = first.body[..i].rfind("href=\"").expect("href") + 6;
    let href = first.body[href_start..].split('"').next().expect("href").replace("&#38;", "&");
    assert!(href.contains("sort=name") && href.contains("cursor="), "{href}");
    let second = b.get(&href).await;
    assert_eq!(second.body.matches("<td class=\"name\">").count(), 6);
    assert!(!second.body.contains(marker) && second.body.contains("First page"));
    // Bad input is an inline message, not an error page.
    let long = "长".repeat(201);
    let bad = b.get(&format!("/customers?q={long}")).await;
    assert_eq!(bad.status, 200);
    assert!(bad.body.contains("alert-error"));
}

#[tokio::test]
async fn customer_page_edit_with_versions_and_contacts() {
    let (t, mut b, csrf) = signed_in().await;
    let c = t
        .create_customer(json!({"name": "杭州示例贸易有限公司", "birthday": "1990-05-20", "kind": "person", "mobile": "13812345678"}))
        .await;
    let id = c["id"].as_str().expect("id").to_string();
    let page = b.get(&format!("/customers/{id}")).await;
    assert!(page.body.contains("20 May 1990") && page.body.contains("13812345678"));
    let edit = b.get(&format!("/customers/{id}/edit")).await;
    assert!(edit.body.contains("name=\"version\" value=\"1\""));
    let save = |name: &'static str, version: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("name", name.to_string()),
            ("kind", "person".into()),
            ("status", "prospect".into()),
            ("version", version.into()),
            ("mobile", "13812345678".into()),
            ("birthday", String::new()),
        ]
    };
    let form = save("杭州示例贸易（集团）有限公司", "1");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post(&format!("/customers/{id}/edit"), &pairs).await;
    assert_eq!((r.status, r.location()), (303, format!("/customers/{id}")));
    // A second edit from the same (now stale) version is refused with the user's values kept.
    let form = save("Stale name", "1");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post(&format!("/customers/{id}/edit"), &pairs).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("value=\"Stale name\"") && r.body.contains("alert-warn"));
    assert!(r.body.contains("name=\"version\" value=\"2\""));
    // Birthday cleared by the edit (posted empty; a field left off the form would be kept).
    b.lang = Some("zh-CN");
    let page = b.get(&format!("/customers/{id}")).await;
    assert!(page.body.contains("杭州示例贸易（集团）有限公司"));
    assert!(!page.body.contains("1990年"), "birthday cleared");
    assert!(page.body.contains("创建于 "), "{}", page.body);
    // Contacts: errors inline, then added.
    let r = b.post(&format!("/customers/{id}/contacts"), &[("csrf", &csrf), ("name", ""), ("email", "bad")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"ct-email-error\"") && r.body.contains("<details class=\"add-contact\" open>"));
    let r = b
        .post(&format!("/customers/{id}/contacts"), &[("csrf", &csrf), ("name", "王小明"), ("title", "采购经理")])
        .await;
    assert_eq!(r.status, 303);
    assert!(b.get(&format!("/customers/{id}")).await.body.contains("王小明"));
    let missing = b.get("/customers/0190aaaa-0000-7000-8000-000000000000").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("未找到"));
}

#[tokio::test]
async fn static_files_are_embedded_hashed_and_cached() {
    let (_t, mut b, _) = signed_in().await;
    let page = b.get("/customers").await;
    for (ext, ctype) in [(".css", "text/css"), (".js", "text/javascript")] {
        let i = page.body.find(ext).expect("asset");
        let start = page.body[..i].rfind("/static/").expect("static path");
        let url = &page.body[start..i + ext.len()];
        let r = b.get(url).await;
        assert_eq!(r.status, 200, "{url}");
        assert!(r.header("content-type").starts_with(ctype));
        assert_eq!(r.header("cache-control"), "public, max-age=31536000, immutable");
        assert!(r.body.len() > 1000);
    }
    assert_eq!(b.get("/static/custos.css").await.status, 404, "only hashed names");
    assert_eq!(b.get("/static/..%2Fsecret").await.status, 404);
}

/// Stores both payloads in every text field of a customer and a contact through the API and
/// checks that the list, the customer page and the edit form show them only escaped.
#[tokio::test]
async fn hostile_text_in_every_field_is_escaped_on_every_page() {
    let (t, mut b, _csrf) = signed_in().await;
    let mut ids = Vec::new();
    for p in PAYLOADS {
        let c = t
            .create_customer(json!({
                "name": p, "industry": p, "tier": p, "source": p, "tags": [p], "address": p, "notes": p,
            }))
            .await;
        let id = c["id"].as_str().expect("id").to_string();
        let r = t
            .request(
                "POST",
                &format!("/api/v1/customers/{id}/contacts"),
                Some(&t.admin_token),
                Some(json!({"name": p, "title": p, "address": p, "notes": p})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        ids.push(id);
    }
    let mut pages = vec!["/customers".to_string(), format!("/customers?q={}", urlencode(PAYLOADS[0]))];
    pages.push(format!("/customers?q={}&tag={}", urlencode(PAYLOADS[1]), urlencode(PAYLOADS[1])));
    for id in &ids {
        pages.push(format!("/customers/{id}"));
        pages.push(format!("/customers/{id}/edit"));
    }
    for path in &pages {
        for lang in ["en", "zh-CN"] {
            b.lang = Some(lang);
            let p = b.get(path).await;
            assert_eq!(p.status, 200, "{path}");
            for payload in PAYLOADS {
                assert!(!p.body.contains(payload), "{path} ({lang}) shows a raw payload");
            }
            assert!(!p.body.contains("<img src=x") && !p.body.contains("<script>alert"), "{path}");
            // Shown, escaped (askama writes numeric character references); a search shows its
            // own text in the search box.
            let shown = |s: &str| p.body.contains(s);
            let esc = ["&#60;script&#62;alert(1)&#60;/script&#62;", "&#34;&#62;&#60;img src=x onerror=alert(1)&#62;"];
            if path.contains("q=") {
                assert!(esc.iter().any(|e| shown(&format!("value=\"{e}\""))), "{path}: search box");
            } else if path == "/customers" {
                assert!(esc.iter().all(|e| shown(e)), "{path}: not shown escaped");
            } else {
                // One customer per payload: its page shows its own payload in every field.
                assert!(esc.iter().any(|e| p.body.matches(e).count() >= 7), "{path}: not shown escaped");
            }
        }
    }
    // The re-filled form after a validation error escapes too.
    let csrf = b.get("/customers/new").await.csrf();
    let r =
        b.post("/customers", &[("csrf", &csrf), ("name", PAYLOADS[1]), ("notes", PAYLOADS[0]), ("email", "x")]).await;
    assert_eq!(r.status, 422);
    assert!(!r.body.contains(PAYLOADS[0]) && !r.body.contains(PAYLOADS[1]));
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
