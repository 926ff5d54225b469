//! Users of Custos (staff, not customers) and their account state.

use crate::ids::{TeamId, UserId};
use crate::policy::Role;
use time::OffsetDateTime;

/// Whether an account may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(UserStatus::Active),
            "disabled" => Some(UserStatus::Disabled),
            _ => None,
        }
    }
}

/// A staff account. The password hash is held elsewhere and never travels with this type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub status: UserStatus,
    pub created_at: OffsetDateTime,
    pub version: i64,
}
