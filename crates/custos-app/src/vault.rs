//! The vault: gives out the keys that seal and open one customer's sensitive fields (its own
//! and its contacts'), and computes blind indexes. Each customer has its own data key (DEK),
//! stored only wrapped by the master key (KEK) in the key store, apart from the customer
//! data. Plaintext goes in and comes out only through `RecordKeys`; key bytes never leave
//! this module and never reach a log, an error or `Debug` output.
//!
//! - `keys_for(id, create)` loads and unwraps the customer's DEK; with `create` it makes one
//!   first (key store row before the customer row; an orphan key is harmless). A missing key
//!   for an existing record means the customer was erased: `AppError::Erased`.
//! - Unwrapped DEKs are cached in memory, at most [`CACHE_CAPACITY`] of them and each for at
//!   most [`CACHE_TTL`], then wiped. `destroy` drops the entry at once in this process; other
//!   processes sharing the key store stop serving a destroyed key within [`CACHE_TTL`].
//! - Rotation by another process (`custos keys rotate`) adds master version N+1 to the key
//!   provider and rewraps DEKs. A wrapped key naming a version this process does not hold
//!   makes it reload the provider and retry (at most once per [`RELOAD_INTERVAL`]); new keys
//!   are wrapped with the newest version the key store announces (checked every [`CACHE_TTL`]).

use crate::AppError;
use custos_crypto::{BlindIndexKey, CryptoError, DataKey, KeyRing, KeySource, SecureRandom};
use custos_domain::Clock;
use custos_store::KeyStore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Unwrapped data keys cached per process.
pub const CACHE_CAPACITY: usize = 4096;
/// How long an unwrapped data key may be used from the cache (and how long another process
/// may still serve a key this process destroyed).
pub const CACHE_TTL: Duration = Duration::from_secs(5);
/// Minimum interval between two reloads of the key provider.
pub const RELOAD_INTERVAL: Duration = Duration::from_millis(250);
/// Version of the data key recorded in every sealed field (one DEK generation so far).
const DEK_VERSION: u32 = 1;

/// Hands out record keys and computes blind indexes.
pub struct Vault {
    keystore: KeyStore,
    source: Arc<dyn KeySource>,
    ring: RwLock<Arc<dyn KeyRing>>,
    blind: BlindIndexKey,
    cache: Mutex<HashMap<String, (Arc<DataKey>, Instant)>>,
    newest_checked: Mutex<Option<Instant>>,
    last_reload: Mutex<Option<Instant>>,
    rng: Arc<dyn SecureRandom>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(**redacted**)")
    }
}

/// The keys protecting one customer's records: its own fields and its contacts'.
#[derive(Clone)]
pub struct RecordKeys {
    dek: Arc<DataKey>,
    version: u32,
}

impl std::fmt::Debug for RecordKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordKeys(**redacted**)")
    }
}

impl RecordKeys {
    /// Encrypts one field value of one record.
    #[cfg(not(custos_bench_plaintext))]
    pub fn seal(&self, record_id: &str, field: &str, plaintext: &str, rng: &dyn SecureRandom) -> Vec<u8> {
        let aad = custos_crypto::field_aad(record_id, field);
        custos_crypto::seal(&self.dek, self.version, &aad, plaintext.as_bytes(), rng)
    }

    /// Decrypts one field value of one record; fails if it was moved, altered or its key is gone.
    #[cfg(not(custos_bench_plaintext))]
    pub fn open_field(&self, record_id: &str, field: &str, sealed: &[u8]) -> Result<String, AppError> {
        let aad = custos_crypto::field_aad(record_id, field);
        let plain = custos_crypto::open(&self.dek, &aad, sealed)
            .map_err(|e| AppError::Internal(format!("cannot decrypt field {field} of record {record_id}: {e}")))?;
        String::from_utf8(plain.to_vec())
            .map_err(|_| AppError::Internal(format!("field {field} of record {record_id} is not UTF-8")))
    }

    /// BENCHMARK BUILD ONLY (`--cfg custos_bench_plaintext`, never in the shipped binary):
    /// the same header and length as a sealed value, the value itself in clear.
    #[cfg(custos_bench_plaintext)]
    pub fn seal(&self, _record_id: &str, _field: &str, plaintext: &str, _rng: &dyn SecureRandom) -> Vec<u8> {
        let mut out = Vec::with_capacity(plaintext.len() + custos_crypto::SEALED_OVERHEAD);
        out.push(0xff);
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&[0u8; custos_crypto::NONCE_LEN]);
        out.extend_from_slice(plaintext.as_bytes());
        out.extend_from_slice(&[0u8; custos_crypto::TAG_LEN]);
        out
    }

    /// BENCHMARK BUILD ONLY: reverses the plaintext `seal` above.
    #[cfg(custos_bench_plaintext)]
    pub fn open_field(&self, record_id: &str, field: &str, sealed: &[u8]) -> Result<String, AppError> {
        let start = 5 + custos_crypto::NONCE_LEN;
        let body = sealed
            .get(start..sealed.len().saturating_sub(custos_crypto::TAG_LEN))
            .ok_or_else(|| AppError::Internal(format!("field {field} of record {record_id} is malformed")))?;
        String::from_utf8(body.to_vec())
            .map_err(|_| AppError::Internal(format!("field {field} of record {record_id} is not UTF-8")))
    }
}

/// Associated data binding a wrapped DEK to its customer.
pub(crate) fn wrap_aad(customer_id: &str) -> Vec<u8> {
    custos_crypto::field_aad(customer_id, "customer-data-key")
}

fn key_err(what: &str, e: CryptoError) -> AppError {
    AppError::Internal(format!("{what}: {e}"))
}

impl Vault {
    /// A vault over `keystore` (migrated) with master keys from `source`.
    pub async fn open(
        keystore: KeyStore,
        source: Arc<dyn KeySource>,
        rng: Arc<dyn SecureRandom>,
        clock: Arc<dyn Clock>,
    ) -> Result<Vault, AppError> {
        let ring = source.load().map_err(|e| key_err("cannot load the master key", e))?;
        let blind = ring.blind_index_key().clone();
        let now = (clock.now().unix_timestamp_nanos() / 1000) as i64;
        keystore.register_version(i64::from(ring.current_version()), now).await?;
        Ok(Vault {
            keystore,
            source,
            ring: RwLock::new(ring),
            blind,
            cache: Mutex::new(HashMap::new()),
            newest_checked: Mutex::new(None),
            last_reload: Mutex::new(None),
            rng,
            clock,
        })
    }

    /// The key store (for rotation and status).
    pub fn keystore(&self) -> &KeyStore {
        &self.keystore
    }

    /// The key provider.
    pub fn source(&self) -> &Arc<dyn KeySource> {
        &self.source
    }

    fn now_micros(&self) -> i64 {
        (self.clock.now().unix_timestamp_nanos() / 1000) as i64
    }

    /// The key ring in use now.
    pub fn ring(&self) -> Arc<dyn KeyRing> {
        match self.ring.read() {
            Ok(r) => r.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Reloads the key provider (rate-limited unless `force`). True if it reloaded.
    pub fn reload(&self, force: bool) -> Result<bool, AppError> {
        {
            let mut last = self.last_reload.lock().unwrap_or_else(|p| p.into_inner());
            if !force && last.is_some_and(|t| t.elapsed() < RELOAD_INTERVAL) {
                return Ok(false);
            }
            *last = Some(Instant::now());
        }
        let ring = self.source.load().map_err(|e| key_err("cannot reload the master key", e))?;
        tracing::info!(current_master_version = ring.current_version(), "master keys reloaded");
        *self.ring.write().unwrap_or_else(|p| p.into_inner()) = ring;
        Ok(true)
    }

    /// Unwraps with the current ring, reloading once if the wrapped key names a version the
    /// ring does not hold (rotation by another process).
    fn unwrap(&self, customer_id: &str, wrapped: &[u8]) -> Result<DataKey, AppError> {
        let aad = wrap_aad(customer_id);
        match self.ring().unwrap_dek(wrapped, &aad) {
            Err(CryptoError::UnknownKeyVersion(_)) => {
                self.reload(false)?;
                self.ring().unwrap_dek(wrapped, &aad).map_err(|e| key_err("cannot unwrap a data key", e))
            }
            other => other.map_err(|e| key_err("cannot unwrap a data key", e)),
        }
    }

    /// The ring to wrap new keys with: reloads when the key store announces a newer
    /// master version than this process holds (checked at most every CACHE_TTL).
    async fn ring_for_wrap(&self) -> Result<Arc<dyn KeyRing>, AppError> {
        let due = {
            let mut checked = self.newest_checked.lock().unwrap_or_else(|p| p.into_inner());
            let due = checked.is_none_or(|t| t.elapsed() >= CACHE_TTL);
            if due {
                *checked = Some(Instant::now());
            }
            due
        };
        if due
            && let Some(newest) = self.keystore.newest_active_version().await?
            && newest > i64::from(self.ring().current_version())
        {
            self.reload(true)?;
        }
        Ok(self.ring())
    }

    fn cached(&self, customer_id: &str) -> Option<Arc<DataKey>> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        match cache.get(customer_id) {
            Some((k, t)) if t.elapsed() < CACHE_TTL => Some(k.clone()),
            Some(_) => {
                cache.remove(customer_id);
                None
            }
            None => None,
        }
    }

    fn remember(&self, customer_id: &str, dek: Arc<DataKey>) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_CAPACITY {
            cache.retain(|_, (_, t)| t.elapsed() < CACHE_TTL);
            if cache.len() >= CACHE_CAPACITY {
                // Drop the older half; dropped keys are wiped when their last user is done.
                let mut times: Vec<Instant> = cache.values().map(|(_, t)| *t).collect();
                times.sort_unstable();
                let cut = times[times.len() / 2];
                cache.retain(|_, (_, t)| *t > cut);
            }
        }
        cache.insert(customer_id.to_string(), (dek, Instant::now()));
    }

    /// The keys of one customer's records. `create` is true while the customer is being
    /// created (a key may be made); otherwise a missing key means the data was erased.
    pub async fn keys_for(&self, customer_id: &str, create: bool) -> Result<RecordKeys, AppError> {
        if let Some(dek) = self.cached(customer_id) {
            return Ok(RecordKeys { dek, version: DEK_VERSION });
        }
        let dek = match self.keystore.get_key(customer_id).await? {
            Some(k) => self.unwrap(customer_id, &k.wrapped)?,
            None if create => {
                let dek = DataKey::generate(self.rng.as_ref());
                let ring = self.ring_for_wrap().await?;
                let wrapped = ring
                    .wrap_dek(&dek, &wrap_aad(customer_id), self.rng.as_ref())
                    .map_err(|e| key_err("cannot wrap a data key", e))?;
                let version = i64::from(ring.current_version());
                if self.keystore.insert_key(customer_id, version, &wrapped, self.now_micros()).await? {
                    dek
                } else {
                    // Made concurrently by someone else: use theirs.
                    let k = self.keystore.get_key(customer_id).await?.ok_or(AppError::Erased("customer"))?;
                    self.unwrap(customer_id, &k.wrapped)?
                }
            }
            None => return Err(AppError::Erased("customer")),
        };
        let dek = Arc::new(dek);
        self.remember(customer_id, dek.clone());
        Ok(RecordKeys { dek, version: DEK_VERSION })
    }

    /// Destroys a customer's data key (crypto-shredding): every ciphertext of the customer,
    /// in this database and in every copy of it, becomes unreadable. Idempotent.
    pub async fn destroy(&self, customer_id: &str) -> Result<bool, AppError> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).remove(customer_id);
        let destroyed = self.keystore.destroy_key(customer_id).await?;
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).remove(customer_id);
        Ok(destroyed)
    }

    /// The keyed blind index of a normalised value in one field.
    pub fn blind_index(&self, field: &str, normalised: &str) -> Vec<u8> {
        self.blind.index(field, normalised).to_vec()
    }
}
