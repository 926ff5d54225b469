//! The authorisation matrix: every route in the OpenAPI document × every role. Each route
//! names the permission it needs; a role is allowed exactly when its (default) settings grant
//! it. A documented route missing from the table fails the test, and so does a table entry
//! whose route is no longer documented.

use custos_domain::{Permission, Role};
use custos_testkit::{TestApp, spawn_app};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// What a route requires.
#[derive(Clone, Copy, Debug)]
enum Need {
    /// Answers without a session (sign-in, health).
    Public,
    /// Any valid session or token.
    Authenticated,
    Perm(Permission),
}

use Need::*;
use Permission::*;

/// Every route with what it needs. Keep in step with the router.
const ROUTES: &[(&str, &str, Need)] = &[
    ("get", "/healthz", Public),
    ("post", "/api/v1/auth/login", Public),
    ("get", "/api/v1/openapi.json", Authenticated),
    ("post", "/api/v1/auth/logout", Authenticated),
    ("get", "/api/v1/me", Authenticated),
    ("get", "/api/v1/customers", Perm(CustomerRead)),
    ("post", "/api/v1/customers", Perm(CustomerCreate)),
    ("get", "/api/v1/customers/count", Perm(CustomerRead)),
    ("get", "/api/v1/customers/export", Perm(CustomerExport)),
    ("get", "/api/v1/customers/{id}", Perm(CustomerRead)),
    ("patch", "/api/v1/customers/{id}", Perm(CustomerUpdate)),
    ("delete", "/api/v1/customers/{id}", Perm(CustomerDelete)),
    ("post", "/api/v1/customers/{id}/reveal", Perm(FieldRevealConfidential)),
    ("get", "/api/v1/customers/{id}/shares", Perm(CustomerRead)),
    ("post", "/api/v1/customers/{id}/shares", Perm(CustomerUpdate)),
    ("delete", "/api/v1/customers/{id}/shares/{user_id}", Perm(CustomerUpdate)),
    ("get", "/api/v1/customers/{id}/contacts", Perm(CustomerRead)),
    ("post", "/api/v1/customers/{id}/contacts", Perm(CustomerUpdate)),
    ("get", "/api/v1/contacts/{id}", Perm(CustomerRead)),
    ("patch", "/api/v1/contacts/{id}", Perm(CustomerUpdate)),
    ("delete", "/api/v1/contacts/{id}", Perm(CustomerUpdate)),
    ("post", "/api/v1/contacts/{id}/reveal", Perm(FieldRevealConfidential)),
    ("get", "/api/v1/leads", Perm(LeadRead)),
    ("post", "/api/v1/leads", Perm(LeadWrite)),
    ("get", "/api/v1/leads/{id}", Perm(LeadRead)),
    ("patch", "/api/v1/leads/{id}", Perm(LeadWrite)),
    ("delete", "/api/v1/leads/{id}", Perm(LeadWrite)),
    ("post", "/api/v1/leads/{id}/disqualify", Perm(LeadWrite)),
    ("post", "/api/v1/leads/{id}/convert", Perm(LeadConvert)),
    ("get", "/api/v1/pipelines", Perm(DealRead)),
    ("post", "/api/v1/pipelines", Perm(PipelineManage)),
    ("get", "/api/v1/pipelines/{id}", Perm(DealRead)),
    ("patch", "/api/v1/pipelines/{id}", Perm(PipelineManage)),
    ("delete", "/api/v1/pipelines/{id}", Perm(PipelineManage)),
    ("get", "/api/v1/pipelines/{id}/board", Perm(DealRead)),
    ("get", "/api/v1/deals", Perm(DealRead)),
    ("post", "/api/v1/deals", Perm(DealWrite)),
    ("get", "/api/v1/deals/{id}", Perm(DealRead)),
    ("patch", "/api/v1/deals/{id}", Perm(DealWrite)),
    ("delete", "/api/v1/deals/{id}", Perm(DealDelete)),
    ("post", "/api/v1/deals/{id}/move", Perm(DealWrite)),
    ("post", "/api/v1/deals/{id}/won", Perm(DealWrite)),
    ("post", "/api/v1/deals/{id}/lost", Perm(DealWrite)),
    ("post", "/api/v1/deals/{id}/reopen", Perm(DealWrite)),
    ("get", "/api/v1/deals/{id}/history", Perm(DealRead)),
    ("get", "/api/v1/roles", Perm(UserRead)),
    ("patch", "/api/v1/roles/{id}", Perm(RoleManage)),
    ("get", "/api/v1/users", Perm(UserRead)),
    ("post", "/api/v1/users", Perm(UserManage)),
    ("get", "/api/v1/users/{id}", Perm(UserRead)),
    ("patch", "/api/v1/users/{id}", Perm(UserManage)),
    ("post", "/api/v1/users/{id}/revoke-access", Perm(UserManage)),
    ("get", "/api/v1/teams", Perm(UserRead)),
    ("post", "/api/v1/teams", Perm(UserManage)),
    ("patch", "/api/v1/teams/{id}", Perm(UserManage)),
    ("get", "/api/v1/tokens", Authenticated),
    ("post", "/api/v1/tokens", Perm(TokenIssue)),
    ("delete", "/api/v1/tokens/{id}", Authenticated),
    ("get", "/api/v1/access-reviews/report", Perm(AccessReview)),
    ("get", "/api/v1/access-reviews", Perm(AccessReview)),
    ("post", "/api/v1/access-reviews", Perm(AccessReview)),
    ("get", "/api/v1/access-reviews/{id}", Perm(AccessReview)),
    ("post", "/api/v1/access-reviews/{id}/decisions", Perm(AccessReview)),
    ("get", "/api/v1/audit/events", Perm(AuditRead)),
    ("get", "/api/v1/audit/checkpoint", Perm(AuditRead)),
    ("get", "/api/v1/audit/proof/inclusion", Perm(AuditRead)),
    ("get", "/api/v1/audit/proof/consistency", Perm(AuditRead)),
    ("get", "/api/v1/audit/impact/actor", Perm(AuditRead)),
    ("get", "/api/v1/audit/impact/customers/{id}", Perm(AuditRead)),
    ("post", "/api/v1/auth/mfa", Public),
    ("post", "/api/v1/auth/mfa/totp", Authenticated),
    ("post", "/api/v1/auth/mfa/totp/confirm", Authenticated),
    ("delete", "/api/v1/auth/mfa/totp", Authenticated),
    ("post", "/api/v1/auth/mfa/recovery-codes", Authenticated),
    ("post", "/api/v1/auth/step-up", Authenticated),
    ("get", "/api/v1/me/sessions", Authenticated),
    ("delete", "/api/v1/me/sessions/{id}", Authenticated),
    ("get", "/api/v1/activities", Perm(ActivityRead)),
    ("post", "/api/v1/activities", Perm(ActivityWrite)),
    ("get", "/api/v1/activities/{id}", Perm(ActivityRead)),
    ("patch", "/api/v1/activities/{id}", Perm(ActivityWrite)),
    ("delete", "/api/v1/activities/{id}", Perm(ActivityWrite)),
    ("post", "/api/v1/activities/{id}/complete", Perm(ActivityWrite)),
    ("get", "/api/v1/customers/{id}/timeline", Perm(ActivityRead)),
    ("get", "/api/v1/deals/{id}/timeline", Perm(ActivityRead)),
    ("get", "/api/v1/me/tasks", Perm(ActivityRead)),
    ("get", "/api/v1/quotas", Perm(QuotaRead)),
    ("post", "/api/v1/quotas", Perm(QuotaManage)),
    ("patch", "/api/v1/quotas/{id}", Perm(QuotaManage)),
    ("delete", "/api/v1/quotas/{id}", Perm(QuotaManage)),
    ("get", "/api/v1/quotas/attainment", Perm(QuotaRead)),
    ("get", "/api/v1/reports/leaderboard", Perm(QuotaRead)),
    ("get", "/api/v1/reports/activity", Perm(ReportRead)),
    ("get", "/api/v1/reports/pipeline-value", Perm(ReportRead)),
    ("get", "/api/v1/reports/forecast", Perm(ReportRead)),
    ("get", "/api/v1/reports/win-rate", Perm(ReportRead)),
    ("get", "/api/v1/reports/funnel", Perm(ReportRead)),
    ("get", "/api/v1/reports/new-customers", Perm(ReportRead)),
];

/// Ids a role's requests point at: a customer the role's user owns, its contact, etc.
struct Fixture {
    customer: String,
    contact: String,
    victim: String,
    team: String,
    review: String,
}

async fn fixture(t: &TestApp, owner_token: &str, team: &str, review: &str, victim: &str) -> Fixture {
    // Created by the admin but owned by the role's user so that own/team scopes include it.
    let me = t.request("GET", "/api/v1/me", Some(owner_token), None).await;
    let owner = me.body["id"].as_str().expect("me").to_string();
    let c = t.create_customer(json!({"name": "Matrix Ltd", "owner_id": owner, "email": "m@example.com"})).await;
    let customer = c["id"].as_str().unwrap().to_string();
    let k = t
        .post(
            &format!("/api/v1/customers/{customer}/contacts"),
            json!({"name": "Matrix Contact", "email": "k@example.com"}),
        )
        .await;
    let contact = k.body["id"].as_str().unwrap().to_string();
    Fixture { customer, contact, victim: victim.into(), team: team.into(), review: review.into() }
}

fn body_for(method: &str, path: &str, f: &Fixture) -> Option<Value> {
    let b = match (method, path) {
        ("post", "/api/v1/auth/login") => json!({"email": "nobody@test.example", "password": "irrelevant password"}),
        ("post", "/api/v1/customers") => json!({"name": "Created in matrix"}),
        ("patch", "/api/v1/customers/{id}") | ("patch", "/api/v1/contacts/{id}") => {
            json!({"version": 999, "name": "x"})
        }
        ("post", "/api/v1/customers/{id}/reveal") | ("post", "/api/v1/contacts/{id}/reveal") => {
            json!({"fields": ["email"], "purpose": "authorisation matrix test"})
        }
        ("post", "/api/v1/customers/{id}/shares") => json!({"user_id": f.victim}),
        ("post", "/api/v1/customers/{id}/contacts") => json!({"name": "Another contact"}),
        ("post", "/api/v1/activities") => {
            json!({"kind": "task", "subject": "Matrix task", "customer_id": f.customer, "due_at": "2026-12-01T09:00:00Z"})
        }
        ("post", "/api/v1/quotas") => json!({"user_id": f.victim, "period": "2026-Q4", "amount": "1000"}),
        ("patch", "/api/v1/activities/{id}") => json!({"version": 999, "subject": "x"}),
        ("post", "/api/v1/activities/{id}/complete") => json!({"version": 999}),
        ("patch", "/api/v1/quotas/{id}") => json!({"version": 999, "amount": "1"}),
        ("post", "/api/v1/leads") => json!({"name": "Matrix lead", "source": "other"}),
        ("patch", "/api/v1/leads/{id}") => json!({"version": 999, "name": "x"}),
        ("post", "/api/v1/leads/{id}/disqualify") => json!({"version": 999, "reason": "matrix"}),
        ("post", "/api/v1/leads/{id}/convert") => json!({"version": 999}),
        ("post", "/api/v1/deals") => json!({"title": "Matrix deal", "customer_id": f.customer}),
        ("patch", "/api/v1/deals/{id}") | ("patch", "/api/v1/pipelines/{id}") => json!({"version": 999}),
        ("post", "/api/v1/deals/{id}/move") => json!({"version": 999, "stage_id": f.customer}),
        ("post", "/api/v1/deals/{id}/won") | ("post", "/api/v1/deals/{id}/reopen") => json!({"version": 999}),
        ("post", "/api/v1/deals/{id}/lost") => json!({"version": 999, "reason": "matrix"}),
        ("patch", "/api/v1/roles/{id}") => json!({"version": 999, "require_mfa": false}),
        ("post", "/api/v1/users") => {
            json!({"email": format!("new-{}@test.example", &f.customer[24..]), "role": "support", "password": "a long enough password"})
        }
        ("patch", "/api/v1/users/{id}") => json!({"version": 999, "display_name": "x"}),
        ("post", "/api/v1/teams") => json!({"name": format!("Team {}", &f.customer[24..])}),
        ("patch", "/api/v1/teams/{id}") => json!({"manager_id": null}),
        ("post", "/api/v1/tokens") => json!({"name": "matrix"}),
        ("post", "/api/v1/access-reviews") => json!({"due_in_days": 30}),
        ("post", "/api/v1/access-reviews/{id}/decisions") => json!({"user_id": f.victim, "decision": "certify"}),
        ("post", "/api/v1/auth/mfa") => json!({"code": "000000"}),
        ("post", "/api/v1/auth/mfa/totp/confirm") | ("post", "/api/v1/auth/step-up") => json!({"code": "000000"}),
        (_, _) if method == "get" || method == "delete" => return None,
        _ => json!({}),
    };
    Some(b)
}

fn concrete(path: &str, f: &Fixture) -> String {
    let id = if path.starts_with("/api/v1/contacts") {
        &f.contact
    } else if path.starts_with("/api/v1/users") {
        &f.victim
    } else if path.starts_with("/api/v1/teams") {
        &f.team
    } else if path.starts_with("/api/v1/access-reviews") {
        &f.review
    } else if path.starts_with("/api/v1/roles") {
        "support"
    } else if path.starts_with("/api/v1/tokens") || path.starts_with("/api/v1/me/sessions") {
        "0190f0e0-0000-7000-8000-000000000000"
    } else {
        &f.customer
    };
    let query = match path {
        "/api/v1/audit/proof/inclusion" => "?index=0&size=1".to_string(),
        "/api/v1/audit/proof/consistency" => "?from=1&to=1".to_string(),
        "/api/v1/audit/impact/actor" => format!("?actor={}", f.victim),
        _ => String::new(),
    };
    path.replace("{id}", id).replace("{user_id}", &f.victim) + &query
}

fn allowed(role: Role, need: Need) -> bool {
    match need {
        Public | Authenticated => true,
        Perm(p) => role.grants(p),
    }
}

#[tokio::test]
async fn every_route_times_every_role() {
    let t = spawn_app().await;
    // The table and the document must list the same routes.
    let doc = t.get("/api/v1/openapi.json").await;
    let documented: BTreeSet<(String, String)> = doc.body["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| ops.as_object().unwrap().keys().map(move |m| (m.clone(), p.clone())))
        .collect();
    let table: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    let untested: Vec<_> = documented.difference(&table).collect();
    assert!(untested.is_empty(), "routes without an authorisation expectation: {untested:?}");
    let stale: Vec<_> = table.difference(&documented).collect();
    assert!(stale.is_empty(), "expectations for routes that do not exist: {stale:?}");

    let team = t.post("/api/v1/teams", json!({"name": "Matrix team"})).await.body["id"].as_str().unwrap().to_string();
    let review = t.post("/api/v1/access-reviews", json!({"due_in_days": 30})).await;
    let review = review.body["id"].as_str().unwrap_or_else(|| panic!("review: {}", review.body)).to_string();
    let mut checked = 0;
    for role in Role::ALL {
        // Sign-ins from one address are rate-limited per minute: move to a fresh window.
        t.clock.advance(std::time::Duration::from_secs(61));
        let email = format!("{}@matrix.example", role.as_str());
        t.add_user(&email, role.as_str()).await;
        let session = t.login(&email).await;
        let victim = t.add_user(&format!("victim-{}", email), "support").await.id.to_string();
        for (method, path, need) in ROUTES {
            // Fresh records per request (some routes delete them); a fresh session for logout.
            let token = if path.ends_with("/logout") { t.login(&email).await } else { session.clone() };
            let f = fixture(&t, &token, &team, &review, &victim).await;
            let url = concrete(path, &f);
            let r = t.request(&method.to_uppercase(), &url, Some(&token), body_for(method, path, &f)).await;
            let denied = r.status == 403 && r.body["type"] == "forbidden";
            if !matches!(need, Public) {
                assert_ne!(r.status, 401, "{role:?} {method} {url}: {}", r.body);
            }
            assert!(r.status < 500, "{role:?} {method} {url}: {} {}", r.status, r.body);
            assert_eq!(!denied, allowed(role, *need), "{role:?} {method} {path}: got {} {}", r.status, r.body);
            checked += 1;
        }
    }
    assert_eq!(checked, ROUTES.len() * Role::ALL.len());
}
