//! What an actor is shown of a customer or contact: sensitive values plain, masked or hidden
//! according to the actor's field rights. Redaction happens here, in the app, so no caller
//! ever receives a plaintext it may not see.

use crate::Actor;
use custos_crypto::mask;
use custos_domain::sensitivity::class_of;
use custos_domain::{
    CONTACT_FIELDS, CUSTOMER_FIELDS, Contact, ContactId, Customer, CustomerId, CustomerKind, FieldRight,
    LifecycleStatus, TeamId, UserId,
};
use time::OffsetDateTime;

/// How sensitive fields were redacted for this reader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redactions {
    /// Fields shown masked (a hint only).
    pub masked: Vec<&'static str>,
    /// Fields withheld entirely.
    pub hidden: Vec<&'static str>,
}

/// A customer as one actor may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerOut {
    pub id: CustomerId,
    pub name: String,
    pub kind: CustomerKind,
    pub industry: Option<String>,
    pub tier: Option<String>,
    pub status: LifecycleStatus,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub tags: Vec<String>,
    pub source: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub birthday: Option<String>,
    pub national_id: Option<String>,
    pub bank_account: Option<String>,
    pub notes: Option<String>,
    pub redactions: Redactions,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A contact as one actor may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactOut {
    pub id: ContactId,
    pub customer_id: CustomerId,
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub redactions: Redactions,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// The mask for a field: keep a hint, hide the rest.
pub fn mask_field(field: &str, value: &str) -> String {
    match field {
        "email" => mask::mask_email(value),
        "mobile" | "phone" => mask::mask_mobile(value),
        "national_id" => mask::mask_national_id(value),
        "bank_account" => mask::mask_bank_card(value),
        "birthday" => value.get(..4).map_or_else(|| "****".into(), |y| format!("{y}-**-**")),
        _ => mask::mask_text(value),
    }
}

struct Redactor<'a> {
    actor: &'a Actor,
    fields: &'static [custos_domain::sensitivity::FieldSpec],
    out: Redactions,
}

impl Redactor<'_> {
    fn show(&mut self, field: &'static str, value: Option<String>) -> Option<String> {
        let class = class_of(self.fields, field).unwrap_or(custos_domain::Sensitivity::Restricted);
        let value = value?;
        match self.actor.field_right(class) {
            FieldRight::Plain => Some(value),
            FieldRight::Masked | FieldRight::Revealable => {
                self.out.masked.push(field);
                Some(mask_field(field, &value))
            }
            FieldRight::Hidden => {
                self.out.hidden.push(field);
                None
            }
        }
    }
}

/// Redacts a customer for `actor`.
pub fn customer_out(actor: &Actor, c: Customer) -> CustomerOut {
    let mut r = Redactor { actor, fields: CUSTOMER_FIELDS, out: Redactions::default() };
    let d = c.data;
    CustomerOut {
        id: c.id,
        name: d.name,
        kind: d.kind,
        industry: d.industry,
        tier: d.tier,
        status: d.status,
        owner_id: d.owner_id,
        team_id: d.team_id,
        tags: d.tags,
        source: d.source,
        email: r.show("email", d.email.map(|e| e.as_str().to_string())),
        mobile: r.show("mobile", d.mobile.map(|m| m.as_str().to_string())),
        phone: r.show("phone", d.phone.map(|p| p.as_str().to_string())),
        address: r.show("address", d.address),
        birthday: r.show("birthday", d.birthday.map(|b| b.to_iso())),
        national_id: r.show("national_id", d.national_id.map(|n| n.as_str().to_string())),
        bank_account: r.show("bank_account", d.bank_account.map(|b| b.as_str().to_string())),
        notes: r.show("notes", d.notes),
        redactions: r.out,
        created_at: c.created_at,
        updated_at: c.updated_at,
        version: c.version,
    }
}

/// Redacts a contact for `actor`.
pub fn contact_out(actor: &Actor, c: Contact) -> ContactOut {
    let mut r = Redactor { actor, fields: CONTACT_FIELDS, out: Redactions::default() };
    let d = c.data;
    ContactOut {
        id: c.id,
        customer_id: c.customer_id,
        name: d.name,
        title: d.title,
        email: r.show("email", d.email.map(|e| e.as_str().to_string())),
        mobile: r.show("mobile", d.mobile.map(|m| m.as_str().to_string())),
        phone: r.show("phone", d.phone.map(|p| p.as_str().to_string())),
        address: r.show("address", d.address),
        notes: r.show("notes", d.notes),
        redactions: r.out,
        created_at: c.created_at,
        updated_at: c.updated_at,
        version: c.version,
    }
}

/// The plain value of one named field of a customer, if it has one.
pub(crate) fn customer_field(c: &Customer, field: &str) -> Option<String> {
    let d = &c.data;
    match field {
        "email" => d.email.as_ref().map(|v| v.as_str().to_string()),
        "mobile" => d.mobile.as_ref().map(|v| v.as_str().to_string()),
        "phone" => d.phone.as_ref().map(|v| v.as_str().to_string()),
        "address" => d.address.clone(),
        "birthday" => d.birthday.map(|b| b.to_iso()),
        "national_id" => d.national_id.as_ref().map(|v| v.as_str().to_string()),
        "bank_account" => d.bank_account.as_ref().map(|v| v.as_str().to_string()),
        "notes" => d.notes.clone(),
        _ => None,
    }
}

/// The plain value of one named field of a contact, if it has one.
pub(crate) fn contact_field(c: &Contact, field: &str) -> Option<String> {
    let d = &c.data;
    match field {
        "email" => d.email.as_ref().map(|v| v.as_str().to_string()),
        "mobile" => d.mobile.as_ref().map(|v| v.as_str().to_string()),
        "phone" => d.phone.as_ref().map(|v| v.as_str().to_string()),
        "address" => d.address.clone(),
        "notes" => d.notes.clone(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_a_hint_only() {
        assert_eq!(mask_field("mobile", "+8613812345678"), "138****5678");
        assert_eq!(mask_field("email", "zhang.san@example.com"), "z***@example.com");
        assert_eq!(mask_field("national_id", "11010519491231002X"), "110105********002X");
        assert_eq!(mask_field("bank_account", "6222020200112345679"), "**** **** **** 5679");
        assert_eq!(mask_field("birthday", "1985-06-15"), "1985-**-**");
        assert!(!mask_field("notes", "首次拜访顺利").contains("拜访"));
    }
}
