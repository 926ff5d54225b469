//! `custos audit …`: verify the stored log against its signed checkpoints, print the
//! checkpoint public key, check a remote server with only the public key and the API
//! (inclusion of an event, consistency with a checkpoint seen before), and impact queries.
//! It never changes the log and never prints a field value (events hold none).

use crate::config::Config;
use crate::error::CliError;
use crate::setup;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use custos_app::audit_verify::verify_log;
use custos_app::{Actor, App};
use custos_audit::{Checkpoint, Hash, Verifier};
use std::path::Path;

/// Flushes buffered read events and signs a last checkpoint (server shutdown).
pub async fn shutdown(app: &App) {
    if let Err(e) = app.flush_reads().await {
        tracing::warn!(error = %e, "could not flush read events at shutdown");
    }
    if let Err(e) = app.checkpoint_now().await {
        tracing::warn!(error = %e, "could not sign a checkpoint at shutdown");
    }
}

fn read_key(path: &Path) -> Result<Verifier, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
    Ok(custos_app::audit::verifier_from_key(&text)?)
}

/// `custos audit verify`.
pub async fn verify(cfg: &Config, pubkey: Option<&Path>) -> Result<(), CliError> {
    let verifier = match pubkey {
        Some(p) => read_key(p)?,
        None => {
            let app = setup::open_app(cfg).await?;
            custos_app::audit::verifier_from_key(&app.audit_public_key()?)?
        }
    };
    let store = setup::open_store(cfg).await?;
    let started = std::time::Instant::now();
    let result = verify_log(&store, &verifier).await;
    store.close().await;
    match result {
        Ok(r) => {
            println!(
                "audit log verified: {} events, {} checkpoints, root {} ({:.2} s)",
                r.events,
                r.checkpoints,
                B64.encode(r.root),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Err(f) => Err(CliError(format!("audit log verification failed: {f}"))),
    }
}

/// `custos audit pubkey`.
pub async fn pubkey(cfg: &Config) -> Result<(), CliError> {
    let app = setup::open_app(cfg).await?;
    println!("{}", app.audit_public_key()?);
    Ok(())
}

fn parse_time(s: Option<&str>, default: i64) -> Result<i64, CliError> {
    match s {
        None => Ok(default),
        Some(v) => time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
            .map(|t| i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX))
            .map_err(|_| CliError(format!("'{v}' is not an RFC 3339 time"))),
    }
}

/// `custos audit impact --actor EMAIL | --customer ID [--from T] [--to T]`.
pub async fn impact(
    cfg: &Config,
    actor_email: Option<&str>,
    customer: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(), CliError> {
    let app = setup::open_app(cfg).await?;
    let op = Actor::operator();
    let (from, to) = (parse_time(from, i64::MIN)?, parse_time(to, i64::MAX)?);
    match (actor_email, customer) {
        (Some(email), None) => {
            let user = app
                .store()
                .user_by_email(&email.trim().to_lowercase())
                .await?
                .ok_or_else(|| CliError("no user has this e-mail".into()))?;
            for r in app.audit_impact_actor(&op, &user.id, from, to).await? {
                println!("{}\t{}\t{}\t{}\t{}", r.customer_id, r.action, r.count, r.first_at, r.last_at);
            }
        }
        (None, Some(id)) => {
            let mut cursor: Option<String> = None;
            loop {
                let page = app.audit_impact_customer(&op, id, from, to, cursor.as_deref(), 500).await?;
                for e in &page.items {
                    println!(
                        "{}\t{}\t{}\t{}\t{:?}\t{}",
                        e.seq,
                        e.at_micros,
                        e.actor.user_id.as_deref().unwrap_or("-"),
                        e.action,
                        e.outcome,
                        e.record_id.as_deref().unwrap_or("-")
                    );
                }
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
        }
        _ => return Err(CliError("give exactly one of --actor or --customer".into())),
    }
    Ok(())
}

async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> Result<serde_json::Value, CliError> {
    let r = http.get(url).bearer_auth(token).send().await.map_err(|e| CliError(format!("{url}: {e}")))?;
    let status = r.status();
    let body: serde_json::Value = r.json().await.map_err(|e| CliError(format!("{url}: {e}")))?;
    if !status.is_success() {
        return Err(CliError(format!("{url}: HTTP {status}: {}", body["detail"].as_str().unwrap_or(""))));
    }
    Ok(body)
}

fn proof_of(v: &serde_json::Value) -> Result<Vec<Hash>, CliError> {
    v["proof"]
        .as_array()
        .ok_or_else(|| CliError("proof missing".into()))?
        .iter()
        .map(|h| {
            let b = B64.decode(h.as_str().unwrap_or("")).map_err(|_| CliError("proof hash is not base64".into()))?;
            custos_audit::hash_from_slice(&b).map_err(|e| CliError(format!("proof: {e}")))
        })
        .collect()
}

/// `custos audit check-remote --url URL --pubkey FILE [--state FILE] [--seq N]`: with the
/// bearer token in `CUSTOS_TOKEN` (permission audit.read).
pub async fn check_remote(
    url: &str,
    pubkey: &Path,
    state: Option<&Path>,
    seq: Option<u64>,
    token: &str,
) -> Result<(), CliError> {
    let verifier = read_key(pubkey)?;
    let base = url.trim_end_matches('/');
    let http = reqwest::Client::new();
    let body = get_json(&http, &format!("{base}/api/v1/audit/checkpoint"), token).await?;
    let note = body["note"].as_str().ok_or_else(|| CliError("checkpoint note missing".into()))?;
    let cp: Checkpoint = verifier.verify_note(note).map_err(|e| CliError(format!("checkpoint signature: {e}")))?;
    println!("checkpoint: size {} root {} (signature ok)", cp.size, B64.encode(cp.root));
    if let Some(path) = state
        && path.exists()
    {
        let old_note = std::fs::read_to_string(path).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
        let old = verifier.verify_note(&old_note).map_err(|e| CliError(format!("saved checkpoint signature: {e}")))?;
        if old.size > cp.size {
            return Err(CliError(format!("the log shrank: {} events seen before, {} now", old.size, cp.size)));
        }
        if old.size == cp.size {
            if old.root != cp.root {
                return Err(CliError("the log was rewritten: same size, different root".into()));
            }
        } else {
            let v = get_json(
                &http,
                &format!("{base}/api/v1/audit/proof/consistency?from={}&to={}", old.size, cp.size),
                token,
            )
            .await?;
            custos_audit::verify_consistency(old.size, cp.size, &proof_of(&v)?, &old.root, &cp.root)
                .map_err(|e| CliError(format!("the log did not only grow since size {}: {e}", old.size)))?;
        }
        println!("consistent with the checkpoint seen before (size {}): the log only grew", old.size);
    }
    if let Some(n) = seq {
        let page = get_json(&http, &format!("{base}/api/v1/audit/events?seq={n}"), token).await?;
        let ev: custos_audit::AuditEvent = serde_json::from_value(page["items"][0].clone())
            .map_err(|_| CliError(format!("event {n} not found or malformed")))?;
        if ev.seq != n {
            return Err(CliError(format!("the server answered event {} for {n}", ev.seq)));
        }
        let v =
            get_json(&http, &format!("{base}/api/v1/audit/proof/inclusion?index={n}&size={}", cp.size), token).await?;
        custos_audit::verify_inclusion(&ev.leaf_hash(), n, cp.size, &proof_of(&v)?, &cp.root)
            .map_err(|e| CliError(format!("event {n} is not in the log: {e}")))?;
        println!("event {n} ({}) is in the log of size {}", ev.action, cp.size);
    }
    if let Some(path) = state {
        std::fs::write(path, note).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}
