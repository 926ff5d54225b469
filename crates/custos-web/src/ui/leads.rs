//! Lead pages: the list with filters and pages, the new/edit form with inline errors, the
//! lead page (values masked per the viewer's rights) with disqualify. Converting is in
//! `lead_convert.rs`. Each handler calls one custos-app use case with the viewer's actor;
//! links and buttons are shown by the viewer's permissions, but the use case decides.

use super::forms::field_messages;
use super::i18n::{self, Locale};
use super::lead_forms::{LeadForm, opt, source_label, status_label};
use super::pages::{bad_request, chrome};
use super::view::{Detail, FormView, Opt, error_page, render};
use super::{Layout, Viewer, see_other};
use crate::WebState;
use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use custos_app::AppError;
use custos_app::lead_views::{LeadOut, LeadQuery};
use custos_domain::Permission;
use custos_domain::sales::{LeadSource, LeadStatus};
use fluent_bundle::FluentValue;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Leads per page of the list.
pub const PAGE_SIZE: u32 = 25;

/// A row of the lead list.
pub struct LeadRowView {
    pub id: String,
    pub name: String,
    pub company: String,
    pub status: &'static str,
    pub status_label: String,
    pub source: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "leads.html")]
pub struct LeadsPage {
    pub l: Layout,
    pub q: String,
    pub statuses: Vec<Opt>,
    pub sources: Vec<Opt>,
    pub rows: Vec<LeadRowView>,
    pub shown: String,
    pub next_url: Option<String>,
    pub first_url: Option<String>,
    pub errors: Vec<String>,
    pub filtered: bool,
    pub can_write: bool,
}

#[derive(Template)]
#[template(path = "lead.html")]
pub struct LeadPage {
    pub l: Layout,
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub status_label: String,
    pub subtitle: String,
    pub details: Vec<Detail>,
    pub meta: String,
    pub version: i64,
    pub can_edit: bool,
    pub can_convert: bool,
    pub can_disqualify: bool,
    pub reason: String,
    pub reason_error: Option<String>,
    pub customer_id: Option<String>,
    pub deal_id: Option<String>,
    pub converted_note: Option<String>,
    pub disqualified_note: Option<String>,
}

#[derive(Template)]
#[template(path = "lead_form.html")]
pub struct LeadFormPage {
    pub l: Layout,
    pub heading: String,
    pub action: String,
    pub cancel: String,
    pub form: FormView,
    pub version: Option<i64>,
    pub initial_status: String,
    pub banner: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    q: String,
    status: String,
    source: String,
    cursor: String,
}

fn nonempty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn list_url(p: &ListParams, cursor: Option<&str>) -> String {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (k, v) in [("q", &p.q), ("status", &p.status), ("source", &p.source)] {
        if !v.trim().is_empty() {
            pairs.push((k, v.trim()));
        }
    }
    if let Some(c) = cursor {
        pairs.push(("cursor", c));
    }
    let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if qs.is_empty() { "/leads".into() } else { format!("/leads?{qs}") }
}

/// `GET /leads`: search, status and source filters, cursor pages (newest first).
pub async fn list(
    State(s): State<WebState>,
    viewer: Viewer,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    let loc = viewer.loc;
    let Ok(Query(p)) = params else { return bad_request(loc) };
    let q = LeadQuery {
        status: nonempty(&p.status),
        source: nonempty(&p.source),
        q: nonempty(&p.q),
        limit: Some(PAGE_SIZE),
        cursor: nonempty(&p.cursor),
        ..LeadQuery::default()
    };
    let (items, next, errors) = match s.app.list_leads(&viewer.actor, &q).await {
        Ok(page) => (page.items, page.next_cursor, Vec::new()),
        Err(AppError::Invalid(fe)) => (Vec::new(), None, field_messages(loc, &fe).into_values().collect()),
        Err(e) => return error_page(loc, &e),
    };
    let rows: Vec<LeadRowView> = items
        .iter()
        .map(|l| LeadRowView {
            id: l.id.to_string(),
            name: l.name.clone(),
            company: l.company.clone().unwrap_or_default(),
            status: l.status.as_str(),
            status_label: status_label(loc, l.status),
            source: source_label(loc, l.source),
            created: i18n::format_date(loc, l.created_at.date()),
        })
        .collect();
    let n = rows.len() as i64;
    let shown = i18n::t_args(
        loc,
        "leads-shown",
        &[("count", FluentValue::from(n)), ("shown", FluentValue::from(i18n::format_number(loc, n)))],
    );
    let any = |key: &str, current: &str| opt("", i18n::t(loc, key), current);
    let statuses = std::iter::once(any("lead-filter-any-status", &p.status))
        .chain(LeadStatus::ALL.iter().map(|st| opt(st.as_str(), status_label(loc, *st), &p.status)))
        .collect();
    let sources = std::iter::once(any("lead-filter-any-source", &p.source))
        .chain(LeadSource::ALL.iter().map(|so| opt(so.as_str(), source_label(loc, *so), &p.source)))
        .collect();
    let l = chrome(&s, &viewer, "leads-title", "leads").await.back(list_url(&p, nonempty(&p.cursor).as_deref()));
    let page = LeadsPage {
        q: p.q.clone(),
        statuses,
        sources,
        rows,
        shown,
        next_url: next.as_deref().map(|c| list_url(&p, Some(c))),
        first_url: nonempty(&p.cursor).map(|_| list_url(&p, None)),
        errors,
        filtered: [&p.q, &p.status, &p.source].iter().any(|v| !v.trim().is_empty()),
        can_write: viewer.actor.grants(Permission::LeadWrite),
        l,
    };
    render(StatusCode::OK, &page)
}

/// `GET /leads/new`.
pub async fn new_lead(State(s): State<WebState>, viewer: Viewer) -> Response {
    let e = || Some(String::new());
    let form = LeadForm { status: "new".into(), email: e(), mobile: e(), notes: e(), ..Default::default() };
    lead_form(&s, &viewer, &form, &BTreeMap::new(), None, StatusCode::OK).await
}

async fn lead_form(
    s: &WebState,
    v: &Viewer,
    form: &LeadForm,
    errors: &BTreeMap<String, String>,
    editing: Option<(&str, Option<String>)>,
    status: StatusCode,
) -> Response {
    let (title, action, cancel, version, banner) = match editing {
        Some((id, banner)) => {
            ("lead-edit-title", format!("/leads/{id}/edit"), format!("/leads/{id}"), form.version.parse().ok(), banner)
        }
        None => ("lead-new-title", "/leads".into(), "/leads".into(), None, None),
    };
    let l = chrome(s, v, title, "leads").await.back(action.clone());
    let page = LeadFormPage {
        heading: l.title.clone(),
        action,
        cancel,
        form: form.view(v.loc, errors),
        version,
        initial_status: form.initial_status.clone(),
        banner,
        l,
    };
    render(status, &page)
}

/// `POST /leads`: creates a lead, or shows the form again with its errors.
pub async fn create(
    State(s): State<WebState>,
    viewer: Viewer,
    form: Result<Form<LeadForm>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else { return bad_request(viewer.loc) };
    match s.app.create_lead(&viewer.actor, &f.to_input()).await {
        Ok(l) => see_other(&HeaderMap::new(), &format!("/leads/{}", l.id)),
        Err(AppError::Invalid(fe)) => {
            let errs = field_messages(viewer.loc, &fe);
            lead_form(&s, &viewer, &f, &errs, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(viewer.loc, &e),
    }
}

fn detail(label: String, value: Option<String>, multiline: bool, field: &'static str, masked: bool) -> Option<Detail> {
    value.filter(|v| !v.is_empty()).map(|value| Detail { label, value, multiline, field, masked })
}

fn lead_details(loc: Locale, d: &LeadOut) -> Vec<Detail> {
    let f = |k: &str| {
        let own = format!("lead-field-{k}");
        if i18n::has(Locale::En, &own) { i18n::t(loc, &own) } else { i18n::t(loc, &format!("field-{k}")) }
    };
    let masked = |k: &str| d.redactions.masked.contains(&k);
    [
        detail(f("company"), d.company.clone(), false, "", false),
        detail(f("title"), d.title.clone(), false, "", false),
        detail(f("source"), Some(source_label(loc, d.source)), false, "", false),
        detail(f("email"), d.email.clone(), false, "email", masked("email")),
        detail(f("mobile"), d.mobile.clone(), false, "mobile", masked("mobile")),
        detail(f("notes"), d.notes.clone(), true, "notes", masked("notes")),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The lead page, with the disqualify form's reason and error when it failed.
async fn lead_page(
    s: &WebState,
    v: &Viewer,
    id: &str,
    reason: String,
    reason_error: Option<String>,
    status: StatusCode,
) -> Response {
    let loc = v.loc;
    let d = match s.app.get_lead(&v.actor, id).await {
        Ok(d) => d,
        Err(e) => return error_page(loc, &e),
    };
    let working = LeadStatus::WORKING.contains(&d.status);
    let write = v.actor.grants(Permission::LeadWrite);
    let meta = i18n::t_args(
        loc,
        "lead-meta",
        &[
            ("created", FluentValue::from(i18n::format_datetime(loc, d.created_at))),
            ("updated", FluentValue::from(i18n::format_datetime(loc, d.updated_at))),
            ("version", FluentValue::from(d.version)),
        ],
    );
    let converted_note = d.converted_at.map(|at| {
        i18n::t_args(loc, "lead-converted-note", &[("date", FluentValue::from(i18n::format_datetime(loc, at)))])
    });
    let disqualified_note = d
        .disqualify_reason
        .clone()
        .filter(|_| d.status == LeadStatus::Disqualified)
        .map(|r| i18n::t_args(loc, "lead-disqualified-note", &[("reason", FluentValue::from(r))]));
    let subtitle = [d.title.clone(), d.company.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    let l = chrome(s, v, "lead-title", "leads").await.back(format!("/leads/{}", d.id));
    let l = Layout { title: d.name.clone(), ..l };
    let page = LeadPage {
        id: d.id.to_string(),
        name: d.name.clone(),
        status: d.status.as_str(),
        status_label: status_label(loc, d.status),
        subtitle,
        details: lead_details(loc, &d),
        meta,
        version: d.version,
        can_edit: write && d.status != LeadStatus::Converted,
        can_convert: working && v.actor.grants(Permission::LeadConvert) && v.actor.grants(Permission::CustomerCreate),
        can_disqualify: write && working,
        reason,
        reason_error,
        customer_id: d.customer_id.map(|c| c.to_string()),
        deal_id: d.deal_id.map(|c| c.to_string()),
        converted_note,
        disqualified_note,
        l,
    };
    render(status, &page)
}

/// `GET /leads/{id}`.
pub async fn show(State(s): State<WebState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    lead_page(&s, &viewer, &id, String::new(), None, StatusCode::OK).await
}

/// `GET /leads/{id}/edit`.
pub async fn edit(State(s): State<WebState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    match s.app.get_lead(&viewer.actor, &id).await {
        Ok(l) => {
            let form = LeadForm::from_lead(&l);
            lead_form(&s, &viewer, &form, &BTreeMap::new(), Some((&id, None)), StatusCode::OK).await
        }
        Err(e) => error_page(viewer.loc, &e),
    }
}

/// `POST /leads/{id}/edit`: saves the changes if nobody changed the lead meanwhile.
pub async fn update(
    State(s): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<LeadForm>, FormRejection>,
) -> Response {
    let loc = viewer.loc;
    let Ok(Form(mut f)) = form else { return bad_request(loc) };
    let Ok(version) = f.version.trim().parse::<i64>() else { return bad_request(loc) };
    match s.app.update_lead(&viewer.actor, &id, version, &f.to_changes()).await {
        Ok(l) => see_other(&HeaderMap::new(), &format!("/leads/{}", l.id)),
        Err(AppError::Invalid(fe)) => {
            let errs = field_messages(loc, &fe);
            lead_form(&s, &viewer, &f, &errs, Some((&id, None)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Stale { current }) => {
            if current > 0 {
                f.version = current.to_string();
            }
            let banner = Some(i18n::t(loc, "lead-stale"));
            lead_form(&s, &viewer, &f, &BTreeMap::new(), Some((&id, banner)), StatusCode::CONFLICT).await
        }
        Err(e) => error_page(loc, &e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DisqualifyForm {
    reason: String,
    version: String,
}

/// `POST /leads/{id}/disqualify`.
pub async fn disqualify(
    State(s): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<DisqualifyForm>, FormRejection>,
) -> Response {
    let loc = viewer.loc;
    let Ok(Form(f)) = form else { return bad_request(loc) };
    let Ok(version) = f.version.trim().parse::<i64>() else { return bad_request(loc) };
    match s.app.disqualify_lead(&viewer.actor, &id, version, Some(&f.reason)).await {
        Ok(l) => see_other(&HeaderMap::new(), &format!("/leads/{}", l.id)),
        Err(AppError::Invalid(fe)) => {
            let msg = field_messages(loc, &fe).into_values().next();
            lead_page(&s, &viewer, &id, f.reason, msg, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(loc, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_urls_keep_filters_and_encode_them() {
        let p = ListParams { q: "王 &x".into(), source: "cold_call".into(), ..Default::default() };
        assert_eq!(list_url(&p, None), "/leads?q=%E7%8E%8B+%26x&source=cold_call");
        assert!(list_url(&p, Some("abc")).ends_with("&cursor=abc"));
        assert_eq!(list_url(&ListParams::default(), None), "/leads");
    }

    #[test]
    fn labels_built_at_run_time_exist_in_both_languages() {
        for loc in Locale::ALL {
            let mut keys: Vec<String> = LeadStatus::ALL.iter().map(|s| format!("lead-status-{}", s.as_str())).collect();
            keys.extend(LeadSource::ALL.iter().map(|s| format!("lead-source-{}", s.as_str().replace('_', "-"))));
            for f in
                ["company", "reason", "customer_name", "customer_kind", "deal_title", "amount", "currency", "stage"]
            {
                keys.push(format!("lead-field-{f}"));
            }
            keys.push("lead-field-expected_close".into());
            for k in keys {
                assert!(i18n::has(loc, &k), "{k} missing in {}", loc.tag());
            }
            assert_eq!(source_label(loc, LeadSource::ColdCall), i18n::t(loc, "lead-source-cold-call"));
        }
    }
}
