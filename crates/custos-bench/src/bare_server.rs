//! The baseline: a bare axum 0.8 server over SQLite with the same storage settings as
//! custos-store (sqlx `Any`, a file in a temp dir, WAL, one writer connection, four readers,
//! sqlx's default synchronous=FULL). One POST handler parses the customer JSON and does one
//! plain INSERT; one GET handler reads a row by primary key. No auth, no validation, no
//! encryption, no middleware: it is the floor, never a model of how Custos should be built.

use crate::error::{BenchError, Result};
use crate::server::{Closer, RunningServer};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, AnyRow, install_default_drivers};
use sqlx::{AnyPool, Row};
use std::time::Duration;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS items (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT,
    status        TEXT,
    tags          TEXT NOT NULL,
    email         TEXT,
    mobile        TEXT,
    phone         TEXT,
    address       TEXT,
    birthday      TEXT,
    national_id   TEXT,
    bank_account  TEXT,
    notes         TEXT,
    created_at    INTEGER NOT NULL
)";

const INSERT: &str = "INSERT INTO items (name, kind, status, tags, email, mobile, phone, address, \
    birthday, national_id, bank_account, notes, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id";

const SELECT: &str = "SELECT id, name, kind, status, tags, email, mobile, phone, address, birthday, \
    national_id, bank_account, notes, created_at FROM items WHERE id = $1";

#[derive(Clone)]
struct Pools {
    write: AnyPool,
    read: AnyPool,
}

/// The customer body, taken as plain strings.
#[derive(Deserialize)]
struct ItemIn {
    name: String,
    kind: Option<String>,
    status: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    email: Option<String>,
    mobile: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    birthday: Option<String>,
    national_id: Option<String>,
    bank_account: Option<String>,
    notes: Option<String>,
}

#[derive(Serialize)]
struct ItemOut {
    id: String,
    name: String,
    kind: Option<String>,
    status: Option<String>,
    tags: Vec<String>,
    email: Option<String>,
    mobile: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    birthday: Option<String>,
    national_id: Option<String>,
    bank_account: Option<String>,
    notes: Option<String>,
    created_at: i64,
}

fn micros_now() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000) as i64
}

fn internal(e: sqlx::Error) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({ "error": e.to_string() }))).into_response()
}

async fn create_item(State(p): State<Pools>, Json(b): Json<ItemIn>) -> Response {
    let created_at = micros_now();
    let tags = b.tags.join(",");
    let res = sqlx::query(INSERT)
        .bind(b.name.as_str())
        .bind(b.kind.as_deref())
        .bind(b.status.as_deref())
        .bind(tags.as_str())
        .bind(b.email.as_deref())
        .bind(b.mobile.as_deref())
        .bind(b.phone.as_deref())
        .bind(b.address.as_deref())
        .bind(b.birthday.as_deref())
        .bind(b.national_id.as_deref())
        .bind(b.bank_account.as_deref())
        .bind(b.notes.as_deref())
        .bind(created_at)
        .fetch_one(&p.write)
        .await;
    let id: i64 = match res.and_then(|r| r.try_get(0)) {
        Ok(id) => id,
        Err(e) => return internal(e),
    };
    let out = ItemOut {
        id: id.to_string(),
        name: b.name,
        kind: b.kind,
        status: b.status,
        tags: b.tags,
        email: b.email,
        mobile: b.mobile,
        phone: b.phone,
        address: b.address,
        birthday: b.birthday,
        national_id: b.national_id,
        bank_account: b.bank_account,
        notes: b.notes,
        created_at,
    };
    (StatusCode::CREATED, Json(out)).into_response()
}

fn item_from_row(r: &AnyRow) -> std::result::Result<ItemOut, sqlx::Error> {
    let id: i64 = r.try_get("id")?;
    let tags: String = r.try_get("tags")?;
    Ok(ItemOut {
        id: id.to_string(),
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        status: r.try_get("status")?,
        tags: tags.split(',').filter(|t| !t.is_empty()).map(str::to_string).collect(),
        email: r.try_get("email")?,
        mobile: r.try_get("mobile")?,
        phone: r.try_get("phone")?,
        address: r.try_get("address")?,
        birthday: r.try_get("birthday")?,
        national_id: r.try_get("national_id")?,
        bank_account: r.try_get("bank_account")?,
        notes: r.try_get("notes")?,
        created_at: r.try_get("created_at")?,
    })
}

async fn get_item(State(p): State<Pools>, Path(id): Path<i64>) -> Response {
    let row = match sqlx::query(SELECT).bind(id).fetch_optional(&p.read).await {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    match row.as_ref().map(item_from_row) {
        None => (StatusCode::NOT_FOUND, Json(serde_json::json!({ "error": "not found" }))).into_response(),
        Some(Ok(item)) => Json(item).into_response(),
        Some(Err(e)) => internal(e),
    }
}

/// Reads back the effective settings of a reader connection, e.g. `journal_mode=wal,
/// synchronous=2 (FULL)`, so the report states what was measured rather than what we assume.
async fn effective_settings(read: &AnyPool) -> Result<String> {
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(read)
        .await
        .and_then(|r| r.try_get(0))
        .map_err(|e| BenchError::ctx("reading journal_mode", e))?;
    let sync: i64 = sqlx::query("PRAGMA synchronous")
        .fetch_one(read)
        .await
        .and_then(|r| r.try_get(0))
        .map_err(|e| BenchError::ctx("reading synchronous", e))?;
    let name = match sync {
        0 => "OFF",
        1 => "NORMAL",
        2 => "FULL",
        3 => "EXTRA",
        _ => "?",
    };
    Ok(format!("journal_mode={mode}, synchronous={sync} ({name})"))
}

/// Creates the database in `dir` and starts serving on 127.0.0.1:0. Also returns the
/// effective SQLite settings as read back from the database. Must be called on the server
/// runtime.
pub async fn start(dir: &std::path::Path) -> Result<(RunningServer, String)> {
    install_default_drivers();
    let path = dir.join("bare.db");
    let path = path.to_str().ok_or_else(|| BenchError::new("the temporary directory path is not UTF-8"))?;
    let url = format!("sqlite://{path}?mode=rwc");
    // Same shape as custos-store: one writer (WAL set on it first), then four readers.
    let write = AnyPoolOptions::new()
        .test_before_acquire(false)
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect(&url)
        .await
        .map_err(|e| BenchError::ctx("opening the baseline SQLite writer", e))?;
    sqlx::query("PRAGMA journal_mode=WAL")
        .execute(&write)
        .await
        .map_err(|e| BenchError::ctx("setting WAL on the baseline database", e))?;
    sqlx::query(SCHEMA).execute(&write).await.map_err(|e| BenchError::ctx("creating the baseline table", e))?;
    let read = AnyPoolOptions::new()
        .test_before_acquire(false)
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(30))
        .connect(&url)
        .await
        .map_err(|e| BenchError::ctx("opening the baseline SQLite readers", e))?;
    let settings = effective_settings(&read).await?;
    let pools = Pools { write, read };
    let router =
        Router::new().route("/items", post(create_item)).route("/items/{id}", get(get_item)).with_state(pools.clone());
    let closer: Closer = Box::new(move || {
        Box::pin(async move {
            pools.read.close().await;
            pools.write.close().await;
        })
    });
    let server = crate::server::spawn(router, closer, "the baseline").await?;
    Ok((server, settings))
}
