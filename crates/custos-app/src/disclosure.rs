//! Controlled disclosure of customer data: counts and exports within the reader's scope,
//! reveals of masked fields with a stated purpose (rate-limited, step-up for restricted
//! fields), and sharing a customer with a colleague.

use crate::audit::Ev;
use crate::authz::visibility;
use crate::customers::CustomerQuery;
use crate::views::{CustomerOut, contact_field, customer_field};
use crate::{Actor, App, AppError};
use custos_domain::sensitivity::class_of;
use custos_domain::{CONTACT_FIELDS, CUSTOMER_FIELDS, FieldErrors, FieldRight, Permission, RoleSettings, Sensitivity};
use custos_store::ThrottleRow;

/// The most records one export may hold.
pub const MAX_EXPORT: usize = 10_000;
/// A purpose must say something.
const PURPOSE_CHARS: std::ops::RangeInclusive<usize> = 10..=500;

/// One revealed field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revealed {
    pub field: String,
    pub value: Option<String>,
}

impl App {
    /// How many customers in the actor's scope match the query.
    pub async fn count_customers(&self, actor: &Actor, q: &CustomerQuery) -> Result<i64, AppError> {
        self.allow(actor, Permission::CustomerRead)?;
        let mut f = self.customer_filter(q)?;
        f.visible = Some(visibility(actor));
        Ok(self.store.count_customers(&f).await?)
    }

    /// Every customer in the actor's scope matching the query (up to `MAX_EXPORT`), redacted
    /// by the actor's field rights. More than the configured number needs step-up.
    pub async fn export_customers(&self, actor: &Actor, q: &CustomerQuery) -> Result<Vec<CustomerOut>, AppError> {
        self.allow(actor, Permission::CustomerExport)?;
        let n =
            self.count_customers(actor, &CustomerQuery { cursor: None, limit: None, sort: None, ..q.clone() }).await?;
        if n > i64::from(self.config.export_step_up_over) {
            self.require_step_up(actor)?;
        }
        if n > MAX_EXPORT as i64 {
            return Err(AppError::invalid(
                "limit",
                "too_many",
                &format!("an export holds at most {MAX_EXPORT} records; narrow the filters"),
            ));
        }
        let mut out = Vec::new();
        let mut page_q = CustomerQuery { limit: Some(crate::customers::MAX_PAGE), cursor: None, ..q.clone() };
        loop {
            let page = self.list_customers_unaudited(actor, &page_q).await?;
            out.extend(page.items);
            match page.next_cursor {
                Some(c) if out.len() < MAX_EXPORT => page_q.cursor = Some(c),
                _ => break,
            }
        }
        // Nothing is handed out unless the export, with every id it holds, is recorded.
        let ids = out.iter().map(|c| c.id.to_string()).collect();
        self.audit_now(actor, Ev::new("customer.export", "customer").ids(ids)).await?;
        Ok(out)
    }

    /// Reveals masked fields of a customer for a stated purpose.
    pub async fn reveal_customer(
        &self,
        actor: &Actor,
        id: &str,
        fields: &[String],
        purpose: &str,
    ) -> Result<Vec<Revealed>, AppError> {
        self.check_reveal(actor, CUSTOMER_FIELDS, fields, purpose)?;
        let c = self.read_customer(actor, id).await?;
        let ev = Ev::new("customer.reveal", "customer").record(c.id).fields(fields).purpose(purpose.trim());
        self.count_reveal(actor, ev).await?;
        Ok(fields.iter().map(|f| Revealed { field: f.clone(), value: customer_field(&c, f) }).collect())
    }

    /// Reveals masked fields of a contact for a stated purpose.
    pub async fn reveal_contact(
        &self,
        actor: &Actor,
        id: &str,
        fields: &[String],
        purpose: &str,
    ) -> Result<Vec<Revealed>, AppError> {
        self.check_reveal(actor, CONTACT_FIELDS, fields, purpose)?;
        let c = self.read_contact(actor, id).await?;
        let ev = Ev::new("contact.reveal", "contact").record(c.id).fields(fields).purpose(purpose.trim());
        self.count_reveal(actor, ev.ids(vec![c.customer_id.to_string()])).await?;
        Ok(fields.iter().map(|f| Revealed { field: f.clone(), value: contact_field(&c, f) }).collect())
    }

    /// The policy of a reveal: known sensitive fields, a purpose, the reveal permission of each
    /// class, a right that allows revealing, and step-up for restricted fields.
    fn check_reveal(
        &self,
        actor: &Actor,
        table: &'static [custos_domain::sensitivity::FieldSpec],
        fields: &[String],
        purpose: &str,
    ) -> Result<(), AppError> {
        let mut e = FieldErrors::new();
        if fields.is_empty() {
            e.push("fields", "required", "name at least one field to reveal");
        }
        let mut classes = Vec::new();
        for f in fields {
            match class_of(table, f) {
                Some(c) if c.is_encrypted() => classes.push(c),
                _ => e.push("fields", "invalid", format!("'{f}' is not a sensitive field")),
            }
        }
        let n = purpose.trim().chars().count();
        if !PURPOSE_CHARS.contains(&n) {
            e.push("purpose", "invalid", "state the purpose in 10 to 500 characters");
        }
        if !e.is_empty() {
            return Err(AppError::Invalid(e));
        }
        classes.sort();
        classes.dedup();
        for class in &classes {
            if let Some(p) = RoleSettings::reveal_permission(*class) {
                self.allow(actor, p)?;
            }
            if !matches!(actor.field_right(*class), FieldRight::Revealable | FieldRight::Plain) {
                return Err(AppError::Forbidden);
            }
        }
        if classes.contains(&Sensitivity::Restricted) {
            self.require_step_up(actor)?;
        }
        Ok(())
    }

    /// At most `reveals_per_hour` reveals per user, counted in the database, and the reveal
    /// recorded in the audit log in the same transaction.
    async fn count_reveal(&self, actor: &Actor, ev: Ev) -> Result<(), AppError> {
        let Some(user) = actor.user_id() else { return self.audit_now(actor, ev).await };
        let key = format!("reveal:{user}");
        let now = self.now_micros();
        let hour = 3_600_000_000i64;
        let mut tx = self.store.begin_write().await?;
        let row = tx.get_throttle(&key).await?;
        let mut t = match row {
            Some(t) if now - t.window_start < hour => t,
            _ => ThrottleRow { key, failures: 0, window_start: now, locked_until: 0 },
        };
        if t.failures >= i64::from(self.config.reveals_per_hour) {
            let retry = ((t.window_start + hour - now) / 1_000_000).max(1) as u64;
            return Err(AppError::TooManyAttempts { retry_after_secs: retry });
        }
        t.failures += 1;
        tx.put_throttle(&t).await?;
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Shares a customer with another user (who then sees it within an own/team scope).
    pub async fn share_customer(&self, actor: &Actor, id: &str, user_id: &str) -> Result<(), AppError> {
        self.allow(actor, Permission::CustomerUpdate)?;
        let c = self.read_customer(actor, id).await?;
        if self.store.user_by_id(user_id).await?.is_none() {
            return Err(AppError::invalid("user_id", "unknown", "no user has this id"));
        }
        let mut tx = self.store.begin_write().await?;
        tx.add_share(&c.id.to_string(), user_id, self.now_micros()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn unshare_customer(&self, actor: &Actor, id: &str, user_id: &str) -> Result<(), AppError> {
        self.allow(actor, Permission::CustomerUpdate)?;
        let c = self.read_customer(actor, id).await?;
        let mut tx = self.store.begin_write().await?;
        let removed = tx.remove_share(&c.id.to_string(), user_id).await?;
        tx.commit().await?;
        if removed { Ok(()) } else { Err(AppError::NotFound("share")) }
    }

    /// The users a customer is shared with.
    pub async fn customer_shares(&self, actor: &Actor, id: &str) -> Result<Vec<String>, AppError> {
        let c = self.read_customer(actor, id).await?;
        Ok(self.store.customer_shares(&c.id.to_string()).await?)
    }
}
