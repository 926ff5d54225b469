//! Bearer and session tokens: a caller-chosen prefix followed by 32 random bytes in
//! base64url without padding (43 characters). Only the SHA-256 digest of the whole token
//! is ever meant to be stored; this module never keeps or logs a token.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::SecureRandom;

/// Random bytes in a token.
pub const TOKEN_RANDOM_BYTES: usize = 32;
/// Length of the base64url part of a token.
pub const TOKEN_ENCODED_LEN: usize = 43;

/// A new token: `prefix` followed by 32 random bytes as base64url without padding,
/// e.g. `cs_` + 43 characters.
pub fn generate_token(prefix: &str, rng: &dyn SecureRandom) -> String {
    let bytes = crate::rng::random_key::<TOKEN_RANDOM_BYTES>(rng);
    let mut out = String::with_capacity(prefix.len() + TOKEN_ENCODED_LEN);
    out.push_str(prefix);
    URL_SAFE_NO_PAD.encode_string(bytes.as_slice(), &mut out);
    out
}

/// SHA-256 of the whole token string (prefix included). Store this, never the token.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Constant-time check that `token` hashes to `expected` (a stored [`token_digest`]).
pub fn digest_matches(token: &str, expected: &[u8; 32]) -> bool {
    token_digest(token).ct_eq(expected).into()
}

/// True when `token` has the shape of a token made by [`generate_token`] with this
/// prefix: lets callers reject garbage before a database lookup.
pub fn is_well_formed(prefix: &str, token: &str) -> bool {
    token.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == TOKEN_ENCODED_LEN && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededRandom;

    #[test]
    fn shape_and_uniqueness() {
        let rng = SeededRandom::from_u64(3);
        let a = generate_token("cs_", &rng);
        let b = generate_token("cs_", &rng);
        assert_eq!(a.len(), 3 + 43);
        assert!(a.starts_with("cs_"));
        assert!(is_well_formed("cs_", &a));
        assert!(!is_well_formed("cs_", &a[..a.len() - 1]));
        assert!(!is_well_formed("xx_", &a));
        assert!(!is_well_formed("cs_", &format!("{}=", &a[..a.len() - 1])));
        assert_ne!(a, b);
    }

    #[test]
    fn digest_is_sha256_of_whole_token() {
        // SHA-256("abc")
        assert_eq!(
            hex::encode(token_digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let rng = SeededRandom::from_u64(4);
        let t = generate_token("cs_", &rng);
        let d = token_digest(&t);
        assert!(digest_matches(&t, &d));
        assert!(!digest_matches(&t[3..], &d));
    }
}
