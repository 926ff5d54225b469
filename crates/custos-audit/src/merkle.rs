//! RFC 6962 / RFC 9162 Merkle tree hashing over SHA-256: leaf and node hashes, an
//! incremental root builder, inclusion and consistency proofs and their verification.
//! It works on leaf hashes held by the caller and never fetches, stores or orders
//! entries itself.
//!
//! Hashing (RFC 6962 §2.1): a leaf hash is `SHA-256(0x00 || entry)`, an interior node is
//! `SHA-256(0x01 || left || right)`, and the root of the empty tree is `SHA-256("")`.
//! For `n > 1` leaves the tree splits at `k`, the largest power of two smaller than `n`.
//!
//! Cost: [`root_from_leaf_hashes`] and [`TreeBuilder`] do exactly `n - 1` node hashes in
//! O(log n) extra memory. [`inclusion_proof`] and [`consistency_proof`] work on an
//! in-memory slice of leaf hashes; every subtree root they need covers a range disjoint
//! from the others, so each is computed once, and a proof costs fewer than `n` node
//! hashes in O(log n) extra memory beyond the proof itself.

use sha2::{Digest, Sha256};

use crate::AuditError;

mod proof;
pub use proof::{consistency_proof, inclusion_proof, root_from_inclusion_proof, verify_consistency, verify_inclusion};

/// A SHA-256 digest: a leaf hash, a node hash or a tree root.
pub type Hash = [u8; 32];

/// Root of the empty tree: `SHA-256("")`.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

/// Leaf hash of one log entry: `SHA-256(0x00 || entry)`.
#[must_use]
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(entry);
    h.finalize().into()
}

/// Interior node hash: `SHA-256(0x01 || left || right)`.
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = NODE_PREFIX;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    Sha256::digest(buf).into()
}

/// Incremental Merkle tree root builder.
///
/// Keeps only the right frontier: the roots of the perfect subtrees that make up the
/// leaves pushed so far (one per set bit of the size), i.e. at most 64 hashes, in a fixed
/// array with no heap allocation. `push` costs amortised one node hash; `root` costs at
/// most 63 node hashes and does not consume the builder, so roots can be taken at any
/// intermediate size (for example at each checkpoint while replaying a log).
#[derive(Clone)]
pub struct TreeBuilder {
    /// `frontier[..len]` holds the perfect-subtree roots, largest (leftmost) first.
    frontier: [Hash; 64],
    len: usize,
    size: u64,
}

impl Default for TreeBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TreeBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeBuilder").field("size", &self.size).finish_non_exhaustive()
    }
}

impl TreeBuilder {
    /// An empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self { frontier: [[0u8; 32]; 64], len: 0, size: 0 }
    }

    /// Number of leaves pushed so far.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends one leaf hash (see [`leaf_hash`]).
    ///
    /// The size is a `u64`; the 2^64 pushes that would overflow it are not reachable.
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut n = self.size;
        // Each trailing one bit of the old size is a perfect subtree of the same height
        // as `h`: merge them right to left.
        while n & 1 == 1 && self.len > 0 {
            self.len -= 1;
            h = node_hash(&self.frontier[self.len], &h);
            n >>= 1;
        }
        // `len` is the number of set bits of the old size with the trailing ones
        // removed, so it is at most 63 here.
        if let Some(slot) = self.frontier.get_mut(self.len) {
            *slot = h;
            self.len += 1;
        }
        self.size = self.size.wrapping_add(1);
    }

    /// Appends a perfect subtree of `leaves` leaves (a power of two) whose root is `root`,
    /// as if its leaves were pushed one by one: the tree size must be a multiple of
    /// `leaves`. Costs what pushing one leaf costs, so subtree roots computed elsewhere
    /// (for example on other threads) can be joined in order.
    ///
    /// # Errors
    /// [`AuditError::SubtreeMisaligned`] if `leaves` is not a power of two or the size is
    /// not a multiple of it.
    pub fn push_subtree(&mut self, root: Hash, leaves: u64) -> Result<(), AuditError> {
        let misaligned = AuditError::SubtreeMisaligned { size: self.size, leaves };
        if !leaves.is_power_of_two() || !self.size.is_multiple_of(leaves) {
            return Err(misaligned);
        }
        let new_size = self.size.checked_add(leaves).ok_or(misaligned)?;
        let mut h = root;
        let mut n = self.size >> leaves.trailing_zeros();
        while n & 1 == 1 && self.len > 0 {
            self.len -= 1;
            h = node_hash(&self.frontier[self.len], &h);
            n >>= 1;
        }
        if let Some(slot) = self.frontier.get_mut(self.len) {
            *slot = h;
            self.len += 1;
        }
        self.size = new_size;
        Ok(())
    }

    /// The RFC 6962 root of the leaves pushed so far followed by `tail_size` more leaves
    /// whose own root is `tail_root`, without pushing them. The tail must be non-empty and
    /// smaller than the smallest perfect subtree of this tree (any tail fits an empty
    /// tree): for example a partial 1,024-leaf chunk after whole chunks.
    ///
    /// # Errors
    /// [`AuditError::SubtreeMisaligned`] if the tail is empty or too large.
    pub fn root_with_tail(&self, tail_root: &Hash, tail_size: u64) -> Result<Hash, AuditError> {
        let smallest = if self.size == 0 { u64::MAX } else { 1u64 << self.size.trailing_zeros() };
        if tail_size == 0 || tail_size >= smallest {
            return Err(AuditError::SubtreeMisaligned { size: self.size, leaves: tail_size });
        }
        Ok(self.frontier[..self.len].iter().rev().fold(*tail_root, |acc, left| node_hash(left, &acc)))
    }

    /// Appends the leaf hash of `entry`.
    pub fn push_entry(&mut self, entry: &[u8]) {
        self.push(leaf_hash(entry));
    }

    /// The RFC 6962 root of the leaves pushed so far ([`EMPTY_ROOT`] when none).
    #[must_use]
    pub fn root(&self) -> Hash {
        let mut frontier = self.frontier[..self.len].iter().rev();
        let Some(first) = frontier.next() else {
            return EMPTY_ROOT;
        };
        frontier.fold(*first, |acc, left| node_hash(left, &acc))
    }
}

/// RFC 6962 root of a list of leaf hashes (`MTH`), [`EMPTY_ROOT`] for an empty slice.
/// O(n) time, O(log n) extra memory.
#[must_use]
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    let mut b = TreeBuilder::new();
    for l in leaves {
        b.push(*l);
    }
    b.root()
}

/// Largest power of two strictly smaller than `n`; requires `n >= 2`.
pub(crate) fn split_point(n: usize) -> usize {
    debug_assert!(n >= 2);
    1usize << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// Converts a byte slice into a [`Hash`](type@Hash).
///
/// # Errors
/// [`AuditError::InvalidHash`] unless the slice is exactly 32 bytes.
pub fn hash_from_slice(bytes: &[u8]) -> Result<Hash, AuditError> {
    Hash::try_from(bytes).map_err(|_| AuditError::InvalidHash("a hash is 32 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference MTH straight from RFC 6962 §2.1 (recursive).
    fn mth(d: &[Hash]) -> Hash {
        match d.len() {
            0 => Sha256::digest([]).into(),
            1 => d[0],
            n => {
                let k = split_point(n);
                node_hash(&mth(&d[..k]), &mth(&d[k..]))
            }
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, <[u8; 32]>::from(Sha256::digest([])));
        assert_eq!(root_from_leaf_hashes(&[]), EMPTY_ROOT);
        assert_eq!(TreeBuilder::new().root(), EMPTY_ROOT);
    }

    #[test]
    fn builder_matches_recursive_definition() {
        let all = leaves(300);
        let mut b = TreeBuilder::new();
        for n in 0..=all.len() {
            assert_eq!(b.size(), n as u64);
            assert_eq!(b.root(), mth(&all[..n]), "size {n}");
            if let Some(l) = all.get(n) {
                b.push(*l);
            }
        }
    }

    #[test]
    fn hashes_are_32_bytes() {
        assert!(hash_from_slice(&[0; 31]).is_err());
        assert!(hash_from_slice(&[0; 32]).is_ok());
    }

    #[test]
    fn split_point_is_largest_smaller_power_of_two() {
        for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1 << 20, 1 << 19)] {
            assert_eq!(split_point(n), k);
        }
    }
}
