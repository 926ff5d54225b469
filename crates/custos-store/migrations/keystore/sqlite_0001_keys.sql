-- Custos key store (SQLite, its own file keys.db): per-customer data keys wrapped by a master
-- key (KEK) that never enters any database, master versions and rotation progress. No
-- customer data lives here. The connection runs with secure_delete=ON so a destroyed key is
-- overwritten on disk, not left in a free page.
CREATE TABLE customer_keys (
    customer_id  TEXT PRIMARY KEY,
    kek_version  INTEGER NOT NULL,
    wrapped      BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    rewrapped_at INTEGER
) WITHOUT ROWID;
CREATE INDEX customer_keys_kek ON customer_keys(kek_version, customer_id);

CREATE TABLE kek_versions (
    version     INTEGER PRIMARY KEY,
    state       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
);

CREATE TABLE rotations (
    target_version INTEGER PRIMARY KEY,
    started_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    finished_at    INTEGER,
    total          INTEGER NOT NULL,
    done           INTEGER NOT NULL
);
