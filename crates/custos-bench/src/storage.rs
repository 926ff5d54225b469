//! Storage-level measurements for BENCHMARKS.md, run in-process on fresh temporary SQLite
//! files: (1) blind-index layouts — insert throughput and exact-match lookup latency of the
//! five blind-index columns with no index, one index per column, and a narrow clustered side
//! table; (2) bulk insert of customers through the real use case (`App::create_customer`),
//! which the plaintext benchmark build (`--cfg custos_bench_plaintext`) runs without
//! encryption for the ratio. It never touches an existing data directory.

use crate::error::{BenchError, Result};
use custos_app::vault::Vault;
use custos_app::{Actor, App, AppConfig, SystemClock};
use custos_crypto::{KeyMaterial, OsRandom, SecureRandom, StaticKeySource};
use custos_domain::CustomerInput;
use custos_store::{KeyStore, Store};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Rows inserted per transaction in the layout benchmark.
const BATCH: usize = 500;
const LOOKUPS: usize = 2000;

#[derive(Clone, Copy, Debug)]
enum Layout {
    NoIndex,
    ColumnIndexes,
    SideTable,
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::NoIndex => "no blind-index index",
            Layout::ColumnIndexes => "5 column indexes on customers",
            Layout::SideTable => "side table (field, digest, id) WITHOUT ROWID",
        }
    }
}

const FIELDS: [&str; 5] = ["email", "mobile", "phone", "national_id", "bank_account"];

async fn pool(path: &std::path::Path) -> Result<SqlitePool> {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    SqlitePoolOptions::new().max_connections(1).connect_with(opts).await.map_err(|e| BenchError::ctx("sqlite", e))
}

async fn exec(p: &SqlitePool, sql: &str) -> Result<()> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(p).await.map_err(|e| BenchError::ctx("sqlite", e))?;
    Ok(())
}

async fn schema(p: &SqlitePool, layout: Layout) -> Result<()> {
    exec(
        p,
        "CREATE TABLE customers (id TEXT PRIMARY KEY, name TEXT NOT NULL, ct BLOB, email_bidx BLOB, mobile_bidx BLOB, \
         phone_bidx BLOB, national_id_bidx BLOB, bank_account_bidx BLOB, created_at INTEGER NOT NULL)",
    )
    .await?;
    match layout {
        Layout::NoIndex => {}
        Layout::ColumnIndexes => {
            for f in FIELDS {
                exec(p, &format!("CREATE INDEX customers_{f}_bidx ON customers({f}_bidx) WHERE {f}_bidx IS NOT NULL"))
                    .await?;
            }
        }
        Layout::SideTable => {
            exec(
                p,
                "CREATE TABLE customer_blind_index (field INTEGER NOT NULL, digest BLOB NOT NULL, customer_id TEXT NOT NULL, \
                 PRIMARY KEY (field, digest, customer_id)) WITHOUT ROWID",
            )
            .await?;
        }
    }
    Ok(())
}

fn digest(rng: &dyn SecureRandom) -> Vec<u8> {
    let mut d = vec![0u8; 16];
    rng.fill(&mut d);
    d
}

/// One row's values: id, 5 digests.
type RowVals = (String, [Vec<u8>; 5]);

async fn insert_batch(p: &SqlitePool, layout: Layout, rows: &[RowVals], ct: &[u8], at: i64) -> Result<()> {
    let mut tx = p.begin().await.map_err(|e| BenchError::ctx("begin", e))?;
    for (id, d) in rows {
        sqlx::query(
            "INSERT INTO customers (id, name, ct, email_bidx, mobile_bidx, phone_bidx, national_id_bidx, bank_account_bidx, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind("Bench Customer")
        .bind(ct)
        .bind(&d[0])
        .bind(&d[1])
        .bind(&d[2])
        .bind(&d[3])
        .bind(&d[4])
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(|e| BenchError::ctx("insert", e))?;
        if let Layout::SideTable = layout {
            for (i, dg) in d.iter().enumerate() {
                sqlx::query("INSERT INTO customer_blind_index (field, digest, customer_id) VALUES ($1, $2, $3)")
                    .bind(i as i64)
                    .bind(dg)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| BenchError::ctx("insert", e))?;
            }
        }
    }
    tx.commit().await.map_err(|e| BenchError::ctx("commit", e))
}

async fn lookup_latencies(p: &SqlitePool, layout: Layout, probes: &[Vec<u8>]) -> Result<(f64, f64)> {
    let mut ms = Vec::with_capacity(probes.len());
    for d in probes {
        let t = Instant::now();
        let sql = match layout {
            Layout::SideTable => {
                "SELECT c.id, c.ct FROM customer_blind_index b JOIN customers c ON c.id = b.customer_id \
                 WHERE b.field = 0 AND b.digest = $1"
            }
            _ => "SELECT id, ct FROM customers WHERE email_bidx = $1",
        };
        let rows = sqlx::query(sql).bind(d).fetch_all(p).await.map_err(|e| BenchError::ctx("lookup", e))?;
        let _: Option<String> = rows.first().and_then(|r| r.try_get("id").ok());
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    let pct = |q: f64| ms[((ms.len() as f64 * q) as usize).min(ms.len() - 1)];
    Ok((pct(0.50), pct(0.99)))
}

/// Blind-index layouts: insert rate per 100,000-row step and lookup p50/p99 at each
/// checkpoint in `checkpoints` (row counts).
pub async fn blind_index(checkpoints: &[usize]) -> Result<String> {
    let max = checkpoints.iter().copied().max().unwrap_or(100_000);
    let rng = OsRandom;
    let ct = vec![0xa5u8; 420];
    let mut out = String::from(
        "| layout | rows | insert rows/s (last step) | lookup p50 ms | lookup p99 ms | file MiB |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for layout in [Layout::NoIndex, Layout::ColumnIndexes, Layout::SideTable] {
        let dir = tempfile::Builder::new()
            .prefix("custos-bench-bidx-")
            .tempdir()
            .map_err(|e| BenchError::ctx("temporary directory", e))?;
        let path = dir.path().join("bidx.db");
        let p = pool(&path).await?;
        schema(&p, layout).await?;
        let mut probes: Vec<Vec<u8>> = Vec::new();
        let mut n = 0usize;
        let mut step_started = Instant::now();
        let mut step_rows = 0usize;
        eprintln!("custos-bench: blind-index layout: {}", layout.name());
        while n < max {
            let rows: Vec<RowVals> = (0..BATCH)
                .map(|_| {
                    (
                        uuid::Uuid::now_v7().to_string(),
                        [digest(&rng), digest(&rng), digest(&rng), digest(&rng), digest(&rng)],
                    )
                })
                .collect();
            if probes.len() < LOOKUPS && n % (max / LOOKUPS).max(1) < BATCH {
                probes.push(rows[0].1[0].clone());
            }
            insert_batch(&p, layout, &rows, &ct, n as i64).await?;
            n += BATCH;
            step_rows += BATCH;
            if checkpoints.contains(&n) {
                let rate = step_rows as f64 / step_started.elapsed().as_secs_f64();
                let lookups: Vec<Vec<u8>> = probes.iter().cycle().take(LOOKUPS).cloned().collect();
                let (p50, p99) = if matches!(layout, Layout::NoIndex) && n > 100_000 {
                    (f64::NAN, f64::NAN) // a full scan per lookup: too slow to sample at this size
                } else {
                    lookup_latencies(
                        &p,
                        layout,
                        &lookups[..if matches!(layout, Layout::NoIndex) { 50 } else { LOOKUPS }],
                    )
                    .await?
                };
                let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
                    + std::fs::metadata(dir.path().join("bidx.db-wal")).map(|m| m.len()).unwrap_or(0);
                out.push_str(&format!(
                    "| {} | {} | {:.0} | {:.3} | {:.3} | {:.0} |\n",
                    layout.name(),
                    n,
                    rate,
                    p50,
                    p99,
                    size as f64 / 1048576.0
                ));
                eprintln!("custos-bench:   {n} rows: {rate:.0} rows/s, lookup p50 {p50:.3} ms p99 {p99:.3} ms");
                step_started = Instant::now();
                step_rows = 0;
            }
        }
        p.close().await;
    }
    Ok(out)
}

fn customer(i: usize) -> CustomerInput {
    CustomerInput {
        name: Some(format!("Bulk Customer {i}")),
        kind: Some("person".into()),
        email: Some(format!("bulk{i}@example.com")),
        mobile: Some(format!("139{:08}", i % 100_000_000)),
        phone: Some("021-6888 1234".into()),
        address: Some("上海市浦东新区世纪大道 100 号 12 楼".into()),
        birthday: Some("1985-06-12".into()),
        national_id: Some("31011519850612123X".into()),
        bank_account: Some("6228480012345671".into()),
        notes: Some("Met at the Shanghai trade fair; prefers e-mail.".into()),
        ..Default::default()
    }
}

/// Bulk insert of `rows` customers through `App::create_customer` with `workers` tasks.
/// Returns (rows per second, seconds).
pub async fn bulk(rows: usize, workers: usize) -> Result<(f64, f64)> {
    let dir = tempfile::Builder::new()
        .prefix("custos-bench-bulk-")
        .tempdir()
        .map_err(|e| BenchError::ctx("temporary directory", e))?;
    let store = Store::open_sqlite_dir(dir.path()).await.map_err(|e| BenchError::ctx("store", e))?;
    store.migrate().await.map_err(|e| BenchError::ctx("migrate", e))?;
    let ks = KeyStore::open_sqlite_dir(dir.path()).await.map_err(|e| BenchError::ctx("key store", e))?;
    ks.migrate().await.map_err(|e| BenchError::ctx("key store", e))?;
    let source = Arc::new(StaticKeySource(Arc::new(KeyMaterial::generate(&OsRandom))));
    let vault = Vault::open(ks.clone(), source, Arc::new(OsRandom), Arc::new(SystemClock))
        .await
        .map_err(|e| BenchError::ctx("vault", e))?;
    let app = App::new(store.clone(), vault, Arc::new(SystemClock), Arc::new(OsRandom), AppConfig::default());
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for w in 0..workers {
        let app = app.clone();
        set.spawn(async move {
            let mut i = w;
            while i < rows {
                app.create_customer(&Actor::operator(), &customer(i))
                    .await
                    .map_err(|e| BenchError::ctx("create", e))?;
                i += workers;
            }
            Ok::<(), BenchError>(())
        });
    }
    while let Some(r) = set.join_next().await {
        r.map_err(|e| BenchError::ctx("task", e))??;
    }
    let secs = started.elapsed().as_secs_f64();
    store.close().await;
    ks.close().await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    Ok((rows as f64 / secs, secs))
}
