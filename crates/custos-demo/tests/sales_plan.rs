//! The demo year of sales is deterministic, in time order, and only refers to what earlier
//! steps created, so the loader can replay it through the use cases without lookups failing.

use custos_demo::sales::{Action, Subject, plan};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use time::macros::datetime;

fn year() -> Vec<custos_demo::sales::Step> {
    let now = datetime!(2026-11-28 12:00 UTC);
    let company = custos_demo::generate(2025, 500, now.date());
    plan(&mut ChaCha8Rng::seed_from_u64(7), &company, now)
}

#[test]
fn same_seed_same_year() {
    let (a, b) = (year(), year());
    assert_eq!(a.len(), b.len());
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn steps_are_ordered_and_refer_only_to_what_exists() {
    let steps = year();
    let now = datetime!(2026-11-28 12:00 UTC);
    use std::collections::BTreeSet;
    let (mut customers, mut leads, mut deals) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let (mut won, mut lost, mut moves, mut overdue, mut converted) = (0, 0, 0, 0, 0);
    for w in steps.windows(2) {
        assert!(w[0].at <= w[1].at, "steps in time order");
    }
    for s in &steps {
        assert!(s.at <= now, "nothing planned in the future");
        match &s.action {
            Action::Customer(i) => assert!(customers.insert(*i), "each customer created once"),
            Action::Lead(l) => assert!(leads.insert(l.key), "each lead created once"),
            Action::LeadStatus { lead, .. } | Action::Disqualify { lead, .. } => assert!(leads.contains(lead)),
            Action::Convert { lead, deal } => {
                assert!(leads.contains(lead));
                assert!(deals.insert(deal.key));
                converted += 1;
            }
            Action::Deal(d) => {
                let c = d.customer.expect("a plain deal names its customer");
                assert!(customers.contains(&c), "deal after its customer");
                assert!(deals.insert(d.key), "each deal created once");
            }
            Action::Move { deal, .. } => {
                assert!(deals.contains(deal));
                moves += 1;
            }
            Action::Won { deal } => {
                assert!(deals.contains(deal));
                won += 1;
            }
            Action::Lost { deal, .. } => {
                assert!(deals.contains(deal));
                lost += 1;
            }
            Action::Activity(a) => {
                match a.about {
                    Subject::Customer(c) => assert!(customers.contains(&c)),
                    Subject::Deal(d) => assert!(deals.contains(&d)),
                    Subject::Lead(l) => assert!(leads.contains(&l)),
                }
                if a.due.is_some_and(|d| d < now) {
                    overdue += 1;
                }
            }
            Action::Quota { .. } => {}
        }
    }
    assert_eq!(customers.len(), 500);
    assert!(deals.len() > 400, "a year of deals: {}", deals.len());
    assert!(won > 50 && lost > 50 && moves > 500, "won {won}, lost {lost}, moves {moves}");
    assert!(converted > 50, "converted leads: {converted}");
    assert!(overdue > 5, "some tasks overdue: {overdue}");
}
