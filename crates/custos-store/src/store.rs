//! The `Store`: connection pools per backend and write transactions. SQLite gets one writer
//! connection (writes queue in process, `BEGIN IMMEDIATE` plus a busy timeout across
//! processes) and a small pool of readers over WAL; PostgreSQL gets one shared pool.

use crate::StoreError;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Transaction};
use std::path::Path;
use std::time::Duration;

/// Which engine is underneath.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    write: AnyPool,
    read: AnyPool,
    /// The URL it was opened with (for the audit bulk reader's own connections).
    url: std::sync::Arc<str>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).finish_non_exhaustive()
    }
}

/// The SQLite database file inside a data directory.
pub const SQLITE_FILE: &str = "custos.db";

impl Store {
    /// Opens (creating if needed) the SQLite database in `dir`.
    pub async fn open_sqlite_dir(dir: &Path) -> Result<Store, StoreError> {
        let path = dir.join(SQLITE_FILE);
        let path = path.to_str().ok_or_else(|| StoreError::Database("data directory path is not UTF-8".into()))?;
        Self::open(&format!("sqlite://{path}?mode=rwc")).await
    }

    /// Opens a store from a `sqlite:` or `postgres:` URL with the default PostgreSQL pool
    /// size (16 connections per process).
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Self::open_with_pool(url, 16).await
    }

    /// Like `open`, with at most `pg_connections` PostgreSQL connections (ignored for SQLite,
    /// which always has one writer and four readers).
    pub async fn open_with_pool(url: &str, pg_connections: u32) -> Result<Store, StoreError> {
        install_default_drivers();
        if url.starts_with("sqlite:") {
            Self::open_sqlite(url).await
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = AnyPoolOptions::new()
                .max_connections(pg_connections.max(1))
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Store { backend: Backend::Postgres, write: pool.clone(), read: pool, url: url.into() })
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    async fn open_sqlite(url: &str) -> Result<Store, StoreError> {
        // A local file needs no liveness ping before each use (it would double round trips).
        let write = AnyPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await?;
        // WAL is a property of the database file: set once, before the readers open.
        sqlx::query("PRAGMA journal_mode=WAL").execute(&write).await?;
        let read = AnyPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await?;
        Ok(Store { backend: Backend::Sqlite, write, read, url: url.into() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL the store was opened with (it may carry a password: never log it).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The pool for reads.
    pub(crate) fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once so that two
    /// processes never deadlock upgrading read locks.
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let tx = match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        };
        Ok(WriteTx { tx, backend: self.backend })
    }

    /// Closes every connection (checkpointing the SQLite WAL).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    /// A trivial query, for health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }
}

/// A write transaction: every change and (later) its audit event commit together or not at all.
pub struct WriteTx {
    pub(crate) tx: Transaction<'static, Any>,
    backend: Backend,
}

impl WriteTx {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}
