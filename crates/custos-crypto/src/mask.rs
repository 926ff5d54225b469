//! Masking of personal data for display (lists, logs shown to staff without the reveal
//! permission). It works on characters, not bytes, so it is safe for Chinese text; it
//! never returns the whole input, even for short or malformed values, and it is not a
//! security boundary against someone who has the unmasked data elsewhere.

/// Two-digit E.164 country codes; codes starting with 1 or 7 have one digit and every
/// other code has three (ITU-T E.164 assignment).
const TWO_DIGIT_CC: &[&str] = &[
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49", "51",
    "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84", "86", "90",
    "91", "92", "93", "94", "95", "98",
];

fn country_code_len(digits: &str) -> usize {
    match digits.as_bytes().first() {
        Some(b'1') | Some(b'7') => 1,
        _ if digits.len() >= 2 && TWO_DIGIT_CC.contains(&&digits[..2]) => 2,
        _ => 3,
    }
}

fn digits_only(v: &str) -> String {
    v.chars().filter(char::is_ascii_digit).collect()
}

/// `"13812345678"` or `"+8613812345678"` → `"138****5678"`. Other international numbers
/// (`+` or `00`, then country code) keep the country code and the first 2 and last 4
/// digits: `"+447911123456"` → `"+44 79****3456"`. Other domestic numbers of 11+ digits
/// keep the first 3 and last 4, of 8–10 digits the last 4 (`"****5678"`). Spaces and
/// dashes are ignored. Anything too short to mask meaningfully becomes `"****"`.
pub fn mask_mobile(v: &str) -> String {
    let trimmed = v.trim();
    let international = trimmed.starts_with('+') || trimmed.starts_with("00");
    let mut digits = digits_only(trimmed);
    if trimmed.starts_with("00") {
        digits.drain(..2);
    }
    if international {
        if let Some(national) = digits.strip_prefix("86")
            && national.len() == 11
            && national.starts_with('1')
        {
            return format!("{}****{}", &national[..3], &national[7..]);
        }
        let cc_len = country_code_len(&digits);
        if digits.len() >= cc_len + 8 {
            let (cc, national) = digits.split_at(cc_len);
            return format!("+{cc} {}****{}", &national[..2], &national[national.len() - 4..]);
        }
        return "****".to_owned();
    }
    match digits.len() {
        11.. => format!("{}****{}", &digits[..3], &digits[digits.len() - 4..]),
        8..=10 => format!("****{}", &digits[digits.len() - 4..]),
        _ => "****".to_owned(),
    }
}

/// `"zhang.san@example.com"` → `"z***@example.com"`: first character of the local part,
/// then the domain. Without a usable `@`, falls back to [`mask_text`].
pub fn mask_email(v: &str) -> String {
    let v = v.trim();
    match v.rsplit_once('@') {
        Some((local, domain)) if !domain.is_empty() => match local.chars().next() {
            Some(first) => format!("{first}***@{domain}"),
            None => format!("***@{domain}"),
        },
        _ => mask_text(v),
    }
}

/// Chinese resident ID: `"11010519491231002X"` → `"110105********002X"` (region code and
/// last 4 kept; the birth date is hidden). Works for 15- and 18-character IDs; anything
/// shorter than 15 characters is masked completely.
pub fn mask_national_id(v: &str) -> String {
    let chars: Vec<char> = v.trim().chars().collect();
    let n = chars.len();
    if n < 15 {
        return "*".repeat(n.max(4));
    }
    let mut out: String = chars[..6].iter().collect();
    out.push_str(&"*".repeat(n - 10));
    out.extend(&chars[n - 4..]);
    out
}

/// `"6222020200112345678"` → `"**** **** **** 5678"`: only the last 4 digits kept.
/// Anything with fewer than 8 digits becomes `"**** **** **** ****"`.
pub fn mask_bank_card(v: &str) -> String {
    let digits = digits_only(v);
    if digits.len() < 8 {
        return "**** **** **** ****".to_owned();
    }
    format!("**** **** **** {}", &digits[digits.len() - 4..])
}

/// Generic text: first character then `"***"` (`"张三丰"` → `"张***"`). A one-character
/// value becomes `"***"` (showing its first character would show all of it); empty stays
/// empty.
pub fn mask_text(v: &str) -> String {
    let v = v.trim();
    let mut chars = v.chars();
    match (chars.next(), chars.next()) {
        (None, _) => String::new(),
        (Some(_), None) => "***".to_owned(),
        (Some(first), Some(_)) => format!("{first}***"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles() {
        assert_eq!(mask_mobile("+8613812345678"), "138****5678");
        assert_eq!(mask_mobile("13812345678"), "138****5678");
        assert_eq!(mask_mobile("138 1234 5678"), "138****5678");
        assert_eq!(mask_mobile("008613812345678"), "138****5678");
        assert_eq!(mask_mobile("+447911123456"), "+44 79****3456");
        assert_eq!(mask_mobile("+1 415 555 2671"), "+1 41****2671");
        assert_eq!(mask_mobile("+85291234567"), "+852 91****4567");
        assert_eq!(mask_mobile("+123"), "****");
        assert_eq!(mask_mobile("12345"), "****");
        assert_eq!(mask_mobile("12345678"), "****5678");
        assert_eq!(mask_mobile("+85212345"), "****");
        assert_eq!(mask_mobile(""), "****");
    }

    #[test]
    fn emails() {
        assert_eq!(mask_email("zhang.san@example.com"), "z***@example.com");
        assert_eq!(mask_email("张三@例子.中国"), "张***@例子.中国");
        assert_eq!(mask_email("@example.com"), "***@example.com");
        assert_eq!(mask_email("no-at-sign"), "n***");
        assert_eq!(mask_email("a@"), "a***");
    }

    #[test]
    fn national_ids() {
        assert_eq!(mask_national_id("11010519491231002X"), "110105********002X");
        assert_eq!(mask_national_id("440524188001010014"), "440524********0014");
        assert_eq!(mask_national_id("110105491231002"), "110105*****1002");
        assert_eq!(mask_national_id("12345"), "*****");
        assert_eq!(mask_national_id("1"), "****");
    }

    #[test]
    fn bank_cards() {
        assert_eq!(mask_bank_card("6222020200112345678"), "**** **** **** 5678");
        assert_eq!(mask_bank_card("6222 0202 0011 2345 678"), "**** **** **** 5678");
        assert_eq!(mask_bank_card("1234"), "**** **** **** ****");
    }

    #[test]
    fn text() {
        assert_eq!(mask_text("张三丰"), "张***");
        assert_eq!(mask_text("张三"), "张***");
        assert_eq!(mask_text("张"), "***");
        assert_eq!(mask_text("Alice"), "A***");
        assert_eq!(mask_text("😀 emoji"), "😀***");
        assert_eq!(mask_text(""), "");
    }
}
