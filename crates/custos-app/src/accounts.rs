//! Administration of accounts: changing a user's role, team or status (privilege changes end
//! their sessions), offboarding, team managers, and one's own API tokens.

use crate::audit::Ev;
use crate::auth::user_from_row;
use crate::{Actor, App, AppError};
use custos_domain::text::{self, NAME};
use custos_domain::{FieldErrors, Permission, Role, TeamId, User, UserStatus};
use custos_store::ApiTokenRow;

/// Requested changes to a user; `None` keeps a value, `Some(None)` clears the team.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub role: Option<String>,
    pub team_id: Option<Option<String>>,
    pub status: Option<String>,
    pub display_name: Option<String>,
}

/// An API token as its owner sees it (never the secret or its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub cidrs: Vec<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

fn list(s: &str) -> Vec<String> {
    s.split(',').filter(|x| !x.is_empty()).map(str::to_string).collect()
}

pub(crate) fn token_info(t: &ApiTokenRow) -> TokenInfo {
    TokenInfo {
        id: t.id.clone(),
        name: t.name.clone(),
        scopes: list(&t.scopes),
        cidrs: list(&t.cidrs),
        created_at: t.created_at,
        expires_at: t.expires_at,
        last_used_at: t.last_used_at,
        revoked_at: t.revoked_at,
    }
}

impl App {
    pub async fn get_user(&self, actor: &Actor, id: &str) -> Result<User, AppError> {
        self.allow(actor, Permission::UserRead)?;
        let row = self.store.user_by_id(id).await?.ok_or(AppError::NotFound("user"))?;
        user_from_row(&row)
    }

    /// Changes a user. A role change needs role.manage and step-up; any change of role, team
    /// or status ends the user's sessions (privilege change) and a disabled user's tokens.
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        c: &UserChanges,
    ) -> Result<User, AppError> {
        self.allow(actor, Permission::UserManage)?;
        if c.role.is_some() {
            self.allow(actor, Permission::RoleManage)?;
            self.require_step_up(actor)?;
        }
        let mut e = FieldErrors::new();
        let mut tx = self.store.begin_write().await?;
        let mut row = tx.get_user(id).await?.ok_or(AppError::NotFound("user"))?;
        if row.version != expected_version {
            return Err(AppError::Stale { current: row.version });
        }
        let before = (row.role.clone(), row.team_id.clone(), row.status.clone());
        if let Some(r) = &c.role {
            match Role::parse(r.trim()) {
                Some(r) => row.role = r.as_str().into(),
                None => e.push("role", "invalid_choice", "is not a role"),
            }
        }
        if let Some(t) = &c.team_id {
            match t {
                None => row.team_id = None,
                Some(t) => match t.parse::<TeamId>() {
                    Ok(t) if tx.team_exists(&t.to_string()).await? => row.team_id = Some(t.to_string()),
                    _ => e.push("team_id", "unknown", "no team has this id"),
                },
            }
        }
        if let Some(s) = &c.status {
            match UserStatus::parse(s.trim()) {
                Some(s) => row.status = s.as_str().into(),
                None => e.push("status", "invalid_choice", "must be active or disabled"),
            }
        }
        if let Some(n) = &c.display_name
            && let Some(n) = e.check("display_name", text::required(n, NAME))
        {
            row.display_name = n;
        }
        if !e.is_empty() {
            return Err(AppError::Invalid(e));
        }
        if Some(row.id.clone()) == actor.user_id().map(|u| u.to_string()) && row.status != "active" {
            return Err(AppError::invalid("status", "self", "you cannot disable your own account"));
        }
        let now = self.now_micros();
        row.updated_at = now;
        row.version += 1;
        tx.update_user(&row, expected_version).await?;
        if (row.role.clone(), row.team_id.clone(), row.status.clone()) != before {
            tx.revoke_user_sessions(&row.id, None, now).await?;
            if row.status != "active" {
                tx.revoke_user_tokens(&row.id, now).await?;
            }
        }
        let mut changed = Vec::new();
        for (name, old, new) in [("role", &before.0, &row.role), ("status", &before.2, &row.status)] {
            if old != new {
                changed.push(name);
            }
        }
        if before.1 != row.team_id {
            changed.push("team_id");
        }
        self.audit(&mut tx, actor, Ev::new("user.update", "user").record(&row.id).fields(&changed)).await?;
        tx.commit().await?;
        user_from_row(&row)
    }

    /// Offboarding: ends every session and revokes every token of a user at once.
    pub async fn revoke_access(&self, actor: &Actor, user_id: &str) -> Result<(u64, u64), AppError> {
        self.allow(actor, Permission::UserManage)?;
        if self.store.user_by_id(user_id).await?.is_none() {
            return Err(AppError::NotFound("user"));
        }
        let now = self.now_micros();
        let mut tx = self.store.begin_write().await?;
        let sessions = tx.revoke_user_sessions(user_id, None, now).await?;
        let tokens = tx.revoke_user_tokens(user_id, now).await?;
        self.audit(&mut tx, actor, Ev::new("user.revoke_access", "user").record(user_id)).await?;
        tx.commit().await?;
        Ok((sessions, tokens))
    }

    /// Teams with their managers: (id, name, manager id).
    pub async fn list_teams(&self, actor: &Actor) -> Result<Vec<(String, String, Option<String>)>, AppError> {
        self.allow(actor, Permission::UserRead)?;
        let teams = self.store.list_teams().await?;
        let managers = self.store.team_managers().await?;
        Ok(teams
            .into_iter()
            .map(|t| {
                let m = managers.iter().find(|(id, _)| *id == t.id).and_then(|(_, m)| m.clone());
                (t.id, t.name, m)
            })
            .collect())
    }

    /// Sets (or clears) a team's manager; the manager must be a member of the team.
    pub async fn set_team_manager(&self, actor: &Actor, team_id: &str, manager: Option<&str>) -> Result<(), AppError> {
        self.allow(actor, Permission::UserManage)?;
        let mut tx = self.store.begin_write().await?;
        if !tx.team_exists(team_id).await? {
            return Err(AppError::NotFound("team"));
        }
        if let Some(m) = manager {
            match tx.get_user(m).await? {
                Some(u) if u.team_id.as_deref() == Some(team_id) => {}
                Some(_) => {
                    return Err(AppError::invalid(
                        "manager_id",
                        "not_member",
                        "the manager must be a member of the team",
                    ));
                }
                None => return Err(AppError::invalid("manager_id", "unknown", "no user has this id")),
            }
        }
        tx.set_team_manager(team_id, manager).await?;
        self.audit(&mut tx, actor, Ev::new("team.update", "team").record(team_id).fields(&["manager_id"])).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The caller's own API tokens.
    pub async fn my_tokens(&self, actor: &Actor) -> Result<Vec<TokenInfo>, AppError> {
        let user = actor.user_id().ok_or(AppError::NotFound("user"))?;
        Ok(self.store.user_tokens(&user.to_string()).await?.iter().map(token_info).collect())
    }

    /// Revokes one of the caller's own tokens.
    pub async fn revoke_my_token(&self, actor: &Actor, id: &str) -> Result<(), AppError> {
        let user = actor.user_id().ok_or(AppError::NotFound("user"))?;
        let mut tx = self.store.begin_write().await?;
        let done = tx.revoke_user_token(&user.to_string(), id, self.now_micros()).await?;
        if done {
            self.audit(&mut tx, actor, Ev::new("token.revoke", "api_token").record(id)).await?;
        }
        tx.commit().await?;
        if done { Ok(()) } else { Err(AppError::NotFound("token")) }
    }
}
