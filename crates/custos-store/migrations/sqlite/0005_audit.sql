-- The audit log (SQLite): events in one order (seq = Merkle leaf index), the counter that
-- hands out that order, signed checkpoints, cached subtree hashes for proofs, the customer
-- index behind impact queries, and the SIEM forwarders' cursors. Rows are only appended.
CREATE TABLE audit_events (
    seq            INTEGER PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor_user     TEXT,
    actor_token    TEXT,
    actor_session  TEXT,
    ip             TEXT,
    user_agent     TEXT,
    action         TEXT NOT NULL,
    resource       TEXT NOT NULL,
    record_id      TEXT,
    fields         TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    purpose        TEXT,
    request_id     TEXT,
    ids            TEXT NOT NULL,
    leaf           BLOB NOT NULL
);
CREATE INDEX audit_events_actor ON audit_events(actor_user, at);
CREATE INDEX audit_events_record ON audit_events(record_id, at);
CREATE INDEX audit_events_action ON audit_events(action, at);
CREATE INDEX audit_events_at ON audit_events(at);

CREATE TABLE audit_subjects (
    customer_id  TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    PRIMARY KEY (customer_id, seq)
) WITHOUT ROWID;

CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    next  BIGINT NOT NULL
);
INSERT INTO audit_head (id, next) VALUES (1, 0);

CREATE TABLE audit_checkpoints (
    size  BIGINT PRIMARY KEY,
    root  BLOB NOT NULL,
    note  TEXT NOT NULL,
    at    BIGINT NOT NULL
);

CREATE TABLE audit_chunks (
    idx   BIGINT PRIMARY KEY,
    hash  BLOB NOT NULL
);

CREATE TABLE audit_sink_cursor (
    sink  TEXT PRIMARY KEY,
    next  BIGINT NOT NULL
);
