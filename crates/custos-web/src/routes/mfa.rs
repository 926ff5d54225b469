//! Second-factor endpoints: completing a sign-in that waits for it, setting up and removing
//! an authenticator app, recovery codes and step-up. The endpoints that serve sign-ins in
//! progress authenticate the pending token themselves (through custos-app); they never
//! treat a pending session as signed in, make no policy decisions and never log a code or
//! secret.

use crate::WebState;
use crate::auth::{AuthActor, client_info, cross_origin, presented_token};
use crate::dto::{LoginResponse, rfc3339};
use crate::json::ApiJson;
use crate::problem::Problem;
use crate::routes::auth::{login_body, sign_in_response, with_session_cookie};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use custos_app::mfa::{MfaCaller, SecondFactor};
use custos_app::{AppError, ClientInfo};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;

/// A second factor: exactly one of `code` (6 digits from the authenticator app) or
/// `recovery_code`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaCodeRequest {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub recovery_code: Option<String>,
}

/// The first code from a newly set-up authenticator app.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmRequest {
    pub code: String,
}

/// A new authenticator set-up. The secret is shown once; it is in force after confirmation.
#[derive(Serialize, ToSchema)]
pub struct TotpEnrolmentView {
    /// `otpauth://totp/Custos:<e-mail>?secret=…&issuer=Custos&…`
    pub otpauth_uri: String,
    /// The secret in base32, for apps that cannot scan.
    pub secret: String,
    /// The URI as a QR code: an SVG document, rendered on the server.
    pub qr_svg: String,
}

/// Recovery codes, each usable once. Shown once: only their digests are kept.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesView {
    pub recovery_codes: Vec<String>,
}

/// A confirmed authenticator: recovery codes, and the new session when confirming finished
/// a sign-in that required enrolment.
#[derive(Serialize, ToSchema)]
pub struct TotpConfirmView {
    pub recovery_codes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<LoginResponse>,
}

/// A recorded step-up.
#[derive(Serialize, ToSchema)]
pub struct StepUpView {
    /// Sensitive actions are allowed in this session until then (5 minutes).
    pub valid_until: String,
}

/// The caller of an endpoint that also accepts a pending sign-in, authenticated by
/// custos-app from the token the request presents (cookie or bearer), before the body is
/// read. 401 if none is valid; a cookie-authenticated request from another origin is refused.
pub struct Presented {
    pub token: String,
    pub client: ClientInfo,
    pub caller: MfaCaller,
}

impl FromRequestParts<WebState> for Presented {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        let client = client_info(&parts.headers, peer);
        let (token, from_cookie) = presented_token(&parts.headers).ok_or_else(Problem::unauthenticated)?;
        if from_cookie && cross_origin(&parts.headers, &parts.method) {
            return Err(Problem::new(StatusCode::FORBIDDEN, "cross_origin", "Cross-origin request refused"));
        }
        let caller = state.app.authenticate_mfa_caller(&token, &client).await?;
        Ok(Presented { token, client, caller })
    }
}

fn factor(req: &MfaCodeRequest) -> Result<SecondFactor<'_>, AppError> {
    match (req.code.as_deref(), req.recovery_code.as_deref()) {
        (Some(c), None) => Ok(SecondFactor::Code(c)),
        (None, Some(c)) => Ok(SecondFactor::RecoveryCode(c)),
        _ => Err(AppError::invalid("code", "one_required", "give exactly one of code or recovery_code")),
    }
}

/// Completes a sign-in that answered `mfa_required`: send the pending token (bearer or
/// cookie) and a code. Answers like sign-in, with a new token or cookie; the pending one
/// stops working.
#[utoipa::path(post, path = "/api/v1/auth/mfa", tag = "auth", request_body = MfaCodeRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = Problem), (status = 409, body = Problem),
        (status = 422, description = "Wrong, expired or reused code", body = Problem), (status = 429, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn complete(
    State(state): State<WebState>,
    p: Presented,
    ApiJson(req): ApiJson<MfaCodeRequest>,
) -> Result<Response, Problem> {
    if !matches!(p.caller, MfaCaller::Pending(_)) {
        return Err(Problem::unauthenticated());
    }
    let f = factor(&req)?;
    let r = state.app.complete_mfa(&p.token, f, &p.client).await?;
    Ok(sign_in_response(&state, &r))
}

/// Starts setting up an authenticator app (TOTP, SHA-1, 6 digits, 30 s). Signed-in users,
/// and sign-ins that answered `mfa_enrollment_required`. Refused while one is in force.
#[utoipa::path(post, path = "/api/v1/auth/mfa/totp", tag = "auth",
    responses((status = 200, body = TotpEnrolmentView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn begin_totp(State(state): State<WebState>, p: Presented) -> Result<Json<TotpEnrolmentView>, Problem> {
    let e = state.app.begin_totp(&p.caller).await?;
    Ok(Json(TotpEnrolmentView { otpauth_uri: e.otpauth_uri, secret: e.secret, qr_svg: e.qr_svg }))
}

/// Confirms the authenticator with its first code; returns ten recovery codes. For a
/// sign-in that answered `mfa_enrollment_required`, also completes it (`sign_in`, with a
/// new token or cookie).
#[utoipa::path(post, path = "/api/v1/auth/mfa/totp/confirm", tag = "auth", request_body = TotpConfirmRequest,
    responses((status = 200, body = TotpConfirmView), (status = 401, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn confirm_totp(
    State(state): State<WebState>,
    p: Presented,
    ApiJson(req): ApiJson<TotpConfirmRequest>,
) -> Result<Response, Problem> {
    let c = state.app.confirm_totp(&p.caller, &req.code).await?;
    let Some(r) = c.sign_in else {
        return Ok(Json(TotpConfirmView { recovery_codes: c.recovery_codes, sign_in: None }).into_response());
    };
    let body = TotpConfirmView { recovery_codes: c.recovery_codes, sign_in: Some(login_body(&r)) };
    Ok(with_session_cookie(&state, &r, Json(body).into_response()))
}

/// Removes the authenticator app and the recovery codes. Needs step-up.
#[utoipa::path(delete, path = "/api/v1/auth/mfa/totp", tag = "auth",
    responses((status = 204, description = "Removed"), (status = 401, body = Problem),
        (status = 403, description = "step_up_required", body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn disable_totp(State(state): State<WebState>, AuthActor(actor): AuthActor) -> Result<StatusCode, Problem> {
    state.app.disable_totp(&actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the recovery codes with ten new ones. Needs step-up.
#[utoipa::path(post, path = "/api/v1/auth/mfa/recovery-codes", tag = "auth",
    responses((status = 200, body = RecoveryCodesView), (status = 401, body = Problem),
        (status = 403, description = "step_up_required", body = Problem), (status = 409, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn recovery_codes(
    State(state): State<WebState>,
    AuthActor(actor): AuthActor,
) -> Result<Json<RecoveryCodesView>, Problem> {
    let recovery_codes = state.app.regenerate_recovery_codes(&actor).await?;
    Ok(Json(RecoveryCodesView { recovery_codes }))
}

/// Confirms the second factor in this session so that sensitive actions are allowed for
/// the next 5 minutes. Sessions only (API tokens cannot step up).
#[utoipa::path(post, path = "/api/v1/auth/step-up", tag = "auth", request_body = MfaCodeRequest,
    responses((status = 200, body = StepUpView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn step_up(
    State(state): State<WebState>,
    AuthActor(actor): AuthActor,
    ApiJson(req): ApiJson<MfaCodeRequest>,
) -> Result<Json<StepUpView>, Problem> {
    let f = factor(&req)?;
    let until = state.app.step_up(&actor, f).await?;
    Ok(Json(StepUpView { valid_until: rfc3339(until) }))
}
