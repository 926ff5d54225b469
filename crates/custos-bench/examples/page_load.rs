//! page_load: time to first byte and full load (p50) of the customer-list page with a given
//! number of customers, and the page's weight. It starts the real server in-process on
//! 127.0.0.1:0 over a fresh SQLite database (custos-testkit's `spawn_app`), seeds customers
//! through the use case, then measures over plain HTTP (TTFB = response head received, full =
//! HTML body read) and, when chromium and chromedriver are installed, in headless Chromium
//! (Navigation Timing: responseStart and loadEventEnd, with CSS, htmx and the icon). It never
//! talks to anything but loopback and never touches an existing data directory.
//!
//! `cargo run --release -p custos-bench --example page_load -- 500 100000`

use custos_app::ClientInfo;
use custos_domain::CustomerInput;
use fantoccini::{ClientBuilder, Locator};
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HTTP_SAMPLES: usize = 40;
const BROWSER_SAMPLES: usize = 15;
const SEED_TASKS: usize = 8;

fn p50(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

async fn seed(t: &custos_testkit::TestApp, n: usize) -> Result<(), String> {
    let actor = t.app.authenticate(&t.admin_token, &ClientInfo::default()).await.map_err(|e| e.to_string())?;
    let statuses = ["lead", "prospect", "customer", "churned"];
    let tags = ["华东", "华南", "vip", "export", "重点"];
    let mut tasks = Vec::new();
    for w in 0..SEED_TASKS {
        let app = t.app.clone();
        let actor = actor.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            while i < n {
                let name = if i % 2 == 0 {
                    format!("客户公司 {i:06} 有限公司")
                } else {
                    format!("Customer {i:06} Ltd")
                };
                let input = CustomerInput {
                    name: Some(name),
                    status: Some(statuses[i % 4].into()),
                    tags: Some(vec![tags[i % 5].to_string()]),
                    industry: Some("制造业".into()),
                    ..CustomerInput::default()
                };
                app.create_customer(&actor, &input).await.map_err(|e| e.to_string())?;
                i += SEED_TASKS;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// Signs in through the page form with a plain HTTP client; returns the Cookie header value.
async fn cookie(t: &custos_testkit::TestApp) -> Result<String, String> {
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(|e| e.to_string())?;
    let login = http.get(format!("{}/login", t.base)).send().await.map_err(|e| e.to_string())?;
    let pre = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.split(';').next().filter(|c| c.starts_with("custos_csrf=")).map(str::to_string))
        .ok_or("no pre-sign-in cookie")?;
    let token = pre.trim_start_matches("custos_csrf=").to_string();
    let r = http
        .post(format!("{}/login", t.base))
        .header("cookie", &pre)
        .form(&[
            ("csrf", token.as_str()),
            ("email", t.admin_email.as_str()),
            ("password", custos_testkit::TEST_PASSWORD),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.split(';').next().filter(|c| c.starts_with("custos_session=")).map(str::to_string))
        .ok_or_else(|| "sign-in failed".to_string())
}

struct HttpFigures {
    ttfb_ms: f64,
    full_ms: f64,
    html_bytes: usize,
}

async fn measure_http(t: &custos_testkit::TestApp, path: &str, cookie: &str) -> Result<HttpFigures, String> {
    let http = reqwest::Client::new();
    let (mut ttfb, mut full, mut bytes) = (Vec::new(), Vec::new(), 0);
    for i in 0..HTTP_SAMPLES + 3 {
        let start = Instant::now();
        let r =
            http.get(format!("{}{path}", t.base)).header("cookie", cookie).send().await.map_err(|e| e.to_string())?;
        let head = start.elapsed();
        if r.status() != 200 {
            return Err(format!("{path}: status {}", r.status()));
        }
        let body = r.bytes().await.map_err(|e| e.to_string())?;
        let done = start.elapsed();
        bytes = body.len();
        if i >= 3 {
            ttfb.push(head.as_secs_f64() * 1000.0);
            full.push(done.as_secs_f64() * 1000.0);
        }
    }
    Ok(HttpFigures { ttfb_ms: p50(ttfb), full_ms: p50(full), html_bytes: bytes })
}

struct BrowserFigures {
    ttfb_ms: f64,
    load_ms: f64,
    cold_kb: f64,
}

async fn measure_browser(t: &custos_testkit::TestApp, path: &str) -> Result<Option<BrowserFigures>, String> {
    let which = |n: &str| {
        ["/usr/bin/", "/usr/local/bin/"].iter().map(|d| format!("{d}{n}")).find(|p| std::path::Path::new(p).is_file())
    };
    let (Some(chromium), Some(driver)) = (which("chromium"), which("chromedriver")) else { return Ok(None) };
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let mut child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    let result = async {
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if start.elapsed() > Duration::from_secs(20) {
                return Err("chromedriver did not start".to_string());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let caps = json!({"browserName": "chrome", "goog:chromeOptions": {"binary": chromium, "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1280,860", format!("--user-data-dir={}", profile.path().display())]}});
        let Value::Object(caps) = caps else { return Err("capabilities".to_string()) };
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| e.to_string())?;
        c.goto(&format!("{}/login", t.base)).await.map_err(|e| e.to_string())?;
        c.find(Locator::Css("#email"))
            .await
            .map_err(|e| e.to_string())?
            .send_keys(&t.admin_email)
            .await
            .map_err(|e| e.to_string())?;
        c.find(Locator::Css("#password"))
            .await
            .map_err(|e| e.to_string())?
            .send_keys(custos_testkit::TEST_PASSWORD)
            .await
            .map_err(|e| e.to_string())?;
        c.find(Locator::Css("form[action='/login'] button"))
            .await
            .map_err(|e| e.to_string())?
            .click()
            .await
            .map_err(|e| e.to_string())?;
        // The first load after sign-in fetched the assets: its weight is the cold page weight.
        let timing = "const n = performance.getEntriesByType('navigation')[0];
            const r = performance.getEntriesByType('resource');
            return [n.responseStart - n.startTime, n.loadEventEnd - n.startTime,
                    n.decodedBodySize + r.reduce((a, e) => a + e.decodedBodySize, 0), n.loadEventEnd > 0];";
        let wait_loaded = |c: &fantoccini::Client| {
            let c = c.clone();
            async move {
                for _ in 0..400 {
                    let v = c.execute(timing, vec![]).await.map_err(|e| e.to_string())?;
                    if v[3] == json!(true) {
                        return Ok(v);
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err("page did not finish loading".to_string())
            }
        };
        c.goto(&format!("{}{path}", t.base)).await.map_err(|e| e.to_string())?;
        let first = wait_loaded(&c).await?;
        let cold_kb = first[2].as_f64().unwrap_or(f64::NAN) / 1024.0;
        let (mut ttfb, mut load) = (Vec::new(), Vec::new());
        for _ in 0..BROWSER_SAMPLES {
            c.goto(&format!("{}{path}", t.base)).await.map_err(|e| e.to_string())?;
            let v = wait_loaded(&c).await?;
            ttfb.push(v[0].as_f64().unwrap_or(f64::NAN));
            load.push(v[1].as_f64().unwrap_or(f64::NAN));
        }
        c.close().await.map_err(|e| e.to_string())?;
        Ok(Some(BrowserFigures { ttfb_ms: p50(ttfb), load_ms: p50(load), cold_kb }))
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::process::ExitCode {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![500, 100_000] } else { sizes };
    println!(
        "| customers | page | HTTP TTFB p50 ms | HTTP full p50 ms | HTML KB | browser TTFB p50 ms | browser load p50 ms | page weight KB (HTML+CSS+JS+icon) |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let t = custos_testkit::spawn_app().await;
        let started = Instant::now();
        if let Err(e) = seed(&t, n).await {
            eprintln!("page_load: seeding failed: {e}");
            return std::process::ExitCode::FAILURE;
        }
        eprintln!("seeded {n} customers in {:.1} s", started.elapsed().as_secs_f64());
        let cookie = match cookie(&t).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("page_load: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        for (label, path) in [("list, first page", "/customers"), ("search by name", "/customers?q=00012")] {
            let h = match measure_http(&t, path, &cookie).await {
                Ok(h) => h,
                Err(e) => {
                    eprintln!("page_load: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            };
            let b = match measure_browser(&t, path).await {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("page_load: browser: {e}");
                    None
                }
            };
            let (bt, bl, kb) = b.map_or(("–".into(), "–".into(), "–".into()), |b| {
                (format!("{:.1}", b.ttfb_ms), format!("{:.1}", b.load_ms), format!("{:.1}", b.cold_kb))
            });
            println!(
                "| {n} | {label} | {:.2} | {:.2} | {:.1} | {bt} | {bl} | {kb} |",
                h.ttfb_ms,
                h.full_ms,
                h.html_bytes as f64 / 1024.0
            );
        }
    }
    std::process::ExitCode::SUCCESS
}
