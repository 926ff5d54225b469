//! Sealing and opening the sensitive fields of one record with its customer's keys, and
//! their blind indexes. Shared by customers and contacts.

use crate::AppError;
use crate::vault::{RecordKeys, Vault};
use custos_crypto::SecureRandom;
use custos_store::Sealed;

/// Seals and opens the fields of one record.
pub(crate) struct FieldSealer<'a> {
    pub keys: &'a RecordKeys,
    pub vault: &'a Vault,
    pub rng: &'a dyn SecureRandom,
    pub record_id: &'a str,
}

impl FieldSealer<'_> {
    /// An optional value, sealed.
    pub fn opt(&self, field: &str, v: Option<&str>) -> Option<Vec<u8>> {
        v.map(|p| self.keys.seal(self.record_id, field, p, self.rng))
    }

    /// An optional value, sealed, with the blind index of its normalised form.
    pub fn indexed(&self, field: &str, v: Option<(&str, String)>) -> Sealed {
        match v {
            None => Sealed::default(),
            Some((plain, normalised)) => Sealed {
                ct: Some(self.keys.seal(self.record_id, field, plain, self.rng)),
                bidx: Some(self.vault.blind_index(field, &normalised)),
            },
        }
    }

    /// An optional sealed value, opened.
    pub fn open(&self, field: &str, ct: &Option<Vec<u8>>) -> Result<Option<String>, AppError> {
        ct.as_ref().map(|c| self.keys.open_field(self.record_id, field, c)).transpose()
    }
}
