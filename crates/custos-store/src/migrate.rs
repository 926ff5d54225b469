//! Embedded migrations, kept per backend, applied in order inside one transaction each.
//! A migration that was applied is never edited: its checksum is compared at start.

use crate::StoreError;
use crate::store::{Backend, Store};
use sqlx::{AssertSqlSafe, Row};

/// One schema step, with its SQL for each backend.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "access_control",
        sqlite: include_str!("../migrations/sqlite/0002_access_control.sql"),
        postgres: include_str!("../migrations/postgres/0002_access_control.sql"),
    },
    Migration {
        version: 3,
        name: "blind_index_and_key_store",
        sqlite: include_str!("../migrations/sqlite/0003_blind_index_and_key_store.sql"),
        postgres: include_str!("../migrations/postgres/0003_blind_index_and_key_store.sql"),
    },
    Migration {
        version: 5,
        name: "audit",
        sqlite: include_str!("../migrations/sqlite/0005_audit.sql"),
        postgres: include_str!("../migrations/postgres/0005_audit.sql"),
    },
    Migration {
        version: 6,
        name: "audit_subject_index",
        sqlite: include_str!("../migrations/sqlite/0006_audit_subject_index.sql"),
        postgres: include_str!("../migrations/postgres/0006_audit_subject_index.sql"),
    },
    Migration {
        version: 7,
        name: "user_language",
        sqlite: include_str!("../migrations/sqlite/0007_user_language.sql"),
        postgres: include_str!("../migrations/postgres/0007_user_language.sql"),
    },
    Migration {
        version: 8,
        name: "sales",
        sqlite: include_str!("../migrations/sqlite/0008_sales.sql"),
        postgres: include_str!("../migrations/postgres/0008_sales.sql"),
    },
    Migration {
        version: 9,
        name: "contact_blind_indexes",
        sqlite: include_str!("../migrations/sqlite/0009_contact_blind_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0009_contact_blind_indexes.sql"),
    },
    Migration {
        version: 10,
        name: "report_indexes",
        sqlite: include_str!("../migrations/sqlite/0010_report_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0010_report_indexes.sql"),
    },
    Migration {
        version: 11,
        name: "deal_status_index",
        sqlite: include_str!("../migrations/sqlite/0011_deal_status_index.sql"),
        postgres: include_str!("../migrations/postgres/0011_deal_status_index.sql"),
    },
];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS custos_migrations (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/// FNV-1a over the SQL text: enough to notice an edited migration.
fn checksum(sql: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in sql.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl Store {
    /// Applies every pending migration; returns the versions applied now.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        let mut applied_now = Vec::new();
        for m in MIGRATIONS {
            let mut tx = self.begin_write().await?;
            if self.backend() == Backend::Postgres {
                // Serialise concurrent migrators across processes.
                sqlx::query("SELECT pg_advisory_xact_lock(7262636)").execute(&mut *tx.tx).await?;
            }
            sqlx::query(CREATE_TABLE).execute(&mut *tx.tx).await?;
            let sql = match self.backend() {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            let sum = checksum(sql);
            let row = sqlx::query("SELECT checksum FROM custos_migrations WHERE version = $1")
                .bind(m.version)
                .fetch_optional(&mut *tx.tx)
                .await?;
            if let Some(row) = row {
                let stored: String = row.try_get("checksum")?;
                if stored != sum {
                    return Err(StoreError::Migration(format!(
                        "migration {} ({}) was changed after it was applied",
                        m.version, m.name
                    )));
                }
                tx.rollback().await?;
                continue;
            }
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut *tx.tx)
                .await
                .map_err(|e| StoreError::Migration(format!("{} ({}): {e}", m.version, m.name)))?;
            sqlx::query("INSERT INTO custos_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
                .bind(m.version)
                .bind(m.name)
                .bind(sum)
                .bind(time::OffsetDateTime::now_utc().unix_timestamp())
                .execute(&mut *tx.tx)
                .await?;
            tx.commit().await?;
            applied_now.push(m.version);
        }
        Ok(applied_now)
    }
}
