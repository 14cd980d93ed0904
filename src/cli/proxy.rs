//! `headroom proxy`: flags, then the server from the library until SIGINT or SIGTERM.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::ValueEnum;
use headroom::config::Config;
use headroom::proxy::{self, LogFormat, Mode};

use super::Exit;
use super::store::options;

/// Run an OpenAI- and Anthropic-compatible proxy that compresses tool results.
///
/// Point an agent or SDK at it and change nothing else:
/// `ANTHROPIC_BASE_URL=http://127.0.0.1:8787 claude`, or
/// `OPENAI_BASE_URL=http://127.0.0.1:8787/v1 python app.py`. Responses stream
/// through untouched; anything headroom omits stays retrievable.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on; anything but loopback needs --auth-token.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port to listen on (0: any free port, printed at start).
    #[arg(short, long, default_value_t = proxy::DEFAULT_PORT)]
    pub port: u16,

    #[command(flatten)]
    pub serve: ServeFlags,

    /// Token required by /health, /stats, /metrics, /v1/compress and /v1/retrieve.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "HEADROOM_PROXY_TOKEN",
        hide_env_values = true
    )]
    pub auth_token: Option<String>,

    /// One line per request on stderr: `text`, `json`, or `off`.
    #[arg(long, value_enum, default_value_t = LogArg::Text)]
    pub log_format: LogArg,

    /// Seconds open streams get to finish on SIGINT/SIGTERM.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub drain_secs: u64,
}

/// What the proxy does with requests; `headroom wrap` takes the same flags.
#[derive(clap::Args, Debug)]
pub struct ServeFlags {
    /// OpenAI-compatible upstream, `/v1` included (vLLM, Ollama, OpenRouter, Azure, a gateway)
    /// [env: HEADROOM_OPENAI_BASE_URL] [default: https://api.openai.com/v1]
    #[arg(long, value_name = "URL")]
    pub openai_base_url: Option<String>,

    /// Anthropic upstream, without `/v1`
    /// [env: HEADROOM_ANTHROPIC_BASE_URL] [default: https://api.anthropic.com]
    #[arg(long, value_name = "URL")]
    pub anthropic_base_url: Option<String>,

    /// `compress` tool results, or forward every request untouched.
    #[arg(long, value_enum, default_value_t = ModeArg::Compress)]
    pub mode: ModeArg,

    /// Largest request body accepted, in MiB (larger ones get 413).
    #[arg(long, value_name = "MIB", default_value_t = 32)]
    pub max_body_mb: usize,

    /// Compression running longer than this forwards the original body.
    #[arg(long, value_name = "MS", default_value_t = 50)]
    pub budget_ms: u64,

    /// Keep compression lossless and record no usage (no store).
    #[arg(long)]
    pub no_store: bool,

    /// When the model gets the `headroom_retrieve` tool: `always` (from a
    /// conversation's first request), `on-marker` (once a stored marker
    /// appears), `never` (markers then name `headroom retrieve`)
    /// [env: HEADROOM_RETRIEVE_TOOL] [default: always]
    #[arg(long, value_enum, value_name = "WHEN")]
    pub retrieve_tool: Option<RetrieveToolArg>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RetrieveToolArg {
    Always,
    OnMarker,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Compress,
    Passthrough,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogArg {
    Text,
    Json,
    Off,
}

impl From<LogArg> for LogFormat {
    fn from(l: LogArg) -> LogFormat {
        match l {
            LogArg::Text => LogFormat::Text,
            LogArg::Json => LogFormat::Json,
            LogArg::Off => LogFormat::Off,
        }
    }
}

pub fn run(args: Args) -> Result<Exit> {
    let config = super::config::load(None);
    if !args.host.is_loopback() && args.auth_token.as_deref().is_none_or(str::is_empty) {
        eprintln!(
            "headroom: error: refusing to listen on {} without --auth-token (or HEADROOM_PROXY_TOKEN): anyone who can reach it could use your API keys' upstreams and read your stats",
            args.host
        );
        return Ok(Exit::Usage);
    }
    let pconfig = proxy::Config {
        auth_token: args.auth_token.filter(|t| !t.is_empty()),
        ..server_config(args.serve, &config, args.log_format.into())
    };
    let runtime = proxy::runtime().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(args.host, args.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let handle = proxy::serve(pconfig, listener)?;
        eprintln!(
            "headroom: proxy listening on http://{} (OpenAI: /v1, Anthropic: /)",
            handle.local_addr()
        );
        shutdown_signal().await;
        eprintln!("headroom: shutting down; draining open requests");
        handle.shutdown(Duration::from_secs(args.drain_secs)).await;
        Ok(Exit::Success)
    })
}

/// The server's settings from `flags` over `config` (environment and file).
pub fn server_config(flags: ServeFlags, config: &Config, log: LogFormat) -> proxy::Config {
    proxy::Config {
        openai_base: flags
            .openai_base_url
            .or(config.openai_base_url.clone())
            .unwrap_or_else(|| proxy::DEFAULT_OPENAI_BASE.into()),
        anthropic_base: flags
            .anthropic_base_url
            .or(config.anthropic_base_url.clone())
            .unwrap_or_else(|| proxy::DEFAULT_ANTHROPIC_BASE.into()),
        mode: match flags.mode {
            ModeArg::Compress => Mode::Compress,
            ModeArg::Passthrough => Mode::Passthrough,
        },
        body_limit: flags.max_body_mb.saturating_mul(1024 * 1024),
        budget: Duration::from_millis(flags.budget_ms),
        log,
        store: if flags.no_store { None } else { config.store() },
        store_options: options(config),
        lossy_min_tokens: config.lossy_min_tokens,
        retrieve_tool: match flags.retrieve_tool {
            Some(RetrieveToolArg::Always) => proxy::Offer::Always,
            Some(RetrieveToolArg::OnMarker) => proxy::Offer::OnMarker,
            Some(RetrieveToolArg::Never) => proxy::Offer::Never,
            None => config.retrieve_tool.unwrap_or_default(),
        },
        ..proxy::Config::default()
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
