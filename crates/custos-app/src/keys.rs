//! Master key (KEK) lifecycle over the key store: rotation (add a master version, then rewrap
//! every customer's data key in small batches while servers keep serving), status, and
//! retirement of master versions nothing uses any more. It never sees customer data and
//! never logs or returns key material.
//!
//! Rotation is resumable and idempotent: the key store records the target version before the
//! provider gets it; running again after a crash resumes that rotation (adding the version
//! only if the provider lacks it), and each rewrap is a compare-and-set on the version the key
//! was read with, so a concurrent destroy or a second rotator never loses a key.
//!
//! Servers switch to the new version for new keys within `vault::CACHE_TTL` (they watch the
//! key store's newest active version); the rotation waits longer than that before its final
//! pass, so no key wrapped with an old version is left behind when it reports completion.

use crate::AppError;
use crate::vault::{CACHE_TTL, wrap_aad};
use custos_crypto::{CryptoError, KeyRing, KeySource, SecureRandom};
use custos_domain::Clock;
use custos_store::{KekVersionRow, KeyStore, RotationRow};
use std::time::{Duration, Instant};

/// Tunables of a rotation.
#[derive(Debug, Clone)]
pub struct RotateOptions {
    /// Data keys rewrapped per key-store transaction.
    pub batch: usize,
    /// Pause between batches (leaves the key store's writer to the servers).
    pub pause: Duration,
    /// How long after adding the new version to wait before the final pass (longer than the
    /// servers' version check interval).
    pub settle: Duration,
}

impl Default for RotateOptions {
    fn default() -> Self {
        Self { batch: 500, pause: Duration::from_millis(5), settle: CACHE_TTL + Duration::from_secs(1) }
    }
}

/// Where a rotation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationProgress {
    pub target_version: u32,
    pub done: i64,
    pub total: i64,
    pub finished: bool,
}

/// What `custos keys status` shows.
#[derive(Debug, Clone)]
pub struct KeyStatus {
    pub provider: String,
    pub provider_versions: Vec<u32>,
    pub current_version: u32,
    /// (master version, data keys wrapped by it).
    pub keys_by_version: Vec<(i64, i64)>,
    pub versions: Vec<KekVersionRow>,
    pub rotations: Vec<RotationRow>,
    /// Non-current provider versions that no data key uses: `custos keys retire` removes them.
    pub retirable: Vec<u32>,
}

fn key_err(what: &str, e: CryptoError) -> AppError {
    AppError::Internal(format!("{what}: {e}"))
}

fn micros(clock: &dyn Clock) -> i64 {
    (clock.now().unix_timestamp_nanos() / 1000) as i64
}

fn as_version(v: i64) -> Result<u32, AppError> {
    u32::try_from(v).map_err(|_| AppError::Internal(format!("master key version {v} is out of range")))
}

/// Rotates the master key: adds version current + 1 (or resumes an unfinished rotation) and
/// rewraps every data key with it. `progress` is called after every batch.
pub async fn rotate(
    keystore: &KeyStore,
    source: &dyn KeySource,
    rng: &dyn SecureRandom,
    clock: &dyn Clock,
    opts: &RotateOptions,
    progress: &mut (dyn FnMut(&RotationProgress) + Send),
) -> Result<RotationProgress, AppError> {
    let mut ring = source.load().map_err(|e| key_err("cannot load the master key", e))?;
    keystore.register_version(i64::from(ring.current_version()), micros(clock)).await?;
    let unfinished = keystore.rotations().await?.into_iter().find(|r| r.finished_at.is_none());
    let target = match unfinished {
        Some(r) => {
            let t = as_version(r.target_version)?;
            if ring.current_version() < t {
                // Crashed after recording the rotation, before the provider got the version.
                source.add_version(rng).map_err(|e| key_err("cannot add a master key version", e))?;
                ring = source.load().map_err(|e| key_err("cannot reload the master key", e))?;
            }
            if ring.current_version() != t {
                // The provider moved on (rotated elsewhere): this record is superseded.
                keystore.finish_rotation(r.target_version, micros(clock)).await?;
                return Box::pin(rotate(keystore, source, rng, clock, opts, progress)).await;
            }
            t
        }
        None => {
            let t = ring
                .current_version()
                .checked_add(1)
                .ok_or_else(|| AppError::Internal("master key version overflow".into()))?;
            let total = keystore.count_below(i64::from(t)).await?;
            keystore.start_rotation(i64::from(t), total, micros(clock)).await?;
            let added = source.add_version(rng).map_err(|e| key_err("cannot add a master key version", e))?;
            ring = source.load().map_err(|e| key_err("cannot reload the master key", e))?;
            if added != t || ring.current_version() != t {
                return Err(AppError::Internal(format!(
                    "the key provider added master version {added}, expected {t}; run `custos keys rotate` again"
                )));
            }
            t
        }
    };
    let started = Instant::now();
    keystore.register_version(i64::from(target), micros(clock)).await?;
    let row = keystore.rotations().await?.into_iter().find(|r| r.target_version == i64::from(target));
    let mut done = row.as_ref().map_or(0, |r| r.done);
    let mut total = row.as_ref().map_or(0, |r| r.total);
    let mut settled = false;
    loop {
        let n = rewrap_pass(keystore, ring.as_ref(), target, rng, clock, opts, &mut done, &mut total, progress).await?;
        let remaining = keystore.count_below(i64::from(target)).await?;
        if remaining == 0 && settled {
            break;
        }
        if remaining == 0 || n == 0 {
            // Wait until every server has switched to the new version, then check again.
            let wait = opts.settle.saturating_sub(started.elapsed()).max(Duration::from_millis(200));
            tokio::time::sleep(wait).await;
            settled = started.elapsed() >= opts.settle;
        }
    }
    let at = micros(clock);
    keystore.rotation_progress(i64::from(target), done, done.max(total), at).await?;
    keystore.finish_rotation(i64::from(target), at).await?;
    let p = RotationProgress { target_version: target, done, total: done.max(total), finished: true };
    progress(&p);
    Ok(p)
}

/// One pass over the keys still below `target`. Returns how many were rewrapped.
#[allow(clippy::too_many_arguments)]
async fn rewrap_pass(
    keystore: &KeyStore,
    ring: &dyn KeyRing,
    target: u32,
    rng: &dyn SecureRandom,
    clock: &dyn Clock,
    opts: &RotateOptions,
    done: &mut i64,
    total: &mut i64,
    progress: &mut (dyn FnMut(&RotationProgress) + Send),
) -> Result<u64, AppError> {
    let mut after = String::new();
    let mut rewrapped = 0;
    let limit = i64::try_from(opts.batch.max(1)).unwrap_or(500);
    loop {
        let batch = keystore.keys_below(i64::from(target), &after, limit).await?;
        let Some(last) = batch.last() else { break };
        after = last.customer_id.clone();
        let mut out = Vec::with_capacity(batch.len());
        for k in batch {
            let aad = wrap_aad(&k.customer_id);
            let dek = ring.unwrap_dek(&k.wrapped, &aad).map_err(|e| {
                key_err(
                    &format!(
                        "cannot unwrap the data key of customer {} (master version {})",
                        k.customer_id, k.kek_version
                    ),
                    e,
                )
            })?;
            let wrapped = ring.wrap_dek(&dek, &aad, rng).map_err(|e| key_err("cannot wrap a data key", e))?;
            out.push((k, i64::from(target), wrapped));
        }
        let n = keystore.rewrap_keys(&out, micros(clock)).await?;
        rewrapped += n;
        *done += i64::try_from(n).unwrap_or(0);
        let remaining = keystore.count_below(i64::from(target)).await?;
        *total = (*done + remaining).max(*total);
        keystore.rotation_progress(i64::from(target), *done, *total, micros(clock)).await?;
        progress(&RotationProgress { target_version: target, done: *done, total: *total, finished: false });
        if !opts.pause.is_zero() {
            tokio::time::sleep(opts.pause).await;
        }
    }
    Ok(rewrapped)
}

/// Master versions, data keys per version, rotations and what could be retired.
pub async fn status(keystore: &KeyStore, source: &dyn KeySource) -> Result<KeyStatus, AppError> {
    let ring = source.load().map_err(|e| key_err("cannot load the master key", e))?;
    let keys_by_version = keystore.count_by_version().await?;
    let rotations = keystore.rotations().await?;
    let current = ring.current_version();
    let in_progress = rotations.iter().any(|r| r.finished_at.is_none());
    let retirable = if in_progress {
        Vec::new()
    } else {
        ring.versions()
            .into_iter()
            .filter(|v| *v != current && !keys_by_version.iter().any(|(kv, n)| *kv == i64::from(*v) && *n > 0))
            .collect()
    };
    Ok(KeyStatus {
        provider: source.describe(),
        provider_versions: ring.versions(),
        current_version: current,
        keys_by_version,
        versions: keystore.kek_versions().await?,
        rotations,
        retirable,
    })
}

/// Removes from the provider every non-current master version that no data key uses, and
/// marks them retired. Refused while a rotation is unfinished. Returns the versions retired.
pub async fn retire(
    keystore: &KeyStore,
    source: &dyn KeySource,
    rng: &dyn SecureRandom,
    clock: &dyn Clock,
) -> Result<Vec<u32>, AppError> {
    if keystore.rotations().await?.iter().any(|r| r.finished_at.is_none()) {
        return Err(AppError::Conflict("a rotation is unfinished: run `custos keys rotate` again first".into()));
    }
    let s = status(keystore, source).await?;
    if s.retirable.is_empty() {
        return Ok(Vec::new());
    }
    source.retire_versions(&s.retirable, rng).map_err(|e| key_err("cannot retire master key versions", e))?;
    for v in &s.retirable {
        keystore.retire_version(i64::from(*v), micros(clock)).await?;
    }
    Ok(s.retirable)
}
