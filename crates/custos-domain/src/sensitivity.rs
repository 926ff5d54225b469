//! Field sensitivity classes, declared once for every customer and contact field.
//! Everything else (encryption, masking, reveal rights, logging) reads them from here.

use serde::Serialize;

/// How much harm disclosure of a field does; drives encryption and display rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    Public,
    Internal,
    /// Personal contact data: stored encrypted, masked for most roles.
    Confidential,
    /// Identity and financial data: stored encrypted, revealed only with a purpose.
    Restricted,
}

impl Sensitivity {
    /// Confidential and restricted fields never reach disk in plaintext.
    pub fn is_encrypted(self) -> bool {
        matches!(self, Sensitivity::Confidential | Sensitivity::Restricted)
    }
}

/// One declared field: its API name and class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldSpec {
    pub name: &'static str,
    pub class: Sensitivity,
}

const fn f(name: &'static str, class: Sensitivity) -> FieldSpec {
    FieldSpec { name, class }
}

use Sensitivity::{Confidential, Internal, Restricted};

/// Every field of a customer with its class. Notes are free text that may hold personal
/// data, so they are treated as confidential.
pub const CUSTOMER_FIELDS: &[FieldSpec] = &[
    f("name", Internal),
    f("kind", Internal),
    f("industry", Internal),
    f("tier", Internal),
    f("status", Internal),
    f("owner_id", Internal),
    f("team_id", Internal),
    f("tags", Internal),
    f("source", Internal),
    f("email", Confidential),
    f("mobile", Confidential),
    f("phone", Confidential),
    f("address", Confidential),
    f("birthday", Confidential),
    f("national_id", Restricted),
    f("bank_account", Restricted),
    f("notes", Confidential),
    f("created_at", Internal),
    f("updated_at", Internal),
];

/// Every field of a contact with its class.
pub const CONTACT_FIELDS: &[FieldSpec] = &[
    f("name", Internal),
    f("title", Internal),
    f("email", Confidential),
    f("mobile", Confidential),
    f("phone", Confidential),
    f("address", Confidential),
    f("notes", Confidential),
    f("created_at", Internal),
    f("updated_at", Internal),
];

/// The class of a named field in a field table, if it exists.
pub fn class_of(fields: &[FieldSpec], name: &str) -> Option<Sensitivity> {
    fields.iter().find(|s| s.name == name).map(|s| s.class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_classes_hold() {
        for n in ["email", "mobile", "phone", "address", "birthday"] {
            assert_eq!(class_of(CUSTOMER_FIELDS, n), Some(Confidential), "{n}");
        }
        for n in ["national_id", "bank_account"] {
            assert_eq!(class_of(CUSTOMER_FIELDS, n), Some(Restricted), "{n}");
        }
        for n in ["email", "mobile", "phone", "address"] {
            assert_eq!(class_of(CONTACT_FIELDS, n), Some(Confidential), "{n}");
        }
        assert_eq!(class_of(CUSTOMER_FIELDS, "nope"), None);
    }
}
