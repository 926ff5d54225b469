//! The tasks page (`/tasks`): my overdue and today's tasks, each with a complete button (htmx
//! swaps the line; without script it is a plain form post), and a form to log a call, meeting,
//! e-mail or note or add a task; logging from the customer page. Each handler calls one
//! custos-app use case with the viewer's actor; none decides who may do what, and none writes
//! a submitted value to the log.

use super::activity_forms::{LogForm, TimelineRow, activity_row, log_errors};
use super::pages::{bad_request, chrome};
use super::view::{FormView, Opt, error_page, render};
use super::{Layout, Viewer, is_htmx, see_other};
use crate::WebState;
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use custos_app::AppError;
use custos_app::activity_views::ActivityOut;
use custos_app::customers::CustomerQuery;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Template)]
#[template(path = "tasks.html")]
pub struct TasksPage {
    pub l: Layout,
    /// Overdue, then due today.
    pub sections: Vec<TaskSection>,
    pub can_write: bool,
    pub action: String,
    pub form: FormView,
    pub no_customers: bool,
}

/// One list of tasks under its heading.
pub struct TaskSection {
    pub key: &'static str,
    pub rows: Vec<TimelineRow>,
}

/// The line that replaces a completed task (htmx).
#[derive(Template)]
#[template(path = "task_done.html")]
pub struct TaskDone {
    pub l: Layout,
    pub subject: String,
    pub message: String,
}

/// A log form with errors from the customer page, shown on its own page.
#[derive(Template)]
#[template(path = "activity_form.html")]
pub struct ActivityFormPage {
    pub l: Layout,
    pub back: String,
    pub action: String,
    pub form: FormView,
}

/// Customers offered by the log form of the tasks page.
const CUSTOMER_CHOICES: u32 = 200;

/// The customers the viewer may see (by name), for the log form and the task lines.
async fn customer_choices(s: &WebState, v: &Viewer) -> Result<Vec<Opt>, AppError> {
    let q = CustomerQuery { sort: Some("name".into()), limit: Some(CUSTOMER_CHOICES), ..CustomerQuery::default() };
    match s.app.list_customers(&v.actor, &q).await {
        Ok(page) => Ok(page
            .items
            .iter()
            .map(|c| Opt { value: c.id.to_string(), label: c.name.clone(), selected: false })
            .collect()),
        Err(AppError::Forbidden) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

async fn tasks_page(
    s: &WebState,
    v: &Viewer,
    form: &LogForm,
    errors: &BTreeMap<String, String>,
    status: StatusCode,
) -> Response {
    let loc = v.loc;
    let tasks = match s.app.my_tasks(&v.actor).await {
        Ok(t) => t,
        Err(e) => return error_page(loc, &e),
    };
    let customers = match customer_choices(s, v).await {
        Ok(c) => c,
        Err(e) => return error_page(loc, &e),
    };
    let names: HashMap<&str, &str> = customers.iter().map(|o| (o.value.as_str(), o.label.as_str())).collect();
    let rows = |list: &[ActivityOut], overdue: bool| -> Vec<TimelineRow> {
        list.iter()
            .map(|a| {
                let mut r = activity_row(loc, a, overdue);
                r.customer_name =
                    r.customer_id.as_deref().and_then(|c| names.get(c)).map(|n| n.to_string()).unwrap_or_default();
                r
            })
            .collect()
    };
    let sections = vec![
        TaskSection { key: "tasks-overdue", rows: rows(&tasks.overdue, true) },
        TaskSection { key: "tasks-today", rows: rows(&tasks.today, false) },
    ];
    let no_customers = customers.is_empty();
    let page = TasksPage {
        l: chrome(s, v, "tasks-title", "tasks").await.back("/tasks"),
        sections,
        can_write: v.actor.grants(custos_domain::Permission::ActivityWrite),
        action: "/tasks".into(),
        form: form.view(loc, errors, Some(customers)),
        no_customers,
    };
    render(status, &page)
}

/// `GET /tasks`.
pub async fn page(State(s): State<WebState>, viewer: Viewer) -> Response {
    tasks_page(&s, &viewer, &LogForm::default(), &BTreeMap::new(), StatusCode::OK).await
}

/// `POST /tasks`: logs an activity (or adds a task) for the chosen customer.
pub async fn log(State(s): State<WebState>, viewer: Viewer, form: Result<Form<LogForm>, FormRejection>) -> Response {
    let Ok(Form(f)) = form else { return bad_request(viewer.loc) };
    match s.app.create_activity(&viewer.actor, &f.to_input(None)).await {
        Ok(_) => see_other(&HeaderMap::new(), "/tasks"),
        Err(AppError::Invalid(fe)) => {
            let errs = log_errors(viewer.loc, &fe);
            tasks_page(&s, &viewer, &f, &errs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(viewer.loc, &e),
    }
}

/// `POST /customers/{id}/activities`: logs an activity on the customer page's customer.
pub async fn log_for_customer(
    State(s): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<LogForm>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else { return bad_request(viewer.loc) };
    match s.app.create_activity(&viewer.actor, &f.to_input(Some(&id))).await {
        Ok(_) => see_other(&HeaderMap::new(), &format!("/customers/{id}#timeline")),
        Err(AppError::Invalid(fe)) if !fe.0.iter().any(|e| e.field == "customer_id") => {
            let errs = log_errors(viewer.loc, &fe);
            let back = format!("/customers/{id}");
            let page = ActivityFormPage {
                l: chrome(&s, &viewer, "activity-log", "customers").await.back(back.clone()),
                action: format!("/customers/{id}/activities"),
                form: f.view(viewer.loc, &errs, None),
                back,
            };
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(AppError::Invalid(_)) => error_page(viewer.loc, &AppError::NotFound("customer")),
        Err(e) => error_page(viewer.loc, &e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CompleteForm {
    version: String,
}

/// `POST /tasks/{id}/complete`: marks a task done; htmx gets the replacement line.
pub async fn complete(
    State(s): State<WebState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<CompleteForm>, FormRejection>,
) -> Response {
    let loc = viewer.loc;
    let Ok(Form(f)) = form else { return bad_request(loc) };
    let Ok(version) = f.version.trim().parse::<i64>() else { return bad_request(loc) };
    let (subject, key) = match s.app.complete_activity(&viewer.actor, &id, version).await {
        Ok(a) => (a.subject, "task-completed"),
        Err(AppError::Stale { .. }) => (String::new(), "task-stale"),
        Err(e) => return error_page(loc, &e),
    };
    if !is_htmx(&headers) {
        return see_other(&HeaderMap::new(), "/tasks");
    }
    let l = Layout::new(loc, "tasks-title", &viewer.csrf, None, "tasks");
    let message = l.t(key);
    render(StatusCode::OK, &TaskDone { l, subject, message })
}
