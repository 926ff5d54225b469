//! The one error type of this crate. Messages name what went wrong and where (a path,
//! a line number, a key version); they never contain key material, plaintext or the
//! content of a key file line.

use std::path::PathBuf;

/// Every failure of `custos-crypto`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// Sealed or wrapped data is too short or otherwise not in the expected layout.
    #[error("encrypted data is malformed: {0}")]
    Malformed(&'static str),
    /// The leading format byte of sealed or wrapped data is not one this version knows.
    #[error("encrypted data has unknown format byte {0:#04x}")]
    UnknownFormat(u8),
    /// Authentication failed: wrong key, wrong associated data, or tampered data.
    #[error("decryption failed: wrong key, wrong associated data, or tampered data")]
    Decryption,
    /// A wrapped data key names a master key version other than the key asked to unwrap it.
    #[error("wrapped data key was made with master key version {found}, not {expected}")]
    KeyVersionMismatch {
        /// The version of the master key used.
        expected: u32,
        /// The version recorded in the wrapped key.
        found: u32,
    },
    /// No master key with this version is in the key ring.
    #[error("no master key with version {0} in the key ring")]
    UnknownKeyVersion(u32),
    /// Key material is invalid (duplicate versions, version overflow, ...).
    #[error("invalid key material: {0}")]
    InvalidKeyMaterial(&'static str),
    /// A stored password hash cannot be parsed or uses an unsupported algorithm/parameters.
    #[error("password hash is malformed or unsupported: {0}")]
    MalformedPasswordHash(&'static str),
    /// Password hashing itself failed (should not happen with the fixed parameters).
    #[error("password hashing failed")]
    PasswordHashing,
    /// Key text (key file content or environment value) does not parse.
    #[error("invalid key text at line {line}: {reason}")]
    KeyFormat {
        /// 1-based line number (0 when the whole text is at fault).
        line: usize,
        /// What is wrong; never the line's content.
        reason: &'static str,
    },
    /// A key file does not parse.
    #[error("invalid key file {path}: line {line}: {reason}")]
    KeyFileFormat {
        /// The key file.
        path: PathBuf,
        /// 1-based line number (0 when the whole file is at fault).
        line: usize,
        /// What is wrong; never the line's content.
        reason: &'static str,
    },
    /// Refused to create a key file because one already exists.
    #[error("key file {path} already exists; refusing to overwrite it")]
    KeyFileExists {
        /// The key file.
        path: PathBuf,
    },
    /// Refused to load a key file that group or others may access.
    #[error(
        "key file {path} has mode {mode:04o}: it must not be accessible by group or others (run: chmod 600 {path})"
    )]
    InsecureKeyFilePermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file path is not a regular file, or is unreasonably large.
    #[error("key file {path}: {reason}")]
    KeyFileInvalid {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// The key provider cannot do this (e.g. rotate a key given in the environment).
    #[error("{0}")]
    Unsupported(&'static str),
    /// A hardware token (PKCS#11) failed; the text names the step, never a PIN or key.
    #[error("PKCS#11: {0}")]
    Token(String),
    /// An IO error while reading or writing a key file.
    #[error("I/O error on key file {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl CryptoError {
    /// Attach a key file path to a [`CryptoError::KeyFormat`] error.
    pub(crate) fn in_file(self, path: &std::path::Path) -> Self {
        match self {
            CryptoError::KeyFormat { line, reason } => {
                CryptoError::KeyFileFormat { path: path.to_path_buf(), line, reason }
            }
            other => other,
        }
    }
}
