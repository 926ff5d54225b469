-- Custos foundation schema (SQLite). Sensitive customer and contact fields are stored only
-- as sealed ciphertext (*_ct) with optional keyed blind indexes (*_bidx); never plaintext.
CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL,
    team_id        TEXT REFERENCES teams(id),
    status         TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    last_login_at  INTEGER,
    version        INTEGER NOT NULL
);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    token_hash    BLOB NOT NULL UNIQUE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    user_agent    TEXT,
    ip            TEXT,
    revoked_at    INTEGER
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    token_hash    BLOB NOT NULL UNIQUE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE customers (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    name_search       TEXT NOT NULL,
    kind              TEXT NOT NULL,
    industry          TEXT,
    tier              TEXT,
    status            TEXT NOT NULL,
    owner_id          TEXT REFERENCES users(id),
    team_id           TEXT REFERENCES teams(id),
    tags              TEXT NOT NULL,
    source            TEXT,
    email_ct          BLOB,
    mobile_ct         BLOB,
    phone_ct          BLOB,
    address_ct        BLOB,
    birthday_ct       BLOB,
    national_id_ct    BLOB,
    bank_account_ct   BLOB,
    notes_ct          BLOB,
    email_bidx        BLOB,
    mobile_bidx       BLOB,
    phone_bidx        BLOB,
    national_id_bidx  BLOB,
    bank_account_bidx BLOB,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    version           INTEGER NOT NULL
);
CREATE INDEX customers_created ON customers(created_at, id);
CREATE INDEX customers_updated ON customers(updated_at, id);
CREATE INDEX customers_name ON customers(name_search, id);
CREATE INDEX customers_status ON customers(status, created_at);
CREATE INDEX customers_owner ON customers(owner_id, created_at);
CREATE INDEX customers_team ON customers(team_id);

CREATE TABLE customer_tags (
    customer_id  TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    tag          TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_tags_tag ON customer_tags(tag, customer_id);

CREATE TABLE contacts (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    title        TEXT,
    email_ct     BLOB,
    mobile_ct    BLOB,
    phone_ct     BLOB,
    address_ct   BLOB,
    notes_ct     BLOB,
    email_bidx   BLOB,
    mobile_bidx  BLOB,
    phone_bidx   BLOB,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL
);
CREATE INDEX contacts_customer ON contacts(customer_id, created_at);

-- Data keys, wrapped by a master key that never enters the database. "scope" names what a
-- key protects ("install" for the whole database until per-customer keys arrive).
CREATE TABLE data_keys (
    scope        TEXT PRIMARY KEY,
    kek_version  INTEGER NOT NULL,
    wrapped      BLOB NOT NULL,
    created_at   INTEGER NOT NULL
);
