//! Custos over HTTP: the axum router, authentication at the edge, problem+json errors,
//! security headers and the OpenAPI document. It knows no SQL, no crypto and makes no
//! policy decisions: every handler calls one custos-app use case with the request's actor.

pub mod auth;
pub mod dto;
pub mod dto_board;
pub mod dto_sales;
pub mod json;
pub mod openapi;
pub mod problem;
pub mod routes;
pub mod ui;
pub mod versioning;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{delete, get, patch, post};
use custos_app::App;
use problem::Problem;
use std::net::SocketAddr;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Web-layer settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (on unless serving plain HTTP on loopback for development).
    pub secure_cookies: bool,
}

/// State shared by handlers.
#[derive(Clone)]
pub struct WebState {
    pub app: App,
    pub config: WebConfig,
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "Not found").detail("no such route")
}

async fn method_not_allowed() -> Problem {
    Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "Method not allowed")
}

/// The whole HTTP surface.
pub fn router(app: App, config: WebConfig) -> Router {
    let state = WebState { app, config };
    let protected = Router::new()
        .route("/api/v1/openapi.json", get(routes::system::openapi))
        .route("/api/v1/auth/logout", post(routes::auth::logout))
        .route("/api/v1/me", get(routes::auth::me))
        .route("/api/v1/me/sessions", get(routes::sessions::list))
        .route("/api/v1/me/sessions/{id}", delete(routes::sessions::revoke))
        .route("/api/v1/auth/mfa/recovery-codes", post(routes::mfa::recovery_codes))
        .route("/api/v1/auth/step-up", post(routes::mfa::step_up))
        .route("/api/v1/customers", get(routes::customers::list).post(routes::customers::create))
        .route(
            "/api/v1/customers/{id}",
            get(routes::customers::get).patch(routes::customers::update).delete(routes::customers::delete),
        )
        .route("/api/v1/customers/{id}/contacts", get(routes::contacts::list).post(routes::contacts::create))
        .route("/api/v1/pipelines", get(routes::pipelines::list).post(routes::pipelines::create))
        .route(
            "/api/v1/pipelines/{id}",
            get(routes::pipelines::get).patch(routes::pipelines::update).delete(routes::pipelines::delete),
        )
        .route("/api/v1/pipelines/{id}/board", get(routes::pipelines::board))
        .route("/api/v1/deals", get(routes::deals::list).post(routes::deals::create))
        .route("/api/v1/deals/{id}", get(routes::deals::get).patch(routes::deals::update).delete(routes::deals::delete))
        .route("/api/v1/deals/{id}/move", post(routes::deals::moves::move_stage))
        .route("/api/v1/deals/{id}/won", post(routes::deals::moves::won))
        .route("/api/v1/deals/{id}/lost", post(routes::deals::moves::lost))
        .route("/api/v1/deals/{id}/reopen", post(routes::deals::moves::reopen))
        .route("/api/v1/deals/{id}/history", get(routes::deals::moves::history))
        .route("/api/v1/leads", get(routes::leads::list).post(routes::leads::create))
        .route("/api/v1/leads/{id}", get(routes::leads::get).patch(routes::leads::update).delete(routes::leads::delete))
        .route("/api/v1/leads/{id}/convert", post(routes::leads::convert::convert))
        .route("/api/v1/leads/{id}/disqualify", post(routes::leads::disqualify))
        .route("/api/v1/activities", get(routes::activities::list).post(routes::activities::create))
        .route(
            "/api/v1/activities/{id}",
            get(routes::activities::get).patch(routes::activities::update).delete(routes::activities::delete),
        )
        .route("/api/v1/activities/{id}/complete", post(routes::activities::complete))
        .route("/api/v1/customers/{id}/timeline", get(routes::activities::customer_timeline))
        .route("/api/v1/deals/{id}/timeline", get(routes::activities::deal_timeline))
        .route("/api/v1/me/tasks", get(routes::activities::my_tasks))
        .route("/api/v1/quotas", get(routes::quotas::list).post(routes::quotas::create))
        .route("/api/v1/quotas/attainment", get(routes::quotas::attainment))
        .route("/api/v1/quotas/{id}", patch(routes::quotas::update).delete(routes::quotas::delete))
        .route("/api/v1/reports/leaderboard", get(routes::quotas::leaderboard))
        .route("/api/v1/reports/activity", get(routes::quotas::activity_report))
        .route("/api/v1/reports/pipeline-value", get(routes::reports::pipeline_value))
        .route("/api/v1/reports/forecast", get(routes::reports::forecast))
        .route("/api/v1/reports/win-rate", get(routes::reports::win_rate))
        .route("/api/v1/reports/funnel", get(routes::reports::funnel))
        .route("/api/v1/reports/new-customers", get(routes::reports::new_customers))
        .route("/api/v1/customers/count", get(routes::disclosure::count))
        .route("/api/v1/customers/export", get(routes::disclosure::export))
        .route("/api/v1/customers/{id}/reveal", post(routes::disclosure::reveal_customer))
        .route("/api/v1/contacts/{id}/reveal", post(routes::disclosure::reveal_contact))
        .route("/api/v1/customers/{id}/shares", get(routes::disclosure::list_shares).post(routes::disclosure::share))
        .route("/api/v1/customers/{id}/shares/{user_id}", delete(routes::disclosure::unshare))
        .route("/api/v1/roles", get(routes::admin::list_roles))
        .route("/api/v1/roles/{id}", patch(routes::admin::update_role))
        .route("/api/v1/users", get(routes::admin::list_users).post(routes::admin::create_user))
        .route("/api/v1/users/{id}", get(routes::admin::get_user).patch(routes::admin::update_user))
        .route("/api/v1/users/{id}/revoke-access", post(routes::admin::revoke_access))
        .route("/api/v1/teams", get(routes::admin::list_teams).post(routes::admin::create_team))
        .route("/api/v1/teams/{id}", patch(routes::admin::update_team))
        .route("/api/v1/tokens", get(routes::admin::list_tokens).post(routes::admin::create_token))
        .route("/api/v1/tokens/{id}", delete(routes::admin::revoke_token))
        .route("/api/v1/audit/events", get(routes::audit::events))
        .route("/api/v1/audit/checkpoint", get(routes::audit::checkpoint))
        .route("/api/v1/audit/proof/inclusion", get(routes::audit::inclusion))
        .route("/api/v1/audit/proof/consistency", get(routes::audit::consistency))
        .route("/api/v1/audit/impact/actor", get(routes::audit::impact_actor))
        .route("/api/v1/audit/impact/customers/{id}", get(routes::audit::impact_customer))
        .route("/api/v1/access-reviews/report", get(routes::reviews::report))
        .route("/api/v1/access-reviews", get(routes::reviews::list).post(routes::reviews::create))
        .route("/api/v1/access-reviews/{id}", get(routes::reviews::get))
        .route("/api/v1/access-reviews/{id}/decisions", post(routes::reviews::decide))
        .route(
            "/api/v1/contacts/{id}",
            get(routes::contacts::get).patch(routes::contacts::update).delete(routes::contacts::delete),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), auth::require_actor));
    let public = Router::new()
        .route("/healthz", get(routes::system::healthz))
        .route("/api/v1/auth/login", post(routes::auth::login))
        // These authenticate the (possibly pending) sign-in themselves; removing the
        // authenticator is an ordinary protected route on the same path.
        .route("/api/v1/auth/mfa", post(routes::mfa::complete))
        .route(
            "/api/v1/auth/mfa/totp",
            post(routes::mfa::begin_totp)
                .merge(delete(routes::mfa::disable_totp).layer(from_fn_with_state(state.clone(), auth::require_actor))),
        )
        .route("/api/v1/auth/mfa/totp/confirm", post(routes::mfa::confirm_totp))
        .method_not_allowed_fallback(method_not_allowed);
    let request_id = HeaderName::from_static("x-request-id");
    with_security_headers(
        public.merge(protected).merge(ui::router()).with_state(state).layer(DefaultBodyLimit::max(BODY_LIMIT)),
    )
    .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
        // Log the route template, never the raw path or query: they may carry personal data.
        let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "-".into());
        let rid = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_string();
        tracing::info_span!("http", method = %req.method(), route = %route, request_id = %rid)
    }))
    .layer(PropagateRequestIdLayer::new(request_id.clone()))
    .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Security headers on every response (handlers may set stricter ones first).
fn with_security_headers(r: Router) -> Router {
    let h =
        |name: HeaderName, v: &'static str| SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(v));
    r.layer(h(header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"))
        .layer(h(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(h(header::REFERRER_POLICY, "no-referrer"))
        .layer(h(header::X_FRAME_OPTIONS, "DENY"))
        .layer(h(header::CACHE_CONTROL, "no-store"))
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// A response for when the service cannot start handling a request at all.
pub fn unavailable() -> axum::response::Response {
    Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable").into_response()
}
