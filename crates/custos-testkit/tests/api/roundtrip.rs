//! Property: any valid customer round-trips unchanged through the API (in canonical form).

use custos_testkit::spawn_app;
use proptest::prelude::*;
use serde_json::{Value, json};

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "Smith", "O'Brien", "Müller"];
const GIVEN: &[&str] = &["伟", "芳", "娜", "Emily", "José", "Łukasz", "静怡"];
const STATUSES: &[&str] = &["lead", "prospect", "customer", "churned"];
const REGIONS: &[&str] = &["110105", "310104", "440305", "330106"];

fn resident_id(region: &str, y: u32, m: u32, d: u32, seq: u32) -> String {
    let first17 = format!("{region}{y:04}{m:02}{d:02}{seq:03}");
    let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.bytes().zip(w).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

fn luhn(payload: &str) -> String {
    let mut sum = 0;
    for (i, c) in payload.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    format!("{payload}{}", (10 - sum % 10) % 10)
}

fn customer() -> impl Strategy<Value = Value> {
    (
        (0..SURNAMES.len(), 0..GIVEN.len(), "[ a-z0-9]{0,20}"),
        (prop::bool::ANY, 0usize..4, prop::collection::vec("[a-z][a-z0-9-]{0,10}", 0..4)),
        (
            "[a-z][a-z0-9]{0,10}(\\.[a-z0-9]{1,5})?",
            prop::sample::select(vec!["example.com", "example.org", "corp.example"]),
        ),
        (prop::sample::select(vec!["138", "150", "186", "199", "166"]), 0u32..100_000_000),
        (1950u32..2005, 1u32..13, 1u32..29, 0usize..4, 0u32..1000),
        ("[0-9]{11,14}", prop::option::of("[a-zA-Z0-9 一-龥，。!?]{1,50}")),
    )
        .prop_map(
            |(
                (s, g, suffix),
                (person, status, tags),
                (local, domain),
                (pre, mob),
                (y, m, d, region, seq),
                (card, notes),
            )| {
                let mut tags: Vec<String> = tags;
                tags.sort();
                tags.dedup();
                let name = format!("{}{} {}", SURNAMES[s], GIVEN[g], suffix).trim().to_string();
                json!({
                    "name": name,
                    "kind": if person { "person" } else { "organization" },
                    "status": STATUSES[status],
                    "tags": tags,
                    "email": format!("{local}@{domain}"),
                    "mobile": format!("+86{pre}{mob:08}"),
                    "birthday": format!("{y:04}-{m:02}-{d:02}"),
                    "national_id": resident_id(REGIONS[region], y, m, d, seq),
                    "bank_account": luhn(&format!("62{card}")),
                    "notes": notes.map(|n: String| n.trim().to_string()).filter(|n| !n.is_empty()),
                })
            },
        )
}

#[test]
fn valid_customers_round_trip_unchanged() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(async {
        let mut t = spawn_app().await;
        t.show_plain("admin").await;
        t
    });
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 48, ..ProptestConfig::default() });
    runner
        .run(&customer(), |input| {
            rt.block_on(async {
                let created = t.post("/api/v1/customers", input.clone()).await;
                prop_assert_eq!(created.status, 201, "{}: {}", input, created.body);
                for (k, v) in input.as_object().unwrap() {
                    prop_assert_eq!(&created.body[k], v, "field {}", k);
                }
                let id = created.body["id"].as_str().unwrap();
                let read = t.get(&format!("/api/v1/customers/{id}")).await;
                prop_assert_eq!(&read.body, &custos_testkit::without_create_extras(created.body.clone()));
                Ok(())
            })
        })
        .unwrap();
}
