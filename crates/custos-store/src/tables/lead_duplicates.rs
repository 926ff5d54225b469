//! The duplicate check of a lead conversion: customers the reader may see whose own e-mail or
//! mobile blind index, or one of whose contacts', equals the lead's. It runs inside the
//! conversion's write transaction, so what it finds is what the conversion commits against.
//! Only keyed digests are compared; it never sees a plaintext value.

use crate::StoreError;
use crate::rows::Visibility;
use crate::sql::{Bind, SqlBuilder};
use crate::store::WriteTx;
use sqlx::Row;

/// A customer that shares a person's e-mail or mobile, itself or through a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchingCustomer {
    pub id: String,
    pub name: String,
}

impl WriteTx {
    /// Customers visible to `visible` whose e-mail / mobile blind index, or a contact's, equals
    /// `email` / `mobile` (digests of the same fields), each once, at most `limit`.
    pub async fn customers_matching_person(
        &mut self,
        email: Option<&[u8]>,
        mobile: Option<&[u8]>,
        limit: u32,
        visible: &Visibility,
    ) -> Result<Vec<MatchingCustomer>, StoreError> {
        let digests: Vec<(&str, &[u8])> =
            [("email", email), ("mobile", mobile)].into_iter().filter_map(|(f, d)| d.map(|d| (f, d))).collect();
        if digests.is_empty() {
            return Ok(Vec::new());
        }
        let mut q =
            SqlBuilder::new("SELECT customers.id AS id, customers.name AS name FROM customers WHERE customers.id IN (");
        for (i, (from, customer_col)) in
            [("customers m", "m.id"), ("contacts m", "m.customer_id")].into_iter().enumerate()
        {
            if i > 0 {
                q.push(" UNION ");
            }
            q.push(&format!("SELECT {customer_col} FROM {from} WHERE "));
            for (j, (field, digest)) in digests.iter().enumerate() {
                if j > 0 {
                    q.push(" OR ");
                }
                // Both tables index these digests (migrations 0003 and 0009).
                q.push(&format!("m.{field}_bidx = ")).bind(Bind::Blob(digest.to_vec()));
            }
        }
        q.push(")");
        super::customers::push_visibility(&mut q, visible);
        // No ORDER BY: the outer scan stops after `limit` visible hits.
        q.push(" LIMIT ").bind(Bind::Int(i64::from(limit.clamp(1, 100))));
        let rows = q.build().fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| Ok(MatchingCustomer { id: r.try_get("id")?, name: r.try_get("name")? }))
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}
