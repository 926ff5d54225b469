//! SIEM forwarding end to end with the real binary: a served instance with a JSON-lines
//! file sink and syslog sinks over UDP and TCP (listeners bound by the test on 127.0.0.1)
//! delivers every audit event in seq order; a TCP collector that is down when the server
//! starts receives every event exactly once, with no gap, once it comes up.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_custos");
const PASSWORD: &str = "a long enough password";
const MARKER: &str = "SiemCanaryName";

fn custos(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("CUSTOS_MASTER_KEY").env_remove("CUSTOS_DATABASE_URL").env_remove("CUSTOS_LISTEN");
    c
}

fn run(args: &[&str], stdin: &str) -> String {
    let mut child =
        custos(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn custos");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into()
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &str) -> Server {
    let mut child = custos(&["serve", "--data-dir", dir, "--listen", "127.0.0.1:0"])
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
            return Server { child, base };
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not start");
}

/// Stops the server with SIGTERM (sinks deliver what is in the log) and waits for it.
fn stop(mut s: Server) {
    Command::new("kill").args(["-TERM", &s.child.id().to_string()]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            assert!(st.success(), "graceful exit: {st:?}");
            return;
        }
        assert!(Instant::now() < deadline, "no graceful exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

type Msgs = Arc<Mutex<Vec<String>>>;

fn udp_collector(sock: UdpSocket) -> Msgs {
    let msgs: Msgs = Arc::default();
    let m = msgs.clone();
    sock.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65_536];
        loop {
            if let Ok(n) = sock.recv(&mut buf) {
                m.lock().unwrap().push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        }
    });
    msgs
}

/// Accepts connections until `down` is set, then drops the listener (refusing connects).
fn tcp_collector(listener: TcpListener, msgs: Msgs, down: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        while !down.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((conn, _)) => {
                    conn.set_nonblocking(false).unwrap();
                    let m = msgs.clone();
                    std::thread::spawn(move || read_frames(conn, &m));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    })
}

/// RFC 6587 octet counting: `LEN SP MSG`, until the peer closes.
fn read_frames(conn: std::net::TcpStream, msgs: &Msgs) {
    let mut r = BufReader::new(conn);
    loop {
        let mut len = Vec::new();
        if r.read_until(b' ', &mut len).unwrap_or(0) == 0 {
            return;
        }
        let n: usize = std::str::from_utf8(&len).unwrap().trim().parse().expect("octet count");
        let mut buf = vec![0u8; n];
        r.read_exact(&mut buf).unwrap();
        msgs.lock().unwrap().push(String::from_utf8(buf).unwrap());
    }
}

fn syslog_seqs(msgs: &Msgs) -> Vec<u64> {
    msgs.lock()
        .unwrap()
        .iter()
        .map(|m| {
            assert!(m.starts_with('<') && m.contains(">1 ") && m.contains(" custos - "), "RFC 5424 header: {m}");
            assert!(!m.contains(MARKER), "no field value in a sink message: {m}");
            let s = &m[m.find("[custos@32473 seq=\"").expect("structured data") + 19..];
            s[..s.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

fn file_seqs(path: &std::path::Path) -> Vec<u64> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    assert!(!text.contains(MARKER), "no field value in the file sink");
    // Only complete lines: the server may be appending while the test reads.
    text.split_inclusive('\n')
        .filter(|l| l.ends_with('\n'))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"].as_u64().unwrap())
        .collect()
}

fn wait_for(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A prefix `0, 1, 2, …` of at least `n` events.
fn in_order_from_zero(v: &[u64], n: usize) -> bool {
    v.len() >= n && v.iter().enumerate().all(|(i, s)| *s == i as u64)
}

fn logged_events(dir: &str) -> usize {
    let out = run(&["audit", "verify", "--data-dir", dir], "");
    out.split_whitespace().nth(3).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("verify output: {out}"))
}

async fn create(http: &reqwest::Client, base: &str, token: &str, n: usize, from: usize) {
    for i in from..from + n {
        let r = http
            .post(format!("{base}/api/v1/customers"))
            .bearer_auth(token)
            .json(&serde_json::json!({"name": format!("{MARKER} {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
    }
}

#[tokio::test]
async fn sinks_receive_every_event_in_order_and_a_down_sink_catches_up_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    run(
        &["user", "add", "--data-dir", d, "--email", "ops@example.com", "--role", "admin", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    let token = run(&["token", "issue", "--data-dir", d, "--email", "ops@example.com"], "").trim().to_string();

    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp_addr = udp.local_addr().unwrap();
    let udp_msgs = udp_collector(udp);
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp_addr = tcp.local_addr().unwrap();
    let tcp_msgs: Msgs = Arc::default();
    let down = Arc::new(AtomicBool::new(false));
    let tcp_thread = tcp_collector(tcp, tcp_msgs.clone(), down.clone());
    let file = tmp.path().join("audit.jsonl");
    std::fs::write(
        tmp.path().join("custos.toml"),
        format!(
            "audit_checkpoint_every_seconds = 1\n\
             [[siem]]\nkind = \"jsonl\"\npath = \"audit.jsonl\"\n\
             [[siem]]\nkind = \"syslog-udp\"\naddress = \"{udp_addr}\"\nname = \"udp\"\n\
             [[siem]]\nkind = \"syslog-tcp\"\naddress = \"{tcp_addr}\"\nname = \"tcp\"\n"
        ),
    )
    .unwrap();

    // All sinks up: every event arrives while the server runs, in seq order.
    let s = serve(d);
    let http = reqwest::Client::new();
    create(&http, &s.base, &token, 20, 0).await;
    wait_for("the file sink", || in_order_from_zero(&file_seqs(&file), 20));
    wait_for("the UDP sink", || in_order_from_zero(&syslog_seqs(&udp_msgs), 20));
    wait_for("the TCP sink", || in_order_from_zero(&syslog_seqs(&tcp_msgs), 20));
    stop(s);
    let n1 = logged_events(d);
    let all = |n: usize| (0..n as u64).collect::<Vec<_>>();
    assert_eq!(file_seqs(&file), all(n1));
    wait_for("UDP at shutdown", || syslog_seqs(&udp_msgs).len() >= n1);
    assert_eq!(syslog_seqs(&udp_msgs), all(n1));
    wait_for("TCP at shutdown", || syslog_seqs(&tcp_msgs).len() >= n1);
    assert_eq!(syslog_seqs(&tcp_msgs), all(n1));

    // The TCP collector is down when the server starts: the others keep going, requests
    // are not blocked, and once it is back it gets exactly what it missed.
    down.store(true, Ordering::SeqCst);
    tcp_thread.join().unwrap();
    let s = serve(d);
    let started = Instant::now();
    create(&http, &s.base, &token, 20, 20).await;
    assert!(started.elapsed() < Duration::from_secs(20), "requests are not held up by a down sink");
    wait_for("the file sink", || in_order_from_zero(&file_seqs(&file), n1 + 20));
    wait_for("the UDP sink", || in_order_from_zero(&syslog_seqs(&udp_msgs), n1 + 20));
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(syslog_seqs(&tcp_msgs).len(), n1, "nothing reaches a collector that is down");
    let back = Arc::new(AtomicBool::new(false));
    let tcp = TcpListener::bind(tcp_addr).expect("rebind the TCP collector");
    let _tcp_thread = tcp_collector(tcp, tcp_msgs.clone(), back);
    wait_for("the TCP sink to catch up", || in_order_from_zero(&syslog_seqs(&tcp_msgs), n1 + 20));
    stop(s);
    let n2 = logged_events(d);
    assert!(n2 >= n1 + 20);
    assert_eq!(file_seqs(&file), all(n2));
    wait_for("UDP at shutdown", || syslog_seqs(&udp_msgs).len() >= n2);
    assert_eq!(syslog_seqs(&udp_msgs), all(n2));
    wait_for("TCP at shutdown", || syslog_seqs(&tcp_msgs).len() >= n2);
    assert_eq!(syslog_seqs(&tcp_msgs), all(n2), "exactly once, no gap");
}
