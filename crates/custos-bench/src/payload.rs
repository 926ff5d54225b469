//! Request bodies: a realistic customer JSON (valid resident ID, Luhn-valid card, Chinese
//! mobile) whose name and e-mail vary per request. It only builds bytes; it never sends them.

use crate::error::{BenchError, Result};
use custos_domain::CustomerInput;
use custos_domain::customer::CustomerData;
use hyper::body::Bytes;
use serde_json::{Map, Value, json};

/// The fixed part of every customer body; `name` and `email` are prepended per request.
pub struct CustomerTemplate {
    /// The other fields, serialised, without the surrounding braces.
    rest: String,
}

const MOBILE: &str = "13812345678";
const PHONE: &str = "021-6888 1234";
const ADDRESS: &str = "上海市浦东新区世纪大道 100 号 12 楼";
const BIRTHDAY: &str = "1985-06-12";
/// GB 11643-1999: region 310115, born 1985-06-12, sequence 123, check character X.
const NATIONAL_ID: &str = "31011519850612123X";
/// Luhn-valid 16-digit card number.
const BANK_CARD: &str = "6228480012345671";
const NOTES: &str = "Met at the Shanghai trade fair; prefers e-mail, follow up after Q3 budget review.";

fn fixed_fields() -> Map<String, Value> {
    let v = json!({
        "kind": "person",
        "status": "prospect",
        "tags": ["vip", "shanghai", "bench"],
        "mobile": MOBILE,
        "phone": PHONE,
        "address": ADDRESS,
        "birthday": BIRTHDAY,
        "national_id": NATIONAL_ID,
        "bank_account": BANK_CARD,
        "notes": NOTES,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl CustomerTemplate {
    /// Builds the template and checks it with the domain's own validation, so a typo here
    /// fails at start-up with a clear message rather than as thousands of 422s.
    pub fn new() -> Result<Self> {
        let input = CustomerInput {
            name: Some("Bench Customer 0-0".into()),
            kind: Some("person".into()),
            status: Some("prospect".into()),
            tags: Some(vec!["vip".into(), "shanghai".into(), "bench".into()]),
            email: Some("bench.0.0@example.com".into()),
            mobile: Some(MOBILE.into()),
            phone: Some(PHONE.into()),
            address: Some(ADDRESS.into()),
            birthday: Some(BIRTHDAY.into()),
            national_id: Some(NATIONAL_ID.into()),
            bank_account: Some(BANK_CARD.into()),
            notes: Some(NOTES.into()),
            ..CustomerInput::default()
        };
        let today = time::OffsetDateTime::now_utc().date();
        CustomerData::validate(&input, today)
            .map_err(|e| BenchError::new(format!("the benchmark's customer payload does not validate: {e}")))?;
        let full = serde_json::to_string(&fixed_fields())
            .map_err(|e| BenchError::ctx("serialising the customer payload", e))?;
        let rest = full.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or_default().to_string();
        Ok(CustomerTemplate { rest })
    }

    /// The body for request `seq` of worker `worker` in phase `phase` (unique name and e-mail).
    pub fn body(&self, phase: &str, worker: usize, seq: u64) -> Bytes {
        Bytes::from(format!(
            "{{\"name\":\"Bench Customer {phase}-{worker}-{seq}\",\"email\":\"bench.{phase}.{worker}.{seq}@example.com\",{}}}",
            self.rest
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_validates_and_is_json() {
        let t = CustomerTemplate::new().map_err(|e| e.0).unwrap_or_else(|e| panic!("{e}"));
        let b = t.body("x", 3, 7);
        let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
        assert_eq!(v["name"], "Bench Customer x-3-7");
        assert_eq!(v["national_id"], NATIONAL_ID);
        assert_eq!(v["tags"][0], "vip");
    }
}
