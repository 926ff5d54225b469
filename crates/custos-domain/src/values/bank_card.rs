//! Bank card numbers: 12 to 19 digits with a valid Luhn check digit.

use super::strip_separators;
use crate::errors::ValueError;

/// A bank card number, digits only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BankCard(String);

/// True if the digit string passes the Luhn check.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

impl BankCard {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let bad = || {
            ValueError::new(
                "invalid_bank_card",
                "must be a bank card number of 12 to 19 digits with a valid check digit",
            )
        };
        let digits = strip_separators(input.trim()).ok_or_else(bad)?;
        if !(12..=19).contains(&digits.len()) || !luhn_valid(&digits) {
            return Err(bad());
        }
        Ok(BankCard(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
