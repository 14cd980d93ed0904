//! The proxy a wrapped agent talks to: a `headroom proxy` already running on
//! the configured port, when it is this version with the same upstreams and
//! mode (asked through `/health`), else one served inside wrap on a free
//! loopback port for the agent's lifetime. Either way the session's figures
//! come from the proxy's own stats.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;

use super::summary::Session;
use crate::proxy::{self, Handle, Mode, ProxyError};

/// How long a running proxy gets to answer `/health` and `/stats`.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);
/// How long streams still open when the agent exits get to finish.
const DRAIN: Duration = Duration::from_secs(2);

pub enum Proxy {
    /// A `headroom proxy` that was already running; its stats when the
    /// session started.
    Running {
        url: String,
        client: reqwest::Client,
        token: Option<String>,
        before: Value,
    },
    /// Served inside wrap for this session.
    Own(Handle),
}

impl Proxy {
    /// Reuses the proxy on 127.0.0.1:`port` when it serves `config`'s
    /// upstreams and mode at this version, else starts one with `config` on
    /// a free port. `token` opens a running proxy's `/health` and `/stats`.
    pub async fn reuse_or_start(
        config: proxy::Config,
        port: u16,
        token: Option<String>,
    ) -> Result<Proxy, ProxyError> {
        if let Some(p) = running(&config, port, token).await {
            return Ok(p);
        }
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        proxy::serve(config, listener).map(Proxy::Own)
    }

    /// The base URL agents are given: `http://127.0.0.1:PORT`, no path.
    pub fn url(&self) -> String {
        match self {
            Proxy::Running { url, .. } => url.clone(),
            Proxy::Own(h) => format!("http://{}", h.local_addr()),
        }
    }

    pub fn is_own(&self) -> bool {
        matches!(self, Proxy::Own(_))
    }

    /// Stops a proxy of wrap's own (open streams get [`DRAIN`] to finish)
    /// and returns what the session sent through the proxy.
    pub async fn finish(self) -> Session {
        match self {
            Proxy::Own(h) => {
                let stats = h.shutdown(DRAIN).await;
                Session::between(None, &serde_json::to_value(stats).unwrap_or_default())
            }
            Proxy::Running {
                url,
                client,
                token,
                before,
            } => match get_json(&client, &format!("{url}/stats"), token.as_deref()).await {
                Some(after) => Session::between(Some(&before), &after),
                None => Session::default(),
            },
        }
    }
}

/// The proxy on `port`, if one answers `/health` as this version with the
/// same upstreams and mode (so reusing it changes nothing for the agent).
async fn running(config: &proxy::Config, port: u16, token: Option<String>) -> Option<Proxy> {
    let url = format!("http://127.0.0.1:{port}");
    let client = probe_client()?;
    let health = get_json(&client, &format!("{url}/health"), token.as_deref()).await?;
    let mode = match config.mode {
        Mode::Compress => "compress",
        Mode::Passthrough => "passthrough",
    };
    let same = health["version"] == env!("CARGO_PKG_VERSION")
        && health["mode"] == mode
        && health["upstreams"]["openai"] == config.openai_base.as_str()
        && health["upstreams"]["anthropic"] == config.anthropic_base.as_str();
    if !same {
        return None;
    }
    let before = get_json(&client, &format!("{url}/stats"), token.as_deref()).await?;
    Some(Proxy::Running {
        url,
        client,
        token,
        before,
    })
}

/// What a headroom proxy on 127.0.0.1:`port` answers to `/health`, if one does.
pub async fn health(port: u16, token: Option<&str>) -> Option<Value> {
    let url = format!("http://127.0.0.1:{port}/health");
    get_json(&probe_client()?, &url, token).await
}

fn probe_client() -> Option<reqwest::Client> {
    // Plain HTTP on loopback: loading the system's certificate roots would
    // only delay the agent's start.
    reqwest::Client::builder()
        .tls_certs_only([])
        .no_proxy()
        .timeout(PROBE_TIMEOUT)
        .build()
        .ok()
}

async fn get_json(client: &reqwest::Client, url: &str, token: Option<&str>) -> Option<Value> {
    let mut req = client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.ok()?;
    if !resp.status().is_success() {
        return None;
    }
    serde_json::from_slice(&resp.bytes().await.ok()?).ok()
}
