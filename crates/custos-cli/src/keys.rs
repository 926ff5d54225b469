//! `custos keys …`: rotate the master key (rewrapping every customer data key in the
//! background of running servers), show key status, retire unused master versions. It prints
//! versions and counts only, never key material or a PIN.

use crate::config::Config;
use crate::error::CliError;
use crate::setup;
use custos_app::SystemClock;
use custos_app::keys::{RotateOptions, RotationProgress};
use custos_crypto::OsRandom;
use std::time::{Duration, Instant};

fn fmt_time(micros: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| micros.to_string())
}

/// `custos keys rotate`: adds a master version and rewraps every data key in batches.
pub async fn rotate(cfg: &Config, batch: usize) -> Result<(), CliError> {
    let keystore = setup::open_keystore(cfg).await?;
    let source = setup::key_source(cfg, &|k| std::env::var(k).ok())?;
    let opts = RotateOptions { batch: batch.max(1), ..RotateOptions::default() };
    let mut last = Instant::now() - Duration::from_secs(10);
    let mut report = |p: &RotationProgress| {
        if p.finished || last.elapsed() >= Duration::from_secs(1) {
            last = Instant::now();
            eprintln!(
                "custos: rotating to master key version {}: {}/{} data keys rewrapped",
                p.target_version, p.done, p.total
            );
        }
    };
    let result =
        custos_app::keys::rotate(&keystore, source.as_ref(), &OsRandom, &SystemClock, &opts, &mut report).await;
    keystore.close().await;
    let p = result?;
    record(cfg, "key.rotate", &p.target_version.to_string()).await?;
    eprintln!(
        "custos: rotation to master key version {} finished: {} data keys rewrapped; older versions can be retired with `custos keys retire`",
        p.target_version, p.done
    );
    Ok(())
}

/// `custos keys status`: master versions, data keys per version, rotation progress.
pub async fn status(cfg: &Config) -> Result<(), CliError> {
    let keystore = setup::open_keystore(cfg).await?;
    let source = setup::key_source(cfg, &|k| std::env::var(k).ok())?;
    let result = custos_app::keys::status(&keystore, source.as_ref()).await;
    keystore.close().await;
    let s = result?;
    let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    println!("provider: {}", s.provider);
    println!("master key versions: {} (current {})", list(&s.provider_versions), s.current_version);
    for v in &s.versions {
        let keys = s.keys_by_version.iter().find(|(kv, _)| *kv == v.version).map_or(0, |(_, n)| *n);
        let retired = v.retired_at.map(|t| format!(" at {}", fmt_time(t))).unwrap_or_default();
        println!("version {}: {}{}, {} data keys", v.version, v.state, retired, keys);
    }
    for (kv, n) in &s.keys_by_version {
        if !s.versions.iter().any(|v| v.version == *kv) {
            println!("version {kv}: unregistered, {n} data keys");
        }
    }
    match s.rotations.first() {
        None => println!("rotation: none yet"),
        Some(r) => match r.finished_at {
            Some(f) => {
                println!("rotation to version {}: finished {}/{} at {}", r.target_version, r.done, r.total, fmt_time(f))
            }
            None => println!(
                "rotation to version {}: in progress {}/{} (last progress {})",
                r.target_version,
                r.done,
                r.total,
                fmt_time(r.updated_at)
            ),
        },
    }
    if s.retirable.is_empty() {
        println!("retirable: none");
    } else {
        println!("retirable: {}", list(&s.retirable));
    }
    Ok(())
}

/// `custos keys retire`: removes master versions that no data key uses.
pub async fn retire(cfg: &Config) -> Result<(), CliError> {
    let keystore = setup::open_keystore(cfg).await?;
    let source = setup::key_source(cfg, &|k| std::env::var(k).ok())?;
    let result = custos_app::keys::retire(&keystore, source.as_ref(), &OsRandom, &SystemClock).await;
    keystore.close().await;
    let retired = result?;
    for v in &retired {
        record(cfg, "key.retire", &v.to_string()).await?;
    }
    if retired.is_empty() {
        eprintln!("custos: no master key version can be retired");
    } else {
        let v = retired.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
        eprintln!("custos: retired master key version(s) {v}");
    }
    Ok(())
}

/// Records a key operation in the audit log, as the local operator. The key store and the
/// data store are separate databases, so the event follows the operation it records.
async fn record(cfg: &Config, action: &str, version: &str) -> Result<(), CliError> {
    let app = setup::open_app(cfg).await?;
    let ev = custos_app::audit::Ev::new(action, "master_key").record(version);
    let result = app.audit_now(&custos_app::Actor::operator(), ev).await;
    app.store().close().await;
    Ok(result?)
}
