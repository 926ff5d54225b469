//! Unit tests of `envelope`: deterministic (seeded) randomness only; they never touch the file system or real keys.

use super::*;
use crate::SeededRandom;

fn setup() -> (SeededRandom, DataKey) {
    let rng = SeededRandom::from_u64(10);
    let dek = DataKey::generate(&rng);
    (rng, dek)
}

#[test]
fn seal_open_round_trip() {
    let (rng, dek) = setup();
    let aad = field_aad("cust-1", "mobile");
    for pt in [&b""[..], b"x", "张三 13812345678".as_bytes(), &[7u8; 5000]] {
        let sealed = seal(&dek, 3, &aad, pt, &rng);
        assert_eq!(sealed.len(), pt.len() + SEALED_OVERHEAD);
        assert_eq!(sealed[0], SEALED_FORMAT_V1);
        assert_eq!(&sealed[1..5], &3u32.to_be_bytes());
        assert_eq!(sealed_key_version(&sealed).unwrap(), 3);
        assert_eq!(open(&dek, &aad, &sealed).unwrap().as_slice(), pt);
    }
}

#[test]
fn sealing_is_randomised() {
    let (rng, dek) = setup();
    let aad = field_aad("cust-1", "email");
    let a = seal(&dek, 1, &aad, b"same", &rng);
    let b = seal(&dek, 1, &aad, b"same", &rng);
    assert_ne!(a, b);
    assert_ne!(a[5..29], b[5..29], "nonces must differ");
}

#[test]
fn open_rejects_wrong_key_and_wrong_aad() {
    let (rng, dek) = setup();
    let other = DataKey::generate(&rng);
    let aad = field_aad("cust-1", "mobile");
    let sealed = seal(&dek, 1, &aad, b"13812345678", &rng);
    assert!(matches!(open(&other, &aad, &sealed), Err(CryptoError::Decryption)));
    for bad in [field_aad("cust-2", "mobile"), field_aad("cust-1", "email"), field_aad("cust-1m", "obile"), Vec::new()]
    {
        assert!(matches!(open(&dek, &bad, &sealed), Err(CryptoError::Decryption)));
    }
}

#[test]
fn open_rejects_any_flipped_bit() {
    let (rng, dek) = setup();
    let aad = field_aad("r", "f");
    let sealed = seal(&dek, 1, &aad, b"secret value", &rng);
    for i in 0..sealed.len() {
        for bit in [0x01u8, 0x80] {
            let mut bad = sealed.clone();
            bad[i] ^= bit;
            assert!(open(&dek, &aad, &bad).is_err(), "byte {i} bit {bit:#x}");
        }
    }
}

#[test]
fn open_rejects_truncation_and_extension() {
    let (rng, dek) = setup();
    let aad = field_aad("r", "f");
    let sealed = seal(&dek, 1, &aad, b"secret value", &rng);
    for len in 0..sealed.len() {
        assert!(open(&dek, &aad, &sealed[..len]).is_err(), "len {len}");
    }
    let mut longer = sealed.clone();
    longer.push(0);
    assert!(open(&dek, &aad, &longer).is_err());
    assert!(matches!(open(&dek, &aad, &[]), Err(CryptoError::Malformed(_))));
}

#[test]
fn open_rejects_changed_version_and_format() {
    let (rng, dek) = setup();
    let aad = field_aad("r", "f");
    let sealed = seal(&dek, 1, &aad, b"v", &rng);
    let mut bad = sealed.clone();
    bad[1..5].copy_from_slice(&2u32.to_be_bytes());
    assert_eq!(sealed_key_version(&bad).unwrap(), 2);
    assert!(matches!(open(&dek, &aad, &bad), Err(CryptoError::Decryption)));
    let mut bad = sealed.clone();
    bad[0] = WRAPPED_FORMAT_V1;
    assert!(matches!(open(&dek, &aad, &bad), Err(CryptoError::UnknownFormat(2))));
    assert!(sealed_key_version(&bad).is_err());
}

#[test]
fn field_aad_is_unambiguous() {
    assert_ne!(field_aad("ab", "c"), field_aad("a", "bc"));
    assert_ne!(field_aad("", "x"), field_aad("x", ""));
    assert_eq!(field_aad("a", "bc"), [&[0, 0, 0, 0, 0, 0, 0, 1][..], b"a", &[0, 0, 0, 0, 0, 0, 0, 2], b"bc"].concat());
}

#[test]
fn wrap_unwrap_round_trip() {
    let rng = SeededRandom::from_u64(11);
    let kek = MasterKey::generate(4, &rng);
    let dek = DataKey::generate(&rng);
    let wrapped = kek.wrap(&dek, b"customer:42", &rng);
    assert_eq!(wrapped.len(), WRAPPED_LEN);
    assert_eq!(wrapped_key_version(&wrapped).unwrap(), 4);
    let back = kek.unwrap(&wrapped, b"customer:42").unwrap();
    // The unwrapped key opens what the original sealed.
    let sealed = seal(&dek, 1, b"a", b"hello", &rng);
    assert_eq!(open(&back, b"a", &sealed).unwrap().as_slice(), b"hello");
    assert_ne!(wrapped, kek.wrap(&dek, b"customer:42", &rng));
}

#[test]
fn unwrap_failures() {
    let rng = SeededRandom::from_u64(12);
    let kek = MasterKey::generate(1, &rng);
    let other_same_version = MasterKey::generate(1, &rng);
    let other_version = MasterKey::generate(2, &rng);
    let dek = DataKey::generate(&rng);
    let wrapped = kek.wrap(&dek, b"customer:42", &rng);

    assert!(matches!(other_same_version.unwrap(&wrapped, b"customer:42"), Err(CryptoError::Decryption)));
    assert!(matches!(
        other_version.unwrap(&wrapped, b"customer:42"),
        Err(CryptoError::KeyVersionMismatch { expected: 2, found: 1 })
    ));
    assert!(matches!(kek.unwrap(&wrapped, b"customer:43"), Err(CryptoError::Decryption)));
    for i in 0..wrapped.len() {
        let mut bad = wrapped.clone();
        bad[i] ^= 0x10;
        assert!(kek.unwrap(&bad, b"customer:42").is_err(), "byte {i}");
    }
    for len in 0..wrapped.len() {
        assert!(kek.unwrap(&wrapped[..len], b"customer:42").is_err());
    }
    // A wrapped key is not a sealed value and a sealed value is not a wrapped key.
    assert!(sealed_key_version(&wrapped).is_err());
    let sealed = seal(&dek, 1, b"customer:42", &[0u8; 32], &rng);
    assert!(kek.unwrap(&sealed, b"customer:42").is_err());
}

#[test]
fn debug_never_shows_key_bytes() {
    let bytes = [0xabu8; 32];
    let kek = MasterKey::from_bytes(7, bytes);
    let dek = DataKey::from_bytes(bytes);
    let hexed = hex::encode(bytes);
    for s in [format!("{kek:?}"), format!("{dek:?}"), format!("{kek:#?}")] {
        assert!(!s.contains(&hexed), "{s}");
        assert!(!s.contains("ab, ab") && !s.contains("171"), "{s}");
        assert!(s.contains("redacted"), "{s}");
    }
    assert_eq!(format!("{kek:?}"), "MasterKey(version=7, **redacted**)");
}
