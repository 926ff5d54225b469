//! A deal's stage history (append-only) and the pipeline board queries: open deals per stage
//! with count and total, and the most recently updated cards of one stage, all scoped.

use crate::StoreError;
use crate::rows::Visibility;
use crate::sql::{Bind, SqlBuilder};
use crate::store::{Store, WriteTx};
use crate::tables::deals::{DEALS, DealListRow, list_row, select_with_names};
use crate::tables::scope::push_scope;
use sqlx::Row;
use sqlx::any::AnyRow;

/// One step of a deal: created in, moved to, won, lost or reopened in a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealHistoryRow {
    pub id: String,
    pub deal_id: String,
    /// `None` when the deal was created.
    pub from_stage_id: Option<String>,
    pub to_stage_id: String,
    /// The deal's status after this step (open | won | lost).
    pub status: String,
    pub changed_at: i64,
    pub changed_by: Option<String>,
    /// Display name of `changed_by`; filled by reads, ignored on insert.
    pub changed_by_name: Option<String>,
}

/// Open deals of one stage in one currency: how many and their total in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageTotalRow {
    pub stage_id: String,
    pub currency: String,
    pub count: i64,
    pub amount_minor: i64,
}

fn history(r: &AnyRow) -> Result<DealHistoryRow, sqlx::Error> {
    Ok(DealHistoryRow {
        id: r.try_get("id")?,
        deal_id: r.try_get("deal_id")?,
        from_stage_id: r.try_get("from_stage_id")?,
        to_stage_id: r.try_get("to_stage_id")?,
        status: r.try_get("status")?,
        changed_at: r.try_get("changed_at")?,
        changed_by: r.try_get("changed_by")?,
        changed_by_name: r.try_get("changed_by_name")?,
    })
}

/// Most history rows returned for one deal.
pub const MAX_HISTORY: i64 = 1000;

impl Store {
    /// The stage history of a deal, oldest first (the caller checked the deal is visible).
    pub async fn deal_history(&self, deal_id: &str) -> Result<Vec<DealHistoryRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT h.id, h.deal_id, h.from_stage_id, h.to_stage_id, h.status, h.changed_at, h.changed_by, \
             u.display_name AS changed_by_name FROM deal_stage_history h LEFT JOIN users u ON u.id = h.changed_by \
             WHERE h.deal_id = $1 ORDER BY h.changed_at, h.id LIMIT $2",
        )
        .bind(deal_id.to_string())
        .bind(MAX_HISTORY)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.iter().map(history).collect::<Result<Vec<_>, _>>()?)
    }

    /// Count and total (per currency) of the open deals of a pipeline, per stage, that a
    /// reader with visibility `v` may see.
    pub async fn board_totals(&self, pipeline_id: &str, v: &Visibility) -> Result<Vec<StageTotalRow>, StoreError> {
        let mut q = SqlBuilder::new(
            "SELECT deals.stage_id AS stage_id, deals.currency AS currency, COUNT(*) AS n, \
             CAST(SUM(deals.amount_minor) AS BIGINT) AS total FROM deals WHERE deals.pipeline_id = ",
        );
        q.bind(Bind::Text(pipeline_id.to_string())).push(" AND deals.status = 'open'");
        push_scope(&mut q, v, DEALS);
        q.push(" GROUP BY deals.stage_id, deals.currency ORDER BY deals.stage_id, deals.currency");
        let rows = q.build().fetch_all(self.reader()).await?;
        let totals = rows
            .iter()
            .map(|r| {
                Ok::<_, sqlx::Error>(StageTotalRow {
                    stage_id: r.try_get("stage_id")?,
                    currency: r.try_get("currency")?,
                    count: r.try_get("n")?,
                    amount_minor: r.try_get("total")?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(totals)
    }

    /// The `limit` most recently updated open deals of one stage that `v` may see.
    pub async fn board_cards(
        &self,
        pipeline_id: &str,
        stage_id: &str,
        v: &Visibility,
        limit: u32,
    ) -> Result<Vec<DealListRow>, StoreError> {
        let mut q = select_with_names(Some(v));
        q.push(" WHERE deals.pipeline_id = ").bind(Bind::Text(pipeline_id.to_string()));
        q.push(" AND deals.status = 'open' AND deals.stage_id = ").bind(Bind::Text(stage_id.to_string()));
        push_scope(&mut q, v, DEALS);
        q.push(" ORDER BY deals.updated_at DESC, deals.id DESC LIMIT ").bind(Bind::Int(i64::from(limit.min(1000))));
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows.iter().map(list_row).collect::<Result<Vec<_>, _>>()?)
    }
}

impl WriteTx {
    pub async fn insert_deal_history(&mut self, h: &DealHistoryRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO deal_stage_history (id, deal_id, from_stage_id, to_stage_id, status, changed_at, changed_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(h.id.clone())
        .bind(h.deal_id.clone())
        .bind(h.from_stage_id.clone())
        .bind(h.to_stage_id.clone())
        .bind(h.status.clone())
        .bind(h.changed_at)
        .bind(h.changed_by.clone())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
