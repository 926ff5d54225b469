//! Deal use cases: create (also inside another use case's transaction, for lead conversion),
//! get, list, update and delete, each authorised and scoped (a deal outside the actor's scope
//! answers 404 like an unknown one). Moves, won/lost/reopen and history are in `deal_moves.rs`.

use crate::audit::Ev;
use crate::authz::visibility;
use crate::deal_views::{DealOut, deal_list_out};
use crate::{Actor, App, AppError};
use custos_domain::sales::deal::iso_string;
use custos_domain::sales::{DealChanges, DealData, DealInput, DealStatus};
use custos_domain::{Change, DealId, FieldErrors, LeadId, Permission, PipelineId, StageId, TeamId, UserId};
use custos_store::{DealHistoryRow, DealListRow, DealRow, WriteTx};

pub use crate::deal_query::{DealPage, DealQuery};

pub(crate) fn deal_id(id: &str) -> Result<String, AppError> {
    id.parse::<DealId>().map(|d| d.to_string()).map_err(|_| AppError::NotFound("deal"))
}

impl App {
    /// Creates a deal (deal.write). The customer must be one the actor can see; the owner
    /// defaults to the actor, the team to the owner's, the pipeline to the first one and the
    /// stage to the pipeline's first. Writes the first stage-history row.
    pub async fn create_deal(&self, actor: &Actor, input: &DealInput) -> Result<DealOut, AppError> {
        self.allow(actor, Permission::DealWrite)?;
        let mut tx = self.store.begin_write().await?;
        let out = self.create_deal_in(&mut tx, actor, input, None).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// `create_deal` inside the caller's transaction (lead conversion creates the customer,
    /// contact and deal in one). Checks deal.write itself; reads only through `tx`; appends
    /// its audit event to `tx`. The caller commits.
    pub(crate) async fn create_deal_in(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        input: &DealInput,
        lead_id: Option<LeadId>,
    ) -> Result<DealOut, AppError> {
        self.allow(actor, Permission::DealWrite)?;
        let data = DealData::validate(input)?;
        let mut e = FieldErrors::new();
        if !tx.customer_visible(&data.customer_id.to_string(), &visibility(actor)).await? {
            e.push("customer_id", "unknown", "no customer you can see has this id");
        }
        let stage = resolve_stage(tx, data.pipeline_id, data.stage_id, &mut e).await?;
        let owner = data.owner_id.or(actor.user_id());
        let team = match data.team_id {
            Some(t) => check_team(tx, t, &mut e).await?,
            None => owner_team(tx, actor, owner, &mut e).await?,
        };
        e.into_result(()).map_err(AppError::Invalid)?;
        let Some((pipeline_id, stage_id)) = stage else {
            return Err(AppError::Conflict("no pipeline exists; create one first".into()));
        };
        let id = DealId(self.new_uuid()).to_string();
        let now = self.now_micros();
        let closed = data.status != DealStatus::Open;
        let row = DealRow {
            id: id.clone(),
            title: data.title.clone(),
            customer_id: data.customer_id.to_string(),
            pipeline_id,
            stage_id: stage_id.clone(),
            amount_minor: data.amount.minor,
            currency: data.amount.currency.as_str().into(),
            expected_close: data.expected_close.map(iso_string),
            owner_id: owner.map(|o| o.to_string()),
            team_id: team.map(|t| t.to_string()),
            status: data.status.as_str().into(),
            lost_reason: data.lost_reason.clone(),
            closed_at: closed.then_some(now),
            lead_id: lead_id.map(|l| l.to_string()),
            stage_entered_at: now,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        tx.insert_deal(&row).await?;
        self.record_step(tx, actor, &id, None, &stage_id, data.status, now).await?;
        let mut fields = vec!["title", "customer_id", "pipeline_id", "stage_id", "amount", "currency", "owner_id"];
        fields.extend(data.expected_close.map(|_| "expected_close"));
        fields.extend(row.team_id.as_ref().map(|_| "team_id"));
        fields.extend(closed.then_some("status"));
        fields.extend(row.lead_id.as_ref().map(|_| "lead_id"));
        let ev = Ev::new("deal.create", "deal").record(&id).fields(&fields).ids(vec![row.customer_id.clone()]);
        // Read back before the event: the append is the last statement (it holds the audit head).
        let out = self.deal_out_in(tx, actor, &id).await?;
        self.audit(tx, actor, ev).await?;
        Ok(out)
    }

    /// Appends one stage-history row.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record_step(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        deal_id: &str,
        from: Option<&str>,
        to: &str,
        status: DealStatus,
        at: i64,
    ) -> Result<(), AppError> {
        let h = DealHistoryRow {
            id: self.new_uuid().to_string(),
            deal_id: deal_id.to_string(),
            from_stage_id: from.map(str::to_string),
            to_stage_id: to.to_string(),
            status: status.as_str().into(),
            changed_at: at,
            changed_by: actor.user_id().map(|u| u.to_string()),
            changed_by_name: None,
        };
        tx.insert_deal_history(&h).await?;
        Ok(())
    }

    /// A deal just written in `tx`, with its names (the customer's only if the actor may see it).
    pub(crate) async fn deal_out_in(&self, tx: &mut WriteTx, actor: &Actor, id: &str) -> Result<DealOut, AppError> {
        let r = tx.get_deal_named(id, &visibility(actor)).await?.ok_or(AppError::NotFound("deal"))?;
        deal_list_out(&r)
    }

    /// The deal as stored, if the actor's scope includes it; otherwise not found.
    pub(crate) async fn visible_deal_in(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        id: &str,
    ) -> Result<DealListRow, AppError> {
        tx.get_deal_visible(id, &visibility(actor)).await?.ok_or(AppError::NotFound("deal"))
    }

    pub async fn get_deal(&self, actor: &Actor, id: &str) -> Result<DealOut, AppError> {
        self.allow(actor, Permission::DealRead)?;
        let id = deal_id(id)?;
        let r = self.store.get_deal_visible(&id, &visibility(actor)).await?.ok_or(AppError::NotFound("deal"))?;
        self.audit_read(actor, Ev::new("deal.read", "deal").record(&id).ids(vec![r.deal.customer_id.clone()]));
        deal_list_out(&r)
    }

    /// Applies changes if the stored version is still `expected_version`. A new stage (or
    /// pipeline) is recorded in the stage history; a new owner brings their team unless a
    /// team is given.
    pub async fn update_deal(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        changes: &DealChanges,
    ) -> Result<DealOut, AppError> {
        self.allow(actor, Permission::DealWrite)?;
        let id = deal_id(id)?;
        let mut tx = self.store.begin_write().await?;
        let current = self.visible_deal_in(&mut tx, actor, &id).await?;
        let old = current.deal;
        if old.version != expected_version {
            return Err(AppError::Stale { current: old.version });
        }
        let patch = changes.validate(crate::deal_views::money_of(old.amount_minor, &old.currency)?)?;
        let mut d = old.clone();
        let mut e = FieldErrors::new();
        if let Some(t) = patch.title {
            d.title = t;
        }
        if let Some(c) = patch.customer_id.map(|c| c.to_string())
            && c != old.customer_id
        {
            if tx.customer_visible(&c, &visibility(actor)).await? {
                d.customer_id = c;
            } else {
                e.push("customer_id", "unknown", "no customer you can see has this id");
            }
        }
        let old_pipeline: PipelineId = crate::convert::parse_id(&old.pipeline_id, "pipeline")?;
        if patch.pipeline_id.is_some_and(|p| p != old_pipeline) || patch.stage_id.is_some() {
            let pipeline = patch.pipeline_id.unwrap_or(old_pipeline);
            if let Some((p, s)) = resolve_stage(&mut tx, Some(pipeline), patch.stage_id, &mut e).await? {
                d.pipeline_id = p;
                d.stage_id = s;
            }
        }
        if let Some(m) = patch.amount {
            d.amount_minor = m.minor;
            d.currency = m.currency.as_str().into();
        }
        match patch.expected_close {
            Change::Keep => {}
            Change::Clear => d.expected_close = None,
            Change::Set(date) => d.expected_close = Some(iso_string(date)),
        }
        if let Some(o) = patch.owner_id.filter(|o| Some(o.to_string()) != old.owner_id) {
            d.owner_id = Some(o.to_string());
            if matches!(patch.team_id, Change::Keep) {
                d.team_id = owner_team(&mut tx, actor, Some(o), &mut e).await?.map(|t| t.to_string());
            } else if Some(o) != actor.user_id() && !tx.user_exists(&o.to_string()).await? {
                e.push("owner_id", "unknown", "no user has this id");
            }
        }
        match patch.team_id {
            Change::Keep => {}
            Change::Clear => d.team_id = None,
            Change::Set(t) => d.team_id = check_team(&mut tx, t, &mut e).await?.map(|t| t.to_string()),
        }
        e.into_result(()).map_err(AppError::Invalid)?;
        if d == old {
            return deal_list_out(&DealListRow { deal: old, ..current });
        }
        let now = self.now_micros().max(old.updated_at + 1);
        if d.stage_id != old.stage_id {
            d.stage_entered_at = now;
            let status = crate::deal_views::status_of(&d.status)?;
            self.record_step(&mut tx, actor, &id, Some(&old.stage_id), &d.stage_id, status, now).await?;
        }
        d.updated_at = now;
        d.version = old.version + 1;
        tx.update_deal(&d, expected_version).await?;
        let ev = Ev::new("deal.update", "deal")
            .record(&id)
            .fields(&changed_fields(&old, &d))
            .ids(vec![d.customer_id.clone()]);
        let out = self.deal_out_in(&mut tx, actor, &id).await?;
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Deletes a deal (deal.delete), with a version only if still current.
    pub async fn delete_deal(&self, actor: &Actor, id: &str, expected_version: Option<i64>) -> Result<(), AppError> {
        self.allow(actor, Permission::DealDelete)?;
        let id = deal_id(id)?;
        let mut tx = self.store.begin_write().await?;
        let row = self.visible_deal_in(&mut tx, actor, &id).await?.deal;
        if let Some(v) = expected_version
            && v != row.version
        {
            return Err(AppError::Stale { current: row.version });
        }
        tx.delete_deal(&id, Some(row.version)).await?;
        self.audit(&mut tx, actor, Ev::new("deal.delete", "deal").record(&id).ids(vec![row.customer_id])).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Names of the stored fields that differ (for the audit event; never values).
fn changed_fields(a: &DealRow, b: &DealRow) -> Vec<&'static str> {
    let mut f = Vec::new();
    let mut diff = |name: &'static str, changed: bool| {
        if changed {
            f.push(name);
        }
    };
    diff("title", a.title != b.title);
    diff("customer_id", a.customer_id != b.customer_id);
    diff("pipeline_id", a.pipeline_id != b.pipeline_id);
    diff("stage_id", a.stage_id != b.stage_id);
    diff("amount", a.amount_minor != b.amount_minor);
    diff("currency", a.currency != b.currency);
    diff("expected_close", a.expected_close != b.expected_close);
    diff("owner_id", a.owner_id != b.owner_id);
    diff("team_id", a.team_id != b.team_id);
    f
}

/// The pipeline and stage a deal goes to: a given stage must exist (and belong to the given
/// pipeline); a pipeline alone means its first stage; neither means the first pipeline.
/// Problems are added to `e`; `None` without a problem means no pipeline exists at all.
pub(crate) async fn resolve_stage(
    tx: &mut WriteTx,
    pipeline: Option<PipelineId>,
    stage: Option<StageId>,
    e: &mut FieldErrors,
) -> Result<Option<(String, String)>, AppError> {
    if let Some(s) = stage {
        let Some(row) = tx.get_stage(&s.to_string()).await? else {
            e.push("stage_id", "unknown", "no stage has this id");
            return Ok(None);
        };
        if let Some(p) = pipeline
            && p.to_string() != row.pipeline_id
        {
            e.push("stage_id", "not_in_pipeline", "the stage belongs to another pipeline");
            return Ok(None);
        }
        return Ok(Some((row.pipeline_id, row.id)));
    }
    let pipeline = match pipeline {
        Some(p) => match tx.get_pipeline(&p.to_string()).await? {
            Some(p) => p,
            None => {
                e.push("pipeline_id", "unknown", "no pipeline has this id");
                return Ok(None);
            }
        },
        None => match tx.list_pipelines().await?.into_iter().next() {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    let first = tx.pipeline_stages(&pipeline.id).await?.into_iter().next();
    Ok(first.map(|s| (pipeline.id, s.id)))
}

/// The team of `owner` (the actor's own without a lookup); an unknown owner is an error.
async fn owner_team(
    tx: &mut WriteTx,
    actor: &Actor,
    owner: Option<UserId>,
    e: &mut FieldErrors,
) -> Result<Option<TeamId>, AppError> {
    let Some(o) = owner else { return Ok(None) };
    if Some(o) == actor.user_id() {
        return Ok(actor.team_id());
    }
    match tx.get_user(&o.to_string()).await? {
        Some(u) => u.team_id.as_deref().map(|t| crate::convert::parse_id(t, "team")).transpose(),
        None => {
            e.push("owner_id", "unknown", "no user has this id");
            Ok(None)
        }
    }
}

async fn check_team(tx: &mut WriteTx, t: TeamId, e: &mut FieldErrors) -> Result<Option<TeamId>, AppError> {
    if tx.team_exists(&t.to_string()).await? {
        Ok(Some(t))
    } else {
        e.push("team_id", "unknown", "no team has this id");
        Ok(None)
    }
}
