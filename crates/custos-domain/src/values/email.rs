//! E-mail addresses: a pragmatic subset of RFC 5321 that real mail systems accept.

use crate::errors::ValueError;

/// A syntactically valid e-mail address; the domain is lower-cased, the local part kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = input.trim();
        let bad = || ValueError::new("invalid_email", "must be an e-mail address like name@example.com");
        if s.len() > 254 {
            return Err(ValueError::new("too_long", "must be at most 254 characters"));
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(bad());
        }
        let local_ok = local.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || "!#$%&'*+-/=?^_`{|}~.".contains(c)
                || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
        });
        if !local_ok || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(bad());
        }
        let domain = domain.to_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(bad());
        }
        for l in &labels {
            let ok = !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-');
            if !ok {
                return Err(bad());
            }
        }
        Ok(Email(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used for equality search: the whole address lower-cased.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}
