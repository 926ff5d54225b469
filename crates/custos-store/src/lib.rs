//! Custos storage: one `Store` over SQLite (embedded default) or PostgreSQL, sharing one
//! SQL text (`$1…$N` placeholders) through sqlx's `Any` driver. It holds only ciphertext for
//! sensitive fields and knows no business rules, no HTTP and no crypto.

mod error;
mod migrate;
mod rows;
mod sql;
mod store;
mod tables;

pub use error::StoreError;
pub use migrate::{MIGRATIONS, Migration};
pub use rows::{
    ApiTokenRow, ContactRow, CustomerFilter, CustomerRow, CustomerSort, Page, Sealed, SessionRow, SortKey, TeamRow,
    UserRow,
};
pub use store::{Backend, Store, WriteTx};
