//! Administration pages: users (add, change role/team/status, revoke all access), roles
//! (permissions, scope, field rights per class, MFA requirement, IP allow-list) and teams
//! (create, set the manager). Every action is the same custos-app use case as the JSON API,
//! so the same authorisation, step-up and errors apply; this module only shows them.

use super::i18n::{self, Locale};
use super::pages::{bad_request, chrome};
use super::reveal::step_up_page;
use super::view::{Opt, error_page, render};
use super::{Layout, Viewer, see_other};
use crate::WebState;
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use custos_app::AppError;
use custos_app::accounts::UserChanges;
use custos_app::roles::RoleChanges;
use custos_app::users::NewUser;
use custos_domain::{Permission, Role, User};
use std::collections::BTreeMap;

/// A form's outcome shown on an admin page: which record's form, its errors, a banner.
#[derive(Default)]
pub struct Outcome {
    /// The id of the record whose form failed ("new" for the add form).
    pub target: String,
    pub errors: BTreeMap<String, String>,
    pub banner: Option<String>,
    pub notice: Option<String>,
}

impl Outcome {
    fn err(&self, target: &str, field: &str) -> Option<String> {
        (self.target == target).then(|| self.errors.get(field).cloned()).flatten()
    }
}

fn role_label(loc: Locale, r: Role) -> String {
    i18n::t(loc, &format!("role-{}", r.as_str()))
}

fn role_opts(loc: Locale, selected: &str) -> Vec<Opt> {
    Role::ALL
        .iter()
        .map(|r| Opt { value: r.as_str().into(), label: role_label(loc, *r), selected: r.as_str() == selected })
        .collect()
}

/// Outcome of a failed use case: field errors, or a banner for the rest; `None` when the
/// error needs its own page (step-up or a general error).
fn outcome(loc: Locale, target: &str, e: &AppError) -> Option<Outcome> {
    let mut o = Outcome { target: target.to_string(), ..Default::default() };
    match e {
        AppError::Invalid(fe) => {
            o.errors = super::forms::field_messages(loc, fe);
            o.banner = Some(i18n::t(loc, "form-has-errors"));
        }
        AppError::Forbidden => o.banner = Some(i18n::t(loc, "error-forbidden-detail")),
        AppError::Stale { .. } => o.banner = Some(i18n::t(loc, "error-stale-detail")),
        AppError::Conflict(_) => o.banner = Some(i18n::t(loc, "error-conflict-detail")),
        AppError::NotFound(_) => o.banner = Some(i18n::t(loc, "error-not-found-detail")),
        _ => return None,
    }
    Some(o)
}

// ---------------------------------------------------------------- users

/// A user row with its edit form.
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub team: String,
    pub active: bool,
    pub version: i64,
    pub roles: Vec<Opt>,
    pub teams: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    l: Layout,
    users: Vec<UserRow>,
    new_roles: Vec<Opt>,
    new_teams: Vec<Opt>,
    new_email: String,
    new_name: String,
    o: Outcome,
}

impl UsersPage {
    fn err(&self, target: &str, field: &str) -> Option<String> {
        self.o.err(target, field)
    }
}

fn team_opts(loc: Locale, teams: &[(String, String, Option<String>)], selected: Option<&str>) -> Vec<Opt> {
    std::iter::once(Opt { value: String::new(), label: i18n::t(loc, "admin-no-team"), selected: selected.is_none() })
        .chain(teams.iter().map(|(id, name, _)| Opt {
            value: id.clone(),
            label: name.clone(),
            selected: Some(id.as_str()) == selected,
        }))
        .collect()
}

async fn users_page(
    s: &WebState,
    v: &Viewer,
    o: Outcome,
    new: Option<(String, String, String)>,
    status: StatusCode,
) -> Response {
    let loc = v.loc;
    let users = match s.app.list_users(&v.actor).await {
        Ok(u) => u,
        Err(e) => return error_page(loc, &e),
    };
    let teams = match s.app.list_teams(&v.actor).await {
        Ok(t) => t,
        Err(e) => return error_page(loc, &e),
    };
    let rows = users
        .iter()
        .map(|u: &User| {
            let team = u.team_id.map(|t| t.to_string());
            UserRow {
                id: u.id.to_string(),
                email: u.email.clone(),
                name: u.display_name.clone(),
                role: role_label(loc, u.role),
                team: team
                    .as_deref()
                    .and_then(|t| teams.iter().find(|(id, _, _)| id == t))
                    .map(|(_, n, _)| n.clone())
                    .unwrap_or_default(),
                active: u.status.as_str() == "active",
                version: u.version,
                roles: role_opts(loc, u.role.as_str()),
                teams: team_opts(loc, &teams, team.as_deref()),
            }
        })
        .collect();
    let (new_email, new_name, new_role) = new.unwrap_or_else(|| (String::new(), String::new(), "sales_rep".into()));
    let l = chrome(s, v, "admin-users-title", "users").await.back("/admin/users");
    let page = UsersPage {
        l,
        users: rows,
        new_roles: role_opts(loc, &new_role),
        new_teams: team_opts(loc, &teams, None),
        new_email,
        new_name,
        o,
    };
    render(status, &page)
}

/// `GET /admin/users`.
pub async fn users(State(s): State<WebState>, v: Viewer) -> Response {
    users_page(&s, &v, Outcome::default(), None, StatusCode::OK).await
}

fn pairs_map(pairs: Vec<(String, String)>) -> (BTreeMap<String, String>, Vec<String>) {
    let mut one = BTreeMap::new();
    let mut many = Vec::new();
    for (k, v) in pairs {
        if k == "permissions" {
            if many.len() < 64 {
                many.push(v);
            }
        } else {
            one.insert(k, v);
        }
    }
    (one, many)
}

/// `POST /admin/users`: adds a user.
pub async fn add_user(
    State(s): State<WebState>,
    v: Viewer,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let Ok(Form(pairs)) = form else { return bad_request(v.loc) };
    let (f, _) = pairs_map(pairs);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let team_id = match get("team_id").as_str() {
        "" => None,
        t => t.parse().ok(),
    };
    let name = get("display_name");
    let new = NewUser {
        email: get("email"),
        display_name: (!name.trim().is_empty()).then_some(name.clone()),
        role: get("role"),
        team_id,
        password: get("password"),
    };
    match s.app.add_user(&v.actor, &new).await {
        Ok(_) => see_other(&HeaderMap::new(), "/admin/users"),
        Err(e) => match outcome(v.loc, "new", &e) {
            Some(o) => {
                let keep = Some((new.email.clone(), name, new.role.clone()));
                users_page(&s, &v, o, keep, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => other_error(&s, &v, "/admin/users", &e).await,
        },
    }
}

/// A step-up page (then the user repeats the action) or a general error page.
async fn other_error(s: &WebState, v: &Viewer, back: &str, e: &AppError) -> Response {
    match e {
        AppError::StepUpRequired => step_up_page(s, v, back, None, StatusCode::FORBIDDEN).await,
        e => error_page(v.loc, e),
    }
}

/// `POST /admin/users/{id}`: changes role, team, status or name (a role change needs
/// role.manage and step-up, as in the API).
pub async fn update_user(
    State(s): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let Ok(Form(pairs)) = form else { return bad_request(v.loc) };
    let (f, _) = pairs_map(pairs);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let Ok(version) = get("version").parse::<i64>() else { return bad_request(v.loc) };
    let current = match s.app.get_user(&v.actor, &id).await {
        Ok(u) => u,
        Err(e) => return other_error(&s, &v, "/admin/users", &e).await,
    };
    let role = get("role");
    let changes = UserChanges {
        role: (role != current.role.as_str()).then_some(role),
        team_id: Some(Some(get("team_id")).filter(|t| !t.is_empty())),
        status: Some(get("status")),
        display_name: Some(get("display_name")),
    };
    match s.app.update_user(&v.actor, &id, version, &changes).await {
        Ok(_) => see_other(&HeaderMap::new(), "/admin/users"),
        Err(e) => match outcome(v.loc, &id, &e) {
            Some(o) => users_page(&s, &v, o, None, StatusCode::UNPROCESSABLE_ENTITY).await,
            None => other_error(&s, &v, "/admin/users", &e).await,
        },
    }
}

/// `POST /admin/users/{id}/revoke`: ends every session and token of the user.
pub async fn revoke_access(State(s): State<WebState>, v: Viewer, Path(id): Path<String>) -> Response {
    match s.app.revoke_access(&v.actor, &id).await {
        Ok((sessions, tokens)) => {
            let notice = i18n::t_args(
                v.loc,
                "admin-access-revoked",
                &[("sessions", (sessions as i64).into()), ("tokens", (tokens as i64).into())],
            );
            let o = Outcome { notice: Some(notice), ..Default::default() };
            users_page(&s, &v, o, None, StatusCode::OK).await
        }
        Err(e) => match outcome(v.loc, &id, &e) {
            Some(o) => users_page(&s, &v, o, None, StatusCode::FORBIDDEN).await,
            None => other_error(&s, &v, "/admin/users", &e).await,
        },
    }
}

// ---------------------------------------------------------------- roles

/// A role with its edit form.
pub struct RoleRow {
    pub id: &'static str,
    pub label: String,
    pub version: i64,
    /// (permission id, held)
    pub permissions: Vec<(&'static str, bool)>,
    pub scopes: Vec<Opt>,
    pub confidential: Vec<Opt>,
    pub restricted: Vec<Opt>,
    pub require_mfa: bool,
    pub ip_allow: String,
}

#[derive(Template)]
#[template(path = "admin_roles.html")]
struct RolesPage {
    l: Layout,
    roles: Vec<RoleRow>,
    o: Outcome,
}

impl RolesPage {
    fn err(&self, target: &str, field: &str) -> Option<String> {
        self.o.err(target, field)
    }
}

fn opts(loc: Locale, prefix: &str, values: &[&str], selected: &str) -> Vec<Opt> {
    values
        .iter()
        .map(|v| Opt { value: (*v).into(), label: i18n::t(loc, &format!("{prefix}-{v}")), selected: *v == selected })
        .collect()
}

const RIGHTS: [&str; 4] = ["hidden", "masked", "revealable", "plain"];

async fn roles_page(s: &WebState, v: &Viewer, o: Outcome, status: StatusCode) -> Response {
    let loc = v.loc;
    let roles = match s.app.list_roles(&v.actor).await {
        Ok(r) => r,
        Err(e) => return error_page(loc, &e),
    };
    let rows = roles
        .iter()
        .map(|r| {
            let st = &r.settings;
            RoleRow {
                id: st.role.as_str(),
                label: role_label(loc, st.role),
                version: r.version,
                permissions: Permission::ALL.iter().map(|p| (p.as_str(), st.grants(*p))).collect(),
                scopes: opts(loc, "scope", &["own", "team", "all"], st.scope.as_str()),
                confidential: opts(loc, "right", &RIGHTS, st.confidential.as_str()),
                restricted: opts(loc, "right", &RIGHTS, st.restricted.as_str()),
                require_mfa: st.require_mfa,
                ip_allow: st.ip_allow.join("\n"),
            }
        })
        .collect();
    let l = chrome(s, v, "admin-roles-title", "roles").await.back("/admin/roles");
    render(status, &RolesPage { l, roles: rows, o })
}

/// `GET /admin/roles`.
pub async fn roles(State(s): State<WebState>, v: Viewer) -> Response {
    roles_page(&s, &v, Outcome::default(), StatusCode::OK).await
}

/// `POST /admin/roles/{id}`: saves a role's settings (role.manage and step-up).
pub async fn update_role(
    State(s): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let Ok(Form(pairs)) = form else { return bad_request(v.loc) };
    let (f, permissions) = pairs_map(pairs);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let Ok(version) = get("version").parse::<i64>() else { return bad_request(v.loc) };
    let ip_allow =
        get("ip_allow").split(['\n', ',', ' ']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect();
    let changes = RoleChanges {
        permissions: Some(permissions),
        scope: Some(get("scope")),
        confidential: Some(get("confidential")),
        restricted: Some(get("restricted")),
        require_mfa: Some(get("require_mfa") == "on"),
        ip_allow: Some(ip_allow),
    };
    match s.app.update_role(&v.actor, &id, version, &changes).await {
        Ok(_) => {
            let o = Outcome { notice: Some(i18n::t(v.loc, "admin-role-saved")), ..Default::default() };
            roles_page(&s, &v, o, StatusCode::OK).await
        }
        Err(e) => match outcome(v.loc, &id, &e) {
            Some(o) => roles_page(&s, &v, o, StatusCode::UNPROCESSABLE_ENTITY).await,
            None => other_error(&s, &v, "/admin/roles", &e).await,
        },
    }
}

// ---------------------------------------------------------------- teams

/// A team with its members (for the manager choice).
pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub manager: String,
    pub members: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "admin_teams.html")]
struct TeamsPage {
    l: Layout,
    teams: Vec<TeamRow>,
    new_name: String,
    o: Outcome,
}

impl TeamsPage {
    fn err(&self, target: &str, field: &str) -> Option<String> {
        self.o.err(target, field)
    }
}

async fn teams_page(s: &WebState, v: &Viewer, o: Outcome, new_name: String, status: StatusCode) -> Response {
    let loc = v.loc;
    let teams = match s.app.list_teams(&v.actor).await {
        Ok(t) => t,
        Err(e) => return error_page(loc, &e),
    };
    let users = match s.app.list_users(&v.actor).await {
        Ok(u) => u,
        Err(e) => return error_page(loc, &e),
    };
    let label = |u: &User| if u.display_name.trim().is_empty() { u.email.clone() } else { u.display_name.clone() };
    let rows = teams
        .iter()
        .map(|(id, name, manager)| {
            let members: Vec<&User> =
                users.iter().filter(|u| u.team_id.map(|t| t.to_string()).as_ref() == Some(id)).collect();
            let manager_name = manager
                .as_deref()
                .and_then(|m| users.iter().find(|u| u.id.to_string() == m))
                .map(label)
                .unwrap_or_default();
            let opts = std::iter::once(Opt {
                value: String::new(),
                label: i18n::t(loc, "admin-no-manager"),
                selected: manager.is_none(),
            })
            .chain(members.iter().map(|u| Opt {
                value: u.id.to_string(),
                label: label(u),
                selected: manager.as_deref() == Some(u.id.to_string().as_str()),
            }))
            .collect();
            TeamRow { id: id.clone(), name: name.clone(), manager: manager_name, members: opts }
        })
        .collect();
    let l = chrome(s, v, "admin-teams-title", "teams").await.back("/admin/teams");
    render(status, &TeamsPage { l, teams: rows, new_name, o })
}

/// `GET /admin/teams`.
pub async fn teams(State(s): State<WebState>, v: Viewer) -> Response {
    teams_page(&s, &v, Outcome::default(), String::new(), StatusCode::OK).await
}

/// `POST /admin/teams`: creates a team.
pub async fn create_team(
    State(s): State<WebState>,
    v: Viewer,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let Ok(Form(pairs)) = form else { return bad_request(v.loc) };
    let (f, _) = pairs_map(pairs);
    let name = f.get("name").cloned().unwrap_or_default();
    match s.app.create_team(&v.actor, &name).await {
        Ok(_) => see_other(&HeaderMap::new(), "/admin/teams"),
        Err(e) => match outcome(v.loc, "new", &e) {
            Some(o) => teams_page(&s, &v, o, name, StatusCode::UNPROCESSABLE_ENTITY).await,
            None => other_error(&s, &v, "/admin/teams", &e).await,
        },
    }
}

/// `POST /admin/teams/{id}/manager`: sets or clears the team's manager.
pub async fn set_manager(
    State(s): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let Ok(Form(pairs)) = form else { return bad_request(v.loc) };
    let (f, _) = pairs_map(pairs);
    let manager = f.get("manager_id").filter(|m| !m.is_empty()).cloned();
    match s.app.set_team_manager(&v.actor, &id, manager.as_deref()).await {
        Ok(()) => see_other(&HeaderMap::new(), "/admin/teams"),
        Err(e) => match outcome(v.loc, &id, &e) {
            Some(o) => teams_page(&s, &v, o, String::new(), StatusCode::UNPROCESSABLE_ENTITY).await,
            None => other_error(&s, &v, "/admin/teams", &e).await,
        },
    }
}
