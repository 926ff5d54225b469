//! Revealing masked fields of a customer with a stated purpose, and step-up (the
//! authenticator code) when the app asks for it. The reveal form posts with htmx; the answer
//! replaces the masks in place (out-of-band swaps) and is never cached or put in a URL.
//! Without JavaScript the same handlers answer with the whole customer page. Revealed values,
//! purposes and codes are never logged. Who may reveal what is decided by the use case.

use super::forms::{ContactForm, field_messages};
use super::i18n::{self, Locale};
use super::pages::{bad_request, birthday, customer_page, safe_back};
use super::view::{Layout, render};
use super::{NoViewer, Viewer, is_htmx, see_other};
use crate::WebState;
use crate::auth::{SESSION_COOKIE, client_info};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use custos_app::AppError;
use custos_app::mfa::SecondFactor;
use custos_app::views::CustomerOut;
use custos_domain::sensitivity::class_of;
use custos_domain::{CUSTOMER_FIELDS, FieldRight, RoleSettings};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// One field the reveal form offers.
pub struct Choice {
    pub name: String,
    pub label: String,
    pub checked: bool,
}

/// What the reveal area of the customer page shows.
pub struct Panel {
    /// `none` (nothing to reveal), `form`, `step_up`, `done` or `refused`.
    pub mode: &'static str,
    pub choices: Vec<Choice>,
    pub purpose: String,
    pub open: bool,
    pub error: Option<String>,
    pub fields_error: Option<String>,
    pub purpose_error: Option<String>,
    pub message: Option<String>,
}

impl Panel {
    /// The field names chosen (for the step-up form's hidden inputs).
    pub fn chosen(&self) -> Vec<&str> {
        self.choices.iter().filter(|c| c.checked).map(|c| c.name.as_str()).collect()
    }
}

/// The reveal panel and the plain values a reveal returned (for this response only).
pub struct RevealState {
    pub panel: Panel,
    pub revealed: BTreeMap<String, Option<String>>,
}

impl RevealState {
    /// A closed form with every revealable field preselected.
    pub fn fresh(loc: Locale, revealable: &[&'static str]) -> RevealState {
        let mode = if revealable.is_empty() { "none" } else { "form" };
        let panel = Panel {
            mode,
            choices: choices(loc, revealable, &[]),
            purpose: String::new(),
            open: false,
            error: None,
            fields_error: None,
            purpose_error: None,
            message: None,
        };
        RevealState { panel, revealed: BTreeMap::new() }
    }
}

fn choices(loc: Locale, revealable: &[&'static str], chosen: &[String]) -> Vec<Choice> {
    revealable
        .iter()
        .map(|f| Choice {
            name: (*f).to_string(),
            label: i18n::t(loc, &format!("field-{f}")),
            checked: chosen.is_empty() || chosen.iter().any(|c| c == f),
        })
        .collect()
}

/// The masked fields of `c` that the viewer's role may reveal (right `revealable` and the
/// reveal permission of the class). The use case checks again; this only decides what to offer.
pub fn revealable(v: &Viewer, c: &CustomerOut) -> Vec<&'static str> {
    c.redactions
        .masked
        .iter()
        .copied()
        .filter(|f| {
            class_of(CUSTOMER_FIELDS, f).is_some_and(|class| {
                v.actor.field_right(class) == FieldRight::Revealable
                    && RoleSettings::reveal_permission(class).is_none_or(|p| v.actor.grants(p))
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "reveal_fragment.html")]
struct RevealFragment {
    l: Layout,
    id: String,
    panel: Panel,
    /// (field, shown value, multiline) of every revealed field.
    revealed: Vec<(String, String, bool)>,
}

/// The posted reveal or step-up form: repeated `fields`, one `purpose`, maybe a `code`.
#[derive(Default)]
struct Posted {
    fields: Vec<String>,
    purpose: String,
    code: String,
    customer: String,
    back: String,
}

fn posted(pairs: Vec<(String, String)>) -> Posted {
    let mut p = Posted::default();
    for (k, v) in pairs {
        match k.as_str() {
            "fields" if p.fields.len() < 16 => p.fields.push(v),
            "purpose" => p.purpose = v,
            "code" => p.code = v,
            "customer" => p.customer = v,
            "back" => p.back = v,
            _ => {}
        }
    }
    p
}

/// `POST /customers/{id}/reveal`: reveals the chosen masked fields for the stated purpose.
pub async fn reveal(
    State(s): State<WebState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let Ok(Form(pairs)) = form else { return bad_request(viewer.loc) };
    let p = posted(pairs);
    reveal_and_answer(&s, &viewer, &headers, &id, p, None).await
}

/// Calls the reveal use case and answers with the fragment (htmx) or the whole page.
async fn reveal_and_answer(
    s: &WebState,
    v: &Viewer,
    headers: &HeaderMap,
    id: &str,
    p: Posted,
    step_up_error: Option<String>,
) -> Response {
    let loc = v.loc;
    let c = match s.app.get_customer(&v.actor, id).await {
        Ok(c) => c,
        Err(e) => return super::view::error_page(loc, &e),
    };
    let offer = revealable(v, &c);
    let mut panel = Panel {
        mode: "form",
        choices: choices(loc, &offer, &p.fields),
        purpose: p.purpose.clone(),
        open: true,
        error: None,
        fields_error: None,
        purpose_error: None,
        message: None,
    };
    let mut revealed = BTreeMap::new();
    let mut status = StatusCode::OK;
    let result = match step_up_error {
        Some(msg) => {
            panel.mode = "step_up";
            panel.error = Some(msg);
            status = StatusCode::UNPROCESSABLE_ENTITY;
            None
        }
        None => Some(s.app.reveal_customer(&v.actor, id, &p.fields, &p.purpose).await),
    };
    match result {
        None => {}
        Some(Ok(values)) => {
            panel.mode = "done";
            panel.message = Some(i18n::t(loc, "reveal-done"));
            revealed = values.into_iter().map(|r| (r.field, r.value)).collect();
        }
        Some(Err(AppError::Invalid(fe))) => {
            let msgs = field_messages(loc, &fe);
            panel.fields_error = msgs.get("fields").cloned();
            panel.purpose_error = msgs.get("purpose").cloned();
            status = StatusCode::UNPROCESSABLE_ENTITY;
        }
        Some(Err(AppError::StepUpRequired)) => {
            panel.mode = "step_up";
            status = StatusCode::FORBIDDEN;
        }
        Some(Err(AppError::Forbidden)) => {
            panel.mode = "refused";
            panel.error = Some(i18n::t(loc, "reveal-forbidden"));
            status = StatusCode::FORBIDDEN;
        }
        Some(Err(AppError::TooManyAttempts { .. })) => {
            panel.mode = "refused";
            panel.error = Some(i18n::t(loc, "reveal-too-many"));
            status = StatusCode::TOO_MANY_REQUESTS;
        }
        Some(Err(e)) => return super::view::error_page(loc, &e),
    }
    let mut res = if is_htmx(headers) {
        let multiline = |f: &str| matches!(f, "address" | "notes");
        let shown = revealed
            .iter()
            .map(|(f, v)| {
                let value = if f == "birthday" { birthday(loc, v) } else { v.clone() };
                (f.clone(), value.unwrap_or_else(|| i18n::t(loc, "reveal-empty")), multiline(f))
            })
            .collect();
        let l = Layout::new(loc, "customer-title", &v.csrf, None, "customers");
        // htmx swaps only 2xx answers: the panel's state is in the fragment itself.
        render(StatusCode::OK, &RevealFragment { l, id: c.id.to_string(), panel, revealed: shown })
    } else {
        let state = RevealState { panel, revealed };
        customer_page(s, v, id, &ContactForm::default(), &BTreeMap::new(), Some(state), status).await
    };
    // Plain values: never stored by the browser or a proxy.
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[derive(Template)]
#[template(path = "step_up.html")]
pub struct StepUpPage {
    pub l: Layout,
    pub back: String,
    pub error: Option<String>,
    pub no_mfa: bool,
}

/// The page asking for the authenticator code before a sensitive action (`back` is where
/// the user repeats it).
pub async fn step_up_page(s: &WebState, v: &Viewer, back: &str, error: Option<String>, status: StatusCode) -> Response {
    let l = super::pages::chrome(s, v, "step-up-title", "").await;
    let no_mfa = !s.app.my_mfa_enrolled(&v.actor).await.unwrap_or(true);
    render(status, &StepUpPage { l, back: safe_back(back).to_string(), error, no_mfa })
}

/// The typed code as a second factor: six digits are an authenticator code, anything else a
/// recovery code.
pub fn factor(typed: &str) -> SecondFactor<'_> {
    let t = typed.trim();
    if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
        SecondFactor::Code(t)
    } else {
        SecondFactor::RecoveryCode(t)
    }
}

/// A user-facing message for a refused second factor.
pub fn factor_error(loc: Locale, e: &AppError) -> Option<String> {
    match e {
        AppError::Invalid(_) => Some(i18n::t(loc, "mfa-wrong-code")),
        AppError::TooManyAttempts { .. } => Some(i18n::t(loc, "error-too-many-detail")),
        AppError::Conflict(_) => Some(i18n::t(loc, "step-up-no-mfa")),
        _ => None,
    }
}

/// `POST /step-up`: records the second factor in this session (App::step_up), then retries
/// the reveal it interrupted (`customer`, `fields`, `purpose`) or returns to `back`.
pub async fn step_up(
    State(s): State<WebState>,
    viewer: Result<Viewer, NoViewer>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let mut v = match viewer {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let Ok(Form(pairs)) = form else { return bad_request(v.loc) };
    let p = posted(pairs);
    let result = s.app.step_up(&v.actor, factor(&p.code)).await;
    let error = match &result {
        Ok(_) => None,
        Err(e) => match factor_error(v.loc, e) {
            Some(msg) => Some(msg),
            None => return super::view::error_page(v.loc, e),
        },
    };
    if error.is_none() {
        // The actor was read before the step-up: read the session again so that the retried
        // action sees the second factor just given.
        let secret = super::cookie(&headers, SESSION_COOKIE).unwrap_or_default();
        match s.app.authenticate(secret, &client_info(&headers, Some(peer))).await {
            Ok(actor) => v.actor = actor,
            Err(e) => return super::view::error_page(v.loc, &e),
        }
    }
    if !p.customer.is_empty() {
        let customer = p.customer.clone();
        return reveal_and_answer(&s, &v, &headers, &customer, p, error).await;
    }
    match error {
        None => see_other(&HeaderMap::new(), safe_back(&p.back)),
        Some(msg) => step_up_page(&s, &v, &p.back, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}
