//! The team page (`/team`): the leaderboard of a month or quarter and the attainment of every
//! quota the viewer may see, with bars drawn as server-side SVG (width attributes, no style
//! attributes, so the strict CSP holds). It calls the custos-app use cases with the viewer's
//! actor, which restrict every figure to the viewer's scope; it decides nothing itself.

use super::i18n::{self, Locale};
use super::pages::chrome;
use super::view::{error_page, render};
use super::{Layout, Viewer};
use crate::WebState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use custos_app::quotas::AttainmentOut;
use custos_domain::sales::{Money, Period, QuotaSubject};
use serde::Deserialize;

/// Width of a full bar, in SVG user units (pixels).
pub const BAR_WIDTH: i64 = 200;

/// One person on the leaderboard.
pub struct BoardRow {
    pub rank: usize,
    pub name: String,
    pub won: String,
    pub won_count: i64,
    pub open: String,
    pub quota: String,
    pub percent: String,
    pub activities: i64,
    /// Bar width for the won amount relative to the best.
    pub bar: i64,
}

/// One quota with its attainment.
pub struct QuotaLine {
    pub who: String,
    /// Person or team.
    pub kind: String,
    pub target: String,
    pub won: String,
    pub percent: String,
    /// Bar width for the attainment (capped at 100 %).
    pub bar: i64,
}

/// The quotas of one period with their attainment.
pub struct QuotaSection {
    pub key: &'static str,
    pub title: String,
    pub lines: Vec<QuotaLine>,
}

#[derive(Template)]
#[template(path = "team.html")]
pub struct TeamPage {
    pub l: Layout,
    pub heading: String,
    /// Links to the current month and quarter.
    pub month_label: String,
    pub quarter_label: String,
    /// The leaderboard shows the quarter (else the month).
    pub by_quarter: bool,
    pub rows: Vec<BoardRow>,
    /// Quota attainment of the current month, then of the current quarter.
    pub quota_sections: Vec<QuotaSection>,
    pub bar_width: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TeamParams {
    period: String,
}

fn money(loc: Locale, m: Money) -> String {
    if m.currency.minor_digits() == 2 {
        i18n::format_money(loc, m.minor, m.currency.as_str())
    } else {
        format!("{} {}", i18n::format_number(loc, m.minor), m.currency.as_str())
    }
}

fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "—".to_string(), |p| format!("{p:.1}%"))
}

/// A bar width for `part` of `whole`, between 0 and `BAR_WIDTH`.
pub fn bar(part: i64, whole: i64) -> i64 {
    if whole <= 0 || part <= 0 {
        return 0;
    }
    let w = i128::from(part.min(whole)) * i128::from(BAR_WIDTH) / i128::from(whole);
    i64::try_from(w).unwrap_or(BAR_WIDTH).max(1)
}

fn quota_line(loc: Locale, a: &AttainmentOut) -> QuotaLine {
    let kind = match a.quota.subject {
        QuotaSubject::User(_) => "team-quota-person",
        QuotaSubject::Team(_) => "team-quota-team",
    };
    QuotaLine {
        who: a.name.clone(),
        kind: i18n::t(loc, kind),
        target: money(loc, a.quota.target),
        won: money(loc, a.won),
        percent: percent(a.percent),
        bar: bar(a.won.minor, a.quota.target.minor),
    }
}

/// `GET /team?period=month|quarter`: the leaderboard of the current month (default) or
/// quarter, and the attainment of the quotas of both.
pub async fn page(State(s): State<WebState>, viewer: Viewer, Query(p): Query<TeamParams>) -> Response {
    let loc = viewer.loc;
    // The current month comes from the app (its clock); the quarter is the one holding it.
    let monthly = match s.app.quota_attainment(&viewer.actor, None).await {
        Ok(a) => a,
        Err(e) => return error_page(loc, &e),
    };
    let quarter = Period::quarter_of(monthly.period.starts_on());
    let quarterly = match s.app.quota_attainment(&viewer.actor, Some(&quarter.to_string())).await {
        Ok(a) => a,
        Err(e) => return error_page(loc, &e),
    };
    let by_quarter = p.period == "quarter";
    let period = if by_quarter { quarter } else { monthly.period };
    let board = match s.app.leaderboard(&viewer.actor, Some(&period.to_string()), None).await {
        Ok(b) => b,
        Err(e) => return error_page(loc, &e),
    };
    let best = board.rows.iter().map(|r| r.won.minor).max().unwrap_or(0);
    let rows = board
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| BoardRow {
            rank: i + 1,
            name: r.name.clone(),
            won: money(loc, r.won),
            won_count: r.won_count,
            open: money(loc, r.open),
            quota: r.quota.map_or_else(|| "—".to_string(), |q| money(loc, q)),
            percent: percent(r.percent),
            activities: r.activities,
            bar: bar(r.won.minor, best),
        })
        .collect();
    let l = chrome(&s, &viewer, "team-title", "team").await.back("/team");
    let page = TeamPage {
        heading: l.t1("team-heading", "period", &period.to_string()),
        month_label: l.t1("team-month", "period", &monthly.period.to_string()),
        quarter_label: l.t1("team-quarter", "period", &quarter.to_string()),
        by_quarter,
        rows,
        quota_sections: vec![
            QuotaSection {
                key: "team-month-quotas",
                title: l.t1("team-month-quotas", "period", &monthly.period.to_string()),
                lines: monthly.items.iter().map(|a| quota_line(loc, a)).collect(),
            },
            QuotaSection {
                key: "team-quarter-quotas",
                title: l.t1("team-quarter-quotas", "period", &quarter.to_string()),
                lines: quarterly.items.iter().map(|a| quota_line(loc, a)).collect(),
            },
        ],
        bar_width: BAR_WIDTH,
        l,
    };
    render(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_stay_within_the_track() {
        assert_eq!(bar(0, 100), 0);
        assert_eq!(bar(50, 100), 100);
        assert_eq!(bar(150, 100), BAR_WIDTH);
        assert_eq!(bar(1, 1_000_000), 1, "anything won shows");
        assert_eq!(bar(5, 0), 0);
    }
}
