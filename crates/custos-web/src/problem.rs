//! RFC 9457 problem details: every error leaves as `application/problem+json` with a stable
//! `type`, a human `title`/`detail` and, for validation, one message per invalid field.
//! Internal details are logged with the request id, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use custos_app::AppError;
use custos_domain::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// Seconds to wait before retrying (also sent as `Retry-After`).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &'static str, title: &'static str) -> Problem {
        Problem {
            kind,
            title,
            status: status.as_u16(),
            detail: None,
            errors: Vec::new(),
            current_version: None,
            retry_after: None,
        }
    }

    pub fn detail(mut self, d: impl Into<String>) -> Problem {
        self.detail = Some(d.into());
        self
    }

    pub fn field(mut self, field: &str, code: &str, message: impl Into<String>) -> Problem {
        self.errors.push(ProblemField { field: field.into(), code: code.into(), message: message.into() });
        self
    }

    pub fn unauthenticated() -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Authentication required")
            .detail("sign in at POST /api/v1/auth/login and send the session cookie or an Authorization: Bearer token")
    }

    pub fn not_found(what: &str) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not_found", "Not found").detail(format!("{what} not found"))
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{\"type\":\"internal\"}".to_vec());
        let mut res = (status, body).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"custos\""));
        }
        res
    }
}

fn fields(errs: &[FieldError]) -> Vec<ProblemField> {
    errs.iter()
        .map(|e| ProblemField { field: e.field.clone(), code: e.code.into(), message: e.message.clone() })
        .collect()
}

/// How an update's expected version was supplied, which decides 409 or 412 when stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSource {
    IfMatch,
    Body,
}

/// Maps a use-case error to a problem, logging what must not be shown.
pub fn from_app(e: AppError, version_source: Option<VersionSource>) -> Problem {
    match e {
        AppError::Invalid(errs) => Problem {
            errors: fields(&errs.0),
            ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "The input is invalid")
                .detail(format!("{} field(s) are invalid", errs.0.len()))
        },
        AppError::NotFound(what) => Problem::not_found(what),
        AppError::Erased(what) => Problem::new(StatusCode::GONE, "erased", "Erased")
            .detail(format!("this {what} was erased; its data can no longer be read")),
        AppError::Stale { current } => {
            let (status, kind) = match version_source {
                Some(VersionSource::IfMatch) => (StatusCode::PRECONDITION_FAILED, "precondition_failed"),
                _ => (StatusCode::CONFLICT, "version_conflict"),
            };
            let mut p = Problem::new(status, kind, "The record was changed by someone else")
                .detail("read the record again and apply your change to the current version");
            p.current_version = (current > 0).then_some(current);
            p
        }
        AppError::VersionRequired => {
            Problem::new(StatusCode::PRECONDITION_REQUIRED, "version_required", "A version is required")
                .detail("send If-Match with the ETag you read, or \"version\" in the body")
        }
        AppError::Conflict(msg) => Problem::new(StatusCode::CONFLICT, "conflict", "Conflict").detail(msg),
        AppError::Unauthenticated => Problem::unauthenticated(),
        AppError::InvalidCredentials => Problem::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "Sign-in failed")
            .detail("wrong e-mail or password"),
        AppError::Forbidden => {
            Problem::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden").detail("your role does not allow this action")
        }
        AppError::StepUpRequired => Problem::new(StatusCode::FORBIDDEN, "step_up_required", "Second factor required")
            .detail("confirm with your authenticator code at POST /api/v1/auth/step-up, then retry within 5 minutes"),
        AppError::TooManyAttempts { retry_after_secs } => {
            let mut p = Problem::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", "Too many attempts")
                .detail(format!("try again in {retry_after_secs} s"));
            p.retry_after = Some(retry_after_secs);
            p
        }
        AppError::Busy => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "Service busy")
            .detail("the database is busy; retry shortly"),
        AppError::Internal(detail) => {
            tracing::error!(%detail, "internal error");
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error")
                .detail("something went wrong on our side; the request id identifies it in the server log")
        }
    }
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        from_app(e, None)
    }
}
