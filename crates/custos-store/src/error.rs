//! Store errors: a small enum the app maps to user-facing outcomes. Detail strings are for
//! logs only and never contain bound values.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("record not found")]
    NotFound,
    #[error("the record was changed by someone else")]
    Conflict,
    #[error("a record with the same unique value exists ({0})")]
    Duplicate(String),
    #[error("a referenced record does not exist")]
    ForeignKey,
    #[error("the database is busy")]
    Busy,
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("unsupported database URL (expected sqlite: or postgres:)")]
    UnsupportedUrl,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut => StoreError::Busy,
            sqlx::Error::Database(db) => {
                if db.is_unique_violation() {
                    return StoreError::Duplicate(db.constraint().unwrap_or("unique").to_string());
                }
                if db.is_foreign_key_violation() {
                    return StoreError::ForeignKey;
                }
                match db.code().as_deref() {
                    // SQLite BUSY / LOCKED (and extended codes); PostgreSQL serialization failure,
                    // deadlock, too many connections, lock timeout.
                    Some("5" | "6" | "261" | "517" | "40001" | "40P01" | "53300" | "55P03") => StoreError::Busy,
                    _ => StoreError::Database(db.message().to_string()),
                }
            }
            other => StoreError::Database(other.to_string()),
        }
    }
}
