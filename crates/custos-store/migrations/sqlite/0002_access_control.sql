-- Access control: editable roles, team managers, shares, MFA, throttling, scoped tokens,
-- permission use and access reviews (SQLite).
CREATE TABLE roles (
    id            TEXT PRIMARY KEY,
    permissions   TEXT NOT NULL,
    scope         TEXT NOT NULL,
    confidential  TEXT NOT NULL,
    restricted    TEXT NOT NULL,
    require_mfa   INTEGER NOT NULL,
    ip_allow      TEXT NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL
);

ALTER TABLE teams ADD COLUMN manager_id TEXT REFERENCES users(id);

CREATE TABLE customer_shares (
    customer_id  TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (customer_id, user_id)
);
CREATE INDEX customer_shares_user ON customer_shares(user_id, customer_id);
CREATE INDEX users_team ON users(team_id);

ALTER TABLE sessions ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
ALTER TABLE sessions ADD COLUMN mfa_at INTEGER;

ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN cidrs TEXT NOT NULL DEFAULT '';

-- The TOTP secret is sealed by the vault; last_step refuses replays.
CREATE TABLE mfa_totp (
    user_id     TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret_ct   BLOB NOT NULL,
    enabled_at  INTEGER,
    last_step   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  BLOB NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- Sign-in throttling shared by every server process: key is "account:<e-mail>" or "ip:<address>".
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    window_start  INTEGER NOT NULL,
    locked_until  INTEGER NOT NULL
);

CREATE TABLE permission_use (
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permission    TEXT NOT NULL,
    last_used_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, permission)
);

CREATE TABLE access_reviews (
    id          TEXT PRIMARY KEY,
    created_by  TEXT,
    created_at  INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    closed_at   INTEGER
);

CREATE TABLE access_review_items (
    review_id   TEXT NOT NULL REFERENCES access_reviews(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    decision    TEXT NOT NULL,
    decided_by  TEXT,
    decided_at  INTEGER,
    note        TEXT,
    PRIMARY KEY (review_id, user_id)
);
