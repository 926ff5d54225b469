//! The SQLite half of the audit bulk reader and the store's only `unsafe` code: one
//! prepared statement stepped over the raw handle of a locked, read-only sqlx connection,
//! each value copied into an `AuditBatch` before the next step. sqlx moves every value of
//! every row through its worker thread and a channel (about 4 µs a row here); this reads
//! them in place (about 0.5 µs). It never writes, never keeps a pointer from SQLite past
//! the row it belongs to, and always finalizes its statement.

use crate::StoreError;
use crate::tables::audit_bulk::{AuditBatch, CELLS, Cell};
use crate::tables::audit_subject_bulk::SubjectBatch;
use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;
use std::ffi::{CStr, c_int};
use std::ptr::NonNull;

/// One value of the current row, borrowed from SQLite until the next step.
enum Value<'s> {
    Int(i64),
    Null,
    Text(&'s [u8]),
    Blob(&'s [u8]),
    Other,
}

/// A prepared statement of one read; finalized when dropped.
struct Stmt {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
}

fn error(db: NonNull<ffi::sqlite3>, rc: c_int) -> StoreError {
    // SAFETY: `db` is the open connection we hold locked; sqlite3_errmsg returns a
    // NUL-terminated string owned by SQLite, copied here before any other call.
    let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) }.to_string_lossy().into_owned();
    StoreError::Database(format!("audit read (SQLite {rc}): {msg}"))
}

impl Stmt {
    fn prepare(db: NonNull<ffi::sqlite3>, sql: &str) -> Result<Stmt, StoreError> {
        let len = c_int::try_from(sql.len()).map_err(|_| StoreError::Database("statement too long".into()))?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: `db` is open and locked by the caller; `sql` is valid for `len` bytes (no
        // NUL terminator is needed when the length is given); `raw` receives the statement.
        let rc =
            unsafe { ffi::sqlite3_prepare_v2(db.as_ptr(), sql.as_ptr().cast(), len, &mut raw, std::ptr::null_mut()) };
        match NonNull::new(raw) {
            Some(stmt) if rc == ffi::SQLITE_OK => Ok(Stmt { db, stmt }),
            Some(stmt) => {
                drop(Stmt { db, stmt });
                Err(error(db, rc))
            }
            None => Err(error(db, rc)),
        }
    }

    fn bind(&mut self, index: c_int, v: i64) -> Result<(), StoreError> {
        // SAFETY: the statement is prepared and not being stepped.
        let rc = unsafe { ffi::sqlite3_bind_int64(self.stmt.as_ptr(), index, v) };
        if rc == ffi::SQLITE_OK { Ok(()) } else { Err(error(self.db, rc)) }
    }

    /// Advances to the next row: `true` if there is one.
    fn step(&mut self) -> Result<bool, StoreError> {
        // SAFETY: the statement is prepared; `&mut self` ends every borrow of the previous
        // row's values before SQLite may free them.
        match unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            rc => Err(error(self.db, rc)),
        }
    }

    /// Column `i` of the current row (the caller's query has `2 + CELLS` columns).
    fn value(&self, i: c_int) -> Value<'_> {
        // SAFETY: called only after `step` returned a row and before the next `step`; `i` is
        // a column index of the statement. Text and blob pointers stay valid until the
        // next step, which needs `&mut self`, so the returned slice cannot outlive them. A
        // NULL pointer (zero-length value) becomes an empty slice.
        unsafe {
            let v = ffi::sqlite3_column_value(self.stmt.as_ptr(), i);
            let ty = ffi::sqlite3_value_type(v);
            let bytes = |p: *const u8| {
                let n = usize::try_from(ffi::sqlite3_value_bytes(v)).unwrap_or(0);
                if p.is_null() || n == 0 { &[][..] } else { std::slice::from_raw_parts(p, n) }
            };
            match ty {
                ffi::SQLITE_INTEGER => Value::Int(ffi::sqlite3_value_int64(v)),
                ffi::SQLITE_NULL => Value::Null,
                ffi::SQLITE_TEXT => Value::Text(bytes(ffi::sqlite3_value_text(v))),
                ffi::SQLITE_BLOB => Value::Blob(bytes(ffi::sqlite3_value_blob(v).cast())),
                _ => Value::Other,
            }
        }
    }
}

impl Drop for Stmt {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared on `db`, which is still open, and is finalized
        // exactly once.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// `sql` prepared with its integer parameters bound, ready to step.
fn prepared(handle: &mut LockedSqliteHandle<'_>, sql: &str, params: &[i64]) -> Result<Stmt, StoreError> {
    let mut stmt = Stmt::prepare(handle.as_raw_handle(), sql)?;
    for (i, p) in (1..).zip(params) {
        stmt.bind(i, *p)?;
    }
    Ok(stmt)
}

/// Runs `sql` (the audit range query, `2 + CELLS` columns in `COLS` order) with the three
/// integer parameters and copies every row into `batch`.
pub(crate) fn scan(
    handle: &mut LockedSqliteHandle<'_>,
    sql: &str,
    params: [i64; 3],
    batch: &mut AuditBatch,
) -> Result<(), StoreError> {
    let mut stmt = prepared(handle, sql, &params)?;
    while stmt.step()? {
        let seq = match stmt.value(0) {
            Value::Int(s) => s,
            _ => return Err(StoreError::Corrupt("audit seq is not an integer".into())),
        };
        let at = match stmt.value(1) {
            Value::Int(a) => Some(a),
            _ => None,
        };
        let mut cells = [Cell::Null; CELLS];
        for (k, (cell, col)) in cells.iter_mut().zip(2..).enumerate() {
            // Text columns hold text and the leaf a blob; anything else was put in by hand.
            *cell = match (stmt.value(col), k == CELLS - 1) {
                (Value::Null, _) => Cell::Null,
                (Value::Text(b), false) | (Value::Blob(b), true) => Cell::Bytes(b),
                _ => Cell::WrongType,
            };
        }
        batch.push_row(seq, at, &cells)?;
    }
    Ok(())
}

/// Runs `sql` (the customer index range query: `seq`, `customer_id`) with its two integer
/// parameters and copies every row into `batch`.
pub(crate) fn scan_subjects(
    handle: &mut LockedSqliteHandle<'_>,
    sql: &str,
    params: [i64; 2],
    batch: &mut SubjectBatch,
) -> Result<(), StoreError> {
    let mut stmt = prepared(handle, sql, &params)?;
    while stmt.step()? {
        let seq = match stmt.value(0) {
            Value::Int(s) => s,
            _ => return Err(StoreError::Corrupt("audit customer index: seq is not an integer".into())),
        };
        let customer = match stmt.value(1) {
            Value::Text(b) => Some(b),
            _ => None,
        };
        batch.push(seq, customer)?;
    }
    Ok(())
}
