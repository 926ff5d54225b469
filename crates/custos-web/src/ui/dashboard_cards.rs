//! The five cards of the dashboard: each report drawn as an SVG chart (through `ui::charts`)
//! with its translated title, the period and currency it covers, a one-line summary in the
//! locale's number and money formats, and the CSV link of the same figures. Pure formatting
//! of aggregates the app already scoped; it calls no use case.

use super::charts::{self, BarChart, FunnelChart, FunnelStep, LineChart, Orientation, Scale, Svg};
use super::i18n::{self, Locale};
use custos_app::reports::Dashboard;
use custos_domain::sales::report::{day_string, month_string};
use custos_domain::sales::{Currency, Interval, Money};
use fluent_bundle::FluentValue;
use time::Date;

/// One chart with its heading, context and CSV link.
pub struct Card {
    pub id: &'static str,
    pub title: String,
    pub subtitle: String,
    pub summary: String,
    pub svg: Svg,
    pub csv_url: String,
}

/// An amount with the locale's currency symbol (codes for currencies without cents).
pub fn money(loc: Locale, m: Money) -> String {
    if m.currency.minor_digits() == 2 {
        i18n::format_money(loc, m.minor, m.currency.as_str())
    } else {
        format!("{}\u{a0}{}", m.currency, i18n::format_number(loc, m.minor))
    }
}

fn minor_unit(c: Currency) -> i64 {
    10_i64.pow(c.minor_digits())
}

const EN_MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `Mar 2026` / `2026年3月`.
pub fn month_label(loc: Locale, d: Date) -> String {
    let m = u8::from(d.month());
    match loc {
        Locale::En => format!("{} {}", EN_MONTHS[usize::from(m - 1)], d.year()),
        Locale::ZhCn => format!("{}年{}月", d.year(), m),
    }
}

/// `23 Nov` / `11月23日`.
fn week_label(loc: Locale, d: Date) -> String {
    let m = u8::from(d.month());
    match loc {
        Locale::En => format!("{} {}", d.day(), EN_MONTHS[usize::from(m - 1)]),
        Locale::ZhCn => format!("{}月{}日", m, d.day()),
    }
}

fn range_label(loc: Locale, from: Date, to: Date) -> String {
    format!("{} – {}", i18n::format_date(loc, from), i18n::format_date(loc, to))
}

fn csv_url(report: &str, pairs: &[(&str, String)]) -> String {
    let mut pairs: Vec<(&str, &str)> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, v.as_str())).collect();
    pairs.push(("format", "csv"));
    format!("/api/v1/reports/{report}?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
}

fn targs(loc: Locale, key: &str, args: &[(&str, String)]) -> String {
    let a: Vec<(&str, FluentValue<'_>)> = args.iter().map(|(k, v)| (*k, FluentValue::from(v.as_str()))).collect();
    i18n::t_args(loc, key, &a)
}

/// The cards in page order.
pub(super) fn cards(loc: Locale, d: &Dashboard) -> Vec<Card> {
    vec![
        pipeline_card(loc, d),
        forecast_card(loc, d),
        win_rate_card(loc, d),
        funnel_card(loc, d),
        customers_card(loc, d),
    ]
}

fn pipeline_card(loc: Locale, d: &Dashboard) -> Card {
    let r = &d.pipeline_value;
    let c = r.currency;
    let title = i18n::t(loc, "chart-pipeline-title");
    let tick = |t: i64| i18n::format_number(loc, t / minor_unit(c));
    let label = |t: i64| money(loc, Money::from_minor(t, c));
    let svg = match &r.pipeline {
        None => charts::empty("chart-pipeline", &title, &i18n::t(loc, "dashboard-no-pipeline")),
        Some(_) => BarChart {
            id: "chart-pipeline",
            title: &title,
            categories: r.stages.iter().map(|s| format!("{} ({}%)", s.name, s.probability)).collect(),
            series: vec![i18n::t(loc, "chart-pipeline-total"), i18n::t(loc, "chart-pipeline-weighted")],
            values: r.stages.iter().map(|s| vec![s.amount.minor, s.weighted.minor]).collect(),
            orientation: Orientation::Horizontal,
            scale: None,
            unit: minor_unit(c),
            tick: &tick,
            label: &label,
            notes: r
                .stages
                .iter()
                .map(|s| {
                    i18n::t_args(
                        loc,
                        "chart-deals",
                        &[
                            ("n", FluentValue::from(s.deals)),
                            ("count", FluentValue::from(i18n::format_number(loc, s.deals))),
                        ],
                    )
                })
                .collect(),
        }
        .render(),
    };
    let name = r.pipeline.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    Card {
        id: "pipeline-value",
        subtitle: if name.is_empty() { c.to_string() } else { format!("{name} · {c}") },
        summary: targs(
            loc,
            "chart-pipeline-summary",
            &[
                ("deals", i18n::format_number(loc, r.deals)),
                ("amount", label(r.amount.minor)),
                ("weighted", label(r.weighted.minor)),
            ],
        ),
        svg,
        title,
        csv_url: csv_url(
            "pipeline-value",
            &[
                ("pipeline_id", r.pipeline.as_ref().map(|p| p.id.clone()).unwrap_or_default()),
                ("currency", c.to_string()),
            ],
        ),
    }
}

fn forecast_card(loc: Locale, d: &Dashboard) -> Card {
    let r = &d.forecast;
    let c = r.currency;
    let title = i18n::t(loc, "chart-forecast-title");
    let tick = |t: i64| i18n::format_number(loc, t / minor_unit(c));
    let label = |t: i64| money(loc, Money::from_minor(t, c));
    let svg = BarChart {
        id: "chart-forecast",
        title: &title,
        categories: r.months.iter().map(|m| month_label(loc, m.month)).collect(),
        series: vec![
            i18n::t(loc, "chart-forecast-open"),
            i18n::t(loc, "chart-forecast-weighted"),
            i18n::t(loc, "chart-forecast-won"),
        ],
        values: r.months.iter().map(|m| vec![m.amount.minor, m.weighted.minor, m.won.minor]).collect(),
        orientation: Orientation::Vertical,
        scale: None,
        unit: minor_unit(c),
        tick: &tick,
        label: &label,
        notes: Vec::new(),
    }
    .render();
    let (first, last) = (r.months.first().map(|m| m.month), r.months.last().map(|m| m.month));
    let span = match (first, last) {
        (Some(f), Some(l)) => format!("{} – {}", month_label(loc, f), month_label(loc, l)),
        _ => String::new(),
    };
    Card {
        id: "forecast",
        subtitle: format!("{span} · {c}"),
        summary: targs(
            loc,
            "chart-forecast-summary",
            &[("amount", label(r.amount.minor)), ("weighted", label(r.weighted.minor)), ("won", label(r.won.minor))],
        ),
        svg,
        title,
        csv_url: csv_url(
            "forecast",
            &[
                ("pipeline_id", r.pipeline_id.map(|p| p.to_string()).unwrap_or_default()),
                ("currency", c.to_string()),
                ("start", first.map(month_string).unwrap_or_default()),
                ("months", d.params.months.to_string()),
            ],
        ),
    }
}

fn win_rate_card(loc: Locale, d: &Dashboard) -> Card {
    let r = &d.win_rate;
    let title = i18n::t(loc, "chart-winrate-title");
    let pct = |t: i64| format!("{t}%");
    let svg = if r.people.is_empty() {
        charts::empty("chart-winrate", &title, &i18n::t(loc, "dashboard-no-data"))
    } else {
        BarChart {
            id: "chart-winrate",
            title: &title,
            categories: r
                .people
                .iter()
                .map(|p| p.name.clone().unwrap_or_else(|| i18n::t(loc, "chart-unassigned")))
                .collect(),
            series: vec![i18n::t(loc, "chart-winrate-series")],
            values: r.people.iter().map(|p| vec![(p.win_rate.unwrap_or(0.0) * 100.0).round() as i64]).collect(),
            orientation: Orientation::Horizontal,
            scale: Some(Scale::fixed(100, 25)),
            unit: 1,
            tick: &pct,
            label: &pct,
            notes: r.people.iter().map(|p| win_note(loc, p.won, p.lost, p.avg_cycle_days)).collect(),
        }
        .render()
    };
    let overall = r.win_rate.map(|w| format!("{}%", (w * 100.0).round() as i64)).unwrap_or_else(|| "–".into());
    Card {
        id: "win-rate",
        subtitle: range_label(loc, r.range.from, r.range.to),
        summary: targs(
            loc,
            "chart-winrate-summary",
            &[("rate", overall), ("note", win_note(loc, r.won, r.lost, r.avg_cycle_days))],
        ),
        svg,
        title,
        csv_url: csv_url(
            "win-rate",
            &[
                ("pipeline_id", r.pipeline_id.map(|p| p.to_string()).unwrap_or_default()),
                ("from", day_string(r.range.from)),
                ("to", day_string(r.range.to)),
            ],
        ),
    }
}

fn win_note(loc: Locale, won: i64, lost: i64, days: Option<f64>) -> String {
    let (won, lost) = (i18n::format_number(loc, won), i18n::format_number(loc, lost));
    match days {
        Some(d) => targs(loc, "chart-winrate-note", &[("won", won), ("lost", lost), ("days", format!("{d:.1}"))]),
        None => targs(loc, "chart-winrate-note-nocycle", &[("won", won), ("lost", lost)]),
    }
}

fn funnel_card(loc: Locale, d: &Dashboard) -> Card {
    let r = &d.funnel;
    let title = i18n::t(loc, "chart-funnel-title");
    let count = |n: i64| i18n::format_number(loc, n);
    let svg = FunnelChart {
        id: "chart-funnel",
        title: &title,
        steps: r
            .steps()
            .iter()
            .map(|(key, n)| FunnelStep {
                label: i18n::t(loc, &format!("chart-funnel-{}", key.replace('_', "-"))),
                count: *n,
            })
            .collect(),
        label: &count,
    }
    .render();
    Card {
        id: "funnel",
        subtitle: range_label(loc, r.range.from, r.range.to),
        summary: targs(loc, "chart-funnel-summary", &[("leads", count(r.leads)), ("won", count(r.deal_won))]),
        svg,
        title,
        csv_url: csv_url("funnel", &[("from", day_string(r.range.from)), ("to", day_string(r.range.to))]),
    }
}

fn customers_card(loc: Locale, d: &Dashboard) -> Card {
    let r = &d.new_customers;
    let title = i18n::t(loc, "chart-customers-title");
    let count = |n: i64| i18n::format_number(loc, n);
    let svg = LineChart {
        id: "chart-customers",
        title: &title,
        points: r
            .points
            .iter()
            .map(|p| {
                let l = if r.interval == Interval::Week { week_label(loc, p.start) } else { month_label(loc, p.start) };
                (l, p.count)
            })
            .collect(),
        unit: 1,
        tick: &count,
        label: &count,
    }
    .render();
    Card {
        id: "new-customers",
        subtitle: range_label(loc, r.from, r.to),
        summary: targs(loc, "chart-customers-summary", &[("total", count(r.total))]),
        svg,
        title,
        csv_url: csv_url(
            "new-customers",
            &[("from", day_string(r.from)), ("to", day_string(r.to)), ("interval", r.interval.as_str().to_string())],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn labels_follow_the_locale() {
        assert_eq!(month_label(Locale::En, date!(2026 - 03 - 01)), "Mar 2026");
        assert_eq!(month_label(Locale::ZhCn, date!(2026 - 03 - 01)), "2026年3月");
        assert_eq!(week_label(Locale::ZhCn, date!(2026 - 11 - 23)), "11月23日");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(money(Locale::En, Money::from_minor(1_234_567, jpy)), "JPY\u{a0}1,234,567");
        assert_eq!(money(Locale::ZhCn, Money::from_minor(123_456, Currency::CNY)), "¥1,234.56");
    }

    #[test]
    fn csv_links_carry_the_shown_parameters() {
        let u = csv_url(
            "funnel",
            &[("from", "2026-01-01".into()), ("to", "2026-03-31".into()), ("pipeline_id", String::new())],
        );
        assert_eq!(u, "/api/v1/reports/funnel?from=2026-01-01&to=2026-03-31&format=csv");
    }
}
