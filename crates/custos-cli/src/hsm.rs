//! The PKCS#11 key provider's configuration from the environment: `CUSTOS_PKCS11_MODULE`
//! (the vendor .so), `CUSTOS_PKCS11_TOKEN` (token label, default `custos`) and
//! `CUSTOS_PKCS11_PIN` (user PIN). It never logs or prints the PIN.

use crate::error::CliError;
use custos_crypto::pkcs11::{Pkcs11Config, Pkcs11KeySource};
use custos_crypto::{KeySource, Zeroizing};
use std::path::PathBuf;
use std::sync::Arc;

/// A PKCS#11 key source when `CUSTOS_PKCS11_MODULE` is set.
pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Arc<dyn KeySource>>, CliError> {
    let Some(module) = env("CUSTOS_PKCS11_MODULE").filter(|m| !m.is_empty()) else {
        return Ok(None);
    };
    let pin = env("CUSTOS_PKCS11_PIN")
        .map(Zeroizing::new)
        .ok_or_else(|| CliError("CUSTOS_PKCS11_MODULE is set but CUSTOS_PKCS11_PIN is not".into()))?;
    let token_label = env("CUSTOS_PKCS11_TOKEN").unwrap_or_else(|| "custos".into());
    let source = Pkcs11KeySource::open(Pkcs11Config { module: PathBuf::from(module), token_label, pin })?;
    Ok(Some(Arc::new(source)))
}
