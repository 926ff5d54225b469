//! The audit log's Ed25519 signing seed, derived from the key ring's blind-index root key
//! (HKDF-SHA256, its own salt and label), so it lives with the other keys under every key
//! provider and needs no storage of its own. It never returns the root key, never stores
//! the seed and never puts either into `Debug` output or errors.
//!
//! Seed: `HKDF-SHA256(ikm = blind-index root key, salt = "custos-audit-signing-v1",
//! info = "ed25519-seed")`, 32 bytes. The blind-index field keys use a different salt, so
//! no field key equals the seed.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::BlindIndexKey;

const SALT: &[u8] = b"custos-audit-signing-v1";
const INFO: &[u8] = b"ed25519-seed";

/// The 32-byte Ed25519 seed of the audit checkpoint signer.
#[must_use]
pub fn audit_signing_seed(root: &BlindIndexKey) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    let hk = Hkdf::<Sha256>::new(Some(SALT), root.expose().as_slice());
    // 32 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
    if hk.expand(INFO, out.as_mut_slice()).is_err() {
        out.iter_mut().for_each(|b| *b = 0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_distinct() {
        let a = BlindIndexKey::from_bytes([7; 32]);
        let b = BlindIndexKey::from_bytes([8; 32]);
        assert_eq!(*audit_signing_seed(&a), *audit_signing_seed(&a));
        assert_ne!(*audit_signing_seed(&a), *audit_signing_seed(&b));
        assert_ne!(*audit_signing_seed(&a), [0u8; 32]);
    }
}
