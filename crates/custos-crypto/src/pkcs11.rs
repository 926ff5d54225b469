//! The PKCS#11 key provider: the master key (KEK) is an AES-256 key inside a hardware token
//! (or SoftHSM) and never leaves it. Data keys are wrapped and unwrapped by the token with
//! AES-256-GCM (C_Encrypt / C_Decrypt); the blind-index root key is derived inside the token
//! as HMAC-SHA256(token secret "custos-blind-index", "custos-blind-index-root-v1") and then
//! kept in memory like the key file's. It never logs, prints or returns the PIN, and never
//! asks the token to export a key.
//!
//! Token objects (created on first use if missing, like a key file):
//! - `custos-kek-<N>`: AES-256 secret key, one per master version N (sensitive,
//!   non-extractable, encrypt/decrypt only). Rotation adds `custos-kek-<N+1>`; retirement
//!   destroys old ones.
//! - `custos-blind-index`: 32-byte generic secret (sensitive, non-extractable, sign only).
//!
//! Wrapped data key layout (65 bytes; AAD = the 5-byte header followed by the caller's AAD):
//!
//! ```text
//! 0x03 | master_key_version: u32 | iv: 12 bytes | encrypted DEK: 32 bytes | tag: 16 bytes
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

use crate::{BlindIndexKey, CryptoError, DataKey, KEY_LEN, KeyRing, KeySource, SecureRandom};

/// Format byte of data keys wrapped by a PKCS#11 token.
pub const PKCS11_WRAPPED_FORMAT: u8 = 0x03;
const IV_LEN: usize = 12;
const TAG_BYTES: usize = 16;
const HEADER: usize = 5;
/// Length of a data key wrapped by the token.
pub const PKCS11_WRAPPED_LEN: usize = HEADER + IV_LEN + KEY_LEN + TAG_BYTES;
const KEK_PREFIX: &str = "custos-kek-";
const BLIND_LABEL: &str = "custos-blind-index";
const BLIND_INFO: &[u8] = b"custos-blind-index-root-v1";

fn tok(step: &str) -> impl FnOnce(cryptoki::error::Error) -> CryptoError + '_ {
    move |e| CryptoError::Token(format!("{step}: {e}"))
}

/// Where the token is and how to log in. The PIN is wiped on drop and never shown.
pub struct Pkcs11Config {
    /// The vendor module (e.g. `/usr/lib/softhsm/libsofthsm2.so`).
    pub module: PathBuf,
    /// The token's label.
    pub token_label: String,
    /// The user PIN.
    pub pin: Zeroizing<String>,
}

impl fmt::Debug for Pkcs11Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Config")
            .field("module", &self.module)
            .field("token_label", &self.token_label)
            .field("pin", &"**redacted**")
            .finish()
    }
}

/// A key source backed by a PKCS#11 token.
pub struct Pkcs11KeySource {
    ctx: Pkcs11,
    slot: Slot,
    token_label: String,
    pin: Zeroizing<String>,
    module: PathBuf,
}

impl fmt::Debug for Pkcs11KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11KeySource")
            .field("module", &self.module)
            .field("token_label", &self.token_label)
            .finish_non_exhaustive()
    }
}

impl Pkcs11KeySource {
    /// Loads the module and finds the token by label (the module is loaded at run time; a
    /// missing module is an error, not a crash).
    pub fn open(config: Pkcs11Config) -> Result<Self, CryptoError> {
        let ctx = Pkcs11::new(&config.module).map_err(tok("cannot load the PKCS#11 module"))?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) => {}
            Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(tok("cannot initialise the PKCS#11 module")(e)),
        }
        let slot = ctx
            .get_slots_with_initialized_token()
            .map_err(tok("cannot list token slots"))?
            .into_iter()
            .find(|s| ctx.get_token_info(*s).map(|i| i.label().trim() == config.token_label.trim()).unwrap_or(false))
            .ok_or_else(|| CryptoError::Token(format!("no initialised token labelled {:?}", config.token_label)))?;
        Ok(Self { ctx, slot, token_label: config.token_label, pin: config.pin, module: config.module })
    }

    /// The module path.
    pub fn module(&self) -> &Path {
        &self.module
    }

    fn session(&self, rw: bool) -> Result<Session, CryptoError> {
        let s = if rw { self.ctx.open_rw_session(self.slot) } else { self.ctx.open_ro_session(self.slot) }
            .map_err(tok("cannot open a token session"))?;
        let pin = AuthPin::new(self.pin.as_str().into());
        match s.login(UserType::User, Some(&pin)) {
            Ok(()) => {}
            Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::UserAlreadyLoggedIn, _)) => {}
            Err(_) => return Err(CryptoError::Token("login to the token failed (check the PIN)".into())),
        }
        Ok(s)
    }

    /// Master key versions in the token: label `custos-kek-<N>` → handle.
    fn keks(session: &Session) -> Result<BTreeMap<u32, ObjectHandle>, CryptoError> {
        let handles = session
            .find_objects(&[Attribute::Class(ObjectClass::SECRET_KEY), Attribute::KeyType(KeyType::AES)])
            .map_err(tok("cannot search the token"))?;
        let mut out = BTreeMap::new();
        for h in handles {
            let attrs = session.get_attributes(h, &[AttributeType::Label]).map_err(tok("cannot read a key label"))?;
            for a in attrs {
                if let Attribute::Label(l) = a
                    && let Ok(l) = std::str::from_utf8(&l)
                    && let Some(v) = l.strip_prefix(KEK_PREFIX).and_then(|v| v.parse::<u32>().ok())
                {
                    out.insert(v, h);
                }
            }
        }
        Ok(out)
    }

    fn find_label(session: &Session, label: &str) -> Result<Option<ObjectHandle>, CryptoError> {
        Ok(session
            .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
            .map_err(tok("cannot search the token"))?
            .into_iter()
            .next())
    }

    fn generate_kek(session: &Session, version: u32) -> Result<ObjectHandle, CryptoError> {
        session
            .generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::Class(ObjectClass::SECRET_KEY),
                    Attribute::KeyType(KeyType::AES),
                    Attribute::ValueLen(32.into()),
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::Encrypt(true),
                    Attribute::Decrypt(true),
                    Attribute::Label(format!("{KEK_PREFIX}{version}").into_bytes()),
                ],
            )
            .map_err(tok("cannot generate a master key in the token"))
    }

    /// Creates the first master key and the blind-index secret if the token has none.
    fn ensure_keys(&self) -> Result<(), CryptoError> {
        let s = self.session(true)?;
        if Self::keks(&s)?.is_empty() {
            Self::generate_kek(&s, 1)?;
        }
        if Self::find_label(&s, BLIND_LABEL)?.is_none() {
            s.generate_key(
                &Mechanism::GenericSecretKeyGen,
                &[
                    Attribute::Class(ObjectClass::SECRET_KEY),
                    Attribute::KeyType(KeyType::GENERIC_SECRET),
                    Attribute::ValueLen(32.into()),
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::Sign(true),
                    Attribute::Label(BLIND_LABEL.as_bytes().to_vec()),
                ],
            )
            .map_err(tok("cannot generate the blind-index secret in the token"))?;
        }
        Ok(())
    }
}

impl KeySource for Pkcs11KeySource {
    fn load(&self) -> Result<Arc<dyn KeyRing>, CryptoError> {
        self.ensure_keys()?;
        let session = self.session(false)?;
        let keks = Self::keks(&session)?;
        let current = *keks.keys().next_back().ok_or(CryptoError::InvalidKeyMaterial("no master key in the token"))?;
        let blind = Self::find_label(&session, BLIND_LABEL)?
            .ok_or(CryptoError::InvalidKeyMaterial("no blind-index secret in the token"))?;
        let root = Zeroizing::new(
            session
                .sign(&Mechanism::Sha256Hmac, blind, BLIND_INFO)
                .map_err(tok("cannot derive the blind-index key"))?,
        );
        let mut key = Zeroizing::new([0u8; 32]);
        if root.len() != 32 {
            return Err(CryptoError::Token("the token's HMAC has an unexpected length".into()));
        }
        key.copy_from_slice(&root);
        Ok(Arc::new(Pkcs11Ring {
            session: Mutex::new(session),
            keks,
            current,
            blind: BlindIndexKey::from_zeroizing(key),
        }))
    }

    fn add_version(&self, _rng: &dyn SecureRandom) -> Result<u32, CryptoError> {
        self.ensure_keys()?;
        let s = self.session(true)?;
        let next = Self::keks(&s)?
            .keys()
            .next_back()
            .copied()
            .unwrap_or(0)
            .checked_add(1)
            .ok_or(CryptoError::InvalidKeyMaterial("master key version overflow"))?;
        Self::generate_kek(&s, next)?;
        Ok(next)
    }

    fn retire_versions(&self, versions: &[u32], _rng: &dyn SecureRandom) -> Result<(), CryptoError> {
        let s = self.session(true)?;
        let keks = Self::keks(&s)?;
        let current = keks.keys().next_back().copied();
        for v in versions {
            if Some(*v) == current {
                return Err(CryptoError::InvalidKeyMaterial("the current master key version cannot be removed"));
            }
            if let Some(h) = keks.get(v) {
                s.destroy_object(*h).map_err(tok("cannot destroy a master key in the token"))?;
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("PKCS#11 token {:?} via {}", self.token_label, self.module.display())
    }
}

/// Master keys held by the token; operations go through one logged-in session.
struct Pkcs11Ring {
    session: Mutex<Session>,
    keks: BTreeMap<u32, ObjectHandle>,
    current: u32,
    blind: BlindIndexKey,
}

impl fmt::Debug for Pkcs11Ring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Ring").field("versions", &self.keks.keys().collect::<Vec<_>>()).finish_non_exhaustive()
    }
}

fn header(version: u32) -> [u8; HEADER] {
    let v = version.to_be_bytes();
    [PKCS11_WRAPPED_FORMAT, v[0], v[1], v[2], v[3]]
}

impl KeyRing for Pkcs11Ring {
    fn current_version(&self) -> u32 {
        self.current
    }

    fn versions(&self) -> Vec<u32> {
        self.keks.keys().copied().collect()
    }

    fn wrap_dek(&self, dek: &DataKey, aad: &[u8], rng: &dyn SecureRandom) -> Result<Vec<u8>, CryptoError> {
        let handle = *self.keks.get(&self.current).ok_or(CryptoError::UnknownKeyVersion(self.current))?;
        let head = header(self.current);
        let mut iv = [0u8; IV_LEN];
        rng.fill(&mut iv);
        let mut full = head.to_vec();
        full.extend_from_slice(aad);
        let mut iv_param = iv;
        let params = GcmParams::new(&mut iv_param, &full, 128.into()).map_err(tok("GCM parameters"))?;
        let session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let ct = session
            .encrypt(&Mechanism::AesGcm(params), handle, dek.expose())
            .map_err(tok("cannot wrap a data key in the token"))?;
        if ct.len() != KEY_LEN + TAG_BYTES {
            return Err(CryptoError::Token("the token returned a wrapped key of unexpected length".into()));
        }
        let mut out = Vec::with_capacity(PKCS11_WRAPPED_LEN);
        out.extend_from_slice(&head);
        out.extend_from_slice(&iv);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    fn unwrap_dek(&self, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, CryptoError> {
        if wrapped.len() != PKCS11_WRAPPED_LEN {
            return Err(CryptoError::Malformed("wrapped key has the wrong length"));
        }
        if wrapped[0] != PKCS11_WRAPPED_FORMAT {
            return Err(CryptoError::UnknownFormat(wrapped[0]));
        }
        let version = u32::from_be_bytes([wrapped[1], wrapped[2], wrapped[3], wrapped[4]]);
        let handle = *self.keks.get(&version).ok_or(CryptoError::UnknownKeyVersion(version))?;
        let mut iv = [0u8; IV_LEN];
        iv.copy_from_slice(&wrapped[HEADER..HEADER + IV_LEN]);
        let mut full = wrapped[..HEADER].to_vec();
        full.extend_from_slice(aad);
        let params = GcmParams::new(&mut iv, &full, 128.into()).map_err(tok("GCM parameters"))?;
        let session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let plain = Zeroizing::new(
            session
                .decrypt(&Mechanism::AesGcm(params), handle, &wrapped[HEADER + IV_LEN..])
                .map_err(|_| CryptoError::Decryption)?,
        );
        if plain.len() != KEY_LEN {
            return Err(CryptoError::Malformed("wrapped key has the wrong length"));
        }
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(&plain);
        Ok(DataKey::from_zeroizing(key))
    }

    fn blind_index_key(&self) -> &BlindIndexKey {
        &self.blind
    }
}
