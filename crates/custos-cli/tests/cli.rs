//! The `custos` binary end to end: exact command forms, one-line errors with non-zero exits,
//! a served instance used with a CLI-issued token, graceful shutdown, the demo, and the
//! canary check that no sensitive plaintext reaches the data directory or the logs.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_custos");
const PASSWORD: &str = "a long enough password";

fn custos(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("CUSTOS_MASTER_KEY").env_remove("CUSTOS_DATABASE_URL").env_remove("CUSTOS_LISTEN");
    c
}

/// Runs to completion with `stdin`, returning (success, stdout, stderr).
fn run(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child =
        custos(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn custos");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn assert_one_line_error(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("custos: error:")).collect();
    assert_eq!(lines.len(), 1, "stderr: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "exactly one line: {stderr}");
}

#[test]
fn migrate_creates_a_private_data_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let d = dir.to_str().unwrap();
    let (ok, _, err) = run(&["migrate", "--data-dir", d], "");
    assert!(ok, "{err}");
    assert!(dir.join("custos.db").exists());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    let (ok, _, err) = run(&["migrate", "--data-dir", d], "");
    assert!(ok, "migrate is idempotent: {err}");
}

#[test]
fn user_add_and_token_issue_have_exact_forms_and_one_line_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    let (ok, out, err) = run(
        &["user", "add", "--data-dir", d, "--email", "ops@example.com", "--role", "admin", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{err}");
    assert!(out.is_empty());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(tmp.path().join("custos.key")).unwrap().permissions().mode() & 0o777, 0o600);

    let (ok, _, err) = run(
        &["user", "add", "--data-dir", d, "--email", "ops@example.com", "--role", "admin", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(!ok);
    assert_one_line_error(&err);
    assert!(err.contains("email"), "{err}");

    let (ok, _, err) = run(
        &["user", "add", "--data-dir", d, "--email", "x@example.com", "--role", "root", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(!ok);
    assert_one_line_error(&err);
    assert!(err.contains("sales_rep"), "lists the valid roles: {err}");

    let (ok, _, err) = run(
        &["user", "add", "--data-dir", d, "--email", "y@example.com", "--role", "sales_rep", "--password-stdin"],
        "short\n",
    );
    assert!(!ok);
    assert_one_line_error(&err);
    assert!(!err.contains("short"), "never echo a password: {err}");

    let (ok, out, err) = run(&["token", "issue", "--data-dir", d, "--email", "ops@example.com", "--name", "ci"], "");
    assert!(ok, "{err}");
    let token = out.trim();
    assert_eq!(out.lines().count(), 1, "only the token on stdout: {out}");
    assert!(token.starts_with("ct_") && token.len() > 40, "{token}");

    let (ok, _, err) = run(&["token", "issue", "--data-dir", d, "--email", "nobody@example.com"], "");
    assert!(!ok);
    assert_one_line_error(&err);
    let (ok, _, err) =
        run(&["token", "issue", "--data-dir", d, "--email", "ops@example.com", "--expires-in", "forever"], "");
    assert!(!ok);
    assert_one_line_error(&err);
    let (ok, _, err) = run(&["serve"], "");
    assert!(!ok);
    assert_one_line_error(&err);

    let (ok, out, err) = run(&["access-review", "report", "--data-dir", d], "");
    assert!(ok, "{err}");
    assert!(out.contains("ops@example.com") && out.contains("unused 90d"), "{out}");
    let (ok, out, _) = run(&["access-review", "report", "--data-dir", d, "--json"], "");
    assert!(ok);
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["role"], "admin");
    assert_eq!(first["tokens"].as_array().unwrap().len(), 1, "the token issued above is listed");
}

/// A running `custos serve` or `custos demo` whose address was read from its output.
/// It is killed when dropped, so a failing test leaves no server behind.
struct Server {
    child: Child,
    base: String,
    stdout: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Kills a child process when dropped.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str], envs: &[(&str, &str)]) -> Server {
    let mut cmd = custos(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // The demo replays a year of sales on its first start: generous in debug builds.
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            if let Some(url) = line.strip_prefix("custos: listening on ") {
                let base = url.to_string();
                // Keep draining stderr into the log file the test inspects later.
                std::thread::spawn(move || for _ in rx {});
                return Server { child, base, stdout: Vec::new() };
            }
            seen.push(line);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not start: {seen:?}");
}

fn sigterm(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(Instant::now() < deadline, "no graceful exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn served_instance_accepts_a_cli_token_and_stops_gracefully() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    let (ok, _, err) = run(
        &["user", "add", "--data-dir", d, "--email", "rep@example.com", "--role", "sales_rep", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{err}");
    let (ok, token, err) = run(&["token", "issue", "--data-dir", d, "--email", "rep@example.com"], "");
    assert!(ok, "{err}");
    let mut s = start(&["serve", "--data-dir", d, "--listen", "127.0.0.1:0"], &[]);
    let http = reqwest::Client::new();
    let me = http.get(format!("{}/api/v1/me", s.base)).bearer_auth(token.trim()).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let body: serde_json::Value = me.json().await.unwrap();
    assert_eq!(body["email"], "rep@example.com");
    assert_eq!(http.get(format!("{}/api/v1/me", s.base)).send().await.unwrap().status(), 401);
    let status = sigterm(&mut s.child);
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
}

#[tokio::test]
async fn demo_seeds_prints_credentials_and_reuses_its_data() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("demo");
    let d = d.to_str().unwrap();
    let mut s = start(&["demo", "--data-dir", d, "--listen", "127.0.0.1:0"], &[]);
    let mut out = String::new();
    let mut stdout = s.child.stdout.take().unwrap();
    // The banner is printed before serving starts; read what is there.
    let mut buf = [0u8; 8192];
    let deadline = Instant::now() + Duration::from_secs(10);
    while !out.contains("dpo@") && Instant::now() < deadline {
        let n = stdout.read(&mut buf).unwrap();
        out.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    s.stdout = out.lines().map(String::from).collect();
    assert!(out.contains(&s.base), "prints the URL: {out}");
    let admin = s.stdout.iter().find(|l| l.trim_start().starts_with("admin@")).expect("admin credentials");
    let mut parts = admin.split_whitespace();
    let (email, password) = (parts.next().unwrap(), parts.next().unwrap());
    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{}/healthz", s.base)).send().await.unwrap().status(), 200);
    let login = http
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let token = login.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let list: serde_json::Value = http
        .get(format!("{}/api/v1/customers?limit=200", s.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 200);
    assert!(list["next_cursor"].is_string());
    // A year of sales: open, won and lost deals with stage history, leads, and activities.
    for (path, min) in [
        ("/api/v1/deals?status=open&limit=100", 100),
        ("/api/v1/deals?status=won&limit=30", 30),
        ("/api/v1/deals?status=lost&limit=30", 30),
        ("/api/v1/leads?limit=100", 100),
        ("/api/v1/activities?limit=100", 100),
    ] {
        let page: serde_json::Value =
            http.get(format!("{}{path}", s.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        let n = page["items"].as_array().map_or(0, Vec::len);
        assert!(n >= min, "{path}: {n} items");
    }
    assert!(sigterm(&mut s.child).success());

    // Run again: the same data is reused, the same credentials still work.
    let mut s = start(&["demo", "--data-dir", d, "--listen", "127.0.0.1:0"], &[]);
    let login = http
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert!(sigterm(&mut s.child).success());
}

/// Every file below `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(files(&p)) } else { out.push(p) }
    }
    out
}

/// Canary: unique values written through the API never appear, not even in part, in any
/// file under the data directory or in the server's debug log.
#[tokio::test]
async fn no_sensitive_plaintext_reaches_disk_or_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    let (ok, _, err) = run(
        &["user", "add", "--data-dir", d, "--email", "ops@example.com", "--role", "admin", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{err}");
    let log_path = tmp.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let child = custos(&["serve", "--data-dir", d, "--listen", "127.0.0.1:0"])
        .env("CUSTOS_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    let base = loop {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        if let Some(l) = text.lines().find_map(|l| l.strip_prefix("custos: listening on ")) {
            break l.to_string();
        }
        assert!(Instant::now() < deadline, "server did not start: {text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "ops@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap();
    let markers = [
        ("email", "canary.qzx7w@qzx7wmail.test"),
        ("mobile", "13987650123"),
        ("phone", "021-7391 4682"),
        ("address", "CanaryStreet 7391 金丝雀路"),
        ("birthday", "1977-03-29"),
        ("national_id", "110105197703290038"),
        ("bank_account", "6217007391468205737"),
        ("notes", "CanaryNote quokka-zebra 金丝雀"),
    ];
    let mut body = serde_json::json!({"name": "Canary Test Ltd"});
    for (k, v) in markers {
        body[k] = serde_json::json!(v);
    }
    let r = http.post(format!("{base}/api/v1/customers")).bearer_auth(token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let created: serde_json::Value = http
        .get(format!("{base}/api/v1/customers?email=canary.qzx7w%40qzx7wmail.test"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["items"][0]["id"].as_str().expect("found by blind index").to_string();
    let contact = serde_json::json!({"name": "Canary Contact", "email": "cqzx7w.contact@ibismail.test", "mobile": "13987650456", "address": "ContactCanary 8823", "notes": "ContactNote wombat-ibis"});
    let r = http
        .post(format!("{base}/api/v1/customers/{id}/contacts"))
        .bearer_auth(token)
        .json(&contact)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let lead = serde_json::json!({"name": "Canary Lead", "source": "other", "email": "lqzx7w.lead@heronmail.test", "mobile": "13987650789", "notes": "LeadNote quokka-heron"});
    let r = http.post(format!("{base}/api/v1/leads")).bearer_auth(token).json(&lead).send().await.unwrap();
    assert_eq!(r.status(), 201);
    // An activity body (a call note) is sealed under the customer's key, like its notes.
    let call = serde_json::json!({"kind": "call", "subject": "Canary call", "customer_id": id, "body": "CallBody pangolin-egret 穿山甲"});
    let r = http.post(format!("{base}/api/v1/activities")).bearer_auth(token).json(&call).send().await.unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    // Bad input carrying a marker must not leak it through logs either.
    let r = http
        .post(format!("{base}/api/v1/customers"))
        .bearer_auth(token)
        .json(&serde_json::json!({"name": "x", "national_id": "11010519770329003X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    // Scan while the server runs (WAL and SHM present), then again after a graceful stop.
    let mut needles: Vec<String> = markers.iter().map(|(_, v)| v.to_string()).collect();
    needles.extend(
        [
            "cqzx7w.contact",
            "13987650456",
            "ContactCanary",
            "wombat-ibis",
            "8613987650123",
            "7703290039",
            "11010519770329003X",
            "lqzx7w.lead",
            "heronmail",
            "13987650789",
            "quokka-heron",
            "pangolin-egret",
            "穿山甲",
        ]
        .map(String::from),
    );
    let fragments: Vec<String> = needles
        .iter()
        .flat_map(|n| {
            let chars: Vec<char> = n.chars().collect();
            let w = chars.len().min(8);
            (0..=chars.len() - w).map(move |i| chars[i..i + w].iter().collect::<String>())
        })
        .collect();
    let scan = |when: &str| {
        for f in files(tmp.path()) {
            let bytes = std::fs::read(&f).unwrap();
            for frag in &fragments {
                assert!(
                    !bytes.windows(frag.len()).any(|w| w == frag.as_bytes()),
                    "{when}: fragment {frag:?} found in {}",
                    f.display()
                );
            }
        }
    };
    scan("while serving");
    assert!(sigterm(&mut child.0).success());
    scan("after shutdown");
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("listening"), "the log was captured");
    assert!(log.len() > 1000, "trace logging produced output");
}

/// Key operations run from the CLI are recorded in the audit log, which still verifies.
#[test]
fn key_operations_are_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    let (ok, _, err) = run(
        &["user", "add", "--data-dir", d, "--email", "ops@example.com", "--role", "admin", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{err}");
    let (ok, _, err) = run(&["keys", "rotate", "--data-dir", d], "");
    assert!(ok, "{err}");
    let (ok, out, err) = run(&["audit", "verify", "--data-dir", d], "");
    assert!(ok, "{err}");
    assert!(out.contains("2 events") || err.contains("2 events"), "user.create and key.rotate: {out}{err}");
}
