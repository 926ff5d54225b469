//! The convert page of a lead: the new customer (name, kind), whether the person becomes a
//! contact, an optional deal with a pipeline/stage choice, and — when customers with the same
//! e-mail or mobile exist — the warning with links to them and the choice to add the lead to
//! one of them or to create a new customer anyway. The conversion itself is the one use case.

use super::forms::field_messages;
use super::i18n::{self, Locale};
use super::lead_forms::{ConvertForm, convert_field};
use super::pages::{bad_request, chrome};
use super::view::{FormView, Opt, error_page, render};
use super::{Layout, Viewer, see_other};
use crate::WebState;
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use custos_app::AppError;
use custos_app::lead_convert::{ConvertOutcome, DuplicateCustomer};
use custos_app::lead_views::LeadOut;
use custos_domain::sales::LeadStatus;
use std::collections::BTreeMap;

/// A customer that shares the lead's e-mail or mobile.
pub struct DuplicateRow {
    pub id: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "lead_convert.html")]
pub struct LeadConvertPage {
    pub l: Layout,
    pub id: String,
    pub name: String,
    pub form: FormView,
    pub version: String,
    pub create_contact: bool,
    pub with_deal: bool,
    pub duplicates: Vec<DuplicateRow>,
    pub banner: Option<String>,
}

/// The pipeline/stage choices (`pipeline_id/stage_id`); only the default when the viewer may
/// not read pipelines.
async fn stage_options(s: &WebState, v: &Viewer, current: &str) -> Vec<Opt> {
    let mut out = vec![Opt {
        value: String::new(),
        label: i18n::t(v.loc, "lead-convert-default-stage"),
        selected: current.is_empty(),
    }];
    if let Ok(pipelines) = s.app.list_pipelines(&v.actor).await {
        for p in pipelines {
            for st in &p.stages {
                let value = format!("{}/{}", p.id, st.id);
                let selected = value == current;
                out.push(Opt { value, label: format!("{} · {}", p.name, st.name), selected });
            }
        }
    }
    out
}

fn duplicate_rows(loc: Locale, d: &[DuplicateCustomer]) -> Vec<DuplicateRow> {
    d.iter()
        .map(|c| DuplicateRow {
            id: c.id.to_string(),
            name: c.name.clone().unwrap_or_else(|| i18n::t(loc, "lead-dup-unnamed")),
        })
        .collect()
}

/// What the convert page shows besides the form values.
struct Shown {
    errors: BTreeMap<String, String>,
    duplicates: Vec<DuplicateRow>,
    banner: Option<String>,
    status: StatusCode,
}

async fn convert_page(s: &WebState, v: &Viewer, lead: &LeadOut, form: &ConvertForm, shown: Shown) -> Response {
    let stages = stage_options(s, v, &form.stage).await;
    let l = chrome(s, v, "lead-convert-title", "leads").await.back(format!("/leads/{}/convert", lead.id));
    let page = LeadConvertPage {
        id: lead.id.to_string(),
        name: lead.name.clone(),
        form: form.view(v.loc, &shown.errors, stages),
        version: form.version.clone(),
        create_contact: form.create_contact.is_some(),
        with_deal: form.with_deal.is_some(),
        duplicates: shown.duplicates,
        banner: shown.banner,
        l,
    };
    render(shown.status, &page)
}

/// The lead, if it can still be converted; else the page to show instead.
async fn convertible_lead(s: &WebState, v: &Viewer, id: &str) -> Result<LeadOut, Response> {
    let lead = s.app.get_lead(&v.actor, id).await.map_err(|e| error_page(v.loc, &e))?;
    if !LeadStatus::WORKING.contains(&lead.status) {
        return Err(see_other(&HeaderMap::new(), &format!("/leads/{}", lead.id)));
    }
    Ok(lead)
}

/// `GET /leads/{id}/convert`.
pub async fn page(State(s): State<WebState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let lead = match convertible_lead(&s, &viewer, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let form = ConvertForm::initial(&lead);
    let shown = Shown { errors: BTreeMap::new(), duplicates: Vec::new(), banner: None, status: StatusCode::OK };
    convert_page(&s, &viewer, &lead, &form, shown).await
}

/// `POST /leads/{id}/convert`: converts, or shows the form again with its errors or with the
/// possible duplicates to choose from.
pub async fn convert(
    State(s): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<ConvertForm>, FormRejection>,
) -> Response {
    let loc = viewer.loc;
    let Ok(Form(mut f)) = form else { return bad_request(loc) };
    let Ok(version) = f.version.trim().parse::<i64>() else { return bad_request(loc) };
    let outcome = s.app.convert_lead(&viewer.actor, &id, &f.to_convert(version)).await;
    let (errors, duplicates, banner, status) = match outcome {
        Ok(ConvertOutcome::Converted(c)) => {
            return see_other(&HeaderMap::new(), &format!("/customers/{}", c.customer_id));
        }
        Ok(ConvertOutcome::PossibleDuplicates(d)) => {
            (BTreeMap::new(), duplicate_rows(loc, &d), None, StatusCode::CONFLICT)
        }
        Err(AppError::Invalid(mut fe)) => {
            for e in &mut fe.0 {
                e.field = convert_field(&e.field).to_string();
            }
            (field_messages(loc, &fe), Vec::new(), None, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::Stale { current }) => {
            if current > 0 {
                f.version = current.to_string();
            }
            (BTreeMap::new(), Vec::new(), Some(i18n::t(loc, "lead-convert-stale")), StatusCode::CONFLICT)
        }
        Err(e) => return error_page(loc, &e),
    };
    // The "add to" and "anyway" buttons answer this one submission only.
    f.customer_id.clear();
    f.confirm_duplicates.clear();
    let lead = match convertible_lead(&s, &viewer, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    convert_page(&s, &viewer, &lead, &f, Shown { errors, duplicates, banner, status }).await
}
