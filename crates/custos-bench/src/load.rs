//! The load generator: N workers, each on its own keep-alive connection, sending requests
//! back to back (closed loop) for a warm-up and then a fixed measurement window, recording
//! every latency in microseconds. It also preloads rows for the GET runs. Every request has
//! a timeout and every loop a deadline, so it always stops by itself; it never talks to
//! anything but the loopback target it is given.

use crate::client::{self, Conn};
use crate::error::{BenchError, Result};
use crate::payload::CustomerTemplate;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::HeaderValue;
use hyper::{Method, Request, Uri};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Longest a single request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause before reconnecting after a transport error.
const RECONNECT_PAUSE: Duration = Duration::from_millis(50);

/// What a worker sends.
pub enum Op {
    /// POST the customer body (name and e-mail vary per request) to `path`.
    Create {
        path: Uri,
        template: Arc<CustomerTemplate>,
        /// Makes names unique across runs against the same database.
        phase: &'static str,
    },
    /// GET one of `paths`, round-robin, each worker starting at a different offset.
    Get { paths: Arc<Vec<Uri>> },
}

/// A server endpoint and the request shape to send it.
pub struct Target {
    pub addr: SocketAddr,
    host: HeaderValue,
    bearer: Option<HeaderValue>,
    op: Op,
}

impl Target {
    pub fn new(addr: SocketAddr, bearer: Option<HeaderValue>, op: Op) -> Result<Target> {
        Ok(Target { addr, host: client::host_header(addr)?, bearer, op })
    }

    fn request(&self, worker: usize, workers: usize, seq: u64) -> Request<Full<Bytes>> {
        match &self.op {
            Op::Create { path, template, phase } => client::request(
                Method::POST,
                path.clone(),
                &self.host,
                self.bearer.as_ref(),
                Some(template.body(phase, worker, seq)),
            ),
            Op::Get { paths } => {
                let n = paths.len().max(1);
                let start = worker * n / workers.max(1);
                let i = (start + (seq % n as u64) as usize) % n;
                let uri = paths.get(i).cloned().unwrap_or_else(|| Uri::from_static("/"));
                client::request(Method::GET, uri, &self.host, self.bearer.as_ref(), None)
            }
        }
    }
}

/// What one timed run produced.
pub struct RunResult {
    /// Latencies of successful requests in the window, in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// Non-2xx answers and transport errors (including timeouts) in the window.
    pub errors: u64,
    /// The first error seen (in the window or the warm-up), for diagnosis.
    pub first_error: Option<String>,
    pub window: Duration,
}

struct WorkerResult {
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

async fn worker(target: Arc<Target>, id: usize, workers: usize, warm_end: Instant, end: Instant) -> WorkerResult {
    let mut out = WorkerResult { latencies_us: Vec::with_capacity(16 * 1024), errors: 0, first_error: None };
    let mut conn: Option<Conn> = None;
    let mut seq: u64 = 0;
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match Conn::open(target.addr).await {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    if Instant::now() >= warm_end {
                        out.errors += 1;
                    }
                    out.first_error.get_or_insert(e);
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                    continue;
                }
            },
        };
        let req = target.request(id, workers, seq);
        seq += 1;
        let limit = REQUEST_TIMEOUT.min(end.saturating_duration_since(now) + Duration::from_secs(1));
        let started = Instant::now();
        let res = tokio::time::timeout(limit, c.send(req)).await;
        let finished = Instant::now();
        let counted = started >= warm_end && finished <= end;
        match res {
            Ok(Ok((status, _))) if status.is_success() => {
                if counted {
                    out.latencies_us.push(micros(finished - started));
                }
            }
            Ok(Ok((status, body))) => {
                if counted {
                    out.errors += 1;
                }
                out.first_error.get_or_insert_with(|| format!("HTTP {status}: {}", client::excerpt(&body)));
            }
            Ok(Err(e)) => {
                if counted {
                    out.errors += 1;
                }
                out.first_error.get_or_insert(e);
                if let Some(c) = conn.take() {
                    c.close().await;
                }
            }
            Err(_) => {
                if counted {
                    out.errors += 1;
                }
                out.first_error.get_or_insert_with(|| format!("no answer within {limit:?}"));
                if let Some(c) = conn.take() {
                    c.close().await;
                }
            }
        }
    }
    if let Some(c) = conn.take() {
        c.close().await;
    }
    out
}

/// Runs `workers` closed-loop workers for `warmup` (not recorded) then `window` (recorded).
pub async fn run_timed(target: Arc<Target>, workers: usize, warmup: Duration, window: Duration) -> Result<RunResult> {
    let start = Instant::now();
    let warm_end = start + warmup;
    let end = warm_end + window;
    let handles: Vec<_> =
        (0..workers).map(|id| tokio::spawn(worker(target.clone(), id, workers, warm_end, end))).collect();
    let mut latencies_us = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for h in handles {
        let r = h.await.map_err(|e| BenchError::ctx("a load worker failed", e))?;
        latencies_us.extend_from_slice(&r.latencies_us);
        errors += r.errors;
        if first_error.is_none() {
            first_error = r.first_error;
        }
    }
    latencies_us.sort_unstable();
    Ok(RunResult { latencies_us, errors, first_error, window })
}

/// Creates `count` records through `target` (a `Create` op) with `workers` connections and
/// returns their ids as given in the `id` field of each 201 body. Fails on the first error
/// or if `deadline` passes first.
pub async fn preload(target: Arc<Target>, count: usize, workers: usize, deadline: Duration) -> Result<Vec<String>> {
    let next = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + deadline;
    let handles: Vec<_> = (0..workers.min(count.max(1)))
        .map(|w| {
            let target = target.clone();
            let next = next.clone();
            tokio::spawn(async move {
                let mut conn = Conn::open(target.addr).await?;
                let mut ids = Vec::new();
                let result = loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break Ok(ids);
                    }
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break Err(format!("preload did not finish within {deadline:?}"));
                    }
                    let req = target.request(w, workers, i as u64);
                    let (status, body) = match tokio::time::timeout(left, conn.send(req)).await {
                        Ok(Ok(r)) => r,
                        Ok(Err(e)) => break Err(e),
                        Err(_) => break Err(format!("preload did not finish within {deadline:?}")),
                    };
                    if !status.is_success() {
                        break Err(format!("HTTP {status}: {}", client::excerpt(&body)));
                    }
                    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
                    match &v["id"] {
                        serde_json::Value::String(s) => ids.push(s.clone()),
                        serde_json::Value::Number(n) => ids.push(n.to_string()),
                        _ => break Err(format!("201 without an id: {}", client::excerpt(&body))),
                    }
                };
                conn.close().await;
                result
            })
        })
        .collect();
    let mut ids = Vec::with_capacity(count);
    let mut failure = None;
    for h in handles {
        match h.await {
            Ok(Ok(mut v)) => ids.append(&mut v),
            Ok(Err(e)) => {
                failure.get_or_insert(e);
            }
            Err(e) => {
                failure.get_or_insert(format!("preload worker failed: {e}"));
            }
        }
    }
    match failure {
        Some(e) => Err(BenchError::ctx("preloading", e)),
        None => Ok(ids),
    }
}

/// The GET paths for `ids` under `prefix` (e.g. `/api/v1/customers/`).
pub fn get_paths(prefix: &str, ids: &[String]) -> Result<Vec<Uri>> {
    ids.iter()
        .map(|id| {
            Uri::try_from(format!("{prefix}{id}"))
                .map_err(|e| BenchError::ctx("building a GET path from a returned id", e))
        })
        .collect()
}
