//! What callers receive of pipelines, deals, their history and the board: typed values built
//! from store rows. Deals hold no sealed field; the customer's name is present only when the
//! reader may also see the customer (decided in the store query). It never touches the store.

use crate::AppError;
use crate::convert::{from_micros, parse_id};
use custos_domain::sales::deal::iso_date;
use custos_domain::sales::{Currency, DealStatus, Money};
use custos_domain::{CustomerId, DealId, LeadId, PipelineId, StageId, TeamId, UserId};
use custos_store::{DealHistoryRow, DealListRow, DealRow, PipelineRow, StageRow};
use time::{Date, OffsetDateTime};

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageOut {
    pub id: StageId,
    pub name: String,
    pub position: i64,
    /// Win probability in percent.
    pub probability: u8,
}

/// A pipeline with its stages in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineOut {
    pub id: PipelineId,
    pub name: String,
    pub position: i64,
    pub stages: Vec<StageOut>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A deal as its reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealOut {
    pub id: DealId,
    pub title: String,
    pub customer_id: CustomerId,
    /// The customer's name, when the reader may see the customer.
    pub customer_name: Option<String>,
    pub pipeline_id: PipelineId,
    pub stage_id: StageId,
    pub amount: Money,
    pub expected_close: Option<Date>,
    pub owner_id: Option<UserId>,
    /// The owner's display name.
    pub owner_name: Option<String>,
    pub team_id: Option<TeamId>,
    pub status: DealStatus,
    pub lost_reason: Option<String>,
    pub closed_at: Option<OffsetDateTime>,
    pub lead_id: Option<LeadId>,
    pub stage_entered_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// One step of a deal's stage history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealHistoryOut {
    pub from_stage_id: Option<StageId>,
    pub to_stage_id: StageId,
    /// The deal's status after this step.
    pub status: DealStatus,
    pub changed_at: OffsetDateTime,
    pub changed_by: Option<UserId>,
    pub changed_by_name: Option<String>,
}

pub(crate) fn stage_out(s: &StageRow) -> Result<StageOut, AppError> {
    Ok(StageOut {
        id: parse_id(&s.id, "stage")?,
        name: s.name.clone(),
        position: s.position,
        probability: u8::try_from(s.probability.clamp(0, 100)).unwrap_or(0),
    })
}

/// A pipeline from its row and its stages (any stages not of this pipeline are skipped).
pub(crate) fn pipeline_out(p: &PipelineRow, stages: &[StageRow]) -> Result<PipelineOut, AppError> {
    Ok(PipelineOut {
        id: parse_id(&p.id, "pipeline")?,
        name: p.name.clone(),
        position: p.position,
        stages: stages.iter().filter(|s| s.pipeline_id == p.id).map(stage_out).collect::<Result<_, _>>()?,
        created_at: from_micros(p.created_at)?,
        updated_at: from_micros(p.updated_at)?,
        version: p.version,
    })
}

fn opt_id<T: std::str::FromStr>(v: &Option<String>, what: &'static str) -> Result<Option<T>, AppError> {
    v.as_deref().map(|s| parse_id(s, what)).transpose()
}

/// The stored amount as money; an unknown stored currency is corrupt data.
pub(crate) fn money_of(minor: i64, currency: &str) -> Result<Money, AppError> {
    let c = Currency::parse(currency).map_err(|_| AppError::Internal("stored deal currency is unknown".into()))?;
    Ok(Money::from_minor(minor, c))
}

pub(crate) fn status_of(s: &str) -> Result<DealStatus, AppError> {
    DealStatus::parse(s).map_err(|_| AppError::Internal("stored deal status is unknown".into()))
}

/// A deal from its row and the joined names.
pub(crate) fn deal_out(
    r: &DealRow,
    customer_name: Option<String>,
    owner_name: Option<String>,
) -> Result<DealOut, AppError> {
    Ok(DealOut {
        id: parse_id(&r.id, "deal")?,
        title: r.title.clone(),
        customer_id: parse_id(&r.customer_id, "customer")?,
        customer_name,
        pipeline_id: parse_id(&r.pipeline_id, "pipeline")?,
        stage_id: parse_id(&r.stage_id, "stage")?,
        amount: money_of(r.amount_minor, &r.currency)?,
        expected_close: r
            .expected_close
            .as_deref()
            .map(|d| iso_date(d).map_err(|_| AppError::Internal("stored expected close date is malformed".into())))
            .transpose()?,
        owner_id: opt_id(&r.owner_id, "owner")?,
        owner_name,
        team_id: opt_id(&r.team_id, "team")?,
        status: status_of(&r.status)?,
        lost_reason: r.lost_reason.clone(),
        closed_at: r.closed_at.map(from_micros).transpose()?,
        lead_id: opt_id(&r.lead_id, "lead")?,
        stage_entered_at: from_micros(r.stage_entered_at)?,
        created_at: from_micros(r.created_at)?,
        updated_at: from_micros(r.updated_at)?,
        version: r.version,
    })
}

/// The customers whose names `deals` show, each once, in first-seen order: what a read
/// event of a deal list names.
pub(crate) fn shown_customers<'a>(deals: impl IntoIterator<Item = &'a DealOut>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    deals
        .into_iter()
        .filter(|d| d.customer_name.is_some())
        .map(|d| d.customer_id.to_string())
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

pub(crate) fn deal_list_out(r: &DealListRow) -> Result<DealOut, AppError> {
    deal_out(&r.deal, r.customer_name.clone(), r.owner_name.clone())
}

pub(crate) fn history_out(h: &DealHistoryRow) -> Result<DealHistoryOut, AppError> {
    Ok(DealHistoryOut {
        from_stage_id: opt_id(&h.from_stage_id, "stage")?,
        to_stage_id: parse_id(&h.to_stage_id, "stage")?,
        status: status_of(&h.status)?,
        changed_at: from_micros(h.changed_at)?,
        changed_by: opt_id(&h.changed_by, "user")?,
        changed_by_name: h.changed_by_name.clone(),
    })
}
