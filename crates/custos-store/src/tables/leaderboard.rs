//! Per-person sales aggregates for the leaderboard and the activity report: won and open deal
//! amounts per owner, activity counts per owner and kind, and the names of those people.
//!
//! **Scope**: figures about people are scoped by **ownership** — `push_scope` on the deal or
//! the activity itself (`owner_id` / `team_id`), without customer shares — so a rep's figures
//! are only their own, a manager's those of their team, and nobody learns a colleague's
//! results through a shared customer. An activity counts when it happened: `occurred_at` for
//! calls, meetings, e-mails and notes, `done_at` for tasks (open tasks are not counted).

use crate::StoreError;
use crate::rows::Visibility;
use crate::sql::{Bind, SqlBuilder};
use crate::store::Store;
use crate::tables::quotas::OWNED_DEALS;
use crate::tables::scope::{Scoped, push_scope};
use sqlx::Row;

/// Deal totals of one owner in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerDealTotals {
    pub owner_id: String,
    /// Won (closed within the period).
    pub won_minor: i64,
    pub won_count: i64,
    /// Open now, whatever their expected close.
    pub open_minor: i64,
    pub open_count: i64,
}

/// How many activities of one kind one person logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityCountRow {
    pub owner_id: String,
    pub kind: String,
    pub count: i64,
}

/// A person's names, for labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub id: String,
    pub display_name: String,
    pub email: String,
    pub team_id: Option<String>,
}

const OWNED_ACTIVITIES: Scoped = Scoped { table: "a", shared_via: None };

/// When an activity counts (see the module doc).
const HAPPENED: &str = "COALESCE(a.occurred_at, a.done_at)";

impl Store {
    /// Per owner: deals won in `start_us` ≤ closed_at < `end_us` and deals open now, in `currency`.
    pub async fn deal_totals_by_owner(
        &self,
        currency: &str,
        start_us: i64,
        end_us: i64,
        v: &Visibility,
    ) -> Result<Vec<OwnerDealTotals>, StoreError> {
        let mut q = SqlBuilder::new(
            "SELECT d.owner_id AS owner_id, \
             CAST(COALESCE(SUM(CASE WHEN d.status = 'won' THEN d.amount_minor ELSE 0 END), 0) AS BIGINT) AS won_minor, \
             CAST(COALESCE(SUM(CASE WHEN d.status = 'won' THEN 1 ELSE 0 END), 0) AS BIGINT) AS won_count, \
             CAST(COALESCE(SUM(CASE WHEN d.status = 'open' THEN d.amount_minor ELSE 0 END), 0) AS BIGINT) AS open_minor, \
             CAST(COALESCE(SUM(CASE WHEN d.status = 'open' THEN 1 ELSE 0 END), 0) AS BIGINT) AS open_count \
             FROM deals d WHERE d.owner_id IS NOT NULL AND d.currency = ",
        );
        q.bind(Bind::Text(currency.to_string()));
        q.push(" AND (d.status = 'open' OR (d.status = 'won' AND d.closed_at >= ").bind(Bind::Int(start_us));
        q.push(" AND d.closed_at < ").bind(Bind::Int(end_us)).push("))");
        push_scope(&mut q, v, OWNED_DEALS);
        q.push(" GROUP BY d.owner_id");
        let rows = q.build().fetch_all(self.reader()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(OwnerDealTotals {
                owner_id: r.try_get("owner_id")?,
                won_minor: r.try_get("won_minor")?,
                won_count: r.try_get("won_count")?,
                open_minor: r.try_get("open_minor")?,
                open_count: r.try_get("open_count")?,
            });
        }
        Ok(out)
    }

    /// Activities per owner and kind that happened in `from_us` ≤ t < `to_us`.
    pub async fn activity_counts(
        &self,
        from_us: i64,
        to_us: i64,
        v: &Visibility,
    ) -> Result<Vec<ActivityCountRow>, StoreError> {
        let mut q = SqlBuilder::new(&format!(
            "SELECT a.owner_id AS owner_id, a.kind AS kind, COUNT(*) AS n FROM activities a \
             WHERE a.owner_id IS NOT NULL AND {HAPPENED} >= "
        ));
        q.bind(Bind::Int(from_us)).push(&format!(" AND {HAPPENED} < ")).bind(Bind::Int(to_us));
        push_scope(&mut q, v, OWNED_ACTIVITIES);
        q.push(" GROUP BY a.owner_id, a.kind");
        let rows = q.build().fetch_all(self.reader()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(ActivityCountRow {
                owner_id: r.try_get("owner_id")?,
                kind: r.try_get("kind")?,
                count: r.try_get("n")?,
            });
        }
        Ok(out)
    }

    /// Names of the users `ids` (unknown ids are left out).
    pub async fn people(&self, ids: &[String]) -> Result<Vec<PersonRow>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(200) {
            let mut q = SqlBuilder::new("SELECT id, display_name, email, team_id FROM users WHERE id IN (");
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(Bind::Text(id.clone()));
            }
            q.push(")");
            for r in &q.build().fetch_all(self.reader()).await? {
                out.push(PersonRow {
                    id: r.try_get("id")?,
                    display_name: r.try_get("display_name")?,
                    email: r.try_get("email")?,
                    team_id: r.try_get("team_id")?,
                });
            }
        }
        Ok(out)
    }
}
