//! RFC 6962 / RFC 9162 inclusion and consistency proofs over an in-memory slice of leaf
//! hashes, and their verification from a leaf or an old root alone. It never fetches or
//! stores anything; every subtree root a proof needs covers a range disjoint from the
//! others, so each is computed once.

use super::{EMPTY_ROOT, Hash, node_hash, root_from_leaf_hashes, split_point};
use crate::AuditError;

/// `leaves[..size]` after checking that `size` fits the slice.
fn prefix(leaves: &[Hash], size: u64) -> Result<&[Hash], AuditError> {
    let available = u64::try_from(leaves.len()).unwrap_or(u64::MAX);
    usize::try_from(size).ok().and_then(|s| leaves.get(..s)).ok_or(AuditError::SizeOutOfRange { size, available })
}

/// Inclusion proof (RFC 6962 §2.1.1 `PATH`, RFC 9162 §2.1.3.1) for leaf `index` in the
/// tree made of the first `size` leaf hashes, ordered from the leaf upwards.
///
/// # Errors
/// [`AuditError::SizeOutOfRange`] if `size > leaf_hashes.len()`,
/// [`AuditError::IndexOutOfRange`] if `index >= size`.
pub fn inclusion_proof(leaf_hashes: &[Hash], index: u64, size: u64) -> Result<Vec<Hash>, AuditError> {
    let tree = prefix(leaf_hashes, size)?;
    if index >= size {
        return Err(AuditError::IndexOutOfRange { index, size });
    }
    // index < size <= tree.len(), so it fits in usize.
    let mut m = usize::try_from(index).map_err(|_| AuditError::IndexOutOfRange { index, size })?;
    // Walk from the root down to the leaf; siblings come out top-down.
    let mut node = tree;
    let mut siblings = Vec::new();
    while node.len() > 1 {
        let k = split_point(node.len());
        let (left, right) = node.split_at(k);
        if m < k {
            siblings.push(root_from_leaf_hashes(right));
            node = left;
        } else {
            siblings.push(root_from_leaf_hashes(left));
            node = right;
            m -= k;
        }
    }
    siblings.reverse();
    Ok(siblings)
}

/// Consistency proof (RFC 6962 §2.1.2 `PROOF`/`SUBPROOF`, RFC 9162 §2.1.4.1) that the
/// tree of the first `size1` leaf hashes is a prefix of the tree of the first `size2`.
///
/// `size1 == size2` gives an empty proof.
///
/// # Errors
/// [`AuditError::SizeOutOfRange`] if `size2 > leaf_hashes.len()`,
/// [`AuditError::SizesOutOfOrder`] if `size1 > size2`,
/// [`AuditError::ConsistencyFromEmptyTree`] if `size1 == 0 < size2`.
pub fn consistency_proof(leaf_hashes: &[Hash], size1: u64, size2: u64) -> Result<Vec<Hash>, AuditError> {
    let tree = prefix(leaf_hashes, size2)?;
    if size1 > size2 {
        return Err(AuditError::SizesOutOfOrder { size1, size2 });
    }
    if size1 == size2 {
        return Ok(Vec::new());
    }
    if size1 == 0 {
        return Err(AuditError::ConsistencyFromEmptyTree);
    }
    // size1 < size2 <= tree.len(), so it fits in usize.
    let mut m = usize::try_from(size1).map_err(|_| AuditError::SizesOutOfOrder { size1, size2 })?;
    let mut node = tree;
    // `b` of SUBPROOF: true while `node` is still a left spine of the old tree, whose root
    // the verifier already knows.
    let mut known = true;
    let mut siblings = Vec::new();
    while m != node.len() {
        let k = split_point(node.len());
        let (left, right) = node.split_at(k);
        if m <= k {
            siblings.push(root_from_leaf_hashes(right));
            node = left;
        } else {
            siblings.push(root_from_leaf_hashes(left));
            node = right;
            m -= k;
            known = false;
        }
    }
    let mut proof = Vec::with_capacity(siblings.len() + 1);
    if !known {
        proof.push(root_from_leaf_hashes(node));
    }
    proof.extend(siblings.into_iter().rev());
    Ok(proof)
}

/// Number of hashes in an inclusion proof for `index < size`:
/// the levels below the point where the paths to `index` and `size - 1` diverge, plus one
/// left sibling for each set bit above it.
fn inclusion_proof_len(index: u64, size: u64) -> (u32, u32) {
    let inner = u64::BITS - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner, border)
}

/// Root implied by an inclusion proof (RFC 9162 §2.1.3.2).
///
/// # Errors
/// [`AuditError::IndexOutOfRange`] if `index >= size`, [`AuditError::ProofLength`] if the
/// proof has the wrong number of hashes.
pub fn root_from_inclusion_proof(leaf_hash: &Hash, index: u64, size: u64, proof: &[Hash]) -> Result<Hash, AuditError> {
    if index >= size {
        return Err(AuditError::IndexOutOfRange { index, size });
    }
    let (inner, border) = inclusion_proof_len(index, size);
    let expected = (inner + border) as usize;
    if proof.len() != expected {
        return Err(AuditError::ProofLength { got: proof.len(), expected });
    }
    let mut f = index;
    let mut s = size - 1;
    let mut r = *leaf_hash;
    for p in proof {
        if s == 0 {
            return Err(AuditError::ProofLength { got: proof.len(), expected });
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(AuditError::ProofLength { got: proof.len(), expected });
    }
    Ok(r)
}

/// Verifies that `leaf_hash` is leaf number `index` of the tree of `size` leaves with
/// root `root` (RFC 9162 §2.1.3.2).
///
/// # Errors
/// [`AuditError::IndexOutOfRange`], [`AuditError::ProofLength`] or
/// [`AuditError::RootMismatch`].
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), AuditError> {
    if root_from_inclusion_proof(leaf_hash, index, size, proof)? == *root {
        Ok(())
    } else {
        Err(AuditError::RootMismatch)
    }
}

/// Verifies that the tree of `size1` leaves with root `root1` is a prefix of the tree of
/// `size2` leaves with root `root2` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots (and, for size 0, the roots must be
/// [`EMPTY_ROOT`]). A proof from size 0 to a larger size is rejected as meaningless:
/// callers that hold a size-0 checkpoint need no proof at all.
///
/// # Errors
/// [`AuditError::SizesOutOfOrder`], [`AuditError::ConsistencyFromEmptyTree`],
/// [`AuditError::ProofLength`] or [`AuditError::RootMismatch`].
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), AuditError> {
    if size1 > size2 {
        return Err(AuditError::SizesOutOfOrder { size1, size2 });
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(AuditError::ProofLength { got: proof.len(), expected: 0 });
        }
        if root1 != root2 || (size1 == 0 && *root1 != EMPTY_ROOT) {
            return Err(AuditError::RootMismatch);
        }
        return Ok(());
    }
    if size1 == 0 {
        return Err(AuditError::ConsistencyFromEmptyTree);
    }

    // Expected length: the inclusion proof of leaf size1 - 1 in size2, minus the levels
    // below the perfect subtree ending at size1 (whose root is sent or is root1).
    let (inner, border) = inclusion_proof_len(size1 - 1, size2);
    let shift = size1.trailing_zeros();
    let size1_is_pow2 = size1.is_power_of_two();
    // inner > shift whenever size1 < size2 (the paths to size1 - 1 and size2 - 1 diverge
    // above the trailing ones of size1 - 1).
    let expected = (inner.saturating_sub(shift) + border) as usize + usize::from(!size1_is_pow2);
    if proof.len() != expected {
        return Err(AuditError::ProofLength { got: proof.len(), expected });
    }
    let length_err = AuditError::ProofLength { got: proof.len(), expected };

    let (seed, rest) = if size1_is_pow2 {
        (*root1, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(length_err),
        }
    };
    let mut f = size1 - 1;
    let mut s = size2 - 1;
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let mut fr = seed;
    let mut sr = seed;
    for c in rest {
        if s == 0 {
            return Err(length_err);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(length_err);
    }
    if fr == *root1 && sr == *root2 { Ok(()) } else { Err(AuditError::RootMismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::leaf_hash;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn proofs_verify_and_reject_tampering() {
        let all = leaves(70);
        for size in 1..=all.len() as u64 {
            let root = root_from_leaf_hashes(&all[..size as usize]);
            for index in 0..size {
                let proof = inclusion_proof(&all, index, size).unwrap();
                let leaf = all[index as usize];
                verify_inclusion(&leaf, index, size, &proof, &root).unwrap();
                assert!(verify_inclusion(&leaf, index, size, &proof, &[1; 32]).is_err());
                if index + 1 < size {
                    assert!(verify_inclusion(&leaf, index + 1, size, &proof, &root).is_err());
                }
            }
            for size1 in 1..=size {
                let root1 = root_from_leaf_hashes(&all[..size1 as usize]);
                let proof = consistency_proof(&all, size1, size).unwrap();
                verify_consistency(size1, size, &proof, &root1, &root).unwrap();
                assert!(verify_consistency(size1, size, &proof, &root, &root1).is_err() || size1 == size);
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i][0] ^= 1;
                    assert!(verify_consistency(size1, size, &bad, &root1, &root).is_err());
                }
            }
        }
    }

    #[test]
    fn argument_errors() {
        let all = leaves(4);
        assert!(matches!(inclusion_proof(&all, 4, 4), Err(AuditError::IndexOutOfRange { .. })));
        assert!(matches!(inclusion_proof(&all, 0, 5), Err(AuditError::SizeOutOfRange { .. })));
        assert!(matches!(consistency_proof(&all, 3, 2), Err(AuditError::SizesOutOfOrder { .. })));
        assert!(matches!(consistency_proof(&all, 0, 2), Err(AuditError::ConsistencyFromEmptyTree)));
        assert_eq!(consistency_proof(&all, 0, 0).unwrap(), Vec::<Hash>::new());
        assert!(verify_inclusion(&all[0], 0, 0, &[], &EMPTY_ROOT).is_err());
        assert!(verify_inclusion(&all[0], u64::MAX, u64::MAX, &[], &EMPTY_ROOT).is_err());
        assert!(verify_consistency(1, u64::MAX, &[[0; 32]; 3], &all[0], &all[1]).is_err());
    }
}
