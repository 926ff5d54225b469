//! Lookups by blind index across customers (duplicate detection on create). Only keyed
//! digests are compared; it never sees a plaintext value.

use crate::StoreError;
use crate::sql::{Bind, SqlBuilder};
use crate::store::Store;
use sqlx::Row;

/// Blind-index columns that duplicate detection may compare.
const COLUMNS: [&str; 5] = ["email", "mobile", "phone", "national_id", "bank_account"];

impl Store {
    /// Ids of customers other than `exclude_id` whose blind index equals one of `pairs`
    /// (`(field, digest)`, field one of the indexed columns), at most `limit`, oldest first.
    pub async fn customers_sharing_blind_index(
        &self,
        pairs: &[(&str, Vec<u8>)],
        exclude_id: &str,
        limit: u32,
        visible: &crate::rows::Visibility,
    ) -> Result<Vec<String>, StoreError> {
        let pairs: Vec<&(&str, Vec<u8>)> = pairs.iter().filter(|(f, _)| COLUMNS.contains(f)).collect();
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = SqlBuilder::new("SELECT id FROM customers WHERE id <> ");
        q.bind(Bind::Text(exclude_id.to_string())).push(" AND (");
        for (i, (field, digest)) in pairs.iter().enumerate() {
            if i > 0 {
                q.push(" OR ");
            }
            q.push(&format!("{field}_bidx = ")).bind(Bind::Blob(digest.clone()));
        }
        // No ORDER BY: the lookup stops after `limit` index hits instead of sorting every
        // match (a shared switchboard number must not make each create scan thousands of rows).
        q.push(")");
        super::customers::push_visibility(&mut q, visible);
        q.push(" LIMIT ").bind(Bind::Int(i64::from(limit.clamp(1, 100))));
        let rows = q.build().fetch_all(self.reader()).await?;
        rows.iter().map(|r| r.try_get::<String, _>("id").map_err(StoreError::from)).collect()
    }
}
