//! `custos audit verify`: recomputes every leaf from the stored event columns and the
//! Merkle tree from those leaves, in seq order, and checks every signed checkpoint (its
//! signature with the public key only, its size and its root) and every stored subtree
//! hash. It stops at the first bad entry and names it. It needs no private key, never
//! writes, and never loads the whole log into memory (seq ranges of `PAGE` events, at most
//! `AHEAD` of them read and leaf-hashed in parallel while the tree is built in order).

use custos_audit::{AuditEvent, Hash, TreeBuilder, Verifier};
use custos_store::{AUDIT_CHUNK, AuditRecord, Store, StoreError};
use std::collections::{HashMap, VecDeque};

const PAGE: i64 = 50_000;
/// Ranges being read (and their leaves hashed) ahead of the one the tree is built from.
const AHEAD: usize = 2;

/// A page of records with the leaf hash recomputed from each decoded event.
type Hashed = Vec<(AuditRecord, Option<Hash>)>;

/// Reads events `from <= seq < to` (or, with `to == None`, the next `PAGE` from `from`)
/// and recomputes their leaves, on a task of its own.
fn fetch(store: &Store, from: i64, to: Option<i64>) -> tokio::task::JoinHandle<Result<Hashed, StoreError>> {
    let store = store.clone();
    tokio::spawn(async move {
        let page = match to {
            Some(to) => store.audit_range(from, to).await?,
            None => store.audit_page(from, PAGE).await?,
        };
        Ok(page
            .into_iter()
            .map(|r| {
                let leaf = r.event.as_ref().map(AuditEvent::leaf_hash);
                (r, leaf)
            })
            .collect())
    })
}

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

    let mut st = Walk { tree: TreeBuilder::new(), chunk: TreeBuilder::new(), next_cp: 0, prev_cp_size: 0, expected: 0 };
    // Full ranges up to the head, read ahead in parallel; after the first short range (or
    // at the head) the rest is read from where the events stopped, whatever their seqs.
    let mut queue: VecDeque<(i64, tokio::task::JoinHandle<Result<Hashed, StoreError>>)> = VecDeque::new();
    let mut next_from = 0i64;
    let mut ranges_done = false;
    loop {
        while !ranges_done && queue.len() < AHEAD && next_from < head {
            let to = next_from.saturating_add(PAGE).min(head);
            queue.push_back((to - next_from, fetch(store, next_from, Some(to))));
            next_from = to;
        }
        let (width, handle) = match queue.pop_front() {
            Some(q) => q,
            None => {
                ranges_done = true;
                let from = i64::try_from(st.expected).unwrap_or(i64::MAX);
                (0, fetch(store, from, None))
            }
        };
        let page = handle.await.map_err(|e| fail(None, format!("reader task failed: {e}")))?.map_err(db)?;
        if ranges_done && page.is_empty() {
            break;
        }
        if !ranges_done && (page.len() as i64) < width {
            ranges_done = true;
            for (_, h) in queue.drain(..) {
                h.abort();
            }
        }
        for (r, leaf) in &page {
            st.push(r, leaf.as_ref(), &stored_chunks, &checkpoints)?;
        }
    }
    let Walk { tree, next_cp, expected, .. } = st;
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

/// The verifier's position: the tree so far, the current chunk, the next checkpoint.
struct Walk {
    tree: TreeBuilder,
    chunk: TreeBuilder,
    next_cp: usize,
    prev_cp_size: u64,
    expected: u64,
}

impl Walk {
    /// Checks one record (its seq, its recomputed leaf against the stored one) and adds it
    /// to the tree, checking every chunk hash and checkpoint it completes.
    fn push(
        &mut self,
        r: &AuditRecord,
        leaf: Option<&Hash>,
        stored_chunks: &HashMap<i64, Vec<u8>>,
        checkpoints: &[(u64, Hash)],
    ) -> Result<(), VerifyFailure> {
        let seq = u64::try_from(r.seq).map_err(|_| fail(None, format!("invalid seq {}", r.seq)))?;
        if seq != self.expected {
            return Err(fail(Some(self.expected), "missing: the event was deleted"));
        }
        let leaf = *leaf.ok_or_else(|| fail(Some(seq), "a stored column does not decode: edited"))?;
        if leaf.as_slice() != r.leaf.as_slice() {
            return Err(fail(Some(seq), "the event does not match its leaf hash: edited, inserted or reordered"));
        }
        self.tree.push(leaf);
        self.chunk.push(leaf);
        self.expected += 1;
        if self.chunk.size() == AUDIT_CHUNK {
            let idx = i64::try_from(self.expected / AUDIT_CHUNK - 1).unwrap_or(i64::MAX);
            if let Some(h) = stored_chunks.get(&idx)
                && h.as_slice() != self.chunk.root().as_slice()
            {
                return Err(fail(None, format!("stored subtree hash {idx} does not match the events")));
            }
            self.chunk = TreeBuilder::new();
        }
        while let Some(&(size, root)) = checkpoints.get(self.next_cp) {
            if size != self.expected {
                break;
            }
            if self.tree.root() != root {
                let prev = self.prev_cp_size;
                return Err(fail(
                    Some(prev),
                    format!(
                        "checkpoint at size {size} does not match the events: an entry in seq {prev}..{} was \
                         edited together with its leaf hash, inserted or reordered",
                        size - 1
                    ),
                ));
            }
            self.prev_cp_size = size;
            self.next_cp += 1;
        }
        Ok(())
    }
}
