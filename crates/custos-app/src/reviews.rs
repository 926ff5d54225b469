//! Periodic access reviews: a report of every user's access (role, scope, last sign-in,
//! permissions unused for 90 days, tokens), reviews with due dates, and a reviewer's decision
//! per user (certify, or revoke: the account is disabled and its sessions and tokens end).

use crate::accounts::{TokenInfo, token_info};
use crate::audit::Ev;
use crate::{Actor, App, AppError};
use custos_domain::{Permission, Role};
use custos_store::{ReviewItemRow, ReviewRow};

/// Permissions unused for this long are flagged.
pub const UNUSED_AFTER_DAYS: i64 = 90;
const DAY_MICROS: i64 = 86_400_000_000;

/// One user's access, as a reviewer sees it.
#[derive(Debug, Clone)]
pub struct AccessLine {
    pub user_id: String,
    pub email: String,
    pub role: String,
    pub scope: String,
    pub status: String,
    pub last_login_at: Option<i64>,
    pub mfa_enabled: bool,
    pub permissions: Vec<String>,
    pub unused_permissions: Vec<String>,
    pub tokens: Vec<TokenInfo>,
}

/// A review and its items.
#[derive(Debug, Clone)]
pub struct Review {
    pub review: ReviewRow,
    pub overdue: bool,
    pub items: Vec<ReviewItemRow>,
}

impl App {
    /// Every user's access today.
    pub async fn access_report(&self, actor: &Actor) -> Result<Vec<AccessLine>, AppError> {
        self.allow(actor, Permission::AccessReview)?;
        let now = self.now_micros();
        let roles = self.store.list_roles().await?;
        let mut out = Vec::new();
        for u in self.store.list_users().await? {
            let role =
                Role::parse(&u.role).ok_or_else(|| AppError::Internal(format!("user {} has unknown role", u.id)))?;
            let settings = crate::roles::settings_from_row(role, roles.iter().find(|r| r.id == u.role));
            let used = self.store.permission_use(&u.id).await?;
            let permissions: Vec<String> = settings.permissions.iter().map(|p| p.as_str().to_string()).collect();
            let unused = permissions
                .iter()
                .filter(|p| !used.iter().any(|(name, at)| name == *p && now - at < UNUSED_AFTER_DAYS * DAY_MICROS))
                .cloned()
                .collect();
            let tokens = self.store.user_tokens(&u.id).await?;
            let mfa = self.store.get_totp(&u.id).await?.is_some_and(|t| t.enabled_at.is_some());
            out.push(AccessLine {
                user_id: u.id.clone(),
                email: u.email.clone(),
                role: u.role.clone(),
                scope: settings.scope.as_str().into(),
                status: u.status.clone(),
                last_login_at: u.last_login_at,
                mfa_enabled: mfa,
                permissions,
                unused_permissions: unused,
                tokens: tokens.iter().filter(|t| t.revoked_at.is_none()).map(token_info).collect(),
            });
        }
        Ok(out)
    }

    /// Opens a review of every user, due at `due_at` (unix microseconds).
    pub async fn create_review(&self, actor: &Actor, due_at: i64) -> Result<Review, AppError> {
        self.allow(actor, Permission::AccessReview)?;
        let now = self.now_micros();
        if due_at <= now {
            return Err(AppError::invalid("due_at", "in_past", "must be in the future"));
        }
        let users: Vec<String> = self.store.list_users().await?.into_iter().map(|u| u.id).collect();
        let row = ReviewRow {
            id: self.new_uuid().to_string(),
            created_by: actor.user_id().map(|u| u.to_string()),
            created_at: now,
            due_at,
            closed_at: None,
        };
        let mut tx = self.store.begin_write().await?;
        tx.insert_review(&row, &users).await?;
        self.audit(&mut tx, actor, Ev::new("access_review.create", "access_review").record(&row.id)).await?;
        tx.commit().await?;
        self.get_review(actor, &row.id).await
    }

    /// Every review, newest first, with overdue ones flagged.
    pub async fn list_reviews(&self, actor: &Actor) -> Result<Vec<Review>, AppError> {
        self.allow(actor, Permission::AccessReview)?;
        let now = self.now_micros();
        Ok(self
            .store
            .list_reviews()
            .await?
            .into_iter()
            .map(|r| Review { overdue: r.closed_at.is_none() && r.due_at < now, review: r, items: Vec::new() })
            .collect())
    }

    pub async fn get_review(&self, actor: &Actor, id: &str) -> Result<Review, AppError> {
        self.allow(actor, Permission::AccessReview)?;
        let r = self.store.get_review(id).await?.ok_or(AppError::NotFound("review"))?;
        let items = self.store.review_items(id).await?;
        let overdue = r.closed_at.is_none() && r.due_at < self.now_micros();
        Ok(Review { review: r, overdue, items })
    }

    /// Certifies or revokes one user's access in a review. Revoking disables the account and
    /// ends its sessions and tokens in the same transaction.
    pub async fn decide_review(
        &self,
        actor: &Actor,
        review_id: &str,
        user_id: &str,
        decision: &str,
        note: Option<&str>,
    ) -> Result<Review, AppError> {
        self.allow(actor, Permission::AccessReview)?;
        let decision = match decision {
            "certify" => "certified",
            "revoke" => "revoked",
            _ => return Err(AppError::invalid("decision", "invalid_choice", "must be certify or revoke")),
        };
        if actor.user_id().map(|u| u.to_string()).as_deref() == Some(user_id) {
            return Err(AppError::invalid("user_id", "self", "reviewers do not decide on their own access"));
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty()).map(|n| n.chars().take(500).collect::<String>());
        let now = self.now_micros();
        let mut tx = self.store.begin_write().await?;
        let item = ReviewItemRow {
            review_id: review_id.into(),
            user_id: user_id.into(),
            decision: decision.into(),
            decided_by: actor.user_id().map(|u| u.to_string()),
            decided_at: Some(now),
            note,
        };
        if !tx.decide_review_item(&item).await? {
            return Err(AppError::NotFound("pending review item"));
        }
        if decision == "revoked"
            && let Some(mut u) = tx.get_user(user_id).await?
        {
            let v = u.version;
            u.status = "disabled".into();
            u.version += 1;
            u.updated_at = now;
            tx.update_user(&u, v).await?;
            tx.revoke_user_sessions(user_id, None, now).await?;
            tx.revoke_user_tokens(user_id, now).await?;
        }
        tx.close_review_if_done(review_id, now).await?;
        let ev = Ev::new(&format!("access_review.{decision}"), "user").record(user_id).ids(vec![review_id.to_string()]);
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        self.get_review(actor, review_id).await
    }
}
