//! My profile (`/me`): change my password, set up or remove my authenticator and renew my
//! recovery codes, my sessions (end any of them), and my API tokens (create with scopes and
//! expiry, shown once; revoke). Every action is one custos-app use case with my actor; new
//! secrets (token, recovery codes, TOTP secret) appear once in a `no-store` response body and
//! are never logged or put in a URL.

use super::i18n::{self, Locale};
use super::pages::{bad_request, chrome};
use super::reveal::step_up_page;
use super::signin::{EnrolPage, RecoveryCodesPage};
use super::view::{error_page, render};
use super::{Layout, Viewer, see_other, set_cookie};
use crate::WebState;
use crate::auth::SESSION_COOKIE;
use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use custos_app::mfa::MfaCaller;
use custos_app::users::TokenRequest;
use custos_app::{AppError, Credential};
use custos_domain::Permission;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A session as listed on the profile.
pub struct SessionRow {
    pub id: String,
    pub current: bool,
    pub pending: bool,
    pub client: String,
    pub ip: String,
    pub created: String,
    pub last_seen: String,
}

/// An API token as listed on the profile.
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub revoked: bool,
}

/// Errors and values of the profile's forms.
#[derive(Default)]
pub struct ProfileForms {
    pub pw_errors: BTreeMap<String, String>,
    pub token_name: String,
    pub token_errors: BTreeMap<String, String>,
    pub new_token: Option<String>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    l: Layout,
    email: String,
    name: String,
    role: String,
    mfa: bool,
    sessions: Vec<SessionRow>,
    tokens: Vec<TokenRow>,
    can_issue: bool,
    /// (permission id, checked) for the token form.
    scopes: Vec<(&'static str, bool)>,
    f: ProfileForms,
}

impl ProfilePage {
    fn err(map: &BTreeMap<String, String>, k: &str) -> Option<String> {
        map.get(k).cloned()
    }
    fn pw_err(&self, k: &str) -> Option<String> {
        Self::err(&self.f.pw_errors, k)
    }
    fn token_err(&self, k: &str) -> Option<String> {
        Self::err(&self.f.token_errors, k)
    }
    /// (field, label, autocomplete) of the password form.
    fn pw_fields(&self) -> Vec<(&'static str, String, &'static str)> {
        vec![
            ("current", self.l.t("password-current"), "current-password"),
            ("new", self.l.t("password-new"), "new-password"),
            ("confirm", self.l.t("password-confirm"), "new-password"),
        ]
    }
}

fn micros(loc: Locale, us: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map(|t| i18n::format_datetime(loc, t))
        .unwrap_or_default()
}

/// A short description of a user agent (browser and system), never the whole header.
fn short_agent(ua: &str) -> String {
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/", "curl/"]
        .iter()
        .find(|b| ua.contains(*b))
        .map(|b| b.trim_end_matches('/').replace("Edg", "Edge"));
    let os = ["Windows", "Mac OS X", "Android", "iPhone", "Linux"].iter().find(|o| ua.contains(*o));
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} · {o}"),
        (Some(b), None) => b,
        _ => ua.chars().take(40).collect(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeParams {
    notice: String,
}

/// `GET /me`.
pub async fn page(
    State(s): State<WebState>,
    v: Viewer,
    params: Result<Query<NoticeParams>, QueryRejection>,
) -> Response {
    let notice = params.ok().and_then(|Query(p)| {
        ["password-changed", "session-ended", "token-revoked", "mfa-removed"]
            .contains(&p.notice.as_str())
            .then(|| i18n::t(v.loc, &format!("notice-{}", p.notice)))
    });
    render_profile(&s, &v, ProfileForms { notice, ..Default::default() }, StatusCode::OK).await
}

async fn render_profile(s: &WebState, v: &Viewer, f: ProfileForms, status: StatusCode) -> Response {
    let loc = v.loc;
    let me = match s.app.me(&v.actor).await {
        Ok(u) => u,
        Err(e) => return error_page(loc, &e),
    };
    let mfa = match s.app.my_mfa_enrolled(&v.actor).await {
        Ok(m) => m,
        Err(e) => return error_page(loc, &e),
    };
    let sessions = match s.app.my_sessions(&v.actor).await {
        Ok(list) => list
            .into_iter()
            .map(|x| SessionRow {
                id: x.id.to_string(),
                current: x.current,
                pending: x.state != "active",
                client: x.user_agent.as_deref().map_or_else(|| "—".to_string(), short_agent),
                ip: x.ip.unwrap_or_default(),
                created: i18n::format_datetime(loc, x.created_at),
                last_seen: i18n::format_datetime(loc, x.last_seen_at),
            })
            .collect(),
        Err(e) => return error_page(loc, &e),
    };
    let tokens = match s.app.my_tokens(&v.actor).await {
        Ok(list) => list
            .into_iter()
            .filter(|t| t.revoked_at.is_none())
            .map(|t| TokenRow {
                id: t.id,
                name: t.name,
                scopes: if t.scopes.is_empty() { i18n::t(loc, "token-all-scopes") } else { t.scopes.join(", ") },
                created: micros(loc, t.created_at),
                expires: t.expires_at.map_or_else(|| i18n::t(loc, "token-never"), |e| micros(loc, e)),
                last_used: t.last_used_at.map_or_else(|| i18n::t(loc, "token-unused"), |e| micros(loc, e)),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
        Err(e) => return error_page(loc, &e),
    };
    let scopes = v.actor.permissions().into_iter().map(|p| (p.as_str(), false)).collect();
    let l = chrome(s, v, "profile-title", "me").await.back("/me");
    let page = ProfilePage {
        l,
        email: me.email,
        name: me.display_name,
        role: i18n::t(loc, &format!("role-{}", me.role.as_str())),
        mfa,
        sessions,
        tokens,
        can_issue: v.actor.grants(Permission::TokenIssue),
        scopes,
        f,
    };
    render(status, &page)
}

/// Errors of a use case as messages by field, in the viewer's language.
fn messages(loc: Locale, e: &AppError) -> Option<BTreeMap<String, String>> {
    match e {
        AppError::Invalid(fe) => Some(super::forms::field_messages(loc, fe)),
        _ => None,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

/// `POST /me/password`: my other sessions end; this one stays.
pub async fn change_password(
    State(s): State<WebState>,
    v: Viewer,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else { return bad_request(v.loc) };
    if f.new != f.confirm {
        let mut pw_errors = BTreeMap::new();
        pw_errors.insert("confirm".to_string(), i18n::t(v.loc, "password-mismatch"));
        return render_profile(
            &s,
            &v,
            ProfileForms { pw_errors, ..Default::default() },
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match s.app.change_password(&v.actor, &f.current, &f.new).await {
        Ok(()) => see_other(&HeaderMap::new(), "/me?notice=password-changed"),
        Err(e @ AppError::Invalid(_)) => {
            let pw_errors = messages(v.loc, &e).unwrap_or_default();
            render_profile(&s, &v, ProfileForms { pw_errors, ..Default::default() }, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(AppError::TooManyAttempts { .. }) => {
            let error = Some(i18n::t(v.loc, "error-too-many-detail"));
            render_profile(&s, &v, ProfileForms { error, ..Default::default() }, StatusCode::TOO_MANY_REQUESTS).await
        }
        Err(e) => error_page(v.loc, &e),
    }
}

/// `POST /me/mfa`: starts setting up an authenticator (a new secret and its QR code).
pub async fn begin_mfa(State(s): State<WebState>, v: Viewer) -> Response {
    match s.app.begin_totp(&MfaCaller::Active(v.actor.clone())).await {
        Ok(e) => {
            let l = chrome(&s, &v, "enrol-title", "me").await.back("/me");
            render(StatusCode::OK, &EnrolPage::new(l, "/me/mfa/confirm", "/me#mfa", Some(&e)))
        }
        Err(AppError::Conflict(_)) => see_other(&HeaderMap::new(), "/me#mfa"),
        Err(e) => error_page(v.loc, &e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

/// `POST /me/mfa/confirm`: the first code puts the authenticator in force; recovery codes once.
pub async fn confirm_mfa(
    State(s): State<WebState>,
    v: Viewer,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else { return bad_request(v.loc) };
    match s.app.confirm_totp(&MfaCaller::Active(v.actor.clone()), f.code.trim()).await {
        Ok(c) => {
            let l = chrome(&s, &v, "recovery-title", "me").await.back("/me");
            render(StatusCode::OK, &RecoveryCodesPage { l, codes: c.recovery_codes, next: "/me" })
        }
        Err(e @ (AppError::Invalid(_) | AppError::TooManyAttempts { .. })) => {
            let l = chrome(&s, &v, "enrol-title", "me").await.back("/me");
            let mut page = EnrolPage::new(l, "/me/mfa/confirm", "/me#mfa", None);
            page.error = super::reveal::factor_error(v.loc, &e);
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(AppError::Conflict(_)) => see_other(&HeaderMap::new(), "/me#mfa"),
        Err(e) => error_page(v.loc, &e),
    }
}

/// `POST /me/mfa/disable`: removes the authenticator (needs step-up).
pub async fn disable_mfa(State(s): State<WebState>, v: Viewer) -> Response {
    match s.app.disable_totp(&v.actor).await {
        Ok(()) => see_other(&HeaderMap::new(), "/me?notice=mfa-removed"),
        Err(AppError::StepUpRequired) => step_up_page(&s, &v, "/me#mfa", None, StatusCode::FORBIDDEN).await,
        Err(e) => error_page(v.loc, &e),
    }
}

/// `POST /me/mfa/recovery-codes`: ten new recovery codes (needs step-up).
pub async fn recovery_codes(State(s): State<WebState>, v: Viewer) -> Response {
    match s.app.regenerate_recovery_codes(&v.actor).await {
        Ok(codes) => {
            let l = chrome(&s, &v, "recovery-title", "me").await.back("/me");
            render(StatusCode::OK, &RecoveryCodesPage { l, codes, next: "/me" })
        }
        Err(AppError::StepUpRequired) => step_up_page(&s, &v, "/me#mfa", None, StatusCode::FORBIDDEN).await,
        Err(e) => error_page(v.loc, &e),
    }
}

/// `POST /me/sessions/{id}/revoke`: ends one of my sessions (this one: signs out).
pub async fn revoke_session(State(s): State<WebState>, v: Viewer, Path(id): Path<String>) -> Response {
    let current = matches!(&v.actor.credential, Credential::Session { id: cur, .. } if cur.to_string() == id);
    match s.app.revoke_my_session(&v.actor, &id).await {
        Ok(()) if current => {
            let mut r = see_other(&HeaderMap::new(), "/login");
            r.headers_mut().insert(header::SET_COOKIE, set_cookie(s.config.secure_cookies, SESSION_COOKIE, "", 0));
            r
        }
        Ok(()) => see_other(&HeaderMap::new(), "/me?notice=session-ended#sessions"),
        Err(e) => error_page(v.loc, &e),
    }
}

/// `POST /me/tokens`: a new API token for me, shown once.
pub async fn create_token(
    State(s): State<WebState>,
    v: Viewer,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let loc = v.loc;
    let Ok(Form(pairs)) = form else { return bad_request(loc) };
    let mut req = TokenRequest::default();
    let mut days = String::new();
    for (k, val) in pairs {
        match k.as_str() {
            "name" => req.name = val,
            "scopes" if req.scopes.len() < 32 => req.scopes.push(val),
            "expires_days" => days = val,
            _ => {}
        }
    }
    let mut token_errors = BTreeMap::new();
    match days.as_str() {
        "" | "never" => {}
        d => match d.parse::<u16>() {
            Ok(n @ 1..=366) => req.expires_at = Some(time::OffsetDateTime::now_utc() + time::Duration::days(n.into())),
            _ => {
                token_errors.insert("expires_at".to_string(), i18n::t(loc, "err-invalid-choice"));
            }
        },
    }
    let me = match s.app.me(&v.actor).await {
        Ok(u) => u,
        Err(e) => return error_page(loc, &e),
    };
    let result = if token_errors.is_empty() {
        s.app.issue_token(&v.actor, &me.email, &req).await
    } else {
        Err(AppError::Invalid(custos_domain::FieldErrors::new()))
    };
    match result {
        Ok(t) => {
            let f = ProfileForms { new_token: Some(t.token), ..Default::default() };
            render_profile(&s, &v, f, StatusCode::OK).await
        }
        Err(e @ AppError::Invalid(_)) => {
            token_errors.extend(messages(loc, &e).unwrap_or_default());
            let f = ProfileForms { token_errors, token_name: req.name, ..Default::default() };
            render_profile(&s, &v, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Forbidden) => {
            let f = ProfileForms { error: Some(i18n::t(loc, "error-forbidden-detail")), ..Default::default() };
            render_profile(&s, &v, f, StatusCode::FORBIDDEN).await
        }
        Err(e) => error_page(loc, &e),
    }
}

/// `POST /me/tokens/{id}/revoke`.
pub async fn revoke_token(State(s): State<WebState>, v: Viewer, Path(id): Path<String>) -> Response {
    match s.app.revoke_my_token(&v.actor, &id).await {
        Ok(()) => see_other(&HeaderMap::new(), "/me?notice=token-revoked#tokens"),
        Err(e) => error_page(v.loc, &e),
    }
}
