//! dashboard_load: render time of `GET /dashboard` (five server-drawn SVG charts over the
//! report aggregates) with N deals, for an admin (all records), a sales manager (team scope)
//! and a sales rep (own scope). It starts the real server in-process on 127.0.0.1:0 over a
//! fresh SQLite database (custos-testkit's `spawn_app`), creates 20 reps in two teams and
//! 2,000 customers through the use cases, bulk-inserts N deals and N/5 leads in one
//! transaction through the store, then times full responses (head and HTML body) over HTTP and
//! prints p50 and p99. It never talks to anything but loopback and never touches an existing
//! data directory.
//!
//! `cargo run --release -p custos-bench --example dashboard_load -- 100000` (set `DASHBOARD_HTML=FILE`
//! to also write the admin's page to FILE, for a look at it).

use custos_app::ClientInfo;
use custos_domain::CustomerInput;
use custos_store::{DealRow, LeadRow, Sealed};
use serde_json::json;
use std::time::Instant;

const SAMPLES: usize = 200;
const WARMUP: usize = 5;
const REPS: usize = 20;
const CUSTOMERS: usize = 2_000;
const DAY_US: i64 = 86_400_000_000;

/// A small deterministic generator (SplitMix64), so every run seeds the same data.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> i64 {
        i64::try_from(self.next() % n.max(1)).unwrap_or(0)
    }
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or(f64::NAN)
}

async fn json_ok(t: &custos_testkit::TestApp, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let r = t.request(method, path, Some(&t.admin_token), Some(body)).await;
    assert!(r.status < 300, "{method} {path}: {} {}", r.status, r.body);
    r.body
}

/// Reps (half in team East, half in West) and one manager per team: (user id, team id, email).
async fn people(t: &custos_testkit::TestApp) -> Vec<(String, String, String)> {
    let mut teams = Vec::new();
    for name in ["East", "West"] {
        teams.push(
            json_ok(t, "POST", "/api/v1/teams", json!({"name": name})).await["id"].as_str().unwrap_or("").to_string(),
        );
    }
    let mut out = Vec::new();
    for i in 0..REPS + 2 {
        let (role, email) = if i < REPS {
            ("sales_rep", format!("rep{i}@bench.example"))
        } else {
            ("sales_manager", format!("mgr{i}@bench.example"))
        };
        let u = t.add_user(&email, role).await;
        let team = teams[i % 2].clone();
        json_ok(
            t,
            "PATCH",
            &format!("/api/v1/users/{}", u.id),
            json!({"version": 1, "team_id": team, "display_name": format!("销售 {i:02}")}),
        )
        .await;
        out.push((u.id.to_string(), team, email));
    }
    out
}

async fn seed(t: &custos_testkit::TestApp, deals: usize) -> Result<Vec<(String, String, String)>, String> {
    let staff = people(t).await;
    let actor = t.app.authenticate(&t.admin_token, &ClientInfo::default()).await.map_err(|e| e.to_string())?;
    let mut customers = Vec::with_capacity(CUSTOMERS);
    for i in 0..CUSTOMERS {
        let (owner, team, _) = &staff[i % REPS];
        let input = CustomerInput {
            name: Some(format!("客户 {i:05} 有限公司")),
            owner_id: Some(owner.clone()),
            team_id: Some(team.clone()),
            ..CustomerInput::default()
        };
        let c = t.app.create_customer(&actor, &input).await.map_err(|e| e.to_string())?;
        customers.push((c.id.to_string(), owner.clone(), team.clone()));
    }
    let pipes = t.get("/api/v1/pipelines").await.body;
    let pipeline = pipes["items"][0]["id"].as_str().ok_or("no pipeline")?.to_string();
    let stages: Vec<String> = pipes["items"][0]["stages"]
        .as_array()
        .ok_or("no stages")?
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    let now = custos_domain::Clock::now(t.clock.as_ref());
    let now_us = i64::try_from(now.unix_timestamp_nanos() / 1000).unwrap_or(0);
    let today = now.date();
    let mut rng = Mix(7);
    let started = Instant::now();
    let mut tx = t.app.store().begin_write().await.map_err(|e| e.to_string())?;
    for i in 0..deals {
        let (customer, owner, team) = &customers[rng.below(CUSTOMERS as u64) as usize];
        let created = now_us - rng.below(720) * DAY_US - rng.below(DAY_US as u64);
        let roll = rng.below(100);
        let (status, closed) = match roll {
            0..60 => ("open", None),
            60..85 => ("won", Some((created + (5 + rng.below(120)) * DAY_US).min(now_us))),
            _ => ("lost", Some((created + (5 + rng.below(120)) * DAY_US).min(now_us))),
        };
        let expected = today + time::Duration::days(rng.below(400) - 60);
        let d = DealRow {
            id: uuid::Uuid::now_v7().to_string(),
            title: format!("Deal {i:06} 项目"),
            customer_id: customer.clone(),
            pipeline_id: pipeline.clone(),
            stage_id: stages[rng.below(stages.len() as u64) as usize].clone(),
            amount_minor: (1_000 + rng.below(500_000)) * 100,
            currency: if rng.below(10) == 0 { "USD".into() } else { "CNY".into() },
            expected_close: Some(custos_domain::sales::report::day_string(expected)),
            owner_id: Some(owner.clone()),
            team_id: Some(team.clone()),
            status: status.into(),
            lost_reason: (status == "lost").then(|| "price".to_string()),
            closed_at: closed,
            lead_id: None,
            stage_entered_at: created,
            created_at: created,
            updated_at: closed.unwrap_or(created),
            version: 1,
        };
        tx.insert_deal(&d).await.map_err(|e| e.to_string())?;
    }
    let statuses = ["new", "contacted", "qualified", "converted", "disqualified"];
    for i in 0..deals / 5 {
        let (owner, team, _) = &staff[rng.below(REPS as u64) as usize];
        let created = now_us - rng.below(720) * DAY_US;
        let l = LeadRow {
            id: uuid::Uuid::now_v7().to_string(),
            name: format!("线索 {i:06}"),
            company: None,
            title: None,
            source: "website".into(),
            status: statuses[rng.below(5) as usize].into(),
            owner_id: Some(owner.clone()),
            team_id: Some(team.clone()),
            email: Sealed::default(),
            mobile: Sealed::default(),
            notes: None,
            disqualify_reason: None,
            customer_id: None,
            deal_id: None,
            converted_at: None,
            created_at: created,
            updated_at: created,
            version: 1,
        };
        tx.insert_lead(&l).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    eprintln!(
        "inserted {deals} deals and {} leads in one transaction in {:.1} s",
        deals / 5,
        started.elapsed().as_secs_f64()
    );
    Ok(staff)
}

/// Signs in for pages (cookie session); returns the Cookie header value.
async fn cookie(t: &custos_testkit::TestApp, email: &str) -> Result<String, String> {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", t.base))
        .json(&json!({"email": email, "password": custos_testkit::TEST_PASSWORD, "session": "cookie"}))
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

/// (p50 ms, p99 ms, HTML KB) of `GET path` with `cookie`.
async fn measure(t: &custos_testkit::TestApp, cookie: &str, path: &str) -> Result<(f64, f64, f64), String> {
    let http = reqwest::Client::new();
    let (mut times, mut bytes) = (Vec::with_capacity(SAMPLES), 0);
    for i in 0..SAMPLES + WARMUP {
        let start = Instant::now();
        let r =
            http.get(format!("{}{path}", t.base)).header("cookie", cookie).send().await.map_err(|e| e.to_string())?;
        if r.status() != 200 {
            return Err(format!("{path}: status {}", r.status()));
        }
        let body = r.bytes().await.map_err(|e| e.to_string())?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        bytes = body.len();
        if i >= WARMUP {
            times.push(ms);
        }
    }
    Ok((pct(&mut times, 0.5), pct(&mut times, 0.99), bytes as f64 / 1024.0))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::process::ExitCode {
    let deals: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let t = custos_testkit::spawn_app().await;
    let staff = match seed(&t, deals).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dashboard_load: seeding failed: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("| deals | viewer (scope) | GET /dashboard p50 ms | p99 ms | HTML KB |");
    println!("|---:|---|---:|---:|---:|");
    let viewers = [
        ("admin (all)", t.admin_email.clone()),
        ("sales manager (team)", staff[REPS].2.clone()),
        ("sales rep (own)", staff[0].2.clone()),
    ];
    for (label, email) in viewers {
        let result = async {
            let c = cookie(&t, &email).await?;
            if let Ok(path) = std::env::var("DASHBOARD_HTML") {
                // For a look at the page: the first viewer's HTML, written once.
                if !std::path::Path::new(&path).exists() {
                    let r = reqwest::Client::new().get(format!("{}/dashboard?months=12", t.base)).header("cookie", &c);
                    let html = r.send().await.map_err(|e| e.to_string())?.text().await.map_err(|e| e.to_string())?;
                    std::fs::write(&path, html).map_err(|e| e.to_string())?;
                }
            }
            measure(&t, &c, "/dashboard?months=12").await
        }
        .await;
        match result {
            Ok((p50, p99, kb)) => println!("| {deals} | {label} | {p50:.1} | {p99:.1} | {kb:.1} |"),
            Err(e) => {
                eprintln!("dashboard_load: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    // Where the time goes: each report alone, as JSON, for the admin (same pipeline and period).
    let pipeline = t.get("/api/v1/pipelines").await.body["items"][0]["id"].as_str().unwrap_or("").to_string();
    println!();
    println!("| deals | report (admin, JSON) | p50 ms | p99 ms |");
    println!("|---:|---|---:|---:|");
    let admin = match cookie(&t, &t.admin_email).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("dashboard_load: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    for name in ["pipeline-value", "forecast", "win-rate", "funnel", "new-customers"] {
        match measure(&t, &admin, &format!("/api/v1/reports/{name}?months=12&pipeline_id={pipeline}")).await {
            Ok((p50, p99, _)) => println!("| {deals} | {name} | {p50:.1} | {p99:.1} |"),
            Err(e) => {
                eprintln!("dashboard_load: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    std::process::ExitCode::SUCCESS
}
