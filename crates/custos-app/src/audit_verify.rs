//! `custos audit verify`: recomputes every leaf from the stored event columns and the
//! Merkle tree from those leaves, in seq order, and checks every signed checkpoint (its
//! signature with the public key only, its size and its root), every stored subtree hash,
//! and the customer index impact queries join (each event's rows exactly what it derives,
//! none outside the log). It stops at the first bad entry and names it. It needs no private key, never
//! writes, and never loads the whole log into memory.
//!
//! How: one lane per core (at most `MAX_LANES`), each with a read-only bulk reader of its
//! own, reads seq ranges of 32,768 events in turn and recomputes, on a blocking thread,
//! their leaves and the roots of their 1,024-leaf chunks (and of the partial chunk at each
//! checkpoint inside one). The walk takes the ranges in seq order and joins the chunk roots
//! into the tree (`TreeBuilder::push_subtree`), checking each one against its stored hash
//! and each checkpoint as it is reached; anything not whole and in place goes leaf by leaf
//! through the same checks as before, so the first bad entry is named as it always was.
//! Memory: at most three ranges per lane (their buffers go back to the lane for reuse).

use crate::audit_verify_walk::{Buffers, Hashed, Walk, fail, hash_range};
use custos_audit::{Hash, Verifier};
use custos_store::{AUDIT_CHUNK, AuditBatch, Store, StoreError, SubjectBatch};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;

pub use crate::audit_verify_walk::VerifyFailure;

/// Chunks per read (32,768 events).
const RANGE_CHUNKS: u32 = 32;
const MAX_LANES: usize = 4;

/// A log that verified.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub events: u64,
    pub checkpoints: usize,
    pub root: Hash,
}

/// What the walk holds of a lane: where its ranges arrive, where they go back for reuse.
type Lane = (mpsc::Receiver<Result<Hashed, StoreError>>, std::sync::mpsc::Sender<Hashed>);

fn db(e: StoreError) -> VerifyFailure {
    fail(None, format!("cannot read the audit log: {e}"))
}

/// Reads and hashes ranges `lane`, `lane + lanes`, … of `[0, head)` and sends them on,
/// until the receiver is gone.
async fn lane(
    store: Store,
    (lane, lanes, range): (i64, i64, i64),
    head: i64,
    cp_sizes: Arc<Vec<u64>>,
    (tx, spares): (mpsc::Sender<Result<Hashed, StoreError>>, std::sync::mpsc::Receiver<Hashed>),
) {
    let mut reader = match store.audit_reader().await {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.send(Err(e)).await;
            return;
        }
    };
    let mut from = lane.saturating_mul(range);
    while from < head {
        let to = from.saturating_add(range).min(head);
        // A range the walk is done with, if one came back: its memory is reused.
        let (mut batch, mut subjects, buffers) =
            spares.try_recv().map_or_else(|_| Default::default(), Hashed::into_parts);
        let read = match reader.read(from, to - 1, range, &mut batch).await {
            Ok(()) => reader.read_subjects(from, to - 1, &mut subjects).await,
            Err(e) => Err(e),
        };
        if let Err(e) = read {
            let _ = tx.send(Err(e)).await;
            break;
        }
        let sizes = cp_sizes.clone();
        let hashed = tokio::task::spawn_blocking(move || hash_range(from, (batch, subjects), buffers, &sizes))
            .await
            .map_err(|e| StoreError::Database(format!("hashing task failed: {e}")));
        if tx.send(hashed).await.is_err() {
            break;
        }
        from = from.saturating_add(range.saturating_mul(lanes));
    }
    reader.close().await;
}

/// Verifies the whole log against checkpoints signed by `verifier`'s key.
pub async fn verify_log(store: &Store, verifier: &Verifier) -> Result<VerifyReport, VerifyFailure> {
    verify_log_in_ranges(store, verifier, RANGE_CHUNKS).await
}

/// [`verify_log`], reading `chunks` chunks of events at a time (tests use small ranges to
/// cross many range and lane boundaries with few events).
#[doc(hidden)]
pub async fn verify_log_in_ranges(
    store: &Store,
    verifier: &Verifier,
    chunks: u32,
) -> Result<VerifyReport, VerifyFailure> {
    let range = i64::from(chunks.max(1)) * AUDIT_CHUNK as i64;
    let rows = store.audit_checkpoints().await.map_err(db)?;
    let stored_chunks: HashMap<i64, Vec<u8>> = store.audit_chunks(0, i64::MAX).await.map_err(db)?.into_iter().collect();
    let head = store.audit_head().await.map_err(db)?;

    // The lanes start reading at once; nothing they send is used before the checks below.
    let cp_sizes: Arc<Vec<u64>> = Arc::new(rows.iter().filter_map(|r| u64::try_from(r.size).ok()).collect());
    let lanes = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_LANES);
    let ranges = usize::try_from(head.max(0).unsigned_abs().div_ceil(range.unsigned_abs())).unwrap_or(usize::MAX);
    let lanes = lanes.min(ranges).max(1);
    let mut receivers = Vec::with_capacity(lanes);
    let mut tasks = Vec::with_capacity(lanes);
    for k in 0..lanes {
        let (tx, rx) = mpsc::channel(1);
        let (give_back, spares) = std::sync::mpsc::channel();
        receivers.push((rx, give_back));
        let (k, n) = (i64::try_from(k).unwrap_or(0), i64::try_from(lanes).unwrap_or(1));
        tasks.push(tokio::spawn(lane(store.clone(), (k, n, range), head, cp_sizes.clone(), (tx, spares))));
    }
    let result = walk(store, verifier, (&rows, &stored_chunks), (head, range, ranges), &mut receivers).await;
    // Stop the lanes (each ends at its next send) and wait for their connections to close.
    drop(receivers);
    for t in tasks {
        let _ = t.await;
    }
    result
}

async fn walk(
    store: &Store,
    verifier: &Verifier,
    (rows, stored_chunks): (&[custos_store::CheckpointRow], &HashMap<i64, Vec<u8>>),
    (head, range, ranges): (i64, i64, usize),
    receivers: &mut [Lane],
) -> Result<VerifyReport, VerifyFailure> {
    // Checkpoints first: each must carry a valid signature and agree with its own row.
    let mut checkpoints: Vec<(u64, Hash)> = Vec::with_capacity(rows.len());
    for r in rows {
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
    if let Some(s) = store.audit_negative_seq().await.map_err(db)? {
        return Err(fail(None, format!("an event with the invalid seq {s} was inserted")));
    }

    let mut st = Walk::new(stored_chunks, &checkpoints);
    let lanes = receivers.len().max(1);
    for r in 0..ranges {
        let (rx, give_back) = receivers.get_mut(r % lanes).ok_or_else(|| fail(None, "no reader"))?;
        let hashed = rx.recv().await.ok_or_else(|| fail(None, "a reader task stopped"))?.map_err(db)?;
        st.apply(&hashed)?;
        let _ = give_back.send(hashed);
    }
    // Whatever lies at or beyond where the events stopped (normally nothing), whatever its
    // seqs: the walk names a gap or an insertion.
    let mut reader = store.audit_reader().await.map_err(db)?;
    let tail = async {
        loop {
            let from = i64::try_from(st.expected()).unwrap_or(i64::MAX);
            let (mut batch, mut subjects) = (AuditBatch::default(), SubjectBatch::default());
            reader.read(from, i64::MAX, range, &mut batch).await.map_err(db)?;
            if batch.is_empty() {
                return Ok(());
            }
            let last = batch.seq(batch.len() - 1);
            reader.read_subjects(from, last, &mut subjects).await.map_err(db)?;
            st.apply(&hash_range(from, (batch, subjects), Buffers::default(), &[]))?;
        }
    }
    .await;
    reader.close().await;
    tail?;

    let expected = st.expected();
    if let Some(&(size, _)) = checkpoints.get(st.next_checkpoint()) {
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
    if let Some(s) = store.audit_subject_outside(head).await.map_err(db)? {
        return Err(fail(
            u64::try_from(s).ok(),
            format!("inserted: a customer index (audit_subjects) row for seq {s}, which is not in the log"),
        ));
    }
    Ok(VerifyReport { events: expected, checkpoints: checkpoints.len(), root: st.root()? })
}
