//! The stage-history half of a deal's timeline: rows of `deal_stage_history` with the stage
//! names, newest first, read-only. The deal engineer's code writes them; this module never
//! does, and it checks no scope (the app has already found the deal visible).

use crate::StoreError;
use crate::rows::SortKey;
use crate::sql::{Bind, SqlBuilder};
use crate::store::Store;
use sqlx::Row;

/// One stage change of a deal, with the names of the stages it left and entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineStageRow {
    pub id: String,
    pub deal_id: String,
    pub from_stage_id: Option<String>,
    pub from_stage_name: Option<String>,
    pub to_stage_id: String,
    pub to_stage_name: Option<String>,
    pub status: String,
    pub changed_at: i64,
    pub changed_by: Option<String>,
}

impl Store {
    /// Stage changes of deal `deal_id`, newest first, before (changed_at, id) `before` if given.
    pub async fn deal_stage_timeline(
        &self,
        deal_id: &str,
        before: Option<&(SortKey, String)>,
        limit: u32,
    ) -> Result<Vec<TimelineStageRow>, StoreError> {
        let mut q = SqlBuilder::new(
            "SELECT h.id, h.deal_id, h.from_stage_id, fs.name AS from_stage_name, h.to_stage_id, \
             ts.name AS to_stage_name, h.status, h.changed_at, h.changed_by FROM deal_stage_history h \
             LEFT JOIN pipeline_stages fs ON fs.id = h.from_stage_id \
             LEFT JOIN pipeline_stages ts ON ts.id = h.to_stage_id WHERE h.deal_id = ",
        );
        q.bind(Bind::Text(deal_id.to_string()));
        if let Some((SortKey::Int(at), id)) = before {
            q.push(" AND (h.changed_at, h.id) < (").bind(Bind::Int(*at));
            q.push(", ").bind(Bind::Text(id.clone())).push(")");
        }
        q.push(" ORDER BY h.changed_at DESC, h.id DESC LIMIT ").bind(Bind::Int(i64::from(limit.clamp(1, 500))));
        let rows = q.build().fetch_all(self.reader()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(TimelineStageRow {
                id: r.try_get("id")?,
                deal_id: r.try_get("deal_id")?,
                from_stage_id: r.try_get("from_stage_id")?,
                from_stage_name: r.try_get("from_stage_name")?,
                to_stage_id: r.try_get("to_stage_id")?,
                to_stage_name: r.try_get("to_stage_name")?,
                status: r.try_get("status")?,
                changed_at: r.try_get("changed_at")?,
                changed_by: r.try_get("changed_by")?,
            });
        }
        Ok(out)
    }
}
