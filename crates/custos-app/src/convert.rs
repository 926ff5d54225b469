//! Conversions between domain values and store rows: timestamps and choice strings.

use crate::AppError;
use time::OffsetDateTime;

pub(crate) fn to_micros(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1000) as i64
}

pub(crate) fn from_micros(us: i64) -> Result<OffsetDateTime, AppError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|_| AppError::Internal(format!("stored timestamp out of range: {us}")))
}

pub(crate) fn parse_id<T: std::str::FromStr>(s: &str, what: &'static str) -> Result<T, AppError> {
    s.parse().map_err(|_| AppError::Internal(format!("stored {what} id is malformed")))
}

/// Timestamps and version of a row being written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowMeta {
    pub created: i64,
    pub updated: i64,
    pub version: i64,
}
