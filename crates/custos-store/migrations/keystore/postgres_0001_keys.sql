-- Custos key store (PostgreSQL, schema custos_keys, or its own database): per-customer data
-- keys wrapped by a master key (KEK) that never enters any database, master versions and
-- rotation progress. No customer data lives here.
CREATE SCHEMA IF NOT EXISTS custos_keys;
CREATE TABLE custos_keys.customer_keys (
    customer_id  TEXT COLLATE "C" PRIMARY KEY,
    kek_version  BIGINT NOT NULL,
    wrapped      BYTEA NOT NULL,
    created_at   BIGINT NOT NULL,
    rewrapped_at BIGINT
);
CREATE INDEX customer_keys_kek ON custos_keys.customer_keys(kek_version, customer_id);

CREATE TABLE custos_keys.kek_versions (
    version     BIGINT PRIMARY KEY,
    state       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT
);

CREATE TABLE custos_keys.rotations (
    target_version BIGINT PRIMARY KEY,
    started_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    finished_at    BIGINT,
    total          BIGINT NOT NULL,
    done           BIGINT NOT NULL
);
