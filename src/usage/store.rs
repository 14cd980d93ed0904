//! The `usage` table: the batched background writer and the range reader.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
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

fn run(mut target: Target, opts: WriterOptions, rx: Receiver<Msg>, counters: &Counters) {
    let mut batch: Vec<Record> = Vec::with_capacity(opts.batch);
    let mut first_at = Instant::now();
    loop {
        let wait = if batch.is_empty() {
            Duration::from_secs(3600)
        } else {
            opts.interval.saturating_sub(first_at.elapsed())
        };
        let mut ack = None;
        let closed = match rx.recv_timeout(wait) {
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
                 up_cache_write_1h, up_cache_read, retrievals, overhead_ms, status) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
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
            ])
            .map_err(err("insert usage record"))?;
        }
    }
    if last_purge.is_none_or(|t| t.elapsed() >= PURGE_INTERVAL) {
        tx.execute(
            "DELETE FROM usage WHERE time_ms < ?1",
            params![now_ms().saturating_sub(opts.retention_ms)],
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
    conn.execute(
        "INSERT OR IGNORE INTO schema_versions (component, version) VALUES (?1, ?2)",
        params![COMPONENT, SCHEMA_VERSION],
    )
    .map_err(err("record usage schema version"))?;
    Ok(conn)
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
    let mut stmt = conn
        .prepare(
            "SELECT time_ms, source, agent, project, provider, model, kinds, tokens_before, \
             tokens_after, estimated, up_input, up_output, up_cache_write, up_cache_write_1h, \
             up_cache_read, retrievals, overhead_ms, status \
             FROM usage WHERE time_ms >= ?1 AND time_ms < ?2 ORDER BY time_ms, id",
        )
        .map_err(err("read usage records"))?;
    let rows = stmt
        .query_map(params![from_ms, to_ms], |r| {
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
            })
        })
        .map_err(err("read usage records"))?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(err("read usage records"))
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
    if let Some(found) = version(&conn, path)?
        && found > SCHEMA_VERSION
    {
        return Err(UsageError::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(Some(conn))
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
    pub estimated: bool,
    /// Whether these records carry upstream usage.
    pub has_upstream: bool,
    pub records: u64,
    pub tokens_before: u64,
    pub tokens_after: u64,
    pub upstream: UpstreamUsage,
    pub retrievals: u64,
}

/// [`DayTotals`] of the records in each span `(from_ms, to_ms, offset_ms)`,
/// days counted in the span's UTC offset (a time zone's offset is constant
/// between two transitions, so spans split at them give exact local days).
///
/// Summed here in one pass over the rows with the strings interned: a
/// million records take a fraction of what SQLite's GROUP BY (a sort over
/// text columns) would.
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
    let mut stmt = conn
        .prepare(
            "SELECT time_ms, source, agent, project, model, kinds, estimated, up_input, up_output, \
             up_cache_write, up_cache_write_1h, up_cache_read, tokens_before, tokens_after, retrievals \
             FROM usage WHERE time_ms >= ?1 AND time_ms < ?2",
        )
        .map_err(err("sum usage records"))?;
    let mut strings = Interner::default();
    let mut groups: HashMap<(i64, [u32; 5], bool, bool), DayTotals> = HashMap::new();
    for &(from, to, offset) in spans {
        let mut rows = stmt
            .query(params![from, to])
            .map_err(err("sum usage records"))?;
        while let Some(r) = rows.next().map_err(err("sum usage records"))? {
            let int = |i| r.get::<_, Option<i64>>(i);
            let ups = [int(7), int(8), int(9), int(10), int(11)];
            let ups = ups.map(|u| u.ok().flatten());
            let has_up =
                ups[0].is_some() || ups[1].is_some() || ups[2].is_some() || ups[4].is_some();
            let day = (r.get::<_, i64>(0).unwrap_or(0) + offset).div_euclid(86_400_000);
            let ids = [1, 2, 3, 4, 5].map(|i| strings.id(r.get_ref(i).ok()));
            let estimated = r.get::<_, bool>(6).unwrap_or(false);
            let g = groups
                .entry((day, ids, estimated, has_up))
                .or_insert_with(|| DayTotals {
                    day,
                    source: strings.text(ids[0]).unwrap_or_default(),
                    agent: strings.text(ids[1]),
                    project: strings.text(ids[2]),
                    model: strings.text(ids[3]),
                    kinds: strings.text(ids[4]).unwrap_or_default(),
                    estimated,
                    has_upstream: has_up,
                    ..DayTotals::default()
                });
            g.records += 1;
            g.tokens_before += to_u64(int(12).ok().flatten().unwrap_or(0));
            g.tokens_after += to_u64(int(13).ok().flatten().unwrap_or(0));
            g.retrievals += to_u64(int(14).ok().flatten().unwrap_or(0));
            let sums = [
                &mut g.upstream.input,
                &mut g.upstream.output,
                &mut g.upstream.cache_write,
                &mut g.upstream.cache_write_1h,
                &mut g.upstream.cache_read,
            ];
            for (sum, v) in sums.into_iter().zip(ups) {
                if let Some(v) = v {
                    *sum = Some(sum.unwrap_or(0) + to_u64(v));
                }
            }
        }
    }
    let mut out: Vec<DayTotals> = groups.into_values().collect();
    out.sort_by(|a, b| {
        (a.day, &a.source, &a.agent, &a.project, &a.model, &a.kinds)
            .cmp(&(b.day, &b.source, &b.agent, &b.project, &b.model, &b.kinds))
    });
    Ok(out)
}

/// Text columns as small ids; the previous row's value is checked first,
/// since neighbouring records mostly share their agent, project and model.
#[derive(Default)]
struct Interner {
    ids: HashMap<Vec<u8>, u32>,
    texts: Vec<String>,
    last: Vec<(Vec<u8>, u32)>,
}

impl Interner {
    /// 0 is NULL.
    fn id(&mut self, v: Option<rusqlite::types::ValueRef<'_>>) -> u32 {
        let Some(rusqlite::types::ValueRef::Text(bytes)) = v else {
            return 0;
        };
        if let Some((_, id)) = self.last.iter().find(|(b, _)| b.as_slice() == bytes) {
            return *id;
        }
        let next = self.texts.len() as u32 + 1;
        let id = *self.ids.entry(bytes.to_vec()).or_insert_with(|| {
            self.texts.push(String::from_utf8_lossy(bytes).into_owned());
            next
        });
        if self.last.len() >= 8 {
            self.last.remove(0);
        }
        self.last.push((bytes.to_vec(), id));
        id
    }

    fn text(&self, id: u32) -> Option<String> {
        (id > 0).then(|| self.texts[id as usize - 1].clone())
    }
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
