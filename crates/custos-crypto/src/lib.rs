//! Custos cryptography: password hashing, bearer tokens, XChaCha20-Poly1305 envelope
//! encryption (master keys wrap per-customer data keys), blind indexes, display masking
//! and the key ring with its providers. It never does IO, except in [`keyfile`], and never
//! puts key material or plaintext into `Debug` output or error messages.
//!
//! Randomness is always a parameter ([`SecureRandom`]): [`OsRandom`] in production,
//! [`SeededRandom`] for deterministic tests and the demo only.
//!
//! ```
//! use custos_crypto::{DataKey, KeyMaterial, OsRandom, field_aad, open, seal};
//!
//! let rng = OsRandom;
//! let keys = KeyMaterial::generate(&rng); // normally keyfile::load_or_create_key_file
//! // One data key per customer, stored only wrapped by the current master key.
//! let dek = DataKey::generate(&rng);
//! let wrapped = keys.wrap_data_key(&dek, b"customer:42", &rng);
//! // Encrypt a field, bound to its record and field name.
//! let aad = field_aad("customer:42", "mobile");
//! let sealed = seal(&dek, 1, &aad, "13812345678".as_bytes(), &rng);
//! // Later: unwrap with whichever master version wrapped it, then open.
//! let dek = keys.unwrap_data_key(&wrapped, b"customer:42").unwrap();
//! assert_eq!(&open(&dek, &aad, &sealed).unwrap()[..], b"13812345678");
//! // Equality search without decrypting.
//! let ix = keys.blind_index_key().index("mobile", "13812345678");
//! assert_eq!(ix, keys.blind_index_key().index("mobile", "13812345678"));
//! ```

mod audit_key;
mod blind_index;
mod envelope;
mod error;
mod hexutil;
pub mod keyfile;
mod keyring;
pub mod mask;
pub mod password;
pub mod pkcs11;
mod provider;
mod rng;
pub mod token;
pub mod totp;

pub use audit_key::audit_signing_seed;
pub use blind_index::{BLIND_INDEX_LEN, BlindIndexKey};
pub use envelope::{
    DataKey, KEY_LEN, MasterKey, NONCE_LEN, SEALED_FORMAT_V1, SEALED_OVERHEAD, TAG_LEN, WRAPPED_FORMAT_V1, WRAPPED_LEN,
    field_aad, open, seal, sealed_key_version, wrapped_key_version,
};
pub use error::CryptoError;
pub use keyring::KeyMaterial;
pub use provider::{EnvKeySource, KeyFileSource, KeyRing, KeySource, StaticKeySource};
pub use rng::{OsRandom, SecureRandom, SeededRandom};

/// Re-exported so callers can name the return type of [`open`] without depending on
/// `zeroize` themselves.
pub use zeroize::Zeroizing;
