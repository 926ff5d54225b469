//! Sign-in latency and the cost of authorisation, measured in-process through the use cases
//! (no HTTP): `App::login` with Argon2id at its production parameters, and `get_customer` for
//! a sales rep (permission check, own-scope clause in the read, field redaction) against the
//! same read by the local operator, for whom every policy decision short-circuits. It only
//! touches a temporary data directory it creates.

use crate::custos_server::build_app;
use crate::error::{BenchError, Result};
use custos_app::auth::SessionKind;
use custos_app::users::NewUser;
use custos_app::{Actor, ClientInfo};
use custos_domain::CustomerInput;
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench-password-not-secret-2";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs both measurements and returns a Markdown report.
pub async fn run(logins: usize, reads: usize) -> Result<String> {
    let dir = tempfile::tempdir().map_err(|e| BenchError::ctx("temp dir", e))?;
    let (app, store) = build_app(dir.path()).await?;
    let op = Actor::operator();
    let rep = NewUser {
        email: "rep@bench.example".into(),
        display_name: None,
        role: "sales_rep".into(),
        team_id: None,
        password: PASSWORD.into(),
    };
    app.add_user(&op, &rep).await.map_err(|e| BenchError::ctx("adding the rep", e))?;
    let client = ClientInfo { ip: Some("127.0.0.1".into()), user_agent: Some("custos-bench".into()), request_id: None };

    // Sign-in: sequential, so each figure is one Argon2id verification plus the session write.
    let mut lat = Vec::with_capacity(logins);
    let mut token = String::new();
    for i in 0..logins {
        // Successful sign-ins never trip the per-account lockout; keep under the per-IP limit.
        let c = ClientInfo { ip: Some(format!("127.0.{}.{}", i / 200, i % 200 + 1)), ..client.clone() };
        let t0 = Instant::now();
        let r = app.login("rep@bench.example", PASSWORD, SessionKind::Bearer, &c).await;
        lat.push(t0.elapsed());
        match r {
            Ok(s) if s.status == custos_app::auth::LoginStatus::Ok => token = s.token,
            Ok(_) => return Err(BenchError::ctx("sign-in", "a second factor was asked for")),
            Err(e) => return Err(BenchError::ctx("sign-in", e)),
        }
    }
    lat.sort();
    let actor = app.authenticate(&token, &client).await.map_err(|e| BenchError::ctx("authenticate", e))?;

    // Customers owned by the rep (so both readers may see them).
    let rep_id = actor.user_id().map(|u| u.to_string());
    let mut ids = Vec::new();
    for i in 0..500 {
        let input = CustomerInput {
            name: Some(format!("Bench customer {i}")),
            owner_id: rep_id.clone(),
            email: Some(format!("c{i}@example.com")),
            mobile: Some(format!("138{:08}", i)),
            national_id: Some("11010519491231002X".into()),
            ..Default::default()
        };
        ids.push(app.create_customer(&op, &input).await.map_err(|e| BenchError::ctx("create", e))?.id.to_string());
    }
    // Alternate the two readers in one run so that both see the same machine state.
    let (mut with, mut without) = (Duration::ZERO, Duration::ZERO);
    for i in 0..reads {
        let id = &ids[i % ids.len()];
        let t0 = Instant::now();
        app.get_customer(&actor, id).await.map_err(|e| BenchError::ctx("get as rep", e))?;
        with += t0.elapsed();
        let t0 = Instant::now();
        app.get_customer(&op, id).await.map_err(|e| BenchError::ctx("get as operator", e))?;
        without += t0.elapsed();
    }
    store.close().await;
    let per = |d: Duration| d.as_secs_f64() * 1e6 / reads as f64;
    Ok(format!(
        "## Sign-in and authorisation\n\n\
         | figure | value |\n|---|---:|\n\
         | sign-in (Argon2id m=19 MiB t=2 p=1 + session write), {logins} sequential: p50 | {:.1} ms |\n\
         | sign-in p99 | {:.1} ms |\n\
         | get-customer with the full policy (sales rep: permission, own-scope clause, redaction) | {:.1} µs |\n\
         | the same read without policy decisions (operator) | {:.1} µs |\n\
         | ratio with/without | {:.2}× |\n\n\
         {reads} reads each, alternating, in-process (no HTTP), release build.\n",
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        per(with),
        per(without),
        with.as_secs_f64() / without.as_secs_f64().max(1e-9),
    ))
}
