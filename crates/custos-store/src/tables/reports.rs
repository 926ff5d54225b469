//! Report aggregates over deals, leads and customers: one SQL text for both engines, every
//! query restricted to the reader's record scope through `push_scope`, so a report never
//! counts a row its reader could not list. It returns sums and counts only (never a per-deal
//! row) and applies no business rule: the app chooses ranges, currencies and who may ask.

use crate::StoreError;
use crate::rows::Visibility;
use crate::sql::{Bind, SqlBuilder};
use crate::store::Store;
use crate::tables::scope::{Scoped, push_scope};
use sqlx::Row;
use sqlx::any::AnyRow;

const DEALS: Scoped = Scoped { table: "deals", shared_via: Some("deals.customer_id") };
const LEADS: Scoped = Scoped { table: "leads", shared_via: None };

/// A pipeline as a report filter offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPipelineRow {
    pub id: String,
    pub name: String,
}

/// A pipeline stage as reports need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportStageRow {
    pub id: String,
    pub pipeline_id: String,
    pub name: String,
    pub position: i64,
    /// Win probability of the stage, 0–100.
    pub probability: i64,
}

/// Open deals of one stage with one expected close day (`None`: no date, or not asked per day),
/// in one currency.
/// Day-level cells come straight off the covering index `deals_open_value` in its order (no
/// sort); the app sums them per stage (pipeline value) and per month (forecast).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDealsRow {
    pub stage_id: String,
    /// `YYYY-MM-DD`.
    pub expected_close: Option<String>,
    pub deals: i64,
    pub amount_minor: i64,
}

/// Deals won in one bucket of a list of time boundaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSumRow {
    /// Index of the bucket: `[bounds[i], bounds[i + 1])`.
    pub bucket: usize,
    pub count: i64,
    pub amount_minor: i64,
}

/// Closed deals of one owner in a time range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WinRateRow {
    pub owner_id: Option<String>,
    /// The owner's display name and e-mail (`None` when the deal has no owner).
    pub owner_name: Option<String>,
    pub owner_email: Option<String>,
    pub won: i64,
    pub lost: i64,
    /// Sum over won deals of (closed_at − created_at), in whole seconds.
    pub won_cycle_seconds: i64,
}

/// Leads created in a time range, by how far they got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FunnelRow {
    pub total: i64,
    /// Contacted, qualified or converted.
    pub contacted: i64,
    /// Qualified or converted.
    pub qualified: i64,
    pub converted: i64,
    /// Converted with a deal.
    pub with_deal: i64,
    /// Converted with a deal (visible to the reader) that was won.
    pub deal_won: i64,
}

/// Appends `CASE WHEN col < b1 THEN 0 WHEN col < b2 THEN 1 … END` for `bounds` (ascending;
/// rows are already restricted to `[bounds[0], bounds[last])`).
fn push_bucket(q: &mut SqlBuilder, col: &str, bounds: &[i64]) {
    q.push("CASE");
    for (i, b) in bounds.iter().enumerate().skip(1) {
        q.push(&format!(" WHEN {col} < ")).bind(Bind::Int(*b)).push(&format!(" THEN {}", i - 1));
    }
    q.push(" ELSE -1 END");
}

fn bucket_row(r: &AnyRow) -> Result<Option<BucketSumRow>, sqlx::Error> {
    let bucket: i64 = r.try_get("bucket")?;
    Ok(usize::try_from(bucket).ok().map(|bucket| BucketSumRow {
        bucket,
        count: r.try_get("n").unwrap_or(0),
        amount_minor: r.try_get::<Option<i64>, _>("amount").ok().flatten().unwrap_or(0),
    }))
}

fn push_pipeline(q: &mut SqlBuilder, pipeline_id: Option<&str>) {
    if let Some(p) = pipeline_id {
        q.push(" AND deals.pipeline_id = ").bind(Bind::Text(p.to_string()));
    }
}

impl Store {
    /// Every pipeline, in board order.
    pub async fn report_pipelines(&self) -> Result<Vec<ReportPipelineRow>, StoreError> {
        let rows =
            sqlx::query("SELECT id, name FROM pipelines ORDER BY position, name").fetch_all(self.reader()).await?;
        Ok(rows
            .iter()
            .map(|r| Ok(ReportPipelineRow { id: r.try_get("id")?, name: r.try_get("name")? }))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Stages of one pipeline, or of all, in board order.
    pub async fn report_stages(&self, pipeline_id: Option<&str>) -> Result<Vec<ReportStageRow>, StoreError> {
        let mut q = SqlBuilder::new(
            "SELECT ps.id AS id, ps.pipeline_id AS pipeline_id, ps.name AS name, ps.position AS position, \
             ps.probability AS probability FROM pipeline_stages ps WHERE 1=1",
        );
        if let Some(p) = pipeline_id {
            q.push(" AND ps.pipeline_id = ").bind(Bind::Text(p.to_string()));
        }
        q.push(" ORDER BY ps.pipeline_id, ps.position, ps.id");
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(ReportStageRow {
                    id: r.try_get("id")?,
                    pipeline_id: r.try_get("pipeline_id")?,
                    name: r.try_get("name")?,
                    position: r.try_get("position")?,
                    probability: r.try_get("probability")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Open deals in `currency` visible with `v`, per stage and (with `per_day`) expected close
    /// day; optionally of one pipeline and only those expected on `from` ≤ day < `to` (ISO dates).
    pub async fn report_open_deals(
        &self,
        v: &Visibility,
        pipeline_id: Option<&str>,
        currency: &str,
        per_day: bool,
        expected: Option<(&str, &str)>,
    ) -> Result<Vec<OpenDealsRow>, StoreError> {
        let day = if per_day { "deals.expected_close" } else { "CAST(NULL AS TEXT)" };
        let mut q = SqlBuilder::new(&format!(
            "SELECT deals.stage_id AS stage_id, {day} AS expected_close, COUNT(*) AS n, \
             CAST(SUM(deals.amount_minor) AS BIGINT) AS amount FROM deals WHERE deals.status = 'open'"
        ));
        push_pipeline(&mut q, pipeline_id);
        q.push(" AND deals.currency = ").bind(Bind::Text(currency.to_string()));
        if let Some((from, to)) = expected {
            q.push(" AND deals.expected_close >= ")
                .bind(Bind::Text(from.to_string()))
                .push(" AND deals.expected_close < ")
                .bind(Bind::Text(to.to_string()));
        }
        push_scope(&mut q, v, DEALS);
        q.push(if per_day { " GROUP BY deals.stage_id, deals.expected_close" } else { " GROUP BY deals.stage_id" });
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(OpenDealsRow {
                    stage_id: r.try_get("stage_id")?,
                    expected_close: r.try_get("expected_close")?,
                    deals: r.try_get("n")?,
                    amount_minor: r.try_get("amount")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Deals in `currency` won with `closed_at` in `[bounds[0], bounds[last])`, per bucket
    /// between consecutive `bounds` (unix µs, ascending, at least two); empty buckets are absent.
    pub async fn report_won_by_bucket(
        &self,
        v: &Visibility,
        pipeline_id: Option<&str>,
        currency: &str,
        bounds: &[i64],
    ) -> Result<Vec<BucketSumRow>, StoreError> {
        let (Some(first), Some(last)) = (bounds.first(), bounds.last()) else { return Ok(Vec::new()) };
        let mut q = SqlBuilder::new("SELECT ");
        push_bucket(&mut q, "deals.closed_at", bounds);
        q.push(" AS bucket, COUNT(*) AS n, CAST(SUM(deals.amount_minor) AS BIGINT) AS amount FROM deals WHERE deals.status = 'won' AND deals.closed_at >= ")
            .bind(Bind::Int(*first))
            .push(" AND deals.closed_at < ")
            .bind(Bind::Int(*last))
            .push(" AND deals.currency = ")
            .bind(Bind::Text(currency.to_string()));
        push_pipeline(&mut q, pipeline_id);
        push_scope(&mut q, v, DEALS);
        q.push(" GROUP BY 1 ORDER BY 1");
        let rows = q.build().fetch_all(self.reader()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.extend(bucket_row(r)?);
        }
        Ok(out)
    }

    /// Won and lost deals per owner with `closed_at` in `[from, to)` (unix µs), with the
    /// summed sales cycle of the won ones; optionally of one pipeline. In no particular order.
    pub async fn report_win_rate(
        &self,
        v: &Visibility,
        pipeline_id: Option<&str>,
        from: i64,
        to: i64,
    ) -> Result<Vec<WinRateRow>, StoreError> {
        // Aggregate per owner first, then name the few owners (not a user lookup per deal).
        let mut q = SqlBuilder::new(
            "SELECT a.owner_id AS owner_id, u.display_name AS owner_name, u.email AS owner_email, a.won AS won, \
             a.lost AS lost, a.cycle AS cycle FROM (SELECT deals.owner_id AS owner_id, \
             SUM(CASE WHEN deals.status = 'won' THEN 1 ELSE 0 END) AS won, \
             SUM(CASE WHEN deals.status = 'lost' THEN 1 ELSE 0 END) AS lost, \
             CAST(COALESCE(SUM(CASE WHEN deals.status = 'won' THEN (deals.closed_at - deals.created_at) / 1000000 ELSE 0 END), 0) AS BIGINT) AS cycle \
             FROM deals WHERE deals.status IN ('won', 'lost') AND deals.closed_at >= ",
        );
        q.bind(Bind::Int(from)).push(" AND deals.closed_at < ").bind(Bind::Int(to));
        push_pipeline(&mut q, pipeline_id);
        push_scope(&mut q, v, DEALS);
        q.push(" GROUP BY deals.owner_id) a LEFT JOIN users u ON u.id = a.owner_id");
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(WinRateRow {
                    owner_id: r.try_get("owner_id")?,
                    owner_name: r.try_get("owner_name")?,
                    owner_email: r.try_get("owner_email")?,
                    won: int_sum(r, "won")?,
                    lost: int_sum(r, "lost")?,
                    won_cycle_seconds: r.try_get("cycle")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Leads created in `[from, to)` (unix µs) visible with `v`, by how far they got.
    pub async fn report_lead_funnel(&self, v: &Visibility, from: i64, to: i64) -> Result<FunnelRow, StoreError> {
        let mut q = SqlBuilder::new(
            "SELECT COUNT(*) AS total, \
             SUM(CASE WHEN leads.status IN ('contacted', 'qualified', 'converted') THEN 1 ELSE 0 END) AS contacted, \
             SUM(CASE WHEN leads.status IN ('qualified', 'converted') THEN 1 ELSE 0 END) AS qualified, \
             SUM(CASE WHEN leads.status = 'converted' THEN 1 ELSE 0 END) AS converted, \
             SUM(CASE WHEN leads.status = 'converted' AND leads.deal_id IS NOT NULL THEN 1 ELSE 0 END) AS with_deal, \
             SUM(CASE WHEN leads.status = 'converted' AND EXISTS (SELECT 1 FROM deals WHERE deals.id = leads.deal_id \
             AND deals.status = 'won'",
        );
        push_scope(&mut q, v, DEALS);
        q.push(") THEN 1 ELSE 0 END) AS deal_won FROM leads WHERE leads.created_at >= ")
            .bind(Bind::Int(from))
            .push(" AND leads.created_at < ")
            .bind(Bind::Int(to));
        push_scope(&mut q, v, LEADS);
        let r = q.build().fetch_one(self.reader()).await?;
        Ok(FunnelRow {
            total: r.try_get("total")?,
            contacted: int_sum(&r, "contacted")?,
            qualified: int_sum(&r, "qualified")?,
            converted: int_sum(&r, "converted")?,
            with_deal: int_sum(&r, "with_deal")?,
            deal_won: int_sum(&r, "deal_won")?,
        })
    }

    /// Customers visible with `v` created in `[bounds[0], bounds[last])`, per bucket between
    /// consecutive `bounds` (unix µs, ascending); empty buckets are absent. With
    /// `fixed_width`, buckets are `fixed_width` µs wide (weeks) and found by division rather
    /// than a chain of comparisons.
    pub async fn report_new_customers(
        &self,
        v: &Visibility,
        bounds: &[i64],
        fixed_width: Option<i64>,
    ) -> Result<Vec<BucketSumRow>, StoreError> {
        let (Some(first), Some(last)) = (bounds.first(), bounds.last()) else { return Ok(Vec::new()) };
        let mut q = SqlBuilder::new("SELECT ");
        match fixed_width {
            Some(w) if w > 0 => {
                q.push("(customers.created_at - ").bind(Bind::Int(*first)).push(") / ").bind(Bind::Int(w));
            }
            _ => push_bucket(&mut q, "customers.created_at", bounds),
        }
        q.push(" AS bucket, COUNT(*) AS n FROM customers WHERE customers.created_at >= ")
            .bind(Bind::Int(*first))
            .push(" AND customers.created_at < ")
            .bind(Bind::Int(*last));
        push_scope(&mut q, v, Scoped::CUSTOMERS);
        q.push(" GROUP BY 1 ORDER BY 1");
        let rows = q.build().fetch_all(self.reader()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.extend(bucket_row(r)?);
        }
        Ok(out)
    }
}

/// A `SUM(CASE …)` column: an integer on SQLite, NULL over no rows; a bigint on PostgreSQL.
fn int_sum(r: &AnyRow, col: &str) -> Result<i64, sqlx::Error> {
    Ok(r.try_get::<Option<i64>, _>(col)?.unwrap_or(0))
}
