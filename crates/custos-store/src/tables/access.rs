//! Access-control tables: roles, user changes, team managers, shares, session and token
//! management, TOTP enrolments, recovery codes, sign-in throttling, permission use and
//! access reviews. Secrets are stored only sealed or hashed.

use crate::StoreError;
use crate::rows::{ApiTokenRow, ReviewItemRow, ReviewRow, RoleRow, SessionRow, ThrottleRow, TotpRow, UserRow};
use crate::store::{Store, WriteTx};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

const ROLE_COLS: &str = "id, permissions, scope, confidential, restricted, require_mfa, ip_allow, updated_at, version";

fn role(r: &AnyRow) -> Result<RoleRow, sqlx::Error> {
    role_as(r, "")
}

/// A role from columns named `{prefix}{column}` (prefixed when joined with sessions).
pub(super) fn role_as(r: &AnyRow, prefix: &str) -> Result<RoleRow, sqlx::Error> {
    let c = |name: &str| format!("{prefix}{name}");
    let mfa: i64 = r.try_get(c("require_mfa").as_str())?;
    Ok(RoleRow {
        id: r.try_get(c("id").as_str())?,
        permissions: r.try_get(c("permissions").as_str())?,
        scope: r.try_get(c("scope").as_str())?,
        confidential: r.try_get(c("confidential").as_str())?,
        restricted: r.try_get(c("restricted").as_str())?,
        require_mfa: mfa != 0,
        ip_allow: r.try_get(c("ip_allow").as_str())?,
        updated_at: r.try_get(c("updated_at").as_str())?,
        version: r.try_get(c("version").as_str())?,
    })
}

fn totp(r: &AnyRow) -> Result<TotpRow, sqlx::Error> {
    Ok(TotpRow {
        user_id: r.try_get("user_id")?,
        secret_ct: r.try_get("secret_ct")?,
        enabled_at: r.try_get("enabled_at")?,
        last_step: r.try_get("last_step")?,
        created_at: r.try_get("created_at")?,
    })
}

fn throttle(r: &AnyRow) -> Result<ThrottleRow, sqlx::Error> {
    Ok(ThrottleRow {
        key: r.try_get("key")?,
        failures: r.try_get("failures")?,
        window_start: r.try_get("window_start")?,
        locked_until: r.try_get("locked_until")?,
    })
}

fn review(r: &AnyRow) -> Result<ReviewRow, sqlx::Error> {
    Ok(ReviewRow {
        id: r.try_get("id")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        due_at: r.try_get("due_at")?,
        closed_at: r.try_get("closed_at")?,
    })
}

fn review_item(r: &AnyRow) -> Result<ReviewItemRow, sqlx::Error> {
    Ok(ReviewItemRow {
        review_id: r.try_get("review_id")?,
        user_id: r.try_get("user_id")?,
        decision: r.try_get("decision")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        note: r.try_get("note")?,
    })
}

const TOTP_SQL: &str = "SELECT user_id, secret_ct, enabled_at, last_step, created_at FROM mfa_totp WHERE user_id = $1";
const THROTTLE_SQL: &str = "SELECT key, failures, window_start, locked_until FROM login_throttle WHERE key = $1";

/// At most one row of `sql` (one `$1` text parameter), on a pool or inside a transaction.
async fn one<'c, E: sqlx::Executor<'c, Database = sqlx::Any>, T>(
    e: E,
    sql: &str,
    param: &str,
    f: fn(&AnyRow) -> Result<T, sqlx::Error>,
) -> Result<Option<T>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(sql.to_string())).bind(param.to_string()).fetch_optional(e).await?;
    Ok(row.as_ref().map(f).transpose()?)
}

fn all<T>(rows: &[AnyRow], f: fn(&AnyRow) -> Result<T, sqlx::Error>) -> Result<Vec<T>, StoreError> {
    rows.iter().map(f).collect::<Result<Vec<_>, _>>().map_err(StoreError::from)
}

impl Store {
    /// A user's interface language, if they chose one.
    pub async fn user_language(&self, user_id: &str) -> Result<Option<String>, StoreError> {
        let row =
            sqlx::query("SELECT language FROM users WHERE id = $1").bind(user_id).fetch_optional(self.reader()).await?;
        Ok(row.map(|r| r.try_get::<Option<String>, _>("language")).transpose()?.flatten())
    }

    pub async fn list_roles(&self) -> Result<Vec<RoleRow>, StoreError> {
        let sql = format!("SELECT {ROLE_COLS} FROM roles ORDER BY id");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(self.reader()).await?;
        all(&rows, role)
    }

    pub async fn get_role(&self, id: &str) -> Result<Option<RoleRow>, StoreError> {
        one(self.reader(), &format!("SELECT {ROLE_COLS} FROM roles WHERE id = $1"), id, role).await
    }

    /// (team id, manager id) of every team.
    pub async fn team_managers(&self) -> Result<Vec<(String, Option<String>)>, StoreError> {
        let rows = sqlx::query("SELECT id, manager_id FROM teams ORDER BY id").fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("manager_id")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Users whose id is in the share list of a customer.
    pub async fn customer_shares(&self, customer_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT user_id FROM customer_shares WHERE customer_id = $1 ORDER BY user_id")
            .bind(customer_id)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(|r| r.try_get("user_id")).collect::<Result<Vec<_>, _>>().map_err(StoreError::from)
    }

    /// Sessions of a user that have not been revoked and have not reached their end.
    pub async fn live_sessions(&self, user_id: &str, now: i64) -> Result<Vec<SessionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, token_hash, user_id, kind, created_at, last_seen_at, expires_at, user_agent, ip, revoked_at, state, mfa_at \
             FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(self.reader())
        .await?;
        all(&rows, super::accounts::session)
    }

    pub async fn user_tokens(&self, user_id: &str) -> Result<Vec<ApiTokenRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, token_hash, user_id, name, created_at, expires_at, last_used_at, revoked_at, scopes, cidrs \
             FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC",
        )
        .bind(user_id)
        .fetch_all(self.reader())
        .await?;
        all(&rows, super::accounts::token)
    }

    pub async fn get_totp(&self, user_id: &str) -> Result<Option<TotpRow>, StoreError> {
        one(self.reader(), TOTP_SQL, user_id, totp).await
    }

    pub async fn unused_recovery_codes(&self, user_id: &str) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id)
            .fetch_one(self.reader())
            .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn get_throttle(&self, key: &str) -> Result<Option<ThrottleRow>, StoreError> {
        one(self.reader(), THROTTLE_SQL, key, throttle).await
    }

    /// (permission, last used) of one user.
    pub async fn permission_use(&self, user_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT permission, last_used_at FROM permission_use WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("permission")?, r.try_get("last_used_at")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    pub async fn list_reviews(&self) -> Result<Vec<ReviewRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, created_by, created_at, due_at, closed_at FROM access_reviews ORDER BY created_at DESC",
        )
        .fetch_all(self.reader())
        .await?;
        all(&rows, review)
    }

    pub async fn get_review(&self, id: &str) -> Result<Option<ReviewRow>, StoreError> {
        let row = sqlx::query("SELECT id, created_by, created_at, due_at, closed_at FROM access_reviews WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(review).transpose()?)
    }

    pub async fn review_items(&self, review_id: &str) -> Result<Vec<ReviewItemRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT review_id, user_id, decision, decided_by, decided_at, note FROM access_review_items \
             WHERE review_id = $1 ORDER BY user_id",
        )
        .bind(review_id)
        .fetch_all(self.reader())
        .await?;
        all(&rows, review_item)
    }
}

impl WriteTx {
    /// Sets (or clears) a user's interface language.
    pub async fn set_user_language(&mut self, user_id: &str, language: Option<&str>) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
            .bind(language.map(str::to_string))
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Inserts a role unless one with its id exists (seeding).
    pub async fn seed_role(&mut self, r: &RoleRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO roles (id, permissions, scope, confidential, restricted, require_mfa, ip_allow, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
        )
        .bind(r.id.as_str())
        .bind(r.permissions.as_str())
        .bind(r.scope.as_str())
        .bind(r.confidential.as_str())
        .bind(r.restricted.as_str())
        .bind(i64::from(r.require_mfa))
        .bind(r.ip_allow.as_str())
        .bind(r.updated_at)
        .bind(r.version)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn get_role(&mut self, id: &str) -> Result<Option<RoleRow>, StoreError> {
        one(&mut *self.tx, &format!("SELECT {ROLE_COLS} FROM roles WHERE id = $1"), id, role).await
    }

    pub async fn update_role(&mut self, r: &RoleRow, expected_version: i64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE roles SET permissions = $1, scope = $2, confidential = $3, restricted = $4, require_mfa = $5, \
             ip_allow = $6, updated_at = $7, version = $8 WHERE id = $9 AND version = $10",
        )
        .bind(r.permissions.as_str())
        .bind(r.scope.as_str())
        .bind(r.confidential.as_str())
        .bind(r.restricted.as_str())
        .bind(i64::from(r.require_mfa))
        .bind(r.ip_allow.as_str())
        .bind(r.updated_at)
        .bind(r.version)
        .bind(r.id.as_str())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("roles", &r.id).await);
        }
        Ok(())
    }

    pub async fn get_user(&mut self, id: &str) -> Result<Option<UserRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, email, display_name, role, team_id, status, password_hash, created_at, updated_at, last_login_at, version \
             FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(row.as_ref().map(super::accounts::user).transpose()?)
    }

    /// Writes a user's role, team, status, name and password hash at `expected_version`.
    pub async fn update_user(&mut self, u: &UserRow, expected_version: i64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE users SET display_name = $1, role = $2, team_id = $3, status = $4, password_hash = $5, updated_at = $6, \
             version = $7 WHERE id = $8 AND version = $9",
        )
        .bind(u.display_name.as_str())
        .bind(u.role.as_str())
        .bind(u.team_id.clone())
        .bind(u.status.as_str())
        .bind(u.password_hash.as_str())
        .bind(u.updated_at)
        .bind(u.version)
        .bind(u.id.as_str())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("users", &u.id).await);
        }
        Ok(())
    }

    pub async fn set_team_manager(&mut self, team_id: &str, manager: Option<&str>) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE teams SET manager_id = $1 WHERE id = $2")
            .bind(manager.map(str::to_string))
            .bind(team_id)
            .execute(&mut *self.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn add_share(&mut self, customer_id: &str, user_id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO customer_shares (customer_id, user_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (customer_id, user_id) DO NOTHING",
        )
        .bind(customer_id)
        .bind(user_id)
        .bind(at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn remove_share(&mut self, customer_id: &str, user_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM customer_shares WHERE customer_id = $1 AND user_id = $2")
            .bind(customer_id)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Marks a session as fully signed in (second factor given) or records a step-up.
    pub async fn set_session_mfa(&mut self, id: &str, state: &str, mfa_at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET state = $1, mfa_at = $2 WHERE id = $3")
            .bind(state)
            .bind(mfa_at)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Revokes one session of one user; false if there was none to revoke.
    pub async fn revoke_user_session(&mut self, user_id: &str, id: &str, at: i64) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(at)
                .bind(id)
                .bind(user_id)
                .execute(&mut *self.tx)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Revokes every session of a user, except `keep` if given; returns how many.
    pub async fn revoke_user_sessions(
        &mut self,
        user_id: &str,
        keep: Option<&str>,
        at: i64,
    ) -> Result<u64, StoreError> {
        let done =
            sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3")
                .bind(at)
                .bind(user_id)
                .bind(keep.unwrap_or(""))
                .execute(&mut *self.tx)
                .await?;
        Ok(done.rows_affected())
    }

    /// Revokes one token of one user; false if there was none to revoke.
    pub async fn revoke_user_token(&mut self, user_id: &str, id: &str, at: i64) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(at)
                .bind(id)
                .bind(user_id)
                .execute(&mut *self.tx)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Revokes every session of every user holding `role`, except `keep`; returns how many.
    pub async fn revoke_role_sessions(&mut self, role: &str, keep: Option<&str>, at: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE revoked_at IS NULL AND id <> $2 \
             AND user_id IN (SELECT u.id FROM users u WHERE u.role = $3)",
        )
        .bind(at)
        .bind(keep.unwrap_or(""))
        .bind(role)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected())
    }

    pub async fn revoke_user_tokens(&mut self, user_id: &str, at: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(at)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected())
    }

    /// Starts (or restarts) a TOTP enrolment; it is not in force until enabled.
    pub async fn put_totp(&mut self, t: &TotpRow) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM mfa_totp WHERE user_id = $1").bind(t.user_id.as_str()).execute(&mut *self.tx).await?;
        sqlx::query(
            "INSERT INTO mfa_totp (user_id, secret_ct, enabled_at, last_step, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(t.user_id.as_str())
        .bind(t.secret_ct.clone())
        .bind(t.enabled_at)
        .bind(t.last_step)
        .bind(t.created_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn get_totp(&mut self, user_id: &str) -> Result<Option<TotpRow>, StoreError> {
        one(&mut *self.tx, TOTP_SQL, user_id, totp).await
    }

    /// Accepts time step `step` only if it is later than every step accepted before (replay
    /// refusal, atomic across processes); enables the enrolment on first use.
    pub async fn accept_totp_step(&mut self, user_id: &str, step: i64, at: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE mfa_totp SET last_step = $1, enabled_at = COALESCE(enabled_at, $2) WHERE user_id = $3 AND last_step < $4",
        )
        .bind(step)
        .bind(at)
        .bind(user_id)
        .bind(step)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn delete_totp(&mut self, user_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM mfa_totp WHERE user_id = $1").bind(user_id).execute(&mut *self.tx).await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Replaces a user's recovery codes with these hashes.
    pub async fn replace_recovery_codes(&mut self, user_id: &str, hashes: &[Vec<u8>]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *self.tx).await?;
        for h in hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES ($1, $2, NULL)")
                .bind(user_id)
                .bind(h.clone())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Uses a recovery code once; false if unknown or already used.
    pub async fn use_recovery_code(&mut self, user_id: &str, hash: &[u8], at: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(at)
        .bind(user_id)
        .bind(hash.to_vec())
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Serialises read-modify-write of a throttle key across processes until the transaction
    /// ends. PostgreSQL takes a transaction-scoped advisory lock on the key (READ COMMITTED
    /// alone could lose a count); SQLite's writers are already serialised by BEGIN IMMEDIATE.
    pub async fn lock_throttle(&mut self, key: &str) -> Result<(), StoreError> {
        if self.backend() == crate::Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7262637)) IS NULL AS locked")
                .bind(key)
                .fetch_one(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    pub async fn get_throttle(&mut self, key: &str) -> Result<Option<ThrottleRow>, StoreError> {
        one(&mut *self.tx, THROTTLE_SQL, key, throttle).await
    }

    pub async fn put_throttle(&mut self, t: &ThrottleRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET failures = $5, window_start = $6, locked_until = $7",
        )
        .bind(t.key.as_str())
        .bind(t.failures)
        .bind(t.window_start)
        .bind(t.locked_until)
        .bind(t.failures)
        .bind(t.window_start)
        .bind(t.locked_until)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn clear_throttle(&mut self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(&mut *self.tx).await?;
        Ok(())
    }

    pub async fn record_permission_use(&mut self, user_id: &str, permission: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO permission_use (user_id, permission, last_used_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, permission) DO UPDATE SET last_used_at = $4",
        )
        .bind(user_id)
        .bind(permission)
        .bind(at)
        .bind(at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn insert_review(&mut self, r: &ReviewRow, users: &[String]) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO access_reviews (id, created_by, created_at, due_at, closed_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(r.id.as_str())
        .bind(r.created_by.clone())
        .bind(r.created_at)
        .bind(r.due_at)
        .bind(r.closed_at)
        .execute(&mut *self.tx)
        .await?;
        for u in users {
            sqlx::query("INSERT INTO access_review_items (review_id, user_id, decision) VALUES ($1, $2, 'pending')")
                .bind(r.id.as_str())
                .bind(u.as_str())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Records a decision on a pending item; false if the item is unknown or decided.
    pub async fn decide_review_item(&mut self, item: &ReviewItemRow) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE access_review_items SET decision = $1, decided_by = $2, decided_at = $3, note = $4 \
             WHERE review_id = $5 AND user_id = $6 AND decision = 'pending'",
        )
        .bind(item.decision.as_str())
        .bind(item.decided_by.clone())
        .bind(item.decided_at)
        .bind(item.note.clone())
        .bind(item.review_id.as_str())
        .bind(item.user_id.as_str())
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Closes a review once no item is pending.
    pub async fn close_review_if_done(&mut self, review_id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE access_reviews SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL AND NOT EXISTS \
             (SELECT 1 FROM access_review_items WHERE review_id = $3 AND decision = 'pending')",
        )
        .bind(at)
        .bind(review_id)
        .bind(review_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
