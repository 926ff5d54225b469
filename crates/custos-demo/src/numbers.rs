//! Generators for structured numbers: resident IDs with their check character, Luhn-valid
//! card numbers, mobile and landline numbers. Pure functions of the RNG; they never validate
//! user input (custos-domain does that) and never read the clock.

use crate::pools::{AddressStyle, CN_MOBILE_PREFIXES};
use rand::Rng;
use time::Date;

/// `n` random decimal digits.
pub fn digits(rng: &mut impl Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

/// The ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID, or
/// `None` if `first17` is not exactly 17 ASCII digits.
pub fn resident_id_check(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK.get((sum % 11) as usize).map(|&c| char::from(c))
}

/// An 18-character resident ID: region code, birth date, 3-digit sequence, check character.
/// `None` only if `region` is not six digits.
pub fn resident_id(rng: &mut impl Rng, region: &str, birth: Date) -> Option<String> {
    let seq = rng.random_range(1..1000u32);
    let first17 = format!("{region}{:04}{:02}{:02}{seq:03}", birth.year(), u8::from(birth.month()), birth.day());
    let check = resident_id_check(&first17)?;
    Some(format!("{first17}{check}"))
}

/// The Luhn check digit that completes `payload` (all ASCII digits).
pub fn luhn_check_digit(payload: &str) -> char {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c.wrapping_sub(b'0') % 10);
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// A Luhn-valid card number of `len` digits starting with `bin`.
pub fn bank_card(rng: &mut impl Rng, bin: &str, len: usize) -> String {
    let mut payload = bin.to_string();
    payload.push_str(&digits(rng, len.saturating_sub(bin.len() + 1)));
    let check = luhn_check_digit(&payload);
    payload.push(check);
    payload
}

/// A Chinese mainland mobile, 11 digits, e.g. `13812345678`.
pub fn cn_mobile(rng: &mut impl Rng) -> String {
    let prefix = crate::pick(rng, CN_MOBILE_PREFIXES);
    format!("{prefix}{}", digits(rng, 8))
}

/// A Chinese landline with area code, e.g. `021-6888 1234`.
pub fn cn_landline(rng: &mut impl Rng, area_code: &str) -> String {
    let first = rng.random_range(2..9u8);
    format!("{area_code}-{first}{} {}", digits(rng, 3), digits(rng, 4))
}

/// An international mobile in E.164 with spaces, using fictional ranges where they exist.
pub fn intl_mobile(rng: &mut impl Rng, style: AddressStyle, area: &str) -> String {
    match style {
        AddressStyle::Uk => format!("+44 7700 900{}", digits(rng, 3)),
        AddressStyle::Us => format!("+1 {area} 555 01{}", digits(rng, 2)),
        AddressStyle::Germany => {
            let net = crate::pick(rng, &["151", "152", "160", "170", "176"]);
            format!("+49 {net} {} {}", digits(rng, 4), digits(rng, 4))
        }
        AddressStyle::Netherlands => format!("+31 6 {} {}", digits(rng, 4), digits(rng, 4)),
        AddressStyle::Australia => format!("+61 491 570 {}", digits(rng, 3)),
        AddressStyle::Singapore => {
            let first = crate::pick(rng, &["8", "9"]);
            format!("+65 {first}{} {}", digits(rng, 3), digits(rng, 4))
        }
    }
}

/// An international landline, e.g. `+1 212 555 0142` or `+44 20 7946 0123`.
pub fn intl_landline(rng: &mut impl Rng, style: AddressStyle, area: &str) -> String {
    match style {
        AddressStyle::Uk if area == "20" => format!("+44 20 7946 0{}", digits(rng, 3)),
        AddressStyle::Uk => format!("+44 {area} 496 0{}", digits(rng, 3)),
        AddressStyle::Us => format!("+1 {area} 555 01{}", digits(rng, 2)),
        AddressStyle::Germany => format!("+49 {area} {} {}", digits(rng, 4), digits(rng, 4)),
        AddressStyle::Netherlands => format!("+31 {area} {} {}", digits(rng, 3), digits(rng, 4)),
        AddressStyle::Australia => format!("+61 {area} {} {}", digits(rng, 4), digits(rng, 4)),
        AddressStyle::Singapore => format!("+65 6{} {}", digits(rng, 3), digits(rng, 4)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use custos_domain::{BankCard, CnResidentId};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn resident_id_check_matches_known_example() {
        assert_eq!(resident_id_check("11010519491231002"), Some('X'));
        assert_eq!(resident_id_check("1101051949123100"), None);
        assert_eq!(resident_id_check("1101051949123100a"), None);
    }

    #[test]
    fn generated_numbers_pass_domain_validation() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let birth = time::macros::date!(1988 - 02 - 29);
        for _ in 0..200 {
            let id = resident_id(&mut rng, "440305", birth).unwrap_or_default();
            assert!(CnResidentId::parse(&id).is_ok(), "{id}");
            for len in 16..=19 {
                let card = bank_card(&mut rng, "622202", len);
                assert_eq!(card.len(), len);
                assert!(BankCard::parse(&card).is_ok(), "{card}");
            }
        }
        assert_eq!(luhn_check_digit("7992739871"), '3');
    }
}
