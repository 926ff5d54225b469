//! `custos demo`: seeds a deterministic demo company into a fresh data directory (or reuses
//! the one there), prints the URL and the demo sign-ins, and serves.

use crate::config::Config;
use crate::demo_sales::{self, ReplayClock};
use crate::error::CliError;
use crate::{serve, setup};
use custos_app::users::NewUser;
use custos_app::{Actor, App};
use custos_demo::DemoCompany;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use std::time::Instant;
use time::OffsetDateTime;

/// Seed and size of the demo company; fixed so every demo is the same.
pub const DEMO_SEED: u64 = 2025;
pub const DEMO_CUSTOMERS: usize = 500;

/// Writes the demo company through the ordinary use cases, as the local operator: staff
/// first, then the planned year (customers arriving, leads, deals, activities, quotas)
/// replayed with the clock at each step's time.
pub async fn seed(app: &App, clock: &ReplayClock, company: &DemoCompany, now: OffsetDateTime) -> Result<(), CliError> {
    let op = Actor::operator();
    let steps = custos_demo::sales::plan(&mut ChaCha8Rng::seed_from_u64(DEMO_SEED), company, now);
    clock.set(steps.first().map(|s| s.at));
    let mut team_ids = Vec::with_capacity(company.teams.len());
    for t in &company.teams {
        team_ids.push(app.create_team(&op, &t.name).await?);
    }
    let mut user_ids = Vec::with_capacity(company.users.len());
    for u in &company.users {
        let new = NewUser {
            email: u.email.clone(),
            display_name: Some(u.display_name.clone()),
            role: u.role.as_str().into(),
            team_id: u.team.and_then(|i| team_ids.get(i).copied()),
            password: u.password.clone(),
        };
        user_ids.push(app.add_user(&op, &new).await?.id);
    }
    let result = demo_sales::replay(app, clock, company, &user_ids, &team_ids, &steps).await;
    clock.set(None);
    result
}

pub async fn run(cfg: Config) -> Result<(), CliError> {
    let started = Instant::now();
    let clock = Arc::new(ReplayClock::default());
    let app = setup::open_app_with_clock(&cfg, clock.clone()).await?;
    let now = OffsetDateTime::now_utc();
    let company = custos_demo::generate(DEMO_SEED, DEMO_CUSTOMERS, now.date());
    if app.store().count_users().await? == 0 {
        eprintln!("custos: seeding the demo company ({DEMO_CUSTOMERS} customers and a year of sales)…");
        seed(&app, &clock, &company, now).await?;
        eprintln!("custos: demo data ready in {:.1} s", started.elapsed().as_secs_f64());
    } else {
        eprintln!(
            "custos: reusing the existing data in {}",
            cfg.data_dir.as_ref().map(|d| d.display().to_string()).unwrap_or_default()
        );
    }
    let listener = serve::bind(&cfg).await?;
    let addr = listener.local_addr()?;
    println!("Custos demo: {} — http://{addr}", company.name);
    println!("API description: http://{addr}/api/v1/openapi.json (sign in first)");
    println!("Demo sign-ins (e-mail / password / role):");
    for u in &company.users {
        println!("  {:<36} {:<22} {}", u.email, u.password, u.role.as_str());
    }
    serve::serve_app(listener, app).await
}
