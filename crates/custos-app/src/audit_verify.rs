//! `custos audit verify`: recomputes every leaf from the stored event columns and the
//! Merkle tree from those leaves, in seq order, and checks every signed checkpoint (its
//! signature with the public key only, its size and its root) and every stored subtree
//! hash. It stops at the first bad entry and names it. It needs no private key, never
//! writes, and never loads the whole log into memory (pages of `PAGE` events).

use custos_audit::{Hash, TreeBuilder, Verifier};
use custos_store::{AUDIT_CHUNK, AuditRecord, Store, StoreError};
use std::collections::HashMap;

const PAGE: i64 = 20_000;

/// A log that verified.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub events: u64,
    pub checkpoints: usize,
    pub root: Hash,
}

/// The first problem found; `seq` names the first bad entry when one can be named.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", match .seq { Some(s) => format!("first bad entry: seq {s}: {}", .reason), None => .reason.clone() })]
pub struct VerifyFailure {
    pub seq: Option<u64>,
    pub reason: String,
}

fn fail(seq: Option<u64>, reason: impl Into<String>) -> VerifyFailure {
    VerifyFailure { seq, reason: reason.into() }
}

fn db(e: StoreError) -> VerifyFailure {
    fail(None, format!("cannot read the audit log: {e}"))
}

/// Verifies the whole log against checkpoints signed by `verifier`'s key.
pub async fn verify_log(store: &Store, verifier: &Verifier) -> Result<VerifyReport, VerifyFailure> {
    // Checkpoints first: each must carry a valid signature and agree with its own row.
    let rows = store.audit_checkpoints().await.map_err(db)?;
    let mut checkpoints: Vec<(u64, Hash)> = Vec::with_capacity(rows.len());
    for r in &rows {
        let cp = verifier
            .verify_note(&r.note)
            .map_err(|e| fail(None, format!("checkpoint at size {}: signature or format invalid ({e})", r.size)))?;
        if i64::try_from(cp.size).ok() != Some(r.size) || cp.root.as_slice() != r.root.as_slice() {
            return Err(fail(
                None,
                format!("checkpoint at size {}: stored size or root differ from the signed note", r.size),
            ));
        }
        checkpoints.push((cp.size, cp.root));
    }
    let stored_chunks: HashMap<i64, Vec<u8>> = store.audit_chunks(0, i64::MAX).await.map_err(db)?.into_iter().collect();
    let head = store.audit_head().await.map_err(db)?;
    if let Some(s) = store.audit_negative_seq().await.map_err(db)? {
        return Err(fail(None, format!("an event with the invalid seq {s} was inserted")));
    }

    let mut tree = TreeBuilder::new();
    let mut chunk = TreeBuilder::new();
    let mut next_cp = 0usize;
    let mut prev_cp_size = 0u64;
    let mut expected = 0u64;
    let fetch = |from: i64| {
        let store = store.clone();
        tokio::spawn(async move { store.audit_page(from, PAGE).await })
    };
    let mut pending = fetch(0);
    loop {
        let page: Vec<AuditRecord> =
            pending.await.map_err(|e| fail(None, format!("reader task failed: {e}")))?.map_err(db)?;
        let Some(last) = page.last() else { break };
        pending = fetch(last.seq.saturating_add(1));
        for r in &page {
            let seq = u64::try_from(r.seq).map_err(|_| fail(None, format!("invalid seq {}", r.seq)))?;
            if seq != expected {
                return Err(fail(Some(expected), "missing: the event was deleted"));
            }
            let e = r.event.as_ref().ok_or_else(|| fail(Some(seq), "a stored column does not decode: edited"))?;
            let leaf = e.leaf_hash();
            if leaf.as_slice() != r.leaf.as_slice() {
                return Err(fail(Some(seq), "the event does not match its leaf hash: edited, inserted or reordered"));
            }
            tree.push(leaf);
            chunk.push(leaf);
            expected += 1;
            if chunk.size() == AUDIT_CHUNK {
                let idx = i64::try_from(expected / AUDIT_CHUNK - 1).unwrap_or(i64::MAX);
                if let Some(h) = stored_chunks.get(&idx)
                    && h.as_slice() != chunk.root().as_slice()
                {
                    return Err(fail(None, format!("stored subtree hash {idx} does not match the events")));
                }
                chunk = TreeBuilder::new();
            }
            while let Some(&(size, root)) = checkpoints.get(next_cp) {
                if size != expected {
                    break;
                }
                if tree.root() != root {
                    return Err(fail(
                        Some(prev_cp_size),
                        format!(
                            "checkpoint at size {size} does not match the events: an entry in seq {prev_cp_size}..{} was \
                             edited together with its leaf hash, inserted or reordered",
                            size - 1
                        ),
                    ));
                }
                prev_cp_size = size;
                next_cp += 1;
            }
        }
    }
    if let Some(&(size, _)) = checkpoints.get(next_cp) {
        return Err(fail(
            Some(expected),
            format!("missing: a checkpoint covers {size} events but only {expected} are stored (cut off the end)"),
        ));
    }
    let head_u = u64::try_from(head).map_err(|_| fail(None, "the audit head is negative"))?;
    if expected < head_u {
        return Err(fail(
            Some(expected),
            format!("missing: the log head says {head_u} events but only {expected} are stored (cut off the end)"),
        ));
    }
    if expected > head_u {
        return Err(fail(Some(head_u), format!("inserted: {} events beyond the log head {head_u}", expected - head_u)));
    }
    Ok(VerifyReport { events: expected, checkpoints: checkpoints.len(), root: tree.root() })
}
