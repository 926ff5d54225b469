//! JSON shapes of the API, with their OpenAPI schemas. Conversions to and from the domain's
//! raw inputs live here; validation does not (the domain owns it).

use custos_app::views::{ContactOut, CustomerOut};
use custos_domain::{Change, ContactChanges, ContactInput, CustomerChanges, CustomerInput, User};
use serde::{Deserialize, Deserializer, Serialize};
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

/// Present-but-null becomes `Some(None)`; absent stays `None` (via `default`).
fn double<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn change(v: Option<Option<String>>) -> Change<String> {
    match v {
        None => Change::Keep,
        Some(None) => Change::Clear,
        Some(Some(s)) => Change::Set(s),
    }
}

pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Credentials for `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// `bearer` (default): the token is returned in the body. `cookie`: it is set as an
    /// HttpOnly cookie and not returned.
    #[serde(default)]
    pub session: Option<String>,
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// `ok`: signed in. `mfa_required`: send a TOTP or recovery code to
    /// `POST /api/v1/auth/mfa` with this token (or cookie). `mfa_enrollment_required`: the
    /// role requires a second factor; set one up at `POST /api/v1/auth/mfa/totp` and confirm
    /// it. A pending token opens nothing else and ends after 5 minutes.
    #[schema(value_type = String, example = "ok")]
    pub status: &'static str,
    /// The bearer token (absent for cookie sessions). Shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub token_type: &'static str,
    pub expires_at: String,
    pub user: UserView,
}

/// A staff account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub team_id: Option<String>,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id.to_string(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().into(),
            team_id: u.team_id.map(|t| t.to_string()),
        }
    }
}

/// A new customer. Only `name` is required; `kind` defaults to organization and `status`
/// to lead; the owner defaults to the caller.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CustomerCreate {
    pub name: Option<String>,
    /// organization | person
    pub kind: Option<String>,
    pub industry: Option<String>,
    pub tier: Option<String>,
    /// lead | prospect | customer | churned
    pub status: Option<String>,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    pub tags: Option<Vec<String>>,
    pub source: Option<String>,
    /// Confidential.
    pub email: Option<String>,
    /// Confidential. Chinese mainland 11-digit or E.164; stored as E.164.
    pub mobile: Option<String>,
    /// Confidential.
    pub phone: Option<String>,
    /// Confidential.
    pub address: Option<String>,
    /// Confidential. YYYY-MM-DD.
    pub birthday: Option<String>,
    /// Restricted. Chinese resident ID (18 characters, checked).
    pub national_id: Option<String>,
    /// Restricted. Bank card number (Luhn-checked).
    pub bank_account: Option<String>,
    /// Confidential free text.
    pub notes: Option<String>,
}

impl From<CustomerCreate> for CustomerInput {
    fn from(c: CustomerCreate) -> Self {
        CustomerInput {
            name: c.name,
            kind: c.kind,
            industry: c.industry,
            tier: c.tier,
            status: c.status,
            owner_id: c.owner_id,
            team_id: c.team_id,
            tags: c.tags,
            source: c.source,
            email: c.email,
            mobile: c.mobile,
            phone: c.phone,
            address: c.address,
            birthday: c.birthday,
            national_id: c.national_id,
            bank_account: c.bank_account,
            notes: c.notes,
        }
    }
}

/// Changes to a customer: absent fields are kept, `null` clears an optional field. The
/// expected version comes from `If-Match` or from `version`.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    pub version: Option<i64>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub industry: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub tier: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub owner_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub team_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub source: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub mobile: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub birthday: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub national_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub bank_account: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

impl CustomerPatch {
    pub fn changes(self) -> CustomerChanges {
        CustomerChanges {
            name: self.name,
            kind: self.kind,
            status: self.status,
            tags: self.tags,
            industry: change(self.industry),
            tier: change(self.tier),
            owner_id: change(self.owner_id),
            team_id: change(self.team_id),
            source: change(self.source),
            email: change(self.email),
            mobile: change(self.mobile),
            phone: change(self.phone),
            address: change(self.address),
            birthday: change(self.birthday),
            national_id: change(self.national_id),
            bank_account: change(self.bank_account),
            notes: change(self.notes),
        }
    }
}

/// A customer as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CustomerView {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub industry: Option<String>,
    pub tier: Option<String>,
    pub status: String,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
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
    /// Fields shown masked for you (reveal them with a purpose if your role allows).
    #[serde(default)]
    pub masked: Vec<String>,
    /// Fields withheld from you.
    #[serde(default)]
    pub hidden: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<&CustomerOut> for CustomerView {
    fn from(c: &CustomerOut) -> Self {
        CustomerView {
            id: c.id.to_string(),
            name: c.name.clone(),
            kind: c.kind.as_str().into(),
            industry: c.industry.clone(),
            tier: c.tier.clone(),
            status: c.status.as_str().into(),
            owner_id: c.owner_id.map(|o| o.to_string()),
            team_id: c.team_id.map(|t| t.to_string()),
            tags: c.tags.clone(),
            source: c.source.clone(),
            email: c.email.clone(),
            mobile: c.mobile.clone(),
            phone: c.phone.clone(),
            address: c.address.clone(),
            birthday: c.birthday.clone(),
            national_id: c.national_id.clone(),
            bank_account: c.bank_account.clone(),
            notes: c.notes.clone(),
            masked: c.redactions.masked.iter().map(|f| f.to_string()).collect(),
            hidden: c.redactions.hidden.iter().map(|f| f.to_string()).collect(),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            version: c.version,
        }
    }
}

/// A page of customers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CustomerList {
    pub items: Vec<CustomerView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Query parameters of `GET /api/v1/customers`.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomerListParams {
    /// lead | prospect | customer | churned
    pub status: Option<String>,
    /// Owner's user id.
    pub owner: Option<String>,
    pub tag: Option<String>,
    /// Case-insensitive substring of the name.
    pub q: Option<String>,
    /// Exact e-mail (searched through a keyed blind index).
    pub email: Option<String>,
    /// Exact mobile (searched through a keyed blind index).
    pub mobile: Option<String>,
    /// name | -name | created_at | -created_at (default) | updated_at | -updated_at
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A new contact.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ContactCreate {
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
}

impl From<ContactCreate> for ContactInput {
    fn from(c: ContactCreate) -> Self {
        ContactInput {
            name: c.name,
            title: c.title,
            email: c.email,
            mobile: c.mobile,
            phone: c.phone,
            address: c.address,
            notes: c.notes,
        }
    }
}

/// Changes to a contact (same rules as customers).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    pub version: Option<i64>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub mobile: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

impl ContactPatch {
    pub fn changes(self) -> ContactChanges {
        ContactChanges {
            name: self.name,
            title: change(self.title),
            email: change(self.email),
            mobile: change(self.mobile),
            phone: change(self.phone),
            address: change(self.address),
            notes: change(self.notes),
        }
    }
}

/// A contact as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ContactView {
    pub id: String,
    pub customer_id: String,
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub masked: Vec<String>,
    #[serde(default)]
    pub hidden: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<&ContactOut> for ContactView {
    fn from(c: &ContactOut) -> Self {
        ContactView {
            id: c.id.to_string(),
            customer_id: c.customer_id.to_string(),
            name: c.name.clone(),
            title: c.title.clone(),
            email: c.email.clone(),
            mobile: c.mobile.clone(),
            phone: c.phone.clone(),
            address: c.address.clone(),
            notes: c.notes.clone(),
            masked: c.redactions.masked.iter().map(|f| f.to_string()).collect(),
            hidden: c.redactions.hidden.iter().map(|f| f.to_string()).collect(),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            version: c.version,
        }
    }
}

/// A list of contacts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContactList {
    pub items: Vec<ContactView>,
}

/// Liveness and database reachability.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}
