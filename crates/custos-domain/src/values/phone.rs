//! Phone numbers in general (landlines, switchboards, extensions): kept as entered, with a
//! normalised digit form for equality search.

use crate::errors::ValueError;

/// A plausible phone number: digits with common separators, optional leading `+`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = input.trim();
        let bad = || {
            ValueError::new(
                "invalid_phone",
                "must be a phone number: digits, spaces, dashes, parentheses and an optional leading +",
            )
        };
        let body = s.strip_prefix('+').unwrap_or(s);
        let mut digits = 0usize;
        for c in body.chars() {
            match c {
                '0'..='9' => digits += 1,
                ' ' | '-' | '(' | ')' | '.' => {}
                _ => return Err(bad()),
            }
        }
        if !(5..=20).contains(&digits) || s.chars().count() > 30 {
            return Err(bad());
        }
        Ok(Phone(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits only, with a leading `+` kept: the form used for equality search.
    pub fn normalized(&self) -> String {
        let plus = if self.0.starts_with('+') { "+" } else { "" };
        let digits: String = self.0.chars().filter(char::is_ascii_digit).collect();
        format!("{plus}{digits}")
    }
}
