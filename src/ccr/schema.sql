-- headroom original store (CCR). Owned by src/ccr/store.rs.
--
-- The schema version lives in PRAGMA user_version and is set by store.rs
-- (SCHEMA_VERSION) in the same transaction that runs this file. Every
-- statement is idempotent so that a process that lost the race to create the
-- schema can run it again harmlessly.
--
-- Times are unix seconds. A row is live while expires_at > now.

CREATE TABLE IF NOT EXISTS originals (
    hash        TEXT    PRIMARY KEY NOT NULL CHECK (length(hash) = 16),
    original    BLOB    NOT NULL,
    kind        TEXT    NOT NULL,
    size        INTEGER NOT NULL CHECK (size >= 0),
    stored_at   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    last_access INTEGER NOT NULL
);

-- LRU eviction walks last_access; lazy purge walks expires_at; list walks
-- stored_at. Without these each of them would scan every blob page.
CREATE INDEX IF NOT EXISTS originals_last_access ON originals (last_access);
CREATE INDEX IF NOT EXISTS originals_expires_at ON originals (expires_at);
CREATE INDEX IF NOT EXISTS originals_stored_at ON originals (stored_at);

-- What was purged or evicted, so `get` can say "expired" rather than
-- "never stored". Small rows, so WITHOUT ROWID keeps them in one b-tree.
CREATE TABLE IF NOT EXISTS tombstones (
    hash    TEXT    PRIMARY KEY NOT NULL,
    gone_at INTEGER NOT NULL,
    reason  TEXT    NOT NULL CHECK (reason IN ('expired', 'evicted'))
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS tombstones_gone_at ON tombstones (gone_at);

-- A single row of running totals, so the size cap costs O(1) per put instead
-- of a SUM over every row. The triggers keep it exact whoever edits originals.
CREATE TABLE IF NOT EXISTS stats (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    total_bytes INTEGER NOT NULL,
    last_purge  INTEGER NOT NULL
);

INSERT OR IGNORE INTO stats (id, total_bytes, last_purge) VALUES (1, 0, 0);

CREATE TRIGGER IF NOT EXISTS originals_total_insert AFTER INSERT ON originals
BEGIN
    UPDATE stats SET total_bytes = total_bytes + NEW.size WHERE id = 1;
END;

CREATE TRIGGER IF NOT EXISTS originals_total_delete AFTER DELETE ON originals
BEGIN
    UPDATE stats SET total_bytes = total_bytes - OLD.size WHERE id = 1;
END;

CREATE TRIGGER IF NOT EXISTS originals_total_update AFTER UPDATE OF size ON originals
BEGIN
    UPDATE stats SET total_bytes = total_bytes - OLD.size + NEW.size WHERE id = 1;
END;
