//! Custos test harness: fresh databases (SQLite in a temporary directory, or a new
//! PostgreSQL database when `CUSTOS_TEST_POSTGRES_URL` is set), `spawn_app()` serving the
//! real router on 127.0.0.1:0, a small API client and a controllable clock. Test-only: no
//! production code path uses it.

mod client;
mod db;

pub use client::{ApiResponse, TestApp, spawn_app, spawn_app_on, without_create_extras};
pub use db::{Backend, ManualClock, TestDb, backends, postgres_url};

/// Password of every user the harness creates.
pub const TEST_PASSWORD: &str = "correct horse battery staple";
