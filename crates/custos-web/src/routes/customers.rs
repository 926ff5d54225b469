//! Customer endpoints: create, get, update (PATCH), delete and list.

use crate::WebState;
use crate::auth::AuthActor;
use crate::dto::{CustomerCreate, CustomerList, CustomerListParams, CustomerPatch, CustomerView};
use crate::json::ApiJson;
use crate::problem::{Problem, from_app};
use crate::versioning::{expected_version, if_match, versioned};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use custos_app::AppError;
use custos_app::customers::CustomerQuery;

fn with_etag(status: StatusCode, view: CustomerView, location: bool) -> Response {
    let (version, id) = (view.version, view.id.clone());
    versioned(status, view, version, location.then_some(("/api/v1/customers", &id as &dyn std::fmt::Display)))
}

/// Maps a query-string rejection to a problem without echoing values.
pub(crate) fn query_problem(e: QueryRejection) -> Problem {
    let text = e.body_text();
    let reason = text.split(": ").skip(1).collect::<Vec<_>>().join(": ");
    Problem::new(StatusCode::BAD_REQUEST, "invalid_query", "Invalid query parameters").detail(if reason.is_empty() {
        "the query string is malformed".to_string()
    } else {
        reason
    })
}

/// Creates a customer.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CustomerCreate,
    responses((status = 201, body = CustomerView, headers(("ETag" = String), ("Location" = String)),
            description = "Created. The body also has `possible_duplicates`: ids of customers you can see that share the e-mail, mobile or national ID (blind-index match); the customer is created regardless."),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    ApiJson(body): ApiJson<CustomerCreate>,
) -> Result<Response, Problem> {
    let (email, mobile, national_id) = (body.email.clone(), body.mobile.clone(), body.national_id.clone());
    let c = s.app.create_customer(&actor, &body.into()).await?;
    // Created regardless; customers sharing the e-mail, mobile or national ID (by blind
    // index, within the actor's scope) are named in `possible_duplicates`.
    let dups = s
        .app
        .possible_duplicates(&actor, &c.id.to_string(), email.as_deref(), mobile.as_deref(), national_id.as_deref())
        .await?;
    let view = CustomerView::from(&c);
    let mut json = serde_json::to_value(&view)
        .map_err(|e| crate::problem::from_app(custos_app::AppError::Internal(e.to_string()), None))?;
    json["possible_duplicates"] = serde_json::json!(dups);
    let mut res = with_etag(StatusCode::CREATED, view, true);
    res.headers_mut().remove(header::CONTENT_LENGTH);
    *res.body_mut() = axum::body::Body::from(json.to_string());
    Ok(res)
}

/// Reads one customer.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = String, Path)),
    responses((status = 200, body = CustomerView, headers(("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let c = s.app.get_customer(&actor, &id).await?;
    Ok(with_etag(StatusCode::OK, CustomerView::from(&c), false))
}

/// Changes a customer. Needs `If-Match` (412 if stale) or `version` in the body (409 if stale).
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    request_body = CustomerPatch,
    responses((status = 200, body = CustomerView, headers(("ETag" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CustomerPatch>,
) -> Result<Response, Problem> {
    let Some((version, source)) = expected_version(&headers, body.version)? else {
        return Err(from_app(AppError::VersionRequired, None));
    };
    let c =
        s.app.update_customer(&actor, &id, version, &body.changes()).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(with_etag(StatusCode::OK, CustomerView::from(&c), false))
}

/// Deletes a customer and its contacts. With `If-Match`, only if still at that version.
#[utoipa::path(delete, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = String, Path),
        ("If-Match" = Option<String>, Header)),
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
    s.app
        .delete_customer(&actor, &id, v)
        .await
        .map_err(|e| from_app(e, Some(crate::problem::VersionSource::IfMatch)))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists customers with filters, sort and cursor pagination.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(CustomerListParams),
    responses((status = 200, body = CustomerList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<CustomerListParams>, QueryRejection>,
) -> Result<Json<CustomerList>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let q = CustomerQuery {
        status: p.status,
        owner: p.owner,
        tag: p.tag,
        q: p.q,
        email: p.email,
        mobile: p.mobile,
        sort: p.sort,
        limit: p.limit,
        cursor: p.cursor,
    };
    let page = s.app.list_customers(&actor, &q).await?;
    Ok(Json(CustomerList { items: page.items.iter().map(CustomerView::from).collect(), next_cursor: page.next_cursor }))
}
