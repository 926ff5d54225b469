//! Use-case errors. The `Display` text is safe to show to a user; `Internal` carries a
//! detail meant only for the log.

use custos_domain::FieldErrors;
use custos_store::StoreError;

/// What a use case can answer instead of a result.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the input is invalid")]
    Invalid(FieldErrors),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The record's data key was destroyed (crypto-shredded): its fields cannot be read.
    #[error("{0} was erased")]
    Erased(&'static str),
    #[error("the record was changed since you read it (current version {current})")]
    Stale { current: i64 },
    #[error("a version is required: send If-Match or \"version\"")]
    VersionRequired,
    #[error("{0}")]
    Conflict(String),
    #[error("authentication required")]
    Unauthenticated,
    #[error("wrong e-mail or password")]
    InvalidCredentials,
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("confirm with your second factor first (step-up)")]
    StepUpRequired,
    #[error("too many attempts; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("the service is busy, try again")]
    Busy,
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// A one-field validation error.
    pub fn invalid(field: &str, code: &'static str, message: &str) -> AppError {
        let mut e = FieldErrors::new();
        e.push(field, code, message);
        AppError::Invalid(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("record"),
            StoreError::Conflict => AppError::Stale { current: -1 },
            StoreError::Busy => AppError::Busy,
            StoreError::Duplicate(what) => {
                AppError::Conflict(format!("a record with the same unique value exists ({what})"))
            }
            StoreError::ForeignKey => AppError::Conflict("a referenced record does not exist".into()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Invalid(e)
    }
}
