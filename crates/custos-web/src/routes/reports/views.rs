//! JSON shapes of the reports (amounts as decimal strings with their currency, dates as
//! `YYYY-MM-DD`, months as `YYYY-MM`), their OpenAPI schemas, and the same figures as CSV
//! rows. Conversions only; the figures come from custos-app.

use custos_app::reports::{
    ForecastReport, FunnelReport, NewCustomersReport, PersonWinRate, PipelineValueReport, WinRateReport,
};
use custos_domain::sales::report::{day_string, month_string};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Query parameters of every report (each report reads the ones it needs).
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Pipeline id. pipeline-value: default the first pipeline; forecast and win-rate: default all.
    pub pipeline_id: Option<String>,
    /// ISO 4217 code, default CNY (pipeline-value, forecast).
    pub currency: Option<String>,
    /// First day, YYYY-MM-DD (win-rate, funnel, new-customers); default the first day of the
    /// `months`-th calendar month back (the twelfth when `months` is absent), so the range is whole months up to `to`.
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD, inclusive; default today. At most three years after `from`.
    pub to: Option<String>,
    /// First forecast month, YYYY-MM; default this month.
    pub start: Option<String>,
    /// Forecast months, 1–24; default 6. Also the default length of the range when `from` is absent.
    pub months: Option<String>,
    /// new-customers: month (default) or week (ISO weeks from Monday).
    pub interval: Option<String>,
    /// json (default) or csv.
    pub format: Option<String>,
}

impl ReportQuery {
    pub fn input(&self) -> custos_domain::sales::ReportInput {
        custos_domain::sales::ReportInput {
            pipeline_id: self.pipeline_id.clone(),
            currency: self.currency.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            start: self.start.clone(),
            months: self.months.clone(),
            interval: self.interval.clone(),
            format: self.format.clone(),
        }
    }
}

/// Open deals of one stage.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageValueView {
    pub stage_id: String,
    pub name: String,
    pub probability: i64,
    pub deals: i64,
    #[schema(example = "12500.00")]
    pub amount: String,
    pub weighted: String,
}

/// Open deals of a pipeline by stage, in one currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct PipelineValueView {
    /// Null when no pipeline exists.
    pub pipeline_id: Option<String>,
    pub pipeline_name: Option<String>,
    pub currency: String,
    pub deals: i64,
    pub amount: String,
    /// Sum of amount × stage probability / 100.
    pub weighted: String,
    pub stages: Vec<StageValueView>,
}

impl From<&PipelineValueReport> for PipelineValueView {
    fn from(r: &PipelineValueReport) -> Self {
        PipelineValueView {
            pipeline_id: r.pipeline.as_ref().map(|p| p.id.clone()),
            pipeline_name: r.pipeline.as_ref().map(|p| p.name.clone()),
            currency: r.currency.as_str().into(),
            deals: r.deals,
            amount: r.amount.amount_string(),
            weighted: r.weighted.amount_string(),
            stages: r
                .stages
                .iter()
                .map(|s| StageValueView {
                    stage_id: s.stage_id.to_string(),
                    name: s.name.clone(),
                    probability: s.probability,
                    deals: s.deals,
                    amount: s.amount.amount_string(),
                    weighted: s.weighted.amount_string(),
                })
                .collect(),
        }
    }
}

/// One month of the forecast.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastMonthView {
    #[schema(example = "2026-11")]
    pub month: String,
    /// Open deals expected to close in the month.
    pub deals: i64,
    pub amount: String,
    pub weighted: String,
    /// Deals won in the month.
    pub won_deals: i64,
    pub won: String,
}

/// Weighted forecast by month of expected close, beside what was won.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastView {
    pub currency: String,
    pub pipeline_id: Option<String>,
    pub amount: String,
    pub weighted: String,
    pub won: String,
    pub months: Vec<ForecastMonthView>,
}

impl From<&ForecastReport> for ForecastView {
    fn from(r: &ForecastReport) -> Self {
        ForecastView {
            currency: r.currency.as_str().into(),
            pipeline_id: r.pipeline_id.map(|p| p.to_string()),
            amount: r.amount.amount_string(),
            weighted: r.weighted.amount_string(),
            won: r.won.amount_string(),
            months: r
                .months
                .iter()
                .map(|m| ForecastMonthView {
                    month: month_string(m.month),
                    deals: m.deals,
                    amount: m.amount.amount_string(),
                    weighted: m.weighted.amount_string(),
                    won_deals: m.won_deals,
                    won: m.won.amount_string(),
                })
                .collect(),
        }
    }
}

/// Closed deals of one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonWinRateView {
    /// Null for deals without an owner.
    pub owner_id: Option<String>,
    /// Display name (else e-mail); null for deals without an owner.
    pub name: Option<String>,
    pub won: i64,
    pub lost: i64,
    /// won / (won + lost), 0–1; null when nothing closed.
    pub win_rate: Option<f64>,
    /// Average days from creation to won, one decimal; null when nothing was won.
    pub avg_cycle_days: Option<f64>,
}

impl From<&PersonWinRate> for PersonWinRateView {
    fn from(p: &PersonWinRate) -> Self {
        PersonWinRateView {
            owner_id: p.owner_id.map(|o| o.to_string()),
            name: p.name.clone(),
            won: p.won,
            lost: p.lost,
            win_rate: p.win_rate.map(round4),
            avg_cycle_days: p.avg_cycle_days,
        }
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Win rate and sales cycle per person, deals closed from `from` to `to`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WinRateView {
    pub from: String,
    pub to: String,
    pub pipeline_id: Option<String>,
    pub won: i64,
    pub lost: i64,
    pub win_rate: Option<f64>,
    pub avg_cycle_days: Option<f64>,
    pub people: Vec<PersonWinRateView>,
}

impl From<&WinRateReport> for WinRateView {
    fn from(r: &WinRateReport) -> Self {
        WinRateView {
            from: day_string(r.range.from),
            to: day_string(r.range.to),
            pipeline_id: r.pipeline_id.map(|p| p.to_string()),
            won: r.won,
            lost: r.lost,
            win_rate: r.win_rate.map(round4),
            avg_cycle_days: r.avg_cycle_days,
            people: r.people.iter().map(PersonWinRateView::from).collect(),
        }
    }
}

/// Leads created from `from` to `to`; each step counts those that reached it or a later one.
#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelView {
    pub from: String,
    pub to: String,
    pub leads: i64,
    pub contacted: i64,
    pub qualified: i64,
    pub converted: i64,
    pub with_deal: i64,
    pub deal_won: i64,
}

impl From<&FunnelReport> for FunnelView {
    fn from(r: &FunnelReport) -> Self {
        FunnelView {
            from: day_string(r.range.from),
            to: day_string(r.range.to),
            leads: r.leads,
            contacted: r.contacted,
            qualified: r.qualified,
            converted: r.converted,
            with_deal: r.with_deal,
            deal_won: r.deal_won,
        }
    }
}

/// Customers created in one period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodCountView {
    /// First day of the month or week.
    pub start: String,
    pub count: i64,
}

/// New customers per month or week (the range widened to whole periods).
#[derive(Debug, Serialize, ToSchema)]
pub struct NewCustomersView {
    pub from: String,
    pub to: String,
    pub interval: String,
    pub total: i64,
    pub points: Vec<PeriodCountView>,
}

impl From<&NewCustomersReport> for NewCustomersView {
    fn from(r: &NewCustomersReport) -> Self {
        NewCustomersView {
            from: day_string(r.from),
            to: day_string(r.to),
            interval: r.interval.as_str().into(),
            total: r.total,
            points: r.points.iter().map(|p| PeriodCountView { start: day_string(p.start), count: p.count }).collect(),
        }
    }
}

fn opt_f64(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// CSV header and rows of each report.
pub fn pipeline_value_csv(v: &PipelineValueView) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let rows = v
        .stages
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                s.probability.to_string(),
                s.deals.to_string(),
                s.amount.clone(),
                s.weighted.clone(),
                v.currency.clone(),
            ]
        })
        .collect();
    (vec!["stage", "probability", "deals", "amount", "weighted", "currency"], rows)
}

pub fn forecast_csv(v: &ForecastView) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let rows = v
        .months
        .iter()
        .map(|m| {
            vec![
                m.month.clone(),
                m.deals.to_string(),
                m.amount.clone(),
                m.weighted.clone(),
                m.won_deals.to_string(),
                m.won.clone(),
                v.currency.clone(),
            ]
        })
        .collect();
    (vec!["month", "deals", "amount", "weighted", "won_deals", "won", "currency"], rows)
}

pub fn win_rate_csv(v: &WinRateView) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let rows = v
        .people
        .iter()
        .map(|p| {
            vec![
                p.owner_id.clone().unwrap_or_default(),
                p.name.clone().unwrap_or_default(),
                p.won.to_string(),
                p.lost.to_string(),
                opt_f64(p.win_rate),
                opt_f64(p.avg_cycle_days),
            ]
        })
        .collect();
    (vec!["owner_id", "owner", "won", "lost", "win_rate", "avg_cycle_days"], rows)
}

pub fn funnel_csv(v: &FunnelView) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let steps = [
        ("leads", v.leads),
        ("contacted", v.contacted),
        ("qualified", v.qualified),
        ("converted", v.converted),
        ("with_deal", v.with_deal),
        ("deal_won", v.deal_won),
    ];
    (vec!["step", "count"], steps.iter().map(|(k, n)| vec![(*k).to_string(), n.to_string()]).collect())
}

pub fn new_customers_csv(v: &NewCustomersView) -> (Vec<&'static str>, Vec<Vec<String>>) {
    (vec!["period_start", "count"], v.points.iter().map(|p| vec![p.start.clone(), p.count.to_string()]).collect())
}
