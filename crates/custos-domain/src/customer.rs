//! Customers (organisations and individuals): their validated data and the rules that
//! turn raw input and changes into it.

use crate::Change;
use crate::errors::FieldErrors;
use crate::ids::{CustomerId, TeamId, UserId};
use crate::text::{self, ADDRESS, NAME, NOTES, SHORT};
use crate::values::{BankCard, Birthday, CnResidentId, Email, Mobile, Phone};
use time::{Date, OffsetDateTime};

/// Organisation or person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CustomerKind {
    Organization,
    Person,
}

impl CustomerKind {
    pub const ALL: [CustomerKind; 2] = [CustomerKind::Organization, CustomerKind::Person];
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerKind::Organization => "organization",
            CustomerKind::Person => "person",
        }
    }
    pub fn parse(s: &str) -> Result<Self, crate::errors::ValueError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| crate::errors::ValueError::new("invalid_choice", "must be one of: organization, person"))
    }
}

/// Where a customer stands in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LifecycleStatus {
    Lead,
    Prospect,
    Customer,
    Churned,
}

impl LifecycleStatus {
    pub const ALL: [LifecycleStatus; 4] =
        [LifecycleStatus::Lead, LifecycleStatus::Prospect, LifecycleStatus::Customer, LifecycleStatus::Churned];
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleStatus::Lead => "lead",
            LifecycleStatus::Prospect => "prospect",
            LifecycleStatus::Customer => "customer",
            LifecycleStatus::Churned => "churned",
        }
    }
    pub fn parse(s: &str) -> Result<Self, crate::errors::ValueError> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or_else(|| {
            crate::errors::ValueError::new("invalid_choice", "must be one of: lead, prospect, customer, churned")
        })
    }
}

/// The validated content of a customer record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerData {
    pub name: String,
    pub kind: CustomerKind,
    pub industry: Option<String>,
    pub tier: Option<String>,
    pub status: LifecycleStatus,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub tags: Vec<String>,
    pub source: Option<String>,
    pub email: Option<Email>,
    pub mobile: Option<Mobile>,
    pub phone: Option<Phone>,
    pub address: Option<String>,
    pub birthday: Option<Birthday>,
    pub national_id: Option<CnResidentId>,
    pub bank_account: Option<BankCard>,
    pub notes: Option<String>,
}

/// A stored customer: its data plus identity, timestamps and optimistic-lock version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub data: CustomerData,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// Raw input for a new customer, as strings from any front end.
#[derive(Debug, Clone, Default)]
pub struct CustomerInput {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub industry: Option<String>,
    pub tier: Option<String>,
    pub status: Option<String>,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    pub tags: Option<Vec<String>>,
    pub source: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub birthday: Option<String>,
    pub national_id: Option<String>,
    pub bank_account: Option<String>,
    pub notes: Option<String>,
}

/// Raw changes to a customer: fields left at `Keep` are not touched.
#[derive(Debug, Clone, Default)]
pub struct CustomerChanges {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub tags: Option<Vec<String>>,
    pub industry: Change<String>,
    pub tier: Change<String>,
    pub owner_id: Change<String>,
    pub team_id: Change<String>,
    pub source: Change<String>,
    pub email: Change<String>,
    pub mobile: Change<String>,
    pub phone: Change<String>,
    pub address: Change<String>,
    pub birthday: Change<String>,
    pub national_id: Change<String>,
    pub bank_account: Change<String>,
    pub notes: Change<String>,
}

impl CustomerChanges {
    /// True when the request changes nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.kind.is_none()
            && self.status.is_none()
            && self.tags.is_none()
            && [
                &self.industry,
                &self.tier,
                &self.owner_id,
                &self.team_id,
                &self.source,
                &self.email,
                &self.mobile,
                &self.phone,
                &self.address,
                &self.birthday,
                &self.national_id,
                &self.bank_account,
                &self.notes,
            ]
            .iter()
            .all(|c| matches!(c, Change::Keep))
    }
}

/// Parses an optional value with `parse`, treating an empty string as none.
fn opt<T>(
    errs: &mut FieldErrors,
    field: &str,
    raw: &Option<String>,
    parse: impl FnOnce(&str) -> Result<T, crate::errors::ValueError>,
) -> Option<T> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => errs.check(field, parse(v)),
    }
}

fn id<T: std::str::FromStr>(v: &str) -> Result<T, crate::errors::ValueError> {
    v.parse().map_err(|_| crate::errors::ValueError::new("invalid_id", "must be an id (UUID)"))
}

fn text_opt(rule: text::TextRule) -> impl Fn(&str) -> Result<String, crate::errors::ValueError> {
    move |v| text::required(v, rule)
}

impl CustomerData {
    /// Validates a complete input; every invalid field is reported.
    pub fn validate(input: &CustomerInput, today: Date) -> Result<CustomerData, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = match &input.name {
            Some(n) => e.check("name", text::required(n, NAME)),
            None => {
                e.push("name", "required", "is required");
                None
            }
        };
        let kind = match &input.kind {
            Some(k) => e.check("kind", CustomerKind::parse(k)),
            None => Some(CustomerKind::Organization),
        };
        let status = match &input.status {
            Some(s) => e.check("status", LifecycleStatus::parse(s)),
            None => Some(LifecycleStatus::Lead),
        };
        let tags = match &input.tags {
            Some(t) => e.check("tags", text::tags(t)),
            None => Some(Vec::new()),
        };
        let data = CustomerData {
            name: name.unwrap_or_default(),
            kind: kind.unwrap_or(CustomerKind::Organization),
            industry: opt(&mut e, "industry", &input.industry, text_opt(SHORT)),
            tier: opt(&mut e, "tier", &input.tier, text_opt(SHORT)),
            status: status.unwrap_or(LifecycleStatus::Lead),
            owner_id: opt(&mut e, "owner_id", &input.owner_id, id),
            team_id: opt(&mut e, "team_id", &input.team_id, id),
            tags: tags.unwrap_or_default(),
            source: opt(&mut e, "source", &input.source, text_opt(SHORT)),
            email: opt(&mut e, "email", &input.email, Email::parse),
            mobile: opt(&mut e, "mobile", &input.mobile, Mobile::parse),
            phone: opt(&mut e, "phone", &input.phone, Phone::parse),
            address: opt(&mut e, "address", &input.address, text_opt(ADDRESS)),
            birthday: opt(&mut e, "birthday", &input.birthday, |v| Birthday::parse(v, today)),
            national_id: opt(&mut e, "national_id", &input.national_id, CnResidentId::parse),
            bank_account: opt(&mut e, "bank_account", &input.bank_account, BankCard::parse),
            notes: opt(&mut e, "notes", &input.notes, text_opt(NOTES)),
        };
        e.into_result(data)
    }

    /// Applies changes to a copy of this data; every invalid field is reported and the
    /// original is untouched.
    pub fn apply(&self, c: &CustomerChanges, today: Date) -> Result<CustomerData, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut d = self.clone();
        if let Some(n) = &c.name
            && let Some(v) = e.check("name", text::required(n, NAME))
        {
            d.name = v;
        }
        if let Some(k) = &c.kind
            && let Some(v) = e.check("kind", CustomerKind::parse(k))
        {
            d.kind = v;
        }
        if let Some(s) = &c.status
            && let Some(v) = e.check("status", LifecycleStatus::parse(s))
        {
            d.status = v;
        }
        if let Some(t) = &c.tags
            && let Some(v) = e.check("tags", text::tags(t))
        {
            d.tags = v;
        }
        change(&mut e, "industry", &c.industry, &mut d.industry, text_opt(SHORT));
        change(&mut e, "tier", &c.tier, &mut d.tier, text_opt(SHORT));
        change(&mut e, "owner_id", &c.owner_id, &mut d.owner_id, id);
        change(&mut e, "team_id", &c.team_id, &mut d.team_id, id);
        change(&mut e, "source", &c.source, &mut d.source, text_opt(SHORT));
        change(&mut e, "email", &c.email, &mut d.email, Email::parse);
        change(&mut e, "mobile", &c.mobile, &mut d.mobile, Mobile::parse);
        change(&mut e, "phone", &c.phone, &mut d.phone, Phone::parse);
        change(&mut e, "address", &c.address, &mut d.address, text_opt(ADDRESS));
        change(&mut e, "birthday", &c.birthday, &mut d.birthday, |v| Birthday::parse(v, today));
        change(&mut e, "national_id", &c.national_id, &mut d.national_id, CnResidentId::parse);
        change(&mut e, "bank_account", &c.bank_account, &mut d.bank_account, BankCard::parse);
        change(&mut e, "notes", &c.notes, &mut d.notes, text_opt(NOTES));
        e.into_result(d)
    }
}

/// Applies one three-state change to an optional field; an empty string clears.
pub(crate) fn change<T>(
    errs: &mut FieldErrors,
    field: &str,
    c: &Change<String>,
    slot: &mut Option<T>,
    parse: impl FnOnce(&str) -> Result<T, crate::errors::ValueError>,
) {
    match c {
        Change::Keep => {}
        Change::Clear => *slot = None,
        Change::Set(v) if v.trim().is_empty() => *slot = None,
        Change::Set(v) => {
            if let Some(p) = errs.check(field, parse(v)) {
                *slot = Some(p);
            }
        }
    }
}
