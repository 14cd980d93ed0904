//! Where a request goes and which headers travel with it: the only place
//! that knows the providers' URLs and routes.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, Method, header};

use super::{Config, ProxyError};

/// The API family a request belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    OpenAi,
    Anthropic,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
        }
    }
}

/// What the proxy does with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub provider: Provider,
    /// A conversation whose tool results may be compressed.
    pub compressible: bool,
}

impl Route {
    pub fn of(method: &Method, path: &str, headers: &HeaderMap) -> Route {
        let path = path.trim_end_matches('/');
        let conversation = matches!(
            path,
            "/v1/chat/completions" | "/v1/responses" | "/v1/messages" | "/v1/messages/count_tokens"
        ) || matches!(path, "/chat/completions" | "/responses");
        let provider = if path.starts_with("/v1/messages") {
            Provider::Anthropic
        } else if matches!(path, "/v1/chat/completions" | "/v1/responses") {
            Provider::OpenAi
        } else if headers.contains_key("x-api-key") || headers.contains_key("anthropic-version") {
            Provider::Anthropic
        } else {
            Provider::OpenAi
        };
        Route {
            provider,
            compressible: conversation && method == Method::POST,
        }
    }
}

/// The upstream URL for `path_and_query` (as the client sent it).
pub fn url(config: &Config, provider: Provider, path_and_query: &str) -> String {
    match provider {
        // OPENAI_BASE_URL carries `/v1`, so the client's `/v1` maps onto the
        // base's own path (`.../openai/v1`, an Azure or vLLM prefix).
        Provider::OpenAi => {
            let rest = path_and_query
                .strip_prefix("/v1")
                .filter(|r| r.is_empty() || r.starts_with(['/', '?']))
                .unwrap_or(path_and_query);
            format!("{}{rest}", config.openai_base.trim_end_matches('/'))
        }
        Provider::Anthropic => format!(
            "{}{path_and_query}",
            config.anthropic_base.trim_end_matches('/')
        ),
    }
}

pub fn check_base(url: &str) -> Result<(), ProxyError> {
    let bad = |reason: &str| ProxyError::BaseUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("expected an http:// or https:// URL"));
    }
    if parsed.query().is_some() {
        return Err(bad("a base URL takes no query string"));
    }
    Ok(())
}

/// The upstream HTTP client, built on a thread of its own when the proxy
/// starts: loading the system's certificate roots takes 10–20 ms, which
/// would otherwise delay `/health` (and the agent `headroom wrap` starts)
/// on every start. A request that needs it before it is ready waits for it.
pub struct Client {
    cell: Arc<OnceLock<reqwest::Client>>,
    settings: Settings,
}

#[derive(Clone, Copy)]
struct Settings {
    connect_timeout: Duration,
    idle_timeout: Duration,
    /// Both upstreams are plain `http://` (a local model server, a test's
    /// fake): no certificate roots are needed at all.
    plain: bool,
}

impl Client {
    pub fn start(config: &Config) -> Client {
        let settings = Settings {
            connect_timeout: config.connect_timeout,
            idle_timeout: config.idle_timeout,
            plain: [&config.openai_base, &config.anthropic_base]
                .iter()
                .all(|u| u.starts_with("http://")),
        };
        let cell = Arc::new(OnceLock::new());
        let early = Arc::clone(&cell);
        // Without a thread it is built by the first request instead.
        let _ = std::thread::Builder::new()
            .name("headroom-tls".into())
            .spawn(move || {
                early.get_or_init(|| build(settings));
            });
        Client { cell, settings }
    }
}

impl std::ops::Deref for Client {
    type Target = reqwest::Client;

    fn deref(&self) -> &reqwest::Client {
        self.cell.get_or_init(|| build(self.settings))
    }
}

fn build(s: Settings) -> reqwest::Client {
    let builder = || {
        reqwest::Client::builder()
            .connect_timeout(s.connect_timeout)
            .read_timeout(s.idle_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
    };
    let full = if s.plain {
        builder().tls_certs_only([]).build()
    } else {
        builder().build()
    };
    full.or_else(|e| {
        eprintln!(
            "headroom: warning: cannot load the system's TLS certificate roots ({e}); https upstreams will fail"
        );
        builder().tls_certs_only([]).build()
    })
    .expect("an HTTP client without TLS roots always builds")
}

/// Connection-scoped headers (RFC 9110 §7.6.1) that never travel on.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
];

fn is_hop_by_hop(name: &HeaderName, listed: &[String]) -> bool {
    let n = name.as_str();
    HOP_BY_HOP.contains(&n) || n == "upgrade" || listed.iter().any(|l| l == n)
}

/// Names the `Connection` header lists as hop-by-hop for this message.
fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The request headers to send upstream: everything but hop-by-hop headers,
/// `host`, `content-length` (the body may change) and headroom's own
/// `x-headroom-*`. With `identity`, asks for an uncompressed response so the
/// usage tap can read it.
pub fn request_headers(incoming: &HeaderMap, identity: bool) -> HeaderMap {
    let listed = connection_listed(incoming);
    let mut out = HeaderMap::with_capacity(incoming.len());
    for (name, value) in incoming {
        let n = name.as_str();
        if is_hop_by_hop(name, &listed)
            || n == "host"
            || n == "content-length"
            || n.starts_with("x-headroom-")
            || (identity && n == "accept-encoding")
        {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

/// The response headers to send back: everything but hop-by-hop headers.
pub fn response_headers(incoming: &HeaderMap) -> HeaderMap {
    let listed = connection_listed(incoming);
    let mut out = HeaderMap::with_capacity(incoming.len());
    for (name, value) in incoming {
        if !is_hop_by_hop(name, &listed) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn routes_and_urls() {
        let h = HeaderMap::new();
        let r = Route::of(&Method::POST, "/v1/messages", &h);
        assert_eq!((r.provider, r.compressible), (Provider::Anthropic, true));
        let r = Route::of(&Method::POST, "/v1/messages/count_tokens", &h);
        assert!(r.compressible);
        let r = Route::of(&Method::GET, "/v1/models", &h);
        assert_eq!((r.provider, r.compressible), (Provider::OpenAi, false));
        let mut a = HeaderMap::new();
        a.insert("x-api-key", HeaderValue::from_static("k"));
        assert_eq!(
            Route::of(&Method::GET, "/v1/models", &a).provider,
            Provider::Anthropic
        );
        let c = Config {
            openai_base: "http://127.0.0.1:8000/openai/v1/".into(),
            anthropic_base: "https://gw.internal/anthropic".into(),
            ..Config::default()
        };
        assert_eq!(
            url(&c, Provider::OpenAi, "/v1/chat/completions"),
            "http://127.0.0.1:8000/openai/v1/chat/completions"
        );
        assert_eq!(
            url(&c, Provider::OpenAi, "/v1?x=1"),
            "http://127.0.0.1:8000/openai/v1?x=1"
        );
        assert_eq!(
            url(&c, Provider::Anthropic, "/v1/messages?beta=true"),
            "https://gw.internal/anthropic/v1/messages?beta=true"
        );
    }

    #[test]
    fn headers_filtered() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("host", "127.0.0.1"),
            ("connection", "keep-alive, x-drop-me"),
            ("x-drop-me", "1"),
            ("x-headroom-bypass", "true"),
            ("anthropic-beta", "a,b"),
            ("x-stainless-os", "Linux"),
            ("content-length", "10"),
            ("accept-encoding", "gzip"),
            ("idempotency-key", "k1"),
        ] {
            h.append(k, HeaderValue::from_static(v));
        }
        let out = request_headers(&h, true);
        let names: Vec<&str> = out.keys().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            ["anthropic-beta", "x-stainless-os", "idempotency-key"]
        );
        assert!(request_headers(&h, false).contains_key("accept-encoding"));
    }
}
