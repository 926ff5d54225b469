//! Validated value types: each is constructed only through `parse`, so holding one proves
//! the value is well formed. Error messages never repeat the rejected input.

mod bank_card;
mod birthday;
mod email;
mod mobile;
mod phone;
mod resident_id;
#[cfg(test)]
mod tests;

pub use bank_card::BankCard;
pub use birthday::Birthday;
pub use email::Email;
pub use mobile::Mobile;
pub use phone::Phone;
pub use resident_id::CnResidentId;

/// Digits of `s` with spaces, dashes, dots and parentheses removed; `None` if anything else.
pub(crate) fn strip_separators(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '0'..='9' => out.push(c),
            ' ' | '-' | '.' | '(' | ')' | '\u{3000}' => {}
            _ => return None,
        }
    }
    Some(out)
}
