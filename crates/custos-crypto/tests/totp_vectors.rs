//! Known-answer tests of the one-time passwords against `../shared/vectors/auth/totp-rfc6238.json`:
//! RFC 6238 Appendix B (SHA-1, SHA-256, SHA-512, 8 digits) and RFC 4226 Appendix D (HOTP).

use std::collections::HashMap;
use std::path::PathBuf;

use custos_crypto::totp::{self, Algorithm};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    seeds_ascii: HashMap<String, String>,
    cases: Vec<HashMap<String, serde_json::Value>>,
    hotp_rfc4226_sha1_counters_0_to_9: Vec<String>,
}

fn load() -> Vectors {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/auth/totp-rfc6238.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn rfc6238_totp_vectors() {
    let v = load();
    let mut checked = 0;
    for case in &v.cases {
        let time = case["time"].as_i64().unwrap();
        for (name, alg) in [("SHA1", Algorithm::Sha1), ("SHA256", Algorithm::Sha256), ("SHA512", Algorithm::Sha512)] {
            let want = case[name].as_str().unwrap();
            let seed = v.seeds_ascii[name].as_bytes();
            let step = totp::time_step(time, 30);
            assert_eq!(totp::totp(alg, seed, step, 8), want, "{name} at {time}");
            checked += 1;
        }
    }
    assert_eq!(checked, 18);
}

#[test]
fn rfc4226_hotp_vectors() {
    let v = load();
    assert_eq!(v.hotp_rfc4226_sha1_counters_0_to_9.len(), 10);
    for (counter, want) in v.hotp_rfc4226_sha1_counters_0_to_9.iter().enumerate() {
        assert_eq!(totp::hotp(Algorithm::Sha1, b"12345678901234567890", counter as u64, 6), *want, "counter {counter}");
    }
}

#[test]
fn rfc6238_six_digit_codes_verify_and_name_their_step() {
    let v = load();
    let seed = v.seeds_ascii["SHA1"].as_bytes();
    for case in &v.cases {
        let time = case["time"].as_i64().unwrap();
        let eight = case["SHA1"].as_str().unwrap();
        // The 6-digit code is the last six digits of the 8-digit one (same truncation, mod 10^6).
        let six = &eight[2..];
        let step = totp::time_step(time, totp::STEP_SECS);
        assert_eq!(totp::code_at(seed, step), six);
        assert_eq!(totp::verify(seed, six, step), Some(step));
        assert_eq!(totp::verify(seed, six, step + 1), Some(step), "one step of drift is accepted");
        assert_eq!(totp::verify(seed, six, step + 2), None);
    }
}
