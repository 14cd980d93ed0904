//! Streamable HTTP: one `/mcp` endpoint, a JSON-RPC message per POST, a JSON
//! answer (a tool server never needs to stream). [`router`] is what
//! `headroom mcp serve --http` runs and what the proxy mounts.
//!
//! Every request passes the checks the spec asks of a local server before
//! any work: a bearer token when one is set, an `Origin` (sent by browsers)
//! that is loopback or explicitly allowed, JSON in, JSON accepted out. For
//! 2026-07-28 requests the `MCP-Protocol-Version`, `Mcp-Method` and
//! `Mcp-Name` headers must agree with the body.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::jsonrpc::{self, Incoming};
use super::server::requested_version;
use super::{HANDSHAKE_VERSIONS, MODERN_VERSIONS, Server};

/// Who may call the endpoint.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Required as `Authorization: Bearer TOKEN` (or, as the proxy takes
    /// it, `x-headroom-token: TOKEN`) when set.
    pub token: Option<String>,
    /// Origins allowed besides loopback ones (`http://host:port`).
    pub origins: Vec<String>,
}

struct Shared {
    server: Arc<Server>,
    access: Access,
}

/// The `/mcp` route. Tool calls run on tokio's blocking pool, so a large
/// compression never stalls other connections.
pub fn router(server: Arc<Server>, access: Access) -> Router {
    let shared = Arc::new(Shared { server, access });
    Router::new()
        .route("/mcp", post(handle).get(no_stream).delete(no_stream))
        .layer(DefaultBodyLimit::max(crate::pipeline::MAX_INPUT_BYTES))
        .with_state(shared)
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// No server-initiated stream and no sessions to delete.
async fn no_stream() -> Response {
    let mut r = StatusCode::METHOD_NOT_ALLOWED.into_response();
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    r
}

async fn handle(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refusal) = refuse(&shared.access, &headers) {
        return refusal;
    }
    let (id, method, params) = match Incoming::parse(&body) {
        Incoming::Request { id, method, params } => (id, method, params),
        Incoming::Notification => return StatusCode::ACCEPTED.into_response(),
        Incoming::Invalid(err) => return reply(StatusCode::BAD_REQUEST, &err),
    };
    let header_version = text(&headers, "mcp-protocol-version");
    let modern = requested_version(&params).map(str::to_string);
    if let Some(v) = &modern {
        let mismatch = if header_version != Some(v.as_str()) {
            Some("MCP-Protocol-Version header")
        } else if text(&headers, "mcp-method") != Some(method.as_str()) {
            Some("Mcp-Method header")
        } else if method == "tools/call"
            && text(&headers, "mcp-name")
                .is_some_and(|n| Some(n) != params.get("name").and_then(Value::as_str))
        {
            Some("Mcp-Name header")
        } else {
            None
        };
        if let Some(what) = mismatch {
            let err = jsonrpc::error(
                id,
                jsonrpc::HEADER_MISMATCH,
                &format!("{what} does not match the request body"),
            );
            return reply(StatusCode::BAD_REQUEST, &err);
        }
    } else if let Some(v) = header_version
        && !HANDSHAKE_VERSIONS.contains(&v)
        && !MODERN_VERSIONS.contains(&v)
    {
        let err = jsonrpc::error(
            id,
            jsonrpc::INVALID_REQUEST,
            &format!("unsupported MCP-Protocol-Version {v}"),
        );
        return reply(StatusCode::BAD_REQUEST, &err);
    }
    let server = shared.server.clone();
    let answer = tokio::task::spawn_blocking(move || server.answer(id, &method, &params)).await;
    let response = match answer {
        Ok(r) => r,
        Err(e) => jsonrpc::error(Value::Null, -32603, &format!("internal error: {e}")),
    };
    let status = match (modern.is_some(), jsonrpc::error_code(&response)) {
        (true, Some(jsonrpc::METHOD_NOT_FOUND)) => StatusCode::NOT_FOUND,
        (_, Some(jsonrpc::UNSUPPORTED_VERSION)) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    reply(status, &response)
}

/// Why a request may not be served, as the response to send; `None` to go on.
fn refuse(access: &Access, headers: &HeaderMap) -> Option<Response> {
    if let Some(token) = &access.token {
        let bearer = text(headers, "authorization").and_then(|a| a.strip_prefix("Bearer "));
        let own = text(headers, "x-headroom-token");
        if ![bearer, own]
            .into_iter()
            .flatten()
            .any(|g| same(g.trim().as_bytes(), token.as_bytes()))
        {
            let mut r = plain(
                StatusCode::UNAUTHORIZED,
                "a bearer token is required (Authorization: Bearer TOKEN)",
            );
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Some(r);
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !is_loopback_origin(origin) && !access.origins.iter().any(|o| o == origin) {
            return Some(plain(
                StatusCode::FORBIDDEN,
                &format!("origin '{origin}' is not allowed"),
            ));
        }
    }
    let content_type = text(headers, "content-type").unwrap_or("");
    if !content_type.starts_with("application/json") {
        return Some(plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the JSON-RPC message as application/json",
        ));
    }
    if let Some(accept) = text(headers, "accept")
        && !["application/json", "application/*", "*/*"]
            .iter()
            .any(|a| accept.contains(a))
    {
        return Some(plain(
            StatusCode::NOT_ACCEPTABLE,
            "the answer is application/json; accept it",
        ));
    }
    None
}

/// `http://localhost:N`, `http://127.0.0.1`, `https://[::1]:N` and the like.
fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = match rest.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => rest.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Compares without stopping at the first difference, so timing tells nothing about the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok()
}

fn reply(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn plain(status: StatusCode, message: &str) -> Response {
    reply(
        status,
        &json!({"jsonrpc": "2.0", "id": null, "error": {"code": jsonrpc::INVALID_REQUEST, "message": message}}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_origins() {
        for o in [
            "http://localhost:3000",
            "http://127.0.0.1",
            "https://[::1]:8788",
            "http://127.0.0.2:1",
        ] {
            assert!(is_loopback_origin(o), "{o}");
        }
        for o in [
            "http://evil.example",
            "http://localhost.evil.example:80",
            "null",
            "file://",
            "http://10.0.0.1",
        ] {
            assert!(!is_loopback_origin(o), "{o}");
        }
    }
}
