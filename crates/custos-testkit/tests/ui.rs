//! HTTP-level tests of the web pages (no browser): sign-in and redirects, cookies, CSP and
//! framing, CSRF on every state change, inline validation in both languages, htmx fragments,
//! pagination, static assets and output escaping of hostile text in every text field; the MFA
//! sign-in step and enrolment, reveal with a purpose and step-up, my sessions, password and
//! tokens, and the admin pages (forbidden to a sales rep, CSRF on every new form). The
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
async fn the_language_is_a_setting_of_the_user_and_follows_them_to_another_browser() {
    let (t, mut b, csrf) = signed_in().await;
    let sw = b.post("/language", &[("csrf", &csrf), ("lang", "zh-CN"), ("back", "/customers")]).await;
    assert_eq!(sw.status, 303);
    // A second browser without the cookie: signing in brings the user's language along.
    let mut other = Browser::new(&t);
    other.sign_in(&t.admin_email.clone()).await;
    assert!(other.cookies.iter().any(|(k, v)| k == "custos_lang" && v == "zh-CN"), "{:?}", other.cookies);
    let page = other.get("/customers").await;
    assert!(page.body.contains("<html lang=\"zh-CN\">"));
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

// ---------------------------------------------------------------- access control pages

/// The `value` of the first `<… id="{id}" …>…</…>` text, e.g. the shown TOTP secret.
fn text_of(body: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let i = body.find(&marker).unwrap_or_else(|| panic!("no #{id} in: {body}"));
    let rest = &body[i..];
    let start = rest.find('>').expect("tag end") + 1;
    let end = rest[start..].find('<').expect("text end");
    rest[start..start + end].to_string()
}

/// The authenticator code for the TestApp clock's current time, `ahead` steps later.
fn totp_now(t: &TestApp, secret: &str, ahead: i64) -> String {
    use custos_crypto::totp;
    use custos_domain::Clock;
    let key = totp::base32_decode(secret).expect("base32 secret");
    let step = totp::time_step(t.clock.now().unix_timestamp(), totp::STEP_SECS) + ahead;
    totp::code_at(&key, step)
}

/// Sets up an authenticator on the profile page; returns its secret.
async fn enrol(t: &TestApp, b: &mut Browser, csrf: &str) -> String {
    let me = b.get("/me").await;
    assert_eq!(me.status, 200);
    assert!(me.body.contains("action=\"/me/mfa\""), "offers set-up");
    let page = b.post("/me/mfa", &[("csrf", csrf)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("src=\"data:image/svg+xml;base64,"), "QR code as a data URI");
    assert!(!page.body.to_lowercase().contains("<svg"), "no inline SVG markup");
    let secret: String = text_of(&page.body, "totp-secret").split_whitespace().collect();
    assert_eq!(secret.len(), 32, "{secret}");
    let wrong = b.post("/me/mfa/confirm", &[("csrf", csrf), ("code", "000000")]).await;
    assert_eq!(wrong.status, 422);
    let ok = b.post("/me/mfa/confirm", &[("csrf", csrf), ("code", &totp_now(t, &secret, 0))]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body.matches("<li><code>").count(), 10, "ten recovery codes");
    assert_eq!(ok.header("cache-control"), "no-store");
    secret
}

#[tokio::test]
async fn sign_in_with_mfa_needs_the_code_and_rotates_the_session() {
    let (t, mut b, csrf) = signed_in().await;
    let secret = enrol(&t, &mut b, &csrf).await;
    assert!(b.get("/me").await.body.contains("action=\"/me/mfa/disable\""), "now on");
    assert_eq!(b.post("/logout", &[("csrf", &csrf)]).await.status, 303);

    // Password first: a pending sign-in in its own short cookie, no session yet.
    let login = b.get("/login").await;
    let r = b.post("/login", &[("csrf", &login.csrf()), ("email", &t.admin_email), ("password", TEST_PASSWORD)]).await;
    assert_eq!((r.status, r.location().as_str()), (303, "/login/mfa"));
    let cookies = r.set_cookies();
    let pending = cookies.iter().find(|c| c.starts_with("custos_pending=")).expect("pending cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Max-Age=300"] {
        assert!(pending.contains(attr), "{pending}");
    }
    assert!(!cookies.iter().any(|c| c.starts_with("custos_session=cs_")), "no session before the code");
    // The pending sign-in opens no page.
    assert_eq!(b.get("/customers").await.location(), "/login");
    let page = b.get("/login/mfa").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("autocomplete=\"one-time-code\""));
    let token = page.csrf();
    // CSRF on the code form; a wrong code is refused inline.
    assert_eq!(b.post("/login/mfa", &[("code", "123456")]).await.status, 403);
    let wrong = b.post("/login/mfa", &[("csrf", &token), ("code", "000000")]).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("wrong, expired or already used"));
    // The code of the step used at enrolment is spent; the next one works.
    t.clock.advance(std::time::Duration::from_secs(30));
    let pending_before = b.cookies.iter().find(|(k, _)| k == "custos_pending").map(|(_, v)| v.clone());
    let ok = b.post("/login/mfa", &[("csrf", &token), ("code", &totp_now(&t, &secret, 0))]).await;
    assert_eq!((ok.status, ok.location().as_str()), (303, "/customers"), "{}", ok.body);
    assert!(ok.set_cookies().iter().any(|c| c.starts_with("custos_session=cs_") && c.contains("HttpOnly")));
    assert!(ok.set_cookies().iter().any(|c| c.starts_with("custos_pending=;") && c.contains("Max-Age=0")));
    assert_eq!(b.get("/customers").await.status, 200);
    // The pending token was used up: replaying it opens nothing.
    let mut replay = Browser::new(&t);
    replay.cookies.push(("custos_pending".into(), pending_before.expect("pending value")));
    let again = replay.get("/login/mfa").await;
    assert_eq!(again.status, 401);
    assert!(again.set_cookies().iter().any(|c| c.starts_with("custos_pending=;")));
}

#[tokio::test]
async fn a_role_that_requires_mfa_leads_through_enrolment_at_sign_in() {
    let mut t = spawn_app().await;
    t.add_user("rep@test.example", "sales_rep").await;
    t.set_role("sales_rep", custos_app::roles::RoleChanges { require_mfa: Some(true), ..Default::default() }).await;
    let mut b = Browser::new(&t);
    let login = b.get("/login").await;
    let r =
        b.post("/login", &[("csrf", &login.csrf()), ("email", "rep@test.example"), ("password", TEST_PASSWORD)]).await;
    assert_eq!(r.location(), "/login/enrol");
    let page = b.get("/login/enrol").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data:image/svg+xml;base64,"));
    let secret: String = text_of(&page.body, "totp-secret").split_whitespace().collect();
    let ok = b.post("/login/enrol", &[("csrf", &page.csrf()), ("code", &totp_now(&t, &secret, 0))]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("id=\"recovery-codes\""));
    assert!(ok.set_cookies().iter().any(|c| c.starts_with("custos_session=cs_")));
    assert_eq!(b.get("/customers").await.status, 200, "signed in");
}

#[tokio::test]
async fn reveal_asks_for_a_purpose_and_for_step_up_on_restricted_fields() {
    let (t, mut admin, admin_csrf) = signed_in().await;
    t.add_user("support@test.example", "support").await;
    let c = t
        .create_customer(
            json!({"name": "苏州示例有限公司", "mobile": "13912345678", "national_id": "11010519491231002X"}),
        )
        .await;
    let id = c["id"].as_str().expect("id").to_string();
    let mut b = Browser::new(&t);
    let csrf = b.sign_in("support@test.example").await;
    let page = b.get(&format!("/customers/{id}")).await;
    assert!(page.body.contains("id=\"f-mobile\" class=\" masked\""), "{}", page.body);
    assert!(!page.body.contains("13912345678"), "{}", page.body);
    assert!(page.body.contains(&format!("action=\"/customers/{id}/reveal\"")));
    assert!(page.body.contains("name=\"fields\" value=\"mobile\" checked"), "preselected");
    let path = format!("/customers/{id}/reveal");
    let hx = [("hx-request", "true")];
    // CSRF, then a purpose that says nothing.
    assert_eq!(b.post_with(&path, &[("fields", "mobile"), ("purpose", "ticket 4711 callback")], &hx).await.status, 403);
    let short = b.post_with(&path, &[("csrf", &csrf), ("fields", "mobile"), ("purpose", "x")], &hx).await;
    assert_eq!(short.status, 200, "htmx swaps the form with its errors");
    assert!(short.body.contains("id=\"reveal-purpose-error\"") && !short.body.contains("13912345678"));
    let ok = b
        .post_with(&path, &[("csrf", &csrf), ("fields", "mobile"), ("purpose", "Callback for ticket 4711")], &hx)
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("cache-control"), "no-store");
    assert!(
        ok.body.contains("<dd id=\"f-mobile\" class=\"revealed\" hx-swap-oob=\"true\">+8613912345678</dd>"),
        "{}",
        ok.body
    );
    assert!(!ok.body.contains("<html"), "a fragment");
    // Without htmx the same form answers with the whole page.
    let full = b.post(&path, &[("csrf", &csrf), ("fields", "mobile"), ("purpose", "Callback for ticket 4711")]).await;
    assert_eq!(full.status, 200);
    assert!(full.body.contains("<html") && full.body.contains(">+8613912345678<"));
    // Restricted fields: the admin (revealable) must step up; with no authenticator it is told so.
    let path_admin = format!("/customers/{id}/reveal");
    let form = [("csrf", admin_csrf.as_str()), ("fields", "national_id"), ("purpose", "KYC check for contract 88")];
    let r = admin.post_with(&path_admin, &form, &hx).await;
    assert!(
        r.body.contains("action=\"/step-up\"")
            && r.body.contains("name=\"purpose\" value=\"KYC check for contract 88\"")
    );
    assert!(!r.body.contains("11010519491231002X"));
    let secret = enrol(&t, &mut admin, &admin_csrf).await;
    // The enrolment counts as a fresh check; five minutes later it no longer does.
    t.clock.advance(std::time::Duration::from_secs(6 * 60));
    let r = admin.post_with(&path_admin, &form, &hx).await;
    assert!(r.body.contains("step-up-code"), "{}", r.body);
    let step = [
        ("csrf", admin_csrf.as_str()),
        ("customer", id.as_str()),
        ("fields", "national_id"),
        ("purpose", "KYC check for contract 88"),
    ];
    let mut wrong = step.to_vec();
    wrong.push(("code", "000000"));
    let w = admin.post_with("/step-up", &wrong, &hx).await;
    assert!(w.body.contains("id=\"step-up-error\"") && !w.body.contains("11010519491231002X"));
    let code = totp_now(&t, &secret, 0);
    let mut right = step.to_vec();
    right.push(("code", &code));
    let done = admin.post_with("/step-up", &right, &hx).await;
    assert_eq!(done.header("cache-control"), "no-store");
    assert!(done.body.contains(">11010519491231002X</dd>"), "{}", done.body);
}

#[tokio::test]
async fn my_sessions_can_be_ended_and_my_password_changed() {
    let (t, mut b, csrf) = signed_in().await;
    let mut other = Browser::new(&t);
    let other_csrf = other.sign_in(&t.admin_email).await;
    let me = b.get("/me").await;
    // This browser, the other one and the harness's API sign-in.
    assert_eq!(me.body.matches("This device").count(), 1);
    let others: Vec<String> = me
        .body
        .split("<tr>")
        .filter(|r| r.contains("Sign out there"))
        .map(|row| {
            let i = row.find("action=\"/me/sessions/").expect("action") + 8;
            row[i..].split('"').next().expect("action").to_string()
        })
        .collect();
    assert_eq!(others.len(), 2, "{}", me.body);
    assert_eq!(b.post(&others[0], &[]).await.status, 403, "CSRF");
    for action in &others {
        let r = b.post(action, &[("csrf", &csrf)]).await;
        assert_eq!(r.location(), "/me?notice=session-ended#sessions");
    }
    assert_eq!(other.get("/customers").await.location(), "/login", "the other browser is signed out");
    let _ = other_csrf;
    // Password: inline errors, then a change that keeps this session.
    let weak = b
        .post("/me/password", &[("csrf", &csrf), ("current", TEST_PASSWORD), ("new", "short"), ("confirm", "short")])
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.body.contains("id=\"pw-new-error\""));
    let bad = b
        .post(
            "/me/password",
            &[
                ("csrf", &csrf),
                ("current", "wrong one"),
                ("new", "a much longer pass"),
                ("confirm", "a much longer pass"),
            ],
        )
        .await;
    assert!(bad.body.contains("id=\"pw-current-error\""));
    let ok = b
        .post(
            "/me/password",
            &[
                ("csrf", &csrf),
                ("current", TEST_PASSWORD),
                ("new", "a much longer pass"),
                ("confirm", "a much longer pass"),
            ],
        )
        .await;
    assert_eq!(ok.location(), "/me?notice=password-changed");
    assert_eq!(b.get("/customers").await.status, 200, "this session stays");
    // API tokens: created once, shown once, revoked.
    let tok = b
        .post(
            "/me/tokens",
            &[("csrf", &csrf), ("name", "CI export"), ("scopes", "customer.read"), ("expires_days", "30")],
        )
        .await;
    assert_eq!(tok.status, 200, "{}", tok.body);
    let secret = text_of(&tok.body, "new-token");
    assert!(secret.starts_with("ct_"));
    assert_eq!(t.request("GET", "/api/v1/customers", Some(&secret), None).await.status, 200);
    let page = b.get("/me").await;
    assert!(!page.body.contains(&secret), "shown once");
    let i = page.body.find("action=\"/me/tokens/").expect("revoke form") + 8;
    let action = page.body[i..].split('"').next().expect("action").to_string();
    assert_eq!(b.post(&action, &[("csrf", &csrf)]).await.location(), "/me?notice=token-revoked#tokens");
    assert_eq!(t.request("GET", "/api/v1/customers", Some(&secret), None).await.status, 401);
}

#[tokio::test]
async fn admin_pages_are_for_admins_and_use_the_same_rules() {
    let (t, mut admin, csrf) = signed_in().await;
    t.add_user("rep@test.example", "sales_rep").await;
    let mut rep = Browser::new(&t);
    let rep_csrf = rep.sign_in("rep@test.example").await;
    let list = rep.get("/customers").await;
    assert!(!list.body.contains("/admin/users") && !list.body.contains("/admin/roles"), "no admin links");
    assert!(list.body.contains("href=\"/me\""));
    for path in ["/admin/users", "/admin/roles", "/admin/teams"] {
        assert_eq!(rep.get(path).await.status, 403, "{path}");
    }
    let add = [
        ("csrf", rep_csrf.as_str()),
        ("email", "x@test.example"),
        ("role", "admin"),
        ("password", "long enough password"),
    ];
    assert_eq!(rep.post("/admin/users", &add).await.status, 403);
    assert_eq!(rep.post("/admin/teams", &[("csrf", &rep_csrf), ("name", "Rogue")]).await.status, 403);

    let users = admin.get("/admin/users").await;
    assert_eq!(users.status, 200);
    assert!(users.body.contains("href=\"/admin/roles\"") && users.body.contains("rep@test.example"));
    let bad = admin
        .post("/admin/users", &[("csrf", &csrf), ("email", "nope"), ("role", "support"), ("password", "short")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"new-email-error\"") && bad.body.contains("id=\"new-password-error\""));
    let ok = admin
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("email", "new@test.example"),
                ("display_name", "王芳"),
                ("role", "support"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(ok.location(), "/admin/users");
    assert!(admin.get("/admin/users").await.body.contains("王芳"));
    // Teams.
    assert_eq!(admin.post("/admin/teams", &[("csrf", &csrf), ("name", "华东销售")]).await.location(), "/admin/teams");
    assert!(admin.get("/admin/teams").await.body.contains("华东销售"));
    // Role changes need step-up: the page asks for the code.
    let roles = admin.get("/admin/roles").await;
    assert!(roles.body.contains("name=\"permissions\" value=\"customer.read\" checked"));
    let r = admin
        .post(
            "/admin/roles/support",
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("scope", "all"),
                ("confidential", "masked"),
                ("restricted", "hidden"),
                ("permissions", "customer.read"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("Confirm it is you") && r.body.contains("Set it up in your profile first"), "{}", r.body);
    // Once an authenticator is set up, the same page asks for its code and returns to the roles.
    let secret = enrol(&t, &mut admin, &csrf).await;
    t.clock.advance(std::time::Duration::from_secs(6 * 60));
    let form = [
        ("csrf", csrf.as_str()),
        ("version", "1"),
        ("scope", "all"),
        ("confidential", "masked"),
        ("restricted", "hidden"),
        ("permissions", "customer.read"),
    ];
    let r = admin.post("/admin/roles/support", &form).await;
    assert!(r.body.contains("action=\"/step-up\"") && r.body.contains("name=\"back\" value=\"/admin/roles\""));
    let code = totp_now(&t, &secret, 0);
    let s = admin.post("/step-up", &[("csrf", &csrf), ("code", &code), ("back", "/admin/roles")]).await;
    assert_eq!((s.status, s.location().as_str()), (303, "/admin/roles"));
    let saved = admin.post("/admin/roles/support", &form).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("The role was saved."));
}

#[tokio::test]
async fn every_new_form_needs_the_csrf_token() {
    let (_t, mut b, _csrf) = signed_in().await;
    let id = "0190aaaa-0000-7000-8000-000000000000";
    let paths = [
        "/login/mfa".to_string(),
        "/login/enrol".into(),
        "/step-up".into(),
        format!("/customers/{id}/reveal"),
        "/me/password".into(),
        "/me/mfa".into(),
        "/me/mfa/confirm".into(),
        "/me/mfa/disable".into(),
        "/me/mfa/recovery-codes".into(),
        format!("/me/sessions/{id}/revoke"),
        "/me/tokens".into(),
        format!("/me/tokens/{id}/revoke"),
        "/admin/users".into(),
        format!("/admin/users/{id}"),
        format!("/admin/users/{id}/revoke"),
        "/admin/roles/support".into(),
        "/admin/teams".into(),
        format!("/admin/teams/{id}/manager"),
    ];
    for p in &paths {
        let r = b.post(p, &[("code", "123456"), ("name", "x")]).await;
        assert_eq!(r.status, 403, "{p}");
        assert!(r.body.contains("Request refused"), "{p}");
    }
    assert!(b.get("/customers").await.status == 200, "still signed in");
}
