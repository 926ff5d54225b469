//! What an actor is shown of a lead (e-mail, mobile and notes plain, masked or hidden by the
//! actor's field rights, as for customers), the field names a change touches (for audit
//! events), and how a list query becomes a store filter. It never shows a value the actor may
//! not see and never puts a value into an audit event.

use crate::views::{Redactions, mask_field};
use crate::{Actor, App, AppError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use custos_domain::sales::lead::LEAD_FIELDS;
use custos_domain::sales::{Lead, LeadData, LeadSource, LeadStatus};
use custos_domain::sensitivity::class_of;
use custos_domain::{CustomerId, DealId, Email, FieldErrors, FieldRight, LeadId, Mobile, Sensitivity, TeamId, UserId};
use custos_store::{LeadFilter, LeadSort, SortKey};
use time::OffsetDateTime;

/// A lead as one actor may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadOut {
    pub id: LeadId,
    pub name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub source: LeadSource,
    pub status: LeadStatus,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub notes: Option<String>,
    pub disqualify_reason: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub deal_id: Option<DealId>,
    pub converted_at: Option<OffsetDateTime>,
    pub redactions: Redactions,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// Redacts a lead for `actor`.
pub fn lead_out(actor: &Actor, l: Lead) -> LeadOut {
    let mut red = Redactions::default();
    let mut show = |field: &'static str, value: Option<String>| {
        let class = class_of(LEAD_FIELDS, field).unwrap_or(Sensitivity::Restricted);
        let value = value?;
        match actor.field_right(class) {
            FieldRight::Plain => Some(value),
            FieldRight::Masked | FieldRight::Revealable => {
                red.masked.push(field);
                Some(mask_field(field, &value))
            }
            FieldRight::Hidden => {
                red.hidden.push(field);
                None
            }
        }
    };
    let d = l.data;
    let email = show("email", d.email.map(|e| e.as_str().to_string()));
    let mobile = show("mobile", d.mobile.map(|m| m.as_str().to_string()));
    let notes = show("notes", d.notes);
    LeadOut {
        id: l.id,
        name: d.name,
        company: d.company,
        title: d.title,
        source: d.source,
        status: d.status,
        owner_id: d.owner_id,
        team_id: d.team_id,
        email,
        mobile,
        notes,
        disqualify_reason: d.disqualify_reason,
        customer_id: l.conversion.and_then(|c| c.customer_id),
        deal_id: l.conversion.and_then(|c| c.deal_id),
        converted_at: l.conversion.map(|c| c.at),
        redactions: red,
        created_at: l.created_at,
        updated_at: l.updated_at,
        version: l.version,
    }
}

/// Names of the lead fields that differ between `old` and `new` (`None`: every field `new`
/// sets). Names only, never values.
pub(crate) fn lead_fields(old: Option<&LeadData>, new: &LeadData) -> Vec<&'static str> {
    let set: [(&'static str, bool, bool); 11] = [
        ("name", old.is_none_or(|o| o.name != new.name), true),
        ("company", old.is_none_or(|o| o.company != new.company), new.company.is_some()),
        ("title", old.is_none_or(|o| o.title != new.title), new.title.is_some()),
        ("source", old.is_none_or(|o| o.source != new.source), true),
        ("status", old.is_none_or(|o| o.status != new.status), true),
        ("owner_id", old.is_none_or(|o| o.owner_id != new.owner_id), new.owner_id.is_some()),
        ("team_id", old.is_none_or(|o| o.team_id != new.team_id), new.team_id.is_some()),
        ("email", old.is_none_or(|o| o.email != new.email), new.email.is_some()),
        ("mobile", old.is_none_or(|o| o.mobile != new.mobile), new.mobile.is_some()),
        ("notes", old.is_none_or(|o| o.notes != new.notes), new.notes.is_some()),
        (
            "disqualify_reason",
            old.is_none_or(|o| o.disqualify_reason != new.disqualify_reason),
            new.disqualify_reason.is_some(),
        ),
    ];
    set.into_iter().filter(|(_, differs, present)| *differs && (old.is_some() || *present)).map(|(n, ..)| n).collect()
}

/// Filters, sort and paging of a lead list, as raw strings from the caller.
#[derive(Debug, Clone, Default)]
pub struct LeadQuery {
    pub status: Option<String>,
    pub source: Option<String>,
    pub owner: Option<String>,
    /// Substring of the name or company.
    pub q: Option<String>,
    /// Exact e-mail (blind index).
    pub email: Option<String>,
    /// Exact mobile (blind index).
    pub mobile: Option<String>,
    /// Created on or after: `YYYY-MM-DD` (UTC) or RFC 3339.
    pub created_from: Option<String>,
    /// Created before: RFC 3339, or `YYYY-MM-DD` meaning up to the end of that day (UTC).
    pub created_to: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// One page of leads and the cursor for the next, if any.
#[derive(Debug, Clone)]
pub struct LeadPage {
    pub items: Vec<LeadOut>,
    pub next_cursor: Option<String>,
}

pub const DEFAULT_LEAD_PAGE: u32 = 50;
pub const MAX_LEAD_PAGE: u32 = 200;
pub const DEFAULT_LEAD_SORT: &str = "-created_at";

const SORTS: [(&str, LeadSort); 6] = [
    ("name", LeadSort::NameAsc),
    ("-name", LeadSort::NameDesc),
    ("created_at", LeadSort::CreatedAsc),
    ("-created_at", LeadSort::CreatedDesc),
    ("updated_at", LeadSort::UpdatedAsc),
    ("-updated_at", LeadSort::UpdatedDesc),
];

/// A moment as µs: RFC 3339, or a date at the start of its day (UTC), plus `days` days.
fn moment(raw: &str, day_end: bool) -> Option<i64> {
    let raw = raw.trim();
    let t = match OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339) {
        Ok(t) => t,
        Err(_) => {
            let d = time::Date::parse(raw, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
            let d = if day_end { d.next_day()? } else { d };
            d.midnight().assume_utc()
        }
    };
    Some(crate::convert::to_micros(t))
}

impl App {
    pub(crate) fn lead_filter(&self, q: &LeadQuery) -> Result<LeadFilter, AppError> {
        let mut e = FieldErrors::new();
        let mut f = LeadFilter { limit: q.limit.unwrap_or(DEFAULT_LEAD_PAGE), ..Default::default() };
        if let Some(l) = q.limit
            && !(1..=MAX_LEAD_PAGE).contains(&l)
        {
            e.push("limit", "out_of_range", format!("must be between 1 and {MAX_LEAD_PAGE}"));
        }
        if let Some(s) = &q.status {
            f.status = e.check("status", LeadStatus::parse(s)).map(|s| s.as_str().to_string());
        }
        if let Some(s) = &q.source {
            f.source = e.check("source", LeadSource::parse(s)).map(|s| s.as_str().to_string());
        }
        if let Some(o) = &q.owner {
            match o.parse::<uuid::Uuid>() {
                Ok(u) => f.owner_id = Some(u.to_string()),
                Err(_) => e.push("owner", "invalid_id", "must be a user id (UUID)"),
            }
        }
        if let Some(n) = &q.q {
            let n = n.trim();
            if n.chars().count() > 200 {
                e.push("q", "too_long", "must be at most 200 characters");
            } else if !n.is_empty() {
                f.name_contains = Some(n.to_string());
            }
        }
        if let Some(v) = &q.email
            && let Some(em) = e.check("email", Email::parse(v))
        {
            f.blind.push(("email", self.vault.blind_index("email", &em.normalized())));
        }
        if let Some(v) = &q.mobile
            && let Some(m) = e.check("mobile", Mobile::parse(v))
        {
            f.blind.push(("mobile", self.vault.blind_index("mobile", m.as_str())));
        }
        for (field, raw, end, slot) in [
            ("created_from", &q.created_from, false, &mut f.created_from),
            ("created_to", &q.created_to, true, &mut f.created_to),
        ] {
            if let Some(raw) = raw.as_deref().filter(|r| !r.trim().is_empty()) {
                match moment(raw, end) {
                    Some(t) => *slot = Some(t),
                    None => e.push(field, "invalid_date", "must be a date (YYYY-MM-DD) or an RFC 3339 time"),
                }
            }
        }
        let sort_name = q.sort.as_deref().unwrap_or(DEFAULT_LEAD_SORT);
        match SORTS.iter().find(|(n, _)| *n == sort_name) {
            Some((_, s)) => f.sort = *s,
            None => e.push(
                "sort",
                "invalid_choice",
                "must be one of: name, -name, created_at, -created_at, updated_at, -updated_at",
            ),
        }
        if let Some(c) = &q.cursor {
            match decode_cursor(c, sort_name) {
                Some(after) => f.after = Some(after),
                None => e.push("cursor", "invalid", "is not a cursor of this list and sort order"),
            }
        }
        e.into_result(f).map_err(AppError::Invalid)
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    s: String,
    t: Option<String>,
    n: Option<i64>,
    i: String,
}

pub(crate) fn encode_cursor(sort: &str, k: &SortKey, id: &str) -> String {
    let (t, n) = match k {
        SortKey::Text(s) => (Some(s.clone()), None),
        SortKey::Int(i) => (None, Some(*i)),
    };
    let c = Cursor { s: sort.to_string(), t, n, i: id.to_string() };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap_or_default())
}

fn decode_cursor(raw: &str, sort: &str) -> Option<(SortKey, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.as_bytes()).ok()?;
    let c: Cursor = serde_json::from_slice(&bytes).ok()?;
    if c.s != sort {
        return None;
    }
    let key = match (c.t, c.n) {
        (Some(t), None) => SortKey::Text(t),
        (None, Some(n)) => SortKey::Int(n),
        _ => return None,
    };
    Some((key, c.i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_bound_the_range_by_whole_days() {
        let from = moment("2026-11-01", false).unwrap();
        let to = moment("2026-11-01", true).unwrap();
        assert_eq!(to - from, 86_400_000_000);
        assert_eq!(moment("2026-11-01T00:00:00Z", true), Some(from));
        assert_eq!(moment("yesterday", false), None);
    }

    #[test]
    fn cursors_belong_to_their_sort_order() {
        let c = encode_cursor("name", &SortKey::Text("wang".into()), "id-1");
        assert_eq!(decode_cursor(&c, "name"), Some((SortKey::Text("wang".into()), "id-1".into())));
        assert_eq!(decode_cursor(&c, "-name"), None);
        assert_eq!(decode_cursor("not a cursor", "name"), None);
    }
}
