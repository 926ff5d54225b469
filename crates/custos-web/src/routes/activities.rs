//! Activity endpoints: create, get, update (PATCH with If-Match), delete, list and complete;
//! the customer and deal timelines; my tasks. Each calls one custos-app use case with the
//! request's actor; none decides policy.

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
use custos_app::activities::ActivityQuery;
use dto::{
    ActivityCreate, ActivityList, ActivityListParams, ActivityPatch, ActivityView, MyTasksView, TimelineParams,
    TimelineView, VersionBody,
};

fn with_etag(status: StatusCode, view: ActivityView, location: bool) -> Response {
    let (version, id) = (view.version, view.id.clone());
    versioned(status, view, version, location.then_some(("/api/v1/activities", &id as &dyn std::fmt::Display)))
}

/// Logs an activity or adds a task.
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = ActivityCreate,
    responses((status = 201, body = ActivityView, headers(("ETag" = String), ("Location" = String))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    ApiJson(body): ApiJson<ActivityCreate>,
) -> Result<Response, Problem> {
    let a = s.app.create_activity(&actor, &body.into()).await?;
    Ok(with_etag(StatusCode::CREATED, ActivityView::from(&a), true))
}

/// Reads one activity.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = ActivityView, headers(("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 410, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let a = s.app.get_activity(&actor, &id).await?;
    Ok(with_etag(StatusCode::OK, ActivityView::from(&a), false))
}

/// Changes an activity. Needs `If-Match` (412 if stale) or `version` in the body (409 if stale).
#[utoipa::path(patch, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    request_body = ActivityPatch,
    responses((status = 200, body = ActivityView, headers(("ETag" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ActivityPatch>,
) -> Result<Response, Problem> {
    let Some((version, source)) = expected_version(&headers, body.version)? else {
        return Err(from_app(AppError::VersionRequired, None));
    };
    let a =
        s.app.update_activity(&actor, &id, version, &body.changes()).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(with_etag(StatusCode::OK, ActivityView::from(&a), false))
}

/// Marks a task done. Needs `If-Match` or `version`; a task already done is returned as it is.
#[utoipa::path(post, path = "/api/v1/activities/{id}/complete", tag = "activities", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header)),
    request_body = VersionBody,
    responses((status = 200, body = ActivityView, headers(("ETag" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn complete(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Response, Problem> {
    let Some((version, source)) = expected_version(&headers, body.version)? else {
        return Err(from_app(AppError::VersionRequired, None));
    };
    let a = s.app.complete_activity(&actor, &id, version).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(with_etag(StatusCode::OK, ActivityView::from(&a), false))
}

/// Deletes an activity. With `If-Match`, only if still at that version.
#[utoipa::path(delete, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = String, Path),
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
    s.app.delete_activity(&actor, &id, v).await.map_err(|e| from_app(e, Some(VersionSource::IfMatch)))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists activities you may see, newest first, with filters and cursor pagination.
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", params(ActivityListParams),
    responses((status = 200, body = ActivityList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<ActivityListParams>, QueryRejection>,
) -> Result<Json<ActivityList>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let q = ActivityQuery {
        kind: p.kind,
        owner_id: p.owner_id,
        customer_id: p.customer_id,
        deal_id: p.deal_id,
        lead_id: p.lead_id,
        open: p.open,
        due_before: p.due_before,
        limit: p.limit,
        cursor: p.cursor,
    };
    let page = s.app.list_activities(&actor, &q).await?;
    Ok(Json(ActivityList { items: page.items.iter().map(ActivityView::from).collect(), next_cursor: page.next_cursor }))
}

/// The activities of a customer, including those logged on its deals, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/timeline", tag = "activities",
    params(("id" = String, Path), TimelineParams),
    responses((status = 200, body = TimelineView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn customer_timeline(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    params: Result<Query<TimelineParams>, QueryRejection>,
) -> Result<Json<TimelineView>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let page = s.app.customer_timeline(&actor, &id, p.limit, p.cursor.as_deref()).await?;
    Ok(Json(TimelineView::from(&page)))
}

/// The activities of a deal and, if you may read deals, its stage changes, newest first.
#[utoipa::path(get, path = "/api/v1/deals/{id}/timeline", tag = "activities",
    params(("id" = String, Path), TimelineParams),
    responses((status = 200, body = TimelineView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn deal_timeline(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    params: Result<Query<TimelineParams>, QueryRejection>,
) -> Result<Json<TimelineView>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let page = s.app.deal_timeline(&actor, &id, p.limit, p.cursor.as_deref()).await?;
    Ok(Json(TimelineView::from(&page)))
}

/// Your open tasks that are overdue or due today (UTC), soonest first.
#[utoipa::path(get, path = "/api/v1/me/tasks", tag = "activities",
    responses((status = 200, body = MyTasksView), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn my_tasks(State(s): State<WebState>, AuthActor(actor): AuthActor) -> Result<Json<MyTasksView>, Problem> {
    let t = s.app.my_tasks(&actor).await?;
    Ok(Json(MyTasksView {
        overdue: t.overdue.iter().map(ActivityView::from).collect(),
        today: t.today.iter().map(ActivityView::from).collect(),
    }))
}
