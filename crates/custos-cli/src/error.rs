//! The CLI's error: one line for the operator, a non-zero exit.

use custos_app::AppError;

/// A failure to report as `custos: error: <message>`.
#[derive(Debug)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never more than one line.
        f.write_str(&self.0.replace('\n', " "))
    }
}

impl From<AppError> for CliError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(errs) => {
                let parts: Vec<String> = errs.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
                CliError(format!("invalid input: {}", parts.join("; ")))
            }
            AppError::Internal(detail) => CliError(format!("internal error: {detail}")),
            other => CliError(other.to_string()),
        }
    }
}

impl From<custos_store::StoreError> for CliError {
    fn from(e: custos_store::StoreError) -> Self {
        CliError(format!("database: {e}"))
    }
}

impl From<custos_crypto::CryptoError> for CliError {
    fn from(e: custos_crypto::CryptoError) -> Self {
        CliError(format!("keys: {e}"))
    }
}

impl From<crate::config::ConfigError> for CliError {
    fn from(e: crate::config::ConfigError) -> Self {
        CliError(format!("configuration: {e}"))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError(e.to_string())
    }
}
