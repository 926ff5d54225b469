//! JSON shapes of pipelines, deals and their history, with their OpenAPI schemas.
//! Amounts are decimal strings with their currency; dates are `YYYY-MM-DD`; timestamps
//! RFC 3339. Validation is the domain's; these only carry strings in and values out.

use crate::dto::rfc3339;
use custos_app::deal_views::{DealHistoryOut, DealOut, PipelineOut, StageOut};
use custos_app::pipelines::PipelineChanges;
use custos_domain::Change;
use custos_domain::sales::deal::iso_string;
use custos_domain::sales::{DealChanges, DealInput, PipelineInput, StageInput};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

fn double<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn change(v: Option<Option<String>>) -> Change<String> {
    match v {
        None => Change::Keep,
        Some(None) => Change::Clear,
        Some(Some(s)) => Change::Set(s),
    }
}

/// One stage in a pipeline body: name an existing stage's `id` to keep it (and its deals).
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StageBody {
    pub id: Option<String>,
    pub name: Option<String>,
    /// Win probability in percent, 0–100.
    pub probability: Option<i64>,
}

impl From<StageBody> for StageInput {
    fn from(s: StageBody) -> Self {
        StageInput { id: s.id, name: s.name, probability: s.probability }
    }
}

/// A new pipeline: name (1–100 characters) and 1–20 stages in order, names unique.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PipelineCreate {
    pub name: Option<String>,
    pub stages: Option<Vec<StageBody>>,
}

impl From<PipelineCreate> for PipelineInput {
    fn from(p: PipelineCreate) -> Self {
        PipelineInput { name: p.name, stages: p.stages.map(|s| s.into_iter().map(StageInput::from).collect()) }
    }
}

/// Changes to a pipeline. `stages`, when given, is the complete new list in order: entries
/// with an `id` keep that stage, entries without add one, stored stages left out are removed
/// (refused with 409 while deals are in them).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PipelinePatch {
    pub version: Option<i64>,
    pub name: Option<String>,
    pub stages: Option<Vec<StageBody>>,
}

impl PipelinePatch {
    pub fn changes(self) -> PipelineChanges {
        PipelineChanges { name: self.name, stages: self.stages.map(|s| s.into_iter().map(StageInput::from).collect()) }
    }
}

/// A stage.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct StageView {
    pub id: String,
    pub name: String,
    pub position: i64,
    pub probability: u8,
}

impl From<&StageOut> for StageView {
    fn from(s: &StageOut) -> Self {
        StageView { id: s.id.to_string(), name: s.name.clone(), position: s.position, probability: s.probability }
    }
}

/// A pipeline with its stages in order.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PipelineView {
    pub id: String,
    pub name: String,
    pub position: i64,
    pub stages: Vec<StageView>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<&PipelineOut> for PipelineView {
    fn from(p: &PipelineOut) -> Self {
        PipelineView {
            id: p.id.to_string(),
            name: p.name.clone(),
            position: p.position,
            stages: p.stages.iter().map(StageView::from).collect(),
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
            version: p.version,
        }
    }
}

/// Every pipeline.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PipelineList {
    pub items: Vec<PipelineView>,
}

/// A new deal. `title` and `customer_id` are required; `amount` defaults to "0", `currency`
/// to CNY, the pipeline to the first one, the stage to its first, the owner to the caller and
/// the team to the owner's.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DealCreate {
    pub title: Option<String>,
    pub customer_id: Option<String>,
    pub pipeline_id: Option<String>,
    pub stage_id: Option<String>,
    /// Decimal string, e.g. "12500.00".
    pub amount: Option<String>,
    /// ISO 4217, e.g. CNY.
    pub currency: Option<String>,
    /// YYYY-MM-DD
    pub expected_close: Option<String>,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    /// open (default) | won | lost
    pub status: Option<String>,
    /// Required when status is lost; at most 500 characters.
    pub lost_reason: Option<String>,
}

impl From<DealCreate> for DealInput {
    fn from(d: DealCreate) -> Self {
        DealInput {
            title: d.title,
            customer_id: d.customer_id,
            pipeline_id: d.pipeline_id,
            stage_id: d.stage_id,
            amount: d.amount,
            currency: d.currency,
            expected_close: d.expected_close,
            owner_id: d.owner_id,
            team_id: d.team_id,
            status: d.status,
            lost_reason: d.lost_reason,
        }
    }
}

/// Changes to a deal: absent fields are kept, `null` clears `expected_close` or `team_id`.
/// A new `stage_id` (of the deal's pipeline, or of a new `pipeline_id`) is recorded in the
/// history. Status changes go through `/won`, `/lost` and `/reopen`.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DealPatch {
    pub version: Option<i64>,
    pub title: Option<String>,
    pub customer_id: Option<String>,
    pub pipeline_id: Option<String>,
    pub stage_id: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub expected_close: Option<Option<String>>,
    pub owner_id: Option<String>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub team_id: Option<Option<String>>,
}

impl DealPatch {
    pub fn changes(self) -> DealChanges {
        DealChanges {
            title: self.title,
            customer_id: self.customer_id,
            pipeline_id: self.pipeline_id,
            stage_id: self.stage_id,
            amount: self.amount,
            currency: self.currency,
            expected_close: change(self.expected_close),
            owner_id: self.owner_id,
            team_id: change(self.team_id),
        }
    }
}

/// A deal.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DealView {
    pub id: String,
    pub title: String,
    pub customer_id: String,
    pub pipeline_id: String,
    pub stage_id: String,
    /// Decimal string with the currency's minor digits.
    pub amount: String,
    pub currency: String,
    /// YYYY-MM-DD
    pub expected_close: Option<String>,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    /// open | won | lost
    pub status: String,
    pub lost_reason: Option<String>,
    pub closed_at: Option<String>,
    pub lead_id: Option<String>,
    pub stage_entered_at: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<&DealOut> for DealView {
    fn from(d: &DealOut) -> Self {
        DealView {
            id: d.id.to_string(),
            title: d.title.clone(),
            customer_id: d.customer_id.to_string(),
            pipeline_id: d.pipeline_id.to_string(),
            stage_id: d.stage_id.to_string(),
            amount: d.amount.amount_string(),
            currency: d.amount.currency.as_str().into(),
            expected_close: d.expected_close.map(iso_string),
            owner_id: d.owner_id.map(|o| o.to_string()),
            team_id: d.team_id.map(|t| t.to_string()),
            status: d.status.as_str().into(),
            lost_reason: d.lost_reason.clone(),
            closed_at: d.closed_at.map(rfc3339),
            lead_id: d.lead_id.map(|l| l.to_string()),
            stage_entered_at: rfc3339(d.stage_entered_at),
            created_at: rfc3339(d.created_at),
            updated_at: rfc3339(d.updated_at),
            version: d.version,
        }
    }
}

/// A page of deals.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DealList {
    pub items: Vec<DealView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Query parameters of `GET /api/v1/deals`.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DealListParams {
    pub pipeline_id: Option<String>,
    pub stage_id: Option<String>,
    pub owner_id: Option<String>,
    pub customer_id: Option<String>,
    /// open | won | lost
    pub status: Option<String>,
    /// Case-insensitive substring of the title.
    pub q: Option<String>,
    /// -updated_at (default) | updated_at | -amount | amount | expected_close | -expected_close | title | -title
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// `POST /api/v1/deals/{id}/move`: the target stage (of the deal's pipeline).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealMove {
    pub stage_id: Option<String>,
    /// The version the move is based on (or send If-Match).
    pub version: Option<i64>,
}

/// `POST /api/v1/deals/{id}/won` and `/reopen`.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DealVersion {
    pub version: Option<i64>,
}

/// `POST /api/v1/deals/{id}/lost`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealLost {
    pub version: Option<i64>,
    /// Why the deal was lost, at most 500 characters.
    pub reason: Option<String>,
}

/// One step of a deal's stage history.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DealHistoryView {
    /// Absent for the step that created the deal.
    pub from_stage_id: Option<String>,
    pub to_stage_id: String,
    /// The deal's status after the step: open | won | lost.
    pub status: String,
    pub changed_at: String,
    pub changed_by: Option<String>,
}

impl From<&DealHistoryOut> for DealHistoryView {
    fn from(h: &DealHistoryOut) -> Self {
        DealHistoryView {
            from_stage_id: h.from_stage_id.map(|s| s.to_string()),
            to_stage_id: h.to_stage_id.to_string(),
            status: h.status.as_str().into(),
            changed_at: rfc3339(h.changed_at),
            changed_by: h.changed_by.map(|u| u.to_string()),
        }
    }
}

/// A deal's stage history, oldest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DealHistoryList {
    pub items: Vec<DealHistoryView>,
}
