//! Quota use cases: set a person's or a team's target for a month or quarter, change or
//! remove it (`quota.manage`), list quotas and their attainment (`quota.read`). Quotas are
//! scoped like owned records (a rep sees their own, a manager their team's; see `custos_store`
//! `tables/quotas.rs`), and a manager may set quotas only for themselves, their team and its
//! members. Attainment counts won deals closed within the period, in the quota's currency.

use crate::audit::Ev;
use crate::authz::visibility;
use crate::convert::{from_micros, parse_id, to_micros};
use crate::{Actor, App, AppError};
use custos_domain::sales::quota::iso_date;
use custos_domain::sales::{Currency, Money, Period, QuotaChanges, QuotaData, QuotaInput, QuotaSubject};
use custos_domain::{Permission, QuotaId};
use custos_store::{QuotaRow, StoreError};
use time::{Date, OffsetDateTime};

/// A quota as the caller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaOut {
    pub id: QuotaId,
    pub subject: QuotaSubject,
    pub period: Period,
    /// First day of the period.
    pub starts_on: Date,
    /// First day after the period (exclusive).
    pub ends_on: Date,
    pub target: Money,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A quota with what was won against it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttainmentOut {
    pub quota: QuotaOut,
    /// The person's display name (else e-mail) or the team's name.
    pub name: String,
    pub won: Money,
    pub won_count: i64,
    /// Won as a percentage of the target, to one decimal; `None` for a zero target.
    pub percent: Option<f64>,
}

/// The attainment of every visible quota of one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Attainment {
    pub period: Period,
    pub items: Vec<AttainmentOut>,
}

/// `won` as a percentage of `target`, rounded to one decimal.
pub fn percent_of(won: i64, target: i64) -> Option<f64> {
    if target <= 0 {
        return None;
    }
    let tenths = (i128::from(won) * 1000 + i128::from(target) / 2) / i128::from(target);
    Some(tenths as f64 / 10.0)
}

/// The moments (µs) a period covers: midnight UTC of its first day up to midnight UTC of the
/// first day after it.
pub(crate) fn period_micros(p: Period) -> (i64, i64) {
    (to_micros(p.starts_on().midnight().assume_utc()), to_micros(p.ends_on().midnight().assume_utc()))
}

/// Parses an optional period, defaulting to the month of `today`.
pub(crate) fn period_or_this_month(raw: Option<&str>, today: Date) -> Result<Period, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Period::month_of(today)),
        Some(p) => Period::parse(p).map_err(|e| AppError::invalid("period", e.code, &e.message)),
    }
}

fn corrupt(what: &str) -> AppError {
    AppError::Internal(format!("stored quota {what} does not validate"))
}

pub(crate) fn quota_from_row(r: &QuotaRow) -> Result<QuotaOut, AppError> {
    let subject = match (&r.user_id, &r.team_id) {
        (Some(u), None) => QuotaSubject::User(parse_id(u, "user")?),
        (None, Some(t)) => QuotaSubject::Team(parse_id(t, "team")?),
        _ => return Err(corrupt("subject")),
    };
    let period = Period::parse(&r.period).map_err(|_| corrupt("period"))?;
    let currency = Currency::parse(&r.currency).map_err(|_| corrupt("currency"))?;
    Ok(QuotaOut {
        id: parse_id(&r.id, "quota")?,
        subject,
        period,
        starts_on: period.starts_on(),
        ends_on: period.ends_on(),
        target: Money::from_minor(r.amount_minor, currency),
        created_at: from_micros(r.created_at)?,
        updated_at: from_micros(r.updated_at)?,
        version: r.version,
    })
}

fn quota_row(id: &QuotaId, d: &QuotaData, created: i64, updated: i64, version: i64) -> QuotaRow {
    let (user_id, team_id) = match d.subject {
        QuotaSubject::User(u) => (Some(u.to_string()), None),
        QuotaSubject::Team(t) => (None, Some(t.to_string())),
    };
    QuotaRow {
        id: id.to_string(),
        subject: d.subject.key(),
        user_id,
        team_id,
        period: d.period.to_string(),
        starts_on: iso_date(d.period.starts_on()),
        ends_on: iso_date(d.period.ends_on()),
        amount_minor: d.target.minor,
        currency: d.target.currency.as_str().into(),
        created_at: created,
        updated_at: updated,
        version,
    }
}

impl App {
    /// Sets a quota for a person or a team for one period (one per subject and period).
    pub async fn set_quota(&self, actor: &Actor, input: &QuotaInput) -> Result<QuotaOut, AppError> {
        self.allow(actor, Permission::QuotaManage)?;
        let data = QuotaData::validate(input)?;
        let id = QuotaId(self.new_uuid());
        let ts = self.now_micros();
        let row = quota_row(&id, &data, ts, ts, 1);
        let mut tx = self.store.begin_write().await?;
        let (subject_id, is_team, field) = match data.subject {
            QuotaSubject::User(u) => (u.to_string(), false, "user_id"),
            QuotaSubject::Team(t) => (t.to_string(), true, "team_id"),
        };
        if !tx.user_or_team_in_scope(&subject_id, is_team, &visibility(actor)).await? {
            let what = if is_team { "no team you manage has this id" } else { "no user you manage has this id" };
            return Err(AppError::invalid(field, "unknown", what));
        }
        tx.insert_quota(&row).await.map_err(|e| match e {
            StoreError::Duplicate(_) => {
                AppError::Conflict("a quota for this subject and period exists; change that one instead".into())
            }
            other => other.into(),
        })?;
        let ev = Ev::new("quota.set", "quota").record(id).fields(&[field, "period", "amount", "currency"]);
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        quota_from_row(&row)
    }

    /// Changes a quota's target if the stored version is still `expected_version`.
    pub async fn update_quota(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        changes: &QuotaChanges,
    ) -> Result<QuotaOut, AppError> {
        self.allow(actor, Permission::QuotaManage)?;
        let id = id.parse::<QuotaId>().map_err(|_| AppError::NotFound("quota"))?;
        let mut tx = self.store.begin_write().await?;
        let row =
            tx.get_quota_visible(&id.to_string(), &visibility(actor)).await?.ok_or(AppError::NotFound("quota"))?;
        if row.version != expected_version {
            return Err(AppError::Stale { current: row.version });
        }
        let current = quota_from_row(&row)?;
        let old = QuotaData { subject: current.subject, period: current.period, target: current.target };
        let new = old.apply(changes)?;
        if new == old {
            return Ok(current);
        }
        let ts = self.now_micros().max(row.updated_at);
        let new_row = quota_row(&id, &new, row.created_at, ts, row.version + 1);
        tx.update_quota(&new_row, expected_version).await?;
        let mut fields = Vec::new();
        if new.target.minor != old.target.minor {
            fields.push("amount");
        }
        if new.target.currency != old.target.currency {
            fields.push("currency");
        }
        self.audit(&mut tx, actor, Ev::new("quota.set", "quota").record(id).fields(&fields)).await?;
        tx.commit().await?;
        quota_from_row(&new_row)
    }

    /// Removes a quota; with a version, only if it is still current.
    pub async fn delete_quota(&self, actor: &Actor, id: &str, expected_version: Option<i64>) -> Result<(), AppError> {
        self.allow(actor, Permission::QuotaManage)?;
        let id = id.parse::<QuotaId>().map_err(|_| AppError::NotFound("quota"))?;
        let mut tx = self.store.begin_write().await?;
        let row =
            tx.get_quota_visible(&id.to_string(), &visibility(actor)).await?.ok_or(AppError::NotFound("quota"))?;
        if let Some(v) = expected_version
            && v != row.version
        {
            return Err(AppError::Stale { current: row.version });
        }
        tx.delete_quota(&row.id, Some(row.version)).await?;
        self.audit(&mut tx, actor, Ev::new("quota.delete", "quota").record(id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Quotas the caller may see, of one period if given.
    pub async fn list_quotas(&self, actor: &Actor, period: Option<&str>) -> Result<Vec<QuotaOut>, AppError> {
        self.allow(actor, Permission::QuotaRead)?;
        let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => Some(Period::parse(p).map_err(|e| AppError::invalid("period", e.code, &e.message))?),
        };
        let rows = self.store.list_quotas(period.map(|p| p.to_string()).as_deref(), &visibility(actor)).await?;
        rows.iter().map(quota_from_row).collect()
    }

    /// Every quota of a period (default: this month) the caller may see, with its attainment.
    pub async fn quota_attainment(&self, actor: &Actor, period: Option<&str>) -> Result<Attainment, AppError> {
        self.allow(actor, Permission::QuotaRead)?;
        let period = period_or_this_month(period, self.now().date())?;
        Ok(Attainment { period, items: self.attainment_of(actor, period).await? })
    }

    /// `quota_attainment` for a parsed period (the caller was authorised).
    pub(crate) async fn attainment_of(&self, actor: &Actor, period: Period) -> Result<Vec<AttainmentOut>, AppError> {
        let (start, end) = period_micros(period);
        let rows = self.store.quota_attainment(&period.to_string(), start, end, &visibility(actor)).await?;
        let users: Vec<String> = rows.iter().filter_map(|r| r.quota.user_id.clone()).collect();
        let people = self.store.people(&users).await?;
        let teams =
            if rows.iter().any(|r| r.quota.team_id.is_some()) { self.store.list_teams().await? } else { Vec::new() };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let quota = quota_from_row(&r.quota)?;
            let name = match (&r.quota.user_id, &r.quota.team_id) {
                (Some(u), _) => people
                    .iter()
                    .find(|p| p.id == *u)
                    .map(|p| if p.display_name.trim().is_empty() { p.email.clone() } else { p.display_name.clone() }),
                (None, Some(t)) => teams.iter().find(|x| x.id == *t).map(|x| x.name.clone()),
                (None, None) => None,
            };
            let won = Money::from_minor(r.won_minor, quota.target.currency);
            let percent = percent_of(r.won_minor, quota.target.minor);
            out.push(AttainmentOut { quota, name: name.unwrap_or_default(), won, won_count: r.won_count, percent });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_to_one_decimal() {
        assert_eq!(percent_of(0, 100), Some(0.0));
        assert_eq!(percent_of(1, 3), Some(33.3));
        assert_eq!(percent_of(2, 3), Some(66.7));
        assert_eq!(percent_of(150, 100), Some(150.0));
        assert_eq!(percent_of(5, 0), None);
        assert!(percent_of(i64::MAX, 1).is_some_and(|p| p > 1e20), "no overflow");
    }
}
