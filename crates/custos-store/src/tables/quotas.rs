//! Quota rows: insert, versioned update, delete, scoped reads and lists by period, and
//! attainment (won deals against each quota). It decides nothing; the app passes the scope.
//!
//! **Scope of a quota**: a quota is treated as a row owned by its user (`owner_id` =
//! `user_id`) and belonging to its team (`team_id`), through `push_scope`: a rep (own) sees
//! only their own quota; a manager (team) their own, their team members' and their team's;
//! everyone else with scope all, every quota. The same clause decides which users and teams
//! a manager may set quotas for, and whom an activity may be given to (`user_or_team_in_scope`).
//!
//! **Attainment** of a quota = the sum of `amount_minor` of deals with status `won`, closed
//! (`closed_at`) within the period, in the quota's currency, owned by the quota's user — or,
//! for a team quota, owned by a user who is a member of the team now (the owner's current
//! team, not `deals.team_id`). Deals count only if the reader may see them by ownership
//! (`push_scope` on the deal, shares not counted), so no aggregate shows more than its reader
//! may see.

use crate::StoreError;
use crate::rows::Visibility;
use crate::sql::{Bind, SqlBuilder};
use crate::store::{Store, WriteTx};
use crate::tables::scope::{Scoped, push_scope};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A quota as stored. `subject` is `user:<id>` or `team:<id>`; `ends_on` is exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuotaRow {
    pub id: String,
    pub subject: String,
    pub user_id: Option<String>,
    pub team_id: Option<String>,
    pub period: String,
    pub starts_on: String,
    pub ends_on: String,
    pub amount_minor: i64,
    pub currency: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// A quota with what was won against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaAttainmentRow {
    pub quota: QuotaRow,
    pub won_minor: i64,
    pub won_count: i64,
}

const QCOLS: &str = "q.id, q.subject, q.user_id, q.team_id, q.period, q.starts_on, q.ends_on, q.amount_minor, q.currency, \
     q.created_at, q.updated_at, q.version";

/// Quotas with `owner_id` = `user_id`, so `push_scope` applies to them as to owned rows.
const SCOPED_QUOTAS: &str = "(SELECT id, subject, user_id, team_id, user_id AS owner_id, period, starts_on, ends_on, \
     amount_minor, currency, created_at, updated_at, version FROM quotas) q";

/// Ownership scope of aggregates over deals (no shares).
pub(crate) const OWNED_DEALS: Scoped = Scoped { table: "d", shared_via: None };

fn from_row(r: &AnyRow) -> Result<QuotaRow, sqlx::Error> {
    Ok(QuotaRow {
        id: r.try_get("id")?,
        subject: r.try_get("subject")?,
        user_id: r.try_get("user_id")?,
        team_id: r.try_get("team_id")?,
        period: r.try_get("period")?,
        starts_on: r.try_get("starts_on")?,
        ends_on: r.try_get("ends_on")?,
        amount_minor: r.try_get("amount_minor")?,
        currency: r.try_get("currency")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

fn scoped_select(v: &Visibility) -> SqlBuilder {
    let mut q = SqlBuilder::new(&format!("SELECT {QCOLS} FROM {SCOPED_QUOTAS} WHERE 1=1"));
    push_scope(&mut q, v, Scoped { table: "q", shared_via: None });
    q
}

fn visible_query(id: &str, v: &Visibility) -> SqlBuilder {
    let mut q = scoped_select(v);
    q.push(" AND q.id = ").bind(Bind::Text(id.to_string()));
    q
}

impl Store {
    /// A quota if it exists and a reader with visibility `v` may see it.
    pub async fn get_quota_visible(&self, id: &str, v: &Visibility) -> Result<Option<QuotaRow>, StoreError> {
        let row = visible_query(id, v).build().fetch_optional(self.reader()).await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Quotas a reader may see, of one period if given, by start date then subject.
    pub async fn list_quotas(&self, period: Option<&str>, v: &Visibility) -> Result<Vec<QuotaRow>, StoreError> {
        let mut q = scoped_select(v);
        if let Some(p) = period {
            q.push(" AND q.period = ").bind(Bind::Text(p.to_string()));
        }
        q.push(" ORDER BY q.starts_on, q.period, q.subject LIMIT 1000");
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?)
    }

    /// Every quota of `period` a reader may see, with the won deals (closed in
    /// `start_us` ≤ t < `end_us`) counted against it as the module doc says.
    pub async fn quota_attainment(
        &self,
        period: &str,
        start_us: i64,
        end_us: i64,
        v: &Visibility,
    ) -> Result<Vec<QuotaAttainmentRow>, StoreError> {
        let mut q = SqlBuilder::new(&format!(
            "SELECT {QCOLS}, CAST(COALESCE(SUM(d.amount_minor), 0) AS BIGINT) AS won_minor, \
             COUNT(d.id) AS won_count FROM {SCOPED_QUOTAS} LEFT JOIN deals d ON d.status = 'won' \
             AND d.currency = q.currency AND d.closed_at >= "
        ));
        q.bind(Bind::Int(start_us)).push(" AND d.closed_at < ").bind(Bind::Int(end_us));
        q.push(
            " AND ((q.user_id IS NOT NULL AND d.owner_id = q.user_id) OR (q.team_id IS NOT NULL AND d.owner_id IN \
             (SELECT u.id FROM users u WHERE u.team_id = q.team_id)))",
        );
        push_scope(&mut q, v, OWNED_DEALS);
        q.push(" WHERE q.period = ").bind(Bind::Text(period.to_string()));
        push_scope(&mut q, v, Scoped { table: "q", shared_via: None });
        q.push(&format!(" GROUP BY {QCOLS} ORDER BY q.subject LIMIT 1000"));
        let rows = q.build().fetch_all(self.reader()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(QuotaAttainmentRow {
                quota: from_row(r)?,
                won_minor: r.try_get("won_minor")?,
                won_count: r.try_get("won_count")?,
            });
        }
        Ok(out)
    }
}

impl WriteTx {
    /// `Store::get_quota_visible`, inside this transaction.
    pub async fn get_quota_visible(&mut self, id: &str, v: &Visibility) -> Result<Option<QuotaRow>, StoreError> {
        let row = visible_query(id, v).build().fetch_optional(&mut *self.tx).await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Whether the user (`team` false) or team (`team` true) `id` exists and lies in the
    /// people a reader with visibility `v` may act for: own — themselves; team — themselves,
    /// their team and its members; all — anyone.
    pub async fn user_or_team_in_scope(&mut self, id: &str, team: bool, v: &Visibility) -> Result<bool, StoreError> {
        let inner = if team {
            "(SELECT CAST(NULL AS TEXT) AS owner_id, t.id AS team_id FROM teams t WHERE t.id = "
        } else {
            "(SELECT u.id AS owner_id, CAST(NULL AS TEXT) AS team_id FROM users u WHERE u.id = "
        };
        let mut q = SqlBuilder::new(&format!("SELECT 1 AS one FROM {inner}"));
        q.bind(Bind::Text(id.to_string())).push(") q WHERE 1=1");
        push_scope(&mut q, v, Scoped { table: "q", shared_via: None });
        Ok(q.build().fetch_optional(&mut *self.tx).await?.is_some())
    }

    pub async fn insert_quota(&mut self, r: &QuotaRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO quotas (id, subject, user_id, team_id, period, starts_on, ends_on, amount_minor, currency, \
             created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(r.id.as_str())
        .bind(r.subject.as_str())
        .bind(r.user_id.clone())
        .bind(r.team_id.clone())
        .bind(r.period.as_str())
        .bind(r.starts_on.as_str())
        .bind(r.ends_on.as_str())
        .bind(r.amount_minor)
        .bind(r.currency.as_str())
        .bind(r.created_at)
        .bind(r.updated_at)
        .bind(r.version)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Writes the target of `r` if the stored version is still `expected_version`.
    pub async fn update_quota(&mut self, r: &QuotaRow, expected_version: i64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE quotas SET amount_minor = $1, currency = $2, updated_at = $3, version = $4 \
             WHERE id = $5 AND version = $6",
        )
        .bind(r.amount_minor)
        .bind(r.currency.as_str())
        .bind(r.updated_at)
        .bind(r.version)
        .bind(r.id.as_str())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("quotas", &r.id).await);
        }
        Ok(())
    }

    /// Deletes a quota, optionally only at `expected_version`.
    pub async fn delete_quota(&mut self, id: &str, expected_version: Option<i64>) -> Result<(), StoreError> {
        let done = match expected_version {
            Some(v) => {
                sqlx::query("DELETE FROM quotas WHERE id = $1 AND version = $2")
                    .bind(id)
                    .bind(v)
                    .execute(&mut *self.tx)
                    .await?
            }
            None => sqlx::query("DELETE FROM quotas WHERE id = $1").bind(id).execute(&mut *self.tx).await?,
        };
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("quotas", id).await);
        }
        Ok(())
    }
}
