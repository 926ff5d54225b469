//! Opening a Custos instance from a configuration: data directory, database, key store,
//! migrations, master key provider and vault. Shared by every command. It never prints or
//! logs key material or the PKCS#11 PIN.

use crate::config::Config;
use crate::error::CliError;
use custos_app::vault::Vault;
use custos_app::{App, AppConfig, SystemClock};
use custos_crypto::{EnvKeySource, KeyFileSource, KeySource, OsRandom, keyfile};
use custos_domain::Clock;
use custos_store::{KeyStore, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The key file inside a data directory.
pub const KEY_FILE: &str = "custos.key";

/// Creates the data directory (mode 0700) if it does not exist.
pub fn ensure_data_dir(dir: &Path) -> Result<(), CliError> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(CliError(format!("{} exists and is not a directory", dir.display())));
        }
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| CliError(format!("cannot create {}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| CliError(format!("cannot restrict {}: {e}", dir.display())))?;
    }
    Ok(())
}

/// Opens the store named by the configuration and applies pending migrations.
pub async fn open_store(cfg: &Config) -> Result<Store, CliError> {
    let store = match (&cfg.database_url, &cfg.data_dir) {
        (Some(url), _) => Store::open(url).await?,
        (None, Some(dir)) => {
            ensure_data_dir(dir)?;
            Store::open_sqlite_dir(dir).await?
        }
        (None, None) => return Err(CliError("give --data-dir or --database-url".into())),
    };
    let applied = store.migrate().await?;
    if !applied.is_empty() {
        tracing::info!(?applied, "migrations applied");
    }
    Ok(store)
}

fn key_file_path(cfg: &Config) -> Option<PathBuf> {
    cfg.key_file.clone().or_else(|| cfg.data_dir.as_ref().map(|d| d.join(KEY_FILE)))
}

/// Opens the key store (SQLite: `keys.db` in the data directory; PostgreSQL:
/// `key_store_url`, else schema `custos_keys` of the main database) and migrates it.
pub async fn open_keystore(cfg: &Config) -> Result<KeyStore, CliError> {
    let ks = match (&cfg.database_url, &cfg.data_dir) {
        (Some(url), _) => {
            let ks_url = match &cfg.key_store_url {
                Some(u) => u.clone(),
                None => custos_store::keystore_url_for(url)?,
            };
            KeyStore::open(&ks_url, 4).await?
        }
        (None, Some(dir)) => {
            ensure_data_dir(dir)?;
            KeyStore::open_sqlite_dir(dir).await?
        }
        (None, None) => return Err(CliError("give --data-dir or --database-url".into())),
    };
    ks.migrate().await.map_err(|e| CliError(format!("key store: {e}")))?;
    Ok(ks)
}

/// The master key provider: PKCS#11 when `CUSTOS_PKCS11_MODULE` is set, else
/// `CUSTOS_MASTER_KEY`, else the key file (created with mode 0600 on first use).
pub fn key_source(cfg: &Config, env: &dyn Fn(&str) -> Option<String>) -> Result<Arc<dyn KeySource>, CliError> {
    if let Some(p11) = crate::hsm::from_env(env)? {
        return Ok(p11);
    }
    if let Some(v) = env("CUSTOS_MASTER_KEY") {
        let source = EnvKeySource::new(custos_crypto::Zeroizing::new(v));
        source.load().map_err(|e| CliError(format!("CUSTOS_MASTER_KEY: {e}")))?;
        return Ok(Arc::new(source));
    }
    let path = key_file_path(cfg).ok_or_else(|| {
        CliError("no master key: set CUSTOS_MASTER_KEY, CUSTOS_KEY_FILE, or give --data-dir for a key file".into())
    })?;
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        ensure_data_dir(parent)?;
    }
    keyfile::load_or_create_key_file(&path, &OsRandom)?;
    Ok(Arc::new(KeyFileSource::new(&path)))
}

/// A ready application: store and key store migrated, keys loaded, vault open.
pub async fn open_app(cfg: &Config) -> Result<App, CliError> {
    open_app_with_clock(cfg, Arc::new(SystemClock)).await
}

/// `open_app` with another clock (the demo replays its year of sales at past times).
pub async fn open_app_with_clock(cfg: &Config, clock: Arc<dyn Clock>) -> Result<App, CliError> {
    let store = open_store(cfg).await?;
    let keystore = open_keystore(cfg).await?;
    let source = key_source(cfg, &|k| std::env::var(k).ok())?;
    let vault = Vault::open(keystore, source, Arc::new(OsRandom), clock.clone()).await?;
    let app_cfg = AppConfig {
        session_idle: cfg.session_idle,
        session_absolute: cfg.session_absolute,
        session_bind_ip: cfg.session_bind_ip,
        throttle: cfg.throttle.clone(),
        audit: cfg.audit.clone(),
        ..AppConfig::default()
    };
    let app = App::new(store, vault, clock, Arc::new(OsRandom), app_cfg);
    app.seed_roles().await?;
    app.seed_pipelines().await?;
    Ok(app)
}
