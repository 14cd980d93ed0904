//! `headroom proxy`: an OpenAI- and Anthropic-compatible HTTP proxy that
//! compresses the tool results of every request and streams every response
//! through untouched.
//!
//! [`serve`] runs the server on a listener the caller bound and returns a
//! [`Handle`] to read its stats and shut it down, so `headroom wrap` can run
//! it in-process. The parts: [`upstream`] (where a request goes and which
//! headers travel), [`rewrite`] (request-body compression on the blocking
//! pool, memoized, failing open), [`relay`] (the response stream and the
//! usage tap), [`stats`] (`/stats` and `/metrics`), [`routes`] (the handlers).

mod mcp;
mod relay;
mod rewrite;
mod routes;
mod stats;
mod upstream;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::ccr::store::{SqliteStore, StoreOptions};
use crate::usage;

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
    pub store: Option<PathBuf>,
    pub store_options: StoreOptions,
    pub lossy_min_tokens: usize,
    pub connect_timeout: Duration,
    /// Longest silence from the upstream, mid-response, before giving up.
    pub idle_timeout: Duration,
    /// Bytes of compressed results kept in memory for later turns.
    pub memo_bytes: usize,
    /// Set by `headroom wrap`: usage records are the wrapped session's.
    pub wrapped: Option<Wrapped>,
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
        }
    }
}

#[derive(thiserror::Error, Debug)]
pub enum ProxyError {
    #[error("cannot build the upstream HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("invalid upstream base URL '{url}': {reason}")]
    BaseUrl { url: String, reason: String },
    #[error("cannot read the listener's address: {0}")]
    Listener(#[from] std::io::Error),
}

/// Shared by every request.
pub(crate) struct State {
    pub config: Config,
    pub client: reqwest::Client,
    pub store: Option<Arc<SqliteStore>>,
    pub usage: Option<usage::Writer>,
    pub memo: rewrite::Memo,
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

/// Serves the proxy on `listener` (call inside a tokio runtime). A store
/// that cannot be opened is reported on stderr and leaves compression
/// lossless; it never stops the proxy.
pub fn serve(config: Config, listener: TcpListener) -> Result<Handle, ProxyError> {
    for url in [&config.openai_base, &config.anthropic_base] {
        upstream::check_base(url)?;
    }
    let addr = listener.local_addr()?;
    let client = upstream::client(&config)?;
    let store = config.store.as_ref().and_then(|path| {
        match SqliteStore::open_or_recover(path, config.store_options) {
            Ok((s, moved)) => {
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
        }
    });
    let usage = config.store.clone().map(usage::Writer::start);
    let state = Arc::new(State {
        memo: rewrite::Memo::new(config.memo_bytes),
        config,
        client,
        store,
        usage,
        stats: stats::Stats::default(),
        started: Instant::now(),
    });
    let app = routes::router(Arc::clone(&state)).merge(mcp::router(&state.config));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
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
