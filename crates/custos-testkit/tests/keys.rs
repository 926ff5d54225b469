//! Per-customer keys end to end, through the real server: master key rotation under a
//! concurrent read/write load, crypto-shredding against a restored copy of the customer
//! database, and the separation of the key store from the customer data.

use custos_app::keys::{RotateOptions, RotationProgress};
use custos_app::vault::Vault;
use custos_app::{Actor, App, AppConfig, SystemClock};
use custos_crypto::{KeyFileSource, OsRandom};
use custos_domain::CustomerInput;
use custos_testkit::{Backend, TestApp, backends, spawn_app, spawn_app_on};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

fn input(i: usize) -> CustomerInput {
    CustomerInput {
        name: Some(format!("Rotation Customer {i:05}")),
        kind: Some("person".into()),
        email: Some(format!("rot{i}@example.com")),
        mobile: Some(format!("139{:08}", i)),
        address: Some(format!("{i} Rotation Road")),
        notes: Some("under load".into()),
        ..Default::default()
    }
}

async fn seed(t: &TestApp, n: usize) -> Vec<String> {
    let app = t.app.clone();
    let mut ids = Vec::with_capacity(n);
    let mut set = tokio::task::JoinSet::new();
    for w in 0..8 {
        let app = app.clone();
        set.spawn(async move {
            let mut ids = Vec::new();
            let mut i = w;
            while i < n {
                let c = app.create_customer(&Actor::operator(), &input(i)).await.expect("seed customer");
                ids.push(c.id.to_string());
                i += 8;
            }
            ids
        });
    }
    while let Some(r) = set.join_next().await {
        ids.extend(r.expect("seed task"));
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotation_under_load_keeps_every_record_readable() {
    const CUSTOMERS: usize = 10_000;
    for backend in backends() {
        let t = Arc::new(spawn_app_on(backend).await);
        let ids = Arc::new(seed(&t, CUSTOMERS).await);
        assert_eq!(t.db.keystore.count_by_version().await.unwrap(), vec![(1, CUSTOMERS as i64)]);

        // Load: readers GET random customers, writers create and patch, through HTTP.
        let stop = Arc::new(AtomicBool::new(false));
        let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let mut load = tokio::task::JoinSet::new();
        for w in 0..6u64 {
            let (t, ids, stop, ok, failed) = (t.clone(), ids.clone(), stop.clone(), ok.clone(), failed.clone());
            load.spawn(async move {
                let mut n = w * 7919;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let id = &ids[(n as usize * 104_729) % ids.len()];
                    let r = if w < 4 {
                        t.get(&format!("/api/v1/customers/{id}")).await
                    } else if n % 2 == 0 {
                        t.post("/api/v1/customers", json!({"name": format!("Load {w}-{n}"), "mobile": "13900000000"}))
                            .await
                    } else {
                        let g = t.get(&format!("/api/v1/customers/{id}")).await;
                        let v = g.body["version"].as_i64().unwrap_or(0);
                        let p = t
                            .request(
                                "PATCH",
                                &format!("/api/v1/customers/{id}"),
                                Some(&t.admin_token),
                                Some(json!({"notes": format!("patched {n}"), "version": v})),
                            )
                            .await;
                        // A concurrent writer may have moved the version on: that is a correct 409.
                        if p.status == 409 { g } else { p }
                    };
                    if r.status < 300 {
                        ok.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                        eprintln!("{backend:?}: failed request: {} {}", r.status, r.body);
                    }
                }
            });
        }

        // Rotate in the background of the serving app, as `custos keys rotate` does.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let source = KeyFileSource::new(&t.db.key_file());
        let mut seen: Vec<RotationProgress> = Vec::new();
        let mut record = |p: &RotationProgress| seen.push(p.clone());
        let opts = RotateOptions { batch: 500, ..RotateOptions::default() };
        let done = custos_app::keys::rotate(&t.db.keystore, &source, &OsRandom, &SystemClock, &opts, &mut record)
            .await
            .expect("rotation");
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::Relaxed);
        while let Some(r) = load.join_next().await {
            r.expect("load task");
        }

        assert!(done.finished && done.target_version == 2);
        assert!(seen.iter().any(|p| !p.finished && p.done < p.total), "{backend:?}: progress was reported");
        assert!(done.done >= CUSTOMERS as i64, "{backend:?}: {done:?}");
        assert_eq!(failed.load(Ordering::Relaxed), 0, "{backend:?}: failed requests under rotation");
        assert!(ok.load(Ordering::Relaxed) > 100, "{backend:?}: the load ran");

        // Every key is on version 2, status says so, version 1 is retirable and retired.
        let counts = t.db.keystore.count_by_version().await.unwrap();
        assert_eq!(counts.len(), 1, "{backend:?}: {counts:?}");
        assert_eq!(counts[0].0, 2);
        let s = custos_app::keys::status(&t.db.keystore, &source).await.unwrap();
        assert_eq!(s.current_version, 2);
        assert_eq!(s.retirable, vec![1]);
        assert!(s.rotations[0].finished_at.is_some() && s.rotations[0].done == s.rotations[0].total);
        let retired = custos_app::keys::retire(&t.db.keystore, &source, &OsRandom, &SystemClock).await.unwrap();
        assert_eq!(retired, vec![1]);
        assert_eq!(custos_crypto::keyfile::load_key_file(&t.db.key_file()).unwrap().master_versions(), vec![2]);

        // Every record readable afterwards, by this server and by a fresh process's vault.
        let fresh = fresh_app(&t).await;
        for (i, id) in ids.iter().enumerate() {
            let c = t.app.get_customer(&Actor::operator(), id).await.expect("readable after rotation");
            let f = fresh.get_customer(&Actor::operator(), id).await.expect("readable by a fresh process");
            assert_eq!(c.email, f.email);
            if i % 1000 == 0 {
                assert!(c.name.starts_with("Rotation Customer"));
            }
        }
        // Rotating again resumes nothing and adds version 3 cleanly.
        let again = custos_app::keys::rotate(
            &t.db.keystore,
            &source,
            &OsRandom,
            &SystemClock,
            &RotateOptions { settle: Duration::from_millis(10), ..RotateOptions::default() },
            &mut |_| {},
        )
        .await
        .unwrap();
        assert_eq!(again.target_version, 3);
    }
}

/// An App as a second server process would build it: same databases, same key file.
async fn fresh_app(t: &TestApp) -> App {
    let source = Arc::new(KeyFileSource::new(&t.db.key_file()));
    let vault = Vault::open(t.db.keystore.clone(), source, Arc::new(OsRandom), Arc::new(SystemClock)).await.unwrap();
    App::new(t.db.store.clone(), vault, Arc::new(SystemClock), Arc::new(OsRandom), AppConfig::default())
}

#[tokio::test]
async fn an_interrupted_rotation_resumes_when_run_again() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        let ids = seed(&t, 40).await;
        let source = KeyFileSource::new(&t.db.key_file());
        // A crash right after the rotation was recorded, before the key file got version 2.
        t.db.keystore.start_rotation(2, 40, 0).await.unwrap();
        let opts = RotateOptions { batch: 7, settle: Duration::from_millis(10), ..RotateOptions::default() };
        let p = custos_app::keys::rotate(&t.db.keystore, &source, &OsRandom, &SystemClock, &opts, &mut |_| {})
            .await
            .unwrap();
        assert_eq!((p.target_version, p.done), (2, 40), "{backend:?}");
        assert_eq!(custos_crypto::keyfile::load_key_file(&t.db.key_file()).unwrap().master_versions(), vec![1, 2]);
        for id in &ids {
            t.app.get_customer(&Actor::operator(), id).await.expect("readable");
        }
    }
}

#[tokio::test]
async fn a_customer_without_its_key_is_gone_not_an_error() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        let c = t.create_customer(json!({"name": "Shredded Ltd", "email": "gone@example.com"})).await;
        let id = c["id"].as_str().unwrap();
        // The key is destroyed but the row is still there (e.g. restored from a backup).
        assert!(t.db.keystore.destroy_key(id).await.unwrap());
        let fresh = fresh_app(&t).await;
        let router = custos_web::router(fresh, custos_web::WebConfig { secure_cookies: false });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(custos_web::serve(listener, router, std::future::pending()));
        let r = t.http.get(format!("{base}/api/v1/customers/{id}")).bearer_auth(&t.admin_token).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 410, "{backend:?}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["type"].as_str().map(|s| s.ends_with("erased")), Some(true), "{body}");
        assert!(!body.to_string().to_lowercase().contains("key version"), "{body}");
        let list = t.http.get(format!("{base}/api/v1/customers")).bearer_auth(&t.admin_token).send().await.unwrap();
        assert_eq!(list.status().as_u16(), 200);
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

async fn checkpoint(url: &str) {
    use sqlx::Connection;
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut c).await.unwrap();
    c.close().await.unwrap();
}

#[tokio::test]
async fn erasure_shreds_the_customer_in_a_restored_copy_of_the_database() {
    let t = spawn_app().await;
    let erased = t
        .create_customer(json!({"name": "To Be Erased", "email": "erase-me@example.com",
        "mobile": "13911112222", "notes": "secret notes"}))
        .await;
    let kept =
        t.create_customer(json!({"name": "Kept Co", "email": "keep@example.com", "mobile": "13933334444"})).await;
    let eid = erased["id"].as_str().unwrap().to_string();
    let kid = kept["id"].as_str().unwrap().to_string();
    let c = t
        .post(&format!("/api/v1/customers/{eid}/contacts"), json!({"name": "Erased Contact", "email": "c@example.com"}))
        .await;
    assert_eq!(c.status, 201, "{}", c.body);

    // Back up the customer database (after a checkpoint, with its WAL if any).
    checkpoint(&t.db.url).await;
    let backup = tempfile::tempdir().unwrap();
    for f in ["custos.db", "custos.db-wal"] {
        let src = t.db.dir.path().join(f);
        if src.exists() {
            std::fs::copy(&src, backup.path().join(f)).unwrap();
        }
    }

    // Erase.
    let d = t.request("DELETE", &format!("/api/v1/customers/{eid}"), Some(&t.admin_token), None).await;
    assert_eq!(d.status, 204, "{}", d.body);
    assert_eq!(t.get(&format!("/api/v1/customers/{eid}")).await.status, 404);
    assert!(t.db.keystore.get_key(&eid).await.unwrap().is_none(), "the data key is destroyed");

    // Put the old copy back (beside the live key store and key file) and serve it.
    let restored =
        custos_store::Store::open(&format!("sqlite://{}?mode=rw", backup.path().join("custos.db").display()))
            .await
            .unwrap();
    let row = restored.get_customer(&eid).await.unwrap().expect("the old copy still has the row");
    assert!(row.email.ct.is_some(), "and its ciphertext");
    let source = Arc::new(KeyFileSource::new(&t.db.key_file()));
    let vault = Vault::open(t.db.keystore.clone(), source, Arc::new(OsRandom), Arc::new(SystemClock)).await.unwrap();
    let app = App::new(restored, vault, Arc::new(SystemClock), Arc::new(OsRandom), AppConfig::default());
    match app.get_customer(&Actor::operator(), &eid).await {
        Err(custos_app::AppError::Erased(_)) => {}
        other => panic!("the erased customer must not decrypt from the old copy: {other:?}"),
    }
    // Its contacts were sealed with the same key.
    assert!(app.list_contacts(&Actor::operator(), &eid).await.is_err());
    let k = app.get_customer(&Actor::operator(), &kid).await.expect("every other customer still decrypts");
    assert_eq!(k.email.as_deref(), Some("keep@example.com"));
    let page = app.list_customers(&Actor::operator(), &Default::default()).await.unwrap();
    assert!(page.items.iter().any(|c| c.id.to_string() == kid));
    assert!(!page.items.iter().any(|c| c.id.to_string() == eid));
}

#[tokio::test]
async fn the_key_store_is_apart_from_the_customer_data() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        let mut ids = Vec::new();
        for i in 0..5 {
            let c = t
                .create_customer(json!({"name": format!("Separate {i}"), "email": format!("sep{i}@example.com")}))
                .await;
            ids.push(c["id"].as_str().unwrap().to_string());
        }
        match backend {
            Backend::Sqlite => {
                checkpoint(&t.db.url).await;
                let ks_url = custos_store::keystore_url_for(&t.db.url).unwrap();
                checkpoint(&ks_url).await;
                let main = std::fs::read(t.db.dir.path().join("custos.db")).unwrap();
                let keys = std::fs::read(t.db.dir.path().join("keys.db")).unwrap();
                for id in &ids {
                    let k = t.db.keystore.get_key(id).await.unwrap().expect("a key per customer");
                    assert!(!contains(&main, &k.wrapped), "custos.db holds no wrapped data key");
                    let row = t.db.store.get_customer(id).await.unwrap().unwrap();
                    let ct = row.email.ct.unwrap();
                    assert!(!contains(&keys, &ct), "keys.db holds no customer ciphertext");
                    assert!(!contains(&keys, row.name.as_bytes()), "keys.db holds no customer names");
                }
                assert!(!contains(&main, b"customer_keys"), "no key table in custos.db");
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = std::fs::metadata(t.db.dir.path().join("keys.db")).unwrap().permissions().mode();
                    assert_eq!(mode & 0o077, 0, "keys.db is owner-only");
                }
            }
            Backend::Postgres => {
                use sqlx::Connection;
                let mut c = sqlx::AnyConnection::connect(&t.db.url).await.unwrap();
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'customer_keys' AND table_schema <> 'custos_keys'",
                )
                .fetch_one(&mut c)
                .await
                .unwrap();
                assert_eq!(n, 0, "wrapped keys live only in schema custos_keys");
                let m: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'custos_keys' AND table_name = 'customers'",
                )
                .fetch_one(&mut c)
                .await
                .unwrap();
                assert_eq!(m, 0);
                c.close().await.unwrap();
            }
        }
    }
}

#[tokio::test]
async fn create_names_possible_duplicates_by_blind_index() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        async fn created(t: &TestApp, body: serde_json::Value) -> serde_json::Value {
            let r = t.post("/api/v1/customers", body).await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.body
        }
        let first = created(&t, json!({"name": "First", "email": "Dup@Example.com", "mobile": "13955556666"})).await;
        assert_eq!(first["possible_duplicates"], json!([]), "{backend:?}: {first}");
        // Same e-mail in another case: still created, the first one is named.
        let second = created(&t, json!({"name": "Second", "email": "dup@example.com"})).await;
        assert_eq!(second["possible_duplicates"], json!([first["id"]]), "{backend:?}");
        let third = created(&t, json!({"name": "Third", "mobile": "+86 139 5555 6666"})).await;
        assert_eq!(third["possible_duplicates"], json!([first["id"]]), "{backend:?}");
        let other = created(&t, json!({"name": "Other", "email": "other@example.com"})).await;
        assert_eq!(other["possible_duplicates"], json!([]), "{backend:?}");
        // The GET representation is unchanged.
        let g = t.get(&format!("/api/v1/customers/{}", second["id"].as_str().unwrap())).await;
        assert!(g.body.get("possible_duplicates").is_none());
    }
}
