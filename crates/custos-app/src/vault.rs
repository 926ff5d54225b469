//! The vault: seals and opens sensitive field values and computes their blind indexes.
//! Plaintext goes in and comes out only here; keys never leave it and never reach a log.
//!
//! Today one data key protects the whole database ("install" scope), wrapped by the master
//! key from the key file or environment; per-customer data keys replace it without changing
//! this interface, since every call already names the record it seals for.

use crate::AppError;
use custos_crypto::{BlindIndexKey, DataKey, KeyMaterial, SecureRandom};
use custos_store::{Store, StoreError};

const INSTALL_SCOPE: &str = "install";
const INSTALL_DEK_VERSION: u32 = 1;

/// Seals, opens and indexes field values.
pub struct Vault {
    keys: KeyMaterial,
    dek: DataKey,
    dek_version: u32,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(**redacted**)")
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
                    AppError::Internal(format!(
                        "cannot unwrap the data key with the configured master key: {e}"
                    ))
                })?;
                return Ok(Vault {
                    keys,
                    dek,
                    dek_version: INSTALL_DEK_VERSION,
                });
            }
            let dek = DataKey::generate(rng);
            let wrapped = keys.wrap_data_key(&dek, &aad, rng);
            let mut tx = store.begin_write().await?;
            match tx
                .insert_data_key(
                    INSTALL_SCOPE,
                    i64::from(keys.current_master().version()),
                    &wrapped,
                    now_micros,
                )
                .await
            {
                Ok(()) => {
                    tx.commit().await?;
                    return Ok(Vault {
                        keys,
                        dek,
                        dek_version: INSTALL_DEK_VERSION,
                    });
                }
                // Another process created it first: load theirs.
                Err(StoreError::Duplicate(_)) => tx.rollback().await?,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Internal(
            "could not create or load the data key".into(),
        ))
    }

    /// Encrypts one field value of one record.
    pub fn seal(
        &self,
        record_id: &str,
        field: &str,
        plaintext: &str,
        rng: &dyn SecureRandom,
    ) -> Vec<u8> {
        let aad = custos_crypto::field_aad(record_id, field);
        custos_crypto::seal(&self.dek, self.dek_version, &aad, plaintext.as_bytes(), rng)
    }

    /// Decrypts one field value of one record; fails if it was moved, altered or its key is gone.
    pub fn open_field(
        &self,
        record_id: &str,
        field: &str,
        sealed: &[u8],
    ) -> Result<String, AppError> {
        let aad = custos_crypto::field_aad(record_id, field);
        let plain = custos_crypto::open(&self.dek, &aad, sealed).map_err(|e| {
            AppError::Internal(format!(
                "cannot decrypt field {field} of record {record_id}: {e}"
            ))
        })?;
        String::from_utf8(plain.to_vec()).map_err(|_| {
            AppError::Internal(format!("field {field} of record {record_id} is not UTF-8"))
        })
    }

    /// The keyed blind index of a normalised value in one field.
    pub fn blind_index(&self, field: &str, normalised: &str) -> Vec<u8> {
        self.index_key().index(field, normalised).to_vec()
    }

    fn index_key(&self) -> &BlindIndexKey {
        self.keys.blind_index_key()
    }
}
