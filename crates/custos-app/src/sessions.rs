//! A user's own sessions: listing them (where and when each was used, which one is the
//! caller's) and ending one. It never returns a session token or its digest, and never
//! touches another user's sessions.

use crate::audit::Ev;
use crate::convert::{from_micros, parse_id};
use crate::{Actor, App, AppError, Credential};
use custos_domain::SessionId;
use time::OffsetDateTime;

/// One live session of the caller.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id: SessionId,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// `active`, or `pending_mfa` for a sign-in waiting for its second factor (a password
    /// was given: worth noticing if it was not you).
    pub state: String,
    /// The session of this request.
    pub current: bool,
}

impl App {
    /// The caller's sessions that are neither revoked nor expired, newest first.
    pub async fn my_sessions(&self, actor: &Actor) -> Result<Vec<SessionInfo>, AppError> {
        let user_id = actor.user_id().ok_or(AppError::Forbidden)?;
        let current = match &actor.credential {
            Credential::Session { id, .. } => Some(id.to_string()),
            _ => None,
        };
        let now = self.now_micros();
        let idle = i64::try_from(self.config.session_idle.as_micros()).unwrap_or(i64::MAX);
        let rows = self.store.live_sessions(&user_id.to_string(), now).await?;
        rows.into_iter()
            .filter(|s| s.last_seen_at.saturating_add(idle) > now)
            .map(|s| {
                Ok(SessionInfo {
                    id: parse_id(&s.id, "session")?,
                    created_at: from_micros(s.created_at)?,
                    last_seen_at: from_micros(s.last_seen_at)?,
                    expires_at: from_micros(s.expires_at)?,
                    current: current.as_deref() == Some(s.id.as_str()),
                    user_agent: s.user_agent,
                    ip: s.ip,
                    state: s.state,
                })
            })
            .collect()
    }

    /// Ends one of the caller's sessions (the current one too: that is signing out).
    /// Not found if it is not the caller's or already ended.
    pub async fn revoke_my_session(&self, actor: &Actor, id: &str) -> Result<(), AppError> {
        let user_id = actor.user_id().ok_or(AppError::Forbidden)?;
        let id: SessionId = id.parse().map_err(|_| AppError::NotFound("session"))?;
        let mut tx = self.store.begin_write().await?;
        let done = tx.revoke_user_session(&user_id.to_string(), &id.to_string(), self.now_micros()).await?;
        if done {
            self.audit(&mut tx, actor, Ev::new("session.revoke", "session").record(id)).await?;
        }
        tx.commit().await?;
        if done { Ok(()) } else { Err(AppError::NotFound("session")) }
    }
}
