//! `POST /api/v1/leads/{id}/convert`: the lead becomes a customer (new or existing), a contact
//! and optionally a deal, in one transaction. Possible duplicates answer 409
//! `possible_duplicates` (nothing changed) until the caller confirms or names an existing
//! customer.

use super::dto::LeadView;
use crate::WebState;
use crate::auth::AuthActor;
use crate::json::ApiJson;
use crate::problem::{Problem, from_app};
use crate::versioning::{etag, expected_version};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use custos_app::AppError;
use custos_app::lead_convert::{ConvertCustomer, ConvertLead, ConvertOutcome, DuplicateCustomer};
use custos_domain::sales::DealInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The new customer of a conversion.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ConvertCustomerBody {
    /// Defaults to the lead's company, else the lead's name.
    pub name: Option<String>,
    /// organization | person. Defaults to organization when the lead has a company, else person.
    pub kind: Option<String>,
}

/// The deal a conversion opens.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ConvertDealBody {
    pub title: Option<String>,
    /// Decimal string such as "12500.00".
    pub amount: Option<String>,
    /// ISO 4217, default CNY.
    pub currency: Option<String>,
    /// Defaults to the first pipeline.
    pub pipeline_id: Option<String>,
    /// Defaults to the pipeline's first stage.
    pub stage_id: Option<String>,
    /// YYYY-MM-DD.
    pub expected_close: Option<String>,
}

/// Converting a lead.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct LeadConvertBody {
    /// The lead's version (or send If-Match).
    pub version: Option<i64>,
    /// A new customer (the default when `customer_id` is absent).
    pub customer: Option<ConvertCustomerBody>,
    /// Convert into this existing customer instead (how a possible duplicate is resolved).
    pub customer_id: Option<String>,
    /// Make the lead's person a contact of the customer (default true).
    pub create_contact: Option<bool>,
    /// Open a deal for the customer.
    pub deal: Option<ConvertDealBody>,
    /// Convert even though customers with the same e-mail or mobile exist (default false).
    pub confirm_duplicates: Option<bool>,
}

/// A customer that shares the lead's e-mail or mobile.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DuplicateView {
    pub id: String,
    /// Present when you may read customers.
    pub name: Option<String>,
}

impl From<&DuplicateCustomer> for DuplicateView {
    fn from(d: &DuplicateCustomer) -> Self {
        DuplicateView { id: d.id.to_string(), name: d.name.clone() }
    }
}

/// What a conversion made.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeadConversionView {
    /// The lead, now converted.
    pub lead: LeadView,
    pub customer_id: String,
    /// False when the lead went into an existing customer.
    pub customer_created: bool,
    pub contact_id: Option<String>,
    pub deal_id: Option<String>,
    /// Customers that share the e-mail or mobile (converted anyway, as confirmed).
    pub possible_duplicates: Vec<DuplicateView>,
}

/// The 409 problem of a refused conversion: `possible_duplicates`, with the matching customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicatesProblem {
    #[serde(rename = "type")]
    #[schema(example = "possible_duplicates")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: &'static str,
    pub duplicates: Vec<DuplicateView>,
}

fn duplicates_problem(d: &[DuplicateCustomer]) -> Response {
    let p = DuplicatesProblem {
        kind: "possible_duplicates",
        title: "Possible duplicates",
        status: 409,
        detail: "customers you can see share this lead's e-mail or mobile; nothing was changed. Convert into one \
                 of them with customer_id, or send confirm_duplicates: true to create a new customer anyway",
        duplicates: d.iter().map(DuplicateView::from).collect(),
    };
    let mut res = (StatusCode::CONFLICT, Json(p)).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/problem+json"));
    res
}

/// Converts a lead into a customer, a contact and optionally a deal, in one transaction.
/// Needs `lead.convert` and `customer.create` (and `deal.write` for a deal).
#[utoipa::path(post, path = "/api/v1/leads/{id}/convert", tag = "leads", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header)),
    request_body = LeadConvertBody,
    responses((status = 200, body = LeadConversionView, headers(("ETag" = String, description = "the lead's new version"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = DuplicatesProblem, description = "`possible_duplicates` (nothing changed), `version_conflict`, or `conflict` (already converted or disqualified)"),
        (status = 410, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem),
        (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn convert(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LeadConvertBody>,
) -> Result<Response, Problem> {
    let Some((version, source)) = expected_version(&headers, body.version)? else {
        return Err(from_app(AppError::VersionRequired, None));
    };
    let customer = body.customer.unwrap_or_default();
    let input = ConvertLead {
        expected_version: version,
        customer: ConvertCustomer { name: customer.name, kind: customer.kind },
        customer_id: body.customer_id,
        create_contact: body.create_contact,
        deal: body.deal.map(|d| DealInput {
            title: d.title,
            amount: d.amount,
            currency: d.currency,
            pipeline_id: d.pipeline_id,
            stage_id: d.stage_id,
            expected_close: d.expected_close,
            ..DealInput::default()
        }),
        confirm_duplicates: body.confirm_duplicates.unwrap_or(false),
    };
    match s.app.convert_lead(&actor, &id, &input).await.map_err(|e| from_app(e, Some(source)))? {
        ConvertOutcome::PossibleDuplicates(d) => Ok(duplicates_problem(&d)),
        ConvertOutcome::Converted(c) => {
            let view = LeadConversionView {
                lead: LeadView::from(&c.lead),
                customer_id: c.customer_id.to_string(),
                customer_created: c.customer_created,
                contact_id: c.contact_id.map(|i| i.to_string()),
                deal_id: c.deal_id.map(|i| i.to_string()),
                possible_duplicates: c.possible_duplicates.iter().map(DuplicateView::from).collect(),
            };
            let version = view.lead.version;
            let mut res = (StatusCode::OK, Json(view)).into_response();
            res.headers_mut().insert(header::ETAG, etag(version));
            Ok(res)
        }
    }
}
