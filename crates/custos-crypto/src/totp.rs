//! One-time passwords for the second factor: HOTP (RFC 4226), TOTP (RFC 6238), base32
//! secrets (RFC 4648), `otpauth://` URIs, and one-time recovery codes with their digests.
//! Pure: the time step and the randomness are parameters. It never stores, logs or puts a
//! secret or a code into an error or `Debug` output, and compares codes in constant time.
//!
//! Recovery codes carry 60 random bits each, so a plain SHA-256 digest (domain-separated and
//! bound to the account) is enough to store them: unlike passwords they cannot be guessed
//! from a dictionary, and a slow hash would add nothing but cost.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::SecureRandom;

/// Length of a new TOTP secret in bytes (160 bits, as RFC 4226 recommends for SHA-1).
pub const SECRET_LEN: usize = 20;
/// Seconds per time step.
pub const STEP_SECS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Steps either side of the current one that are accepted (clock drift).
pub const SKEW_STEPS: i64 = 1;
/// Recovery codes issued at once.
pub const RECOVERY_CODES: usize = 10;
/// Base32 characters of a recovery code (5 bits each: 60 bits).
pub const RECOVERY_CODE_CHARS: usize = 12;

/// The HMAC of an OTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha512,
}

fn mac(alg: Algorithm, key: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    match alg {
        Algorithm::Sha1 => Hmac::<Sha1>::new_from_slice(key)
            .map(|mut m| {
                m.update(msg);
                m.finalize().into_bytes().to_vec()
            })
            .unwrap_or_default(),
        Algorithm::Sha256 => Hmac::<Sha256>::new_from_slice(key)
            .map(|mut m| {
                m.update(msg);
                m.finalize().into_bytes().to_vec()
            })
            .unwrap_or_default(),
        Algorithm::Sha512 => Hmac::<Sha512>::new_from_slice(key)
            .map(|mut m| {
                m.update(msg);
                m.finalize().into_bytes().to_vec()
            })
            .unwrap_or_default(),
    }
}

/// HOTP (RFC 4226): the code for `counter`, `digits` long (6 to 9), zero-padded.
pub fn hotp(alg: Algorithm, secret: &[u8], counter: u64, digits: u32) -> String {
    let digits = digits.clamp(6, 9);
    let h = mac(alg, secret, &counter.to_be_bytes());
    let Some(last) = h.last() else { return "0".repeat(digits as usize) };
    let offset = usize::from(last & 0x0f);
    let bin = match h.get(offset..offset + 4) {
        Some(b) => u32::from_be_bytes([b[0] & 0x7f, b[1], b[2], b[3]]),
        None => 0,
    };
    let code = bin % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The RFC 6238 time step of a Unix time (T0 = 0).
pub fn time_step(unix_secs: i64, step_secs: i64) -> i64 {
    unix_secs.div_euclid(step_secs.max(1))
}

/// TOTP (RFC 6238) for time step `step`.
pub fn totp(alg: Algorithm, secret: &[u8], step: i64, digits: u32) -> String {
    hotp(alg, secret, u64::try_from(step).unwrap_or(0), digits)
}

/// The Custos code (SHA-1, 6 digits) for `step`; what an authenticator app shows.
pub fn code_at(secret: &[u8], step: i64) -> String {
    totp(Algorithm::Sha1, secret, step, DIGITS)
}

/// Checks a 6-digit code against steps `step - 1 ..= step + 1` and returns the step it
/// matched, so the caller can refuse it (and every earlier step) afterwards. Spaces in the
/// code are ignored; anything else that is not six digits matches nothing.
pub fn verify(secret: &[u8], code: &str, step: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut found = None;
    // Every candidate is computed and compared, whatever matches, in constant time.
    for s in (step - SKEW_STEPS)..=(step + SKEW_STEPS) {
        if s < 0 {
            continue;
        }
        let expected = code_at(secret, s);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) && found.is_none() {
            found = Some(s);
        }
    }
    found
}

/// A new random TOTP secret.
pub fn generate_secret(rng: &dyn SecureRandom) -> Zeroizing<Vec<u8>> {
    let mut s = Zeroizing::new(vec![0u8; SECRET_LEN]);
    rng.fill(&mut s);
    s
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32, upper case, without padding (as authenticator apps expect).
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(B32[((buf >> bits) & 31) as usize]));
        }
        buf &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(B32[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (either case, padding and spaces ignored); `None` if malformed.
pub fn base32_decode(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() * 5 / 8));
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()) {
        let v = B32.iter().position(|x| *x == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
        buf &= (1 << bits) - 1;
    }
    Some(out)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `otpauth://totp/…` URI an authenticator app scans (Key Uri Format): label
/// `issuer:account`, SHA-1, 6 digits, 30 s.
pub fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{}?secret={secret_base32}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        percent_encode(account)
    )
}

const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// `RECOVERY_CODES` new recovery codes of 60 bits, formatted `xxxx-xxxx-xxxx`.
pub fn generate_recovery_codes(rng: &dyn SecureRandom) -> Vec<Zeroizing<String>> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut raw = Zeroizing::new([0u8; RECOVERY_CODE_CHARS]);
            rng.fill(raw.as_mut_slice());
            let mut s = Zeroizing::new(String::with_capacity(RECOVERY_CODE_CHARS + 2));
            for (i, b) in raw.iter().enumerate() {
                if i > 0 && i % 4 == 0 {
                    s.push('-');
                }
                s.push(char::from(RECOVERY_ALPHABET[usize::from(b & 31)]));
            }
            s
        })
        .collect()
}

/// The canonical form of a typed recovery code (lower case, no dashes or spaces), or
/// `None` if it cannot be one.
pub fn normalize_recovery_code(typed: &str) -> Option<Zeroizing<String>> {
    let s: Zeroizing<String> = Zeroizing::new(
        typed.chars().filter(|c| *c != '-' && !c.is_whitespace()).map(|c| c.to_ascii_lowercase()).collect(),
    );
    (s.len() == RECOVERY_CODE_CHARS && s.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))).then_some(s)
}

/// What is stored for a recovery code of `account`: SHA-256 over a domain label, the
/// account and the canonical code. `None` if `typed` cannot be a recovery code.
pub fn recovery_code_digest(account: &str, typed: &str) -> Option<[u8; 32]> {
    let code = normalize_recovery_code(typed)?;
    let mut h = Sha256::new();
    h.update(b"custos-recovery-code-v1\0");
    h.update(account.as_bytes());
    h.update(b"\0");
    h.update(code.as_bytes());
    Some(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededRandom;

    #[test]
    fn base32_round_trips() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(b"f"), "MY");
        for n in 0..40 {
            let data: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base32_decode(&base32_encode(&data)).unwrap().as_slice(), data.as_slice());
        }
        assert_eq!(base32_decode("mzxw6ytboi======").unwrap().as_slice(), b"foobar");
        assert!(base32_decode("MZ1W").is_none());
    }

    #[test]
    fn verify_accepts_one_step_either_side_and_says_which() {
        let secret = b"12345678901234567890";
        let step = 1_000_000;
        assert_eq!(verify(secret, &code_at(secret, step), step), Some(step));
        assert_eq!(verify(secret, &code_at(secret, step - 1), step), Some(step - 1));
        assert_eq!(verify(secret, &code_at(secret, step + 1), step), Some(step + 1));
        assert_eq!(verify(secret, &code_at(secret, step + 2), step), None);
        assert_eq!(verify(secret, &code_at(secret, step - 2), step), None);
        let c = code_at(secret, step);
        assert_eq!(verify(secret, &format!("{} {}", &c[..3], &c[3..]), step), Some(step));
        assert_eq!(verify(secret, "12345", step), None);
        assert_eq!(verify(secret, "abcdef", step), None);
        assert_eq!(verify(secret, "١٢٣٤٥٦", step), None);
        assert_eq!(time_step(59, 30), 1);
    }

    #[test]
    fn recovery_codes_have_60_bits_and_a_human_shape() {
        let codes = generate_recovery_codes(&SeededRandom::from_u64(9));
        assert_eq!(codes.len(), 10);
        for c in &codes {
            assert_eq!(c.len(), 14);
            assert_eq!(c.matches('-').count(), 2);
            let d = recovery_code_digest("u1", c).unwrap();
            assert_eq!(recovery_code_digest("u1", &c.to_uppercase().replace('-', " ")), Some(d));
            assert_ne!(recovery_code_digest("u2", c), Some(d), "bound to the account");
        }
        let mut uniq: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), 10);
        assert!(recovery_code_digest("u1", "short").is_none());
    }

    #[test]
    fn otpauth_uri_encodes_the_label() {
        let u = otpauth_uri("Custos", "a+b@example.com", "MZXW6YTBOI");
        assert_eq!(
            u,
            "otpauth://totp/Custos:a%2Bb%40example.com?secret=MZXW6YTBOI&issuer=Custos&algorithm=SHA1&digits=6&period=30"
        );
    }
}
