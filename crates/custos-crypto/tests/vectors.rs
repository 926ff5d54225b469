//! Known-answer tests against the public vectors in `../shared/vectors` (Wycheproof
//! XChaCha20-Poly1305, ChaCha20-Poly1305, HMAC-SHA256, HKDF-SHA256; RFC 9106 Argon2id),
//! plus a check that `seal`'s output is exactly the documented layout of the primitive.

use std::path::PathBuf;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

fn vectors_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors");
    assert!(
        dir.join("wycheproof").is_dir(),
        "test vectors not found at {} (expected the shared/ folder beside the repository)",
        dir.display()
    );
    dir
}

fn read(rel: &str) -> String {
    let path = vectors_dir().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read vector file {}: {e}", path.display()))
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File<G> {
    number_of_tests: usize,
    test_groups: Vec<G>,
}

#[derive(Deserialize)]
struct AeadGroup {
    tests: Vec<AeadCase>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AeadCase {
    tc_id: u32,
    key: String,
    iv: String,
    aad: String,
    msg: String,
    ct: String,
    tag: String,
    result: String,
    flags: Vec<String>,
}

#[derive(Debug, Default)]
struct Counts {
    valid: usize,
    invalid: usize,
    /// Cases the primitive cannot even be called with (marked invalid by the vectors).
    rejected_by_parameters: usize,
}

impl Counts {
    fn total(&self) -> usize {
        self.valid + self.invalid + self.rejected_by_parameters
    }
}

fn run_aead<C: KeyInit + Aead>(file: &str, nonce_len: usize) -> Counts {
    let f: File<AeadGroup> = serde_json::from_str(&read(file)).unwrap();
    let mut counts = Counts::default();
    for case in f.test_groups.iter().flat_map(|g| &g.tests) {
        let id = case.tc_id;
        let (key, iv, aad, msg) = (unhex(&case.key), unhex(&case.iv), unhex(&case.aad), unhex(&case.msg));
        let ct_tag = [unhex(&case.ct), unhex(&case.tag)].concat();
        if iv.len() != nonce_len {
            // The primitive only takes its own nonce size; such cases must be invalid.
            assert_eq!(case.result, "invalid", "tc {id}");
            assert!(case.flags.iter().any(|f| f == "InvalidNonceSize"), "tc {id}");
            counts.rejected_by_parameters += 1;
            continue;
        }
        let cipher = C::new_from_slice(&key).unwrap();
        let nonce = chacha20poly1305::aead::generic_array::GenericArray::from_slice(&iv);
        let opened = cipher.decrypt(nonce, Payload { msg: &ct_tag, aad: &aad });
        match case.result.as_str() {
            "valid" => {
                assert_eq!(opened.as_deref(), Ok(&msg[..]), "tc {id}: decrypt");
                let sealed = cipher.encrypt(nonce, Payload { msg: &msg, aad: &aad }).unwrap();
                assert_eq!(sealed, ct_tag, "tc {id}: encrypt");
                counts.valid += 1;
            }
            "invalid" => {
                assert!(opened.is_err(), "tc {id}: invalid case accepted");
                counts.invalid += 1;
            }
            other => panic!("tc {id}: unexpected result {other}"),
        }
    }
    assert_eq!(counts.total(), f.number_of_tests, "{file}: every case ran");
    assert!(counts.valid > 0 && counts.invalid > 0, "{file}: {counts:?}");
    println!("{file}: {counts:?}");
    counts
}

#[test]
fn wycheproof_xchacha20_poly1305() {
    let c = run_aead::<XChaCha20Poly1305>("wycheproof/xchacha20_poly1305_test.json", 24);
    assert_eq!((c.valid, c.invalid, c.rejected_by_parameters), (246, 60, 9));
    // Type check: XNonce is the 24-byte nonce the envelope uses.
    assert_eq!(XNonce::default().len(), custos_crypto::NONCE_LEN);
}

#[test]
fn wycheproof_chacha20_poly1305() {
    let c = run_aead::<ChaCha20Poly1305>("wycheproof/chacha20_poly1305_test.json", 12);
    assert_eq!((c.valid, c.invalid, c.rejected_by_parameters), (256, 60, 9));
    assert_eq!(Nonce::default().len(), 12);
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MacGroup {
    tag_size: usize,
    tests: Vec<MacCase>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MacCase {
    tc_id: u32,
    key: String,
    msg: String,
    tag: String,
    result: String,
}

#[test]
fn wycheproof_hmac_sha256() {
    let file = "wycheproof/hmac_sha256_test.json";
    let f: File<MacGroup> = serde_json::from_str(&read(file)).unwrap();
    let (mut valid, mut invalid, mut truncated) = (0, 0, 0);
    for g in &f.test_groups {
        for case in &g.tests {
            let id = case.tc_id;
            let tag = unhex(&case.tag);
            assert_eq!(tag.len() * 8, g.tag_size, "tc {id}");
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&unhex(&case.key)).unwrap();
            mac.update(&unhex(&case.msg));
            let full = mac.clone().finalize().into_bytes();
            // Truncated tags (128 bits, like blind indexes) compare the leftmost bytes.
            let ok = mac.verify_truncated_left(&tag).is_ok();
            if g.tag_size < 256 {
                truncated += 1;
            }
            match case.result.as_str() {
                "valid" => {
                    assert!(ok, "tc {id}");
                    assert_eq!(full[..tag.len()], tag[..], "tc {id}");
                    valid += 1;
                }
                "invalid" => {
                    assert!(!ok, "tc {id}: invalid tag accepted");
                    invalid += 1;
                }
                other => panic!("tc {id}: unexpected result {other}"),
            }
        }
    }
    println!("{file}: valid {valid}, invalid {invalid} (of which truncated-tag cases {truncated})");
    assert_eq!(valid + invalid, f.number_of_tests);
    assert!(valid > 0 && invalid > 0 && truncated > 0);
}

#[derive(Deserialize)]
struct HkdfGroup {
    tests: Vec<HkdfCase>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HkdfCase {
    tc_id: u32,
    ikm: String,
    salt: String,
    info: String,
    size: usize,
    okm: String,
    result: String,
}

#[test]
fn wycheproof_hkdf_sha256() {
    let file = "wycheproof/hkdf_sha256_test.json";
    let f: File<HkdfGroup> = serde_json::from_str(&read(file)).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for case in f.test_groups.iter().flat_map(|g| &g.tests) {
        let id = case.tc_id;
        let hk = Hkdf::<Sha256>::new(Some(&unhex(&case.salt)), &unhex(&case.ikm));
        let mut okm = vec![0u8; case.size];
        let res = hk.expand(&unhex(&case.info), &mut okm);
        match case.result.as_str() {
            "valid" => {
                assert!(res.is_ok(), "tc {id}");
                assert_eq!(hex::encode(&okm), case.okm, "tc {id}");
                valid += 1;
            }
            "invalid" => {
                assert!(res.is_err(), "tc {id}: invalid size accepted");
                invalid += 1;
            }
            other => panic!("tc {id}: unexpected result {other}"),
        }
    }
    println!("{file}: valid {valid}, invalid {invalid}");
    assert_eq!(valid + invalid, f.number_of_tests);
    assert!(valid > 0 && invalid > 0);
}

#[derive(Deserialize)]
struct Argon2Vector {
    password_hex: String,
    salt_hex: String,
    secret_hex: String,
    associated_data_hex: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    tag_length: usize,
    tag_hex: String,
}

#[test]
fn rfc9106_argon2id() {
    use argon2::{Algorithm, Argon2, AssociatedData, ParamsBuilder, Version};
    let v: Argon2Vector = serde_json::from_str(&read("auth/argon2id-rfc9106.json")).unwrap();
    let ad = unhex(&v.associated_data_hex);
    let params = ParamsBuilder::new()
        .m_cost(v.memory_kib)
        .t_cost(v.iterations)
        .p_cost(v.parallelism)
        .output_len(v.tag_length)
        .data(AssociatedData::new(&ad).unwrap())
        .build()
        .unwrap();
    let secret = unhex(&v.secret_hex);
    let argon = Argon2::new_with_secret(&secret, Algorithm::Argon2id, Version::V0x13, params).unwrap();
    let mut out = vec![0u8; v.tag_length];
    argon.hash_password_into(&unhex(&v.password_hex), &unhex(&v.salt_hex), &mut out).unwrap();
    assert_eq!(hex::encode(out), v.tag_hex);
}

/// `seal` output is `0x01 || version BE || nonce || XChaCha20-Poly1305(key, nonce,
/// aad = header || caller aad, plaintext)`: checked with the bare primitive.
#[test]
fn seal_layout_matches_the_primitive() {
    use custos_crypto::{DataKey, SeededRandom, field_aad, open, seal};
    let key = [0x11u8; 32];
    let dek = DataKey::from_bytes(key);
    let rng = SeededRandom::from_u64(99);
    let aad = field_aad("rec-1", "mobile");
    let sealed = seal(&dek, 0x0102_0304, &aad, b"13812345678", &rng);
    assert_eq!(&sealed[..5], &[0x01, 1, 2, 3, 4]);
    let cipher = XChaCha20Poly1305::new_from_slice(&key).unwrap();
    let full_aad = [&sealed[..5], &aad[..]].concat();
    let pt =
        cipher.decrypt(XNonce::from_slice(&sealed[5..29]), Payload { msg: &sealed[29..], aad: &full_aad }).unwrap();
    assert_eq!(pt, b"13812345678");
    // And the other way round: a hand-made envelope opens.
    let nonce = [7u8; 24];
    let ct = cipher.encrypt(XNonce::from_slice(&nonce), Payload { msg: b"hi", aad: &full_aad }).unwrap();
    let hand = [&sealed[..5], &nonce[..], &ct[..]].concat();
    assert_eq!(open(&dek, &aad, &hand).unwrap().as_slice(), b"hi");
}
