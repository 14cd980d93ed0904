//! The original store: every byte string that headroom leaves out of its
//! output is kept here, keyed by a short content hash, so that a marker in
//! the compressed text can always be turned back into the exact original.
//!
//! This module owns the on-disk SQLite database (schema in `schema.sql`), its
//! file permissions, expiry (TTL), the total-size cap with LRU eviction, the
//! tombstones that let `get` tell "expired" from "never stored", and the
//! locking discipline that lets many headroom processes share one database.
//! Callers only see the [`OriginalStore`] trait and open the store through
//! [`super::location::open`], which also serves the Redis backend.

use std::fmt;
use std::fs;
use std::hash::{BuildHasher, RandomState};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};
use sha2::{Digest, Sha256};

/// Version written to `PRAGMA user_version` once `schema.sql` has been run.
pub const SCHEMA_VERSION: i32 = 1;
const SCHEMA_SQL: &str = include_str!("schema.sql");

/// Number of lowercase hex digits in a hash.
pub const HASH_LEN: usize = 16;
pub const DEFAULT_TTL_SECS: i64 = 7 * 24 * 60 * 60;
pub const DEFAULT_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// How long SQLite itself waits for a lock before reporting BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How often [`SqliteStore::checkpoint_in_background`] checkpoints.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);
/// Some BUSY cases never reach SQLite's busy handler (a lock held across the
/// switch to WAL, WAL recovery), so every transaction is also retried by hand
/// until this much time has passed.
const RETRY_DEADLINE: Duration = Duration::from_secs(15);
const RETRY_FIRST_PAUSE: Duration = Duration::from_millis(2);
const RETRY_MAX_PAUSE: Duration = Duration::from_millis(100);
/// Purging is cheap but not free; once per interval is plenty because `get`
/// already treats a row past `expires_at` as expired.
const PURGE_INTERVAL_SECS: i64 = 10 * 60;
const DEFAULT_TOMBSTONE_CAP: u64 = 100_000;

/// Where omitted originals go and come back from: one contract, kept by
/// the SQLite file ([`SqliteStore`]) and by Redis ([`super::redis::RedisStore`]).
pub trait OriginalStore: super::Sink + Send + Sync {
    /// Stores `original` and returns its hash ([`hash_of`]). Idempotent.
    /// Durable once it returns: the caller may print a marker that refers
    /// to the hash.
    fn put(&self, original: &[u8], kind: &str) -> Result<String, StoreError>;
    /// [`OriginalStore::put`] when the caller has computed `hash_of(original)`.
    fn put_hashed(&self, original: &[u8], kind: &str, hash: &str) -> Result<String, StoreError> {
        let _ = hash;
        self.put(original, kind)
    }
    /// The exact bytes stored under `hash`, or why they are not there.
    fn get(&self, hash: &str) -> Result<Lookup, StoreError>;
    /// Whether `hash` is stored and not expired.
    fn contains(&self, hash: &str) -> Result<bool, StoreError>;
    /// Live entries, most recently stored first, at most `limit`.
    fn list(&self, limit: usize) -> Result<Vec<EntryMeta>, StoreError>;
    /// How much the store holds.
    fn stats(&self) -> Result<StoreStats, StoreError>;
    /// Where the store is, for messages: a path, or a URL with its
    /// password hidden.
    fn location(&self) -> String;
    /// Why the store cannot be reached now, when a backend that reconnects
    /// by itself (Redis) lost its server; `None` when it can.
    fn outage(&self) -> Option<String> {
        None
    }
    /// How many times the store became unreachable since it was opened.
    fn outages(&self) -> u64 {
        0
    }
    /// Tries to reach the store now, ending an outage if it can.
    fn probe(&self) -> bool {
        true
    }
}

/// What a store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreStats {
    /// Live originals.
    pub entries: u64,
    /// Their total size, when the backend keeps it (Redis leaves the cap
    /// to the server and does not).
    pub bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Entry),
    /// Was stored once; `at` is when it expired or was evicted (unix seconds).
    Gone {
        reason: GoneReason,
        at: i64,
    },
    /// Never stored here, or its tombstone has been dropped too.
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GoneReason {
    Expired,
    Evicted,
}

impl GoneReason {
    pub fn as_str(self) -> &'static str {
        match self {
            GoneReason::Expired => "expired",
            GoneReason::Evicted => "evicted",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "expired" => Some(GoneReason::Expired),
            "evicted" => Some(GoneReason::Evicted),
            _ => None,
        }
    }
}

impl fmt::Display for GoneReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub hash: String,
    pub kind: String,
    pub original: Vec<u8>,
    pub stored_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryMeta {
    pub hash: String,
    pub kind: String,
    pub size: u64,
    pub stored_at: i64,
    pub expires_at: i64,
    pub last_access: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Seconds an original lives after its latest `put`.
    pub ttl_secs: i64,
    /// Cap on the total size of stored originals, in bytes.
    pub max_bytes: u64,
}

impl From<&crate::config::Config> for StoreOptions {
    fn from(config: &crate::config::Config) -> Self {
        StoreOptions {
            ttl_secs: config.ttl_secs,
            max_bytes: config.max_store_bytes,
        }
    }
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            ttl_secs: DEFAULT_TTL_SECS,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

#[derive(thiserror::Error, Debug)]
pub enum StoreError {
    #[error("{}: cannot {action}: {source}", .path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
    #[error("{}: cannot {action}: {source}", .path.display())]
    Sqlite {
        path: PathBuf,
        action: &'static str,
        source: rusqlite::Error,
    },
    #[error(
        "{}: cannot {action}: database still locked by another process after {} s",
        .path.display(),
        .waited.as_secs()
    )]
    Busy {
        path: PathBuf,
        action: &'static str,
        waited: Duration,
    },
    #[error("{}: database is read-only, cannot store originals", .path.display())]
    ReadOnly { path: PathBuf },
    #[error(
        "{}: schema version {found} is newer than this headroom understands ({supported}); upgrade headroom",
        .path.display()
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i32,
        supported: i32,
    },
    #[error(
        "{}: not a headroom store (schema version {found}) and opened read-only, so it cannot be set up",
        .path.display()
    )]
    NotInitialized { path: PathBuf, found: i32 },
    #[error(
        "{}: hash {hash} already holds different bytes (SHA-256 prefix collision); original not stored",
        .path.display()
    )]
    Collision { path: PathBuf, hash: String },
    #[error("{}: invalid store options: {problem}", .path.display())]
    InvalidOptions { path: PathBuf, problem: String },
    #[error("not a headroom hash (expected {HASH_LEN} lowercase hex digits): {hash:?}")]
    InvalidHash { hash: String },
    #[error("{location}: cannot {action}: {source}")]
    Redis {
        location: String,
        action: &'static str,
        source: redis::RedisError,
    },
    /// A Redis store that lost its server and fails fast until it is back.
    #[error("{location}: unreachable ({reason}); retrying")]
    Unavailable { location: String, reason: String },
}

impl StoreError {
    /// Whether the file itself is damaged or is not a database at all, as
    /// opposed to locked, read-only or unreachable: the one case that
    /// moving the file aside and starting afresh repairs.
    pub fn is_damaged(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite {
                source: rusqlite::Error::SqliteFailure(e, _),
                ..
            } if matches!(e.code, ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
        )
    }
}

/// A damaged store file that [`SqliteStore::open_or_recover`] renamed so a
/// fresh store could start in its place.
#[derive(Debug)]
pub struct MovedAside {
    /// The damaged file's new name, next to the old one.
    pub to: PathBuf,
    /// What was wrong with it.
    pub problem: StoreError,
}

/// The first 16 lowercase hex digits of SHA-256 of `bytes`.
pub fn hash_of(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(HASH_LEN);
    for &b in digest.iter().take(HASH_LEN / 2) {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// Whether `s` has the exact shape of a hash from [`hash_of`].
pub fn is_hash(s: &str) -> bool {
    s.len() == HASH_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

type Clock = Box<dyn Fn() -> i64 + Send + Sync>;

/// [`OriginalStore`] in one SQLite file, safe to share between processes.
pub struct SqliteStore {
    // A Mutex rather than a bare Connection so the store is Sync and can sit
    // behind an Arc; there is no contention worth optimising within one
    // process.
    conn: Mutex<Connection>,
    path: PathBuf,
    opts: StoreOptions,
    read_only: bool,
    now: Clock,
    tombstone_cap: u64,
    /// Dropped with the store, which stops its background checkpoints.
    checkpoints: Option<std::sync::mpsc::Sender<()>>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("opts", &self.opts)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

enum PutOutcome {
    Stored,
    Collision,
}

impl SqliteStore {
    /// Opens the store at `path`, creating the directory, the file and the
    /// schema as needed. Safe to call from many processes at once.
    pub fn open(path: &Path, opts: StoreOptions) -> Result<Self, StoreError> {
        check_options(path, &opts)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        create_db_file(path)?;
        // No URI flag: a path that happens to start with "file:" is a path.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(sql_err(path, "open database"))?;
        // SQLite quietly falls back to read-only when the OS refuses writes;
        // such a store can still answer `get`.
        let read_only = conn
            .is_readonly("main")
            .map_err(sql_err(path, "open database"))?;
        if read_only {
            let conn = readable(conn, path)?;
            return Self::init(conn, path, opts, true);
        }
        let store = Self::init(conn, path, opts, false)?;
        #[cfg(unix)]
        for p in [
            path.to_path_buf(),
            sidecar(path, "-wal"),
            sidecar(path, "-shm"),
        ] {
            // Best effort: SQLite already gives -wal/-shm the mode of the main
            // file, and one that someone else owns cannot be changed anyway.
            // Never done read-only: a reader may be another user whose
            // private -shm would lock the owner out of writing.
            let _ = tighten_mode(&p, 0o600);
        }
        Ok(store)
    }

    /// As [`SqliteStore::open`], but a store file that is damaged or not a
    /// database (see [`StoreError::is_damaged`]) is renamed aside, with its
    /// `-wal` and `-shm` files, and a fresh store started: the user's data
    /// is never deleted, and compression does not stay lossless forever.
    pub fn open_or_recover(
        path: &Path,
        opts: StoreOptions,
    ) -> Result<(Self, Option<MovedAside>), StoreError> {
        match Self::open(path, opts) {
            Err(e) if e.is_damaged() => Self::replace_damaged(path, opts, e),
            other => other.map(|s| (s, None)),
        }
    }

    /// Moves the damaged store at `path` aside (with its `-wal` and `-shm`
    /// files) and opens a fresh one; `problem` says what was wrong. Every
    /// connection of this process to the old file must be closed first, or
    /// closing it later would remove the new store's log. `None` when
    /// another process moved it first.
    pub fn replace_damaged(
        path: &Path,
        opts: StoreOptions,
        problem: StoreError,
    ) -> Result<(Self, Option<MovedAside>), StoreError> {
        let to = aside_name(path);
        for suffix in ["-wal", "-shm"] {
            // A stale log replayed into the fresh file would damage it again.
            match fs::rename(sidecar(path, suffix), sidecar(&to, suffix)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(io_err(path, "move the damaged store aside")(e));
                }
                _ => {}
            }
        }
        match fs::rename(path, &to) {
            // Another process got there first: its fresh store is the one to use.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok((Self::open(path, opts)?, None));
            }
            Err(e) => return Err(io_err(path, "move the damaged store aside")(e)),
            Ok(()) => {}
        }
        let store = Self::open(path, opts)?;
        Ok((store, Some(MovedAside { to, problem })))
    }

    /// Opens an existing store without ever writing to it (no directory or
    /// file creation, no schema set-up, `get` does not record access).
    pub fn open_read_only(path: &Path, opts: StoreOptions) -> Result<Self, StoreError> {
        check_options(path, &opts)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(sql_err(path, "open database read-only"))?;
        let conn = readable(conn, path)?;
        Self::init(conn, path, opts, true)
    }

    /// Replaces the clock (unix seconds) used for every timestamp.
    pub fn with_clock(mut self, now: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.now = Box::new(now);
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn options(&self) -> StoreOptions {
        self.opts
    }

    fn init(
        mut conn: Connection,
        path: &Path,
        opts: StoreOptions,
        read_only: bool,
    ) -> Result<Self, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(sql_err(path, "set busy timeout"))?;
        if !read_only {
            // WAL lets readers run beside the one writer; the mode is stored
            // in the file, so only the first opener actually switches it.
            retry(path, "enable WAL", || {
                let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
                if !mode.eq_ignore_ascii_case("wal") {
                    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| {
                        r.get::<_, String>(0)
                    })?;
                }
                Ok(())
            })?;
            // Commits survive a crash of the process (what the marker
            // promise needs) without an fsync per put; only an OS crash
            // or power loss can undo the last few.
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(sql_err(path, "set synchronous mode"))?;
        }
        let found = retry(path, "read schema version", || user_version(&conn))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                path: path.to_path_buf(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found < SCHEMA_VERSION {
            if read_only {
                return Err(StoreError::NotInitialized {
                    path: path.to_path_buf(),
                    found,
                });
            }
            // Re-checked inside the IMMEDIATE transaction: another process
            // may have set the schema up since the read above.
            let found = retry(path, "create schema", || {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let found = user_version(&tx)?;
                // Versions between 0 and SCHEMA_VERSION would be migrated
                // here; version 1 is the first, so there is nothing to do
                // beyond the idempotent create.
                if found < SCHEMA_VERSION {
                    tx.execute_batch(SCHEMA_SQL)?;
                    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
                }
                tx.commit()?;
                Ok(found)
            })?;
            if found > SCHEMA_VERSION {
                return Err(StoreError::SchemaTooNew {
                    path: path.to_path_buf(),
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
        }
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            opts,
            read_only,
            now: Box::new(system_now),
            tombstone_cap: DEFAULT_TOMBSTONE_CAP,
            checkpoints: None,
        })
    }

    /// For a server: commits stop copying the WAL into the database
    /// themselves (SQLite's automatic checkpoint, run by the commit that
    /// crosses 1000 pages, fsyncs: tens of milliseconds on a request path);
    /// a thread with its own connection does it every second instead,
    /// until the store is dropped. What a put promises is unchanged: a
    /// commit is in the WAL either way (`synchronous = NORMAL`).
    pub fn checkpoint_in_background(&mut self) -> Result<(), StoreError> {
        if self.read_only || self.checkpoints.is_some() {
            return Ok(());
        }
        let path = self.path.clone();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(&path, flags).map_err(sql_err(&path, "open database"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(sql_err(&path, "set busy timeout"))?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        thread::Builder::new()
            .name("headroom-checkpoint".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(CHECKPOINT_INTERVAL)
                {
                    // PASSIVE never waits for readers or the writer; what it
                    // cannot copy now is copied next time.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| StoreError::Io {
                path: path.clone(),
                action: "start the checkpoint thread",
                source: e,
            })?;
        self.lock()
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(sql_err(&path, "turn off automatic checkpoints"))?;
        self.checkpoints = Some(stop);
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock dropped any open transaction, which
        // rolled it back, so the connection is still sound.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in an IMMEDIATE transaction, so the write lock is taken up
    /// front and a busy database is reported at BEGIN, where retrying is safe,
    /// rather than half-way through.
    fn write<T>(
        &self,
        action: &'static str,
        mut f: impl FnMut(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
            });
        }
        let mut conn = self.lock();
        retry(&self.path, action, || {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })
    }
}

impl OriginalStore for SqliteStore {
    fn put(&self, original: &[u8], kind: &str) -> Result<String, StoreError> {
        self.put_hashed(original, kind, &hash_of(original))
    }

    fn put_hashed(&self, original: &[u8], kind: &str, hash: &str) -> Result<String, StoreError> {
        debug_assert_eq!(hash, hash_of(original));
        let hash = hash.to_string();
        let size = i64::try_from(original.len()).unwrap_or(i64::MAX);
        let max_bytes = i64::try_from(self.opts.max_bytes).unwrap_or(i64::MAX);
        let ttl = self.opts.ttl_secs;
        let outcome = self.write("store original", |tx| {
            let now = (self.now)();
            let expires_at = now.saturating_add(ttl);
            maybe_purge(tx, now, self.tombstone_cap)?;
            // Compared inside SQLite so a re-put does not copy the stored
            // blob out just to check it.
            let same: Option<bool> = tx
                .prepare_cached("SELECT original = ?2 FROM originals WHERE hash = ?1")?
                .query_row(params![hash, original], |r| r.get(0))
                .optional()?;
            match same {
                Some(false) => return Ok(PutOutcome::Collision),
                Some(true) => {
                    // A row that had expired but was not yet purged is stored
                    // afresh; a live one keeps its first stored_at.
                    tx.prepare_cached(
                        "UPDATE originals SET \
                           stored_at = CASE WHEN expires_at <= ?2 THEN ?2 ELSE stored_at END, \
                           expires_at = MAX(expires_at, ?3), \
                           last_access = MAX(last_access, ?2) \
                         WHERE hash = ?1",
                    )?
                    .execute(params![hash, now, expires_at])?;
                }
                None => {
                    tx.prepare_cached(
                        "INSERT INTO originals \
                           (hash, original, kind, size, stored_at, expires_at, last_access) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
                    )?
                    .execute(params![hash, original, kind, size, now, expires_at])?;
                    tx.prepare_cached("DELETE FROM tombstones WHERE hash = ?1")?
                        .execute(params![hash])?;
                }
            }
            let total: i64 =
                tx.query_row("SELECT total_bytes FROM stats WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
            if total > max_bytes {
                evict(tx, &hash, now, total - max_bytes)?;
            }
            Ok(PutOutcome::Stored)
        })?;
        match outcome {
            PutOutcome::Stored => Ok(hash),
            PutOutcome::Collision => Err(StoreError::Collision {
                path: self.path.clone(),
                hash,
            }),
        }
    }

    fn get(&self, hash: &str) -> Result<Lookup, StoreError> {
        check_hash(hash)?;
        let now = (self.now)();
        let conn = self.lock();
        let row = retry(&self.path, "read original", || {
            conn.prepare_cached(
                "SELECT kind, original, stored_at, expires_at FROM originals WHERE hash = ?1",
            )?
            .query_row(params![hash], |r| {
                Ok(Entry {
                    hash: hash.to_string(),
                    kind: r.get(0)?,
                    original: r.get(1)?,
                    stored_at: r.get(2)?,
                    expires_at: r.get(3)?,
                })
            })
            .optional()
        })?;
        if let Some(entry) = row {
            if entry.expires_at <= now {
                return Ok(Lookup::Gone {
                    reason: GoneReason::Expired,
                    at: entry.expires_at,
                });
            }
            if !self.read_only {
                // Best effort: a failed LRU touch only makes this entry a
                // little likelier to be evicted, which is no reason to fail
                // the read. The condition skips the write when nothing
                // would change.
                let _ = conn
                    .prepare_cached(
                        "UPDATE originals SET last_access = ?2 WHERE hash = ?1 AND last_access < ?2",
                    )
                    .and_then(|mut s| s.execute(params![hash, now]));
            }
            return Ok(Lookup::Found(entry));
        }
        let tomb = retry(&self.path, "read tombstone", || {
            conn.prepare_cached("SELECT reason, gone_at FROM tombstones WHERE hash = ?1")?
                .query_row(params![hash], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })
                .optional()
        })?;
        Ok(match tomb {
            Some((reason, at)) => match GoneReason::parse(&reason) {
                Some(reason) => Lookup::Gone { reason, at },
                // The CHECK constraint rules this out; treat damage as absence.
                None => Lookup::Missing,
            },
            None => Lookup::Missing,
        })
    }

    fn contains(&self, hash: &str) -> Result<bool, StoreError> {
        check_hash(hash)?;
        let now = (self.now)();
        let conn = self.lock();
        retry(&self.path, "look up original", || {
            conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM originals WHERE hash = ?1 AND expires_at > ?2)",
            )?
            .query_row(params![hash, now], |r| r.get(0))
        })
    }

    fn list(&self, limit: usize) -> Result<Vec<EntryMeta>, StoreError> {
        let now = (self.now)();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let conn = self.lock();
        retry(&self.path, "list originals", || {
            let mut stmt = conn.prepare_cached(
                "SELECT hash, kind, size, stored_at, expires_at, last_access FROM originals \
                 WHERE expires_at > ?1 ORDER BY stored_at DESC, rowid DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![now, limit], |r| {
                Ok(EntryMeta {
                    hash: r.get(0)?,
                    kind: r.get(1)?,
                    size: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    stored_at: r.get(3)?,
                    expires_at: r.get(4)?,
                    last_access: r.get(5)?,
                })
            })?;
            rows.collect()
        })
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        let now = (self.now)();
        let conn = self.lock();
        let (entries, bytes) = retry(&self.path, "count originals", || {
            conn.prepare_cached(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM originals WHERE expires_at > ?1",
            )?
            .query_row(params![now], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })
        })?;
        Ok(StoreStats {
            entries: u64::try_from(entries).unwrap_or(0),
            bytes: Some(u64::try_from(bytes).unwrap_or(0)),
        })
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }
}

/// Moves expired rows to tombstones and trims the tombstones, at most once
/// per [`PURGE_INTERVAL_SECS`] across all processes (the time of the last
/// purge lives in the database).
fn maybe_purge(tx: &Transaction<'_>, now: i64, tombstone_cap: u64) -> rusqlite::Result<()> {
    let last: i64 = tx.query_row("SELECT last_purge FROM stats WHERE id = 1", [], |r| {
        r.get(0)
    })?;
    // A clock that went backwards purges too, rather than waiting for the
    // old timestamp to come round again.
    if now >= last && now - last < PURGE_INTERVAL_SECS {
        return Ok(());
    }
    // gone_at is when the row expired, not when this purge noticed.
    tx.execute(
        "INSERT OR REPLACE INTO tombstones (hash, gone_at, reason) \
         SELECT hash, expires_at, 'expired' FROM originals WHERE expires_at <= ?1",
        params![now],
    )?;
    tx.execute("DELETE FROM originals WHERE expires_at <= ?1", params![now])?;
    let count: i64 = tx.query_row("SELECT COUNT(*) FROM tombstones", [], |r| r.get(0))?;
    let cap = i64::try_from(tombstone_cap).unwrap_or(i64::MAX);
    if count > cap {
        tx.execute(
            "DELETE FROM tombstones WHERE hash IN \
               (SELECT hash FROM tombstones ORDER BY gone_at, hash LIMIT ?1)",
            params![count - cap],
        )?;
    }
    tx.execute(
        "UPDATE stats SET last_purge = ?1 WHERE id = 1",
        params![now],
    )?;
    Ok(())
}

/// Frees at least `excess` bytes, least recently used first, never touching
/// `keep` (the row just written: its marker is about to be printed).
fn evict(tx: &Transaction<'_>, keep: &str, now: i64, excess: i64) -> rusqlite::Result<()> {
    let mut victims = Vec::new();
    {
        let mut stmt = tx.prepare_cached(
            "SELECT hash, size, expires_at FROM originals WHERE hash <> ?1 \
             ORDER BY last_access, rowid",
        )?;
        let mut rows = stmt.query(params![keep])?;
        let mut freed = 0i64;
        while freed < excess {
            let Some(row) = rows.next()? else { break };
            freed = freed.saturating_add(row.get::<_, i64>(1)?);
            victims.push((row.get::<_, String>(0)?, row.get::<_, i64>(2)?));
        }
    }
    for (hash, expires_at) in victims {
        // An expired row that is pushed out was gone already; say so.
        let (reason, at) = if expires_at <= now {
            (GoneReason::Expired, expires_at)
        } else {
            (GoneReason::Evicted, now)
        };
        tx.prepare_cached(
            "INSERT OR REPLACE INTO tombstones (hash, gone_at, reason) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![hash, at, reason.as_str()])?;
        tx.prepare_cached("DELETE FROM originals WHERE hash = ?1")?
            .execute(params![hash])?;
    }
    Ok(())
}

/// Returns a connection that can read `path`. Reading a WAL database needs
/// its -shm file; when that is absent and cannot be created (a read-only
/// directory or mount, as in an agent's sandbox), SQLite can still read the
/// file as immutable, which skips locking. That is only safe while no one
/// writes, so it is the fallback, not the rule.
fn readable(conn: Connection, path: &Path) -> Result<Connection, StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(sql_err(path, "set busy timeout"))?;
    match user_version(&conn) {
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen)
            ) =>
        {
            drop(conn);
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            Connection::open_with_flags(immutable_uri(path), flags)
                .map_err(sql_err(path, "open database read-only"))
        }
        _ => Ok(conn),
    }
}

/// `file:` URI for `path` with `immutable=1`, percent-encoding every byte
/// that could end the path or start a query.
fn immutable_uri(path: &Path) -> String {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().replace('\\', "/").into_bytes();
    let mut uri = String::from("file:");
    // SQLite wants a Windows drive path as file:/C:/...
    #[cfg(not(unix))]
    if path.is_absolute() {
        uri.push('/');
    }
    for b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_' | b'~') {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

fn user_version(conn: &Connection) -> rusqlite::Result<i32> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Runs `f` until it succeeds, fails with something other than BUSY/LOCKED,
/// or [`RETRY_DEADLINE`] passes. `f` must be safe to repeat: a whole
/// transaction, or a read.
fn retry<T>(
    path: &Path,
    action: &'static str,
    mut f: impl FnMut() -> rusqlite::Result<T>,
) -> Result<T, StoreError> {
    let start = Instant::now();
    let mut pause = RETRY_FIRST_PAUSE;
    loop {
        match f() {
            Ok(value) => return Ok(value),
            Err(e) if is_busy(&e) => {
                let waited = start.elapsed();
                if waited >= RETRY_DEADLINE {
                    return Err(StoreError::Busy {
                        path: path.to_path_buf(),
                        action,
                        waited,
                    });
                }
                // Jitter keeps processes that collided once from colliding
                // again in lockstep.
                let span = u64::try_from(pause.as_micros())
                    .unwrap_or(u64::MAX)
                    .saturating_add(1);
                let jitter = RandomState::new().hash_one(waited) % span;
                thread::sleep(pause + Duration::from_micros(jitter));
                pause = (pause * 2).min(RETRY_MAX_PAUSE);
            }
            Err(source) => {
                return Err(StoreError::Sqlite {
                    path: path.to_path_buf(),
                    action,
                    source,
                });
            }
        }
    }
}

fn sql_err(path: &Path, action: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Sqlite {
        path,
        action,
        source,
    }
}

fn io_err(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io {
        path,
        action,
        source,
    }
}

pub(crate) fn check_hash(hash: &str) -> Result<(), StoreError> {
    if is_hash(hash) {
        Ok(())
    } else {
        Err(StoreError::InvalidHash {
            hash: hash.to_string(),
        })
    }
}

fn check_options(path: &Path, opts: &StoreOptions) -> Result<(), StoreError> {
    if opts.ttl_secs <= 0 {
        return Err(StoreError::InvalidOptions {
            path: path.to_path_buf(),
            problem: format!("ttl_secs must be positive, got {}", opts.ttl_secs),
        });
    }
    Ok(())
}

pub(crate) fn system_now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Creates `dir` and any missing ancestors, each readable by the owner only.
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.is_dir() {
        return Ok(());
    }
    // Only directories this call creates are restricted: an existing one
    // (say HEADROOM_HOME=/tmp/x under a shared /tmp) is not ours to chmod.
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .collect();
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(io_err(dir, "create directory"))?;
    #[cfg(unix)]
    for d in missing {
        // The umask may have removed bits from 0700 (or the directory was
        // made by a racing process with a different umask); set it outright.
        set_mode(d, 0o700).map_err(io_err(d, "set directory permissions"))?;
    }
    #[cfg(not(unix))]
    let _ = missing;
    Ok(())
}

/// Creates the database file with owner-only permissions if it is absent, so
/// SQLite never creates it with umask-derived ones (and -wal/-shm, which
/// SQLite gives the main file's mode, follow).
fn create_db_file(path: &Path) -> Result<(), StoreError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => {
            #[cfg(unix)]
            set_mode(path, 0o600).map_err(io_err(path, "set database file permissions"))?;
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_err(path, "create database file")(e)),
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

/// Sets `mode` if the file exists with any other permission bits.
#[cfg(unix)]
fn tighten_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match fs::metadata(path) {
        Ok(meta) if meta.permissions().mode() & 0o777 != mode => set_mode(path, mode),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
/// `headroom.db.damaged-<unix seconds>` beside `path`, numbered on if taken.
fn aside_name(path: &Path) -> PathBuf {
    let base = sidecar(path, &format!(".damaged-{}", system_now()));
    let mut to = base.clone();
    let mut n = 1;
    while to.exists() {
        to = sidecar(&base, &format!("-{n}"));
        n += 1;
    }
    to
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::{Arc, Barrier};

    const T0: i64 = 1_700_000_000;

    #[derive(Clone)]
    struct TestClock(Arc<AtomicI64>);

    impl TestClock {
        fn new(t: i64) -> Self {
            TestClock(Arc::new(AtomicI64::new(t)))
        }
        fn set(&self, t: i64) {
            self.0.store(t, Ordering::SeqCst);
        }
        fn func(&self) -> impl Fn() -> i64 + Send + Sync + 'static {
            let cell = Arc::clone(&self.0);
            move || cell.load(Ordering::SeqCst)
        }
    }

    fn db_path(dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("home").join("headroom.db")
    }

    fn open_at(path: &Path, opts: StoreOptions, clock: &TestClock) -> SqliteStore {
        SqliteStore::open(path, opts)
            .unwrap()
            .with_clock(clock.func())
    }

    fn found(lookup: Lookup) -> Entry {
        match lookup {
            Lookup::Found(e) => e,
            other => panic!("expected Found, got {other:?}"),
        }
    }

    fn raw(path: &Path) -> Connection {
        Connection::open(path).unwrap()
    }

    #[test]
    fn store_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<SqliteStore>();
    }

    #[test]
    fn hash_of_known_vectors() {
        assert_eq!(hash_of(b"abc"), "ba7816bf8f01cfea");
        assert_eq!(hash_of(b""), "e3b0c44298fc1c14");
        assert!(is_hash(&hash_of(b"anything")));
        assert!(is_hash("0123456789abcdef"));
        assert!(!is_hash("0123456789ABCDEF"));
        assert!(!is_hash("0123456789abcde"));
        assert!(!is_hash("0123456789abcdef0"));
        assert!(!is_hash("0123456789abcdeg"));
        assert!(!is_hash(""));
    }

    /// A server's store checkpoints off the request path: its commits no
    /// longer do, and what it stores reads back as before.
    #[test]
    fn checkpoints_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = SqliteStore::open(&path, StoreOptions::default()).unwrap();
        store.checkpoint_in_background().unwrap();
        store.checkpoint_in_background().unwrap();
        let auto: i64 = store
            .lock()
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))
            .unwrap();
        assert_eq!(auto, 0);
        let hash = store.put(b"kept", "text").unwrap();
        assert!(matches!(store.get(&hash).unwrap(), Lookup::Found(e) if e.original == b"kept"));
        drop(store);
        let again = SqliteStore::open(&path, StoreOptions::default()).unwrap();
        assert!(matches!(again.get(&hash).unwrap(), Lookup::Found(_)));
    }

    #[test]
    fn put_get_round_trips_arbitrary_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let clock = TestClock::new(T0);
        let store = open_at(&db_path(&dir), StoreOptions::default(), &clock);
        let all_bytes: Vec<u8> = (0..=255u8).collect();
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let cases: Vec<(&[u8], &str)> = vec![
            (b"", "text"),
            (b"\xff\xfe\x00\x80 not utf-8 \xc3\x28", "bytes"),
            (&all_bytes, "bytes"),
            (b"{\"a\": [1, 2, 3]}\n", "json"),
            (&big, "log"),
        ];
        for (bytes, kind) in cases {
            let hash = store.put(bytes, kind).unwrap();
            assert_eq!(hash, hash_of(bytes));
            assert!(store.contains(&hash).unwrap());
            let entry = found(store.get(&hash).unwrap());
            assert_eq!(entry.original, bytes, "kind {kind}");
            assert_eq!(entry.kind, kind);
            assert_eq!(entry.hash, hash);
            assert_eq!(entry.stored_at, T0);
            assert_eq!(entry.expires_at, T0 + DEFAULT_TTL_SECS);
        }
        // Survives closing and reopening.
        drop(store);
        let store = open_at(&db_path(&dir), StoreOptions::default(), &clock);
        let entry = found(store.get(&hash_of(&big)).unwrap());
        assert_eq!(entry.original, big);
    }

    #[test]
    fn put_is_idempotent_and_extends_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let clock = TestClock::new(T0);
        let store = open_at(&path, StoreOptions::default(), &clock);
        let h1 = store.put(b"same bytes", "text").unwrap();
        clock.set(T0 + 100);
        let h2 = store.put(b"same bytes", "text").unwrap();
        assert_eq!(h1, h2);
        let list = store.list(10).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].stored_at, T0);
        assert_eq!(list[0].expires_at, T0 + 100 + DEFAULT_TTL_SECS);
        assert_eq!(list[0].last_access, T0 + 100);
        assert_eq!(list[0].size, 10);
        let total: i64 = raw(&path)
            .query_row("SELECT total_bytes FROM stats", [], |r| r.get(0))
            .unwrap();
        assert_eq!(total, 10);
        // Past the first expiry but within the extended one: still there.
        clock.set(T0 + DEFAULT_TTL_SECS + 50);
        assert!(store.contains(&h1).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("a").join("b");
        let path = home.join("headroom.db");
        let store = SqliteStore::open(&path, StoreOptions::default()).unwrap();
        store.put(b"secret", "text").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&home), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&sidecar(&path, "-wal")), 0o600);
        assert_eq!(mode(&sidecar(&path, "-shm")), 0o600);
        // An existing directory is left as it was.
        assert_eq!(
            mode(dir.path()),
            fs::metadata(dir.path()).unwrap().permissions().mode() & 0o777
        );
        let journal: String = store
            .lock()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(journal, "wal");
    }

    #[cfg(unix)]
    #[test]
    fn loose_permissions_on_existing_file_are_tightened() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        drop(SqliteStore::open(&path, StoreOptions::default()).unwrap());
        set_mode(&path, 0o644).unwrap();
        let _store = SqliteStore::open(&path, StoreOptions::default()).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn expired_entries_are_gone_not_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let clock = TestClock::new(T0);
        let opts = StoreOptions {
            ttl_secs: 3600,
            ..StoreOptions::default()
        };
        let store = open_at(&path, opts, &clock);
        let hash = store.put(b"short-lived", "text").unwrap();
        clock.set(T0 + 3599);
        found(store.get(&hash).unwrap());
        // Past expires_at but not yet purged.
        clock.set(T0 + 3600);
        let gone = Lookup::Gone {
            reason: GoneReason::Expired,
            at: T0 + 3600,
        };
        assert_eq!(store.get(&hash).unwrap(), gone);
        assert!(!store.contains(&hash).unwrap());
        assert!(store.list(10).unwrap().is_empty());
        // A later put purges it into a tombstone; the answer is unchanged.
        clock.set(T0 + 2 * 3600);
        store.put(b"something else", "text").unwrap();
        assert_eq!(store.get(&hash).unwrap(), gone);
        let rows: i64 = raw(&path)
            .query_row(
                "SELECT COUNT(*) FROM originals WHERE hash = ?1",
                [&hash],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 0);
        // Storing it again brings it back and clears the tombstone.
        assert_eq!(store.put(b"short-lived", "text").unwrap(), hash);
        let entry = found(store.get(&hash).unwrap());
        assert_eq!(entry.stored_at, T0 + 2 * 3600);
    }

    #[test]
    fn reput_of_expired_unpurged_row_is_a_fresh_store() {
        let dir = tempfile::tempdir().unwrap();
        let clock = TestClock::new(T0);
        let opts = StoreOptions {
            ttl_secs: 100,
            ..StoreOptions::default()
        };
        let store = open_at(&db_path(&dir), opts, &clock);
        let hash = store.put(b"x", "text").unwrap();
        // Within the purge interval, so the expired row is still there.
        clock.set(T0 + 150);
        store.put(b"x", "text").unwrap();
        let entry = found(store.get(&hash).unwrap());
        assert_eq!(entry.stored_at, T0 + 150);
        assert_eq!(entry.expires_at, T0 + 250);
    }

    #[test]
    fn unknown_hash_is_missing_and_bad_hash_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&db_path(&dir), StoreOptions::default()).unwrap();
        assert_eq!(store.get("0123456789abcdef").unwrap(), Lookup::Missing);
        assert!(!store.contains("0123456789abcdef").unwrap());
        let err = store.get("not-a-hash").unwrap_err();
        assert!(matches!(err, StoreError::InvalidHash { .. }), "{err}");
        assert!(err.to_string().contains("not-a-hash"));
    }

    #[test]
    fn lru_eviction_keeps_recently_used() {
        let dir = tempfile::tempdir().unwrap();
        let clock = TestClock::new(T0);
        let opts = StoreOptions {
            max_bytes: 300,
            ..StoreOptions::default()
        };
        let store = open_at(&db_path(&dir), opts, &clock);
        let entry = |c: u8| vec![c; 100];
        let a = store.put(&entry(b'a'), "text").unwrap();
        clock.set(T0 + 1);
        let b = store.put(&entry(b'b'), "text").unwrap();
        clock.set(T0 + 2);
        let c = store.put(&entry(b'c'), "text").unwrap();
        clock.set(T0 + 3);
        found(store.get(&a).unwrap()); // a is now more recent than b
        clock.set(T0 + 4);
        let d = store.put(&entry(b'd'), "text").unwrap();
        assert_eq!(
            store.get(&b).unwrap(),
            Lookup::Gone {
                reason: GoneReason::Evicted,
                at: T0 + 4
            }
        );
        for h in [&a, &c, &d] {
            found(store.get(h).unwrap());
        }
        // One entry bigger than the cap: kept, everything else evicted.
        clock.set(T0 + 5);
        let huge = store.put(&[b'z'; 1000], "text").unwrap();
        found(store.get(&huge).unwrap());
        for h in [&a, &c, &d] {
            assert!(matches!(
                store.get(h).unwrap(),
                Lookup::Gone {
                    reason: GoneReason::Evicted,
                    ..
                }
            ));
        }
        assert_eq!(store.list(10).unwrap().len(), 1);
    }

    #[test]
    fn list_is_most_recently_stored_first() {
        let dir = tempfile::tempdir().unwrap();
        let clock = TestClock::new(T0);
        let store = open_at(&db_path(&dir), StoreOptions::default(), &clock);
        let mut hashes = Vec::new();
        for i in 0..5 {
            clock.set(T0 + i);
            hashes.push(store.put(format!("entry {i}").as_bytes(), "text").unwrap());
        }
        // Reading or re-putting does not change the order: it is by stored_at.
        clock.set(T0 + 10);
        store.put(b"entry 0", "text").unwrap();
        found(store.get(&hashes[1]).unwrap());
        let listed: Vec<String> = store.list(3).unwrap().into_iter().map(|m| m.hash).collect();
        assert_eq!(
            listed,
            vec![hashes[4].clone(), hashes[3].clone(), hashes[2].clone()]
        );
        let all = store.list(100).unwrap();
        assert_eq!(all.len(), 5);
        assert_eq!(all[4].hash, hashes[0]);
        assert_eq!(all[3].last_access, T0 + 10);
        assert_eq!(all[3].kind, "text");
        assert_eq!(store.list(0).unwrap(), vec![]);
    }

    #[test]
    fn tombstones_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let clock = TestClock::new(T0);
        let opts = StoreOptions {
            ttl_secs: 10,
            ..StoreOptions::default()
        };
        let mut store = open_at(&db_path(&dir), opts, &clock);
        store.tombstone_cap = 2;
        let mut hashes = Vec::new();
        for i in 0..5 {
            clock.set(T0 + i);
            hashes.push(store.put(format!("entry {i}").as_bytes(), "text").unwrap());
        }
        clock.set(T0 + PURGE_INTERVAL_SECS * 2);
        store.put(b"purge trigger", "text").unwrap();
        for (i, h) in hashes.iter().enumerate() {
            let want = if i >= 3 {
                Lookup::Gone {
                    reason: GoneReason::Expired,
                    at: T0 + i as i64 + 10,
                }
            } else {
                Lookup::Missing
            };
            assert_eq!(store.get(h).unwrap(), want, "entry {i}");
        }
    }

    #[test]
    fn purge_runs_at_most_once_per_interval() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let clock = TestClock::new(T0);
        let opts = StoreOptions {
            ttl_secs: 10,
            ..StoreOptions::default()
        };
        let store = open_at(&path, opts, &clock);
        store.put(b"first", "text").unwrap(); // purges (first ever) at T0
        clock.set(T0 + 20);
        store.put(b"second", "text").unwrap(); // within interval: no purge
        let rows = || -> i64 {
            raw(&path)
                .query_row("SELECT COUNT(*) FROM originals", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(rows(), 2);
        clock.set(T0 + PURGE_INTERVAL_SECS);
        store.put(b"third", "text").unwrap();
        assert_eq!(rows(), 1);
    }

    #[test]
    fn collision_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let store = SqliteStore::open(&path, StoreOptions::default()).unwrap();
        let hash = hash_of(b"real");
        raw(&path)
            .execute(
                "INSERT INTO originals VALUES (?1, X'00', 'text', 1, 0, 9999999999, 0)",
                [&hash],
            )
            .unwrap();
        let err = store.put(b"real", "text").unwrap_err();
        assert!(matches!(err, StoreError::Collision { .. }), "{err}");
        assert!(err.to_string().contains(&hash));
    }

    #[test]
    fn read_only_store_can_get_but_not_put() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let hash = {
            let store = SqliteStore::open(&path, StoreOptions::default()).unwrap();
            store.put(b"kept", "text").unwrap()
        };
        let ro = SqliteStore::open_read_only(&path, StoreOptions::default()).unwrap();
        assert_eq!(found(ro.get(&hash).unwrap()).original, b"kept");
        assert!(ro.contains(&hash).unwrap());
        assert_eq!(ro.list(10).unwrap().len(), 1);
        let err = ro.put(b"new", "text").unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly { .. }), "{err}");
        // A writer alongside the reader is unaffected.
        let rw = SqliteStore::open(&path, StoreOptions::default()).unwrap();
        let h2 = rw.put(b"new", "text").unwrap();
        found(ro.get(&h2).unwrap());
    }

    #[test]
    fn immutable_uri_reaches_odd_paths() {
        // The fallback itself needs a directory the process cannot write,
        // which root (CI) always can; this checks the URI it relies on.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("we?ird #dir% é").join("headroom.db");
        let hash = {
            let store = SqliteStore::open(&path, StoreOptions::default()).unwrap();
            store.put(b"odd", "text").unwrap()
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(immutable_uri(&path), flags).unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM originals WHERE hash = ?1",
                [&hash],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1);
        assert!(!dir.path().join("we").exists());
    }

    #[test]
    fn read_only_open_of_missing_file_fails_and_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let err = SqliteStore::open_read_only(&path, StoreOptions::default()).unwrap_err();
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
        assert!(!path.exists());
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        drop(SqliteStore::open(&path, StoreOptions::default()).unwrap());
        raw(&path)
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let err = SqliteStore::open(&path, StoreOptions::default()).unwrap_err();
        assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(&*path.to_string_lossy()), "{msg}");
        assert!(!msg.contains('\n'));
    }

    #[test]
    fn not_a_database_error_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("headroom.db");
        fs::write(&path, vec![b'x'; 4096]).unwrap();
        let err = SqliteStore::open(&path, StoreOptions::default()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&*path.to_string_lossy()), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }

    #[test]
    fn bad_options_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let opts = StoreOptions {
            ttl_secs: 0,
            ..StoreOptions::default()
        };
        let err = SqliteStore::open(&db_path(&dir), opts).unwrap_err();
        assert!(matches!(err, StoreError::InvalidOptions { .. }), "{err}");
    }

    #[test]
    fn default_clock_is_wall_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&db_path(&dir), StoreOptions::default()).unwrap();
        let before = system_now();
        let hash = store.put(b"now", "text").unwrap();
        let entry = found(store.get(&hash).unwrap());
        assert!(entry.stored_at >= before && entry.stored_at <= system_now());
    }

    #[test]
    fn put_waits_for_another_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let store = SqliteStore::open(&path, StoreOptions::default()).unwrap();
        let (locked_tx, locked_rx) = std::sync::mpsc::channel();
        let holder = {
            let path = path.clone();
            thread::spawn(move || {
                let mut conn = raw(&path);
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .unwrap();
                locked_tx.send(()).unwrap();
                thread::sleep(Duration::from_millis(300));
                tx.commit().unwrap();
            })
        };
        locked_rx.recv().unwrap();
        let start = Instant::now();
        let hash = store.put(b"after the lock", "text").unwrap();
        assert!(start.elapsed() >= Duration::from_millis(200));
        holder.join().unwrap();
        found(store.get(&hash).unwrap());
    }

    const WRITERS: usize = 10;
    const PER_WRITER: usize = 50;

    fn writer_entry(writer: usize, i: usize) -> Vec<u8> {
        format!("writer {writer} entry {i} {}", "x".repeat(i * 37)).into_bytes()
    }

    fn assert_all_written(path: &Path) {
        let store = SqliteStore::open(path, StoreOptions::default()).unwrap();
        for w in 0..WRITERS {
            for i in 0..PER_WRITER {
                let bytes = writer_entry(w, i);
                let entry = found(store.get(&hash_of(&bytes)).unwrap());
                assert_eq!(entry.original, bytes);
            }
        }
        assert_eq!(store.list(usize::MAX).unwrap().len(), WRITERS * PER_WRITER);
        let ok: String = store
            .lock()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
    }

    #[test]
    fn ten_threads_open_and_write_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let barrier = Arc::new(Barrier::new(WRITERS));
        let threads: Vec<_> = (0..WRITERS)
            .map(|w| {
                let path = path.clone();
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    // Also exercises concurrent first-time creation.
                    barrier.wait();
                    let store = SqliteStore::open(&path, StoreOptions::default()).unwrap();
                    barrier.wait();
                    for i in 0..PER_WRITER {
                        let bytes = writer_entry(w, i);
                        assert_eq!(store.put(&bytes, "text").unwrap(), hash_of(&bytes));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_all_written(&path);
    }

    const CHILD_DB_ENV: &str = "HEADROOM_STORE_TEST_CHILD_DB";
    const CHILD_ID_ENV: &str = "HEADROOM_STORE_TEST_CHILD_ID";

    /// Body of one writer process in `ten_processes_write_at_once`; does
    /// nothing when run on its own.
    #[test]
    #[ignore = "helper run as a child process by ten_processes_write_at_once"]
    fn child_writer() {
        let (Ok(path), Ok(id)) = (std::env::var(CHILD_DB_ENV), std::env::var(CHILD_ID_ENV)) else {
            return;
        };
        let w: usize = id.parse().unwrap();
        let store = SqliteStore::open(Path::new(&path), StoreOptions::default()).unwrap();
        for i in 0..PER_WRITER {
            store.put(&writer_entry(w, i), "text").unwrap();
        }
    }

    #[test]
    fn ten_processes_write_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let exe = std::env::current_exe().unwrap();
        // Test names omit the crate name that module_path! starts with.
        let module = module_path!().split_once("::").map_or("", |(_, rest)| rest);
        let name = format!("{module}::child_writer");
        let children: Vec<_> = (0..WRITERS)
            .map(|w| {
                std::process::Command::new(&exe)
                    .args([name.as_str(), "--exact", "--ignored", "--test-threads=1"])
                    .env(CHILD_DB_ENV, &path)
                    .env(CHILD_ID_ENV, w.to_string())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "child failed: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(stdout.contains("1 passed"), "child ran no test: {stdout}");
        }
        assert_all_written(&path);
    }
}
