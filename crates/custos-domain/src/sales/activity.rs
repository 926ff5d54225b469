//! Activities: calls, meetings, logged e-mails, tasks with a due time, and notes, each tied
//! to a customer, a deal or a lead. Pure rules: raw input and changes become validated data
//! (or one message per invalid field); it never reads the clock — `now` is a parameter.
//!
//! - `subject` is required, one line, at most 200 characters; `body` is optional multiline
//!   text of at most 10,000 characters and is confidential (the app seals it).
//! - At least one of `customer_id`, `deal_id`, `lead_id`. Links are fixed at creation.
//! - Calls, meetings, e-mails and notes have `occurred_at` (default: now) and no due time;
//!   tasks have a required `due_at`, no `occurred_at`, and may be done (`done_at`).
//! - Times are RFC 3339 and must lie between the years 2000 and 2100.

use crate::Change;
use crate::errors::{FieldErrors, ValueError};
use crate::ids::{CustomerId, DealId, LeadId, UserId};
use crate::text::{self, NAME, NOTES};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What kind of activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    Call,
    Meeting,
    Email,
    Task,
    Note,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 5] =
        [ActivityKind::Call, ActivityKind::Meeting, ActivityKind::Email, ActivityKind::Task, ActivityKind::Note];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Call => "call",
            ActivityKind::Meeting => "meeting",
            ActivityKind::Email => "email",
            ActivityKind::Task => "task",
            ActivityKind::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Result<ActivityKind, ValueError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| ValueError::new("invalid_choice", "must be one of: call, meeting, email, task, note"))
    }

    /// Tasks have a due time and can be done; every other kind happened at a moment.
    pub fn is_task(self) -> bool {
        self == ActivityKind::Task
    }
}

/// Raw input for a new activity, as strings from any front end.
#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    pub kind: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub customer_id: Option<String>,
    pub deal_id: Option<String>,
    pub lead_id: Option<String>,
    /// Whose activity (or task) it is; defaults to the caller.
    pub owner_id: Option<String>,
    /// RFC 3339; calls, meetings, e-mails and notes only (default: now).
    pub occurred_at: Option<String>,
    /// RFC 3339; tasks only, required for them.
    pub due_at: Option<String>,
    /// Tasks only: created already done.
    pub done: Option<bool>,
}

/// Raw changes to an activity: `None` keeps a field. Kind and links never change.
#[derive(Debug, Clone, Default)]
pub struct ActivityChanges {
    pub subject: Option<String>,
    pub body: Change<String>,
    pub owner_id: Option<String>,
    pub occurred_at: Option<String>,
    pub due_at: Option<String>,
    pub done: Option<bool>,
}

impl ActivityChanges {
    pub fn is_empty(&self) -> bool {
        self.subject.is_none()
            && matches!(self.body, Change::Keep)
            && self.owner_id.is_none()
            && self.occurred_at.is_none()
            && self.due_at.is_none()
            && self.done.is_none()
    }
}

/// The validated content of an activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityData {
    pub kind: ActivityKind,
    pub subject: String,
    pub body: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub deal_id: Option<DealId>,
    pub lead_id: Option<LeadId>,
    pub owner_id: Option<UserId>,
    pub occurred_at: Option<OffsetDateTime>,
    pub due_at: Option<OffsetDateTime>,
    pub done_at: Option<OffsetDateTime>,
}

/// Parses an RFC 3339 moment between the years 2000 and 2100.
pub fn parse_moment(s: &str) -> Result<OffsetDateTime, ValueError> {
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339)
        .map_err(|_| ValueError::new("invalid_datetime", "must be an RFC 3339 time such as 2026-11-28T14:30:00Z"))?;
    if !(2000..=2100).contains(&t.year()) {
        return Err(ValueError::new("out_of_range", "must be between the years 2000 and 2100"));
    }
    Ok(t.to_offset(time::UtcOffset::UTC))
}

fn id<T: std::str::FromStr>(v: &str) -> Result<T, ValueError> {
    v.trim().parse().map_err(|_| ValueError::new("invalid_id", "must be an id (UUID)"))
}

/// An optional id field; an empty string means none.
fn opt_id<T: std::str::FromStr>(e: &mut FieldErrors, field: &str, raw: &Option<String>) -> Option<T> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => e.check(field, id(v)),
    }
}

fn opt_moment(e: &mut FieldErrors, field: &str, raw: &Option<String>) -> Option<OffsetDateTime> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => e.check(field, parse_moment(v)),
    }
}

impl ActivityData {
    /// Validates a complete input; every invalid field is reported.
    pub fn validate(input: &ActivityInput, now: OffsetDateTime) -> Result<ActivityData, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = match &input.kind {
            Some(k) => e.check("kind", ActivityKind::parse(k)),
            None => {
                e.push("kind", "required", "is required");
                None
            }
        };
        let subject = match &input.subject {
            Some(s) => e.check("subject", text::required(s, NAME)),
            None => {
                e.push("subject", "required", "is required");
                None
            }
        };
        let body = match &input.body {
            Some(b) => e.check("body", text::optional(b, NOTES)).flatten(),
            None => None,
        };
        let customer_id = opt_id(&mut e, "customer_id", &input.customer_id);
        let deal_id = opt_id(&mut e, "deal_id", &input.deal_id);
        let lead_id = opt_id(&mut e, "lead_id", &input.lead_id);
        let links_given = [&input.customer_id, &input.deal_id, &input.lead_id]
            .iter()
            .any(|l| l.as_deref().is_some_and(|v| !v.trim().is_empty()));
        if !links_given {
            e.push("customer_id", "required", "one of customer_id, deal_id or lead_id is required");
        }
        let owner_id = opt_id(&mut e, "owner_id", &input.owner_id);
        let occurred_at = opt_moment(&mut e, "occurred_at", &input.occurred_at);
        let due_at = opt_moment(&mut e, "due_at", &input.due_at);
        let mut data = ActivityData {
            kind: kind.unwrap_or(ActivityKind::Note),
            subject: subject.unwrap_or_default(),
            body,
            customer_id,
            deal_id,
            lead_id,
            owner_id,
            occurred_at: None,
            due_at: None,
            done_at: None,
        };
        if let Some(kind) = kind {
            if kind.is_task() {
                if input.occurred_at.is_some() {
                    e.push("occurred_at", "not_allowed", "tasks have a due time (due_at), not occurred_at");
                }
                if input.due_at.as_deref().is_none_or(|d| d.trim().is_empty()) {
                    e.push("due_at", "required", "is required for a task");
                }
                data.due_at = due_at;
                data.done_at = input.done.unwrap_or(false).then_some(now);
            } else {
                if input.due_at.is_some() {
                    e.push("due_at", "not_allowed", "only tasks have a due time");
                }
                if input.done.is_some() {
                    e.push("done", "not_allowed", "only tasks can be done");
                }
                data.occurred_at = Some(occurred_at.unwrap_or(now));
            }
        }
        e.into_result(data)
    }

    /// Applies changes to a copy; every invalid field is reported and the original is untouched.
    /// `now` becomes the done time when a task is marked done.
    pub fn apply(&self, c: &ActivityChanges, now: OffsetDateTime) -> Result<ActivityData, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut d = self.clone();
        if let Some(s) = &c.subject
            && let Some(v) = e.check("subject", text::required(s, NAME))
        {
            d.subject = v;
        }
        match &c.body {
            Change::Keep => {}
            Change::Clear => d.body = None,
            Change::Set(b) => {
                if let Some(v) = e.check("body", text::optional(b, NOTES)) {
                    d.body = v;
                }
            }
        }
        if let Some(o) = &c.owner_id {
            d.owner_id = e.check("owner_id", id(o));
        }
        if self.kind.is_task() {
            if c.occurred_at.is_some() {
                e.push("occurred_at", "not_allowed", "tasks have a due time (due_at), not occurred_at");
            }
            if let Some(due) = &c.due_at
                && let Some(v) = e.check("due_at", parse_moment(due))
            {
                d.due_at = Some(v);
            }
            match c.done {
                Some(true) if d.done_at.is_none() => d.done_at = Some(now),
                Some(false) => d.done_at = None,
                _ => {}
            }
        } else {
            if c.due_at.is_some() {
                e.push("due_at", "not_allowed", "only tasks have a due time");
            }
            if c.done.is_some() {
                e.push("done", "not_allowed", "only tasks can be done");
            }
            if let Some(at) = &c.occurred_at
                && let Some(v) = e.check("occurred_at", parse_moment(at))
            {
                d.occurred_at = Some(v);
            }
        }
        e.into_result(d)
    }

    /// The moment that places the activity on a timeline: when it happened, or for a task
    /// when it is due.
    pub fn at(&self) -> Option<OffsetDateTime> {
        self.occurred_at.or(self.due_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-28 10:00 UTC);
    const CUSTOMER: &str = "0190f0e0-0000-7000-8000-000000000001";

    fn input(kind: &str) -> ActivityInput {
        ActivityInput {
            kind: Some(kind.into()),
            subject: Some("  First call ".into()),
            customer_id: Some(CUSTOMER.into()),
            ..Default::default()
        }
    }

    fn fields(r: Result<ActivityData, FieldErrors>) -> Vec<String> {
        r.err().map(|e| e.0.into_iter().map(|f| f.field).collect()).unwrap_or_default()
    }

    #[test]
    fn logged_kinds_default_to_now_and_tasks_need_a_due_time() {
        let call = ActivityData::validate(&input("call"), NOW).unwrap();
        assert_eq!((call.subject.as_str(), call.occurred_at, call.due_at), ("First call", Some(NOW), None));
        assert_eq!(fields(ActivityData::validate(&input("task"), NOW)), vec!["due_at"]);
        let task = ActivityInput { due_at: Some("2026-11-30T09:00:00+08:00".into()), ..input("task") };
        let t = ActivityData::validate(&task, NOW).unwrap();
        assert_eq!(t.due_at, Some(datetime!(2026-11-30 01:00 UTC)));
        assert_eq!((t.occurred_at, t.done_at), (None, None));
        let done = ActivityInput { done: Some(true), ..task };
        assert_eq!(ActivityData::validate(&done, NOW).unwrap().done_at, Some(NOW));
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let bad = ActivityInput {
            kind: Some("visit".into()),
            subject: Some("x".repeat(201)),
            body: Some("a\u{0}b".into()),
            customer_id: Some("nope".into()),
            occurred_at: Some("yesterday".into()),
            ..Default::default()
        };
        assert_eq!(
            fields(ActivityData::validate(&bad, NOW)),
            vec!["kind", "subject", "body", "customer_id", "occurred_at"]
        );
        let unlinked = ActivityInput { customer_id: None, ..input("note") };
        assert_eq!(fields(ActivityData::validate(&unlinked, NOW)), vec!["customer_id"]);
        let wrong = ActivityInput { due_at: Some("2026-12-01T00:00:00Z".into()), done: Some(true), ..input("call") };
        assert_eq!(fields(ActivityData::validate(&wrong, NOW)), vec!["due_at", "done"]);
        let far = ActivityInput { occurred_at: Some("1999-12-31T23:59:59Z".into()), ..input("meeting") };
        assert_eq!(fields(ActivityData::validate(&far, NOW)), vec!["occurred_at"]);
        assert!(
            ActivityData::validate(&ActivityInput { body: Some("line 1\nline 2".into()), ..input("note") }, NOW)
                .is_ok()
        );
    }

    #[test]
    fn changes_apply_to_a_copy() {
        let task = ActivityInput { due_at: Some("2026-11-30T09:00:00Z".into()), ..input("task") };
        let t = ActivityData::validate(&task, NOW).unwrap();
        let done = t.apply(&ActivityChanges { done: Some(true), ..Default::default() }, NOW).unwrap();
        assert_eq!(done.done_at, Some(NOW));
        let again =
            done.apply(&ActivityChanges { done: Some(true), ..Default::default() }, datetime!(2026-12-01 0:00 UTC));
        assert_eq!(again.unwrap().done_at, Some(NOW), "marking done twice keeps the first time");
        assert_eq!(
            done.apply(&ActivityChanges { done: Some(false), ..Default::default() }, NOW).unwrap().done_at,
            None
        );
        let bad = ActivityChanges {
            subject: Some(" ".into()),
            occurred_at: Some("2026-11-30T09:00:00Z".into()),
            ..Default::default()
        };
        assert_eq!(fields(t.apply(&bad, NOW)), vec!["subject", "occurred_at"]);
        let call = ActivityData::validate(&input("call"), NOW).unwrap();
        let cleared = call.apply(&ActivityChanges { body: Change::Clear, ..Default::default() }, NOW).unwrap();
        assert_eq!(cleared.body, None);
    }
}
