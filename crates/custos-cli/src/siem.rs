//! SIEM forwarding for `custos serve`: copies audit events, in seq order, to a JSON-lines
//! file or to syslog (RFC 5424 over UDP, or over TCP with RFC 6587 octet counting). Each
//! sink keeps its own cursor in `audit_sink_cursor` and advances it only after a write
//! succeeded, so a sink that is down loses nothing and catches up from the log when it
//! comes back. It never blocks requests or other sinks, never changes the log, and never
//! sends more than the events hold (ids and field names, never a field value or secret).

use custos_audit::{AuditEvent, Outcome};
use custos_store::Store;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;

/// Events read and written per batch.
const BATCH: i64 = 500;
/// How often an idle sink looks for new events.
const POLL: Duration = Duration::from_millis(250);
/// First and largest wait before retrying a sink that failed.
const BACKOFF_MIN: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// Connect and write timeout of the syslog TCP sink.
const NET_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest syslog message: UDP datagrams stay below common 8 KiB receive limits, TCP
/// messages below the 64 KiB most collectors accept.
const MAX_UDP: usize = 8000;
const MAX_TCP: usize = 65_000;
/// How long shutdown waits for sinks to deliver what is already in the log.
const DRAIN: Duration = Duration::from_secs(5);
/// RFC 5424 structured-data id (32473 is the example enterprise number of RFC 5612).
const SD_ID: &str = "custos@32473";

/// Where a sink writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkTarget {
    Jsonl(PathBuf),
    SyslogUdp(SocketAddr),
    SyslogTcp(SocketAddr),
}

/// One configured sink; `name` keys its cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkConfig {
    pub name: String,
    pub target: SinkTarget,
}

/// A `[[siem]]` table of `custos.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkFile {
    kind: String,
    name: Option<String>,
    path: Option<PathBuf>,
    address: Option<String>,
}

/// Checks the `[[siem]]` tables; relative paths are below `dir`. Names must be unique
/// (default: `kind:path` or `kind:address`).
pub fn parse_sinks(tables: Vec<SinkFile>, dir: &Path, origin: &str) -> Result<Vec<SinkConfig>, String> {
    let mut out: Vec<SinkConfig> = Vec::with_capacity(tables.len());
    for t in tables {
        let addr = |a: &Option<String>| -> Result<SocketAddr, String> {
            let a = a.as_deref().ok_or_else(|| format!("{origin}: a {} sink needs address = \"host:port\"", t.kind))?;
            a.parse().map_err(|_| format!("{origin}: siem address must look like 127.0.0.1:514"))
        };
        let target = match t.kind.as_str() {
            "jsonl" => {
                let p = t.path.clone().ok_or_else(|| format!("{origin}: a jsonl sink needs path = \"FILE\""))?;
                SinkTarget::Jsonl(if p.is_relative() { dir.join(p) } else { p })
            }
            "syslog-udp" => SinkTarget::SyslogUdp(addr(&t.address)?),
            "syslog-tcp" => SinkTarget::SyslogTcp(addr(&t.address)?),
            _ => return Err(format!("{origin}: siem kind must be jsonl, syslog-udp or syslog-tcp")),
        };
        let name = match t.name {
            Some(n) if !n.trim().is_empty() => n.trim().to_string(),
            Some(_) => return Err(format!("{origin}: siem name must not be empty")),
            None => match &target {
                SinkTarget::Jsonl(p) => format!("jsonl:{}", p.display()),
                SinkTarget::SyslogUdp(a) => format!("syslog-udp:{a}"),
                SinkTarget::SyslogTcp(a) => format!("syslog-tcp:{a}"),
            },
        };
        if out.iter().any(|s| s.name == name) {
            return Err(format!("{origin}: two siem sinks are named '{name}'"));
        }
        out.push(SinkConfig { name, target });
    }
    Ok(out)
}

/// The running sink tasks.
pub struct Sinks {
    stop: watch::Sender<bool>,
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Sinks {
    /// Asks every sink to deliver what is in the log and stop; after `DRAIN` the rest are
    /// ended (their cursors say where to continue).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for mut h in self.handles {
            if tokio::time::timeout(DRAIN, &mut h).await.is_err() {
                h.abort();
            }
        }
    }
}

/// Starts one task per sink on the current runtime.
pub fn start(store: &Store, sinks: &[SinkConfig]) -> Sinks {
    let (stop, rx) = watch::channel(false);
    let host = hostname();
    let handles = sinks
        .iter()
        .map(|s| {
            let (store, s, rx, host) = (store.clone(), s.clone(), rx.clone(), host.clone());
            tokio::spawn(async move { run_sink(store, s, rx, host).await })
        })
        .collect();
    Sinks { stop, handles }
}

/// An open connection or file of a sink.
enum Conn {
    File(tokio::fs::File),
    Udp(tokio::net::UdpSocket),
    Tcp(tokio::net::TcpStream),
}

async fn run_sink(store: Store, sink: SinkConfig, mut stop: watch::Receiver<bool>, host: String) {
    let name = sink.name.as_str();
    let mut cursor: Option<i64> = None;
    let mut conn: Option<Conn> = None;
    let mut backoff = BACKOFF_MIN;
    let mut unsaved = false;
    loop {
        let stopping = *stop.borrow();
        match step(&store, &sink, &host, &mut cursor, &mut conn, &mut unsaved).await {
            Ok(0) if stopping => return,
            Ok(0) => {
                backoff = BACKOFF_MIN;
                wait(&mut stop, POLL).await;
            }
            Ok(_) => backoff = BACKOFF_MIN,
            Err(e) => {
                conn = None;
                if stopping {
                    tracing::warn!(sink = name, error = %e, "SIEM sink unavailable at shutdown; it continues from its cursor next start");
                    return;
                }
                tracing::warn!(sink = name, error = %e, retry_in_ms = backoff.as_millis() as u64, "SIEM sink unavailable; will retry");
                wait(&mut stop, backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

/// Sleeps for `d` or until shutdown is requested.
async fn wait(stop: &mut watch::Receiver<bool>, d: Duration) {
    if *stop.borrow() {
        return;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => {}
        _ = stop.changed() => {}
    }
}

/// Delivers one batch after the cursor; returns how many events were delivered.
async fn step(
    store: &Store,
    sink: &SinkConfig,
    host: &str,
    cursor: &mut Option<i64>,
    conn: &mut Option<Conn>,
    unsaved: &mut bool,
) -> Result<usize, String> {
    let from = match *cursor {
        Some(c) => c,
        None => {
            let c = store.audit_sink_cursor(&sink.name).await.map_err(|e| format!("cannot read its cursor: {e}"))?;
            *cursor = Some(c);
            c
        }
    };
    if *unsaved {
        store.set_audit_sink_cursor(&sink.name, from).await.map_err(|e| format!("cannot store its cursor: {e}"))?;
        *unsaved = false;
    }
    let page = store.audit_page(from, BATCH).await.map_err(|e| format!("cannot read the audit log: {e}"))?;
    let Some(last) = page.last() else { return Ok(0) };
    let next = last.seq.saturating_add(1);
    if let Some(first) = page.first()
        && first.seq != from
    {
        tracing::warn!(sink = %sink.name, expected = from, found = first.seq, "audit log has a gap; run `custos audit verify`");
    }
    let events: Vec<&AuditEvent> = page
        .iter()
        .filter_map(|r| {
            if r.event.is_none() {
                tracing::warn!(sink = %sink.name, seq = r.seq, "audit event does not decode and is not forwarded; run `custos audit verify`");
            }
            r.event.as_ref()
        })
        .collect();
    if conn.is_none() {
        *conn = Some(open(&sink.target).await?);
    }
    if let Some(c) = conn.as_mut() {
        write(c, &events, host).await?;
    }
    *cursor = Some(next);
    // The events are out; if the cursor cannot be stored now it is stored before the next
    // batch (a restart in between sends this batch again).
    *unsaved = true;
    if store.set_audit_sink_cursor(&sink.name, next).await.is_ok() {
        *unsaved = false;
    }
    Ok(page.len())
}

async fn open(target: &SinkTarget) -> Result<Conn, String> {
    match target {
        SinkTarget::Jsonl(p) => {
            let mut o = tokio::fs::OpenOptions::new();
            o.create(true).append(true);
            #[cfg(unix)]
            o.mode(0o600);
            o.open(p).await.map(Conn::File).map_err(|e| format!("cannot open {}: {e}", p.display()))
        }
        SinkTarget::SyslogUdp(a) => {
            let local: SocketAddr = if a.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
            let s = tokio::net::UdpSocket::bind(local).await.map_err(|e| format!("udp socket: {e}"))?;
            s.connect(a).await.map_err(|e| format!("udp {a}: {e}"))?;
            Ok(Conn::Udp(s))
        }
        SinkTarget::SyslogTcp(a) => match tokio::time::timeout(NET_TIMEOUT, tokio::net::TcpStream::connect(a)).await {
            Ok(Ok(s)) => Ok(Conn::Tcp(s)),
            Ok(Err(e)) => Err(format!("tcp {a}: {e}")),
            Err(_) => Err(format!("tcp {a}: connect timed out")),
        },
    }
}

async fn write(conn: &mut Conn, events: &[&AuditEvent], host: &str) -> Result<(), String> {
    match conn {
        Conn::File(f) => {
            let mut buf = Vec::with_capacity(events.len() * 400);
            for e in events {
                serde_json::to_writer(&mut buf, e).map_err(|e| format!("json: {e}"))?;
                buf.push(b'\n');
            }
            f.write_all(&buf).await.map_err(|e| format!("write: {e}"))?;
            f.sync_data().await.map_err(|e| format!("fsync: {e}"))
        }
        Conn::Udp(s) => {
            for e in events {
                let m = syslog_message(e, host, MAX_UDP);
                s.send(m.as_bytes()).await.map_err(|e| format!("send: {e}"))?;
            }
            Ok(())
        }
        Conn::Tcp(s) => {
            let mut buf = Vec::with_capacity(events.len() * 500);
            for e in events {
                let m = syslog_message(e, host, MAX_TCP);
                buf.extend_from_slice(format!("{} ", m.len()).as_bytes());
                buf.extend_from_slice(m.as_bytes());
            }
            match tokio::time::timeout(NET_TIMEOUT, async {
                s.write_all(&buf).await?;
                s.flush().await
            })
            .await
            {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(format!("write: {e}")),
                Err(_) => Err("write timed out".into()),
            }
        }
    }
}

/// This machine's name for the syslog HOSTNAME field (`-` if unknown).
fn hostname() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let h = printable(raw.trim(), 255);
    if h.is_empty() { "-".into() } else { h }
}

/// `s` restricted to printable US-ASCII without spaces (RFC 5424 header fields), at most `max`.
fn printable(s: &str, max: usize) -> String {
    s.chars().map(|c| if c.is_ascii_graphic() { c } else { '_' }).take(max).collect()
}

/// An SD-PARAM value with `"`, `\` and `]` escaped (RFC 5424 section 6.3.3).
fn sd_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The RFC 5424 message of an event, at most `max` bytes: when the full event does not
/// fit, the `ids` list and then the JSON body are left out, and the structured data says
/// so (`ids_omitted`, `omitted`); a message is never cut.
pub fn syslog_message(e: &AuditEvent, host: &str, max: usize) -> String {
    // Facility 13 (log audit); severity by outcome.
    let severity = match e.outcome {
        Outcome::Allowed => 6,
        Outcome::Failed => 5,
        Outcome::Denied => 4,
    };
    let outcome = match e.outcome {
        Outcome::Allowed => "allowed",
        Outcome::Denied => "denied",
        Outcome::Failed => "failed",
    };
    let ts = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.at_micros) * 1000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| "-".into());
    let msgid = printable(&e.action, 32);
    let msgid = if msgid.is_empty() { "-".to_string() } else { msgid };
    let header = format!("<{}>1 {ts} {host} custos - {msgid} ", 13 * 8 + severity);
    let mut params: Vec<(&str, String)> =
        vec![("seq", e.seq.to_string()), ("outcome", outcome.into()), ("resource", e.resource.clone())];
    let opt = [
        ("record", &e.record_id),
        ("user", &e.actor.user_id),
        ("token", &e.actor.token_id),
        ("session", &e.actor.session_id),
        ("ip", &e.actor.ip),
        ("request", &e.request_id),
    ];
    for (k, v) in opt {
        if let Some(v) = v {
            params.push((k, v.clone()));
        }
    }
    let sd = |params: &[(&str, String)]| {
        let mut s = format!("[{SD_ID}");
        for (k, v) in params {
            s.push_str(&format!(" {k}=\"{}\"", sd_escape(v)));
        }
        s.push(']');
        s
    };
    let full = format!("{header}{} {}", sd(&params), serde_json::to_string(e).unwrap_or_default());
    if full.len() <= max {
        return full;
    }
    if !e.ids.is_empty() {
        params.push(("ids_omitted", e.ids.len().to_string()));
        let mut slim = e.clone();
        slim.ids.clear();
        let m = format!("{header}{} {}", sd(&params), serde_json::to_string(&slim).unwrap_or_default());
        if m.len() <= max {
            return m;
        }
    }
    params.push(("omitted", "body".into()));
    let m = format!("{header}{}", sd(&params));
    if m.len() <= max {
        return m;
    }
    let keep: Vec<(&str, String)> = params.into_iter().filter(|(k, _)| matches!(*k, "seq" | "outcome")).collect();
    let mut m = format!("{header}{}", sd(&keep));
    m.insert_str(m.len() - 1, " omitted=\"body,params\"");
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> AuditEvent {
        AuditEvent {
            seq: 7,
            at_micros: 1_700_000_000_123_456,
            actor: custos_audit::Actor { user_id: Some("u\"1]\\".into()), ..Default::default() },
            action: "customer.update".into(),
            resource: "customer".into(),
            record_id: Some("c1".into()),
            fields: vec!["tier".into()],
            outcome: Outcome::Denied,
            purpose: None,
            request_id: None,
            ids: vec![],
        }
    }

    #[test]
    fn syslog_header_and_escaping_follow_rfc_5424() {
        let m = syslog_message(&event(), "host1", MAX_UDP);
        assert!(m.starts_with("<108>1 2023-11-14T22:13:20.123456Z host1 custos - customer.update [custos@32473 seq=\"7\" outcome=\"denied\""), "{m}");
        assert!(m.contains(r#"user="u\"1\]\\""#), "{m}");
        assert!(m.ends_with('}'), "the JSON body follows: {m}");
    }

    #[test]
    fn oversized_events_leave_fields_out_instead_of_being_cut() {
        let mut e = event();
        e.ids = (0..2000).map(|i| format!("0190f0e1-0000-7000-8000-{i:012}")).collect();
        let m = syslog_message(&e, "h", MAX_UDP);
        assert!(m.len() <= MAX_UDP && m.contains("ids_omitted=\"2000\"") && m.ends_with('}'), "{m}");
        e.actor.user_agent = Some("x".repeat(MAX_UDP));
        let m = syslog_message(&e, "h", MAX_UDP);
        assert!(m.len() <= MAX_UDP && m.contains("omitted=\"body\"") && m.ends_with(']'), "{m}");
        e.actor.ip = Some("y".repeat(MAX_UDP));
        let m = syslog_message(&e, "h", MAX_UDP);
        assert!(m.len() <= MAX_UDP && m.contains("omitted=\"body,params\""), "{m}");
    }

    #[test]
    fn sinks_are_checked_and_named() {
        let t = |kind: &str, path: Option<&str>, address: Option<&str>, name: Option<&str>| SinkFile {
            kind: kind.into(),
            name: name.map(str::to_string),
            path: path.map(PathBuf::from),
            address: address.map(str::to_string),
        };
        let dir = Path::new("/data");
        let s = parse_sinks(
            vec![
                t("jsonl", Some("audit.jsonl"), None, None),
                t("syslog-tcp", None, Some("127.0.0.1:601"), Some("siem")),
            ],
            dir,
            "x",
        )
        .unwrap();
        assert_eq!(s[0].target, SinkTarget::Jsonl(PathBuf::from("/data/audit.jsonl")));
        assert_eq!(s[0].name, "jsonl:/data/audit.jsonl");
        assert_eq!(s[1].name, "siem");
        assert!(parse_sinks(vec![t("syslog-udp", None, None, None)], dir, "x").is_err());
        assert!(parse_sinks(vec![t("kafka", None, Some("127.0.0.1:1"), None)], dir, "x").is_err());
        let dup = vec![t("syslog-udp", None, Some("127.0.0.1:1"), Some("a")), t("jsonl", Some("f"), None, Some("a"))];
        assert!(parse_sinks(dup, dir, "x").is_err());
    }
}
