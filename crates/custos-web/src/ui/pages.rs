//! Page handlers: sign-in and sign-out, the language switch, the customer list (full page or
//! htmx fragment), the customer page with its contacts, and the create/edit forms. Each calls
//! one custos-app use case with the viewer's actor; none decides who may do what, and none
//! writes a submitted value to the log.

use super::forms::{ContactForm, CustomerForm, field_messages};
use super::i18n::{self, Locale};
use super::reveal::RevealState;
use super::view::{
    ContactView, CustomerFormPage, CustomerPage, CustomersPage, CustomersResults, Detail, Layout, ListView, LoginPage,
    Opt, Row, error_page, render, status_page,
};
use super::{LANG_COOKIE, NoViewer, PENDING_COOKIE, Viewer, csrf, is_htmx, locale_of, see_other, set_cookie};
use crate::WebState;
use crate::auth::{SESSION_COOKIE, client_info};
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use custos_app::AppError;
use custos_app::auth::{LoginStatus, PENDING_MFA_LIFETIME, SessionKind};
use custos_app::customers::CustomerQuery;
use custos_app::views::{ContactOut, CustomerOut};
use custos_domain::{LifecycleStatus, Permission};
use fluent_bundle::FluentValue;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// Customers per page of the list.
pub const PAGE_SIZE: u32 = 25;

pub(super) fn bad_request(loc: Locale) -> Response {
    status_page(loc, StatusCode::BAD_REQUEST, "error-bad-request")
}

fn layout(v: &Viewer, title_key: &str, user: Option<String>) -> Layout {
    section_layout(v, title_key, user, "customers")
}

/// The chrome of a signed-in page in `section`, with the admin links the viewer's role allows.
pub(super) fn section_layout(v: &Viewer, title_key: &str, user: Option<String>, section: &'static str) -> Layout {
    let mut l = Layout::new(v.loc, title_key, &v.csrf, user, section);
    l.nav_users = v.actor.grants(Permission::UserRead);
    l.nav_roles = v.actor.grants(Permission::RoleManage);
    l.nav_leads = v.actor.grants(Permission::LeadRead);
    l.nav_deals = v.actor.grants(Permission::DealRead);
    l.nav_tasks = v.actor.grants(Permission::ActivityRead);
    l.nav_team = v.actor.grants(Permission::QuotaRead);
    l.nav_dashboard = v.actor.grants(Permission::ReportRead);
    l
}

/// The chrome of a signed-in page with the user's name in the header.
pub(super) async fn chrome(s: &WebState, v: &Viewer, title_key: &str, section: &'static str) -> Layout {
    let user = user_label(s, v).await;
    section_layout(v, title_key, user, section)
}

/// Who is signed in, for the header (display name, else e-mail).
pub(super) async fn user_label(s: &WebState, v: &Viewer) -> Option<String> {
    s.app.me(&v.actor).await.ok().map(|u| if u.display_name.trim().is_empty() { u.email } else { u.display_name })
}

/// `GET /`: the customer list when signed in, else the sign-in page.
pub async fn home(viewer: Result<Viewer, NoViewer>) -> Response {
    match viewer {
        Ok(_) => see_other(&HeaderMap::new(), "/customers"),
        Err(e) => e.into_response(),
    }
}

/// `GET /login`.
pub async fn login_page(State(s): State<WebState>, headers: HeaderMap, viewer: Result<Viewer, NoViewer>) -> Response {
    if viewer.is_ok() {
        return see_other(&headers, "/customers");
    }
    login_form(&s, &headers, String::new(), None, StatusCode::OK)
}

pub(super) fn login_form(
    s: &WebState,
    headers: &HeaderMap,
    email: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let loc = locale_of(headers);
    let existing = super::cookie(headers, csrf::PRELOGIN_COOKIE).filter(|t| csrf::is_well_formed(t));
    let (token, fresh) = match existing {
        Some(t) => (t.to_string(), false),
        None => match csrf::new_prelogin_token() {
            Some(t) => (t, true),
            None => return error_page(loc, &AppError::Internal("no randomness for a CSRF token".into())),
        },
    };
    let l = Layout::new(loc, "login-title", &token, None, "").back("/login");
    let mut r = render(status, &LoginPage { l, email, error });
    if fresh {
        r.headers_mut()
            .append(header::SET_COOKIE, set_cookie(s.config.secure_cookies, csrf::PRELOGIN_COOKIE, &token, 24 * 3600));
    }
    r
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
}

/// `POST /login`: opens a cookie session (the CSRF middleware has checked the form's token).
pub async fn login(
    State(s): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let loc = locale_of(&headers);
    let Ok(Form(f)) = form else { return bad_request(loc) };
    let client = client_info(&headers, Some(peer));
    match s.app.login(&f.email, &f.password, SessionKind::Cookie, &client).await {
        Ok(r) if r.status != LoginStatus::Ok => {
            // The password was right; the pending session (good only for the second factor,
            // for a few minutes) goes into its own short-lived cookie.
            let next = if r.status == LoginStatus::MfaRequired { "/login/mfa" } else { "/login/enrol" };
            let max_age = i64::try_from(PENDING_MFA_LIFETIME.as_secs()).unwrap_or(300);
            let mut res = see_other(&HeaderMap::new(), next);
            res.headers_mut()
                .append(header::SET_COOKIE, set_cookie(s.config.secure_cookies, PENDING_COOKIE, &r.token, max_age));
            res
        }
        Ok(r) => super::signin::signed_in(&s, &headers, &r, "/customers").await,
        Err(AppError::InvalidCredentials) => {
            tracing::info!("sign-in failed");
            let email: String = f.email.chars().take(254).collect();
            login_form(&s, &headers, email, Some(i18n::t(loc, "login-failed")), StatusCode::UNAUTHORIZED)
        }
        Err(AppError::TooManyAttempts { .. }) => {
            let email: String = f.email.chars().take(254).collect();
            let msg = i18n::t(loc, "error-too-many-detail");
            login_form(&s, &headers, email, Some(msg), StatusCode::TOO_MANY_REQUESTS)
        }
        Err(e) => error_page(loc, &e),
    }
}

/// `POST /logout`: ends the session and returns to the sign-in page.
pub async fn logout(State(s): State<WebState>, viewer: Result<Viewer, NoViewer>) -> Response {
    if let Ok(v) = &viewer
        && let Err(e) = s.app.logout(&v.actor).await
    {
        return error_page(v.loc, &e);
    }
    let mut r = see_other(&HeaderMap::new(), "/login");
    r.headers_mut().insert(header::SET_COOKIE, set_cookie(s.config.secure_cookies, SESSION_COOKIE, "", 0));
    r
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LanguageForm {
    lang: String,
    back: String,
}

/// A local path to return to: starts with one `/`, no scheme, no backslash, no control
/// characters, bounded; anything else goes to `/`.
pub(super) fn safe_back(back: &str) -> &str {
    let ok = back.starts_with('/')
        && !back.starts_with("//")
        && back.len() <= 2000
        && !back.contains('\\')
        && !back.chars().any(char::is_control);
    if ok { back } else { "/" }
}

/// `POST /language`: remembers the language in the `custos_lang` cookie for a year and, for a
/// signed-in user, in their account.
pub async fn language(
    State(s): State<WebState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<LanguageForm>, FormRejection>,
) -> Response {
    let loc = locale_of(&headers);
    let Ok(Form(f)) = form else { return bad_request(loc) };
    let Some(chosen) = Locale::from_tag(&f.lang) else { return bad_request(loc) };
    // Signed in: remember it for the user (every browser), not only in this cookie.
    if let Some(secret) = super::cookie(&headers, crate::auth::SESSION_COOKIE).filter(|c| !c.is_empty()) {
        let client = crate::auth::client_info(&headers, Some(peer));
        if let Ok(actor) = s.app.authenticate(secret, &client).await
            && let Err(e) = s.app.set_my_language(&actor, chosen.tag()).await
        {
            return super::view::error_page(loc, &e);
        }
    }
    let mut r = see_other(&HeaderMap::new(), safe_back(&f.back));
    r.headers_mut()
        .insert(header::SET_COOKIE, set_cookie(s.config.secure_cookies, LANG_COOKIE, chosen.tag(), 365 * 24 * 3600));
    r
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    q: String,
    status: String,
    tag: String,
    sort: String,
    cursor: String,
}

const SORTS: [&str; 6] = ["-updated_at", "name", "-name", "-created_at", "created_at", "updated_at"];

fn nonempty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn list_url(p: &ListParams, cursor: Option<&str>) -> String {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (k, v) in [("q", &p.q), ("status", &p.status), ("tag", &p.tag), ("sort", &p.sort)] {
        if !v.trim().is_empty() {
            pairs.push((k, v.trim()));
        }
    }
    if let Some(c) = cursor {
        pairs.push(("cursor", c));
    }
    let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if qs.is_empty() { "/customers".into() } else { format!("/customers?{qs}") }
}

fn status_label(loc: Locale, s: LifecycleStatus) -> String {
    i18n::t(loc, &format!("status-{}", s.as_str()))
}

/// `GET /customers`: search, filters, sort and cursor pages; an htmx request gets only the
/// results fragment.
pub async fn customers(
    State(s): State<WebState>,
    viewer: Viewer,
    headers: HeaderMap,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    let loc = viewer.loc;
    let Ok(Query(p)) = params else { return bad_request(loc) };
    let sort = if SORTS.contains(&p.sort.as_str()) { p.sort.clone() } else { String::new() };
    let q = CustomerQuery {
        status: nonempty(&p.status),
        tag: nonempty(&p.tag),
        q: nonempty(&p.q),
        sort: Some(if sort.is_empty() { "-updated_at".into() } else { sort.clone() }),
        limit: Some(PAGE_SIZE),
        cursor: nonempty(&p.cursor),
        ..CustomerQuery::default()
    };
    let (items, next, errors) = match s.app.list_customers(&viewer.actor, &q).await {
        Ok(page) => (page.items, page.next_cursor, Vec::new()),
        Err(AppError::Invalid(fe)) => (Vec::new(), None, field_messages(loc, &fe).into_values().collect()),
        Err(e) => return error_page(loc, &e),
    };
    let rows: Vec<Row> = items
        .iter()
        .map(|c| Row {
            id: c.id.to_string(),
            name: c.name.clone(),
            kind: i18n::t(loc, &format!("kind-{}", c.kind.as_str())),
            status: c.status.as_str(),
            status_label: status_label(loc, c.status),
            tags: c.tags.clone(),
            updated: i18n::format_date(loc, c.updated_at.date()),
        })
        .collect();
    let n = rows.len() as i64;
    let shown = i18n::t_args(
        loc,
        "list-shown",
        &[("count", FluentValue::from(n)), ("shown", FluentValue::from(i18n::format_number(loc, n)))],
    );
    let statuses = std::iter::once(Opt {
        value: String::new(),
        label: i18n::t(loc, "filter-any-status"),
        selected: p.status.is_empty(),
    })
    .chain(LifecycleStatus::ALL.iter().map(|st| Opt {
        value: st.as_str().into(),
        label: status_label(loc, *st),
        selected: p.status == st.as_str(),
    }))
    .collect();
    let effective_sort = if sort.is_empty() { "-updated_at" } else { sort.as_str() };
    let sorts = SORTS
        .iter()
        .map(|k| Opt {
            value: (*k).into(),
            label: i18n::t(loc, &format!("sort-{}", k.replace('-', "desc-").replace('_', "-"))),
            selected: *k == effective_sort,
        })
        .collect();
    let filtered = [&p.q, &p.status, &p.tag].iter().any(|v| !v.trim().is_empty());
    let list = ListView {
        q: p.q.clone(),
        tag: p.tag.clone(),
        statuses,
        sorts,
        rows,
        shown,
        next_url: next.as_deref().map(|c| list_url(&p, Some(c))),
        first_url: nonempty(&p.cursor).map(|_| list_url(&p, None)),
        errors,
        filtered,
    };
    let l = layout(&viewer, "customers-title", None).back(list_url(&p, nonempty(&p.cursor).as_deref()));
    if is_htmx(&headers) {
        return render(StatusCode::OK, &CustomersResults { l, list });
    }
    let l = Layout { user: user_label(&s, &viewer).await, ..l };
    render(StatusCode::OK, &CustomersPage { l, list })
}

/// `GET /customers/new`.
pub async fn new_customer(State(s): State<WebState>, viewer: Viewer) -> Response {
    let empty = || Some(String::new());
    let form = CustomerForm {
        kind: "organization".into(),
        status: "lead".into(),
        email: empty(),
        mobile: empty(),
        phone: empty(),
        address: empty(),
        birthday: empty(),
        national_id: empty(),
        bank_account: empty(),
        notes: empty(),
        ..Default::default()
    };
    customer_form(&s, &viewer, &form, &BTreeMap::new(), None, StatusCode::OK).await
}

async fn customer_form(
    s: &WebState,
    v: &Viewer,
    form: &CustomerForm,
    errors: &BTreeMap<String, String>,
    editing: Option<(&str, Option<String>)>,
    status: StatusCode,
) -> Response {
    let (title, action, cancel, version, banner, back) = match editing {
        Some((id, banner)) => (
            "customer-edit-title",
            format!("/customers/{id}/edit"),
            format!("/customers/{id}"),
            form.version.parse().ok(),
            banner,
            format!("/customers/{id}/edit"),
        ),
        None => ("customer-new-title", "/customers".into(), "/customers".into(), None, None, "/customers/new".into()),
    };
    let l = Layout { user: user_label(s, v).await, ..layout(v, title, None).back(back) };
    let page = CustomerFormPage {
        heading: l.title.clone(),
        action,
        cancel,
        form: form.view(v.loc, errors),
        version,
        banner,
        l,
    };
    render(status, &page)
}

/// `POST /customers`: creates a customer, or shows the form again with its errors.
pub async fn create_customer(
    State(s): State<WebState>,
    viewer: Viewer,
    form: Result<Form<CustomerForm>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else { return bad_request(viewer.loc) };
    match s.app.create_customer(&viewer.actor, &f.to_input()).await {
        Ok(c) => see_other(&HeaderMap::new(), &format!("/customers/{}", c.id)),
        Err(AppError::Invalid(fe)) => {
            let errs = field_messages(viewer.loc, &fe);
            customer_form(&s, &viewer, &f, &errs, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(viewer.loc, &e),
    }
}

fn detail(label: String, value: Option<String>, multiline: bool) -> Option<Detail> {
    value.filter(|v| !v.is_empty()).map(|value| Detail { label, value, multiline, field: "", masked: false })
}

/// A birthday as the reader sees it: a full ISO date is formatted for the locale; a masked
/// one (`1990-**-**`) is shown as it is.
pub(super) fn birthday(loc: Locale, v: &Option<String>) -> Option<String> {
    let v = v.as_deref()?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Some(time::Date::parse(v, fmt).map_or_else(|_| v.to_string(), |d| i18n::format_date(loc, d)))
}

fn contact_view(loc: Locale, d: &ContactOut) -> ContactView {
    let f = |k: &str| i18n::t(loc, &format!("field-{k}"));
    let details = [
        detail(f("email"), d.email.clone(), false),
        detail(f("mobile"), d.mobile.clone(), false),
        detail(f("phone"), d.phone.clone(), false),
        detail(f("address"), d.address.clone(), true),
        detail(f("notes"), d.notes.clone(), true),
    ]
    .into_iter()
    .flatten()
    .collect();
    ContactView { name: d.name.clone(), title: d.title.clone().unwrap_or_default(), details }
}

/// The customer page; `reveal` says what the reveal panel shows and which plain values a
/// reveal just returned (they replace the masks on this one response only).
pub(super) async fn customer_page(
    s: &WebState,
    v: &Viewer,
    id: &str,
    contact_form: &ContactForm,
    contact_errors: &BTreeMap<String, String>,
    reveal: Option<RevealState>,
    status: StatusCode,
) -> Response {
    let loc = v.loc;
    let c: CustomerOut = match s.app.get_customer(&v.actor, id).await {
        Ok(c) => c,
        Err(e) => return error_page(loc, &e),
    };
    let contacts = match s.app.list_contacts(&v.actor, id).await {
        Ok(cs) => cs,
        Err(e) => return error_page(loc, &e),
    };
    let d = &c;
    let f = |k: &str| i18n::t(loc, &format!("field-{k}"));
    let revealable = super::reveal::revealable(v, &c);
    let reveal = reveal.unwrap_or_else(|| RevealState::fresh(loc, &revealable));
    let sensitive = |k: &'static str, value: Option<String>, multiline: bool| {
        let masked = c.redactions.masked.contains(&k);
        let value = match reveal.revealed.get(k) {
            Some(plain) => plain.clone().or_else(|| Some(i18n::t(loc, "reveal-empty"))),
            None if k == "birthday" && !masked => birthday(loc, &value),
            None => value,
        };
        let masked = masked && !reveal.revealed.contains_key(k);
        value.filter(|v| !v.is_empty()).map(|value| Detail { label: f(k), value, multiline, field: k, masked })
    };
    let details = [
        detail(f("industry"), d.industry.clone(), false),
        detail(f("tier"), d.tier.clone(), false),
        detail(f("source"), d.source.clone(), false),
        sensitive("email", d.email.clone(), false),
        sensitive("mobile", d.mobile.clone(), false),
        sensitive("phone", d.phone.clone(), false),
        sensitive("address", d.address.clone(), true),
        sensitive("birthday", d.birthday.clone(), false),
        sensitive("national_id", d.national_id.clone(), false),
        sensitive("bank_account", d.bank_account.clone(), false),
        sensitive("notes", d.notes.clone(), true),
    ]
    .into_iter()
    .flatten()
    .collect();
    let meta = i18n::t_args(
        loc,
        "customer-meta",
        &[
            ("created", FluentValue::from(i18n::format_datetime(loc, c.created_at))),
            ("updated", FluentValue::from(i18n::format_datetime(loc, c.updated_at))),
            ("version", FluentValue::from(c.version)),
        ],
    );
    let id = c.id.to_string();
    let l =
        Layout { user: user_label(s, v).await, ..layout(v, "customer-title", None).back(format!("/customers/{id}")) };
    let l = Layout { title: d.name.clone(), ..l };
    let page = CustomerPage {
        name: d.name.clone(),
        status: d.status.as_str(),
        status_label: status_label(loc, d.status),
        kind: i18n::t(loc, &format!("kind-{}", d.kind.as_str())),
        tags: d.tags.clone(),
        details,
        meta,
        contacts: contacts.iter().map(|ct| contact_view(loc, ct)).collect(),
        contact_form: contact_form.view(loc, contact_errors),
        panel: reveal.panel,
        timeline: super::activity_forms::customer_timeline(s, v, &id).await,
        id,
        l,
    };
    render(status, &page)
}

/// `GET /customers/{id}`: the customer, its contacts and a form to add one.
pub async fn customer(State(s): State<WebState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    customer_page(&s, &viewer, &id, &ContactForm::default(), &BTreeMap::new(), None, StatusCode::OK).await
}

/// `GET /customers/{id}/edit`.
pub async fn edit_customer(State(s): State<WebState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    match s.app.get_customer(&viewer.actor, &id).await {
        Ok(c) => {
            let form = CustomerForm::from_customer(&c);
            customer_form(&s, &viewer, &form, &BTreeMap::new(), Some((&id, None)), StatusCode::OK).await
        }
        Err(e) => error_page(viewer.loc, &e),
    }
}

/// `POST /customers/{id}/edit`: saves the changes if nobody changed the customer meanwhile.
pub async fn update_customer(
    State(s): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<CustomerForm>, FormRejection>,
) -> Response {
    let loc = viewer.loc;
    let Ok(Form(mut f)) = form else { return bad_request(loc) };
    let Ok(version) = f.version.trim().parse::<i64>() else { return bad_request(loc) };
    match s.app.update_customer(&viewer.actor, &id, version, &f.to_changes()).await {
        Ok(c) => see_other(&HeaderMap::new(), &format!("/customers/{}", c.id)),
        Err(AppError::Invalid(fe)) => {
            let errs = field_messages(loc, &fe);
            customer_form(&s, &viewer, &f, &errs, Some((&id, None)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Stale { current }) => {
            // Keep what the user typed; a second submit deliberately saves over the newer version.
            if current > 0 {
                f.version = current.to_string();
            }
            let banner = Some(i18n::t(loc, "customer-stale"));
            customer_form(&s, &viewer, &f, &BTreeMap::new(), Some((&id, banner)), StatusCode::CONFLICT).await
        }
        Err(e) => error_page(loc, &e),
    }
}

/// `POST /customers/{id}/contacts`: adds a contact, or shows the customer page with the
/// contact form's errors.
pub async fn add_contact(
    State(s): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<ContactForm>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else { return bad_request(viewer.loc) };
    match s.app.create_contact(&viewer.actor, &id, &f.to_input()).await {
        Ok(_) => see_other(&HeaderMap::new(), &format!("/customers/{id}#contacts")),
        Err(AppError::Invalid(fe)) => {
            let errs = field_messages(viewer.loc, &fe);
            customer_page(&s, &viewer, &id, &f, &errs, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(viewer.loc, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_switch_returns_only_to_local_paths() {
        assert_eq!(safe_back("/customers?q=a"), "/customers?q=a");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "", "customers", "/a\nb"] {
            assert_eq!(safe_back(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn list_urls_keep_filters_and_encode_them() {
        let p = ListParams { q: "张 &x".into(), status: "lead".into(), ..Default::default() };
        assert_eq!(list_url(&p, None), "/customers?q=%E5%BC%A0+%26x&status=lead");
        assert!(list_url(&p, Some("abc")).ends_with("&cursor=abc"));
        assert_eq!(list_url(&ListParams::default(), None), "/customers");
    }
}
