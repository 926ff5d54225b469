//! Bulk reads of the audit customer index (`audit_subjects`, which impact queries join) for
//! verification: the `(seq, customer_id)` rows of a seq range copied into one buffer through
//! the bulk reader's own connection, and the rows outside the log. It never writes and
//! never decides whether a row belongs: the verifier derives the index from the events.

use crate::StoreError;
use crate::store::Store;
use crate::tables::audit_bulk::{AuditReader, Conn, copy_out, on_sqlite};
use crate::tables::audit_sqlite;
use sqlx::Row;

/// Index rows `$1 <= seq <= $2` in seq order.
const RANGE_SQL: &str =
    "SELECT seq, customer_id FROM audit_subjects WHERE seq >= $1 AND seq <= $2 ORDER BY seq, customer_id";

/// Stored customer index rows of one read, in seq order.
#[derive(Debug, Default)]
pub struct SubjectBatch {
    data: Vec<u8>,
    /// Seq, start and end of its customer id in `data`, whether that column is text.
    rows: Vec<(i64, u32, u32, bool)>,
}

impl SubjectBatch {
    /// Number of rows read.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `i`: its seq and its customer id (`None` if that column is not text).
    pub fn get(&self, i: usize) -> Option<(i64, Option<&[u8]>)> {
        let &(seq, start, end, text) = self.rows.get(i)?;
        Some((seq, self.data.get(start as usize..end as usize).filter(|_| text)))
    }

    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.rows.clear();
    }

    /// Adds a row: its seq and its customer id (`None`: not text).
    pub(crate) fn push(&mut self, seq: i64, customer: Option<&[u8]>) -> Result<(), StoreError> {
        let offset = |n: usize| u32::try_from(n).map_err(|_| StoreError::Corrupt("index read too large".into()));
        let start = offset(self.data.len())?;
        self.data.extend_from_slice(customer.unwrap_or_default());
        self.rows.push((seq, start, offset(self.data.len())?, customer.is_some()));
        Ok(())
    }
}

impl AuditReader {
    /// Reads the customer index rows with `first <= seq <= last`, in seq order, into
    /// `batch` (replacing what it held).
    pub async fn read_subjects(&mut self, first: i64, last: i64, batch: &mut SubjectBatch) -> Result<(), StoreError> {
        batch.clear();
        match &mut self.conn {
            Conn::Sqlite(slot) => {
                on_sqlite(slot, batch, move |handle, b| {
                    audit_sqlite::scan_subjects(handle, RANGE_SQL, [first, last], b)
                })
                .await
            }
            Conn::Postgres(conn) => {
                let select = RANGE_SQL.replace("$1", &first.to_string()).replace("$2", &last.to_string());
                let copy = format!("COPY ({select}) TO STDOUT (FORMAT binary)");
                copy_out(conn, &copy, &mut self.pending, batch).await
            }
        }
    }
}

impl Store {
    /// The smallest seq of a customer index row outside `[0, head)`, if any: an index row
    /// of no event of the log.
    pub async fn audit_subject_outside(&self, head: i64) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT MIN(seq) AS s FROM audit_subjects WHERE seq < 0 OR seq >= $1")
            .bind(head)
            .fetch_one(self.reader())
            .await?;
        Ok(row.try_get("s")?)
    }
}
