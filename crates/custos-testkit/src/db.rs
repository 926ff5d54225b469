//! Fresh databases per test and a clock tests can move.

use custos_domain::Clock;
use custos_store::{KeyStore, Store};
use std::sync::Mutex;
use time::OffsetDateTime;

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The base PostgreSQL URL for tests, if configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("CUSTOS_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())
}

/// SQLite always; PostgreSQL too when `CUSTOS_TEST_POSTGRES_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        b.push(Backend::Postgres);
    }
    b
}

/// A fresh, migrated database that lives as long as this value.
pub struct TestDb {
    pub store: Store,
    pub backend: Backend,
    /// The SQLite data directory (also where a key file would go).
    pub dir: tempfile::TempDir,
    /// The URL the store was opened with.
    pub url: String,
    /// The key store: `keys.db` in `dir` on SQLite, schema `custos_keys` of the same
    /// database on PostgreSQL.
    pub keystore: KeyStore,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.path().join("custos.db").display()),
            Backend::Postgres => fresh_postgres_database().await,
        };
        // Many test servers share one PostgreSQL: keep each pool small.
        let store = Store::open_with_pool(&url, 4).await.expect("open test database");
        store.migrate().await.expect("migrate test database");
        let ks_url = custos_store::keystore_url_for(&url).expect("key store URL");
        let keystore = KeyStore::open(&ks_url, 4).await.expect("open test key store");
        keystore.migrate().await.expect("migrate test key store");
        TestDb { store, backend, dir, url, keystore }
    }
}

impl TestDb {
    /// The key file of this test database (`custos.key` in `dir`; made by `spawn_app`).
    pub fn key_file(&self) -> std::path::PathBuf {
        self.dir.path().join("custos.key")
    }
}

/// Creates an empty database on the configured PostgreSQL server and returns its URL.
pub async fn fresh_postgres_database() -> String {
    use sqlx::Connection;
    let base = postgres_url().expect("CUSTOS_TEST_POSTGRES_URL is set");
    sqlx::any::install_default_drivers();
    let name = format!("custos_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::AnyConnection::connect(&base).await.expect("connect to CUSTOS_TEST_POSTGRES_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let _ = conn.close().await;
    match base.rsplit_once('/') {
        Some((server, db)) => {
            let query = db.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
            format!("{server}/{name}{query}")
        }
        None => panic!("CUSTOS_TEST_POSTGRES_URL must end with /DATABASE"),
    }
}

/// A clock that stands still until moved.
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> ManualClock {
        ManualClock(Mutex::new(start))
    }

    pub fn advance(&self, by: std::time::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
