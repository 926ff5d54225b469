//! Deal endpoints: create, get, update (PATCH with If-Match), delete and list; moves,
//! won/lost/reopen and history are in `deals/moves.rs`. Each calls one use case.

pub mod moves;

use crate::WebState;
use crate::auth::AuthActor;
use crate::dto_sales::{DealCreate, DealList, DealListParams, DealPatch, DealView};
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
use custos_app::deal_query::DealQuery;
use custos_app::deal_views::DealOut;

/// The deal as JSON with its ETag (and Location when created).
pub(crate) fn deal_response(status: StatusCode, d: &DealOut, location: bool) -> Response {
    versioned(
        status,
        DealView::from(d),
        d.version,
        location.then_some(("/api/v1/deals", &d.id as &dyn std::fmt::Display)),
    )
}

/// Creates a deal.
#[utoipa::path(post, path = "/api/v1/deals", tag = "deals", request_body = DealCreate,
    responses((status = 201, body = DealView, headers(("ETag" = String), ("Location" = String))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    ApiJson(body): ApiJson<DealCreate>,
) -> Result<Response, Problem> {
    let d = s.app.create_deal(&actor, &body.into()).await?;
    Ok(deal_response(StatusCode::CREATED, &d, true))
}

/// Reads one deal.
#[utoipa::path(get, path = "/api/v1/deals/{id}", tag = "deals", params(("id" = String, Path)),
    responses((status = 200, body = DealView, headers(("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let d = s.app.get_deal(&actor, &id).await?;
    Ok(deal_response(StatusCode::OK, &d, false))
}

/// Changes a deal. Needs `If-Match` (412 if stale) or `version` in the body (409 if stale).
#[utoipa::path(patch, path = "/api/v1/deals/{id}", tag = "deals", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    request_body = DealPatch,
    responses((status = 200, body = DealView, headers(("ETag" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem),
        (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DealPatch>,
) -> Result<Response, Problem> {
    let Some((version, source)) = expected_version(&headers, body.version)? else {
        return Err(from_app(AppError::VersionRequired, None));
    };
    let d = s.app.update_deal(&actor, &id, version, &body.changes()).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(deal_response(StatusCode::OK, &d, false))
}

/// Deletes a deal and its stage history. With `If-Match`, only if still at that version.
#[utoipa::path(delete, path = "/api/v1/deals/{id}", tag = "deals", params(("id" = String, Path),
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
    s.app.delete_deal(&actor, &id, v).await.map_err(|e| from_app(e, Some(VersionSource::IfMatch)))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists the deals you may see, with filters, sort and cursor pagination.
#[utoipa::path(get, path = "/api/v1/deals", tag = "deals", params(DealListParams),
    responses((status = 200, body = DealList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<DealListParams>, QueryRejection>,
) -> Result<Json<DealList>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let q = DealQuery {
        pipeline_id: p.pipeline_id,
        stage_id: p.stage_id,
        owner_id: p.owner_id,
        customer_id: p.customer_id,
        status: p.status,
        q: p.q,
        sort: p.sort,
        limit: p.limit,
        cursor: p.cursor,
    };
    let page = s.app.list_deals(&actor, &q).await?;
    Ok(Json(DealList { items: page.items.iter().map(DealView::from).collect(), next_cursor: page.next_cursor }))
}
