//! Chinese resident identity numbers (GB 11643-1999): 18 characters, a valid birth date
//! and the ISO 7064 MOD 11-2 check character.

use super::birthday::date_from;
use crate::errors::ValueError;

/// A valid 18-character resident ID, upper-cased (`X` as check character).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CnResidentId(String);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    Some(CHECK[(sum % 11) as usize])
}

impl CnResidentId {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = input.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(ValueError::new(
                "invalid_national_id",
                "must be an 18-character Chinese resident ID (17 digits and a digit or X)",
            ));
        }
        let digits = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
        let birth = date_from(digits(6..10), digits(10..12), digits(12..14));
        match birth {
            Some(d) if d.year() >= 1900 => {}
            _ => {
                return Err(ValueError::new("invalid_national_id", "the birth date inside the ID is not a valid date"));
            }
        }
        if check_char(&b[..17]) != Some(b[17]) {
            return Err(ValueError::new("invalid_national_id", "the check character of the ID is wrong"));
        }
        Ok(CnResidentId(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
