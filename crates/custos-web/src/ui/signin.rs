//! The second step of signing in: the code page for accounts with an authenticator, and
//! enrolment (QR code, secret, first code, recovery codes) for roles that require one. The
//! pending sign-in travels in its own short-lived HttpOnly cookie and opens nothing but these
//! pages; success rotates the session (a new cookie). Codes and secrets are never logged and
//! never put in a URL.

use super::i18n::{self, Locale};
use super::pages::{bad_request, login_form};
use super::reveal::factor;
use super::view::{Layout, base64, error_page, render};
use super::{PENDING_COOKIE, cookie, csrf, locale_of, see_other, set_cookie};
use crate::WebState;
use crate::auth::{SESSION_COOKIE, client_info};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use custos_app::auth::LoginResult;
use custos_app::mfa::{MfaCaller, PendingSignIn, TotpEnrolment};
use custos_app::{AppError, ClientInfo};
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Template)]
#[template(path = "login_mfa.html")]
struct MfaPage {
    l: Layout,
    error: Option<String>,
}

/// An authenticator being set up: the QR code (an SVG as a `data:` URI) and the secret for
/// typing in, or only the code form again after a wrong code.
#[derive(Template)]
#[template(path = "enrol.html")]
pub struct EnrolPage {
    pub l: Layout,
    pub action: &'static str,
    /// `data:image/svg+xml;base64,…`, empty when the QR code is not shown again.
    pub qr: String,
    pub secret: String,
    pub error: Option<String>,
    /// Where "start again" goes (a fresh secret).
    pub restart: &'static str,
    /// During sign-in (no navigation, no sign-out form yet).
    pub signing_in: bool,
}

impl EnrolPage {
    pub fn new(l: Layout, action: &'static str, restart: &'static str, e: Option<&TotpEnrolment>) -> EnrolPage {
        let (qr, secret) = match e {
            Some(e) => (format!("data:image/svg+xml;base64,{}", base64(e.qr_svg.as_bytes())), e.secret.clone()),
            None => (String::new(), String::new()),
        };
        EnrolPage { l, action, qr, secret, error: None, restart, signing_in: false }
    }

    /// The secret in groups of four, easier to type.
    pub fn grouped_secret(&self) -> String {
        let chars: Vec<char> = self.secret.chars().collect();
        chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
    }
}

/// Recovery codes, shown once after an enrolment or a renewal.
#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub l: Layout,
    pub codes: Vec<String>,
    pub next: &'static str,
}

/// The answer to a completed sign-in: the session cookie (replacing any session this browser
/// held, which is ended), the pending and pre-sign-in cookies cleared, then `to`.
pub async fn signed_in(s: &WebState, headers: &HeaderMap, r: &LoginResult, to: &str) -> Response {
    let res = see_other(&HeaderMap::new(), to);
    with_session(s, headers, r, res).await
}

async fn with_session(s: &WebState, headers: &HeaderMap, r: &LoginResult, mut res: Response) -> Response {
    if let Some(old) = cookie(headers, SESSION_COOKIE).filter(|c| !c.is_empty())
        && let Err(e) = s.app.retire_presented_session(old).await
    {
        return error_page(locale_of(headers), &e);
    }
    let max_age = i64::try_from(s.app.config().session_absolute.as_secs()).unwrap_or(i64::MAX);
    let secure = s.config.secure_cookies;
    let h = res.headers_mut();
    h.append(header::SET_COOKIE, set_cookie(secure, SESSION_COOKIE, &r.token, max_age));
    h.append(header::SET_COOKIE, set_cookie(secure, PENDING_COOKIE, "", 0));
    h.append(header::SET_COOKIE, set_cookie(secure, csrf::PRELOGIN_COOKIE, "", 0));
    // The user's own language follows them to this browser.
    if let Ok(Some(lang)) = s.app.language_after_sign_in(r).await {
        res.headers_mut().append(header::SET_COOKIE, set_cookie(secure, super::LANG_COOKIE, &lang, 365 * 24 * 3600));
    }
    res
}

/// The pending sign-in of this browser, or the sign-in page again (cookie cleared).
async fn pending(
    s: &WebState,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Result<(String, PendingSignIn, ClientInfo), Response> {
    let loc = locale_of(headers);
    let expired = || {
        let mut r = login_form(
            s,
            headers,
            String::new(),
            Some(i18n::t(loc, "login-pending-expired")),
            StatusCode::UNAUTHORIZED,
        );
        r.headers_mut().append(header::SET_COOKIE, set_cookie(s.config.secure_cookies, PENDING_COOKIE, "", 0));
        r
    };
    let Some(token) = cookie(headers, PENDING_COOKIE).filter(|t| !t.is_empty()) else { return Err(expired()) };
    let client = client_info(headers, Some(peer));
    match s.app.authenticate_mfa_caller(token, &client).await {
        Ok(MfaCaller::Pending(p)) => Ok((token.to_string(), p, client)),
        Ok(MfaCaller::Active(_)) | Err(AppError::Unauthenticated) => Err(expired()),
        Err(e) => Err(error_page(loc, &e)),
    }
}

fn pending_layout(loc: Locale, token: &str, title: &str) -> Layout {
    Layout::new(loc, title, &csrf::session_token(token), None, "").back("/login")
}

/// `GET /login/mfa`: asks for the authenticator code (or a recovery code).
pub async fn mfa_page(
    State(s): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let (token, p, _) = match pending(&s, &headers, peer).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !p.enrolled {
        return see_other(&HeaderMap::new(), "/login/enrol");
    }
    let l = pending_layout(locale_of(&headers), &token, "mfa-title");
    render(StatusCode::OK, &MfaPage { l, error: None })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

/// `POST /login/mfa`: completes the sign-in with the code; a new session replaces the pending one.
pub async fn mfa_submit(
    State(s): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let loc = locale_of(&headers);
    let Ok(Form(f)) = form else { return bad_request(loc) };
    let (token, _, client) = match pending(&s, &headers, peer).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match s.app.complete_mfa(&token, factor(&f.code), &client).await {
        Ok(r) => signed_in(&s, &headers, &r, "/customers").await,
        Err(e @ (AppError::Invalid(_) | AppError::TooManyAttempts { .. })) => {
            tracing::info!("second factor refused at sign-in");
            let status = if matches!(e, AppError::Invalid(_)) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::TOO_MANY_REQUESTS
            };
            let l = pending_layout(loc, &token, "mfa-title");
            render(status, &MfaPage { l, error: super::reveal::factor_error(loc, &e) })
        }
        Err(AppError::Conflict(_)) => see_other(&HeaderMap::new(), "/login/enrol"),
        Err(AppError::Unauthenticated) => see_other(&HeaderMap::new(), "/login"),
        Err(e) => error_page(loc, &e),
    }
}

/// `GET /login/enrol`: a role that requires a second factor, and none set up yet: a new
/// secret with its QR code.
pub async fn enrol_page(
    State(s): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let loc = locale_of(&headers);
    let (token, p, _) = match pending(&s, &headers, peer).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if p.enrolled {
        return see_other(&HeaderMap::new(), "/login/mfa");
    }
    match s.app.begin_totp(&MfaCaller::Pending(p)).await {
        Ok(e) => {
            let l = pending_layout(loc, &token, "enrol-title");
            let mut page = EnrolPage::new(l, "/login/enrol", "/login/enrol", Some(&e));
            page.signing_in = true;
            render(StatusCode::OK, &page)
        }
        Err(e) => error_page(loc, &e),
    }
}

/// `POST /login/enrol`: confirms the authenticator with its first code, which also completes
/// the sign-in; shows the recovery codes once.
pub async fn enrol_confirm(
    State(s): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let loc = locale_of(&headers);
    let Ok(Form(f)) = form else { return bad_request(loc) };
    let (token, p, _) = match pending(&s, &headers, peer).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match s.app.confirm_totp(&MfaCaller::Pending(p), f.code.trim()).await {
        Ok(c) => {
            let Some(r) = c.sign_in else { return see_other(&HeaderMap::new(), "/login") };
            let mut l = Layout::new(loc, "recovery-title", &csrf::session_token(&r.token), None, "");
            l.user = Some(r.user.email.clone());
            let page = RecoveryCodesPage { l, codes: c.recovery_codes, next: "/customers" };
            let res = render(StatusCode::OK, &page);
            with_session(&s, &headers, &r, res).await
        }
        Err(e @ (AppError::Invalid(_) | AppError::TooManyAttempts { .. })) => {
            let l = pending_layout(loc, &token, "enrol-title");
            let mut page = EnrolPage::new(l, "/login/enrol", "/login/enrol", None);
            page.signing_in = true;
            page.error = super::reveal::factor_error(loc, &e);
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(AppError::Conflict(_)) => see_other(&HeaderMap::new(), "/login/enrol"),
        Err(e) => error_page(loc, &e),
    }
}
