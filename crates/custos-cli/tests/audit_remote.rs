//! `custos audit check-remote` against a served instance, with only the public key and an
//! auditor's CLI-issued token in `CUSTOS_TOKEN`: a signed checkpoint, inclusion of an
//! event, consistency with the checkpoint kept in --state; a wrong key or a token without
//! audit.read fails with one line.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_custos");
const PASSWORD: &str = "a long enough password";

fn custos(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("CUSTOS_MASTER_KEY")
        .env_remove("CUSTOS_DATABASE_URL")
        .env_remove("CUSTOS_LISTEN")
        .env_remove("CUSTOS_TOKEN");
    c
}

/// Runs to completion, returning (success, stdout, stderr).
fn run_env(args: &[&str], stdin: &str, envs: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = custos(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn ok(args: &[&str], stdin: &str) -> String {
    let (success, out, err) = run_env(args, stdin, &[]);
    assert!(success, "{args:?}: {err}");
    out
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &str) -> (Server, String) {
    let mut child = custos(&["serve", "--data-dir", dir, "--listen", "127.0.0.1:0"])
        .env("CUSTOS_AUDIT_CHECKPOINT_EVERY_SECONDS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
            && let Some(url) = line.strip_prefix("custos: listening on ")
        {
            let base = url.to_string();
            std::thread::spawn(move || for _ in rx {});
            return (Server(child), base);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not start");
}

fn add_user(dir: &str, email: &str, role: &str) -> String {
    ok(
        &["user", "add", "--data-dir", dir, "--email", email, "--role", role, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    ok(&["token", "issue", "--data-dir", dir, "--email", email], "").trim().to_string()
}

async fn checkpoint_size(http: &reqwest::Client, base: &str, token: &str) -> u64 {
    let r = http.get(format!("{base}/api/v1/audit/checkpoint")).bearer_auth(token).send().await.unwrap();
    if r.status() != 200 {
        return 0;
    }
    r.json::<serde_json::Value>().await.unwrap()["size"].as_u64().unwrap_or(0)
}

async fn create_and_wait_for_checkpoint(http: &reqwest::Client, base: &str, admin: &str, auditor: &str, n: usize) {
    let before = checkpoint_size(http, base, auditor).await;
    for i in 0..n {
        let r = http
            .post(format!("{base}/api/v1/customers"))
            .bearer_auth(admin)
            .json(&serde_json::json!({"name": format!("Remote Check {before} {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while checkpoint_size(http, base, auditor).await < before + n as u64 {
        assert!(Instant::now() < deadline, "no new checkpoint");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn check_remote_proves_inclusion_and_consistency_with_only_the_public_key() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let d = data.to_str().unwrap();
    let admin = add_user(d, "ops@example.com", "admin");
    let auditor = add_user(d, "audit@example.com", "auditor");
    let rep = add_user(d, "rep@example.com", "sales_rep");
    let key = tmp.path().join("audit.pub");
    std::fs::write(&key, ok(&["audit", "pubkey", "--data-dir", d], "")).unwrap();
    let other = tmp.path().join("other");
    let other_key = tmp.path().join("other.pub");
    ok(&["migrate", "--data-dir", other.to_str().unwrap()], "");
    std::fs::write(&other_key, ok(&["audit", "pubkey", "--data-dir", other.to_str().unwrap()], "")).unwrap();
    let state = tmp.path().join("checkpoint.state");
    let (k, s) = (key.to_str().unwrap(), state.to_str().unwrap());

    let (_server, base) = serve(d);
    let http = reqwest::Client::new();
    create_and_wait_for_checkpoint(&http, &base, &admin, &auditor, 3).await;
    let check = |token: &str, key: &str, seq: &str| {
        run_env(
            &["audit", "check-remote", "--url", &base, "--pubkey", key, "--state", s, "--seq", seq],
            "",
            &[("CUSTOS_TOKEN", token)],
        )
    };

    let (success, out, err) = check(&auditor, k, "0");
    assert!(success, "{err}");
    assert!(out.contains("(signature ok)") && out.contains("event 0 (") && out.contains("is in the log"), "{out}");
    assert!(!out.contains("consistent with"), "no saved checkpoint yet: {out}");
    assert!(state.exists(), "the checkpoint is kept for the next run");

    create_and_wait_for_checkpoint(&http, &base, &admin, &auditor, 3).await;
    let (success, out, err) = check(&auditor, k, "2");
    assert!(success, "{err}");
    assert!(out.contains("the log only grew") && out.contains("event 2 ("), "{out}");

    let (success, _, err) = check(&auditor, other_key.to_str().unwrap(), "0");
    assert!(!success, "a checkpoint signed with another key is refused");
    assert!(err.contains("signature") && err.trim().lines().count() == 1, "{err}");
    let (success, _, err) = check(&rep, k, "0");
    assert!(!success, "a token without audit.read is refused");
    assert!(err.contains("403") && err.trim().lines().count() == 1, "{err}");
}
