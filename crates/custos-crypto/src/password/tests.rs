//! Unit tests of `password`: deterministic (seeded) randomness only; they never touch the file system or real keys.

use super::*;
use crate::SeededRandom;

#[test]
fn hash_then_verify() {
    let rng = SeededRandom::from_u64(1);
    let phc = hash_password("correct horse battery staple", &rng).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert!(verify_password("correct horse battery staple", &phc).unwrap());
    assert!(!verify_password("correct horse battery stapler", &phc).unwrap());
    assert!(!verify_password("", &phc).unwrap());
    assert!(!needs_rehash(&phc).unwrap());
}

#[test]
fn unicode_password_and_distinct_salts() {
    let rng = SeededRandom::from_u64(2);
    let a = hash_password("密码-пароль", &rng).unwrap();
    let b = hash_password("密码-пароль", &rng).unwrap();
    assert_ne!(a, b, "salts must differ");
    assert!(verify_password("密码-пароль", &a).unwrap());
    assert!(verify_password("密码-пароль", &b).unwrap());
}

#[test]
fn malformed_hashes_are_errors() {
    for bad in [
        "",
        "not a hash",
        "$argon2id$v=19$m=19456,t=2,p=1$",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0",
        "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAA",
        "$bcrypt$whatever",
    ] {
        assert!(
            matches!(verify_password("pw", bad), Err(CryptoError::MalformedPasswordHash(_))),
            "{bad:?} should be malformed"
        );
    }
}

#[test]
fn old_parameters_verify_and_need_rehash() {
    let params = Params::new(8, 1, 1, Some(32)).unwrap();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::encode_b64(&[9u8; 16]).unwrap();
    let phc = argon.hash_password(b"pw", &salt).unwrap().to_string();
    assert!(verify_password("pw", &phc).unwrap());
    assert!(needs_rehash(&phc).unwrap());
}

#[test]
fn dummy_hash_is_valid_and_stable() {
    let d = dummy_hash();
    assert!(d.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(std::ptr::eq(d, dummy_hash()));
    assert!(!verify_password("", d).unwrap());
    assert!(!verify_password("password", d).unwrap());
}

#[test]
fn fallback_dummy_hash_is_valid() {
    assert!(FALLBACK_DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(!verify_password("password", FALLBACK_DUMMY_HASH).unwrap());
    assert!(!needs_rehash(FALLBACK_DUMMY_HASH).unwrap());
}
