//! Contact endpoints: nested creation and listing under a customer, and get/update/delete by id.

use crate::WebState;
use crate::auth::AuthActor;
use crate::dto::{ContactCreate, ContactList, ContactPatch, ContactView};
use crate::json::ApiJson;
use crate::problem::{Problem, VersionSource, from_app};
use crate::versioning::{expected_version, if_match, versioned};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use custos_app::AppError;

fn with_etag(status: StatusCode, view: ContactView, location: bool) -> Response {
    let (version, id) = (view.version, view.id.clone());
    versioned(status, view, version, location.then_some(("/api/v1/contacts", &id as &dyn std::fmt::Display)))
}

/// Adds a contact to a customer.
#[utoipa::path(post, path = "/api/v1/customers/{id}/contacts", tag = "contacts", params(("id" = String, Path)),
    request_body = ContactCreate,
    responses((status = 201, body = ContactView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(customer): Path<String>,
    ApiJson(body): ApiJson<ContactCreate>,
) -> Result<Response, Problem> {
    let c = s.app.create_contact(&actor, &customer, &body.into()).await?;
    Ok(with_etag(StatusCode::CREATED, ContactView::from(&c), true))
}

/// The contacts of a customer.
#[utoipa::path(get, path = "/api/v1/customers/{id}/contacts", tag = "contacts", params(("id" = String, Path)),
    responses((status = 200, body = ContactList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(customer): Path<String>,
) -> Result<Json<ContactList>, Problem> {
    let items = s.app.list_contacts(&actor, &customer).await?;
    Ok(Json(ContactList { items: items.iter().map(ContactView::from).collect() }))
}

/// Reads one contact.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    responses((status = 200, body = ContactView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let c = s.app.get_contact(&actor, &id).await?;
    Ok(with_etag(StatusCode::OK, ContactView::from(&c), false))
}

/// Changes a contact (If-Match or `version` required).
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path), ("If-Match" = Option<String>, Header)),
    request_body = ContactPatch,
    responses((status = 200, body = ContactView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ContactPatch>,
) -> Result<Response, Problem> {
    let Some((version, source)) = expected_version(&headers, body.version)? else {
        return Err(from_app(AppError::VersionRequired, None));
    };
    let c = s.app.update_contact(&actor, &id, version, &body.changes()).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(with_etag(StatusCode::OK, ContactView::from(&c), false))
}

/// Deletes a contact.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 204, description = "Deleted"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 412, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn delete(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, Problem> {
    let v = if_match(&headers)?;
    s.app.delete_contact(&actor, &id, v).await.map_err(|e| from_app(e, Some(VersionSource::IfMatch)))?;
    Ok(StatusCode::NO_CONTENT)
}
