//! Usage records: one row per compressed command, proxied request, MCP call
//! or wrapped session, for `headroom report`.
//!
//! One schema for every front end (DESIGN §11), kept in the same SQLite file
//! as the originals, in its own table with its own schema version. Records
//! are written by a [`Writer`] on a background thread, in batches; handing a
//! record over never blocks and never fails (a full queue or a broken store
//! drops the record and counts it), so accounting never costs the user a
//! request. [`read`] returns the records of a time range; [`day_totals`]
//! their sums per local day and dims (source, agent, project, model, kinds,
//! session, tool), which is what reports read. SQLite answers it from an
//! hourly rollup the writer keeps in the same transaction as the records;
//! Redis keeps the records in one stream per day ([`redis`]), shared by
//! every replica, and sums them as it reads them ([`sum_days`]: the same
//! numbers, only slower).

mod redis;
mod store;

use serde::{Deserialize, Serialize};

use crate::ccr::StoreLocation;

pub use self::store::{
    DayTotals, UsageError, Writer, WriterOptions, WriterStats, append, sum_days,
};

/// The records with `from_ms <= time_ms < to_ms`, oldest first. A store
/// that does not exist yet, or holds no usage records, has none.
pub fn read(
    loc: impl Into<StoreLocation>,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Record>, UsageError> {
    match loc.into() {
        StoreLocation::Sqlite(path) => store::read(&path, from_ms, to_ms),
        StoreLocation::Redis(url) => redis::read(&url, from_ms, to_ms),
    }
}

/// The first and last record's time, or `None` without records.
pub fn time_range(loc: impl Into<StoreLocation>) -> Result<Option<(i64, i64)>, UsageError> {
    match loc.into() {
        StoreLocation::Sqlite(path) => store::time_range(&path),
        StoreLocation::Redis(url) => redis::time_range(&url),
    }
}

/// [`DayTotals`] of the records in each span `(from_ms, to_ms, offset_ms)`,
/// days counted in the span's UTC offset: the same sums on every backend.
pub fn day_totals(
    loc: impl Into<StoreLocation>,
    spans: &[(i64, i64, i64)],
) -> Result<Vec<DayTotals>, UsageError> {
    match loc.into() {
        StoreLocation::Sqlite(path) => store::day_totals(&path, spans),
        StoreLocation::Redis(url) => redis::day_totals(&url, spans),
    }
}

/// Version of the `usage` table, kept in `schema_versions` under `usage`.
pub const SCHEMA_VERSION: i64 = 2;
/// Records older than this are purged by the writer: 400 days, so a report
/// can compare a month with the same month a year before.
pub const DEFAULT_RETENTION_MS: i64 = 400 * 24 * 3600 * 1000;

/// Which front end produced a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Cli,
    Proxy,
    Mcp,
    Wrap,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cli => "cli",
            Source::Proxy => "proxy",
            Source::Mcp => "mcp",
            Source::Wrap => "wrap",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "cli" => Some(Source::Cli),
            "proxy" => Some(Source::Proxy),
            "mcp" => Some(Source::Mcp),
            "wrap" => Some(Source::Wrap),
            _ => None,
        }
    }
}

/// Token counts the provider reported for the request (when it did).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamUsage {
    /// Uncached input tokens as billed (Anthropic `input_tokens`; OpenAI
    /// `prompt_tokens` minus cached).
    pub input: Option<u64>,
    pub output: Option<u64>,
    /// Tokens written to the prompt cache (Anthropic only).
    pub cache_write: Option<u64>,
    /// The part of `cache_write` written with the 1-hour TTL (the rest is 5 minutes).
    pub cache_write_1h: Option<u64>,
    pub cache_read: Option<u64>,
}

impl UpstreamUsage {
    pub fn is_empty(&self) -> bool {
        *self == UpstreamUsage::default()
    }
}

/// One usage record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// When the command or request started, unix milliseconds.
    pub time_ms: i64,
    pub source: Source,
    /// The client: an agent name or a User-Agent (`claude-cli/2.1`, `OpenAI/Python 1.x`).
    pub agent: Option<String>,
    /// Working directory of the command or agent, when known.
    pub project: Option<String>,
    /// `openai` or `anthropic` (or another upstream name).
    pub provider: Option<String>,
    pub model: Option<String>,
    /// Content kinds that were compressed (`json`, `log`, …), sorted, unique.
    pub kinds: Vec<String>,
    /// Tokens of what headroom was given and of what it sent on.
    pub tokens_before: u64,
    pub tokens_after: u64,
    /// The counts come from an estimate, not the model's own tokenizer.
    pub estimated: bool,
    pub upstream: UpstreamUsage,
    /// `headroom_retrieve` calls answered for this request or command.
    pub retrievals: u32,
    /// Time headroom added, excluding upstream time, in milliseconds.
    pub overhead_ms: f64,
    /// Proxy and MCP: the HTTP status as a number (`200`, `429`), `dropped`
    /// (upstream cut the stream) or `cancelled` (client went away). CLI:
    /// `ok` or `error`.
    pub status: String,
    /// The agent's session id, when the request or command names one.
    #[serde(default)]
    pub session: Option<String>,
    /// Proxy and MCP: the tools whose results were compressed
    /// (comma-separated, sorted); CLI: the command `compress` ran on.
    #[serde(default)]
    pub tool: Option<String>,
}

impl Record {
    /// A record at `time_ms` from `source` with everything else empty.
    pub fn new(time_ms: i64, source: Source) -> Record {
        Record {
            time_ms,
            source,
            agent: None,
            project: None,
            provider: None,
            model: None,
            kinds: Vec::new(),
            tokens_before: 0,
            tokens_after: 0,
            estimated: false,
            upstream: UpstreamUsage::default(),
            retrievals: 0,
            overhead_ms: 0.0,
            status: String::new(),
            session: None,
            tool: None,
        }
    }

    pub fn tokens_saved(&self) -> i64 {
        i64::try_from(self.tokens_before).unwrap_or(i64::MAX)
            - i64::try_from(self.tokens_after).unwrap_or(i64::MAX)
    }
}

/// Now, in unix milliseconds.
pub fn now_ms() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}
