//! `headroom proxy`: an OpenAI- and Anthropic-compatible HTTP proxy that
//! compresses the tool results of every request and streams every response
//! through untouched.
//!
//! [`serve`] runs the server on a listener the caller bound and returns a
//! [`Handle`] to read its stats and shut it down, so `headroom wrap` can run
//! it in-process. The parts: [`upstream`] (where a request goes and which
//! headers travel), [`rewrite`] (request-body compression on the blocking
//! pool, memoized, failing open), [`relay`] (the response stream and the
//! usage tap), [`retrieve`] (the `headroom_retrieve` tool and its loop),
//! [`stats`] (`/stats` and `/metrics`), [`encoding`] (zstd request bodies),
//! [`routes`] (the handlers).

mod encoding;
mod mcp;
mod relay;
pub mod retrieve;
pub mod rewrite;
mod routes;
mod stats;
mod upstream;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::ccr::StoreLocation;
use crate::ccr::redis::RedisStore;
use crate::ccr::store::{OriginalStore, SqliteStore, StoreOptions};
use crate::usage;

pub use self::retrieve::Offer;
pub use self::stats::Snapshot;

pub const DEFAULT_PORT: u16 = 8787;
pub const DEFAULT_OPENAI_BASE: &str = "https://api.openai.com/v1";
pub const DEFAULT_ANTHROPIC_BASE: &str = "https://api.anthropic.com";
pub const DEFAULT_BODY_LIMIT: usize = 32 * 1024 * 1024;
pub const DEFAULT_BUDGET: Duration = Duration::from_millis(50);

/// Whether request bodies are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Compress,
    /// Forward every request untouched (still counted and logged).
    Passthrough,
}

/// One line per request on stderr, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
    Off,
}

/// Everything the server needs; the CLI resolves it from flags, env and file.
#[derive(Clone, Debug)]
pub struct Config {
    /// OpenAI-compatible upstream, `/v1` included (requests' `/v1` maps onto it).
    pub openai_base: String,
    /// Anthropic upstream, without `/v1`.
    pub anthropic_base: String,
    pub mode: Mode,
    /// Required (as `Authorization: Bearer` or `x-headroom-token`) by the
    /// ops endpoints when set.
    pub auth_token: Option<String>,
    pub body_limit: usize,
    /// Compression taking longer than this forwards the original body.
    pub budget: Duration,
    pub log: LogFormat,
    /// The store of originals and usage records; `None` keeps compression
    /// lossless and records no usage.
    pub store: Option<StoreLocation>,
    pub store_options: StoreOptions,
    pub lossy_min_tokens: usize,
    pub connect_timeout: Duration,
    /// Longest silence from the upstream, mid-response, before giving up.
    pub idle_timeout: Duration,
    /// Bytes of compressed results kept in memory for later turns.
    pub memo_bytes: usize,
    /// Set by `headroom wrap`: usage records are the wrapped session's.
    pub wrapped: Option<Wrapped>,
    /// When the model is offered the `headroom_retrieve` tool.
    pub retrieve_tool: Offer,
}

/// The agent session a proxy inside `headroom wrap` serves: its usage
/// records say source `wrap`, the agent's name and its working directory,
/// so `report` sees the session as one group.
#[derive(Clone, Debug)]
pub struct Wrapped {
    pub agent: String,
    pub project: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            openai_base: DEFAULT_OPENAI_BASE.into(),
            anthropic_base: DEFAULT_ANTHROPIC_BASE.into(),
            mode: Mode::Compress,
            auth_token: None,
            body_limit: DEFAULT_BODY_LIMIT,
            budget: DEFAULT_BUDGET,
            log: LogFormat::Text,
            store: None,
            store_options: StoreOptions::default(),
            lossy_min_tokens: crate::config::DEFAULT_LOSSY_MIN_TOKENS,
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(600),
            memo_bytes: 256 * 1024 * 1024,
            wrapped: None,
            retrieve_tool: Offer::default(),
        }
    }
}

#[derive(thiserror::Error, Debug)]
pub enum ProxyError {
    #[error("invalid upstream base URL '{url}': {reason}")]
    BaseUrl { url: String, reason: String },
    #[error("cannot read the listener's address: {0}")]
    Listener(#[from] std::io::Error),
}

/// Shared by every request.
pub(crate) struct State {
    pub config: Config,
    pub client: upstream::Client,
    pub store: Option<Arc<dyn OriginalStore>>,
    pub usage: Option<usage::Writer>,
    pub memo: rewrite::Memo,
    /// Hashes seen in the store, for offering the retrieve tool.
    pub known: retrieve::KnownStored,
    pub stats: stats::Stats,
    pub started: Instant,
}

/// A running proxy.
pub struct Handle {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Handle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// What `/stats` would answer now.
    pub fn stats(&self) -> Snapshot {
        stats::snapshot(&self.state)
    }

    /// Stops accepting connections, lets open requests and streams finish
    /// for at most `drain`, then cuts what is left and flushes usage records.
    /// Returns the final stats, every finished request counted.
    pub async fn shutdown(mut self, drain: Duration) -> Snapshot {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if tokio::time::timeout(drain, &mut self.task).await.is_err() {
            self.task.abort();
        }
        let state = Arc::clone(&self.state);
        let _ = tokio::task::spawn_blocking(move || {
            if let Some(w) = &state.usage {
                w.flush(Duration::from_secs(5));
            }
        })
        .await;
        self.stats()
    }
}

/// Opens the store for serving. A SQLite file that cannot be opened leaves
/// compression lossless; a Redis server that cannot be reached yet is
/// connected to later ([`watch_store`]), compressing losslessly until then.
fn open_store(loc: &StoreLocation, opts: StoreOptions) -> Option<Arc<dyn OriginalStore>> {
    match loc {
        StoreLocation::Sqlite(path) => match SqliteStore::open_or_recover(path, opts) {
            Ok((mut s, moved)) => {
                // Puts are on the request path; checkpoints need not be.
                if let Err(e) = s.checkpoint_in_background() {
                    eprintln!("headroom: warning: {e}; the store checkpoints as it writes");
                }
                if let Some(m) = moved {
                    eprintln!(
                        "headroom: warning: the store was damaged ({}); moved it aside to {} and started a fresh one",
                        m.problem,
                        m.to.display()
                    );
                }
                Some(Arc::new(s))
            }
            Err(e) => {
                eprintln!("headroom: warning: {e}; compressing losslessly");
                None
            }
        },
        StoreLocation::Redis(url) => match RedisStore::new(url, opts) {
            Ok(s) => Some(Arc::new(s)),
            Err(e) => {
                eprintln!("headroom: warning: {e}; compressing losslessly");
                None
            }
        },
    }
}

/// How often the store's state is checked, and an unreachable one tried
/// again while no request tries it.
const STORE_PROBE_INTERVAL: Duration = Duration::from_millis(250);

/// Says once when the store becomes unreachable (compression is lossless
/// until it is back) and once when it is back, and reconnects by itself.
/// Outages are counted by the store, so one shorter than a tick is still
/// told.
async fn watch_store(store: Arc<dyn OriginalStore>) {
    let mut told = 0;
    let mut down = false;
    loop {
        let s = Arc::clone(&store);
        let (outages, outage) = tokio::task::spawn_blocking(move || {
            let outages = s.outages();
            let outage = s.outage().filter(|_| !s.probe()).or_else(|| s.outage());
            (outages, outage)
        })
        .await
        .unwrap_or((told, None));
        if outages > told {
            told = outages;
            eprintln!(
                "headroom: warning: store {} unreachable ({}); compressing losslessly until it is back",
                store.location(),
                outage.as_deref().unwrap_or("connection lost")
            );
            down = true;
        }
        if down && outage.is_none() {
            eprintln!(
                "headroom: store {} reachable again; compressing fully",
                store.location()
            );
            down = false;
        }
        tokio::time::sleep(STORE_PROBE_INTERVAL).await;
    }
}

/// The runtime the proxy runs on (and `wrap`, which runs it in process),
/// with the process's allocator told to keep freed memory for the next
/// request (`keep_freed_memory`): both callers serve requests from here on.
/// A single-threaded runtime was measured against it (`cargo bench --bench
/// proxy`): a small request gained 0.1-0.3 ms there, but the 201st request
/// of a 2 MB conversation lost 0.5-1 ms, and long conversations are what
/// agents send.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    keep_freed_memory();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// Keeps a request's megabytes for the next one. glibc maps a block of more
/// than 128 KB fresh from the kernel and unmaps it when it is freed, so
/// every large request faulted its pages in again: a fifth of the proxy's
/// time on the next turn of a 2 MB conversation. Blocks up to 32 MB
/// (glibc's most) come from the heap instead, which gives memory back only
/// once 64 MB lie free at its top. (`headroom compress` keeps glibc's own
/// settings: there, each large block is used once.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn keep_freed_memory() {
    // SAFETY: mallopt only sets two of the allocator's thresholds.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}

/// Serves the proxy on `listener` (call inside a tokio runtime). A store
/// that cannot be opened is reported on stderr and leaves compression
/// lossless; it never stops the proxy.
pub fn serve(config: Config, listener: TcpListener) -> Result<Handle, ProxyError> {
    for url in [&config.openai_base, &config.anthropic_base] {
        upstream::check_base(url)?;
    }
    let addr = listener.local_addr()?;
    let client = upstream::Client::start(&config);
    let store = config
        .store
        .as_ref()
        .and_then(|loc| open_store(loc, config.store_options));
    let usage = config.store.as_ref().map(usage::Writer::start);
    let state = Arc::new(State {
        memo: rewrite::Memo::new(config.memo_bytes),
        known: retrieve::KnownStored::default(),
        config,
        client,
        store,
        usage,
        stats: stats::Stats::default(),
        started: Instant::now(),
    });
    if let Some(store) = state.store.clone() {
        tokio::spawn(watch_store(store));
    }
    let app = routes::router(Arc::clone(&state)).merge(mcp::router(&state.config));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // Small writes (response headers, one SSE event) go out at once:
        // Nagle's algorithm would hold each behind the ACK of the last.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    Ok(Handle {
        addr,
        state,
        shutdown: Some(tx),
        task,
    })
}
