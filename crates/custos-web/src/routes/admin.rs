//! Administration endpoints: roles (permissions, scope, field rights, MFA, IP allow-lists),
//! users (create, change, offboard), teams and their managers, and one's own API tokens.

use crate::WebState;
use crate::auth::AuthActor;
use crate::dto::rfc3339;
use crate::json::ApiJson;
use crate::problem::{Problem, from_app};
use crate::versioning::expected_version;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use custos_app::AppError;
use custos_app::accounts::{TokenInfo, UserChanges};
use custos_app::roles::{RoleChanges, RoleView as AppRole};
use custos_app::users::{NewUser, TokenRequest};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

fn double<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn micros_to_rfc3339(us: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).map(rfc3339).unwrap_or_default()
}

/// A role and what it allows.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RoleView {
    /// admin, sales_manager, sales_rep, support, marketing, auditor, security_officer or dpo.
    pub id: String,
    pub permissions: Vec<String>,
    /// own | team | all
    pub scope: String,
    /// hidden | masked | revealable | plain, for confidential fields.
    pub confidential: String,
    /// hidden | masked | revealable | plain, for restricted fields.
    pub restricted: String,
    pub require_mfa: bool,
    /// CIDR ranges members may connect from; empty means any.
    pub ip_allow: Vec<String>,
    pub version: i64,
}

impl From<&AppRole> for RoleView {
    fn from(r: &AppRole) -> Self {
        let s = &r.settings;
        RoleView {
            id: s.role.as_str().into(),
            permissions: s.permissions.iter().map(|p| p.as_str().to_string()).collect(),
            scope: s.scope.as_str().into(),
            confidential: s.confidential.as_str().into(),
            restricted: s.restricted.as_str().into(),
            require_mfa: s.require_mfa,
            ip_allow: s.ip_allow.clone(),
            version: r.version,
        }
    }
}

/// Changes to a role (step-up required; members' sessions end).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RolePatch {
    pub version: Option<i64>,
    pub permissions: Option<Vec<String>>,
    pub scope: Option<String>,
    pub confidential: Option<String>,
    pub restricted: Option<String>,
    pub require_mfa: Option<bool>,
    pub ip_allow: Option<Vec<String>>,
}

/// Every role.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RoleList {
    pub items: Vec<RoleView>,
}

#[utoipa::path(get, path = "/api/v1/roles", tag = "admin",
    responses((status = 200, body = RoleList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list_roles(State(s): State<WebState>, AuthActor(actor): AuthActor) -> Result<Json<RoleList>, Problem> {
    let roles = s.app.list_roles(&actor).await?;
    Ok(Json(RoleList { items: roles.iter().map(RoleView::from).collect() }))
}

#[utoipa::path(patch, path = "/api/v1/roles/{id}", tag = "admin", params(("id" = String, Path), ("If-Match" = Option<String>, Header)),
    request_body = RolePatch,
    responses((status = 200, body = RoleView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update_role(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RolePatch>,
) -> Result<Json<RoleView>, Problem> {
    let Some((version, source)) = expected_version(&headers, body.version)? else {
        return Err(from_app(AppError::VersionRequired, None));
    };
    let changes = RoleChanges {
        permissions: body.permissions,
        scope: body.scope,
        confidential: body.confidential,
        restricted: body.restricted,
        require_mfa: body.require_mfa,
        ip_allow: body.ip_allow,
    };
    let r = s.app.update_role(&actor, &id, version, &changes).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(Json(RoleView::from(&r)))
}

/// A user as administrators see it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserAdminView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub team_id: Option<String>,
    pub status: String,
    pub version: i64,
}

impl From<&custos_domain::User> for UserAdminView {
    fn from(u: &custos_domain::User) -> Self {
        UserAdminView {
            id: u.id.to_string(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().into(),
            team_id: u.team_id.map(|t| t.to_string()),
            status: u.status.as_str().into(),
            version: u.version,
        }
    }
}

/// Every user.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserAdminView>,
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    pub email: String,
    pub role: String,
    /// At least 12 characters.
    pub password: String,
    pub display_name: Option<String>,
    pub team_id: Option<String>,
}

/// Changes to a user. A role change needs role.manage and step-up; role, team or status
/// changes end the user's sessions.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub version: Option<i64>,
    pub role: Option<String>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub team_id: Option<Option<String>>,
    /// active | disabled
    pub status: Option<String>,
    pub display_name: Option<String>,
}

/// What offboarding ended.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RevokedAccess {
    pub sessions: u64,
    pub tokens: u64,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "admin",
    responses((status = 200, body = UserList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list_users(State(s): State<WebState>, AuthActor(actor): AuthActor) -> Result<Json<UserList>, Problem> {
    let users = s.app.list_users(&actor).await?;
    Ok(Json(UserList { items: users.iter().map(UserAdminView::from).collect() }))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = UserCreate,
    responses((status = 201, body = UserAdminView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create_user(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    ApiJson(b): ApiJson<UserCreate>,
) -> Result<(StatusCode, Json<UserAdminView>), Problem> {
    let team_id = match b.team_id.as_deref().map(str::parse) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(_)) => return Err(from_app(AppError::invalid("team_id", "invalid_id", "must be a team id"), None)),
    };
    let new = NewUser { email: b.email, display_name: b.display_name, role: b.role, team_id, password: b.password };
    let u = s.app.add_user(&actor, &new).await?;
    Ok((StatusCode::CREATED, Json(UserAdminView::from(&u))))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "admin", params(("id" = String, Path)),
    responses((status = 200, body = UserAdminView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get_user(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<Json<UserAdminView>, Problem> {
    Ok(Json(UserAdminView::from(&s.app.get_user(&actor, &id).await?)))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "admin", params(("id" = String, Path), ("If-Match" = Option<String>, Header)),
    request_body = UserPatch,
    responses((status = 200, body = UserAdminView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update_user(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<UserPatch>,
) -> Result<Json<UserAdminView>, Problem> {
    let Some((version, source)) = expected_version(&headers, b.version)? else {
        return Err(from_app(AppError::VersionRequired, None));
    };
    let c = UserChanges { role: b.role, team_id: b.team_id, status: b.status, display_name: b.display_name };
    let u = s.app.update_user(&actor, &id, version, &c).await.map_err(|e| from_app(e, Some(source)))?;
    Ok(Json(UserAdminView::from(&u)))
}

/// Offboarding: ends every session and revokes every API token of the user at once.
#[utoipa::path(post, path = "/api/v1/users/{id}/revoke-access", tag = "admin", params(("id" = String, Path)),
    responses((status = 200, body = RevokedAccess), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn revoke_access(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<Json<RevokedAccess>, Problem> {
    let (sessions, tokens) = s.app.revoke_access(&actor, &id).await?;
    Ok(Json(RevokedAccess { sessions, tokens }))
}

/// A team and its manager.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TeamView {
    pub id: String,
    pub name: String,
    pub manager_id: Option<String>,
}

/// Every team.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TeamList {
    pub items: Vec<TeamView>,
}

/// A new team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamCreate {
    pub name: String,
}

/// A team's manager (a member of the team), or null to clear.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    pub manager_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "admin",
    responses((status = 200, body = TeamList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list_teams(State(s): State<WebState>, AuthActor(actor): AuthActor) -> Result<Json<TeamList>, Problem> {
    let teams = s.app.list_teams(&actor).await?;
    Ok(Json(TeamList {
        items: teams.into_iter().map(|(id, name, manager_id)| TeamView { id, name, manager_id }).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "admin", request_body = TeamCreate,
    responses((status = 201, body = TeamView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create_team(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    ApiJson(b): ApiJson<TeamCreate>,
) -> Result<(StatusCode, Json<TeamView>), Problem> {
    let id = s.app.create_team(&actor, &b.name).await?;
    Ok((StatusCode::CREATED, Json(TeamView { id: id.to_string(), name: b.name.trim().to_string(), manager_id: None })))
}

#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "admin", params(("id" = String, Path)), request_body = TeamPatch,
    responses((status = 204, description = "Updated"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update_team(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TeamPatch>,
) -> Result<StatusCode, Problem> {
    s.app.set_team_manager(&actor, &id, b.manager_id.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One of your API tokens (the secret is never shown again).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub cidrs: Vec<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<&TokenInfo> for TokenView {
    fn from(t: &TokenInfo) -> Self {
        TokenView {
            id: t.id.clone(),
            name: t.name.clone(),
            scopes: t.scopes.clone(),
            cidrs: t.cidrs.clone(),
            created_at: micros_to_rfc3339(t.created_at),
            expires_at: t.expires_at.map(micros_to_rfc3339),
            last_used_at: t.last_used_at.map(micros_to_rfc3339),
            revoked_at: t.revoked_at.map(micros_to_rfc3339),
        }
    }
}

/// Your API tokens.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenView>,
}

/// A new API token for yourself.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenCreate {
    pub name: String,
    /// Permission ids the token is limited to; empty or absent means all of yours.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// CIDR ranges the token may be used from; empty or absent means any.
    #[serde(default)]
    pub cidrs: Vec<String>,
    /// Lifetime in days (1 to 3650); absent means no expiry.
    pub expires_in_days: Option<u32>,
}

/// A new token: the secret is shown here once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenCreated {
    pub id: String,
    pub token: String,
    pub expires_at: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth",
    responses((status = 200, body = TokenList), (status = 401, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list_tokens(State(s): State<WebState>, AuthActor(actor): AuthActor) -> Result<Json<TokenList>, Problem> {
    let tokens = s.app.my_tokens(&actor).await?;
    Ok(Json(TokenList { items: tokens.iter().map(TokenView::from).collect() }))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = TokenCreate,
    responses((status = 201, body = TokenCreated), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create_token(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    ApiJson(b): ApiJson<TokenCreate>,
) -> Result<(StatusCode, Json<TokenCreated>), Problem> {
    let me = s.app.me(&actor).await?;
    let expires_at = match b.expires_in_days {
        None => None,
        Some(d @ 1..=3650) => Some(time::OffsetDateTime::now_utc() + time::Duration::days(i64::from(d))),
        Some(_) => {
            return Err(from_app(
                AppError::invalid("expires_in_days", "out_of_range", "must be between 1 and 3650"),
                None,
            ));
        }
    };
    let req = TokenRequest { name: b.name, scopes: b.scopes, cidrs: b.cidrs, expires_at };
    let t = s.app.issue_token(&actor, &me.email, &req).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated { id: t.id.to_string(), token: t.token, expires_at: t.expires_at.map(rfc3339) }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth", params(("id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn revoke_token(
    State(s): State<WebState>,
    AuthActor(actor): AuthActor,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    s.app.revoke_my_token(&actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
