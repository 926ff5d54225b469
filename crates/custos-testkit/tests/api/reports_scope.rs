//! Record scope of the reports: on the known data set of `reports.rs`, each rep's figures
//! count only their own records, the East manager's only the team's, the admin's all — in
//! JSON, in CSV and on the dashboard page — on every backend.

use crate::reports::{csv, forecast_rows, funnel, months, page, page_cookie, people, s, world};
use custos_testkit::{backends, spawn_app_on};

/// What one person must see.
struct Expected<'a> {
    who: &'a str,
    token: &'a str,
    email: &'a str,
    /// Pipeline value: open deals, amount, weighted.
    value: (i64, &'a str, &'a str),
    /// Forecast: open (deals, amount, weighted) this month and the next two; won (deals, amount).
    open: [(i64, &'a str, &'a str); 3],
    won: (i64, &'a str),
    /// Win rate: (name, won, lost, rate, average days).
    people: Vec<(String, i64, i64, f64, f64)>,
    /// Funnel: leads, contacted, qualified, converted, with a deal, deal won.
    funnel: [i64; 6],
    new_customers: i64,
}

/// CN¥ with thousands grouping, for amounts below a million.
fn cny(a: &str) -> String {
    let (int, frac) = a.split_once('.').unwrap();
    let n: i64 = int.parse().unwrap();
    format!("CN¥{}.{frac}", if n >= 1000 { format!("{},{:03}", n / 1000, n % 1000) } else { n.to_string() })
}

#[tokio::test]
async fn each_person_sees_only_their_scope_in_json_csv_and_the_dashboard() {
    for b in backends() {
        let w = world(spawn_app_on(b).await).await;
        let t = &w.t;
        let pv_q = format!("pipeline_id={}", w.pipeline);
        let alice = || ("Alice".to_string(), 1, 1, 0.5, 10.0);
        let bob = || ("Bob".to_string(), 2, 0, 1.0, 10.0);
        let own_a = [(0, "0.00", "0.00"), (1, "1000.00", "100.00"), (1, "2000.00", "1000.00")];
        let cases = [
            Expected {
                who: "rep A",
                token: &w.rep_a,
                email: "a@test.example",
                value: (2, "3000.00", "1100.00"),
                open: own_a,
                won: (1, "3000.00"),
                people: vec![alice()],
                funnel: [2, 1, 0, 0, 0, 0],
                new_customers: 1,
            },
            Expected {
                who: "rep B",
                token: &w.rep_b,
                email: "b@test.example",
                value: (1, "5000.00", "2500.00"),
                open: [(0, "0.00", "0.00"), (1, "5000.00", "2500.00"), (0, "0.00", "0.00")],
                won: (2, "6700.00"),
                people: vec![bob()],
                funnel: [2, 2, 2, 1, 1, 1],
                new_customers: 2,
            },
            Expected {
                who: "manager of East",
                token: &w.manager,
                email: "m@test.example",
                value: (2, "3000.00", "1100.00"),
                open: own_a,
                won: (1, "3000.00"),
                people: vec![alice()],
                funnel: [2, 1, 0, 0, 0, 0],
                new_customers: 1,
            },
            Expected {
                who: "admin",
                token: &t.admin_token,
                email: "admin@test.example",
                value: (3, "8000.00", "3600.00"),
                open: [(0, "0.00", "0.00"), (2, "6000.00", "2600.00"), (1, "2000.00", "1000.00")],
                won: (3, "9700.00"),
                people: vec![alice(), bob()],
                funnel: [4, 3, 2, 1, 1, 1],
                new_customers: 3,
            },
        ];
        for e in cases {
            let (who, token) = (e.who, e.token);
            let (n, amount, weighted) = e.value;
            let pv = w.report(token, "pipeline-value", &pv_q).await;
            assert_eq!(
                (pv["deals"].as_i64(), s(&pv["amount"]), s(&pv["weighted"])),
                (Some(n), amount.into(), weighted.into()),
                "{who}: {pv}"
            );
            let fc = w.report(token, "forecast", &w.months()).await;
            assert_eq!(months(&fc), forecast_rows(&w, e.open, e.won), "{who}: {fc}");
            assert_eq!(people(&w.report(token, "win-rate", &w.range()).await), e.people, "{who}");
            assert_eq!(funnel(&w.report(token, "funnel", &w.range()).await), e.funnel, "{who}");
            assert_eq!(w.report(token, "new-customers", &w.range()).await["total"], e.new_customers, "{who}");
            let sees = |name: &str| e.people.iter().any(|p| p.0 == name);

            // CSV: the same figures.
            let (_, _, _, _, body) = csv(t, token, &format!("/api/v1/reports/pipeline-value?{pv_q}&format=csv")).await;
            let propose_deals = if who == "admin" { 2 } else { 1 };
            assert!(body.contains(&format!("\r\nPropose,50,{propose_deals},")), "{who}: {body}");
            let (_, _, _, _, body) = csv(t, token, &format!("/api/v1/reports/win-rate?{}&format=csv", w.range())).await;
            assert_eq!(body.contains(",Bob,"), sees("Bob"), "{who}: {body}");
            assert_eq!(body.contains(",Alice,"), sees("Alice"), "{who}: {body}");
            let (_, _, _, _, body) = csv(t, token, &format!("/api/v1/reports/funnel?{}&format=csv", w.range())).await;
            assert!(body.contains(&format!("\r\nleads,{}\r\n", e.funnel[0])), "{who}: {body}");

            // The dashboard page, in English, for the same pipeline.
            let cookie = page_cookie(t, e.email).await;
            let (status, html) = page(t, &cookie, &format!("/dashboard?pipeline_id={}&months=3", w.pipeline)).await;
            assert_eq!(status, 200, "{who}: {html}");
            assert_eq!(html.matches("<svg ").count(), 5, "{who}: five charts");
            let summary = format!("Open deals: {n} · {} · weighted {}", cny(amount), cny(weighted));
            assert!(html.contains(&summary), "{who}: expected {summary:?} in the dashboard");
            assert_eq!(html.contains("Bob"), sees("Bob"), "{who}: Bob on the page");
            assert_eq!(html.contains("CN¥5,000.00"), who == "rep B", "{who}: B's open deal alone");
            assert!(html.contains(&format!("Leads created: {}", e.funnel[0])), "{who}");
        }
    }
}
