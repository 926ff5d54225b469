//! Birthdays: an ISO date (YYYY-MM-DD) not before 1900 and not after today.

use crate::errors::ValueError;
use time::{Date, Month};

/// A calendar date of birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Birthday(Date);

impl Birthday {
    /// `today` is a parameter so that validation never reads the clock.
    pub fn parse(input: &str, today: Date) -> Result<Self, ValueError> {
        let bad = || ValueError::new("invalid_date", "must be a date in the form YYYY-MM-DD");
        let s = input.trim();
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| s.get(r).and_then(|p| p.parse::<u32>().ok());
        let (y, m, d) = match (num(0..4), num(5..7), num(8..10)) {
            (Some(y), Some(m), Some(d)) => (y, m, d),
            _ => return Err(bad()),
        };
        let date = date_from(y, m, d).ok_or_else(bad)?;
        if date.year() < 1900 || date > today {
            return Err(ValueError::new("out_of_range", "must be between 1900-01-01 and today"));
        }
        Ok(Birthday(date))
    }

    pub fn date(&self) -> Date {
        self.0
    }

    /// ISO form, `YYYY-MM-DD`.
    pub fn to_iso(&self) -> String {
        let d = self.0;
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    }
}

/// A valid calendar date, or `None`.
pub(crate) fn date_from(y: u32, m: u32, d: u32) -> Option<Date> {
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?).ok()
}
