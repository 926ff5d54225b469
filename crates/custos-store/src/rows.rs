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

/// Filters for listing customers. `visible_to_owner` restricts to one owner's records.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
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
