//! Row types as the store sees them: plain non-sensitive columns, sealed bytes for the rest.
//! Timestamps are unix microseconds.

/// A team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

/// A staff account, with its password hash (PHC string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub team_id: Option<String>,
    pub status: String,
    pub password_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login_at: Option<i64>,
    pub version: i64,
}

/// A sign-in session, found by the SHA-256 of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub token_hash: Vec<u8>,
    pub user_id: String,
    pub kind: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub revoked_at: Option<i64>,
    /// `active`, or `pending_mfa` until the second factor is given.
    pub state: String,
    /// When the second factor was last verified in this session (for step-up).
    pub mfa_at: Option<i64>,
}

/// A long-lived API token, found by the SHA-256 of its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRow {
    pub id: String,
    pub token_hash: Vec<u8>,
    pub user_id: String,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Comma-separated permission ids; empty means all of the owner's permissions.
    pub scopes: String,
    /// Comma-separated CIDR ranges; empty means any address.
    pub cidrs: String,
}

/// Sealed (encrypted) value of one field and its optional blind index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sealed {
    pub ct: Option<Vec<u8>>,
    pub bidx: Option<Vec<u8>>,
}

/// A customer as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerRow {
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
    pub email: Sealed,
    pub mobile: Sealed,
    pub phone: Sealed,
    pub address: Option<Vec<u8>>,
    pub birthday: Option<Vec<u8>>,
    pub national_id: Sealed,
    pub bank_account: Sealed,
    pub notes: Option<Vec<u8>>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// A contact as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactRow {
    pub id: String,
    pub customer_id: String,
    pub name: String,
    pub title: Option<String>,
    pub email: Sealed,
    pub mobile: Sealed,
    pub phone: Sealed,
    pub address: Option<Vec<u8>>,
    pub notes: Option<Vec<u8>>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// Sort orders for customer lists; each is a keyset over (column, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CustomerSort {
    NameAsc,
    NameDesc,
    CreatedAsc,
    #[default]
    CreatedDesc,
    UpdatedAsc,
    UpdatedDesc,
}

/// The position after the last row of a page, for keyset pagination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    Text(String),
    Int(i64),
}

/// Record scope of a reader: which customers they may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Every customer.
    All,
    /// Customers the user owns or that were shared with them.
    Own { user_id: String },
    /// Those, plus customers of the team or owned by its members.
    Team { user_id: String, team_id: Option<String> },
}

/// Filters for listing customers.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Record scope; `None` means every customer (callers must pass the actor's scope).
    pub visible: Option<Visibility>,
    pub status: Option<String>,
    pub owner_id: Option<String>,
    pub tag: Option<String>,
    /// Lower-cased substring of the name.
    pub name_contains: Option<String>,
    /// Exact blind-index matches on sealed fields: (column prefix, index bytes).
    pub blind: Vec<(&'static str, Vec<u8>)>,
    pub sort: CustomerSort,
    /// Resume after this (sort key, id).
    pub after: Option<(SortKey, String)>,
    pub limit: u32,
}

/// One page of results and the key to resume after its last row.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<(SortKey, String)>,
}

/// An editable role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRow {
    pub id: String,
    pub permissions: String,
    pub scope: String,
    pub confidential: String,
    pub restricted: String,
    pub require_mfa: bool,
    pub ip_allow: String,
    pub updated_at: i64,
    pub version: i64,
}

/// A user's TOTP enrolment; the secret is sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpRow {
    pub user_id: String,
    pub secret_ct: Vec<u8>,
    pub enabled_at: Option<i64>,
    pub last_step: i64,
    pub created_at: i64,
}

/// Failed sign-ins for one key (an account or an address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleRow {
    pub key: String,
    pub failures: i64,
    pub window_start: i64,
    pub locked_until: i64,
}

/// A periodic access review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub id: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub due_at: i64,
    pub closed_at: Option<i64>,
}

/// One user's line in an access review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItemRow {
    pub review_id: String,
    pub user_id: String,
    pub decision: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub note: Option<String>,
}
