//! Turning store aggregates into report figures: open deals summed per stage (pipeline value)
//! and per month (forecast), weighted by stage probability, rates and averages. Pure
//! functions over rows already restricted to the reader's scope: no store, clock or actor.

use super::figures::{ForecastMonth, ForecastReport, PipelineRef, PipelineValueReport, StageValue};
use crate::AppError;
use crate::convert::parse_id;
use custos_domain::PipelineId;
use custos_domain::sales::report::month_string;
use custos_domain::sales::{Currency, Money};
use custos_store::{BucketSumRow, OpenDealsRow, ReportPipelineRow, ReportStageRow};
use std::collections::{BTreeMap, HashMap};
use time::Date;

/// `amount × probability / 100`, rounded half up, without overflow.
pub(crate) fn weighted(amount_minor: i64, probability: i64) -> i64 {
    let w = (i128::from(amount_minor) * i128::from(probability.clamp(0, 100)) + 50) / 100;
    i64::try_from(w).unwrap_or(i64::MAX)
}

/// Won / (won + lost), when anything closed.
pub(crate) fn rate(won: i64, lost: i64) -> Option<f64> {
    (won + lost > 0).then(|| won as f64 / (won + lost) as f64)
}

/// Average cycle in days (one decimal), when anything was won.
pub(crate) fn avg_days(total_seconds: i64, won: i64) -> Option<f64> {
    (won > 0).then(|| (total_seconds as f64 / won as f64 / 86_400.0 * 10.0).round() / 10.0)
}

fn money(minor: i64, c: Currency) -> Money {
    Money::from_minor(minor, c)
}

/// Every stage of `pipe` in order with the open deals of `cells` summed into it (deals in a
/// stage the pipeline no longer has are not shown).
pub(crate) fn pipeline_value(
    pipe: &ReportPipelineRow,
    c: Currency,
    stages: &[ReportStageRow],
    cells: &[OpenDealsRow],
) -> Result<PipelineValueReport, AppError> {
    let mut per_stage: HashMap<&str, (i64, i64)> = HashMap::new();
    for cell in cells {
        let e = per_stage.entry(cell.stage_id.as_str()).or_default();
        e.0 += cell.deals;
        e.1 = e.1.saturating_add(cell.amount_minor);
    }
    let mut out = Vec::with_capacity(stages.len());
    for s in stages.iter().filter(|s| s.pipeline_id == pipe.id) {
        let (deals, amount) = per_stage.get(s.id.as_str()).copied().unwrap_or_default();
        out.push(StageValue {
            stage_id: parse_id(&s.id, "stage")?,
            name: s.name.clone(),
            probability: s.probability,
            deals,
            amount: money(amount, c),
            weighted: money(weighted(amount, s.probability), c),
        });
    }
    let sum = |f: fn(&StageValue) -> i64| out.iter().map(f).fold(0i64, i64::saturating_add);
    Ok(PipelineValueReport {
        pipeline: Some(PipelineRef { id: pipe.id.clone(), name: pipe.name.clone() }),
        currency: c,
        deals: sum(|s| s.deals),
        amount: money(sum(|s| s.amount.minor), c),
        weighted: money(sum(|s| s.weighted.minor), c),
        stages: out,
    })
}

/// The months between consecutive `bounds` (first days), with the open deals of `cells`
/// expected in each (weighted by their stage's probability from `stages`) and the deals won
/// per month from `won` (buckets of the same bounds).
pub(crate) fn forecast(
    c: Currency,
    pipeline_id: Option<PipelineId>,
    bounds: &[Date],
    stages: &[ReportStageRow],
    cells: &[OpenDealsRow],
    won: &[BucketSumRow],
) -> ForecastReport {
    let starts = &bounds[..bounds.len().saturating_sub(1)];
    let index: HashMap<String, usize> = starts.iter().enumerate().map(|(i, d)| (month_string(*d), i)).collect();
    let probability: HashMap<&str, i64> = stages.iter().map(|s| (s.id.as_str(), s.probability)).collect();
    // Amounts per (month, probability), weighted once per group so rounding does not pile up.
    let mut groups: BTreeMap<(usize, i64), (i64, i64)> = BTreeMap::new();
    for cell in cells {
        let Some(day) = cell.expected_close.as_deref() else { continue };
        let Some(&m) = day.get(..7).and_then(|k| index.get(k)) else { continue };
        let p = probability.get(cell.stage_id.as_str()).copied().unwrap_or(0);
        let e = groups.entry((m, p)).or_default();
        e.0 += cell.deals;
        e.1 = e.1.saturating_add(cell.amount_minor);
    }
    let mut months: Vec<ForecastMonth> = starts.iter().map(|d| ForecastMonth::empty(*d, c)).collect();
    for ((m, p), (deals, amount)) in groups {
        let month = &mut months[m];
        month.deals += deals;
        month.amount.minor = month.amount.minor.saturating_add(amount);
        month.weighted.minor = month.weighted.minor.saturating_add(weighted(amount, p));
    }
    for b in won {
        if let Some(m) = months.get_mut(b.bucket) {
            m.won_deals = b.count;
            m.won = money(b.amount_minor, c);
        }
    }
    ForecastReport::new(c, pipeline_id, months)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn stage(id: &str, pipeline: &str, p: i64) -> ReportStageRow {
        ReportStageRow {
            id: id.into(),
            pipeline_id: pipeline.into(),
            name: id.to_uppercase(),
            position: 0,
            probability: p,
        }
    }

    fn cell(stage: &str, day: Option<&str>, deals: i64, amount: i64) -> OpenDealsRow {
        OpenDealsRow { stage_id: stage.into(), expected_close: day.map(str::to_string), deals, amount_minor: amount }
    }

    const S1: &str = "0190f0e0-0000-7000-8000-000000000001";
    const S2: &str = "0190f0e0-0000-7000-8000-000000000002";

    #[test]
    fn weighting_rounds_half_up_and_never_overflows() {
        assert_eq!(weighted(100_000, 10), 10_000);
        assert_eq!(weighted(333, 50), 167);
        assert_eq!(weighted(i64::MAX, 100), i64::MAX);
        assert_eq!(weighted(1_000, 150), 1_000, "probabilities are clamped to 100");
        assert_eq!(rate(1, 3), Some(0.25));
        assert_eq!(rate(0, 0), None);
        assert_eq!(avg_days(30 * 86_400 + 32 * 86_400, 2), Some(31.0));
        assert_eq!(avg_days(0, 0), None);
    }

    #[test]
    fn open_deals_sum_per_stage_and_per_month() {
        let pipe = ReportPipelineRow { id: "p".into(), name: "Main".into() };
        let stages = [stage(S1, "p", 10), stage(S2, "p", 50), stage("other", "q", 90)];
        let cells = [
            cell(S1, Some("2026-03-15"), 2, 1_001),
            cell(S1, Some("2026-04-02"), 1, 1_001),
            cell(S2, None, 1, 500),
            cell(S2, Some("2026-03-31"), 1, 300),
            cell(S2, Some("2027-01-01"), 1, 7),
        ];
        let c = Currency::CNY;
        let pv = pipeline_value(&pipe, c, &stages, &cells).unwrap();
        let got: Vec<_> =
            pv.stages.iter().map(|s| (s.name.as_str(), s.deals, s.amount.minor, s.weighted.minor)).collect();
        assert_eq!(got, [(S1.to_uppercase().as_str(), 3, 2_002, 200), (S2.to_uppercase().as_str(), 3, 807, 404)]);
        assert_eq!((pv.deals, pv.amount.minor, pv.weighted.minor), (6, 2_809, 604));

        let bounds = [date!(2026 - 03 - 01), date!(2026 - 04 - 01), date!(2026 - 05 - 01)];
        let won = [BucketSumRow { bucket: 1, count: 2, amount_minor: 900 }];
        let f = forecast(c, None, &bounds, &stages, &cells, &won);
        let got: Vec<_> =
            f.months.iter().map(|m| (m.deals, m.amount.minor, m.weighted.minor, m.won_deals, m.won.minor)).collect();
        // March: 1,001 at 10 % (100) and 300 at 50 % (150); April: 1,001 at 10 %.
        assert_eq!(got, [(3, 1_301, 250, 0, 0), (1, 1_001, 100, 2, 900)]);
        assert_eq!((f.amount.minor, f.weighted.minor, f.won.minor), (2_302, 350, 900));
    }
}
