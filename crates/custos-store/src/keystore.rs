//! The key store: per-customer data keys (DEKs), each wrapped by a master key (KEK) version,
//! kept apart from the customer data — its own SQLite file (`keys.db` beside `custos.db`) or
//! its own schema (`custos_keys`) or database on PostgreSQL — so that a copy or backup of
//! the customer data carries no keys. Also the master versions in use and rotation progress.
//! It never sees a plaintext key, a master key or customer data; destroying a key deletes
//! its row (SQLite runs with `secure_delete=ON` so the bytes are overwritten on disk).

use crate::StoreError;
use crate::store::Backend;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, AssertSqlSafe, Executor, Row};
use std::path::Path;
use std::time::Duration;

/// The key store file inside a SQLite data directory.
pub const KEYSTORE_FILE: &str = "keys.db";
/// The PostgreSQL schema of the key store.
pub const KEYSTORE_SCHEMA: &str = "custos_keys";

const MIGRATIONS: &[(i64, &str, &str, &str)] = &[(
    1,
    "keys",
    include_str!("../migrations/keystore/sqlite_0001_keys.sql"),
    include_str!("../migrations/keystore/postgres_0001_keys.sql"),
)];

/// A wrapped data key as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub customer_id: String,
    pub kek_version: i64,
    pub wrapped: Vec<u8>,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("customer_id", &self.customer_id)
            .field("kek_version", &self.kek_version)
            .finish()
    }
}

/// A master key version known to the key store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KekVersionRow {
    pub version: i64,
    /// `active` or `retired`.
    pub state: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

/// Progress of a rotation to `target_version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationRow {
    pub target_version: i64,
    pub started_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
    pub total: i64,
    pub done: i64,
}

/// Handle to the key store; cheap to clone.
#[derive(Clone)]
pub struct KeyStore {
    backend: Backend,
    write: AnyPool,
    read: AnyPool,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore").field("backend", &self.backend).finish_non_exhaustive()
    }
}

/// The key store URL that belongs with a main database URL: for SQLite, `keys.db` in the
/// same directory as the database file; for PostgreSQL, the same database (schema
/// `custos_keys`). Give a separate PostgreSQL URL to keep the keys in their own database.
pub fn keystore_url_for(main_url: &str) -> Result<String, StoreError> {
    if let Some(rest) = main_url.strip_prefix("sqlite://").or_else(|| main_url.strip_prefix("sqlite:")) {
        let path = rest.split('?').next().unwrap_or(rest);
        let dir = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let keys = dir.join(KEYSTORE_FILE);
        let keys = keys.to_str().ok_or_else(|| StoreError::Database("data directory path is not UTF-8".into()))?;
        Ok(format!("sqlite://{keys}?mode=rwc"))
    } else if main_url.starts_with("postgres:") || main_url.starts_with("postgresql:") {
        Ok(main_url.to_string())
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .test_before_acquire(false)
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // Deleted rows (destroyed keys) are overwritten with zeros, not left in free pages.
                conn.execute("PRAGMA secure_delete=ON").await?;
                Ok(())
            })
        })
}

impl KeyStore {
    /// Opens (creating if needed) `keys.db` in a SQLite data directory.
    pub async fn open_sqlite_dir(dir: &Path) -> Result<KeyStore, StoreError> {
        let path = dir.join(KEYSTORE_FILE);
        let path = path.to_str().ok_or_else(|| StoreError::Database("data directory path is not UTF-8".into()))?;
        Self::open(&format!("sqlite://{path}?mode=rwc"), 4).await
    }

    /// Opens the key store at a `sqlite:` URL (the key store file itself) or a `postgres:`
    /// URL (schema `custos_keys` in that database), with at most `pg_connections`.
    pub async fn open(url: &str, pg_connections: u32) -> Result<KeyStore, StoreError> {
        install_default_drivers();
        if url.starts_with("sqlite:") {
            create_owner_only(url)?;
            let write = sqlite_pool(1).min_connections(1).connect(url).await?;
            sqlx::query("PRAGMA journal_mode=WAL").execute(&write).await?;
            let read = sqlite_pool(2).connect(url).await?;
            Ok(KeyStore { backend: Backend::Sqlite, write, read })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = AnyPoolOptions::new()
                .max_connections(pg_connections.max(1))
                .acquire_timeout(Duration::from_secs(10))
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        conn.execute("SET search_path TO custos_keys").await?;
                        Ok(())
                    })
                })
                .connect(url)
                .await?;
            Ok(KeyStore { backend: Backend::Postgres, write: pool.clone(), read: pool })
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    /// Applies pending key-store migrations; returns the versions applied now.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        let mut applied = Vec::new();
        for (version, name, sqlite, postgres) in MIGRATIONS {
            let mut tx = match self.backend {
                Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
                Backend::Postgres => self.write.begin().await?,
            };
            if self.backend == Backend::Postgres {
                sqlx::query("SELECT pg_advisory_xact_lock(7262637)").execute(&mut *tx).await?;
                sqlx::query("CREATE SCHEMA IF NOT EXISTS custos_keys").execute(&mut *tx).await?;
            }
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS keystore_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .execute(&mut *tx)
            .await?;
            let done = sqlx::query("SELECT version FROM keystore_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_some() {
                tx.rollback().await?;
                continue;
            }
            let sql = if self.backend == Backend::Sqlite { *sqlite } else { *postgres };
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::Migration(format!("key store {version} ({name}): {e}")))?;
            sqlx::query("INSERT INTO keystore_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(*version)
                .bind(*name)
                .bind(time::OffsetDateTime::now_utc().unix_timestamp())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            applied.push(*version);
        }
        Ok(applied)
    }

    /// The wrapped data key of a customer, if it exists (none: never made, or destroyed).
    pub async fn get_key(&self, customer_id: &str) -> Result<Option<StoredKey>, StoreError> {
        let row = sqlx::query("SELECT customer_id, kek_version, wrapped FROM customer_keys WHERE customer_id = $1")
            .bind(customer_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.as_ref().map(stored).transpose()?)
    }

    /// Stores a new wrapped data key. False if the customer has one already (keep theirs).
    pub async fn insert_key(
        &self,
        customer_id: &str,
        kek_version: i64,
        wrapped: &[u8],
        at: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO customer_keys (customer_id, kek_version, wrapped, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(customer_id)
        .bind(kek_version)
        .bind(wrapped.to_vec())
        .bind(at)
        .execute(&self.write)
        .await;
        match r.map_err(StoreError::from) {
            Ok(_) => Ok(true),
            Err(StoreError::Duplicate(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Destroys a customer's data key (crypto-shredding). True if there was one.
    pub async fn destroy_key(&self, customer_id: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM customer_keys WHERE customer_id = $1")
            .bind(customer_id)
            .execute(&self.write)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Up to `limit` keys wrapped by a master version below `version`, in customer id
    /// order after `after`.
    pub async fn keys_below(&self, version: i64, after: &str, limit: i64) -> Result<Vec<StoredKey>, StoreError> {
        let rows = sqlx::query(
            "SELECT customer_id, kek_version, wrapped FROM customer_keys \
             WHERE kek_version < $1 AND customer_id > $2 ORDER BY customer_id LIMIT $3",
        )
        .bind(version)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.iter().map(stored).collect::<Result<Vec<_>, _>>()?)
    }

    /// Replaces wrapped keys in one transaction, each only if it is still wrapped by the
    /// version it was read with (a concurrent destroy or rewrap wins). Returns how many
    /// were replaced.
    pub async fn rewrap_keys(&self, batch: &[(StoredKey, i64, Vec<u8>)], at: i64) -> Result<u64, StoreError> {
        let mut tx = match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        };
        let mut n = 0;
        for (old, new_version, wrapped) in batch {
            let r = sqlx::query(
                "UPDATE customer_keys SET kek_version = $1, wrapped = $2, rewrapped_at = $3 \
                 WHERE customer_id = $4 AND kek_version = $5",
            )
            .bind(*new_version)
            .bind(wrapped.clone())
            .bind(at)
            .bind(old.customer_id.as_str())
            .bind(old.kek_version)
            .execute(&mut *tx)
            .await?;
            n += r.rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Number of data keys per master version, ascending by version.
    pub async fn count_by_version(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT kek_version, COUNT(*) AS n FROM customer_keys GROUP BY kek_version ORDER BY kek_version",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<i64, _>("kek_version")?, r.try_get::<i64, _>("n")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Number of data keys wrapped by a version below `version`.
    pub async fn count_below(&self, version: i64) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM customer_keys WHERE kek_version < $1")
            .bind(version)
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Records a master version as active (no-op if known).
    pub async fn register_version(&self, version: i64, at: i64) -> Result<(), StoreError> {
        let r = sqlx::query("INSERT INTO kek_versions (version, state, created_at) VALUES ($1, 'active', $2)")
            .bind(version)
            .bind(at)
            .execute(&self.write)
            .await;
        match r.map_err(StoreError::from) {
            Ok(_) | Err(StoreError::Duplicate(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Marks a master version retired.
    pub async fn retire_version(&self, version: i64, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE kek_versions SET state = 'retired', retired_at = $1 WHERE version = $2")
            .bind(at)
            .bind(version)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Every master version the key store knows, ascending.
    pub async fn kek_versions(&self) -> Result<Vec<KekVersionRow>, StoreError> {
        let rows = sqlx::query("SELECT version, state, created_at, retired_at FROM kek_versions ORDER BY version")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(KekVersionRow {
                    version: r.try_get("version")?,
                    state: r.try_get("state")?,
                    created_at: r.try_get("created_at")?,
                    retired_at: r.try_get("retired_at")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The highest active master version recorded (servers switch to it for new keys).
    pub async fn newest_active_version(&self) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT MAX(version) AS v FROM kek_versions WHERE state = 'active'")
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get("v")?)
    }

    /// Starts (or keeps) the record of a rotation to `target`.
    pub async fn start_rotation(&self, target: i64, total: i64, at: i64) -> Result<(), StoreError> {
        let r = sqlx::query(
            "INSERT INTO rotations (target_version, started_at, updated_at, total, done) VALUES ($1, $2, $2, $3, 0)",
        )
        .bind(target)
        .bind(at)
        .bind(total)
        .execute(&self.write)
        .await;
        match r.map_err(StoreError::from) {
            Ok(_) | Err(StoreError::Duplicate(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Adds to a rotation's progress; `total` grows when keys made meanwhile are found.
    pub async fn rotation_progress(&self, target: i64, done: i64, total: i64, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE rotations SET done = $1, total = $2, updated_at = $3 WHERE target_version = $4")
            .bind(done)
            .bind(total)
            .bind(at)
            .bind(target)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Marks a rotation finished.
    pub async fn finish_rotation(&self, target: i64, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE rotations SET finished_at = $1, updated_at = $1 WHERE target_version = $2")
            .bind(at)
            .bind(target)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Every rotation, newest first.
    pub async fn rotations(&self) -> Result<Vec<RotationRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT target_version, started_at, updated_at, finished_at, total, done FROM rotations \
             ORDER BY target_version DESC",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RotationRow {
                    target_version: r.try_get("target_version")?,
                    started_at: r.try_get("started_at")?,
                    updated_at: r.try_get("updated_at")?,
                    finished_at: r.try_get("finished_at")?,
                    total: r.try_get("total")?,
                    done: r.try_get("done")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}

/// Creates the SQLite key store file owner-only (mode 0600) if it does not exist yet; SQLite
/// gives its -wal and -shm files the same mode.
fn create_owner_only(url: &str) -> Result<(), StoreError> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path.starts_with(':') {
        return Ok(());
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Database(format!("cannot create the key store file: {e}"))),
    }
}

fn stored(r: &sqlx::any::AnyRow) -> Result<StoredKey, sqlx::Error> {
    Ok(StoredKey {
        customer_id: r.try_get("customer_id")?,
        kek_version: r.try_get("kek_version")?,
        wrapped: r.try_get("wrapped")?,
    })
}
