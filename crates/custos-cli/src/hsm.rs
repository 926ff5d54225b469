//! The PKCS#11 key provider's configuration from the environment (`CUSTOS_PKCS11_*`). It
//! never logs or prints the PIN.

use crate::error::CliError;
use custos_crypto::KeySource;
use std::sync::Arc;

/// A PKCS#11 key source when `CUSTOS_PKCS11_MODULE` is set.
pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Arc<dyn KeySource>>, CliError> {
    match env("CUSTOS_PKCS11_MODULE") {
        None => Ok(None),
        Some(_) => Err(CliError("PKCS#11 is not available in this build".into())),
    }
}
