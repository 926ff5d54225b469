//! Audit log tables: appending events inside the caller's write transaction (the order comes
//! from the single `audit_head` row, locked by the appending transaction), paged reads in
//! seq order (bulk reads for verification are in `audit_bulk`), leaf and subtree hashes for
//! proofs, signed checkpoints, search, impact queries and SIEM cursors. It never updates or deletes an event and never
//! computes anything but the leaf hash of what it stores.

use crate::StoreError;
use crate::sql::{Bind, SqlBuilder};
use crate::store::{Store, WriteTx};
use custos_audit::{Actor, AuditEvent, Outcome};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

pub(crate) const COLS: &str = "seq, at, actor_user, actor_token, actor_session, ip, user_agent, action, resource, \
    record_id, fields, outcome, purpose, request_id, ids, leaf";

/// Leaves per stored subtree hash (`audit_chunks`): chunk `i` is the root of leaves
/// `[i * CHUNK, (i + 1) * CHUNK)`.
pub const AUDIT_CHUNK: u64 = 1024;

/// One stored event as read back: the decoded event (None if a column does not decode,
/// which verification reports as tampering) and the stored leaf hash.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub seq: i64,
    pub event: Option<AuditEvent>,
    pub leaf: Vec<u8>,
}

/// A stored signed checkpoint.
#[derive(Debug, Clone)]
pub struct CheckpointRow {
    pub size: i64,
    pub root: Vec<u8>,
    pub note: String,
    pub at: i64,
}

/// Filters of an auditor's search; `after_seq` is the cursor (newest first: events with a
/// smaller seq).
#[derive(Debug, Clone, Default)]
pub struct AuditSearch {
    pub actor_user: Option<String>,
    pub record_id: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub from_at: Option<i64>,
    pub to_at: Option<i64>,
    pub seq: Option<i64>,
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// One line of "which customers did this actor touch": per customer and action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactRow {
    pub customer_id: String,
    pub action: String,
    pub count: i64,
    pub first_at: i64,
    pub last_at: i64,
}

fn outcome_str(o: Outcome) -> &'static str {
    match o {
        Outcome::Allowed => "allowed",
        Outcome::Denied => "denied",
        Outcome::Failed => "failed",
    }
}

fn outcome_parse(s: &str) -> Option<Outcome> {
    match s {
        "allowed" => Some(Outcome::Allowed),
        "denied" => Some(Outcome::Denied),
        "failed" => Some(Outcome::Failed),
        _ => None,
    }
}

fn list_json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn decode(r: &AnyRow) -> Result<AuditRecord, sqlx::Error> {
    let seq: i64 = r.try_get("seq")?;
    let leaf: Vec<u8> = r.try_get("leaf")?;
    let fields: String = r.try_get("fields")?;
    let ids: String = r.try_get("ids")?;
    let outcome: String = r.try_get("outcome")?;
    let event = (|| {
        Some(AuditEvent {
            seq: u64::try_from(seq).ok()?,
            at_micros: r.try_get("at").ok()?,
            actor: Actor {
                user_id: r.try_get("actor_user").ok()?,
                token_id: r.try_get("actor_token").ok()?,
                session_id: r.try_get("actor_session").ok()?,
                ip: r.try_get("ip").ok()?,
                user_agent: r.try_get("user_agent").ok()?,
            },
            action: r.try_get("action").ok()?,
            resource: r.try_get("resource").ok()?,
            record_id: r.try_get("record_id").ok()?,
            fields: serde_json::from_str(&fields).ok()?,
            outcome: outcome_parse(&outcome)?,
            purpose: r.try_get("purpose").ok()?,
            request_id: r.try_get("request_id").ok()?,
            ids: serde_json::from_str(&ids).ok()?,
        })
    })();
    Ok(AuditRecord { seq, event, leaf })
}

fn checkpoint(r: &AnyRow) -> Result<CheckpointRow, sqlx::Error> {
    Ok(CheckpointRow {
        size: r.try_get("size")?,
        root: r.try_get("root")?,
        note: r.try_get("note")?,
        at: r.try_get("at")?,
    })
}

/// Resources whose events list customer ids in `ids` (a customer list's or export's
/// customers; the customer of a contact, a deal or the activities read).
const IDS_NAME_CUSTOMERS: [&str; 4] = ["customer", "contact", "deal", "activity"];

/// Whether an event's `ids` are customer ids. Also a lead's conversion (the customer it went
/// into); any other event's ids name records of other kinds (a lead list's leads, a review)
/// and are no subjects.
fn ids_name_customers(resource: &str, action: &str) -> bool {
    IDS_NAME_CUSTOMERS.contains(&resource) || action == "lead.convert"
}

/// The customers an event concerns: its record if it is a customer, and the listed ids of an
/// event whose ids name customers (`ids_name_customers`), each once. Derivable from the event
/// alone.
pub fn audit_subjects(e: &AuditEvent) -> Vec<String> {
    subjects_of(&e.resource, &e.action, e.record_id.as_deref(), &e.ids).into_iter().map(str::to_string).collect()
}

/// [`audit_subjects`] of an event's parts, borrowed (the verifier derives them from stored
/// columns).
pub fn subjects_of<'a, L: AsRef<str>>(
    resource: &str,
    action: &str,
    record_id: Option<&'a str>,
    ids: &'a [L],
) -> Vec<&'a str> {
    let mut out = Vec::with_capacity(1 + ids.len());
    if resource == "customer"
        && let Some(r) = record_id
    {
        out.push(r);
    }
    if ids_name_customers(resource, action) {
        for i in ids {
            if !out.contains(&i.as_ref()) {
                out.push(i.as_ref());
            }
        }
    }
    out
}

fn i64_of(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt("audit sequence out of range".into()))
}

impl WriteTx {
    /// Appends `events` in this transaction, in order: takes their positions from
    /// `audit_head` (whose row stays locked until this transaction ends, so appends from
    /// every process form one gap-free order), fills in each `seq`, stores each event with
    /// its leaf hash and its customer index rows. Returns the first seq.
    pub async fn append_audit(&mut self, events: &mut [AuditEvent]) -> Result<u64, StoreError> {
        let n = i64::try_from(events.len()).map_err(|_| StoreError::Corrupt("too many events".into()))?;
        if n == 0 {
            return Ok(0);
        }
        let row = sqlx::query("UPDATE audit_head SET next = next + $1 WHERE id = 1 RETURNING next")
            .bind(n)
            .fetch_one(&mut *self.tx)
            .await?;
        let next: i64 = row.try_get("next")?;
        let first = next - n;
        let first_u = u64::try_from(first).map_err(|_| StoreError::Corrupt("audit head is negative".into()))?;
        for (i, e) in events.iter_mut().enumerate() {
            e.seq = first_u + i as u64;
            let leaf = e.leaf_hash();
            let sql = format!(
                "INSERT INTO audit_events ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(i64_of(e.seq)?)
                .bind(e.at_micros)
                .bind(e.actor.user_id.clone())
                .bind(e.actor.token_id.clone())
                .bind(e.actor.session_id.clone())
                .bind(e.actor.ip.clone())
                .bind(e.actor.user_agent.clone())
                .bind(e.action.clone())
                .bind(e.resource.clone())
                .bind(e.record_id.clone())
                .bind(list_json(&e.fields))
                .bind(outcome_str(e.outcome))
                .bind(e.purpose.clone())
                .bind(e.request_id.clone())
                .bind(list_json(&e.ids))
                .bind(leaf.to_vec())
                .execute(&mut *self.tx)
                .await?;
            for s in audit_subjects(e) {
                sqlx::query("INSERT INTO audit_subjects (customer_id, seq) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(s)
                    .bind(i64_of(e.seq)?)
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        Ok(first_u)
    }
}

impl Store {
    /// The next seq to be handed out (= number of events appended, if nothing was removed).
    pub async fn audit_head(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT next FROM audit_head WHERE id = 1").fetch_optional(self.reader()).await?;
        match row {
            Some(r) => Ok(r.try_get("next")?),
            None => Err(StoreError::Corrupt("audit head row is missing".into())),
        }
    }

    /// Events with `seq >= from`, in seq order, at most `limit`.
    pub async fn audit_page(&self, from: i64, limit: i64) -> Result<Vec<AuditRecord>, StoreError> {
        let sql = format!("SELECT {COLS} FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2");
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(from).bind(limit).fetch_all(self.reader()).await?;
        Ok(rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?)
    }

    /// Every event with a seq below 0 (never valid), for verification.
    pub async fn audit_negative_seq(&self) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT MIN(seq) AS s FROM audit_events WHERE seq < 0").fetch_one(self.reader()).await?;
        Ok(row.try_get("s")?)
    }

    /// One event by seq.
    pub async fn audit_event(&self, seq: i64) -> Result<Option<AuditRecord>, StoreError> {
        let sql = format!("SELECT {COLS} FROM audit_events WHERE seq = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(seq).fetch_optional(self.reader()).await?;
        Ok(row.as_ref().map(decode).transpose()?)
    }

    /// Stored leaf hashes of `from <= seq < to`, in seq order.
    pub async fn audit_leaves(&self, from: i64, to: i64) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        let rows = sqlx::query("SELECT seq, leaf FROM audit_events WHERE seq >= $1 AND seq < $2 ORDER BY seq")
            .bind(from)
            .bind(to)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(|r| Ok((r.try_get("seq")?, r.try_get("leaf")?))).collect()
    }

    /// Stored subtree hashes with `from <= idx < to`, in order.
    pub async fn audit_chunks(&self, from: i64, to: i64) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        let rows = sqlx::query("SELECT idx, hash FROM audit_chunks WHERE idx >= $1 AND idx < $2 ORDER BY idx")
            .bind(from)
            .bind(to)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(|r| Ok((r.try_get("idx")?, r.try_get("hash")?))).collect()
    }

    /// Stores subtree hashes (idempotent: an existing index is kept).
    pub async fn put_audit_chunks(&self, chunks: &[(i64, Vec<u8>)]) -> Result<(), StoreError> {
        if chunks.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for (idx, hash) in chunks {
            sqlx::query("INSERT INTO audit_chunks (idx, hash) VALUES ($1, $2) ON CONFLICT (idx) DO NOTHING")
                .bind(*idx)
                .bind(hash.clone())
                .execute(&mut *tx.tx)
                .await?;
        }
        tx.commit().await
    }

    /// Stores a signed checkpoint; a second one of the same size (another process) is ignored.
    pub async fn put_audit_checkpoint(&self, c: &CheckpointRow) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO audit_checkpoints (size, root, note, at) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING")
            .bind(c.size)
            .bind(c.root.clone())
            .bind(c.note.clone())
            .bind(c.at)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await
    }

    /// Every checkpoint, smallest first.
    pub async fn audit_checkpoints(&self) -> Result<Vec<CheckpointRow>, StoreError> {
        let rows = sqlx::query("SELECT size, root, note, at FROM audit_checkpoints ORDER BY size")
            .fetch_all(self.reader())
            .await?;
        Ok(rows.iter().map(checkpoint).collect::<Result<Vec<_>, _>>()?)
    }

    /// The largest checkpoint.
    pub async fn latest_audit_checkpoint(&self) -> Result<Option<CheckpointRow>, StoreError> {
        let row = sqlx::query("SELECT size, root, note, at FROM audit_checkpoints ORDER BY size DESC LIMIT 1")
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(checkpoint).transpose()?)
    }

    /// Auditor search, newest first, `limit` at most.
    pub async fn search_audit(&self, s: &AuditSearch) -> Result<Vec<AuditRecord>, StoreError> {
        let mut q = SqlBuilder::new(&format!("SELECT {COLS} FROM audit_events WHERE 1 = 1"));
        let text = [
            (" AND actor_user = ", &s.actor_user),
            (" AND record_id = ", &s.record_id),
            (" AND action = ", &s.action),
            (" AND outcome = ", &s.outcome),
        ];
        for (clause, v) in text {
            if let Some(v) = v {
                q.push(clause).bind(Bind::Text(v.clone()));
            }
        }
        let ints = [
            (" AND at >= ", s.from_at),
            (" AND at < ", s.to_at),
            (" AND seq = ", s.seq),
            (" AND seq < ", s.before_seq),
        ];
        for (clause, v) in ints {
            if let Some(v) = v {
                q.push(clause).bind(Bind::Int(v));
            }
        }
        q.push(" ORDER BY seq DESC LIMIT ").bind(Bind::Int(s.limit));
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?)
    }

    /// Which customers `actor_user` read, revealed, changed or exported in `[from, to)`:
    /// per customer and action, how often and when first and last.
    pub async fn audit_impact_by_actor(
        &self,
        actor_user: &str,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<ImpactRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.customer_id AS customer_id, e.action AS action, COUNT(*) AS n, MIN(e.at) AS first_at, \
             MAX(e.at) AS last_at FROM audit_events e JOIN audit_subjects s ON s.seq = e.seq \
             WHERE e.actor_user = $1 AND e.at >= $2 AND e.at < $3 AND e.outcome = 'allowed' \
             GROUP BY s.customer_id, e.action ORDER BY s.customer_id, e.action LIMIT $4",
        )
        .bind(actor_user)
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ImpactRow {
                    customer_id: r.try_get("customer_id")?,
                    action: r.try_get("action")?,
                    count: r.try_get("n")?,
                    first_at: r.try_get("first_at")?,
                    last_at: r.try_get("last_at")?,
                })
            })
            .collect()
    }

    /// Events concerning one customer in `[from, to)`, newest first, below `before_seq`.
    pub async fn audit_impact_by_customer(
        &self,
        customer_id: &str,
        from: i64,
        to: i64,
        before_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let cols = COLS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {cols} FROM audit_subjects s JOIN audit_events e ON e.seq = s.seq \
             WHERE s.customer_id = $1 AND s.seq < $2 AND e.at >= $3 AND e.at < $4 ORDER BY s.seq DESC LIMIT $5"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(customer_id)
            .bind(before_seq)
            .bind(from)
            .bind(to)
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        Ok(rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?)
    }

    /// Where the SIEM sink `name` continues (0 if it never ran).
    pub async fn audit_sink_cursor(&self, name: &str) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT next FROM audit_sink_cursor WHERE sink = $1")
            .bind(name)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.map(|r| r.try_get("next")).transpose()?.unwrap_or(0))
    }

    /// Records that the sink `name` delivered every event below `next`.
    pub async fn set_audit_sink_cursor(&self, name: &str, next: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO audit_sink_cursor (sink, next) VALUES ($1, $2) \
             ON CONFLICT (sink) DO UPDATE SET next = excluded.next",
        )
        .bind(name)
        .bind(next)
        .execute(&mut *tx.tx)
        .await?;
        tx.commit().await
    }
}
