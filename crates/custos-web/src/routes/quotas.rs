//! Quota endpoints (list, set, change, remove, attainment), the leaderboard and the activity
//! counts report. Each calls one custos-app use case with the request's actor; none decides
//! policy.

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
use dto::{
    ActivityReportParams, ActivityReportView, AttainmentList, LeaderboardParams, LeaderboardView, PeriodParams,
    QuotaCreate, QuotaList, QuotaPatch, QuotaView,
};

fn with_etag(status: StatusCode, view: QuotaView, location: bool) -> Response {
    let (version, id) = (view.version, view.id.clone());
    versioned(status, view, version, location.then_some(("/api/v1/quotas", &id as &dyn std::fmt::Display)))
}

/// Lists the quotas you may see, of one period if given.
#[utoipa::path(get, path = "/api/v1/quotas", tag = "quotas", params(PeriodParams),
    responses((status = 200, body = QuotaList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<PeriodParams>, QueryRejection>,
) -> Result<Json<QuotaList>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let items = s.app.list_quotas(&actor, p.period.as_deref()).await?;
    Ok(Json(QuotaList { items: items.iter().map(QuotaView::from).collect() }))
}

/// Sets a quota for a person or a team for a month or quarter (409 if one exists).
#[utoipa::path(post, path = "/api/v1/quotas", tag = "quotas", request_body = QuotaCreate,
    responses((status = 201, body = QuotaView, headers(("ETag" = String), ("Location" = String))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    ApiJson(body): ApiJson<QuotaCreate>,
) -> Result<Response, Problem> {
    let q = s.app.set_quota(&actor, &body.into()).await?;
    Ok(with_etag(StatusCode::CREATED, QuotaView::from(&q), true))
}

/// Changes a quota's target. Needs `If-Match` (412 if stale) or `version` (409 if stale).
#[utoipa::path(patch, path = "/api/v1/quotas/{id}", tag = "quotas", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header)),
    request_body = QuotaPatch,
    responses((status = 200, body = QuotaView, headers(("ETag" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<QuotaPatch>,
) -> Result<Response, Problem> {
    let Some((version, source)) = expected_version(&headers, body.version)? else {
        return Err(from_app(AppError::VersionRequired, None));
    };
    let q = s.app.update_quota(&actor, &id, version, &body.changes()).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(with_etag(StatusCode::OK, QuotaView::from(&q), false))
}

/// Removes a quota. With `If-Match`, only if still at that version.
#[utoipa::path(delete, path = "/api/v1/quotas/{id}", tag = "quotas", params(("id" = String, Path),
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
    s.app.delete_quota(&actor, &id, v).await.map_err(|e| from_app(e, Some(VersionSource::IfMatch)))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Attainment of every quota of a period you may see: won deals closed within the period, in
/// the quota's currency, of its person (or of the team's current members).
#[utoipa::path(get, path = "/api/v1/quotas/attainment", tag = "quotas", params(PeriodParams),
    responses((status = 200, body = AttainmentList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn attainment(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<PeriodParams>, QueryRejection>,
) -> Result<Json<AttainmentList>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let a = s.app.quota_attainment(&actor, p.period.as_deref()).await?;
    Ok(Json(AttainmentList::new(a.period, &a.items)))
}

/// The leaderboard of a period: per person won amount and count, open pipeline, attainment and
/// activities, by won amount. You see only the people your scope covers (a rep: themselves).
#[utoipa::path(get, path = "/api/v1/reports/leaderboard", tag = "quotas", params(LeaderboardParams),
    responses((status = 200, body = LeaderboardView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn leaderboard(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<LeaderboardParams>, QueryRejection>,
) -> Result<Json<LeaderboardView>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let l = s.app.leaderboard(&actor, p.period.as_deref(), p.currency.as_deref()).await?;
    Ok(Json(LeaderboardView::from(&l)))
}

/// Activities per person and kind that happened between two dates (both inclusive); tasks
/// count when done. You see only the people your scope covers.
#[utoipa::path(get, path = "/api/v1/reports/activity", tag = "quotas", params(ActivityReportParams),
    responses((status = 200, body = ActivityReportView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn activity_report(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<ActivityReportParams>, QueryRejection>,
) -> Result<Json<ActivityReportView>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let r = s.app.activity_report(&actor, p.from.as_deref(), p.to.as_deref()).await?;
    Ok(Json(ActivityReportView::from(&r)))
}
