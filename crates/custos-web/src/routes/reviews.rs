//! Access-review endpoints: the access report, reviews with due dates, and decisions.

use crate::WebState;
use crate::auth::AuthActor;
use crate::dto::rfc3339;
use crate::json::ApiJson;
use crate::problem::Problem;
use crate::routes::admin::TokenView;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use custos_app::reviews::{AccessLine, Review};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn ts(us: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).map(rfc3339).unwrap_or_default()
}

/// One user's access.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessLineView {
    pub user_id: String,
    pub email: String,
    pub role: String,
    pub scope: String,
    pub status: String,
    pub last_login_at: Option<String>,
    pub mfa_enabled: bool,
    pub permissions: Vec<String>,
    /// Granted permissions not used in the last 90 days.
    pub unused_permissions: Vec<String>,
    /// Tokens that are not revoked.
    pub tokens: Vec<TokenView>,
}

impl From<&AccessLine> for AccessLineView {
    fn from(l: &AccessLine) -> Self {
        AccessLineView {
            user_id: l.user_id.clone(),
            email: l.email.clone(),
            role: l.role.clone(),
            scope: l.scope.clone(),
            status: l.status.clone(),
            last_login_at: l.last_login_at.map(ts),
            mfa_enabled: l.mfa_enabled,
            permissions: l.permissions.clone(),
            unused_permissions: l.unused_permissions.clone(),
            tokens: l.tokens.iter().map(TokenView::from).collect(),
        }
    }
}

/// Every user's access today.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessReport {
    pub users: Vec<AccessLineView>,
}

/// One user's line in a review.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReviewItemView {
    pub user_id: String,
    /// pending | certified | revoked
    pub decision: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub note: Option<String>,
}

/// An access review.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReviewView {
    pub id: String,
    pub created_at: String,
    pub due_at: String,
    pub closed_at: Option<String>,
    pub overdue: bool,
    pub items: Vec<ReviewItemView>,
}

impl From<&Review> for ReviewView {
    fn from(r: &Review) -> Self {
        ReviewView {
            id: r.review.id.clone(),
            created_at: ts(r.review.created_at),
            due_at: ts(r.review.due_at),
            closed_at: r.review.closed_at.map(ts),
            overdue: r.overdue,
            items: r
                .items
                .iter()
                .map(|i| ReviewItemView {
                    user_id: i.user_id.clone(),
                    decision: i.decision.clone(),
                    decided_by: i.decided_by.clone(),
                    decided_at: i.decided_at.map(ts),
                    note: i.note.clone(),
                })
                .collect(),
        }
    }
}

/// Reviews, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReviewList {
    pub items: Vec<ReviewView>,
}

/// A new review of every user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewCreate {
    /// Days until it is due (1 to 365).
    pub due_in_days: u32,
}

/// A reviewer's decision on one user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewDecision {
    pub user_id: String,
    /// certify | revoke (revoke disables the account and ends its sessions and tokens)
    pub decision: String,
    pub note: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/access-reviews/report", tag = "access reviews",
    responses((status = 200, body = AccessReport), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn report(State(s): State<WebState>, AuthActor(actor): AuthActor) -> Result<Json<AccessReport>, Problem> {
    let lines = s.app.access_report(&actor).await?;
    Ok(Json(AccessReport { users: lines.iter().map(AccessLineView::from).collect() }))
}

#[utoipa::path(get, path = "/api/v1/access-reviews", tag = "access reviews",
    responses((status = 200, body = ReviewList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(State(s): State<WebState>, AuthActor(actor): AuthActor) -> Result<Json<ReviewList>, Problem> {
    let reviews = s.app.list_reviews(&actor).await?;
    Ok(Json(ReviewList { items: reviews.iter().map(ReviewView::from).collect() }))
}

#[utoipa::path(post, path = "/api/v1/access-reviews", tag = "access reviews", request_body = ReviewCreate,
    responses((status = 201, body = ReviewView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    ApiJson(b): ApiJson<ReviewCreate>,
) -> Result<(StatusCode, Json<ReviewView>), Problem> {
    if !(1..=365).contains(&b.due_in_days) {
        return Err(crate::problem::from_app(
            custos_app::AppError::invalid("due_in_days", "out_of_range", "must be between 1 and 365"),
            None,
        ));
    }
    let due = time::OffsetDateTime::now_utc() + time::Duration::days(i64::from(b.due_in_days));
    let due = (due.unix_timestamp_nanos() / 1000) as i64;
    let r = s.app.create_review(&actor, due).await?;
    Ok((StatusCode::CREATED, Json(ReviewView::from(&r))))
}

#[utoipa::path(get, path = "/api/v1/access-reviews/{id}", tag = "access reviews", params(("id" = String, Path)),
    responses((status = 200, body = ReviewView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<Json<ReviewView>, Problem> {
    Ok(Json(ReviewView::from(&s.app.get_review(&actor, &id).await?)))
}

#[utoipa::path(post, path = "/api/v1/access-reviews/{id}/decisions", tag = "access reviews", params(("id" = String, Path)),
    request_body = ReviewDecision,
    responses((status = 200, body = ReviewView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn decide(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReviewDecision>,
) -> Result<Json<ReviewView>, Problem> {
    let r = s.app.decide_review(&actor, &id, &b.user_id, &b.decision, b.note.as_deref()).await?;
    Ok(Json(ReviewView::from(&r)))
}
