//! Tests for signed checkpoints: the Go note package's published example, round trips,
//! tampering, wrong keys and malformed input. Pure; no files are read.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use custos_audit::{AuditError, Checkpoint, CheckpointSigner, Verifier, leaf_hash, parse_checkpoint_body};

// The example key pair and signed note from golang.org/x/mod/sumdb/note (note_test.go and
// the package documentation). Ed25519 is deterministic, so signing must reproduce it.
const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_SKEY_DATA: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"; // 0x01 || seed
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n";
const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n\
                       \n\
                       \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn go_seed() -> [u8; 32] {
    let data = B64.decode(GO_SKEY_DATA).unwrap();
    assert_eq!(data[0], 1);
    data[1..].try_into().unwrap()
}

fn signer(seed_byte: u8, name: &str) -> CheckpointSigner {
    CheckpointSigner::from_seed([seed_byte; 32], name).unwrap()
}

fn checkpoint() -> Checkpoint {
    Checkpoint::new("custos.example.com/audit", 1234, leaf_hash(b"root"))
}

#[test]
fn go_note_example_matches_byte_for_byte() {
    let s = CheckpointSigner::from_seed(go_seed(), "PeterNeumann").unwrap();
    assert_eq!(s.key_id(), 0xc74f20a3);
    assert_eq!(s.verifier_key(), GO_VKEY);
    assert_eq!(s.sign_text(GO_TEXT).unwrap(), GO_NOTE);

    let v = Verifier::from_key_string(GO_VKEY).unwrap();
    assert_eq!(v.name(), "PeterNeumann");
    assert_eq!(v.key_string(), GO_VKEY);
    assert_eq!(v.verify_text(GO_NOTE).unwrap(), GO_TEXT);
    // It is a valid note but not a checkpoint.
    assert!(matches!(v.verify_note(GO_NOTE), Err(AuditError::MalformedCheckpoint(_))));
    let tampered = GO_NOTE.replace("cryptography", "cryptographY");
    assert_eq!(v.verify_text(&tampered), Err(AuditError::BadSignature));
}

#[test]
fn go_verifier_key_manglings_are_rejected() {
    // As in Go's TestNewVerifier: every proper substring and every single-byte increment.
    let b = GO_VKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i != 0 || j != b.len() {
                let k = &GO_VKEY[i..j];
                assert!(Verifier::from_key_string(k).is_err(), "{k:?} accepted");
            }
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] += 1;
        let k = String::from_utf8(m).unwrap();
        assert!(Verifier::from_key_string(&k).is_err(), "{k:?} accepted");
    }
    // Wrong-length key and unknown algorithm, with key ids adjusted by Go's test.
    assert!(
        Verifier::from_key_string("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
            .is_err()
    );
    assert!(Verifier::from_key_string("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").is_err());
}

#[test]
fn round_trip() {
    let s = signer(7, "custos.example.com/audit");
    let v = Verifier::from_key_string(&s.verifier_key()).unwrap();
    assert_eq!(v, s.verifier());
    let cp = checkpoint();
    let note = s.sign(&cp).unwrap();
    assert!(note.starts_with(&cp.body()));
    assert_eq!(v.verify_note(&note).unwrap(), cp);

    let mut with_ext = Checkpoint::new("o", 0, custos_audit::EMPTY_ROOT);
    with_ext.extensions = vec!["ext one".into(), "two".into()];
    let note = s.sign(&with_ext).unwrap();
    assert_eq!(v.verify_note(&note).unwrap(), with_ext);
}

#[test]
fn body_format() {
    let cp = Checkpoint::new("example.com/log", 0, custos_audit::EMPTY_ROOT);
    assert_eq!(cp.body(), "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    assert_eq!(parse_checkpoint_body(&cp.body()).unwrap(), cp);
}

#[test]
fn every_single_byte_change_is_rejected() {
    let s = signer(9, "custos-audit");
    let v = s.verifier();
    let note = s.sign(&checkpoint()).unwrap();
    let bytes = note.as_bytes();
    let mut tried = 0;
    for i in 0..bytes.len() {
        for repl in [bytes[i] ^ 0x01, bytes[i] ^ 0x20, b'\n', b' ', b'A', b'0', b'+'] {
            if repl == bytes[i] {
                continue;
            }
            let mut m = bytes.to_vec();
            m[i] = repl;
            // A change that is not UTF-8 cannot even be passed as &str.
            let Ok(m) = String::from_utf8(m) else {
                continue;
            };
            tried += 1;
            assert!(v.verify_note(&m).is_err(), "byte {i} -> {repl:#x} accepted:\n{m}");
        }
        // Deleting the byte, and inserting one before it.
        for m in [[&bytes[..i], &bytes[i + 1..]].concat(), [&bytes[..i], b"x", &bytes[i..]].concat()] {
            if let Ok(m) = String::from_utf8(m) {
                tried += 1;
                assert!(v.verify_note(&m).is_err(), "edit at {i} accepted:\n{m}");
            }
        }
    }
    assert!(tried > bytes.len() * 3, "only {tried} mutations tried");
}

#[test]
fn wrong_key_is_rejected() {
    let cp = checkpoint();
    let note = signer(1, "log").sign(&cp).unwrap();
    // Same name, other key: the key id differs, so the note is not signed by it.
    assert_eq!(signer(2, "log").verifier().verify_note(&note), Err(AuditError::UnverifiedNote));
    // Same key, other name.
    assert_eq!(signer(1, "other").verifier().verify_note(&note), Err(AuditError::UnverifiedNote));
    // Right name and key id, forged signature.
    let good = signer(1, "log");
    let (body, _) = note.split_once("\n\n").unwrap();
    let mut blob = [0u8; 68];
    blob[..4].copy_from_slice(&good.key_id().to_be_bytes());
    let forged = format!("{body}\n\n\u{2014} log {}\n", B64.encode(blob));
    assert_eq!(good.verifier().verify_note(&forged), Err(AuditError::BadSignature));
    // A too-short signature under the right key id.
    let short = format!("{body}\n\n\u{2014} log {}\n", B64.encode(&blob[..10]));
    assert!(good.verifier().verify_note(&short).is_err());
}

#[test]
fn cosignatures_from_other_keys_are_ignored() {
    let a = signer(1, "log");
    let b = signer(2, "witness");
    let cp = checkpoint();
    let note_a = a.sign(&cp).unwrap();
    let note_b = b.sign(&cp).unwrap();
    let line_b = note_b.rsplit_once("\n\n").unwrap().1;
    let both = format!("{note_a}{line_b}");
    assert_eq!(a.verifier().verify_note(&both).unwrap(), cp);
    assert_eq!(b.verifier().verify_note(&both).unwrap(), cp);
    // The same key twice is malformed.
    let line_a = note_a.rsplit_once("\n\n").unwrap().1;
    let twice = format!("{note_a}{line_a}");
    assert!(matches!(a.verifier().verify_note(&twice), Err(AuditError::MalformedNote(_))));
    // At most 100 signature lines.
    let many = format!("{note_a}{}", line_b.repeat(100));
    assert!(matches!(a.verifier().verify_note(&many), Err(AuditError::MalformedNote(_))));
    let ok = format!("{note_a}{}", line_b.repeat(99));
    assert!(a.verifier().verify_note(&ok).is_ok());
}

#[test]
fn malformed_notes_are_rejected() {
    let s = signer(3, "log");
    let v = s.verifier();
    let note = s.sign(&checkpoint()).unwrap();
    let (body, sig_line) = note.split_once("\n\n").unwrap();
    let body = format!("{body}\n");
    let cases = [
        String::new(),
        body.clone(),                                                 // no signatures
        format!("{body}\n"),                                          // blank line, no signatures
        note.trim_end_matches('\n').to_owned(),                       // no final newline
        format!("{body}{sig_line}"),                                  // no blank line
        format!("{body}\n{}", sig_line.replacen('\u{2014}', "-", 1)), // ASCII dash
        format!("{body}\n{}", sig_line.replacen(' ', "", 1)),         // no space after dash
        format!("{body}\n{}", sig_line.replacen("log ", "log  ", 1)), // double space
        format!("{body}\n{sig_line}\n"),                              // trailing blank line
        note.replace('\n', "\r\n"),                                   // CRLF
        format!("x\u{7}{note}"),                                      // control character
        format!("{}\n{sig_line}", body.replace('\n', "\n\n")),
    ];
    for c in &cases {
        assert!(v.verify_note(c).is_err(), "accepted: {c:?}");
    }
    // Signing refuses text a verifier would misread.
    assert!(s.sign_text("no newline").is_err());
    assert!(s.sign_text("tab\there\n").is_err());
    let mut bad = checkpoint();
    bad.origin = "two\nlines".into();
    assert!(s.sign(&bad).is_err());
    bad.origin = String::new();
    assert!(s.sign(&bad).is_err());
    let mut bad = checkpoint();
    bad.extensions = vec![String::new()];
    assert!(s.sign(&bad).is_err());
}

#[test]
fn checkpoint_body_parse_errors() {
    let root = B64.encode([7u8; 32]);
    assert!(parse_checkpoint_body(&format!("o\n5\n{root}\n")).is_ok());
    let mut trailing_bits = B64.encode([7u8; 32]).into_bytes();
    trailing_bits[42] = b'x'; // last data char: sets bits that padding says are unused
    let trailing_bits = String::from_utf8(trailing_bits).unwrap();
    let bad = [
        format!("o\n5\n{root}"),     // no final newline
        format!("o\n5\n{root}\n\n"), // empty extension line
        format!("\n5\n{root}\n"),    // empty origin
        format!("o\n05\n{root}\n"),  // leading zero
        format!("o\n+5\n{root}\n"),
        format!("o\n-5\n{root}\n"),
        format!("o\n 5\n{root}\n"),
        format!("o\n\n{root}\n"),
        format!("o\n18446744073709551616\n{root}\n"),      // u64 overflow
        format!("o\n5\n{}\n", B64.encode([7u8; 31])),      // short root
        format!("o\n5\n{}\n", root.trim_end_matches('=')), // unpadded
        format!("o\n5\n{trailing_bits}\n"),
        "o\n5\n".to_owned(),
        "o\n5\n".to_owned() + &root + "\r\n",
        format!("o\t\n5\n{root}\n"),
        String::new(),
    ];
    for b in &bad {
        assert!(matches!(parse_checkpoint_body(b), Err(AuditError::MalformedCheckpoint(_))), "accepted: {b:?}");
    }
    assert_eq!(parse_checkpoint_body(&format!("o\n18446744073709551615\n{root}\n")).unwrap().size, u64::MAX);
}

#[test]
fn key_names_and_strings() {
    for name in ["", "a b", "a+b", "a\nb", "tab\t"] {
        assert!(CheckpointSigner::from_seed([1; 32], name).is_err(), "{name:?}");
    }
    let s = signer(4, "custos.example.com/audit");
    let key = s.verifier_key();
    assert!(Verifier::from_key_string(&key).is_ok());
    assert!(Verifier::from_key_string(&key.to_uppercase()).is_err());
    // Algorithm byte other than 0x01.
    let (prefix, data) = key.rsplit_once('+').unwrap();
    let mut raw = B64.decode(data).unwrap();
    raw[0] = 2;
    assert!(Verifier::from_key_string(&format!("{prefix}+{}", B64.encode(&raw))).is_err());
}

#[test]
fn signer_debug_is_redacted() {
    let seed = [0x5a; 32];
    let s = CheckpointSigner::from_seed(seed, "log").unwrap();
    let dbg = format!("{s:?}");
    assert!(dbg.contains("redacted"), "{dbg}");
    assert!(!dbg.contains("5a5a") && !dbg.contains("90, 90"), "{dbg}");
    assert!(!dbg.contains(&B64.encode(seed)[..8]), "{dbg}");
}
