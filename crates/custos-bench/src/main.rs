//! custos-bench: measures the real Custos HTTP stack (create and get customer) against a bare
//! axum + SQLite baseline, all in one process on 127.0.0.1 over fresh temporary databases,
//! and prints a Markdown table. It never talks to anything but loopback, never touches an
//! existing data directory, and always stops by itself (deadlines plus a watchdog).
//!
//! Threads: the servers (Custos and the baseline) run on one multi-thread tokio runtime with
//! `--server-threads` workers (default 2); the load generator runs on a separate runtime
//! (`--client-threads`, default 1: a current-thread runtime on the main thread). They do not
//! share tokio workers, but they do share the machine's cores, so on a small machine the
//! client's own CPU use is part of what is measured — the same for both servers.

mod audit_bench;
mod auth_bench;
mod bare_server;
mod client;
mod custos_server;
mod error;
mod load;
mod payload;
mod report;
mod server;
mod storage;

use clap::{Parser, ValueEnum};
use error::{BenchError, Result};
use hyper::Uri;
use load::{Op, Target};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

const WARMUP: Duration = Duration::from_millis(1000);
/// Longest the preload of both servers may take.
const PRELOAD_DEADLINE: Duration = Duration::from_secs(60);
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Only {
    Create,
    Get,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// HTTP load: Custos against the bare baseline.
    Http,
    /// Blind-index layouts: insert throughput and lookup latency at --rows (and 100,000).
    BlindIndex,
    /// Bulk insert of --rows customers through the use case.
    Bulk,
    /// Sign-in p50/p99 and the cost of authorisation (in-process).
    Auth,
    /// Audit: create throughput with/without auditing; verify, proofs and impact at --rows events.
    Audit,
    /// Audit verify speed alone: --runs verifications of a log of --rows events (checkpoint
    /// every 1,000) built in --database-url (empty; default a temporary SQLite database).
    AuditVerify,
}

/// Load benchmark: Custos create/get customer versus a bare axum + SQLite baseline.
#[derive(Debug, Parser)]
#[command(name = "custos-bench", version)]
struct Args {
    /// Measured seconds per scenario (after a 1 s warm-up).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    duration_secs: u64,
    /// Concurrent workers, one keep-alive connection each.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=512))]
    workers: u64,
    /// Rows created per server before the GET runs.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=200_000))]
    preload: u64,
    /// Which operations to measure.
    #[arg(long, value_enum, default_value_t = Only::All)]
    only: Only,
    /// Worker threads of the servers' tokio runtime.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    server_threads: u64,
    /// What to measure.
    #[arg(long, value_enum, default_value_t = Mode::Http)]
    mode: Mode,
    /// Rows for --mode blind-index and --mode bulk.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1000..=10_000_000))]
    rows: u64,
    /// Database for --mode audit-verify (sqlite:… or postgres:…, without audit events).
    #[arg(long)]
    database_url: Option<String>,
    /// Verifications timed by --mode audit-verify.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=100))]
    runs: u64,
    /// Threads of the load generator's runtime (1 = current-thread runtime).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=64))]
    client_threads: u64,
}

/// True in the plaintext benchmark build (`--cfg custos_bench_plaintext`).
const PLAINTEXT_BUILD: bool = cfg!(custos_bench_plaintext);

fn storage_run(args: &Args) -> Result<String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| BenchError::ctx("runtime", e))?;
    let rows = usize::try_from(args.rows).unwrap_or(100_000) / 500 * 500;
    match args.mode {
        Mode::Auth => rt.block_on(auth_bench::run(200, 20_000)),
        Mode::Audit => rt.block_on(audit_bench::run(rows, 2000, usize::try_from(args.workers).unwrap_or(16))),
        Mode::AuditVerify => rt.block_on(audit_bench::verify_speed(
            args.database_url.as_deref(),
            rows,
            1000,
            usize::try_from(args.runs).unwrap_or(5),
        )),
        Mode::BlindIndex => {
            let mut checkpoints = vec![100_000.min(rows), rows];
            checkpoints.dedup();
            rt.block_on(storage::blind_index(&checkpoints))
        }
        _ => {
            let workers = usize::try_from(args.workers).unwrap_or(16);
            let (rate, secs) = rt.block_on(storage::bulk(rows, workers))?;
            let build = if PLAINTEXT_BUILD { "plaintext (benchmark build)" } else { "encrypted" };
            Ok(format!(
                "bulk-insert {build}: {rows} customers in {secs:.1} s = {rate:.0} customers/s ({workers} workers)"
            ))
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if PLAINTEXT_BUILD {
        eprintln!("custos-bench: PLAINTEXT BENCHMARK BUILD: sensitive fields are NOT encrypted");
    }
    let result = if args.mode == Mode::Http { run(&args) } else { storage_run(&args) };
    match result {
        Ok(table) => {
            println!("{table}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("custos-bench: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Ends the process if the run overstays `limit` (a safety net; deadlines normally suffice).
fn start_watchdog(limit: Duration) -> Result<()> {
    std::thread::Builder::new()
        .name("bench-watchdog".into())
        .spawn(move || {
            std::thread::sleep(limit);
            eprintln!("custos-bench: error: run exceeded {limit:?}; stopping");
            std::process::exit(3);
        })
        .map(|_| ())
        .map_err(|e| BenchError::ctx("starting the watchdog thread", e))
}

fn client_runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    if threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("bench-client")
            .enable_all()
            .build()
    }
}

fn run(args: &Args) -> Result<String> {
    let workers = usize::try_from(args.workers).unwrap_or(16);
    let preload = usize::try_from(args.preload).unwrap_or(2000);
    let server_threads = usize::try_from(args.server_threads).unwrap_or(2);
    let client_threads = usize::try_from(args.client_threads).unwrap_or(1);
    let window = Duration::from_secs(args.duration_secs);
    let scenarios: u32 = if args.only == Only::All { 4 } else { 2 };
    let per_scenario = WARMUP + window + Duration::from_secs(15);
    start_watchdog(Duration::from_secs(90) + PRELOAD_DEADLINE + per_scenario * scenarios)?;

    let template = Arc::new(payload::CustomerTemplate::new()?);
    let server_rt = server::runtime(server_threads).map_err(|e| BenchError::ctx("building the server runtime", e))?;
    let client_rt = client_runtime(client_threads).map_err(|e| BenchError::ctx("building the client runtime", e))?;
    let custos_dir = tempfile::Builder::new()
        .prefix("custos-bench-custos-")
        .tempdir()
        .map_err(|e| BenchError::ctx("creating a temporary data directory", e))?;
    let bare_dir = tempfile::Builder::new()
        .prefix("custos-bench-bare-")
        .tempdir()
        .map_err(|e| BenchError::ctx("creating a temporary data directory", e))?;

    eprintln!("custos-bench: starting servers");
    let custos = server_rt.block_on(custos_server::start(custos_dir.path()))?;
    let (bare, sqlite_settings) = match server_rt.block_on(bare_server::start(bare_dir.path())) {
        Ok(b) => b,
        Err(e) => {
            server_rt.block_on(custos.shutdown(SHUTDOWN_GRACE));
            return Err(e);
        }
    };
    let (custos_addr, bare_addr) = (custos.addr, bare.addr);
    let outcome =
        client_rt.block_on(scenarios_run(args.only, custos_addr, bare_addr, template, workers, preload, window));
    eprintln!("custos-bench: stopping servers");
    server_rt.block_on(async {
        custos.shutdown(SHUTDOWN_GRACE).await;
        bare.shutdown(SHUTDOWN_GRACE).await;
    });
    client_rt.shutdown_timeout(Duration::from_secs(1));
    server_rt.shutdown_timeout(Duration::from_secs(2));
    let rows = outcome?;
    let params = report::Params {
        workers,
        duration_secs: args.duration_secs,
        warmup_ms: u64::try_from(WARMUP.as_millis()).unwrap_or(0),
        preload,
        profile: if cfg!(debug_assertions) { "debug (numbers are not meaningful; use --release)" } else { "release" },
        nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
        server_threads,
        client_threads,
        tmp: std::env::temp_dir().display().to_string(),
        sqlite_settings,
    };
    Ok(report::markdown(&rows, &params))
}

async fn timed(
    scenario: &'static str,
    server: &'static str,
    target: Target,
    workers: usize,
    window: Duration,
) -> Result<report::Row> {
    eprintln!(
        "custos-bench: {scenario} on {server}: {workers} workers, {} ms warm-up + {} s",
        WARMUP.as_millis(),
        window.as_secs()
    );
    let r = load::run_timed(Arc::new(target), workers, WARMUP, window).await?;
    if let Some(e) = &r.first_error {
        eprintln!("custos-bench:   {} errors in the window; first error seen: {e}", r.errors);
    }
    Ok(report::Row::from_run(scenario, server, &r))
}

const CUSTOS: &str = "Custos";
const BARE: &str = "bare axum + SQLite";

async fn scenarios_run(
    only: Only,
    custos: std::net::SocketAddr,
    bare: std::net::SocketAddr,
    template: Arc<payload::CustomerTemplate>,
    workers: usize,
    preload: usize,
    window: Duration,
) -> Result<Vec<report::Row>> {
    eprintln!("custos-bench: signing in to Custos");
    let bearer = client::login(custos, custos_server::ADMIN_EMAIL, custos_server::ADMIN_PASSWORD).await?;
    let customers = Uri::from_static("/api/v1/customers");
    let items = Uri::from_static("/items");
    let create_custos = |phase| {
        Target::new(
            custos,
            Some(bearer.clone()),
            Op::Create { path: customers.clone(), template: template.clone(), phase },
        )
    };
    let create_bare =
        |phase| Target::new(bare, None, Op::Create { path: items.clone(), template: template.clone(), phase });
    let want_get = matches!(only, Only::Get | Only::All);
    let want_create = matches!(only, Only::Create | Only::All);

    let mut get_targets = None;
    if want_get {
        eprintln!("custos-bench: preloading {preload} rows into each server");
        let started = std::time::Instant::now();
        let ids_c = load::preload(Arc::new(create_custos("p")?), preload, workers, PRELOAD_DEADLINE).await?;
        let left = PRELOAD_DEADLINE.saturating_sub(started.elapsed());
        let ids_b = load::preload(Arc::new(create_bare("p")?), preload, workers, left).await?;
        eprintln!("custos-bench: preloaded in {:.1} s", started.elapsed().as_secs_f64());
        let get_c = Target::new(
            custos,
            Some(bearer.clone()),
            Op::Get { paths: Arc::new(load::get_paths("/api/v1/customers/", &ids_c)?) },
        )?;
        let get_b = Target::new(bare, None, Op::Get { paths: Arc::new(load::get_paths("/items/", &ids_b)?) })?;
        get_targets = Some((get_c, get_b));
    }

    let mut rows = Vec::new();
    if want_create {
        rows.push(timed("create-customer", CUSTOS, create_custos("c")?, workers, window).await?);
        rows.push(timed("create (baseline)", BARE, create_bare("c")?, workers, window).await?);
    }
    if let Some((get_c, get_b)) = get_targets {
        rows.push(timed("get-customer", CUSTOS, get_c, workers, window).await?);
        rows.push(timed("get (baseline)", BARE, get_b, workers, window).await?);
    }
    Ok(rows)
}
