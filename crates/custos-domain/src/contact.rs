//! Contacts: the people at a customer, and the rules that validate them.

use crate::Change;
use crate::customer::change;
use crate::errors::FieldErrors;
use crate::ids::{ContactId, CustomerId};
use crate::text::{self, ADDRESS, NAME, NOTES, SHORT};
use crate::values::{Email, Mobile, Phone};
use time::OffsetDateTime;

/// The validated content of a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactData {
    pub name: String,
    pub title: Option<String>,
    pub email: Option<Email>,
    pub mobile: Option<Mobile>,
    pub phone: Option<Phone>,
    pub address: Option<String>,
    pub notes: Option<String>,
}

/// A stored contact of one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: ContactId,
    pub customer_id: CustomerId,
    pub data: ContactData,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// Raw input for a new contact.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
}

/// Raw changes to a contact.
#[derive(Debug, Clone, Default)]
pub struct ContactChanges {
    pub name: Option<String>,
    pub title: Change<String>,
    pub email: Change<String>,
    pub mobile: Change<String>,
    pub phone: Change<String>,
    pub address: Change<String>,
    pub notes: Change<String>,
}

impl ContactChanges {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && [&self.title, &self.email, &self.mobile, &self.phone, &self.address, &self.notes]
                .iter()
                .all(|c| matches!(c, Change::Keep))
    }
}

impl ContactData {
    pub fn validate(input: &ContactInput) -> Result<ContactData, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = match &input.name {
            Some(n) => e.check("name", text::required(n, NAME)),
            None => {
                e.push("name", "required", "is required");
                None
            }
        };
        let mut d = ContactData {
            name: name.unwrap_or_default(),
            title: None,
            email: None,
            mobile: None,
            phone: None,
            address: None,
            notes: None,
        };
        let set = |v: &Option<String>| v.clone().map_or(Change::Keep, Change::Set);
        change(&mut e, "title", &set(&input.title), &mut d.title, |v| text::required(v, SHORT));
        change(&mut e, "email", &set(&input.email), &mut d.email, Email::parse);
        change(&mut e, "mobile", &set(&input.mobile), &mut d.mobile, Mobile::parse);
        change(&mut e, "phone", &set(&input.phone), &mut d.phone, Phone::parse);
        change(&mut e, "address", &set(&input.address), &mut d.address, |v| text::required(v, ADDRESS));
        change(&mut e, "notes", &set(&input.notes), &mut d.notes, |v| text::required(v, NOTES));
        e.into_result(d)
    }

    pub fn apply(&self, c: &ContactChanges) -> Result<ContactData, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut d = self.clone();
        if let Some(n) = &c.name
            && let Some(v) = e.check("name", text::required(n, NAME))
        {
            d.name = v;
        }
        change(&mut e, "title", &c.title, &mut d.title, |v| text::required(v, SHORT));
        change(&mut e, "email", &c.email, &mut d.email, Email::parse);
        change(&mut e, "mobile", &c.mobile, &mut d.mobile, Mobile::parse);
        change(&mut e, "phone", &c.phone, &mut d.phone, Phone::parse);
        change(&mut e, "address", &c.address, &mut d.address, |v| text::required(v, ADDRESS));
        change(&mut e, "notes", &c.notes, &mut d.notes, |v| text::required(v, NOTES));
        e.into_result(d)
    }
}
