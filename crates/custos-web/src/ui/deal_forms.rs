//! The deal form (new and edit): what a browser posts, how it becomes the same `DealInput` /
//! `DealChanges` the JSON API builds, and the inputs with their translated inline errors.
//! Validation itself is never done here; the use cases decide.

use super::board::iso;
use super::deals::StageNames;
use super::forms::field_messages;
use super::i18n::{self, Locale};
use super::pages::{bad_request, chrome};
use super::view::{Field, FormView, Opt, Section, error_page, render};
use super::{Layout, Viewer, see_other};
use crate::WebState;
use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use custos_app::AppError;
use custos_app::customers::CustomerQuery;
use custos_app::deal_views::DealOut;
use custos_domain::Change;
use custos_domain::sales::{Currency, DealChanges, DealInput};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A posted deal form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DealForm {
    pub title: String,
    pub customer_id: String,
    pub stage_id: String,
    pub amount: String,
    pub currency: String,
    pub expected_close: String,
    /// The version an edit started from.
    pub version: String,
}

impl DealForm {
    pub fn from_deal(d: &DealOut) -> DealForm {
        DealForm {
            title: d.title.clone(),
            customer_id: d.customer_id.to_string(),
            stage_id: d.stage_id.to_string(),
            amount: d.amount.amount_string(),
            currency: d.amount.currency.as_str().into(),
            expected_close: iso(d.expected_close),
            version: d.version.to_string(),
        }
    }

    fn some(s: &str) -> Option<String> {
        Some(s.trim().to_string()).filter(|v| !v.is_empty())
    }

    pub fn to_input(&self) -> DealInput {
        DealInput {
            title: Some(self.title.clone()),
            customer_id: Some(self.customer_id.clone()),
            stage_id: Self::some(&self.stage_id),
            amount: Self::some(&self.amount),
            currency: Self::some(&self.currency),
            expected_close: Self::some(&self.expected_close),
            ..DealInput::default()
        }
    }

    /// Every field of the form is sent; the use case leaves unchanged values alone.
    pub fn to_changes(&self) -> DealChanges {
        DealChanges {
            title: Some(self.title.clone()),
            customer_id: Some(self.customer_id.clone()),
            stage_id: Some(self.stage_id.clone()),
            amount: Some(if self.amount.trim().is_empty() { "0".into() } else { self.amount.clone() }),
            currency: Some(self.currency.clone()),
            expected_close: if self.expected_close.trim().is_empty() {
                Change::Clear
            } else {
                Change::Set(self.expected_close.clone())
            },
            ..DealChanges::default()
        }
    }
}

#[derive(Template)]
#[template(path = "deal_form.html")]
pub struct DealFormPage {
    pub l: Layout,
    pub heading: String,
    pub action: String,
    pub cancel: String,
    pub form: FormView,
    pub version: Option<i64>,
    pub banner: Option<String>,
}

/// The field an error of the use case belongs to on this form.
fn form_field(name: &str) -> &str {
    match name {
        "pipeline_id" => "stage_id",
        other => other,
    }
}

fn build(
    loc: Locale,
    f: &DealForm,
    errors: &BTreeMap<String, String>,
    customers: Vec<Opt>,
    stages: Vec<Opt>,
) -> FormView {
    let mut summary = Vec::new();
    let mut field = |name: &'static str, input: &'static str, value: &str, required: bool, options: Vec<Opt>| {
        let label = i18n::t(loc, &format!("deal-field-{name}"));
        let error = errors.get(name).cloned();
        if let Some(e) = &error {
            summary.push((format!("d-{name}"), label.clone(), e.clone()));
        }
        Field {
            name,
            label,
            value: value.to_string(),
            input,
            required,
            autocomplete: "off",
            hint: None,
            error,
            options,
            id_prefix: "d-",
        }
    };
    let currencies = Currency::all()
        .map(|c| Opt { value: c.as_str().into(), label: c.as_str().into(), selected: c.as_str() == f.currency })
        .collect();
    let basics = vec![
        field("title", "text", &f.title, true, Vec::new()),
        field("customer_id", "select", "", true, customers),
        field("stage_id", "select", "", false, stages),
    ];
    let mut amount = field("amount", "text", &f.amount, false, Vec::new());
    amount.hint = Some(i18n::t(loc, "deal-hint-amount"));
    let mut close = field("expected_close", "date", &f.expected_close, false, Vec::new());
    close.hint = Some(i18n::t(loc, "hint-date"));
    let money = vec![amount, field("currency", "select", "", false, currencies), close];
    for (k, v) in errors {
        if !["title", "customer_id", "stage_id", "amount", "currency", "expected_close"].contains(&k.as_str()) {
            summary.push((String::new(), i18n::t(loc, &format!("deal-field-{k}")), v.clone()));
        }
    }
    FormView {
        sections: vec![
            Section { legend: i18n::t(loc, "deal-section-basics"), fields: basics },
            Section { legend: i18n::t(loc, "deal-section-money"), fields: money },
        ],
        summary,
    }
}

/// The customers the viewer may choose (by name, at most 200), `current` kept and selected.
async fn customer_options(s: &WebState, v: &Viewer, current: &str, current_name: Option<String>) -> Vec<Opt> {
    let q = CustomerQuery { sort: Some("name".into()), limit: Some(200), ..CustomerQuery::default() };
    let mut out =
        vec![Opt { value: String::new(), label: i18n::t(v.loc, "deal-choose-customer"), selected: current.is_empty() }];
    if let Ok(page) = s.app.list_customers(&v.actor, &q).await {
        out.extend(page.items.iter().map(|c| Opt {
            value: c.id.to_string(),
            label: c.name.clone(),
            selected: c.id.to_string() == current,
        }));
    }
    if !current.is_empty() && !out.iter().any(|o| o.value == current) {
        let label = current_name.unwrap_or_else(|| i18n::t(v.loc, "board-customer-hidden"));
        out.push(Opt { value: current.to_string(), label, selected: true });
    }
    out
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    s: &WebState,
    v: &Viewer,
    f: &DealForm,
    errors: &BTreeMap<String, String>,
    editing: Option<(&str, Option<String>)>,
    customer_name: Option<String>,
    status: StatusCode,
) -> Response {
    let pipelines = match s.app.list_pipelines(&v.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(v.loc, &e),
    };
    let stages = StageNames::new(v.loc, &pipelines).options(None, &f.stage_id);
    let customers = customer_options(s, v, &f.customer_id, customer_name).await;
    let (title, action, cancel, version, banner) = match editing {
        Some((id, banner)) => {
            ("deal-edit-title", format!("/deals/{id}/edit"), format!("/deals/{id}"), f.version.parse().ok(), banner)
        }
        None => ("deal-new-title", "/deals".into(), "/deals".into(), None, None),
    };
    let errors: BTreeMap<String, String> = errors.iter().map(|(k, e)| (form_field(k).to_string(), e.clone())).collect();
    let l = chrome(s, v, title, "deals").await.back(action.clone());
    let page = DealFormPage {
        heading: l.title.clone(),
        action,
        cancel,
        form: build(v.loc, f, &errors, customers, stages),
        version,
        banner,
        l,
    };
    render(status, &page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewParams {
    customer_id: String,
}

/// `GET /deals/new` (optionally `?customer_id=` to preselect the customer).
pub async fn new_deal(
    State(s): State<WebState>,
    viewer: Viewer,
    params: Result<Query<NewParams>, QueryRejection>,
) -> Response {
    let Ok(Query(p)) = params else { return bad_request(viewer.loc) };
    let form =
        DealForm { customer_id: p.customer_id.trim().to_string(), currency: "CNY".into(), ..DealForm::default() };
    form_page(&s, &viewer, &form, &BTreeMap::new(), None, None, StatusCode::OK).await
}

/// `POST /deals`: creates a deal, or shows the form again with its errors.
pub async fn create(
    State(s): State<WebState>,
    viewer: Viewer,
    form: Result<Form<DealForm>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else { return bad_request(viewer.loc) };
    match s.app.create_deal(&viewer.actor, &f.to_input()).await {
        Ok(d) => see_other(&HeaderMap::new(), &format!("/deals/{}", d.id)),
        Err(AppError::Invalid(fe)) => {
            let errs = field_messages(viewer.loc, &fe);
            form_page(&s, &viewer, &f, &errs, None, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(viewer.loc, &e),
    }
}

/// `GET /deals/{id}/edit`.
pub async fn edit(State(s): State<WebState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    match s.app.get_deal(&viewer.actor, &id).await {
        Ok(d) => {
            let form = DealForm::from_deal(&d);
            form_page(&s, &viewer, &form, &BTreeMap::new(), Some((&id, None)), d.customer_name, StatusCode::OK).await
        }
        Err(e) => error_page(viewer.loc, &e),
    }
}

/// `POST /deals/{id}/edit`: saves the changes if nobody changed the deal meanwhile.
pub async fn update(
    State(s): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<DealForm>, FormRejection>,
) -> Response {
    let loc = viewer.loc;
    let Ok(Form(mut f)) = form else { return bad_request(loc) };
    let Ok(version) = f.version.trim().parse::<i64>() else { return bad_request(loc) };
    match s.app.update_deal(&viewer.actor, &id, version, &f.to_changes()).await {
        Ok(d) => see_other(&HeaderMap::new(), &format!("/deals/{}", d.id)),
        Err(AppError::Invalid(fe)) => {
            let errs = field_messages(loc, &fe);
            form_page(&s, &viewer, &f, &errs, Some((&id, None)), None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Stale { current }) => {
            if current > 0 {
                f.version = current.to_string();
            }
            let banner = Some(i18n::t(loc, "deal-form-stale"));
            form_page(&s, &viewer, &f, &BTreeMap::new(), Some((&id, banner)), None, StatusCode::CONFLICT).await
        }
        Err(e) => error_page(loc, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_becomes_the_same_input_as_the_api() {
        let f = DealForm { title: "T".into(), customer_id: "c".into(), amount: " ".into(), ..Default::default() };
        let i = f.to_input();
        assert_eq!((i.amount, i.stage_id, i.currency), (None, None, None));
        let c = f.to_changes();
        assert_eq!(c.amount.as_deref(), Some("0"));
        assert_eq!(c.expected_close, Change::Clear);
        assert_eq!(form_field("pipeline_id"), "stage_id");
    }
}
