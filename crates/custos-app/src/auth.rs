//! Sign-in, sessions and bearer authentication. Passwords are verified off the async
//! workers; unknown users cost the same as wrong passwords; tokens are stored only hashed.

use crate::convert::{from_micros, parse_id};
use crate::{Actor, ActorKind, App, AppError, ClientInfo, Credential};
use custos_crypto::{password, token};
use custos_domain::Permission;
use custos_domain::{Role, SessionId, TokenId, User, UserId, UserStatus};
use custos_store::{RoleRow, SessionRow, UserRow};
use time::OffsetDateTime;

/// Prefix of session tokens (cookie or bearer).
pub const SESSION_PREFIX: &str = "cs_";
/// Prefix of long-lived API tokens.
pub const API_TOKEN_PREFIX: &str = "ct_";
/// Session states.
pub const SESSION_ACTIVE: &str = "active";
pub const SESSION_PENDING_MFA: &str = "pending_mfa";
/// How stale `last_seen_at` may get before a request refreshes it (saves a write per request).
const TOUCH_EVERY_MICROS: i64 = 60_000_000;

/// How the session's token travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// An HttpOnly cookie: the token is never shown to scripts.
    Cookie,
    /// Returned in the response body for API clients.
    Bearer,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Cookie => "cookie",
            SessionKind::Bearer => "bearer",
        }
    }
}

impl SessionKind {
    /// The kind stored in a session row (`cookie` or `bearer`).
    pub(crate) fn parse(s: &str) -> SessionKind {
        if s == "cookie" { SessionKind::Cookie } else { SessionKind::Bearer }
    }
}

/// Where a sign-in stands after the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginStatus {
    /// Signed in: the session is active.
    Ok,
    /// The password was right; the session is pending until a TOTP or recovery code is
    /// given at `complete_mfa`.
    MfaRequired,
    /// The password was right but the role requires a second factor the user has not set
    /// up: the pending session may only enrol (`begin_totp`, `confirm_totp`).
    MfaEnrollmentRequired,
}

impl LoginStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginStatus::Ok => "ok",
            LoginStatus::MfaRequired => "mfa_required",
            LoginStatus::MfaEnrollmentRequired => "mfa_enrollment_required",
        }
    }
}

/// A new session: active when `status` is `Ok`, otherwise pending its second factor (the
/// token then opens nothing but the MFA endpoints, for at most `PENDING_MFA_LIFETIME`).
#[derive(Debug)]
pub struct LoginResult {
    pub token: String,
    pub session_id: SessionId,
    pub expires_at: OffsetDateTime,
    pub user: User,
    pub status: LoginStatus,
    pub kind: SessionKind,
}

/// How long a session pending its second factor lives.
pub const PENDING_MFA_LIFETIME: std::time::Duration = std::time::Duration::from_secs(5 * 60);

pub(crate) fn user_from_row(r: &UserRow) -> Result<User, AppError> {
    Ok(User {
        id: parse_id(&r.id, "user")?,
        email: r.email.clone(),
        display_name: r.display_name.clone(),
        role: Role::parse(&r.role).ok_or_else(|| AppError::Internal(format!("user {} has unknown role", r.id)))?,
        team_id: r.team_id.as_deref().map(|t| parse_id(t, "team")).transpose()?,
        status: UserStatus::parse(&r.status)
            .ok_or_else(|| AppError::Internal(format!("user {} has unknown status", r.id)))?,
        created_at: from_micros(r.created_at)?,
        version: r.version,
    })
}

async fn verify_off_thread(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || password::verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(format!("password check task failed: {e}")))?
        .map_err(|e| AppError::Internal(format!("stored password hash is unusable: {e}")))
}

/// The id and role of an account that may act now.
fn active_user(u: &UserRow) -> Result<(UserId, Role), AppError> {
    if u.status != UserStatus::Active.as_str() {
        return Err(AppError::Unauthenticated);
    }
    let role = Role::parse(&u.role).ok_or(AppError::Unauthenticated)?;
    Ok((parse_id(&u.id, "user")?, role))
}

impl App {
    /// Checks e-mail and password and opens a new session (never reusing one the client
    /// holds): active, or pending its second factor when the user has TOTP or the role
    /// requires it. Throttled per account and per address before any hashing work.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        kind: SessionKind,
        client: &ClientInfo,
    ) -> Result<LoginResult, AppError> {
        if password.len() > 1024 || email.len() > 254 {
            return Err(AppError::InvalidCredentials);
        }
        let email = email.trim().to_lowercase();
        let attempt = self.throttle_begin(&email, client.ip.as_deref()).await?;
        let user = self.store.user_by_email(&email).await?;
        let hash = user.as_ref().map_or_else(|| password::dummy_hash().to_string(), |u| u.password_hash.clone());
        let ok = verify_off_thread(password.to_string(), hash).await?;
        let user = match user {
            Some(u) if ok && u.status == UserStatus::Active.as_str() => u,
            _ => return Err(self.sign_in_failed(user.as_ref().map(|u| u.id.as_str()), client)),
        };
        let role = Role::parse(&user.role).ok_or(AppError::InvalidCredentials)?;
        let enrolled = self.store.get_totp(&user.id).await?.is_some_and(|t| t.enabled_at.is_some());
        let role_row = self.store.get_role(role.as_str()).await?;
        let status = if enrolled {
            LoginStatus::MfaRequired
        } else if crate::roles::settings_from_row(role, role_row.as_ref()).require_mfa {
            LoginStatus::MfaEnrollmentRequired
        } else {
            LoginStatus::Ok
        };
        let (token, row) = self.new_session_row(&user.id, kind, client, status != LoginStatus::Ok, None);
        let mut tx = self.store.begin_write().await?;
        if status == LoginStatus::Ok {
            self.throttle_clear(&mut tx, &attempt).await?;
            tx.record_login(&user.id, row.created_at).await?;
        } else {
            self.throttle_give_back(&mut tx, &attempt).await?;
        }
        tx.insert_session(&row).await?;
        self.audit_sign_in(
            &mut tx,
            &user.id,
            &row.id,
            client,
            if status == LoginStatus::Ok { "auth.login" } else { "auth.login.password" },
        )
        .await?;
        tx.commit().await?;
        Ok(LoginResult {
            token,
            session_id: parse_id(&row.id, "session")?,
            expires_at: from_micros(row.expires_at)?,
            user: user_from_row(&user)?,
            status,
            kind,
        })
    }

    /// A new session for `user_id` and its token (shown once; only its digest is stored).
    /// Pending sessions end after `PENDING_MFA_LIFETIME`, active ones after the absolute
    /// session lifetime.
    pub(crate) fn new_session_row(
        &self,
        user_id: &str,
        kind: SessionKind,
        client: &ClientInfo,
        pending: bool,
        mfa_at: Option<i64>,
    ) -> (String, SessionRow) {
        let now = self.now_micros();
        let token = token::generate_token(SESSION_PREFIX, self.rng.as_ref());
        let lifetime = if pending { PENDING_MFA_LIFETIME } else { self.config.session_absolute };
        let lifetime = i64::try_from(lifetime.as_micros()).unwrap_or(i64::MAX);
        let row = SessionRow {
            id: SessionId(self.new_uuid()).to_string(),
            token_hash: token::token_digest(&token).to_vec(),
            user_id: user_id.to_string(),
            kind: kind.as_str().into(),
            created_at: now,
            last_seen_at: now,
            expires_at: now.saturating_add(lifetime),
            user_agent: client.user_agent.clone(),
            ip: client.ip.clone(),
            revoked_at: None,
            state: if pending { SESSION_PENDING_MFA } else { SESSION_ACTIVE }.into(),
            mfa_at,
        };
        (token, row)
    }

    /// Ends the session a client presented when it signs in again (the cookie it held is
    /// being replaced): a planted or old session token never lives on beside the new one.
    /// Anything that is not a live session token is ignored.
    pub async fn retire_presented_session(&self, presented: &str) -> Result<(), AppError> {
        if !token::is_well_formed(SESSION_PREFIX, presented) {
            return Ok(());
        }
        if let Some(s) = self.store.session_by_hash(&token::token_digest(presented)).await?
            && s.revoked_at.is_none()
        {
            let mut tx = self.store.begin_write().await?;
            tx.revoke_session(&s.id, self.now_micros()).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Resolves a session or API token to an actor, or `Unauthenticated`. Every request
    /// passes here: expiry, revocation, client binding, role settings (read fresh with the
    /// session in one query) and the role's and token's network allow-lists.
    pub async fn authenticate(&self, presented: &str, client: &ClientInfo) -> Result<Actor, AppError> {
        let now = self.now_micros();
        let digest = token::token_digest(presented);
        if token::is_well_formed(SESSION_PREFIX, presented) {
            let (s, u, r) = self.store.session_with_user(&digest).await?.ok_or(AppError::Unauthenticated)?;
            let idle = i64::try_from(self.config.session_idle.as_micros()).unwrap_or(i64::MAX);
            if s.revoked_at.is_some() || s.expires_at <= now || s.last_seen_at.saturating_add(idle) <= now {
                return Err(AppError::Unauthenticated);
            }
            if s.state != SESSION_ACTIVE {
                return Err(AppError::Unauthenticated);
            }
            // Bound to the client that signed in: a stolen cookie replayed elsewhere fails.
            if s.user_agent != client.user_agent || (self.config.session_bind_ip && s.ip != client.ip) {
                tracing::warn!(session = %s.id, "session presented by a different client");
                return Err(AppError::Unauthenticated);
            }
            let kind = self.actor_kind(&u, r.as_ref(), client)?;
            if now - s.last_seen_at > TOUCH_EVERY_MICROS {
                let mut tx = self.store.begin_write().await?;
                tx.touch_session(&s.id, now).await?;
                tx.commit().await?;
            }
            let id = parse_id(&s.id, "session")?;
            return Ok(Actor {
                kind,
                credential: Credential::Session { id, mfa_at: s.mfa_at },
                client: client.clone(),
            });
        }
        if token::is_well_formed(API_TOKEN_PREFIX, presented) {
            let (t, u, r) = self.store.token_with_user(&digest).await?.ok_or(AppError::Unauthenticated)?;
            if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= now) {
                return Err(AppError::Unauthenticated);
            }
            let cidrs: Vec<String> = t.cidrs.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect();
            if !crate::roles::ip_allowed(&cidrs, client.ip.as_deref()) {
                tracing::warn!(token = %t.id, "token used from outside its address ranges");
                return Err(AppError::Forbidden);
            }
            let kind = self.actor_kind(&u, r.as_ref(), client)?;
            if t.last_used_at.is_none_or(|l| now - l > TOUCH_EVERY_MICROS) {
                let mut tx = self.store.begin_write().await?;
                tx.touch_api_token(&t.id, now).await?;
                tx.commit().await?;
            }
            let scopes: Vec<Permission> = t.scopes.split(',').filter_map(Permission::parse).collect();
            let scopes = (!t.scopes.is_empty()).then_some(scopes);
            let id: TokenId = parse_id(&t.id, "token")?;
            return Ok(Actor { kind, credential: Credential::Token { id, scopes }, client: client.clone() });
        }
        Err(AppError::Unauthenticated)
    }

    /// The acting user with their role's current settings; refuses disabled accounts and
    /// addresses outside the role's allow-list.
    pub(crate) fn actor_kind(
        &self,
        u: &UserRow,
        role_row: Option<&RoleRow>,
        client: &ClientInfo,
    ) -> Result<ActorKind, AppError> {
        let (id, role) = active_user(u)?;
        let settings = crate::roles::settings_from_row(role, role_row);
        if !crate::roles::ip_allowed(&settings.ip_allow, client.ip.as_deref()) {
            tracing::warn!(user = %u.id, "request from outside the role's address ranges");
            return Err(AppError::Forbidden);
        }
        let team_id = u.team_id.as_deref().map(|t| parse_id(t, "team")).transpose()?;
        Ok(ActorKind::User { id, role, team_id, settings: Box::new(settings) })
    }

    /// Ends the actor's session. API tokens are revoked through their own use case.
    pub async fn logout(&self, actor: &Actor) -> Result<(), AppError> {
        if let Credential::Session { id, .. } = &actor.credential {
            let mut tx = self.store.begin_write().await?;
            tx.revoke_session(&id.to_string(), self.now_micros()).await?;
            self.audit(&mut tx, actor, crate::audit::Ev::new("auth.logout", "session").record(id)).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// The actor's own account.
    pub async fn me(&self, actor: &Actor) -> Result<User, AppError> {
        let id = actor.user_id().ok_or(AppError::NotFound("user"))?;
        let row = self.store.user_by_id(&id.to_string()).await?.ok_or(AppError::NotFound("user"))?;
        user_from_row(&row)
    }
}
