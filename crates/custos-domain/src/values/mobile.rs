//! Mobile numbers: Chinese mainland 11-digit mobiles by the current number plan, and
//! international numbers in E.164. Stored canonically as E.164 (`+8613812345678`).

use super::strip_separators;
use crate::errors::ValueError;

/// A mobile number in E.164 form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mobile(String);

/// Second and third digits allowed after the leading 1 (MIIT number plan: 13x, 14x data
/// and IoT-free ranges, 15x, 16x, 17x, 18x, 19x).
fn cn_prefix_ok(d: &[u8]) -> bool {
    match (d[1], d[2]) {
        (b'3', _) | (b'8', _) => true,
        (b'4', c) => matches!(c, b'5' | b'7' | b'8' | b'9'),
        (b'5', c) => c != b'4',
        (b'6', c) => matches!(c, b'2' | b'5' | b'6' | b'7'),
        (b'7', c) => matches!(c, b'0'..=b'8'),
        (b'9', c) => c != b'4',
        _ => false,
    }
}

impl Mobile {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = input.trim();
        let bad = || {
            ValueError::new(
                "invalid_mobile",
                "must be a Chinese mainland mobile (11 digits, e.g. 13812345678) or an international number in E.164 form (+ and country code)",
            )
        };
        let (plus, rest) = match s.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, s),
        };
        let digits = strip_separators(rest).ok_or_else(bad)?;
        if !plus {
            return Self::cn(&digits).ok_or_else(bad);
        }
        if let Some(national) = digits.strip_prefix("86") {
            return Self::cn(national).ok_or_else(bad);
        }
        let ok = (8..=15).contains(&digits.len()) && !digits.starts_with('0');
        if ok { Ok(Mobile(format!("+{digits}"))) } else { Err(bad()) }
    }

    fn cn(national: &str) -> Option<Mobile> {
        let d = national.as_bytes();
        (d.len() == 11 && d[0] == b'1' && d.iter().all(u8::is_ascii_digit) && cn_prefix_ok(d))
            .then(|| Mobile(format!("+86{national}")))
    }

    /// E.164 form, which is also the normalised form for equality search.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a Chinese mainland number.
    pub fn is_cn(&self) -> bool {
        self.0.starts_with("+86")
    }
}
