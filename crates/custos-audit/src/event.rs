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

fn put_list<L: AsRef<str>>(out: &mut Vec<u8>, v: &[L]) {
    put_u64(out, v.len() as u64);
    for s in v {
        put_str(out, s.as_ref());
    }
}

/// An event whose strings are borrowed (for example from a page of stored rows), encoded
/// exactly like [`AuditEvent::canonical_bytes`]: there is one encoder, this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a, L: AsRef<str> = String> {
    /// See [`AuditEvent::seq`].
    pub seq: u64,
    /// See [`AuditEvent::at_micros`].
    pub at_micros: i64,
    /// See [`Actor::user_id`].
    pub user_id: Option<&'a str>,
    /// See [`Actor::token_id`].
    pub token_id: Option<&'a str>,
    /// See [`Actor::session_id`].
    pub session_id: Option<&'a str>,
    /// See [`Actor::ip`].
    pub ip: Option<&'a str>,
    /// See [`Actor::user_agent`].
    pub user_agent: Option<&'a str>,
    /// See [`AuditEvent::action`].
    pub action: &'a str,
    /// See [`AuditEvent::resource`].
    pub resource: &'a str,
    /// See [`AuditEvent::record_id`].
    pub record_id: Option<&'a str>,
    /// See [`AuditEvent::fields`].
    pub fields: &'a [L],
    /// See [`AuditEvent::outcome`].
    pub outcome: Outcome,
    /// See [`AuditEvent::purpose`].
    pub purpose: Option<&'a str>,
    /// See [`AuditEvent::request_id`].
    pub request_id: Option<&'a str>,
    /// See [`AuditEvent::ids`].
    pub ids: &'a [L],
}

impl<L: AsRef<str>> EventRef<'_, L> {
    /// Appends the canonical encoding (see the module documentation) to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        put_str(out, CANONICAL_TAG);
        put_u64(out, self.seq);
        out.extend_from_slice(&self.at_micros.to_be_bytes());
        put_opt(out, self.user_id);
        put_opt(out, self.token_id);
        put_opt(out, self.session_id);
        put_opt(out, self.ip);
        put_opt(out, self.user_agent);
        put_str(out, self.action);
        put_str(out, self.resource);
        put_opt(out, self.record_id);
        put_list(out, self.fields);
        out.push(self.outcome.code());
        put_opt(out, self.purpose);
        put_opt(out, self.request_id);
        put_list(out, self.ids);
    }
}

impl AuditEvent {
    /// This event with its strings borrowed.
    #[must_use]
    pub fn as_event_ref(&self) -> EventRef<'_, String> {
        let a = &self.actor;
        EventRef {
            seq: self.seq,
            at_micros: self.at_micros,
            user_id: a.user_id.as_deref(),
            token_id: a.token_id.as_deref(),
            session_id: a.session_id.as_deref(),
            ip: a.ip.as_deref(),
            user_agent: a.user_agent.as_deref(),
            action: &self.action,
            resource: &self.resource,
            record_id: self.record_id.as_deref(),
            fields: &self.fields,
            outcome: self.outcome,
            purpose: self.purpose.as_deref(),
            request_id: self.request_id.as_deref(),
            ids: &self.ids,
        }
    }

    /// The canonical encoding (see the module documentation): the Merkle leaf entry.
    #[must_use]
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.as_event_ref().encode_into(&mut out);
        out
    }

    /// The Merkle leaf hash of this event: `leaf_hash(canonical_bytes())`.
    #[must_use]
    pub fn leaf_hash(&self) -> crate::Hash {
        crate::merkle::leaf_hash(&self.canonical_bytes())
    }
}
