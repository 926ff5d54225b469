//! Custos domain: entities, validated value types, field sensitivity and policy rules.
//! It never does IO: no files, no network, no clock reads, no SQL, no HTTP.

pub mod contact;
pub mod customer;
pub mod errors;
pub mod ids;
pub mod policy;
pub mod sales;
pub mod sensitivity;
pub mod text;
pub mod user;
pub mod values;

pub use contact::{Contact, ContactChanges, ContactInput};
pub use customer::{Customer, CustomerChanges, CustomerInput, CustomerKind, LifecycleStatus};
pub use errors::{FieldError, FieldErrors};
pub use ids::{
    ActivityId, ContactId, CustomerId, DealId, LeadId, PipelineId, QuotaId, SessionId, StageId, TeamId, TokenId, UserId,
};
pub use policy::{FieldRight, Permission, Role, RoleSettings, Scope};
pub use sensitivity::{CONTACT_FIELDS, CUSTOMER_FIELDS, Sensitivity};
pub use user::{User, UserStatus};
pub use values::{BankCard, Birthday, CnResidentId, Email, Mobile, Phone};

/// A source of the current time. Passed in; never read deep inside logic.
pub trait Clock: Send + Sync {
    fn now(&self) -> time::OffsetDateTime;
}

/// Three-state change for PATCH: leave alone, clear, or set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Change<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}
