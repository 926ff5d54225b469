//! Duplicate hints on create: customers that share the new customer's e-mail, mobile or
//! national ID, found through blind indexes (no decryption). Only customers the actor may see
//! are named, so a hint never reveals a record outside the actor's scope. It never blocks a
//! create: the caller shows the hint (`possible_duplicates` in the 201 response).

use crate::{Actor, App, AppError};
use custos_domain::{CnResidentId, Email, Mobile};

/// At most this many ids are returned.
pub const MAX_DUPLICATES: u32 = 10;

impl App {
    /// Ids of visible customers other than `customer_id` with the same normalised e-mail,
    /// mobile or national ID as given (raw input; invalid values are ignored).
    pub async fn possible_duplicates(
        &self,
        actor: &Actor,
        customer_id: &str,
        email: Option<&str>,
        mobile: Option<&str>,
        national_id: Option<&str>,
    ) -> Result<Vec<String>, AppError> {
        let mut pairs: Vec<(&str, Vec<u8>)> = Vec::new();
        if let Some(e) = email.and_then(|e| Email::parse(e).ok()) {
            pairs.push(("email", self.vault.blind_index("email", &e.normalized())));
        }
        if let Some(m) = mobile.and_then(|m| Mobile::parse(m).ok()) {
            pairs.push(("mobile", self.vault.blind_index("mobile", m.as_str())));
        }
        if let Some(n) = national_id.and_then(|n| CnResidentId::parse(n).ok()) {
            pairs.push(("national_id", self.vault.blind_index("national_id", n.as_str())));
        }
        // Only customers the actor may see are named; the scope is a clause of the same query.
        let visible = crate::authz::visibility(actor);
        let out = self.store.customers_sharing_blind_index(&pairs, customer_id, MAX_DUPLICATES, &visible).await?;
        Ok(out)
    }
}
