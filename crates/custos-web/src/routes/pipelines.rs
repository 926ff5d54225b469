//! Pipeline endpoints: list, create, get, update (PATCH with If-Match), delete, and the board
//! of a pipeline. Each calls one use case; changes need pipeline.manage, reads deal.read.

use crate::WebState;
use crate::auth::AuthActor;
use crate::dto_board::{BoardParams, BoardView};
use crate::dto_sales::{PipelineCreate, PipelineList, PipelinePatch, PipelineView};
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
use custos_app::board::DEFAULT_BOARD_CARDS;
use custos_app::deal_views::PipelineOut;

fn pipeline_response(status: StatusCode, p: &PipelineOut, location: bool) -> Response {
    versioned(
        status,
        PipelineView::from(p),
        p.version,
        location.then_some(("/api/v1/pipelines", &p.id as &dyn std::fmt::Display)),
    )
}

/// Every pipeline with its stages, in order.
#[utoipa::path(get, path = "/api/v1/pipelines", tag = "pipelines",
    responses((status = 200, body = PipelineList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(State(s): State<WebState>, AuthActor(actor): AuthActor) -> Result<Json<PipelineList>, Problem> {
    let items = s.app.list_pipelines(&actor).await?;
    Ok(Json(PipelineList { items: items.iter().map(PipelineView::from).collect() }))
}

/// Creates a pipeline with its stages (pipeline.manage).
#[utoipa::path(post, path = "/api/v1/pipelines", tag = "pipelines", request_body = PipelineCreate,
    responses((status = 201, body = PipelineView, headers(("ETag" = String), ("Location" = String))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    ApiJson(body): ApiJson<PipelineCreate>,
) -> Result<Response, Problem> {
    let p = s.app.create_pipeline(&actor, &body.into()).await?;
    Ok(pipeline_response(StatusCode::CREATED, &p, true))
}

/// Reads one pipeline.
#[utoipa::path(get, path = "/api/v1/pipelines/{id}", tag = "pipelines", params(("id" = String, Path)),
    responses((status = 200, body = PipelineView, headers(("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let p = s.app.get_pipeline(&actor, &id).await?;
    Ok(pipeline_response(StatusCode::OK, &p, false))
}

/// Renames a pipeline and/or replaces its stage list (pipeline.manage). Stages named by id
/// keep their id and deals; removing a stage that still has deals is refused (409).
#[utoipa::path(patch, path = "/api/v1/pipelines/{id}", tag = "pipelines", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    request_body = PipelinePatch,
    responses((status = 200, body = PipelineView, headers(("ETag" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem),
        (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PipelinePatch>,
) -> Result<Response, Problem> {
    let Some((version, source)) = expected_version(&headers, body.version)? else {
        return Err(from_app(AppError::VersionRequired, None));
    };
    let p =
        s.app.update_pipeline(&actor, &id, version, &body.changes()).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(pipeline_response(StatusCode::OK, &p, false))
}

/// Deletes a pipeline that has no deals and is not the last one (pipeline.manage).
#[utoipa::path(delete, path = "/api/v1/pipelines/{id}", tag = "pipelines", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header)),
    responses((status = 204, description = "Deleted"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn delete(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, Problem> {
    let v = if_match(&headers)?;
    s.app.delete_pipeline(&actor, &id, v).await.map_err(|e| from_app(e, Some(VersionSource::IfMatch)))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The board of a pipeline: per stage, the count and total (per currency) of every open deal
/// you may see, and the most recently updated of them as cards.
#[utoipa::path(get, path = "/api/v1/pipelines/{id}/board", tag = "pipelines", params(("id" = String, Path), BoardParams),
    responses((status = 200, body = BoardView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn board(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    params: Result<Query<BoardParams>, QueryRejection>,
) -> Result<Json<BoardView>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let b = s.app.board_with_cards(&actor, &id, p.cards.unwrap_or(DEFAULT_BOARD_CARDS)).await?;
    Ok(Json(BoardView::from(&b)))
}
