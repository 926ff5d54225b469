//! Turning raw latencies into the numbers we print: throughput, nearest-rank percentiles and
//! the Markdown table. Pure formatting; it never measures anything itself.

use crate::load::RunResult;
use std::fmt::Write;

/// The summary of one run.
pub struct Row {
    pub scenario: &'static str,
    pub server: &'static str,
    pub requests: usize,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub errors: u64,
}

/// Nearest-rank percentile of sorted microsecond latencies, in milliseconds.
fn percentile_ms(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let n = sorted_us.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    let i = rank.clamp(1, n) - 1;
    f64::from(sorted_us[i]) / 1000.0
}

impl Row {
    pub fn from_run(scenario: &'static str, server: &'static str, r: &RunResult) -> Row {
        let n = r.latencies_us.len();
        let secs = r.window.as_secs_f64();
        Row {
            scenario,
            server,
            requests: n,
            rps: if secs > 0.0 { n as f64 / secs } else { 0.0 },
            p50_ms: percentile_ms(&r.latencies_us, 50.0),
            p99_ms: percentile_ms(&r.latencies_us, 99.0),
            max_ms: r.latencies_us.last().map_or(f64::NAN, |&m| f64::from(m) / 1000.0),
            errors: r.errors,
        }
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() && b.is_finite() { format!("{:.2}×", a / b) } else { "n/a".into() }
}

/// Custos/bare for one operation: throughput, p50 and p99.
fn ratio_line(out: &mut String, op: &str, custos: &Row, bare: &Row) {
    let _ = writeln!(
        out,
        "| {op} | {} | {} | {} |",
        ratio(custos.rps, bare.rps),
        ratio(custos.p50_ms, bare.p50_ms),
        ratio(custos.p99_ms, bare.p99_ms),
    );
}

/// The run's settings, shown under the tables.
pub struct Params {
    pub workers: usize,
    pub duration_secs: u64,
    pub warmup_ms: u64,
    pub preload: usize,
    pub profile: &'static str,
    pub nproc: usize,
    pub server_threads: usize,
    pub client_threads: usize,
    pub tmp: String,
    /// As read back from the baseline's database (Custos opens its store the same way).
    pub sqlite_settings: String,
}

/// The whole Markdown report.
pub fn markdown(rows: &[Row], p: &Params) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Custos HTTP benchmark\n");
    let _ = writeln!(out, "| scenario | server | requests | req/s | p50 ms | p99 ms | max ms | errors |");
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
            r.scenario, r.server, r.requests, r.rps, r.p50_ms, r.p99_ms, r.max_ms, r.errors
        );
    }
    let find = |s: &str| rows.iter().find(|r| r.scenario == s);
    let pairs = [
        ("create", find("create-customer"), find("create (baseline)")),
        ("get", find("get-customer"), find("get (baseline)")),
    ];
    if pairs.iter().any(|(_, c, b)| c.is_some() && b.is_some()) {
        let _ = writeln!(out, "\n| Custos / bare | req/s | p50 | p99 |");
        let _ = writeln!(out, "|---|---:|---:|---:|");
        for (op, c, b) in pairs {
            if let (Some(c), Some(b)) = (c, b) {
                ratio_line(&mut out, op, c, b);
            }
        }
    }
    let _ = writeln!(out, "\nParameters:\n");
    let _ = writeln!(
        out,
        "- workers: {} (closed loop, one keep-alive HTTP/1.1 connection each, TCP_NODELAY on the client)",
        p.workers
    );
    let _ = writeln!(out, "- duration: {} s measured per scenario, after {} ms warm-up", p.duration_secs, p.warmup_ms);
    let _ = writeln!(out, "- preload for GET: {} rows per server, read round-robin", p.preload);
    let _ = writeln!(out, "- build profile: {}; nproc: {}", p.profile, p.nproc);
    let _ = writeln!(
        out,
        "- runtimes: servers on their own multi-thread tokio runtime ({} workers); load generator on a separate runtime ({} thread{}); both share the machine's {} cores, plus sqlx's SQLite connection threads",
        p.server_threads,
        p.client_threads,
        if p.client_threads == 1 { "" } else { "s" },
        p.nproc
    );
    let _ = writeln!(
        out,
        "- SQLite (both servers): sqlx Any driver, `sqlite://…?mode=rwc` file in a fresh temp dir under {}, 1 writer connection + 4 readers, no liveness ping before each acquire (as Custos configures SQLite); read back: {}; Custos writes in BEGIN IMMEDIATE transactions, the baseline does one autocommit INSERT",
        p.tmp, p.sqlite_settings
    );
    let _ = writeln!(
        out,
        "- Custos: real router (auth middleware, problem+json, security headers, request id, trace layer with no subscriber installed); bearer session of an admin user; same customer JSON body (8 sensitive fields) sent to both servers"
    );
    let _ = writeln!(
        out,
        "- latency: per request, send to last body byte; percentiles nearest-rank over all successful requests in the window; errors = non-2xx + transport errors + timeouts"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<u32> = (1..=100).map(|x| x * 1000).collect();
        assert_eq!(percentile_ms(&v, 50.0), 50.0);
        assert_eq!(percentile_ms(&v, 99.0), 99.0);
        assert_eq!(percentile_ms(&v, 100.0), 100.0);
        assert_eq!(percentile_ms(&[7000], 99.0), 7.0);
        assert!(percentile_ms(&[], 50.0).is_nan());
    }
}
