//! Envelope encryption with XChaCha20-Poly1305: a master key (KEK) wraps data keys (DEKs),
//! and a data key seals field values. It never does IO, never exposes raw key bytes, and
//! never returns plaintext from data that fails authentication.
//!
//! Nonces are 192 bits and drawn at random for every message. At that size random nonces
//! are safe for any practical number of messages under one key (the chance of a repeat
//! after 2^64 messages is about 2^-65), so no nonce counter or state is ever needed.
//!
//! Sealed field layout (all integers big-endian):
//!
//! ```text
//! 0x01 | key_version: u32 | nonce: 24 bytes | ciphertext | tag: 16 bytes
//! ```
//!
//! Wrapped data key layout (77 bytes):
//!
//! ```text
//! 0x02 | master_key_version: u32 | nonce: 24 bytes | encrypted DEK: 32 bytes | tag: 16 bytes
//! ```
//!
//! In both, the AEAD associated data is the 5-byte header (format byte and version)
//! followed by the caller's associated data, so changing the format byte, the version or
//! the context (for a field: [`field_aad`]) makes decryption fail. The distinct format
//! bytes keep a wrapped key from ever being accepted as a sealed field and vice versa.

use std::fmt;

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{Key, Tag, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::rng::random_key;
use crate::{CryptoError, SecureRandom};

/// Length of every symmetric key in this crate.
pub const KEY_LEN: usize = 32;
/// XChaCha20-Poly1305 nonce length.
pub const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
pub const TAG_LEN: usize = 16;
/// Format byte of sealed field values.
pub const SEALED_FORMAT_V1: u8 = 0x01;
/// Format byte of wrapped data keys.
pub const WRAPPED_FORMAT_V1: u8 = 0x02;
const HEADER_LEN: usize = 1 + 4;
/// Bytes that [`seal`] adds to the plaintext length.
pub const SEALED_OVERHEAD: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;
/// Length of a wrapped data key.
pub const WRAPPED_LEN: usize = HEADER_LEN + NONCE_LEN + KEY_LEN + TAG_LEN;

/// A master key (key-encryption key): 32 bytes with a version. Wiped on drop; `Debug`
/// shows only the version.
#[derive(Clone)]
pub struct MasterKey {
    version: u32,
    key: Zeroizing<[u8; KEY_LEN]>,
}

/// A data key (data-encryption key) for one customer's fields: 32 bytes, wiped on drop,
/// never shown by `Debug`. Stored only wrapped by a [`MasterKey`].
#[derive(Clone)]
pub struct DataKey {
    key: Zeroizing<[u8; KEY_LEN]>,
}

/// Marker: the key bytes are wiped when a `MasterKey` is dropped.
impl zeroize::ZeroizeOnDrop for MasterKey {}
/// Marker: the key bytes are wiped when a `DataKey` is dropped.
impl zeroize::ZeroizeOnDrop for DataKey {}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey(version={}, **redacted**)", self.version)
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(**redacted**)")
    }
}

impl MasterKey {
    /// A master key from its bytes (e.g. read from a key provider).
    pub fn from_bytes(version: u32, bytes: [u8; KEY_LEN]) -> Self {
        let mut bytes = bytes;
        let key = Zeroizing::new(bytes);
        zeroize::Zeroize::zeroize(&mut bytes);
        Self { version, key }
    }

    pub(crate) fn from_zeroizing(version: u32, key: Zeroizing<[u8; KEY_LEN]>) -> Self {
        Self { version, key }
    }

    /// A fresh random master key.
    pub fn generate(version: u32, rng: &dyn SecureRandom) -> Self {
        Self { version, key: random_key(rng) }
    }

    /// This key's version.
    pub fn version(&self) -> u32 {
        self.version
    }

    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// Encrypt `dek` under this master key. `aad` binds the wrapped key to its context
    /// (e.g. the customer id); the same `aad` must be given to [`MasterKey::unwrap`].
    /// Output: [`WRAPPED_LEN`] bytes, see the module documentation.
    pub fn wrap(&self, dek: &DataKey, aad: &[u8], rng: &dyn SecureRandom) -> Vec<u8> {
        seal_raw(&self.key, WRAPPED_FORMAT_V1, self.version, aad, dek.key.as_slice(), rng)
    }

    /// Decrypt a wrapped data key. Fails if it was wrapped by another master key version,
    /// with other `aad`, or was modified in any way.
    pub fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, CryptoError> {
        let found = wrapped_key_version(wrapped)?;
        if found != self.version {
            return Err(CryptoError::KeyVersionMismatch { expected: self.version, found });
        }
        let plain = open_raw(&self.key, WRAPPED_FORMAT_V1, aad, wrapped)?;
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        if plain.len() != KEY_LEN {
            return Err(CryptoError::Malformed("wrapped key has the wrong length"));
        }
        key.copy_from_slice(&plain);
        Ok(DataKey { key })
    }
}

impl DataKey {
    /// A fresh random data key.
    pub fn generate(rng: &dyn SecureRandom) -> Self {
        Self { key: random_key(rng) }
    }

    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    pub(crate) fn from_zeroizing(key: Zeroizing<[u8; KEY_LEN]>) -> Self {
        Self { key }
    }

    /// A data key from its bytes. Normally data keys only come from [`DataKey::generate`]
    /// and [`MasterKey::unwrap`]; this exists for tests and migrations.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        let mut bytes = bytes;
        let key = Zeroizing::new(bytes);
        zeroize::Zeroize::zeroize(&mut bytes);
        Self { key }
    }
}

fn cipher(key: &[u8; KEY_LEN]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(Key::from_slice(key))
}

fn header(format: u8, version: u32) -> [u8; HEADER_LEN] {
    let v = version.to_be_bytes();
    [format, v[0], v[1], v[2], v[3]]
}

fn full_aad(header: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut full = Vec::with_capacity(header.len() + aad.len());
    full.extend_from_slice(header);
    full.extend_from_slice(aad);
    full
}

fn seal_raw(
    key: &[u8; KEY_LEN],
    format: u8,
    version: u32,
    aad: &[u8],
    plaintext: &[u8],
    rng: &dyn SecureRandom,
) -> Vec<u8> {
    let head = header(format, version);
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce);
    // Exact capacity: the buffer never reallocates, so no stray copy of the plaintext
    // is left in freed memory before it is encrypted in place.
    let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(&head);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let start = HEADER_LEN + NONCE_LEN;
    let tag = match cipher(key).encrypt_in_place_detached(
        XNonce::from_slice(&nonce),
        &full_aad(&head, aad),
        &mut out[start..],
    ) {
        Ok(tag) => tag,
        // The only failure is a plaintext above the cipher's limit (about 256 GiB).
        Err(_) => panic!("plaintext too long for XChaCha20-Poly1305 (limit about 256 GiB)"),
    };
    out.extend_from_slice(&tag);
    out
}

/// The parts of sealed or wrapped bytes.
struct Parts<'a> {
    version: u32,
    nonce: &'a [u8],
    ct: &'a [u8],
    tag: &'a [u8],
}

fn split(sealed: &[u8], expected_format: u8) -> Result<Parts<'_>, CryptoError> {
    let Some((&format, rest)) = sealed.split_first() else {
        return Err(CryptoError::Malformed("empty input"));
    };
    if format != expected_format {
        return Err(CryptoError::UnknownFormat(format));
    }
    if sealed.len() < SEALED_OVERHEAD {
        return Err(CryptoError::Malformed("input shorter than header, nonce and tag"));
    }
    let (version, rest) = rest.split_at(4);
    let version = u32::from_be_bytes([version[0], version[1], version[2], version[3]]);
    let (nonce, rest) = rest.split_at(NONCE_LEN);
    let (ct, tag) = rest.split_at(rest.len() - TAG_LEN);
    Ok(Parts { version, nonce, ct, tag })
}

fn open_raw(key: &[u8; KEY_LEN], format: u8, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let Parts { version, nonce, ct, tag } = split(sealed, format)?;
    let mut buf = Zeroizing::new(ct.to_vec());
    // Poly1305 is checked before decrypting, so on failure `buf` holds only ciphertext.
    cipher(key)
        .decrypt_in_place_detached(
            XNonce::from_slice(nonce),
            &full_aad(&header(format, version), aad),
            buf.as_mut_slice(),
            Tag::from_slice(tag),
        )
        .map_err(|_| CryptoError::Decryption)?;
    Ok(buf)
}

/// Encrypt one value under `key`. `key_version` identifies the data key (e.g. its
/// generation, for re-encryption after a DEK change) and is stored in clear but
/// authenticated. `aad` binds the value to its place, normally [`field_aad`].
///
/// # Panics
///
/// Only if `plaintext` exceeds the XChaCha20-Poly1305 limit of about 256 GiB.
pub fn seal(key: &DataKey, key_version: u32, aad: &[u8], plaintext: &[u8], rng: &dyn SecureRandom) -> Vec<u8> {
    seal_raw(&key.key, SEALED_FORMAT_V1, key_version, aad, plaintext, rng)
}

/// Decrypt a value made by [`seal`]. Fails on a wrong key, other `aad`, or any change to
/// the sealed bytes (header included). The plaintext is wiped when dropped.
pub fn open(key: &DataKey, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    open_raw(&key.key, SEALED_FORMAT_V1, aad, sealed)
}

/// The key version recorded in a sealed value (not authenticated until [`open`]).
pub fn sealed_key_version(sealed: &[u8]) -> Result<u32, CryptoError> {
    split(sealed, SEALED_FORMAT_V1).map(|p| p.version)
}

/// The master key version recorded in a wrapped data key (not authenticated until
/// [`MasterKey::unwrap`]): tells which master key to unwrap it with.
pub fn wrapped_key_version(wrapped: &[u8]) -> Result<u32, CryptoError> {
    let parts = split(wrapped, WRAPPED_FORMAT_V1)?;
    if parts.ct.len() != KEY_LEN {
        return Err(CryptoError::Malformed("wrapped key has the wrong length"));
    }
    Ok(parts.version)
}

/// Associated data for one field of one record: `len(record_id) as u64 BE || record_id ||
/// len(field) as u64 BE || field`. Length prefixes make it unambiguous: ("ab", "c") and
/// ("a", "bc") give different bytes.
pub fn field_aad(record_id: &str, field: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + record_id.len() + field.len());
    for part in [record_id, field] {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests;
