//! Money as an integer of minor units (fen, cents) and an ISO 4217 currency; amounts are
//! parsed from and written as decimal strings, never through floating point.

use crate::errors::ValueError;
use std::fmt;

/// The currencies Custos accepts, with their number of minor-unit digits (ISO 4217).
const CURRENCIES: [(&str, u32); 12] = [
    ("CNY", 2),
    ("USD", 2),
    ("EUR", 2),
    ("HKD", 2),
    ("GBP", 2),
    ("JPY", 0),
    ("SGD", 2),
    ("TWD", 2),
    ("KRW", 0),
    ("AUD", 2),
    ("CAD", 2),
    ("CHF", 2),
];

/// The largest amount accepted, in major units (a trillion): far above any deal, far below
/// where minor units could overflow an i64 when summed over millions of deals.
const MAX_MAJOR: i64 = 1_000_000_000_000;

/// An ISO 4217 currency code from the accepted list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(&'static str);

impl Currency {
    pub const CNY: Currency = Currency("CNY");

    pub fn parse(s: &str) -> Result<Currency, ValueError> {
        let up = s.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == up)
            .map(|(c, _)| Currency(c))
            .ok_or_else(|| ValueError::new("invalid_currency", "must be an ISO 4217 code such as CNY, USD or EUR"))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// Digits after the decimal point (2 for CNY, 0 for JPY).
    pub fn minor_digits(self) -> u32 {
        CURRENCIES.iter().find(|(c, _)| *c == self.0).map_or(2, |(_, d)| *d)
    }

    pub fn all() -> impl Iterator<Item = Currency> {
        CURRENCIES.iter().map(|(c, _)| Currency(c))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A non-negative amount in minor units of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    /// Parses a decimal string such as `12500`, `12500.5` or `12500.50` (no sign, no
    /// thousands separators, at most the currency's minor digits).
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, ValueError> {
        let bad = || {
            ValueError::new(
                "invalid_amount",
                format!(
                    "must be a non-negative decimal number with at most {} digits after the point",
                    currency.minor_digits()
                ),
            )
        };
        let a = amount.trim();
        let (int, frac) = a.split_once('.').unwrap_or((a, ""));
        let digits = currency.minor_digits() as usize;
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > digits
            || (a.contains('.') && frac.is_empty())
            || int.len() > 13
        {
            return Err(bad());
        }
        let major: i64 = int.parse().map_err(|_| bad())?;
        if major > MAX_MAJOR {
            return Err(ValueError::new("too_large", "must be at most 1,000,000,000,000"));
        }
        let scale = 10_i64.pow(currency.minor_digits());
        let mut f: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| bad())? };
        for _ in frac.len()..digits {
            f *= 10;
        }
        Ok(Money { minor: major * scale + f, currency })
    }

    /// Builds from stored minor units.
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// The amount as a plain decimal string with exactly the currency's minor digits.
    pub fn amount_string(&self) -> String {
        decimal(self.minor, self.currency.minor_digits())
    }
}

/// Minor units as a decimal string with `digits` digits after the point.
pub fn decimal(minor: i64, digits: u32) -> String {
    if digits == 0 {
        return minor.to_string();
    }
    let scale = 10_i64.pow(digits);
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    let s = scale.unsigned_abs();
    format!("{sign}{}.{:0width$}", m / s, m % s, width = digits as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_amounts() {
        let m = Money::parse("12500.5", Currency::CNY).unwrap();
        assert_eq!(m.minor, 1_250_050);
        assert_eq!(m.amount_string(), "12500.50");
        assert_eq!(Money::parse("0", Currency::CNY).unwrap().amount_string(), "0.00");
        let jpy = Currency::parse("jpy").unwrap();
        assert_eq!(Money::parse("1500", jpy).unwrap().amount_string(), "1500");
        assert!(Money::parse("1500.5", jpy).is_err());
    }

    #[test]
    fn refuses_bad_amounts() {
        for bad in ["", "-1", "1.234", "1e5", "1,000", "12.", ".5", "abc", "99999999999999"] {
            assert!(Money::parse(bad, Currency::CNY).is_err(), "{bad}");
        }
        assert!(Currency::parse("XXX").is_err());
    }
}
