-- The schema of a store made before Alembic: catalog/store.py's migrations 0001, 0002 and 0004
-- as they were (0003 moved data only). tests/test_store_migrations.py opens such a store.

-- 0001_initial.sql
-- The system of record. Every change the index must see writes an outbox row in
-- the same transaction; every change of a sheet by a person writes audit rows.

CREATE TABLE legal_entities (              -- EJ
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,             -- 'practitioner' | 'organisation'
    revision    INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL
);

CREATE TABLE establishments (              -- EG: one place
    id           TEXT PRIMARY KEY,
    ej_id        TEXT NOT NULL REFERENCES legal_entities(id),
    name         TEXT NOT NULL,
    category     TEXT NOT NULL,            -- nomenclatures/categories.json
    sector       TEXT,                     -- e.g. SA07 cabinet individuel
    address      TEXT NOT NULL DEFAULT '',
    postal_code  TEXT NOT NULL DEFAULT '',
    insee        TEXT NOT NULL,
    lat          REAL NOT NULL,
    lon          REAL NOT NULL,
    phone        TEXT,
    source       TEXT NOT NULL,            -- 'rpps' (read-only for practitioners) | 'catalog'
    revision     INTEGER NOT NULL DEFAULT 1,
    updated_at   TEXT NOT NULL
);
CREATE INDEX establishments_ej ON establishments(ej_id);

CREATE TABLE practitioners (               -- from the RPPS, read-only for them
    rpps            TEXT PRIMARY KEY,
    civility        TEXT NOT NULL DEFAULT '',
    last_name       TEXT NOT NULL,
    first_name      TEXT NOT NULL DEFAULT '',
    profession      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE units (                       -- UO: what is searched
    id                   TEXT PRIMARY KEY,
    eg_id                TEXT NOT NULL REFERENCES establishments(id),
    uo_type              TEXT NOT NULL,
    name                 TEXT NOT NULL,
    profession           TEXT,
    owner_rpps           TEXT REFERENCES practitioners(rpps),
    phone                TEXT,
    mobile               TEXT,
    aptitudes            TEXT NOT NULL DEFAULT '[]',   -- JSON list of codes
    age_min              INTEGER,
    age_max              INTEGER,
    home_visit           INTEGER NOT NULL DEFAULT 0,
    home_visit_communes  TEXT NOT NULL DEFAULT '[]',   -- JSON list of INSEE codes
    week                 TEXT NOT NULL DEFAULT '{}',   -- JSON {"1": [[540, 720]], ...}
    open_on_holidays     INTEGER NOT NULL DEFAULT 0,
    comments             TEXT NOT NULL DEFAULT '',
    revision             INTEGER NOT NULL DEFAULT 1,
    updated_at           TEXT NOT NULL
);
CREATE INDEX units_eg ON units(eg_id);
CREATE INDEX units_owner ON units(owner_rpps);

CREATE TABLE resource_persons (
    id          INTEGER PRIMARY KEY,
    unit_id     TEXT NOT NULL REFERENCES units(id),
    source      TEXT NOT NULL,             -- 'rpps' (read-only) | 'added'
    rpps        TEXT,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL DEFAULT '',
    phone       TEXT,
    email       TEXT
);
CREATE INDEX resource_persons_unit ON resource_persons(unit_id);

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    rpps                TEXT UNIQUE REFERENCES practitioners(rpps),
    email               TEXT UNIQUE,
    password_hash       TEXT,
    role                TEXT NOT NULL,     -- 'practitioner' | 'admin'
    display_name        TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL,     -- 'active' | 'disabled'
    terms_accepted_at   TEXT,
    email_confirmed_at  TEXT,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT,
    created_at          TEXT NOT NULL
);

CREATE TABLE activation_codes (
    id          INTEGER PRIMARY KEY,
    rpps        TEXT NOT NULL REFERENCES practitioners(rpps),
    code_hash   TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX activation_codes_rpps ON activation_codes(rpps);

CREATE TABLE anomalies (
    id              INTEGER PRIMARY KEY,
    target_type     TEXT NOT NULL,         -- 'EJ' | 'EG' | 'UO'
    target_id       TEXT NOT NULL,
    field           TEXT,
    theme           TEXT,
    message         TEXT NOT NULL,
    status          TEXT NOT NULL,         -- 'new' | 'in_progress' | 'resolved' | 'rejected'
    reporter_id     INTEGER REFERENCES accounts(id),
    assignee_id     INTEGER REFERENCES accounts(id),
    note            TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX anomalies_status ON anomalies(status);
CREATE INDEX anomalies_target ON anomalies(target_type, target_id);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,            -- 'account:<id>', 'rpps-import', 'demo', ...
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    field        TEXT NOT NULL,
    old_value    TEXT,
    new_value    TEXT
);
CREATE INDEX audit_log_target ON audit_log(target_type, target_id);

CREATE TABLE outbox (                      -- index operations not yet applied
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id          TEXT NOT NULL,
    revision         INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT
);
CREATE INDEX outbox_next ON outbox(next_attempt_at);

-- 0002_accounts.sql
-- The write path's own tables: e-mail tokens, API keys, rate-limit counters.
-- Secrets (tokens, keys) are stored as SHA-256 digests: they are long random
-- strings, so a fast digest is enough and a stolen file reveals none of them.

-- Bumped when a password changes: session cookies signed before then stop working.
ALTER TABLE accounts ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE email_tokens (                -- one-time links sent by e-mail
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    purpose      TEXT NOT NULL,            -- 'confirm_email' | 'reset_password'
    token_hash   TEXT NOT NULL UNIQUE,
    email        TEXT NOT NULL,            -- the address the link was sent to
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX email_tokens_account ON email_tokens(account_id, purpose);

CREATE TABLE api_keys (                    -- read-only access for other applications
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,           -- shown to identify a key; not secret
    key_hash      TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_used_at  TEXT
);

CREATE TABLE rate_limits (                 -- fixed-window counters
    bucket        TEXT NOT NULL,           -- e.g. 'login-ip:203.0.113.7', 'api-key:3'
    window_start  INTEGER NOT NULL,        -- epoch seconds, a multiple of the window
    expires_at    INTEGER NOT NULL,        -- epoch seconds
    hits          INTEGER NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_expiry ON rate_limits(expires_at);

-- 0004_audit_admin_actions.sql
-- The management cell's actions join the one audit trail (catalog/audit.py):
-- target_type 'index', 'api_key', 'activation_code' and 'anomaly' rows, listed
-- newest first for the cell, one kind at a time or all. This index serves that
-- listing without reading the sheets' rows, which are far more numerous.
CREATE INDEX audit_log_kind ON audit_log(target_type, id);
