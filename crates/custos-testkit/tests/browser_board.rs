//! Browser test of the pipeline board: headless Chromium through WebDriver (chromedriver)
//! against the real server on port 0. A card is dragged to another column (HTML5 drag events
//! dispatched on the page, handled by the board's script, saved over fetch with the CSRF
//! header) and is in its new column after a reload and in the API's history; another card is
//! moved with the keyboard only (focus, ArrowRight) with a live-region announcement; a card
//! made stale behind the board's back shows the conflict message and the board reloads.
//! Screenshots of the board (en and zh-CN, 1280 px) go to docs/screenshots/. Without chromium
//! and chromedriver the test skips, unless CUSTOS_REQUIRE_E2E=1. Only loopback is used.

use custos_testkit::{TEST_PASSWORD, TestApp, spawn_app};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const DESKTOP: (u32, u32) = (1280, 860);

/// chromedriver, ended when dropped.
struct Driver {
    child: Child,
    profile: tempfile::TempDir,
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

/// chromedriver and a headless Chromium session, or `None` (skip) without them.
async fn browser() -> Option<(Driver, Client)> {
    let (Some(chromium), Some(driver)) =
        (find_tool(&["chromium", "chromium-browser", "google-chrome"]), find_tool(&["chromedriver"]))
    else {
        let msg = "browser tests need chromium and chromedriver (apt-get install chromium chromium-driver)";
        assert!(std::env::var("CUSTOS_REQUIRE_E2E").as_deref() != Ok("1"), "CUSTOS_REQUIRE_E2E=1: {msg}");
        eprintln!("SKIPPED: {msg}");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
    let child = Command::new(&driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let d = Driver { child, profile: tempfile::tempdir().expect("profile dir") };
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
        format!("--user-data-dir={}", d.profile.path().display()),
        format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
    ]);
    let caps = json!({
        "browserName": "chrome",
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

async fn until(c: &Client, script: &str) {
    let start = Instant::now();
    while js(c, script).await != Value::Bool(true) {
        assert!(start.elapsed() < Duration::from_secs(10), "timed out waiting for: {script}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn fill(c: &Client, css: &str, text: &str) {
    let e = find(c, css).await;
    e.clear().await.expect("clear");
    e.send_keys(text).await.expect("type");
}

async fn snap(c: &Client, name: &str, lang: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    until(c, &format!("return document.documentElement.lang === {}", json!(lang))).await;
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}-{lang}-1280.png")), png).expect("write screenshot");
}

/// The stage (column) a deal's card is in, or null.
fn column_of(deal: &str) -> String {
    format!(
        "var c = document.getElementById('deal-{deal}'); var col = c && c.closest('.board-col'); \
         return col ? col.getAttribute('data-stage-id') : null;"
    )
}

/// Whether a deal's card is in the column of `stage`.
fn in_column(deal: &str, stage: &str) -> String {
    format!(
        "var c = document.getElementById('deal-{deal}'); \
         return !!c && c.closest('.board-col').getAttribute('data-stage-id') === '{stage}';"
    )
}

/// Drags a card onto a column with the HTML5 drag events a user's drag produces.
fn drag(deal: &str, stage: &str) -> String {
    format!(
        "var card = document.getElementById('deal-{deal}'); \
         var col = document.querySelector('.board-col[data-stage-id=\"{stage}\"]'); \
         var dt = new DataTransfer(); \
         card.dispatchEvent(new DragEvent('dragstart', {{bubbles: true, cancelable: true, dataTransfer: dt}})); \
         col.dispatchEvent(new DragEvent('dragenter', {{bubbles: true, cancelable: true, dataTransfer: dt}})); \
         col.dispatchEvent(new DragEvent('dragover', {{bubbles: true, cancelable: true, dataTransfer: dt}})); \
         col.dispatchEvent(new DragEvent('drop', {{bubbles: true, cancelable: true, dataTransfer: dt}})); \
         card.dispatchEvent(new DragEvent('dragend', {{bubbles: true, cancelable: true, dataTransfer: dt}})); \
         return true;"
    )
}

async fn history_to(t: &TestApp, deal: &str) -> Vec<String> {
    let h = t.get(&format!("/api/v1/deals/{deal}/history")).await.body;
    h["items"].as_array().unwrap().iter().map(|s| s["to_stage_id"].as_str().unwrap().to_string()).collect()
}

async fn seed(t: &TestApp) -> (Vec<String>, Vec<String>) {
    let p = t.get("/api/v1/pipelines").await.body["items"][0].clone();
    let stages: Vec<String> =
        p["stages"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().into()).collect();
    let customers =
        ["北京星辰科技有限公司", "Northwind Trading Ltd", "深圳前海智造有限公司", "Contoso Pharmaceuticals"];
    let mut ids = Vec::new();
    for name in customers {
        ids.push(t.create_customer(json!({"name": name})).await["id"].as_str().unwrap().to_string());
    }
    let deals = [
        ("年度服务器采购", 0, 0, "1280000", "2026-12-15"),
        ("Cold-chain logistics pilot", 1, 0, "86000", "2026-11-30"),
        ("智能产线改造一期", 2, 1, "2450000", "2027-01-20"),
        ("API platform licences", 3, 1, "310000.50", ""),
        ("华南仓储扩容", 0, 2, "640000", "2026-12-31"),
        ("Compliance audit package", 3, 2, "52000", "2026-11-20"),
        ("售后维保续约", 2, 3, "180000", "2026-12-05"),
        ("Fleet telematics", 1, 4, "420000", "2026-11-28"),
    ];
    let mut out = Vec::new();
    for (title, customer, stage, amount, close) in deals {
        let mut body =
            json!({"title": title, "customer_id": ids[customer], "stage_id": stages[stage], "amount": amount});
        if !close.is_empty() {
            body["expected_close"] = json!(close);
        }
        let r = t.post("/api/v1/deals", body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        out.push(r.body["id"].as_str().unwrap().to_string());
    }
    (stages, out)
}

#[tokio::test]
async fn drag_and_keyboard_moves_are_saved_and_a_stale_card_reloads() {
    let t = spawn_app().await;
    let (stages, deals) = seed(&t).await;
    let Some((_driver, c)) = browser().await else { return };
    let base = t.base.clone();
    c.goto(&format!("{base}/login")).await.expect("goto");
    fill(&c, "#email", &t.admin_email).await;
    fill(&c, "#password", TEST_PASSWORD).await;
    find(&c, "form[action='/login'] button[type=submit]").await.click().await.expect("submit");
    until(&c, "return location.pathname === '/customers'").await;
    c.goto(&format!("{base}/pipeline")).await.expect("goto");
    find(&c, "#board .deal-card").await;
    snap(&c, "pipeline", "en").await;

    // Drag the first deal from Qualification to Proposal.
    let first = &deals[0];
    assert_eq!(js(&c, &column_of(first)).await, json!(stages[0]));
    until(&c, "return !!document.querySelector('script[src*=\"/static/board.\"]')").await;
    js(&c, &drag(first, &stages[2])).await;
    until(&c, &in_column(first, &stages[2])).await;
    until(&c, "return (document.getElementById('board-status').textContent || '').indexOf('Moved') === 0").await;
    c.refresh().await.expect("reload");
    find(&c, "#board .deal-card").await;
    assert_eq!(js(&c, &column_of(first)).await, json!(stages[2]), "saved: still there after a reload");
    assert_eq!(history_to(&t, first).await, [stages[0].clone(), stages[2].clone()]);

    // Keyboard only: focus a card and press ArrowRight; focus stays on the moved card.
    let second = &deals[1];
    let card = find(&c, &format!("#deal-{second}")).await;
    card.send_keys("\u{E014}").await.expect("ArrowRight");
    until(&c, &in_column(second, &stages[1])).await;
    until(&c, &format!("return document.activeElement && document.activeElement.id === 'deal-{second}'")).await;
    until(&c, "return (document.getElementById('board-status').textContent || '').indexOf('Needs analysis') > 0").await;
    assert_eq!(history_to(&t, second).await, [stages[0].clone(), stages[1].clone()]);

    // Someone else changes a deal behind the board's back: the move is refused with a message
    // on the card, and the board reloads with the current state.
    let third = &deals[2];
    let r = t
        .request(
            "PATCH",
            &format!("/api/v1/deals/{third}"),
            Some(&t.admin_token),
            Some(json!({"version": 1, "amount": "1"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    js(&c, &drag(third, &stages[3])).await;
    until(&c, &format!("var c = document.getElementById('deal-{third}'); var e = c && c.querySelector('.deal-card-error'); return !!e && !e.hidden && e.textContent.indexOf('Someone else') === 0")).await;
    until(
        &c,
        &format!(
            "var c = document.getElementById('deal-{third}'); return !!c && c.getAttribute('data-version') === '2'"
        ),
    )
    .await;
    assert_eq!(js(&c, &column_of(third)).await, json!(stages[1]), "not moved");
    assert_eq!(history_to(&t, third).await, [stages[1].clone()]);

    // The board in Chinese.
    find(&c, "form.lang button[lang='zh-CN']").await.click().await.expect("switch");
    until(&c, "return document.documentElement.lang === 'zh-CN'").await;
    find(&c, "#board .deal-card").await;
    snap(&c, "pipeline", "zh-CN").await;
}
