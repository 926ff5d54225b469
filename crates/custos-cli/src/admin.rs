//! Administrative commands: migrate, user add, token issue. Each runs as the local operator
//! and prints only what a script needs.

use crate::config::Config;
use crate::error::CliError;
use crate::setup;
use custos_app::Actor;
use custos_app::users::{NewUser, TokenRequest};
use std::io::BufRead;
use std::time::Duration;

pub async fn migrate(cfg: &Config) -> Result<(), CliError> {
    let store = setup::open_store(cfg).await?;
    store.close().await;
    eprintln!("custos: database is up to date");
    Ok(())
}

/// Reads one line from standard input, without its line ending.
pub fn read_password_stdin() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError(format!("cannot read the password from standard input: {e}")))?;
    let pw = line.trim_end_matches(['\n', '\r']).to_string();
    if pw.is_empty() {
        return Err(CliError("no password on standard input".into()));
    }
    Ok(pw)
}

pub async fn user_add(
    cfg: &Config,
    email: &str,
    role: &str,
    name: Option<String>,
    password: String,
) -> Result<(), CliError> {
    let app = setup::open_app(cfg).await?;
    let new = NewUser { email: email.into(), display_name: name, role: role.into(), team_id: None, password };
    let user = app.add_user(&Actor::operator(), &new).await;
    app.store().close().await;
    let user = user?;
    eprintln!("custos: added {} ({}) with id {}", user.email, user.role.as_str(), user.id);
    Ok(())
}

/// Parses durations such as `90d`, `12h`, `30m`, `45s`.
pub fn parse_duration(s: &str) -> Result<Duration, CliError> {
    let bad = || CliError(format!("--expires-in: '{s}' is not a duration like 90d, 12h or 30m"));
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: u64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60).ok_or_else(bad)?,
        "h" => n.checked_mul(3600).ok_or_else(bad)?,
        "d" => n.checked_mul(86_400).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    if secs == 0 || secs > 10 * 365 * 86_400 {
        return Err(CliError("--expires-in must be between 1s and 3650d".into()));
    }
    Ok(Duration::from_secs(secs))
}

pub async fn token_issue(
    cfg: &Config,
    email: &str,
    name: &str,
    scope: Option<&str>,
    expires_in: Option<&str>,
) -> Result<(), CliError> {
    let ttl = expires_in.map(parse_duration).transpose()?;
    let app = setup::open_app(cfg).await?;
    let req = TokenRequest {
        name: name.into(),
        scopes: scope
            .map(|s| s.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect())
            .unwrap_or_default(),
        cidrs: Vec::new(),
        expires_at: ttl.map(|d| time::OffsetDateTime::now_utc() + d),
    };
    let issued = app.issue_token(&Actor::operator(), email, &req).await;
    app.store().close().await;
    println!("{}", issued?.token);
    Ok(())
}

fn date(us: Option<i64>) -> String {
    us.and_then(|u| time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(u) * 1000).ok())
        .map(|t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()))
        .unwrap_or_else(|| "never".into())
}

/// Prints the access report (and open reviews) for reviewers and auditors.
pub async fn access_report(cfg: &Config, json: bool) -> Result<(), CliError> {
    let app = setup::open_app(cfg).await?;
    let op = Actor::operator();
    let lines = app.access_report(&op).await;
    let reviews = app.list_reviews(&op).await;
    app.store().close().await;
    let (lines, reviews) = (lines?, reviews?);
    for l in &lines {
        if json {
            let v = serde_json::json!({
                "user_id": l.user_id, "email": l.email, "role": l.role, "scope": l.scope, "status": l.status,
                "last_login": date(l.last_login_at), "mfa_enabled": l.mfa_enabled, "permissions": l.permissions,
                "unused_permissions_90d": l.unused_permissions,
                "tokens": l.tokens.iter().map(|t| serde_json::json!({"name": t.name, "scopes": t.scopes, "expires": date(t.expires_at), "last_used": date(t.last_used_at)})).collect::<Vec<_>>(),
            });
            println!("{v}");
        } else {
            println!(
                "{:<36} {:<17} {:<5} {:<8} last sign-in {:<10} mfa {:<3} tokens {:<2} unused 90d: {}",
                l.email,
                l.role,
                l.scope,
                l.status,
                date(l.last_login_at),
                if l.mfa_enabled { "yes" } else { "no" },
                l.tokens.len(),
                if l.unused_permissions.is_empty() { "-".to_string() } else { l.unused_permissions.join(",") },
            );
        }
    }
    for r in reviews.iter().filter(|r| r.review.closed_at.is_none()) {
        let state = if r.overdue { "OVERDUE" } else { "open" };
        if json {
            println!(
                "{}",
                serde_json::json!({"review": r.review.id, "due": date(Some(r.review.due_at)), "state": state})
            );
        } else {
            println!("review {} due {} {state}", r.review.id, date(Some(r.review.due_at)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d").unwrap(), Duration::from_secs(90 * 86_400));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        for bad in ["", "d", "10", "10y", "0s", "-1h", "99999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
