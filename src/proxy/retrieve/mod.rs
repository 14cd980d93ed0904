//! The `headroom_retrieve` loop: the proxy offers the model a tool that
//! fetches what a marker omitted, answers its calls from the store, and asks
//! the upstream again, so the client gets one answer as if the model had
//! never needed the tool.
//!
//! - [`offer`] decides from the request alone whether the tool is offered
//!   (so every turn of a conversation decides the same way and the cached
//!   prefix stays put) and [`inject`] appends its definition at the end of
//!   the request's `tools`.
//! - [`json`] runs the loop for a JSON response; [`stream`] for an SSE
//!   stream, passing every event through as it arrives except the tool's own
//!   call, which is held, answered, and followed by the continuation stitched
//!   into the same client stream.
//! - One file per wire format ([`anthropic`], [`chat`], [`responses`]) knows
//!   its shapes: the tool definition, the calls in a response, the turn to
//!   append, the stream's events.
//!
//! When the model calls the tool alongside the client's own tools, the
//! client's calls come through as they are and ours is dropped unanswered:
//! the client must answer its calls before the conversation can go on, and
//! the tool stays offered, so the model can call it again next turn.

mod anthropic;
mod chat;
mod responses;
mod sse;

use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::http::HeaderMap;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::ccr::store::{GoneReason, Lookup, OriginalStore};

pub const TOOL: &str = "headroom_retrieve";
/// Re-asks of the upstream per client request.
pub const MAX_ROUNDS: usize = 3;
/// Text longer than this (bytes) is answered a page at a time.
const PAGE_BYTES: usize = 32 * 1024;
const DESCRIPTION: &str = "Return the exact original that a headroom marker omitted ([headroom: …; retrieve: headroom_retrieve hash=…]). With query, only the matching lines, items or functions. Long originals come a page at a time: pass offset to continue.";

/// When the proxy offers the tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Offer {
    /// On every conversation request, from the first turn.
    #[default]
    Always,
    /// From the first request that holds a marker whose hash is stored.
    OnMarker,
    /// Never: markers name `headroom retrieve` instead.
    Never,
}

impl Offer {
    /// `always`, `on-marker` or `never`.
    pub fn parse(s: &str) -> Option<Offer> {
        match s {
            "always" => Some(Offer::Always),
            "on-marker" => Some(Offer::OnMarker),
            "never" => Some(Offer::Never),
            _ => None,
        }
    }
}

/// A request's wire format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    Anthropic,
    Chat,
    Responses,
}

impl Wire {
    /// The format of a conversation route's path.
    pub fn of(path: &str) -> Option<Wire> {
        match path.trim_end_matches('/') {
            "/v1/messages" | "/v1/messages/count_tokens" => Some(Wire::Anthropic),
            "/v1/chat/completions" | "/chat/completions" => Some(Wire::Chat),
            "/v1/responses" | "/responses" => Some(Wire::Responses),
            _ => None,
        }
    }

    /// The tool's definition in this format's `tools` list.
    pub fn definition(self) -> Value {
        let schema = json!({
            "type": "object",
            "properties": {
                "hash": {"type": "string", "description": "the 16 hex digits after hash= in the marker"},
                "query": {"type": "string", "description": "only what matches: names, ids, words"},
                "offset": {"type": "integer", "minimum": 0, "description": "byte offset of the next page"}
            },
            "required": ["hash"]
        });
        match self {
            Wire::Anthropic => {
                json!({"name": TOOL, "description": DESCRIPTION, "input_schema": schema})
            }
            Wire::Chat => json!({"type": "function", "function": {
                "name": TOOL, "description": DESCRIPTION, "parameters": schema}}),
            Wire::Responses => json!({"type": "function", "name": TOOL,
                "description": DESCRIPTION, "parameters": schema, "strict": false}),
        }
    }

    /// [`Wire::definition`] as JSON text, made once.
    fn definition_text(self) -> &'static str {
        static TEXT: [std::sync::OnceLock<String>; 3] = [const { std::sync::OnceLock::new() }; 3];
        TEXT[self as usize].get_or_init(|| self.definition().to_string())
    }
}

/// The body to send with the tool offered (`None`: sent as it is). The
/// decision is a function of the request and the store (a hash once found
/// there counts from then on), so every later turn of a conversation
/// decides the same way and its cached prefix stays put: `always` offers it
/// to requests that declare tools of their own (an agent's) or hold a
/// marker, `on-marker` only to those holding a marker. A marker counts only
/// when its hash is in the store: text that merely looks like one offers
/// nothing. A client with a tool of that name keeps its own.
pub fn prepare(
    policy: Offer,
    wire: Wire,
    body: &str,
    store: Option<&dyn OriginalStore>,
) -> Option<String> {
    prepare_knowing(policy, wire, body, store, &KnownStored::default(), None)
}

/// [`prepare`], told the hashes known to be stored (those this request has
/// just stored, and markers found stored before): a marker of one counts
/// without asking the store again (on Redis, a round trip on the request
/// path saved); and told where the body's message list is (brackets
/// included), when compression parsed it as valid JSON: then only the rest
/// of the body is read, so a conversation of megabytes is not parsed again
/// to find its `tools`.
pub fn prepare_knowing(
    policy: Offer,
    wire: Wire,
    body: &str,
    store: Option<&dyn OriginalStore>,
    known: &KnownStored,
    list: Option<Range<usize>>,
) -> Option<String> {
    let store = store?;
    let raw = top_tools(body, list)?;
    let tools = match raw.clone().map(|r| &body[r]) {
        Some(raw) if raw != "null" => Some(Tools::read(raw)?),
        _ => None,
    };
    if tools.as_ref().is_some_and(|t| t.has(wire, TOOL)) {
        return None;
    }
    // Markers in order until one is known, then until one is stored:
    // usually the first, so a long conversation is neither scanned to its
    // end nor looked up marker by marker.
    let markers = || {
        crate::ccr::MARKER_HASH
            .captures_iter(body)
            .filter_map(|c| c.get(1))
            .map(|h| h.as_str())
    };
    let marked = || {
        if !known.is_empty() && markers().any(|h| known.contains(h)) {
            return true;
        }
        let mut seen: Vec<&str> = Vec::new();
        markers().any(|h| {
            if seen.contains(&h) {
                return false;
            }
            seen.push(h);
            let stored = store.contains(h).unwrap_or(false);
            if stored {
                known.insert(h);
            }
            stored
        })
    };
    let offered = match policy {
        Offer::Never => false,
        Offer::Always => tools.as_ref().is_some_and(|t| !t.items.is_empty()) || marked(),
        Offer::OnMarker => marked(),
    };
    offered.then(|| inject(wire, body, raw))?
}

/// Hashes seen stored, so a marker of one offers the tool without a store
/// lookup on every turn. An original evicted since still counts: the tool,
/// once offered, stays offered on a conversation's later turns anyway.
#[derive(Debug, Default)]
pub struct KnownStored {
    hashes: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl KnownStored {
    /// Hashes held at most; past that the set starts again.
    const MAX: usize = 1 << 14;

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.hashes.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn insert(&self, hash: &str) {
        let mut set = self.lock();
        if set.len() >= Self::MAX {
            set.clear();
        }
        set.insert(hash.to_string());
    }

    pub fn contains(&self, hash: &str) -> bool {
        self.lock().contains(hash)
    }

    fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

/// A request's own `tools`, read for their names only (their schemas are
/// skipped, not built: an agent declares tens of KB of them every turn).
struct Tools<'a> {
    /// One per entry; an entry that is not an object names nothing.
    items: Vec<Named<'a>>,
}

#[derive(serde::Deserialize, Default)]
struct Named<'a> {
    #[serde(borrow, default)]
    name: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    function: Option<NamedFunction<'a>>,
}

#[derive(serde::Deserialize)]
struct NamedFunction<'a> {
    #[serde(borrow, default)]
    name: Option<std::borrow::Cow<'a, str>>,
}

impl<'a> Tools<'a> {
    /// `None` when `raw` is not a JSON array.
    fn read(raw: &'a str) -> Option<Tools<'a>> {
        let items: Vec<&'a RawValue> = serde_json::from_str(raw).ok()?;
        Some(Tools {
            items: items
                .iter()
                .map(|i| serde_json::from_str(i.get()).unwrap_or_default())
                .collect(),
        })
    }

    fn has(&self, wire: Wire, name: &str) -> bool {
        self.items.iter().any(|t| {
            let n = match wire {
                Wire::Chat => t.function.as_ref().and_then(|f| f.name.as_deref()),
                Wire::Anthropic | Wire::Responses => t.name.as_deref(),
            };
            n == Some(name)
        })
    }
}

#[derive(serde::Deserialize)]
struct Top<'a> {
    #[serde(borrow)]
    tools: Option<&'a RawValue>,
}

/// Where the value of `body`'s top-level `tools` is, if it has one; `None`
/// when `body` is not a JSON object. With `list`, the range of a message
/// list known to be valid JSON, the body is read with that list emptied.
fn top_tools(body: &str, list: Option<Range<usize>>) -> Option<Option<Range<usize>>> {
    let bytes = body.as_bytes();
    let list = list.filter(|l| {
        l.end >= l.start + 2
            && bytes.get(l.start) == Some(&b'[')
            && bytes.get(l.end - 1) == Some(&b']')
    });
    let Some(list) = list else {
        let top: Top = serde_json::from_str(body).ok()?;
        return Some(top.tools.map(|raw| offset(body, raw.get())));
    };
    let rest = format!("{}[]{}", &body[..list.start], &body[list.end..]);
    let top: Top = serde_json::from_str(&rest).ok()?;
    Some(top.tools.map(|raw| {
        let at = offset(&rest, raw.get());
        if at.start > list.start {
            let cut = list.len() - 2;
            at.start + cut..at.end + cut
        } else {
            at
        }
    }))
}

/// The range of `part`, a slice of `whole`, in `whole`.
fn offset(whole: &str, part: &str) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

/// `body` with the tool's definition appended to its `tools` (at `raw` in
/// `body`) or a `tools` list added, every other byte unchanged.
fn inject(wire: Wire, body: &str, raw: Option<Range<usize>>) -> Option<String> {
    let def = wire.definition_text();
    match raw.clone().map(|r| (r.clone(), &body[r])) {
        Some((at, list)) if list != "null" => {
            let end = at.end - 1;
            let empty = list[1..list.len() - 1].trim().is_empty();
            let sep = if empty { "" } else { "," };
            Some(format!("{}{sep}{def}{}", &body[..end], &body[end..]))
        }
        _ => {
            // No list (or `null`, which a second `tools` key would contradict).
            if raw.is_some() {
                return None;
            }
            let close = body.trim_end().len().checked_sub(1)?;
            let head = body[..close].trim_end();
            let sep = if head.ends_with('{') { "" } else { "," };
            Some(format!("{head}{sep}\"tools\":[{def}]{}", &body[close..]))
        }
    }
}

/// One call of the tool by the model.
#[derive(Clone, Debug)]
pub struct Call {
    pub id: String,
    pub args: Value,
}

/// What a response asks for: our calls, and whether the client's tools
/// were called too.
#[derive(Debug, Default)]
struct Calls {
    ours: Vec<Call>,
    theirs: bool,
}

/// The tool's answer to `args`, from the store: the original (or its
/// matches for `query`) a page at a time, or why it cannot be had.
pub fn answer(store: &dyn OriginalStore, args: &Value) -> String {
    let raw = args.get("hash").and_then(Value::as_str).unwrap_or("");
    let hash = raw.trim().trim_start_matches("hash=").to_ascii_lowercase();
    if !crate::ccr::is_hash(&hash) {
        return format!(
            "error: invalid hash '{raw}': pass the 16 hex digits after hash= in a headroom marker"
        );
    }
    let query = args
        .get("query")
        .and_then(Value::as_str)
        .filter(|q| !q.trim().is_empty());
    let offset = args.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
    let entry = match store.get(&hash) {
        Ok(Lookup::Found(e)) => e,
        Ok(Lookup::Gone { reason, .. }) => {
            let why = match reason {
                GoneReason::Expired => "expired",
                GoneReason::Evicted => "was evicted from the store",
            };
            return format!("error: the original for {hash} {why}; it cannot be retrieved");
        }
        Ok(Lookup::Missing) => return format!("error: no original is stored under {hash}"),
        Err(e) => return format!("error: the store cannot be read: {e}"),
    };
    let text = String::from_utf8_lossy(&entry.original);
    let (body, summary) = match query {
        None => (text.into_owned(), None),
        Some(q) => {
            let m = crate::retrieve::matching(&entry.kind, &text, q);
            let sep = if m.unit == "functions" { "\n\n" } else { "\n" };
            let summary = format!("{} of {} {} match '{q}'", m.hits.len(), m.total, m.unit);
            (m.hits.join(sep), Some(summary))
        }
    };
    let (page, next) = crate::mcp::page(&body, offset, PAGE_BYTES);
    let mut notes: Vec<String> = summary.into_iter().collect();
    if let Some(n) = next {
        let q = query
            .map(|q| format!(" query={}", json!(q)))
            .unwrap_or_default();
        notes.push(format!(
            "{} of {} bytes; more: headroom_retrieve hash={hash}{q} offset={n}",
            page.len(),
            body.len()
        ));
    }
    if notes.is_empty() {
        page.to_string()
    } else {
        format!("{page}\n[headroom: {}]", notes.join("; "))
    }
}

/// Adds the numbers of usage object `b` into `a`, field by field (nested
/// objects too); what is not a number on both sides takes `b`'s value.
fn add_usage(a: &mut Value, b: &Value) {
    let (Some(a), Some(b)) = (a.as_object_mut(), b.as_object()) else {
        return;
    };
    for (k, bv) in b {
        match (a.get_mut(k), bv) {
            (Some(av), Value::Number(bn)) if av.is_number() => {
                if let (Some(x), Some(y)) = (av.as_u64(), bn.as_u64()) {
                    *av = json!(x + y);
                }
            }
            (Some(av), Value::Object(_)) if av.is_object() => add_usage(av, bv),
            (_, Value::Null) => {}
            _ => {
                a.insert(k.clone(), bv.clone());
            }
        }
    }
}

/// What the upstream is asked again with.
#[derive(Clone)]
pub struct Upstream {
    pub client: reqwest::Client,
    pub url: String,
    pub headers: HeaderMap,
    /// The body last sent.
    pub body: Bytes,
    pub store: Arc<dyn OriginalStore + Send + Sync>,
    /// Calls answered, for the request's usage record.
    pub retrievals: Arc<AtomicU32>,
}

impl Upstream {
    async fn answer_all(&self, calls: &[Call]) -> Vec<(Call, String)> {
        let store = Arc::clone(&self.store);
        let calls = calls.to_vec();
        let n = calls.len() as u32;
        let answered = tokio::task::spawn_blocking(move || {
            calls
                .into_iter()
                .map(|c| {
                    let a = answer(&*store, &c.args);
                    (c, a)
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        self.retrievals.fetch_add(n, Ordering::Relaxed);
        answered
    }

    /// Sends the body with `append` applied to it; `None` when the body is
    /// not JSON or the upstream cannot be reached or says no.
    async fn again(&mut self, append: impl FnOnce(&mut Value)) -> Option<reqwest::Response> {
        let mut v: Value = serde_json::from_slice(&self.body).ok()?;
        append(&mut v);
        self.body = Bytes::from(serde_json::to_vec(&v).ok()?);
        let resp = self
            .client
            .post(&self.url)
            .headers(self.headers.clone())
            .body(self.body.clone())
            .send()
            .await
            .ok()?;
        resp.status().is_success().then_some(resp)
    }
}

pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// A JSON response, after as many rounds as the model needed: the client's
/// body in one piece. An upstream that fails on a later round gets the last
/// answer with our calls taken out.
pub async fn json(wire: Wire, mut up: Upstream, first: reqwest::Response) -> ByteStream {
    let once = |b: Bytes| -> ByteStream { Box::pin(futures_util::stream::once(async { Ok(b) })) };
    let bytes = match first.bytes().await {
        Ok(b) => b,
        Err(e) => {
            return Box::pin(futures_util::stream::once(async move {
                Err(std::io::Error::other(e))
            }));
        }
    };
    let Ok(mut resp) = serde_json::from_slice::<Value>(&bytes) else {
        return once(bytes);
    };
    let first_calls = calls(wire, &resp);
    if first_calls.ours.is_empty() {
        return once(bytes);
    }
    let mut merged: Option<Value> = None;
    let mut rounds = 0;
    loop {
        let found = calls(wire, &resp);
        if found.ours.is_empty() || found.theirs || rounds == MAX_ROUNDS {
            strip(wire, &mut resp);
            break;
        }
        let answers = up.answer_all(&found.ours).await;
        let turn = resp.clone();
        let Some(next) = up.again(|body| append(wire, body, &turn, &answers)).await else {
            strip(wire, &mut resp);
            break;
        };
        rounds += 1;
        let done = resp;
        merged = Some(match merged {
            None => done,
            Some(mut m) => {
                merge(wire, &mut m, done);
                m
            }
        });
        let next = next.bytes().await.ok();
        let Some(v) = next.and_then(|b| serde_json::from_slice::<Value>(&b).ok()) else {
            resp = merged.take().unwrap_or_default();
            strip(wire, &mut resp);
            break;
        };
        resp = v;
    }
    if let Some(mut m) = merged {
        merge(wire, &mut m, resp);
        resp = m;
    }
    once(Bytes::from(serde_json::to_vec(&resp).unwrap_or_default()))
}

fn calls(wire: Wire, resp: &Value) -> Calls {
    match wire {
        Wire::Anthropic => anthropic::calls(resp),
        Wire::Chat => chat::calls(resp),
        Wire::Responses => responses::calls(resp),
    }
}

/// Takes our calls out of a response the client gets.
fn strip(wire: Wire, resp: &mut Value) {
    match wire {
        Wire::Anthropic => anthropic::strip(resp),
        Wire::Chat => chat::strip(resp),
        Wire::Responses => responses::strip(resp),
    }
}

/// Appends the model's turn (`resp`) and the answers to the request body.
fn append(wire: Wire, body: &mut Value, resp: &Value, answers: &[(Call, String)]) {
    match wire {
        Wire::Anthropic => anthropic::append(body, resp.get("content"), answers),
        Wire::Chat => chat::append(body, resp.pointer("/choices/0/message"), answers),
        Wire::Responses => responses::append(body, resp.get("output"), answers),
    }
}

/// Folds the next round's response into the earlier ones': one id, the
/// content of every round but our calls, usage summed.
fn merge(wire: Wire, acc: &mut Value, mut next: Value) {
    strip(wire, acc);
    let content: fn(&mut Value) -> Option<&mut Value> = match wire {
        Wire::Anthropic => |v| v.get_mut("content"),
        Wire::Chat => |v| v.pointer_mut("/choices/0/message"),
        Wire::Responses => |v| v.get_mut("output"),
    };
    let earlier = content(acc).map(Value::take);
    if let (Some(earlier), Some(later)) = (earlier, content(&mut next)) {
        match wire {
            Wire::Chat => chat::prepend(later, &earlier),
            Wire::Anthropic | Wire::Responses => {
                if let (Some(e), Some(l)) = (earlier.as_array(), later.as_array_mut()) {
                    l.splice(0..0, e.iter().cloned());
                }
            }
        }
    }
    if let Some(u) = acc.get("usage").cloned() {
        let mut total = u;
        add_usage(&mut total, next.get("usage").unwrap_or(&Value::Null));
        next["usage"] = total;
    }
    if let Some(id) = acc.get("id").cloned() {
        next["id"] = id;
    }
    *acc = next;
}

/// A stream's per-format bookkeeping.
trait Stitch: Send {
    /// One upstream event; what the client gets now goes to `out`.
    fn event(&mut self, ev: &sse::Event, out: &mut Vec<Bytes>);
    /// The upstream's message ended. With `more` (rounds left), returns our
    /// calls when the model called only our tool, to be answered and
    /// continued; otherwise writes the held end of the message to `out`.
    fn end(&mut self, more: bool, out: &mut Vec<Bytes>) -> Option<Vec<Call>>;
    /// Appends this round's assistant turn and the answers to the body.
    fn append(&mut self, body: &mut Value, answers: &[(Call, String)]);
}

/// An SSE response: events pass to the client as they arrive but for our
/// calls, which are answered when the upstream's message ends; then the
/// upstream is asked again (streaming) and its continuation joins the same
/// client stream. An upstream failure on a later round ends the client's
/// stream as a drop, so its own retry logic takes over.
pub fn stream(wire: Wire, mut up: Upstream, first: reqwest::Response) -> ByteStream {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    tokio::spawn(async move {
        let mut stitch: Box<dyn Stitch> = match wire {
            Wire::Anthropic => Box::new(anthropic::Stream::default()),
            Wire::Chat => Box::new(chat::Stream::default()),
            Wire::Responses => Box::new(responses::Stream::default()),
        };
        let mut resp = first;
        let mut rounds = 0;
        let mut out = Vec::new();
        loop {
            let mut parser = sse::Parser::default();
            let mut body = resp.bytes_stream();
            while let Some(chunk) = body.next().await {
                let chunk = match chunk {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tx.send(Err(std::io::Error::other(e))).await;
                        return;
                    }
                };
                for ev in parser.feed(&chunk) {
                    stitch.event(&ev, &mut out);
                }
                for b in out.drain(..) {
                    if tx.send(Ok(b)).await.is_err() {
                        return;
                    }
                }
            }
            if let Some(ev) = parser.finish() {
                stitch.event(&ev, &mut out);
            }
            let calls = stitch.end(rounds < MAX_ROUNDS, &mut out);
            for b in out.drain(..) {
                if tx.send(Ok(b)).await.is_err() {
                    return;
                }
            }
            let Some(calls) = calls else { return };
            let answers = up.answer_all(&calls).await;
            let next = tokio::select! {
                r = up.again(|body| stitch.append(body, &answers)) => r,
                _ = tx.closed() => return,
            };
            let Some(next) = next else {
                let _ = tx
                    .send(Err(std::io::Error::other(
                        "headroom: the upstream failed while continuing after a retrieval",
                    )))
                    .await;
                return;
            };
            resp = next;
            rounds += 1;
        }
    });
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty store, and the directory it lives in.
    fn empty_store() -> (crate::ccr::store::SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::ccr::store::SqliteStore::open(
            &dir.path().join("h.db"),
            crate::ccr::store::StoreOptions::default(),
        )
        .unwrap();
        (store, dir)
    }

    /// A store holding one original, and its hash.
    fn store_with_one() -> (crate::ccr::store::SqliteStore, String, tempfile::TempDir) {
        let (store, dir) = empty_store();
        let hash = store.put(b"line one\nthe fact: 4242\n", "text").unwrap();
        (store, hash, dir)
    }

    /// A chat request whose one tool result is a marker of `hash`.
    fn marked_body(hash: &str) -> String {
        format!(
            r#"{{"model":"m","messages":[{{"role":"tool","content":"[headroom: 9 lines omitted; retrieve: headroom_retrieve hash={hash}]"}}]}}"#
        )
    }

    #[test]
    fn offered_by_policy_appended_to_tools_every_other_byte_kept() {
        let (store, hash, _dir) = store_with_one();
        let store = Some(&store as &dyn OriginalStore);
        let with_tools = r#"{"model":"m", "tools": [ {"name":"Bash"} ] ,"messages":[]}"#;
        let out = prepare(Offer::Always, Wire::Anthropic, with_tools, store).unwrap();
        let def = Wire::Anthropic.definition().to_string();
        assert_eq!(
            out,
            format!(r#"{{"model":"m", "tools": [ {{"name":"Bash"}} ,{def}] ,"messages":[]}}"#)
        );
        // Already there (the next turn, or the client's own): left alone.
        assert!(prepare(Offer::Always, Wire::Anthropic, &out, store).is_none());
        assert!(prepare(Offer::OnMarker, Wire::Anthropic, with_tools, store).is_none());
        assert!(prepare(Offer::Never, Wire::Anthropic, with_tools, store).is_none());
        assert!(prepare(Offer::Always, Wire::Anthropic, with_tools, None).is_none());
        // A plain chat without tools or markers stays byte for byte.
        let plain = r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#;
        assert!(prepare(Offer::Always, Wire::Chat, plain, store).is_none());
        // A stored marker offers it; one that only looks like a marker does not.
        let marked = |h: &str| {
            format!(
                r#"{{"model":"m","messages":[{{"role":"tool","content":"[headroom: 9 lines omitted; retrieve: headroom_retrieve hash={h}]"}}]}}  "#
            )
        };
        let out = prepare(Offer::OnMarker, Wire::Chat, &marked(&hash), store).unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["tools"][0]["function"]["name"], TOOL);
        assert!(out.starts_with(&marked(&hash)[..marked(&hash).trim_end().len() - 1]));
        assert!(
            prepare(
                Offer::OnMarker,
                Wire::Chat,
                &marked("0123456789abcdef"),
                store
            )
            .is_none()
        );
        let empty = r#"{"tools":[ ],"input":"x"}"#;
        assert!(prepare(Offer::Always, Wire::Responses, empty, store).is_none());
        let empty = format!(
            r#"{{"tools":[ ],"input":"{}"}}"#,
            "retrieve: headroom retrieve ".to_string() + &hash
        );
        let v: Value =
            serde_json::from_str(&prepare(Offer::Always, Wire::Responses, &empty, store).unwrap())
                .unwrap();
        assert_eq!(v["tools"][0]["name"], TOOL);
        assert!(prepare(Offer::Always, Wire::Chat, "[1]", store).is_none());
    }

    /// Told where the message list is, the decision and the body are the
    /// same as from reading the whole body, `tools` before or after it.
    #[test]
    fn a_known_list_decides_as_the_whole_body() {
        let (store, hash, _dir) = store_with_one();
        let store = Some(&store as &dyn OriginalStore);
        let marker =
            format!("[headroom: 9 lines omitted; retrieve: headroom_retrieve hash={hash}]");
        let list = format!(
            r#"[ {{"role":"user","content":"tools: [1]"}},{{"role":"tool","content":"{marker}"}} ]"#
        );
        let bodies = [
            format!(r#"{{"model":"m","tools":[{{"name":"Bash"}}],"messages":{list}}}"#),
            format!(r#"{{"model":"m","messages":{list},"tools": [ ] ,"x":1}}"#),
            format!(r#"{{"messages":{list}, "tools":null}}"#),
            format!(r#"{{"messages":{list}}}"#),
            format!(r#"{{"messages":{list},"tools":[{{"name":"{TOOL}"}}]}}"#),
            format!(r#"{{"messages":{list},"tools":{{}}}}"#),
            format!(r#"{{"messages":{list},"messages":[]}}"#),
        ];
        for body in &bodies {
            let start = body.find("[ {").unwrap();
            let at = start..start + list.len();
            for policy in [Offer::Always, Offer::OnMarker, Offer::Never] {
                for wire in [Wire::Anthropic, Wire::Chat] {
                    let whole = prepare(policy, wire, body, store);
                    let told = prepare_knowing(
                        policy,
                        wire,
                        body,
                        store,
                        &KnownStored::default(),
                        Some(at.clone()),
                    );
                    assert_eq!(told, whole, "{body}");
                }
            }
        }
        assert!(prepare(Offer::Always, Wire::Chat, &bodies[1], store).is_some());
    }

    #[test]
    fn tools_are_read_for_their_names_in_each_wire() {
        let raw = r#"[{"type":"function","function":{"name":"headroom_retrieve","parameters":{"type":"object"}}},
            {"name":"headroom\u005fretrieve","input_schema":{"properties":{"name":{"type":"string"}}}},
            "not an object", 7, {"function":null}]"#;
        let tools = Tools::read(raw).unwrap();
        assert_eq!(tools.items.len(), 5);
        // An escaped name is the same name; a schema's own "name" is not one.
        assert!(tools.has(Wire::Chat, TOOL) && tools.has(Wire::Anthropic, TOOL));
        let theirs =
            Tools::read(r#"[{"name":"Bash","input_schema":{"name":"headroom_retrieve"}}]"#)
                .unwrap();
        assert!(!theirs.has(Wire::Anthropic, TOOL) && !theirs.has(Wire::Responses, TOOL));
        assert!(theirs.has(Wire::Responses, "Bash") && !theirs.has(Wire::Chat, "Bash"));
        assert!(Tools::read(r#"{"name":"x"}"#).is_none());
        assert!(Tools::read("[]").unwrap().items.is_empty());
    }

    #[test]
    fn a_marker_found_stored_is_known_from_then_on() {
        let (store, hash, _dir) = store_with_one();
        let body = marked_body(&hash);
        let known = KnownStored::default();
        let store = Some(&store as &dyn OriginalStore);
        assert!(prepare_knowing(Offer::OnMarker, Wire::Chat, &body, store, &known, None).is_some());
        assert!(known.contains(&hash));
        // Known, it offers the tool whatever the store now says.
        let (empty, _empty_dir) = empty_store();
        let empty = Some(&empty as &dyn OriginalStore);
        assert!(prepare_knowing(Offer::OnMarker, Wire::Chat, &body, empty, &known, None).is_some());
        assert!(prepare(Offer::OnMarker, Wire::Chat, &body, empty).is_none());
    }

    #[test]
    fn a_marker_this_request_stored_offers_the_tool_without_a_lookup() {
        // A store that has never seen the hash: only being told counts.
        let (store, _dir) = empty_store();
        let store = Some(&store as &dyn OriginalStore);
        let h = "0123456789abcdef".to_string();
        let body = marked_body(&h);
        assert!(prepare(Offer::OnMarker, Wire::Chat, &body, store).is_none());
        let known = KnownStored::default();
        known.insert(&h);
        let out = prepare_knowing(Offer::OnMarker, Wire::Chat, &body, store, &known, None).unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["tools"][0]["function"]["name"], TOOL);
        // Told of another hash, the marker is looked up as before.
        let other = KnownStored::default();
        other.insert("fedcba9876543210");
        assert!(prepare_knowing(Offer::OnMarker, Wire::Chat, &body, store, &other, None).is_none());
        assert!(prepare_knowing(Offer::Never, Wire::Chat, &body, store, &other, None).is_none());
    }

    #[test]
    fn answers_page_and_filter_from_the_store() {
        let (store, hash, _dir) = store_with_one();
        let a = answer(&store, &json!({"hash": hash}));
        assert_eq!(a, "line one\nthe fact: 4242\n");
        let a = answer(
            &store,
            &json!({"hash": format!("hash={hash}"), "query": "4242"}),
        );
        assert_eq!(a, "2:the fact: 4242\n[headroom: 1 of 2 lines match '4242']");
        assert!(answer(&store, &json!({"hash": "zz"})).starts_with("error: invalid hash"));
        assert!(
            answer(&store, &json!({"hash": "0123456789abcdef"})).starts_with("error: no original")
        );
    }

    #[test]
    fn mixed_with_the_clients_calls_ours_is_dropped_and_theirs_come_through() {
        let ours_a = json!({"type": "tool_use", "id": "t1", "name": TOOL, "input": {"hash": "x"}});
        let bash = json!({"type": "tool_use", "id": "t2", "name": "Bash", "input": {}});
        let mut a = json!({"content": [{"type": "text", "text": "hm"}, ours_a, bash], "stop_reason": "tool_use"});
        let c = calls(Wire::Anthropic, &a);
        assert_eq!((c.ours.len(), c.theirs), (1, true));
        strip(Wire::Anthropic, &mut a);
        assert_eq!(a["content"].as_array().unwrap().len(), 2);
        assert_eq!(a["stop_reason"], "tool_use");
        let mut alone = json!({"content": [ours_a], "stop_reason": "tool_use"});
        strip(Wire::Anthropic, &mut alone);
        assert_eq!(alone, json!({"content": [], "stop_reason": "end_turn"}));

        let call = |id: &str, name: &str| json!({"id": id, "type": "function", "function": {"name": name, "arguments": "{}"}});
        let mut chat = json!({"choices": [{"message": {"role": "assistant", "content": null,
            "tool_calls": [call("c1", TOOL), call("c2", "shell")]}, "finish_reason": "tool_calls"}]});
        assert!(calls(Wire::Chat, &chat).theirs);
        strip(Wire::Chat, &mut chat);
        assert_eq!(
            chat["choices"][0]["message"]["tool_calls"],
            json!([call("c2", "shell")])
        );
        assert_eq!(chat["choices"][0]["finish_reason"], "tool_calls");

        let item = |name: &str| json!({"type": "function_call", "call_id": name, "name": name, "arguments": "{}"});
        let mut resp = json!({"output": [item(TOOL), item("exec_command")]});
        assert!(calls(Wire::Responses, &resp).theirs);
        strip(Wire::Responses, &mut resp);
        assert_eq!(resp["output"], json!([item("exec_command")]));
    }

    #[test]
    fn rounds_merge_into_one_response() {
        let first = json!({"id": "msg_1", "content": [{"type": "text", "text": "Let me look. "},
            {"type": "tool_use", "id": "t1", "name": TOOL, "input": {}}],
            "usage": {"input_tokens": 100, "output_tokens": 5}});
        let mut acc = first;
        merge(
            Wire::Anthropic,
            &mut acc,
            json!({"id": "msg_2", "content": [{"type": "text", "text": "Found it."}],
            "stop_reason": "end_turn", "usage": {"input_tokens": 150, "output_tokens": 3}}),
        );
        assert_eq!(
            acc,
            json!({"id": "msg_1", "content": [{"type": "text", "text": "Let me look. "},
            {"type": "text", "text": "Found it."}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 250, "output_tokens": 8}})
        );
    }

    fn feed(s: &mut dyn Stitch, events: &[Value]) -> Vec<Value> {
        let mut out = Vec::new();
        let mut p = sse::Parser::default();
        for e in events {
            let text = match (e.as_str(), e["type"].as_str()) {
                (Some(raw), _) => format!("data: {raw}\n\n"),
                (None, Some(t)) => format!("event: {t}\ndata: {e}\n\n"),
                (None, None) => format!("data: {e}\n\n"),
            };
            for ev in p.feed(text.as_bytes()) {
                s.event(&ev, &mut out);
            }
        }
        assert!(
            s.end(true, &mut out).is_none(),
            "the client's calls end the message"
        );
        let mut p = sse::Parser::default();
        out.iter()
            .flat_map(|b| p.feed(b))
            .map(|e| serde_json::from_str(&e.data).unwrap_or(json!(e.data)))
            .collect()
    }

    #[test]
    fn a_stream_with_both_calls_passes_the_clients_renumbered() {
        let mut a = anthropic::Stream::default();
        let got = feed(
            &mut a,
            &[
                json!({"type": "message_start", "message": {"id": "m", "usage": {"input_tokens": 9}}}),
                json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "t1", "name": TOOL, "input": {}}}),
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{}"}}),
                json!({"type": "content_block_stop", "index": 0}),
                json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "t2", "name": "Bash", "input": {}}}),
                json!({"type": "content_block_stop", "index": 1}),
                json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 4}}),
                json!({"type": "message_stop"}),
            ],
        );
        let types: Vec<&str> = got.iter().map(|v| v["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            [
                "message_start",
                "content_block_start",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        assert_eq!(
            (&got[1]["index"], &got[1]["content_block"]["name"]),
            (&json!(0), &json!("Bash"))
        );
        assert_eq!(got[3]["delta"]["stop_reason"], "tool_use");

        let mut c = chat::Stream::default();
        let chunk = |delta: Value, finish: Value| json!({"id": "x", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        let tc = |i: u64, name: &str| json!({"tool_calls": [{"index": i, "id": format!("c{i}"), "type": "function", "function": {"name": name, "arguments": "{}"}}]});
        let got = feed(
            &mut c,
            &[
                chunk(tc(0, TOOL), Value::Null),
                chunk(tc(1, "shell"), Value::Null),
                chunk(json!({}), json!("tool_calls")),
                json!("[DONE]"),
            ],
        );
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0]["choices"][0]["delta"]["tool_calls"][0]["index"], 0);
        assert_eq!(
            got[0]["choices"][0]["delta"]["tool_calls"][0]["function"]["name"],
            "shell"
        );
        assert_eq!(
            got[1]["choices"][0]["finish_reason"], "tool_calls",
            "{got:?}"
        );
        assert_eq!(got[2], json!("[DONE]"));
    }

    #[test]
    fn usage_adds_up_field_by_field() {
        let mut a =
            json!({"input_tokens": 10, "output_tokens": 2, "details": {"cached": 1}, "tier": "x"});
        add_usage(
            &mut a,
            &json!({"input_tokens": 5, "output_tokens": 3, "details": {"cached": 4}, "extra": 1, "tier": null}),
        );
        assert_eq!(
            a,
            json!({"input_tokens": 15, "output_tokens": 5, "details": {"cached": 5}, "tier": "x", "extra": 1})
        );
    }
}
