//! Activity rows (calls, meetings, e-mails, tasks, notes): insert, versioned update, complete,
//! delete, the scoped single read, keyset-paginated lists, timelines and open tasks. Bodies
//! arrive sealed; it never sees their plaintext and decides nothing (the app passes the scope).
//!
//! **Scope of an activity** (one SQL clause, `push_activity_scope`, used by every read so lists,
//! timelines, tasks and single reads never disagree): an activity on a deal is visible exactly
//! when its deal is (`push_scope` on the joined deal, shares via the deal's customer); else one
//! on a customer exactly when its customer is (`push_scope` on the joined customer, with
//! shares); else (lead-only) exactly when its lead is (`push_scope` on the joined lead). The
//! activity's own `owner_id`/`team_id` grant nothing here: a rep who logged a call on a
//! customer later given to someone else no longer sees it, like the customer itself. The
//! per-person aggregates in `leaderboard.rs` use ownership instead (see there).

use crate::StoreError;
use crate::rows::{SortKey, Visibility};
use crate::sql::{Bind, SqlBuilder};
use crate::store::{Store, WriteTx};
use crate::tables::scope::{Scoped, push_scope};
use sqlx::Row;
use sqlx::any::AnyRow;

/// An activity as stored; `body` is sealed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityRow {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub body: Option<Vec<u8>>,
    pub customer_id: Option<String>,
    pub deal_id: Option<String>,
    pub lead_id: Option<String>,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    pub occurred_at: Option<i64>,
    pub due_at: Option<i64>,
    pub done_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

impl ActivityRow {
    /// The moment that orders timelines: when it happened, else (tasks) when it is due.
    pub fn at(&self) -> i64 {
        self.occurred_at.or(self.due_at).unwrap_or(self.created_at)
    }
}

/// Filters of an activity list (newest first by `ActivityRow::at`, then id).
#[derive(Debug, Clone)]
pub struct ActivityFilter {
    pub visible: Visibility,
    pub kind: Option<String>,
    pub owner_id: Option<String>,
    /// Activities of this customer, including those logged on its deals.
    pub customer_id: Option<String>,
    pub deal_id: Option<String>,
    pub lead_id: Option<String>,
    /// Only tasks not done yet.
    pub open_tasks: bool,
    /// Only tasks due before this moment (µs).
    pub due_before: Option<i64>,
    /// Resume after this (at, id).
    pub after: Option<(SortKey, String)>,
    pub limit: u32,
}

impl ActivityFilter {
    pub fn new(visible: Visibility, limit: u32) -> ActivityFilter {
        ActivityFilter {
            visible,
            kind: None,
            owner_id: None,
            customer_id: None,
            deal_id: None,
            lead_id: None,
            open_tasks: false,
            due_before: None,
            after: None,
            limit,
        }
    }
}

const COLS: &str = "a.id, a.kind, a.subject, a.body_ct, a.customer_id, a.deal_id, a.lead_id, a.owner_id, a.team_id, \
    a.occurred_at, a.due_at, a.done_at, a.created_at, a.updated_at, a.version";

/// The ordering moment of a row in SQL (same as `ActivityRow::at`).
pub(crate) const AT: &str = "COALESCE(a.occurred_at, a.due_at, a.created_at)";

fn from_row(r: &AnyRow) -> Result<ActivityRow, sqlx::Error> {
    Ok(ActivityRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body_ct")?,
        customer_id: r.try_get("customer_id")?,
        deal_id: r.try_get("deal_id")?,
        lead_id: r.try_get("lead_id")?,
        owner_id: r.try_get("owner_id")?,
        team_id: r.try_get("team_id")?,
        occurred_at: r.try_get("occurred_at")?,
        due_at: r.try_get("due_at")?,
        done_at: r.try_get("done_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

/// `SELECT … FROM activities a` with the joins the scope clause needs, and ` WHERE 1=1`.
fn select(v: &Visibility) -> SqlBuilder {
    let joins = match v {
        Visibility::All => "",
        _ => {
            " LEFT JOIN deals d ON d.id = a.deal_id LEFT JOIN customers c ON c.id = a.customer_id \
             LEFT JOIN leads l ON l.id = a.lead_id"
        }
    };
    SqlBuilder::new(&format!("SELECT {COLS} FROM activities a{joins} WHERE 1=1"))
}

/// Appends the activity scope (see the module doc); needs the joins of `select`.
pub(crate) fn push_activity_scope(q: &mut SqlBuilder, v: &Visibility) {
    if *v == Visibility::All {
        return;
    }
    q.push(" AND ((a.deal_id IS NOT NULL");
    push_scope(q, v, Scoped { table: "d", shared_via: Some("d.customer_id") });
    q.push(") OR (a.deal_id IS NULL AND a.customer_id IS NOT NULL");
    push_scope(q, v, Scoped { table: "c", shared_via: Some("c.id") });
    q.push(") OR (a.deal_id IS NULL AND a.customer_id IS NULL");
    push_scope(q, v, Scoped { table: "l", shared_via: None });
    q.push("))");
}

fn push_filter(q: &mut SqlBuilder, f: &ActivityFilter) {
    push_activity_scope(q, &f.visible);
    let mut eq = |col: &str, v: &Option<String>| {
        if let Some(v) = v {
            q.push(&format!(" AND {col} = ")).bind(Bind::Text(v.clone()));
        }
    };
    eq("a.kind", &f.kind);
    eq("a.owner_id", &f.owner_id);
    eq("a.deal_id", &f.deal_id);
    eq("a.lead_id", &f.lead_id);
    if let Some(c) = &f.customer_id {
        q.push(" AND (a.customer_id = ").bind(Bind::Text(c.clone()));
        q.push(" OR a.deal_id IN (SELECT dc.id FROM deals dc WHERE dc.customer_id = ").bind(Bind::Text(c.clone()));
        q.push("))");
    }
    if f.open_tasks {
        q.push(" AND a.kind = 'task' AND a.done_at IS NULL");
    }
    if let Some(due) = f.due_before {
        q.push(" AND a.due_at < ").bind(Bind::Int(due));
    }
}

/// One page of activities and the key to resume after its last row.
#[derive(Debug, Clone)]
pub struct ActivityPage {
    pub items: Vec<ActivityRow>,
    pub next: Option<(SortKey, String)>,
}

fn visible_query(id: &str, v: &Visibility) -> SqlBuilder {
    let mut q = select(v);
    q.push(" AND a.id = ").bind(Bind::Text(id.to_string()));
    push_activity_scope(&mut q, v);
    q
}

fn deal_link_query(deal_id: &str, v: &Visibility) -> SqlBuilder {
    let mut q = SqlBuilder::new("SELECT d.customer_id FROM deals d WHERE d.id = ");
    q.bind(Bind::Text(deal_id.to_string()));
    push_scope(&mut q, v, Scoped { table: "d", shared_via: Some("d.customer_id") });
    q
}

fn lead_link_query(lead_id: &str, v: &Visibility) -> SqlBuilder {
    let mut q = SqlBuilder::new("SELECT 1 AS one FROM leads l WHERE l.id = ");
    q.bind(Bind::Text(lead_id.to_string()));
    push_scope(&mut q, v, Scoped { table: "l", shared_via: None });
    q
}

impl Store {
    /// An activity if it exists and a reader with visibility `v` may see it.
    pub async fn get_activity_visible(&self, id: &str, v: &Visibility) -> Result<Option<ActivityRow>, StoreError> {
        let row = visible_query(id, v).build().fetch_optional(self.reader()).await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Activities matching `f`, newest first, one page at a time.
    pub async fn list_activities(&self, f: &ActivityFilter) -> Result<ActivityPage, StoreError> {
        let mut q = select(&f.visible);
        push_filter(&mut q, f);
        if let Some((key, id)) = &f.after {
            let at = match key {
                SortKey::Int(i) => *i,
                SortKey::Text(_) => return Err(StoreError::Corrupt("activity cursor is not a time".into())),
            };
            q.push(&format!(" AND ({AT}, a.id) < (")).bind(Bind::Int(at));
            q.push(", ").bind(Bind::Text(id.clone())).push(")");
        }
        let limit = f.limit.clamp(1, 500);
        q.push(&format!(" ORDER BY {AT} DESC, a.id DESC LIMIT ")).bind(Bind::Int(i64::from(limit) + 1));
        let rows = q.build().fetch_all(self.reader()).await?;
        let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if more { items.last().map(|r| (SortKey::Int(r.at()), r.id.clone())) } else { None };
        Ok(ActivityPage { items, next })
    }

    /// Open tasks of `owner_id` due before `due_before` (µs), soonest first; served by the
    /// partial index `activities_open_tasks`.
    pub async fn open_tasks_due_before(
        &self,
        owner_id: &str,
        due_before: i64,
        v: &Visibility,
        limit: u32,
    ) -> Result<Vec<ActivityRow>, StoreError> {
        let mut q = select(v);
        q.push(" AND a.kind = 'task' AND a.done_at IS NULL AND a.owner_id = ").bind(Bind::Text(owner_id.to_string()));
        q.push(" AND a.due_at < ").bind(Bind::Int(due_before));
        push_activity_scope(&mut q, v);
        q.push(" ORDER BY a.due_at, a.id LIMIT ").bind(Bind::Int(i64::from(limit.clamp(1, 500))));
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?)
    }

    /// The customer of deal `deal_id` if a reader with visibility `v` may see the deal.
    pub async fn activity_deal_link(&self, deal_id: &str, v: &Visibility) -> Result<Option<String>, StoreError> {
        let row = deal_link_query(deal_id, v).build().fetch_optional(self.reader()).await?;
        Ok(row.map(|r| r.try_get("customer_id")).transpose()?)
    }

    /// Whether a reader with visibility `v` may see lead `lead_id`.
    pub async fn activity_lead_visible(&self, lead_id: &str, v: &Visibility) -> Result<bool, StoreError> {
        Ok(lead_link_query(lead_id, v).build().fetch_optional(self.reader()).await?.is_some())
    }
}

impl WriteTx {
    /// `Store::get_activity_visible`, inside this transaction.
    pub async fn get_activity_visible(&mut self, id: &str, v: &Visibility) -> Result<Option<ActivityRow>, StoreError> {
        let row = visible_query(id, v).build().fetch_optional(&mut *self.tx).await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// `Store::activity_deal_link`, inside this transaction.
    pub async fn activity_deal_link(&mut self, deal_id: &str, v: &Visibility) -> Result<Option<String>, StoreError> {
        let row = deal_link_query(deal_id, v).build().fetch_optional(&mut *self.tx).await?;
        Ok(row.map(|r| r.try_get("customer_id")).transpose()?)
    }

    /// `Store::activity_lead_visible`, inside this transaction.
    pub async fn activity_lead_visible(&mut self, lead_id: &str, v: &Visibility) -> Result<bool, StoreError> {
        Ok(lead_link_query(lead_id, v).build().fetch_optional(&mut *self.tx).await?.is_some())
    }

    /// The team of user `id`: `None` if there is no such user.
    pub async fn user_team(&mut self, id: &str) -> Result<Option<Option<String>>, StoreError> {
        let row = sqlx::query("SELECT team_id FROM users WHERE id = $1").bind(id).fetch_optional(&mut *self.tx).await?;
        Ok(row.map(|r| r.try_get("team_id")).transpose()?)
    }

    pub async fn insert_activity(&mut self, a: &ActivityRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO activities (id, kind, subject, body_ct, customer_id, deal_id, lead_id, owner_id, team_id, \
             occurred_at, due_at, done_at, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(a.id.as_str())
        .bind(a.kind.as_str())
        .bind(a.subject.as_str())
        .bind(a.body.clone())
        .bind(a.customer_id.clone())
        .bind(a.deal_id.clone())
        .bind(a.lead_id.clone())
        .bind(a.owner_id.clone())
        .bind(a.team_id.clone())
        .bind(a.occurred_at)
        .bind(a.due_at)
        .bind(a.done_at)
        .bind(a.created_at)
        .bind(a.updated_at)
        .bind(a.version)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Writes the changeable columns of `a` if the stored version is still `expected_version`;
    /// `a.version` is the new version. Kind and links never change.
    pub async fn update_activity(&mut self, a: &ActivityRow, expected_version: i64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE activities SET subject = $1, body_ct = $2, owner_id = $3, team_id = $4, occurred_at = $5, \
             due_at = $6, done_at = $7, updated_at = $8, version = $9 WHERE id = $10 AND version = $11",
        )
        .bind(a.subject.as_str())
        .bind(a.body.clone())
        .bind(a.owner_id.clone())
        .bind(a.team_id.clone())
        .bind(a.occurred_at)
        .bind(a.due_at)
        .bind(a.done_at)
        .bind(a.updated_at)
        .bind(a.version)
        .bind(a.id.as_str())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("activities", &a.id).await);
        }
        Ok(())
    }

    /// Marks a task done at `done_at` if still at `expected_version` (the new version is one more).
    pub async fn complete_activity(&mut self, id: &str, done_at: i64, expected_version: i64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE activities SET done_at = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3 AND version = $4 AND kind = 'task'",
        )
        .bind(done_at)
        .bind(done_at)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("activities", id).await);
        }
        Ok(())
    }

    /// Deletes an activity, optionally only at `expected_version`.
    pub async fn delete_activity(&mut self, id: &str, expected_version: Option<i64>) -> Result<(), StoreError> {
        let done = match expected_version {
            Some(v) => {
                sqlx::query("DELETE FROM activities WHERE id = $1 AND version = $2")
                    .bind(id)
                    .bind(v)
                    .execute(&mut *self.tx)
                    .await?
            }
            None => sqlx::query("DELETE FROM activities WHERE id = $1").bind(id).execute(&mut *self.tx).await?,
        };
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("activities", id).await);
        }
        Ok(())
    }
}
