//! Configuration in layers: built-in defaults, then `custos.toml` in the data directory,
//! then `CUSTOS_*` environment variables, then command-line flags. Secrets (the master key)
//! are never read from the TOML file.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Settings after all layers are applied.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: SocketAddr,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub log_format: LogFormat,
    pub key_file: Option<PathBuf>,
    /// Where the key store lives on PostgreSQL (default: schema `custos_keys` of the main
    /// database). Ignored for SQLite, whose key store is `keys.db` in the data directory.
    pub key_store_url: Option<String>,
    /// Also bind sessions to the client's IP address.
    pub session_bind_ip: bool,
    /// Sign-in throttling limits.
    pub throttle: custos_app::ThrottleConfig,
    /// Audit checkpoint interval and log origin.
    pub audit: custos_app::audit::AuditConfig,
    /// SIEM sinks (`[[siem]]` tables), run by `serve`.
    pub siem: Vec<crate::siem::SinkConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The optional `custos.toml` file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    session_idle_minutes: Option<u64>,
    session_absolute_hours: Option<u64>,
    log_format: Option<String>,
    key_file: Option<PathBuf>,
    key_store_url: Option<String>,
    session_bind_ip: Option<bool>,
    login_free_failures: Option<u32>,
    login_lock_after: Option<u32>,
    login_lock_minutes: Option<u64>,
    login_per_ip_per_minute: Option<u32>,
    audit_checkpoint_every_events: Option<u64>,
    audit_checkpoint_every_seconds: Option<u64>,
    audit_origin: Option<String>,
    siem: Option<Vec<crate::siem::SinkFile>>,
}

/// A configuration problem, reported as one line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

fn parse_listen(s: &str, origin: &str) -> Result<SocketAddr, ConfigError> {
    s.parse().map_err(|_| ConfigError(format!("{origin}: listen address must look like 127.0.0.1:8080")))
}

fn parse_format(s: &str, origin: &str) -> Result<LogFormat, ConfigError> {
    match s {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err(ConfigError(format!("{origin}: log_format must be text or json"))),
    }
}

fn positive(v: u64, name: &str, origin: &str) -> Result<u64, ConfigError> {
    if v == 0 { Err(ConfigError(format!("{origin}: {name} must be at least 1"))) } else { Ok(v) }
}

fn positive32(v: u32, name: &str, origin: &str) -> Result<u32, ConfigError> {
    if v == 0 { Err(ConfigError(format!("{origin}: {name} must be at least 1"))) } else { Ok(v) }
}

/// A checkpoint origin must be usable as a signing key name (C2SP note): no spaces, no `+`.
fn parse_origin(s: &str, origin: &str) -> Result<String, ConfigError> {
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(ConfigError(format!("{origin}: audit_origin must be non-empty, without spaces or '+'")));
    }
    Ok(s.to_string())
}

fn env_number<T: std::str::FromStr>(v: &str, name: &str) -> Result<T, ConfigError> {
    v.trim().parse().map_err(|_| ConfigError(format!("{name} must be a whole number")))
}

fn env_bool(v: &str, name: &str) -> Result<bool, ConfigError> {
    match v.trim() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ConfigError(format!("{name} must be true or false"))),
    }
}

impl Config {
    /// Loads the layers. `env` is a lookup so tests need not touch the process environment.
    pub fn load(
        data_dir: Option<&Path>,
        database_url: Option<&str>,
        listen: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut c = Config {
            data_dir: data_dir.map(Path::to_path_buf),
            database_url: None,
            listen: parse_listen(DEFAULT_LISTEN, "default")?,
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            log_format: LogFormat::Text,
            key_file: None,
            key_store_url: None,
            session_bind_ip: false,
            throttle: custos_app::ThrottleConfig::default(),
            audit: custos_app::audit::AuditConfig::default(),
            siem: Vec::new(),
        };
        if let Some(dir) = data_dir {
            let path = dir.join("custos.toml");
            if path.exists() {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
                let f: FileConfig =
                    toml::from_str(&text).map_err(|e| ConfigError(format!("{}: {}", path.display(), e.message())))?;
                let origin = path.display().to_string();
                if let Some(l) = f.listen {
                    c.listen = parse_listen(&l, &origin)?;
                }
                c.database_url = f.database_url.or(c.database_url);
                if let Some(m) = f.session_idle_minutes {
                    c.session_idle = Duration::from_secs(positive(m, "session_idle_minutes", &origin)? * 60);
                }
                if let Some(h) = f.session_absolute_hours {
                    c.session_absolute = Duration::from_secs(positive(h, "session_absolute_hours", &origin)? * 3600);
                }
                if let Some(fmt) = f.log_format {
                    c.log_format = parse_format(&fmt, &origin)?;
                }
                c.key_store_url = f.key_store_url;
                if let Some(b) = f.session_bind_ip {
                    c.session_bind_ip = b;
                }
                if let Some(n) = f.login_free_failures {
                    c.throttle.free_failures = n;
                }
                if let Some(n) = f.login_lock_after {
                    c.throttle.lock_after = positive32(n, "login_lock_after", &origin)?;
                }
                if let Some(m) = f.login_lock_minutes {
                    c.throttle.lock_for = Duration::from_secs(positive(m, "login_lock_minutes", &origin)? * 60);
                }
                if let Some(n) = f.login_per_ip_per_minute {
                    c.throttle.per_ip_per_minute = positive32(n, "login_per_ip_per_minute", &origin)?;
                }
                if let Some(n) = f.audit_checkpoint_every_events {
                    c.audit.checkpoint_every_events = positive(n, "audit_checkpoint_every_events", &origin)?;
                }
                if let Some(s) = f.audit_checkpoint_every_seconds {
                    c.audit.checkpoint_every =
                        Duration::from_secs(positive(s, "audit_checkpoint_every_seconds", &origin)?);
                }
                if let Some(o) = f.audit_origin {
                    c.audit.origin = parse_origin(&o, &origin)?;
                }
                c.siem = crate::siem::parse_sinks(f.siem.unwrap_or_default(), dir, &origin).map_err(ConfigError)?;
                c.key_file = f.key_file.map(|k| if k.is_relative() { dir.join(k) } else { k });
            }
        }
        if let Some(l) = env("CUSTOS_LISTEN") {
            c.listen = parse_listen(&l, "CUSTOS_LISTEN")?;
        }
        if let Some(u) = env("CUSTOS_DATABASE_URL") {
            c.database_url = Some(u);
        }
        if let Some(m) = env("CUSTOS_SESSION_IDLE_MINUTES") {
            let m = m.parse().map_err(|_| ConfigError("CUSTOS_SESSION_IDLE_MINUTES must be a whole number".into()))?;
            c.session_idle = Duration::from_secs(positive(m, "CUSTOS_SESSION_IDLE_MINUTES", "environment")? * 60);
        }
        if let Some(h) = env("CUSTOS_SESSION_ABSOLUTE_HOURS") {
            let h =
                h.parse().map_err(|_| ConfigError("CUSTOS_SESSION_ABSOLUTE_HOURS must be a whole number".into()))?;
            c.session_absolute =
                Duration::from_secs(positive(h, "CUSTOS_SESSION_ABSOLUTE_HOURS", "environment")? * 3600);
        }
        if let Some(f) = env("CUSTOS_LOG_FORMAT") {
            c.log_format = parse_format(&f, "CUSTOS_LOG_FORMAT")?;
        }
        if let Some(k) = env("CUSTOS_KEY_FILE") {
            c.key_file = Some(PathBuf::from(k));
        }
        if let Some(u) = env("CUSTOS_KEY_STORE_URL") {
            c.key_store_url = Some(u);
        }
        if let Some(b) = env("CUSTOS_SESSION_BIND_IP") {
            c.session_bind_ip = env_bool(&b, "CUSTOS_SESSION_BIND_IP")?;
        }
        if let Some(n) = env("CUSTOS_LOGIN_FREE_FAILURES") {
            c.throttle.free_failures = env_number(&n, "CUSTOS_LOGIN_FREE_FAILURES")?;
        }
        if let Some(n) = env("CUSTOS_LOGIN_LOCK_AFTER") {
            let n = env_number(&n, "CUSTOS_LOGIN_LOCK_AFTER")?;
            c.throttle.lock_after = positive32(n, "CUSTOS_LOGIN_LOCK_AFTER", "environment")?;
        }
        if let Some(m) = env("CUSTOS_LOGIN_LOCK_MINUTES") {
            let m = env_number(&m, "CUSTOS_LOGIN_LOCK_MINUTES")?;
            c.throttle.lock_for = Duration::from_secs(positive(m, "CUSTOS_LOGIN_LOCK_MINUTES", "environment")? * 60);
        }
        if let Some(n) = env("CUSTOS_LOGIN_PER_IP_PER_MINUTE") {
            let n = env_number(&n, "CUSTOS_LOGIN_PER_IP_PER_MINUTE")?;
            c.throttle.per_ip_per_minute = positive32(n, "CUSTOS_LOGIN_PER_IP_PER_MINUTE", "environment")?;
        }
        if let Some(n) = env("CUSTOS_AUDIT_CHECKPOINT_EVERY_EVENTS") {
            let n = env_number(&n, "CUSTOS_AUDIT_CHECKPOINT_EVERY_EVENTS")?;
            c.audit.checkpoint_every_events = positive(n, "CUSTOS_AUDIT_CHECKPOINT_EVERY_EVENTS", "environment")?;
        }
        if let Some(s) = env("CUSTOS_AUDIT_CHECKPOINT_EVERY_SECONDS") {
            let s = env_number(&s, "CUSTOS_AUDIT_CHECKPOINT_EVERY_SECONDS")?;
            c.audit.checkpoint_every =
                Duration::from_secs(positive(s, "CUSTOS_AUDIT_CHECKPOINT_EVERY_SECONDS", "environment")?);
        }
        if let Some(o) = env("CUSTOS_AUDIT_ORIGIN") {
            c.audit.origin = parse_origin(&o, "CUSTOS_AUDIT_ORIGIN")?;
        }
        if let Some(l) = listen {
            c.listen = parse_listen(l, "--listen")?;
        }
        if let Some(u) = database_url {
            c.database_url = Some(u.to_string());
        }
        if c.data_dir.is_none() && c.database_url.is_none() {
            return Err(ConfigError("give --data-dir DIR (SQLite) or --database-url postgres://… (PostgreSQL)".into()));
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("custos.toml"), "listen = \"127.0.0.1:9000\"\nsession_idle_minutes = 5\n")
            .unwrap();
        let none = |_: &str| None;
        let c = Config::load(Some(dir.path()), None, None, &none).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.session_idle, Duration::from_secs(300));
        let env = |k: &str| (k == "CUSTOS_LISTEN").then(|| "127.0.0.1:9100".to_string());
        assert_eq!(Config::load(Some(dir.path()), None, None, &env).unwrap().listen.port(), 9100);
        assert_eq!(Config::load(Some(dir.path()), None, Some("127.0.0.1:9200"), &env).unwrap().listen.port(), 9200);
    }

    #[test]
    fn throttle_limits_and_ip_binding_are_configurable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("custos.toml"),
            "login_free_failures = 2\nlogin_lock_after = 5\nlogin_lock_minutes = 30\nlogin_per_ip_per_minute = 7\nsession_bind_ip = true\n",
        )
        .unwrap();
        let none = |_: &str| None;
        let c = Config::load(Some(dir.path()), None, None, &none).unwrap();
        assert_eq!((c.throttle.free_failures, c.throttle.lock_after, c.throttle.per_ip_per_minute), (2, 5, 7));
        assert_eq!(c.throttle.lock_for, Duration::from_secs(1800));
        assert!(c.session_bind_ip);
        let env = |k: &str| match k {
            "CUSTOS_LOGIN_LOCK_AFTER" => Some("12".to_string()),
            "CUSTOS_SESSION_BIND_IP" => Some("false".to_string()),
            _ => None,
        };
        let c = Config::load(Some(dir.path()), None, None, &env).unwrap();
        assert_eq!(c.throttle.lock_after, 12);
        assert!(!c.session_bind_ip);
        let bad = |k: &str| (k == "CUSTOS_LOGIN_PER_IP_PER_MINUTE").then(|| "0".to_string());
        assert!(Config::load(Some(dir.path()), None, None, &bad).is_err());
        let bad = |k: &str| (k == "CUSTOS_SESSION_BIND_IP").then(|| "maybe".to_string());
        assert!(Config::load(Some(dir.path()), None, None, &bad).is_err());
    }

    #[test]
    fn audit_settings_and_siem_sinks_are_configurable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("custos.toml"),
            "audit_checkpoint_every_events = 50\naudit_checkpoint_every_seconds = 2\naudit_origin = \"crm.example/audit\"\n\
             [[siem]]\nkind = \"jsonl\"\npath = \"audit.jsonl\"\n[[siem]]\nkind = \"syslog-udp\"\naddress = \"127.0.0.1:514\"\nname = \"soc\"\n",
        )
        .unwrap();
        let none = |_: &str| None;
        let c = Config::load(Some(dir.path()), None, None, &none).unwrap();
        assert_eq!((c.audit.checkpoint_every_events, c.audit.checkpoint_every), (50, Duration::from_secs(2)));
        assert_eq!(c.audit.origin, "crm.example/audit");
        assert_eq!(c.siem.len(), 2);
        assert_eq!(c.siem[1].name, "soc");
        let env = |k: &str| match k {
            "CUSTOS_AUDIT_CHECKPOINT_EVERY_EVENTS" => Some("7".to_string()),
            "CUSTOS_AUDIT_ORIGIN" => Some("other/log".to_string()),
            _ => None,
        };
        let c = Config::load(Some(dir.path()), None, None, &env).unwrap();
        assert_eq!((c.audit.checkpoint_every_events, c.audit.origin.as_str()), (7, "other/log"));
        let bad = |k: &str| (k == "CUSTOS_AUDIT_ORIGIN").then(|| "has space".to_string());
        assert!(Config::load(Some(dir.path()), None, None, &bad).is_err());
        std::fs::write(dir.path().join("custos.toml"), "[[siem]]\nkind = \"syslog-tcp\"\n").unwrap();
        let e = Config::load(Some(dir.path()), None, None, &none).unwrap_err().to_string();
        assert!(e.contains("address") && !e.contains('\n'), "{e}");
    }

    #[test]
    fn bad_values_are_one_line_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("custos.toml"), "nonsense = 1\n").unwrap();
        let none = |_: &str| None;
        let e = Config::load(Some(dir.path()), None, None, &none).unwrap_err().to_string();
        assert!(e.contains("custos.toml") && !e.contains('\n'), "{e}");
        assert!(Config::load(None, None, None, &none).is_err());
        let env = |k: &str| (k == "CUSTOS_SESSION_IDLE_MINUTES").then(|| "0".to_string());
        assert!(Config::load(Some(dir.path()), None, None, &env).is_err());
    }
}
