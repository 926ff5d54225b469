//! The "log activity" form (a call, meeting, e-mail, note, or a task with its due time) as
//! posted by a browser, how it becomes the same `ActivityInput` the JSON API builds, its
//! view with translated errors, and the timeline section the customer page includes
//! (`_timeline.html` with `_log_activity.html`). Validation is never done here.

use super::forms::field_messages;
use super::i18n::{self, Locale};
use super::view::{Field, FormView, Opt, Section};
use crate::WebState;
use custos_app::activity_timeline::TimelineItem;
use custos_app::activity_views::ActivityOut;
use custos_domain::sales::{ActivityInput, ActivityKind};
use custos_domain::{FieldErrors, Permission};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A posted log form. `when` is a `datetime-local` value read as UTC: when it happened
/// (empty: now), or for a task when it is due.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LogForm {
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub when: String,
    pub customer_id: String,
}

/// A `datetime-local` value (`YYYY-MM-DDTHH:MM[:SS]`) as RFC 3339 in UTC; anything else is
/// passed on for the domain to refuse; empty is none.
fn when_rfc3339(v: &str) -> Option<String> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    let b = v.as_bytes();
    let local = b.get(10) == Some(&b'T') && !v.ends_with('Z') && v.get(10..).is_some_and(|t| !t.contains(['+', '-']));
    Some(match (local, v.len()) {
        (true, 16) => format!("{v}:00Z"),
        (true, 19) => format!("{v}Z"),
        _ => v.to_string(),
    })
}

impl LogForm {
    /// The raw input; `customer` (the customer page) wins over the form's own choice.
    pub fn to_input(&self, customer: Option<&str>) -> ActivityInput {
        let kind = self.kind.trim().to_string();
        let when = when_rfc3339(&self.when);
        let task = kind == ActivityKind::Task.as_str();
        ActivityInput {
            customer_id: Some(customer.unwrap_or(&self.customer_id).to_string()),
            occurred_at: if task { None } else { when.clone() },
            due_at: if task { Some(when.unwrap_or_default()) } else { None },
            kind: Some(kind),
            subject: Some(self.subject.clone()),
            body: Some(self.body.clone()),
            ..Default::default()
        }
    }

    /// The form with its values and errors; `customers` adds a customer choice (the tasks page).
    pub fn view(&self, loc: Locale, errors: &BTreeMap<String, String>, customers: Option<Vec<Opt>>) -> FormView {
        let mut summary = Vec::new();
        let mut field = |name: &'static str, input: &'static str, value: &str| {
            let label = i18n::t(loc, &format!("activity-field-{}", name.replace('_', "-")));
            let error = errors.get(name).cloned();
            if let Some(e) = &error {
                summary.push((format!("act-{name}"), label.clone(), e.clone()));
            }
            Field {
                name,
                label,
                value: value.to_string(),
                input,
                required: false,
                autocomplete: "off",
                hint: None,
                error,
                options: Vec::new(),
                id_prefix: "act-",
            }
        };
        let current = if self.kind.is_empty() { "call" } else { self.kind.as_str() };
        let kinds = ActivityKind::ALL
            .iter()
            .map(|k| Opt { value: k.as_str().into(), label: kind_label(loc, *k), selected: k.as_str() == current })
            .collect();
        let mut fields = vec![
            Field { options: kinds, ..field("kind", "select", "") },
            Field { required: true, ..field("subject", "text", &self.subject) },
            Field { hint: Some(i18n::t(loc, "activity-when-hint")), ..field("when", "datetime-local", &self.when) },
        ];
        if let Some(options) = customers {
            let options =
                options.into_iter().map(|o| Opt { selected: o.value == self.customer_id, ..o }).collect::<Vec<_>>();
            fields.push(Field { options, required: true, ..field("customer_id", "select", "") });
        }
        fields.push(field("body", "textarea", &self.body));
        FormView { sections: vec![Section { legend: i18n::t(loc, "activity-log"), fields }], summary }
    }
}

/// Translated messages per form field: the due and occurred times are both `when`.
pub fn log_errors(loc: Locale, e: &FieldErrors) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (field, msg) in field_messages(loc, e) {
        let key = match field.as_str() {
            "occurred_at" | "due_at" => "when".to_string(),
            "deal_id" | "lead_id" => "customer_id".to_string(),
            _ => field,
        };
        out.entry(key).or_insert(msg);
    }
    out
}

pub fn kind_label(loc: Locale, k: ActivityKind) -> String {
    i18n::t(loc, &format!("activity-kind-{}", k.as_str()))
}

/// One line of a timeline or task list.
pub struct TimelineRow {
    pub id: String,
    pub kind: &'static str,
    pub kind_label: String,
    pub subject: String,
    pub body: Option<String>,
    pub masked: bool,
    pub when: String,
    /// `open`, `overdue`, `done`, or empty (not a task).
    pub state: &'static str,
    pub state_label: String,
    pub customer_id: Option<String>,
    /// The customer's name where the page knows it.
    pub customer_name: String,
    pub version: i64,
}

/// A row for an activity; `overdue` marks an open task the app found overdue.
pub fn activity_row(loc: Locale, a: &ActivityOut, overdue: bool) -> TimelineRow {
    let state = match (a.kind.is_task(), a.done_at) {
        (false, _) => "",
        (true, Some(_)) => "done",
        (true, None) if overdue => "overdue",
        (true, None) => "open",
    };
    TimelineRow {
        id: a.id.to_string(),
        kind: a.kind.as_str(),
        kind_label: kind_label(loc, a.kind),
        subject: a.subject.clone(),
        body: a.body.clone().filter(|b| !b.is_empty()),
        masked: a.redactions.masked.contains(&"body"),
        when: i18n::format_datetime(loc, a.at()),
        state,
        state_label: if state.is_empty() { String::new() } else { i18n::t(loc, &format!("task-state-{state}")) },
        customer_id: a.customer_id.map(|c| c.to_string()),
        customer_name: String::new(),
        version: a.version,
    }
}

/// The timeline section of the customer page.
pub struct TimelineSection {
    /// The viewer may read activities (else the section is left out).
    pub shown: bool,
    /// The viewer may log activities (else no form).
    pub can_log: bool,
    pub rows: Vec<TimelineRow>,
    /// Older entries exist beyond those shown.
    pub more: bool,
    /// Where the log form posts.
    pub action: String,
    pub form: FormView,
}

/// Entries shown on the customer page.
const TIMELINE_ROWS: u32 = 20;

/// The timeline section for customer `id` as `v` may see it (empty when they may not).
pub async fn customer_timeline(s: &WebState, v: &super::Viewer, id: &str) -> TimelineSection {
    let loc = v.loc;
    let mut section = TimelineSection {
        shown: v.actor.grants(Permission::ActivityRead),
        can_log: v.actor.grants(Permission::ActivityWrite),
        rows: Vec::new(),
        more: false,
        action: format!("/customers/{id}/activities"),
        form: LogForm::default().view(loc, &BTreeMap::new(), None),
    };
    if section.shown
        && let Ok(page) = s.app.customer_timeline(&v.actor, id, Some(TIMELINE_ROWS), None).await
    {
        section.more = page.next_cursor.is_some();
        section.rows = page
            .items
            .iter()
            .filter_map(|i| match i {
                TimelineItem::Activity(a) => Some(activity_row(loc, a, false)),
                TimelineItem::StageChange(_) => None,
            })
            .collect();
    }
    section
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_local_values_become_utc_times() {
        assert_eq!(when_rfc3339("2026-11-28T14:30").as_deref(), Some("2026-11-28T14:30:00Z"));
        assert_eq!(when_rfc3339("2026-11-28T14:30:15").as_deref(), Some("2026-11-28T14:30:15Z"));
        assert_eq!(when_rfc3339("2026-11-28T14:30:00+08:00").as_deref(), Some("2026-11-28T14:30:00+08:00"));
        assert_eq!(when_rfc3339("  "), None);
        assert_eq!(when_rfc3339("soon").as_deref(), Some("soon"));
    }
}
