//! The `custos` binary's key commands (`keys rotate`, `keys status`, `keys retire`) on a data
//! directory with customers, built-in TLS with a self-signed certificate made in the test,
//! and the plaintext canary on PostgreSQL through `pg_dump` (skipped only when
//! CUSTOS_TEST_POSTGRES_URL is unset).

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_custos");
const PASSWORD: &str = "a long enough password";

fn custos(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("CUSTOS_MASTER_KEY")
        .env_remove("CUSTOS_DATABASE_URL")
        .env_remove("CUSTOS_LISTEN")
        .env_remove("CUSTOS_PKCS11_MODULE");
    c
}

fn run(args: &[&str], envs: &[(&str, &str)], stdin: &str) -> (bool, String, String) {
    let mut cmd = custos(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `custos serve` with stderr to `log` and returns it with the announced URL.
fn serve(args: &[&str], envs: &[(&str, &str)], log: &Path) -> Server {
    let mut cmd = custos(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let child = cmd.stdout(Stdio::null()).stderr(std::fs::File::create(log).unwrap()).spawn().unwrap();
    // Killed on drop, also when the start times out.
    let mut server = Server(child, String::new());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(l) = text.lines().find_map(|l| l.strip_prefix("custos: listening on ")) {
            server.1 = l.to_string();
            return server;
        }
        assert!(Instant::now() < deadline, "server did not start: {text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn login(http: &reqwest::Client, base: &str, email: &str) -> String {
    let r: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().expect("token").to_string()
}

#[tokio::test]
async fn keys_rotate_status_and_retire_on_a_served_data_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    let (ok, _, err) = run(
        &["user", "add", "--data-dir", d, "--email", "ops@example.com", "--role", "admin", "--password-stdin"],
        &[],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{err}");
    let server = serve(&["serve", "--data-dir", d, "--listen", "127.0.0.1:0"], &[], &tmp.path().join("server.log"));
    let http = reqwest::Client::new();
    let token = login(&http, &server.1, "ops@example.com").await;
    let mut ids = Vec::new();
    for i in 0..30 {
        let r: serde_json::Value = http
            .post(format!("{}/api/v1/customers", server.1))
            .bearer_auth(&token)
            .json(&serde_json::json!({"name": format!("Key Cli {i}"), "email": format!("k{i}@example.com")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(r["id"].as_str().unwrap().to_string());
    }
    let (ok, out, err) = run(&["keys", "status", "--data-dir", d], &[], "");
    assert!(ok, "{err}");
    assert!(out.contains("master key versions: 1 (current 1)"), "{out}");
    assert!(out.contains("version 1: active, 30 data keys"), "{out}");
    assert!(!out.to_lowercase().contains("master 1 "), "no key material: {out}");

    // Rotate in another process while the server serves; it reloads the key file by itself.
    let (ok, _, err) = run(&["keys", "rotate", "--data-dir", d, "--batch", "7"], &[], "");
    assert!(ok, "{err}");
    assert!(err.contains("rotation to master key version 2 finished: 30 data keys rewrapped"), "{err}");
    for id in &ids {
        let r = http.get(format!("{}/api/v1/customers/{id}", server.1)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    let (ok, out, _) = run(&["keys", "status", "--data-dir", d], &[], "");
    assert!(ok);
    assert!(out.contains("master key versions: 1, 2 (current 2)"), "{out}");
    assert!(out.contains("version 2: active, 30 data keys"), "{out}");
    assert!(out.contains("rotation to version 2: finished 30/30"), "{out}");
    assert!(out.contains("retirable: 1"), "{out}");
    let (ok, _, err) = run(&["keys", "retire", "--data-dir", d], &[], "");
    assert!(ok && err.contains("retired master key version(s) 1"), "{err}");
    let (_, out, _) = run(&["keys", "status", "--data-dir", d], &[], "");
    assert!(out.contains("master key versions: 2 (current 2)") && out.contains("version 1: retired"), "{out}");
    // A new customer after rotation is wrapped with version 2 and readable.
    let r = http
        .post(format!("{}/api/v1/customers", server.1))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "After rotation", "mobile": "13900001111"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Keys and data are in separate files.
    assert!(tmp.path().join("keys.db").exists() && tmp.path().join("custos.db").exists());
}

#[tokio::test]
async fn serve_speaks_tls_with_hsts() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("data");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_path = tmp.path().join("cert.pem");
    let key_path = tmp.path().join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let server = serve(
        &[
            "serve",
            "--data-dir",
            d.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            cert_path.to_str().unwrap(),
            "--tls-key",
            key_path.to_str().unwrap(),
        ],
        &[],
        &tmp.path().join("server.log"),
    );
    let addr = server.1.strip_prefix("https://").expect("announces https").to_string();

    // A client that trusts exactly this certificate.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.expect("TLS handshake with the self-signed certificate");
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut resp = Vec::new();
    let _ = tls.read_to_end(&mut resp).await;
    let text = String::from_utf8_lossy(&resp).to_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(text.contains("strict-transport-security: max-age=31536000"), "{text}");

    // Plain HTTP on the TLS port gets no HTTP answer.
    let mut plain = tokio::net::TcpStream::connect(&addr).await.unwrap();
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut buf)).await;
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));

    // Only one of the two flags is an error.
    let (ok, _, err) =
        run(&["serve", "--data-dir", d.to_str().unwrap(), "--tls-cert", cert_path.to_str().unwrap()], &[], "");
    assert!(!ok && err.contains("tls"), "{err}");
}

/// Creates a fresh database on the test server; None when CUSTOS_TEST_POSTGRES_URL is unset.
fn fresh_pg_database() -> Option<String> {
    let base = std::env::var("CUSTOS_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())?;
    let name = format!("custos_t_canary_{}", std::process::id());
    let out =
        Command::new("psql").args([base.as_str(), "-qc", &format!("DROP DATABASE IF EXISTS {name}")]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new("psql").args([base.as_str(), "-qc", &format!("CREATE DATABASE {name}")]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (server, _) = base.rsplit_once('/').expect("URL ends with /DATABASE");
    Some(format!("{server}/{name}"))
}

#[tokio::test]
async fn no_sensitive_plaintext_in_a_postgres_dump_or_the_log() {
    let Some(url) = fresh_pg_database() else {
        eprintln!("skipping: CUSTOS_TEST_POSTGRES_URL is not set");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let key_file = tmp.path().join("custos.key");
    let envs = [("CUSTOS_KEY_FILE", key_file.to_str().unwrap())];
    let (ok, _, err) = run(
        &["user", "add", "--database-url", &url, "--email", "ops@example.com", "--role", "admin", "--password-stdin"],
        &envs,
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{err}");
    let log_path = tmp.path().join("server.log");
    let server = serve(
        &["serve", "--database-url", &url, "--listen", "127.0.0.1:0"],
        &[envs[0], ("CUSTOS_LOG", "trace")],
        &log_path,
    );
    let http = reqwest::Client::new();
    let token = login(&http, &server.1, "ops@example.com").await;
    let markers = [
        ("email", "pgcanary.vx9k@vx9kmail.test"),
        ("mobile", "13987659876"),
        ("phone", "021-6482 9137"),
        ("address", "PgCanaryRoad 6482 金丝雀街"),
        ("birthday", "1969-11-23"),
        ("national_id", "110105196911230019"),
        ("bank_account", "6217006482913795314"),
        ("notes", "PgCanaryNote narwhal-okapi 金丝雀"),
    ];
    let mut body = serde_json::json!({"name": "Pg Canary Ltd"});
    for (k, v) in markers {
        body[k] = serde_json::json!(v);
    }
    let r = http.post(format!("{}/api/v1/customers", server.1)).bearer_auth(&token).json(&body).send().await.unwrap();
    let status = r.status();
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    let r = http
        .post(format!("{}/api/v1/customers/{id}/contacts", server.1))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Pg Contact", "email": "vx9k-pgcontact@okapimail.test", "notes": "PgContactNote tapir-quoll"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let found: serde_json::Value = http
        .get(format!("{}/api/v1/customers?email=pgcanary.vx9k%40vx9kmail.test", server.1))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"][0]["id"].as_str(), Some(id), "found through the blind index");

    // The whole database (key store schema included) as pg_dump writes it.
    let dump = Command::new("pg_dump").args(["--no-owner", &url]).output().unwrap();
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    assert!(dump.stdout.len() > 1000 && String::from_utf8_lossy(&dump.stdout).contains("customers"));
    let mut needles: Vec<String> = markers.iter().map(|(_, v)| v.to_string()).collect();
    needles.extend(["vx9k-pgcontact", "tapir-quoll", "8613987659876"].map(String::from));
    let fragments: Vec<String> = needles
        .iter()
        .flat_map(|n| {
            let chars: Vec<char> = n.chars().collect();
            let w = chars.len().min(8);
            (0..=chars.len() - w).map(move |i| chars[i..i + w].iter().collect::<String>())
        })
        .collect();
    drop(server);
    let log = std::fs::read(&log_path).unwrap();
    assert!(log.len() > 1000, "trace logging produced output");
    for (what, bytes) in [("pg_dump", &dump.stdout), ("server log", &log)] {
        for frag in &fragments {
            assert!(!bytes.windows(frag.len()).any(|w| w == frag.as_bytes()), "fragment {frag:?} found in the {what}");
        }
    }
}
