//! Parsing PostgreSQL's binary `COPY` format (header, tuples, trailer) into an `AuditBatch`
//! (one tuple per event in `COLS` order) or a `SubjectBatch` (`seq`, `customer_id`), fed as
//! the bytes arrive. It checks every length against what is there, never indexes past it,
//! and never adds half a tuple.

use crate::StoreError;
use crate::tables::audit_bulk::{AuditBatch, CELLS, Cell};
use crate::tables::audit_subject_bulk::SubjectBatch;

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
/// The most columns a tuple may have.
const MAX_COLUMNS: usize = 2 + CELLS;

/// What the tuples of one `COPY` go into.
pub(crate) trait Tuples {
    /// Columns per tuple (at most `MAX_COLUMNS`).
    const COLUMNS: usize;
    /// Adds one whole tuple: `COLUMNS` fields, `None` for NULL.
    fn add(&mut self, fields: &[Option<&[u8]>]) -> Result<(), StoreError>;
}

impl Tuples for AuditBatch {
    /// `seq`, `at`, then the cells.
    const COLUMNS: usize = 2 + CELLS;

    fn add(&mut self, fields: &[Option<&[u8]>]) -> Result<(), StoreError> {
        let seq = int8(fields.first().copied().flatten()).ok_or_else(|| corrupt("seq is not a bigint"))?;
        let mut cells = [Cell::Null; CELLS];
        for (cell, v) in cells.iter_mut().zip(fields.iter().skip(2)) {
            *cell = v.map_or(Cell::Null, Cell::Bytes);
        }
        self.push_row(seq, int8(fields.get(1).copied().flatten()), &cells)
    }
}

impl Tuples for SubjectBatch {
    /// `seq`, `customer_id`.
    const COLUMNS: usize = 2;

    fn add(&mut self, fields: &[Option<&[u8]>]) -> Result<(), StoreError> {
        let seq = int8(fields.first().copied().flatten()).ok_or_else(|| corrupt("seq is not a bigint"))?;
        self.push(seq, fields.get(1).copied().flatten())
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("audit COPY data: {what}"))
}

/// Reads big-endian integers from a slice; `None` when the slice is too short.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.buf.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn i16(&mut self) -> Option<i16> {
        self.take(2).and_then(|b| b.try_into().ok()).map(i16::from_be_bytes)
    }
    fn i32(&mut self) -> Option<i32> {
        self.take(4).and_then(|b| b.try_into().ok()).map(i32::from_be_bytes)
    }
    /// One field: `Some(None)` for NULL.
    fn field(&mut self) -> Result<Option<Option<&'a [u8]>>, StoreError> {
        let Some(len) = self.i32() else { return Ok(None) };
        if len == -1 {
            return Ok(Some(None));
        }
        let len = usize::try_from(len).map_err(|_| corrupt("negative length"))?;
        Ok(self.take(len).map(Some))
    }
}

fn int8(v: Option<&[u8]>) -> Option<i64> {
    v.and_then(|b| b.try_into().ok()).map(i64::from_be_bytes)
}

/// A parser that keeps its place between chunks of the stream.
#[derive(Debug, Default)]
pub(crate) struct Parser {
    header: bool,
    trailer: bool,
}

impl Parser {
    /// Parses every complete tuple at the start of `buf` into `batch`; returns how many
    /// bytes it used (the rest waits for more data).
    pub(crate) fn feed<T: Tuples>(&mut self, buf: &[u8], batch: &mut T) -> Result<usize, StoreError> {
        let mut c = Cursor { buf, pos: 0 };
        if !self.header {
            let Some(sig) = c.take(SIGNATURE.len()) else { return Ok(0) };
            if sig != SIGNATURE {
                return Err(corrupt("no binary COPY signature"));
            }
            let (Some(_flags), Some(ext)) = (c.i32(), c.i32()) else { return Ok(0) };
            let ext = usize::try_from(ext).map_err(|_| corrupt("header extension"))?;
            if c.take(ext).is_none() {
                return Ok(0);
            }
            self.header = true;
        }
        while !self.trailer {
            let start = c.pos;
            if !self.tuple(&mut c, batch)? {
                return Ok(start);
            }
        }
        Ok(c.pos)
    }

    /// One tuple (or the trailer); `false` if it is not all there yet, and then nothing
    /// was added.
    fn tuple<T: Tuples>(&mut self, c: &mut Cursor<'_>, batch: &mut T) -> Result<bool, StoreError> {
        let Some(n) = c.i16() else { return Ok(false) };
        if n == -1 {
            self.trailer = true;
            return Ok(true);
        }
        if usize::try_from(n).ok() != Some(T::COLUMNS) {
            return Err(corrupt("unexpected number of columns"));
        }
        let mut fields: [Option<&[u8]>; MAX_COLUMNS] = [None; MAX_COLUMNS];
        let fields = fields.get_mut(..T::COLUMNS).ok_or_else(|| corrupt("too many columns"))?;
        for f in fields.iter_mut() {
            match c.field()? {
                Some(v) => *f = v,
                None => return Ok(false),
            }
        }
        batch.add(fields)?;
        Ok(true)
    }

    /// Checks that the stream ended with the trailer and nothing after it.
    pub(crate) fn finish(&self, rest: &[u8]) -> Result<(), StoreError> {
        if self.trailer && rest.is_empty() { Ok(()) } else { Err(corrupt("truncated")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(out: &mut Vec<u8>, v: Option<&[u8]>) {
        match v {
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(b) => {
                out.extend_from_slice(&(b.len() as i32).to_be_bytes());
                out.extend_from_slice(b);
            }
        }
    }

    fn stream(rows: &[(i64, Option<&str>)]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&[0; 8]);
        for (seq, user) in rows {
            out.extend_from_slice(&(AuditBatch::COLUMNS as i16).to_be_bytes());
            field(&mut out, Some(&seq.to_be_bytes()));
            field(&mut out, Some(&7i64.to_be_bytes()));
            field(&mut out, user.map(str::as_bytes));
            for _ in 0..4 {
                field(&mut out, None);
            }
            for v in ["a", "r"] {
                field(&mut out, Some(v.as_bytes()));
            }
            field(&mut out, None);
            for v in ["[]", "allowed"] {
                field(&mut out, Some(v.as_bytes()));
            }
            field(&mut out, None);
            field(&mut out, None);
            field(&mut out, Some(b"[]"));
            field(&mut out, Some(&[9; 32]));
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    #[test]
    fn parses_in_any_split_and_refuses_truncation() {
        let bytes = stream(&[(0, Some("u")), (1, None), (2, Some("ü"))]);
        for split in 1..bytes.len() {
            let (mut p, mut b, mut pending) = (Parser::default(), AuditBatch::default(), Vec::new());
            for part in [&bytes[..split], &bytes[split..]] {
                pending.extend_from_slice(part);
                let used = p.feed(&pending, &mut b).unwrap();
                pending.drain(..used);
            }
            p.finish(&pending).unwrap();
            assert_eq!(b.len(), 3, "split at {split}");
            assert_eq!((b.seq(0), b.seq(2)), (0, 2));
            assert_eq!(b.stored_leaf(1), &[9; 32]);
            let mut out = Vec::new();
            assert!(b.canonical_into(2, &mut out));
        }
        let (mut p, mut b) = (Parser::default(), AuditBatch::default());
        let used = p.feed(&bytes[..bytes.len() - 1], &mut b).unwrap();
        assert!(p.finish(&bytes[used..bytes.len() - 1]).is_err(), "no trailer");
        assert!(Parser::default().feed(b"PGCOPY\n\xff\r\n\x01", &mut b).is_err());
    }
}
