//! board_load: (a) render time of `GET /pipeline` (the board page) with 2,000 open deals, for an
//! admin (all records) and a sales rep (own scope); (b) `GET /api/v1/deals?stage_id=…&owner_id=…`
//! at 100,000 deals. It starts the real server in-process on 127.0.0.1:0 over a fresh SQLite
//! database (custos-testkit's `spawn_app`), creates 20 reps in two teams and 2,000 customers
//! through the use cases, bulk-inserts deals in one transaction through the store, then times
//! full responses over HTTP and prints p50 and p99. Loopback only; no existing data directory.
//!
//! `cargo run --release -p custos-bench --example board_load -- [total deals, default 100000]`

use custos_app::ClientInfo;
use custos_domain::CustomerInput;
use custos_store::DealRow;
use serde_json::json;
use std::time::Instant;

const SAMPLES: usize = 200;
const WARMUP: usize = 5;
const REPS: usize = 20;
const CUSTOMERS: usize = 2_000;
const OPEN_ON_BOARD: usize = 2_000;
const DAY_US: i64 = 86_400_000_000;

/// SplitMix64, so every run seeds the same data.
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

async fn ok(t: &custos_testkit::TestApp, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let r = t.request(method, path, Some(&t.admin_token), Some(body)).await;
    assert!(r.status < 300, "{method} {path}: {} {}", r.status, r.body);
    r.body
}

/// What the seeding made: staff (user id, team id, e-mail), customers (id, owner, team), stages.
struct World {
    staff: Vec<(String, String, String)>,
    customers: Vec<(String, String, String)>,
    pipeline: String,
    stages: Vec<String>,
}

async fn world(t: &custos_testkit::TestApp) -> Result<World, String> {
    let mut teams = Vec::new();
    for name in ["East", "West"] {
        teams
            .push(ok(t, "POST", "/api/v1/teams", json!({"name": name})).await["id"].as_str().unwrap_or("").to_string());
    }
    let mut staff = Vec::new();
    for i in 0..REPS {
        let email = format!("rep{i}@bench.example");
        let u = t.add_user(&email, "sales_rep").await;
        let team = teams[i % 2].clone();
        let body = json!({"version": 1, "team_id": team, "display_name": format!("销售 {i:02}")});
        ok(t, "PATCH", &format!("/api/v1/users/{}", u.id), body).await;
        staff.push((u.id.to_string(), team, email));
    }
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
    let stages = pipes["items"][0]["stages"]
        .as_array()
        .ok_or("no stages")?
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    Ok(World { staff, customers, pipeline, stages })
}

/// Inserts `n` deals in one transaction; `open` decides whether they are open or closed.
async fn insert(t: &custos_testkit::TestApp, w: &World, rng: &mut Mix, n: usize, open: bool) -> Result<(), String> {
    let now = custos_domain::Clock::now(t.clock.as_ref());
    let now_us = i64::try_from(now.unix_timestamp_nanos() / 1000).unwrap_or(0);
    let started = Instant::now();
    let mut tx = t.app.store().begin_write().await.map_err(|e| e.to_string())?;
    for i in 0..n {
        let (customer, owner, team) = &w.customers[rng.below(CUSTOMERS as u64) as usize];
        let created = now_us - rng.below(720) * DAY_US - rng.below(DAY_US as u64);
        let status = if open {
            "open"
        } else if rng.below(3) == 0 {
            "lost"
        } else {
            "won"
        };
        let closed = (!open).then(|| (created + rng.below(90) * DAY_US).min(now_us));
        let expected = now.date() + time::Duration::days(rng.below(400) - 60);
        let d = DealRow {
            id: uuid::Uuid::now_v7().to_string(),
            title: format!("Deal {i:06} 项目"),
            customer_id: customer.clone(),
            pipeline_id: w.pipeline.clone(),
            stage_id: w.stages[rng.below(w.stages.len() as u64) as usize].clone(),
            amount_minor: (1_000 + rng.below(500_000)) * 100,
            currency: "CNY".into(),
            expected_close: Some(custos_domain::sales::deal::iso_string(expected)),
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
    tx.commit().await.map_err(|e| e.to_string())?;
    eprintln!("inserted {n} deals in one transaction in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
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

/// (p50 ms, p99 ms, body KB) of `GET path` with the given header.
async fn measure(base: &str, header: (&str, &str), path: &str) -> Result<(f64, f64, f64), String> {
    let http = reqwest::Client::new();
    let (mut times, mut bytes) = (Vec::with_capacity(SAMPLES), 0);
    for i in 0..SAMPLES + WARMUP {
        let start = Instant::now();
        let r = http.get(format!("{base}{path}")).header(header.0, header.1).send().await.map_err(|e| e.to_string())?;
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

async fn run(total: usize) -> Result<(), String> {
    let t = custos_testkit::spawn_app().await;
    let w = world(&t).await?;
    let mut rng = Mix(11);
    insert(&t, &w, &mut rng, OPEN_ON_BOARD, true).await?;
    println!("| open deals | viewer (scope) | GET /pipeline p50 ms | p99 ms | HTML KB |");
    println!("|---:|---|---:|---:|---:|");
    for (label, email) in [("admin (all)", t.admin_email.clone()), ("sales rep (own)", w.staff[0].2.clone())] {
        let c = cookie(&t, &email).await?;
        let (p50, p99, kb) = measure(&t.base, ("cookie", &c), "/pipeline").await?;
        println!("| {OPEN_ON_BOARD} | {label} | {p50:.1} | {p99:.1} | {kb:.1} |");
    }
    insert(&t, &w, &mut rng, total.saturating_sub(OPEN_ON_BOARD), false).await?;
    println!();
    println!("| deals | viewer (scope) | GET /api/v1/deals?stage_id&owner_id p50 ms | p99 ms | JSON KB |");
    println!("|---:|---|---:|---:|---:|");
    let (owner, _, email) = &w.staff[3];
    let path = format!("/api/v1/deals?stage_id={}&owner_id={owner}", w.stages[2]);
    let admin = format!("Bearer {}", t.admin_token);
    let (p50, p99, kb) = measure(&t.base, ("authorization", &admin), &path).await?;
    println!("| {total} | admin (all) | {p50:.1} | {p99:.1} | {kb:.1} |");
    let rep = format!("Bearer {}", t.login(email).await);
    let (p50, p99, kb) = measure(&t.base, ("authorization", &rep), &path).await?;
    println!("| {total} | sales rep (own) | {p50:.1} | {p99:.1} | {kb:.1} |");
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::process::ExitCode {
    let total: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    match run(total.max(OPEN_ON_BOARD)).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("board_load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
