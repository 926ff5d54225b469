-- Sales: pipelines with ordered stages, leads, deals with their stage history, activities
-- and quotas. Lead contact details and activity bodies are sealed (*_ct) like customer
-- fields; amounts are integers in minor units (fen, cents); dates are ISO 'YYYY-MM-DD'.
CREATE TABLE pipelines (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    position    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL
);

CREATE TABLE pipeline_stages (
    id           TEXT PRIMARY KEY,
    pipeline_id  TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL,
    probability  INTEGER NOT NULL,
    UNIQUE (pipeline_id, name)
);
CREATE INDEX pipeline_stages_order ON pipeline_stages(pipeline_id, position);

CREATE TABLE leads (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    name_search        TEXT NOT NULL,
    company            TEXT,
    title              TEXT,
    source             TEXT NOT NULL,
    status             TEXT NOT NULL,
    owner_id           TEXT REFERENCES users(id),
    team_id            TEXT REFERENCES teams(id),
    email_ct           BLOB,
    email_bidx         BLOB,
    mobile_ct          BLOB,
    mobile_bidx        BLOB,
    notes_ct           BLOB,
    disqualify_reason  TEXT,
    customer_id        TEXT REFERENCES customers(id) ON DELETE SET NULL,
    deal_id            TEXT,
    converted_at       INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    version            INTEGER NOT NULL
);
CREATE INDEX leads_owner ON leads(owner_id, created_at);
CREATE INDEX leads_status ON leads(status, created_at);
CREATE INDEX leads_created ON leads(created_at);
CREATE INDEX leads_email_bidx ON leads(email_bidx) WHERE email_bidx IS NOT NULL;
CREATE INDEX leads_mobile_bidx ON leads(mobile_bidx) WHERE mobile_bidx IS NOT NULL;

CREATE TABLE deals (
    id                TEXT PRIMARY KEY,
    title             TEXT NOT NULL,
    title_search      TEXT NOT NULL,
    customer_id       TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    pipeline_id       TEXT NOT NULL REFERENCES pipelines(id),
    stage_id          TEXT NOT NULL REFERENCES pipeline_stages(id),
    amount_minor      INTEGER NOT NULL,
    currency          TEXT NOT NULL,
    expected_close    TEXT,
    owner_id          TEXT REFERENCES users(id),
    team_id           TEXT REFERENCES teams(id),
    status            TEXT NOT NULL,
    lost_reason       TEXT,
    closed_at         INTEGER,
    lead_id           TEXT REFERENCES leads(id) ON DELETE SET NULL,
    stage_entered_at  INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    version           INTEGER NOT NULL
);
CREATE INDEX deals_board ON deals(pipeline_id, status, stage_id, updated_at);
CREATE INDEX deals_stage_owner ON deals(stage_id, owner_id, updated_at);
CREATE INDEX deals_owner ON deals(owner_id, status, updated_at);
CREATE INDEX deals_customer ON deals(customer_id);
CREATE INDEX deals_team ON deals(team_id);
CREATE INDEX deals_close ON deals(status, expected_close);
CREATE INDEX deals_closed ON deals(status, closed_at);
CREATE INDEX deals_updated ON deals(updated_at);

CREATE TABLE deal_stage_history (
    id             TEXT PRIMARY KEY,
    deal_id        TEXT NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
    from_stage_id  TEXT,
    to_stage_id    TEXT NOT NULL,
    status         TEXT NOT NULL,
    changed_at     INTEGER NOT NULL,
    changed_by     TEXT
);
CREATE INDEX deal_stage_history_deal ON deal_stage_history(deal_id, changed_at);

CREATE TABLE activities (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body_ct       BLOB,
    customer_id   TEXT REFERENCES customers(id) ON DELETE CASCADE,
    deal_id       TEXT REFERENCES deals(id) ON DELETE CASCADE,
    lead_id       TEXT REFERENCES leads(id) ON DELETE CASCADE,
    owner_id      TEXT REFERENCES users(id),
    team_id       TEXT REFERENCES teams(id),
    occurred_at   INTEGER,
    due_at        INTEGER,
    done_at       INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL
);
CREATE INDEX activities_customer ON activities(customer_id, created_at);
CREATE INDEX activities_deal ON activities(deal_id, created_at);
CREATE INDEX activities_lead ON activities(lead_id, created_at);
CREATE INDEX activities_owner ON activities(owner_id, created_at);
CREATE INDEX activities_open_tasks ON activities(owner_id, due_at) WHERE kind = 'task' AND done_at IS NULL;

CREATE TABLE quotas (
    id            TEXT PRIMARY KEY,
    subject       TEXT NOT NULL,
    user_id       TEXT REFERENCES users(id) ON DELETE CASCADE,
    team_id       TEXT REFERENCES teams(id) ON DELETE CASCADE,
    period        TEXT NOT NULL,
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    amount_minor  INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    UNIQUE (subject, period)
);
CREATE INDEX quotas_period ON quotas(starts_on);

-- Roles stored before this migration gain the sales permissions of their defaults.
UPDATE roles SET permissions = permissions || ',lead.read,lead.write,lead.convert,deal.read,deal.write,deal.delete,activity.read,activity.write,quota.read,quota.manage,report.read,pipeline.manage' WHERE id = 'admin';
UPDATE roles SET permissions = permissions || ',lead.read,lead.write,lead.convert,deal.read,deal.write,deal.delete,activity.read,activity.write,quota.read,quota.manage,report.read' WHERE id = 'sales_manager';
UPDATE roles SET permissions = permissions || ',lead.read,lead.write,lead.convert,deal.read,deal.write,activity.read,activity.write,quota.read,report.read' WHERE id = 'sales_rep';
UPDATE roles SET permissions = permissions || ',deal.read,activity.read,activity.write' WHERE id = 'support';
UPDATE roles SET permissions = permissions || ',lead.read,lead.write,report.read' WHERE id = 'marketing';
