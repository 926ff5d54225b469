//! Checks that the demo company is deterministic, realistic in mix, and that every input it
//! produces passes the domain's own validation. These tests never touch IO or the clock.

use custos_demo::{DemoCompany, generate};
use custos_domain::contact::ContactData;
use custos_domain::customer::CustomerData;
use custos_domain::{BankCard, CnResidentId, Mobile, Role};
use std::collections::BTreeSet;
use time::macros::date;

const TODAY: time::Date = date!(2026 - 11 - 28);

fn company() -> DemoCompany {
    generate(42, 500, TODAY)
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

#[test]
fn generates_the_requested_number_of_customers() {
    assert_eq!(company().customers.len(), 500);
    assert!(generate(1, 0, TODAY).customers.is_empty());
}

#[test]
fn every_input_passes_domain_validation() {
    let c = company();
    for (i, cust) in c.customers.iter().enumerate() {
        assert!(cust.input.owner_id.is_none() && cust.input.team_id.is_none());
        if let Err(e) = CustomerData::validate(&cust.input, TODAY) {
            panic!("customer {i} {:?} invalid: {e:?}", cust.input);
        }
        for contact in &cust.contacts {
            if let Err(e) = ContactData::validate(contact) {
                panic!("contact of customer {i} {contact:?} invalid: {e:?}");
            }
        }
    }
}

#[test]
fn sensitive_values_are_valid() {
    let c = company();
    let (mut ids, mut cards, mut mobiles) = (0, 0, 0);
    for cust in &c.customers {
        let inp = &cust.input;
        if let Some(id) = &inp.national_id {
            ids += 1;
            assert!(CnResidentId::parse(id).is_ok(), "{id}");
            assert_eq!(inp.kind.as_deref(), Some("person"));
            let birthday = inp.birthday.as_deref().unwrap_or_default().replace('-', "");
            assert_eq!(&id[6..14], birthday, "the ID carries the birthday");
        }
        if let Some(card) = &inp.bank_account {
            cards += 1;
            assert!(BankCard::parse(card).is_ok(), "{card}");
            assert!((16..=19).contains(&card.len()));
        }
        if inp.birthday.is_some() {
            assert_eq!(inp.kind.as_deref(), Some("person"));
        }
        let contact_mobiles = cust.contacts.iter().filter_map(|k| k.mobile.as_ref());
        for m in inp.mobile.iter().chain(contact_mobiles) {
            mobiles += 1;
            assert!(Mobile::parse(m).is_ok(), "{m}");
        }
    }
    assert!(ids > 30, "{ids} resident IDs");
    assert!((150..=350).contains(&cards), "{cards} bank accounts, about half expected");
    assert!(mobiles > 300);
}

#[test]
fn same_seed_same_output_different_seed_different_output() {
    let a = format!("{:?}", generate(42, 100, TODAY));
    let b = format!("{:?}", generate(42, 100, TODAY));
    let c = format!("{:?}", generate(43, 100, TODAY));
    assert_eq!(a, b);
    assert_ne!(a, c);
    let other = generate(43, 100, TODAY);
    assert_ne!(generate(42, 0, TODAY).users[0].password, other.users[0].password);
}

#[test]
fn passwords_do_not_depend_on_customer_count_and_look_strong() {
    let small = generate(42, 3, TODAY);
    let big = company();
    assert_eq!(small.users, big.users);
    let mut seen = BTreeSet::new();
    for u in &big.users {
        let p = &u.password;
        assert!(p.chars().count() >= 16, "{p}");
        assert!(p.chars().any(|c| c.is_ascii_uppercase()));
        assert!(p.chars().any(|c| c.is_ascii_lowercase()));
        assert!(p.chars().any(|c| c.is_ascii_digit()));
        assert!(seen.insert(p.clone()), "passwords differ between users");
    }
}

#[test]
fn name_mix_is_chinese_and_international() {
    let c = company();
    let n = c.customers.len();
    let names: Vec<&str> = c.customers.iter().filter_map(|k| k.input.name.as_deref()).collect();
    let cjk = names.iter().filter(|s| s.chars().any(is_cjk)).count();
    let ascii = names.iter().filter(|s| s.is_ascii()).count();
    assert!(cjk * 100 >= n * 40, "{cjk} CJK names");
    assert!(ascii * 100 >= n * 20, "{ascii} ASCII names");
    let orgs = c.customers.iter().filter(|k| k.input.kind.as_deref() == Some("organization")).count();
    assert!(orgs > n / 2 && orgs < n * 9 / 10, "{orgs} organisations");
    for k in &c.customers {
        let name = k.input.name.as_deref().unwrap_or_default();
        if k.input.kind.as_deref() == Some("organization") && name.chars().any(is_cjk) {
            assert!(name.ends_with("有限公司"), "{name}");
        }
    }
    let statuses: BTreeSet<&str> = c.customers.iter().filter_map(|k| k.input.status.as_deref()).collect();
    assert_eq!(statuses.len(), 4);
}

#[test]
fn roles_teams_and_owners_are_consistent() {
    let c = company();
    assert!((2..=3).contains(&c.teams.len()));
    for role in Role::ALL {
        assert!(c.users.iter().any(|u| u.role == role), "{role:?} missing");
    }
    let reps = c.users.iter().filter(|u| u.role == Role::SalesRep).count();
    assert!((3..=4).contains(&reps));
    let emails: BTreeSet<&str> = c.users.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(emails.len(), c.users.len(), "user e-mails are unique");
    assert!(c.users.iter().all(|u| u.email.ends_with("@demo.custos.example")));
    assert!(emails.contains("admin@demo.custos.example"));
    for u in &c.users {
        assert!(u.team.is_none_or(|t| t < c.teams.len()));
    }
    let mut owned_by = vec![0usize; c.users.len()];
    for k in &c.customers {
        match k.owner {
            Some(o) => {
                let owner = &c.users[o];
                assert!(matches!(owner.role, Role::SalesRep | Role::SalesManager));
                assert_eq!(k.team, owner.team);
                owned_by[o] += 1;
            }
            None => {
                assert_eq!(k.team, None);
                assert_eq!(k.input.status.as_deref(), Some("lead"));
            }
        }
    }
    for (i, u) in c.users.iter().enumerate() {
        if matches!(u.role, Role::SalesRep | Role::SalesManager) {
            assert!(owned_by[i] > 0, "{} owns customers", u.email);
        }
    }
}

#[test]
fn emails_are_unique_and_use_reserved_domains() {
    let c = company();
    let mut seen = BTreeSet::new();
    for k in &c.customers {
        if let Some(e) = &k.input.email {
            assert!(seen.insert(e.to_lowercase()), "duplicate customer e-mail {e}");
        }
    }
    let contact_emails = c.customers.iter().flat_map(|k| k.contacts.iter().filter_map(|x| x.email.as_ref()));
    for e in seen.iter().cloned().chain(contact_emails.cloned()) {
        let domain = e.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        let reserved = ["example.com", "example.org", "example.net"].contains(&domain) || domain.ends_with(".example");
        assert!(reserved, "{e}");
    }
}

#[test]
fn contacts_follow_the_kind() {
    let c = company();
    for k in &c.customers {
        let n = k.contacts.len();
        match k.input.kind.as_deref() {
            Some("organization") => assert!((1..=3).contains(&n)),
            _ => assert!(n <= 1),
        }
    }
}

#[test]
fn birthdays_never_pass_an_early_today() {
    let early = date!(1995 - 06 - 01);
    let c = generate(7, 200, early);
    for k in &c.customers {
        if let Err(e) = CustomerData::validate(&k.input, early) {
            panic!("{:?}: {e:?}", k.input);
        }
    }
}
