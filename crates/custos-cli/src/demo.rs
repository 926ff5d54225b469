//! `custos demo`: seeds a deterministic demo company into a fresh data directory (or reuses
//! the one there), prints the URL and the demo sign-ins, and serves.

use crate::config::Config;
use crate::error::CliError;
use crate::{serve, setup};
use custos_app::users::NewUser;
use custos_app::{Actor, App};
use custos_demo::DemoCompany;
use std::time::Instant;

/// Seed and size of the demo company; fixed so every demo is the same.
pub const DEMO_SEED: u64 = 2025;
pub const DEMO_CUSTOMERS: usize = 500;

/// Writes the demo company through the ordinary use cases, as the local operator.
pub async fn seed(app: &App, company: &DemoCompany) -> Result<(), CliError> {
    let op = Actor::operator();
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
    for c in &company.customers {
        let mut input = c.input.clone();
        input.owner_id = c.owner.and_then(|i| user_ids.get(i)).map(|u| u.to_string());
        input.team_id = c.team.and_then(|i| team_ids.get(i)).map(|t| t.to_string());
        let created = app.create_customer(&op, &input).await?;
        for contact in &c.contacts {
            app.create_contact(&op, &created.id.to_string(), contact).await?;
        }
    }
    Ok(())
}

pub async fn run(cfg: Config) -> Result<(), CliError> {
    let started = Instant::now();
    let app = setup::open_app(&cfg).await?;
    let company = custos_demo::generate(DEMO_SEED, DEMO_CUSTOMERS, time::OffsetDateTime::now_utc().date());
    if app.store().count_users().await? == 0 {
        eprintln!("custos: seeding the demo company ({DEMO_CUSTOMERS} customers)…");
        seed(&app, &company).await?;
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
