//! Key providers: the key file of a data directory and the environment variable form.
//! This is the only module of the crate that does IO. It never overwrites an existing key
//! file except through an atomic [`rotate_key_file`], never loads a key file that group or
//! others can access, and never puts key material into errors or logs.
//!
//! The file holds the text form documented in [`crate::KeyMaterial`]'s module:
//!
//! ```text
//! # Custos key file: secret. Keep mode 0600 and back it up apart from the database.
//! custos-keys v1
//! master 1 <64 hex digits>
//! blind-index <64 hex digits>
//! ```
//!
//! Files are written to a temporary file in the same directory (created with mode 0600,
//! written, fsynced), then hard-linked into place (which fails if the target exists, so a
//! new key file never replaces an old one) or, for rotation, renamed over it; finally the
//! directory is fsynced. A crash never leaves a half-written key file behind.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::{CryptoError, KeyMaterial, SecureRandom};

/// Key files larger than this are refused without being read.
const MAX_KEY_FILE_LEN: u64 = 64 * 1024;

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CryptoError + '_ {
    move |source| CryptoError::Io { path: path.to_path_buf(), source }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn sync_dir(dir: &Path) -> Result<(), CryptoError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))
}

fn secret_file_options() -> OpenOptions {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts
}

/// Write `text` to a new temporary file beside `path`; returns the temporary path.
fn write_temp(path: &Path, text: &str, rng: &dyn SecureRandom) -> Result<PathBuf, CryptoError> {
    let mut suffix = [0u8; 8];
    rng.fill(&mut suffix);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "keys".to_owned());
    let tmp = parent_dir(path).join(format!(".{name}.tmp-{}", hex::encode(suffix)));
    let result = secret_file_options()
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })
        .map_err(io_err(&tmp));
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Write `keys` to a new key file at `path` (mode 0600). Refuses to overwrite an existing
/// file ([`CryptoError::KeyFileExists`]). The parent directory must exist.
pub fn write_new_key_file(path: &Path, keys: &KeyMaterial, rng: &dyn SecureRandom) -> Result<(), CryptoError> {
    if path.symlink_metadata().is_ok() {
        return Err(CryptoError::KeyFileExists { path: path.to_path_buf() });
    }
    let tmp = write_temp(path, &keys.to_text(), rng)?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => sync_dir(parent_dir(path)),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(CryptoError::KeyFileExists { path: path.to_path_buf() }),
        Err(e) => Err(io_err(path)(e)),
    }
}

/// Generate fresh key material and write it to a new key file at `path` (mode 0600).
/// Refuses to overwrite an existing file.
pub fn create_key_file(path: &Path, rng: &dyn SecureRandom) -> Result<KeyMaterial, CryptoError> {
    let keys = KeyMaterial::generate(rng);
    write_new_key_file(path, &keys, rng)?;
    Ok(keys)
}

/// Read a key file. Refuses anything but a regular file, a file that group or others may
/// access (`mode & 0o077 != 0`), and files over 64 KiB.
pub fn load_key_file(path: &Path) -> Result<KeyMaterial, CryptoError> {
    let file = File::open(path).map_err(io_err(path))?;
    let meta = file.metadata().map_err(io_err(path))?;
    if !meta.is_file() {
        return Err(CryptoError::KeyFileInvalid { path: path.to_path_buf(), reason: "not a regular file" });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(CryptoError::InsecureKeyFilePermissions { path: path.to_path_buf(), mode });
        }
    }
    if meta.len() > MAX_KEY_FILE_LEN {
        return Err(CryptoError::KeyFileInvalid {
            path: path.to_path_buf(),
            reason: "larger than 64 KiB; not a key file",
        });
    }
    // Reserve the whole size up front so the buffer does not reallocate and leave
    // unwiped copies of the keys behind.
    let capacity = usize::try_from(meta.len()).unwrap_or(0) + 1;
    let mut text = Zeroizing::new(String::with_capacity(capacity));
    file.take(MAX_KEY_FILE_LEN).read_to_string(&mut text).map_err(|e| {
        if e.kind() == ErrorKind::InvalidData {
            CryptoError::KeyFileFormat { path: path.to_path_buf(), line: 0, reason: "not UTF-8 text" }
        } else {
            io_err(path)(e)
        }
    })?;
    KeyMaterial::from_text(&text).map_err(|e| e.in_file(path))
}

/// Load the key file at `path`, or create it with fresh keys if it does not exist.
pub fn load_or_create_key_file(path: &Path, rng: &dyn SecureRandom) -> Result<KeyMaterial, CryptoError> {
    match load_key_file(path) {
        Err(CryptoError::Io { source, .. }) if source.kind() == ErrorKind::NotFound => {
            match create_key_file(path, rng) {
                // Someone else created it between our two steps: use theirs.
                Err(CryptoError::KeyFileExists { .. }) => load_key_file(path),
                other => other,
            }
        }
        other => other,
    }
}

/// Add a new master key version to the key file at `path` (atomically replacing it) and
/// return the new key ring. Old versions stay in the file until every data key has been
/// rewrapped (see [`KeyMaterial::rewrap_data_key`]). Callers must not rotate the same
/// file from two processes at once (the last rename would win).
pub fn rotate_key_file(path: &Path, rng: &dyn SecureRandom) -> Result<KeyMaterial, CryptoError> {
    let mut keys = load_key_file(path)?;
    keys.rotate(rng)?;
    let tmp = write_temp(path, &keys.to_text(), rng)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(path)(e));
    }
    sync_dir(parent_dir(path))?;
    Ok(keys)
}

/// Remove the given master versions from the key file at `path` (atomically replacing it)
/// and return the new key ring. The current version is never removed. Callers make sure no
/// wrapped data key still names a removed version.
pub fn retire_key_file_versions(
    path: &Path,
    versions: &[u32],
    rng: &dyn SecureRandom,
) -> Result<KeyMaterial, CryptoError> {
    let mut keys = load_key_file(path)?;
    for v in versions {
        keys.remove_version(*v)?;
    }
    let tmp = write_temp(path, &keys.to_text(), rng)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(path)(e));
    }
    sync_dir(parent_dir(path))?;
    Ok(keys)
}

/// Key material from an environment variable's value: standard base64 of the key file
/// text (as made by [`KeyMaterial::to_env_value`]; padding optional, whitespace ignored),
/// or the key file text itself.
pub fn key_material_from_env(var_value: &str) -> Result<KeyMaterial, CryptoError> {
    KeyMaterial::from_env_value(var_value)
}

#[cfg(test)]
mod tests;
