//! Report aggregates at the store level, on every backend: exact figures over a small known
//! data set, restricted by record scope (own, team, all), and — on SQLite — query plans that
//! use the sales indexes rather than scanning the deals table.

use custos_store::{BucketSumRow, FunnelRow, OpenDealsRow, Visibility, WinRateRow};
use custos_testkit::{Backend, TestDb, backends};
use sqlx::{AnyPool, Row};

/// 2026-03-01T00:00:00Z in unix microseconds.
const MAR: i64 = 1_772_323_200_000_000;
const DAY: i64 = 86_400_000_000;
/// 2026-04-01 and 2026-05-01.
const APR: i64 = MAR + 31 * DAY;
const MAY: i64 = APR + 30 * DAY;

const REP_A: &str = "00000000-0000-7000-8000-00000000000a";
const REP_B: &str = "00000000-0000-7000-8000-00000000000b";
const MANAGER: &str = "00000000-0000-7000-8000-00000000000c";
const EAST: &str = "00000000-0000-7000-8000-0000000000e1";

async fn exec(pool: &AnyPool, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

struct Deal<'a> {
    id: &'a str,
    owner: &'a str,
    customer: &'a str,
    pipeline: &'a str,
    stage: &'a str,
    amount: i64,
    currency: &'a str,
    status: &'a str,
    expected: Option<&'a str>,
    created: i64,
    closed: Option<i64>,
}

async fn insert_deal(pool: &AnyPool, d: &Deal<'_>) {
    sqlx::query(
        "INSERT INTO deals (id, title, title_search, customer_id, pipeline_id, stage_id, amount_minor, currency, \
         expected_close, owner_id, team_id, status, closed_at, stage_entered_at, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12, $13, $14, $15, 1)",
    )
    .bind(d.id)
    .bind(format!("Deal {}", d.id))
    .bind(format!("deal {}", d.id))
    .bind(d.customer)
    .bind(d.pipeline)
    .bind(d.stage)
    .bind(d.amount)
    .bind(d.currency)
    .bind(d.expected)
    .bind(d.owner)
    .bind(d.status)
    .bind(d.closed)
    .bind(d.created)
    .bind(d.created)
    .bind(d.closed.unwrap_or(d.created))
    .execute(pool)
    .await
    .expect("insert deal");
}

async fn insert_lead(pool: &AnyPool, id: &str, owner: &str, status: &str, deal: Option<&str>, created: i64) {
    sqlx::query(
        "INSERT INTO leads (id, name, name_search, source, status, owner_id, deal_id, created_at, updated_at, version) \
         VALUES ($1, $2, $3, 'web', $4, $5, $6, $7, $8, 1)",
    )
    .bind(id)
    .bind(format!("Lead {id}"))
    .bind(format!("lead {id}"))
    .bind(status)
    .bind(owner)
    .bind(deal)
    .bind(created)
    .bind(created)
    .execute(pool)
    .await
    .expect("insert lead");
}

async fn insert_customer(pool: &AnyPool, id: &str, owner: &str, created: i64) {
    sqlx::query(
        "INSERT INTO customers (id, name, name_search, kind, status, owner_id, tags, created_at, updated_at, version) \
         VALUES ($1, $2, $3, 'organization', 'customer', $4, '', $5, $6, 1)",
    )
    .bind(id)
    .bind(format!("Customer {id}"))
    .bind(format!("customer {id}"))
    .bind(owner)
    .bind(created)
    .bind(created)
    .execute(pool)
    .await
    .expect("insert customer");
}

/// Two reps (A in team East with the manager, B alone), their customers, deals and leads.
async fn seed(db: &TestDb) -> AnyPool {
    let pool = AnyPool::connect(&db.url).await.expect("second connection");
    exec(&pool, &format!("INSERT INTO teams (id, name, created_at) VALUES ('{EAST}', 'East', 0)")).await;
    for (id, name, team) in [(REP_A, "Alice", Some(EAST)), (REP_B, "Bob <b>", None), (MANAGER, "Mia", Some(EAST))] {
        sqlx::query(
            "INSERT INTO users (id, email, display_name, role, team_id, status, password_hash, created_at, updated_at, version) \
             VALUES ($1, $2, $3, 'sales_rep', $4, 'active', 'x', 0, 0, 1)",
        )
        .bind(id)
        .bind(format!("{}@test.example", &id[30..]))
        .bind(name)
        .bind(team)
        .execute(&pool)
        .await
        .expect("insert user");
    }
    // Customers: A has two (February and March), B one (March), one ownerless (April).
    insert_customer(&pool, "ca", REP_A, MAR - 10 * DAY).await;
    insert_customer(&pool, "ca2", REP_A, MAR + 2 * DAY).await;
    insert_customer(&pool, "cb", REP_B, MAR + 5 * DAY).await;
    sqlx::query(
        "INSERT INTO customers (id, name, name_search, kind, status, tags, created_at, updated_at, version) \
         VALUES ('cx', 'X', 'x', 'organization', 'customer', '', $1, $1, 1)",
    )
    .bind(APR + DAY)
    .execute(&pool)
    .await
    .expect("ownerless customer");
    exec(&pool, "INSERT INTO pipelines (id, name, position, created_at, updated_at, version) VALUES ('p', 'Main', 1, 0, 0, 1), ('q', 'Other', 2, 0, 0, 1)").await;
    exec(
        &pool,
        "INSERT INTO pipeline_stages (id, pipeline_id, name, position, probability) VALUES \
         ('s1', 'p', 'Qualify', 1, 10), ('s2', 'p', 'Propose', 2, 50), ('s3', 'p', 'Negotiate', 3, 90), ('q1', 'q', 'Only', 1, 20)",
    )
    .await;
    let open = |id, owner, customer, stage, amount, currency, expected| Deal {
        id,
        owner,
        customer,
        pipeline: "p",
        stage,
        amount,
        currency,
        status: "open",
        expected,
        created: MAR - 20 * DAY,
        closed: None,
    };
    for d in [
        open("d1", REP_A, "ca", "s1", 100_000, "CNY", Some("2026-03-15")),
        open("d2", REP_A, "ca", "s2", 200_000, "CNY", Some("2026-04-01")),
        open("d3", REP_B, "cb", "s2", 500_000, "CNY", Some("2026-03-31")),
        open("d4", REP_B, "cb", "s3", 70_000, "USD", Some("2026-03-10")),
        open("d9", REP_A, "ca", "s3", 999_999, "CNY", None),
        Deal { pipeline: "q", ..open("d8", REP_B, "cb", "q1", 10_000, "CNY", Some("2026-03-01")) },
        Deal {
            status: "won",
            created: MAR - 26 * DAY,
            closed: Some(MAR + 4 * DAY),
            ..open("d5", REP_A, "ca", "s3", 300_000, "CNY", None)
        },
        Deal { status: "lost", closed: Some(MAR + 19 * DAY), ..open("d6", REP_A, "ca", "s2", 50_000, "CNY", None) },
        Deal {
            status: "won",
            created: MAR,
            closed: Some(APR + DAY),
            ..open("d7", REP_B, "cb", "s3", 400_000, "CNY", None)
        },
    ] {
        insert_deal(&pool, &d).await;
    }
    insert_lead(&pool, "l1", REP_A, "new", None, MAR).await;
    insert_lead(&pool, "l2", REP_A, "contacted", None, MAR).await;
    insert_lead(&pool, "l3", REP_A, "converted", Some("d5"), MAR).await;
    insert_lead(&pool, "l7", REP_A, "disqualified", None, MAR).await;
    insert_lead(&pool, "l8", REP_A, "converted", Some("d5"), MAR - 40 * DAY).await;
    insert_lead(&pool, "l4", REP_B, "qualified", None, MAR + DAY).await;
    insert_lead(&pool, "l5", REP_B, "converted", Some("d7"), MAR + DAY).await;
    insert_lead(&pool, "l6", REP_B, "converted", Some("d3"), MAR + DAY).await;
    insert_lead(&pool, "l9", REP_B, "converted", None, MAR + DAY).await;
    pool
}

fn own(u: &str) -> Visibility {
    Visibility::Own { user_id: u.into() }
}

fn team() -> Visibility {
    Visibility::Team { user_id: MANAGER.into(), team_id: Some(EAST.into()) }
}

async fn check(backend: Backend) {
    let db = TestDb::new(backend).await;
    let _pool = seed(&db).await;
    let s = &db.store;

    let pipelines = s.report_pipelines().await.unwrap();
    assert_eq!(pipelines.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Main", "Other"]);

    // Stages in board order, of one pipeline or of all.
    let names =
        |rows: Vec<custos_store::ReportStageRow>| rows.into_iter().map(|r| (r.name, r.probability)).collect::<Vec<_>>();
    assert_eq!(
        names(s.report_stages(Some("p")).await.unwrap()),
        [("Qualify".into(), 10), ("Propose".into(), 50), ("Negotiate".into(), 90)]
    );
    assert_eq!(s.report_stages(None).await.unwrap().len(), 4);

    // Open deals per stage and expected close day, in one currency.
    let cell = |stage: &str, day: Option<&str>, n, amount| OpenDealsRow {
        stage_id: stage.into(),
        expected_close: day.map(str::to_string),
        deals: n,
        amount_minor: amount,
    };
    let sorted = |mut rows: Vec<OpenDealsRow>| {
        rows.sort_by(|a, b| (&a.stage_id, &a.expected_close).cmp(&(&b.stage_id, &b.expected_close)));
        rows
    };
    let all = sorted(s.report_open_deals(&Visibility::All, Some("p"), "CNY", true, None).await.unwrap());
    assert_eq!(
        all,
        [
            cell("s1", Some("2026-03-15"), 1, 100_000),
            cell("s2", Some("2026-03-31"), 1, 500_000),
            cell("s2", Some("2026-04-01"), 1, 200_000),
            cell("s3", None, 1, 999_999),
        ]
    );
    let a = sorted(s.report_open_deals(&own(REP_A), Some("p"), "CNY", true, None).await.unwrap());
    assert_eq!(
        a,
        [
            cell("s1", Some("2026-03-15"), 1, 100_000),
            cell("s2", Some("2026-04-01"), 1, 200_000),
            cell("s3", None, 1, 999_999)
        ]
    );
    let b = sorted(s.report_open_deals(&own(REP_B), Some("p"), "CNY", true, None).await.unwrap());
    assert_eq!(b, [cell("s2", Some("2026-03-31"), 1, 500_000)]);
    assert_eq!(
        sorted(s.report_open_deals(&team(), Some("p"), "CNY", true, None).await.unwrap()),
        a,
        "the manager sees team East"
    );
    let usd = s.report_open_deals(&Visibility::All, Some("p"), "USD", true, None).await.unwrap();
    assert_eq!(usd, [cell("s3", Some("2026-03-10"), 1, 70_000)]);
    assert!(s.report_open_deals(&Visibility::All, Some("nope"), "CNY", true, None).await.unwrap().is_empty());
    // Per stage only (the pipeline value alone).
    let per_stage = sorted(s.report_open_deals(&Visibility::All, Some("p"), "CNY", false, None).await.unwrap());
    assert_eq!(per_stage, [cell("s1", None, 1, 100_000), cell("s2", None, 2, 700_000), cell("s3", None, 1, 999_999)]);
    // Every pipeline, expected in March only.
    let march = sorted(
        s.report_open_deals(&Visibility::All, None, "CNY", true, Some(("2026-03-01", "2026-04-01"))).await.unwrap(),
    );
    assert_eq!(
        march,
        [
            cell("q1", Some("2026-03-01"), 1, 10_000),
            cell("s1", Some("2026-03-15"), 1, 100_000),
            cell("s2", Some("2026-03-31"), 1, 500_000)
        ]
    );

    // Won per month bucket (March, April).
    let won = s.report_won_by_bucket(&Visibility::All, None, "CNY", &[MAR, APR, MAY]).await.unwrap();
    let bucket = |b, n, a| BucketSumRow { bucket: b, count: n, amount_minor: a };
    assert_eq!(won, [bucket(0, 1, 300_000), bucket(1, 1, 400_000)]);
    assert_eq!(
        s.report_won_by_bucket(&own(REP_B), None, "CNY", &[MAR, APR, MAY]).await.unwrap(),
        [bucket(1, 1, 400_000)]
    );
    assert_eq!(
        s.report_won_by_bucket(&team(), Some("p"), "CNY", &[MAR, APR, MAY]).await.unwrap(),
        [bucket(0, 1, 300_000)]
    );
    assert!(s.report_won_by_bucket(&Visibility::All, Some("q"), "CNY", &[MAR, APR, MAY]).await.unwrap().is_empty());

    // Win rate per owner, closed in March–April: A won 1 (30-day cycle) and lost 1; B won 1 (32 days).
    let mut wr = s.report_win_rate(&Visibility::All, None, MAR, MAY).await.unwrap();
    wr.sort_by(|a, b| a.owner_name.cmp(&b.owner_name));
    let short =
        |r: &WinRateRow| (r.owner_name.clone().unwrap_or_default(), r.won, r.lost, r.won_cycle_seconds / 86_400);
    assert_eq!(wr.iter().map(short).collect::<Vec<_>>(), [("Alice".into(), 1, 1, 30), ("Bob <b>".into(), 1, 0, 32)]);
    assert_eq!(wr[0].owner_id.as_deref(), Some(REP_A));
    let wr = s.report_win_rate(&own(REP_B), None, MAR, MAY).await.unwrap();
    assert_eq!(wr.iter().map(short).collect::<Vec<_>>(), [("Bob <b>".into(), 1, 0, 32)]);
    let wr = s.report_win_rate(&team(), None, MAR, APR).await.unwrap();
    assert_eq!(wr.iter().map(short).collect::<Vec<_>>(), [("Alice".into(), 1, 1, 30)]);

    // Lead funnel, leads created in March.
    let fun = |total, contacted, qualified, converted, with_deal, deal_won| FunnelRow {
        total,
        contacted,
        qualified,
        converted,
        with_deal,
        deal_won,
    };
    assert_eq!(s.report_lead_funnel(&Visibility::All, MAR, APR).await.unwrap(), fun(8, 6, 5, 4, 3, 2));
    assert_eq!(s.report_lead_funnel(&own(REP_A), MAR, APR).await.unwrap(), fun(4, 2, 1, 1, 1, 1));
    assert_eq!(s.report_lead_funnel(&own(REP_B), MAR, APR).await.unwrap(), fun(4, 4, 4, 3, 2, 1));
    assert_eq!(s.report_lead_funnel(&team(), MAR, APR).await.unwrap(), fun(4, 2, 1, 1, 1, 1));
    assert_eq!(s.report_lead_funnel(&own(REP_A), MAY, MAY + DAY).await.unwrap(), FunnelRow::default());

    // New customers per month (February, March, April) and per week.
    let feb = MAR - 28 * DAY;
    let nc = s.report_new_customers(&Visibility::All, &[feb, MAR, APR, MAY], None).await.unwrap();
    assert_eq!(nc, [bucket(0, 1, 0), bucket(1, 2, 0), bucket(2, 1, 0)]);
    let nc = s.report_new_customers(&own(REP_A), &[feb, MAR, APR, MAY], None).await.unwrap();
    assert_eq!(nc, [bucket(0, 1, 0), bucket(1, 1, 0)]);
    let weeks: Vec<i64> = (0..=4).map(|w| MAR + w * 7 * DAY).collect();
    let nc = s.report_new_customers(&Visibility::All, &weeks, Some(7 * DAY)).await.unwrap();
    assert_eq!(nc, [bucket(0, 2, 0)]);
    assert_eq!(s.report_new_customers(&team(), &weeks, Some(7 * DAY)).await.unwrap(), [bucket(0, 1, 0)]);
}

#[tokio::test]
async fn report_aggregates_are_exact_and_scoped_on_every_backend() {
    for b in backends() {
        check(b).await;
    }
}

/// The plan of `sql` on SQLite, one line per step. The statements below mirror the store's
/// report queries (with the values inlined).
async fn plan(pool: &AnyPool, sql: &str) -> String {
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"))).fetch_all(pool).await.expect("plan");
    rows.iter().map(|r| r.try_get::<String, _>("detail").unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn report_queries_use_the_sales_indexes_on_sqlite() {
    let db = TestDb::new(Backend::Sqlite).await;
    let pool = seed(&db).await;
    let scope = format!(
        " AND (deals.owner_id = '{REP_A}' OR EXISTS (SELECT 1 FROM customer_shares s WHERE s.customer_id = deals.customer_id AND s.user_id = '{REP_A}'))"
    );
    let cases = [
        (
            format!(
                "SELECT deals.stage_id, deals.expected_close, COUNT(*), SUM(amount_minor) FROM deals WHERE deals.status = 'open' AND deals.pipeline_id = 'p' AND deals.currency = 'CNY'{scope} GROUP BY deals.stage_id, deals.expected_close"
            ),
            "COVERING INDEX deals_open_value",
        ),
        (
            format!(
                "SELECT deals.stage_id, COUNT(*), SUM(amount_minor) FROM deals WHERE deals.status = 'open' AND deals.pipeline_id = 'p' AND deals.currency = 'CNY'{scope} GROUP BY deals.stage_id"
            ),
            "COVERING INDEX deals_open_value",
        ),
        (
            format!(
                "SELECT deals.stage_id, deals.expected_close, COUNT(*) FROM deals WHERE deals.status = 'open' AND deals.expected_close >= '2026-03-01' AND deals.expected_close < '2026-05-01' AND deals.currency = 'CNY'{scope} GROUP BY deals.stage_id, deals.expected_close"
            ),
            "deals_close",
        ),
        (
            format!(
                "SELECT COUNT(*) FROM deals WHERE deals.status = 'won' AND deals.closed_at >= {MAR} AND deals.closed_at < {MAY}{scope}"
            ),
            "COVERING INDEX deals_closed",
        ),
        (
            format!(
                "SELECT deals.owner_id, SUM(CASE WHEN deals.status = 'won' THEN (deals.closed_at - deals.created_at) / 1000000 ELSE 0 END) FROM deals WHERE deals.status IN ('won', 'lost') AND deals.closed_at >= {MAR} AND deals.closed_at < {MAY} AND deals.pipeline_id = 'p'{scope} GROUP BY deals.owner_id"
            ),
            "COVERING INDEX deals_closed",
        ),
        (
            format!(
                "SELECT COUNT(*) FROM leads WHERE leads.created_at >= {MAR} AND leads.created_at < {APR} AND (leads.owner_id = '{REP_A}')"
            ),
            "leads_",
        ),
        (
            format!(
                "SELECT COUNT(*) FROM customers WHERE customers.created_at >= {MAR} AND customers.created_at < {APR}"
            ),
            "customers_created",
        ),
    ];
    for (sql, index) in cases {
        let p = plan(&pool, &sql).await;
        assert!(p.contains(index), "expected {index} in the plan of {sql}:\n{p}");
        assert!(!p.lines().any(|l| l.trim() == "SCAN deals"), "full scan of deals in {sql}:\n{p}");
    }
}
