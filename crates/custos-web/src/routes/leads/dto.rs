//! JSON shapes of the lead API with their OpenAPI schemas, and their conversions to the
//! domain's raw inputs. Validation is not done here (the domain owns it).

use crate::dto::rfc3339;
use custos_app::lead_views::LeadOut;
use custos_domain::Change;
use custos_domain::sales::{LeadChanges, LeadInput};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// Present-but-null becomes `Some(None)`; absent stays `None` (via `default`).
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

/// A new lead. `name` (the person) and `source` are required; the status defaults to new and
/// the owner to the caller.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct LeadCreate {
    /// The person, at most 200 characters.
    pub name: Option<String>,
    /// At most 200 characters.
    pub company: Option<String>,
    /// Job title, at most 100 characters.
    pub title: Option<String>,
    /// website | referral | event | cold_call | partner | advertising | social | other
    pub source: Option<String>,
    /// new (default) | contacted | qualified. Converted and disqualified have their own endpoints.
    pub status: Option<String>,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    /// Confidential.
    pub email: Option<String>,
    /// Confidential. Chinese mainland 11-digit or E.164; stored as E.164.
    pub mobile: Option<String>,
    /// Confidential free text, at most 10,000 characters.
    pub notes: Option<String>,
}

impl From<LeadCreate> for LeadInput {
    fn from(c: LeadCreate) -> Self {
        LeadInput {
            name: c.name,
            company: c.company,
            title: c.title,
            source: c.source,
            status: c.status,
            owner_id: c.owner_id,
            team_id: c.team_id,
            email: c.email,
            mobile: c.mobile,
            notes: c.notes,
        }
    }
}

/// Changes to a lead: absent fields are kept, `null` clears an optional field. The expected
/// version comes from `If-Match` or `version`. A converted lead cannot be changed.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct LeadPatch {
    pub version: Option<i64>,
    pub name: Option<String>,
    pub source: Option<String>,
    /// new | contacted | qualified (reopens a disqualified lead).
    pub status: Option<String>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub company: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub owner_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub team_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub mobile: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

impl LeadPatch {
    pub fn changes(self) -> LeadChanges {
        LeadChanges {
            name: self.name,
            source: self.source,
            status: self.status,
            company: change(self.company),
            title: change(self.title),
            owner_id: change(self.owner_id),
            team_id: change(self.team_id),
            email: change(self.email),
            mobile: change(self.mobile),
            notes: change(self.notes),
        }
    }
}

/// Disqualifying a lead.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct LeadDisqualify {
    /// The version the change is based on (or send If-Match).
    pub version: Option<i64>,
    /// Why, at most 500 characters. Required.
    pub reason: Option<String>,
}

/// A lead as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct LeadView {
    pub id: String,
    pub name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub source: String,
    /// new | contacted | qualified | converted | disqualified
    pub status: String,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub notes: Option<String>,
    pub disqualify_reason: Option<String>,
    /// The customer the lead was converted into.
    pub customer_id: Option<String>,
    /// The deal made by the conversion, if any.
    pub deal_id: Option<String>,
    pub converted_at: Option<String>,
    /// Fields shown masked for you.
    #[serde(default)]
    pub masked: Vec<String>,
    /// Fields withheld from you.
    #[serde(default)]
    pub hidden: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<&LeadOut> for LeadView {
    fn from(l: &LeadOut) -> Self {
        LeadView {
            id: l.id.to_string(),
            name: l.name.clone(),
            company: l.company.clone(),
            title: l.title.clone(),
            source: l.source.as_str().into(),
            status: l.status.as_str().into(),
            owner_id: l.owner_id.map(|o| o.to_string()),
            team_id: l.team_id.map(|t| t.to_string()),
            email: l.email.clone(),
            mobile: l.mobile.clone(),
            notes: l.notes.clone(),
            disqualify_reason: l.disqualify_reason.clone(),
            customer_id: l.customer_id.map(|c| c.to_string()),
            deal_id: l.deal_id.map(|d| d.to_string()),
            converted_at: l.converted_at.map(rfc3339),
            masked: l.redactions.masked.iter().map(|f| f.to_string()).collect(),
            hidden: l.redactions.hidden.iter().map(|f| f.to_string()).collect(),
            created_at: rfc3339(l.created_at),
            updated_at: rfc3339(l.updated_at),
            version: l.version,
        }
    }
}

/// A page of leads.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeadList {
    pub items: Vec<LeadView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Query parameters of `GET /api/v1/leads`.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeadListParams {
    /// new | contacted | qualified | converted | disqualified
    pub status: Option<String>,
    /// website | referral | event | cold_call | partner | advertising | social | other
    pub source: Option<String>,
    /// Owner's user id.
    pub owner: Option<String>,
    /// Case-insensitive substring of the name or company.
    pub q: Option<String>,
    /// Exact e-mail (searched through a keyed blind index).
    pub email: Option<String>,
    /// Exact mobile (searched through a keyed blind index).
    pub mobile: Option<String>,
    /// Created on or after: YYYY-MM-DD (UTC) or RFC 3339.
    pub created_from: Option<String>,
    /// Created before: RFC 3339, or YYYY-MM-DD for up to the end of that day (UTC).
    pub created_to: Option<String>,
    /// name | -name | created_at | -created_at (default) | updated_at | -updated_at
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}
