//! Changing one's own password (the current one is checked off the async workers, the new
//! one hashed the same way as for new accounts; the user's other sessions end), and whether
//! one's own authenticator is in force (for the profile page). Passwords are never logged
//! or put into errors.

use crate::users::MIN_PASSWORD_CHARS;
use crate::{Actor, App, AppError, Credential};
use custos_crypto::password;
use custos_domain::FieldErrors;

async fn verify_off_thread(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || password::verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(format!("password check task failed: {e}")))?
        .map_err(|e| AppError::Internal(format!("stored password hash is unusable: {e}")))
}

impl App {
    /// Changes the caller's own password: the current one must be right (wrong answers count
    /// against the account like failed sign-ins), the new one 12 to 1024 characters and not
    /// the same. Every other session of the user ends; the caller's own stays. Needs a
    /// signed-in user (not an API token), but no step-up: knowing the password is the check.
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> Result<(), AppError> {
        let user_id = actor.user_id().ok_or(AppError::Forbidden)?;
        let keep = match &actor.credential {
            Credential::Session { id, .. } => id.to_string(),
            _ => return Err(AppError::Forbidden),
        };
        let mut e = FieldErrors::new();
        if current.is_empty() || current.len() > 1024 {
            e.push("current", "invalid", "the current password is wrong");
        }
        let n = new.chars().count();
        if n < MIN_PASSWORD_CHARS || new.len() > 1024 {
            e.push("new", "weak", format!("must be {MIN_PASSWORD_CHARS} to 1024 characters long"));
        } else if new == current {
            e.push("new", "unchanged", "must differ from the current password");
        }
        if !e.is_empty() {
            return Err(AppError::Invalid(e));
        }
        let row = self.store.user_by_id(&user_id.to_string()).await?.ok_or(AppError::Unauthenticated)?;
        let attempt = self.throttle_begin(&row.email, None).await?;
        if !verify_off_thread(current.to_string(), row.password_hash.clone()).await? {
            return Err(AppError::invalid("current", "invalid", "the current password is wrong"));
        }
        let pw = new.to_string();
        let rng = self.rng.clone();
        let hash = tokio::task::spawn_blocking(move || password::hash_password(&pw, rng.as_ref()))
            .await
            .map_err(|e| AppError::Internal(format!("hashing task failed: {e}")))?
            .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))?;
        let now = self.now_micros();
        let mut tx = self.store.begin_write().await?;
        let mut fresh = tx.get_user(&row.id).await?.ok_or(AppError::Unauthenticated)?;
        let expected = fresh.version;
        fresh.password_hash = hash;
        fresh.updated_at = now;
        fresh.version += 1;
        tx.update_user(&fresh, expected).await?;
        tx.revoke_user_sessions(&fresh.id, Some(&keep), now).await?;
        self.throttle_clear(&mut tx, &attempt).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the caller has a confirmed authenticator app.
    pub async fn my_mfa_enrolled(&self, actor: &Actor) -> Result<bool, AppError> {
        let user_id = actor.user_id().ok_or(AppError::Forbidden)?;
        Ok(self.store.get_totp(&user_id.to_string()).await?.is_some_and(|t| t.enabled_at.is_some()))
    }
}
