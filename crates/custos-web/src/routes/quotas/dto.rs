//! JSON shapes of the quota, attainment, leaderboard and activity-report API with their OpenAPI
//! schemas. Amounts are decimal strings in a currency; dates are ISO `YYYY-MM-DD`; a period's
//! `ends_on` is the first day after it (exclusive).

use crate::dto::rfc3339;
use custos_app::leaderboard::{ActivityReport, Leaderboard};
use custos_app::quotas::{AttainmentOut, QuotaOut};
use custos_domain::sales::quota::iso_date;
use custos_domain::sales::{Period, QuotaChanges, QuotaInput, QuotaSubject};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new quota: exactly one of `user_id` / `team_id`, a period and a target.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct QuotaCreate {
    pub user_id: Option<String>,
    pub team_id: Option<String>,
    /// A month `2026-11` or a quarter `2026-Q4`.
    pub period: Option<String>,
    /// Decimal string, e.g. "500000.00".
    pub amount: Option<String>,
    /// ISO 4217, default CNY.
    pub currency: Option<String>,
}

impl From<QuotaCreate> for QuotaInput {
    fn from(c: QuotaCreate) -> Self {
        QuotaInput { user_id: c.user_id, team_id: c.team_id, period: c.period, amount: c.amount, currency: c.currency }
    }
}

/// Changes to a quota's target. The expected version comes from `If-Match` or `version`.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct QuotaPatch {
    pub version: Option<i64>,
    pub amount: Option<String>,
    pub currency: Option<String>,
}

impl QuotaPatch {
    pub fn changes(self) -> QuotaChanges {
        QuotaChanges { amount: self.amount, currency: self.currency }
    }
}

/// A quota.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct QuotaView {
    pub id: String,
    pub user_id: Option<String>,
    pub team_id: Option<String>,
    pub period: String,
    /// First day of the period.
    pub starts_on: String,
    /// First day after the period (exclusive).
    pub ends_on: String,
    pub amount: String,
    pub currency: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<&QuotaOut> for QuotaView {
    fn from(q: &QuotaOut) -> Self {
        let (user_id, team_id) = match q.subject {
            QuotaSubject::User(u) => (Some(u.to_string()), None),
            QuotaSubject::Team(t) => (None, Some(t.to_string())),
        };
        QuotaView {
            id: q.id.to_string(),
            user_id,
            team_id,
            period: q.period.to_string(),
            starts_on: iso_date(q.starts_on),
            ends_on: iso_date(q.ends_on),
            amount: q.target.amount_string(),
            currency: q.target.currency.as_str().into(),
            created_at: rfc3339(q.created_at),
            updated_at: rfc3339(q.updated_at),
            version: q.version,
        }
    }
}

/// Quotas you may see.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaList {
    pub items: Vec<QuotaView>,
}

/// `?period=2026-11` or `?period=2026-Q4`.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// A month `2026-11` or a quarter `2026-Q4` (default: the current month, for attainment).
    pub period: Option<String>,
}

/// A quota with what was won against it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttainmentItem {
    pub quota: QuotaView,
    /// The person's display name (else e-mail) or the team's name.
    pub name: String,
    /// Won deals closed within the period, in the quota's currency.
    pub won: String,
    pub won_count: i64,
    /// Won as a percentage of the target (one decimal); null for a zero target.
    pub attainment_percent: Option<f64>,
}

impl From<&AttainmentOut> for AttainmentItem {
    fn from(a: &AttainmentOut) -> Self {
        AttainmentItem {
            quota: QuotaView::from(&a.quota),
            name: a.name.clone(),
            won: a.won.amount_string(),
            won_count: a.won_count,
            attainment_percent: a.percent,
        }
    }
}

/// Attainment of every quota of a period you may see.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttainmentList {
    pub period: String,
    pub starts_on: String,
    pub ends_on: String,
    pub items: Vec<AttainmentItem>,
}

impl AttainmentList {
    pub fn new(period: Period, items: &[AttainmentOut]) -> AttainmentList {
        AttainmentList {
            period: period.to_string(),
            starts_on: iso_date(period.starts_on()),
            ends_on: iso_date(period.ends_on()),
            items: items.iter().map(AttainmentItem::from).collect(),
        }
    }
}

/// `?period=…&currency=…`.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardParams {
    /// A month `2026-11` or a quarter `2026-Q4` (default: the current month).
    pub period: Option<String>,
    /// ISO 4217 (default CNY): only deals and quotas in this currency count.
    pub currency: Option<String>,
}

/// One person on the leaderboard.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeaderboardEntry {
    pub user_id: String,
    pub name: String,
    /// Won deals closed within the period.
    pub won: String,
    pub won_count: i64,
    /// Deals open now.
    pub open_pipeline: String,
    pub open_count: i64,
    /// The person's quota for the period in this currency, if set.
    pub quota: Option<String>,
    pub attainment_percent: Option<f64>,
    /// Activities that happened within the period.
    pub activities: i64,
}

/// The leaderboard of a period, by won amount.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeaderboardView {
    pub period: String,
    pub starts_on: String,
    pub ends_on: String,
    pub currency: String,
    pub rows: Vec<LeaderboardEntry>,
}

impl From<&Leaderboard> for LeaderboardView {
    fn from(l: &Leaderboard) -> Self {
        LeaderboardView {
            period: l.period.to_string(),
            starts_on: iso_date(l.period.starts_on()),
            ends_on: iso_date(l.period.ends_on()),
            currency: l.currency.as_str().into(),
            rows: l
                .rows
                .iter()
                .map(|r| LeaderboardEntry {
                    user_id: r.user_id.to_string(),
                    name: r.name.clone(),
                    won: r.won.amount_string(),
                    won_count: r.won_count,
                    open_pipeline: r.open.amount_string(),
                    open_count: r.open_count,
                    quota: r.quota.map(|q| q.amount_string()),
                    attainment_percent: r.percent,
                    activities: r.activities,
                })
                .collect(),
        }
    }
}

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD`, both inclusive.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityReportParams {
    /// First day (default: the first day of the month of `to`).
    pub from: Option<String>,
    /// Last day, inclusive (default: today). At most 366 days after `from`.
    pub to: Option<String>,
}

/// One person's activities by kind.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActivityCountEntry {
    pub user_id: String,
    pub name: String,
    pub call: i64,
    pub meeting: i64,
    pub email: i64,
    pub task: i64,
    pub note: i64,
    pub total: i64,
}

/// Activities per person that happened in a date range (tasks count when done).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActivityReportView {
    pub from: String,
    pub to: String,
    pub people: Vec<ActivityCountEntry>,
}

impl From<&ActivityReport> for ActivityReportView {
    fn from(r: &ActivityReport) -> Self {
        let people = r
            .people
            .iter()
            .map(|p| {
                let n = |k: &str| p.counts.iter().find(|(kind, _)| kind.as_str() == k).map_or(0, |(_, c)| *c);
                ActivityCountEntry {
                    user_id: p.user_id.to_string(),
                    name: p.name.clone(),
                    call: n("call"),
                    meeting: n("meeting"),
                    email: n("email"),
                    task: n("task"),
                    note: n("note"),
                    total: p.total,
                }
            })
            .collect();
        ActivityReportView { from: iso_date(r.from), to: iso_date(r.to), people }
    }
}
