//! The vault: gives out the keys that seal and open sensitive field values, and computes
//! blind indexes. Plaintext goes in and comes out only through `RecordKeys`; key bytes never
//! leave this module and never reach a log.
//!
//! Today one data key protects the whole database ("install" scope), wrapped by the master
//! key from the key file or environment. Callers already ask for the keys of one customer
//! (`keys_for`), so per-customer data keys replace it without changing any call site.

use crate::AppError;
use custos_crypto::{DataKey, KeyMaterial, SecureRandom};
use custos_store::{Store, StoreError};
use std::sync::Arc;

const INSTALL_SCOPE: &str = "install";
const INSTALL_DEK_VERSION: u32 = 1;

/// Hands out record keys and computes blind indexes.
pub struct Vault {
    keys: KeyMaterial,
    install: RecordKeys,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(**redacted**)")
    }
}

/// The keys protecting one customer's records: its own fields and its contacts'.
#[derive(Clone)]
pub struct RecordKeys {
    dek: Arc<DataKey>,
    version: u32,
}

impl std::fmt::Debug for RecordKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordKeys(**redacted**)")
    }
}

impl RecordKeys {
    /// Encrypts one field value of one record.
    pub fn seal(&self, record_id: &str, field: &str, plaintext: &str, rng: &dyn SecureRandom) -> Vec<u8> {
        let aad = custos_crypto::field_aad(record_id, field);
        custos_crypto::seal(&self.dek, self.version, &aad, plaintext.as_bytes(), rng)
    }

    /// Decrypts one field value of one record; fails if it was moved, altered or its key is gone.
    pub fn open_field(&self, record_id: &str, field: &str, sealed: &[u8]) -> Result<String, AppError> {
        let aad = custos_crypto::field_aad(record_id, field);
        let plain = custos_crypto::open(&self.dek, &aad, sealed)
            .map_err(|e| AppError::Internal(format!("cannot decrypt field {field} of record {record_id}: {e}")))?;
        String::from_utf8(plain.to_vec())
            .map_err(|_| AppError::Internal(format!("field {field} of record {record_id} is not UTF-8")))
    }
}

fn wrap_aad(scope: &str) -> Vec<u8> {
    custos_crypto::field_aad(scope, "data-key")
}

impl Vault {
    /// Loads the install data key, creating and storing it (wrapped) on first use.
    pub async fn open(
        store: &Store,
        keys: KeyMaterial,
        rng: &dyn SecureRandom,
        now_micros: i64,
    ) -> Result<Vault, AppError> {
        let aad = wrap_aad(INSTALL_SCOPE);
        for _ in 0..2 {
            if let Some((_, wrapped)) = store.data_key(INSTALL_SCOPE).await? {
                let dek = keys.unwrap_data_key(&wrapped, &aad).map_err(|e| {
                    AppError::Internal(format!("cannot unwrap the data key with the configured master key: {e}"))
                })?;
                let install = RecordKeys { dek: Arc::new(dek), version: INSTALL_DEK_VERSION };
                return Ok(Vault { keys, install });
            }
            let dek = DataKey::generate(rng);
            let wrapped = keys.wrap_data_key(&dek, &aad, rng);
            let mut tx = store.begin_write().await?;
            let master = i64::from(keys.current_master().version());
            match tx.insert_data_key(INSTALL_SCOPE, master, &wrapped, now_micros).await {
                Ok(()) => {
                    tx.commit().await?;
                    let install = RecordKeys { dek: Arc::new(dek), version: INSTALL_DEK_VERSION };
                    return Ok(Vault { keys, install });
                }
                // Another process created it first: load theirs.
                Err(StoreError::Duplicate(_)) => tx.rollback().await?,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Internal("could not create or load the data key".into()))
    }

    /// The keys of one customer's records. `create` is true while the customer is being
    /// created (a key may be made); otherwise a missing key means the data was erased.
    pub async fn keys_for(&self, customer_id: &str, create: bool) -> Result<RecordKeys, AppError> {
        let _ = (customer_id, create);
        Ok(self.install.clone())
    }

    /// The keyed blind index of a normalised value in one field.
    pub fn blind_index(&self, field: &str, normalised: &str) -> Vec<u8> {
        self.keys.blind_index_key().index(field, normalised).to_vec()
    }
}
