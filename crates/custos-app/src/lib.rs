//! Custos use cases. Every call takes an `Actor` and passes the one authorisation point
//! (`authz`); plaintext of sensitive fields exists only here, in memory, between the vault
//! and the caller. It knows nothing of HTTP.

pub mod actor;
pub mod auth;
pub mod authz;
pub mod contacts;
mod convert;
pub mod customers;
mod error;
mod ids;
mod sealing;
pub mod users;
pub mod vault;

pub use actor::{Actor, ActorKind, ClientInfo, Credential};
pub use error::AppError;

use custos_crypto::SecureRandom;
use custos_domain::Clock;
use custos_store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Tunables of the use cases (sessions and passwords).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute: Duration,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self { session_idle: Duration::from_secs(30 * 60), session_absolute: Duration::from_secs(12 * 3600) }
    }
}

/// The wall clock, for production.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }
}

/// The application: store, vault, clock, randomness and configuration. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub(crate) store: Store,
    pub(crate) vault: Arc<vault::Vault>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) config: AppConfig,
}

impl App {
    pub fn new(
        store: Store,
        vault: vault::Vault,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn SecureRandom>,
        config: AppConfig,
    ) -> App {
        App { store, vault: Arc::new(vault), clock, rng, config }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub(crate) fn now_micros(&self) -> i64 {
        convert::to_micros(self.clock.now())
    }

    /// Health: the database answers.
    pub async fn health(&self) -> Result<(), AppError> {
        self.store.ping().await.map_err(AppError::from)
    }
}
