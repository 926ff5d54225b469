//! The single authorisation point. Every use case calls `authorize` before it touches the
//! store; deny is the default. Record scope and field rights extend this module.

use crate::{Actor, ActorKind, AppError};
use custos_domain::Permission;

/// Allows the call if the actor's role grants `permission`; otherwise `Forbidden`.
pub fn authorize(actor: &Actor, permission: Permission) -> Result<(), AppError> {
    let allowed = match actor.kind {
        ActorKind::Operator => true,
        ActorKind::User { role, .. } => role.grants(permission),
    };
    if allowed {
        Ok(())
    } else {
        tracing::info!(permission = permission.as_str(), user = ?actor.user_id(), "denied");
        Err(AppError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClientInfo, Credential};
    use custos_domain::{Role, SessionId, UserId};

    fn user(role: Role) -> Actor {
        Actor {
            kind: ActorKind::User { id: UserId(uuid::Uuid::nil()), role },
            credential: Credential::Session(SessionId(uuid::Uuid::nil())),
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
}
