//! A deal's way through its pipeline over HTTP: move to a stage, won, lost, reopen (each
//! naming the version it is based on, in the body or `If-Match`) and the stage history.

use super::deal_response;
use crate::WebState;
use crate::auth::AuthActor;
use crate::dto_sales::{DealHistoryList, DealHistoryView, DealLost, DealMove, DealVersion, DealView};
use crate::json::ApiJson;
use crate::problem::{Problem, VersionSource, from_app};
use crate::versioning::expected_version;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use custos_app::AppError;

fn version(headers: &HeaderMap, body: Option<i64>) -> Result<(i64, VersionSource), Problem> {
    expected_version(headers, body)?.ok_or_else(|| from_app(AppError::VersionRequired, None))
}

/// Moves a deal to another stage of its pipeline; the step is recorded in its history.
#[utoipa::path(post, path = "/api/v1/deals/{id}/move", tag = "deals", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header)),
    request_body = DealMove,
    responses((status = 200, body = DealView, headers(("ETag" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem),
        (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn move_stage(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DealMove>,
) -> Result<Response, Problem> {
    let (v, source) = version(&headers, body.version)?;
    let Some(stage) = body.stage_id.filter(|s| !s.trim().is_empty()) else {
        return Err(from_app(AppError::invalid("stage_id", "required", "is required"), None));
    };
    let d = s.app.move_deal(&actor, &id, &stage, v).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(deal_response(StatusCode::OK, &d, false))
}

/// Marks a deal won.
#[utoipa::path(post, path = "/api/v1/deals/{id}/won", tag = "deals", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header)),
    request_body = DealVersion,
    responses((status = 200, body = DealView, headers(("ETag" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn won(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DealVersion>,
) -> Result<Response, Problem> {
    let (v, source) = version(&headers, body.version)?;
    let d = s.app.win_deal(&actor, &id, v).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(deal_response(StatusCode::OK, &d, false))
}

/// Marks a deal lost, with a reason (required, at most 500 characters).
#[utoipa::path(post, path = "/api/v1/deals/{id}/lost", tag = "deals", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header)),
    request_body = DealLost,
    responses((status = 200, body = DealView, headers(("ETag" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem),
        (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn lost(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DealLost>,
) -> Result<Response, Problem> {
    let (v, source) = version(&headers, body.version)?;
    let d = s.app.lose_deal(&actor, &id, v, body.reason.as_deref()).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(deal_response(StatusCode::OK, &d, false))
}

/// Opens a won or lost deal again.
#[utoipa::path(post, path = "/api/v1/deals/{id}/reopen", tag = "deals", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header)),
    request_body = DealVersion,
    responses((status = 200, body = DealView, headers(("ETag" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn reopen(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DealVersion>,
) -> Result<Response, Problem> {
    let (v, source) = version(&headers, body.version)?;
    let d = s.app.reopen_deal(&actor, &id, v).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(deal_response(StatusCode::OK, &d, false))
}

/// The stage history of a deal, oldest first: created, moved, won, lost, reopened.
#[utoipa::path(get, path = "/api/v1/deals/{id}/history", tag = "deals", params(("id" = String, Path)),
    responses((status = 200, body = DealHistoryList), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn history(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<Json<DealHistoryList>, Problem> {
    let h = s.app.deal_history(&actor, &id).await?;
    Ok(Json(DealHistoryList { items: h.iter().map(DealHistoryView::from).collect() }))
}
