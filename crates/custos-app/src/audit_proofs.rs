//! Inclusion and consistency proofs over the stored log without loading every leaf: the
//! RFC 6962 subtrees a proof names are aligned to their size, so any subtree of at least
//! `AUDIT_CHUNK` leaves is the Merkle tree of stored chunk roots (plus one partial chunk).
//! It reads stored leaf and chunk hashes; it never writes events and never trusts a chunk
//! it cannot find (missing chunks are computed from leaves and stored).

use crate::AppError;
use custos_audit::{Hash, root_from_leaf_hashes};
use custos_store::{AUDIT_CHUNK, Store};
use std::collections::HashMap;

const C: u64 = AUDIT_CHUNK;

/// Largest power of two strictly below `n` (`n >= 2`).
fn split(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Subtree ranges of an inclusion proof for `index` in a tree of `size`, leaf upwards.
pub(crate) fn inclusion_ranges(index: u64, size: u64) -> Vec<(u64, u64)> {
    let (mut lo, mut hi, mut out) = (0u64, size, Vec::new());
    while hi - lo > 1 {
        let k = split(hi - lo);
        if index < lo + k {
            out.push((lo + k, hi));
            hi = lo + k;
        } else {
            out.push((lo, lo + k));
            lo += k;
        }
    }
    out.reverse();
    out
}

/// Subtree ranges of a consistency proof from `m` to `n` leaves (RFC 9162 §2.1.4.1).
pub(crate) fn consistency_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    let (mut lo, mut hi, mut m, mut known, mut out) = (0u64, n, m, true, Vec::new());
    if m == 0 || m >= n {
        return out;
    }
    while m != hi - lo {
        let k = split(hi - lo);
        if m <= k {
            out.push((lo + k, hi));
            hi = lo + k;
        } else {
            out.push((lo, lo + k));
            lo += k;
            m -= k;
            known = false;
        }
    }
    // Proof order: the node (if the verifier cannot know it), then siblings bottom-up.
    let mut proof = Vec::with_capacity(out.len() + 1);
    if !known {
        proof.push((lo, hi));
    }
    proof.extend(out.into_iter().rev());
    proof
}

/// Chunk roots of a tree of `size` leaves and the leaves of the chunks a proof touches.
pub(crate) struct ProofHasher {
    size: u64,
    chunks: Vec<Hash>,
    leaves: HashMap<u64, Vec<Hash>>,
}

fn bad(what: String) -> AppError {
    AppError::Internal(what)
}

async fn chunk_leaves(store: &Store, c: u64, size: u64) -> Result<Vec<Hash>, AppError> {
    let lo = c * C;
    let hi = ((c + 1) * C).min(size);
    let rows = store.audit_leaves(i64::try_from(lo).unwrap_or(i64::MAX), i64::try_from(hi).unwrap_or(i64::MAX)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, (seq, leaf)) in rows.into_iter().enumerate() {
        if u64::try_from(seq).ok() != Some(lo + i as u64) {
            return Err(bad(format!("audit log has a gap before seq {seq}")));
        }
        out.push(custos_audit::hash_from_slice(&leaf).map_err(|_| bad(format!("audit leaf {seq} is malformed")))?);
    }
    if out.len() as u64 != hi - lo {
        return Err(bad(format!("audit log is missing leaves below {hi}")));
    }
    Ok(out)
}

impl ProofHasher {
    /// Loads the chunk roots below `size` (computing and storing any that are missing).
    pub(crate) async fn load(store: &Store, size: u64) -> Result<ProofHasher, AppError> {
        let full = size / C;
        let stored = store.audit_chunks(0, i64::try_from(full).unwrap_or(i64::MAX)).await?;
        let mut chunks = Vec::with_capacity(full as usize);
        let mut missing = Vec::new();
        let mut it = stored.into_iter().peekable();
        for c in 0..full {
            match it.peek() {
                Some((idx, h)) if u64::try_from(*idx).ok() == Some(c) => {
                    chunks
                        .push(custos_audit::hash_from_slice(h).map_err(|_| bad(format!("audit chunk {c} malformed")))?);
                    it.next();
                }
                _ => {
                    let root = root_from_leaf_hashes(&chunk_leaves(store, c, size).await?);
                    missing.push((i64::try_from(c).unwrap_or(i64::MAX), root.to_vec()));
                    chunks.push(root);
                }
            }
        }
        if let Err(e) = store.put_audit_chunks(&missing).await {
            tracing::warn!(error = %e, "could not store audit subtree hashes");
        }
        Ok(ProofHasher { size, chunks, leaves: HashMap::new() })
    }

    async fn need(&mut self, store: &Store, ranges: &[(u64, u64)]) -> Result<(), AppError> {
        for &(lo, hi) in ranges {
            let wanted: Vec<u64> = if hi - lo >= C && lo.is_multiple_of(C) {
                if !hi.is_multiple_of(C) { vec![hi / C] } else { vec![] }
            } else {
                (lo / C..=(hi - 1) / C).collect()
            };
            for c in wanted {
                if !self.leaves.contains_key(&c) {
                    let l = chunk_leaves(store, c, self.size).await?;
                    self.leaves.insert(c, l);
                }
            }
        }
        Ok(())
    }

    fn leaves_root(&self, lo: u64, hi: u64) -> Hash {
        let mut v = Vec::with_capacity((hi - lo) as usize);
        for i in lo..hi {
            if let Some(h) = self.leaves.get(&(i / C)).and_then(|l| l.get((i % C) as usize)) {
                v.push(*h);
            }
        }
        root_from_leaf_hashes(&v)
    }

    fn root(&self, lo: u64, hi: u64) -> Hash {
        if hi - lo >= C && lo.is_multiple_of(C) {
            let mut items: Vec<Hash> = self.chunks[(lo / C) as usize..(hi / C) as usize].to_vec();
            if !hi.is_multiple_of(C) {
                items.push(self.leaves_root(hi - hi % C, hi));
            }
            root_from_leaf_hashes(&items)
        } else {
            self.leaves_root(lo, hi)
        }
    }

    pub(crate) async fn inclusion(&mut self, store: &Store, index: u64, size: u64) -> Result<Vec<Hash>, AppError> {
        let ranges = inclusion_ranges(index, size);
        self.need(store, &ranges).await?;
        Ok(ranges.iter().map(|&(lo, hi)| self.root(lo, hi)).collect())
    }

    pub(crate) async fn consistency(&mut self, store: &Store, from: u64, to: u64) -> Result<Vec<Hash>, AppError> {
        let ranges = consistency_ranges(from, to);
        self.need(store, &ranges).await?;
        Ok(ranges.iter().map(|&(lo, hi)| self.root(lo, hi)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| custos_audit::leaf_hash(&i.to_be_bytes())).collect()
    }

    fn by_ranges(l: &[Hash], r: &[(u64, u64)]) -> Vec<Hash> {
        r.iter().map(|&(a, b)| root_from_leaf_hashes(&l[a as usize..b as usize])).collect()
    }

    #[test]
    fn ranges_match_reference_proofs() {
        let l = leaves(70);
        for size in 1..=70u64 {
            for i in 0..size {
                let want = custos_audit::inclusion_proof(&l, i, size).unwrap();
                assert_eq!(by_ranges(&l, &inclusion_ranges(i, size)), want, "inclusion {i} {size}");
            }
            for m in 1..=size {
                let want = custos_audit::consistency_proof(&l, m, size).unwrap();
                assert_eq!(by_ranges(&l, &consistency_ranges(m, size)), want, "consistency {m} {size}");
            }
        }
    }

    #[test]
    fn ranges_are_aligned() {
        for size in [1u64, 5, 1024, 1025, 3000, 1 << 20, (1 << 20) + 7] {
            for i in [0, size / 3, size - 1] {
                for (lo, hi) in inclusion_ranges(i, size) {
                    if hi - lo >= C {
                        assert_eq!(lo % C, 0);
                    }
                }
            }
        }
    }
}
