//! Unit tests of `keyfile`: they only create files inside temporary directories and never use real keys.

use super::*;
use crate::SeededRandom;
use std::os::unix::fs::PermissionsExt;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

fn same(a: &KeyMaterial, b: &KeyMaterial) -> bool {
    a.to_text() == b.to_text()
}

#[test]
fn create_then_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys");
    let rng = SeededRandom::from_u64(40);
    let created = create_key_file(&path, &rng).unwrap();
    assert_eq!(mode(&path), 0o600);
    let loaded = load_key_file(&path).unwrap();
    assert!(same(&created, &loaded));
    assert!(leftovers(dir.path()).is_empty());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("custos-keys v1\nmaster 1 "));
}

#[test]
fn create_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys");
    let rng = SeededRandom::from_u64(41);
    let first = create_key_file(&path, &rng).unwrap();
    assert!(matches!(create_key_file(&path, &rng), Err(CryptoError::KeyFileExists { .. })));
    assert!(same(&first, &load_key_file(&path).unwrap()));
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn load_refuses_group_or_world_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys");
    let rng = SeededRandom::from_u64(42);
    create_key_file(&path, &rng).unwrap();
    for bad in [0o644, 0o640, 0o604, 0o660, 0o700 | 0o001] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(bad)).unwrap();
        let err = load_key_file(&path).unwrap_err();
        assert!(matches!(err, CryptoError::InsecureKeyFilePermissions { mode, .. } if mode == bad), "{err}");
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert!(load_key_file(&path).is_ok());
}

#[test]
fn load_or_create_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys");
    let rng = SeededRandom::from_u64(43);
    let a = load_or_create_key_file(&path, &rng).unwrap();
    let b = load_or_create_key_file(&path, &rng).unwrap();
    assert!(same(&a, &b));
}

#[test]
fn load_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    assert!(matches!(
        load_key_file(&missing),
        Err(CryptoError::Io { source, .. }) if source.kind() == ErrorKind::NotFound
    ));
    assert!(matches!(
        load_key_file(dir.path()),
        Err(CryptoError::KeyFileInvalid { .. }) | Err(CryptoError::InsecureKeyFilePermissions { .. })
    ));
    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, "custos-keys v1\nmaster 1 zz\n").unwrap();
    std::fs::set_permissions(&garbage, std::fs::Permissions::from_mode(0o600)).unwrap();
    let err = load_key_file(&garbage).unwrap_err();
    assert!(matches!(err, CryptoError::KeyFileFormat { line: 2, .. }), "{err}");
    assert!(err.to_string().contains("garbage"));
    let binary = dir.path().join("binary");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(matches!(load_key_file(&binary), Err(CryptoError::KeyFileFormat { line: 0, .. })));
    // No such directory: create fails with an IO error and leaves nothing behind.
    let rng = SeededRandom::from_u64(44);
    assert!(matches!(create_key_file(&dir.path().join("no/such/dir/keys"), &rng), Err(CryptoError::Io { .. })));
}

#[test]
fn rotate_keeps_old_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys");
    let rng = SeededRandom::from_u64(45);
    let before = create_key_file(&path, &rng).unwrap();
    let after = rotate_key_file(&path, &rng).unwrap();
    assert_eq!(after.master_versions(), vec![1, 2]);
    assert_eq!(after.master(1).unwrap().expose(), before.current_master().expose());
    assert_eq!(after.blind_index_key().expose(), before.blind_index_key().expose());
    assert!(same(&after, &load_key_file(&path).unwrap()));
    assert_eq!(mode(&path), 0o600);
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn env_value_matches_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys");
    let rng = SeededRandom::from_u64(46);
    let created = create_key_file(&path, &rng).unwrap();
    let env = created.to_env_value();
    assert!(same(&created, &key_material_from_env(&env).unwrap()));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(same(&created, &key_material_from_env(&text).unwrap()));
    let err = key_material_from_env("bm9wZQ==").unwrap_err();
    assert!(matches!(err, CryptoError::KeyFormat { .. }), "{err}");
}
