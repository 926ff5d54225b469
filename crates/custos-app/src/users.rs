//! Staff accounts, teams and API tokens: creation and listing, authorised like everything else.

use crate::audit::Ev;
use crate::auth::{API_TOKEN_PREFIX, user_from_row};
use crate::{Actor, App, AppError};
use custos_crypto::{password, token};
use custos_domain::text::{self, NAME, SHORT};
use custos_domain::{Email, FieldErrors, Permission, Role, TeamId, TokenId, User, UserStatus};
use custos_store::{ApiTokenRow, TeamRow, UserRow};
use time::OffsetDateTime;

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask 12).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Raw input for a new account.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub email: String,
    pub display_name: Option<String>,
    pub role: String,
    pub team_id: Option<TeamId>,
    pub password: String,
}

/// What a new API token may do.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub name: String,
    /// Permission ids; empty means all of the owner's permissions.
    pub scopes: Vec<String>,
    /// CIDR ranges the token may be used from; empty means any address.
    pub cidrs: Vec<String>,
    pub expires_at: Option<OffsetDateTime>,
}

/// A freshly issued API token; the secret is shown once and never stored.
#[derive(Debug)]
pub struct IssuedToken {
    pub id: TokenId,
    pub token: String,
    pub expires_at: Option<OffsetDateTime>,
}

impl App {
    pub async fn add_user(&self, actor: &Actor, new: &NewUser) -> Result<User, AppError> {
        self.allow(actor, Permission::UserManage)?;
        let mut e = FieldErrors::new();
        let email = e.check("email", Email::parse(&new.email));
        let role = Role::parse(new.role.trim());
        if role.is_none() {
            let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            e.push("role", "invalid_choice", format!("must be one of: {}", names.join(", ")));
        }
        let n = new.password.chars().count();
        if n < MIN_PASSWORD_CHARS || new.password.len() > 1024 {
            e.push("password", "weak", format!("must be {MIN_PASSWORD_CHARS} to 1024 characters long"));
        }
        let display = match &new.display_name {
            Some(d) => e.check("display_name", text::required(d, NAME)),
            None => None,
        };
        let (Some(email), Some(role), true) = (email, role, e.is_empty()) else {
            return Err(AppError::Invalid(e));
        };
        let email = email.normalized();
        if self.store.user_by_email(&email).await?.is_some() {
            return Err(AppError::invalid("email", "taken", "a user with this e-mail exists"));
        }
        let pw = new.password.clone();
        let rng = self.rng.clone();
        let hash = tokio::task::spawn_blocking(move || password::hash_password(&pw, rng.as_ref()))
            .await
            .map_err(|e| AppError::Internal(format!("hashing task failed: {e}")))?
            .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))?;
        let now = self.now_micros();
        let row = UserRow {
            id: self.new_uuid().to_string(),
            display_name: display.unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string()),
            email,
            role: role.as_str().into(),
            team_id: new.team_id.map(|t| t.to_string()),
            status: UserStatus::Active.as_str().into(),
            password_hash: hash,
            created_at: now,
            updated_at: now,
            last_login_at: None,
            version: 1,
        };
        let mut tx = self.store.begin_write().await?;
        tx.insert_user(&row).await.map_err(|e| match e {
            custos_store::StoreError::Duplicate(_) => {
                AppError::invalid("email", "taken", "a user with this e-mail exists")
            }
            other => other.into(),
        })?;
        self.audit(&mut tx, actor, Ev::new("user.create", "user").record(&row.id).fields(&["role"])).await?;
        tx.commit().await?;
        user_from_row(&row)
    }

    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<User>, AppError> {
        self.allow(actor, Permission::UserRead)?;
        self.store.list_users().await?.iter().map(user_from_row).collect()
    }

    pub async fn create_team(&self, actor: &Actor, name: &str) -> Result<TeamId, AppError> {
        self.allow(actor, Permission::UserManage)?;
        let name = text::required(name, SHORT).map_err(|e| AppError::invalid("name", e.code, &e.message))?;
        let id = TeamId(self.new_uuid());
        let mut tx = self.store.begin_write().await?;
        tx.insert_team(&TeamRow { id: id.to_string(), name, created_at: self.now_micros() }).await.map_err(
            |e| match e {
                custos_store::StoreError::Duplicate(_) => {
                    AppError::invalid("name", "taken", "a team with this name exists")
                }
                other => other.into(),
            },
        )?;
        self.audit(&mut tx, actor, Ev::new("team.create", "team").record(id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Issues an API token for the user with `email`. Users may issue their own (token.issue);
    /// issuing for someone else needs user.manage. Scopes must be permissions the owner has.
    pub async fn issue_token(&self, actor: &Actor, email: &str, req: &TokenRequest) -> Result<IssuedToken, AppError> {
        self.allow(actor, Permission::TokenIssue)?;
        let mut e = FieldErrors::new();
        let name = e.check("name", text::required(&req.name, SHORT));
        let target = self.store.user_by_email(&email.trim().to_lowercase()).await?.ok_or(AppError::NotFound("user"))?;
        if actor.user_id().map(|u| u.to_string()) != Some(target.id.clone()) {
            self.allow(actor, Permission::UserManage)?;
        }
        let role = Role::parse(&target.role).ok_or_else(|| AppError::Internal("stored role is unknown".into()))?;
        let settings = crate::roles::settings_from_row(role, self.store.get_role(role.as_str()).await?.as_ref());
        let mut scopes = Vec::new();
        for s in &req.scopes {
            match Permission::parse(s.trim()) {
                Some(p) if settings.grants(p) => scopes.push(p.as_str()),
                Some(p) => e.push("scopes", "not_granted", format!("the owner's role does not grant {}", p.as_str())),
                None => e.push("scopes", "unknown", format!("'{}' is not a permission", s.trim())),
            }
        }
        scopes.sort();
        scopes.dedup();
        let cidrs = match crate::roles::parse_cidrs(&req.cidrs) {
            Ok(n) => n.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
            Err(msg) => {
                e.push("cidrs", "invalid", msg);
                Vec::new()
            }
        };
        if let Some(exp) = req.expires_at
            && exp <= self.now()
        {
            e.push("expires_at", "in_past", "must be in the future");
        }
        let Some(name) = name.filter(|_| e.is_empty()) else { return Err(AppError::Invalid(e)) };
        let secret = token::generate_token(API_TOKEN_PREFIX, self.rng.as_ref());
        let id = TokenId(self.new_uuid());
        let row = ApiTokenRow {
            id: id.to_string(),
            token_hash: token::token_digest(&secret).to_vec(),
            user_id: target.id,
            name,
            created_at: self.now_micros(),
            expires_at: req.expires_at.map(crate::convert::to_micros),
            last_used_at: None,
            revoked_at: None,
            scopes: scopes.join(","),
            cidrs: cidrs.join(","),
        };
        let mut tx = self.store.begin_write().await?;
        tx.insert_api_token(&row).await?;
        let scope_list: Vec<String> = row.scopes.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
        self.audit(&mut tx, actor, Ev::new("token.issue", "api_token").record(id).fields(&scope_list)).await?;
        tx.commit().await?;
        Ok(IssuedToken { id, token: secret, expires_at: req.expires_at })
    }
}
