//! The key ring: every master key version (the highest is current) and the blind-index
//! root key, plus its text form (used by key files and the environment provider). It never
//! does IO; key providers live in [`crate::keyfile`].
//!
//! Text form (UTF-8, one item per line, `#` comments and blank lines ignored):
//!
//! ```text
//! # Custos key file: secret. Keep mode 0600 and back it up apart from the database.
//! custos-keys v1
//! master 1 <64 hex digits>
//! master 2 <64 hex digits>
//! blind-index <64 hex digits>
//! ```
//!
//! The `custos-keys v1` header comes first; at least one `master` line (distinct versions,
//! any order) and exactly one `blind-index` line follow. Parse errors give the line number
//! and a reason, never the line's content.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use zeroize::Zeroizing;

use crate::hexutil::{decode_key, push_hex};
use crate::{BlindIndexKey, CryptoError, DataKey, MasterKey, SecureRandom, wrapped_key_version};

const HEADER: &str = "custos-keys v1";
const COMMENT: &str = "# Custos key file: secret. Keep mode 0600 and back it up apart from the database.";

const ENV_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// All keys of one Custos data directory.
#[derive(Clone)]
pub struct KeyMaterial {
    current: MasterKey,
    previous: BTreeMap<u32, MasterKey>,
    blind_index: BlindIndexKey,
}

/// Marker: every key in the ring is wiped on drop.
impl zeroize::ZeroizeOnDrop for KeyMaterial {}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("master_versions", &self.master_versions())
            .field("current_master_version", &self.current.version())
            .field("blind_index_key", &"**redacted**")
            .finish()
    }
}

fn fmt_err(line: usize, reason: &'static str) -> CryptoError {
    CryptoError::KeyFormat { line, reason }
}

impl KeyMaterial {
    /// A key ring from its parts. The master key with the highest version becomes
    /// current. Fails on an empty list or duplicate versions.
    pub fn new(masters: Vec<MasterKey>, blind_index_key: BlindIndexKey) -> Result<Self, CryptoError> {
        let mut by_version = BTreeMap::new();
        for m in masters {
            let v = m.version();
            if by_version.insert(v, m).is_some() {
                return Err(CryptoError::InvalidKeyMaterial("duplicate master key version"));
            }
        }
        let Some((_, current)) = by_version.pop_last() else {
            return Err(CryptoError::InvalidKeyMaterial("no master key"));
        };
        Ok(Self { current, previous: by_version, blind_index: blind_index_key })
    }

    /// Fresh random keys: master key version 1 and a blind-index root key.
    pub fn generate(rng: &dyn SecureRandom) -> Self {
        Self {
            current: MasterKey::generate(1, rng),
            previous: BTreeMap::new(),
            blind_index: BlindIndexKey::generate(rng),
        }
    }

    /// The master key new data keys are wrapped with (highest version).
    pub fn current_master(&self) -> &MasterKey {
        &self.current
    }

    /// The master key with this version, if the ring has it.
    pub fn master(&self, version: u32) -> Option<&MasterKey> {
        if version == self.current.version() { Some(&self.current) } else { self.previous.get(&version) }
    }

    /// All master key versions, ascending.
    pub fn master_versions(&self) -> Vec<u32> {
        self.previous.keys().copied().chain(std::iter::once(self.current.version())).collect()
    }

    /// The blind-index root key.
    pub fn blind_index_key(&self) -> &BlindIndexKey {
        &self.blind_index
    }

    /// Add a new random master key with version current + 1 and make it current (older
    /// versions stay, to unwrap data keys not yet rewrapped). Returns the new version.
    pub fn rotate(&mut self, rng: &dyn SecureRandom) -> Result<u32, CryptoError> {
        let v = self
            .current
            .version()
            .checked_add(1)
            .ok_or(CryptoError::InvalidKeyMaterial("master key version overflow"))?;
        let old = std::mem::replace(&mut self.current, MasterKey::generate(v, rng));
        self.previous.insert(old.version(), old);
        Ok(v)
    }

    /// Remove a non-current master version (wiped on drop). Fails for the current version;
    /// removing a version the ring does not have is a no-op.
    pub fn remove_version(&mut self, version: u32) -> Result<(), CryptoError> {
        if version == self.current.version() {
            return Err(CryptoError::InvalidKeyMaterial("the current master key version cannot be removed"));
        }
        self.previous.remove(&version);
        Ok(())
    }

    /// Wrap a data key with the current master key.
    pub fn wrap_data_key(&self, dek: &DataKey, aad: &[u8], rng: &dyn SecureRandom) -> Vec<u8> {
        self.current.wrap(dek, aad, rng)
    }

    /// Unwrap a data key with whichever master key version wrapped it.
    pub fn unwrap_data_key(&self, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, CryptoError> {
        let v = wrapped_key_version(wrapped)?;
        self.master(v).ok_or(CryptoError::UnknownKeyVersion(v))?.unwrap(wrapped, aad)
    }

    /// True when `wrapped` is not wrapped by the current master key (rotation pending).
    pub fn needs_rewrap(&self, wrapped: &[u8]) -> Result<bool, CryptoError> {
        Ok(wrapped_key_version(wrapped)? != self.current.version())
    }

    /// Unwrap with the old master key and wrap again with the current one.
    pub fn rewrap_data_key(&self, wrapped: &[u8], aad: &[u8], rng: &dyn SecureRandom) -> Result<Vec<u8>, CryptoError> {
        let dek = self.unwrap_data_key(wrapped, aad)?;
        Ok(self.wrap_data_key(&dek, aad, rng))
    }

    /// The text form (see the module documentation), wiped on drop.
    pub fn to_text(&self) -> Zeroizing<String> {
        let masters = self.previous.len() + 1;
        let mut out = Zeroizing::new(String::with_capacity(
            COMMENT.len() + HEADER.len() + masters * (8 + 11 + 64 + 1) + 13 + 64 + 8,
        ));
        out.push_str(COMMENT);
        out.push('\n');
        out.push_str(HEADER);
        out.push('\n');
        for m in self.previous.values().chain(std::iter::once(&self.current)) {
            out.push_str("master ");
            out.push_str(&m.version().to_string());
            out.push(' ');
            push_hex(&mut out, m.expose());
            out.push('\n');
        }
        out.push_str("blind-index ");
        push_hex(&mut out, self.blind_index.expose());
        out.push('\n');
        out
    }

    /// Parse the text form.
    pub fn from_text(text: &str) -> Result<Self, CryptoError> {
        let mut seen_header = false;
        let mut masters: Vec<MasterKey> = Vec::new();
        let mut blind: Option<BlindIndexKey> = None;
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if !seen_header {
                if line.split_whitespace().eq(HEADER.split_whitespace()) {
                    seen_header = true;
                    continue;
                }
                return Err(fmt_err(line_no, "expected the header line `custos-keys v1`"));
            }
            let mut words = line.split_whitespace();
            match (words.next(), words.next(), words.next(), words.next()) {
                (Some("master"), Some(version), Some(hex), None) => {
                    let version: u32 =
                        version.parse().map_err(|_| fmt_err(line_no, "master key version is not a number"))?;
                    if masters.iter().any(|m| m.version() == version) {
                        return Err(fmt_err(line_no, "duplicate master key version"));
                    }
                    let key = decode_key(hex).ok_or_else(|| fmt_err(line_no, "master key is not 64 hex digits"))?;
                    masters.push(MasterKey::from_zeroizing(version, key));
                }
                (Some("blind-index"), Some(hex), None, None) => {
                    if blind.is_some() {
                        return Err(fmt_err(line_no, "more than one blind-index line"));
                    }
                    let key =
                        decode_key(hex).ok_or_else(|| fmt_err(line_no, "blind-index key is not 64 hex digits"))?;
                    blind = Some(BlindIndexKey::from_zeroizing(key));
                }
                _ => {
                    return Err(fmt_err(line_no, "expected `master <version> <hex>` or `blind-index <hex>`"));
                }
            }
        }
        if !seen_header {
            return Err(fmt_err(0, "missing header line `custos-keys v1`"));
        }
        let blind = blind.ok_or_else(|| fmt_err(0, "missing blind-index line"))?;
        if masters.is_empty() {
            return Err(fmt_err(0, "missing master line"));
        }
        Self::new(masters, blind)
    }

    /// The value for an environment variable: standard base64 of the text form.
    pub fn to_env_value(&self) -> Zeroizing<String> {
        let text = self.to_text();
        let mut out = Zeroizing::new(String::with_capacity(text.len().div_ceil(3) * 4 + 4));
        ENV_B64.encode_string(text.as_bytes(), &mut out);
        out
    }

    /// Parse an environment value: base64 (standard alphabet, padding optional, whitespace
    /// ignored) of the text form, or the text form itself.
    pub fn from_env_value(value: &str) -> Result<Self, CryptoError> {
        let trimmed = value.trim();
        if trimmed.starts_with('#') || trimmed.starts_with("custos-keys") {
            return Self::from_text(trimmed);
        }
        let mut compact = Zeroizing::new(String::with_capacity(trimmed.len()));
        compact.extend(trimmed.chars().filter(|c| !c.is_whitespace()));
        let mut decoded = Zeroizing::new(Vec::with_capacity(compact.len() / 4 * 3 + 3));
        ENV_B64
            .decode_vec(compact.as_bytes(), &mut decoded)
            .map_err(|_| fmt_err(0, "environment value is neither key text nor base64 of it"))?;
        let text = std::str::from_utf8(&decoded).map_err(|_| fmt_err(0, "decoded environment value is not UTF-8"))?;
        Self::from_text(text)
    }
}

#[cfg(test)]
mod tests;
