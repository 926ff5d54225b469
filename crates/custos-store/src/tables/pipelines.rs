//! Pipelines and their ordered stages: insert, rename, re-order stages (ids stay stable),
//! delete, and the lookups the deal use cases need. No rules: the app decides what may change.

use crate::StoreError;
use crate::store::{Store, WriteTx};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

/// A sales pipeline as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineRow {
    pub id: String,
    pub name: String,
    /// Order among pipelines; the first one is the default for new deals.
    pub position: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRow {
    pub id: String,
    pub pipeline_id: String,
    pub name: String,
    /// Order within the pipeline, from 0.
    pub position: i64,
    /// Win probability in percent (0–100).
    pub probability: i64,
}

const PIPELINE_COLS: &str = "id, name, position, created_at, updated_at, version";
const STAGE_COLS: &str = "id, pipeline_id, name, position, probability";

fn pipeline(r: &AnyRow) -> Result<PipelineRow, sqlx::Error> {
    Ok(PipelineRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        position: r.try_get("position")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

fn stage(r: &AnyRow) -> Result<StageRow, sqlx::Error> {
    Ok(StageRow {
        id: r.try_get("id")?,
        pipeline_id: r.try_get("pipeline_id")?,
        name: r.try_get("name")?,
        position: r.try_get("position")?,
        probability: r.try_get("probability")?,
    })
}

async fn pipelines_where<'c, E: Executor<'c, Database = Any>>(
    e: E,
    cond: &str,
    arg: Option<&str>,
) -> Result<Vec<PipelineRow>, StoreError> {
    let sql = format!("SELECT {PIPELINE_COLS} FROM pipelines{cond} ORDER BY position, id");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(a) = arg {
        q = q.bind(a.to_string());
    }
    let rows = q.fetch_all(e).await?;
    Ok(rows.iter().map(pipeline).collect::<Result<Vec<_>, _>>()?)
}

async fn stages_where<'c, E: Executor<'c, Database = Any>>(
    e: E,
    cond: &str,
    arg: Option<&str>,
) -> Result<Vec<StageRow>, StoreError> {
    let sql = format!("SELECT {STAGE_COLS} FROM pipeline_stages{cond} ORDER BY pipeline_id, position");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(a) = arg {
        q = q.bind(a.to_string());
    }
    let rows = q.fetch_all(e).await?;
    Ok(rows.iter().map(stage).collect::<Result<Vec<_>, _>>()?)
}

async fn count<'c, E: Executor<'c, Database = Any>>(e: E, sql: &'static str, arg: &str) -> Result<i64, StoreError> {
    let row = sqlx::query(sql).bind(arg.to_string()).fetch_one(e).await?;
    Ok(row.try_get("n")?)
}

impl Store {
    /// Every pipeline, in order.
    pub async fn list_pipelines(&self) -> Result<Vec<PipelineRow>, StoreError> {
        pipelines_where(self.reader(), "", None).await
    }

    pub async fn get_pipeline(&self, id: &str) -> Result<Option<PipelineRow>, StoreError> {
        Ok(pipelines_where(self.reader(), " WHERE id = $1", Some(id)).await?.pop())
    }

    /// The stages of one pipeline, in order.
    pub async fn pipeline_stages(&self, pipeline_id: &str) -> Result<Vec<StageRow>, StoreError> {
        stages_where(self.reader(), " WHERE pipeline_id = $1", Some(pipeline_id)).await
    }

    /// Every stage of every pipeline, grouped by pipeline and in order within each.
    pub async fn all_stages(&self) -> Result<Vec<StageRow>, StoreError> {
        stages_where(self.reader(), "", None).await
    }

    pub async fn get_stage(&self, id: &str) -> Result<Option<StageRow>, StoreError> {
        Ok(stages_where(self.reader(), " WHERE id = $1", Some(id)).await?.pop())
    }
}

impl WriteTx {
    pub async fn list_pipelines(&mut self) -> Result<Vec<PipelineRow>, StoreError> {
        pipelines_where(&mut *self.tx, "", None).await
    }

    pub async fn get_pipeline(&mut self, id: &str) -> Result<Option<PipelineRow>, StoreError> {
        Ok(pipelines_where(&mut *self.tx, " WHERE id = $1", Some(id)).await?.pop())
    }

    pub async fn pipeline_stages(&mut self, pipeline_id: &str) -> Result<Vec<StageRow>, StoreError> {
        stages_where(&mut *self.tx, " WHERE pipeline_id = $1", Some(pipeline_id)).await
    }

    pub async fn get_stage(&mut self, id: &str) -> Result<Option<StageRow>, StoreError> {
        Ok(stages_where(&mut *self.tx, " WHERE id = $1", Some(id)).await?.pop())
    }

    /// Whether another pipeline (not `except`) already has this name.
    pub async fn pipeline_name_taken(&mut self, name: &str, except: Option<&str>) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT id FROM pipelines WHERE name = $1")
            .bind(name.to_string())
            .fetch_optional(&mut *self.tx)
            .await?;
        let id: Option<String> = row.map(|r| r.try_get("id")).transpose()?;
        Ok(id.is_some_and(|id| Some(id.as_str()) != except))
    }

    /// Deals (any status) in a stage.
    pub async fn stage_deal_count(&mut self, stage_id: &str) -> Result<i64, StoreError> {
        count(&mut *self.tx, "SELECT COUNT(*) AS n FROM deals WHERE stage_id = $1", stage_id).await
    }

    /// Deals (any status) in a pipeline.
    pub async fn pipeline_deal_count(&mut self, pipeline_id: &str) -> Result<i64, StoreError> {
        count(&mut *self.tx, "SELECT COUNT(*) AS n FROM deals WHERE pipeline_id = $1", pipeline_id).await
    }

    /// Inserts a pipeline and its stages.
    pub async fn insert_pipeline(&mut self, p: &PipelineRow, stages: &[StageRow]) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO pipelines (id, name, position, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(p.id.clone())
        .bind(p.name.clone())
        .bind(p.position)
        .bind(p.created_at)
        .bind(p.updated_at)
        .bind(p.version)
        .execute(&mut *self.tx)
        .await?;
        for s in stages {
            self.insert_stage(s).await?;
        }
        Ok(())
    }

    async fn insert_stage(&mut self, s: &StageRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO pipeline_stages (id, pipeline_id, name, position, probability) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(s.id.clone())
        .bind(s.pipeline_id.clone())
        .bind(s.name.clone())
        .bind(s.position)
        .bind(s.probability)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Writes the pipeline's name (and timestamps, version) if still at `expected_version`,
    /// then makes its stages exactly `stages`, in order: stages whose id is stored keep it
    /// (renamed, re-ordered, new probability), new ids are inserted, the others are deleted.
    /// The caller checks that no deal is in a deleted stage (the foreign key refuses it too).
    pub async fn update_pipeline(
        &mut self,
        p: &PipelineRow,
        expected_version: i64,
        stages: &[StageRow],
    ) -> Result<(), StoreError> {
        let done =
            sqlx::query("UPDATE pipelines SET name = $1, updated_at = $2, version = $3 WHERE id = $4 AND version = $5")
                .bind(p.name.clone())
                .bind(p.updated_at)
                .bind(p.version)
                .bind(p.id.clone())
                .bind(expected_version)
                .execute(&mut *self.tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("pipelines", &p.id).await);
        }
        let current = self.pipeline_stages(&p.id).await?;
        let kept: Vec<&StageRow> = current.iter().filter(|c| stages.iter().any(|s| s.id == c.id)).collect();
        // Names are unique per pipeline: move kept stages to names no user can type (control
        // characters are refused on input) before giving them their new ones, so swaps work.
        for k in &kept {
            sqlx::query("UPDATE pipeline_stages SET name = $1 WHERE id = $2")
                .bind(format!("\u{1}{}", k.id))
                .bind(k.id.clone())
                .execute(&mut *self.tx)
                .await?;
        }
        for c in current.iter().filter(|c| !stages.iter().any(|s| s.id == c.id)) {
            sqlx::query("DELETE FROM pipeline_stages WHERE id = $1").bind(c.id.clone()).execute(&mut *self.tx).await?;
        }
        for s in stages {
            if kept.iter().any(|k| k.id == s.id) {
                sqlx::query("UPDATE pipeline_stages SET name = $1, position = $2, probability = $3 WHERE id = $4")
                    .bind(s.name.clone())
                    .bind(s.position)
                    .bind(s.probability)
                    .bind(s.id.clone())
                    .execute(&mut *self.tx)
                    .await?;
            } else {
                self.insert_stage(s).await?;
            }
        }
        Ok(())
    }

    /// Deletes a pipeline and its stages if still at `expected_version` (any version when `None`).
    pub async fn delete_pipeline(&mut self, id: &str, expected_version: Option<i64>) -> Result<(), StoreError> {
        let done = match expected_version {
            Some(v) => {
                sqlx::query("DELETE FROM pipelines WHERE id = $1 AND version = $2")
                    .bind(id.to_string())
                    .bind(v)
                    .execute(&mut *self.tx)
                    .await?
            }
            None => {
                sqlx::query("DELETE FROM pipelines WHERE id = $1").bind(id.to_string()).execute(&mut *self.tx).await?
            }
        };
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("pipelines", id).await);
        }
        Ok(())
    }
}
