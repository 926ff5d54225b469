//! The crate's single error type, [`AuditError`]; it describes what is wrong and never
//! carries secret material (no key bytes, no note bodies).

use thiserror::Error;

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AuditError {
    /// A leaf index is not inside the tree (`index >= size`).
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A tree size is larger than the number of leaf hashes supplied.
    #[error("tree size {size} exceeds the {available} leaf hashes supplied")]
    SizeOutOfRange {
        /// The requested tree size.
        size: u64,
        /// How many leaf hashes were supplied.
        available: u64,
    },
    /// A consistency proof was requested or checked with `size1 > size2`.
    #[error("tree size {size1} is larger than tree size {size2}")]
    SizesOutOfOrder {
        /// The older tree size.
        size1: u64,
        /// The newer tree size.
        size2: u64,
    },
    /// A consistency proof from the empty tree: every tree extends the empty tree, so
    /// such a proof proves nothing and is rejected (as in transparency-dev/merkle).
    #[error("a consistency proof from the empty tree is meaningless")]
    ConsistencyFromEmptyTree,
    /// The proof has the wrong number of hashes for the given index and sizes.
    #[error("proof has {got} hashes, expected {expected}")]
    ProofLength {
        /// Number of hashes supplied.
        got: usize,
        /// Number of hashes the index and sizes require.
        expected: usize,
    },
    /// A subtree does not fit where it is put: its size is not a power of two, the tree
    /// size is not a multiple of it, or (for a tail) it is not smaller than the tree's
    /// smallest subtree.
    #[error("a subtree of {leaves} leaves does not fit a tree of size {size}")]
    SubtreeMisaligned {
        /// The tree size.
        size: u64,
        /// The subtree's number of leaves.
        leaves: u64,
    },
    /// The root computed from a proof differs from the expected root.
    #[error("root hash mismatch")]
    RootMismatch,
    /// A hash had the wrong length or encoding.
    #[error("invalid hash: {0}")]
    InvalidHash(&'static str),
    /// A checkpoint body does not follow the C2SP tlog-checkpoint format.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    /// A signed note does not follow the C2SP signed-note format.
    #[error("malformed signed note: {0}")]
    MalformedNote(&'static str),
    /// A key name or verifier key string is invalid.
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// The note carries no signature from the verifier's key.
    #[error("note has no signature from the trusted key")]
    UnverifiedNote,
    /// The note carries a signature line for the verifier's key that does not verify.
    #[error("invalid signature from the trusted key")]
    BadSignature,
}
