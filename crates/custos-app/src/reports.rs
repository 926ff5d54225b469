//! Sales reports: pipeline value by stage, weighted forecast by month, win rate and sales
//! cycle per person, the lead funnel and new customers over time — and the dashboard that
//! shows all five. Each needs `report.read`, counts only records in the reader's scope (the
//! store applies the same scope clause as lists), and is noted as a `report.view` read
//! event. It returns aggregates only: never a deal, lead or customer row.

mod compute;
mod figures;

pub use figures::{
    Dashboard, ForecastMonth, ForecastReport, FunnelReport, NewCustomersReport, PeriodCount, PersonWinRate,
    PipelineRef, PipelineValueReport, StageValue, WinRateReport,
};

use crate::audit::Ev;
use crate::authz::visibility;
use crate::convert::{parse_id, to_micros};
use crate::{Actor, App, AppError};
use compute::{avg_days, rate};
use custos_domain::Permission;
use custos_domain::sales::report::{Interval, ReportInput, ReportParams, day_string, month_bounds, period_bounds};
use custos_store::{ReportPipelineRow, Visibility};
use time::{Date, Duration};

/// Which report was viewed, as named in the audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    PipelineValue,
    Forecast,
    WinRate,
    Funnel,
    NewCustomers,
    Dashboard,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::PipelineValue => "pipeline-value",
            ReportKind::Forecast => "forecast",
            ReportKind::WinRate => "win-rate",
            ReportKind::Funnel => "funnel",
            ReportKind::NewCustomers => "new-customers",
            ReportKind::Dashboard => "dashboard",
        }
    }
}

/// Midnight UTC at the start of `d`, in unix microseconds.
fn day_micros(d: Date) -> i64 {
    to_micros(d.midnight().assume_utc())
}

impl App {
    /// Checks the permission and validates the parameters (a named pipeline must exist).
    async fn report_params(
        &self,
        actor: &Actor,
        input: &ReportInput,
    ) -> Result<(ReportParams, Vec<ReportPipelineRow>), AppError> {
        self.allow(actor, Permission::ReportRead)?;
        let params = ReportParams::validate(input, self.now().date())?;
        let pipelines = self.store.report_pipelines().await?;
        if let Some(p) = params.pipeline_id
            && !pipelines.iter().any(|r| r.id == p.to_string())
        {
            return Err(AppError::invalid("pipeline_id", "unknown", "no pipeline has this id"));
        }
        Ok((params, pipelines))
    }

    fn audit_report(&self, actor: &Actor, kind: ReportKind) {
        self.audit_read(actor, Ev::new("report.view", "report").record(kind.as_str()));
    }

    /// Open deals of a pipeline (the first one when none is named) by stage.
    pub async fn report_pipeline_value(
        &self,
        actor: &Actor,
        input: &ReportInput,
    ) -> Result<PipelineValueReport, AppError> {
        let (p, pipelines) = self.report_params(actor, input).await?;
        let r = self.pipeline_value(&visibility(actor), &p, &pipelines).await?;
        self.audit_report(actor, ReportKind::PipelineValue);
        Ok(r)
    }

    /// Open deals expected to close in each of `months` months from `start`, weighted by their
    /// stage's probability, beside what was won in each month.
    pub async fn report_forecast(&self, actor: &Actor, input: &ReportInput) -> Result<ForecastReport, AppError> {
        let (p, _) = self.report_params(actor, input).await?;
        let r = self.forecast(&visibility(actor), &p).await?;
        self.audit_report(actor, ReportKind::Forecast);
        Ok(r)
    }

    /// Won and lost deals per owner closed in the range, with the average sales cycle.
    pub async fn report_win_rate(&self, actor: &Actor, input: &ReportInput) -> Result<WinRateReport, AppError> {
        let (p, _) = self.report_params(actor, input).await?;
        let r = self.win_rate(&visibility(actor), &p).await?;
        self.audit_report(actor, ReportKind::WinRate);
        Ok(r)
    }

    /// Leads created in the range, by how far they got.
    pub async fn report_funnel(&self, actor: &Actor, input: &ReportInput) -> Result<FunnelReport, AppError> {
        let (p, _) = self.report_params(actor, input).await?;
        let r = self.funnel(&visibility(actor), &p).await?;
        self.audit_report(actor, ReportKind::Funnel);
        Ok(r)
    }

    /// Customers created per month or week over the range (widened to whole periods).
    pub async fn report_new_customers(
        &self,
        actor: &Actor,
        input: &ReportInput,
    ) -> Result<NewCustomersReport, AppError> {
        let (p, _) = self.report_params(actor, input).await?;
        let r = self.new_customers(&visibility(actor), &p).await?;
        self.audit_report(actor, ReportKind::NewCustomers);
        Ok(r)
    }

    /// All five reports for one set of parameters, queried concurrently; one audit event.
    /// The deal charts all show one pipeline: the one named, else the first.
    pub async fn dashboard(&self, actor: &Actor, input: &ReportInput) -> Result<Dashboard, AppError> {
        let (mut p, pipelines) = self.report_params(actor, input).await?;
        if p.pipeline_id.is_none() {
            p.pipeline_id = pipelines.first().and_then(|r| r.id.parse().ok());
        }
        let v = visibility(actor);
        let ((pipeline_value, forecast), win_rate, funnel, new_customers) = tokio::try_join!(
            self.pipeline_and_forecast(&v, &p, &pipelines),
            self.win_rate(&v, &p),
            self.funnel(&v, &p),
            self.new_customers(&v, &p),
        )?;
        self.audit_report(actor, ReportKind::Dashboard);
        let pipelines = pipelines.into_iter().map(|r| PipelineRef { id: r.id, name: r.name }).collect();
        Ok(Dashboard { params: p, pipelines, pipeline_value, forecast, win_rate, funnel, new_customers })
    }

    async fn pipeline_value(
        &self,
        v: &Visibility,
        p: &ReportParams,
        pipelines: &[ReportPipelineRow],
    ) -> Result<PipelineValueReport, AppError> {
        let chosen = match p.pipeline_id {
            Some(id) => pipelines.iter().find(|r| r.id == id.to_string()),
            None => pipelines.first(),
        };
        let Some(pipe) = chosen else {
            return Ok(PipelineValueReport::empty(p.currency));
        };
        let (stages, cells) = tokio::try_join!(
            self.store.report_stages(Some(&pipe.id)),
            self.store.report_open_deals(v, Some(&pipe.id), p.currency.as_str(), false, None),
        )?;
        compute::pipeline_value(pipe, p.currency, &stages, &cells)
    }

    async fn forecast(&self, v: &Visibility, p: &ReportParams) -> Result<ForecastReport, AppError> {
        let c = p.currency;
        let bounds = month_bounds(p.start, p.months);
        let pipeline = p.pipeline_id.map(|id| id.to_string());
        let micros: Vec<i64> = bounds.iter().copied().map(day_micros).collect();
        let window = (day_string(bounds[0]), day_string(bounds[bounds.len() - 1]));
        // With a pipeline, its open deals come off the covering index faster whole than
        // filtered by day (SQLite would switch to `deals_close` and read every row); the
        // months outside the window are dropped in `compute::forecast`.
        let expected = if pipeline.is_some() { None } else { Some((window.0.as_str(), window.1.as_str())) };
        let (stages, cells, won) = tokio::try_join!(
            self.store.report_stages(pipeline.as_deref()),
            self.store.report_open_deals(v, pipeline.as_deref(), c.as_str(), true, expected),
            self.store.report_won_by_bucket(v, pipeline.as_deref(), c.as_str(), &micros),
        )?;
        Ok(compute::forecast(c, p.pipeline_id, &bounds, &stages, &cells, &won))
    }

    /// The dashboard's pipeline value and forecast from one scan of the pipeline's open deals.
    async fn pipeline_and_forecast(
        &self,
        v: &Visibility,
        p: &ReportParams,
        pipelines: &[ReportPipelineRow],
    ) -> Result<(PipelineValueReport, ForecastReport), AppError> {
        let c = p.currency;
        let Some(pipe) = p.pipeline_id.and_then(|id| pipelines.iter().find(|r| r.id == id.to_string())) else {
            return Ok((
                PipelineValueReport::empty(c),
                compute::forecast(c, None, &month_bounds(p.start, p.months), &[], &[], &[]),
            ));
        };
        let bounds = month_bounds(p.start, p.months);
        let micros: Vec<i64> = bounds.iter().copied().map(day_micros).collect();
        let (stages, cells, won) = tokio::try_join!(
            self.store.report_stages(Some(&pipe.id)),
            self.store.report_open_deals(v, Some(&pipe.id), c.as_str(), true, None),
            self.store.report_won_by_bucket(v, Some(&pipe.id), c.as_str(), &micros),
        )?;
        let value = compute::pipeline_value(pipe, c, &stages, &cells)?;
        Ok((value, compute::forecast(c, p.pipeline_id, &bounds, &stages, &cells, &won)))
    }

    async fn win_rate(&self, v: &Visibility, p: &ReportParams) -> Result<WinRateReport, AppError> {
        let from = day_micros(p.range.from);
        let to = day_micros(p.range.to + Duration::days(1));
        let pipeline = p.pipeline_id.map(|id| id.to_string());
        let rows = self.store.report_win_rate(v, pipeline.as_deref(), from, to).await?;
        let mut people = Vec::with_capacity(rows.len());
        let (mut won, mut lost, mut cycle) = (0i64, 0i64, 0i64);
        for r in rows {
            won += r.won;
            lost += r.lost;
            cycle = cycle.saturating_add(r.won_cycle_seconds);
            let name = r.owner_name.filter(|n| !n.trim().is_empty()).or(r.owner_email);
            people.push(PersonWinRate {
                owner_id: r.owner_id.as_deref().map(|o| parse_id(o, "owner")).transpose()?,
                name,
                won: r.won,
                lost: r.lost,
                win_rate: rate(r.won, r.lost),
                avg_cycle_days: avg_days(r.won_cycle_seconds, r.won),
            });
        }
        // Named people first, by name then id (bytewise, the same on every engine); the
        // unassigned last.
        people.sort_by(|a, b| (a.name.is_none(), &a.name, a.owner_id).cmp(&(b.name.is_none(), &b.name, b.owner_id)));
        Ok(WinRateReport {
            range: p.range,
            pipeline_id: p.pipeline_id,
            people,
            won,
            lost,
            win_rate: rate(won, lost),
            avg_cycle_days: avg_days(cycle, won),
        })
    }

    async fn funnel(&self, v: &Visibility, p: &ReportParams) -> Result<FunnelReport, AppError> {
        let from = day_micros(p.range.from);
        let to = day_micros(p.range.to + Duration::days(1));
        let f = self.store.report_lead_funnel(v, from, to).await?;
        Ok(FunnelReport {
            range: p.range,
            leads: f.total,
            contacted: f.contacted,
            qualified: f.qualified,
            converted: f.converted,
            with_deal: f.with_deal,
            deal_won: f.deal_won,
        })
    }

    async fn new_customers(&self, v: &Visibility, p: &ReportParams) -> Result<NewCustomersReport, AppError> {
        let bounds = period_bounds(p.range, p.interval);
        let micros: Vec<i64> = bounds.iter().copied().map(day_micros).collect();
        let width = (p.interval == Interval::Week).then(|| day_micros(bounds[1]) - day_micros(bounds[0]));
        let rows = self.store.report_new_customers(v, &micros, width).await?;
        let mut points: Vec<PeriodCount> =
            bounds[..bounds.len() - 1].iter().map(|d| PeriodCount { start: *d, count: 0 }).collect();
        for r in rows {
            if let Some(pt) = points.get_mut(r.bucket) {
                pt.count = r.count;
            }
        }
        let total = points.iter().map(|p| p.count).sum();
        Ok(NewCustomersReport {
            from: bounds[0],
            to: bounds[bounds.len() - 1] - Duration::days(1),
            interval: p.interval,
            points,
            total,
        })
    }
}
