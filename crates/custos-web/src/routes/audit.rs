//! Audit endpoints for auditors (permission `audit.read`): event search with a cursor, the
//! latest signed checkpoint, inclusion and consistency proofs, and impact queries. They
//! only shape answers; they never decide policy and never return field values (events hold
//! none).

use crate::WebState;
use crate::auth::AuthActor;
use crate::problem::Problem;
use crate::routes::customers::query_problem;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use custos_app::AppError;
use custos_app::audit::AuditQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Search filters; times are RFC 3339, `from` inclusive and `to` exclusive.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Acting user id.
    pub actor: Option<String>,
    /// Record id acted on.
    pub record: Option<String>,
    /// Action, e.g. `customer.update`.
    pub action: Option<String>,
    /// allowed, denied or failed.
    pub outcome: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// One event by its position in the log.
    pub seq: Option<u64>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A page of events, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventPage {
    /// Events in the canonical audit model (`custos.audit.event.v1`).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<custos_audit::AuditEvent>,
    pub next_cursor: Option<String>,
}

/// The latest signed checkpoint (C2SP tlog-checkpoint in a signed note).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckpointOut {
    pub size: u64,
    /// Base64 root hash.
    pub root: String,
    /// The signed note text.
    pub note: String,
}

/// A Merkle proof: base64 hashes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProofOut {
    pub proof: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InclusionParams {
    pub index: u64,
    pub size: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyParams {
    pub from: u64,
    pub to: u64,
}

/// Impact query range (RFC 3339; open ends allowed).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImpactParams {
    /// The acting user (for the per-actor query).
    pub actor: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Per customer and action: how often and when.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImpactLine {
    pub customer_id: String,
    pub action: String,
    pub count: i64,
    pub first_at: i64,
    pub last_at: i64,
}

/// Which customers an actor touched.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImpactOut {
    pub items: Vec<ImpactLine>,
}

fn micros(field: &str, v: Option<&str>) -> Result<Option<i64>, Problem> {
    let Some(v) = v else { return Ok(None) };
    let t = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
        .map_err(|_| AppError::invalid(field, "invalid", "must be an RFC 3339 time"))?;
    Ok(Some(i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)))
}

fn b64(v: Vec<custos_audit::Hash>) -> ProofOut {
    ProofOut { proof: v.iter().map(|h| B64.encode(h)).collect() }
}

/// Searches audit events (newest first).
#[utoipa::path(get, path = "/api/v1/audit/events", tag = "audit", params(EventParams),
    responses((status = 200, body = EventPage), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn events(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<EventParams>, QueryRejection>,
) -> Result<Json<EventPage>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let q = AuditQuery {
        actor: p.actor,
        record: p.record,
        action: p.action,
        outcome: p.outcome,
        from: micros("from", p.from.as_deref())?,
        to: micros("to", p.to.as_deref())?,
        seq: p.seq,
        limit: p.limit,
        cursor: p.cursor,
    };
    let page = s.app.search_audit(&actor, &q).await?;
    Ok(Json(EventPage { items: page.items, next_cursor: page.next_cursor }))
}

/// The latest signed checkpoint.
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, body = CheckpointOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn checkpoint(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
) -> Result<Json<CheckpointOut>, Problem> {
    let c = s.app.audit_checkpoint(&actor).await?;
    Ok(Json(CheckpointOut { size: c.size, root: B64.encode(c.root), note: c.note }))
}

/// Inclusion proof of event `index` in the tree of `size` events.
#[utoipa::path(get, path = "/api/v1/audit/proof/inclusion", tag = "audit", params(InclusionParams),
    responses((status = 200, body = ProofOut), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn inclusion(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<InclusionParams>, QueryRejection>,
) -> Result<Json<ProofOut>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    Ok(Json(b64(s.app.audit_inclusion_proof(&actor, p.index, p.size).await?)))
}

/// Consistency proof that the tree of `from` events is a prefix of the tree of `to`.
#[utoipa::path(get, path = "/api/v1/audit/proof/consistency", tag = "audit", params(ConsistencyParams),
    responses((status = 200, body = ProofOut), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn consistency(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<ConsistencyParams>, QueryRejection>,
) -> Result<Json<ProofOut>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    Ok(Json(b64(s.app.audit_consistency_proof(&actor, p.from, p.to).await?)))
}

/// Which customers an actor read, revealed, changed or exported between two times.
#[utoipa::path(get, path = "/api/v1/audit/impact/actor", tag = "audit", params(ImpactParams),
    responses((status = 200, body = ImpactOut), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn impact_actor(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    params: Result<Query<ImpactParams>, QueryRejection>,
) -> Result<Json<ImpactOut>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let who = p.actor.ok_or_else(|| AppError::invalid("actor", "required", "name the acting user id"))?;
    let from = micros("from", p.from.as_deref())?.unwrap_or(i64::MIN);
    let to = micros("to", p.to.as_deref())?.unwrap_or(i64::MAX);
    let rows = s.app.audit_impact_actor(&actor, &who, from, to).await?;
    Ok(Json(ImpactOut {
        items: rows
            .into_iter()
            .map(|r| ImpactLine {
                customer_id: r.customer_id,
                action: r.action,
                count: r.count,
                first_at: r.first_at,
                last_at: r.last_at,
            })
            .collect(),
    }))
}

/// Who accessed a customer: the events concerning it, newest first.
#[utoipa::path(get, path = "/api/v1/audit/impact/customers/{id}", tag = "audit", params(("id" = String, Path), ImpactParams),
    responses((status = 200, body = EventPage), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn impact_customer(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    params: Result<Query<ImpactParams>, QueryRejection>,
) -> Result<Json<EventPage>, Problem> {
    let Query(p) = params.map_err(query_problem)?;
    let from = micros("from", p.from.as_deref())?.unwrap_or(i64::MIN);
    let to = micros("to", p.to.as_deref())?.unwrap_or(i64::MAX);
    let page = s.app.audit_impact_customer(&actor, &id, from, to, p.cursor.as_deref(), p.limit.unwrap_or(100)).await?;
    Ok(Json(EventPage { items: page.items, next_cursor: page.next_cursor }))
}
