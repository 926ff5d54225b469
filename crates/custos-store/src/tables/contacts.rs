//! Contact rows: insert, versioned update, delete, get and the list of one customer's contacts.

use crate::StoreError;
use crate::rows::{ContactRow, Sealed};
use crate::store::{Store, WriteTx};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Executor, Row};

const COLS: &str = "id, customer_id, name, title, email_ct, email_bidx, mobile_ct, mobile_bidx, \
    phone_ct, phone_bidx, address_ct, notes_ct, created_at, updated_at, version";

fn sealed(row: &AnyRow, prefix: &str) -> Result<Sealed, sqlx::Error> {
    Ok(Sealed {
        ct: row.try_get(format!("{prefix}_ct").as_str())?,
        bidx: row.try_get(format!("{prefix}_bidx").as_str())?,
    })
}

fn from_row(row: &AnyRow) -> Result<ContactRow, sqlx::Error> {
    Ok(ContactRow {
        id: row.try_get("id")?,
        customer_id: row.try_get("customer_id")?,
        name: row.try_get("name")?,
        title: row.try_get("title")?,
        email: sealed(row, "email")?,
        mobile: sealed(row, "mobile")?,
        phone: sealed(row, "phone")?,
        address: row.try_get("address_ct")?,
        notes: row.try_get("notes_ct")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

async fn get<'c, E: Executor<'c, Database = Any>>(e: E, id: &str) -> Result<Option<ContactRow>, StoreError> {
    let sql = format!("SELECT {COLS} FROM contacts WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(e).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// At most this many contacts are listed for one customer.
pub const MAX_CONTACTS_LISTED: i64 = 500;

impl Store {
    pub async fn get_contact(&self, id: &str) -> Result<Option<ContactRow>, StoreError> {
        get(self.reader(), id).await
    }

    /// The contacts of one customer, oldest first.
    pub async fn list_contacts(&self, customer_id: &str) -> Result<Vec<ContactRow>, StoreError> {
        let sql = format!("SELECT {COLS} FROM contacts WHERE customer_id = $1 ORDER BY created_at, id LIMIT $2");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(customer_id)
            .bind(MAX_CONTACTS_LISTED)
            .fetch_all(self.reader())
            .await?;
        Ok(rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?)
    }
}

impl WriteTx {
    pub async fn get_contact(&mut self, id: &str) -> Result<Option<ContactRow>, StoreError> {
        get(&mut *self.tx, id).await
    }

    pub async fn insert_contact(&mut self, c: &ContactRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO contacts (id, customer_id, name, title, email_ct, email_bidx, mobile_ct, mobile_bidx, \
             phone_ct, phone_bidx, address_ct, notes_ct, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(c.id.as_str())
        .bind(c.customer_id.as_str())
        .bind(c.name.as_str())
        .bind(c.title.clone())
        .bind(c.email.ct.clone())
        .bind(c.email.bidx.clone())
        .bind(c.mobile.ct.clone())
        .bind(c.mobile.bidx.clone())
        .bind(c.phone.ct.clone())
        .bind(c.phone.bidx.clone())
        .bind(c.address.clone())
        .bind(c.notes.clone())
        .bind(c.created_at)
        .bind(c.updated_at)
        .bind(c.version)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn update_contact(&mut self, c: &ContactRow, expected_version: i64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE contacts SET name = $1, title = $2, email_ct = $3, email_bidx = $4, mobile_ct = $5, mobile_bidx = $6, \
             phone_ct = $7, phone_bidx = $8, address_ct = $9, notes_ct = $10, updated_at = $11, version = $12 \
             WHERE id = $13 AND version = $14",
        )
        .bind(c.name.as_str())
        .bind(c.title.clone())
        .bind(c.email.ct.clone())
        .bind(c.email.bidx.clone())
        .bind(c.mobile.ct.clone())
        .bind(c.mobile.bidx.clone())
        .bind(c.phone.ct.clone())
        .bind(c.phone.bidx.clone())
        .bind(c.address.clone())
        .bind(c.notes.clone())
        .bind(c.updated_at)
        .bind(c.version)
        .bind(c.id.as_str())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("contacts", &c.id).await);
        }
        Ok(())
    }

    pub async fn delete_contact(&mut self, id: &str, expected_version: Option<i64>) -> Result<(), StoreError> {
        let done = match expected_version {
            Some(v) => {
                sqlx::query("DELETE FROM contacts WHERE id = $1 AND version = $2")
                    .bind(id)
                    .bind(v)
                    .execute(&mut *self.tx)
                    .await?
            }
            None => sqlx::query("DELETE FROM contacts WHERE id = $1").bind(id).execute(&mut *self.tx).await?,
        };
        if done.rows_affected() == 0 {
            return Err(self.missing_or_stale("contacts", id).await);
        }
        Ok(())
    }
}
