//! Deal rows: insert, versioned update, delete, scoped single reads and keyset-paginated,
//! filtered lists (record scope through `push_scope`, so lists and reads never disagree).
//! The stage history and the board queries live in `deal_board.rs`.

use crate::StoreError;
use crate::rows::{Page, SortKey, Visibility};
use crate::sql::{Bind, SqlBuilder, like_escape};
use crate::store::{Store, WriteTx};
use crate::tables::scope::{Scoped, push_scope};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

/// A deal as stored. Amounts are integer minor units; `expected_close` is `YYYY-MM-DD`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealRow {
    pub id: String,
    pub title: String,
    pub customer_id: String,
    pub pipeline_id: String,
    pub stage_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub expected_close: Option<String>,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    /// open | won | lost
    pub status: String,
    pub lost_reason: Option<String>,
    pub closed_at: Option<i64>,
    pub lead_id: Option<String>,
    pub stage_entered_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// A deal with the names a reader needs beside it. `customer_name` is present only when the
/// reader may also see the customer; `owner_name` is the owner's display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealListRow {
    pub deal: DealRow,
    pub customer_name: Option<String>,
    pub owner_name: Option<String>,
}

/// Sort orders for deal lists; each is a keyset over (key, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DealSort {
    #[default]
    UpdatedDesc,
    UpdatedAsc,
    AmountDesc,
    AmountAsc,
    ExpectedCloseAsc,
    ExpectedCloseDesc,
    TitleAsc,
    TitleDesc,
}

/// Filters for listing deals.
#[derive(Debug, Clone, Default)]
pub struct DealFilter {
    /// Record scope; `None` means every deal (callers must pass the actor's scope).
    pub visible: Option<Visibility>,
    pub pipeline_id: Option<String>,
    pub stage_id: Option<String>,
    pub owner_id: Option<String>,
    pub customer_id: Option<String>,
    pub status: Option<String>,
    /// Substring of the title (matched lower-cased).
    pub title_contains: Option<String>,
    pub sort: DealSort,
    /// Resume after this (sort key, id).
    pub after: Option<(SortKey, String)>,
    pub limit: u32,
}

/// The scope clause for deals: owner and team of the deal, or a share of its customer.
pub(crate) const DEALS: Scoped = Scoped { table: "deals", shared_via: Some("deals.customer_id") };
/// The scope clause for the customer joined as `c` (its name shows only if it is visible too).
const JOINED_CUSTOMER: Scoped = Scoped { table: "c", shared_via: Some("c.id") };

pub(crate) const COLS: &str = "deals.id, deals.title, deals.customer_id, deals.pipeline_id, deals.stage_id, \
    deals.amount_minor, deals.currency, deals.expected_close, deals.owner_id, deals.team_id, deals.status, \
    deals.lost_reason, deals.closed_at, deals.lead_id, deals.stage_entered_at, deals.created_at, deals.updated_at, \
    deals.version";

pub(crate) fn deal(r: &AnyRow) -> Result<DealRow, sqlx::Error> {
    Ok(DealRow {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        customer_id: r.try_get("customer_id")?,
        pipeline_id: r.try_get("pipeline_id")?,
        stage_id: r.try_get("stage_id")?,
        amount_minor: r.try_get("amount_minor")?,
        currency: r.try_get("currency")?,
        expected_close: r.try_get("expected_close")?,
        owner_id: r.try_get("owner_id")?,
        team_id: r.try_get("team_id")?,
        status: r.try_get("status")?,
        lost_reason: r.try_get("lost_reason")?,
        closed_at: r.try_get("closed_at")?,
        lead_id: r.try_get("lead_id")?,
        stage_entered_at: r.try_get("stage_entered_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

pub(crate) fn list_row(r: &AnyRow) -> Result<DealListRow, sqlx::Error> {
    Ok(DealListRow { deal: deal(r)?, customer_name: r.try_get("customer_name")?, owner_name: r.try_get("owner_name")? })
}

/// `SELECT` of deals with the customer (if visible to `v`) and owner names joined; continue
/// with `WHERE …`.
pub(crate) fn select_with_names(v: Option<&Visibility>) -> SqlBuilder {
    let mut q = SqlBuilder::new(&format!(
        "SELECT {COLS}, c.name AS customer_name, u.display_name AS owner_name FROM deals \
         LEFT JOIN customers c ON c.id = deals.customer_id"
    ));
    if let Some(v) = v {
        push_scope(&mut q, v, JOINED_CUSTOMER);
    }
    q.push(" LEFT JOIN users u ON u.id = deals.owner_id");
    q
}

/// The lower-cased title used for substring search and title ordering.
pub(crate) fn title_search(title: &str) -> String {
    title.to_lowercase()
}

fn sort_spec(s: DealSort) -> (&'static str, bool) {
    match s {
        DealSort::UpdatedDesc => ("deals.updated_at", false),
        DealSort::UpdatedAsc => ("deals.updated_at", true),
        DealSort::AmountDesc => ("deals.amount_minor", false),
        DealSort::AmountAsc => ("deals.amount_minor", true),
        DealSort::ExpectedCloseAsc => ("COALESCE(deals.expected_close, '')", true),
        DealSort::ExpectedCloseDesc => ("COALESCE(deals.expected_close, '')", false),
        DealSort::TitleAsc => ("deals.title_search", true),
        DealSort::TitleDesc => ("deals.title_search", false),
    }
}

fn sort_key(d: &DealRow, s: DealSort) -> SortKey {
    match s {
        DealSort::UpdatedDesc | DealSort::UpdatedAsc => SortKey::Int(d.updated_at),
        DealSort::AmountDesc | DealSort::AmountAsc => SortKey::Int(d.amount_minor),
        DealSort::ExpectedCloseAsc | DealSort::ExpectedCloseDesc => {
            SortKey::Text(d.expected_close.clone().unwrap_or_default())
        }
        DealSort::TitleAsc | DealSort::TitleDesc => SortKey::Text(title_search(&d.title)),
    }
}

/// Appends ` WHERE …` for a filter (without paging).
fn push_filter(q: &mut SqlBuilder, f: &DealFilter) {
    q.push(" WHERE 1=1");
    if let Some(v) = &f.visible {
        push_scope(q, v, DEALS);
    }
    let eq = |q: &mut SqlBuilder, col: &str, v: &Option<String>| {
        if let Some(v) = v {
            q.push(&format!(" AND deals.{col} = ")).bind(Bind::Text(v.clone()));
        }
    };
    eq(q, "pipeline_id", &f.pipeline_id);
    eq(q, "stage_id", &f.stage_id);
    eq(q, "owner_id", &f.owner_id);
    eq(q, "customer_id", &f.customer_id);
    eq(q, "status", &f.status);
    if let Some(t) = &f.title_contains {
        q.push(" AND deals.title_search LIKE ")
            .bind(Bind::Text(format!("%{}%", like_escape(&title_search(t)))))
            .push(" ESCAPE '\\'");
    }
}

fn visible_query(id: &str, v: &Visibility) -> SqlBuilder {
    let mut q = select_with_names(Some(v));
    q.push(" WHERE deals.id = ").bind(Bind::Text(id.to_string()));
    push_scope(&mut q, v, DEALS);
    q
}

async fn exists<'c, E: Executor<'c, Database = Any>>(e: E, id: &str, v: &Visibility) -> Result<bool, StoreError> {
    let mut q = SqlBuilder::new("SELECT 1 AS one FROM deals WHERE deals.id = ");
    q.bind(Bind::Text(id.to_string()));
    push_scope(&mut q, v, DEALS);
    Ok(q.build().fetch_optional(e).await?.is_some())
}

impl Store {
    /// A deal (with names) if it exists and a reader with visibility `v` may see it.
    pub async fn get_deal_visible(&self, id: &str, v: &Visibility) -> Result<Option<DealListRow>, StoreError> {
        let row = visible_query(id, v).build().fetch_optional(self.reader()).await?;
        Ok(row.as_ref().map(list_row).transpose()?)
    }

    /// Whether a reader with visibility `v` may see deal `id` (false if it does not exist).
    pub async fn deal_visible(&self, id: &str, v: &Visibility) -> Result<bool, StoreError> {
        exists(self.reader(), id, v).await
    }

    /// Lists deals matching `f`, one page at a time, ordered by the sort key then id.
    pub async fn list_deals(&self, f: &DealFilter) -> Result<Page<DealListRow>, StoreError> {
        let (col, asc) = sort_spec(f.sort);
        let mut q = select_with_names(f.visible.as_ref());
        push_filter(&mut q, f);
        if let Some((key, id)) = &f.after {
            let cmp = if asc { ">" } else { "<" };
            q.push(&format!(" AND ({col}, deals.id) {cmp} ("));
            match key {
                SortKey::Text(s) => q.bind(Bind::Text(s.clone())),
                SortKey::Int(i) => q.bind(Bind::Int(*i)),
            };
            q.push(", ").bind(Bind::Text(id.clone())).push(")");
        }
        let dir = if asc { "ASC" } else { "DESC" };
        let limit = f.limit.clamp(1, 500);
        q.push(&format!(" ORDER BY {col} {dir}, deals.id {dir} LIMIT ")).bind(Bind::Int(i64::from(limit) + 1));
        let rows = q.build().fetch_all(self.reader()).await?;
        let mut items = rows.iter().map(list_row).collect::<Result<Vec<_>, _>>()?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if more { items.last().map(|r| (sort_key(&r.deal, f.sort), r.deal.id.clone())) } else { None };
        Ok(Page { items, next })
    }

    /// Counts deals matching the filter (paging fields ignored).
    pub async fn count_deals(&self, f: &DealFilter) -> Result<i64, StoreError> {
        let mut q = SqlBuilder::new("SELECT COUNT(*) AS n FROM deals");
        push_filter(&mut q, f);
        let row = q.build().fetch_one(self.reader()).await?;
        Ok(row.try_get("n")?)
    }
}

impl WriteTx {
    /// `Store::deal_visible`, inside this transaction.
    pub async fn deal_visible(&mut self, id: &str, v: &Visibility) -> Result<bool, StoreError> {
        exists(&mut *self.tx, id, v).await
    }

    /// `Store::get_deal_visible`, inside this transaction.
    pub async fn get_deal_visible(&mut self, id: &str, v: &Visibility) -> Result<Option<DealListRow>, StoreError> {
        let row = visible_query(id, v).build().fetch_optional(&mut *self.tx).await?;
        Ok(row.as_ref().map(list_row).transpose()?)
    }

    /// A deal by id whatever the scope (for the writer that just checked it), with the
    /// customer's name only if a reader with visibility `v` may see the customer.
    pub async fn get_deal_named(&mut self, id: &str, v: &Visibility) -> Result<Option<DealListRow>, StoreError> {
        let mut q = select_with_names(Some(v));
        q.push(" WHERE deals.id = ").bind(Bind::Text(id.to_string()));
        let row = q.build().fetch_optional(&mut *self.tx).await?;
        Ok(row.as_ref().map(list_row).transpose()?)
    }

    pub async fn insert_deal(&mut self, d: &DealRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO deals (id, title, title_search, customer_id, pipeline_id, stage_id, amount_minor, currency, \
             expected_close, owner_id, team_id, status, lost_reason, closed_at, lead_id, stage_entered_at, created_at, \
             updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
        )
        .bind(d.id.clone())
        .bind(d.title.clone())
        .bind(title_search(&d.title))
        .bind(d.customer_id.clone())
        .bind(d.pipeline_id.clone())
        .bind(d.stage_id.clone())
        .bind(d.amount_minor)
        .bind(d.currency.clone())
        .bind(d.expected_close.clone())
        .bind(d.owner_id.clone())
        .bind(d.team_id.clone())
        .bind(d.status.clone())
        .bind(d.lost_reason.clone())
        .bind(d.closed_at)
        .bind(d.lead_id.clone())
        .bind(d.stage_entered_at)
        .bind(d.created_at)
        .bind(d.updated_at)
        .bind(d.version)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Writes `d` over the stored row if its version is still `expected_version`;
    /// `d.version` is the new version. `created_at` and `lead_id` never change.
    pub async fn update_deal(&mut self, d: &DealRow, expected_version: i64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE deals SET title = $1, title_search = $2, customer_id = $3, pipeline_id = $4, stage_id = $5, \
             amount_minor = $6, currency = $7, expected_close = $8, owner_id = $9, team_id = $10, status = $11, \
             lost_reason = $12, closed_at = $13, stage_entered_at = $14, updated_at = $15, version = $16 \
             WHERE id = $17 AND version = $18",
        )
        .bind(d.title.clone())
        .bind(title_search(&d.title))
        .bind(d.customer_id.clone())
        .bind(d.pipeline_id.clone())
        .bind(d.stage_id.clone())
        .bind(d.amount_minor)
        .bind(d.currency.clone())
        .bind(d.expected_close.clone())
        .bind(d.owner_id.clone())
        .bind(d.team_id.clone())
        .bind(d.status.clone())
        .bind(d.lost_reason.clone())
        .bind(d.closed_at)
        .bind(d.stage_entered_at)
        .bind(d.updated_at)
        .bind(d.version)
        .bind(d.id.clone())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("deals", &d.id).await);
        }
        Ok(())
    }

    /// Deletes a deal (its stage history goes with it), optionally only at `expected_version`.
    pub async fn delete_deal(&mut self, id: &str, expected_version: Option<i64>) -> Result<(), StoreError> {
        let done = match expected_version {
            Some(v) => {
                sqlx::query("DELETE FROM deals WHERE id = $1 AND version = $2")
                    .bind(id.to_string())
                    .bind(v)
                    .execute(&mut *self.tx)
                    .await?
            }
            None => sqlx::query("DELETE FROM deals WHERE id = $1").bind(id.to_string()).execute(&mut *self.tx).await?,
        };
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("deals", id).await);
        }
        Ok(())
    }
}
