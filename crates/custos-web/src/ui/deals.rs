//! The deal list page: filters (pipeline, stage, owner, status, search), sort and cursor pages,
//! and the stage names every deal page shows. The deal page is in `deal_page.rs`, the forms in
//! `deal_forms.rs`, the board in `board.rs`. Each handler calls one use case; buttons are
//! shown by the viewer's permissions, but the use case decides.

use super::board::{money_label, status_label};
use super::forms::field_messages;
use super::i18n::{self, Locale};
use super::pages::{bad_request, chrome};
use super::view::{Opt, error_page, render};
use super::{Layout, Viewer};
use crate::WebState;
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use custos_app::AppError;
use custos_app::deal_query::DealQuery;
use custos_app::deal_views::PipelineOut;
use custos_domain::Permission;
use custos_domain::sales::DealStatus;
use fluent_bundle::FluentValue;
use serde::Deserialize;

/// Deals per page of the list.
pub const PAGE_SIZE: u32 = 25;

/// Stage id → "Pipeline · Stage" (or the stage alone when there is one pipeline).
pub(super) struct StageNames(Vec<(String, String, String)>);

impl StageNames {
    pub fn new(loc: Locale, pipelines: &[PipelineOut]) -> StageNames {
        let many = pipelines.len() > 1;
        let mut v = Vec::new();
        for p in pipelines {
            for st in &p.stages {
                let label = if many {
                    let args = [
                        ("pipeline", FluentValue::from(p.name.as_str())),
                        ("stage", FluentValue::from(st.name.as_str())),
                    ];
                    i18n::t_args(loc, "deal-stage-option", &args)
                } else {
                    st.name.clone()
                };
                v.push((st.id.to_string(), p.id.to_string(), label));
            }
        }
        StageNames(v)
    }

    pub fn label(&self, loc: Locale, stage_id: &str) -> String {
        self.0
            .iter()
            .find(|(s, _, _)| s == stage_id)
            .map_or_else(|| i18n::t(loc, "deal-stage-unknown"), |(_, _, l)| l.clone())
    }

    /// Options of every stage (of `pipeline` only, when given), `current` selected.
    pub fn options(&self, pipeline: Option<&str>, current: &str) -> Vec<Opt> {
        self.0
            .iter()
            .filter(|(_, p, _)| pipeline.is_none_or(|want| want == p.as_str()))
            .map(|(s, _, l)| Opt { value: s.clone(), label: l.clone(), selected: s == current })
            .collect()
    }
}

pub struct DealRowView {
    pub id: String,
    pub title: String,
    pub customer: String,
    pub stage: String,
    pub amount: String,
    pub owner: String,
    pub close: String,
    pub status: &'static str,
    pub status_label: String,
}

#[derive(Template)]
#[template(path = "deals.html")]
pub struct DealsPage {
    pub l: Layout,
    pub q: String,
    pub pipelines: Vec<Opt>,
    pub stages: Vec<Opt>,
    pub owners: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub sorts: Vec<Opt>,
    pub rows: Vec<DealRowView>,
    pub shown: String,
    pub next_url: Option<String>,
    pub first_url: Option<String>,
    pub errors: Vec<String>,
    pub filtered: bool,
    pub can_write: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    q: String,
    pipeline_id: String,
    stage_id: String,
    owner_id: String,
    status: String,
    sort: String,
    cursor: String,
}

fn nonempty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn list_url(p: &ListParams, cursor: Option<&str>) -> String {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (k, v) in [
        ("q", &p.q),
        ("pipeline_id", &p.pipeline_id),
        ("stage_id", &p.stage_id),
        ("owner_id", &p.owner_id),
        ("status", &p.status),
        ("sort", &p.sort),
    ] {
        if !v.trim().is_empty() {
            pairs.push((k, v.trim()));
        }
    }
    if let Some(c) = cursor {
        pairs.push(("cursor", c));
    }
    let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if qs.is_empty() { "/deals".into() } else { format!("/deals?{qs}") }
}

fn opt(value: &str, label: String, current: &str) -> Opt {
    Opt { value: value.to_string(), label, selected: value == current }
}

/// `GET /deals`: the deals the viewer may see, filtered, newest change first, in pages.
pub async fn list(
    State(s): State<WebState>,
    viewer: Viewer,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    let loc = viewer.loc;
    let Ok(Query(p)) = params else { return bad_request(loc) };
    let pipelines = match s.app.list_pipelines(&viewer.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(loc, &e),
    };
    let me = viewer.actor.user_id().map(|u| u.to_string()).unwrap_or_default();
    let q = DealQuery {
        pipeline_id: nonempty(&p.pipeline_id),
        stage_id: nonempty(&p.stage_id),
        owner_id: nonempty(&p.owner_id),
        status: nonempty(&p.status),
        q: nonempty(&p.q),
        sort: nonempty(&p.sort),
        limit: Some(PAGE_SIZE),
        cursor: nonempty(&p.cursor),
        ..DealQuery::default()
    };
    let (items, next, errors) = match s.app.list_deals(&viewer.actor, &q).await {
        Ok(page) => (page.items, page.next_cursor, Vec::new()),
        Err(AppError::Invalid(fe)) => (Vec::new(), None, field_messages(loc, &fe).into_values().collect()),
        Err(e) => return error_page(loc, &e),
    };
    let names = StageNames::new(loc, &pipelines);
    let rows: Vec<DealRowView> = items
        .iter()
        .map(|d| DealRowView {
            id: d.id.to_string(),
            title: d.title.clone(),
            customer: d.customer_name.clone().unwrap_or_default(),
            stage: names.label(loc, &d.stage_id.to_string()),
            amount: money_label(loc, &d.amount),
            owner: d.owner_name.clone().unwrap_or_default(),
            close: d.expected_close.map(|c| i18n::format_date(loc, c)).unwrap_or_default(),
            status: d.status.as_str(),
            status_label: status_label(loc, d.status),
        })
        .collect();
    let n = rows.len() as i64;
    let shown = i18n::t_args(
        loc,
        "deals-shown",
        &[("count", FluentValue::from(n)), ("shown", FluentValue::from(i18n::format_number(loc, n)))],
    );
    let any = |key: &str, current: &str| opt("", i18n::t(loc, key), current);
    let pipeline_opts = std::iter::once(any("deal-filter-any-pipeline", &p.pipeline_id))
        .chain(pipelines.iter().map(|pl| opt(&pl.id.to_string(), pl.name.clone(), &p.pipeline_id)))
        .collect();
    let stages = std::iter::once(any("deal-filter-any-stage", &p.stage_id))
        .chain(names.options(nonempty(&p.pipeline_id).as_deref(), &p.stage_id))
        .collect();
    let mut owners =
        vec![any("deal-filter-any-owner", &p.owner_id), opt(&me, i18n::t(loc, "deal-filter-mine"), &p.owner_id)];
    if viewer.actor.grants(Permission::UserRead)
        && let Ok(users) = s.app.list_users(&viewer.actor).await
    {
        owners.extend(users.iter().filter(|u| u.id.to_string() != me).map(|u| {
            let label = if u.display_name.trim().is_empty() { u.email.clone() } else { u.display_name.clone() };
            opt(&u.id.to_string(), label, &p.owner_id)
        }));
    }
    let statuses = std::iter::once(any("deal-filter-any-status", &p.status))
        .chain(DealStatus::ALL.iter().map(|st| opt(st.as_str(), status_label(loc, *st), &p.status)))
        .collect();
    let sort = if p.sort.trim().is_empty() { "-updated_at" } else { p.sort.trim() };
    let sorts = [
        ("-updated_at", "deal-sort-desc-updated-at"),
        ("-amount", "deal-sort-desc-amount"),
        ("expected_close", "deal-sort-expected-close"),
        ("title", "deal-sort-title"),
    ]
    .iter()
    .map(|(v, k)| opt(v, i18n::t(loc, k), sort))
    .collect();
    let l = chrome(&s, &viewer, "deals-title", "deals").await.back(list_url(&p, nonempty(&p.cursor).as_deref()));
    let page = DealsPage {
        q: p.q.clone(),
        pipelines: pipeline_opts,
        stages,
        owners,
        statuses,
        sorts,
        rows,
        shown,
        next_url: next.as_deref().map(|c| list_url(&p, Some(c))),
        first_url: nonempty(&p.cursor).map(|_| list_url(&p, None)),
        errors,
        filtered: [&p.q, &p.pipeline_id, &p.stage_id, &p.owner_id, &p.status].iter().any(|v| !v.trim().is_empty()),
        can_write: viewer.actor.grants(Permission::DealWrite),
        l,
    };
    render(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_urls_keep_filters_and_encode_them() {
        let p = ListParams { q: "大单 &x".into(), status: "open".into(), ..Default::default() };
        assert_eq!(list_url(&p, None), "/deals?q=%E5%A4%A7%E5%8D%95+%26x&status=open");
        assert!(list_url(&p, Some("abc")).ends_with("&cursor=abc"));
        assert_eq!(list_url(&ListParams::default(), None), "/deals");
    }

    #[test]
    fn labels_built_at_run_time_exist_in_both_languages() {
        for loc in Locale::ALL {
            let mut keys: Vec<String> = DealStatus::ALL.iter().map(|s| format!("deal-status-{}", s.as_str())).collect();
            for f in
                ["customer_id", "stage_id", "amount", "expected_close", "owner_id", "stage_entered_at", "closed_at"]
            {
                keys.push(format!("deal-field-{f}"));
            }
            keys.extend(["lost_reason", "title", "currency", "reason"].map(|f| format!("deal-field-{f}")));
            for k in keys {
                assert!(i18n::has(loc, &k), "{k} missing in {}", loc.tag());
            }
        }
    }
}
