//! What an actor is shown of an activity, and the conversions between activities and their
//! stored rows. The body is sealed with the data key of the activity's customer (for an
//! activity on a deal, the deal's customer, copied into the row at creation), else of its
//! lead, with the activity id as the record id of the associated data; on the way out it is
//! shown plain, masked or withheld like a confidential customer field. Nothing here checks
//! permissions or scope; callers outside the app only ever get `ActivityOut`.

use crate::convert::{from_micros, parse_id, to_micros};
use crate::vault::RecordKeys;
use crate::views::{Redactions, mask_field};
use crate::{Actor, App, AppError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use custos_domain::sales::{ActivityData, ActivityKind};
use custos_domain::{ActivityId, CustomerId, DealId, FieldRight, LeadId, Sensitivity, TeamId, UserId};
use custos_store::{ActivityRow, SortKey};
use std::collections::HashMap;
use time::OffsetDateTime;

/// The sealed field of an activity (also its name in `masked` / `hidden`).
pub const BODY: &str = "body";

/// A stored activity: its data plus identity, team, timestamps and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub id: ActivityId,
    pub data: ActivityData,
    pub team_id: Option<TeamId>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// An activity as one actor may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityOut {
    pub id: ActivityId,
    pub kind: ActivityKind,
    pub subject: String,
    pub body: Option<String>,
    pub redactions: Redactions,
    pub customer_id: Option<CustomerId>,
    pub deal_id: Option<DealId>,
    pub lead_id: Option<LeadId>,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub occurred_at: Option<OffsetDateTime>,
    pub due_at: Option<OffsetDateTime>,
    pub done_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

impl ActivityOut {
    /// When it happened, or for a task when it is due.
    pub fn at(&self) -> OffsetDateTime {
        self.occurred_at.or(self.due_at).unwrap_or(self.created_at)
    }

    pub fn is_open_task(&self) -> bool {
        self.kind.is_task() && self.done_at.is_none()
    }
}

/// Redacts an activity for `actor`: the body is confidential.
pub fn activity_out(actor: &Actor, a: Activity) -> ActivityOut {
    let mut redactions = Redactions::default();
    let d = a.data;
    let body = match (d.body, actor.field_right(Sensitivity::Confidential)) {
        (None, _) => None,
        (Some(b), FieldRight::Plain) => Some(b),
        (Some(b), FieldRight::Masked | FieldRight::Revealable) => {
            redactions.masked.push(BODY);
            Some(mask_field(BODY, &b))
        }
        (Some(_), FieldRight::Hidden) => {
            redactions.hidden.push(BODY);
            None
        }
    };
    ActivityOut {
        id: a.id,
        kind: d.kind,
        subject: d.subject,
        body,
        redactions,
        customer_id: d.customer_id,
        deal_id: d.deal_id,
        lead_id: d.lead_id,
        owner_id: d.owner_id,
        team_id: a.team_id,
        occurred_at: d.occurred_at,
        due_at: d.due_at,
        done_at: d.done_at,
        created_at: a.created_at,
        updated_at: a.updated_at,
        version: a.version,
    }
}

/// The record whose data key seals an activity's body: its customer, else its lead.
pub(crate) fn key_owner(row: &ActivityRow) -> Result<&str, AppError> {
    row.customer_id
        .as_deref()
        .or(row.lead_id.as_deref())
        .ok_or_else(|| AppError::Internal(format!("activity {} has neither customer nor lead", row.id)))
}

fn opt_micros(t: Option<OffsetDateTime>) -> Option<i64> {
    t.map(to_micros)
}

fn opt_time(us: Option<i64>) -> Result<Option<OffsetDateTime>, AppError> {
    us.map(from_micros).transpose()
}

/// Timestamps and version of an activity row being written.
pub(crate) struct ActivityMeta {
    pub team_id: Option<String>,
    pub created: i64,
    pub updated: i64,
    pub version: i64,
}

impl App {
    /// The row of an activity, its body sealed with `keys` (the key owner's data key).
    pub(crate) fn activity_row(
        &self,
        keys: &RecordKeys,
        id: &ActivityId,
        d: &ActivityData,
        m: ActivityMeta,
    ) -> ActivityRow {
        let id_s = id.to_string();
        ActivityRow {
            body: d.body.as_deref().map(|b| keys.seal(&id_s, BODY, b, self.rng.as_ref())),
            id: id_s,
            kind: d.kind.as_str().into(),
            subject: d.subject.clone(),
            customer_id: d.customer_id.map(|c| c.to_string()),
            deal_id: d.deal_id.map(|x| x.to_string()),
            lead_id: d.lead_id.map(|x| x.to_string()),
            owner_id: d.owner_id.map(|o| o.to_string()),
            team_id: m.team_id,
            occurred_at: opt_micros(d.occurred_at),
            due_at: opt_micros(d.due_at),
            done_at: opt_micros(d.done_at),
            created_at: m.created,
            updated_at: m.updated,
            version: m.version,
        }
    }

    /// Opens a stored row into an activity.
    pub(crate) fn activity_from_row(&self, keys: &RecordKeys, r: &ActivityRow) -> Result<Activity, AppError> {
        let corrupt = |f: &str| AppError::Internal(format!("stored field {f} of activity {} does not validate", r.id));
        let body = r.body.as_ref().map(|ct| keys.open_field(&r.id, BODY, ct)).transpose()?;
        let data = ActivityData {
            kind: ActivityKind::parse(&r.kind).map_err(|_| corrupt("kind"))?,
            subject: r.subject.clone(),
            body,
            customer_id: r.customer_id.as_deref().map(|c| parse_id(c, "customer")).transpose()?,
            deal_id: r.deal_id.as_deref().map(|c| parse_id(c, "deal")).transpose()?,
            lead_id: r.lead_id.as_deref().map(|c| parse_id(c, "lead")).transpose()?,
            owner_id: r.owner_id.as_deref().map(|c| parse_id(c, "owner")).transpose()?,
            occurred_at: opt_time(r.occurred_at)?,
            due_at: opt_time(r.due_at)?,
            done_at: opt_time(r.done_at)?,
        };
        Ok(Activity {
            id: parse_id(&r.id, "activity")?,
            data,
            team_id: r.team_id.as_deref().map(|t| parse_id(t, "team")).transpose()?,
            created_at: from_micros(r.created_at)?,
            updated_at: from_micros(r.updated_at)?,
            version: r.version,
        })
    }

    /// Opens and redacts rows for `actor`, loading each key owner's data key once. Rows whose
    /// key was destroyed (their customer or lead was erased meanwhile) are left out.
    pub(crate) async fn activities_out(
        &self,
        actor: &Actor,
        rows: &[ActivityRow],
    ) -> Result<Vec<ActivityOut>, AppError> {
        let mut keys: HashMap<String, Option<RecordKeys>> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let owner = key_owner(r)?;
            if !keys.contains_key(owner) {
                let k = match self.vault.keys_for(owner, false).await {
                    Ok(k) => Some(k),
                    Err(AppError::Erased(_)) => None,
                    Err(e) => return Err(e),
                };
                keys.insert(owner.to_string(), k);
            }
            if let Some(Some(k)) = keys.get(owner) {
                out.push(activity_out(actor, self.activity_from_row(k, r)?));
            }
        }
        Ok(out)
    }
}

/// The customers an activity list concerns, for the read event (deduplicated, in order).
pub(crate) fn customer_ids(items: &[ActivityOut]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for c in items.iter().filter_map(|a| a.customer_id) {
        let s = c.to_string();
        if !ids.contains(&s) {
            ids.push(s);
        }
    }
    ids
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    /// Which list the cursor belongs to.
    k: String,
    n: i64,
    i: String,
}

/// An opaque cursor for the position (at, id) in list `kind`.
pub(crate) fn encode_cursor(kind: &str, at: i64, id: &str) -> String {
    let c = Cursor { k: kind.to_string(), n: at, i: id.to_string() };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap_or_default())
}

/// The position a cursor of list `kind` names, if it is one.
pub(crate) fn decode_cursor(raw: &str, kind: &str) -> Option<(SortKey, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.as_bytes()).ok()?;
    let c: Cursor = serde_json::from_slice(&bytes).ok()?;
    (c.k == kind && c.i.parse::<uuid::Uuid>().is_ok()).then_some((SortKey::Int(c.n), c.i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_belong_to_one_list() {
        let id = "0190f0e0-0000-7000-8000-000000000001";
        let c = encode_cursor("activities", 42, id);
        assert_eq!(decode_cursor(&c, "activities"), Some((SortKey::Int(42), id.to_string())));
        assert_eq!(decode_cursor(&c, "timeline"), None);
        assert_eq!(decode_cursor("garbage", "activities"), None);
    }
}
