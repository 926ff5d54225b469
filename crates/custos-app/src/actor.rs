//! Who is asking: the authenticated principal of one request, what its role grants, and the
//! client it came from.

use custos_domain::{
    FieldRight, Permission, Role, RoleSettings, Scope, Sensitivity, SessionId, TeamId, TokenId, UserId,
};

/// How the actor proved itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A signed-in session; `mfa_at` is when its second factor was last verified.
    Session { id: SessionId, mfa_at: Option<i64> },
    /// An API token, limited to `scopes` (a subset of the owner's permissions) when given.
    Token { id: TokenId, scopes: Option<Vec<Permission>> },
    /// The local operator running the CLI with access to the data directory and key file.
    Operator,
}

/// A user, or the local operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorKind {
    User { id: UserId, role: Role, team_id: Option<TeamId>, settings: Box<RoleSettings> },
    Operator,
}

/// Client facts recorded with a request (for sessions and, later, the audit log).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The request's correlation id (`x-request-id`), recorded in audit events.
    pub request_id: Option<String>,
}

/// The principal behind one call. Every use case takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub credential: Credential,
    pub client: ClientInfo,
}

impl Actor {
    /// The local operator (CLI). Only the CLI constructs it; no HTTP path can.
    pub fn operator() -> Actor {
        Actor { kind: ActorKind::Operator, credential: Credential::Operator, client: ClientInfo::default() }
    }

    pub fn user_id(&self) -> Option<UserId> {
        match &self.kind {
            ActorKind::User { id, .. } => Some(*id),
            ActorKind::Operator => None,
        }
    }

    pub fn role(&self) -> Option<Role> {
        match &self.kind {
            ActorKind::User { role, .. } => Some(*role),
            ActorKind::Operator => None,
        }
    }

    pub fn team_id(&self) -> Option<TeamId> {
        match &self.kind {
            ActorKind::User { team_id, .. } => *team_id,
            ActorKind::Operator => None,
        }
    }

    /// Whether the role grants `p` and, for a token, its scopes include it.
    pub fn grants(&self, p: Permission) -> bool {
        match (&self.kind, &self.credential) {
            (ActorKind::Operator, _) => true,
            (ActorKind::User { settings, .. }, Credential::Token { scopes: Some(scopes), .. }) => {
                settings.grants(p) && scopes.contains(&p)
            }
            (ActorKind::User { settings, .. }, _) => settings.grants(p),
        }
    }

    /// The record scope of this actor.
    pub fn scope(&self) -> Scope {
        match &self.kind {
            ActorKind::Operator => Scope::All,
            ActorKind::User { settings, .. } => settings.scope,
        }
    }

    /// The right on fields of `class`.
    pub fn field_right(&self, class: Sensitivity) -> FieldRight {
        match &self.kind {
            ActorKind::Operator => FieldRight::Plain,
            ActorKind::User { settings, .. } => settings.field_right(class),
        }
    }

    /// Every permission in force for this actor (role ∩ token scopes).
    pub fn permissions(&self) -> Vec<Permission> {
        Permission::ALL.into_iter().filter(|p| self.grants(*p)).collect()
    }
}
