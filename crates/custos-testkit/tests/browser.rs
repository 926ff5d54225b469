//! Browser tests: headless Chromium driven through WebDriver (chromedriver) against the real
//! server on port 0. They sign in, create a customer with a Chinese name (inline validation
//! first), add a contact, find the customer with the htmx search, switch the language, sign
//! out, check that hostile text runs no script; and, in a second journey, enrol an
//! authenticator, sign in again with a TOTP code (for the server's manual clock), create and
//! search a customer with a Chinese name, reveal a masked field with a purpose, switch the
//! language and sign out. They save screenshots of the main pages (profile, MFA enrolment,
//! reveal form, admin users too) in both languages to docs/screenshots/. Without chromium and chromedriver they
//! skip, unless CUSTOS_REQUIRE_E2E=1 (CI), where that is a failure. Only loopback is used.

use custos_testkit::{TEST_PASSWORD, TestApp, spawn_app};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PAYLOADS: [&str; 2] = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"];
const DESKTOP: (u32, u32) = (1280, 860);
const PHONE: (u32, u32) = (375, 812);

/// chromedriver, ended when dropped.
struct Driver {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_tool(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for n in names {
        for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/lib/chromium")]) {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Starts chromedriver and a headless Chromium session, or `None` (skip) when they are not
/// installed and CUSTOS_REQUIRE_E2E is not 1.
async fn browser() -> Option<(Driver, Client)> {
    let chromium = find_tool(&["chromium", "chromium-browser", "google-chrome"]);
    let driver = find_tool(&["chromedriver"]);
    let (Some(chromium), Some(driver)) = (chromium, driver) else {
        let msg = "browser tests need chromium and chromedriver (apt-get install chromium chromium-driver)";
        assert!(std::env::var("CUSTOS_REQUIRE_E2E").as_deref() != Ok("1"), "CUSTOS_REQUIRE_E2E=1: {msg}");
        eprintln!("SKIPPED: {msg}");
        return None;
    };
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        l.local_addr().expect("addr").port()
    };
    let child = Command::new(&driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().expect("profile dir");
    let d = Driver { child, _profile: profile };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let args = json!([
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--lang=en-US",
        format!("--user-data-dir={}", d._profile.path().display()),
        format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
    ]);
    let caps = json!({
        "browserName": "chrome",
        // Keep a dialog open so that the test can see it (the default would dismiss it).
        "unhandledPromptBehavior": "ignore",
        "goog:chromeOptions": {"binary": chromium, "args": args, "prefs": {"intl.accept_languages": "en-US,en"}},
    });
    let Value::Object(caps) = caps else { unreachable!("a JSON object") };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let c = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session");
    Some((d, c))
}

async fn find(c: &Client, css: &str) -> Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.expect("script")
}

/// Waits until `script` returns true.
async fn until(c: &Client, script: &str) {
    let start = Instant::now();
    while js(c, script).await != Value::Bool(true) {
        assert!(start.elapsed() < Duration::from_secs(10), "timed out waiting for: {script}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn path_is(c: &Client, path: &str) {
    until(c, &format!("return location.pathname + location.search === {}", json!(path))).await;
}

async fn fill(c: &Client, css: &str, text: &str) {
    let e = find(c, css).await;
    e.clear().await.expect("clear");
    e.send_keys(text).await.expect("type");
}

fn shots_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots")
}

/// Saves a screenshot of `path` at both widths as `{name}-{lang}-{width}.png`.
async fn shoot(c: &Client, base: &str, path: &str, name: &str, lang: &str) {
    std::fs::create_dir_all(shots_dir()).expect("screenshot dir");
    for (w, h) in [DESKTOP, PHONE] {
        c.set_window_size(w, h).await.expect("resize");
        c.goto(&format!("{base}{path}")).await.expect("goto");
        until(c, &format!("return document.documentElement.lang === {}", json!(lang))).await;
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(shots_dir().join(format!("{name}-{lang}-{w}.png")), png).expect("write screenshot");
    }
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.expect("resize");
}

async fn sign_in(c: &Client, t: &TestApp) {
    c.goto(&format!("{}/login", t.base)).await.expect("goto");
    fill(c, "#email", &t.admin_email).await;
    fill(c, "#password", TEST_PASSWORD).await;
    find(c, "form[action='/login'] button[type=submit]").await.click().await.expect("submit");
    path_is(c, "/customers").await;
}

async fn seed(t: &TestApp) {
    let rows = [
        ("北京星辰科技有限公司", "customer", vec!["重点", "华北"]),
        ("Northwind Trading Ltd", "prospect", vec!["export"]),
        ("深圳前海智造有限公司", "lead", vec!["华南"]),
        ("Contoso Pharmaceuticals", "customer", vec!["vip", "pharma"]),
        ("成都天府软件园服务中心", "prospect", vec![]),
        ("李娜", "lead", vec!["个人"]),
        ("Fabrikam Logistics GmbH", "churned", vec![]),
        ("广州珠江贸易集团", "customer", vec!["华南", "重点"]),
    ];
    for (name, status, tags) in rows {
        let kind = if name.chars().count() <= 3 { "person" } else { "organization" };
        t.create_customer(json!({"name": name, "status": status, "tags": tags, "kind": kind, "industry": "制造业"}))
            .await;
    }
}

#[tokio::test]
async fn sign_in_create_search_switch_language_and_sign_out() {
    let t = spawn_app().await;
    seed(&t).await;
    let Some((_driver, c)) = browser().await else { return };
    let base = t.base.clone();

    // Sign-in page in English (Accept-Language en-US); keyboard focus is visible.
    shoot(&c, &base, "/login", "signin", "en").await;
    c.goto(&format!("{base}/login")).await.expect("goto");
    assert_eq!(js(&c, "return document.activeElement.id").await, json!("email"), "autofocus on e-mail");
    c.active_element().await.expect("focus").send_keys("\u{E004}").await.expect("tab");
    assert_eq!(js(&c, "return document.activeElement.id").await, json!("password"));
    let outline = js(&c, "return getComputedStyle(document.activeElement).outlineStyle").await;
    assert_eq!(outline, json!("solid"), "visible focus");
    sign_in(&c, &t).await;

    // Create a customer with a Chinese name; an invalid e-mail is refused inline first.
    find(&c, "a[href='/customers/new']").await.click().await.expect("new");
    path_is(&c, "/customers/new").await;
    fill(&c, "#c-name", "上海云杉信息科技有限公司").await;
    fill(&c, "#c-email", "not-an-email").await;
    find(&c, "form.form button[type=submit]").await.click().await.expect("save");
    let err = find(&c, "#c-email-error").await.text().await.expect("text");
    assert!(err.contains("e-mail address"), "{err}");
    assert_eq!(find(&c, "#c-email").await.attr("aria-invalid").await.expect("attr").as_deref(), Some("true"));
    assert_eq!(
        find(&c, "#c-name").await.prop("value").await.expect("value").as_deref(),
        Some("上海云杉信息科技有限公司")
    );
    fill(&c, "#c-email", "hello@yunshan.example").await;
    fill(&c, "#c-mobile", "13812345678").await;
    fill(&c, "#c-tags", "重点，华东").await;
    fill(&c, "#c-address", "上海市浦东新区张江路 88 号").await;
    find(&c, "form.form button[type=submit]").await.click().await.expect("save");
    until(&c, "return location.pathname.startsWith('/customers/0') || location.pathname.length > 20").await;
    let h1 = find(&c, "h1").await.text().await.expect("h1");
    assert_eq!(h1, "上海云杉信息科技有限公司");
    let customer_path: String = js(&c, "return location.pathname").await.as_str().expect("path").to_string();

    // Add a contact through the form on the customer page.
    find(&c, "details.add-contact summary").await.click().await.expect("open");
    fill(&c, "#ct-name", "王小明").await;
    fill(&c, "#ct-title", "采购经理").await;
    fill(&c, "#ct-mobile", "13900001111").await;
    find(&c, "form[action$='/contacts'] button[type=submit]").await.click().await.expect("add");
    until(&c, "return document.querySelectorAll('.contacts li').length === 1").await;

    // Find it with the search box: htmx replaces the results and updates the address.
    c.goto(&format!("{base}/customers")).await.expect("goto");
    until(&c, "return document.querySelectorAll('td.name').length === 9").await;
    until(&c, "return typeof htmx === 'object'").await;
    find(&c, "#q").await.send_keys("云杉").await.expect("type");
    until(&c, "return document.querySelectorAll('td.name').length === 1").await;
    let found = find(&c, "td.name a").await.text().await.expect("text");
    assert_eq!(found, "上海云杉信息科技有限公司");
    until(&c, "return location.search.includes('q=')").await;
    assert!(js(&c, "return document.querySelector('form.filters') !== null").await == json!(true), "page kept");

    // Screenshots in English.
    shoot(&c, &base, "/customers", "customers", "en").await;
    shoot(&c, &base, &customer_path, "customer", "en").await;
    shoot(&c, &base, "/customers/new", "new-customer", "en").await;

    // Switch the language: the choice sticks across pages.
    c.goto(&format!("{base}/customers")).await.expect("goto");
    find(&c, "form.lang button[lang='zh-CN']").await.click().await.expect("switch");
    until(&c, "return document.documentElement.lang === 'zh-CN'").await;
    assert_eq!(find(&c, "h1").await.text().await.expect("h1"), "客户");
    assert_eq!(find(&c, "a[href='/customers/new']").await.text().await.expect("text"), "新建客户");
    shoot(&c, &base, "/customers", "customers", "zh-CN").await;
    shoot(&c, &base, &customer_path, "customer", "zh-CN").await;
    shoot(&c, &base, "/customers/new", "new-customer", "zh-CN").await;

    // Sign out: back on the (Chinese) sign-in page; pages now send us there.
    c.goto(&format!("{base}/customers")).await.expect("goto");
    find(&c, "form[action='/logout'] button").await.click().await.expect("sign out");
    path_is(&c, "/login").await;
    assert_eq!(find(&c, "h1").await.text().await.expect("h1"), "登录 Custos");
    c.goto(&format!("{base}/customers")).await.expect("goto");
    path_is(&c, "/login").await;
    shoot(&c, &base, "/login", "signin", "zh-CN").await;
    c.close().await.expect("close");
}

/// No dialog is open and no injected element or inline script exists on the current page.
async fn assert_nothing_ran(c: &Client, what: &str) {
    if let Ok(text) = c.get_alert_text().await {
        panic!("{what}: a dialog opened: {text}");
    }
    let injected =
        js(c, "return document.querySelectorAll('img[src=\"x\"], img[onerror], script:not([src])').length").await;
    assert_eq!(injected, json!(0), "{what}: injected elements");
}

#[tokio::test]
async fn hostile_text_runs_no_script_in_the_browser() {
    let t = spawn_app().await;
    let mut ids = Vec::new();
    for p in PAYLOADS {
        let c = t
            .create_customer(
                json!({"name": p, "industry": p, "tier": p, "source": p, "tags": [p], "address": p, "notes": p}),
            )
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
    let Some((_driver, c)) = browser().await else { return };
    sign_in(&c, &t).await;
    assert_nothing_ran(&c, "list").await;
    // The payloads are there as text.
    let names = js(&c, "return [...document.querySelectorAll('td.name a')].map(a => a.textContent)").await;
    for p in PAYLOADS {
        assert!(names.as_array().expect("names").contains(&json!(p)), "{names}");
    }
    // Searching for a payload goes through htmx and the search box.
    until(&c, "return typeof htmx === 'object'").await;
    find(&c, "#q").await.send_keys(PAYLOADS[1]).await.expect("type");
    until(&c, "return document.querySelectorAll('td.name').length === 1").await;
    assert_nothing_ran(&c, "htmx search").await;
    for (i, id) in ids.iter().enumerate() {
        c.goto(&format!("{}/customers/{id}", t.base)).await.expect("goto");
        assert_nothing_ran(&c, "customer page").await;
        assert_eq!(find(&c, "h1").await.text().await.expect("h1"), PAYLOADS[i]);
        c.goto(&format!("{}/customers/{id}/edit", t.base)).await.expect("goto");
        assert_nothing_ran(&c, "edit form").await;
        assert_eq!(find(&c, "#c-notes").await.prop("value").await.expect("value").as_deref(), Some(PAYLOADS[i]));
        // Saving the form with an error re-renders the hostile values.
        fill(&c, "#c-email", "broken").await;
        find(&c, "form.form button[type=submit]").await.click().await.expect("save");
        find(&c, "#c-email-error").await;
        assert_nothing_ran(&c, "re-filled form").await;
    }
    c.close().await.expect("close");
}

/// Saves a screenshot of the page as it is now (desktop width) as `{name}-{lang}-1280.png`.
async fn snap(c: &Client, name: &str, lang: &str) {
    std::fs::create_dir_all(shots_dir()).expect("screenshot dir");
    until(c, &format!("return document.documentElement.lang === {}", json!(lang))).await;
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(shots_dir().join(format!("{name}-{lang}-1280.png")), png).expect("write screenshot");
}

/// The authenticator code for the server's (manual) clock now.
fn totp_now(t: &TestApp, secret: &str) -> String {
    use custos_crypto::totp;
    use custos_domain::Clock;
    let key = totp::base32_decode(secret).expect("base32");
    totp::code_at(&key, totp::time_step(t.clock.now().unix_timestamp(), totp::STEP_SECS))
}

async fn click(c: &Client, css: &str) {
    find(c, css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

#[tokio::test]
async fn enrol_mfa_sign_in_with_a_code_reveal_with_a_purpose_and_administer() {
    let t = spawn_app().await;
    seed(&t).await;
    let Some((_driver, c)) = browser().await else { return };
    let base = t.base.clone();

    // Sign in with the password and set up an authenticator on the profile page.
    sign_in(&c, &t).await;
    click(&c, "a.who").await;
    path_is(&c, "/me").await;
    shoot(&c, &base, "/me", "profile", "en").await;
    click(&c, "form[action='/me/mfa'] button").await;
    let qr = find(&c, "img.qr").await;
    assert!(qr.attr("src").await.expect("src").unwrap_or_default().starts_with("data:image/svg+xml;base64,"));
    until(&c, "return document.querySelector('img.qr').naturalWidth > 0").await;
    snap(&c, "mfa-enrol", "en").await;
    let secret: String = find(&c, "#totp-secret").await.text().await.expect("secret").split_whitespace().collect();
    fill(&c, "#code", &totp_now(&t, &secret)).await;
    click(&c, "form[action='/me/mfa/confirm'] button[type=submit]").await;
    until(&c, "return document.querySelectorAll('#recovery-codes li').length === 10").await;
    click(&c, "a.btn-primary[href='/me']").await;
    path_is(&c, "/me").await;
    assert!(js(&c, "return document.querySelector(\"form[action='/me/mfa/disable']\") !== null").await == json!(true));

    // Sign out, and sign in again: password, then a code from the authenticator.
    click(&c, "form[action='/logout'] button").await;
    path_is(&c, "/login").await;
    fill(&c, "#email", &t.admin_email).await;
    fill(&c, "#password", TEST_PASSWORD).await;
    click(&c, "form[action='/login'] button[type=submit]").await;
    path_is(&c, "/login/mfa").await;
    t.clock.advance(Duration::from_secs(30));
    fill(&c, "#code", &totp_now(&t, &secret)).await;
    click(&c, "form[action='/login/mfa'] button[type=submit]").await;
    path_is(&c, "/customers").await;

    // Create a customer with a Chinese name and a resident ID (restricted: masked for admins).
    click(&c, "a[href='/customers/new']").await;
    path_is(&c, "/customers/new").await;
    fill(&c, "#c-name", "杭州西湖茶叶有限公司").await;
    fill(&c, "#c-national_id", "11010519491231002X").await;
    fill(&c, "#c-mobile", "13700001234").await;
    click(&c, "form.form button[type=submit]").await;
    until(&c, "return location.pathname.length > 20 && !location.pathname.endsWith('/new')").await;
    let customer_path: String = js(&c, "return location.pathname").await.as_str().expect("path").to_string();

    // Find it with the search box.
    c.goto(&format!("{base}/customers")).await.expect("goto");
    until(&c, "return typeof htmx === 'object'").await;
    find(&c, "#q").await.send_keys("西湖").await.expect("type");
    until(&c, "return document.querySelectorAll('td.name').length === 1").await;
    click(&c, "td.name a").await;
    path_is(&c, &customer_path).await;

    // Reveal the masked ID with a purpose: the value is replaced in place.
    let masked = find(&c, "#f-national_id").await.text().await.expect("text");
    assert!(!masked.contains("11010519491231002X") && masked.contains('*'), "{masked}");
    click(&c, "details.reveal summary").await;
    fill(&c, "#reveal-purpose", "合同 88 号客户身份核验").await;
    snap(&c, "reveal", "en").await;
    click(&c, "form.reveal-form button[type=submit]").await;
    until(&c, "return document.querySelector('#f-national_id').textContent.includes('11010519491231002X')").await;
    assert_eq!(js(&c, "return location.pathname + location.search").await, json!(customer_path), "nothing in the URL");
    c.refresh().await.expect("reload");
    let again = find(&c, "#f-national_id").await.text().await.expect("text");
    assert!(!again.contains("11010519491231002X"), "masked again after a reload");

    // Administration in English.
    shoot(&c, &base, "/admin/users", "admin-users", "en").await;

    // Switch the language; the same pages in Chinese.
    click(&c, "form.lang button[lang='zh-CN']").await;
    until(&c, "return document.documentElement.lang === 'zh-CN'").await;
    shoot(&c, &base, "/me", "profile", "zh-CN").await;
    shoot(&c, &base, "/admin/users", "admin-users", "zh-CN").await;
    c.goto(&format!("{base}{customer_path}")).await.expect("goto");
    click(&c, "details.reveal summary").await;
    fill(&c, "#reveal-purpose", "合同 88 号客户身份核验").await;
    snap(&c, "reveal", "zh-CN").await;
    // Remove the authenticator (the code at sign-in still counts as fresh) and start again,
    // for the Chinese enrolment page.
    c.goto(&format!("{base}/me")).await.expect("goto");
    click(&c, "form[action='/me/mfa/disable'] button").await;
    until(&c, "return location.search === '?notice=mfa-removed'").await;
    click(&c, "form[action='/me/mfa'] button").await;
    find(&c, "img.qr").await;
    until(&c, "return document.querySelector('img.qr').naturalWidth > 0").await;
    assert_eq!(find(&c, "h1").await.text().await.expect("h1"), "设置身份验证器应用");
    snap(&c, "mfa-enrol", "zh-CN").await;

    // Sign out.
    c.goto(&format!("{base}/customers")).await.expect("goto");
    click(&c, "form[action='/logout'] button").await;
    path_is(&c, "/login").await;
    assert_eq!(find(&c, "h1").await.text().await.expect("h1"), "登录 Custos");
    c.close().await.expect("close");
}
