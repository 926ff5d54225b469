//! The audit verifier's bulk path on SQLite and (when configured) PostgreSQL: a log of
//! several thousand events read in small ranges by several lanes, with checkpoints inside
//! and at the end of chunks; every tampering (edited, retyped, deleted, swapped, inserted
//! rows; an edit with a recomputed leaf, caught by a stored subtree hash or, with that
//! removed, by a checkpoint inside a chunk) is caught and names the first bad seq, and the
//! restored log verifies again.

use custos_app::audit_verify::{VerifyFailure, VerifyReport, verify_log, verify_log_in_ranges};
use custos_audit::{AuditEvent, Outcome};
use custos_testkit::{Backend, TestApp, backends, spawn_app_on};
use sqlx::AssertSqlSafe;

async fn raw(t: &TestApp, sql: &str) {
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&t.db.url).await.expect("raw pool");
    sqlx::raw_sql(AssertSqlSafe(sql.to_string())).execute(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    pool.close().await;
}

/// Verifies in ranges of two chunks (2,048 events), so the log spans several ranges.
async fn verify(t: &TestApp) -> Result<VerifyReport, VerifyFailure> {
    let key = t.app.audit_public_key().unwrap();
    verify_log_in_ranges(&t.db.store, &custos_app::audit::verifier_from_key(&key).unwrap(), 2).await
}

fn event(i: u64) -> AuditEvent {
    AuditEvent {
        seq: 0,
        at_micros: 1_700_000_000_000_000 + i as i64,
        actor: custos_audit::Actor {
            user_id: Some(format!("user-{}", i % 7)),
            ip: Some("10.0.0.7".into()),
            user_agent: i.is_multiple_of(3).then(|| "agent \"quoted\" ü".into()),
            ..Default::default()
        },
        action: if i.is_multiple_of(10) { "customer.update".into() } else { "customer.read".into() },
        resource: "customer".into(),
        record_id: Some(format!("cust-{}", i % 50)),
        fields: if i.is_multiple_of(10) { vec!["tier".into(), "na\"me".into()] } else { vec![] },
        outcome: if i.is_multiple_of(11) { Outcome::Denied } else { Outcome::Allowed },
        purpose: None,
        request_id: Some(format!("{i:032x}")),
        ids: if i.is_multiple_of(97) { vec!["a".into(), "b".into()] } else { vec![] },
    }
}

/// Appends events until the head is `size`, then signs a checkpoint there.
async fn grow_to(t: &TestApp, size: i64) {
    let head = t.db.store.audit_head().await.unwrap();
    let mut evs: Vec<AuditEvent> = (head..size).map(|i| event(i as u64)).collect();
    for part in evs.chunks_mut(1000) {
        let mut tx = t.db.store.begin_write().await.unwrap();
        tx.append_audit(part).await.unwrap();
        tx.commit().await.unwrap();
    }
    let cp = t.app.checkpoint_now().await.unwrap().unwrap();
    assert_eq!(cp.size, size as u64);
}

/// The checkpoint sizes around `seq` (the background checkpointer may have signed more
/// than `grow_to`): the last that does not cover it (0 if none), as the verifier names it,
/// and the reason naming the first that does.
async fn checkpoints_around(t: &TestApp, seq: i64) -> (Option<u64>, String) {
    let sizes: Vec<i64> = t.db.store.audit_checkpoints().await.unwrap().iter().map(|r| r.size).collect();
    let before = sizes.iter().copied().filter(|s| *s <= seq).max().unwrap_or(0);
    let after = sizes.iter().copied().filter(|s| *s > seq).min().unwrap();
    (Some(before as u64), format!("checkpoint at size {after} does not match"))
}

/// Saves the rows `cond` selects and every stored subtree hash, applies `tamper`, expects
/// the verifier to fail naming `want` with `reason` in its message, restores, and expects
/// the log to verify again with the latest checkpoint's root.
async fn caught(t: &TestApp, cond: &str, tamper: &str, want: Option<u64>, reason: &str) {
    raw(t, &format!("CREATE TABLE keep_e AS SELECT * FROM audit_events WHERE {cond}")).await;
    raw(t, "CREATE TABLE keep_c AS SELECT * FROM audit_chunks").await;
    raw(t, tamper).await;
    let e = verify(t).await.err().unwrap_or_else(|| panic!("not caught: {tamper}"));
    assert_eq!(e.seq, want, "{tamper}: {e}");
    assert!(e.reason.contains(reason), "{tamper}: {e}");
    raw(t, &format!("DELETE FROM audit_events WHERE {cond}")).await;
    raw(t, "INSERT INTO audit_events SELECT * FROM keep_e").await;
    raw(t, "DELETE FROM audit_chunks").await;
    raw(t, "INSERT INTO audit_chunks SELECT * FROM keep_c").await;
    raw(t, "DROP TABLE keep_e").await;
    raw(t, "DROP TABLE keep_c").await;
    let report = verify(t).await.unwrap_or_else(|e| panic!("after restoring from {tamper}: {e}"));
    let latest = t.db.store.latest_audit_checkpoint().await.unwrap().unwrap();
    assert_eq!(report.root.as_slice(), latest.root.as_slice());
}

/// The SQL that sets `action` of event `seq` to `customer.export` together with the leaf
/// hash that edit gives, so only a subtree hash or a checkpoint can tell.
async fn edit_with_leaf(t: &TestApp, seq: i64) -> String {
    let mut e = t.db.store.audit_event(seq).await.unwrap().unwrap().event.unwrap();
    e.action = "customer.export".into();
    let hex: String = e.leaf_hash().iter().map(|b| format!("{b:02x}")).collect();
    let leaf = match t.db.backend {
        Backend::Sqlite => format!("X'{hex}'"),
        Backend::Postgres => format!("decode('{hex}', 'hex')"),
    };
    format!("UPDATE audit_events SET action = 'customer.export', leaf = {leaf} WHERE seq = {seq}")
}

#[tokio::test]
async fn tampering_is_caught_across_ranges_lanes_and_chunks() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        for size in [1500, 2048, 4700, 5700] {
            grow_to(&t, size).await;
        }
        let report = verify(&t).await.unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(report.events, 5700);
        let whole =
            verify_log(&t.db.store, &custos_app::audit::verifier_from_key(&t.app.audit_public_key().unwrap()).unwrap())
                .await
                .unwrap();
        assert_eq!((whole.events, whole.root), (report.events, report.root), "one range or many, one root");

        let edited = "the event does not match its leaf hash";
        let deleted = "missing: the event was deleted";
        caught(&t, "seq = 4500", "UPDATE audit_events SET record_id = 'other' WHERE seq = 4500", Some(4500), edited)
            .await;
        caught(
            &t,
            "seq = 3000",
            "UPDATE audit_events SET fields = 'not a list' WHERE seq = 3000",
            Some(3000),
            "decode",
        )
        .await;
        // An edit whose leaf was recomputed: the stored hash of its chunk (4,096..5,119)
        // catches it at the chunk's end…
        let tamper = edit_with_leaf(&t, 4800).await;
        caught(&t, "seq = 4800", &tamper, None, "stored subtree hash 4 does not match").await;
        // …and without that hash, the next checkpoint (5,700, in the last, partial chunk).
        let ((prev, reason), drop4) = (checkpoints_around(&t, 4800).await, "DELETE FROM audit_chunks WHERE idx = 4");
        assert_eq!(reason, "checkpoint at size 5700 does not match");
        caught(&t, "seq = 4800", &format!("{tamper}; {drop4}"), prev, &reason).await;
        // Before a checkpoint inside a whole chunk (4,700), that checkpoint catches it first.
        let tamper = edit_with_leaf(&t, 4500).await;
        let (prev, reason) = checkpoints_around(&t, 4500).await;
        assert_eq!(reason, "checkpoint at size 4700 does not match");
        caught(&t, "seq = 4500", &tamper, prev, &reason).await;
        // The same in the first range: the next checkpoint (1,500 inside the second chunk, or
        // one the background checkpointer signed before it).
        let tamper = edit_with_leaf(&t, 1000).await;
        let drop0 = "DELETE FROM audit_chunks WHERE idx = 0";
        let (prev, reason) = checkpoints_around(&t, 1000).await;
        caught(&t, "seq = 1000", &format!("{tamper}; {drop0}"), prev, &reason).await;
        // Deleted: the last event of a range, a whole range, one in the last partial chunk.
        caught(&t, "seq = 2047", "DELETE FROM audit_events WHERE seq = 2047", Some(2047), deleted).await;
        let range = "seq >= 2048 AND seq < 4096";
        caught(&t, range, &format!("DELETE FROM audit_events WHERE {range}"), Some(2048), deleted).await;
        caught(&t, "seq = 5600", "DELETE FROM audit_events WHERE seq = 5600", Some(5600), deleted).await;
        // Two rows of different lanes swapped (every column but seq).
        let cols = "at, actor_user, actor_token, actor_session, ip, user_agent, action, resource, record_id, \
                    fields, outcome, purpose, request_id, ids, leaf";
        let set = cols
            .split(", ")
            .map(|c| format!("{c} = (SELECT {c} FROM keep_e WHERE keep_e.seq = 2200 - audit_events.seq)"))
            .collect::<Vec<_>>()
            .join(", ");
        let swap = format!("UPDATE audit_events SET {set} WHERE seq IN (100, 2100)");
        caught(&t, "seq IN (100, 2100)", &swap, Some(100), edited).await;
        // Inserted beyond the head, which was left alone (up to the largest seq there is).
        for seq in [9000, i64::MAX] {
            let far = format!(
                "INSERT INTO audit_events (seq, at, action, resource, fields, outcome, ids, leaf) \
                 SELECT {seq}, at, action, resource, fields, outcome, ids, leaf FROM audit_events WHERE seq = 2"
            );
            caught(&t, "seq = 2 OR seq >= 5700", &far, Some(5700), deleted).await;
        }
        if backend == Backend::Sqlite {
            // Values of a type or encoding their column never holds.
            let blob = "UPDATE audit_events SET action = x'00ff' WHERE seq = 3001";
            caught(&t, "seq = 3001", blob, Some(3001), "decode").await;
            let bad_utf8 = "UPDATE audit_events SET ip = CAST(x'ff' AS TEXT) WHERE seq = 3002";
            caught(&t, "seq = 3002", bad_utf8, Some(3002), "decode").await;
            let at = "UPDATE audit_events SET at = 'soon' WHERE seq = 3003";
            caught(&t, "seq = 3003", at, Some(3003), "decode").await;
            let leaf = "UPDATE audit_events SET leaf = 'text' WHERE seq = 3004";
            caught(&t, "seq = 3004", leaf, Some(3004), edited).await;
        }
    }
}

/// Saves the customer index rows `cond` selects, applies `tamper`, expects the verifier to
/// name `want` with `reason`, restores, and expects the log to verify again.
async fn index_caught(t: &TestApp, cond: &str, tamper: &str, want: u64, reason: &str) {
    raw(t, &format!("CREATE TABLE keep_s AS SELECT * FROM audit_subjects WHERE {cond}")).await;
    raw(t, tamper).await;
    let e = verify(t).await.err().unwrap_or_else(|| panic!("not caught: {tamper}"));
    assert_eq!(e.seq, Some(want), "{tamper}: {e}");
    assert!(e.reason.contains(reason), "{tamper}: {e}");
    raw(t, &format!("DELETE FROM audit_subjects WHERE {cond}")).await;
    raw(t, "INSERT INTO audit_subjects SELECT * FROM keep_s").await;
    raw(t, "DROP TABLE keep_s").await;
    verify(t).await.unwrap_or_else(|e| panic!("after restoring from {tamper}: {e}"));
}

#[tokio::test]
async fn tampering_with_the_customer_index_is_caught() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        grow_to(&t, 2100).await;
        verify(&t).await.unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        let index = "the customer index (audit_subjects) does not match the event";
        // "Who accessed customer Y" would miss an access, or name a customer never touched.
        index_caught(&t, "seq = 1500", "DELETE FROM audit_subjects WHERE seq = 1500", 1500, index).await;
        let moved = "UPDATE audit_subjects SET customer_id = 'cust-x' WHERE seq = 2050";
        index_caught(&t, "seq = 2050", moved, 2050, index).await;
        let added = "INSERT INTO audit_subjects (customer_id, seq) VALUES ('cust-y', 7)";
        index_caught(&t, "seq = 7", added, 7, index).await;
        // An export-like event (ids a, b besides its record): one of its ids dropped.
        let export = "DELETE FROM audit_subjects WHERE seq = 97 AND customer_id = 'a'";
        index_caught(&t, "seq = 97", export, 97, index).await;
        let beyond = "INSERT INTO audit_subjects (customer_id, seq) VALUES ('cust-z', 99999)";
        index_caught(&t, "seq = 99999", beyond, 99999, "not in the log").await;
        if backend == Backend::Sqlite {
            let retyped = "UPDATE audit_subjects SET customer_id = 5 WHERE seq = 10";
            index_caught(&t, "seq = 10", retyped, 10, index).await;
        }
    }
}
