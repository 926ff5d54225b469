//! Health check and the OpenAPI document.

use crate::WebState;
use crate::dto::Health;
use crate::problem::Problem;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// Liveness and database reachability. Public.
#[utoipa::path(get, path = "/healthz", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = Problem)))]
pub async fn healthz(State(s): State<WebState>) -> Result<Json<Health>, Problem> {
    match s.app.health().await {
        Ok(()) => Ok(Json(Health { status: "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            Err(Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unhealthy", "Database unreachable"))
        }
    }
}

/// The OpenAPI 3.1 description of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system",
    responses((status = 200, description = "OpenAPI document", content_type = "application/json"), (status = 401, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::openapi::document())
}
