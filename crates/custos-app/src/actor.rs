//! Who is asking: the authenticated principal of one request, and the client it came from.

use custos_domain::{Role, SessionId, TokenId, UserId};

/// How the actor proved itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Session(SessionId),
    Token(TokenId),
    /// The local operator running the CLI with access to the data directory and key file.
    Operator,
}

/// A user, or the local operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorKind {
    User { id: UserId, role: Role },
    Operator,
}

/// Client facts recorded with a request (for sessions and, later, the audit log).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
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
        match self.kind {
            ActorKind::User { id, .. } => Some(id),
            ActorKind::Operator => None,
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self.kind {
            ActorKind::User { role, .. } => Some(role),
            ActorKind::Operator => None,
        }
    }
}
