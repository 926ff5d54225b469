use super::*;
use time::macros::date;

const TODAY: time::Date = date!(2026 - 11 - 28);

#[test]
fn emails() {
    assert_eq!(Email::parse(" Zhang.San@Example.COM ").unwrap().as_str(), "Zhang.San@example.com");
    assert_eq!(Email::parse("Zhang.San@Example.COM").unwrap().normalized(), "zhang.san@example.com");
    for bad in
        ["", "a", "a@b", "@example.com", "a@.com", "a b@example.com", "a@exa mple.com", "a..b@example.com", "a@-x.com"]
    {
        assert!(Email::parse(bad).is_err(), "{bad}");
    }
    assert!(Email::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
}

#[test]
fn mobiles() {
    assert_eq!(Mobile::parse("13812345678").unwrap().as_str(), "+8613812345678");
    assert_eq!(Mobile::parse("+86 138-1234-5678").unwrap().as_str(), "+8613812345678");
    assert_eq!(Mobile::parse("+44 7911 123456").unwrap().as_str(), "+447911123456");
    assert!(Mobile::parse("19912345678").is_ok());
    assert!(Mobile::parse("16612345678").is_ok());
    for bad in [
        "12345678901",
        "1381234567",
        "138123456789",
        "11012345678",
        "15412345678",
        "+0123",
        "+1234",
        "13812345678a",
        "+86 12345678901",
    ] {
        assert!(Mobile::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn phones() {
    let p = Phone::parse("010-6552 9988").unwrap();
    assert_eq!(p.normalized(), "01065529988");
    assert_eq!(Phone::parse("+1 (415) 555-0100").unwrap().normalized(), "+14155550100");
    assert!(Phone::parse("123").is_err());
    assert!(Phone::parse("call me").is_err());
}

#[test]
fn resident_ids() {
    assert_eq!(CnResidentId::parse("11010519491231002x").unwrap().as_str(), "11010519491231002X");
    assert!(CnResidentId::parse("440524188001010014").is_err(), "born before 1900 is refused");
    assert!(CnResidentId::parse("110105194912310021").is_err(), "wrong check digit");
    assert!(CnResidentId::parse("110105194902300021").is_err(), "30 February");
    assert!(CnResidentId::parse("11010519491231002").is_err());
    let first17 = b"11010519491231002";
    assert_eq!(resident_id_check(first17), Some(b'X'));
}

fn resident_id_check(d: &[u8]) -> Option<u8> {
    super::resident_id::check_char(d)
}

#[test]
fn bank_cards() {
    assert_eq!(BankCard::parse("4111 1111 1111 1111").unwrap().as_str(), "4111111111111111");
    assert!(BankCard::parse("4111111111111112").is_err());
    assert!(BankCard::parse("41111").is_err());
    assert!(BankCard::parse("4111-1111-1111-111a").is_err());
    assert!(super::bank_card::luhn_valid("79927398713"));
}

#[test]
fn birthdays() {
    assert_eq!(Birthday::parse("1990-02-28", TODAY).unwrap().to_iso(), "1990-02-28");
    assert!(Birthday::parse("1990-02-30", TODAY).is_err());
    assert!(Birthday::parse("2027-01-01", TODAY).is_err());
    assert!(Birthday::parse("1899-12-31", TODAY).is_err());
    assert!(Birthday::parse("1990/02/28", TODAY).is_err());
}
