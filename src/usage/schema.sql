-- headroom usage records. Owned by src/usage/store.rs; lives in the same
-- database file as the originals (src/ccr/schema.sql) but versions itself
-- in schema_versions, so either side can migrate without the other.
--
-- Every statement is idempotent. Times are unix milliseconds.

CREATE TABLE IF NOT EXISTS schema_versions (
    component TEXT    PRIMARY KEY NOT NULL,
    version   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS usage (
    id                INTEGER PRIMARY KEY,
    time_ms           INTEGER NOT NULL,
    source            TEXT    NOT NULL,
    agent             TEXT,
    project           TEXT,
    provider          TEXT,
    model             TEXT,
    -- Kinds compressed, comma-separated, sorted.
    kinds             TEXT    NOT NULL,
    tokens_before     INTEGER NOT NULL,
    tokens_after      INTEGER NOT NULL,
    estimated         INTEGER NOT NULL,
    up_input          INTEGER,
    up_output         INTEGER,
    up_cache_write    INTEGER,
    up_cache_write_1h INTEGER,
    up_cache_read     INTEGER,
    retrievals        INTEGER NOT NULL,
    overhead_ms       REAL    NOT NULL,
    status            TEXT    NOT NULL
);

CREATE INDEX IF NOT EXISTS usage_time ON usage (time_ms);
