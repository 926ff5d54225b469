//! A user's own preferences: the interface language, kept per user in the database so it
//! follows them to every browser. Never touches anyone else's account.

use crate::{Actor, App, AppError};

/// Interface languages Custos speaks.
pub const LANGUAGES: [&str; 2] = ["en", "zh-CN"];

impl App {
    /// The caller's chosen interface language, if any.
    pub async fn my_language(&self, actor: &Actor) -> Result<Option<String>, AppError> {
        let Some(user) = actor.user_id() else { return Ok(None) };
        let lang = self.store.user_language(&user.to_string()).await?;
        Ok(lang.filter(|l| LANGUAGES.contains(&l.as_str())))
    }

    /// Sets the caller's interface language (`en` or `zh-CN`).
    pub async fn set_my_language(&self, actor: &Actor, language: &str) -> Result<(), AppError> {
        let user = actor.user_id().ok_or(AppError::Forbidden)?;
        if !LANGUAGES.contains(&language) {
            return Err(AppError::invalid("language", "invalid_choice", "must be en or zh-CN"));
        }
        let mut tx = self.store.begin_write().await?;
        tx.set_user_language(&user.to_string(), Some(language)).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl App {
    /// The language of the user who just signed in with `login` (to set the browser's cookie).
    pub async fn language_after_sign_in(&self, login: &crate::auth::LoginResult) -> Result<Option<String>, AppError> {
        let lang = self.store.user_language(&login.user.id.to_string()).await?;
        Ok(lang.filter(|l| LANGUAGES.contains(&l.as_str())))
    }
}
