//! The `usage` table: the batched background writer and the range reader.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::{DEFAULT_RETENTION_MS, Record, SCHEMA_VERSION, Source, UpstreamUsage, now_ms};
use crate::ccr::StoreLocation;
use crate::ccr::store::{SqliteStore, StoreOptions};

const SCHEMA_SQL: &str = include_str!("schema.sql");
const COMPONENT: &str = "usage";
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Old records are purged at most this often.
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

#[derive(thiserror::Error, Debug)]
pub enum UsageError {
    #[error("{}: cannot {action}: {source}", .path.display())]
    Sqlite {
        path: PathBuf,
        action: &'static str,
        source: rusqlite::Error,
    },
    #[error(
        "{}: usage schema version {found} is newer than this headroom understands ({supported}); upgrade headroom",
        .path.display()
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(transparent)]
    Store(Box<crate::ccr::store::StoreError>),
    #[error("{location}: cannot {action}: {source}")]
    Redis {
        location: String,
        action: &'static str,
        source: redis::RedisError,
    },
}

/// How the writer batches.
#[derive(Clone, Copy, Debug)]
pub struct WriterOptions {
    /// Records waiting beyond this many are dropped (and counted).
    pub capacity: usize,
    /// A batch is written when it holds this many records…
    pub batch: usize,
    /// …or when its oldest record has waited this long.
    pub interval: Duration,
    /// Records older than this are purged.
    pub retention_ms: i64,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            capacity: 10_000,
            batch: 256,
            interval: Duration::from_millis(500),
            retention_ms: DEFAULT_RETENTION_MS,
        }
    }
}

/// What the writer has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    pub written: u64,
    /// Dropped because the queue was full.
    pub dropped: u64,
    /// Lost because the store could not be opened or written.
    pub failed: u64,
}

#[derive(Default)]
struct Counters {
    written: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
}

enum Msg {
    Record(Box<Record>),
    Flush(SyncSender<()>),
}

/// Writes usage records to the store on a background thread, in batches.
///
/// [`Writer::record`] never blocks. Dropping the writer writes what is
/// queued and stops the thread.
pub struct Writer {
    tx: Option<SyncSender<Msg>>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
}

impl Writer {
    /// A writer into the store at `loc` (a SQLite file is created on first
    /// write).
    pub fn start(loc: impl Into<StoreLocation>) -> Writer {
        Writer::with_options(loc, WriterOptions::default())
    }

    pub fn with_options(loc: impl Into<StoreLocation>, opts: WriterOptions) -> Writer {
        let target = Target::new(loc.into());
        let (tx, rx) = mpsc::sync_channel(opts.capacity.max(1));
        let counters = Arc::new(Counters::default());
        let thread_counters = Arc::clone(&counters);
        let thread = thread::Builder::new()
            .name("headroom-usage".into())
            .spawn(move || run(target, opts, rx, &thread_counters))
            .ok();
        if thread.is_none() {
            // Without a thread nothing would drain the queue: count every
            // record as failed instead of letting them pile up.
            return Writer {
                tx: None,
                thread: None,
                counters,
            };
        }
        Writer {
            tx: Some(tx),
            thread,
            counters,
        }
    }

    /// Queues `record`; drops it (and counts it) if the queue is full.
    pub fn record(&self, record: Record) {
        let Some(tx) = &self.tx else {
            self.counters.failed.fetch_add(1, Ordering::Relaxed);
            return;
        };
        match tx.try_send(Msg::Record(Box::new(record))) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => {
                self.counters.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Waits (at most `timeout`) until every record queued before this call
    /// has been written or given up on. For shutdown and tests.
    pub fn flush(&self, timeout: Duration) -> bool {
        let Some(tx) = &self.tx else { return true };
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        let deadline = Instant::now() + timeout;
        let mut msg = Msg::Flush(ack_tx);
        loop {
            match tx.try_send(msg) {
                Ok(()) => break,
                Err(TrySendError::Full(m)) if Instant::now() < deadline => {
                    msg = m;
                    thread::sleep(Duration::from_millis(2));
                }
                Err(_) => return false,
            }
        }
        ack_rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_ok()
    }

    pub fn stats(&self) -> WriterStats {
        WriterStats {
            written: self.counters.written.load(Ordering::Relaxed),
            dropped: self.counters.dropped.load(Ordering::Relaxed),
            failed: self.counters.failed.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Where the writer thread writes, with its open connection.
enum Target {
    Sqlite {
        path: PathBuf,
        conn: Option<Connection>,
        last_purge: Option<Instant>,
    },
    Redis {
        url: String,
        conn: Option<redis::Connection>,
    },
}

impl Target {
    fn new(loc: StoreLocation) -> Target {
        match loc {
            StoreLocation::Sqlite(path) => Target::Sqlite {
                path,
                conn: None,
                last_purge: None,
            },
            StoreLocation::Redis(url) => Target::Redis { url, conn: None },
        }
    }

    /// Writes `batch`; after a failure the next batch reconnects.
    fn write(&mut self, batch: &[Record], opts: WriterOptions) -> Result<(), UsageError> {
        let result = match self {
            Target::Sqlite {
                path,
                conn,
                last_purge,
            } => write_batch(path, conn, batch, opts, last_purge),
            Target::Redis { url, conn } => {
                if conn.is_none() {
                    *conn = Some(super::redis::connect(url)?);
                }
                let Some(c) = conn.as_mut() else {
                    unreachable!("connected above")
                };
                super::redis::append(url, c, batch, opts.retention_ms, now_ms())
            }
        };
        if result.is_err() {
            match self {
                Target::Sqlite { conn, .. } => *conn = None,
                Target::Redis { conn, .. } => *conn = None,
            }
        }
        result
    }
}

/// Appends `records` to the store at `loc` now, on this thread (for
/// `store migrate`; front ends use a [`Writer`]).
pub fn append(loc: &StoreLocation, records: &[Record]) -> Result<(), UsageError> {
    let mut target = Target::new(loc.clone());
    for chunk in records.chunks(1000) {
        target.write(chunk, WriterOptions::default())?;
    }
    Ok(())
}

/// How often a pending batch looks for more records.
const GATHER_POLL: Duration = Duration::from_millis(20);

fn run(mut target: Target, opts: WriterOptions, rx: Receiver<Msg>, counters: &Counters) {
    let mut batch: Vec<Record> = Vec::with_capacity(opts.batch);
    let mut first_at = Instant::now();
    loop {
        // An empty batch sleeps until its first record; the rest are
        // gathered by polling, so handing one over does not wake this
        // thread: one wake-up per request was a cost on the proxy's path.
        let next = if batch.is_empty() {
            rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            match rx.try_recv() {
                Ok(m) => Ok(m),
                Err(TryRecvError::Disconnected) => Err(RecvTimeoutError::Disconnected),
                Err(TryRecvError::Empty) => {
                    let left = opts.interval.saturating_sub(first_at.elapsed());
                    if !left.is_zero() {
                        thread::sleep(left.min(GATHER_POLL));
                        continue;
                    }
                    Err(RecvTimeoutError::Timeout)
                }
            }
        };
        let mut ack = None;
        let closed = match next {
            Ok(Msg::Record(r)) => {
                if batch.is_empty() {
                    first_at = Instant::now();
                }
                batch.push(*r);
                false
            }
            Ok(Msg::Flush(a)) => {
                ack = Some(a);
                false
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => true,
        };
        let due = batch.len() >= opts.batch
            || (!batch.is_empty() && first_at.elapsed() >= opts.interval)
            || ack.is_some()
            || closed;
        if due && !batch.is_empty() {
            let n = batch.len() as u64;
            match target.write(&batch, opts) {
                Ok(()) => counters.written.fetch_add(n, Ordering::Relaxed),
                // Best effort: a broken store loses these records, and
                // the next batch tries to open it afresh.
                Err(_) => counters.failed.fetch_add(n, Ordering::Relaxed),
            };
            batch.clear();
        }
        if let Some(a) = ack {
            let _ = a.try_send(());
        }
        if closed {
            return;
        }
    }
}

fn write_batch(
    path: &Path,
    conn: &mut Option<Connection>,
    batch: &[Record],
    opts: WriterOptions,
    last_purge: &mut Option<Instant>,
) -> Result<(), UsageError> {
    if conn.is_none() {
        *conn = Some(open_for_writing(path)?);
    }
    let Some(c) = conn.as_mut() else {
        unreachable!("opened above")
    };
    let err = |action| {
        move |source| UsageError::Sqlite {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    let tx = c.transaction().map_err(err("begin usage batch"))?;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO usage (time_ms, source, agent, project, provider, model, kinds, \
                 tokens_before, tokens_after, estimated, up_input, up_output, up_cache_write, \
                 up_cache_write_1h, up_cache_read, retrievals, overhead_ms, status, session, tool) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            )
            .map_err(err("prepare usage insert"))?;
        for r in batch {
            let u = &r.upstream;
            stmt.execute(params![
                r.time_ms,
                r.source.as_str(),
                r.agent,
                r.project,
                r.provider,
                r.model,
                r.kinds.join(","),
                to_i64(r.tokens_before),
                to_i64(r.tokens_after),
                r.estimated,
                u.input.map(to_i64),
                u.output.map(to_i64),
                u.cache_write.map(to_i64),
                u.cache_write_1h.map(to_i64),
                u.cache_read.map(to_i64),
                r.retrievals,
                r.overhead_ms,
                r.status,
                r.session,
                r.tool,
            ])
            .map_err(err("insert usage record"))?;
        }
    }
    add_to_rollup(&tx, batch).map_err(err("update usage rollup"))?;
    if last_purge.is_none_or(|t| t.elapsed() >= PURGE_INTERVAL) {
        // Whole hours only, so the rollup keeps summing exactly the records.
        let hour = now_ms()
            .saturating_sub(opts.retention_ms)
            .div_euclid(HOUR_MS);
        tx.execute(
            "DELETE FROM usage WHERE time_ms < ?1",
            params![hour.saturating_mul(HOUR_MS)],
        )
        .map_err(err("purge old usage records"))?;
        tx.execute("DELETE FROM usage_hourly WHERE hour < ?1", params![hour])
            .map_err(err("purge old usage records"))?;
        // Dimensions no rollup row names any more (an agent version, a
        // session, a project gone quiet) would otherwise pile up forever.
        tx.execute(
            "DELETE FROM usage_dims WHERE id NOT IN (SELECT dims FROM usage_hourly)",
            [],
        )
        .map_err(err("purge old usage records"))?;
        *last_purge = Some(Instant::now());
    }
    tx.commit().map_err(err("commit usage batch"))
}

fn open_for_writing(path: &Path) -> Result<Connection, UsageError> {
    // The original store creates the directory and file private (0600) and
    // switches the database to WAL; the usage table then sits beside it.
    drop(
        SqliteStore::open(path, StoreOptions::default())
            .map_err(|e| UsageError::Store(Box::new(e)))?,
    );
    let err = |action| {
        move |source| UsageError::Sqlite {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err("open database"))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(err("set busy timeout"))?;
    conn.execute_batch(SCHEMA_SQL)
        .map_err(err("create usage schema"))?;
    let found = version(&conn, path)?.unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(UsageError::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found < SCHEMA_VERSION {
        migrate(&conn).map_err(err("migrate the usage schema"))?;
    }
    Ok(conn)
}

/// Brings a store to [`SCHEMA_VERSION`] (a new one, or version 1: no
/// `session` and `tool` columns, no rollup), in one transaction that a
/// second process migrating at the same time waits for.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        let found: Option<i64> = conn
            .query_row(
                "SELECT version FROM schema_versions WHERE component = ?1",
                params![COMPONENT],
                |r| r.get(0),
            )
            .optional()?;
        if found.is_some_and(|v| v >= SCHEMA_VERSION) {
            return Ok(());
        }
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('usage')")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for column in ["session", "tool"] {
            if !columns.iter().any(|c| c == column) {
                conn.execute_batch(&format!("ALTER TABLE usage ADD COLUMN {column} TEXT"))?;
            }
        }
        // The rollup from the records, with the writer's mapping
        // (`Dims::of`, `hour_of`) spelled in SQL.
        conn.execute_batch(
            "DELETE FROM usage_hourly;
             INSERT OR IGNORE INTO usage_dims
                 (source, agent, project, model, kinds, session, tool, estimated, has_upstream)
             SELECT DISTINCT source, coalesce(agent, ''), coalesce(project, ''),
                 coalesce(model, ''), kinds, coalesce(session, ''), coalesce(tool, ''),
                 estimated != 0, (up_input IS NOT NULL OR up_output IS NOT NULL
                     OR up_cache_write IS NOT NULL OR up_cache_read IS NOT NULL)
             FROM usage;
             INSERT INTO usage_hourly (hour, dims, records, tokens_before, tokens_after,
                 retrievals, up_input, up_output, up_cache_write, up_cache_write_1h, up_cache_read)
             SELECT (u.time_ms - ((u.time_ms % 3600000) + 3600000) % 3600000) / 3600000, d.id,
                 count(*), sum(u.tokens_before), sum(u.tokens_after), sum(u.retrievals),
                 coalesce(sum(u.up_input), 0), coalesce(sum(u.up_output), 0),
                 coalesce(sum(u.up_cache_write), 0), coalesce(sum(u.up_cache_write_1h), 0),
                 coalesce(sum(u.up_cache_read), 0)
             FROM usage u JOIN usage_dims d
                 ON d.source = u.source AND d.agent = coalesce(u.agent, '')
                 AND d.project = coalesce(u.project, '') AND d.model = coalesce(u.model, '')
                 AND d.kinds = u.kinds AND d.session = coalesce(u.session, '')
                 AND d.tool = coalesce(u.tool, '') AND d.estimated = (u.estimated != 0)
                 AND d.has_upstream = (u.up_input IS NOT NULL OR u.up_output IS NOT NULL
                     OR u.up_cache_write IS NOT NULL OR u.up_cache_read IS NOT NULL)
             GROUP BY 1, 2;",
        )?;
        conn.execute(
            "INSERT OR REPLACE INTO schema_versions (component, version) VALUES (?1, ?2)",
            params![COMPONENT, SCHEMA_VERSION],
        )?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

fn version(conn: &Connection, path: &Path) -> Result<Option<i64>, UsageError> {
    conn.query_row(
        "SELECT version FROM schema_versions WHERE component = ?1",
        params![COMPONENT],
        |r| r.get(0),
    )
    .optional()
    .map_err(|source| UsageError::Sqlite {
        path: path.to_path_buf(),
        action: "read usage schema version",
        source,
    })
}

/// The records with `from_ms <= time_ms < to_ms`, oldest first. A store
/// that does not exist yet, or holds no usage table, has no records.
pub fn read(path: &Path, from_ms: i64, to_ms: i64) -> Result<Vec<Record>, UsageError> {
    let Some(conn) = open_for_reading(path)? else {
        return Ok(Vec::new());
    };
    read_records(&conn, from_ms, to_ms).map_err(|source| UsageError::Sqlite {
        path: path.to_path_buf(),
        action: "read usage records",
        source,
    })
}

fn read_records(conn: &Connection, from_ms: i64, to_ms: i64) -> rusqlite::Result<Vec<Record>> {
    let mut stmt = conn.prepare_cached(
        "SELECT time_ms, source, agent, project, provider, model, kinds, tokens_before, \
         tokens_after, estimated, up_input, up_output, up_cache_write, up_cache_write_1h, \
         up_cache_read, retrievals, overhead_ms, status, session, tool \
         FROM usage WHERE time_ms >= ?1 AND time_ms < ?2 ORDER BY time_ms, id",
    )?;
    let rows = stmt.query_map(params![from_ms, to_ms], |r| {
        let kinds: String = r.get(6)?;
        let source: String = r.get(1)?;
        Ok(Record {
            time_ms: r.get(0)?,
            // A source written by a newer headroom reads as the CLI
            // rather than failing the whole report.
            source: Source::parse(&source).unwrap_or(Source::Cli),
            agent: r.get(2)?,
            project: r.get(3)?,
            provider: r.get(4)?,
            model: r.get(5)?,
            kinds: kinds
                .split(',')
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .collect(),
            tokens_before: to_u64(r.get(7)?),
            tokens_after: to_u64(r.get(8)?),
            estimated: r.get(9)?,
            upstream: UpstreamUsage {
                input: r.get::<_, Option<i64>>(10)?.map(to_u64),
                output: r.get::<_, Option<i64>>(11)?.map(to_u64),
                cache_write: r.get::<_, Option<i64>>(12)?.map(to_u64),
                cache_write_1h: r.get::<_, Option<i64>>(13)?.map(to_u64),
                cache_read: r.get::<_, Option<i64>>(14)?.map(to_u64),
            },
            retrievals: r.get(15)?,
            overhead_ms: r.get(16)?,
            status: r.get(17)?,
            session: r.get(18)?,
            tool: r.get(19)?,
        })
    })?;
    rows.collect()
}

/// The store read-only, or `None` when it has no usage records yet.
fn open_for_reading(path: &Path) -> Result<Option<Connection>, UsageError> {
    if !path.exists() {
        return Ok(None);
    }
    let err = |action| {
        move |source| UsageError::Sqlite {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err("open database read-only"))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(err("set busy timeout"))?;
    let has_table: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('usage', 'schema_versions')",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(err("look for the usage table"))?
        == 2;
    if !has_table {
        return Ok(None);
    }
    match version(&conn, path)? {
        Some(found) if found > SCHEMA_VERSION => Err(UsageError::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        }),
        Some(SCHEMA_VERSION) => Ok(Some(conn)),
        _ => {
            // Written by an older headroom and not written since: migrate
            // it now (which builds the rollup), then read.
            drop(conn);
            drop(open_for_writing(path)?);
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(err("open database read-only"))?;
            conn.busy_timeout(BUSY_TIMEOUT)
                .map_err(err("set busy timeout"))?;
            Ok(Some(conn))
        }
    }
}

/// Sums of the records of one day that share everything a report groups
/// by: what `report` reads, so that a million records cost one query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DayTotals {
    /// Days since 1970-01-01 in the span's offset.
    pub day: i64,
    pub source: String,
    pub agent: Option<String>,
    pub project: Option<String>,
    pub model: Option<String>,
    pub kinds: String,
    pub session: Option<String>,
    pub tool: Option<String>,
    pub estimated: bool,
    /// Whether these records carry upstream usage.
    pub has_upstream: bool,
    pub records: u64,
    pub tokens_before: u64,
    pub tokens_after: u64,
    /// Sums of the upstream counts; `None` without upstream usage.
    pub upstream: UpstreamUsage,
    pub retrievals: u64,
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// What a report groups records by: one `usage_dims` row. `''` stands for
/// a missing text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Dims {
    source: String,
    agent: String,
    project: String,
    model: String,
    kinds: String,
    session: String,
    tool: String,
    estimated: bool,
    has_upstream: bool,
}

impl Dims {
    fn of(r: &Record) -> Dims {
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        Dims {
            source: r.source.as_str().to_string(),
            agent: text(&r.agent),
            project: text(&r.project),
            model: text(&r.model),
            kinds: r.kinds.join(","),
            session: text(&r.session),
            tool: text(&r.tool),
            estimated: r.estimated,
            has_upstream: has_upstream(&r.upstream),
        }
    }

    fn totals(&self, day: i64, sums: &Sums) -> DayTotals {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let up = |n: u64| self.has_upstream.then_some(n);
        DayTotals {
            day,
            source: self.source.clone(),
            agent: opt(&self.agent),
            project: opt(&self.project),
            model: opt(&self.model),
            kinds: self.kinds.clone(),
            session: opt(&self.session),
            tool: opt(&self.tool),
            estimated: self.estimated,
            has_upstream: self.has_upstream,
            records: sums.records,
            tokens_before: sums.tokens_before,
            tokens_after: sums.tokens_after,
            upstream: UpstreamUsage {
                input: up(sums.up[0]),
                output: up(sums.up[1]),
                cache_write: up(sums.up[2]),
                cache_write_1h: up(sums.up[3]),
                cache_read: up(sums.up[4]),
            },
            retrievals: sums.retrievals,
        }
    }
}

fn has_upstream(u: &UpstreamUsage) -> bool {
    u.input.is_some() || u.output.is_some() || u.cache_write.is_some() || u.cache_read.is_some()
}

/// The counters of a `usage_hourly` row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sums {
    records: u64,
    tokens_before: u64,
    tokens_after: u64,
    retrievals: u64,
    /// input, output, cache write, of which 1 h, cache read.
    up: [u64; 5],
}

impl Sums {
    fn of(r: &Record) -> Sums {
        let u = &r.upstream;
        let n = |v: Option<u64>| v.unwrap_or(0);
        Sums {
            records: 1,
            tokens_before: r.tokens_before,
            tokens_after: r.tokens_after,
            retrievals: u64::from(r.retrievals),
            up: [
                n(u.input),
                n(u.output),
                n(u.cache_write),
                n(u.cache_write_1h),
                n(u.cache_read),
            ],
        }
    }

    fn add(&mut self, o: &Sums) {
        self.records += o.records;
        self.tokens_before += o.tokens_before;
        self.tokens_after += o.tokens_after;
        self.retrievals += o.retrievals;
        for (a, b) in self.up.iter_mut().zip(o.up) {
            *a += b;
        }
    }
}

/// Adds `batch` to `usage_hourly`, summed per hour and dims first.
fn add_to_rollup(tx: &rusqlite::Transaction<'_>, batch: &[Record]) -> rusqlite::Result<()> {
    let mut groups: HashMap<(i64, Dims), Sums> = HashMap::new();
    for r in batch {
        groups
            .entry((r.time_ms.div_euclid(HOUR_MS), Dims::of(r)))
            .or_default()
            .add(&Sums::of(r));
    }
    let mut dims_id = tx.prepare_cached(
        "INSERT INTO usage_dims (source, agent, project, model, kinds, session, tool, estimated, has_upstream) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
         ON CONFLICT DO UPDATE SET source = excluded.source RETURNING id",
    )?;
    let mut add = tx.prepare_cached(
        "INSERT INTO usage_hourly (hour, dims, records, tokens_before, tokens_after, retrievals, \
         up_input, up_output, up_cache_write, up_cache_write_1h, up_cache_read) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
         ON CONFLICT (hour, dims) DO UPDATE SET records = records + excluded.records, \
         tokens_before = tokens_before + excluded.tokens_before, \
         tokens_after = tokens_after + excluded.tokens_after, \
         retrievals = retrievals + excluded.retrievals, \
         up_input = up_input + excluded.up_input, up_output = up_output + excluded.up_output, \
         up_cache_write = up_cache_write + excluded.up_cache_write, \
         up_cache_write_1h = up_cache_write_1h + excluded.up_cache_write_1h, \
         up_cache_read = up_cache_read + excluded.up_cache_read",
    )?;
    for ((hour, d), s) in &groups {
        let id: i64 = dims_id.query_row(
            params![
                d.source,
                d.agent,
                d.project,
                d.model,
                d.kinds,
                d.session,
                d.tool,
                d.estimated,
                d.has_upstream
            ],
            |r| r.get(0),
        )?;
        add.execute(params![
            hour,
            id,
            to_i64(s.records),
            to_i64(s.tokens_before),
            to_i64(s.tokens_after),
            to_i64(s.retrievals),
            to_i64(s.up[0]),
            to_i64(s.up[1]),
            to_i64(s.up[2]),
            to_i64(s.up[3]),
            to_i64(s.up[4]),
        ])?;
    }
    Ok(())
}

/// [`DayTotals`] of the records in each span `(from_ms, to_ms, offset_ms)`,
/// days counted in the span's UTC offset (a time zone's offset is constant
/// between two transitions, so spans split at them give exact local days).
///
/// Read from the hourly rollup, so a year of records costs a few thousand
/// rows whatever their number. Hours the rollup cannot place in one local
/// day (the ends of a span, and the hour that holds local midnight under a
/// half-hour offset) are summed from the records themselves. A backend
/// without a rollup returns the same as summing [`read`]'s records per
/// local day and [`DayTotals`] key.
pub fn day_totals(path: &Path, spans: &[(i64, i64, i64)]) -> Result<Vec<DayTotals>, UsageError> {
    let err = |action| {
        move |source| UsageError::Sqlite {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    let Some(conn) = open_for_reading(path)? else {
        return Ok(Vec::new());
    };
    // One read transaction: the rollup and the records from one snapshot.
    let tx = conn
        .unchecked_transaction()
        .map_err(err("sum usage records"))?;
    let conn = &*tx;
    let mut by_id: HashMap<(i64, i64), Sums> = HashMap::new();
    let mut by_dims: HashMap<(i64, Dims), Sums> = HashMap::new();
    let mut hourly = conn
        .prepare_cached(
            "SELECT hour, dims, records, tokens_before, tokens_after, retrievals, up_input, \
             up_output, up_cache_write, up_cache_write_1h, up_cache_read \
             FROM usage_hourly WHERE hour >= ?1 AND hour < ?2",
        )
        .map_err(err("sum usage records"))?;
    for &(from, to, offset) in spans {
        // Whole hours inside the span come from the rollup.
        let first = from.div_euclid(HOUR_MS) + i64::from(from.rem_euclid(HOUR_MS) != 0);
        let last = to.div_euclid(HOUR_MS);
        if first >= last {
            sum_records(conn, from, to, offset, &mut by_dims).map_err(err("sum usage records"))?;
            continue;
        }
        sum_records(conn, from, first * HOUR_MS, offset, &mut by_dims)
            .map_err(err("sum usage records"))?;
        sum_records(conn, last * HOUR_MS, to, offset, &mut by_dims)
            .map_err(err("sum usage records"))?;
        let mut split = Vec::new();
        let mut rows = hourly
            .query(params![first, last])
            .map_err(err("sum usage records"))?;
        while let Some(r) = rows.next().map_err(err("sum usage records"))? {
            let int = |i| r.get::<_, i64>(i).map(to_u64);
            let hour: i64 = r.get(0).map_err(err("sum usage records"))?;
            let start = hour * HOUR_MS + offset;
            if start.rem_euclid(DAY_MS) > DAY_MS - HOUR_MS {
                // Local midnight falls inside this hour.
                split.push(hour);
                continue;
            }
            let sums = (|| {
                Ok::<_, rusqlite::Error>(Sums {
                    records: int(2)?,
                    tokens_before: int(3)?,
                    tokens_after: int(4)?,
                    retrievals: int(5)?,
                    up: [int(6)?, int(7)?, int(8)?, int(9)?, int(10)?],
                })
            })()
            .map_err(err("sum usage records"))?;
            let dims: i64 = r.get(1).map_err(err("sum usage records"))?;
            by_id
                .entry((start.div_euclid(DAY_MS), dims))
                .or_default()
                .add(&sums);
        }
        drop(rows);
        split.dedup();
        for hour in split {
            sum_records(
                conn,
                hour * HOUR_MS,
                (hour + 1) * HOUR_MS,
                offset,
                &mut by_dims,
            )
            .map_err(err("sum usage records"))?;
        }
    }
    if !by_id.is_empty() {
        let dims = all_dims(conn).map_err(err("read usage dims"))?;
        for ((day, id), sums) in by_id {
            if let Some(d) = dims.get(&id) {
                by_dims.entry((day, d.clone())).or_default().add(&sums);
            }
        }
    }
    Ok(sorted_totals(&by_dims))
}

/// [`DayTotals`] of `records` in each span, summed per local day: what
/// [`day_totals`] returns, for a backend that sums records as it reads them.
pub fn sum_days(records: &[Record], spans: &[(i64, i64, i64)]) -> Vec<DayTotals> {
    let mut sums = HashMap::new();
    for &(from, to, offset) in spans {
        let inside = records
            .iter()
            .filter(|r| r.time_ms >= from && r.time_ms < to);
        add_per_day(inside, offset, &mut sums);
    }
    sorted_totals(&sums)
}

fn add_per_day<'a>(
    records: impl Iterator<Item = &'a Record>,
    offset: i64,
    sums: &mut HashMap<(i64, Dims), Sums>,
) {
    for r in records {
        let day = (r.time_ms + offset).div_euclid(DAY_MS);
        sums.entry((day, Dims::of(r)))
            .or_default()
            .add(&Sums::of(r));
    }
}

fn sorted_totals(sums: &HashMap<(i64, Dims), Sums>) -> Vec<DayTotals> {
    let mut out: Vec<DayTotals> = sums.iter().map(|((day, d), s)| d.totals(*day, s)).collect();
    out.sort_by(|a, b| {
        (a.day, &a.source, &a.agent, &a.project, &a.model, &a.kinds)
            .cmp(&(b.day, &b.source, &b.agent, &b.project, &b.model, &b.kinds))
            .then_with(|| {
                (&a.session, &a.tool, a.estimated).cmp(&(&b.session, &b.tool, b.estimated))
            })
            .then_with(|| a.has_upstream.cmp(&b.has_upstream))
    });
    out
}

/// Adds the records with `from <= time_ms < to` to `sums`, per local day.
fn sum_records(
    conn: &Connection,
    from: i64,
    to: i64,
    offset: i64,
    sums: &mut HashMap<(i64, Dims), Sums>,
) -> rusqlite::Result<()> {
    if from >= to {
        return Ok(());
    }
    add_per_day(read_records(conn, from, to)?.iter(), offset, sums);
    Ok(())
}

fn all_dims(conn: &Connection) -> rusqlite::Result<HashMap<i64, Dims>> {
    let mut stmt = conn.prepare(
        "SELECT id, source, agent, project, model, kinds, session, tool, estimated, has_upstream \
         FROM usage_dims",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            Dims {
                source: r.get(1)?,
                agent: r.get(2)?,
                project: r.get(3)?,
                model: r.get(4)?,
                kinds: r.get(5)?,
                session: r.get(6)?,
                tool: r.get(7)?,
                estimated: r.get(8)?,
                has_upstream: r.get(9)?,
            },
        ))
    })?;
    rows.collect()
}

/// The first and last record's time, or `None` without records.
pub fn time_range(path: &Path) -> Result<Option<(i64, i64)>, UsageError> {
    let Some(conn) = open_for_reading(path)? else {
        return Ok(None);
    };
    // Two subqueries: each is one step down the time index, where
    // `min(), max()` together would scan the table.
    conn.query_row(
        "SELECT (SELECT min(time_ms) FROM usage), (SELECT max(time_ms) FROM usage)",
        [],
        |r| Ok(r.get::<_, Option<i64>>(0)?.zip(r.get::<_, Option<i64>>(1)?)),
    )
    .map_err(|source| UsageError::Sqlite {
        path: path.to_path_buf(),
        action: "read usage time range",
        source,
    })
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(time_ms: i64, status: &str) -> Record {
        let mut r = Record::new(time_ms, Source::Proxy);
        r.agent = Some("claude-cli/2.1.0".into());
        r.provider = Some("anthropic".into());
        r.model = Some("claude-sonnet-4-5".into());
        r.kinds = vec!["json".into(), "log".into()];
        r.tokens_before = 12_000;
        r.tokens_after = 3_000;
        r.upstream = UpstreamUsage {
            input: Some(3_100),
            output: Some(40),
            cache_write: Some(2_000),
            cache_write_1h: None,
            cache_read: Some(1_000),
        };
        r.retrievals = 1;
        r.overhead_ms = 0.42;
        r.status = status.into();
        r
    }

    #[test]
    fn round_trip_in_time_range() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/headroom.db");
        let now = now_ms();
        let writer = Writer::start(path.clone());
        let records: Vec<Record> = (0..5).map(|i| sample(now + i, "200")).collect();
        for r in &records {
            writer.record(r.clone());
        }
        assert!(writer.flush(Duration::from_secs(10)));
        assert_eq!(
            writer.stats(),
            WriterStats {
                written: 5,
                ..Default::default()
            }
        );
        assert_eq!(read(&path, now, now + 5).unwrap(), records);
        assert_eq!(read(&path, now + 1, now + 3).unwrap(), records[1..3]);
        assert!(read(&path, now + 10, now + 20).unwrap().is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn records_past_retention_are_purged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("headroom.db");
        let writer = Writer::start(path.clone());
        writer.record(sample(1_000, "200"));
        writer.record(sample(now_ms(), "200"));
        drop(writer);
        let got = read(&path, 0, i64::MAX).unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].time_ms > 1_000);
    }

    #[test]
    fn dims_of_purged_records_are_purged_with_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("headroom.db");
        let writer = Writer::start(path.clone());
        let mut old = sample(1_000, "200");
        old.agent = Some("an agent long gone".into());
        writer.record(old);
        writer.record(sample(now_ms(), "200"));
        drop(writer);
        let conn = Connection::open(&path).unwrap();
        let agents: Vec<String> = conn
            .prepare("SELECT agent FROM usage_dims")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(agents, ["claude-cli/2.1.0"]);
        assert_eq!(read(&path, 0, i64::MAX).unwrap().len(), 1);
    }

    #[test]
    fn drop_writes_what_is_queued() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("headroom.db");
        let opts = WriterOptions {
            interval: Duration::from_secs(60),
            ..Default::default()
        };
        let writer = Writer::with_options(path.clone(), opts);
        writer.record(sample(now_ms(), "dropped"));
        drop(writer);
        let got = read(&path, 0, i64::MAX).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].status, "dropped");
    }

    #[test]
    fn missing_store_reads_empty_and_broken_store_never_fails_the_caller() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            read(&dir.path().join("none.db"), 0, i64::MAX)
                .unwrap()
                .is_empty()
        );
        // A directory where the database file should be: every write fails.
        let path = dir.path().join("isdir.db");
        std::fs::create_dir(&path).unwrap();
        let writer = Writer::start(path);
        writer.record(sample(1, "200"));
        assert!(writer.flush(Duration::from_secs(10)));
        assert_eq!(writer.stats().failed, 1);
    }

    #[test]
    fn full_queue_drops_instead_of_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("headroom.db");
        let opts = WriterOptions {
            capacity: 1,
            batch: 1_000,
            interval: Duration::from_secs(60),
            ..Default::default()
        };
        let writer = Writer::with_options(path.clone(), opts);
        let now = now_ms();
        for i in 0..200 {
            writer.record(sample(now + i, "200"));
        }
        let s = writer.stats();
        assert!(s.dropped > 0, "{s:?}");
        drop(writer);
        let written = read(&path, 0, i64::MAX).unwrap().len() as u64;
        assert_eq!(written + s.dropped, 200);
    }

    /// The reference: every record read back and summed per local day,
    /// the way a backend without a rollup answers.
    fn summed_from_records(path: &Path, spans: &[(i64, i64, i64)]) -> Vec<DayTotals> {
        sorted(sum_days(&read(path, 0, i64::MAX).unwrap(), spans))
    }

    fn sorted(mut v: Vec<DayTotals>) -> Vec<DayTotals> {
        v.sort_by_key(|t| format!("{t:?}"));
        v
    }

    /// Records every 7 minutes over three days, with sessions, tools,
    /// records with and without upstream usage.
    fn varied(start: i64) -> Vec<Record> {
        (0..700)
            .map(|i: i64| {
                let mut r = sample(start + i * 7 * 60_000 + i % 13, "200");
                r.session = (i % 3 != 0).then(|| format!("s{}", i % 4));
                r.tool = (i % 5 != 0).then(|| ["Bash", "Read", "Grep,Read"][i as usize % 3].into());
                r.model = Some(["gpt-5", "claude-opus-4-6"][i as usize % 2].into());
                r.estimated = i % 7 == 0;
                r.tokens_before = 1_000 + i as u64;
                if i % 4 == 0 {
                    r.upstream = UpstreamUsage::default();
                    r.source = Source::Cli;
                }
                r
            })
            .collect()
    }

    #[test]
    fn rollup_sums_what_the_records_sum_in_every_offset_and_range() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("headroom.db");
        // Three days from a few minutes past local midnight, recently
        // enough to survive retention.
        let start = (now_ms() - 5 * DAY_MS).div_euclid(DAY_MS) * DAY_MS + 5 * 60_000;
        let records = varied(start);
        let writer = Writer::start(path.clone());
        for r in &records {
            writer.record(r.clone());
        }
        drop(writer);
        let end = records.last().unwrap().time_ms + 1;
        let half = 5 * HOUR_MS + 30 * 60_000;
        for spans in [
            vec![(start, end, 0)],
            vec![(start, end, 9 * HOUR_MS)],
            vec![(start, end, -8 * HOUR_MS)],
            vec![(start, end, half)],
            vec![(start, end, 5 * HOUR_MS + 45 * 60_000)],
            // A range that starts and ends inside hours, and a time zone
            // that changes its offset in the middle.
            vec![(start + 1_234_567, start + DAY_MS + 999, 0)],
            vec![
                (start, start + DAY_MS + 1_800_000, 3_600_000),
                (start + DAY_MS + 1_800_000, end, 7_200_000),
            ],
            vec![(start + 420_000, start + 420_010, half)],
        ] {
            let got = day_totals(&path, &spans).unwrap();
            assert!(!got.is_empty());
            assert_eq!(sorted(got), summed_from_records(&path, &spans), "{spans:?}");
        }
        let all = day_totals(&path, &[(0, i64::MAX, 0)]).unwrap();
        assert_eq!(all.iter().map(|t| t.records).sum::<u64>(), 700);
        assert!(
            all.iter()
                .any(|t| t.session.as_deref() == Some("s1")
                    && t.tool.as_deref() == Some("Grep,Read"))
        );
        assert!(all.iter().any(|t| !t.has_upstream && t.upstream.is_empty()));
    }

    #[test]
    fn version_1_store_is_migrated_and_its_rollup_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("headroom.db");
        let start = (now_ms() - 5 * DAY_MS).div_euclid(DAY_MS) * DAY_MS;
        let mut records = varied(start);
        for r in &mut records {
            (r.session, r.tool) = (None, None);
        }
        // What headroom 1 wrote: no session or tool column, no rollup.
        {
            drop(SqliteStore::open(&path, StoreOptions::default()).unwrap());
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE schema_versions (component TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID;
                 INSERT INTO schema_versions VALUES ('usage', 1);
                 CREATE TABLE usage (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, source TEXT NOT NULL,
                     agent TEXT, project TEXT, provider TEXT, model TEXT, kinds TEXT NOT NULL,
                     tokens_before INTEGER NOT NULL, tokens_after INTEGER NOT NULL, estimated INTEGER NOT NULL,
                     up_input INTEGER, up_output INTEGER, up_cache_write INTEGER, up_cache_write_1h INTEGER,
                     up_cache_read INTEGER, retrievals INTEGER NOT NULL, overhead_ms REAL NOT NULL, status TEXT NOT NULL);",
            )
            .unwrap();
            for r in &records {
                let u = &r.upstream;
                conn.execute(
                    "INSERT INTO usage (time_ms, source, agent, project, provider, model, kinds, tokens_before, \
                     tokens_after, estimated, up_input, up_output, up_cache_write, up_cache_write_1h, \
                     up_cache_read, retrievals, overhead_ms, status) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                    params![
                        r.time_ms, r.source.as_str(), r.agent, r.project, r.provider, r.model,
                        r.kinds.join(","), to_i64(r.tokens_before), to_i64(r.tokens_after), r.estimated,
                        u.input.map(to_i64), u.output.map(to_i64), u.cache_write.map(to_i64),
                        u.cache_write_1h.map(to_i64), u.cache_read.map(to_i64), r.retrievals,
                        r.overhead_ms, r.status,
                    ],
                )
                .unwrap();
            }
        }
        // The reader migrates it.
        let spans = [(start, now_ms(), 2 * HOUR_MS)];
        let got = day_totals(&path, &spans).unwrap();
        assert_eq!(sorted(got), summed_from_records(&path, &spans));
        assert_eq!(read(&path, 0, i64::MAX).unwrap(), records);
        let conn = Connection::open(&path).unwrap();
        assert_eq!(version(&conn, &path).unwrap(), Some(SCHEMA_VERSION));
        let hours: i64 = conn
            .query_row("SELECT count(*) FROM usage_hourly", [], |r| r.get(0))
            .unwrap();
        assert!(hours > 0 && hours < 700, "{hours}");
        // The writer carries on from the rebuilt rollup.
        let writer = Writer::start(path.clone());
        let mut more = sample(start + 1, "200");
        more.session = Some("new".into());
        writer.record(more);
        drop(writer);
        let all = [(0, i64::MAX, 0)];
        assert_eq!(
            sorted(day_totals(&path, &all).unwrap()),
            summed_from_records(&path, &all)
        );
    }

    #[test]
    fn newer_schema_is_refused_by_the_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("headroom.db");
        let writer = Writer::start(path.clone());
        writer.record(sample(1, "200"));
        drop(writer);
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE schema_versions SET version = 99 WHERE component = 'usage'",
            [],
        )
        .unwrap();
        let e = read(&path, 0, i64::MAX).unwrap_err();
        assert!(e.to_string().contains("newer"), "{e}");
    }
}
