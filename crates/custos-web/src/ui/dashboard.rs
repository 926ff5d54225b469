//! The dashboard page: five server-drawn SVG charts (pipeline value by stage, weighted
//! forecast, win rate per person, lead funnel, new customers) for one pipeline, period and
//! currency, each with a CSV download of the same figures. One request, one use case
//! (`App::dashboard`, which checks `report.read` and the viewer's record scope) and only
//! aggregates: no deal, lead or customer row is read. It decides nothing and counts nothing.

use super::dashboard_cards::{Card, cards};
use super::i18n;
use super::pages::{bad_request, chrome};
use super::view::{Opt, error_page, render};
use super::{Layout, NoViewer, Viewer};
use crate::WebState;
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use custos_domain::sales::{Currency, ReportInput};
use fluent_bundle::FluentValue;
use serde::Deserialize;

/// The periods offered, in months (the range back from today and the forecast ahead).
pub const PERIODS: [&str; 4] = ["3", "6", "12", "24"];
const DEFAULT_PERIOD: &str = "12";

/// The filter of the page, as sent by its form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DashboardQuery {
    pipeline_id: String,
    months: String,
    currency: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub l: Layout,
    pub pipelines: Vec<Opt>,
    pub periods: Vec<Opt>,
    pub currencies: Vec<Opt>,
    pub cards: Vec<Card>,
}

/// `GET /dashboard`.
pub async fn page(
    State(s): State<WebState>,
    viewer: Result<Viewer, NoViewer>,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Response {
    let v = match viewer {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let Ok(Query(q)) = query else { return bad_request(v.loc) };
    let months = if PERIODS.contains(&q.months.as_str()) { q.months.clone() } else { DEFAULT_PERIOD.to_string() };
    let input = ReportInput {
        pipeline_id: Some(q.pipeline_id.clone()).filter(|p| !p.trim().is_empty()),
        currency: Some(q.currency.clone()).filter(|c| !c.trim().is_empty()),
        months: Some(months.clone()),
        ..ReportInput::default()
    };
    let d = match s.app.dashboard(&v.actor, &input).await {
        Ok(d) => d,
        Err(e) => return error_page(v.loc, &e),
    };
    let l = chrome(&s, &v, "dashboard-title", "dashboard").await.back(format!(
        "/dashboard?{}",
        serde_urlencoded::to_string([
            ("pipeline_id", q.pipeline_id.as_str()),
            ("months", &months),
            ("currency", &q.currency)
        ])
        .unwrap_or_default()
    ));
    let loc = v.loc;
    let chosen = d.params.pipeline_id.map(|p| p.to_string()).unwrap_or_default();
    let page = DashboardPage {
        pipelines: d.pipelines.iter().map(|p| opt(&p.id, p.name.clone(), p.id == chosen)).collect(),
        periods: PERIODS
            .iter()
            .map(|p| {
                opt(p, i18n::t_args(loc, "dashboard-period-months", &[("n", FluentValue::from(*p))]), *p == months)
            })
            .collect(),
        currencies: Currency::all().map(|c| opt(c.as_str(), c.as_str().to_string(), c == d.params.currency)).collect(),
        cards: cards(loc, &d),
        l,
    };
    render(StatusCode::OK, &page)
}

fn opt(value: &str, label: String, selected: bool) -> Opt {
    Opt { value: value.to_string(), label, selected }
}
