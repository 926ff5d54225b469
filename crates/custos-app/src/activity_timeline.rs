//! Timelines and my tasks: the activities of a customer (with those on its deals) or of a
//! deal (with its stage changes, for readers who hold `deal.read`), newest first in pages; and
//! the caller's open tasks that are overdue or due today (UTC days). Authorised with
//! `activity.read`; the customer or deal must be visible (else 404) and every activity passes
//! the activity scope. It only reads.

use crate::activity_views::{ActivityOut, customer_ids, decode_cursor, encode_cursor};
use crate::audit::Ev;
use crate::authz::visibility;
use crate::convert::{from_micros, to_micros};
use crate::{Actor, App, AppError};
use custos_domain::{CustomerId, DealId, FieldErrors, Permission};
use custos_store::{ActivityFilter, SortKey, TimelineStageRow};
use time::{Duration, OffsetDateTime, Time, UtcOffset};

/// A stage change of a deal, as its timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageChangeOut {
    pub id: String,
    pub deal_id: String,
    pub from_stage_id: Option<String>,
    pub from_stage_name: Option<String>,
    pub to_stage_id: String,
    pub to_stage_name: Option<String>,
    /// The deal's status after the change (open, won, lost).
    pub status: String,
    pub changed_at: OffsetDateTime,
    pub changed_by: Option<String>,
}

/// One entry of a timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimelineItem {
    Activity(Box<ActivityOut>),
    StageChange(StageChangeOut),
}

impl TimelineItem {
    pub fn at(&self) -> OffsetDateTime {
        match self {
            TimelineItem::Activity(a) => a.at(),
            TimelineItem::StageChange(s) => s.changed_at,
        }
    }

    fn key(&self) -> (i64, String) {
        match self {
            TimelineItem::Activity(a) => (to_micros(a.at()), a.id.to_string()),
            TimelineItem::StageChange(s) => (to_micros(s.changed_at), s.id.clone()),
        }
    }
}

/// One page of a timeline and the cursor for the next, if any.
#[derive(Debug, Clone)]
pub struct TimelinePage {
    pub items: Vec<TimelineItem>,
    pub next_cursor: Option<String>,
}

/// The caller's open tasks: overdue (due before today) and due today, soonest first.
#[derive(Debug, Clone, Default)]
pub struct MyTasks {
    pub overdue: Vec<ActivityOut>,
    pub today: Vec<ActivityOut>,
}

pub const DEFAULT_TIMELINE: u32 = 50;
pub const MAX_TIMELINE: u32 = 200;
const TIMELINE: &str = "timeline";
/// At most this many open tasks are listed.
const MAX_TASKS: u32 = 200;

fn page_params(limit: Option<u32>, cursor: Option<&str>) -> Result<(u32, Option<(SortKey, String)>), AppError> {
    let mut e = FieldErrors::new();
    let limit = limit.unwrap_or(DEFAULT_TIMELINE);
    if !(1..=MAX_TIMELINE).contains(&limit) {
        e.push("limit", "out_of_range", format!("must be between 1 and {MAX_TIMELINE}"));
    }
    let after = match cursor {
        None => None,
        Some(c) => {
            let d = decode_cursor(c, TIMELINE);
            if d.is_none() {
                e.push("cursor", "invalid", "is not a cursor of this timeline");
            }
            d
        }
    };
    e.into_result((limit, after)).map_err(AppError::Invalid)
}

fn stage_out(r: TimelineStageRow) -> Result<StageChangeOut, AppError> {
    Ok(StageChangeOut {
        changed_at: from_micros(r.changed_at)?,
        id: r.id,
        deal_id: r.deal_id,
        from_stage_id: r.from_stage_id,
        from_stage_name: r.from_stage_name,
        to_stage_id: r.to_stage_id,
        to_stage_name: r.to_stage_name,
        status: r.status,
        changed_by: r.changed_by,
    })
}

impl App {
    /// The activities of a customer, including those on its deals, newest first.
    pub async fn customer_timeline(
        &self,
        actor: &Actor,
        customer_id: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<TimelinePage, AppError> {
        self.allow(actor, Permission::ActivityRead)?;
        let id = customer_id.parse::<CustomerId>().map_err(|_| AppError::NotFound("customer"))?;
        let (limit, after) = page_params(limit, cursor)?;
        self.visible_customer(actor, &id.to_string()).await?;
        let mut f = ActivityFilter::new(visibility(actor), limit);
        f.customer_id = Some(id.to_string());
        f.after = after;
        self.timeline(actor, f, Vec::new(), limit).await
    }

    /// The activities of a deal and (for readers with `deal.read`) its stage changes, newest first.
    pub async fn deal_timeline(
        &self,
        actor: &Actor,
        deal_id: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<TimelinePage, AppError> {
        self.allow(actor, Permission::ActivityRead)?;
        let id = deal_id.parse::<DealId>().map_err(|_| AppError::NotFound("deal"))?;
        let (limit, after) = page_params(limit, cursor)?;
        let v = visibility(actor);
        if self.store.activity_deal_link(&id.to_string(), &v).await?.is_none() {
            self.audit_denied(actor, "deal.access", "deal", Some(&id.to_string()));
            return Err(AppError::NotFound("deal"));
        }
        let stages = if actor.grants(Permission::DealRead) {
            self.store.deal_stage_timeline(&id.to_string(), after.as_ref(), limit + 1).await?
        } else {
            Vec::new()
        };
        let mut f = ActivityFilter::new(v, limit);
        f.deal_id = Some(id.to_string());
        f.after = after;
        self.timeline(actor, f, stages, limit).await
    }

    /// Merges a page of activities with stage rows (each source already after the cursor).
    async fn timeline(
        &self,
        actor: &Actor,
        f: ActivityFilter,
        stages: Vec<TimelineStageRow>,
        limit: u32,
    ) -> Result<TimelinePage, AppError> {
        let page = self.store.list_activities(&f).await?;
        let activities = self.activities_out(actor, &page.items).await?;
        if !activities.is_empty() {
            self.audit_read(actor, Ev::new("activity.list", "activity").ids(customer_ids(&activities)));
        }
        let more_stages = stages.len() > limit as usize;
        let mut items: Vec<TimelineItem> =
            activities.into_iter().map(|a| TimelineItem::Activity(Box::new(a))).collect();
        for s in stages {
            items.push(TimelineItem::StageChange(stage_out(s)?));
        }
        items.sort_by_key(|i| std::cmp::Reverse(i.key()));
        let more = page.next.is_some() || more_stages || items.len() > limit as usize;
        items.truncate(limit as usize);
        let next_cursor = if more {
            items.last().map(|i| {
                let (at, id) = i.key();
                encode_cursor(TIMELINE, at, &id)
            })
        } else {
            None
        };
        Ok(TimelinePage { items, next_cursor })
    }

    /// The caller's open tasks due before the end of today (UTC), split into overdue and today.
    pub async fn my_tasks(&self, actor: &Actor) -> Result<MyTasks, AppError> {
        self.allow(actor, Permission::ActivityRead)?;
        let Some(me) = actor.user_id() else { return Ok(MyTasks::default()) };
        let start_of_today = self.now().to_offset(UtcOffset::UTC).replace_time(Time::MIDNIGHT);
        let end_of_today = start_of_today + Duration::days(1);
        let rows = self
            .store
            .open_tasks_due_before(&me.to_string(), to_micros(end_of_today), &visibility(actor), MAX_TASKS)
            .await?;
        let tasks = self.activities_out(actor, &rows).await?;
        if !tasks.is_empty() {
            self.audit_read(actor, Ev::new("activity.list", "activity").ids(customer_ids(&tasks)));
        }
        let (overdue, today) = tasks.into_iter().partition(|t| t.due_at.is_some_and(|d| d < start_of_today));
        Ok(MyTasks { overdue, today })
    }
}
