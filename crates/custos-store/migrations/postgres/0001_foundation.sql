-- Custos foundation schema (PostgreSQL). Sensitive customer and contact fields are stored only
-- as sealed ciphertext (*_ct) with optional keyed blind indexes (*_bidx); never plaintext.
CREATE TABLE teams (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id             TEXT COLLATE "C" PRIMARY KEY,
    email          TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL,
    team_id        TEXT REFERENCES teams(id),
    status         TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    last_login_at  BIGINT,
    version        BIGINT NOT NULL
);

CREATE TABLE sessions (
    id            TEXT COLLATE "C" PRIMARY KEY,
    token_hash    BYTEA NOT NULL UNIQUE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    user_agent    TEXT,
    ip            TEXT,
    revoked_at    BIGINT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id            TEXT COLLATE "C" PRIMARY KEY,
    token_hash    BYTEA NOT NULL UNIQUE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE customers (
    id                TEXT COLLATE "C" PRIMARY KEY,
    name              TEXT NOT NULL,
    name_search       TEXT COLLATE "C" NOT NULL,
    kind              TEXT NOT NULL,
    industry          TEXT,
    tier              TEXT,
    status            TEXT NOT NULL,
    owner_id          TEXT REFERENCES users(id),
    team_id           TEXT REFERENCES teams(id),
    tags              TEXT NOT NULL,
    source            TEXT,
    email_ct          BYTEA,
    mobile_ct         BYTEA,
    phone_ct          BYTEA,
    address_ct        BYTEA,
    birthday_ct       BYTEA,
    national_id_ct    BYTEA,
    bank_account_ct   BYTEA,
    notes_ct          BYTEA,
    email_bidx        BYTEA,
    mobile_bidx       BYTEA,
    phone_bidx        BYTEA,
    national_id_bidx  BYTEA,
    bank_account_bidx BYTEA,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    version           BIGINT NOT NULL
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
    id           TEXT COLLATE "C" PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    title        TEXT,
    email_ct     BYTEA,
    mobile_ct    BYTEA,
    phone_ct     BYTEA,
    address_ct   BYTEA,
    notes_ct     BYTEA,
    email_bidx   BYTEA,
    mobile_bidx  BYTEA,
    phone_bidx   BYTEA,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    version      BIGINT NOT NULL
);
CREATE INDEX contacts_customer ON contacts(customer_id, created_at);

-- Data keys, wrapped by a master key that never enters the database. "scope" names what a
-- key protects ("install" for the whole database until per-customer keys arrive).
CREATE TABLE data_keys (
    scope        TEXT COLLATE "C" PRIMARY KEY,
    kek_version  BIGINT NOT NULL,
    wrapped      BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
);
