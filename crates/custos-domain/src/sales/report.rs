//! Report parameters as validated values: a date range of at most three years, a run of 1–24
//! months, a currency (CNY by default), a grouping interval, and the calendar periods a range
//! splits into. Pure rules on calendar dates (UTC); it never reads the clock — "today" is
//! passed in — and never checks that a pipeline exists (the app does).

use super::money::Currency;
use crate::errors::{FieldErrors, ValueError};
use crate::ids::PipelineId;
use time::{Date, Duration, Month, Weekday};

/// The longest range a report may cover, in days (three years, one of them leap).
pub const MAX_RANGE_DAYS: i64 = 3 * 365 + 1;
/// The most months a forecast may span.
pub const MAX_MONTHS: u8 = 24;
/// Months a forecast spans when not asked.
pub const DEFAULT_MONTHS: u8 = 6;

/// Report parameters as the caller sent them (all optional strings, validated together).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportInput {
    pub pipeline_id: Option<String>,
    pub currency: Option<String>,
    /// First day of the range, `YYYY-MM-DD` (inclusive).
    pub from: Option<String>,
    /// Last day of the range, `YYYY-MM-DD` (inclusive).
    pub to: Option<String>,
    /// First month of a forecast, `YYYY-MM`.
    pub start: Option<String>,
    /// Number of forecast months, 1–24.
    pub months: Option<String>,
    /// `month` (default) or `week`.
    pub interval: Option<String>,
    /// How the report is delivered: `json` (default) or `csv`; checked with the rest, after
    /// the permission.
    pub format: Option<String>,
}

/// How a time series is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Month,
    /// ISO weeks, starting on Monday.
    Week,
}

impl Interval {
    pub fn parse(s: &str) -> Result<Interval, ValueError> {
        match s.trim() {
            "month" => Ok(Interval::Month),
            "week" => Ok(Interval::Week),
            _ => Err(ValueError::new("invalid_interval", "must be month or week")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Month => "month",
            Interval::Week => "week",
        }
    }
}

/// Calendar days `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: Date,
    pub to: Date,
}

/// Validated report parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportParams {
    pub pipeline_id: Option<PipelineId>,
    pub currency: Currency,
    pub range: DateRange,
    /// First day of the first forecast month.
    pub start: Date,
    pub months: u8,
    pub interval: Interval,
}

/// Parses `YYYY-MM-DD` strictly (four-digit year, two-digit month and day).
pub fn parse_day(s: &str) -> Result<Date, ValueError> {
    let bad = || ValueError::new("invalid_date", "must be a date as YYYY-MM-DD");
    let b = s.trim().as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<u32, ValueError> {
        let part = &b[r];
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        part.iter().try_fold(0u32, |n, d| Ok(n * 10 + u32::from(d - b'0')))
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let month = u8::try_from(m).ok().and_then(|m| Month::try_from(m).ok()).ok_or_else(bad)?;
    let year = i32::try_from(y).map_err(|_| bad())?;
    Date::from_calendar_date(year, month, u8::try_from(d).map_err(|_| bad())?).map_err(|_| bad())
}

/// Parses `YYYY-MM` into the first day of that month.
pub fn parse_month(s: &str) -> Result<Date, ValueError> {
    let s = s.trim();
    if s.len() != 7 {
        return Err(ValueError::new("invalid_month", "must be a month as YYYY-MM"));
    }
    parse_day(&format!("{s}-01")).map_err(|_| ValueError::new("invalid_month", "must be a month as YYYY-MM"))
}

/// `YYYY-MM-DD`.
pub fn day_string(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `YYYY-MM`.
pub fn month_string(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

/// The first day of `d`'s month.
pub fn month_start(d: Date) -> Date {
    d.replace_day(1).unwrap_or(d)
}

/// The first day of the month after `d`'s.
pub fn next_month(d: Date) -> Date {
    let first = month_start(d);
    let (y, m) = if first.month() == Month::December {
        (first.year() + 1, Month::January)
    } else {
        (first.year(), first.month().next())
    };
    Date::from_calendar_date(y, m, 1).unwrap_or(first)
}

/// The first day of the month `n` months before `first`'s month.
pub fn months_before(first: Date, n: u8) -> Date {
    let total = first.year() * 12 + i32::from(u8::from(first.month())) - 1 - i32::from(n);
    let month = u8::try_from(total.rem_euclid(12) + 1).ok().and_then(|m| Month::try_from(m).ok());
    month.and_then(|m| Date::from_calendar_date(total.div_euclid(12), m, 1).ok()).unwrap_or(first)
}

/// The Monday of `d`'s ISO week.
pub fn week_start(d: Date) -> Date {
    d - Duration::days(i64::from(d.weekday().number_days_from_monday()))
}

/// The first days of `n` consecutive months from `start`'s month, plus the first day after
/// the last (so `n + 1` boundaries).
pub fn month_bounds(start: Date, n: u8) -> Vec<Date> {
    let mut out = vec![month_start(start)];
    for _ in 0..n {
        let last = *out.last().unwrap_or(&start);
        out.push(next_month(last));
    }
    out
}

/// The boundaries of the whole calendar periods covering `range`: from the start of the
/// period holding `from` to the start of the period after the one holding `to`.
pub fn period_bounds(range: DateRange, interval: Interval) -> Vec<Date> {
    let (first, step): (Date, fn(Date) -> Date) = match interval {
        Interval::Month => (month_start(range.from), next_month),
        Interval::Week => (week_start(range.from), |d| d + Duration::weeks(1)),
    };
    let mut out = vec![first];
    let mut cur = first;
    while cur <= range.to {
        cur = step(cur);
        out.push(cur);
    }
    out
}

impl ReportParams {
    /// Validates every parameter, collecting one error per invalid field. Defaults: the
    /// range ends `today` and starts `months` calendar months back (twelve when `months` is
    /// not given), the forecast starts this month and spans `months` (six when not given),
    /// the currency is CNY, the interval a month.
    pub fn validate(input: &ReportInput, today: Date) -> Result<ReportParams, FieldErrors> {
        let mut e = FieldErrors::new();
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let pipeline_id = match given(&input.pipeline_id) {
            Some(p) => match p.parse::<PipelineId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    e.push("pipeline_id", "unknown", "no pipeline has this id");
                    None
                }
            },
            None => None,
        };
        if !matches!(given(&input.format).as_deref(), None | Some("json" | "csv")) {
            e.push("format", "invalid_format", "must be json or csv");
        }
        let currency = match given(&input.currency) {
            Some(c) => e.check("currency", Currency::parse(&c)),
            None => Some(Currency::CNY),
        };
        let to = match given(&input.to) {
            Some(t) => e.check("to", parse_day(&t)),
            None => Some(today),
        };
        let months_given = match given(&input.months) {
            Some(m) => match m.parse::<u8>() {
                Ok(n) if (1..=MAX_MONTHS).contains(&n) => Some(Some(n)),
                _ => {
                    e.push("months", "out_of_range", "must be a whole number from 1 to 24");
                    None
                }
            },
            None => Some(None),
        };
        let months = months_given.map(|m| m.unwrap_or(DEFAULT_MONTHS));
        // Without `from`: the `months` calendar months (else twelve) up to `to`.
        let span = months_given.flatten().unwrap_or(12);
        let from = match given(&input.from) {
            Some(f) => e.check("from", parse_day(&f)),
            None => to.map(|t| months_before(month_start(t), span - 1)),
        };
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                e.push("to", "before_from", "must not be before from");
            } else if (t - f).whole_days() >= MAX_RANGE_DAYS {
                e.push("to", "range_too_long", "the range may cover at most three years");
            }
        }
        let start = match given(&input.start) {
            Some(s) => e.check("start", parse_month(&s)),
            None => Some(month_start(today)),
        };
        let interval = match given(&input.interval) {
            Some(i) => e.check("interval", Interval::parse(&i)),
            None => Some(Interval::Month),
        };
        match (currency, from, to, start, months, interval) {
            (Some(currency), Some(from), Some(to), Some(start), Some(months), Some(interval)) if e.is_empty() => {
                Ok(ReportParams { pipeline_id, currency, range: DateRange { from, to }, start, months, interval })
            }
            _ => Err(e),
        }
    }
}

/// Whether `d` is a Monday (the first day of an ISO week).
pub fn is_monday(d: Date) -> bool {
    d.weekday() == Weekday::Monday
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input(pairs: &[(&str, &str)]) -> ReportInput {
        let mut i = ReportInput::default();
        for (k, v) in pairs {
            let v = Some((*v).to_string());
            match *k {
                "pipeline_id" => i.pipeline_id = v,
                "currency" => i.currency = v,
                "from" => i.from = v,
                "to" => i.to = v,
                "start" => i.start = v,
                "months" => i.months = v,
                "interval" => i.interval = v,
                "format" => i.format = v,
                _ => unreachable!(),
            }
        }
        i
    }

    fn fields(r: Result<ReportParams, FieldErrors>) -> Vec<String> {
        r.err().map(|e| e.0.into_iter().map(|f| f.field).collect()).unwrap_or_default()
    }

    #[test]
    fn defaults_cover_twelve_months_to_today() {
        let p = ReportParams::validate(&ReportInput::default(), date!(2026 - 11 - 28)).unwrap();
        assert_eq!(p.range, DateRange { from: date!(2025 - 12 - 01), to: date!(2026 - 11 - 28) });
        assert_eq!(
            (p.start, p.months, p.currency, p.interval),
            (date!(2026 - 11 - 01), 6, Currency::CNY, Interval::Month)
        );
        assert_eq!(p.pipeline_id, None);
        let three = ReportParams::validate(&input(&[("months", "3")]), date!(2026 - 01 - 10)).unwrap();
        assert_eq!((three.range.from, three.months), (date!(2025 - 11 - 01), 3));
        assert_eq!(months_before(date!(2026 - 01 - 01), 24), date!(2024 - 01 - 01));
    }

    #[test]
    fn refuses_bad_parameters_field_by_field() {
        let today = date!(2026 - 11 - 28);
        let bad = [
            (("from", "2026-02-30"), "from"),
            (("from", "26-01-01"), "from"),
            (("to", "yesterday"), "to"),
            (("months", "0"), "months"),
            (("months", "25"), "months"),
            (("months", "-1"), "months"),
            (("start", "2026-13"), "start"),
            (("currency", "XXX"), "currency"),
            (("interval", "day"), "interval"),
            (("pipeline_id", "not-a-uuid"), "pipeline_id"),
            (("format", "xlsx"), "format"),
        ];
        for format in ["json", "csv", " csv ", ""] {
            assert!(ReportParams::validate(&input(&[("format", format)]), today).is_ok(), "{format}");
        }
        for ((k, v), field) in bad {
            assert_eq!(fields(ReportParams::validate(&input(&[(k, v)]), today)), [field], "{k}={v}");
        }
        let backwards = input(&[("from", "2026-05-01"), ("to", "2026-04-30")]);
        assert_eq!(fields(ReportParams::validate(&backwards, today)), ["to"]);
        let long = input(&[("from", "2023-01-01"), ("to", "2026-01-01")]);
        assert_eq!(fields(ReportParams::validate(&long, today)), ["to"]);
        let three_years = input(&[("from", "2023-01-01"), ("to", "2025-12-31")]);
        assert!(ReportParams::validate(&three_years, today).is_ok());
        let two = input(&[("months", "99"), ("currency", "?")]);
        assert_eq!(fields(ReportParams::validate(&two, today)), ["currency", "months"]);
    }

    #[test]
    fn periods_are_whole_months_or_weeks() {
        let r = DateRange { from: date!(2026 - 01 - 15), to: date!(2026 - 03 - 01) };
        assert_eq!(
            period_bounds(r, Interval::Month),
            [date!(2026 - 01 - 01), date!(2026 - 02 - 01), date!(2026 - 03 - 01), date!(2026 - 04 - 01)]
        );
        let w = period_bounds(DateRange { from: date!(2026 - 11 - 25), to: date!(2026 - 12 - 07) }, Interval::Week);
        assert_eq!(w, [date!(2026 - 11 - 23), date!(2026 - 11 - 30), date!(2026 - 12 - 07), date!(2026 - 12 - 14)]);
        assert!(w.iter().all(|d| is_monday(*d)));
        assert_eq!(
            month_bounds(date!(2026 - 11 - 28), 3),
            [date!(2026 - 11 - 01), date!(2026 - 12 - 01), date!(2027 - 01 - 01), date!(2027 - 02 - 01)]
        );
        assert_eq!(
            (month_string(date!(2026 - 03 - 09)), day_string(date!(2026 - 03 - 09))),
            ("2026-03".into(), "2026-03-09".into())
        );
    }
}
