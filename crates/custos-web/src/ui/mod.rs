//! The web pages: server-rendered HTML (askama templates) with htmx for partial updates,
//! in English and Simplified Chinese. Pages use the cookie session only, check a CSRF token on
//! every state-changing request, and send a strict Content-Security-Policy (no inline script or
//! style). Every handler calls the same custos-app use cases as the JSON API; this module makes
//! no policy decisions and never answers with problem+json (that is the API's format).

pub mod activity_forms;
pub mod admin;
pub mod assets;
pub mod board;
pub mod charts;
pub mod csrf;
pub mod dashboard;
mod dashboard_cards;
mod deal_forms;
mod deal_page;
pub mod deals;
pub mod forms;
pub mod i18n;
pub mod lead_convert;
mod lead_forms;
pub mod leads;
pub mod pages;
pub mod profile;
pub mod reveal;
pub mod signin;
pub mod tasks;
pub mod team;
mod view;

use crate::WebState;
use crate::auth::{SESSION_COOKIE, client_info};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use custos_app::{Actor, AppError, Credential};
use i18n::Locale;
use std::net::SocketAddr;
use tower_http::set_header::SetResponseHeaderLayer;
pub use view::Layout;

/// The pages' Content-Security-Policy: only our own origin, no inline script or style, no framing.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// Cookie holding the chosen language (`en` or `zh-CN`); not secret, so readable by scripts
/// is harmless, but it is HttpOnly anyway since only the server reads it.
pub const LANG_COOKIE: &str = "custos_lang";

/// Cookie holding a sign-in that waits for its second factor (HttpOnly, SameSite=Strict,
/// five minutes); it opens only the code and enrolment pages.
pub const PENDING_COOKIE: &str = "custos_pending";

/// The page routes, merged into `crate::router`.
pub fn router() -> Router<WebState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_page).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/language", post(pages::language))
        .route("/customers", get(pages::customers).post(pages::create_customer))
        .route("/customers/new", get(pages::new_customer))
        .route("/customers/{id}", get(pages::customer))
        .route("/customers/{id}/edit", get(pages::edit_customer).post(pages::update_customer))
        .route("/customers/{id}/contacts", post(pages::add_contact))
        .route("/customers/{id}/reveal", post(reveal::reveal))
        .route("/leads", get(leads::list).post(leads::create))
        .route("/leads/new", get(leads::new_lead))
        .route("/leads/{id}", get(leads::show))
        .route("/leads/{id}/edit", get(leads::edit).post(leads::update))
        .route("/leads/{id}/disqualify", post(leads::disqualify))
        .route("/leads/{id}/convert", get(lead_convert::page).post(lead_convert::convert))
        .route("/customers/{id}/activities", post(tasks::log_for_customer))
        .route("/pipeline", get(board::page))
        .route("/deals", get(deals::list).post(deal_forms::create))
        .route("/deals/new", get(deal_forms::new_deal))
        .route("/deals/{id}", get(deal_page::show))
        .route("/deals/{id}/edit", get(deal_forms::edit).post(deal_forms::update))
        .route("/deals/{id}/move", post(board::move_deal))
        .route("/deals/{id}/won", post(deal_page::won))
        .route("/deals/{id}/lost", post(deal_page::lost))
        .route("/deals/{id}/reopen", post(deal_page::reopen))
        .route("/tasks", get(tasks::page).post(tasks::log))
        .route("/tasks/{id}/complete", post(tasks::complete))
        .route("/team", get(team::page))
        .route("/dashboard", get(dashboard::page))
        .route("/step-up", post(reveal::step_up))
        .route("/login/mfa", get(signin::mfa_page).post(signin::mfa_submit))
        .route("/login/enrol", get(signin::enrol_page).post(signin::enrol_confirm))
        .route("/me", get(profile::page))
        .route("/me/password", post(profile::change_password))
        .route("/me/mfa", post(profile::begin_mfa))
        .route("/me/mfa/confirm", post(profile::confirm_mfa))
        .route("/me/mfa/disable", post(profile::disable_mfa))
        .route("/me/mfa/recovery-codes", post(profile::recovery_codes))
        .route("/me/sessions/{id}/revoke", post(profile::revoke_session))
        .route("/me/tokens", post(profile::create_token))
        .route("/me/tokens/{id}/revoke", post(profile::revoke_token))
        .route("/admin/users", get(admin::users).post(admin::add_user))
        .route("/admin/users/{id}", post(admin::update_user))
        .route("/admin/users/{id}/revoke", post(admin::revoke_access))
        .route("/admin/roles", get(admin::roles))
        .route("/admin/roles/{id}", post(admin::update_role))
        .route("/admin/teams", get(admin::teams).post(admin::create_team))
        .route("/admin/teams/{id}/manager", post(admin::set_manager))
        .layer(from_fn(require_csrf))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::VARY, HeaderValue::from_static("HX-Request, Cookie")))
        // Browsers send `Origin: null` on form posts under `no-referrer`, which would defeat the
        // same-origin check; `same-origin` still sends nothing to other sites.
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .route("/static/{file}", get(assets::serve))
}

/// The value of cookie `name`, if the request has it.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|s| s.split(';')).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The language of a request: the `custos_lang` cookie, else Accept-Language.
pub fn locale_of(headers: &HeaderMap) -> Locale {
    cookie(headers, LANG_COOKIE).and_then(Locale::from_tag).unwrap_or_else(|| {
        Locale::negotiate(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or(""))
    })
}

/// Whether the request came from htmx (and wants a fragment rather than a page).
pub(crate) fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request") && !headers.contains_key("hx-history-restore-request")
}

/// A `Set-Cookie` value with the attributes every Custos cookie has.
pub(crate) fn set_cookie(secure: bool, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static("custos_invalid=; Max-Age=0"))
}

/// A 303 to `to` (for htmx requests, an `HX-Redirect` so the whole page moves).
pub(crate) fn see_other(headers: &HeaderMap, to: &str) -> Response {
    let loc = HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/"));
    if is_htmx(headers) {
        let mut r = StatusCode::UNAUTHORIZED.into_response();
        r.headers_mut().insert("hx-redirect", loc);
        return r;
    }
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(header::LOCATION, loc);
    r
}

/// The signed-in user of a page request, resolved from the session cookie.
pub struct Viewer {
    pub actor: Actor,
    pub loc: Locale,
    /// The CSRF token of this session, for the forms of the page.
    pub csrf: String,
}

/// Why a page request has no viewer: not signed in (→ sign-in page), or an error page.
pub enum NoViewer {
    SignIn { htmx: bool, clear_cookie: bool },
    Error(Response),
}

impl IntoResponse for NoViewer {
    fn into_response(self) -> Response {
        match self {
            NoViewer::SignIn { htmx, clear_cookie } => {
                let mut h = HeaderMap::new();
                if htmx {
                    h.insert("hx-request", HeaderValue::from_static("true"));
                }
                let mut r = see_other(&h, "/login");
                if clear_cookie {
                    // Only the attributes matter for removal; Secure is harmless on plain HTTP here.
                    r.headers_mut().insert(header::SET_COOKIE, set_cookie(false, SESSION_COOKIE, "", 0));
                }
                r
            }
            NoViewer::Error(r) => r,
        }
    }
}

impl FromRequestParts<WebState> for Viewer {
    type Rejection = NoViewer;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let loc = locale_of(&parts.headers);
        let htmx = is_htmx(&parts.headers);
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE).filter(|s| !s.is_empty()) else {
            return Err(NoViewer::SignIn { htmx, clear_cookie: false });
        };
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        let client = client_info(&parts.headers, peer);
        match state.app.authenticate(secret, &client).await {
            Ok(actor) if matches!(actor.credential, Credential::Session { .. }) => {
                Ok(Viewer { csrf: csrf::session_token(secret), actor, loc })
            }
            Ok(_) | Err(AppError::Unauthenticated) => Err(NoViewer::SignIn { htmx, clear_cookie: true }),
            Err(e) => Err(NoViewer::Error(view::error_page(loc, &e))),
        }
    }
}

/// Middleware: every state-changing page request carries a valid CSRF token, in the
/// `x-csrf-token` header (htmx) or the `csrf` form field, and comes from our own origin.
async fn require_csrf(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let loc = locale_of(req.headers());
    if cross_origin(req.headers()) {
        return view::csrf_failure(loc);
    }
    let mut expected = Vec::new();
    if let Some(s) = cookie(req.headers(), SESSION_COOKIE).filter(|s| !s.is_empty()) {
        expected.push(csrf::session_token(s));
    }
    // The second-factor pages of a pending sign-in use a token bound to the pending session.
    if let Some(s) = cookie(req.headers(), PENDING_COOKIE).filter(|s| !s.is_empty()) {
        expected.push(csrf::session_token(s));
    }
    if let Some(p) = cookie(req.headers(), csrf::PRELOGIN_COOKIE).filter(|p| csrf::is_well_formed(p)) {
        expected.push(p.to_string());
    }
    let header_token = req.headers().get(csrf::HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::BODY_LIMIT).await else {
        return view::status_page(loc, StatusCode::PAYLOAD_TOO_LARGE, "error-too-large");
    };
    let presented = header_token.or_else(|| {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()?
            .into_iter()
            .find_map(|(k, v)| (k == csrf::FIELD).then_some(v))
    });
    let ok = presented.is_some_and(|p| expected.iter().any(|e| csrf::matches(e, &p)));
    if !ok {
        tracing::info!("page request refused: missing or wrong CSRF token");
        return view::csrf_failure(loc);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// A state change whose `Origin` names another host (defence in depth beside the token and
/// SameSite=Strict). An opaque `null` origin says nothing either way; the token decides.
fn cross_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
    origin != "null" && origin_host != host
}
