//! Deals: the validated content of a sales opportunity (title, customer, amount, expected
//! close date, status) and of changes to one. Pure rules; the app resolves defaults
//! (pipeline, stage, owner, team) and checks that referenced records exist.

use crate::Change;
use crate::errors::{FieldErrors, ValueError};
use crate::ids::{CustomerId, PipelineId, StageId, TeamId, UserId};
use crate::sales::money::{Currency, Money};
use crate::text::{self, NAME, TextRule};
use time::{Date, Month};

/// A lost reason: required when a deal is lost, at most 500 characters.
pub const LOST_REASON: TextRule = TextRule { max_chars: 500, multiline: true };

/// Where a deal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DealStatus {
    Open,
    Won,
    Lost,
}

impl DealStatus {
    pub const ALL: [DealStatus; 3] = [DealStatus::Open, DealStatus::Won, DealStatus::Lost];

    pub fn as_str(self) -> &'static str {
        match self {
            DealStatus::Open => "open",
            DealStatus::Won => "won",
            DealStatus::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> Result<DealStatus, ValueError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| ValueError::new("invalid_choice", "must be one of: open, won, lost"))
    }
}

/// Parses an ISO calendar date `YYYY-MM-DD` (years 1900–2999).
pub fn iso_date(input: &str) -> Result<Date, ValueError> {
    let bad = || ValueError::new("invalid_date", "must be a date in the form YYYY-MM-DD");
    let s = input.trim();
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit())).and_then(|p| p.parse::<u32>().ok())
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else { return Err(bad()) };
    if !(1900..=2999).contains(&y) {
        return Err(ValueError::new("out_of_range", "must be between 1900-01-01 and 2999-12-31"));
    }
    let month = u8::try_from(m).ok().and_then(|m| Month::try_from(m).ok()).ok_or_else(bad)?;
    Date::from_calendar_date(y as i32, month, u8::try_from(d).map_err(|_| bad())?).map_err(|_| bad())
}

/// A date as `YYYY-MM-DD`.
pub fn iso_string(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Checks a lost reason: required, at most 500 characters.
pub fn lost_reason(raw: &str) -> Result<String, ValueError> {
    text::required(raw, LOST_REASON)
}

/// Raw input for a new deal, as strings from any front end.
#[derive(Debug, Clone, Default)]
pub struct DealInput {
    pub title: Option<String>,
    pub customer_id: Option<String>,
    /// Defaults to the first pipeline.
    pub pipeline_id: Option<String>,
    /// Defaults to the first stage of the pipeline.
    pub stage_id: Option<String>,
    /// Decimal string; defaults to 0.
    pub amount: Option<String>,
    /// ISO 4217; defaults to CNY.
    pub currency: Option<String>,
    pub expected_close: Option<String>,
    /// Defaults to the acting user.
    pub owner_id: Option<String>,
    /// Defaults to the owner's team.
    pub team_id: Option<String>,
    /// open (default) | won | lost
    pub status: Option<String>,
    /// Required when the status is lost.
    pub lost_reason: Option<String>,
}

/// A validated new deal; pipeline, stage, owner and team are resolved by the app when absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealData {
    pub title: String,
    pub customer_id: CustomerId,
    pub pipeline_id: Option<PipelineId>,
    pub stage_id: Option<StageId>,
    pub amount: Money,
    pub expected_close: Option<Date>,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub status: DealStatus,
    pub lost_reason: Option<String>,
}

fn id<T: std::str::FromStr>(v: &str) -> Result<T, ValueError> {
    v.trim().parse().map_err(|_| ValueError::new("invalid_id", "must be an id (UUID)"))
}

/// Parses an optional raw value, an empty string meaning none.
fn opt<T>(
    e: &mut FieldErrors,
    field: &str,
    raw: &Option<String>,
    parse: impl FnOnce(&str) -> Result<T, ValueError>,
) -> Option<T> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => e.check(field, parse(v)),
    }
}

fn money(e: &mut FieldErrors, amount: Option<&str>, currency: Option<&str>) -> Option<Money> {
    let currency = match currency.map(str::trim) {
        None | Some("") => Some(Currency::CNY),
        Some(c) => e.check("currency", Currency::parse(c)),
    }?;
    e.check("amount", Money::parse(amount.filter(|a| !a.trim().is_empty()).unwrap_or("0"), currency))
}

impl DealData {
    /// Validates a complete input; every invalid field is reported.
    pub fn validate(input: &DealInput) -> Result<DealData, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = match &input.title {
            Some(t) => e.check("title", text::required(t, NAME)),
            None => {
                e.push("title", "required", "is required");
                None
            }
        };
        let customer_id = opt(&mut e, "customer_id", &input.customer_id, id::<CustomerId>);
        if customer_id.is_none() && !e.0.iter().any(|f| f.field == "customer_id") {
            e.push("customer_id", "required", "is required");
        }
        let amount = money(&mut e, input.amount.as_deref(), input.currency.as_deref());
        let status = opt(&mut e, "status", &input.status, DealStatus::parse).unwrap_or(DealStatus::Open);
        let lost_reason = if status == DealStatus::Lost {
            match input.lost_reason.as_deref() {
                Some(r) => e.check("lost_reason", lost_reason(r)),
                None => {
                    e.push("lost_reason", "required", "is required when the deal is lost");
                    None
                }
            }
        } else {
            None
        };
        let data = DealData {
            title: title.unwrap_or_default(),
            customer_id: customer_id.unwrap_or(CustomerId(uuid::Uuid::nil())),
            pipeline_id: opt(&mut e, "pipeline_id", &input.pipeline_id, id),
            stage_id: opt(&mut e, "stage_id", &input.stage_id, id),
            amount: amount.unwrap_or(Money::from_minor(0, Currency::CNY)),
            expected_close: opt(&mut e, "expected_close", &input.expected_close, iso_date),
            owner_id: opt(&mut e, "owner_id", &input.owner_id, id),
            team_id: opt(&mut e, "team_id", &input.team_id, id),
            status,
            lost_reason,
        };
        e.into_result(data)
    }
}

/// Raw changes to a deal (PATCH): `None` / `Keep` leaves a field alone. Status changes go
/// through won / lost / reopen, not here.
#[derive(Debug, Clone, Default)]
pub struct DealChanges {
    pub title: Option<String>,
    pub customer_id: Option<String>,
    pub pipeline_id: Option<String>,
    pub stage_id: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub expected_close: Change<String>,
    pub owner_id: Option<String>,
    pub team_id: Change<String>,
}

/// Validated changes; the app checks references and that the stage fits the pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealPatch {
    pub title: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub pipeline_id: Option<PipelineId>,
    pub stage_id: Option<StageId>,
    /// The new amount (and currency) when either changed.
    pub amount: Option<Money>,
    pub expected_close: Change<Date>,
    pub owner_id: Option<UserId>,
    pub team_id: Change<TeamId>,
}

impl DealChanges {
    /// Validates the changes against the deal's current amount: a new currency alone
    /// re-reads the current amount in that currency.
    pub fn validate(&self, current: Money) -> Result<DealPatch, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = self.title.as_ref().and_then(|t| e.check("title", text::required(t, NAME)));
        let amount = if self.amount.is_some() || self.currency.is_some() {
            let cur = current.currency.as_str();
            let amount = self.amount.clone().unwrap_or_else(|| current.amount_string());
            money(&mut e, Some(&amount), Some(self.currency.as_deref().unwrap_or(cur)))
        } else {
            None
        };
        let patch = DealPatch {
            title,
            customer_id: required_id(&mut e, "customer_id", &self.customer_id),
            pipeline_id: required_id(&mut e, "pipeline_id", &self.pipeline_id),
            stage_id: required_id(&mut e, "stage_id", &self.stage_id),
            amount,
            expected_close: change(&mut e, "expected_close", &self.expected_close, iso_date),
            owner_id: required_id(&mut e, "owner_id", &self.owner_id),
            team_id: change(&mut e, "team_id", &self.team_id, id),
        };
        e.into_result(patch)
    }
}

/// An id that may be changed but not cleared.
fn required_id<T: std::str::FromStr>(e: &mut FieldErrors, field: &str, raw: &Option<String>) -> Option<T> {
    match raw.as_deref() {
        None => None,
        Some(v) if v.trim().is_empty() => {
            e.push(field, "required", "must not be empty");
            None
        }
        Some(v) => e.check(field, id(v)),
    }
}

fn change<T>(
    e: &mut FieldErrors,
    field: &str,
    c: &Change<String>,
    parse: impl FnOnce(&str) -> Result<T, ValueError>,
) -> Change<T> {
    match c {
        Change::Keep => Change::Keep,
        Change::Clear => Change::Clear,
        Change::Set(v) if v.trim().is_empty() => Change::Clear,
        Change::Set(v) => e.check(field, parse(v)).map_or(Change::Keep, Change::Set),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> DealInput {
        DealInput {
            title: Some(" Big order ".into()),
            customer_id: Some("0190b5a0-0000-7000-8000-000000000001".into()),
            amount: Some("12500.5".into()),
            expected_close: Some("2026-11-30".into()),
            ..Default::default()
        }
    }

    #[test]
    fn validates_with_defaults() {
        let d = DealData::validate(&input()).unwrap();
        assert_eq!(d.title, "Big order");
        assert_eq!(d.amount.minor, 1_250_050);
        assert_eq!(d.amount.currency, Currency::CNY);
        assert_eq!(d.status, DealStatus::Open);
        assert_eq!(iso_string(d.expected_close.unwrap()), "2026-11-30");
        assert_eq!(DealData::validate(&DealInput { amount: None, ..input() }).unwrap().amount.minor, 0);
    }

    #[test]
    fn reports_every_bad_field() {
        let bad = DealInput {
            title: Some("t".repeat(201)),
            customer_id: None,
            amount: Some("-5".into()),
            expected_close: Some("2026-02-30".into()),
            status: Some("lost".into()),
            ..Default::default()
        };
        let e = DealData::validate(&bad).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["title", "customer_id", "amount", "lost_reason", "expected_close"]);
        let e = DealData::validate(&DealInput { currency: Some("XYZ".into()), ..input() }).unwrap_err();
        assert_eq!(e.0[0].field, "currency");
        let long = DealInput { status: Some("lost".into()), lost_reason: Some("x".repeat(501)), ..input() };
        assert_eq!(DealData::validate(&long).unwrap_err().0[0].code, "too_long");
    }

    #[test]
    fn changes_re_read_the_amount_in_a_new_currency() {
        let cur = Money::parse("100", Currency::CNY).unwrap();
        let p = DealChanges { currency: Some("USD".into()), ..Default::default() }.validate(cur).unwrap();
        assert_eq!(p.amount.unwrap().currency.as_str(), "USD");
        let p = DealChanges { expected_close: Change::Set(String::new()), ..Default::default() }.validate(cur);
        assert_eq!(p.unwrap().expected_close, Change::Clear);
        assert!(DealChanges { stage_id: Some("x".into()), ..Default::default() }.validate(cur).is_err());
        assert!(DealStatus::parse("closed").is_err());
    }
}
