//! Store conformance: the same body runs against every backend in `backends()` (SQLite always,
//! PostgreSQL when `CUSTOS_TEST_POSTGRES_URL` is set) and asserts exact values, so that the one
//! SQL text behaves identically on both engines.

use custos_store::{
    ApiTokenRow, ContactRow, CustomerFilter, CustomerRow, CustomerSort, MIGRATIONS, Page, Sealed, SessionRow, SortKey,
    Store, StoreError, TeamRow, UserRow,
};
use custos_testkit::{Backend, TestDb, backends, postgres_url};
use sqlx::{Connection, Row};
use std::sync::Arc;

// ---------------------------------------------------------------------------------------------
// Row builders
// ---------------------------------------------------------------------------------------------

/// A fixed base time (unix microseconds) so that every expected value is exact.
const T: i64 = 1_700_000_000_000_000;

fn s(v: &str) -> String {
    v.to_string()
}

fn sealed(ct: &[u8], bidx: Option<&[u8]>) -> Sealed {
    Sealed { ct: Some(ct.to_vec()), bidx: bidx.map(<[u8]>::to_vec) }
}

fn team(id: &str, name: &str) -> TeamRow {
    TeamRow { id: s(id), name: s(name), created_at: T }
}

fn user(id: &str, email: &str) -> UserRow {
    UserRow {
        id: s(id),
        email: s(email),
        display_name: format!("User {id}"),
        role: s("staff"),
        team_id: None,
        status: s("active"),
        password_hash: s("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"),
        created_at: T,
        updated_at: T + 1,
        last_login_at: None,
        version: 1,
    }
}

/// A minimal customer: no sealed fields, no tags, version 1.
fn customer(id: &str, name: &str, created_at: i64, updated_at: i64) -> CustomerRow {
    CustomerRow {
        id: s(id),
        name: s(name),
        kind: s("organization"),
        status: s("active"),
        created_at,
        updated_at,
        version: 1,
        ..CustomerRow::default()
    }
}

/// A customer with every column set, sealed bytes that are not UTF-8, and unsorted tags.
fn full_customer(id: &str, owner: Option<&str>, team: Option<&str>) -> CustomerRow {
    CustomerRow {
        id: s(id),
        name: s("杭州云栖科技 Ünïcode & Co. 'quoted' \"x\""),
        kind: s("organization"),
        industry: Some(s("软件")),
        tier: Some(s("A")),
        status: s("prospect"),
        owner_id: owner.map(s),
        team_id: team.map(s),
        tags: vec![s("zeta"), s("alpha"), s("重点客户")],
        source: Some(s("展会 trade show")),
        email: sealed(b"\x00email-ct\xff\xfe", Some(b"\x01email-bidx\x00")),
        mobile: sealed(b"mobile-ct", Some(b"mobile-bidx")),
        phone: sealed(b"phone-ct", None),
        address: Some(b"address-ct\x80".to_vec()),
        birthday: Some(b"birthday-ct".to_vec()),
        national_id: sealed(b"nid-ct", Some(b"nid-bidx")),
        bank_account: sealed(b"bank-ct", Some(b"bank-bidx")),
        notes: Some(b"notes-ct".to_vec()),
        created_at: T,
        updated_at: T + 7,
        version: 1,
    }
}

fn contact(id: &str, customer_id: &str, created_at: i64) -> ContactRow {
    ContactRow {
        id: s(id),
        customer_id: s(customer_id),
        name: format!("联系人 {id}"),
        title: Some(s("CFO")),
        email: sealed(b"c-email\x00", Some(b"c-email-bidx")),
        mobile: sealed(b"c-mobile", None),
        phone: Sealed::default(),
        address: Some(b"c-address".to_vec()),
        notes: None,
        created_at,
        updated_at: created_at + 1,
        version: 1,
    }
}

fn session(id: &str, user_id: &str, hash: &[u8], expires_at: i64) -> SessionRow {
    SessionRow {
        id: s(id),
        token_hash: hash.to_vec(),
        user_id: s(user_id),
        kind: s("web"),
        created_at: T,
        last_seen_at: T,
        expires_at,
        user_agent: Some(s("Mozilla/5.0 (测试)")),
        ip: Some(s("203.0.113.7")),
        revoked_at: None,
        state: s("active"),
        mfa_at: Some(T + 5),
    }
}

fn api_token(id: &str, user_id: &str, hash: &[u8]) -> ApiTokenRow {
    ApiTokenRow {
        id: s(id),
        token_hash: hash.to_vec(),
        user_id: s(user_id),
        name: s("CI token"),
        created_at: T,
        expires_at: Some(T + 1_000_000),
        last_used_at: None,
        revoked_at: None,
        scopes: s("customer.read,customer.update"),
        cidrs: s("10.0.0.0/8"),
    }
}

fn filter(sort: CustomerSort, limit: u32) -> CustomerFilter {
    CustomerFilter { sort, limit, ..CustomerFilter::default() }
}

const ALL_SORTS: [CustomerSort; 6] = [
    CustomerSort::NameAsc,
    CustomerSort::NameDesc,
    CustomerSort::CreatedAsc,
    CustomerSort::CreatedDesc,
    CustomerSort::UpdatedAsc,
    CustomerSort::UpdatedDesc,
];

/// The keyset position a page should report after `row`.
fn expected_key(row: &CustomerRow, sort: CustomerSort) -> (SortKey, String) {
    let key = match sort {
        CustomerSort::NameAsc | CustomerSort::NameDesc => SortKey::Text(row.name.to_lowercase()),
        CustomerSort::CreatedAsc | CustomerSort::CreatedDesc => SortKey::Int(row.created_at),
        CustomerSort::UpdatedAsc | CustomerSort::UpdatedDesc => SortKey::Int(row.updated_at),
    };
    (key, row.id.clone())
}

// ---------------------------------------------------------------------------------------------
// Store helpers
// ---------------------------------------------------------------------------------------------

/// Inserts rows in one committed transaction.
async fn seed_customers(store: &Store, rows: &[CustomerRow]) {
    let mut tx = store.begin_write().await.expect("begin");
    for r in rows {
        tx.insert_customer(r).await.expect("insert customer");
    }
    tx.commit().await.expect("commit");
}

async fn seed_users(store: &Store, rows: &[UserRow]) {
    let mut tx = store.begin_write().await.expect("begin");
    for u in rows {
        tx.insert_user(u).await.expect("insert user");
    }
    tx.commit().await.expect("commit");
}

async fn seed_contacts(store: &Store, rows: &[ContactRow]) {
    let mut tx = store.begin_write().await.expect("begin");
    for c in rows {
        tx.insert_contact(c).await.expect("insert contact");
    }
    tx.commit().await.expect("commit");
}

/// One transaction: insert, then commit only if the insert worked.
async fn try_insert_customer(store: &Store, row: &CustomerRow) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    tx.insert_customer(row).await?;
    tx.commit().await
}

async fn try_update_customer(store: &Store, row: &CustomerRow, expected_version: i64) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    tx.update_customer(row, expected_version).await?;
    tx.commit().await
}

async fn try_delete_customer(store: &Store, id: &str, expected_version: Option<i64>) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    tx.delete_customer(id, expected_version).await?;
    tx.commit().await
}

async fn try_insert_contact(store: &Store, row: &ContactRow) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    tx.insert_contact(row).await?;
    tx.commit().await
}

async fn try_update_contact(store: &Store, row: &ContactRow, expected_version: i64) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    tx.update_contact(row, expected_version).await?;
    tx.commit().await
}

async fn try_delete_contact(store: &Store, id: &str, expected_version: Option<i64>) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    tx.delete_contact(id, expected_version).await?;
    tx.commit().await
}

async fn try_insert_user(store: &Store, row: &UserRow) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    tx.insert_user(row).await?;
    tx.commit().await
}

async fn try_insert_team(store: &Store, row: &TeamRow) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    tx.insert_team(row).await?;
    tx.commit().await
}

async fn try_insert_session(store: &Store, row: &SessionRow) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    tx.insert_session(row).await?;
    tx.commit().await
}

async fn try_insert_token(store: &Store, row: &ApiTokenRow) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    tx.insert_api_token(row).await?;
    tx.commit().await
}

/// Walks every page of `base` (its `after` is overwritten) and checks each page's shape:
/// a full page reports `next` = key of its last row, the last page reports `None`.
async fn list_all(store: &Store, base: &CustomerFilter, backend: Backend) -> Vec<CustomerRow> {
    let limit = base.limit.clamp(1, 500) as usize;
    let mut out: Vec<CustomerRow> = Vec::new();
    let mut after = None;
    for _ in 0..10_000 {
        let f = CustomerFilter { after: after.clone(), ..base.clone() };
        let page: Page<CustomerRow> = store.list_customers(&f).await.expect("list customers");
        assert!(
            page.items.len() <= limit,
            "{backend:?} {:?}: page of {} rows exceeds limit {limit}",
            base.sort,
            page.items.len()
        );
        out.extend(page.items.iter().cloned());
        match page.next {
            Some(next) => {
                assert_eq!(page.items.len(), limit, "{backend:?} {:?}: a page with a next key must be full", base.sort);
                let last = page.items.last().expect("non-empty page");
                assert_eq!(
                    next,
                    expected_key(last, base.sort),
                    "{backend:?} {:?}: next key must be the last row's key",
                    base.sort
                );
                after = Some(next);
            }
            None => return out,
        }
    }
    panic!("{backend:?}: pagination did not terminate");
}

fn ids(rows: &[CustomerRow]) -> Vec<&str> {
    rows.iter().map(|r| r.id.as_str()).collect()
}

/// Runs one scalar query with one text argument on a separate raw connection.
async fn raw_i64(url: &str, sql: &'static str, arg: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("raw connect");
    let row = sqlx::query(sql).bind(arg.to_string()).fetch_one(&mut conn).await.expect("raw query");
    let n: i64 = row.try_get(0).expect("raw scalar");
    let _ = conn.close().await;
    n
}

async fn raw_exec(url: &str, sql: &'static str) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("raw connect");
    sqlx::query(sql).execute(&mut conn).await.expect("raw exec");
    let _ = conn.close().await;
}

/// The URL of an empty database that has never been migrated.
async fn empty_database_url(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("empty.db").display()),
        Backend::Postgres => {
            sqlx::any::install_default_drivers();
            let base = postgres_url().expect("CUSTOS_TEST_POSTGRES_URL");
            let name = format!("custos_conf_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::AnyConnection::connect(&base).await.expect("connect");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create database");
            let _ = conn.close().await;
            let (server, db) = base.rsplit_once('/').expect("URL ends with /DATABASE");
            let query = db.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
            format!("{server}/{name}{query}")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Migrations
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn migrations_apply_once_and_reopen() {
    let all_versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
    assert!(!all_versions.is_empty(), "there are migrations");
    assert!(all_versions.windows(2).all(|w| w[0] < w[1]), "versions strictly increase: {all_versions:?}");
    for backend in backends() {
        // A never-migrated database gets every migration, exactly once.
        let dir = tempfile::tempdir().unwrap();
        let url = empty_database_url(backend, dir.path()).await;
        let fresh = Store::open(&url).await.expect("open empty database");
        assert_eq!(fresh.migrate().await.unwrap(), all_versions, "{backend:?}");
        assert_eq!(fresh.migrate().await.unwrap(), Vec::<i64>::new(), "{backend:?}");
        fresh.close().await;

        // An already-migrated database: nothing to apply, any number of times.
        let db = TestDb::new(backend).await;
        for round in 0..3 {
            let applied = db.store.migrate().await.expect("re-migrate");
            assert_eq!(applied, Vec::<i64>::new(), "{backend:?} round {round}");
        }
        let recorded = raw_i64(&db.url, "SELECT COUNT(*) FROM custos_migrations WHERE name <> $1", "").await;
        assert_eq!(recorded, all_versions.len() as i64, "{backend:?}: one row per migration");

        // A second handle on the same database works and shares data with the first.
        let second = Store::open(&db.url).await.expect("second open");
        assert_eq!(second.migrate().await.unwrap(), Vec::<i64>::new(), "{backend:?}");
        second.ping().await.expect("ping");
        let c = customer("mig-1", "Second Handle", T, T);
        try_insert_customer(&second, &c).await.expect("insert via second");
        assert_eq!(
            db.store.get_customer("mig-1").await.unwrap(),
            Some(c),
            "{backend:?}: first handle sees the second's write"
        );
        second.close().await;

        // An edited migration is refused.
        raw_exec(&db.url, "UPDATE custos_migrations SET checksum = 'edited'").await;
        let r = db.store.migrate().await;
        assert!(matches!(r, Err(StoreError::Migration(_))), "{backend:?}: checksum mismatch must fail, got {r:?}");
    }
    let r = Store::open("mysql://localhost/custos").await;
    assert!(matches!(r, Err(StoreError::UnsupportedUrl)), "got {:?}", r.map(|_| ()));
}

// ---------------------------------------------------------------------------------------------
// Customers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn customer_round_trip_and_versioned_writes() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let mut tx = store.begin_write().await.unwrap();
        tx.insert_team(&team("t1", "Sales")).await.unwrap();
        tx.insert_user(&user("u1", "ada@example.com")).await.unwrap();
        tx.commit().await.unwrap();

        // Insert then get: every field, including sealed bytes and tag order.
        let full = full_customer("c1", Some("u1"), Some("t1"));
        try_insert_customer(store, &full).await.expect("insert");
        assert_eq!(store.get_customer("c1").await.unwrap(), Some(full.clone()), "{backend:?}");
        assert_eq!(store.get_customer("c-unknown").await.unwrap(), None, "{backend:?}");
        assert_eq!(store.get_customer("").await.unwrap(), None, "{backend:?}");

        // Byte and text edge cases: empty blobs, every byte value, empty strings, no tags.
        let every_byte: Vec<u8> = (0..=255).collect();
        let edge = CustomerRow {
            industry: Some(String::new()),
            source: Some(String::new()),
            email: Sealed { ct: Some(Vec::new()), bidx: Some(Vec::new()) },
            mobile: Sealed { ct: Some(every_byte.clone()), bidx: None },
            notes: Some(every_byte),
            ..customer("c-edge", "", T, T)
        };
        try_insert_customer(store, &edge).await.expect("insert edge");
        assert_eq!(store.get_customer("c-edge").await.unwrap(), Some(edge), "{backend:?}: byte/text edge cases");

        // Read-your-writes inside a transaction.
        let mut tx = store.begin_write().await.unwrap();
        assert_eq!(tx.get_customer("c1").await.unwrap(), Some(full.clone()));
        tx.rollback().await.unwrap();

        // Update with the right version: every column replaced, version bumped.
        let v2 = CustomerRow {
            name: s("Renamed 公司"),
            kind: s("person"),
            industry: None,
            tier: Some(s("B")),
            status: s("customer"),
            owner_id: None,
            team_id: None,
            tags: vec![s("new"), s("vip")],
            source: None,
            email: sealed(b"email-v2", Some(b"email-bidx-v2")),
            mobile: Sealed::default(),
            phone: sealed(b"phone-v2", Some(b"phone-bidx-v2")),
            address: None,
            birthday: None,
            national_id: Sealed::default(),
            bank_account: Sealed { ct: Some(b"bank-v2".to_vec()), bidx: None },
            notes: Some(b"notes-v2".to_vec()),
            updated_at: T + 100,
            version: 2,
            ..full.clone()
        };
        try_update_customer(store, &v2, 1).await.expect("update v1->v2");
        assert_eq!(store.get_customer("c1").await.unwrap(), Some(v2.clone()), "{backend:?}");
        let tagged = |tag: &str| CustomerFilter { tag: Some(s(tag)), ..filter(CustomerSort::CreatedAsc, 50) };
        assert_eq!(store.count_customers(&tagged("vip")).await.unwrap(), 1, "{backend:?}");
        assert_eq!(store.count_customers(&tagged("zeta")).await.unwrap(), 0, "{backend:?}: old tags replaced");

        // Stale version: Conflict, and nothing changes.
        let stale = CustomerRow { name: s("Stale write"), version: 2, ..v2.clone() };
        let r = try_update_customer(store, &stale, 1).await;
        assert!(matches!(r, Err(StoreError::Conflict)), "{backend:?}: stale update gave {r:?}");
        assert_eq!(store.get_customer("c1").await.unwrap(), Some(v2.clone()), "{backend:?}");

        // Missing row: NotFound.
        let missing = CustomerRow { id: s("c-missing"), ..v2.clone() };
        let r = try_update_customer(store, &missing, 1).await;
        assert!(matches!(r, Err(StoreError::NotFound)), "{backend:?}: update missing gave {r:?}");

        // Delete: stale → Conflict, missing → NotFound (with and without a version).
        let r = try_delete_customer(store, "c1", Some(1)).await;
        assert!(matches!(r, Err(StoreError::Conflict)), "{backend:?}: stale delete gave {r:?}");
        assert!(store.get_customer("c1").await.unwrap().is_some(), "{backend:?}");
        let r = try_delete_customer(store, "c-missing", Some(1)).await;
        assert!(matches!(r, Err(StoreError::NotFound)), "{backend:?}: delete missing gave {r:?}");
        let r = try_delete_customer(store, "c-missing", None).await;
        assert!(matches!(r, Err(StoreError::NotFound)), "{backend:?}: delete missing gave {r:?}");
        try_delete_customer(store, "c1", Some(2)).await.expect("delete at v2");
        assert_eq!(store.get_customer("c1").await.unwrap(), None, "{backend:?}");
        try_delete_customer(store, "c-edge", None).await.expect("unguarded delete");
        assert_eq!(store.get_customer("c-edge").await.unwrap(), None, "{backend:?}");
        assert_eq!(store.count_customers(&filter(CustomerSort::CreatedAsc, 50)).await.unwrap(), 0, "{backend:?}");
    }
}

#[tokio::test]
async fn rolled_back_and_dropped_transactions_leave_nothing() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let all = filter(CustomerSort::CreatedAsc, 50);

        // Explicit rollback.
        let mut tx = store.begin_write().await.unwrap();
        tx.insert_customer(&customer("rb-1", "Rolled Back", T, T)).await.unwrap();
        tx.insert_contact(&contact("rb-k1", "rb-1", T)).await.unwrap();
        assert!(tx.get_customer("rb-1").await.unwrap().is_some(), "{backend:?}: visible inside");
        assert!(tx.get_contact("rb-k1").await.unwrap().is_some(), "{backend:?}: visible inside");
        tx.rollback().await.unwrap();
        assert_eq!(store.get_customer("rb-1").await.unwrap(), None, "{backend:?}");
        assert_eq!(store.get_contact("rb-k1").await.unwrap(), None, "{backend:?}");
        assert_eq!(store.count_customers(&all).await.unwrap(), 0, "{backend:?}");

        // Dropped without commit.
        {
            let mut tx = store.begin_write().await.unwrap();
            tx.insert_customer(&customer("drop-1", "Dropped", T, T)).await.unwrap();
        }
        assert_eq!(store.get_customer("drop-1").await.unwrap(), None, "{backend:?}");
        assert_eq!(store.count_customers(&all).await.unwrap(), 0, "{backend:?}");

        // The writer is usable afterwards, and an update rolled back leaves the old row.
        let kept = customer("kept", "Kept", T, T);
        try_insert_customer(store, &kept).await.expect("insert after rollback");
        let mut tx = store.begin_write().await.unwrap();
        let changed = CustomerRow { name: s("Changed"), version: 2, ..kept.clone() };
        tx.update_customer(&changed, 1).await.unwrap();
        tx.delete_customer("kept", Some(2)).await.unwrap();
        drop(tx);
        assert_eq!(store.get_customer("kept").await.unwrap(), Some(kept), "{backend:?}");
        assert_eq!(store.count_customers(&all).await.unwrap(), 1, "{backend:?}");
    }
}

#[tokio::test]
async fn unique_and_foreign_keys() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        seed_users(store, &[user("u1", "ada@example.com")]).await;
        let a = CustomerRow { tags: vec![s("vip"), s("retail")], ..customer("a", "Alpha", T, T) };
        let b = CustomerRow { tags: vec![s("vip")], ..customer("b", "Beta", T, T) };
        seed_customers(store, &[a.clone(), b.clone()]).await;

        // Duplicate primary key, committed before and within one transaction.
        let r = try_insert_customer(store, &customer("a", "Other", T, T)).await;
        assert!(matches!(r, Err(StoreError::Duplicate(_))), "{backend:?}: got {r:?}");
        let mut tx = store.begin_write().await.unwrap();
        tx.insert_customer(&customer("dup", "One", T, T)).await.unwrap();
        let r = tx.insert_customer(&customer("dup", "Two", T, T)).await;
        assert!(matches!(r, Err(StoreError::Duplicate(_))), "{backend:?}: got {r:?}");
        drop(tx);
        assert_eq!(store.get_customer("dup").await.unwrap(), None, "{backend:?}");
        assert_eq!(store.get_customer("a").await.unwrap(), Some(a.clone()), "{backend:?}");

        // Foreign keys: owner, team, contact's customer, user's team, session's user.
        let r = try_insert_customer(
            store,
            &CustomerRow { owner_id: Some(s("no-such-user")), ..customer("fk1", "FK", T, T) },
        )
        .await;
        assert!(matches!(r, Err(StoreError::ForeignKey)), "{backend:?}: owner gave {r:?}");
        let r = try_insert_customer(
            store,
            &CustomerRow { team_id: Some(s("no-such-team")), ..customer("fk2", "FK", T, T) },
        )
        .await;
        assert!(matches!(r, Err(StoreError::ForeignKey)), "{backend:?}: team gave {r:?}");
        let r =
            try_update_customer(store, &CustomerRow { owner_id: Some(s("no-such-user")), version: 2, ..b.clone() }, 1)
                .await;
        assert!(matches!(r, Err(StoreError::ForeignKey)), "{backend:?}: update owner gave {r:?}");
        assert_eq!(store.get_customer("b").await.unwrap(), Some(b.clone()), "{backend:?}");
        let r = try_insert_contact(store, &contact("k-orphan", "no-such-customer", T)).await;
        assert!(matches!(r, Err(StoreError::ForeignKey)), "{backend:?}: contact gave {r:?}");
        let r = try_insert_user(store, &UserRow { team_id: Some(s("no-such-team")), ..user("u2", "bob@example.com") })
            .await;
        assert!(matches!(r, Err(StoreError::ForeignKey)), "{backend:?}: user team gave {r:?}");
        let r = try_insert_session(store, &session("s1", "no-such-user", b"h1", T)).await;
        assert!(matches!(r, Err(StoreError::ForeignKey)), "{backend:?}: session gave {r:?}");
        let r = try_insert_token(store, &api_token("tk1", "no-such-user", b"h1")).await;
        assert!(matches!(r, Err(StoreError::ForeignKey)), "{backend:?}: token gave {r:?}");

        // Deleting a customer takes its contacts and tags, and nothing else.
        seed_contacts(store, &[contact("ka1", "a", T), contact("ka2", "a", T + 1), contact("kb1", "b", T)]).await;
        let tag_rows = "SELECT COUNT(*) FROM customer_tags WHERE customer_id = $1";
        assert_eq!(raw_i64(&db.url, tag_rows, "a").await, 2, "{backend:?}");
        try_delete_customer(store, "a", Some(1)).await.expect("delete a");
        assert_eq!(store.get_contact("ka1").await.unwrap(), None, "{backend:?}");
        assert_eq!(store.get_contact("ka2").await.unwrap(), None, "{backend:?}");
        assert_eq!(store.list_contacts("a").await.unwrap(), Vec::<ContactRow>::new(), "{backend:?}");
        assert_eq!(raw_i64(&db.url, tag_rows, "a").await, 0, "{backend:?}: tags cascade");
        assert_eq!(
            raw_i64(&db.url, "SELECT COUNT(*) FROM contacts WHERE customer_id = $1", "a").await,
            0,
            "{backend:?}: contacts cascade"
        );
        assert_eq!(raw_i64(&db.url, tag_rows, "b").await, 1, "{backend:?}");
        assert_eq!(store.list_contacts("b").await.unwrap(), vec![contact("kb1", "b", T)], "{backend:?}");
        let vip = CustomerFilter { tag: Some(s("vip")), ..filter(CustomerSort::CreatedAsc, 50) };
        assert_eq!(ids(&list_all(store, &vip, backend).await), vec!["b"], "{backend:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Listing
// ---------------------------------------------------------------------------------------------

/// Names with mixed case, equal lower-cased names, non-ASCII and punctuation; created and
/// updated times with ties. Inserted in an order that is neither id nor any sort order.
fn sort_fixture() -> Vec<CustomerRow> {
    [
        ("c07", "alpha", 10, 50),
        ("c02", "Alpha", 10, 40),
        ("c11", "ALPHA", 20, 40),
        ("c05", "beta", 20, 30),
        ("c01", "Zebra", 30, 30),
        ("c09", "zebra", 5, 60),
        ("c04", "Émile", 30, 20),
        ("c10", "张三", 10, 10),
        ("c03", "李四", 40, 40),
        ("c08", "_under", 0, 70),
        ("c06", "100 Corp", 40, 5),
        ("c12", "Ärger", 25, 25),
        ("c13", "B", 20, 30),
    ]
    .into_iter()
    .map(|(id, name, created, updated)| customer(id, name, T + created, T + updated))
    .collect()
}

fn expected_sort_order(sort: CustomerSort) -> Vec<&'static str> {
    // Lower-cased names bytewise: "100 corp" < "_under" < "alpha"×3 < "b" < "beta" <
    // "zebra"×2 < "ärger" (C3 A4) < "émile" (C3 A9) < "张三" (E5) < "李四" (E6); then id.
    let name_asc = vec!["c06", "c08", "c02", "c07", "c11", "c13", "c05", "c01", "c09", "c12", "c04", "c10", "c03"];
    let created_asc = vec!["c08", "c09", "c02", "c07", "c10", "c05", "c11", "c13", "c12", "c01", "c04", "c03", "c06"];
    let updated_asc = vec!["c06", "c10", "c04", "c12", "c01", "c05", "c13", "c02", "c03", "c11", "c07", "c09", "c08"];
    let rev = |mut v: Vec<&'static str>| {
        v.reverse();
        v
    };
    match sort {
        CustomerSort::NameAsc => name_asc,
        CustomerSort::NameDesc => rev(name_asc),
        CustomerSort::CreatedAsc => created_asc,
        CustomerSort::CreatedDesc => rev(created_asc),
        CustomerSort::UpdatedAsc => updated_asc,
        CustomerSort::UpdatedDesc => rev(updated_asc),
    }
}

#[tokio::test]
async fn list_keyset_pagination_for_every_sort() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let rows = sort_fixture();
        seed_customers(&db.store, &rows).await;
        assert_eq!(CustomerSort::default(), CustomerSort::CreatedDesc);
        for sort in ALL_SORTS {
            let expected = expected_sort_order(sort);
            for limit in [1, 2, 3, 4, 12, 13, 14, 500] {
                let got = list_all(&db.store, &filter(sort, limit), backend).await;
                assert_eq!(ids(&got), expected, "{backend:?} {sort:?} limit {limit}");
                for r in &got {
                    let inserted = rows.iter().find(|x| x.id == r.id).unwrap();
                    assert_eq!(r, inserted, "{backend:?} {sort:?}: listed row differs");
                }
            }
            // Resuming from a key in the middle of a run of equal keys.
            let mid = expected[3];
            let mid_row = rows.iter().find(|r| r.id == mid).unwrap();
            let f = CustomerFilter { after: Some(expected_key(mid_row, sort)), ..filter(sort, 500) };
            let page = db.store.list_customers(&f).await.unwrap();
            assert_eq!(ids(&page.items), expected[4..].to_vec(), "{backend:?} {sort:?} after {mid}");
            assert_eq!(page.next, None, "{backend:?} {sort:?}");
        }
    }
}

/// Blind-index values used by the filter fixture (non-UTF-8 on purpose).
const E1: &[u8] = b"\x00E1";
const E2: &[u8] = b"E2";
const M1: &[u8] = b"M1\xff";
const N1: &[u8] = b"N1";
const B1: &[u8] = b"B1";

/// A compact builder for filter cases: `Q::new().status("active").tag("vip")`.
#[derive(Clone)]
struct Q(CustomerFilter);

impl Q {
    fn new() -> Q {
        Q(filter(CustomerSort::CreatedAsc, 2))
    }
    fn status(mut self, v: &str) -> Q {
        self.0.status = Some(s(v));
        self
    }
    fn owner(mut self, v: &str) -> Q {
        self.0.owner_id = Some(s(v));
        self
    }
    fn tag(mut self, v: &str) -> Q {
        self.0.tag = Some(s(v));
        self
    }
    fn name(mut self, v: &str) -> Q {
        self.0.name_contains = Some(s(v));
        self
    }
    fn blind(mut self, col: &'static str, idx: &[u8]) -> Q {
        self.0.blind.push((col, idx.to_vec()));
        self
    }
}

/// Eight customers in id order = created order; `%`, `_` and `\` appear in names.
fn filter_fixture() -> Vec<CustomerRow> {
    #[allow(clippy::type_complexity)]
    #[rustfmt::skip]
    let spec: [(&str, &str, &str, Option<&str>, &[&str]); 8] = [
        ("f01", "100% Pure", "active", Some("u1"), &["vip", "retail"]),
        ("f02", "1000 Pure", "active", Some("u2"), &["retail"]),
        ("f03", "a_b Ltd", "inactive", Some("u1"), &["vip"]),
        ("f04", "axb Ltd", "active", None, &[]),
        ("f05", "Back\\Slash Co", "active", Some("u1"), &["wholesale"]),
        ("f06", "BackXSlash Co", "inactive", Some("u2"), &["vip"]),
        ("f07", "北京科技有限公司", "active", Some("u2"), &["vip", "中文标签"]),
        ("f08", "ÜBER Handel", "active", Some("u1"), &["retail"]),
    ];
    let mut rows: Vec<CustomerRow> = spec
        .iter()
        .enumerate()
        .map(|(i, (id, name, status, owner, tags))| CustomerRow {
            status: s(status),
            owner_id: owner.map(s),
            tags: tags.iter().map(|t| s(t)).collect(),
            ..customer(id, name, T + i as i64, T)
        })
        .collect();
    rows[0].email = sealed(b"ct", Some(E1));
    rows[1].email = sealed(b"ct", Some(E2));
    rows[1].national_id = sealed(b"ct", Some(N1));
    rows[2].email = sealed(b"ct", Some(E1));
    rows[2].mobile = sealed(b"ct", Some(M1));
    // Same bytes as E1 but in the ciphertext only: the blind index must match, not the ct.
    rows[3].email = sealed(E1, None);
    rows[4].mobile = sealed(b"ct", Some(M1));
    rows[5].bank_account = sealed(b"ct", Some(B1));
    rows[6].email = sealed(b"ct", Some(E1));
    rows
}

#[tokio::test]
async fn list_filters_and_count() {
    let all: &[&str] = &["f01", "f02", "f03", "f04", "f05", "f06", "f07", "f08"];
    // One case per line: label, filter, expected ids in creation order.
    #[rustfmt::skip]
    let cases: Vec<(&str, Q, &[&str])> = vec![
        ("none", Q::new(), all),
        ("status active", Q::new().status("active"), &["f01", "f02", "f04", "f05", "f07", "f08"]),
        ("status inactive", Q::new().status("inactive"), &["f03", "f06"]),
        ("status unknown", Q::new().status("archived"), &[]),
        ("owner u1", Q::new().owner("u1"), &["f01", "f03", "f05", "f08"]),
        ("owner u2", Q::new().owner("u2"), &["f02", "f06", "f07"]),
        ("owner unknown", Q::new().owner("nobody"), &[]),
        ("tag vip", Q::new().tag("vip"), &["f01", "f03", "f06", "f07"]),
        ("tag retail", Q::new().tag("retail"), &["f01", "f02", "f08"]),
        ("tag chinese", Q::new().tag("中文标签"), &["f07"]),
        ("tag is case-sensitive", Q::new().tag("VIP"), &[]),
        ("tag is not a substring", Q::new().tag("vi"), &[]),
        ("name 100% (literal %)", Q::new().name("100%"), &["f01"]),
        ("name %", Q::new().name("%"), &["f01"]),
        ("name a_b (literal _)", Q::new().name("a_b"), &["f03"]),
        ("name _", Q::new().name("_"), &["f03"]),
        ("name backslash", Q::new().name("\\"), &["f05"]),
        ("name k\\s (literal \\)", Q::new().name("k\\s"), &["f05"]),
        ("name upper-case needle", Q::new().name("LTD"), &["f03", "f04"]),
        ("name pure", Q::new().name("pure"), &["f01", "f02"]),
        ("name chinese", Q::new().name("科技"), &["f07"]),
        ("name über", Q::new().name("über"), &["f08"]),
        ("name ÜBER", Q::new().name("ÜBER"), &["f08"]),
        ("name no match", Q::new().name("zzz"), &[]),
        ("blind email", Q::new().blind("email", E1), &["f01", "f03", "f07"]),
        ("blind email e2", Q::new().blind("email", E2), &["f02"]),
        ("blind mobile", Q::new().blind("mobile", M1), &["f03", "f05"]),
        ("blind national_id", Q::new().blind("national_id", N1), &["f02"]),
        ("blind bank_account", Q::new().blind("bank_account", B1), &["f06"]),
        ("blind other column", Q::new().blind("phone", E1), &[]),
        ("blind unknown", Q::new().blind("email", b"nope"), &[]),
        ("blind prefix", Q::new().blind("email", b"\x00"), &[]),
        ("blind email+mobile", Q::new().blind("email", E1).blind("mobile", M1), &["f03"]),
        ("status+owner", Q::new().status("active").owner("u1"), &["f01", "f05", "f08"]),
        ("tag+status", Q::new().tag("vip").status("active"), &["f01", "f07"]),
        ("tag+owner+status", Q::new().tag("vip").owner("u1").status("inactive"), &["f03"]),
        ("name+owner", Q::new().name("pure").owner("u2"), &["f02"]),
        ("name+status", Q::new().name(" co").status("inactive"), &["f06"]),
        ("blind+tag+owner", Q::new().blind("email", E1).tag("vip").owner("u2"), &["f07"]),
        ("all kinds, no match", Q::new().blind("email", E1).tag("retail").status("inactive"), &[]),
    ];
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        seed_users(store, &[user("u1", "ada@example.com"), user("u2", "bob@example.com")]).await;
        let rows = filter_fixture();
        seed_customers(store, &rows).await;

        for (label, Q(f), expected) in &cases {
            // Pages of 2, by creation (= id) order.
            let got = list_all(store, f, backend).await;
            assert_eq!(ids(&got), *expected, "{backend:?}: filter {label}");
            let n = store.count_customers(f).await.unwrap();
            assert_eq!(n, expected.len() as i64, "{backend:?}: count {label}");
            // Paging fields do not affect the count.
            let paged = CustomerFilter {
                limit: 1,
                after: Some((SortKey::Int(i64::MAX), s("zzz"))),
                sort: CustomerSort::NameDesc,
                ..f.clone()
            };
            let m = store.count_customers(&paged).await.unwrap();
            assert_eq!(m, n, "{backend:?}: count {label} with paging fields");
            // The same set under a name sort.
            let by_name = CustomerFilter { sort: CustomerSort::NameAsc, limit: 3, ..f.clone() };
            let mut got_ids = ids(&list_all(store, &by_name, backend).await).into_iter().map(s).collect::<Vec<_>>();
            got_ids.sort();
            assert_eq!(got_ids, *expected, "{backend:?}: filter {label} by name");
        }

        // Tag filters follow updates.
        let f04 = CustomerRow { tags: vec![s("vip")], version: 2, ..rows[3].clone() };
        try_update_customer(store, &f04, 1).await.unwrap();
        let f01 = CustomerRow { tags: vec![], version: 2, ..rows[0].clone() };
        try_update_customer(store, &f01, 1).await.unwrap();
        let vip = Q::new().tag("vip").0;
        assert_eq!(
            ids(&list_all(store, &vip, backend).await),
            vec!["f03", "f04", "f06", "f07"],
            "{backend:?}: tag filter after update"
        );
        assert_eq!(store.count_customers(&vip).await.unwrap(), 4, "{backend:?}");
        let f01_now = store.get_customer("f01").await.unwrap().unwrap();
        assert_eq!(f01_now.tags, Vec::<String>::new(), "{backend:?}");
    }
}

#[tokio::test]
async fn list_limit_is_clamped() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let rows: Vec<CustomerRow> =
            (0..502).map(|i| customer(&format!("L{i:04}"), &format!("Name {i:04}"), T + i, T)).collect();
        seed_customers(&db.store, &rows).await;
        for (limit, len) in [(0u32, 1usize), (1, 1), (499, 499), (500, 500), (501, 500), (u32::MAX, 500)] {
            let page = db.store.list_customers(&filter(CustomerSort::CreatedAsc, limit)).await.unwrap();
            assert_eq!(page.items.len(), len, "{backend:?}: limit {limit}");
            let last = page.items.last().unwrap();
            assert_eq!(last.id, format!("L{:04}", len - 1), "{backend:?}: limit {limit}");
            assert_eq!(page.next, Some((SortKey::Int(last.created_at), last.id.clone())), "{backend:?}: limit {limit}");
        }
        let all = list_all(&db.store, &filter(CustomerSort::CreatedAsc, 10_000), backend).await;
        let expected: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        assert_eq!(ids(&all), expected, "{backend:?}");
        let f = filter(CustomerSort::CreatedAsc, 0);
        assert_eq!(db.store.count_customers(&f).await.unwrap(), 502, "{backend:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Contacts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_crud_and_order() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        seed_customers(store, &[customer("a", "A", T, T), customer("b", "B", T, T)]).await;
        // Equal created_at for k3/k1/k2, so id breaks the tie; inserted out of order.
        let k3 = contact("k3", "a", T + 5);
        let k1 = contact("k1", "a", T + 5);
        let k9 = contact("k9", "a", T - 1);
        let k2 = contact("k2", "a", T + 5);
        let k0 = contact("k0", "a", T + 9);
        let kb = contact("kb", "b", T);
        seed_contacts(store, &[k3.clone(), k1.clone(), k9.clone(), k2.clone(), k0.clone(), kb.clone()]).await;

        assert_eq!(store.get_contact("k1").await.unwrap(), Some(k1.clone()), "{backend:?}");
        assert_eq!(store.get_contact("nope").await.unwrap(), None, "{backend:?}");
        assert_eq!(
            store.list_contacts("a").await.unwrap(),
            vec![k9.clone(), k1.clone(), k2.clone(), k3.clone(), k0.clone()],
            "{backend:?}: ordered by created_at, id"
        );
        assert_eq!(store.list_contacts("b").await.unwrap(), vec![kb.clone()], "{backend:?}");
        assert_eq!(store.list_contacts("nope").await.unwrap(), Vec::<ContactRow>::new(), "{backend:?}");

        let mut tx = store.begin_write().await.unwrap();
        assert_eq!(tx.get_contact("k2").await.unwrap(), Some(k2.clone()), "{backend:?}");
        tx.rollback().await.unwrap();

        // Update with the right version.
        let k1v2 = ContactRow {
            name: s("Renamed 联系人"),
            title: None,
            email: Sealed::default(),
            mobile: sealed(b"new-mobile", Some(b"new-mobile-bidx")),
            phone: sealed(b"new-phone", None),
            address: None,
            notes: Some(b"note".to_vec()),
            updated_at: T + 50,
            version: 2,
            ..k1.clone()
        };
        try_update_contact(store, &k1v2, 1).await.expect("update");
        assert_eq!(store.get_contact("k1").await.unwrap(), Some(k1v2.clone()), "{backend:?}");

        // Stale and missing.
        let stale = ContactRow { name: s("Stale"), version: 2, ..k1v2.clone() };
        let r = try_update_contact(store, &stale, 1).await;
        assert!(matches!(r, Err(StoreError::Conflict)), "{backend:?}: got {r:?}");
        assert_eq!(store.get_contact("k1").await.unwrap(), Some(k1v2.clone()), "{backend:?}");
        let r = try_update_contact(store, &contact("k-missing", "a", T), 1).await;
        assert!(matches!(r, Err(StoreError::NotFound)), "{backend:?}: got {r:?}");

        // Delete: stale, missing, then right.
        let r = try_delete_contact(store, "k1", Some(1)).await;
        assert!(matches!(r, Err(StoreError::Conflict)), "{backend:?}: got {r:?}");
        let r = try_delete_contact(store, "k-missing", Some(1)).await;
        assert!(matches!(r, Err(StoreError::NotFound)), "{backend:?}: got {r:?}");
        let r = try_delete_contact(store, "k-missing", None).await;
        assert!(matches!(r, Err(StoreError::NotFound)), "{backend:?}: got {r:?}");
        try_delete_contact(store, "k1", Some(2)).await.expect("delete");
        try_delete_contact(store, "k0", None).await.expect("unguarded delete");
        assert_eq!(store.get_contact("k1").await.unwrap(), None, "{backend:?}");
        assert_eq!(store.list_contacts("a").await.unwrap(), vec![k9, k2, k3], "{backend:?}");

        // Duplicate contact id.
        let r = try_insert_contact(store, &contact("kb", "a", T)).await;
        assert!(matches!(r, Err(StoreError::Duplicate(_))), "{backend:?}: got {r:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn accounts_users_and_teams() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let store = &db.store;

        // Teams, ordered by name (bytewise: upper case before lower case).
        let teams = [team("t2", "Support"), team("t1", "alpha"), team("t3", "Beta")];
        for t in &teams {
            try_insert_team(store, t).await.expect("insert team");
        }
        assert_eq!(
            store.list_teams().await.unwrap(),
            vec![teams[2].clone(), teams[0].clone(), teams[1].clone()],
            "{backend:?}: teams by name"
        );
        let r = try_insert_team(store, &team("t4", "Support")).await;
        assert!(matches!(r, Err(StoreError::Duplicate(_))), "{backend:?}: team name gave {r:?}");
        let r = try_insert_team(store, &team("t1", "Other")).await;
        assert!(matches!(r, Err(StoreError::Duplicate(_))), "{backend:?}: team id gave {r:?}");

        // Users.
        assert_eq!(store.count_users().await.unwrap(), 0, "{backend:?}");
        assert_eq!(store.list_users().await.unwrap(), Vec::<UserRow>::new(), "{backend:?}");
        let carol = UserRow {
            role: s("admin"),
            team_id: Some(s("t2")),
            last_login_at: Some(T - 5),
            version: 3,
            ..user("u3", "carol@example.com")
        };
        let ada = user("u1", "ada@example.com");
        let bob = UserRow { display_name: s("鲍勃"), status: s("disabled"), ..user("u2", "bob@example.com") };
        seed_users(store, &[carol.clone(), ada.clone(), bob.clone()]).await;
        assert_eq!(store.user_by_email("ada@example.com").await.unwrap(), Some(ada.clone()), "{backend:?}");
        assert_eq!(store.user_by_email("carol@example.com").await.unwrap(), Some(carol.clone()), "{backend:?}");
        assert_eq!(store.user_by_email("ADA@example.com").await.unwrap(), None, "{backend:?}: exact match");
        assert_eq!(store.user_by_email("nobody@example.com").await.unwrap(), None, "{backend:?}");
        assert_eq!(store.user_by_id("u2").await.unwrap(), Some(bob.clone()), "{backend:?}");
        assert_eq!(store.user_by_id("u9").await.unwrap(), None, "{backend:?}");
        assert_eq!(
            store.list_users().await.unwrap(),
            vec![ada.clone(), bob.clone(), carol.clone()],
            "{backend:?}: users by email"
        );
        assert_eq!(store.count_users().await.unwrap(), 3, "{backend:?}");

        let r = try_insert_user(store, &user("u4", "ada@example.com")).await;
        assert!(matches!(r, Err(StoreError::Duplicate(_))), "{backend:?}: email gave {r:?}");
        let r = try_insert_user(store, &user("u1", "other@example.com")).await;
        assert!(matches!(r, Err(StoreError::Duplicate(_))), "{backend:?}: id gave {r:?}");
        assert_eq!(store.count_users().await.unwrap(), 3, "{backend:?}");

        // record_login sets only last_login_at.
        let mut tx = store.begin_write().await.unwrap();
        tx.record_login("u1", T + 42).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            store.user_by_id("u1").await.unwrap(),
            Some(UserRow { last_login_at: Some(T + 42), ..ada }),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn accounts_sessions_tokens_and_data_keys() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        seed_users(store, &[user("u1", "ada@example.com")]).await;

        // Sessions.
        let h1: &[u8] = b"\x00\x01hash-one\xff";
        let s1 = session("s1", "u1", h1, T + 1_000);
        try_insert_session(store, &s1).await.expect("insert session");
        assert_eq!(store.session_by_hash(h1).await.unwrap(), Some(s1.clone()), "{backend:?}");
        assert_eq!(store.session_by_hash(b"\x00\x01hash-one").await.unwrap(), None, "{backend:?}: prefix");
        assert_eq!(store.session_by_hash(b"").await.unwrap(), None, "{backend:?}");
        let r = try_insert_session(store, &session("s-dup", "u1", h1, T)).await;
        assert!(matches!(r, Err(StoreError::Duplicate(_))), "{backend:?}: hash gave {r:?}");
        let r = try_insert_session(store, &session("s1", "u1", b"other", T)).await;
        assert!(matches!(r, Err(StoreError::Duplicate(_))), "{backend:?}: id gave {r:?}");

        let mut tx = store.begin_write().await.unwrap();
        tx.touch_session("s1", T + 10).await.unwrap();
        tx.commit().await.unwrap();
        let s1 = SessionRow { last_seen_at: T + 10, ..s1 };
        assert_eq!(store.session_by_hash(h1).await.unwrap(), Some(s1.clone()), "{backend:?}");

        let mut tx = store.begin_write().await.unwrap();
        tx.revoke_session("s1", T + 20).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin_write().await.unwrap();
        tx.revoke_session("s1", T + 30).await.unwrap();
        tx.revoke_session("s-unknown", T + 30).await.unwrap();
        tx.commit().await.unwrap();
        let s1 = SessionRow { revoked_at: Some(T + 20), ..s1 };
        assert_eq!(
            store.session_by_hash(h1).await.unwrap(),
            Some(s1.clone()),
            "{backend:?}: the first revocation time stays"
        );

        // Purge: expired before, or revoked before, the cut-off.
        let cut = T + 500;
        let expired = session("s-exp", "u1", b"h-exp", cut - 1);
        let at_cut = session("s-cut", "u1", b"h-cut", cut);
        let revoked_early = SessionRow { revoked_at: Some(cut - 1), ..session("s-rev", "u1", b"h-rev", cut + 1_000) };
        let revoked_late = SessionRow { revoked_at: Some(cut + 1), ..session("s-rev2", "u1", b"h-rev2", cut + 1_000) };
        let live = session("s-live", "u1", b"h-live", cut + 1_000);
        for x in [&expired, &at_cut, &revoked_early, &revoked_late, &live] {
            try_insert_session(store, x).await.unwrap();
        }
        let mut tx = store.begin_write().await.unwrap();
        let purged = tx.purge_sessions(cut).await.unwrap();
        tx.commit().await.unwrap();
        // s1 (revoked at T+20) goes too.
        assert_eq!(purged, 3, "{backend:?}");
        assert_eq!(store.session_by_hash(h1).await.unwrap(), None, "{backend:?}");
        assert_eq!(store.session_by_hash(b"h-exp").await.unwrap(), None, "{backend:?}");
        assert_eq!(store.session_by_hash(b"h-rev").await.unwrap(), None, "{backend:?}");
        assert_eq!(store.session_by_hash(b"h-cut").await.unwrap(), Some(at_cut), "{backend:?}");
        assert_eq!(store.session_by_hash(b"h-rev2").await.unwrap(), Some(revoked_late), "{backend:?}");
        assert_eq!(store.session_by_hash(b"h-live").await.unwrap(), Some(live), "{backend:?}");
        let mut tx = store.begin_write().await.unwrap();
        assert_eq!(tx.purge_sessions(cut).await.unwrap(), 0, "{backend:?}");
        tx.commit().await.unwrap();

        // API tokens.
        let th: &[u8] = b"\xfftoken-hash\x00";
        let t1 = api_token("tk1", "u1", th);
        try_insert_token(store, &t1).await.expect("insert token");
        assert_eq!(store.token_by_hash(th).await.unwrap(), Some(t1.clone()), "{backend:?}");
        assert_eq!(store.token_by_hash(b"unknown").await.unwrap(), None, "{backend:?}");
        let r = try_insert_token(store, &api_token("tk2", "u1", th)).await;
        assert!(matches!(r, Err(StoreError::Duplicate(_))), "{backend:?}: hash gave {r:?}");
        let t2 = ApiTokenRow {
            expires_at: None,
            revoked_at: Some(T + 3),
            last_used_at: Some(T + 2),
            ..api_token("tk2", "u1", b"second")
        };
        try_insert_token(store, &t2).await.unwrap();
        assert_eq!(store.token_by_hash(b"second").await.unwrap(), Some(t2), "{backend:?}");
        let mut tx = store.begin_write().await.unwrap();
        tx.touch_api_token("tk1", T + 77).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            store.token_by_hash(th).await.unwrap(),
            Some(ApiTokenRow { last_used_at: Some(T + 77), ..t1 }),
            "{backend:?}"
        );

        // Data keys live in the key store, apart from the customer data.
        let ks = &db.keystore;
        assert_eq!(ks.get_key("c1").await.unwrap(), None, "{backend:?}");
        let wrapped: Vec<u8> = (0..=255u8).rev().collect();
        assert!(ks.insert_key("c1", 3, &wrapped, T).await.unwrap(), "{backend:?}");
        let k = ks.get_key("c1").await.unwrap().expect("stored");
        assert_eq!((k.kek_version, &k.wrapped), (3, &wrapped), "{backend:?}");
        assert!(!ks.insert_key("c1", 4, b"other", T + 1).await.unwrap(), "{backend:?}: the first key stays");
        assert_eq!(ks.get_key("c1").await.unwrap().map(|k| k.kek_version), Some(3), "{backend:?}");
        assert_eq!(ks.get_key("C1").await.unwrap(), None, "{backend:?}: ids are exact");
        assert!(ks.insert_key("c2", 1, b"k", T).await.unwrap());
        assert_eq!(ks.count_by_version().await.unwrap(), vec![(1, 1), (3, 1)], "{backend:?}");
        assert_eq!(ks.keys_below(3, "", 10).await.unwrap().len(), 1, "{backend:?}");
        assert!(ks.destroy_key("c1").await.unwrap());
        assert!(!ks.destroy_key("c1").await.unwrap(), "{backend:?}: destroying twice is harmless");
        assert_eq!(ks.get_key("c1").await.unwrap(), None, "{backend:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_write_transactions_all_commit() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let mut tasks = Vec::new();
        for i in 0..32 {
            let store = db.store.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = store.begin_write().await?;
                tx.insert_customer(&CustomerRow {
                    tags: vec![format!("t{}", i % 3)],
                    ..customer(&format!("p{i:02}"), &format!("Parallel {i}"), T + i, T)
                })
                .await?;
                tx.commit().await
            }));
        }
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        assert!(results.iter().all(Result::is_ok), "{backend:?}: {results:?}");
        let all = list_all(&db.store, &filter(CustomerSort::CreatedAsc, 7), backend).await;
        let expected: Vec<String> = (0..32).map(|i| format!("p{i:02}")).collect();
        assert_eq!(ids(&all), expected, "{backend:?}");
        let t0 = CustomerFilter { tag: Some(s("t0")), ..filter(CustomerSort::CreatedAsc, 50) };
        assert_eq!(db.store.count_customers(&t0).await.unwrap(), 11, "{backend:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_two_handles_on_one_file_write_concurrently() {
    // Two `Store::open` handles on one file behave like two processes: separate pools, so
    // cross-handle writes rely on BEGIN IMMEDIATE and the busy timeout. Each transaction reads
    // before it writes (as an update does), which a deferred BEGIN could not upgrade safely.
    let db = TestDb::new(Backend::Sqlite).await;
    let other = Store::open(&db.url).await.expect("second handle");
    seed_customers(&db.store, &[customer("counter-0", "Counter 0", T, T), customer("counter-1", "Counter 1", T, T)])
        .await;
    let mut tasks = Vec::new();
    for (h, store) in [db.store.clone(), other.clone()].into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut errors = Vec::new();
            for i in 0..50 {
                let row = customer(&format!("h{h}-{i:02}"), &format!("Handle {h} {i}"), T + i, T);
                let step = async {
                    let mut tx = store.begin_write().await?;
                    let counter = tx.get_customer(&format!("counter-{h}")).await?.ok_or(StoreError::NotFound)?;
                    tx.insert_customer(&row).await?;
                    let bumped = CustomerRow {
                        version: counter.version + 1,
                        updated_at: counter.updated_at + 1,
                        ..counter.clone()
                    };
                    tx.update_customer(&bumped, counter.version).await?;
                    tx.commit().await
                };
                if let Err(e) = step.await {
                    errors.push(format!("{}: {e:?}", row.id));
                }
            }
            errors
        }));
    }
    for t in tasks {
        let errors = t.await.unwrap();
        assert!(errors.is_empty(), "Sqlite: cross-handle writes failed: {errors:?}");
    }
    let all = filter(CustomerSort::CreatedAsc, 500);
    assert_eq!(db.store.count_customers(&all).await.unwrap(), 102);
    assert_eq!(other.count_customers(&all).await.unwrap(), 102);
    // Each handle's reader sees the other handle's rows.
    assert_eq!(other.get_customer("h0-49").await.unwrap(), Some(customer("h0-49", "Handle 0 49", T + 49, T)));
    assert_eq!(db.store.get_customer("h1-00").await.unwrap(), Some(customer("h1-00", "Handle 1 0", T, T)));
    for h in 0..2 {
        let counter = other.get_customer(&format!("counter-{h}")).await.unwrap().unwrap();
        assert_eq!((counter.version, counter.updated_at), (51, T + 50), "counter-{h}");
    }
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_of_one_row_exactly_one_wins() {
    const N: usize = 16;
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let base = CustomerRow { tags: vec![s("start")], ..customer("hot", "Hot Row", T, T) };
        seed_customers(&db.store, std::slice::from_ref(&base)).await;
        let barrier = Arc::new(tokio::sync::Barrier::new(N));
        let mut tasks = Vec::new();
        for i in 0..N {
            let store = db.store.clone();
            let barrier = barrier.clone();
            let row = CustomerRow {
                tier: Some(format!("tier-{i}")),
                tags: vec![format!("w{i}")],
                updated_at: T + 1 + i as i64,
                version: 2,
                ..base.clone()
            };
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let r = try_update_customer(&store, &row, 1).await;
                (i, r)
            }));
        }
        let mut winners = Vec::new();
        let mut others = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                (i, Ok(())) => winners.push(i),
                (_, Err(StoreError::Conflict)) => {}
                (i, Err(e)) => others.push(format!("{i}: {e:?}")),
            }
        }
        assert!(others.is_empty(), "{backend:?}: losers must get Conflict only: {others:?}");
        assert_eq!(winners.len(), 1, "{backend:?}: winners {winners:?}");
        let w = winners[0];
        let now = db.store.get_customer("hot").await.unwrap().unwrap();
        assert_eq!(now.version, 2, "{backend:?}");
        assert_eq!(now.tier, Some(format!("tier-{w}")), "{backend:?}");
        assert_eq!(now.tags, vec![format!("w{w}")], "{backend:?}");
        let tag_rows = "SELECT COUNT(*) FROM customer_tags WHERE customer_id = $1";
        assert_eq!(raw_i64(&db.url, tag_rows, "hot").await, 1, "{backend:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Time values
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn extreme_and_negative_timestamps_round_trip() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let rows = vec![
            customer("x-max", "max", i64::MAX, i64::MIN),
            customer("x-min", "min", i64::MIN, i64::MAX),
            customer("x-neg", "neg", -1, -1_000_000_000_000_000),
            customer("x-zero", "zero", 0, 0),
            customer("x-near-max", "near max", i64::MAX - 1, i64::MIN + 1),
        ];
        seed_customers(store, &rows).await;
        for r in &rows {
            assert_eq!(store.get_customer(&r.id).await.unwrap().as_ref(), Some(r), "{backend:?}");
        }
        let got = list_all(store, &filter(CustomerSort::CreatedAsc, 1), backend).await;
        assert_eq!(ids(&got), vec!["x-min", "x-neg", "x-zero", "x-near-max", "x-max"], "{backend:?}");
        let got = list_all(store, &filter(CustomerSort::UpdatedDesc, 2), backend).await;
        assert_eq!(ids(&got), vec!["x-min", "x-zero", "x-neg", "x-near-max", "x-max"], "{backend:?}");

        // Versions at the limit still guard updates.
        let top = CustomerRow { version: i64::MAX, ..customer("x-ver", "ver", T, T) };
        seed_customers(store, std::slice::from_ref(&top)).await;
        let next = CustomerRow { name: s("ver2"), version: i64::MIN, ..top.clone() };
        let r = try_update_customer(store, &next, i64::MAX - 1).await;
        assert!(matches!(r, Err(StoreError::Conflict)), "{backend:?}: got {r:?}");
        try_update_customer(store, &next, i64::MAX).await.unwrap();
        assert_eq!(store.get_customer("x-ver").await.unwrap(), Some(next), "{backend:?}");

        // Accounts, contacts and data keys carry the same values.
        let u = UserRow {
            created_at: i64::MIN,
            updated_at: -1,
            last_login_at: Some(i64::MAX),
            ..user("u1", "ada@example.com")
        };
        seed_users(store, std::slice::from_ref(&u)).await;
        assert_eq!(store.user_by_id("u1").await.unwrap(), Some(u), "{backend:?}");
        let k = ContactRow { updated_at: i64::MAX, ..contact("k", "x-zero", i64::MIN) };
        seed_contacts(store, std::slice::from_ref(&k)).await;
        assert_eq!(store.get_contact("k").await.unwrap(), Some(k), "{backend:?}");
        let sess = SessionRow {
            created_at: -5,
            last_seen_at: i64::MIN,
            expires_at: i64::MAX,
            revoked_at: None,
            ..session("s", "u1", b"hs", 0)
        };
        try_insert_session(store, &sess).await.unwrap();
        assert_eq!(store.session_by_hash(b"hs").await.unwrap(), Some(sess.clone()), "{backend:?}");
        let mut tx = store.begin_write().await.unwrap();
        assert_eq!(tx.purge_sessions(i64::MIN).await.unwrap(), 0, "{backend:?}");
        assert_eq!(tx.purge_sessions(i64::MAX).await.unwrap(), 0, "{backend:?}");
        tx.commit().await.unwrap();
        assert_eq!(store.session_by_hash(b"hs").await.unwrap(), Some(sess), "{backend:?}");
        let tok = ApiTokenRow {
            created_at: i64::MIN,
            expires_at: Some(i64::MAX),
            last_used_at: Some(-1),
            revoked_at: Some(i64::MIN),
            ..api_token("t", "u1", b"ht")
        };
        try_insert_token(store, &tok).await.unwrap();
        assert_eq!(store.token_by_hash(b"ht").await.unwrap(), Some(tok), "{backend:?}");
        assert!(db.keystore.insert_key("install", i64::MIN, b"w", i64::MAX).await.unwrap());
        let k = db.keystore.get_key("install").await.unwrap().expect("stored");
        assert_eq!((k.kek_version, k.wrapped), (i64::MIN, b"w".to_vec()), "{backend:?}");
    }
}
