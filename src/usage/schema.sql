-- headroom usage records. Owned by src/usage/store.rs; lives in the same
-- database file as the originals (src/ccr/schema.sql) but versions itself
-- in schema_versions, so either side can migrate without the other.
--
-- Every statement is idempotent. Times are unix milliseconds.
--
-- Version 2 added `session` and `tool` to `usage`, and the hourly rollup
-- (`usage_dims`, `usage_hourly`) that reports read; store.rs migrates a
-- version 1 store by adding the columns and rebuilding the rollup from the
-- records.

CREATE TABLE IF NOT EXISTS schema_versions (
    component TEXT    PRIMARY KEY NOT NULL,
    version   INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per record, with every detail.
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
    status            TEXT    NOT NULL,
    -- The agent's session id, and the tools whose results were compressed
    -- (comma-separated, sorted) or the command `compress` ran on.
    session           TEXT,
    tool              TEXT
);

CREATE INDEX IF NOT EXISTS usage_time ON usage (time_ms);

-- What a report groups records by, stored once ('' for none).
CREATE TABLE IF NOT EXISTS usage_dims (
    id           INTEGER PRIMARY KEY,
    source       TEXT    NOT NULL,
    agent        TEXT    NOT NULL,
    project      TEXT    NOT NULL,
    model        TEXT    NOT NULL,
    kinds        TEXT    NOT NULL,
    session      TEXT    NOT NULL,
    tool         TEXT    NOT NULL,
    estimated    INTEGER NOT NULL,
    -- Whether the records carry upstream usage.
    has_upstream INTEGER NOT NULL,
    UNIQUE (source, agent, project, model, kinds, session, tool, estimated, has_upstream)
);

-- Sums of the records of one UTC hour (time_ms / 3600000) that share their
-- dims, kept by the writer in the same transaction as the records. An hour
-- falls in one local day in every time zone with a whole-hour offset; the
-- reader takes the other hours, and partial hours at a range's ends, from
-- `usage`.
CREATE TABLE IF NOT EXISTS usage_hourly (
    hour              INTEGER NOT NULL,
    dims              INTEGER NOT NULL,
    records           INTEGER NOT NULL,
    tokens_before     INTEGER NOT NULL,
    tokens_after      INTEGER NOT NULL,
    retrievals        INTEGER NOT NULL,
    up_input          INTEGER NOT NULL,
    up_output         INTEGER NOT NULL,
    up_cache_write    INTEGER NOT NULL,
    up_cache_write_1h INTEGER NOT NULL,
    up_cache_read     INTEGER NOT NULL,
    PRIMARY KEY (hour, dims)
) WITHOUT ROWID;
