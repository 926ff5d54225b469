//! Roles by duty as stored and edited: seeding the defaults, reading a role's settings, and
//! the admin use cases that change them (with step-up, and sessions of affected users ended).

use crate::audit::Ev;
use crate::{Actor, App, AppError};
use custos_domain::{FieldErrors, FieldRight, Permission, Role, RoleSettings, Scope};
use custos_store::RoleRow;

/// Parses a comma-separated CIDR list; the first bad entry is an error.
pub fn parse_cidrs(list: &[String]) -> Result<Vec<ipnet::IpNet>, String> {
    list.iter()
        .map(|c| {
            let c = c.trim();
            c.parse::<ipnet::IpNet>()
                .or_else(|_| c.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("'{c}' is not an address range like 10.0.0.0/8 or 2001:db8::/32"))
        })
        .collect()
}

/// Whether `ip` is inside one of `cidrs` (an empty list allows any address).
pub fn ip_allowed(cidrs: &[String], ip: Option<&str>) -> bool {
    if cidrs.is_empty() {
        return true;
    }
    let Some(addr) = ip.and_then(|i| i.parse::<std::net::IpAddr>().ok()) else { return false };
    parse_cidrs(cidrs).map(|nets| nets.iter().any(|n| n.contains(&addr))).unwrap_or(false)
}

fn split(list: &str) -> Vec<String> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// A stored role as domain settings; unknown names in the stored lists are dropped (deny).
pub fn settings_from_row(role: Role, r: Option<&RoleRow>) -> RoleSettings {
    let Some(r) = r else { return role.defaults() };
    RoleSettings {
        role,
        permissions: split(&r.permissions).iter().filter_map(|p| Permission::parse(p)).collect(),
        scope: Scope::parse(&r.scope).unwrap_or(Scope::Own),
        confidential: FieldRight::parse(&r.confidential).unwrap_or(FieldRight::Hidden),
        restricted: FieldRight::parse(&r.restricted).unwrap_or(FieldRight::Hidden),
        require_mfa: r.require_mfa,
        ip_allow: split(&r.ip_allow),
    }
}

fn row_from_settings(s: &RoleSettings, updated_at: i64, version: i64) -> RoleRow {
    RoleRow {
        id: s.role.as_str().into(),
        permissions: s.permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(","),
        scope: s.scope.as_str().into(),
        confidential: s.confidential.as_str().into(),
        restricted: s.restricted.as_str().into(),
        require_mfa: s.require_mfa,
        ip_allow: s.ip_allow.join(","),
        updated_at,
        version,
    }
}

/// A role with its stored version.
#[derive(Debug, Clone)]
pub struct RoleView {
    pub settings: RoleSettings,
    pub version: i64,
}

/// Requested changes to a role; `None` keeps a setting.
#[derive(Debug, Clone, Default)]
pub struct RoleChanges {
    pub permissions: Option<Vec<String>>,
    pub scope: Option<String>,
    pub confidential: Option<String>,
    pub restricted: Option<String>,
    pub require_mfa: Option<bool>,
    pub ip_allow: Option<Vec<String>>,
}

impl App {
    /// Inserts the default settings of every role that is not stored yet. Idempotent.
    pub async fn seed_roles(&self) -> Result<(), AppError> {
        let now = self.now_micros();
        let mut tx = self.store.begin_write().await?;
        for role in Role::ALL {
            tx.seed_role(&row_from_settings(&role.defaults(), now, 1)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_roles(&self, actor: &Actor) -> Result<Vec<RoleView>, AppError> {
        self.allow(actor, Permission::UserRead)?;
        let rows = self.store.list_roles().await?;
        Ok(Role::ALL
            .into_iter()
            .map(|role| {
                let row = rows.iter().find(|r| r.id == role.as_str());
                RoleView { settings: settings_from_row(role, row), version: row.map_or(0, |r| r.version) }
            })
            .collect())
    }

    /// Changes a role. Needs role.manage and a recent second factor; ends the sessions of the
    /// role's members (except the caller's own) so that the new rights apply at once.
    pub async fn update_role(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        c: &RoleChanges,
    ) -> Result<RoleView, AppError> {
        self.allow(actor, Permission::RoleManage)?;
        self.require_step_up(actor)?;
        let role = Role::parse(id).ok_or(AppError::NotFound("role"))?;
        let mut tx = self.store.begin_write().await?;
        let row = tx.get_role(role.as_str()).await?.ok_or(AppError::NotFound("role"))?;
        if row.version != expected_version {
            return Err(AppError::Stale { current: row.version });
        }
        let mut s = settings_from_row(role, Some(&row));
        let mut e = FieldErrors::new();
        if let Some(perms) = &c.permissions {
            let mut parsed = Vec::new();
            for p in perms {
                match Permission::parse(p.trim()) {
                    Some(p) if !parsed.contains(&p) => parsed.push(p),
                    Some(_) => {}
                    None => e.push("permissions", "unknown", format!("'{}' is not a permission", p.trim())),
                }
            }
            parsed.sort();
            s.permissions = parsed;
        }
        if let Some(v) = &c.scope {
            match Scope::parse(v) {
                Some(x) => s.scope = x,
                None => e.push("scope", "invalid_choice", "must be one of: own, team, all"),
            }
        }
        for (field, value, slot) in
            [("confidential", &c.confidential, &mut s.confidential), ("restricted", &c.restricted, &mut s.restricted)]
        {
            if let Some(v) = value {
                match FieldRight::parse(v) {
                    Some(x) => *slot = x,
                    None => e.push(field, "invalid_choice", "must be one of: hidden, masked, revealable, plain"),
                }
            }
        }
        if let Some(m) = c.require_mfa {
            s.require_mfa = m;
        }
        if let Some(list) = &c.ip_allow {
            match parse_cidrs(list) {
                Ok(nets) => s.ip_allow = nets.iter().map(|n| n.to_string()).collect(),
                Err(msg) => e.push("ip_allow", "invalid", msg),
            }
        }
        if !e.is_empty() {
            return Err(AppError::Invalid(e));
        }
        let now = self.now_micros();
        let new_row = row_from_settings(&s, now, row.version + 1);
        tx.update_role(&new_row, expected_version).await?;
        let keep = match &actor.credential {
            crate::Credential::Session { id, .. } => Some(id.to_string()),
            _ => None,
        };
        tx.revoke_role_sessions(role.as_str(), keep.as_deref(), now).await?;
        let mut changed = Vec::new();
        for (name, set) in [
            ("permissions", c.permissions.is_some()),
            ("scope", c.scope.is_some()),
            ("confidential", c.confidential.is_some()),
            ("restricted", c.restricted.is_some()),
            ("require_mfa", c.require_mfa.is_some()),
            ("ip_allow", c.ip_allow.is_some()),
        ] {
            if set {
                changed.push(name);
            }
        }
        self.audit(&mut tx, actor, Ev::new("role.update", "role").record(role.as_str()).fields(&changed)).await?;
        tx.commit().await?;
        Ok(RoleView { settings: s, version: new_row.version })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_lists() {
        let l = vec!["10.0.0.0/8".to_string(), "2001:db8::/32".to_string(), "192.0.2.7".to_string()];
        assert!(ip_allowed(&l, Some("10.1.2.3")));
        assert!(ip_allowed(&l, Some("2001:db8::1")));
        assert!(ip_allowed(&l, Some("192.0.2.7")));
        assert!(!ip_allowed(&l, Some("192.0.2.8")));
        assert!(!ip_allowed(&l, None));
        assert!(ip_allowed(&[], None));
        assert!(parse_cidrs(&["nonsense".to_string()]).is_err());
    }

    #[test]
    fn stored_roles_round_trip() {
        for role in Role::ALL {
            let s = role.defaults();
            assert_eq!(settings_from_row(role, Some(&row_from_settings(&s, 0, 1))), s);
        }
    }
}
