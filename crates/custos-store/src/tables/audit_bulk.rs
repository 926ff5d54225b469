//! Bulk reads of the audit log for verification: a reader with a read-only native
//! connection of its own (not the `Any` pools), opened from the store's URL, that fills an
//! `AuditBatch` — every column of a seq range copied into one buffer, with no allocation
//! per row — through a raw SQLite scan or `COPY … (FORMAT binary)` on PostgreSQL. It never
//! writes, never loads more than the range asked for, and never judges the rows: a column
//! of the wrong type or encoding is kept as such and reported as "does not decode" by the
//! caller, who names its seq.

use crate::StoreError;
use crate::store::{Backend, Store};
use crate::tables::audit::COLS;
use crate::tables::audit_copy::Tuples;
use crate::tables::audit_sqlite;
use custos_audit::{EventRef, Outcome};
use serde::Deserialize;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use std::borrow::Cow;
use std::str::FromStr;

/// Events `$1 <= seq <= $2` in seq order, at most `$3` (one text for both engines; PostgreSQL
/// runs it inside `COPY`, which takes no parameters, with the integers written in).
fn range_sql() -> String {
    format!("SELECT {COLS} FROM audit_events WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3")
}

/// Columns after `seq` and `at`, in `COLS` order: 13 text columns, then the leaf.
pub(crate) const CELLS: usize = 14;
const FIELDS: usize = 8;
const OUTCOME: usize = 9;
const IDS: usize = 12;
const LEAF: usize = 13;
/// Columns that may be NULL: the actor's five, record id, purpose, request id.
const NULLABLE: u16 = 0b1_1111 | 1 << 7 | 1 << 10 | 1 << 11;

/// One value as read: its bytes, NULL, or a type that column never holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    Null,
    Bytes(&'a [u8]),
    WrongType,
}

#[derive(Debug, Clone, Copy)]
struct RawRow {
    seq: i64,
    /// `None`: `at` is not an integer.
    at: Option<i64>,
    start: u32,
    /// End offsets in `data` of the 14 cells.
    ends: [u32; CELLS],
    /// Bit `k`: cell `k` is NULL / of the wrong type.
    null: u16,
    wrong: u16,
}

/// Stored events of one read, in seq order: columns copied into one buffer.
#[derive(Debug, Default)]
pub struct AuditBatch {
    data: Vec<u8>,
    rows: Vec<RawRow>,
}

/// A list element of a stored JSON list, borrowed unless it has escapes.
#[derive(Debug, Deserialize)]
struct Item<'a>(#[serde(borrow)] Cow<'a, str>);

impl AsRef<str> for Item<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AuditBatch {
    /// Number of events read.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The stored seq of event `i`.
    pub fn seq(&self, i: usize) -> i64 {
        self.rows.get(i).map_or(i64::MIN, |r| r.seq)
    }

    /// The stored leaf hash of event `i` (empty if that column is not a byte string).
    pub fn stored_leaf(&self, i: usize) -> &[u8] {
        self.rows
            .get(i)
            .filter(|r| (r.null | r.wrong) & (1 << LEAF) == 0)
            .and_then(|r| self.cell(r, LEAF))
            .unwrap_or(&[])
    }

    /// Writes the canonical encoding of event `i` (as `AuditEvent::canonical_bytes` gives
    /// for the event its columns decode to) into `out`, replacing its content. `false` if a
    /// column does not decode: NULL where a value is required, a wrong type, text that is
    /// not UTF-8, a list that is not a JSON list of strings, an unknown outcome.
    pub fn canonical_into(&self, i: usize, out: &mut Vec<u8>) -> bool {
        out.clear();
        self.encode(i, out, |_, _, _, _| ()).is_some()
    }

    /// [`AuditBatch::canonical_into`], then calls `f` with the customers event `i`
    /// concerns, each once, as `audit_subjects` derives them when the event is appended;
    /// `None` if a column does not decode.
    pub fn canonical_and_subjects<R>(
        &self,
        i: usize,
        out: &mut Vec<u8>,
        f: impl FnOnce(&mut [&str]) -> R,
    ) -> Option<R> {
        out.clear();
        self.encode(i, out, |resource, action, record_id, ids| {
            f(&mut crate::tables::audit::subjects_of(resource, action, record_id, ids))
        })
    }

    /// Encodes event `i` into `out`, then hands `then` its resource, action, record id and
    /// ids.
    fn encode<R>(
        &self,
        i: usize,
        out: &mut Vec<u8>,
        then: impl FnOnce(&str, &str, Option<&str>, &[Item<'_>]) -> R,
    ) -> Option<R> {
        let r = self.rows.get(i)?;
        if r.wrong & !(1 << LEAF) != 0 || r.null & !NULLABLE & !(1 << LEAF) != 0 {
            return None;
        }
        // The text cells lie one after another: one UTF-8 check for all, and `get` finds
        // each (it refuses a range that does not start and end on a character boundary).
        let all = std::str::from_utf8(self.data.get(r.start as usize..r.ends[LEAF - 1] as usize)?).ok()?;
        let text = |k: usize| -> Option<Option<&str>> {
            if r.null & (1 << k) != 0 {
                return Some(None);
            }
            let from = if k == 0 { r.start } else { r.ends[k - 1] };
            all.get((from - r.start) as usize..(r.ends[k] - r.start) as usize).map(Some)
        };
        let required = |k: usize| text(k).flatten();
        let list = |k: usize| -> Option<Vec<Item<'_>>> {
            match required(k)? {
                "[]" => Some(Vec::new()),
                json => serde_json::from_str(json).ok(),
            }
        };
        let (fields, ids) = (list(FIELDS)?, list(IDS)?);
        let outcome = match required(OUTCOME)? {
            "allowed" => Outcome::Allowed,
            "denied" => Outcome::Denied,
            "failed" => Outcome::Failed,
            _ => return None,
        };
        let event = EventRef {
            seq: u64::try_from(r.seq).ok()?,
            at_micros: r.at?,
            user_id: text(0)?,
            token_id: text(1)?,
            session_id: text(2)?,
            ip: text(3)?,
            user_agent: text(4)?,
            action: required(5)?,
            resource: required(6)?,
            record_id: text(7)?,
            fields: &fields,
            outcome,
            purpose: text(10)?,
            request_id: text(11)?,
            ids: &ids,
        };
        event.encode_into(out);
        Some(then(event.resource, event.action, event.record_id, &ids))
    }

    fn cell(&self, r: &RawRow, k: usize) -> Option<&[u8]> {
        let start = if k == 0 { r.start } else { *r.ends.get(k - 1)? };
        self.data.get(start as usize..*r.ends.get(k)? as usize)
    }

    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.rows.clear();
    }

    /// Adds a row: `seq`, `at` (`None` if not an integer) and its cells in `COLS` order.
    pub(crate) fn push_row(&mut self, seq: i64, at: Option<i64>, cells: &[Cell<'_>; CELLS]) -> Result<(), StoreError> {
        let too_large = || StoreError::Corrupt("audit read too large".into());
        let start = u32::try_from(self.data.len()).map_err(|_| too_large())?;
        let mut row = RawRow { seq, at, start, ends: [start; CELLS], null: 0, wrong: 0 };
        let mut end = start;
        for (k, cell) in cells.iter().enumerate() {
            match cell {
                Cell::Bytes(b) => {
                    self.data.extend_from_slice(b);
                    end = u32::try_from(b.len()).ok().and_then(|n| end.checked_add(n)).ok_or_else(too_large)?;
                }
                Cell::Null => row.null |= 1 << k,
                Cell::WrongType => row.wrong |= 1 << k,
            }
            row.ends[k] = end;
        }
        self.rows.push(row);
        Ok(())
    }
}

pub(crate) enum Conn {
    Sqlite(Option<SqliteConnection>),
    Postgres(PgConnection),
}

/// A bulk reader of the audit log with a read-only connection of its own.
pub struct AuditReader {
    pub(crate) conn: Conn,
    pub(crate) pending: Vec<u8>,
}

impl std::fmt::Debug for AuditReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditReader").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens a bulk reader of the audit log (for verification). SQLite: a read-only
    /// connection to the same database file; PostgreSQL: one more connection, read-only.
    pub async fn audit_reader(&self) -> Result<AuditReader, StoreError> {
        let conn = match self.backend() {
            Backend::Sqlite => {
                let opts = SqliteConnectOptions::from_str(self.url())?.read_only(true).create_if_missing(false);
                if opts.get_filename() == std::path::Path::new(":memory:") || self.url().contains("mode=memory") {
                    return Err(StoreError::Database("the audit reader needs a database file".into()));
                }
                Conn::Sqlite(Some(opts.connect().await?))
            }
            Backend::Postgres => {
                let mut conn = PgConnection::connect(self.url()).await?;
                // Read-only, and the ordered primary-key scan for a seq range whatever the
                // statistics say (without them the planner sorts a bitmap scan instead).
                sqlx::raw_sql(
                    "SET default_transaction_read_only = on; SET enable_seqscan = off; SET enable_bitmapscan = off",
                )
                .execute(&mut conn)
                .await?;
                Conn::Postgres(conn)
            }
        };
        Ok(AuditReader { conn, pending: Vec::new() })
    }
}

impl AuditReader {
    /// Reads the events with `first <= seq <= last`, in seq order, at most `limit`, into
    /// `batch` (replacing what it held). On SQLite the scan runs on a blocking thread.
    pub async fn read(&mut self, first: i64, last: i64, limit: i64, batch: &mut AuditBatch) -> Result<(), StoreError> {
        batch.clear();
        match &mut self.conn {
            Conn::Sqlite(slot) => {
                let sql = range_sql();
                on_sqlite(slot, batch, move |handle, b| audit_sqlite::scan(handle, &sql, [first, last, limit], b)).await
            }
            Conn::Postgres(conn) => {
                let select = range_sql()
                    .replace("$1", &first.to_string())
                    .replace("$2", &last.to_string())
                    .replace("$3", &limit.to_string());
                let copy = format!("COPY ({select}) TO STDOUT (FORMAT binary)");
                copy_out(conn, &copy, &mut self.pending, batch).await
            }
        }
    }

    /// Closes the connection.
    pub async fn close(self) {
        match self.conn {
            Conn::Sqlite(Some(c)) => {
                let _ = c.close().await;
            }
            Conn::Sqlite(None) => {}
            Conn::Postgres(c) => {
                let _ = c.close().await;
            }
        }
    }
}

/// Runs `scan` over the locked handle of the reader's SQLite connection on a blocking
/// thread, filling `batch` (taken out and put back, like the connection).
pub(crate) async fn on_sqlite<B, F>(
    slot: &mut Option<SqliteConnection>,
    batch: &mut B,
    scan: F,
) -> Result<(), StoreError>
where
    B: Default + Send + 'static,
    F: FnOnce(&mut sqlx::sqlite::LockedSqliteHandle<'_>, &mut B) -> Result<(), StoreError> + Send + 'static,
{
    let mut conn = slot.take().ok_or_else(|| StoreError::Database("audit reader closed".into()))?;
    let mut b = std::mem::take(batch);
    let (conn, b, res) = tokio::task::spawn_blocking(move || {
        let res = tokio::runtime::Handle::current().block_on(async {
            let mut handle = conn.lock_handle().await?;
            scan(&mut handle, &mut b)
        });
        (conn, b, res)
    })
    .await
    .map_err(|e| StoreError::Database(format!("audit reader: {e}")))?;
    *slot = Some(conn);
    *batch = b;
    res
}

/// Runs `sql` (a `COPY … TO STDOUT (FORMAT binary)`) and parses its tuples into `batch` as
/// they arrive.
pub(crate) async fn copy_out<T: Tuples>(
    conn: &mut PgConnection,
    sql: &str,
    pending: &mut Vec<u8>,
    batch: &mut T,
) -> Result<(), StoreError> {
    use futures_util::TryStreamExt;
    pending.clear();
    let mut stream = conn.copy_out_raw(sql).await?;
    let mut parser = crate::tables::audit_copy::Parser::default();
    while let Some(bytes) = stream.try_next().await? {
        pending.extend_from_slice(&bytes);
        let used = parser.feed(pending, batch)?;
        pending.drain(..used);
    }
    parser.finish(pending)
}

#[cfg(test)]
mod tests {
    use super::*;
    use custos_audit::{Actor, AuditEvent};

    fn row<'a>(texts: [Option<&'a [u8]>; CELLS - 1]) -> [Cell<'a>; CELLS] {
        let mut cells = [Cell::Bytes(&[7; 32]); CELLS];
        for (c, t) in cells.iter_mut().zip(texts) {
            *c = t.map_or(Cell::Null, Cell::Bytes);
        }
        cells
    }

    #[test]
    fn rows_encode_like_the_events_they_store() {
        let e = AuditEvent {
            seq: 3,
            at_micros: -5,
            actor: Actor {
                user_id: Some("u".into()),
                token_id: None,
                session_id: Some("s".into()),
                ip: Some("ip".into()),
                user_agent: Some("ü".into()),
            },
            action: "a".into(),
            resource: "r".into(),
            record_id: None,
            fields: vec!["f\"1".into(), "é".into()],
            outcome: Outcome::Failed,
            purpose: Some("p".into()),
            request_id: None,
            ids: vec![],
        };
        let t = |s: &'static str| Some(s.as_bytes());
        let texts = [
            t("u"),
            None,
            t("s"),
            t("ip"),
            t("ü"),
            t("a"),
            t("r"),
            None,
            t(r#"["f\"1", "\u00e9"]"#),
            t("failed"),
            t("p"),
            None,
            t("[]"),
        ];
        let mut b = AuditBatch::default();
        b.push_row(3, Some(-5), &row(texts)).unwrap();
        let mut out = Vec::new();
        assert!(b.canonical_into(0, &mut out));
        assert_eq!(out, e.canonical_bytes());
        assert_eq!(b.stored_leaf(0), &[7; 32]);

        // Each of these makes the row undecodable.
        let mut bad: Vec<[Cell<'_>; CELLS]> = Vec::new();
        let mut split = texts;
        (split[0], split[1]) = (Some(&[0xc3][..]), Some(&[0xa9][..])); // "é" cut between two columns
        bad.push(row(split));
        for (k, v) in [(5, None), (8, t("not a list")), (8, t("[1]")), (9, t("allowed ")), (12, None)] {
            let mut x = texts;
            x[k] = v;
            bad.push(row(x));
        }
        let mut wrong = row(texts);
        wrong[6] = Cell::WrongType;
        bad.push(wrong);
        for (i, cells) in bad.iter().enumerate() {
            b.push_row(4 + i as i64, Some(-5), cells).unwrap();
            assert!(!b.canonical_into(i + 1, &mut out), "case {i}");
        }
        b.push_row(99, None, &row(texts)).unwrap();
        assert!(!b.canonical_into(b.len() - 1, &mut out), "at is not an integer");
    }
}
