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
