//! The PKCS#11 key provider against SoftHSM2: a token is initialised in a temporary
//! SOFTHSM2_CONF, the KEK is generated inside it and data keys are wrapped, unwrapped,
//! rotated and retired through it. Skips (with a message) when SoftHSM2 is not installed,
//! unless CUSTOS_REQUIRE_HSM=1, which CI sets: then a missing SoftHSM2 fails the test.

use custos_crypto::pkcs11::{PKCS11_WRAPPED_LEN, Pkcs11Config, Pkcs11KeySource};
use custos_crypto::{CryptoError, DataKey, KeySource, OsRandom, Zeroizing, field_aad, open, seal};
use std::path::PathBuf;
use std::process::Command;

const PIN: &str = "custos-test-pin-4711";

fn softhsm_module() -> Option<PathBuf> {
    let candidates = [
        std::env::var("CUSTOS_TEST_PKCS11_MODULE").unwrap_or_default(),
        "/usr/lib/softhsm/libsofthsm2.so".into(),
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so".into(),
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so".into(),
        "/usr/local/lib/softhsm/libsofthsm2.so".into(),
    ];
    candidates.into_iter().filter(|c| !c.is_empty()).map(PathBuf::from).find(|p| p.exists())
}

#[test]
fn pkcs11_token_wraps_rotates_and_retires_master_keys() {
    let required = std::env::var("CUSTOS_REQUIRE_HSM").is_ok_and(|v| v == "1");
    let util_ok = Command::new("softhsm2-util").arg("--version").output().is_ok_and(|o| o.status.success());
    let Some(module) = softhsm_module().filter(|_| util_ok) else {
        assert!(!required, "CUSTOS_REQUIRE_HSM=1 but SoftHSM2 (softhsm2-util, libsofthsm2.so) is not installed");
        eprintln!("skipping: SoftHSM2 is not installed (apt-get install softhsm2)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display()),
    )
    .unwrap();
    // SAFETY: this test binary has this one test; nothing else reads the environment concurrently.
    unsafe { std::env::set_var("SOFTHSM2_CONF", &conf) };
    let out = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", "custos-test", "--pin", PIN, "--so-pin", "so-pin-0815"])
        .output()
        .unwrap();
    assert!(out.status.success(), "init token: {}", String::from_utf8_lossy(&out.stderr));

    let config =
        || Pkcs11Config { module: module.clone(), token_label: "custos-test".into(), pin: Zeroizing::new(PIN.into()) };
    assert!(!format!("{:?}", config()).contains(PIN), "the PIN never shows in Debug");
    let source = Pkcs11KeySource::open(config()).unwrap();
    assert!(!format!("{source:?}").contains(PIN));
    assert!(!source.describe().contains(PIN));

    // First load creates master key 1 and the blind-index secret in the token.
    let ring = source.load().unwrap();
    assert_eq!(ring.versions(), vec![1]);
    let dek = DataKey::generate(&OsRandom);
    let aad = field_aad("customer:1", "customer-data-key");
    let wrapped = ring.wrap_dek(&dek, &aad, &OsRandom).unwrap();
    assert_eq!(wrapped.len(), PKCS11_WRAPPED_LEN);
    let sealed = seal(&dek, 1, b"f", b"13812345678", &OsRandom);
    let back = ring.unwrap_dek(&wrapped, &aad).unwrap();
    assert_eq!(&open(&back, b"f", &sealed).unwrap()[..], b"13812345678");
    assert!(matches!(ring.unwrap_dek(&wrapped, b"other"), Err(CryptoError::Decryption)));
    let mut tampered = wrapped.clone();
    tampered[20] ^= 1;
    assert!(ring.unwrap_dek(&tampered, &aad).is_err());

    // The blind-index key is stable across loads (derived inside the token).
    let ix = ring.blind_index_key().index("email", "a@example.com");
    let again = Pkcs11KeySource::open(config()).unwrap().load().unwrap();
    assert_eq!(again.blind_index_key().index("email", "a@example.com"), ix);

    // Rotate: version 2 made in the token; old wraps still open, new wraps use 2.
    assert_eq!(source.add_version(&OsRandom).unwrap(), 2);
    let ring2 = source.load().unwrap();
    assert_eq!((ring2.versions(), ring2.current_version()), (vec![1, 2], 2));
    let rewrapped = ring2.wrap_dek(&ring2.unwrap_dek(&wrapped, &aad).unwrap(), &aad, &OsRandom).unwrap();
    assert_eq!(&rewrapped[1..5], &2u32.to_be_bytes());
    assert!(matches!(ring.unwrap_dek(&rewrapped, &aad), Err(CryptoError::UnknownKeyVersion(2))));

    // Retire 1: it is destroyed in the token; what it wrapped cannot be opened any more.
    assert!(source.retire_versions(&[2], &OsRandom).is_err(), "the current version is never retired");
    source.retire_versions(&[1], &OsRandom).unwrap();
    let ring3 = source.load().unwrap();
    assert_eq!(ring3.versions(), vec![2]);
    assert!(matches!(ring3.unwrap_dek(&wrapped, &aad), Err(CryptoError::UnknownKeyVersion(1))));
    let d = ring3.unwrap_dek(&rewrapped, &aad).unwrap();
    assert_eq!(&open(&d, b"f", &sealed).unwrap()[..], b"13812345678");
}
