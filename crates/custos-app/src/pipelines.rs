//! Pipeline use cases: seeding the default pipeline, listing and reading (deal.read), and
//! creating, changing and deleting pipelines (pipeline.manage). Stage ids stay stable across
//! changes; a stage or pipeline that still holds deals is never removed.

use crate::audit::Ev;
use crate::deal_views::{PipelineOut, pipeline_out};
use crate::{Actor, App, AppError};
use custos_domain::sales::pipeline::{PipelineInput, PipelineSpec, StageInput};
use custos_domain::{FieldErrors, Permission, PipelineId, StageId};
use custos_store::{PipelineRow, StageRow, StoreError, WriteTx};

/// Requested changes to a pipeline: `None` keeps the name or the stages. Stages, when given,
/// are the complete new list in order; a stage keeps its id when the entry names it.
#[derive(Debug, Clone, Default)]
pub struct PipelineChanges {
    pub name: Option<String>,
    pub stages: Option<Vec<StageInput>>,
}

fn pipeline_id(id: &str) -> Result<PipelineId, AppError> {
    id.parse::<PipelineId>().map_err(|_| AppError::NotFound("pipeline"))
}

impl App {
    /// Creates the default pipeline "Sales" (five stages) when no pipeline exists. Idempotent,
    /// and safe when several processes start at once.
    pub async fn seed_pipelines(&self) -> Result<(), AppError> {
        let mut tx = self.store.begin_write().await?;
        if !tx.list_pipelines().await?.is_empty() {
            return Ok(());
        }
        let spec = PipelineSpec::default_sales();
        match self.insert_pipeline(&mut tx, &spec, 0).await {
            Ok(_) => {}
            Err(AppError::Conflict(_)) => return Ok(()),
            Err(e) => return Err(e),
        }
        match tx.commit().await {
            Ok(()) | Err(StoreError::Duplicate(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn insert_pipeline(&self, tx: &mut WriteTx, spec: &PipelineSpec, position: i64) -> Result<String, AppError> {
        let id = PipelineId(self.new_uuid()).to_string();
        let now = self.now_micros();
        let row = PipelineRow {
            id: id.clone(),
            name: spec.name.clone(),
            position,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let stages: Vec<StageRow> = spec
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| StageRow {
                id: StageId(self.new_uuid()).to_string(),
                pipeline_id: id.clone(),
                name: s.name.clone(),
                position: i as i64,
                probability: i64::from(s.probability),
            })
            .collect();
        tx.insert_pipeline(&row, &stages).await?;
        Ok(id)
    }

    /// Every pipeline with its stages, in order.
    pub async fn list_pipelines(&self, actor: &Actor) -> Result<Vec<PipelineOut>, AppError> {
        self.allow(actor, Permission::DealRead)?;
        let pipelines = self.store.list_pipelines().await?;
        let stages = self.store.all_stages().await?;
        pipelines.iter().map(|p| pipeline_out(p, &stages)).collect()
    }

    pub async fn get_pipeline(&self, actor: &Actor, id: &str) -> Result<PipelineOut, AppError> {
        self.allow(actor, Permission::DealRead)?;
        let id = pipeline_id(id)?.to_string();
        let p = self.store.get_pipeline(&id).await?.ok_or(AppError::NotFound("pipeline"))?;
        pipeline_out(&p, &self.store.pipeline_stages(&id).await?)
    }

    pub async fn create_pipeline(&self, actor: &Actor, input: &PipelineInput) -> Result<PipelineOut, AppError> {
        self.allow(actor, Permission::PipelineManage)?;
        let mut spec = PipelineSpec::validate(input)?;
        if spec.stages.iter().any(|s| s.id.is_some()) {
            let mut e = FieldErrors::new();
            for (i, _) in spec.stages.iter().enumerate().filter(|(_, s)| s.id.is_some()) {
                e.push(format!("stages[{i}].id"), "not_allowed", "a new pipeline's stages get new ids");
            }
            return Err(AppError::Invalid(e));
        }
        spec.name = spec.name.trim().to_string();
        let mut tx = self.store.begin_write().await?;
        if tx.pipeline_name_taken(&spec.name, None).await? {
            return Err(AppError::invalid("name", "taken", "another pipeline has this name"));
        }
        let position = tx.list_pipelines().await?.iter().map(|p| p.position + 1).max().unwrap_or(0);
        let id = self.insert_pipeline(&mut tx, &spec, position).await?;
        let out = self.pipeline_in(&mut tx, &id).await?;
        self.audit(&mut tx, actor, Ev::new("pipeline.create", "pipeline").record(&id).fields(&["name", "stages"]))
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn pipeline_in(&self, tx: &mut WriteTx, id: &str) -> Result<PipelineOut, AppError> {
        let p = tx.get_pipeline(id).await?.ok_or(AppError::NotFound("pipeline"))?;
        pipeline_out(&p, &tx.pipeline_stages(id).await?)
    }

    /// Renames a pipeline and/or replaces its stage list if still at `expected_version`.
    /// Entries naming a stage id keep that stage (and its deals); entries without one add a
    /// stage; a stored stage left out is removed, which is refused (409) while deals are in it.
    pub async fn update_pipeline(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        c: &PipelineChanges,
    ) -> Result<PipelineOut, AppError> {
        self.allow(actor, Permission::PipelineManage)?;
        let id = pipeline_id(id)?.to_string();
        let mut tx = self.store.begin_write().await?;
        let row = tx.get_pipeline(&id).await?.ok_or(AppError::NotFound("pipeline"))?;
        if row.version != expected_version {
            return Err(AppError::Stale { current: row.version });
        }
        let current = tx.pipeline_stages(&id).await?;
        let input = PipelineInput {
            name: Some(c.name.clone().unwrap_or_else(|| row.name.clone())),
            stages: Some(c.stages.clone().unwrap_or_else(|| {
                current
                    .iter()
                    .map(|s| StageInput {
                        id: Some(s.id.clone()),
                        name: Some(s.name.clone()),
                        probability: Some(s.probability),
                    })
                    .collect()
            })),
        };
        let spec = PipelineSpec::validate(&input)?;
        let mut e = FieldErrors::new();
        if spec.name != row.name && tx.pipeline_name_taken(&spec.name, Some(&id)).await? {
            e.push("name", "taken", "another pipeline has this name");
        }
        for (i, s) in spec.stages.iter().enumerate() {
            if let Some(sid) = s.id
                && !current.iter().any(|c| c.id == sid.to_string())
            {
                e.push(format!("stages[{i}].id"), "unknown", "is not a stage of this pipeline");
            }
        }
        if !e.is_empty() {
            return Err(AppError::Invalid(e));
        }
        for gone in
            current.iter().filter(|c| !spec.stages.iter().any(|s| s.id.map(|i| i.to_string()) == Some(c.id.clone())))
        {
            if tx.stage_deal_count(&gone.id).await? > 0 {
                return Err(AppError::Conflict(
                    "a stage that still has deals cannot be removed; move its deals to another stage first".into(),
                ));
            }
        }
        let stages: Vec<StageRow> = spec
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| StageRow {
                id: s.id.unwrap_or_else(|| StageId(self.new_uuid())).to_string(),
                pipeline_id: id.clone(),
                name: s.name.clone(),
                position: i as i64,
                probability: i64::from(s.probability),
            })
            .collect();
        let now = self.now_micros().max(row.updated_at);
        let new_row = PipelineRow { name: spec.name.clone(), updated_at: now, version: row.version + 1, ..row.clone() };
        tx.update_pipeline(&new_row, expected_version, &stages).await?;
        let mut fields = Vec::new();
        if spec.name != row.name {
            fields.push("name");
        }
        if c.stages.is_some() {
            fields.push("stages");
        }
        let out = self.pipeline_in(&mut tx, &id).await?;
        self.audit(&mut tx, actor, Ev::new("pipeline.update", "pipeline").record(&id).fields(&fields)).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Deletes a pipeline that holds no deals and is not the last one.
    pub async fn delete_pipeline(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: Option<i64>,
    ) -> Result<(), AppError> {
        self.allow(actor, Permission::PipelineManage)?;
        let id = pipeline_id(id)?.to_string();
        let mut tx = self.store.begin_write().await?;
        let row = tx.get_pipeline(&id).await?.ok_or(AppError::NotFound("pipeline"))?;
        if let Some(v) = expected_version
            && v != row.version
        {
            return Err(AppError::Stale { current: row.version });
        }
        if tx.pipeline_deal_count(&id).await? > 0 {
            return Err(AppError::Conflict("a pipeline that still has deals cannot be deleted".into()));
        }
        if tx.list_pipelines().await?.len() <= 1 {
            return Err(AppError::Conflict("the last pipeline cannot be deleted".into()));
        }
        tx.delete_pipeline(&id, Some(row.version)).await?;
        self.audit(&mut tx, actor, Ev::new("pipeline.delete", "pipeline").record(&id)).await?;
        tx.commit().await?;
        Ok(())
    }
}
