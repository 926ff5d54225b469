//! Authentication at the edge: every protected request presents a session cookie or a
//! bearer token, which custos-app resolves to an `Actor`. No policy decisions here.

use crate::WebState;
use crate::problem::Problem;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use custos_app::{Actor, ClientInfo};
use std::net::SocketAddr;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "custos_session";

/// The client facts of a request: peer address and user agent (bounded).
pub fn client_info(headers: &HeaderMap, peer: Option<SocketAddr>) -> ClientInfo {
    let ua =
        headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(256).collect::<String>());
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().filter(|c| c.is_ascii_graphic()).take(64).collect::<String>());
    ClientInfo { ip: peer.map(|p| p.ip().to_string()), user_agent: ua, request_id }
}

/// The token a request presents, and whether it came from the cookie.
pub(crate) fn presented_token(headers: &HeaderMap) -> Option<(String, bool)> {
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, rest) = v.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| (rest.trim().to_string(), false));
    }
    for v in headers.get_all(header::COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for part in s.split(';') {
            if let Some((k, val)) = part.trim().split_once('=')
                && k == SESSION_COOKIE
            {
                return Some((val.to_string(), true));
            }
        }
    }
    None
}

/// A cookie-authenticated state change must come from our own origin (defence in depth
/// beside SameSite=Strict).
pub(crate) fn cross_origin(headers: &HeaderMap, method: &Method) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    origin_host != host
}

/// Middleware: resolves the actor or answers 401. Inserts the `Actor` into extensions.
pub async fn require_actor(State(state): State<WebState>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let client = client_info(req.headers(), peer);
    let Some((token, from_cookie)) = presented_token(req.headers()) else {
        return Problem::unauthenticated().into_response();
    };
    if from_cookie && cross_origin(req.headers(), req.method()) {
        return Problem::new(axum::http::StatusCode::FORBIDDEN, "cross_origin", "Cross-origin request refused")
            .into_response();
    }
    match state.app.authenticate(&token, &client).await {
        Ok(actor) => {
            req.extensions_mut().insert(actor);
            next.run(req).await
        }
        Err(e) => crate::problem::from_app(e, None).into_response(),
    }
}

/// The authenticated actor of a protected route.
pub struct AuthActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for AuthActor {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Actor>().cloned().map(AuthActor).ok_or_else(Problem::unauthenticated)
    }
}
