//! Custos use cases. Every call takes an `Actor` and passes the one authorisation point
//! (`authz`); plaintext of sensitive fields exists only here, in memory, between the vault
//! and the caller. It knows nothing of HTTP.

pub mod accounts;
pub mod activities;
pub mod activity_timeline;
pub mod activity_views;
pub mod actor;
pub mod audit;
mod audit_proofs;
pub mod audit_verify;
mod audit_verify_walk;
pub mod auth;
pub mod authz;
pub mod board;
pub mod contacts;
mod convert;
pub mod customers;
pub mod deal_moves;
pub mod deal_query;
pub mod deal_views;
pub mod deals;
pub mod disclosure;
mod duplicates;
mod error;
mod ids;
pub mod keys;
pub mod lead_convert;
pub mod lead_views;
pub mod leaderboard;
pub mod leads;
pub mod mfa;
pub mod password_change;
pub mod pipelines;
pub mod preferences;
pub mod quotas;
pub mod reports;
pub mod reviews;
pub mod roles;
mod sealing;
pub mod sessions;
mod throttle;
pub mod users;
pub mod vault;
pub mod views;

pub use actor::{Actor, ActorKind, ClientInfo, Credential};
pub use error::AppError;

use custos_crypto::SecureRandom;
use custos_domain::Clock;
use custos_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Tunables of the use cases (sessions, sign-in throttling, reveals, exports).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute: Duration,
    /// Also bind sessions to the client's IP address (they are always bound to its user agent).
    pub session_bind_ip: bool,
    /// Sign-in throttling, shared through the database by every server process.
    pub throttle: ThrottleConfig,
    /// Reveals of masked fields allowed per user per hour.
    pub reveals_per_hour: u32,
    /// Exports of more records than this need a recent second factor.
    pub export_step_up_over: u32,
    /// Audit checkpoints and read batching.
    pub audit: audit::AuditConfig,
}

/// Limits on failed sign-ins.
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    /// Failures per account before each further attempt must wait (doubling delays).
    pub free_failures: u32,
    /// Failures per account that lock it for `lock_for`.
    pub lock_after: u32,
    pub lock_for: Duration,
    /// Sign-in attempts allowed per client address per minute.
    pub per_ip_per_minute: u32,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self { free_failures: 3, lock_after: 10, lock_for: Duration::from_secs(15 * 60), per_ip_per_minute: 30 }
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            session_bind_ip: false,
            throttle: ThrottleConfig::default(),
            reveals_per_hour: 60,
            export_step_up_over: 100,
            audit: audit::AuditConfig::default(),
        }
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
    /// When this process last recorded (user, permission) use; only throttles writes.
    pub(crate) permission_use: Arc<Mutex<HashMap<(String, &'static str), i64>>>,
    pub(crate) audit: Arc<audit::AuditRuntime>,
}

impl App {
    pub fn new(
        store: Store,
        vault: vault::Vault,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn SecureRandom>,
        config: AppConfig,
    ) -> App {
        let audit = Arc::new(audit::AuditRuntime::new(config.audit.clone(), &vault));
        App {
            store,
            vault: Arc::new(vault),
            clock,
            rng,
            config,
            permission_use: Arc::new(Mutex::new(HashMap::new())),
            audit,
        }
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
