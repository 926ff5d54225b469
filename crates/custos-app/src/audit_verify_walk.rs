//! The two halves of `audit verify`'s work on one range of events: `hash_range` (any
//! thread: leaves and chunk roots recomputed from the stored columns) and `Walk` (in seq
//! order: seqs, leaves, stored chunk hashes, checkpoints, the first bad entry named). It
//! never reads the store and never trusts a stored hash it has not recomputed.

use custos_audit::{Hash, TreeBuilder, leaf_hash};
use custos_store::{AUDIT_CHUNK, AuditBatch, SubjectBatch};
use std::collections::HashMap;

const CHUNK: usize = AUDIT_CHUNK as usize;

/// The first problem found; `seq` names the first bad entry when one can be named.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", match .seq { Some(s) => format!("first bad entry: seq {s}: {}", .reason), None => .reason.clone() })]
pub struct VerifyFailure {
    pub seq: Option<u64>,
    pub reason: String,
}

pub(crate) fn fail(seq: Option<u64>, reason: impl Into<String>) -> VerifyFailure {
    VerifyFailure { seq, reason: reason.into() }
}

/// The vectors a hashed range fills (kept and reused from range to range).
#[derive(Default)]
pub(crate) struct Buffers {
    /// The recomputed leaf of each row up to the first bad one, included (`None`: a
    /// column does not decode).
    leaves: Vec<Option<Hash>>,
    /// Roots of the whole chunks in `[0, good)` when `from` starts a chunk.
    chunks: Vec<Hash>,
    /// For each checkpoint size strictly inside one of those chunks: the root of that
    /// chunk's leaves up to it.
    tails: Vec<(u64, Hash)>,
    /// The row whose customer index rows differ from what the event derives (the last of
    /// `leaves`).
    subject_bad: Option<usize>,
    /// The customer index rows of the range.
    subjects: SubjectBatch,
}

/// A range of events read from `from` and hashed.
pub(crate) struct Hashed {
    from: i64,
    batch: AuditBatch,
    /// Rows `[0, good)` sit at seq `from + i`, decode, and match their stored leaf.
    good: usize,
    b: Buffers,
}

impl Hashed {
    /// Its batches and vectors, to be filled again.
    pub(crate) fn into_parts(mut self) -> (AuditBatch, SubjectBatch, Buffers) {
        let subjects = std::mem::take(&mut self.b.subjects);
        (self.batch, subjects, self.b)
    }
}

/// Recomputes the leaves of `batch` (read from seq `from`), checks each row's customer
/// index rows in `subjects` (read for the same seqs), and computes the roots of its whole
/// chunks into `b`; `cp_sizes` are the checkpoint sizes, smallest first.
pub(crate) fn hash_range(
    from: i64,
    (batch, subjects): (AuditBatch, SubjectBatch),
    mut b: Buffers,
    cp_sizes: &[u64],
) -> Hashed {
    b.leaves.clear();
    b.chunks.clear();
    b.tails.clear();
    b.subject_bad = None;
    let mut buf = Vec::with_capacity(512);
    let mut good = batch.len();
    let mut index_at = 0;
    for i in 0..batch.len() {
        let seq = batch.seq(i);
        let indexed =
            batch.canonical_and_subjects(i, &mut buf, |want| index_matches(seq, want, &subjects, &mut index_at));
        let leaf = indexed.map(|_| leaf_hash(&buf));
        b.leaves.push(leaf);
        let in_place = i64::try_from(i).ok().and_then(|i| from.checked_add(i)) == Some(seq);
        if !in_place || leaf.is_none_or(|l| l.as_slice() != batch.stored_leaf(i)) {
            good = i;
            break;
        }
        if indexed != Some(true) {
            (good, b.subject_bad) = (i, Some(i));
            break;
        }
    }
    b.subjects = subjects;
    if let Ok(base) = u64::try_from(from)
        && base.is_multiple_of(AUDIT_CHUNK)
    {
        for (j, part) in b.leaves[..good].chunks_exact(CHUNK).enumerate() {
            let start = base + (j * CHUNK) as u64;
            let first = cp_sizes.partition_point(|&s| s <= start);
            let mut inside = cp_sizes[first..].iter().take_while(|&&s| s < start + AUDIT_CHUNK).peekable();
            let mut t = TreeBuilder::new();
            for l in part.iter().flatten() {
                t.push(*l);
                if inside.next_if(|&&s| s == start + t.size()).is_some() {
                    b.tails.push((start + t.size(), t.root()));
                }
            }
            b.chunks.push(t.root());
        }
    }
    Hashed { from, batch, good, b }
}

/// Whether the customer index rows of the event at `seq` (those at `subjects[*at..]` with
/// that seq; `at` moves past them) are exactly `want`, the customers it concerns.
fn index_matches(seq: i64, want: &mut [&str], subjects: &SubjectBatch, at: &mut usize) -> bool {
    let start = *at;
    while subjects.get(*at).is_some_and(|(s, _)| s <= seq) {
        *at += 1;
    }
    // Every row taken must be of this seq (none of an earlier one, which a whole log lacks)
    // and hold a text id.
    let stored = |k: usize| subjects.get(k).filter(|(s, _)| *s == seq).and_then(|(_, c)| c);
    let n = *at - start;
    match (n, &*want) {
        _ if want.len() != n => false,
        (0, _) => true,
        (1, [w]) => stored(start) == Some(w.as_bytes()),
        _ => {
            let Some(mut got) = (start..start + n).map(stored).collect::<Option<Vec<&[u8]>>>() else {
                return false;
            };
            got.sort_unstable();
            want.sort_unstable();
            want.iter().zip(&got).all(|(w, g)| w.as_bytes() == *g)
        }
    }
}

/// The verifier's position: whole chunks in `tree`, the current partial chunk in `chunk`,
/// the next checkpoint to meet.
pub(crate) struct Walk<'a> {
    tree: TreeBuilder,
    chunk: TreeBuilder,
    next_cp: usize,
    prev_cp_size: u64,
    expected: u64,
    stored_chunks: &'a HashMap<i64, Vec<u8>>,
    checkpoints: &'a [(u64, Hash)],
}

impl<'a> Walk<'a> {
    pub(crate) fn new(stored_chunks: &'a HashMap<i64, Vec<u8>>, checkpoints: &'a [(u64, Hash)]) -> Walk<'a> {
        Walk {
            tree: TreeBuilder::new(),
            chunk: TreeBuilder::new(),
            next_cp: 0,
            prev_cp_size: 0,
            expected: 0,
            stored_chunks,
            checkpoints,
        }
    }

    /// The number of events walked.
    pub(crate) fn expected(&self) -> u64 {
        self.expected
    }

    /// The index of the next checkpoint not yet met.
    pub(crate) fn next_checkpoint(&self) -> usize {
        self.next_cp
    }

    /// The root of every leaf walked.
    pub(crate) fn root(&self) -> Result<Hash, VerifyFailure> {
        self.root_with(self.chunk.size(), &self.chunk.root())
    }

    fn root_with(&self, tail_size: u64, tail_root: &Hash) -> Result<Hash, VerifyFailure> {
        if tail_size == 0 {
            return Ok(self.tree.root());
        }
        self.tree.root_with_tail(tail_root, tail_size).map_err(|e| fail(None, format!("verifier: {e}")))
    }

    /// Walks one hashed range: whole chunks in place at once, every other row alone.
    pub(crate) fn apply(&mut self, h: &Hashed) -> Result<(), VerifyFailure> {
        let mut i = 0;
        let mut tails = h.b.tails.as_slice();
        for root in &h.b.chunks {
            let at = i64::try_from(self.expected).ok().and_then(|e| e.checked_sub(h.from));
            if self.chunk.size() != 0 || at != i64::try_from(i).ok() || i + CHUNK > h.good {
                break;
            }
            let end = self.expected + AUDIT_CHUNK;
            let n = tails.iter().take_while(|(s, _)| *s < end).count();
            let (mine, rest) = tails.split_at(n);
            self.push_chunk(*root, mine)?;
            tails = rest;
            i += CHUNK;
        }
        for (k, leaf) in h.b.leaves.iter().enumerate().skip(i) {
            if h.b.subject_bad == Some(k) {
                return Err(fail(
                    u64::try_from(h.batch.seq(k)).ok(),
                    "the customer index (audit_subjects) does not match the event: index rows were edited, \
                     deleted or inserted, so impact queries would answer wrongly",
                ));
            }
            self.push(h.batch.seq(k), *leaf, h.batch.stored_leaf(k))?;
        }
        // Rows past the first bad one were not hashed; the walk has always stopped at it.
        if h.b.leaves.len() < h.batch.len() {
            return Err(fail(None, "verifier: rows left unchecked after a bad one"));
        }
        Ok(())
    }

    /// Adds a whole chunk whose rows are in place and match their leaves, checking the
    /// checkpoints inside it, its stored hash, and a checkpoint at its end — in the order
    /// the leaf-by-leaf walk checks them.
    fn push_chunk(&mut self, root: Hash, tails: &[(u64, Hash)]) -> Result<(), VerifyFailure> {
        let end = self.expected + AUDIT_CHUNK;
        while let Some(&(size, want)) = self.checkpoints.get(self.next_cp) {
            if size <= self.expected || size >= end {
                break;
            }
            let tail = tails.iter().find(|(s, _)| *s == size).ok_or_else(|| fail(None, "verifier: tail missing"))?;
            let got = self.root_with(size - self.expected, &tail.1)?;
            self.meet_checkpoint(size, got == want)?;
        }
        self.check_chunk(end, &root)?;
        self.tree.push_subtree(root, AUDIT_CHUNK).map_err(|e| fail(None, format!("verifier: {e}")))?;
        self.expected = end;
        self.checkpoints_here()
    }

    /// Checks one record (its seq, its recomputed leaf against the stored one) and adds it
    /// to the tree, checking every chunk hash and checkpoint it completes.
    fn push(&mut self, seq: i64, leaf: Option<Hash>, stored: &[u8]) -> Result<(), VerifyFailure> {
        let seq = u64::try_from(seq).map_err(|_| fail(None, format!("invalid seq {seq}")))?;
        if seq != self.expected {
            return Err(fail(Some(self.expected), "missing: the event was deleted"));
        }
        let leaf = leaf.ok_or_else(|| fail(Some(seq), "a stored column does not decode: edited"))?;
        if leaf.as_slice() != stored {
            return Err(fail(Some(seq), "the event does not match its leaf hash: edited, inserted or reordered"));
        }
        self.chunk.push(leaf);
        self.expected += 1;
        if self.chunk.size() == AUDIT_CHUNK {
            let root = self.chunk.root();
            self.check_chunk(self.expected, &root)?;
            self.tree.push_subtree(root, AUDIT_CHUNK).map_err(|e| fail(None, format!("verifier: {e}")))?;
            self.chunk = TreeBuilder::new();
        }
        self.checkpoints_here()
    }

    /// Compares the stored hash of the chunk ending at `end` (if one is stored).
    fn check_chunk(&self, end: u64, root: &Hash) -> Result<(), VerifyFailure> {
        let idx = i64::try_from(end / AUDIT_CHUNK - 1).unwrap_or(i64::MAX);
        match self.stored_chunks.get(&idx) {
            Some(h) if h.as_slice() != root.as_slice() => {
                Err(fail(None, format!("stored subtree hash {idx} does not match the events")))
            }
            _ => Ok(()),
        }
    }

    /// Checks every checkpoint of exactly the current size.
    fn checkpoints_here(&mut self) -> Result<(), VerifyFailure> {
        while let Some(&(size, want)) = self.checkpoints.get(self.next_cp) {
            if size != self.expected {
                break;
            }
            let got = self.root()?;
            self.meet_checkpoint(size, got == want)?;
        }
        Ok(())
    }

    fn meet_checkpoint(&mut self, size: u64, matches: bool) -> Result<(), VerifyFailure> {
        if !matches {
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
        Ok(())
    }
}
