//! Blind indexes: deterministic keyed digests of normalised field values, so equality
//! search works on encrypted fields. It never stores or returns values or keys, and never
//! normalises input itself (the caller decides what "equal" means per field).
//!
//! Per-field key: `HKDF-SHA256(ikm = root key, salt = "custos-blind-index-v1", info =
//! field name)`, 32 bytes. Index: `HMAC-SHA256(field key, normalised value)` truncated to
//! its first 16 bytes.
//!
//! What an index leaks, to whoever can read the database: which records have the same
//! value *in the same field* (and how often each value occurs, i.e. frequency). Indexes of
//! different fields use unrelated keys, so the same value in two fields (a mobile number
//! stored as both "mobile" and "emergency_contact") cannot be matched across fields.
//! Without the root key, values cannot be tested: a guess needs the field key.
//! 16 bytes (128 bits) keeps accidental collisions negligible (about 2^-64 after 2^32
//! values in one field) while halving index size; it is not a security margin against
//! forgery, since nobody without the key can compute indexes at all.

use std::collections::HashMap;
use std::fmt;
use std::sync::RwLock;

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::SecureRandom;
use crate::rng::random_key;

/// Length of a blind index in bytes.
pub const BLIND_INDEX_LEN: usize = 16;
const HKDF_SALT: &[u8] = b"custos-blind-index-v1";
/// Beyond this many distinct field names, field keys are derived per call instead of
/// cached, so that a caller passing unbounded field names cannot grow memory without end.
const MAX_CACHED_FIELDS: usize = 1024;

type HmacSha256 = Hmac<Sha256>;
type FieldKey = Zeroizing<[u8; 32]>;

/// The blind-index root key (32 bytes, wiped on drop, never shown by `Debug`), with a
/// cache of the per-field keys derived from it.
pub struct BlindIndexKey {
    root: Zeroizing<[u8; 32]>,
    cache: RwLock<HashMap<String, FieldKey>>,
}

/// Marker: the root key and every cached field key are wiped on drop.
impl zeroize::ZeroizeOnDrop for BlindIndexKey {}

impl fmt::Debug for BlindIndexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindIndexKey(**redacted**)")
    }
}

impl Clone for BlindIndexKey {
    fn clone(&self) -> Self {
        Self::from_zeroizing(self.root.clone())
    }
}

impl BlindIndexKey {
    /// A root key from its bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let mut bytes = bytes;
        let root = Zeroizing::new(bytes);
        zeroize::Zeroize::zeroize(&mut bytes);
        Self::from_zeroizing(root)
    }

    pub(crate) fn from_zeroizing(root: Zeroizing<[u8; 32]>) -> Self {
        Self { root, cache: RwLock::new(HashMap::new()) }
    }

    /// A fresh random root key.
    pub fn generate(rng: &dyn SecureRandom) -> Self {
        Self::from_zeroizing(random_key(rng))
    }

    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.root
    }

    fn derive(&self, field: &str) -> FieldKey {
        let mut out = Zeroizing::new([0u8; 32]);
        let hk = Hkdf::<Sha256>::new(Some(HKDF_SALT), self.root.as_slice());
        // HKDF-SHA256 can produce up to 8160 bytes; 32 always succeeds.
        hk.expand(field.as_bytes(), out.as_mut_slice()).expect("HKDF-SHA256 output of 32 bytes is always valid");
        out
    }

    fn field_key(&self, field: &str) -> FieldKey {
        // A poisoned lock only means a panic elsewhere while holding it; the map is still
        // consistent (inserts are atomic), so carry on.
        if let Some(k) = self.cache.read().unwrap_or_else(|e| e.into_inner()).get(field) {
            return k.clone();
        }
        let key = self.derive(field);
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        if cache.len() < MAX_CACHED_FIELDS {
            cache.insert(field.to_owned(), key.clone());
        }
        key
    }

    /// Derive per-field keys ahead of time (optional: [`BlindIndexKey::index`] derives and
    /// caches on first use).
    pub fn warm(&self, fields: &[&str]) {
        for f in fields {
            let _ = self.field_key(f);
        }
    }

    /// The blind index of `normalised_value` in `field`.
    pub fn index(&self, field: &str, normalised_value: &str) -> [u8; BLIND_INDEX_LEN] {
        let key = self.field_key(field);
        // HMAC accepts keys of any length.
        let mut mac = HmacSha256::new_from_slice(key.as_slice()).expect("HMAC-SHA256 accepts a 32-byte key");
        mac.update(normalised_value.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; BLIND_INDEX_LEN];
        out.copy_from_slice(&full[..BLIND_INDEX_LEN]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededRandom;

    #[test]
    fn deterministic_per_field_per_key() {
        let rng = SeededRandom::from_u64(20);
        let k = BlindIndexKey::generate(&rng);
        let k2 = BlindIndexKey::generate(&rng);
        let a = k.index("mobile", "13812345678");
        assert_eq!(a, k.index("mobile", "13812345678"));
        assert_eq!(a, k.clone().index("mobile", "13812345678"));
        assert_ne!(a, k.index("mobile", "13812345679"));
        assert_ne!(a, k.index("emergency_mobile", "13812345678"));
        assert_ne!(a, k2.index("mobile", "13812345678"));
    }

    #[test]
    fn matches_the_specification() {
        let root = [0x42u8; 32];
        let k = BlindIndexKey::from_bytes(root);
        let hk = Hkdf::<Sha256>::new(Some(b"custos-blind-index-v1"), &root);
        let mut fk = [0u8; 32];
        hk.expand(b"email", &mut fk).unwrap();
        let mut mac = HmacSha256::new_from_slice(&fk).unwrap();
        mac.update(b"zhang.san@example.com");
        let full = mac.finalize().into_bytes();
        assert_eq!(k.index("email", "zhang.san@example.com"), full[..16]);
        // Cached path gives the same answer as the first (deriving) call.
        assert_eq!(k.index("email", "zhang.san@example.com"), full[..16]);
    }

    #[test]
    fn cache_is_bounded_and_does_not_change_results() {
        let k = BlindIndexKey::from_bytes([1u8; 32]);
        let names: Vec<String> = (0..MAX_CACHED_FIELDS + 10).map(|i| format!("f{i}")).collect();
        let first: Vec<_> = names.iter().map(|n| k.index(n, "v")).collect();
        assert_eq!(k.cache.read().unwrap().len(), MAX_CACHED_FIELDS);
        let again: Vec<_> = names.iter().map(|n| k.index(n, "v")).collect();
        assert_eq!(first, again);
    }

    #[test]
    fn debug_redacts() {
        let k = BlindIndexKey::from_bytes([0xcd; 32]);
        k.warm(&["mobile"]);
        let s = format!("{k:?}");
        assert_eq!(s, "BlindIndexKey(**redacted**)");
    }
}
