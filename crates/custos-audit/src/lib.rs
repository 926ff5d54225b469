//! Custos audit log core: the event model and its canonical encoding, the RFC 6962 Merkle
//! tree with inclusion and consistency proofs, and Ed25519-signed C2SP checkpoints. It is
//! pure: it never does IO, never knows where events are stored, and never reads a clock
//! or an RNG.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod checkpoint;
mod error;
pub mod event;
pub mod merkle;

pub use checkpoint::{Checkpoint, CheckpointSigner, Verifier, parse_checkpoint_body};
pub use error::AuditError;
pub use event::{Actor, AuditEvent, EventRef, Outcome};
pub use merkle::{
    EMPTY_ROOT, Hash, TreeBuilder, consistency_proof, hash_from_slice, inclusion_proof, leaf_hash, node_hash,
    root_from_inclusion_proof, root_from_leaf_hashes, verify_consistency, verify_inclusion,
};
