//! The handlers: the ops endpoints (`/health`, `/stats`, `/metrics`,
//! `/v1/compress`, `/v1/retrieve`) and the proxy itself, which takes every
//! other method and path.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State as AxState};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::encoding;
use super::relay::{End, OnEnd, Relay, UsageTap};
use super::retrieve::{self, Wire};
use super::rewrite::{self, Rewritten};
use super::stats;
use super::upstream::{self, Provider, Route};
use super::{LogFormat, Mode, State};
use crate::ccr::Sink;
use crate::ccr::store::Lookup;
use crate::usage::{Record, Source, now_ms};

type Shared = Arc<State>;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/stats", get(stats_json))
        .route("/metrics", get(metrics))
        .route("/v1/compress", post(compress))
        .route("/v1/retrieve", post(retrieve_post))
        .route("/v1/retrieve/{hash}", get(retrieve_get))
        .fallback(proxy)
        .with_state(state)
}

// ---- ops endpoints -------------------------------------------------------

/// Whether an ops request carries the proxy's token (when one is set).
fn authorized(state: &State, headers: &HeaderMap) -> bool {
    let Some(token) = &state.config.auth_token else {
        return true;
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let own = headers
        .get("x-headroom-token")
        .and_then(|v| v.to_str().ok());
    [bearer, own]
        .into_iter()
        .flatten()
        .any(|t| constant_time_eq(t.as_bytes(), token.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn unauthorized() -> Response {
    json_response(
        StatusCode::UNAUTHORIZED,
        json!({"error": "headroom: this endpoint needs the proxy's --auth-token (Authorization: Bearer TOKEN)"}),
    )
}

async fn health(AxState(st): AxState<Shared>, headers: HeaderMap) -> Response {
    if !authorized(&st, &headers) {
        return unauthorized();
    }
    let store = match (&st.config.store, &st.store) {
        (None, _) => "disabled".to_string(),
        (Some(_), Some(s)) => match s.outage() {
            None => "ok".to_string(),
            Some(why) => format!(
                "unreachable: {} ({why}); compressing losslessly",
                s.location()
            ),
        },
        (Some(l), None) => format!("unavailable: {l}"),
    };
    json_response(
        StatusCode::OK,
        json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "uptime_secs": st.started.elapsed().as_secs_f64(),
            "mode": match st.config.mode { Mode::Compress => "compress", Mode::Passthrough => "passthrough" },
            "upstreams": {"openai": st.config.openai_base, "anthropic": st.config.anthropic_base},
            "store": store,
        }),
    )
}

async fn stats_json(AxState(st): AxState<Shared>, headers: HeaderMap) -> Response {
    if !authorized(&st, &headers) {
        return unauthorized();
    }
    json_response(
        StatusCode::OK,
        serde_json::to_value(stats::snapshot(&st)).unwrap_or_default(),
    )
}

async fn metrics(AxState(st): AxState<Shared>, headers: HeaderMap) -> Response {
    if !authorized(&st, &headers) {
        return unauthorized();
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        stats::metrics(&st),
    )
        .into_response()
}

/// A provider request body (or a bare messages list) in; the compressed
/// body and its counts out, as `headroom compress` gives for the same input.
async fn compress(AxState(st): AxState<Shared>, req: Request) -> Response {
    if !authorized(&st, req.headers()) {
        return unauthorized();
    }
    let body = match read_body(&st, req.into_body()).await {
        Ok(b) => b,
        Err(status) => {
            return json_response(status, json!({"error": "headroom: cannot read the body"}));
        }
    };
    let st2 = Arc::clone(&st);
    let out = tokio::task::spawn_blocking(move || {
        let sink = st2.store.as_deref().map(|s| s as &dyn Sink);
        let (encoding, exact) =
            crate::tokens::Encoding::for_model(rewrite::model(&body).as_deref().unwrap_or(""));
        let cost = move |s: &str| crate::tokens::count(s, encoding);
        let ctx = crate::compress::Context {
            query: Default::default(),
            lossless: sink.is_none(),
            valid_json: false,
            sink,
            via: crate::ccr::RetrieveVia::Cli,
            cost: &cost,
            lossy_min_tokens: st2.config.lossy_min_tokens,
        };
        let o = crate::pipeline::run(&body, None, &ctx);
        json!({
            "body": String::from_utf8_lossy(&o.output),
            "kind": o.kind.map(|k| k.name()),
            "tokens_before": o.tokens_before,
            "tokens_after": o.tokens_after,
            "transforms": o.transforms,
            "hashes": o.hashes,
            "encoding": encoding.name(),
            "estimated": !exact,
        })
    })
    .await;
    match out {
        Ok(v) => json_response(StatusCode::OK, v),
        Err(_) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "headroom: compression failed"}),
        ),
    }
}

async fn retrieve_get(
    AxState(st): AxState<Shared>,
    headers: HeaderMap,
    Path(hash): Path<String>,
) -> Response {
    if !authorized(&st, &headers) {
        return unauthorized();
    }
    retrieve(&st, hash, None).await
}

#[derive(serde::Deserialize)]
struct RetrieveReq {
    hash: String,
    query: Option<String>,
}

async fn retrieve_post(AxState(st): AxState<Shared>, req: Request) -> Response {
    if !authorized(&st, req.headers()) {
        return unauthorized();
    }
    let Ok(body) = read_body(&st, req.into_body()).await else {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": "headroom: cannot read the body"}),
        );
    };
    match serde_json::from_slice::<RetrieveReq>(&body) {
        Ok(r) => retrieve(&st, r.hash, r.query).await,
        Err(e) => json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": format!("headroom: expected {{\"hash\": \"…\", \"query\": \"…\"}}: {e}")}),
        ),
    }
}

async fn retrieve(st: &Shared, hash: String, query: Option<String>) -> Response {
    let hash = hash.trim().trim_start_matches("hash=").to_ascii_lowercase();
    if !crate::ccr::is_hash(&hash) {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": format!("headroom: invalid hash '{hash}': expected the 16 hex digits a marker prints")}),
        );
    }
    let Some(store) = st.store.clone() else {
        return json_response(
            StatusCode::NOT_FOUND,
            json!({"error": "headroom: this proxy runs without a store"}),
        );
    };
    let h = hash.clone();
    let found = tokio::task::spawn_blocking(move || store.get(&h)).await;
    match found {
        Ok(Ok(Lookup::Found(e))) => {
            let text = String::from_utf8_lossy(&e.original).into_owned();
            let content = match query.as_deref().filter(|q| !q.trim().is_empty()) {
                None => text,
                Some(q) => {
                    let lines: Vec<&str> = text.lines().collect();
                    let idx = crate::relevance::matches(
                        &lines,
                        &crate::relevance::Query::parse(q),
                        usize::MAX,
                    );
                    idx.into_iter()
                        .map(|i| format!("{}:{}", i + 1, lines[i]))
                        .collect::<Vec<_>>()
                        .join("\n")
                }
            };
            json_response(
                StatusCode::OK,
                json!({"hash": hash, "kind": e.kind, "original": content}),
            )
        }
        Ok(Ok(Lookup::Gone { reason, .. })) => json_response(
            StatusCode::GONE,
            json!({"error": format!("headroom: the original for {hash} {reason}; re-run the command that produced it")}),
        ),
        Ok(Ok(Lookup::Missing)) => json_response(
            StatusCode::NOT_FOUND,
            json!({"error": format!("headroom: no original stored under {hash}")}),
        ),
        _ => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": "headroom: the store cannot be read"}),
        ),
    }
}

/// Reads a request body whole, up to the body limit. Its pieces are copied
/// into one buffer, sized by the length the client announced, as they
/// arrive: a 2 MB conversation comes in dozens of pieces, and copying them
/// all once the last had come put a millisecond on the request path. A body
/// of one piece is not copied.
async fn read_body(st: &State, body: Body) -> Result<bytes::Bytes, StatusCode> {
    use axum::body::HttpBody;
    use futures_util::StreamExt;
    let limit = st.config.body_limit;
    let announced = body.size_hint().lower();
    if announced > limit as u64 {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let mut stream = body.into_data_stream();
    let mut first: Option<bytes::Bytes> = None;
    let mut joined = bytes::BytesMut::new();
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|_| StatusCode::BAD_REQUEST)?;
        let read = first.as_ref().map_or(joined.len(), bytes::Bytes::len);
        if read + piece.len() > limit {
            return Err(StatusCode::PAYLOAD_TOO_LARGE);
        }
        if read == 0 {
            first = Some(piece);
            continue;
        }
        if let Some(first) = first.take() {
            joined.reserve((announced as usize).max(first.len() + piece.len()));
            joined.extend_from_slice(&first);
        }
        joined.extend_from_slice(&piece);
    }
    Ok(first.unwrap_or_else(|| joined.freeze()))
}

// ---- the proxy -----------------------------------------------------------

/// An error in the provider's own shape, so its SDK reports it properly.
fn provider_error(provider: Provider, status: StatusCode, message: &str) -> Response {
    let body = match provider {
        Provider::Anthropic => json!({
            "type": "error",
            "error": {"type": anthropic_error_type(status), "message": message},
        }),
        Provider::OpenAi => json!({
            "error": {"message": message, "type": "headroom_error", "param": null, "code": null},
        }),
    };
    json_response(status, body)
}

fn anthropic_error_type(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "request_too_large",
        StatusCode::BAD_REQUEST => "invalid_request_error",
        _ => "api_error",
    }
}

fn is_true(headers: &HeaderMap, name: &str) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}

async fn proxy(AxState(st): AxState<Shared>, req: Request) -> Response {
    let start = Instant::now();
    let time_ms = now_ms();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let route = Route::of(&parts.method, &path, &parts.headers);
    let mut record = Record::new(time_ms, Source::Proxy);
    record.provider = Some(route.provider.name().to_string());
    record.agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(120).collect());
    // Claude Code and Codex name their session in a header.
    record.session = [
        "x-claude-code-session-id",
        "session-id",
        "session_id",
        "conversation_id",
    ]
    .iter()
    .find_map(|h| parts.headers.get(*h)?.to_str().ok())
    .map(|s| s.chars().take(120).collect());
    if let Some(w) = &st.config.wrapped {
        record.source = Source::Wrap;
        record.agent = Some(w.agent.clone());
        record.project = Some(w.project.clone());
    }
    let upgrade = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if upgrade {
        // Codex tries a WebSocket for Responses first; 426 sends it straight
        // to plain HTTP.
        return provider_error(
            route.provider,
            StatusCode::UPGRADE_REQUIRED,
            "headroom: WebSocket is not supported here; use HTTP",
        );
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        provider_error(
            route.provider,
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "headroom: request body is larger than the proxy's limit of {} bytes (--max-body-mb)",
                st.config.body_limit
            ),
        )
    };
    if declared.is_some_and(|n| n > st.config.body_limit) {
        finish(&st, &parts.method, &path, record, "413", start, false);
        return too_large();
    }
    let body = match read_body(&st, body).await {
        Ok(b) => b,
        Err(StatusCode::PAYLOAD_TOO_LARGE) => {
            finish(&st, &parts.method, &path, record, "413", start, false);
            return too_large();
        }
        Err(status) => {
            return provider_error(
                route.provider,
                status,
                "headroom: cannot read the request body",
            );
        }
    };
    let bypass = is_true(&parts.headers, "x-headroom-bypass");
    let wanted = route.compressible && st.config.mode == Mode::Compress && !bypass;
    // A body the client compressed is decoded to be compressed in turn.
    let plain = match parts.headers.get(header::CONTENT_ENCODING) {
        None => Some(body.clone()),
        Some(enc) if wanted => encoding::decode(enc, body.clone(), st.config.body_limit).await,
        Some(_) => None,
    };
    if bypass {
        st.stats.bypassed();
    }
    let mut send = body.clone();
    let mut changed = false;
    // The wire format, when the model is offered the retrieve tool.
    let mut offered: Option<Wire> = None;
    if let Some(plain) = plain.filter(|_| wanted) {
        let (r, with_tool) = rewrite_within_budget(&st, plain, &path).await;
        record.model = r.model.clone();
        record.tokens_before = r.tokens_before;
        record.tokens_after = r.tokens_after;
        if let Some(new) = r.body {
            record.kinds = r.kinds;
            record.tool = Some(r.tools.join(",")).filter(|t| !t.is_empty());
            send = bytes::Bytes::from_owner(Text(new));
            changed = true;
        }
        if let Some((wire, b)) = with_tool {
            offered = Some(wire).filter(|_| !path.ends_with("/count_tokens"));
            send = bytes::Bytes::from(b);
            changed = true;
        }
    } else if route.compressible {
        record.model = rewrite::model(&body);
    }
    let url = upstream::url(
        &st.config,
        route.provider,
        parts
            .uri
            .path_and_query()
            .map_or(path.as_str(), |p| p.as_str()),
    );
    let mut headers = upstream::request_headers(&parts.headers, route.compressible);
    if changed {
        // A new body goes plain, whatever encoding the client's had.
        headers.remove(header::CONTENT_ENCODING);
    }
    let again = offered.map(|w| (w, url.clone(), headers.clone(), send.clone()));
    let sent = Instant::now();
    record.overhead_ms = sent.duration_since(start).as_secs_f64() * 1e3;
    // Until a response stream takes it over, dropping this (the client
    // went away while the upstream was thinking) records a cancellation.
    let mut pending = Pending(Some(Finish {
        state: Arc::clone(&st),
        method: parts.method.clone(),
        path,
        record,
        status: StatusCode::OK,
        start,
        retrievals: None,
    }));
    let resp = st
        .client
        .request(parts.method, url)
        .headers(headers)
        .body(send)
        .send()
        .await;
    let Some(mut finish_later) = pending.0.take() else {
        unreachable!("taken only here")
    };
    let resp = match resp {
        Ok(r) => r,
        Err(e) => {
            let status = if e.is_timeout() {
                StatusCode::GATEWAY_TIMEOUT
            } else {
                StatusCode::BAD_GATEWAY
            };
            // The reqwest error names the URL, never headers or the body.
            let msg = format!(
                "headroom: upstream {} unreachable: {e}",
                route.provider.name()
            );
            let f = finish_later;
            finish(
                &st,
                &f.method,
                &f.path,
                f.record,
                status.as_str(),
                start,
                true,
            );
            return provider_error(route.provider, status, &msg);
        }
    };
    let status = resp.status();
    let out_headers = upstream::response_headers(resp.headers());
    let content_type = out_headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    // A compressed body cannot be read for usage; it is relayed all the same.
    let tap = if out_headers.contains_key(header::CONTENT_ENCODING) {
        UsageTap::new(None)
    } else {
        UsageTap::new(content_type)
    };
    finish_later.status = status;
    let sse = content_type.is_some_and(|c| c.starts_with("text/event-stream"));
    let looped = match (again, &st.store) {
        (Some((wire, url, headers, body)), Some(store)) if status.is_success() => {
            let counter = Arc::new(AtomicU32::new(0));
            finish_later.retrievals = Some(Arc::clone(&counter));
            let up = retrieve::Upstream {
                client: st.client.clone(),
                url,
                headers,
                body,
                store: Arc::clone(store) as _,
                retrievals: counter,
            };
            if sse {
                Ok(retrieve::stream(wire, up, resp))
            } else {
                // The rounds run before the client gets a byte: a client
                // that leaves meanwhile is recorded as a cancellation.
                let mut waiting = Pending(Some(finish_later));
                let body = retrieve::json(wire, up, resp).await;
                finish_later = waiting.0.take().expect("taken only here");
                Ok(body)
            }
        }
        _ => Err(resp),
    };
    let body = match looped {
        Ok(stream) => {
            // The body may change length; it goes out chunked.
            let mut out_headers = out_headers;
            out_headers.remove(header::CONTENT_LENGTH);
            let relay = Relay::new(stream, tap, None, Box::new(finish_later));
            return respond(status, out_headers, Body::from_stream(relay));
        }
        Err(resp) => {
            let length = resp.content_length();
            Body::from_stream(Relay::new(
                Box::pin(resp.bytes_stream()),
                tap,
                length,
                Box::new(finish_later),
            ))
        }
    };
    respond(status, out_headers, body)
}

fn respond(status: StatusCode, headers: HeaderMap, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

struct Pending(Option<Finish>);

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            Box::new(f).done(End::Cancelled, UsageTap::default());
        }
    }
}

/// Runs [`rewrite::rewrite_text`] on the blocking pool, then offers the retrieve
/// tool when [`retrieve::prepare_knowing`] says so: the body with the tool, and its
/// wire format. A panic or an overrun forwards the original (an overrun's
/// result still lands in the memo, so the next turn gets it for free).
///
/// A body too small to hold a result the pipeline compresses, and holding
/// no marker to look up, is rewritten where it is: a parse and a count of a
/// few hundred bytes, touching no store, cost less than the hop to the
/// blocking pool and back. So is the next turn of a conversation the memo
/// keeps, when little is new in it: under load, waiting for a blocking
/// thread to be scheduled cost more than the rewrite.
async fn rewrite_within_budget(
    st: &Shared,
    body: bytes::Bytes,
    path: &str,
) -> (Rewritten, Option<(Wire, String)>) {
    let wire = Wire::of(path);
    let fail_open = || {
        st.stats.fail_open();
        (Rewritten::default(), None)
    };
    let tiny = body.len() < crate::convo::compress::MIN_RESULT_BYTES
        && memchr::memmem::find(&body, b"retrieve: headroom").is_none();
    if tiny || st.memo.continues_cheaply(&body) {
        let work = std::panic::AssertUnwindSafe(|| rewrite_and_offer(st, &body, wire));
        return std::panic::catch_unwind(work).unwrap_or_else(|_| fail_open());
    }
    let st2 = Arc::clone(st);
    let work = tokio::task::spawn_blocking(move || rewrite_and_offer(&st2, &body, wire));
    match tokio::time::timeout(st.config.budget, work).await {
        Ok(Ok(r)) => r,
        _ => fail_open(),
    }
}

/// The work of [`rewrite_within_budget`].
fn rewrite_and_offer(
    st: &State,
    body: &[u8],
    wire: Option<Wire>,
) -> (Rewritten, Option<(Wire, String)>) {
    let store = st.store.as_deref();
    let policy = st.config.retrieve_tool;
    let via = match (policy, store) {
        (retrieve::Offer::Never, _) | (_, None) => crate::ccr::RetrieveVia::Cli,
        _ => crate::ccr::RetrieveVia::Tool,
    };
    let sink = store.map(|s| Recording {
        inner: s as &dyn Sink,
        known: &st.known,
    });
    // Checked once here: a body of megabytes is not checked again to be
    // read for the tool.
    let Ok(input) = std::str::from_utf8(body) else {
        return (Rewritten::untouched(body), None);
    };
    let r = rewrite::rewrite_text(
        input,
        sink.as_ref().map(|s| s as &dyn Sink),
        &st.memo,
        st.config.lossy_min_tokens,
        via,
    );
    let text = r.body.as_ref().map_or(input, |b| b.as_str());
    let with_tool = wire.and_then(|w| {
        let list = r.list.clone();
        retrieve::prepare_knowing(policy, w, text, store, &st.known, list).map(|b| (w, b))
    });
    (r, with_tool)
}

/// A rewritten body, shared with the memo's kept turn, as bytes to send.
struct Text(Arc<String>);

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// A sink that notes the hashes it stored as known, so offering the
/// retrieve tool need not ask the store about markers this very request
/// wrote.
struct Recording<'a> {
    inner: &'a dyn Sink,
    known: &'a retrieve::KnownStored,
}

impl Sink for Recording<'_> {
    fn store_hashed(&self, original: &[u8], kind: &str, hash: &str) -> Option<String> {
        let hash = self.inner.store_hashed(original, kind, hash)?;
        self.known.insert(&hash);
        Some(hash)
    }
}

struct Finish {
    state: Shared,
    method: Method,
    path: String,
    record: Record,
    status: StatusCode,
    start: Instant,
    /// Retrieve calls answered for this request, when the tool was offered.
    retrievals: Option<Arc<AtomicU32>>,
}

impl OnEnd for Finish {
    fn done(self: Box<Self>, end: End, tap: UsageTap) {
        let Finish {
            state,
            method,
            path,
            mut record,
            status,
            start,
            retrievals,
        } = *self;
        record.upstream = tap.usage;
        record.retrievals = retrievals.map_or(0, |n| n.load(Ordering::Relaxed));
        let status_text = match end {
            End::Complete => status.as_str().to_string(),
            End::Dropped => "dropped".to_string(),
            End::Cancelled => "cancelled".to_string(),
        };
        let error = end == End::Dropped || status.is_client_error() || status.is_server_error();
        finish(&state, &method, &path, record, &status_text, start, error);
    }
}

/// Counts, logs and records a finished request.
fn finish(
    st: &State,
    method: &Method,
    path: &str,
    mut record: Record,
    status: &str,
    start: Instant,
    error: bool,
) {
    record.status = status.to_string();
    st.stats.add(&record, error);
    log_line(st, method, path, &record, start);
    if let Some(w) = &st.usage {
        w.record(record);
    }
}

fn log_line(st: &State, method: &Method, path: &str, r: &Record, start: Instant) {
    let total_ms = start.elapsed().as_secs_f64() * 1e3;
    match st.config.log {
        LogFormat::Off => {}
        LogFormat::Text => eprintln!(
            "headroom: {method} {path} {} model={} saved={} tokens overhead={:.2}ms total={:.0}ms{}",
            r.status,
            r.model.as_deref().unwrap_or("-"),
            r.tokens_saved(),
            r.overhead_ms,
            total_ms,
            match r.retrievals {
                0 => String::new(),
                n => format!(" retrievals={n}"),
            },
        ),
        LogFormat::Json => eprintln!(
            "{}",
            json!({
                "time_ms": r.time_ms,
                "method": method.as_str(),
                "path": path,
                "provider": r.provider,
                "model": r.model,
                "status": r.status,
                "tokens_before": r.tokens_before,
                "tokens_after": r.tokens_after,
                "tokens_saved": r.tokens_saved(),
                "kinds": r.kinds,
                "retrievals": r.retrievals,
                "overhead_ms": r.overhead_ms,
                "total_ms": total_ms,
            })
        ),
    }
}
