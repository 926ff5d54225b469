//! Disclosure endpoints: reveal masked fields with a purpose, count and export within scope,
//! and share a customer with a colleague.

use crate::WebState;
use crate::auth::AuthActor;
use crate::dto::CustomerListParams;
use crate::json::ApiJson;
use crate::problem::Problem;
use crate::routes::customers::query_problem;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use custos_app::customers::CustomerQuery;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Which masked fields to reveal, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// Field names, e.g. ["mobile", "national_id"].
    pub fields: Vec<String>,
    /// Why you need the plain values (10 to 500 characters); recorded.
    pub purpose: String,
}

/// The revealed plain values (null where the record has no value).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RevealResponse {
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, Option<String>>,
}

/// A number of records.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CountResponse {
    pub count: i64,
}

/// A user to share a customer with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    pub user_id: String,
}

/// The users a customer is shared with.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShareList {
    pub user_ids: Vec<String>,
}

pub(crate) fn to_query(p: CustomerListParams) -> CustomerQuery {
    CustomerQuery {
        status: p.status,
        owner: p.owner,
        tag: p.tag,
        q: p.q,
        email: p.email,
        mobile: p.mobile,
        sort: p.sort,
        limit: p.limit,
        cursor: p.cursor,
    }
}

/// Reveals masked fields of a customer for a stated purpose (restricted fields need step-up).
#[utoipa::path(post, path = "/api/v1/customers/{id}/reveal", tag = "customers", params(("id" = String, Path)),
    request_body = RevealRequest,
    responses((status = 200, body = RevealResponse), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn reveal_customer(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RevealRequest>,
) -> Result<Json<RevealResponse>, Problem> {
    let r = s.app.reveal_customer(&actor, &id, &req.fields, &req.purpose).await?;
    Ok(Json(RevealResponse { fields: r.into_iter().map(|f| (f.field, f.value)).collect() }))
}

/// Reveals masked fields of a contact for a stated purpose.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/reveal", tag = "contacts", params(("id" = String, Path)),
    request_body = RevealRequest,
    responses((status = 200, body = RevealResponse), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn reveal_contact(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RevealRequest>,
) -> Result<Json<RevealResponse>, Problem> {
    let r = s.app.reveal_contact(&actor, &id, &req.fields, &req.purpose).await?;
    Ok(Json(RevealResponse { fields: r.into_iter().map(|f| (f.field, f.value)).collect() }))
}

/// Counts the customers you may see that match the filters.
#[utoipa::path(get, path = "/api/v1/customers/count", tag = "customers", params(CustomerListParams),
    responses((status = 200, body = CountResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn count(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<CustomerListParams>, QueryRejection>,
) -> Result<Json<CountResponse>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    Ok(Json(CountResponse { count: s.app.count_customers(&actor, &to_query(p)).await? }))
}

fn csv_cell(v: &str) -> String {
    // Quote always; neutralise spreadsheet formulas (CSV injection).
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}") } else { v.to_string() };
    format!("\"{}\"", v.replace('"', "\"\""))
}

/// Exports the customers you may see as CSV (masked fields stay masked). More than the
/// configured number of records needs step-up.
#[utoipa::path(get, path = "/api/v1/customers/export", tag = "customers", params(CustomerListParams),
    responses((status = 200, description = "CSV", content_type = "text/csv"), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn export(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<CustomerListParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let rows = s.app.export_customers(&actor, &to_query(p)).await?;
    let mut out = String::from(
        "id,name,kind,industry,tier,status,owner_id,team_id,tags,source,email,mobile,phone,address,birthday,national_id,bank_account,notes,created_at,updated_at\r\n",
    );
    for c in &rows {
        let v = crate::dto::CustomerView::from(c);
        let cells = [
            v.id,
            v.name,
            v.kind,
            v.industry.unwrap_or_default(),
            v.tier.unwrap_or_default(),
            v.status,
            v.owner_id.unwrap_or_default(),
            v.team_id.unwrap_or_default(),
            v.tags.join(";"),
            v.source.unwrap_or_default(),
            v.email.unwrap_or_default(),
            v.mobile.unwrap_or_default(),
            v.phone.unwrap_or_default(),
            v.address.unwrap_or_default(),
            v.birthday.unwrap_or_default(),
            v.national_id.unwrap_or_default(),
            v.bank_account.unwrap_or_default(),
            v.notes.unwrap_or_default(),
            v.created_at,
            v.updated_at,
        ];
        out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    let mut res = (StatusCode::OK, out).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    res.headers_mut()
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"customers.csv\""));
    Ok(res)
}

/// The users a customer is shared with.
#[utoipa::path(get, path = "/api/v1/customers/{id}/shares", tag = "customers", params(("id" = String, Path)),
    responses((status = 200, body = ShareList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list_shares(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<Json<ShareList>, Problem> {
    Ok(Json(ShareList { user_ids: s.app.customer_shares(&actor, &id).await? }))
}

/// Shares a customer with a user.
#[utoipa::path(post, path = "/api/v1/customers/{id}/shares", tag = "customers", params(("id" = String, Path)),
    request_body = ShareRequest,
    responses((status = 204, description = "Shared"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn share(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ShareRequest>,
) -> Result<StatusCode, Problem> {
    s.app.share_customer(&actor, &id, &req.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stops sharing a customer with a user.
#[utoipa::path(delete, path = "/api/v1/customers/{id}/shares/{user_id}", tag = "customers",
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204, description = "No longer shared"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn unshare(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    s.app.unshare_customer(&actor, &id, &user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
