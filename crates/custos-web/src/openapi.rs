//! The OpenAPI 3.1 document, generated from the handlers' annotations and the DTO schemas.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct Security;

impl Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Custos API", description = "Custos CRM: customers and contacts with encrypted sensitive fields. Errors are RFC 9457 application/problem+json."),
    paths(
        crate::routes::system::healthz,
        crate::routes::system::openapi,
        crate::routes::auth::login,
        crate::routes::auth::logout,
        crate::routes::auth::me,
        crate::routes::mfa::complete,
        crate::routes::mfa::begin_totp,
        crate::routes::mfa::confirm_totp,
        crate::routes::mfa::disable_totp,
        crate::routes::mfa::recovery_codes,
        crate::routes::mfa::step_up,
        crate::routes::sessions::list,
        crate::routes::sessions::revoke,
        crate::routes::customers::create,
        crate::routes::customers::list,
        crate::routes::customers::get,
        crate::routes::customers::update,
        crate::routes::customers::delete,
        crate::routes::contacts::create,
        crate::routes::contacts::list,
        crate::routes::contacts::get,
        crate::routes::contacts::update,
        crate::routes::contacts::delete,
        crate::routes::pipelines::list,
        crate::routes::pipelines::create,
        crate::routes::pipelines::get,
        crate::routes::pipelines::update,
        crate::routes::pipelines::delete,
        crate::routes::pipelines::board,
        crate::routes::deals::create,
        crate::routes::deals::list,
        crate::routes::deals::get,
        crate::routes::deals::update,
        crate::routes::deals::delete,
        crate::routes::deals::moves::move_stage,
        crate::routes::deals::moves::won,
        crate::routes::deals::moves::lost,
        crate::routes::deals::moves::reopen,
        crate::routes::deals::moves::history,
        crate::routes::leads::create,
        crate::routes::leads::list,
        crate::routes::leads::get,
        crate::routes::leads::update,
        crate::routes::leads::delete,
        crate::routes::leads::disqualify,
        crate::routes::leads::convert::convert,
        crate::routes::disclosure::count,
        crate::routes::disclosure::export,
        crate::routes::disclosure::reveal_customer,
        crate::routes::disclosure::reveal_contact,
        crate::routes::disclosure::list_shares,
        crate::routes::disclosure::share,
        crate::routes::disclosure::unshare,
        crate::routes::admin::list_roles,
        crate::routes::admin::update_role,
        crate::routes::admin::list_users,
        crate::routes::admin::create_user,
        crate::routes::admin::get_user,
        crate::routes::admin::update_user,
        crate::routes::admin::revoke_access,
        crate::routes::admin::list_teams,
        crate::routes::admin::create_team,
        crate::routes::admin::update_team,
        crate::routes::admin::list_tokens,
        crate::routes::admin::create_token,
        crate::routes::admin::revoke_token,
        crate::routes::reviews::report,
        crate::routes::reviews::list,
        crate::routes::reviews::create,
        crate::routes::reviews::get,
        crate::routes::reviews::decide,
        crate::routes::audit::events,
        crate::routes::audit::checkpoint,
        crate::routes::audit::inclusion,
        crate::routes::audit::consistency,
        crate::routes::audit::impact_actor,
        crate::routes::audit::impact_customer,
        crate::routes::activities::create,
        crate::routes::activities::list,
        crate::routes::activities::get,
        crate::routes::activities::update,
        crate::routes::activities::delete,
        crate::routes::activities::complete,
        crate::routes::activities::customer_timeline,
        crate::routes::activities::deal_timeline,
        crate::routes::activities::my_tasks,
        crate::routes::quotas::list,
        crate::routes::quotas::create,
        crate::routes::quotas::update,
        crate::routes::quotas::delete,
        crate::routes::quotas::attainment,
        crate::routes::quotas::leaderboard,
        crate::routes::quotas::activity_report,
        crate::routes::reports::pipeline_value,
        crate::routes::reports::forecast,
        crate::routes::reports::win_rate,
        crate::routes::reports::funnel,
        crate::routes::reports::new_customers,
    ),
    components(schemas(crate::problem::Problem, crate::problem::ProblemField)),
    modifiers(&Security),
    tags((name = "auth"), (name = "customers"), (name = "contacts"), (name = "pipelines"), (name = "deals"), (name = "leads"), (name = "activities"), (name = "quotas"), (name = "reports"), (name = "system"))
)]
struct ApiDoc;

/// The document served at `/api/v1/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
