//! Activity use cases: log a call, meeting, e-mail or note, add and complete tasks, change,
//! delete, read and list them. Every call is authorised (`activity.read` / `activity.write`)
//! and scoped: an activity is seen exactly when its deal, else its customer, else its lead is
//! (see `custos_store` `tables/activities.rs`); anything else answers 404 like an unknown id.
//! Bodies are sealed before the store sees them and redacted before they leave; audit events
//! name fields, never values.

use crate::activity_views::{
    ActivityMeta, ActivityOut, activity_out, customer_ids, decode_cursor, encode_cursor, key_owner,
};
use crate::audit::Ev;
use crate::authz::visibility;
use crate::{Actor, App, AppError};
use custos_domain::sales::activity::parse_moment;
use custos_domain::sales::{ActivityChanges, ActivityData, ActivityInput, ActivityKind};
use custos_domain::{ActivityId, Change, CustomerId, DealId, FieldErrors, LeadId, Permission, UserId};
use custos_store::{ActivityFilter, ActivityRow, Visibility, WriteTx};

/// Filters and paging of an activity list, as raw strings from the caller.
#[derive(Debug, Clone, Default)]
pub struct ActivityQuery {
    pub kind: Option<String>,
    pub owner_id: Option<String>,
    pub customer_id: Option<String>,
    pub deal_id: Option<String>,
    pub lead_id: Option<String>,
    /// Only tasks not done yet.
    pub open: Option<bool>,
    /// RFC 3339: only tasks due before this moment.
    pub due_before: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// One page of activities and the cursor for the next, if any.
#[derive(Debug, Clone)]
pub struct ActivityPage {
    pub items: Vec<ActivityOut>,
    pub next_cursor: Option<String>,
}

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;
const LIST: &str = "activities";

/// Field names an activity change touches, for the audit event.
fn changed_fields(old: &ActivityData, new: &ActivityData) -> Vec<&'static str> {
    let mut f = Vec::new();
    let pairs: [(&'static str, bool); 6] = [
        ("subject", old.subject != new.subject),
        ("body", old.body != new.body),
        ("owner_id", old.owner_id != new.owner_id),
        ("occurred_at", old.occurred_at != new.occurred_at),
        ("due_at", old.due_at != new.due_at),
        ("done", old.done_at != new.done_at),
    ];
    for (name, changed) in pairs {
        if changed {
            f.push(name);
        }
    }
    f
}

fn new_fields(d: &ActivityData) -> Vec<&'static str> {
    let mut f = vec!["kind", "subject"];
    for (name, set) in [
        ("body", d.body.is_some()),
        ("customer_id", d.customer_id.is_some()),
        ("deal_id", d.deal_id.is_some()),
        ("lead_id", d.lead_id.is_some()),
        ("owner_id", d.owner_id.is_some()),
        ("occurred_at", d.occurred_at.is_some()),
        ("due_at", d.due_at.is_some()),
        ("done", d.done_at.is_some()),
    ] {
        if set {
            f.push(name);
        }
    }
    f
}

fn unknown(field: &str, what: &str) -> AppError {
    AppError::invalid(field, "unknown", &format!("no {what} you can see has this id"))
}

impl App {
    /// Checks the links of a new activity in `tx` (each must be visible to the reader) and
    /// returns the customer whose key seals it: the given one, else the deal's.
    async fn check_links(tx: &mut WriteTx, d: &ActivityData, v: &Visibility) -> Result<Option<CustomerId>, AppError> {
        let mut e = FieldErrors::new();
        let mut customer = d.customer_id;
        if let Some(c) = d.customer_id
            && !tx.customer_visible(&c.to_string(), v).await?
        {
            e.push("customer_id", "unknown", "no customer you can see has this id");
        }
        if let Some(deal) = d.deal_id {
            match tx.activity_deal_link(&deal.to_string(), v).await? {
                None => e.push("deal_id", "unknown", "no deal you can see has this id"),
                Some(of_deal) => match (customer, of_deal.parse::<CustomerId>()) {
                    (Some(c), Ok(dc)) if c != dc => {
                        e.push("deal_id", "mismatch", "the deal belongs to another customer")
                    }
                    (_, Ok(dc)) => customer = Some(dc),
                    (_, Err(_)) => return Err(AppError::Internal("stored deal customer id is malformed".into())),
                },
            }
        }
        if let Some(l) = d.lead_id
            && !tx.activity_lead_visible(&l.to_string(), v).await?
        {
            e.push("lead_id", "unknown", "no lead you can see has this id");
        }
        e.into_result(customer).map_err(AppError::Invalid)
    }

    /// The team of an activity's owner; the owner must be someone the actor may act for.
    async fn owner_team(tx: &mut WriteTx, actor: &Actor, owner: Option<UserId>) -> Result<Option<String>, AppError> {
        let Some(o) = owner else { return Ok(None) };
        if Some(o) == actor.user_id() {
            return Ok(actor.team_id().map(|t| t.to_string()));
        }
        let id = o.to_string();
        if !tx.user_or_team_in_scope(&id, false, &visibility(actor)).await? {
            return Err(unknown("owner_id", "user"));
        }
        Ok(tx.user_team(&id).await?.flatten())
    }

    /// Logs an activity or adds a task.
    pub async fn create_activity(&self, actor: &Actor, input: &ActivityInput) -> Result<ActivityOut, AppError> {
        self.allow(actor, Permission::ActivityWrite)?;
        let now = self.now();
        let mut data = ActivityData::validate(input, now)?;
        if data.owner_id.is_none() {
            data.owner_id = actor.user_id();
        }
        let v = visibility(actor);
        // The key owner is found through the reader first: a connection holding a write
        // transaction never waits on another lookup. The transaction checks again.
        let key_id = match (data.customer_id, data.deal_id, data.lead_id) {
            (Some(c), _, _) => Some(c.to_string()),
            (None, Some(d), _) => self.store.activity_deal_link(&d.to_string(), &v).await?,
            (None, None, Some(l)) => Some(l.to_string()),
            (None, None, None) => None,
        };
        let Some(key_id) = key_id else { return Err(unknown("deal_id", "deal")) };
        let keys = match self.vault.keys_for(&key_id, false).await {
            Err(AppError::Erased(_)) => {
                let field =
                    if data.customer_id.is_some() || data.deal_id.is_some() { "customer_id" } else { "lead_id" };
                return Err(unknown(field, "record"));
            }
            other => other?,
        };
        let id = ActivityId(self.new_uuid());
        let mut tx = self.store.begin_write().await?;
        let customer = Self::check_links(&mut tx, &data, &v).await?;
        let sealed_by = customer.map(|c| c.to_string()).or_else(|| data.lead_id.map(|l| l.to_string()));
        if sealed_by.as_deref() != Some(key_id.as_str()) {
            return Err(AppError::Conflict("the deal changed customer meanwhile; try again".into()));
        }
        data.customer_id = customer;
        let team_id = Self::owner_team(&mut tx, actor, data.owner_id).await?;
        let ts = crate::convert::to_micros(now);
        let meta = ActivityMeta { team_id, created: ts, updated: ts, version: 1 };
        let row = self.activity_row(&keys, &id, &data, meta);
        tx.insert_activity(&row).await?;
        let ids = data.customer_id.map(|c| vec![c.to_string()]).unwrap_or_default();
        let ev = Ev::new("activity.create", "activity").record(id).fields(&new_fields(&data)).ids(ids);
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        let a = self.activity_from_row(&keys, &row)?;
        Ok(activity_out(actor, a))
    }

    /// The visible row of an activity and the keys that open it; 404 otherwise.
    async fn visible_activity(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<(ActivityRow, crate::vault::RecordKeys), AppError> {
        let id = id.parse::<ActivityId>().map_err(|_| AppError::NotFound("activity"))?;
        let Some(row) = self.store.get_activity_visible(&id.to_string(), &visibility(actor)).await? else {
            self.audit_denied(actor, "activity.access", "activity", Some(&id.to_string()));
            return Err(AppError::NotFound("activity"));
        };
        let keys = self.vault.keys_for(key_owner(&row)?, false).await?;
        Ok((row, keys))
    }

    pub async fn get_activity(&self, actor: &Actor, id: &str) -> Result<ActivityOut, AppError> {
        self.allow(actor, Permission::ActivityRead)?;
        let (row, keys) = self.visible_activity(actor, id).await?;
        let a = self.activity_from_row(&keys, &row)?;
        let ids = a.data.customer_id.map(|c| vec![c.to_string()]).unwrap_or_default();
        self.audit_read(actor, Ev::new("activity.read", "activity").record(a.id).ids(ids));
        Ok(activity_out(actor, a))
    }

    /// Applies changes if the stored version is still `expected_version`.
    pub async fn update_activity(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        changes: &ActivityChanges,
    ) -> Result<ActivityOut, AppError> {
        self.allow(actor, Permission::ActivityWrite)?;
        let (seen, keys) = self.visible_activity(actor, id).await?;
        let mut tx = self.store.begin_write().await?;
        let row = tx.get_activity_visible(&seen.id, &visibility(actor)).await?.ok_or(AppError::NotFound("activity"))?;
        if row.version != expected_version {
            return Err(AppError::Stale { current: row.version });
        }
        let current = self.activity_from_row(&keys, &row)?;
        let now = self.now();
        let data = current.data.apply(changes, now)?;
        if data == current.data {
            return Ok(activity_out(actor, current));
        }
        let team_id = if data.owner_id == current.data.owner_id {
            row.team_id.clone()
        } else {
            Self::owner_team(&mut tx, actor, data.owner_id).await?
        };
        let ts = crate::convert::to_micros(now).max(row.updated_at);
        let meta = ActivityMeta { team_id, created: row.created_at, updated: ts, version: row.version + 1 };
        let new_row = self.activity_row(&keys, &current.id, &data, meta);
        tx.update_activity(&new_row, expected_version).await?;
        let ev =
            Ev::new("activity.update", "activity").record(current.id).fields(&changed_fields(&current.data, &data));
        let ids = data.customer_id.map(|c| vec![c.to_string()]).unwrap_or_default();
        self.audit(&mut tx, actor, ev.ids(ids)).await?;
        tx.commit().await?;
        Ok(activity_out(actor, self.activity_from_row(&keys, &new_row)?))
    }

    /// Marks a task done (a task already done stays as it was). Only tasks can be completed.
    pub async fn complete_activity(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
    ) -> Result<ActivityOut, AppError> {
        self.allow(actor, Permission::ActivityWrite)?;
        let (seen, keys) = self.visible_activity(actor, id).await?;
        let mut tx = self.store.begin_write().await?;
        let row = tx.get_activity_visible(&seen.id, &visibility(actor)).await?.ok_or(AppError::NotFound("activity"))?;
        if row.kind != ActivityKind::Task.as_str() {
            return Err(AppError::invalid("kind", "not_a_task", "only tasks can be completed"));
        }
        if row.version != expected_version {
            return Err(AppError::Stale { current: row.version });
        }
        if row.done_at.is_some() {
            return Ok(activity_out(actor, self.activity_from_row(&keys, &row)?));
        }
        let done_at = self.now_micros().max(row.updated_at);
        tx.complete_activity(&row.id, done_at, expected_version).await?;
        let ids = row.customer_id.iter().cloned().collect();
        let ev = Ev::new("activity.complete", "activity").record(&row.id).fields(&["done"]).ids(ids);
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        let done = ActivityRow { done_at: Some(done_at), updated_at: done_at, version: row.version + 1, ..row };
        Ok(activity_out(actor, self.activity_from_row(&keys, &done)?))
    }

    /// Deletes an activity; with a version, only if it is still current.
    pub async fn delete_activity(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: Option<i64>,
    ) -> Result<(), AppError> {
        self.allow(actor, Permission::ActivityWrite)?;
        let id = id.parse::<ActivityId>().map_err(|_| AppError::NotFound("activity"))?;
        let mut tx = self.store.begin_write().await?;
        let Some(row) = tx.get_activity_visible(&id.to_string(), &visibility(actor)).await? else {
            return Err(AppError::NotFound("activity"));
        };
        if let Some(v) = expected_version
            && v != row.version
        {
            return Err(AppError::Stale { current: row.version });
        }
        tx.delete_activity(&row.id, Some(row.version)).await?;
        let ids = row.customer_id.iter().cloned().collect();
        self.audit(&mut tx, actor, Ev::new("activity.delete", "activity").record(&row.id).ids(ids)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lists activities with filters, newest first, in pages.
    pub async fn list_activities(&self, actor: &Actor, q: &ActivityQuery) -> Result<ActivityPage, AppError> {
        self.allow(actor, Permission::ActivityRead)?;
        let f = activity_filter(visibility(actor), q)?;
        let page = self.store.list_activities(&f).await?;
        let items = self.activities_out(actor, &page.items).await?;
        if !items.is_empty() {
            self.audit_read(actor, Ev::new("activity.list", "activity").ids(customer_ids(&items)));
        }
        let next_cursor = page.next.map(|(k, id)| match k {
            custos_store::SortKey::Int(n) => encode_cursor(LIST, n, &id),
            custos_store::SortKey::Text(_) => String::new(),
        });
        Ok(ActivityPage { items, next_cursor })
    }
}

fn parse_opt_id<T: std::str::FromStr + ToString>(
    e: &mut FieldErrors,
    field: &str,
    v: &Option<String>,
) -> Option<String> {
    let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    match v.parse::<T>() {
        Ok(id) => Some(id.to_string()),
        Err(_) => {
            e.push(field, "invalid_id", "must be an id (UUID)");
            None
        }
    }
}

fn activity_filter(v: Visibility, q: &ActivityQuery) -> Result<ActivityFilter, AppError> {
    let mut e = FieldErrors::new();
    let mut f = ActivityFilter::new(v, q.limit.unwrap_or(DEFAULT_PAGE));
    if let Some(l) = q.limit
        && !(1..=MAX_PAGE).contains(&l)
    {
        e.push("limit", "out_of_range", format!("must be between 1 and {MAX_PAGE}"));
    }
    if let Some(k) = &q.kind {
        f.kind = e.check("kind", ActivityKind::parse(k)).map(|k| k.as_str().to_string());
    }
    f.owner_id = parse_opt_id::<UserId>(&mut e, "owner_id", &q.owner_id);
    f.customer_id = parse_opt_id::<CustomerId>(&mut e, "customer_id", &q.customer_id);
    f.deal_id = parse_opt_id::<DealId>(&mut e, "deal_id", &q.deal_id);
    f.lead_id = parse_opt_id::<LeadId>(&mut e, "lead_id", &q.lead_id);
    f.open_tasks = q.open.unwrap_or(false);
    if let Some(d) = &q.due_before {
        f.due_before = e.check("due_before", parse_moment(d)).map(crate::convert::to_micros);
    }
    if let Some(c) = &q.cursor {
        match decode_cursor(c, LIST) {
            Some(after) => f.after = Some(after),
            None => e.push("cursor", "invalid", "is not a cursor of this list"),
        }
    }
    e.into_result(f).map_err(AppError::Invalid)
}

/// Changes from a body where `null` clears the body (the only optional text).
pub fn body_change(v: Option<Option<String>>) -> Change<String> {
    match v {
        None => Change::Keep,
        Some(None) => Change::Clear,
        Some(Some(s)) => Change::Set(s),
    }
}
