//! The caller's own sessions: list and end. It never shows a session token or its digest,
//! and decides nothing itself: custos-app limits both calls to the caller's sessions.

use crate::WebState;
use crate::auth::AuthActor;
use crate::dto::rfc3339;
use crate::problem::Problem;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// One live session of the caller.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// `active`, or `pending_mfa` (a sign-in gave the right password and waits for its
    /// second factor).
    pub state: String,
    /// The session of this request.
    pub current: bool,
}

/// The caller's live sessions, newest first.
#[derive(Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionView>,
}

/// Lists the caller's live sessions.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "auth",
    responses((status = 200, body = SessionList), (status = 401, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(State(state): State<WebState>, AuthActor(actor): AuthActor) -> Result<Json<SessionList>, Problem> {
    let items = state
        .app
        .my_sessions(&actor)
        .await?
        .into_iter()
        .map(|s| SessionView {
            id: s.id.to_string(),
            created_at: rfc3339(s.created_at),
            last_seen_at: rfc3339(s.last_seen_at),
            expires_at: rfc3339(s.expires_at),
            user_agent: s.user_agent,
            ip: s.ip,
            state: s.state,
            current: s.current,
        })
        .collect();
    Ok(Json(SessionList { items }))
}

/// Ends one of the caller's sessions (the current one too).
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "auth", params(("id" = String, Path)),
    responses((status = 204, description = "Ended"), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn revoke(
    State(state): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    state.app.revoke_my_session(&actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
