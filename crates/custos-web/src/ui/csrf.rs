//! CSRF tokens for the pages. Signed-in forms carry a token derived from the session's secret
//! (a domain-separated SHA-256 of the cookie value, so it changes with every sign-in and needs
//! no server state, and no process-local key that other processes behind a load balancer would
//! lack); the sign-in form, which has no session yet, uses a random double-submit cookie. It
//! never logs or echoes a token, and compares in constant time.

use sha2::{Digest, Sha256};

/// Name of the form field that carries the token.
pub const FIELD: &str = "csrf";
/// Header that htmx requests carry the token in (set through `hx-headers` on `<body>`).
pub const HEADER: &str = "x-csrf-token";
/// Cookie of the pre-sign-in token (double submit).
pub const PRELOGIN_COOKIE: &str = "custos_csrf";

/// The token of a session, from the session cookie's secret value.
pub fn session_token(session_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"custos csrf v1\0");
    h.update(session_secret.as_bytes());
    hex::encode(h.finalize())
}

/// A fresh random token for the sign-in form, or `None` if the OS has no randomness to give.
pub fn new_prelogin_token() -> Option<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).ok()?;
    Some(hex::encode(b))
}

/// Whether a well-formed pre-sign-in cookie value (64 hex digits) was presented.
pub fn is_well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Constant-time equality of an expected and a presented token.
pub fn matches(expected: &str, presented: &str) -> bool {
    let (a, b) = (expected.as_bytes(), presented.as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_the_session_and_compared_exactly() {
        let a = session_token("cs_one");
        assert_eq!(a, session_token("cs_one"));
        assert_ne!(a, session_token("cs_two"));
        assert!(matches(&a, &a.clone()));
        assert!(!matches(&a, &a[..63]));
        assert!(!matches(&a, ""));
        assert!(!matches("", ""));
        let p = new_prelogin_token().expect("randomness");
        assert!(is_well_formed(&p));
        assert!(!is_well_formed("zz"));
        assert_ne!(p, new_prelogin_token().expect("randomness"));
    }
}
