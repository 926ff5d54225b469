//! The audit event model and its canonical byte encoding, which is the Merkle leaf entry.
//! It never assigns sequence numbers, reads clocks, or stores events: the caller fills
//! every field.
//!
//! # Canonical encoding, version 1
//!
//! [`AuditEvent::canonical_bytes`] is a length-prefixed binary encoding: every field in a
//! fixed order, every variable-length item self-delimiting, no floats, no maps, so each
//! event has exactly one encoding and distinct events have distinct encodings. Integers
//! are big-endian.
//!
//! ```text
//! str(s)      = u64 byte length || UTF-8 bytes of s
//! opt(None)   = 0x00
//! opt(Some s) = 0x01 || str(s)
//! list(v)     = u64 item count || str(v[0]) || str(v[1]) || ...
//!
//! event = str("custos.audit.event.v1")        domain and version tag
//!      || u64 seq || i64 at_micros (two's complement)
//!      || opt(actor.user_id) || opt(actor.token_id) || opt(actor.session_id)
//!      || opt(actor.ip) || opt(actor.user_agent)
//!      || str(action) || str(resource) || opt(record_id) || list(fields)
//!      || u8 outcome (0x00 allowed, 0x01 denied, 0x02 failed)
//!      || opt(purpose) || opt(request_id) || list(ids)
//! ```
//!
//! The leaf hash is `merkle::leaf_hash(&event.canonical_bytes())`. Changing this layout
//! needs a new version tag.

use serde::{Deserialize, Serialize};

/// Domain and version tag at the start of every canonical encoding.
pub const CANONICAL_TAG: &str = "custos.audit.event.v1";

/// Who acted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// The acting user, if any.
    pub user_id: Option<String>,
    /// The API token used, if any.
    pub token_id: Option<String>,
    /// The session used, if any.
    pub session_id: Option<String>,
    /// Client IP address as text.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
}

/// How the attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Authorised and done.
    Allowed,
    /// Refused by policy.
    Denied,
    /// Authorised but failed.
    Failed,
}

impl Outcome {
    fn code(self) -> u8 {
        match self {
            Outcome::Allowed => 0,
            Outcome::Denied => 1,
            Outcome::Failed => 2,
        }
    }
}

/// One audit log entry.
///
/// Deserialisation rejects unknown fields, so nothing can ride along in stored JSON
/// without being covered by the canonical encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEvent {
    /// Position in the log (assigned by the store), the Merkle leaf index.
    pub seq: u64,
    /// When it happened, in microseconds since the Unix epoch (UTC).
    pub at_micros: i64,
    /// Who acted.
    pub actor: Actor,
    /// What was done, e.g. `contact.update` or `field.reveal`.
    pub action: String,
    /// The kind of resource, e.g. `contact`.
    pub resource: String,
    /// The record acted on, if one.
    pub record_id: Option<String>,
    /// Names of the fields read or changed (never their values).
    pub fields: Vec<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Declared purpose, e.g. for revealing a sensitive field.
    pub purpose: Option<String>,
    /// Request correlation id.
    pub request_id: Option<String>,
    /// Record ids covered, e.g. by an export.
    pub ids: Vec<String>,
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    // usize is at most 64 bits on every supported target.
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0x00),
        Some(s) => {
            out.push(0x01);
            put_str(out, s);
        }
    }
}

fn put_list(out: &mut Vec<u8>, v: &[String]) {
    put_u64(out, v.len() as u64);
    for s in v {
        put_str(out, s);
    }
}

impl AuditEvent {
    /// The canonical encoding (see the module documentation): the Merkle leaf entry.
    #[must_use]
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        put_str(&mut out, CANONICAL_TAG);
        put_u64(&mut out, self.seq);
        out.extend_from_slice(&self.at_micros.to_be_bytes());
        let a = &self.actor;
        put_opt(&mut out, a.user_id.as_deref());
        put_opt(&mut out, a.token_id.as_deref());
        put_opt(&mut out, a.session_id.as_deref());
        put_opt(&mut out, a.ip.as_deref());
        put_opt(&mut out, a.user_agent.as_deref());
        put_str(&mut out, &self.action);
        put_str(&mut out, &self.resource);
        put_opt(&mut out, self.record_id.as_deref());
        put_list(&mut out, &self.fields);
        out.push(self.outcome.code());
        put_opt(&mut out, self.purpose.as_deref());
        put_opt(&mut out, self.request_id.as_deref());
        put_list(&mut out, &self.ids);
        out
    }

    /// The Merkle leaf hash of this event: `leaf_hash(canonical_bytes())`.
    #[must_use]
    pub fn leaf_hash(&self) -> crate::Hash {
        crate::merkle::leaf_hash(&self.canonical_bytes())
    }
}
