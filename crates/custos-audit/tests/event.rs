//! Tests for the audit event model: the canonical encoding is stable (golden values),
//! follows its documented layout, and changes whenever any field changes.

use std::collections::HashSet;

use custos_audit::{Actor, AuditEvent, EventRef, Outcome, leaf_hash};
use sha2::{Digest, Sha256};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn full_event() -> AuditEvent {
    AuditEvent {
        seq: 42,
        at_micros: 1_767_225_600_123_456,
        actor: Actor {
            user_id: Some("01JZ0000000000000000000000".into()),
            token_id: None,
            session_id: Some("sess-7".into()),
            ip: Some("2001:db8::1".into()),
            user_agent: Some("Mozilla/5.0 (X11; Linux) ünïcode".into()),
        },
        action: "contact.reveal".into(),
        resource: "contact".into(),
        record_id: Some("c-123".into()),
        fields: vec!["email".into(), "phone".into()],
        outcome: Outcome::Allowed,
        purpose: Some("support ticket #77".into()),
        request_id: Some("req-abc".into()),
        ids: vec![],
    }
}

fn minimal_event() -> AuditEvent {
    AuditEvent {
        seq: 1,
        at_micros: -1,
        actor: Actor::default(),
        action: "a".into(),
        resource: "r".into(),
        record_id: None,
        fields: vec![],
        outcome: Outcome::Denied,
        purpose: None,
        request_id: None,
        ids: vec!["x".into()],
    }
}

#[test]
fn golden_full_event() {
    let bytes = full_event().canonical_bytes();
    assert_eq!(
        hex(&Sha256::digest(&bytes)),
        "9c4ef2e563a476c1fc8c730d5afe35c252feba0815dcd7cd4181c4db67143c26",
        "canonical encoding changed: that needs a new version tag"
    );
    assert_eq!(full_event().leaf_hash(), leaf_hash(&bytes));
}

#[test]
fn a_borrowed_event_encodes_like_the_owned_one() {
    let e = full_event();
    let (fields, ids): (Vec<&str>, Vec<&str>) = (e.fields.iter().map(String::as_str).collect(), vec![]);
    let view = EventRef { fields: &fields, ids: &ids, ..map_lists(e.as_event_ref()) };
    let mut out = vec![0xaa];
    view.encode_into(&mut out);
    assert_eq!(out[0], 0xaa, "encode_into appends");
    assert_eq!(&out[1..], e.canonical_bytes());
    assert_eq!(hex(&Sha256::digest(&out[1..])), "9c4ef2e563a476c1fc8c730d5afe35c252feba0815dcd7cd4181c4db67143c26");
}

/// The same view with empty `&str` lists (the caller fills them in).
fn map_lists<'a>(v: EventRef<'a, String>) -> EventRef<'a, &'a str> {
    EventRef {
        seq: v.seq,
        at_micros: v.at_micros,
        user_id: v.user_id,
        token_id: v.token_id,
        session_id: v.session_id,
        ip: v.ip,
        user_agent: v.user_agent,
        action: v.action,
        resource: v.resource,
        record_id: v.record_id,
        fields: &[],
        outcome: v.outcome,
        purpose: v.purpose,
        request_id: v.request_id,
        ids: &[],
    }
}

#[test]
fn minimal_event_layout_is_as_documented() {
    let mut want = Vec::new();
    let s = |w: &mut Vec<u8>, v: &str| {
        w.extend_from_slice(&(v.len() as u64).to_be_bytes());
        w.extend_from_slice(v.as_bytes());
    };
    s(&mut want, "custos.audit.event.v1");
    want.extend_from_slice(&1u64.to_be_bytes());
    want.extend_from_slice(&[0xff; 8]); // -1 as i64
    want.extend_from_slice(&[0, 0, 0, 0, 0]); // five absent actor fields
    s(&mut want, "a");
    s(&mut want, "r");
    want.push(0); // record_id
    want.extend_from_slice(&0u64.to_be_bytes()); // fields: empty
    want.push(1); // denied
    want.extend_from_slice(&[0, 0]); // purpose, request_id
    want.extend_from_slice(&1u64.to_be_bytes());
    s(&mut want, "x");
    assert_eq!(minimal_event().canonical_bytes(), want);
    assert_eq!(
        hex(&Sha256::digest(&want)),
        "3668ea27396115d93e84a90114407dacf03d7f9916d8eddb2edd105d9da54051",
        "canonical encoding changed: that needs a new version tag"
    );
}

#[test]
fn any_field_change_changes_the_encoding() {
    let base = full_event();
    let variants: Vec<fn(&mut AuditEvent)> = vec![
        |e| e.seq += 1,
        |e| e.at_micros += 1,
        |e| e.at_micros = -e.at_micros,
        |e| e.actor.user_id = None,
        |e| e.actor.user_id = Some(String::new()),
        |e| e.actor.token_id = Some("t".into()),
        |e| e.actor.token_id = Some(String::new()),
        |e| e.actor.session_id = Some("sess-8".into()),
        |e| e.actor.ip = Some("2001:db8::2".into()),
        |e| e.actor.user_agent = None,
        |e| e.action = "contact.update".into(),
        |e| e.resource = "company".into(),
        |e| e.record_id = None,
        |e| e.record_id = Some("c-124".into()),
        |e| e.fields = vec!["email".into()],
        |e| e.fields = vec!["emailphone".into()],
        |e| e.fields = vec!["phone".into(), "email".into()],
        |e| e.fields.push(String::new()),
        |e| e.outcome = Outcome::Denied,
        |e| e.outcome = Outcome::Failed,
        |e| e.purpose = None,
        |e| e.purpose = Some("support ticket #78".into()),
        |e| e.request_id = None,
        |e| e.ids = vec!["c-1".into()],
        |e| e.ids = vec![String::new()],
        // Moving bytes across a field boundary.
        |e| {
            e.action = "contact.revealcontact".into();
            e.resource = String::new();
        },
        |e| {
            e.actor.session_id = None;
            e.actor.token_id = Some("sess-7".into());
        },
        |e| {
            e.fields = vec![];
            e.ids = vec!["email".into(), "phone".into()];
        },
    ];
    let mut seen = HashSet::new();
    assert!(seen.insert(base.canonical_bytes()));
    for (i, change) in variants.iter().enumerate() {
        let mut e = base.clone();
        change(&mut e);
        assert_ne!(e, base, "variant {i} changed nothing");
        assert!(seen.insert(e.canonical_bytes()), "variant {i} collides");
    }
}

#[test]
fn serde_round_trip_and_strictness() {
    let e = full_event();
    let json = serde_json::to_string(&e).unwrap();
    assert!(json.contains("\"outcome\":\"allowed\""), "{json}");
    let back: AuditEvent = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e);
    assert_eq!(back.canonical_bytes(), e.canonical_bytes());

    // A field that the canonical encoding would not cover is refused.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["smuggled"] = serde_json::json!("x");
    assert!(serde_json::from_value::<AuditEvent>(v.clone()).is_err());
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["actor"]["smuggled"] = serde_json::json!("x");
    assert!(serde_json::from_value::<AuditEvent>(v).is_err());
}
