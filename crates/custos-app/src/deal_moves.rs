//! A deal's way through its pipeline: move to another stage, won, lost (with a reason) and
//! reopen, each versioned and recorded in the stage history with time and actor; and reading
//! that history. Only the deal's own pipeline's stages are accepted.

use crate::audit::Ev;
use crate::authz::visibility;
use crate::deal_views::{DealHistoryOut, DealOut, deal_list_out, history_out, status_of};
use crate::deals::deal_id;
use crate::{Actor, App, AppError};
use custos_domain::sales::DealStatus;
use custos_domain::sales::deal::lost_reason;
use custos_domain::{FieldErrors, Permission, StageId};

impl App {
    /// Moves a deal to `stage_id` of its pipeline if still at `expected_version`; records
    /// the step (from, to, when, who) and restarts `stage_entered_at`. Moving to the stage it
    /// is in changes nothing.
    pub async fn move_deal(
        &self,
        actor: &Actor,
        id: &str,
        stage_id: &str,
        expected_version: i64,
    ) -> Result<DealOut, AppError> {
        self.allow(actor, Permission::DealWrite)?;
        let id = deal_id(id)?;
        let stage: StageId = stage_id
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("stage_id", "invalid_id", "must be a stage id (UUID)"))?;
        let stage = stage.to_string();
        let mut tx = self.store.begin_write().await?;
        let current = self.visible_deal_in(&mut tx, actor, &id).await?;
        let old = &current.deal;
        if old.version != expected_version {
            return Err(AppError::Stale { current: old.version });
        }
        let Some(target) = tx.get_stage(&stage).await? else {
            return Err(AppError::invalid("stage_id", "unknown", "no stage has this id"));
        };
        if target.pipeline_id != old.pipeline_id {
            return Err(AppError::invalid("stage_id", "not_in_pipeline", "the stage belongs to another pipeline"));
        }
        if target.id == old.stage_id {
            return deal_list_out(&current);
        }
        let now = self.now_micros().max(old.updated_at + 1);
        let mut d = old.clone();
        d.stage_id = target.id.clone();
        d.stage_entered_at = now;
        d.updated_at = now;
        d.version = old.version + 1;
        tx.update_deal(&d, expected_version).await?;
        self.record_step(&mut tx, actor, &id, Some(&old.stage_id), &d.stage_id, status_of(&d.status)?, now).await?;
        let ev = Ev::new("deal.move", "deal").record(&id).fields(&["stage_id"]).ids(vec![d.customer_id.clone()]);
        let out = self.deal_out_in(&mut tx, actor, &id).await?;
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Marks a deal won (closed now).
    pub async fn win_deal(&self, actor: &Actor, id: &str, expected_version: i64) -> Result<DealOut, AppError> {
        self.set_deal_status(actor, id, expected_version, DealStatus::Won, None).await
    }

    /// Marks a deal lost (closed now) with a reason of at most 500 characters.
    pub async fn lose_deal(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        reason: Option<&str>,
    ) -> Result<DealOut, AppError> {
        self.allow(actor, Permission::DealWrite)?;
        let mut e = FieldErrors::new();
        let reason = match reason {
            Some(r) => e.check("reason", lost_reason(r)),
            None => {
                e.push("reason", "required", "is required");
                None
            }
        };
        e.into_result(()).map_err(AppError::Invalid)?;
        self.set_deal_status(actor, id, expected_version, DealStatus::Lost, reason).await
    }

    /// Opens a won or lost deal again.
    pub async fn reopen_deal(&self, actor: &Actor, id: &str, expected_version: i64) -> Result<DealOut, AppError> {
        self.set_deal_status(actor, id, expected_version, DealStatus::Open, None).await
    }

    async fn set_deal_status(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        status: DealStatus,
        reason: Option<String>,
    ) -> Result<DealOut, AppError> {
        self.allow(actor, Permission::DealWrite)?;
        let id = deal_id(id)?;
        let mut tx = self.store.begin_write().await?;
        let old = self.visible_deal_in(&mut tx, actor, &id).await?.deal;
        if old.version != expected_version {
            return Err(AppError::Stale { current: old.version });
        }
        if status_of(&old.status)? == status {
            return Err(AppError::Conflict(format!("the deal is already {}", status.as_str())));
        }
        let now = self.now_micros().max(old.updated_at + 1);
        let mut d = old.clone();
        d.status = status.as_str().into();
        d.closed_at = (status != DealStatus::Open).then_some(now);
        d.lost_reason = reason;
        d.updated_at = now;
        d.version = old.version + 1;
        tx.update_deal(&d, expected_version).await?;
        self.record_step(&mut tx, actor, &id, Some(&old.stage_id), &d.stage_id, status, now).await?;
        let (action, fields): (&str, &[&str]) = match status {
            DealStatus::Won => ("deal.won", &["status", "closed_at"]),
            DealStatus::Lost => ("deal.lost", &["status", "closed_at", "lost_reason"]),
            DealStatus::Open => ("deal.reopen", &["status", "closed_at"]),
        };
        let ev = Ev::new(action, "deal").record(&id).fields(fields).ids(vec![d.customer_id.clone()]);
        let out = self.deal_out_in(&mut tx, actor, &id).await?;
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The stage history of a deal the actor may see, oldest first.
    pub async fn deal_history(&self, actor: &Actor, id: &str) -> Result<Vec<DealHistoryOut>, AppError> {
        self.allow(actor, Permission::DealRead)?;
        let id = deal_id(id)?;
        if !self.store.deal_visible(&id, &visibility(actor)).await? {
            return Err(AppError::NotFound("deal"));
        }
        self.store.deal_history(&id).await?.iter().map(history_out).collect()
    }
}
