//! The sales leaderboard of a period (`quota.read`) and activity counts per person over a
//! date range (`report.read`). Every figure is restricted to what the caller may see, by
//! ownership (see `custos_store` `tables/leaderboard.rs`): a rep's leaderboard shows only the
//! rep, a manager's the team. It only reads.

use crate::authz::visibility;
use crate::convert::to_micros;
use crate::quotas::{percent_of, period_micros, period_or_this_month};
use crate::{Actor, App, AppError};
use custos_domain::sales::{ActivityKind, Currency, Money, Period};
use custos_domain::{FieldErrors, Permission, UserId};
use custos_store::PersonRow;
use std::collections::BTreeMap;
use time::{Date, Duration};

/// One person's line on the leaderboard.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaderboardRow {
    pub user_id: UserId,
    /// Display name, else e-mail.
    pub name: String,
    /// Won deals closed within the period.
    pub won: Money,
    pub won_count: i64,
    /// Deals open now.
    pub open: Money,
    pub open_count: i64,
    /// The person's quota for the period, if one is set in this currency.
    pub quota: Option<Money>,
    pub percent: Option<f64>,
    /// Activities that happened within the period.
    pub activities: i64,
}

/// The leaderboard of one period in one currency, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaderboard {
    pub period: Period,
    pub currency: Currency,
    pub rows: Vec<LeaderboardRow>,
}

/// One person's activity counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityCountOut {
    pub user_id: UserId,
    pub name: String,
    /// Per kind, in `ActivityKind::ALL` order.
    pub counts: Vec<(ActivityKind, i64)>,
    pub total: i64,
}

/// Activity counts of a date range (both ends inclusive), most active first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityReport {
    pub from: Date,
    pub to: Date,
    pub people: Vec<ActivityCountOut>,
}

/// The longest range of the activity report, in days.
pub const MAX_REPORT_DAYS: i64 = 366;

fn label(p: Option<&PersonRow>, id: &str) -> String {
    match p {
        Some(p) if !p.display_name.trim().is_empty() => p.display_name.clone(),
        Some(p) => p.email.clone(),
        None => id.to_string(),
    }
}

fn parse_date(e: &mut FieldErrors, field: &str, raw: Option<&str>) -> Option<Date> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(raw, fmt) {
        Ok(d) if (2000..=2100).contains(&d.year()) => Some(d),
        _ => {
            e.push(field, "invalid_date", "must be a date in the form YYYY-MM-DD between 2000 and 2100");
            None
        }
    }
}

/// The line of person `id`, created empty on first use.
fn entry<'a>(
    rows: &'a mut BTreeMap<String, LeaderboardRow>,
    id: &str,
    zero: Money,
) -> Result<&'a mut LeaderboardRow, AppError> {
    let user_id: UserId = crate::convert::parse_id(id, "user")?;
    Ok(rows.entry(id.to_string()).or_insert_with(|| LeaderboardRow {
        user_id,
        name: String::new(),
        won: zero,
        won_count: 0,
        open: zero,
        open_count: 0,
        quota: None,
        percent: None,
        activities: 0,
    }))
}

impl App {
    /// The leaderboard of a period (default: this month) in a currency (default: CNY).
    pub async fn leaderboard(
        &self,
        actor: &Actor,
        period: Option<&str>,
        currency: Option<&str>,
    ) -> Result<Leaderboard, AppError> {
        self.allow(actor, Permission::QuotaRead)?;
        let period = period_or_this_month(period, self.now().date())?;
        let currency = match currency.map(str::trim).filter(|c| !c.is_empty()) {
            None => Currency::CNY,
            Some(c) => Currency::parse(c).map_err(|e| AppError::invalid("currency", e.code, &e.message))?,
        };
        let v = visibility(actor);
        let (start, end) = period_micros(period);
        let deals = self.store.deal_totals_by_owner(currency.as_str(), start, end, &v).await?;
        let counts = self.store.activity_counts(start, end, &v).await?;
        let quotas = self.store.list_quotas(Some(&period.to_string()), &v).await?;
        let mut rows: BTreeMap<String, LeaderboardRow> = BTreeMap::new();
        let zero = Money::from_minor(0, currency);
        if let Some(me) = actor.user_id() {
            entry(&mut rows, &me.to_string(), zero)?;
        }
        for d in &deals {
            let r = entry(&mut rows, &d.owner_id, zero)?;
            r.won = Money::from_minor(d.won_minor, currency);
            r.won_count = d.won_count;
            r.open = Money::from_minor(d.open_minor, currency);
            r.open_count = d.open_count;
        }
        for c in &counts {
            entry(&mut rows, &c.owner_id, zero)?.activities += c.count;
        }
        for q in quotas.iter().filter(|q| q.currency == currency.as_str()) {
            if let Some(u) = &q.user_id {
                entry(&mut rows, u, zero)?.quota = Some(Money::from_minor(q.amount_minor, currency));
            }
        }
        let ids: Vec<String> = rows.keys().cloned().collect();
        let people = self.store.people(&ids).await?;
        let mut out: Vec<LeaderboardRow> = rows
            .into_iter()
            .map(|(id, mut r)| {
                r.name = label(people.iter().find(|p| p.id == id), &id);
                r.percent = r.quota.and_then(|q| percent_of(r.won.minor, q.minor));
                r
            })
            .collect();
        out.sort_by(|a, b| {
            b.won.minor.cmp(&a.won.minor).then(b.won_count.cmp(&a.won_count)).then_with(|| a.name.cmp(&b.name))
        });
        Ok(Leaderboard { period, currency, rows: out })
    }

    /// Activities per person and kind between two dates, both inclusive (default: this month
    /// up to today); at most `MAX_REPORT_DAYS` days.
    pub async fn activity_report(
        &self,
        actor: &Actor,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<ActivityReport, AppError> {
        self.allow(actor, Permission::ReportRead)?;
        let today = self.now().date();
        let mut e = FieldErrors::new();
        let from_d = parse_date(&mut e, "from", from);
        let to_d = parse_date(&mut e, "to", to);
        e.into_result(()).map_err(AppError::Invalid)?;
        let to_d = to_d.unwrap_or(today);
        let from_d = from_d.unwrap_or_else(|| Period::month_of(to_d).starts_on());
        if from_d > to_d {
            return Err(AppError::invalid("from", "out_of_range", "must not be after to"));
        }
        if (to_d - from_d).whole_days() >= MAX_REPORT_DAYS {
            return Err(AppError::invalid("to", "out_of_range", "the range may be at most 366 days"));
        }
        let start = to_micros(from_d.midnight().assume_utc());
        let end = to_micros((to_d + Duration::days(1)).midnight().assume_utc());
        let counts = self.store.activity_counts(start, end, &visibility(actor)).await?;
        let mut by_person: BTreeMap<String, Vec<(ActivityKind, i64)>> = BTreeMap::new();
        for c in &counts {
            let Ok(kind) = ActivityKind::parse(&c.kind) else { continue };
            let entry =
                by_person.entry(c.owner_id.clone()).or_insert_with(|| ActivityKind::ALL.map(|k| (k, 0)).to_vec());
            if let Some(slot) = entry.iter_mut().find(|(k, _)| *k == kind) {
                slot.1 += c.count;
            }
        }
        let ids: Vec<String> = by_person.keys().cloned().collect();
        let names = self.store.people(&ids).await?;
        let mut people = Vec::with_capacity(by_person.len());
        for (id, counts) in by_person {
            people.push(ActivityCountOut {
                user_id: crate::convert::parse_id(&id, "user")?,
                name: label(names.iter().find(|p| p.id == id), &id),
                total: counts.iter().map(|(_, n)| n).sum(),
                counts,
            });
        }
        people.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
        Ok(ActivityReport { from: from_d, to: to_d, people })
    }
}
