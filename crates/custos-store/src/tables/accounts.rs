//! Accounts: teams, users, sessions and API tokens. Secrets are stored only as hashes.

use crate::StoreError;
use crate::rows::{ApiTokenRow, RoleRow, SessionRow, TeamRow, UserRow};
use crate::store::{Store, WriteTx};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

const USER_COLS: &str =
    "id, email, display_name, role, team_id, status, password_hash, created_at, updated_at, last_login_at, version";
const SESSION_COLS: &str =
    "id, token_hash, user_id, kind, created_at, last_seen_at, expires_at, user_agent, ip, revoked_at, state, mfa_at";
const TOKEN_COLS: &str =
    "id, token_hash, user_id, name, created_at, expires_at, last_used_at, revoked_at, scopes, cidrs";

pub(super) fn user(row: &AnyRow) -> Result<UserRow, sqlx::Error> {
    Ok(UserRow {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: row.try_get("role")?,
        team_id: row.try_get("team_id")?,
        status: row.try_get("status")?,
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        last_login_at: row.try_get("last_login_at")?,
        version: row.try_get("version")?,
    })
}

pub(super) fn session(row: &AnyRow) -> Result<SessionRow, sqlx::Error> {
    session_as(row, "")
}

/// A session from columns named `{prefix}{column}` (prefixed when joined with users).
fn session_as(row: &AnyRow, prefix: &str) -> Result<SessionRow, sqlx::Error> {
    let c = |name: &str| format!("{prefix}{name}");
    Ok(SessionRow {
        id: row.try_get(c("id").as_str())?,
        token_hash: row.try_get(c("token_hash").as_str())?,
        user_id: row.try_get(c("user_id").as_str())?,
        kind: row.try_get(c("kind").as_str())?,
        created_at: row.try_get(c("created_at").as_str())?,
        last_seen_at: row.try_get(c("last_seen_at").as_str())?,
        expires_at: row.try_get(c("expires_at").as_str())?,
        user_agent: row.try_get(c("user_agent").as_str())?,
        ip: row.try_get(c("ip").as_str())?,
        revoked_at: row.try_get(c("revoked_at").as_str())?,
        state: row.try_get(c("state").as_str())?,
        mfa_at: row.try_get(c("mfa_at").as_str())?,
    })
}

pub(super) fn token(row: &AnyRow) -> Result<ApiTokenRow, sqlx::Error> {
    token_as(row, "")
}

/// A token from columns named `{prefix}{column}`.
fn token_as(row: &AnyRow, prefix: &str) -> Result<ApiTokenRow, sqlx::Error> {
    let c = |name: &str| format!("{prefix}{name}");
    Ok(ApiTokenRow {
        id: row.try_get(c("id").as_str())?,
        token_hash: row.try_get(c("token_hash").as_str())?,
        user_id: row.try_get(c("user_id").as_str())?,
        name: row.try_get(c("name").as_str())?,
        created_at: row.try_get(c("created_at").as_str())?,
        expires_at: row.try_get(c("expires_at").as_str())?,
        last_used_at: row.try_get(c("last_used_at").as_str())?,
        revoked_at: row.try_get(c("revoked_at").as_str())?,
        scopes: row.try_get(c("scopes").as_str())?,
        cidrs: row.try_get(c("cidrs").as_str())?,
    })
}

/// Session columns prefixed `s_`, for joins with users.
const SESSION_JOIN_COLS: &str = "s.id AS s_id, s.token_hash AS s_token_hash, s.user_id AS s_user_id, s.kind AS s_kind, \
    s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at, \
    s.user_agent AS s_user_agent, s.ip AS s_ip, s.revoked_at AS s_revoked_at, s.state AS s_state, s.mfa_at AS s_mfa_at";
const TOKEN_JOIN_COLS: &str = "t.id AS t_id, t.token_hash AS t_token_hash, t.user_id AS t_user_id, t.name AS t_name, \
    t.created_at AS t_created_at, t.expires_at AS t_expires_at, t.last_used_at AS t_last_used_at, t.revoked_at AS t_revoked_at, \
    t.scopes AS t_scopes, t.cidrs AS t_cidrs";
const USER_JOIN_COLS: &str = "u.id, u.email, u.display_name, u.role, u.team_id, u.status, u.password_hash, \
    u.created_at, u.updated_at, u.last_login_at, u.version";

const ROLE_JOIN_COLS: &str = "r.id AS r_id, r.permissions AS r_permissions, r.scope AS r_scope, \
    r.confidential AS r_confidential, r.restricted AS r_restricted, r.require_mfa AS r_require_mfa, \
    r.ip_allow AS r_ip_allow, r.updated_at AS r_updated_at, r.version AS r_version";

/// The joined role, or `None` when the user's role has no stored row (LEFT JOIN).
fn role_prefixed(row: &AnyRow) -> Result<Option<RoleRow>, sqlx::Error> {
    if row.try_get::<Option<String>, _>("r_id")?.is_none() {
        return Ok(None);
    }
    super::access::role_as(row, "r_").map(Some)
}

impl Store {
    /// A session, its user and the user's role settings in one round trip (the per-request
    /// authentication path; role settings are read fresh on every request, never cached).
    pub async fn session_with_user(
        &self,
        hash: &[u8],
    ) -> Result<Option<(SessionRow, UserRow, Option<RoleRow>)>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_JOIN_COLS}, {USER_JOIN_COLS}, {ROLE_JOIN_COLS} FROM sessions s JOIN users u ON u.id = s.user_id \
             LEFT JOIN roles r ON r.id = u.role WHERE s.token_hash = $1"
        );
        let row = sqlx::query(AssertSqlSafe(sql)).bind(hash.to_vec()).fetch_optional(self.reader()).await?;
        Ok(row.map(|r| Ok::<_, sqlx::Error>((session_as(&r, "s_")?, user(&r)?, role_prefixed(&r)?))).transpose()?)
    }

    /// An API token, its user and the user's role settings in one round trip.
    pub async fn token_with_user(
        &self,
        hash: &[u8],
    ) -> Result<Option<(ApiTokenRow, UserRow, Option<RoleRow>)>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_JOIN_COLS}, {USER_JOIN_COLS}, {ROLE_JOIN_COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             LEFT JOIN roles r ON r.id = u.role WHERE t.token_hash = $1"
        );
        let row = sqlx::query(AssertSqlSafe(sql)).bind(hash.to_vec()).fetch_optional(self.reader()).await?;
        Ok(row.map(|r| Ok::<_, sqlx::Error>((token_as(&r, "t_")?, user(&r)?, role_prefixed(&r)?))).transpose()?)
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE email = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(email).fetch_optional(self.reader()).await?;
        Ok(row.as_ref().map(user).transpose()?)
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(self.reader()).await?;
        Ok(row.as_ref().map(user).transpose()?)
    }

    pub async fn list_users(&self) -> Result<Vec<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLS} FROM users ORDER BY email LIMIT 10000");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(self.reader()).await?;
        Ok(rows.iter().map(user).collect::<Result<Vec<_>, _>>()?)
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(self.reader()).await?;
        Ok(row.try_get("n")?)
    }

    pub async fn list_teams(&self) -> Result<Vec<TeamRow>, StoreError> {
        let rows = sqlx::query("SELECT id, name, created_at FROM teams ORDER BY name").fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| {
                Ok(TeamRow { id: r.try_get("id")?, name: r.try_get("name")?, created_at: r.try_get("created_at")? })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    pub async fn team_exists(&self, id: &str) -> Result<bool, StoreError> {
        let row =
            sqlx::query("SELECT 1 AS one FROM teams WHERE id = $1").bind(id).fetch_optional(self.reader()).await?;
        Ok(row.is_some())
    }

    pub async fn session_by_hash(&self, hash: &[u8]) -> Result<Option<SessionRow>, StoreError> {
        let sql = format!("SELECT {SESSION_COLS} FROM sessions WHERE token_hash = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(hash.to_vec()).fetch_optional(self.reader()).await?;
        Ok(row.as_ref().map(session).transpose()?)
    }

    pub async fn token_by_hash(&self, hash: &[u8]) -> Result<Option<ApiTokenRow>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(hash.to_vec()).fetch_optional(self.reader()).await?;
        Ok(row.as_ref().map(token).transpose()?)
    }
}

impl WriteTx {
    /// Whether a user id exists, seen from inside this transaction.
    pub async fn user_exists(&mut self, id: &str) -> Result<bool, StoreError> {
        let row =
            sqlx::query("SELECT 1 AS one FROM users WHERE id = $1").bind(id).fetch_optional(&mut *self.tx).await?;
        Ok(row.is_some())
    }

    /// Whether a team id exists, seen from inside this transaction.
    pub async fn team_exists(&mut self, id: &str) -> Result<bool, StoreError> {
        let row =
            sqlx::query("SELECT 1 AS one FROM teams WHERE id = $1").bind(id).fetch_optional(&mut *self.tx).await?;
        Ok(row.is_some())
    }

    pub async fn insert_team(&mut self, t: &TeamRow) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(t.id.as_str())
            .bind(t.name.as_str())
            .bind(t.created_at)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn insert_user(&mut self, u: &UserRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO users (id, email, display_name, role, team_id, status, password_hash, created_at, updated_at, last_login_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(u.id.as_str())
        .bind(u.email.as_str())
        .bind(u.display_name.as_str())
        .bind(u.role.as_str())
        .bind(u.team_id.clone())
        .bind(u.status.as_str())
        .bind(u.password_hash.as_str())
        .bind(u.created_at)
        .bind(u.updated_at)
        .bind(u.last_login_at)
        .bind(u.version)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn record_login(&mut self, user_id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(at)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn insert_session(&mut self, s: &SessionRow) -> Result<(), StoreError> {
        let sql =
            format!("INSERT INTO sessions ({SESSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
        sqlx::query(AssertSqlSafe(sql))
            .bind(s.id.as_str())
            .bind(s.token_hash.clone())
            .bind(s.user_id.as_str())
            .bind(s.kind.as_str())
            .bind(s.created_at)
            .bind(s.last_seen_at)
            .bind(s.expires_at)
            .bind(s.user_agent.clone())
            .bind(s.ip.clone())
            .bind(s.revoked_at)
            .bind(s.state.as_str())
            .bind(s.mfa_at)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn touch_session(&mut self, id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn revoke_session(&mut self, id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(at)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Removes sessions that ended before `before` (expired or revoked); returns how many.
    pub async fn purge_sessions(&mut self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $2")
            .bind(before)
            .bind(before)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn insert_api_token(&mut self, t: &ApiTokenRow) -> Result<(), StoreError> {
        let sql = format!("INSERT INTO api_tokens ({TOKEN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
        sqlx::query(AssertSqlSafe(sql))
            .bind(t.id.as_str())
            .bind(t.token_hash.clone())
            .bind(t.user_id.as_str())
            .bind(t.name.as_str())
            .bind(t.created_at)
            .bind(t.expires_at)
            .bind(t.last_used_at)
            .bind(t.revoked_at)
            .bind(t.scopes.as_str())
            .bind(t.cidrs.as_str())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn touch_api_token(&mut self, id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
