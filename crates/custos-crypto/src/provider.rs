//! Key providers behind one interface: a [`KeyRing`] wraps and unwraps data keys with the
//! master key (KEK) versions it holds and gives the blind-index key; a [`KeySource`] loads a
//! ring (again, after another process rotated it), adds a master version and retires unused
//! ones. Implementations: the key file ([`KeyFileSource`]), an environment value
//! ([`EnvKeySource`]) and a PKCS#11 token (`crate::pkcs11`). It never puts key material
//! into errors, logs or `Debug` output.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::{BlindIndexKey, CryptoError, DataKey, KeyMaterial, SecureRandom, keyfile};

/// Master keys in use: wraps data keys with the current version, unwraps with any version it
/// holds. The KEK may live in memory ([`KeyMaterial`]) or never leave a token (PKCS#11).
pub trait KeyRing: Send + Sync + fmt::Debug {
    /// The version new data keys are wrapped with.
    fn current_version(&self) -> u32;
    /// Every master version this ring can unwrap with, ascending.
    fn versions(&self) -> Vec<u32>;
    /// Wrap a data key with the current master version; `aad` binds it to its owner.
    fn wrap_dek(&self, dek: &DataKey, aad: &[u8], rng: &dyn SecureRandom) -> Result<Vec<u8>, CryptoError>;
    /// Unwrap a data key made by [`KeyRing::wrap_dek`] of this or an older version.
    /// [`CryptoError::UnknownKeyVersion`] when the ring lacks the version (reload and retry).
    fn unwrap_dek(&self, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, CryptoError>;
    /// The blind-index root key (the same across master versions).
    fn blind_index_key(&self) -> &BlindIndexKey;
}

impl KeyRing for KeyMaterial {
    fn current_version(&self) -> u32 {
        self.current_master().version()
    }
    fn versions(&self) -> Vec<u32> {
        self.master_versions()
    }
    fn wrap_dek(&self, dek: &DataKey, aad: &[u8], rng: &dyn SecureRandom) -> Result<Vec<u8>, CryptoError> {
        Ok(self.wrap_data_key(dek, aad, rng))
    }
    fn unwrap_dek(&self, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, CryptoError> {
        self.unwrap_data_key(wrapped, aad)
    }
    fn blind_index_key(&self) -> &BlindIndexKey {
        KeyMaterial::blind_index_key(self)
    }
}

/// Where master keys come from. `load` may be called again at any time (a server reloads
/// when it meets a master version it does not know, after `custos keys rotate`).
pub trait KeySource: Send + Sync + fmt::Debug {
    /// The current key ring.
    fn load(&self) -> Result<Arc<dyn KeyRing>, CryptoError>;
    /// Add master version current + 1 and make it current; returns the new version.
    fn add_version(&self, rng: &dyn SecureRandom) -> Result<u32, CryptoError>;
    /// Remove these (non-current) master versions for good.
    fn retire_versions(&self, versions: &[u32], rng: &dyn SecureRandom) -> Result<(), CryptoError>;
    /// A one-line description for status output (a path or a token label; never a secret).
    fn describe(&self) -> String;
}

/// The key file of a data directory (see [`crate::keyfile`]).
#[derive(Debug, Clone)]
pub struct KeyFileSource {
    path: PathBuf,
}

impl KeyFileSource {
    /// A source reading `path` (which must exist; see [`keyfile::load_or_create_key_file`]).
    pub fn new(path: &Path) -> Self {
        Self { path: path.to_path_buf() }
    }

    /// The key file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl KeySource for KeyFileSource {
    fn load(&self) -> Result<Arc<dyn KeyRing>, CryptoError> {
        Ok(Arc::new(keyfile::load_key_file(&self.path)?))
    }
    fn add_version(&self, rng: &dyn SecureRandom) -> Result<u32, CryptoError> {
        Ok(keyfile::rotate_key_file(&self.path, rng)?.current_master().version())
    }
    fn retire_versions(&self, versions: &[u32], rng: &dyn SecureRandom) -> Result<(), CryptoError> {
        keyfile::retire_key_file_versions(&self.path, versions, rng).map(|_| ())
    }
    fn describe(&self) -> String {
        format!("key file {}", self.path.display())
    }
}

/// Key text from an environment variable (`CUSTOS_MASTER_KEY`). It cannot be rotated by
/// Custos: the operator replaces the variable's value everywhere.
pub struct EnvKeySource {
    value: Zeroizing<String>,
}

impl fmt::Debug for EnvKeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnvKeySource(**redacted**)")
    }
}

impl EnvKeySource {
    /// A source for this variable value (parsed at each `load`).
    pub fn new(value: Zeroizing<String>) -> Self {
        Self { value }
    }
}

impl KeySource for EnvKeySource {
    fn load(&self) -> Result<Arc<dyn KeyRing>, CryptoError> {
        Ok(Arc::new(keyfile::key_material_from_env(&self.value)?))
    }
    fn add_version(&self, _rng: &dyn SecureRandom) -> Result<u32, CryptoError> {
        Err(CryptoError::Unsupported(
            "a master key given in CUSTOS_MASTER_KEY cannot be rotated by custos: use a key file or PKCS#11",
        ))
    }
    fn retire_versions(&self, _versions: &[u32], _rng: &dyn SecureRandom) -> Result<(), CryptoError> {
        Err(CryptoError::Unsupported(
            "a master key given in CUSTOS_MASTER_KEY cannot be changed by custos: edit the variable",
        ))
    }
    fn describe(&self) -> String {
        "environment variable CUSTOS_MASTER_KEY".into()
    }
}

/// A fixed, in-memory ring (tests and benchmarks): cannot rotate.
#[derive(Debug, Clone)]
pub struct StaticKeySource(pub Arc<KeyMaterial>);

impl KeySource for StaticKeySource {
    fn load(&self) -> Result<Arc<dyn KeyRing>, CryptoError> {
        Ok(self.0.clone())
    }
    fn add_version(&self, _rng: &dyn SecureRandom) -> Result<u32, CryptoError> {
        Err(CryptoError::Unsupported("in-memory keys cannot be rotated"))
    }
    fn retire_versions(&self, _versions: &[u32], _rng: &dyn SecureRandom) -> Result<(), CryptoError> {
        Err(CryptoError::Unsupported("in-memory keys cannot be changed"))
    }
    fn describe(&self) -> String {
        "in-memory keys".into()
    }
}
