//! Audit figures for BENCHMARKS.md: create-customer throughput with and without auditing in
//! one run, and at 1,000,000 stored events: checkpoint build, `verify` speed, inclusion-proof
//! and impact-query latency; and `verify` speed alone on SQLite or PostgreSQL, several runs
//! over one log. Benchmark code only; it never runs in the product and never writes to a
//! database that already holds audit events.

use crate::error::{BenchError, Result};
use custos_app::vault::Vault;
use custos_app::{Actor, App, AppConfig, SystemClock};
use custos_audit::{AuditEvent, Outcome};
use custos_crypto::{KeyMaterial, OsRandom, StaticKeySource};
use custos_domain::CustomerInput;
use custos_store::{KeyStore, Store};
use std::sync::Arc;
use std::time::Instant;

async fn fresh(dir: &std::path::Path) -> Result<App> {
    let store = Store::open_sqlite_dir(dir).await.map_err(|e| BenchError::ctx("store", e))?;
    let ks = KeyStore::open_sqlite_dir(dir).await.map_err(|e| BenchError::ctx("key store", e))?;
    app_on(store, ks).await
}

async fn app_on(store: Store, ks: KeyStore) -> Result<App> {
    store.migrate().await.map_err(|e| BenchError::ctx("migrate", e))?;
    ks.migrate().await.map_err(|e| BenchError::ctx("key store", e))?;
    let source = Arc::new(StaticKeySource(Arc::new(KeyMaterial::generate(&OsRandom))));
    let vault = Vault::open(ks, source, Arc::new(OsRandom), Arc::new(SystemClock))
        .await
        .map_err(|e| BenchError::ctx("vault", e))?;
    Ok(App::new(store, vault, Arc::new(SystemClock), Arc::new(OsRandom), AppConfig::default()))
}

fn input(i: usize) -> CustomerInput {
    CustomerInput {
        name: Some(format!("Audit Customer {i}")),
        kind: Some("person".into()),
        email: Some(format!("audit{i}@example.com")),
        mobile: Some(format!("139{:08}", i % 100_000_000)),
        ..Default::default()
    }
}

async fn creates(app: &App, rows: usize, workers: usize) -> Result<f64> {
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for w in 0..workers {
        let app = app.clone();
        set.spawn(async move {
            let mut i = w;
            while i < rows {
                app.create_customer(&Actor::operator(), &input(i)).await.map_err(|e| BenchError::ctx("create", e))?;
                i += workers;
            }
            Ok::<(), BenchError>(())
        });
    }
    while let Some(r) = set.join_next().await {
        r.map_err(|e| BenchError::ctx("task", e))??;
    }
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Runs every audit measurement; `events` stored events for the log figures.
pub async fn run(events: usize, creates_n: usize, workers: usize) -> Result<String> {
    let mut out = String::new();
    // Throughput with and without auditing, alternating rounds in one run. Auditing can be
    // switched off only in the benchmark build `--cfg custos_bench_unaudited`; the shipped
    // build measures the audited rounds alone.
    const UNAUDITED_BUILD: bool = cfg!(custos_bench_unaudited);
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        for audited in [true, false] {
            if !audited && !UNAUDITED_BUILD {
                continue;
            }
            let dir = tempfile::tempdir().map_err(|e| BenchError::ctx("tempdir", e))?;
            let app = fresh(dir.path()).await?;
            #[cfg(custos_bench_unaudited)]
            if !audited {
                app.disable_audit_for_benchmark();
            }
            let rate = creates(&app, creates_n, workers).await?;
            if audited {
                with.push(rate)
            } else {
                without.push(rate)
            }
            app.store().close().await;
        }
    }
    let w = pct(&mut with, 0.5);
    if UNAUDITED_BUILD {
        let wo = pct(&mut without, 0.5);
        out.push_str(&format!(
            "create-customer (SQLite, {workers} workers, {creates_n} per round, median of 3): audited {w:.0}/s, \
             unaudited {wo:.0}/s, ratio {:.2}\n",
            w / wo
        ));
    } else {
        out.push_str(&format!(
            "create-customer (SQLite, {workers} workers, {creates_n} per round, median of 3): audited {w:.0}/s \
             (unaudited: build with RUSTFLAGS=\"--cfg custos_bench_unaudited\")\n"
        ));
    }

    // A log of `events` events.
    let dir = tempfile::tempdir().map_err(|e| BenchError::ctx("tempdir", e))?;
    let app = fresh(dir.path()).await?;
    let store = app.store().clone();
    let started = Instant::now();
    append_events(&store, events, 10_000, false, &app).await?;
    out.push_str(&format!(
        "append {events} events in 10,000-event transactions: {:.1} s\n",
        started.elapsed().as_secs_f64()
    ));
    let started = Instant::now();
    app.checkpoint_now().await.map_err(|e| BenchError::ctx("checkpoint", e))?;
    out.push_str(&format!(
        "first checkpoint (tree and subtree hashes from {events} stored leaves): {:.2} s\n",
        started.elapsed().as_secs_f64()
    ));

    let verifier =
        custos_app::audit::verifier_from_key(&app.audit_public_key().map_err(|e| BenchError::ctx("key", e))?)
            .map_err(|e| BenchError::ctx("key", e))?;
    let started = Instant::now();
    let r = custos_app::audit_verify::verify_log(&store, &verifier).await.map_err(|e| BenchError::ctx("verify", e))?;
    let secs = started.elapsed().as_secs_f64();
    out.push_str(&format!("verify {} events: {secs:.2} s = {:.0} events/s\n", r.events, r.events as f64 / secs));

    let op = Actor::operator();
    let size = events as u64;
    let mut lat = Vec::new();
    for k in 0..200u64 {
        let idx = (k * 7_919_993) % size;
        let t = Instant::now();
        app.audit_inclusion_proof(&op, idx, size).await.map_err(|e| BenchError::ctx("proof", e))?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    out.push_str(&format!(
        "inclusion proof at {events} events: p50 {:.2} ms, p99 {:.2} ms (200 proofs)\n",
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99)
    ));
    let mut lat = Vec::new();
    for k in 0..20u64 {
        let t = Instant::now();
        app.audit_consistency_proof(&op, 1 + (k * 48_611) % (size - 1), size)
            .await
            .map_err(|e| BenchError::ctx("proof", e))?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    out.push_str(&format!("consistency proof at {events} events: p50 {:.2} ms\n", pct(&mut lat, 0.5)));

    let (mut actor_lat, mut cust_lat) = (Vec::new(), Vec::new());
    for k in 0..10 {
        let user = format!("0190f0e0-0000-7000-8000-{:012}", k * 7);
        let t = Instant::now();
        let rows = app
            .audit_impact_actor(&op, &user, 1_700_000_000_000_000, 1_700_000_000_000_000 + 200_000_000_000)
            .await
            .map_err(|e| BenchError::ctx("impact", e))?;
        actor_lat.push(t.elapsed().as_secs_f64() * 1000.0);
        let cust = format!("0190f0e1-0000-7000-8000-{:012}", k * 977);
        let t = Instant::now();
        let page = app
            .audit_impact_customer(&op, &cust, i64::MIN, i64::MAX, None, 500)
            .await
            .map_err(|e| BenchError::ctx("impact", e))?;
        cust_lat.push(t.elapsed().as_secs_f64() * 1000.0);
        if k == 0 {
            out.push_str(&format!(
                "impact: actor query returns {} (customer, action) lines; customer query {} events\n",
                rows.len(),
                page.items.len()
            ));
        }
    }
    out.push_str(&format!(
        "impact at {events} events: 'which customers did actor X touch' p50 {:.0} ms max {:.0} ms; \
         'who accessed customer Y' p50 {:.1} ms max {:.1} ms\n",
        pct(&mut actor_lat, 0.5),
        pct(&mut actor_lat, 1.0),
        pct(&mut cust_lat, 0.5),
        pct(&mut cust_lat, 1.0)
    ));
    store.close().await;
    Ok(out)
}

fn bench_event(i: usize) -> AuditEvent {
    AuditEvent {
        seq: 0,
        at_micros: 1_700_000_000_000_000 + i as i64 * 1000,
        actor: custos_audit::Actor {
            user_id: Some(format!("0190f0e0-0000-7000-8000-{:012}", i % 100)),
            session_id: Some("0190f0e0-0000-7000-8000-00000000beef".into()),
            ip: Some("10.0.0.7".into()),
            user_agent: Some("Mozilla/5.0 (bench)".into()),
            ..Default::default()
        },
        action: if i.is_multiple_of(10) { "customer.update".into() } else { "customer.read".into() },
        resource: "customer".into(),
        record_id: Some(format!("0190f0e1-0000-7000-8000-{:012}", i % 10_000)),
        fields: if i.is_multiple_of(10) { vec!["tier".into()] } else { vec![] },
        outcome: Outcome::Allowed,
        purpose: None,
        request_id: Some(format!("{i:032x}")),
        ids: vec![],
    }
}

/// Appends `events` events in transactions of `per_tx`, signing a checkpoint after each
/// transaction when `checkpoints` (as a server with `checkpoint_every_events = per_tx`).
async fn append_events(store: &Store, events: usize, per_tx: usize, checkpoints: bool, app: &App) -> Result<()> {
    let mut n = 0usize;
    while n < events {
        let batch = per_tx.max(1).min(events - n);
        let mut evs: Vec<AuditEvent> = (n..n + batch).map(bench_event).collect();
        let mut tx = store.begin_write().await.map_err(|e| BenchError::ctx("tx", e))?;
        tx.append_audit(&mut evs).await.map_err(|e| BenchError::ctx("append", e))?;
        tx.commit().await.map_err(|e| BenchError::ctx("commit", e))?;
        if checkpoints {
            app.checkpoint_now().await.map_err(|e| BenchError::ctx("checkpoint", e))?;
        }
        n += batch;
    }
    Ok(())
}

/// `--mode audit-verify`: builds a log of `events` events in `url` (a temporary SQLite
/// database without one; it must hold no audit event yet) with a checkpoint signed every
/// `every` events, as a server with that `checkpoint_every_events` signs them, then times
/// `runs` verifications of it and prints each and the median.
pub async fn verify_speed(url: Option<&str>, events: usize, every: usize, runs: usize) -> Result<String> {
    let dir = tempfile::tempdir().map_err(|e| BenchError::ctx("tempdir", e))?;
    let (app, engine) = match url {
        None => (fresh(dir.path()).await?, "SQLite"),
        Some(u) => {
            let store = Store::open(u).await.map_err(|e| BenchError::ctx("store", e))?;
            let ks_url = custos_store::keystore_url_for(u).map_err(|e| BenchError::ctx("key store", e))?;
            let ks = KeyStore::open(&ks_url, 4).await.map_err(|e| BenchError::ctx("key store", e))?;
            let engine = if store.backend() == custos_store::Backend::Postgres { "PostgreSQL" } else { "SQLite" };
            (app_on(store, ks).await?, engine)
        }
    };
    let store = app.store().clone();
    if store.audit_head().await.map_err(|e| BenchError::ctx("head", e))? != 0 {
        return Err(BenchError::new("the database already holds audit events: give an empty one"));
    }
    let started = Instant::now();
    append_events(&store, events, every, true, &app).await?;
    app.checkpoint_now().await.map_err(|e| BenchError::ctx("checkpoint", e))?;
    let checkpoints = store.audit_checkpoints().await.map_err(|e| BenchError::ctx("checkpoints", e))?.len();
    let key = app.audit_public_key().map_err(|e| BenchError::ctx("key", e))?;
    let mut out = format!(
        "{engine}: {events} events, {checkpoints} checkpoints, built in {:.1} s; checkpoint key: {key}\n",
        started.elapsed().as_secs_f64()
    );
    let verifier = custos_app::audit::verifier_from_key(&key).map_err(|e| BenchError::ctx("key", e))?;
    let mut rates = Vec::new();
    for run in 1..=runs.max(1) {
        let started = Instant::now();
        let r =
            custos_app::audit_verify::verify_log(&store, &verifier).await.map_err(|e| BenchError::ctx("verify", e))?;
        let secs = started.elapsed().as_secs_f64();
        rates.push(r.events as f64 / secs);
        out.push_str(&format!(
            "run {run}: verify {} events: {secs:.3} s = {:.0} events/s\n",
            r.events,
            r.events as f64 / secs
        ));
    }
    out.push_str(&format!("{engine} verify, median of {}: {:.0} events/s\n", rates.len(), pct(&mut rates, 0.5)));
    store.close().await;
    Ok(out)
}
