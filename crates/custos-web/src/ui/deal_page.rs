//! The deal page: its fields, its stage history (newest first, with who and when) and the
//! move / won / lost / reopen actions, each a plain form with the CSRF token and the version
//! it was shown at. Each handler calls one use case; buttons are shown by the viewer's
//! permissions, but the use case decides.

use super::board::{money_label, status_label};
use super::deals::StageNames;
use super::forms::field_messages;
use super::i18n::{self, Locale};
use super::pages::{bad_request, chrome};
use super::view::{Detail, Opt, error_page, render};
use super::{Layout, Viewer, see_other};
use crate::WebState;
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use custos_app::AppError;
use custos_app::deal_views::DealHistoryOut;
use custos_domain::Permission;
use custos_domain::sales::DealStatus;
use fluent_bundle::FluentValue;
use serde::Deserialize;

/// One line of the stage history.
pub struct StepView {
    pub text: String,
    pub when: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "deal.html")]
pub struct DealPage {
    pub l: Layout,
    pub id: String,
    pub title: String,
    pub status: &'static str,
    pub status_label: String,
    pub subtitle: String,
    pub details: Vec<Detail>,
    pub meta: String,
    pub history: Vec<StepView>,
    pub version: i64,
    pub banner: Option<String>,
    pub can_write: bool,
    pub is_open: bool,
    pub move_options: Vec<Opt>,
    pub reason: String,
    pub reason_error: Option<String>,
}

fn step_text(loc: Locale, names: &StageNames, h: &DealHistoryOut) -> String {
    let stage = |id: &custos_domain::StageId| names.label(loc, &id.to_string());
    let to = stage(&h.to_stage_id);
    let key_args: (&str, Vec<(&str, FluentValue)>) = match (h.from_stage_id, h.status) {
        (None, _) => ("deal-history-created", vec![("stage", to.into())]),
        (Some(f), DealStatus::Open) if f != h.to_stage_id => {
            ("deal-history-moved", vec![("from", stage(&f).into()), ("to", to.into())])
        }
        (Some(_), DealStatus::Open) => ("deal-history-reopened", vec![("stage", to.into())]),
        (Some(_), DealStatus::Won) => ("deal-history-won", vec![("stage", to.into())]),
        (Some(_), DealStatus::Lost) => ("deal-history-lost", vec![("stage", to.into())]),
    };
    let mut text = i18n::t_args(loc, key_args.0, &key_args.1);
    if let Some(name) = h.changed_by_name.as_deref().filter(|n| !n.trim().is_empty()) {
        text = format!("{text} · {}", i18n::t_args(loc, "deal-history-by", &[("name", FluentValue::from(name))]));
    }
    text
}

fn detail(label: String, value: String) -> Option<Detail> {
    (!value.is_empty()).then_some(Detail { label, value, multiline: false, field: "", masked: false })
}

/// The deal page, with a banner and the lost form's reason and error when an action failed.
pub(super) async fn deal_page_with(
    s: &WebState,
    v: &Viewer,
    id: &str,
    banner: Option<String>,
    reason: (String, Option<String>),
    status: StatusCode,
) -> Response {
    let loc = v.loc;
    let d = match s.app.get_deal(&v.actor, id).await {
        Ok(d) => d,
        Err(e) => return error_page(loc, &e),
    };
    let (pipelines, history) = match (s.app.list_pipelines(&v.actor).await, s.app.deal_history(&v.actor, id).await) {
        (Ok(p), Ok(h)) => (p, h),
        (Err(e), _) | (_, Err(e)) => return error_page(loc, &e),
    };
    let names = StageNames::new(loc, &pipelines);
    let f = |k: &str| i18n::t(loc, &format!("deal-field-{k}"));
    let details = [
        detail(f("customer_id"), d.customer_name.clone().unwrap_or_else(|| i18n::t(loc, "board-customer-hidden"))),
        detail(f("stage_id"), names.label(loc, &d.stage_id.to_string())),
        detail(f("amount"), money_label(loc, &d.amount)),
        detail(f("expected_close"), d.expected_close.map(|c| i18n::format_date(loc, c)).unwrap_or_default()),
        detail(f("owner_id"), d.owner_name.clone().unwrap_or_default()),
        detail(f("stage_entered_at"), i18n::format_datetime(loc, d.stage_entered_at)),
        detail(f("closed_at"), d.closed_at.map(|c| i18n::format_datetime(loc, c)).unwrap_or_default()),
        detail(f("lost_reason"), d.lost_reason.clone().unwrap_or_default()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let meta = i18n::t_args(
        loc,
        "deal-meta",
        &[
            ("created", FluentValue::from(i18n::format_datetime(loc, d.created_at))),
            ("updated", FluentValue::from(i18n::format_datetime(loc, d.updated_at))),
            ("version", FluentValue::from(d.version)),
        ],
    );
    let history = history
        .iter()
        .rev()
        .map(|h| StepView {
            text: step_text(loc, &names, h),
            when: i18n::format_datetime(loc, h.changed_at),
            status: h.status.as_str(),
        })
        .collect();
    let pid = d.pipeline_id.to_string();
    let move_options =
        names.options(Some(&pid), "").into_iter().filter(|o| o.value != d.stage_id.to_string()).collect();
    let l = chrome(s, v, "deal-title", "deals").await.back(format!("/deals/{}", d.id));
    let l = Layout { title: d.title.clone(), ..l };
    let page = DealPage {
        id: d.id.to_string(),
        title: d.title.clone(),
        status: d.status.as_str(),
        status_label: status_label(loc, d.status),
        subtitle: d.customer_name.clone().unwrap_or_default(),
        details,
        meta,
        history,
        version: d.version,
        banner,
        can_write: v.actor.grants(Permission::DealWrite),
        is_open: d.status == DealStatus::Open,
        move_options,
        reason: reason.0,
        reason_error: reason.1,
        l,
    };
    render(status, &page)
}

pub(super) async fn deal_page(
    s: &WebState,
    v: &Viewer,
    id: &str,
    banner: Option<String>,
    status: StatusCode,
) -> Response {
    deal_page_with(s, v, id, banner, (String::new(), None), status).await
}

/// `GET /deals/{id}`.
pub async fn show(State(s): State<WebState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    deal_page(&s, &viewer, &id, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    version: String,
    reason: String,
}

async fn after_status(
    s: &WebState,
    v: &Viewer,
    id: &str,
    reason: String,
    r: Result<custos_app::deal_views::DealOut, AppError>,
) -> Response {
    let loc = v.loc;
    match r {
        Ok(d) => see_other(&HeaderMap::new(), &format!("/deals/{}", d.id)),
        Err(AppError::Invalid(fe)) => {
            let msg = field_messages(loc, &fe).into_values().next();
            deal_page_with(s, v, id, None, (reason, msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Stale { .. }) => {
            deal_page(s, v, id, Some(i18n::t(loc, "deal-stale")), StatusCode::CONFLICT).await
        }
        Err(AppError::Conflict(_)) => deal_page(s, v, id, None, StatusCode::CONFLICT).await,
        Err(e) => error_page(loc, &e),
    }
}

/// `POST /deals/{id}/won`, `/lost` and `/reopen`.
pub async fn won(
    State(s): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<StatusForm>, FormRejection>,
) -> Response {
    let Some(version) = form.ok().and_then(|Form(f)| f.version.trim().parse::<i64>().ok()) else {
        return bad_request(viewer.loc);
    };
    let r = s.app.win_deal(&viewer.actor, &id, version).await;
    after_status(&s, &viewer, &id, String::new(), r).await
}

pub async fn lost(
    State(s): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<StatusForm>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else { return bad_request(viewer.loc) };
    let Ok(version) = f.version.trim().parse::<i64>() else { return bad_request(viewer.loc) };
    let r = s.app.lose_deal(&viewer.actor, &id, version, Some(&f.reason)).await;
    after_status(&s, &viewer, &id, f.reason, r).await
}

pub async fn reopen(
    State(s): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<StatusForm>, FormRejection>,
) -> Response {
    let Some(version) = form.ok().and_then(|Form(f)| f.version.trim().parse::<i64>().ok()) else {
        return bad_request(viewer.loc);
    };
    let r = s.app.reopen_deal(&viewer.actor, &id, version).await;
    after_status(&s, &viewer, &id, String::new(), r).await
}
