//! Sign-in, sign-out and the caller's own account.

use crate::WebState;
use crate::auth::{AuthActor, SESSION_COOKIE, client_info, presented_token};
use crate::dto::{LoginRequest, LoginResponse, UserView, rfc3339};
use crate::json::ApiJson;
use crate::problem::Problem;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use custos_app::auth::{LoginResult, LoginStatus, PENDING_MFA_LIFETIME, SessionKind};
use std::net::SocketAddr;

pub(crate) fn cookie(state: &WebState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("custos_session=; Max-Age=0"))
}

/// Signs in with e-mail and password. Public. Always opens a new session; a session cookie
/// the client still held is ended (no session is ever carried over a sign-in). When a
/// second factor is due, `status` says so and the token (or cookie) is a pending one.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = Problem), (status = 400, body = Problem),
        (status = 429, description = "Too many attempts (Retry-After says when to retry)", body = Problem)))]
pub async fn login(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, Problem> {
    let kind = match req.session.as_deref() {
        None | Some("bearer") => SessionKind::Bearer,
        Some("cookie") => SessionKind::Cookie,
        Some(_) => {
            return Err(Problem::new(StatusCode::BAD_REQUEST, "malformed_json", "The request body is not valid")
                .field("session", "invalid_choice", "must be bearer or cookie"));
        }
    };
    let client = client_info(&headers, Some(peer));
    let r = state.app.login(&req.email, &req.password, kind, &client).await.map_err(|e| {
        if matches!(e, custos_app::AppError::InvalidCredentials) {
            tracing::info!("sign-in failed");
        }
        Problem::from(e)
    })?;
    if kind == SessionKind::Cookie
        && let Some((old, true)) = presented_token(&headers)
    {
        state.app.retire_presented_session(&old).await?;
    }
    Ok(sign_in_response(&state, &r))
}

/// The answer to a sign-in step: the body, and for cookie sessions the cookie (the pending
/// one lives only as long as the pending session).
pub(crate) fn sign_in_response(state: &WebState, r: &LoginResult) -> Response {
    with_session_cookie(state, r, Json(login_body(r)).into_response())
}

/// Adds the session cookie of a cookie sign-in to `res`.
pub(crate) fn with_session_cookie(state: &WebState, r: &LoginResult, mut res: Response) -> Response {
    if r.kind == SessionKind::Cookie {
        let lifetime =
            if r.status == LoginStatus::Ok { state.app.config().session_absolute } else { PENDING_MFA_LIFETIME };
        let max_age = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
        res.headers_mut().insert(header::SET_COOKIE, cookie(state, &r.token, max_age));
    }
    res
}

/// The JSON of a sign-in step; the token only for bearer sessions.
pub(crate) fn login_body(r: &LoginResult) -> LoginResponse {
    LoginResponse {
        status: r.status.as_str(),
        token: (r.kind == SessionKind::Bearer).then(|| r.token.clone()),
        token_type: "Bearer",
        expires_at: rfc3339(r.expires_at),
        user: UserView::from(&r.user),
    }
}

/// Ends the current session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"), (status = 401, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn logout(State(state): State<WebState>, AuthActor(actor): AuthActor) -> Result<Response, Problem> {
    state.app.logout(&actor).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie(&state, "", 0));
    Ok(res)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = UserView), (status = 401, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn me(State(state): State<WebState>, AuthActor(actor): AuthActor) -> Result<Json<UserView>, Problem> {
    let u = state.app.me(&actor).await?;
    Ok(Json(UserView::from(&u)))
}
