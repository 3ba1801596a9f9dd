-- Issue #20: the « Répertoire », the EJ sheet and the administrators' console.
--
-- 1. Identifiers and address of a legal entity (EJ), stored by the RPPS import when
--    the extract gives them (« Numéro FINESS établissement juridique », « Numéro
--    SIREN site », the site's address): the EJ sheet shows them.
ALTER TABLE legal_entities ADD COLUMN finess TEXT;
ALTER TABLE legal_entities ADD COLUMN siren TEXT;
ALTER TABLE legal_entities ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE legal_entities ADD COLUMN postal_code TEXT NOT NULL DEFAULT '';
ALTER TABLE legal_entities ADD COLUMN insee TEXT;

-- 2. The directory pages, paged from the store: legal entities by name, a
--    commune's establishments by name (establishments_ej already serves EJ → EG).
CREATE INDEX legal_entities_kind_name ON legal_entities(kind, name, id);
CREATE INDEX establishments_commune ON establishments(insee, name, id);

-- 3. Full reindexes: one row per run, its live progress, the one-reindex lock and
--    the history. Every API process and the `ror` command read and write here.
--    The lock is a lease: a running row whose lease_until is past belongs to a
--    process that died, and the next start marks it failed and takes over.
CREATE TABLE reindex_runs (
    id           INTEGER PRIMARY KEY,
    actor        TEXT NOT NULL,            -- 'account:<id>' | 'cli' (as in audit_log)
    status       TEXT NOT NULL,            -- 'running' | 'succeeded' | 'failed'
    phase        TEXT NOT NULL DEFAULT 'starting',  -- 'starting' | 'loading' | 'finishing' | 'done'
    total        INTEGER NOT NULL DEFAULT 0,        -- UO to write (the store's count)
    written      INTEGER NOT NULL DEFAULT 0,        -- UO written so far
    index_name   TEXT,
    error        TEXT,                     -- why it failed, in words
    started_at   TEXT NOT NULL,
    loading_at   TEXT,                     -- when documents started flowing (rate, time left)
    updated_at   TEXT NOT NULL,
    lease_until  TEXT NOT NULL,            -- renewed every few seconds while it runs
    finished_at  TEXT
);
CREATE INDEX reindex_runs_status ON reindex_runs(status);

-- (API keys' scopes, 'metrics' among them, are the column migration 0005 added.)
