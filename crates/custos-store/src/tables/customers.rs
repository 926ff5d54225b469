//! Customer rows: insert, versioned update, delete, get and keyset-paginated lists.

use crate::StoreError;
use crate::rows::{CustomerFilter, CustomerRow, CustomerSort, Page, Sealed, SortKey, Visibility};
use crate::sql::{Bind, SqlBuilder, like_escape};
use crate::store::{Store, WriteTx};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

const COLS: &str = "id, name, kind, industry, tier, status, owner_id, team_id, tags, source, \
    email_ct, email_bidx, mobile_ct, mobile_bidx, phone_ct, phone_bidx, address_ct, birthday_ct, \
    national_id_ct, national_id_bidx, bank_account_ct, bank_account_bidx, notes_ct, created_at, updated_at, version";

fn sealed(row: &AnyRow, prefix: &str) -> Result<Sealed, sqlx::Error> {
    Ok(Sealed {
        ct: row.try_get(format!("{prefix}_ct").as_str())?,
        bidx: row.try_get(format!("{prefix}_bidx").as_str())?,
    })
}

pub(crate) fn split_tags(s: &str) -> Vec<String> {
    s.split(',').filter(|t| !t.is_empty()).map(str::to_string).collect()
}

fn from_row(row: &AnyRow) -> Result<CustomerRow, sqlx::Error> {
    let tags: String = row.try_get("tags")?;
    Ok(CustomerRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        industry: row.try_get("industry")?,
        tier: row.try_get("tier")?,
        status: row.try_get("status")?,
        owner_id: row.try_get("owner_id")?,
        team_id: row.try_get("team_id")?,
        tags: split_tags(&tags),
        source: row.try_get("source")?,
        email: sealed(row, "email")?,
        mobile: sealed(row, "mobile")?,
        phone: sealed(row, "phone")?,
        address: row.try_get("address_ct")?,
        birthday: row.try_get("birthday_ct")?,
        national_id: sealed(row, "national_id")?,
        bank_account: sealed(row, "bank_account")?,
        notes: row.try_get("notes_ct")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

/// The lower-cased name used for substring search and name ordering.
pub(crate) fn name_search(name: &str) -> String {
    name.to_lowercase()
}

async fn get<'c, E: Executor<'c, Database = Any>>(e: E, id: &str) -> Result<Option<CustomerRow>, StoreError> {
    let sql = format!("SELECT {COLS} FROM customers WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(e).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

fn sort_spec(s: CustomerSort) -> (&'static str, bool) {
    match s {
        CustomerSort::NameAsc => ("name_search", true),
        CustomerSort::NameDesc => ("name_search", false),
        CustomerSort::CreatedAsc => ("created_at", true),
        CustomerSort::CreatedDesc => ("created_at", false),
        CustomerSort::UpdatedAsc => ("updated_at", true),
        CustomerSort::UpdatedDesc => ("updated_at", false),
    }
}

fn sort_key(row: &CustomerRow, s: CustomerSort) -> SortKey {
    match s {
        CustomerSort::NameAsc | CustomerSort::NameDesc => SortKey::Text(name_search(&row.name)),
        CustomerSort::CreatedAsc | CustomerSort::CreatedDesc => SortKey::Int(row.created_at),
        CustomerSort::UpdatedAsc | CustomerSort::UpdatedDesc => SortKey::Int(row.updated_at),
    }
}

/// Appends the record-scope condition for a reader over `customers`.
pub(crate) fn push_visibility(q: &mut SqlBuilder, v: &Visibility) {
    super::scope::push_scope(q, v, super::scope::Scoped::CUSTOMERS);
}

fn visible_query(id: &str, v: &Visibility) -> sqlx::query::Query<'static, Any, sqlx::any::AnyArguments> {
    let mut q = SqlBuilder::new("SELECT 1 AS one FROM customers WHERE id = ");
    q.bind(Bind::Text(id.to_string()));
    push_visibility(&mut q, v);
    q.build()
}

/// Appends the WHERE clause of a filter (without paging) to `q`.
fn push_filter(q: &mut SqlBuilder, f: &CustomerFilter) {
    q.push(" WHERE 1=1");
    if let Some(v) = &f.visible {
        push_visibility(q, v);
    }
    if let Some(s) = &f.status {
        q.push(" AND status = ").bind(Bind::Text(s.clone()));
    }
    if let Some(o) = &f.owner_id {
        q.push(" AND owner_id = ").bind(Bind::Text(o.clone()));
    }
    if let Some(t) = &f.tag {
        q.push(" AND EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = customers.id AND t.tag = ")
            .bind(Bind::Text(t.clone()))
            .push(")");
    }
    if let Some(n) = &f.name_contains {
        q.push(" AND name_search LIKE ")
            .bind(Bind::Text(format!("%{}%", like_escape(&n.to_lowercase()))))
            .push(" ESCAPE '\\'");
    }
    for (col, idx) in &f.blind {
        q.push(&format!(" AND {col}_bidx = ")).bind(Bind::Blob(idx.clone()));
    }
}

impl Store {
    pub async fn get_customer(&self, id: &str) -> Result<Option<CustomerRow>, StoreError> {
        get(self.reader(), id).await
    }

    /// Lists customers matching `f`, one page at a time, ordered by the sort key then id.
    pub async fn list_customers(&self, f: &CustomerFilter) -> Result<Page<CustomerRow>, StoreError> {
        let (col, asc) = sort_spec(f.sort);
        let mut q = SqlBuilder::new(&format!("SELECT {COLS} FROM customers"));
        push_filter(&mut q, f);
        if let Some((key, id)) = &f.after {
            let cmp = if asc { ">" } else { "<" };
            q.push(&format!(" AND ({col}, id) {cmp} ("));
            match key {
                SortKey::Text(s) => q.bind(Bind::Text(s.clone())),
                SortKey::Int(i) => q.bind(Bind::Int(*i)),
            };
            q.push(", ").bind(Bind::Text(id.clone())).push(")");
        }
        let dir = if asc { "ASC" } else { "DESC" };
        let limit = f.limit.clamp(1, 500);
        q.push(&format!(" ORDER BY {col} {dir}, id {dir} LIMIT ")).bind(Bind::Int(i64::from(limit) + 1));
        let rows = q.build().fetch_all(self.reader()).await?;
        let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if more { items.last().map(|r| (sort_key(r, f.sort), r.id.clone())) } else { None };
        Ok(Page { items, next })
    }

    /// A customer if it exists and a reader with visibility `v` may see it: one query, so the
    /// scope check costs no extra round trip.
    pub async fn get_customer_visible(&self, id: &str, v: &Visibility) -> Result<Option<CustomerRow>, StoreError> {
        let mut q = SqlBuilder::new(&format!("SELECT {COLS} FROM customers WHERE id = "));
        q.bind(Bind::Text(id.to_string()));
        push_visibility(&mut q, v);
        let row = q.build().fetch_optional(self.reader()).await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Whether a reader with visibility `v` may see customer `id` (false if it does not exist).
    pub async fn customer_visible(&self, id: &str, v: &Visibility) -> Result<bool, StoreError> {
        Ok(visible_query(id, v).fetch_optional(self.reader()).await?.is_some())
    }

    /// Counts customers matching the filter (paging fields ignored).
    pub async fn count_customers(&self, f: &CustomerFilter) -> Result<i64, StoreError> {
        let mut q = SqlBuilder::new("SELECT COUNT(*) AS n FROM customers");
        push_filter(&mut q, f);
        let row = q.build().fetch_one(self.reader()).await?;
        Ok(row.try_get("n")?)
    }
}

async fn replace_tags(tx: &mut WriteTx, id: &str, tags: &[String]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM customer_tags WHERE customer_id = $1").bind(id).execute(&mut *tx.tx).await?;
    insert_tags(tx, id, tags).await
}

async fn insert_tags(tx: &mut WriteTx, id: &str, tags: &[String]) -> Result<(), StoreError> {
    for tag in tags {
        sqlx::query("INSERT INTO customer_tags (customer_id, tag) VALUES ($1, $2)")
            .bind(id)
            .bind(tag.as_str())
            .execute(&mut *tx.tx)
            .await?;
    }
    Ok(())
}

impl WriteTx {
    /// `Store::customer_visible`, inside this transaction.
    pub async fn customer_visible(&mut self, id: &str, v: &Visibility) -> Result<bool, StoreError> {
        Ok(visible_query(id, v).fetch_optional(&mut *self.tx).await?.is_some())
    }

    pub async fn get_customer(&mut self, id: &str) -> Result<Option<CustomerRow>, StoreError> {
        get(&mut *self.tx, id).await
    }

    pub async fn insert_customer(&mut self, c: &CustomerRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO customers (id, name, name_search, kind, industry, tier, status, owner_id, team_id, tags, source, \
             email_ct, email_bidx, mobile_ct, mobile_bidx, phone_ct, phone_bidx, address_ct, birthday_ct, \
             national_id_ct, national_id_bidx, bank_account_ct, bank_account_bidx, notes_ct, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)",
        )
        .bind(c.id.as_str())
        .bind(c.name.as_str())
        .bind(name_search(&c.name))
        .bind(c.kind.as_str())
        .bind(c.industry.clone())
        .bind(c.tier.clone())
        .bind(c.status.as_str())
        .bind(c.owner_id.clone())
        .bind(c.team_id.clone())
        .bind(c.tags.join(","))
        .bind(c.source.clone())
        .bind(c.email.ct.clone())
        .bind(c.email.bidx.clone())
        .bind(c.mobile.ct.clone())
        .bind(c.mobile.bidx.clone())
        .bind(c.phone.ct.clone())
        .bind(c.phone.bidx.clone())
        .bind(c.address.clone())
        .bind(c.birthday.clone())
        .bind(c.national_id.ct.clone())
        .bind(c.national_id.bidx.clone())
        .bind(c.bank_account.ct.clone())
        .bind(c.bank_account.bidx.clone())
        .bind(c.notes.clone())
        .bind(c.created_at)
        .bind(c.updated_at)
        .bind(c.version)
        .execute(&mut *self.tx)
        .await?;
        insert_tags(self, &c.id, &c.tags).await
    }

    /// Writes `c` over the stored row if its version is still `expected_version`;
    /// `c.version` is the new version.
    pub async fn update_customer(&mut self, c: &CustomerRow, expected_version: i64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE customers SET name = $1, name_search = $2, kind = $3, industry = $4, tier = $5, status = $6, \
             owner_id = $7, team_id = $8, tags = $9, source = $10, email_ct = $11, email_bidx = $12, mobile_ct = $13, \
             mobile_bidx = $14, phone_ct = $15, phone_bidx = $16, address_ct = $17, birthday_ct = $18, \
             national_id_ct = $19, national_id_bidx = $20, bank_account_ct = $21, bank_account_bidx = $22, notes_ct = $23, \
             updated_at = $24, version = $25 WHERE id = $26 AND version = $27",
        )
        .bind(c.name.as_str())
        .bind(name_search(&c.name))
        .bind(c.kind.as_str())
        .bind(c.industry.clone())
        .bind(c.tier.clone())
        .bind(c.status.as_str())
        .bind(c.owner_id.clone())
        .bind(c.team_id.clone())
        .bind(c.tags.join(","))
        .bind(c.source.clone())
        .bind(c.email.ct.clone())
        .bind(c.email.bidx.clone())
        .bind(c.mobile.ct.clone())
        .bind(c.mobile.bidx.clone())
        .bind(c.phone.ct.clone())
        .bind(c.phone.bidx.clone())
        .bind(c.address.clone())
        .bind(c.birthday.clone())
        .bind(c.national_id.ct.clone())
        .bind(c.national_id.bidx.clone())
        .bind(c.bank_account.ct.clone())
        .bind(c.bank_account.bidx.clone())
        .bind(c.notes.clone())
        .bind(c.updated_at)
        .bind(c.version)
        .bind(c.id.as_str())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("customers", &c.id).await);
        }
        replace_tags(self, &c.id, &c.tags).await
    }

    /// Deletes a customer (contacts and tags go with it), optionally only at `expected_version`.
    pub async fn delete_customer(&mut self, id: &str, expected_version: Option<i64>) -> Result<(), StoreError> {
        let done = match expected_version {
            Some(v) => {
                sqlx::query("DELETE FROM customers WHERE id = $1 AND version = $2")
                    .bind(id)
                    .bind(v)
                    .execute(&mut *self.tx)
                    .await?
            }
            None => sqlx::query("DELETE FROM customers WHERE id = $1").bind(id).execute(&mut *self.tx).await?,
        };
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("customers", id).await);
        }
        Ok(())
    }

    /// After a guarded write touched no row: was the record gone, or changed?
    pub(crate) async fn missing_or_stale(&mut self, table: &'static str, id: &str) -> StoreError {
        let sql = format!("SELECT 1 AS one FROM {table} WHERE id = $1");
        match sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *self.tx).await {
            Ok(Some(_)) => StoreError::Conflict,
            Ok(None) => StoreError::NotFound,
            Err(e) => e.into(),
        }
    }
}
