//! The record-scope clause (own / team / all) for every table that has an owner and a team:
//! one SQL text, so lists, counts, reports and single-record reads can never disagree.
//! It decides nothing: the app chooses the `Visibility` of each actor.

use crate::rows::Visibility;
use crate::sql::{Bind, SqlBuilder};

/// A table whose rows are scoped by `owner_id` and `team_id`.
#[derive(Debug, Clone, Copy)]
pub struct Scoped {
    /// The table name or alias the columns are qualified with (e.g. `deals` or `d`).
    pub table: &'static str,
    /// A column holding the customer id whose shares also grant sight of the row
    /// (`customers.id` for customers, `deals.customer_id` for deals); `None` when shares
    /// do not apply.
    pub shared_via: Option<&'static str>,
}

impl Scoped {
    pub const CUSTOMERS: Scoped = Scoped { table: "customers", shared_via: Some("customers.id") };
}

/// Appends ` AND (…)` restricting `s.table` to what a reader with visibility `v` may see.
pub(crate) fn push_scope(q: &mut SqlBuilder, v: &Visibility, s: Scoped) {
    let t = s.table;
    let share = |q: &mut SqlBuilder, user: &str| {
        if let Some(col) = s.shared_via {
            q.push(&format!(
                " OR EXISTS (SELECT 1 FROM customer_shares s WHERE s.customer_id = {col} AND s.user_id = "
            ))
            .bind(Bind::Text(user.to_string()))
            .push(")");
        }
    };
    match v {
        Visibility::All => {}
        Visibility::Own { user_id } | Visibility::Team { user_id, team_id: None } => {
            q.push(&format!(" AND ({t}.owner_id = ")).bind(Bind::Text(user_id.clone()));
            share(q, user_id);
            q.push(")");
        }
        Visibility::Team { user_id, team_id: Some(team) } => {
            q.push(&format!(" AND ({t}.owner_id = ")).bind(Bind::Text(user_id.clone()));
            q.push(&format!(" OR {t}.team_id = ")).bind(Bind::Text(team.clone()));
            q.push(&format!(" OR {t}.owner_id IN (SELECT u.id FROM users u WHERE u.team_id = "))
                .bind(Bind::Text(team.clone()))
                .push(")");
            share(q, user_id);
            q.push(")");
        }
    }
}
