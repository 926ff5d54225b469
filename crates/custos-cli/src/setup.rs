//! Opening a Custos instance from a configuration: data directory, database, migrations,
//! master key and vault. Shared by every command.

use crate::config::Config;
use crate::error::CliError;
use custos_app::vault::Vault;
use custos_app::{App, AppConfig, SystemClock};
use custos_crypto::{KeyMaterial, OsRandom, keyfile};
use custos_store::Store;
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

/// The master key material: `CUSTOS_MASTER_KEY`, else the key file (created on first use).
pub fn load_keys(cfg: &Config, env: &dyn Fn(&str) -> Option<String>) -> Result<KeyMaterial, CliError> {
    if let Some(v) = env("CUSTOS_MASTER_KEY") {
        return keyfile::key_material_from_env(&v).map_err(|e| CliError(format!("CUSTOS_MASTER_KEY: {e}")));
    }
    let path = key_file_path(cfg).ok_or_else(|| {
        CliError("no master key: set CUSTOS_MASTER_KEY, CUSTOS_KEY_FILE, or give --data-dir for a key file".into())
    })?;
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        ensure_data_dir(parent)?;
    }
    Ok(keyfile::load_or_create_key_file(&path, &OsRandom)?)
}

/// A ready application: store migrated, keys loaded, vault open.
pub async fn open_app(cfg: &Config) -> Result<App, CliError> {
    let store = open_store(cfg).await?;
    let keys = load_keys(cfg, &|k| std::env::var(k).ok())?;
    let clock = Arc::new(SystemClock);
    let now = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000) as i64;
    let vault = Vault::open(&store, keys, &OsRandom, now).await?;
    let app_cfg = AppConfig { session_idle: cfg.session_idle, session_absolute: cfg.session_absolute };
    Ok(App::new(store, vault, clock, Arc::new(OsRandom), app_cfg))
}
