//! Reports over the API: exact figures on a small known data set built through the deals and
//! leads API; bad parameters answer 422 naming the field; CSV has a header row, RFC 4180
//! quoting and neutralised formulas; viewing is audited. Record scope is in `reports_scope.rs`,
//! which shares the data set (`world`) and helpers defined here.

use custos_domain::Clock;
use custos_domain::sales::report::{day_string, month_string, next_month};
use custos_testkit::{TEST_PASSWORD, TestApp, backends, spawn_app, spawn_app_on};
use serde_json::{Value, json};
use std::time::Duration;
use time::Date;

pub const DAY: Duration = Duration::from_secs(86_400);

/// The cast: reps A (team East) and B (no team), East's manager, and their tokens.
pub struct World {
    pub t: TestApp,
    pub rep_a: String,
    pub rep_b: String,
    pub manager: String,
    /// Stages: Qualify 10 %, Propose 50 %, Negotiate 90 %.
    pub pipeline: String,
    /// The day the data was created and the day deals were closed.
    pub created: Date,
    pub closed: Date,
}

pub(crate) fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_string()
}

async fn ok(t: &TestApp, method: &str, path: &str, token: &str, body: Value) -> Value {
    let r = t.request(method, path, Some(token), Some(body)).await;
    assert!(r.status == 200 || r.status == 201, "{method} {path}: {} {}", r.status, r.body);
    r.body
}

/// A user of `role` named `name` in `team` (if any), signed in.
pub async fn member(t: &TestApp, email: &str, role: &str, name: &str, team: Option<&str>) -> (String, String) {
    let u = t.add_user(email, role).await;
    let mut body = json!({"version": 1, "display_name": name});
    if let Some(team) = team {
        body["team_id"] = json!(team);
    }
    ok(t, "PATCH", &format!("/api/v1/users/{}", u.id), &t.admin_token, body).await;
    (u.id.to_string(), t.login(email).await)
}

/// A pipeline with the given stages as (name, probability).
pub async fn pipeline(t: &TestApp, name: &str, stages: &[(&str, i64)]) -> (String, Vec<String>) {
    let stages: Vec<Value> = stages.iter().map(|(n, p)| json!({"name": n, "probability": p})).collect();
    let p = ok(t, "POST", "/api/v1/pipelines", &t.admin_token, json!({"name": name, "stages": stages})).await;
    (s(&p["id"]), p["stages"].as_array().unwrap().iter().map(|x| s(&x["id"])).collect())
}

async fn deal(t: &TestApp, token: &str, customer: &str, stage: &str, amount: &str, expected: Option<Date>) -> Value {
    let mut body =
        json!({"title": format!("Deal {amount}"), "customer_id": customer, "stage_id": stage, "amount": amount});
    if let Some(d) = expected {
        body["expected_close"] = json!(day_string(d));
    }
    ok(t, "POST", "/api/v1/deals", token, body).await
}

async fn close(t: &TestApp, token: &str, d: &Value, how: &str) {
    let mut body = json!({"version": d["version"]});
    if how == "lost" {
        body["reason"] = json!("price");
    }
    ok(t, "POST", &format!("/api/v1/deals/{}/{how}", s(&d["id"])), token, body).await;
}

async fn lead(t: &TestApp, token: &str, name: &str, status: &str) -> Value {
    ok(
        t,
        "POST",
        "/api/v1/leads",
        token,
        json!({"name": name, "company": format!("{name} Ltd"), "source": "website", "status": status}),
    )
    .await
}

/// The known data set (amounts in CNY unless said):
/// A: customer "A Co"; open Qualify 1,000 (expected next month) and Propose 2,000 (moved there
///    from Qualify; expected the month after); Negotiate 3,000 won; Qualify 400 lost; an open
///    USD 100 deal. Leads: one new, one contacted.
/// B: customer "B Co"; open Propose 5,000 (expected next month); Negotiate 6,000 won. Leads: one
///    qualified, one converted into a customer with a 700 deal that is won.
/// Everything is created on day `created`; the closing happens ten days later.
pub async fn world(mut t: TestApp) -> World {
    let east = s(&ok(&t, "POST", "/api/v1/teams", &t.admin_token, json!({"name": "East"})).await["id"]);
    let (_, rep_a) = member(&t, "a@test.example", "sales_rep", "Alice", Some(&east)).await;
    let (_, rep_b) = member(&t, "b@test.example", "sales_rep", "Bob", None).await;
    member(&t, "m@test.example", "sales_manager", "Mia", Some(&east)).await;
    let (pipe, st) = pipeline(&t, "Reports", &[("Qualify", 10), ("Propose", 50), ("Negotiate", 90)]).await;
    let created = t.clock.now().date();
    let m1 = next_month(created);
    let m2 = next_month(m1);

    let a_co = s(&ok(&t, "POST", "/api/v1/customers", &rep_a, json!({"name": "A Co"})).await["id"]);
    let b_co = s(&ok(&t, "POST", "/api/v1/customers", &rep_b, json!({"name": "B Co"})).await["id"]);
    deal(&t, &rep_a, &a_co, &st[0], "1000.00", Some(m1 + time::Duration::days(14))).await;
    let a2 = deal(&t, &rep_a, &a_co, &st[0], "2000.00", Some(m2 + time::Duration::days(9))).await;
    ok(
        &t,
        "POST",
        &format!("/api/v1/deals/{}/move", s(&a2["id"])),
        &rep_a,
        json!({"stage_id": st[1], "version": a2["version"]}),
    )
    .await;
    let a3 = deal(&t, &rep_a, &a_co, &st[2], "3000.00", None).await;
    let a4 = deal(&t, &rep_a, &a_co, &st[0], "400.00", None).await;
    let usd = json!({"title": "Dollars", "customer_id": a_co, "stage_id": st[0], "amount": "100", "currency": "USD", "expected_close": day_string(m1)});
    ok(&t, "POST", "/api/v1/deals", &rep_a, usd).await;
    deal(&t, &rep_b, &b_co, &st[1], "5000.00", Some(m1 + time::Duration::days(3))).await;
    let b2 = deal(&t, &rep_b, &b_co, &st[2], "6000.00", None).await;

    lead(&t, &rep_a, "Ann", "new").await;
    lead(&t, &rep_a, "Art", "contacted").await;
    lead(&t, &rep_b, "Ben", "qualified").await;
    let lb2 = lead(&t, &rep_b, "Bea", "qualified").await;
    let conv = json!({"version": lb2["version"], "deal": {"title": "From Bea", "amount": "700.00", "pipeline_id": pipe, "stage_id": st[0]}});
    let c = ok(&t, "POST", &format!("/api/v1/leads/{}/convert", s(&lb2["id"])), &rep_b, conv).await;
    let b3 = ok(&t, "GET", &format!("/api/v1/deals/{}", s(&c["deal_id"])), &rep_b, Value::Null).await;

    // Ten days later every session has ended: sign in again.
    t.clock.advance(10 * DAY);
    let closed = t.clock.now().date();
    t.admin_token = t.login(&t.admin_email.clone()).await;
    let (rep_a, rep_b, manager) =
        (t.login("a@test.example").await, t.login("b@test.example").await, t.login("m@test.example").await);
    close(&t, &rep_a, &a3, "won").await;
    close(&t, &rep_a, &a4, "lost").await;
    close(&t, &rep_b, &b2, "won").await;
    close(&t, &rep_b, &b3, "won").await;
    World { t, rep_a, rep_b, manager, pipeline: pipe, created, closed }
}

impl World {
    /// `GET` a report as `token` with `query`, expecting 200 JSON.
    pub async fn report(&self, token: &str, name: &str, query: &str) -> Value {
        let r = self.t.request("GET", &format!("/api/v1/reports/{name}?{query}"), Some(token), None).await;
        assert_eq!(r.status, 200, "{name}?{query}: {}", r.body);
        r.body
    }

    /// The range query covering the data.
    pub fn range(&self) -> String {
        format!("from={}&to={}", day_string(self.created), day_string(self.closed))
    }

    /// The forecast query: this month and the next two.
    pub fn months(&self) -> String {
        format!("pipeline_id={}&start={}&months=3", self.pipeline, month_string(self.created))
    }
}

/// (stage, deals, amount, weighted) per stage.
fn stages(v: &Value) -> Vec<(String, i64, String, String)> {
    v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (s(&x["name"]), x["deals"].as_i64().unwrap(), s(&x["amount"]), s(&x["weighted"])))
        .collect()
}

fn st(name: &str, n: i64, amount: &str, weighted: &str) -> (String, i64, String, String) {
    (name.into(), n, amount.into(), weighted.into())
}

/// (deals, amount, weighted, won_deals, won) per forecast month.
pub(crate) fn months(v: &Value) -> Vec<(i64, String, String, i64, String)> {
    v["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["deals"].as_i64().unwrap(),
                s(&m["amount"]),
                s(&m["weighted"]),
                m["won_deals"].as_i64().unwrap(),
                s(&m["won"]),
            )
        })
        .collect()
}

/// The expected forecast rows: open (deals, amount, weighted) for this month and the next two,
/// with (won deals, won) added to the month in which the deals were closed.
pub(crate) fn forecast_rows(
    w: &World,
    open: [(i64, &str, &str); 3],
    won: (i64, &str),
) -> Vec<(i64, String, String, i64, String)> {
    let this = month_string(w.created);
    let closed = month_string(w.closed);
    let month_of =
        |i: usize| if i == 0 { this.clone() } else { month_string((0..i).fold(w.created, |d, _| next_month(d))) };
    open.iter()
        .enumerate()
        .map(|(i, (n, a, wt))| {
            let (wn, wa) = if month_of(i) == closed { won } else { (0, "0.00") };
            (*n, (*a).into(), (*wt).into(), wn, wa.into())
        })
        .collect()
}

pub(crate) fn people(v: &Value) -> Vec<(String, i64, i64, f64, f64)> {
    v["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                s(&p["name"]),
                p["won"].as_i64().unwrap(),
                p["lost"].as_i64().unwrap(),
                p["win_rate"].as_f64().unwrap(),
                p["avg_cycle_days"].as_f64().unwrap_or(-1.0),
            )
        })
        .collect()
}

pub(crate) fn funnel(v: &Value) -> [i64; 6] {
    ["leads", "contacted", "qualified", "converted", "with_deal", "deal_won"].map(|k| v[k].as_i64().unwrap())
}

#[tokio::test]
async fn figures_are_exact_on_a_known_data_set() {
    for b in backends() {
        let w = world(spawn_app_on(b).await).await;
        let admin = w.t.admin_token.clone();

        let pv = w.report(&admin, "pipeline-value", &format!("pipeline_id={}", w.pipeline)).await;
        assert_eq!((pv["pipeline_name"].as_str(), pv["currency"].as_str()), (Some("Reports"), Some("CNY")));
        assert_eq!(
            stages(&pv),
            [
                st("Qualify", 1, "1000.00", "100.00"),
                st("Propose", 2, "7000.00", "3500.00"),
                st("Negotiate", 0, "0.00", "0.00")
            ]
        );
        assert_eq!(
            (pv["deals"].as_i64(), s(&pv["amount"]), s(&pv["weighted"])),
            (Some(3), "8000.00".into(), "3600.00".into())
        );
        let usd = w.report(&admin, "pipeline-value", &format!("pipeline_id={}&currency=usd", w.pipeline)).await;
        assert_eq!(stages(&usd)[0], st("Qualify", 1, "100.00", "10.00"));
        // Without a pipeline: the first one (the seeded default, empty here).
        let first = w.report(&admin, "pipeline-value", "").await;
        assert_ne!(first["pipeline_id"], json!(w.pipeline));
        assert_eq!(first["deals"], 0);

        let fc = w.report(&admin, "forecast", &w.months()).await;
        assert_eq!(fc["months"][0]["month"], month_string(w.created));
        let expect = forecast_rows(
            &w,
            [(0, "0.00", "0.00"), (2, "6000.00", "2600.00"), (1, "2000.00", "1000.00")],
            (3, "9700.00"),
        );
        assert_eq!(months(&fc), expect);
        assert_eq!(
            (s(&fc["amount"]), s(&fc["weighted"]), s(&fc["won"])),
            ("8000.00".into(), "3600.00".into(), "9700.00".into())
        );

        let wr = w.report(&admin, "win-rate", &w.range()).await;
        assert_eq!(people(&wr), [("Alice".into(), 1, 1, 0.5, 10.0), ("Bob".into(), 2, 0, 1.0, 10.0)]);
        assert_eq!((wr["won"].as_i64(), wr["lost"].as_i64(), wr["win_rate"].as_f64()), (Some(3), Some(1), Some(0.75)));
        // Closed outside the range: nothing.
        let before = format!("from={}&to={}", day_string(w.created), day_string(w.created));
        assert_eq!(w.report(&admin, "win-rate", &before).await["people"], json!([]));

        assert_eq!(funnel(&w.report(&admin, "funnel", &w.range()).await), [4, 3, 2, 1, 1, 1]);

        let nc = w.report(&admin, "new-customers", &w.range()).await;
        assert_eq!(nc["total"], 3, "A Co, B Co and the converted lead's customer: {nc}");
        assert_eq!(nc["interval"], "month");
        assert!(nc["points"].as_array().unwrap().iter().all(|p| s(&p["start"]).ends_with("-01")), "{nc}");
        let weeks = w.report(&admin, "new-customers", &format!("{}&interval=week", w.range())).await;
        assert_eq!(weeks["total"], 3);
        assert_eq!(weeks["points"][0]["count"], 3, "all created in the first week: {weeks}");
    }
}

#[tokio::test]
async fn bad_parameters_answer_422_naming_the_field_and_roles_without_report_read_403() {
    let t = spawn_app().await;
    let cases = [
        ("win-rate?from=2026-02-30", "from"),
        ("funnel?from=2026-05-01&to=2026-04-30", "to"),
        ("new-customers?from=2020-01-01&to=2024-01-01", "to"),
        ("forecast?months=0", "months"),
        ("forecast?months=25", "months"),
        ("forecast?start=2026-13", "start"),
        ("pipeline-value?currency=XXX", "currency"),
        ("pipeline-value?pipeline_id=0190f0e0-0000-7000-8000-000000000000", "pipeline_id"),
        ("forecast?pipeline_id=nope", "pipeline_id"),
        ("new-customers?interval=day", "interval"),
        ("funnel?format=xlsx", "format"),
    ];
    for (q, field) in cases {
        let r = t.get(&format!("/api/v1/reports/{q}")).await;
        r.assert_problem(422);
        assert_eq!(r.error_fields(), [field], "{q}: {}", r.body);
        assert!(!r.body.to_string().contains("XXX") && !r.body.to_string().contains("xlsx"), "no echo: {}", r.body);
    }
    t.get("/api/v1/reports/funnel?nonsense=1").await.assert_problem(400);
    let support = {
        t.add_user("s@test.example", "support").await;
        t.login("s@test.example").await
    };
    for name in ["pipeline-value", "forecast", "win-rate", "funnel", "new-customers"] {
        let r = t.request("GET", &format!("/api/v1/reports/{name}"), Some(&support), None).await;
        r.assert_problem(403);
        assert_eq!(t.get(&format!("/api/v1/reports/{name}")).await.status, 200);
        // The permission is checked before the parameters: no hint about them without it.
        for bad in ["format=xlsx", "months=0", "currency=XXX"] {
            let r = t.request("GET", &format!("/api/v1/reports/{name}?{bad}"), Some(&support), None).await;
            r.assert_problem(403);
        }
    }
}

/// Signs in for pages (cookie session) and returns the Cookie header value.
pub async fn page_cookie(t: &TestApp, email: &str) -> String {
    let http = reqwest::Client::new();
    let r = http
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

/// `GET` a page with a cookie: (status, body).
pub async fn page(t: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let r = reqwest::Client::new().get(format!("{}{path}", t.base)).header("cookie", cookie).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// `GET` a report as CSV: (status, content type, disposition, cache-control, body).
pub async fn csv(t: &TestApp, token: &str, path: &str) -> (u16, String, String, String, String) {
    let r = reqwest::Client::new().get(format!("{}{path}", t.base)).bearer_auth(token).send().await.expect("get");
    let h = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (ct, cd, cc) = (h("content-type"), h("content-disposition"), h("cache-control"));
    (r.status().as_u16(), ct, cd, cc, r.text().await.expect("body"))
}

#[tokio::test]
async fn csv_has_a_header_row_quotes_per_rfc_4180_and_neutralises_formulas() {
    let t = spawn_app().await;
    let (_, rep) = member(&t, "r@test.example", "sales_rep", "@Evil \"Rep\"", None).await;
    let (pipe, st) = pipeline(&t, "CSV", &[("=1+1", 20), ("Won, \"finally\"", 60), ("-minus", 80)]).await;
    let c = s(&ok(&t, "POST", "/api/v1/customers", &rep, json!({"name": "C"})).await["id"]);
    deal(&t, &rep, &c, &st[1], "1234.50", None).await;
    let d = deal(&t, &rep, &c, &st[2], "10.00", None).await;
    close(&t, &rep, &d, "lost").await;

    let (status, ct, cd, cc, body) =
        csv(&t, &rep, &format!("/api/v1/reports/pipeline-value?pipeline_id={pipe}&format=csv")).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "text/csv; charset=utf-8");
    assert_eq!(cd, "attachment; filename=\"pipeline-value.csv\"");
    assert_eq!(cc, "no-store");
    assert_eq!(
        body,
        "stage,probability,deals,amount,weighted,currency\r\n\
         '=1+1,20,0,0.00,0.00,CNY\r\n\
         \"Won, \"\"finally\"\"\",60,1,1234.50,740.70,CNY\r\n\
         '-minus,80,0,0.00,0.00,CNY\r\n"
    );
    let (_, _, cd, _, body) = csv(&t, &rep, "/api/v1/reports/win-rate?format=csv").await;
    assert_eq!(cd, "attachment; filename=\"win-rate.csv\"");
    let lines: Vec<&str> = body.split("\r\n").collect();
    assert_eq!(lines[0], "owner_id,owner,won,lost,win_rate,avg_cycle_days");
    assert!(lines[1].ends_with(",\"'@Evil \"\"Rep\"\"\",0,1,0,"), "{body}");
    assert_eq!(lines.len(), 3, "one person and the final CRLF: {body:?}");
    for (name, header) in [
        ("forecast", "month,deals,amount,weighted,won_deals,won,currency"),
        ("funnel", "step,count"),
        ("new-customers", "period_start,count"),
    ] {
        let (status, ct, _, _, body) = csv(&t, &rep, &format!("/api/v1/reports/{name}?format=csv")).await;
        assert_eq!((status, ct.as_str()), (200, "text/csv; charset=utf-8"));
        assert!(body.starts_with(&format!("{header}\r\n")) && body.ends_with("\r\n"), "{name}: {body:?}");
    }
    let (_, _, _, _, body) = csv(&t, &rep, "/api/v1/reports/funnel?format=csv").await;
    assert_eq!(
        body,
        "step,count\r\nleads,0\r\ncontacted,0\r\nqualified,0\r\nconverted,0\r\nwith_deal,0\r\ndeal_won,0\r\n"
    );
}

#[tokio::test]
async fn viewing_a_report_is_audited() {
    let t = spawn_app().await;
    assert_eq!(t.get("/api/v1/reports/funnel").await.status, 200);
    for _ in 0..50 {
        let ev = t.get("/api/v1/audit/events?action=report.view").await;
        if let Some(items) = ev.body["items"].as_array()
            && !items.is_empty()
        {
            assert_eq!(
                (items[0]["resource"].as_str(), items[0]["record_id"].as_str()),
                (Some("report"), Some("funnel"))
            );
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no report.view event");
}
