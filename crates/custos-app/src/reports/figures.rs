//! The typed results of the sales reports: amounts as `Money`, dates as calendar days, people
//! by id and display name. Plain data; nothing here queries or decides.

use custos_domain::sales::{Currency, DateRange, Interval, Money, ReportParams};
use custos_domain::{PipelineId, StageId, UserId};
use time::Date;

/// A pipeline by id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineRef {
    pub id: String,
    pub name: String,
}

/// Open deals of one stage.
#[derive(Debug, Clone, PartialEq)]
pub struct StageValue {
    pub stage_id: StageId,
    pub name: String,
    /// 0–100.
    pub probability: i64,
    pub deals: i64,
    pub amount: Money,
    /// `amount × probability / 100`.
    pub weighted: Money,
}

/// Open deals of one pipeline in one currency, by stage in board order.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineValueReport {
    /// `None` when no pipeline exists yet.
    pub pipeline: Option<PipelineRef>,
    pub currency: Currency,
    pub stages: Vec<StageValue>,
    pub deals: i64,
    pub amount: Money,
    pub weighted: Money,
}

impl PipelineValueReport {
    pub(crate) fn empty(c: Currency) -> Self {
        PipelineValueReport {
            pipeline: None,
            currency: c,
            stages: Vec::new(),
            deals: 0,
            amount: Money::from_minor(0, c),
            weighted: Money::from_minor(0, c),
        }
    }
}

/// One month of the forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastMonth {
    /// The first day of the month.
    pub month: Date,
    /// Open deals expected to close in the month.
    pub deals: i64,
    pub amount: Money,
    /// Each open deal's amount × its stage's probability.
    pub weighted: Money,
    /// Deals won (closed) in the month.
    pub won_deals: i64,
    pub won: Money,
}

impl ForecastMonth {
    pub(crate) fn empty(month: Date, c: Currency) -> Self {
        let zero = Money::from_minor(0, c);
        ForecastMonth { month, deals: 0, amount: zero, weighted: zero, won_deals: 0, won: zero }
    }
}

/// The weighted forecast, month by month.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastReport {
    pub currency: Currency,
    pub pipeline_id: Option<PipelineId>,
    pub months: Vec<ForecastMonth>,
    pub amount: Money,
    pub weighted: Money,
    pub won: Money,
}

impl ForecastReport {
    pub(crate) fn new(c: Currency, pipeline_id: Option<PipelineId>, months: Vec<ForecastMonth>) -> Self {
        let sum =
            |f: fn(&ForecastMonth) -> i64| Money::from_minor(months.iter().map(f).fold(0, i64::saturating_add), c);
        ForecastReport {
            currency: c,
            pipeline_id,
            amount: sum(|m| m.amount.minor),
            weighted: sum(|m| m.weighted.minor),
            won: sum(|m| m.won.minor),
            months,
        }
    }
}

/// Closed deals of one owner.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonWinRate {
    /// `None` for deals without an owner.
    pub owner_id: Option<UserId>,
    /// Display name (else e-mail); `None` for deals without an owner.
    pub name: Option<String>,
    pub won: i64,
    pub lost: i64,
    /// won / (won + lost), 0–1; `None` when nothing closed.
    pub win_rate: Option<f64>,
    /// Average days from creation to winning, one decimal; `None` when nothing was won.
    pub avg_cycle_days: Option<f64>,
}

/// Win rate and sales cycle per person over a range of days (closed in the range).
#[derive(Debug, Clone, PartialEq)]
pub struct WinRateReport {
    pub range: DateRange,
    pub pipeline_id: Option<PipelineId>,
    pub people: Vec<PersonWinRate>,
    pub won: i64,
    pub lost: i64,
    pub win_rate: Option<f64>,
    pub avg_cycle_days: Option<f64>,
}

/// Leads created in a range of days, by how far they got. Each step counts the leads that
/// reached it or a later one (a disqualified lead counts only in `leads`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelReport {
    pub range: DateRange,
    pub leads: i64,
    pub contacted: i64,
    pub qualified: i64,
    pub converted: i64,
    /// Converted with a deal.
    pub with_deal: i64,
    /// Converted with a deal that was won.
    pub deal_won: i64,
}

impl FunnelReport {
    /// The steps in order, by stable key.
    pub fn steps(&self) -> [(&'static str, i64); 6] {
        [
            ("leads", self.leads),
            ("contacted", self.contacted),
            ("qualified", self.qualified),
            ("converted", self.converted),
            ("with_deal", self.with_deal),
            ("deal_won", self.deal_won),
        ]
    }
}

/// Customers created in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodCount {
    /// The first day of the month or week.
    pub start: Date,
    pub count: i64,
}

/// New customers per period; the range is widened to whole periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomersReport {
    pub from: Date,
    pub to: Date,
    pub interval: Interval,
    pub points: Vec<PeriodCount>,
    pub total: i64,
}

/// Everything the dashboard shows, for one set of parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub params: ReportParams,
    /// Every pipeline, for the filter.
    pub pipelines: Vec<PipelineRef>,
    pub pipeline_value: PipelineValueReport,
    pub forecast: ForecastReport,
    pub win_rate: WinRateReport,
    pub funnel: FunnelReport,
    pub new_customers: NewCustomersReport,
}
