//! Lead rows: insert, versioned update, delete, the scoped single read, keyset-paginated
//! lists, and marking a lead converted. E-mail, mobile and notes arrive sealed; it never sees
//! their plaintext and decides nothing about who may see a lead (the app passes the scope).

use crate::StoreError;
use crate::rows::{Page, Sealed, SortKey, Visibility};
use crate::sql::{Bind, SqlBuilder, like_escape};
use crate::store::{Store, WriteTx};
use crate::tables::scope::{Scoped, push_scope};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A lead as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadRow {
    pub id: String,
    pub name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub source: String,
    pub status: String,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    pub email: Sealed,
    pub mobile: Sealed,
    pub notes: Option<Vec<u8>>,
    pub disqualify_reason: Option<String>,
    pub customer_id: Option<String>,
    pub deal_id: Option<String>,
    pub converted_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// Sort orders for lead lists; each is a keyset over (column, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LeadSort {
    NameAsc,
    NameDesc,
    CreatedAsc,
    #[default]
    CreatedDesc,
    UpdatedAsc,
    UpdatedDesc,
}

/// Filters for listing leads.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    /// Record scope; `None` means every lead (callers must pass the actor's scope).
    pub visible: Option<Visibility>,
    pub status: Option<String>,
    pub source: Option<String>,
    pub owner_id: Option<String>,
    /// Lower-cased substring of the name or company.
    pub name_contains: Option<String>,
    /// Exact blind-index matches: (`email` or `mobile`, index bytes).
    pub blind: Vec<(&'static str, Vec<u8>)>,
    /// Created at or after (µs).
    pub created_from: Option<i64>,
    /// Created before (µs).
    pub created_to: Option<i64>,
    pub sort: LeadSort,
    /// Resume after this (sort key, id).
    pub after: Option<(SortKey, String)>,
    pub limit: u32,
}

const COLS: &str = "leads.id, leads.name, leads.company, leads.title, leads.source, leads.status, leads.owner_id, \
    leads.team_id, leads.email_ct, leads.email_bidx, leads.mobile_ct, leads.mobile_bidx, leads.notes_ct, \
    leads.disqualify_reason, leads.customer_id, leads.deal_id, leads.converted_at, leads.created_at, \
    leads.updated_at, leads.version";

const SCOPED: Scoped = Scoped { table: "leads", shared_via: None };

fn from_row(row: &AnyRow) -> Result<LeadRow, sqlx::Error> {
    Ok(LeadRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        company: row.try_get("company")?,
        title: row.try_get("title")?,
        source: row.try_get("source")?,
        status: row.try_get("status")?,
        owner_id: row.try_get("owner_id")?,
        team_id: row.try_get("team_id")?,
        email: Sealed { ct: row.try_get("email_ct")?, bidx: row.try_get("email_bidx")? },
        mobile: Sealed { ct: row.try_get("mobile_ct")?, bidx: row.try_get("mobile_bidx")? },
        notes: row.try_get("notes_ct")?,
        disqualify_reason: row.try_get("disqualify_reason")?,
        customer_id: row.try_get("customer_id")?,
        deal_id: row.try_get("deal_id")?,
        converted_at: row.try_get("converted_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

/// The lower-cased text searched and sorted by "name": the person, then the company (a line
/// break between them sorts before any printable character, so the order is by name first).
fn name_search(r: &LeadRow) -> String {
    match &r.company {
        Some(c) => format!("{}\n{}", r.name.to_lowercase(), c.to_lowercase()),
        None => r.name.to_lowercase(),
    }
}

fn sort_spec(s: LeadSort) -> (&'static str, bool) {
    match s {
        LeadSort::NameAsc => ("name_search", true),
        LeadSort::NameDesc => ("name_search", false),
        LeadSort::CreatedAsc => ("created_at", true),
        LeadSort::CreatedDesc => ("created_at", false),
        LeadSort::UpdatedAsc => ("updated_at", true),
        LeadSort::UpdatedDesc => ("updated_at", false),
    }
}

fn sort_key(r: &LeadRow, s: LeadSort) -> SortKey {
    match s {
        LeadSort::NameAsc | LeadSort::NameDesc => SortKey::Text(name_search(r)),
        LeadSort::CreatedAsc | LeadSort::CreatedDesc => SortKey::Int(r.created_at),
        LeadSort::UpdatedAsc | LeadSort::UpdatedDesc => SortKey::Int(r.updated_at),
    }
}

fn push_filter(q: &mut SqlBuilder, f: &LeadFilter) {
    q.push(" WHERE 1=1");
    if let Some(v) = &f.visible {
        push_scope(q, v, SCOPED);
    }
    if let Some(s) = &f.status {
        q.push(" AND leads.status = ").bind(Bind::Text(s.clone()));
    }
    if let Some(s) = &f.source {
        q.push(" AND leads.source = ").bind(Bind::Text(s.clone()));
    }
    if let Some(o) = &f.owner_id {
        q.push(" AND leads.owner_id = ").bind(Bind::Text(o.clone()));
    }
    if let Some(n) = &f.name_contains {
        q.push(" AND leads.name_search LIKE ")
            .bind(Bind::Text(format!("%{}%", like_escape(&n.to_lowercase()))))
            .push(" ESCAPE '\\'");
    }
    for (col, idx) in &f.blind {
        if matches!(*col, "email" | "mobile") {
            q.push(&format!(" AND leads.{col}_bidx = ")).bind(Bind::Blob(idx.clone()));
        }
    }
    if let Some(t) = f.created_from {
        q.push(" AND leads.created_at >= ").bind(Bind::Int(t));
    }
    if let Some(t) = f.created_to {
        q.push(" AND leads.created_at < ").bind(Bind::Int(t));
    }
}

fn visible_lead_query(id: &str, v: &Visibility) -> SqlBuilder {
    let mut q = SqlBuilder::new(&format!("SELECT {COLS} FROM leads WHERE leads.id = "));
    q.bind(Bind::Text(id.to_string()));
    push_scope(&mut q, v, SCOPED);
    q
}

impl Store {
    /// A lead if it exists and a reader with visibility `v` may see it (one query).
    pub async fn get_lead_visible(&self, id: &str, v: &Visibility) -> Result<Option<LeadRow>, StoreError> {
        let row = visible_lead_query(id, v).build().fetch_optional(self.reader()).await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Lists leads matching `f`, one page at a time, ordered by the sort key then id.
    pub async fn list_leads(&self, f: &LeadFilter) -> Result<Page<LeadRow>, StoreError> {
        let (col, asc) = sort_spec(f.sort);
        let mut q = SqlBuilder::new(&format!("SELECT {COLS} FROM leads"));
        push_filter(&mut q, f);
        if let Some((key, id)) = &f.after {
            let cmp = if asc { ">" } else { "<" };
            q.push(&format!(" AND (leads.{col}, leads.id) {cmp} ("));
            match key {
                SortKey::Text(s) => q.bind(Bind::Text(s.clone())),
                SortKey::Int(i) => q.bind(Bind::Int(*i)),
            };
            q.push(", ").bind(Bind::Text(id.clone())).push(")");
        }
        let dir = if asc { "ASC" } else { "DESC" };
        let limit = f.limit.clamp(1, 500);
        q.push(&format!(" ORDER BY leads.{col} {dir}, leads.id {dir} LIMIT ")).bind(Bind::Int(i64::from(limit) + 1));
        let rows = q.build().fetch_all(self.reader()).await?;
        let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if more { items.last().map(|r| (sort_key(r, f.sort), r.id.clone())) } else { None };
        Ok(Page { items, next })
    }
}

impl WriteTx {
    /// `Store::get_lead_visible`, inside this transaction.
    pub async fn get_lead_visible(&mut self, id: &str, v: &Visibility) -> Result<Option<LeadRow>, StoreError> {
        let row = visible_lead_query(id, v).build().fetch_optional(&mut *self.tx).await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    pub async fn insert_lead(&mut self, r: &LeadRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO leads (id, name, name_search, company, title, source, status, owner_id, team_id, email_ct, \
             email_bidx, mobile_ct, mobile_bidx, notes_ct, disqualify_reason, customer_id, deal_id, converted_at, \
             created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
        )
        .bind(r.id.as_str())
        .bind(r.name.as_str())
        .bind(name_search(r))
        .bind(r.company.clone())
        .bind(r.title.clone())
        .bind(r.source.as_str())
        .bind(r.status.as_str())
        .bind(r.owner_id.clone())
        .bind(r.team_id.clone())
        .bind(r.email.ct.clone())
        .bind(r.email.bidx.clone())
        .bind(r.mobile.ct.clone())
        .bind(r.mobile.bidx.clone())
        .bind(r.notes.clone())
        .bind(r.disqualify_reason.clone())
        .bind(r.customer_id.clone())
        .bind(r.deal_id.clone())
        .bind(r.converted_at)
        .bind(r.created_at)
        .bind(r.updated_at)
        .bind(r.version)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Writes the editable columns of `r` over the stored lead if its version is still
    /// `expected_version` and it is not converted; `r.version` is the new version.
    pub async fn update_lead(&mut self, r: &LeadRow, expected_version: i64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE leads SET name = $1, name_search = $2, company = $3, title = $4, source = $5, status = $6, \
             owner_id = $7, team_id = $8, email_ct = $9, email_bidx = $10, mobile_ct = $11, mobile_bidx = $12, \
             notes_ct = $13, disqualify_reason = $14, updated_at = $15, version = $16 \
             WHERE id = $17 AND version = $18 AND status <> 'converted'",
        )
        .bind(r.name.as_str())
        .bind(name_search(r))
        .bind(r.company.clone())
        .bind(r.title.clone())
        .bind(r.source.as_str())
        .bind(r.status.as_str())
        .bind(r.owner_id.clone())
        .bind(r.team_id.clone())
        .bind(r.email.ct.clone())
        .bind(r.email.bidx.clone())
        .bind(r.mobile.ct.clone())
        .bind(r.mobile.bidx.clone())
        .bind(r.notes.clone())
        .bind(r.disqualify_reason.clone())
        .bind(r.updated_at)
        .bind(r.version)
        .bind(r.id.as_str())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("leads", &r.id).await);
        }
        Ok(())
    }

    /// Deletes a lead, optionally only at `expected_version`.
    pub async fn delete_lead(&mut self, id: &str, expected_version: Option<i64>) -> Result<(), StoreError> {
        let mut q = SqlBuilder::new("DELETE FROM leads WHERE id = ");
        q.bind(Bind::Text(id.to_string()));
        if let Some(v) = expected_version {
            q.push(" AND version = ").bind(Bind::Int(v));
        }
        let done = q.build().execute(&mut *self.tx).await?;
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("leads", id).await);
        }
        Ok(())
    }

    /// Marks a lead converted into `customer_id` (and `deal_id`) at `at` (µs), if it is still
    /// at `expected_version` and neither converted nor disqualified; the version goes up by one.
    pub async fn mark_lead_converted(
        &mut self,
        id: &str,
        expected_version: i64,
        customer_id: &str,
        deal_id: Option<&str>,
        at: i64,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE leads SET status = 'converted', customer_id = $1, deal_id = $2, converted_at = $3, \
             updated_at = $4, version = version + 1 \
             WHERE id = $5 AND version = $6 AND status NOT IN ('converted', 'disqualified')",
        )
        .bind(customer_id)
        .bind(deal_id.map(str::to_string))
        .bind(at)
        .bind(at)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("leads", id).await);
        }
        Ok(())
    }
}
