//! Sales quotas: a target amount for one person or one team over a calendar month
//! (`2026-11`) or quarter (`2026-Q4`). Pure rules; attainment is computed by the store.
//!
//! A period covers the dates `starts_on` ≤ d < `ends_on`: **`ends_on` is exclusive** (the
//! first day after the period), so `2026-11` is 2026-11-01 .. 2026-12-01 and `2026-Q4` is
//! 2026-10-01 .. 2027-01-01. Both are ISO `YYYY-MM-DD` dates, read as UTC days.

use crate::errors::{FieldErrors, ValueError};
use crate::ids::{TeamId, UserId};
use crate::sales::money::{Currency, Money};
use std::fmt;
use time::{Date, Month};

/// A calendar month or quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Month { year: i32, month: u8 },
    Quarter { year: i32, quarter: u8 },
}

fn first_of(year: i32, month: u8) -> Option<Date> {
    Date::from_calendar_date(year, Month::try_from(month).ok()?, 1).ok()
}

impl Period {
    /// Parses `YYYY-MM` (a month) or `YYYY-Qn` (a quarter), years 2000 to 2100.
    pub fn parse(s: &str) -> Result<Period, ValueError> {
        let bad = || ValueError::new("invalid_period", "must be a month such as 2026-11 or a quarter such as 2026-Q4");
        let s = s.trim();
        let (y, rest) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) {
            return Err(ValueError::new("out_of_range", "the year must be between 2000 and 2100"));
        }
        if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
            match q.parse::<u8>() {
                Ok(quarter @ 1..=4) if q.len() == 1 => Ok(Period::Quarter { year, quarter }),
                _ => Err(bad()),
            }
        } else if rest.len() == 2 && rest.bytes().all(|b| b.is_ascii_digit()) {
            match rest.parse::<u8>() {
                Ok(month @ 1..=12) => Ok(Period::Month { year, month }),
                _ => Err(bad()),
            }
        } else {
            Err(bad())
        }
    }

    /// The month containing `d`.
    pub fn month_of(d: Date) -> Period {
        Period::Month { year: d.year(), month: u8::from(d.month()) }
    }

    /// The quarter containing `d`.
    pub fn quarter_of(d: Date) -> Period {
        Period::Quarter { year: d.year(), quarter: (u8::from(d.month()) - 1) / 3 + 1 }
    }

    /// The first day of the period.
    pub fn starts_on(self) -> Date {
        let (year, month) = match self {
            Period::Month { year, month } => (year, month),
            Period::Quarter { year, quarter } => (year, (quarter - 1) * 3 + 1),
        };
        first_of(year, month).unwrap_or(Date::MIN)
    }

    /// The first day after the period (exclusive end).
    pub fn ends_on(self) -> Date {
        let (year, month) = match self {
            Period::Month { year, month } => (year, month + 1),
            Period::Quarter { year, quarter } => (year, quarter * 3 + 1),
        };
        let (year, month) = if month > 12 { (year + 1, month - 12) } else { (year, month) };
        first_of(year, month).unwrap_or(Date::MAX)
    }

    pub fn is_quarter(self) -> bool {
        matches!(self, Period::Quarter { .. })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
        }
    }
}

/// An ISO `YYYY-MM-DD` date.
pub fn iso_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Whose quota: exactly one person or one team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuotaSubject {
    User(UserId),
    Team(TeamId),
}

impl QuotaSubject {
    /// The stored key that makes (subject, period) unique: `user:<id>` or `team:<id>`.
    pub fn key(&self) -> String {
        match self {
            QuotaSubject::User(u) => format!("user:{u}"),
            QuotaSubject::Team(t) => format!("team:{t}"),
        }
    }
}

/// Raw input for a quota.
#[derive(Debug, Clone, Default)]
pub struct QuotaInput {
    pub user_id: Option<String>,
    pub team_id: Option<String>,
    pub period: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
}

/// Raw changes to a quota: only the target amount and its currency change.
#[derive(Debug, Clone, Default)]
pub struct QuotaChanges {
    pub amount: Option<String>,
    pub currency: Option<String>,
}

/// A validated quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaData {
    pub subject: QuotaSubject,
    pub period: Period,
    pub target: Money,
}

fn id<T: std::str::FromStr>(v: &str) -> Result<T, ValueError> {
    v.trim().parse().map_err(|_| ValueError::new("invalid_id", "must be an id (UUID)"))
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses an amount in a currency (default CNY), reporting under `amount` / `currency`.
fn money(e: &mut FieldErrors, amount: Option<&str>, currency: Option<&str>) -> Option<Money> {
    let currency = match currency {
        Some(c) => e.check("currency", Currency::parse(c)),
        None => Some(Currency::CNY),
    };
    match amount {
        None => {
            e.push("amount", "required", "is required");
            None
        }
        Some(a) => {
            let m = e.check("amount", Money::parse(a, currency.unwrap_or(Currency::CNY)));
            currency.and(m)
        }
    }
}

impl QuotaData {
    /// Validates a complete input; every invalid field is reported.
    pub fn validate(input: &QuotaInput) -> Result<QuotaData, FieldErrors> {
        let mut e = FieldErrors::new();
        let subject = match (nonempty(&input.user_id), nonempty(&input.team_id)) {
            (Some(u), None) => e.check("user_id", id(u)).map(QuotaSubject::User),
            (None, Some(t)) => e.check("team_id", id(t)).map(QuotaSubject::Team),
            (Some(_), Some(_)) => {
                e.push("team_id", "exclusive", "give either user_id or team_id, not both");
                None
            }
            (None, None) => {
                e.push("user_id", "required", "one of user_id or team_id is required");
                None
            }
        };
        let period = match nonempty(&input.period) {
            Some(p) => e.check("period", Period::parse(p)),
            None => {
                e.push("period", "required", "is required");
                None
            }
        };
        let target = money(&mut e, nonempty(&input.amount), nonempty(&input.currency));
        match (subject, period, target) {
            (Some(subject), Some(period), Some(target)) if e.is_empty() => Ok(QuotaData { subject, period, target }),
            _ => Err(e),
        }
    }

    /// Applies changes to a copy; a new currency alone re-reads the old amount in it.
    pub fn apply(&self, c: &QuotaChanges) -> Result<QuotaData, FieldErrors> {
        let mut e = FieldErrors::new();
        let old_amount = self.target.amount_string();
        let amount = nonempty(&c.amount).or(Some(old_amount.as_str()));
        let currency = nonempty(&c.currency).or(Some(self.target.currency.as_str()));
        let target = money(&mut e, amount, currency);
        match target {
            Some(target) if e.is_empty() => Ok(QuotaData { target, ..self.clone() }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_and_quarters_have_exclusive_ends() {
        let m = Period::parse("2026-11").unwrap();
        assert_eq!((m.starts_on(), m.ends_on()), (date!(2026 - 11 - 01), date!(2026 - 12 - 01)));
        let d = Period::parse("2026-12").unwrap();
        assert_eq!(d.ends_on(), date!(2027 - 01 - 01));
        let q = Period::parse("2026-Q4").unwrap();
        assert_eq!((q.starts_on(), q.ends_on()), (date!(2026 - 10 - 01), date!(2027 - 01 - 01)));
        assert_eq!(Period::parse("2026-q1").unwrap().to_string(), "2026-Q1");
        assert_eq!(Period::quarter_of(date!(2026 - 08 - 15)).to_string(), "2026-Q3");
        assert_eq!(Period::month_of(date!(2026 - 08 - 15)).to_string(), "2026-08");
        assert_eq!(iso_date(q.ends_on()), "2027-01-01");
    }

    #[test]
    fn bad_periods_are_refused() {
        for bad in [
            "", "2026", "2026-13", "2026-00", "2026-1", "2026-Q5", "2026-Q0", "2026-Q12", "26-11", "2026/11", "1999-01",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_quota_names_exactly_one_subject() {
        let ok = QuotaInput {
            user_id: Some("0190f0e0-0000-7000-8000-000000000001".into()),
            period: Some("2026-Q4".into()),
            amount: Some("500000".into()),
            ..Default::default()
        };
        let q = QuotaData::validate(&ok).unwrap();
        assert_eq!(q.target.minor, 50_000_000);
        assert!(q.subject.key().starts_with("user:"));
        let both = QuotaInput { team_id: Some("0190f0e0-0000-7000-8000-000000000002".into()), ..ok.clone() };
        let errs = QuotaData::validate(&both).unwrap_err();
        assert_eq!(errs.0[0].field, "team_id");
        let none = QuotaInput { amount: Some("-1".into()), currency: Some("XXX".into()), ..Default::default() };
        let fields: Vec<String> = QuotaData::validate(&none).unwrap_err().0.into_iter().map(|f| f.field).collect();
        assert_eq!(fields, vec!["user_id", "period", "currency", "amount"]);
        let changed = q.apply(&QuotaChanges { amount: Some("10.5".into()), currency: Some("usd".into()) }).unwrap();
        assert_eq!((changed.target.minor, changed.target.currency.as_str()), (1050, "USD"));
    }
}
