//! The single authorisation point. Every use case calls `App::allow` (permission), and for
//! customer records `App::visible_customer` / `App::visibility` (record scope), before it
//! touches the store; deny is the default. Field rights and step-up are decided here too.

use crate::{Actor, App, AppError, Credential};
use custos_domain::{Permission, Scope};
use custos_store::Visibility;
use std::time::Duration;

/// How recently the second factor must have been verified for a sensitive action.
pub const STEP_UP_WINDOW: Duration = Duration::from_secs(5 * 60);
/// How often one process records that a user used a permission (for access reviews).
const USE_RECORD_EVERY_MICROS: i64 = 3_600_000_000;

/// Allows the call if the actor's role (and token scopes) grant `permission`.
pub fn authorize(actor: &Actor, permission: Permission) -> Result<(), AppError> {
    if actor.grants(permission) {
        Ok(())
    } else {
        tracing::info!(permission = permission.as_str(), user = ?actor.user_id(), "denied");
        Err(AppError::Forbidden)
    }
}

/// The record scope of an actor as a store filter.
pub fn visibility(actor: &Actor) -> Visibility {
    match (actor.scope(), actor.user_id()) {
        (Scope::All, _) | (_, None) => Visibility::All,
        (Scope::Own, Some(u)) => Visibility::Own { user_id: u.to_string() },
        (Scope::Team, Some(u)) => {
            Visibility::Team { user_id: u.to_string(), team_id: actor.team_id().map(|t| t.to_string()) }
        }
    }
}

impl App {
    /// `authorize`, and a note (at most hourly per process) that the permission was used.
    pub fn allow(&self, actor: &Actor, permission: Permission) -> Result<(), AppError> {
        authorize(actor, permission)
            .inspect_err(|_| self.audit_denied(actor, permission.as_str(), "permission", None))?;
        if let Some(user) = actor.user_id() {
            let now = self.now_micros();
            let key = (user.to_string(), permission.as_str());
            let due = {
                let mut seen = self.permission_use.lock().unwrap_or_else(|e| e.into_inner());
                match seen.get(&key) {
                    Some(last) if now - last < USE_RECORD_EVERY_MICROS => false,
                    _ => {
                        seen.insert(key.clone(), now);
                        true
                    }
                }
            };
            if due {
                let store = self.store.clone();
                tokio::spawn(async move {
                    let result = async {
                        let mut tx = store.begin_write().await?;
                        tx.record_permission_use(&key.0, key.1, now).await?;
                        tx.commit().await
                    }
                    .await;
                    if let Err(e) = result {
                        tracing::warn!(error = %e, "could not record permission use");
                    }
                });
            }
        }
        Ok(())
    }

    /// Sensitive actions need the second factor verified within `STEP_UP_WINDOW` in this
    /// session. API tokens cannot step up; the operator needs none.
    pub fn require_step_up(&self, actor: &Actor) -> Result<(), AppError> {
        match &actor.credential {
            Credential::Operator => Ok(()),
            Credential::Session { mfa_at: Some(at), .. }
                if self.now_micros() - at <= i64::try_from(STEP_UP_WINDOW.as_micros()).unwrap_or(i64::MAX) =>
            {
                Ok(())
            }
            _ => Err(AppError::StepUpRequired),
        }
    }

    /// Not found unless the actor's scope includes the customer (so ids are not confirmed).
    pub async fn visible_customer(&self, actor: &Actor, customer_id: &str) -> Result<(), AppError> {
        if self.store.customer_visible(customer_id, &visibility(actor)).await? {
            Ok(())
        } else {
            self.audit_denied(actor, "customer.access", "customer", Some(customer_id));
            Err(AppError::NotFound("customer"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ActorKind, ClientInfo};
    use custos_domain::{Role, SessionId, UserId};

    fn user(role: Role) -> Actor {
        Actor {
            kind: ActorKind::User {
                id: UserId(uuid::Uuid::nil()),
                role,
                team_id: None,
                settings: Box::new(role.defaults()),
            },
            credential: Credential::Session { id: SessionId(uuid::Uuid::nil()), mfa_at: None },
            client: ClientInfo::default(),
        }
    }

    #[test]
    fn deny_by_default() {
        assert!(authorize(&user(Role::Auditor), Permission::CustomerRead).is_err());
        assert!(authorize(&user(Role::SalesRep), Permission::CustomerRead).is_ok());
        assert!(authorize(&user(Role::SalesRep), Permission::UserManage).is_err());
        assert!(authorize(&Actor::operator(), Permission::UserManage).is_ok());
    }

    #[test]
    fn token_scopes_narrow_the_role() {
        let mut a = user(Role::Admin);
        a.credential = Credential::Token {
            id: custos_domain::TokenId(uuid::Uuid::nil()),
            scopes: Some(vec![Permission::CustomerRead, Permission::AuditRead]),
        };
        assert!(authorize(&a, Permission::CustomerRead).is_ok());
        assert!(authorize(&a, Permission::CustomerDelete).is_err());
        let mut rep = user(Role::SalesRep);
        rep.credential = a.credential.clone();
        assert!(authorize(&rep, Permission::AuditRead).is_err(), "scopes never widen the role");
    }

    #[test]
    fn scopes_map_to_visibility() {
        assert_eq!(visibility(&user(Role::Admin)), Visibility::All);
        assert!(matches!(visibility(&user(Role::SalesRep)), Visibility::Own { .. }));
        assert!(matches!(visibility(&user(Role::SalesManager)), Visibility::Team { .. }));
    }
}
