//! Custos storage: one `Store` over SQLite (embedded default) or PostgreSQL, sharing one
//! SQL text (`$1…$N` placeholders) through sqlx's `Any` driver. It holds only ciphertext for
//! sensitive fields and knows no business rules, no HTTP and no crypto.

mod error;
mod keystore;
mod migrate;
mod rows;
mod sql;
mod store;
mod tables;

pub use error::StoreError;
pub use keystore::{KEYSTORE_FILE, KEYSTORE_SCHEMA, KekVersionRow, KeyStore, RotationRow, StoredKey, keystore_url_for};
pub use migrate::{MIGRATIONS, Migration};
pub use rows::{
    ApiTokenRow, ContactRow, CustomerFilter, CustomerRow, CustomerSort, Page, ReviewItemRow, ReviewRow, RoleRow,
    Sealed, SessionRow, SortKey, TeamRow, ThrottleRow, TotpRow, UserRow, Visibility,
};
pub use store::{Backend, Store, WriteTx};
pub use tables::audit::{AUDIT_CHUNK, AuditRecord, AuditSearch, CheckpointRow, ImpactRow, audit_subjects};
pub use tables::scope::Scoped;
