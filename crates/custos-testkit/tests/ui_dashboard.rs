//! The dashboard page over HTTP (no browser): five inline SVG charts with accessible names,
//! hostile names (stage, person) escaped inside the charts, no inline style or script, CSV
//! links carrying the shown parameters, both languages, the nav link only for roles with
//! report.read, and 403 for a role without it.

use custos_testkit::{TEST_PASSWORD, TestApp, spawn_app};
use serde_json::{Value, json};

const EVIL: &str = "<script>alert(1)</script>";

async fn ok(t: &TestApp, method: &str, path: &str, token: &str, body: Value) -> Value {
    let r = t.request(method, path, Some(token), Some(body)).await;
    assert!(r.status == 200 || r.status == 201, "{method} {path}: {} {}", r.status, r.body);
    r.body
}

async fn cookie(t: &TestApp, email: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", t.base))
        .json(&json!({"email": email, "password": TEST_PASSWORD, "session": "cookie"}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.split(';').next().filter(|c| c.starts_with("custos_session=")).map(str::to_string))
        .expect("session cookie")
}

async fn page(t: &TestApp, cookie: &str, path: &str, lang: &str) -> (u16, String, String) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", t.base))
        .header("cookie", cookie)
        .header("accept-language", lang)
        .send()
        .await
        .expect("get");
    let csp = r.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (r.status().as_u16(), csp, r.text().await.expect("body"))
}

#[tokio::test]
async fn the_dashboard_draws_five_accessible_charts_with_escaped_names() {
    let t = spawn_app().await;
    let rep = t.add_user("r@test.example", "sales_rep").await;
    let evil_person = format!("{EVIL} Rep");
    ok(
        &t,
        "PATCH",
        &format!("/api/v1/users/{}", rep.id),
        &t.admin_token,
        json!({"version": 1, "display_name": evil_person}),
    )
    .await;
    let token = t.login("r@test.example").await;
    let stages = json!([{"name": EVIL, "probability": 40}, {"name": "Négociation \"谈判\"", "probability": 80}]);
    let p = ok(&t, "POST", "/api/v1/pipelines", &t.admin_token, json!({"name": "Evil <b>pipe</b>", "stages": stages}))
        .await;
    let pipe = p["id"].as_str().unwrap().to_string();
    let stage = p["stages"][0]["id"].as_str().unwrap().to_string();
    let c = ok(&t, "POST", "/api/v1/customers", &token, json!({"name": "Client"})).await;
    let d = ok(
        &t,
        "POST",
        "/api/v1/deals",
        &token,
        json!({"title": "T", "customer_id": c["id"], "stage_id": stage, "amount": "2500.00"}),
    )
    .await;
    ok(
        &t,
        "POST",
        &format!("/api/v1/deals/{}/won", d["id"].as_str().unwrap()),
        &token,
        json!({"version": d["version"]}),
    )
    .await;
    ok(
        &t,
        "POST",
        "/api/v1/deals",
        &token,
        json!({"title": "U", "customer_id": c["id"], "stage_id": stage, "amount": "1000.00"}),
    )
    .await;

    let ck = cookie(&t, "r@test.example").await;
    let (status, csp, html) = page(&t, &ck, &format!("/dashboard?pipeline_id={pipe}"), "en").await;
    assert_eq!(status, 200, "{html}");
    assert!(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(html.matches("<svg ").count(), 5, "five charts");
    assert_eq!(html.matches("role=\"img\"").count(), 5);
    for id in ["chart-pipeline", "chart-forecast", "chart-winrate", "chart-funnel", "chart-customers"] {
        assert!(html.contains(&format!("<title id=\"{id}-title\">")), "{id} has an accessible name");
        assert!(html.contains(&format!("<desc id=\"{id}-desc\">")), "{id} has a description");
    }
    // Hostile names are text, never markup, in the charts and everywhere else.
    assert!(!html.contains(EVIL), "unescaped script tag");
    assert!(!html.contains("<b>pipe</b>"), "unescaped pipeline name");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; (40%)"), "the stage name is shown escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Rep"), "the person is shown escaped");
    assert!(!html.contains(" style=") && !html.contains("<style"), "no inline styles");
    assert!(!html.contains("<script>"), "no inline script");
    // Figures: one open deal of 1,000.00 at 40 %, one won; five CSV links with the shown pipeline.
    assert!(html.contains("Open deals: 1 · CN¥1,000.00 · weighted CN¥400.00"), "summary");
    assert!(html.contains("1 won, 0 lost"), "win rate note");
    assert_eq!(html.matches("format=csv").count(), 5);
    assert!(
        html.contains(&format!("/api/v1/reports/pipeline-value?pipeline_id={pipe}&#38;currency=CNY&#38;format=csv")),
        "{html}"
    );
    assert!(html.contains("href=\"/dashboard\" aria-current=\"page\""), "nav link is current");
    // The CSV link works with the page's cookie session.
    let csv = reqwest::Client::new()
        .get(format!("{}/api/v1/reports/pipeline-value?pipeline_id={pipe}&currency=CNY&format=csv", t.base))
        .header("cookie", &ck)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    let body = csv.text().await.unwrap();
    assert!(
        body.starts_with("stage,probability") && body.contains("<script>alert(1)</script>,40,1,1000.00,400.00,CNY"),
        "{body}"
    );

    // Chinese: translated titles and labels, the money in the zh-CN format.
    let (_, _, zh) = page(&t, &ck, &format!("/dashboard?pipeline_id={pipe}&months=6&currency=CNY"), "zh-CN").await;
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    assert!(zh.contains("各阶段管道金额") && zh.contains("线索漏斗") && zh.contains("新客户"), "titles in Chinese");
    assert!(zh.contains("¥1,000.00") && zh.contains("年"), "zh money and month labels");
    assert!(zh.contains("<option value=\"6\" selected>"), "the period stays selected");
}

#[tokio::test]
async fn the_dashboard_needs_report_read() {
    let t = spawn_app().await;
    t.add_user("s@test.example", "support").await;
    let support = cookie(&t, "s@test.example").await;
    let (status, _, html) = page(&t, &support, "/dashboard", "en").await;
    assert_eq!(status, 403, "{html}");
    let (_, _, customers) = page(&t, &support, "/customers", "en").await;
    assert!(!customers.contains("href=\"/dashboard\""), "no dashboard link without report.read");
    let admin = cookie(&t, "admin@test.example").await;
    let (status, _, html) = page(&t, &admin, "/dashboard?months=99&pipeline_id=&currency=", "en").await;
    assert_eq!(status, 200, "unknown periods fall back to the default: {html}");
    assert!(html.contains("<option value=\"12\" selected>"));
    let (status, _, _) = page(&t, &admin, "/dashboard?currency=XXX", "en").await;
    assert_eq!(status, 400, "a bad currency is a bad request");
    let r = reqwest::Client::new().get(format!("{}/dashboard", t.base)).send().await.unwrap();
    assert!(r.url().path() == "/login" || r.status().as_u16() == 303, "signed out: to the sign-in page");
}
