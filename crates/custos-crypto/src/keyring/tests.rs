//! Unit tests of `keyring`: deterministic (seeded) randomness only; they never touch the file system or real keys.

use super::*;
use crate::{SeededRandom, open, seal};

fn same_keys(a: &KeyMaterial, b: &KeyMaterial) -> bool {
    a.master_versions() == b.master_versions()
        && a.master_versions().iter().all(|v| a.master(*v).unwrap().expose() == b.master(*v).unwrap().expose())
        && a.blind_index_key().expose() == b.blind_index_key().expose()
}

#[test]
fn text_round_trip() {
    let rng = SeededRandom::from_u64(30);
    let mut km = KeyMaterial::generate(&rng);
    assert_eq!(km.master_versions(), vec![1]);
    assert_eq!(km.rotate(&rng).unwrap(), 2);
    let text = km.to_text();
    assert!(text.contains("custos-keys v1\nmaster 1 "));
    let back = KeyMaterial::from_text(&text).unwrap();
    assert!(same_keys(&km, &back));
    assert_eq!(back.current_master().version(), 2);
    assert!(back.master(1).is_some() && back.master(3).is_none());
}

#[test]
fn env_round_trip_and_plain_text() {
    let rng = SeededRandom::from_u64(31);
    let km = KeyMaterial::generate(&rng);
    let env = km.to_env_value();
    assert!(same_keys(&km, &KeyMaterial::from_env_value(&env).unwrap()));
    let wrapped: String = env.as_bytes().chunks(40).map(|c| format!("{}\n", std::str::from_utf8(c).unwrap())).collect();
    assert!(same_keys(&km, &KeyMaterial::from_env_value(&wrapped).unwrap()));
    assert!(same_keys(&km, &KeyMaterial::from_env_value(&km.to_text()).unwrap()));
    assert!(KeyMaterial::from_env_value("!!!not base64").is_err());
    assert!(KeyMaterial::from_env_value("").is_err());
}

#[test]
fn parse_errors_name_the_line_not_the_content() {
    let k = "ab".repeat(32);
    let cases: Vec<(String, usize)> = vec![
        (format!("master 1 {k}\n"), 1),
        (format!("custos-keys v2\nmaster 1 {k}\nblind-index {k}\n"), 1),
        (format!("custos-keys v1\nmaster x {k}\nblind-index {k}\n"), 2),
        (format!("custos-keys v1\nmaster 1 {}\nblind-index {k}\n", &k[..62]), 2),
        (format!("custos-keys v1\nmaster 1 {k}zz\nblind-index {k}\n"), 2),
        (format!("custos-keys v1\nmaster 1 {k}\nmaster 1 {k}\nblind-index {k}\n"), 3),
        (format!("custos-keys v1\nmaster 1 {k}\nblind-index {k}\nblind-index {k}\n"), 4),
        (format!("custos-keys v1\nmaster 1 {k}\nblind-index {k} extra\n"), 3),
        (format!("custos-keys v1\n\n# c\nkey {k}\n"), 4),
        (format!("custos-keys v1\nblind-index {k}\n"), 0),
        (format!("custos-keys v1\nmaster 1 {k}\n"), 0),
        (String::new(), 0),
    ];
    for (text, want_line) in cases {
        match KeyMaterial::from_text(&text) {
            Err(e @ CryptoError::KeyFormat { line, .. }) => {
                assert_eq!(line, want_line, "{text}");
                assert!(!e.to_string().contains("abab"), "{e}");
            }
            other => panic!("{text:?}: expected a format error, got {other:?}"),
        }
    }
}

#[test]
fn comments_crlf_and_uppercase_hex_accepted() {
    let k = "AB".repeat(32);
    let text = format!("# hi\r\n\r\ncustos-keys   v1\r\n  master 5 {k}\r\nmaster 2 {k}\r\nblind-index {k}\r\n");
    let km = KeyMaterial::from_text(&text).unwrap();
    assert_eq!(km.master_versions(), vec![2, 5]);
    assert_eq!(km.current_master().version(), 5);
    assert_eq!(km.blind_index_key().expose(), &[0xab; 32]);
}

#[test]
fn new_validates() {
    let rng = SeededRandom::from_u64(32);
    assert!(KeyMaterial::new(vec![], BlindIndexKey::generate(&rng)).is_err());
    assert!(
        KeyMaterial::new(
            vec![MasterKey::generate(1, &rng), MasterKey::generate(1, &rng)],
            BlindIndexKey::generate(&rng)
        )
        .is_err()
    );
    let mut km = KeyMaterial::new(vec![MasterKey::generate(u32::MAX, &rng)], BlindIndexKey::generate(&rng)).unwrap();
    assert!(km.rotate(&rng).is_err());
}

#[test]
fn rotation_and_rewrap() {
    let rng = SeededRandom::from_u64(33);
    let mut km = KeyMaterial::generate(&rng);
    let dek = DataKey::generate(&rng);
    let sealed = seal(&dek, 1, b"aad", b"value", &rng);
    let w1 = km.wrap_data_key(&dek, b"customer:1", &rng);
    km.rotate(&rng).unwrap();
    assert!(km.needs_rewrap(&w1).unwrap());
    // Old wrapped keys still unwrap through the ring.
    let d1 = km.unwrap_data_key(&w1, b"customer:1").unwrap();
    assert_eq!(open(&d1, b"aad", &sealed).unwrap().as_slice(), b"value");
    let w2 = km.rewrap_data_key(&w1, b"customer:1", &rng).unwrap();
    assert_eq!(wrapped_key_version(&w2).unwrap(), 2);
    assert!(!km.needs_rewrap(&w2).unwrap());
    let d2 = km.unwrap_data_key(&w2, b"customer:1").unwrap();
    assert_eq!(open(&d2, b"aad", &sealed).unwrap().as_slice(), b"value");
    // A ring without version 1 cannot unwrap w1.
    let only_new = KeyMaterial::new(vec![km.current_master().clone()], km.blind_index_key().clone()).unwrap();
    assert!(matches!(only_new.unwrap_data_key(&w1, b"customer:1"), Err(CryptoError::UnknownKeyVersion(1))));
}

#[test]
fn debug_redacts() {
    let k = [0x5au8; 32];
    let km = KeyMaterial::new(vec![MasterKey::from_bytes(1, k)], BlindIndexKey::from_bytes(k)).unwrap();
    let s = format!("{km:?} {km:#?}");
    assert!(!s.contains(&hex::encode(k)) && !s.contains("90, 90"), "{s}");
    assert!(s.contains("redacted"));
}
