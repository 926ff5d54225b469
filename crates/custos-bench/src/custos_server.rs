//! The real Custos server assembled in-process exactly as the CLI does (Store, Vault, App,
//! custos_web::router, custos_web::serve) over a fresh SQLite data directory, with one admin
//! user. It listens on 127.0.0.1 only and never touches a data directory it did not create.

use crate::error::{BenchError, Result};
use crate::server::{Closer, RunningServer};
use custos_app::users::NewUser;
use custos_app::vault::Vault;
use custos_app::{Actor, App, AppConfig, SystemClock};
use custos_crypto::{KeyMaterial, OsRandom, StaticKeySource};
use custos_store::{KeyStore, Store};
use std::sync::Arc;

/// E-mail of the benchmark's admin user.
pub const ADMIN_EMAIL: &str = "bench-admin@example.com";
/// Password of the benchmark's admin user (a throw-away database; never reused).
pub const ADMIN_PASSWORD: &str = "bench-password-not-secret-1";

/// Opens a fresh Custos application in `dir` (store, key store, vault, roles), as the CLI does.
pub async fn build_app(dir: &std::path::Path) -> Result<(App, Store)> {
    let store = Store::open_sqlite_dir(dir).await.map_err(|e| BenchError::ctx("opening the Custos SQLite store", e))?;
    store.migrate().await.map_err(|e| BenchError::ctx("migrating the Custos store", e))?;
    let keystore =
        KeyStore::open_sqlite_dir(dir).await.map_err(|e| BenchError::ctx("opening the Custos key store", e))?;
    keystore.migrate().await.map_err(|e| BenchError::ctx("migrating the key store", e))?;
    let source = Arc::new(StaticKeySource(Arc::new(KeyMaterial::generate(&OsRandom))));
    let vault = Vault::open(keystore, source, Arc::new(OsRandom), Arc::new(SystemClock))
        .await
        .map_err(|e| BenchError::ctx("opening the vault", e))?;
    let app = App::new(store.clone(), vault, Arc::new(SystemClock), Arc::new(OsRandom), AppConfig::default());
    app.seed_roles().await.map_err(|e| BenchError::ctx("seeding roles", e))?;
    app.seed_pipelines().await.map_err(|e| BenchError::ctx("seeding pipelines", e))?;
    Ok((app, store))
}

/// Opens a fresh Custos instance in `dir`, adds the admin user and starts serving on
/// 127.0.0.1:0. Must be called on the server runtime (the server task is spawned there).
pub async fn start(dir: &std::path::Path) -> Result<RunningServer> {
    let (app, store) = build_app(dir).await?;
    let admin = NewUser {
        email: ADMIN_EMAIL.into(),
        display_name: Some("Bench Admin".into()),
        role: "admin".into(),
        team_id: None,
        password: ADMIN_PASSWORD.into(),
    };
    app.add_user(&Actor::operator(), &admin).await.map_err(|e| BenchError::ctx("adding the admin user", e))?;
    let router = custos_web::router(app, custos_web::WebConfig { secure_cookies: false });
    let closer: Closer = Box::new(move || Box::pin(async move { store.close().await }));
    crate::server::spawn(router, closer, "Custos").await
}
