//! Listing deals: filters (pipeline, stage, owner, customer, status, title search), sort and
//! opaque keyset cursors, always within the actor's record scope. It never writes.

use crate::audit::Ev;
use crate::authz::visibility;
use crate::deal_views::{DealOut, deal_list_out, shown_customers};
use crate::{Actor, App, AppError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use custos_domain::sales::DealStatus;
use custos_domain::{CustomerId, FieldErrors, Permission, PipelineId, StageId, UserId};
use custos_store::{DealFilter, DealSort, SortKey};

/// Filters, sort and paging of a deal list, as raw strings from the caller.
#[derive(Debug, Clone, Default)]
pub struct DealQuery {
    pub pipeline_id: Option<String>,
    pub stage_id: Option<String>,
    pub owner_id: Option<String>,
    pub customer_id: Option<String>,
    pub status: Option<String>,
    /// Substring of the title.
    pub q: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// One page of deals and the cursor for the next, if any.
#[derive(Debug, Clone)]
pub struct DealPage {
    pub items: Vec<DealOut>,
    pub next_cursor: Option<String>,
}

pub const DEFAULT_DEAL_PAGE: u32 = 50;
pub const MAX_DEAL_PAGE: u32 = 200;
/// The default order: most recently updated first.
pub const DEFAULT_DEAL_SORT: &str = "-updated_at";

/// Accepted `sort` values.
pub const DEAL_SORTS: [(&str, DealSort); 8] = [
    ("-updated_at", DealSort::UpdatedDesc),
    ("updated_at", DealSort::UpdatedAsc),
    ("-amount", DealSort::AmountDesc),
    ("amount", DealSort::AmountAsc),
    ("expected_close", DealSort::ExpectedCloseAsc),
    ("-expected_close", DealSort::ExpectedCloseDesc),
    ("title", DealSort::TitleAsc),
    ("-title", DealSort::TitleDesc),
];

fn id_filter<T: std::str::FromStr + ToString>(
    e: &mut FieldErrors,
    field: &str,
    raw: &Option<String>,
) -> Option<String> {
    let v = raw.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    match v.parse::<T>() {
        Ok(id) => Some(id.to_string()),
        Err(_) => {
            e.push(field, "invalid_id", "must be an id (UUID)");
            None
        }
    }
}

/// Turns a raw query into a store filter (without scope); every bad parameter is reported.
pub(crate) fn deal_filter(q: &DealQuery) -> Result<DealFilter, AppError> {
    let mut e = FieldErrors::new();
    let mut f = DealFilter { limit: q.limit.unwrap_or(DEFAULT_DEAL_PAGE), ..Default::default() };
    if let Some(l) = q.limit
        && !(1..=MAX_DEAL_PAGE).contains(&l)
    {
        e.push("limit", "out_of_range", format!("must be between 1 and {MAX_DEAL_PAGE}"));
    }
    f.pipeline_id = id_filter::<PipelineId>(&mut e, "pipeline_id", &q.pipeline_id);
    f.stage_id = id_filter::<StageId>(&mut e, "stage_id", &q.stage_id);
    f.owner_id = id_filter::<UserId>(&mut e, "owner_id", &q.owner_id);
    f.customer_id = id_filter::<CustomerId>(&mut e, "customer_id", &q.customer_id);
    if let Some(s) = q.status.as_deref().filter(|s| !s.trim().is_empty()) {
        f.status = e.check("status", DealStatus::parse(s)).map(|s| s.as_str().to_string());
    }
    if let Some(n) = &q.q {
        let n = n.trim();
        if n.chars().count() > 200 {
            e.push("q", "too_long", "must be at most 200 characters");
        } else if !n.is_empty() {
            f.title_contains = Some(n.to_string());
        }
    }
    let sort_name = q.sort.as_deref().filter(|s| !s.is_empty()).unwrap_or(DEFAULT_DEAL_SORT);
    match DEAL_SORTS.iter().find(|(n, _)| *n == sort_name) {
        Some((_, s)) => f.sort = *s,
        None => e.push(
            "sort",
            "invalid_choice",
            "must be one of: -updated_at, updated_at, -amount, amount, expected_close, -expected_close, title, -title",
        ),
    }
    if let Some(c) = q.cursor.as_deref().filter(|c| !c.is_empty()) {
        match decode_cursor(c, sort_name) {
            Some(after) => f.after = Some(after),
            None => e.push("cursor", "invalid", "is not a cursor of this list and sort order"),
        }
    }
    e.into_result(f).map_err(AppError::Invalid)
}

impl App {
    /// One page of the deals the actor may see (deal.read).
    pub async fn list_deals(&self, actor: &Actor, q: &DealQuery) -> Result<DealPage, AppError> {
        self.allow(actor, Permission::DealRead)?;
        let mut filter = deal_filter(q)?;
        filter.visible = Some(visibility(actor));
        let page = self.store.list_deals(&filter).await?;
        let items = page.items.iter().map(deal_list_out).collect::<Result<Vec<_>, _>>()?;
        let shown = shown_customers(&items);
        if !shown.is_empty() {
            self.audit_read(actor, Ev::new("deal.list", "deal").ids(shown));
        }
        let sort_name = q.sort.as_deref().filter(|s| !s.is_empty()).unwrap_or(DEFAULT_DEAL_SORT);
        Ok(DealPage { items, next_cursor: page.next.map(|(k, id)| encode_cursor(sort_name, &k, &id)) })
    }

    /// How many deals the actor may see match the filters (paging ignored).
    pub async fn count_deals(&self, actor: &Actor, q: &DealQuery) -> Result<i64, AppError> {
        self.allow(actor, Permission::DealRead)?;
        let mut filter = deal_filter(&DealQuery { cursor: None, ..q.clone() })?;
        filter.visible = Some(visibility(actor));
        Ok(self.store.count_deals(&filter).await?)
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    s: String,
    t: Option<String>,
    n: Option<i64>,
    i: String,
}

fn encode_cursor(sort: &str, k: &SortKey, id: &str) -> String {
    let (t, n) = match k {
        SortKey::Text(s) => (Some(s.clone()), None),
        SortKey::Int(i) => (None, Some(*i)),
    };
    let c = Cursor { s: sort.to_string(), t, n, i: id.to_string() };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap_or_default())
}

fn decode_cursor(raw: &str, sort: &str) -> Option<(SortKey, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.as_bytes()).ok()?;
    let c: Cursor = serde_json::from_slice(&bytes).ok()?;
    if c.s != sort {
        return None;
    }
    let key = match (c.t, c.n) {
        (Some(t), None) => SortKey::Text(t),
        (None, Some(n)) => SortKey::Int(n),
        _ => return None,
    };
    Some((key, c.i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_name_their_sort() {
        let c = encode_cursor("-amount", &SortKey::Int(42), "abc");
        assert_eq!(decode_cursor(&c, "-amount"), Some((SortKey::Int(42), "abc".into())));
        assert_eq!(decode_cursor(&c, "title"), None);
        assert_eq!(decode_cursor("garbage", "title"), None);
    }

    #[test]
    fn bad_parameters_are_all_reported() {
        let q = DealQuery {
            stage_id: Some("x".into()),
            status: Some("closed".into()),
            sort: Some("size".into()),
            limit: Some(0),
            ..Default::default()
        };
        let Err(AppError::Invalid(e)) = deal_filter(&q) else { panic!("expected invalid") };
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["limit", "stage_id", "status", "sort"]);
    }
}
