//! Report endpoints: pipeline value, forecast, win rate, lead funnel and new customers, as
//! JSON or (`?format=csv`) as a CSV attachment. Each calls one custos-app use case, which
//! checks `report.read` and applies the caller's record scope; nothing here filters or counts.

pub mod csv;
pub mod views;

use crate::WebState;
use crate::auth::AuthActor;
use crate::problem::Problem;
use crate::routes::customers::query_problem;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use views::{
    ForecastView, FunnelView, NewCustomersView, PipelineValueView, ReportQuery, WinRateView, forecast_csv, funnel_csv,
    new_customers_csv, pipeline_value_csv, win_rate_csv,
};

type CsvRows = (Vec<&'static str>, Vec<Vec<String>>);

/// Whether the caller asked for CSV (`format=csv`). The use case refuses any format but
/// json or csv (422), after the permission check (403 first).
fn wants_csv(q: &ReportQuery) -> bool {
    q.format.as_deref().map(str::trim) == Some("csv")
}

fn respond<V: Serialize>(csv: bool, name: &'static str, view: V, rows: fn(&V) -> CsvRows) -> Response {
    if csv {
        let (header, rows) = rows(&view);
        csv::attachment(name, csv::document(&header, &rows))
    } else {
        Json(view).into_response()
    }
}

fn parse(params: Result<Query<ReportQuery>, QueryRejection>) -> Result<(ReportQuery, bool), Problem> {
    let Query(q) = params.map_err(query_problem)?;
    let csv = wants_csv(&q);
    Ok((q, csv))
}

/// Open deals of a pipeline by stage (count, amount, weighted amount) in one currency.
#[utoipa::path(get, path = "/api/v1/reports/pipeline-value", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "The report; with format=csv a CSV attachment (stage, probability, deals, amount, weighted, currency)",
            content((PipelineValueView = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn pipeline_value(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let (q, csv) = parse(params)?;
    let r = s.app.report_pipeline_value(&actor, &q.input()).await?;
    Ok(respond(csv, "pipeline-value", PipelineValueView::from(&r), pipeline_value_csv))
}

/// Open deals by month of expected close (amount and probability-weighted amount) and deals
/// won per month, for `months` months from `start`.
#[utoipa::path(get, path = "/api/v1/reports/forecast", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "The report; with format=csv a CSV attachment (month, deals, amount, weighted, won_deals, won, currency)",
            content((ForecastView = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn forecast(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let (q, csv) = parse(params)?;
    let r = s.app.report_forecast(&actor, &q.input()).await?;
    Ok(respond(csv, "forecast", ForecastView::from(&r), forecast_csv))
}

/// Won and lost deals per person closed from `from` to `to`, win rate and average sales cycle.
#[utoipa::path(get, path = "/api/v1/reports/win-rate", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "The report; with format=csv a CSV attachment (owner_id, owner, won, lost, win_rate, avg_cycle_days)",
            content((WinRateView = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn win_rate(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let (q, csv) = parse(params)?;
    let r = s.app.report_win_rate(&actor, &q.input()).await?;
    Ok(respond(csv, "win-rate", WinRateView::from(&r), win_rate_csv))
}

/// Leads created from `from` to `to`: how many were contacted, qualified, converted, converted
/// with a deal, and with a won deal.
#[utoipa::path(get, path = "/api/v1/reports/funnel", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "The report; with format=csv a CSV attachment (step, count)",
            content((FunnelView = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn funnel(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let (q, csv) = parse(params)?;
    let r = s.app.report_funnel(&actor, &q.input()).await?;
    Ok(respond(csv, "funnel", FunnelView::from(&r), funnel_csv))
}

/// Customers created per month or week from `from` to `to` (widened to whole periods).
#[utoipa::path(get, path = "/api/v1/reports/new-customers", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "The report; with format=csv a CSV attachment (period_start, count)",
            content((NewCustomersView = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn new_customers(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let (q, csv) = parse(params)?;
    let r = s.app.report_new_customers(&actor, &q.input()).await?;
    Ok(respond(csv, "new-customers", NewCustomersView::from(&r), new_customers_csv))
}
