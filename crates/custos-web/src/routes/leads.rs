//! Lead endpoints: create, get, update (PATCH with If-Match), delete, list, disqualify and
//! convert. Each calls one custos-app use case with the request's actor; none decides policy.

pub mod convert;
pub mod dto;

use crate::WebState;
use crate::auth::AuthActor;
use crate::json::ApiJson;
use crate::problem::{Problem, VersionSource, from_app};
use crate::routes::customers::query_problem;
use crate::versioning::{expected_version, if_match, versioned};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use custos_app::AppError;
use custos_app::lead_views::LeadQuery;
use dto::{LeadCreate, LeadDisqualify, LeadList, LeadListParams, LeadPatch, LeadView};

pub(crate) fn with_etag(status: StatusCode, view: LeadView, location: bool) -> Response {
    let (version, id) = (view.version, view.id.clone());
    versioned(status, view, version, location.then_some(("/api/v1/leads", &id as &dyn std::fmt::Display)))
}

/// Creates a lead.
#[utoipa::path(post, path = "/api/v1/leads", tag = "leads", request_body = LeadCreate,
    responses((status = 201, body = LeadView, headers(("ETag" = String), ("Location" = String))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    ApiJson(body): ApiJson<LeadCreate>,
) -> Result<Response, Problem> {
    let l = s.app.create_lead(&actor, &body.into()).await?;
    Ok(with_etag(StatusCode::CREATED, LeadView::from(&l), true))
}

/// Reads one lead.
#[utoipa::path(get, path = "/api/v1/leads/{id}", tag = "leads", params(("id" = String, Path)),
    responses((status = 200, body = LeadView, headers(("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 410, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let l = s.app.get_lead(&actor, &id).await?;
    Ok(with_etag(StatusCode::OK, LeadView::from(&l), false))
}

/// Changes a lead. Needs `If-Match` (412 if stale) or `version` in the body (409 if stale).
#[utoipa::path(patch, path = "/api/v1/leads/{id}", tag = "leads", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    request_body = LeadPatch,
    responses((status = 200, body = LeadView, headers(("ETag" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LeadPatch>,
) -> Result<Response, Problem> {
    let Some((version, source)) = expected_version(&headers, body.version)? else {
        return Err(from_app(AppError::VersionRequired, None));
    };
    let l = s.app.update_lead(&actor, &id, version, &body.changes()).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(with_etag(StatusCode::OK, LeadView::from(&l), false))
}

/// Deletes a lead and destroys its data key. With `If-Match`, only if still at that version.
#[utoipa::path(delete, path = "/api/v1/leads/{id}", tag = "leads", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header)),
    responses((status = 204, description = "Deleted"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 412, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn delete(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, Problem> {
    let v = if_match(&headers)?;
    s.app.delete_lead(&actor, &id, v).await.map_err(|e| from_app(e, Some(VersionSource::IfMatch)))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists leads with filters, sort and cursor pagination.
#[utoipa::path(get, path = "/api/v1/leads", tag = "leads", params(LeadListParams),
    responses((status = 200, body = LeadList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<LeadListParams>, QueryRejection>,
) -> Result<Json<LeadList>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let q = LeadQuery {
        status: p.status,
        source: p.source,
        owner: p.owner,
        q: p.q,
        email: p.email,
        mobile: p.mobile,
        created_from: p.created_from,
        created_to: p.created_to,
        sort: p.sort,
        limit: p.limit,
        cursor: p.cursor,
    };
    let page = s.app.list_leads(&actor, &q).await?;
    Ok(Json(LeadList { items: page.items.iter().map(LeadView::from).collect(), next_cursor: page.next_cursor }))
}

/// Disqualifies a lead with a reason. Needs `If-Match` or `version`.
#[utoipa::path(post, path = "/api/v1/leads/{id}/disqualify", tag = "leads", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header)),
    request_body = LeadDisqualify,
    responses((status = 200, body = LeadView, headers(("ETag" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn disqualify(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LeadDisqualify>,
) -> Result<Response, Problem> {
    let Some((version, source)) = expected_version(&headers, body.version)? else {
        return Err(from_app(AppError::VersionRequired, None));
    };
    let l = s
        .app
        .disqualify_lead(&actor, &id, version, body.reason.as_deref())
        .await
        .map_err(|e| from_app(e, Some(source)))?;
    Ok(with_etag(StatusCode::OK, LeadView::from(&l), false))
}
