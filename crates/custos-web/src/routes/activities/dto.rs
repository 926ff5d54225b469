//! JSON shapes of the activity, timeline and task API with their OpenAPI schemas, and their
//! conversions to the domain's raw inputs. Validation is not done here (the domain owns it).
//! Times are RFC 3339.

use crate::dto::rfc3339;
use custos_app::activity_timeline::{StageChangeOut, TimelineItem, TimelinePage};
use custos_app::activity_views::ActivityOut;
use custos_domain::Change;
use custos_domain::sales::{ActivityChanges, ActivityInput};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// Present-but-null becomes `Some(None)`; absent stays `None` (via `default`).
fn double<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A new activity. `kind` and `subject` are required, and at least one of `customer_id`,
/// `deal_id`, `lead_id` (an activity on a deal also belongs to the deal's customer).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ActivityCreate {
    /// call | meeting | email | task | note
    pub kind: Option<String>,
    /// One line, at most 200 characters.
    pub subject: Option<String>,
    /// Confidential free text, at most 10,000 characters.
    pub body: Option<String>,
    pub customer_id: Option<String>,
    pub deal_id: Option<String>,
    pub lead_id: Option<String>,
    /// Whose activity or task it is (default: you); someone you may act for.
    pub owner_id: Option<String>,
    /// RFC 3339; calls, meetings, e-mails and notes only (default: now).
    pub occurred_at: Option<String>,
    /// RFC 3339; required for tasks, refused for the other kinds.
    pub due_at: Option<String>,
    /// Tasks only: create it already done.
    pub done: Option<bool>,
}

impl From<ActivityCreate> for ActivityInput {
    fn from(c: ActivityCreate) -> Self {
        ActivityInput {
            kind: c.kind,
            subject: c.subject,
            body: c.body,
            customer_id: c.customer_id,
            deal_id: c.deal_id,
            lead_id: c.lead_id,
            owner_id: c.owner_id,
            occurred_at: c.occurred_at,
            due_at: c.due_at,
            done: c.done,
        }
    }
}

/// Changes to an activity: absent fields are kept, `"body": null` clears the body. Kind and
/// links never change. The expected version comes from `If-Match` or `version`.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ActivityPatch {
    pub version: Option<i64>,
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub body: Option<Option<String>>,
    pub owner_id: Option<String>,
    /// Not for tasks.
    pub occurred_at: Option<String>,
    /// Tasks only.
    pub due_at: Option<String>,
    /// Tasks only: true marks it done (keeping the first done time), false reopens it.
    pub done: Option<bool>,
}

impl ActivityPatch {
    pub fn changes(self) -> ActivityChanges {
        ActivityChanges {
            subject: self.subject,
            body: match self.body {
                None => Change::Keep,
                Some(None) => Change::Clear,
                Some(Some(b)) => Change::Set(b),
            },
            owner_id: self.owner_id,
            occurred_at: self.occurred_at,
            due_at: self.due_at,
            done: self.done,
        }
    }
}

/// The version a state change starts from (`If-Match` may carry it instead).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    pub version: Option<i64>,
}

/// An activity as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ActivityView {
    pub id: String,
    /// call | meeting | email | task | note
    pub kind: String,
    pub subject: String,
    /// Confidential: plain, masked or withheld according to your role.
    pub body: Option<String>,
    /// Fields shown masked for you.
    #[serde(default)]
    pub masked: Vec<String>,
    /// Fields withheld from you.
    #[serde(default)]
    pub hidden: Vec<String>,
    pub customer_id: Option<String>,
    pub deal_id: Option<String>,
    pub lead_id: Option<String>,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    pub occurred_at: Option<String>,
    pub due_at: Option<String>,
    /// When a task was done; null while open (and for other kinds).
    pub done_at: Option<String>,
    /// Tasks: whether done. Other kinds: always false.
    pub done: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<&ActivityOut> for ActivityView {
    fn from(a: &ActivityOut) -> Self {
        ActivityView {
            id: a.id.to_string(),
            kind: a.kind.as_str().into(),
            subject: a.subject.clone(),
            body: a.body.clone(),
            masked: a.redactions.masked.iter().map(|f| f.to_string()).collect(),
            hidden: a.redactions.hidden.iter().map(|f| f.to_string()).collect(),
            customer_id: a.customer_id.map(|v| v.to_string()),
            deal_id: a.deal_id.map(|v| v.to_string()),
            lead_id: a.lead_id.map(|v| v.to_string()),
            owner_id: a.owner_id.map(|v| v.to_string()),
            team_id: a.team_id.map(|v| v.to_string()),
            occurred_at: a.occurred_at.map(rfc3339),
            due_at: a.due_at.map(rfc3339),
            done_at: a.done_at.map(rfc3339),
            done: a.done_at.is_some(),
            created_at: rfc3339(a.created_at),
            updated_at: rfc3339(a.updated_at),
            version: a.version,
        }
    }
}

/// A page of activities.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActivityList {
    pub items: Vec<ActivityView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Query parameters of `GET /api/v1/activities` (newest first).
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityListParams {
    /// call | meeting | email | task | note
    pub kind: Option<String>,
    pub owner_id: Option<String>,
    /// Activities of this customer, including those on its deals.
    pub customer_id: Option<String>,
    pub deal_id: Option<String>,
    pub lead_id: Option<String>,
    /// true: only tasks not done yet.
    pub open: Option<bool>,
    /// RFC 3339: only tasks due before this moment.
    pub due_before: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A stage change of a deal on its timeline.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct StageChangeView {
    pub id: String,
    pub deal_id: String,
    pub from_stage_id: Option<String>,
    pub from_stage_name: Option<String>,
    pub to_stage_id: String,
    pub to_stage_name: Option<String>,
    /// The deal's status after the change: open | won | lost
    pub status: String,
    pub changed_at: String,
    pub changed_by: Option<String>,
}

impl From<&StageChangeOut> for StageChangeView {
    fn from(s: &StageChangeOut) -> Self {
        StageChangeView {
            id: s.id.clone(),
            deal_id: s.deal_id.clone(),
            from_stage_id: s.from_stage_id.clone(),
            from_stage_name: s.from_stage_name.clone(),
            to_stage_id: s.to_stage_id.clone(),
            to_stage_name: s.to_stage_name.clone(),
            status: s.status.clone(),
            changed_at: rfc3339(s.changed_at),
            changed_by: s.changed_by.clone(),
        }
    }
}

/// One timeline entry: an activity or (deal timelines) a stage change.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct TimelineEntry {
    /// activity | stage_change
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened (a task: when it is due).
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity: Option<ActivityView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_change: Option<StageChangeView>,
}

/// A page of a timeline, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TimelineView {
    pub items: Vec<TimelineEntry>,
    /// Pass as `cursor` to get the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl From<&TimelinePage> for TimelineView {
    fn from(p: &TimelinePage) -> Self {
        let items = p
            .items
            .iter()
            .map(|i| match i {
                TimelineItem::Activity(a) => TimelineEntry {
                    kind: "activity".into(),
                    at: rfc3339(a.at()),
                    activity: Some(ActivityView::from(a.as_ref())),
                    stage_change: None,
                },
                TimelineItem::StageChange(s) => TimelineEntry {
                    kind: "stage_change".into(),
                    at: rfc3339(s.changed_at),
                    activity: None,
                    stage_change: Some(StageChangeView::from(s)),
                },
            })
            .collect();
        TimelineView { items, next_cursor: p.next_cursor.clone() }
    }
}

/// Query parameters of the timelines.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineParams {
    /// 1 to 200, default 50.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Your open tasks that are overdue or due today (UTC days), soonest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MyTasksView {
    pub overdue: Vec<ActivityView>,
    pub today: Vec<ActivityView>,
}
