//! The three tools: `headroom_retrieve`, `headroom_compress`, `headroom_stats`.
//!
//! Problems with a call's arguments or the store are tool errors
//! (`isError: true`, with what went wrong and how to recover) so the model
//! can act on them; only an unknown tool or malformed `params` is a
//! protocol error.

use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::jsonrpc;
use crate::ccr::store::{GoneReason, Lookup, OriginalStore, StoreOptions};
use crate::ccr::{RetrieveVia, Sink, StoreLocation, is_hash};
use crate::compress::Context;
use crate::config::Config;
use crate::pipeline::{self, Kind};
use crate::relevance::Query;
use crate::tokens::{self, Encoding};
use crate::usage::{self, Record, Source};

/// Text longer than this (bytes) is returned a page at a time unless the call asks for more.
pub const DEFAULT_PAGE_BYTES: usize = 32 * 1024;

/// The tool definitions, in a fixed order (they are part of every request's cached prefix).
static DEFINITIONS: LazyLock<Value> = LazyLock::new(|| {
    let kinds: Vec<&str> = std::iter::once("auto")
        .chain(Kind::ALL.iter().map(|k| k.name()))
        .collect();
    json!([
        {
            "name": "headroom_retrieve",
            "title": "Retrieve original",
            "description": "Return the exact original a headroom marker omitted (hash=…), or with query only the matching lines, items or functions. Long results are paged: pass offset to continue.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "hash": {"type": "string", "description": "16 hex digits from the marker"},
                    "query": {"type": "string", "description": "only what matches: names, ids, words"},
                    "offset": {"type": "integer", "minimum": 0, "description": "byte offset of the page"},
                    "limit": {"type": "integer", "minimum": 1, "description": "page size in bytes (default 32768)"}
                },
                "required": ["hash"]
            },
            "annotations": {"readOnlyHint": true, "openWorldHint": false}
        },
        {
            "name": "headroom_compress",
            "title": "Compress text",
            "description": "Compress tool output (JSON, logs, search hits, diffs, code, HTML, text) losslessly first; anything omitted is stored and its marker names the hash to retrieve.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "content": {"type": "string"},
                    "kind": {"type": "string", "enum": kinds},
                    "query": {"type": "string", "description": "what matters; matches are kept whole"}
                },
                "required": ["content"]
            },
            "annotations": {"readOnlyHint": false, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false}
        },
        {
            "name": "headroom_stats",
            "title": "Savings",
            "description": "Tokens saved by headroom in this session, and what the store holds.",
            "inputSchema": {"type": "object", "additionalProperties": false},
            "annotations": {"readOnlyHint": true, "openWorldHint": false}
        }
    ])
});

/// What this server has done since it started.
#[derive(Debug, Default, Clone, Copy)]
struct Session {
    compressions: u64,
    tokens_before: u64,
    tokens_after: u64,
    retrievals: u64,
    bytes_retrieved: u64,
}

/// What the tools need to know: where the store is and how to count.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The store of originals and usage records; `None` keeps compression
    /// lossless and leaves nothing to retrieve.
    pub store: Option<StoreLocation>,
    pub store_options: StoreOptions,
    /// The model whose tokenizer counts savings.
    pub model: String,
    pub lossy_min_tokens: usize,
    /// The project (working directory) usage records name, when known.
    pub project: Option<String>,
}

impl From<&Config> for Settings {
    fn from(config: &Config) -> Self {
        Settings {
            store: config.store(),
            store_options: StoreOptions::from(config),
            model: config.model.clone(),
            lossy_min_tokens: config.lossy_min_tokens,
            project: None,
        }
    }
}

pub struct Tools {
    settings: Settings,
    encoding: Encoding,
    exact: bool,
    /// Opened on first use, so a server that only answers `initialize`
    /// never touches the disk; `Err` keeps why it could not be.
    store: OnceLock<Result<Arc<dyn OriginalStore>, String>>,
    /// Started on the first tool call.
    usage: OnceLock<Option<usage::Writer>>,
    session: Mutex<Session>,
}

type CallResult = Result<Value, (i64, String)>;

impl Tools {
    pub fn new(settings: Settings) -> Tools {
        let (encoding, exact) = Encoding::for_model(&settings.model);
        Tools {
            settings,
            encoding,
            exact,
            store: OnceLock::new(),
            usage: OnceLock::new(),
            session: Mutex::new(Session::default()),
        }
    }

    pub fn list(&self, modern: bool) -> Value {
        let mut result = json!({"tools": *DEFINITIONS});
        if modern {
            result["ttlMs"] = 3_600_000.into();
            result["cacheScope"] = "public".into();
        }
        result
    }

    pub fn call(&self, params: &Value) -> CallResult {
        let name = params.get("name").and_then(Value::as_str).ok_or((
            jsonrpc::INVALID_PARAMS,
            "tools/call needs params.name, the tool to call".to_string(),
        ))?;
        let args = match params.get("arguments") {
            None | Some(Value::Null) => &Value::Object(Default::default()),
            Some(a @ Value::Object(_)) => a,
            Some(_) => {
                return Err((
                    jsonrpc::INVALID_PARAMS,
                    "params.arguments must be an object".into(),
                ));
            }
        };
        let started = Instant::now();
        let mut record = Record::new(usage::now_ms(), Source::Mcp);
        record.project = self.settings.project.clone();
        let outcome = match name {
            "headroom_retrieve" => {
                record.retrievals = 1;
                self.retrieve(args)
            }
            "headroom_compress" => self.compress(args, &mut record),
            "headroom_stats" => Ok(vec![self.stats()]),
            _ => return Err((jsonrpc::INVALID_PARAMS, format!("unknown tool: {name}"))),
        };
        if name != "headroom_stats" {
            record.status = if outcome.is_ok() { "ok" } else { "error" }.into();
            record.overhead_ms = started.elapsed().as_secs_f64() * 1e3;
            if let Some(writer) = self.usage() {
                writer.record(record);
            }
        }
        Ok(match outcome {
            Ok(texts) => json!({
                "content": texts.into_iter().map(|t| json!({"type": "text", "text": t})).collect::<Vec<_>>(),
                "isError": false,
            }),
            Err(message) => {
                json!({"content": [{"type": "text", "text": message}], "isError": true})
            }
        })
    }

    fn store(&self) -> Result<&dyn OriginalStore, String> {
        self.store
            .get_or_init(|| {
                let loc = self.settings.store.as_ref().ok_or_else(|| {
                    "there is no store: no home directory and no HEADROOM_HOME; set HEADROOM_HOME"
                        .to_string()
                })?;
                crate::ccr::open(loc, self.settings.store_options)
                    .map(|(store, _)| store)
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map(|s| &**s)
            .map_err(Clone::clone)
    }

    /// The usage writer, in the store's file; `None` without a store.
    fn usage(&self) -> Option<&usage::Writer> {
        self.usage
            .get_or_init(|| self.settings.store.clone().map(usage::Writer::start))
            .as_ref()
    }

    fn retrieve(&self, args: &Value) -> Result<Vec<String>, String> {
        let raw = string_arg(args, "hash")?
            .ok_or("headroom_retrieve needs hash: the 16 hex digits a marker names")?;
        let hash = raw.trim().trim_start_matches("hash=").to_ascii_lowercase();
        if !is_hash(&hash) {
            return Err(format!(
                "invalid hash '{raw}': expected the 16 hex digits after hash= in a headroom marker"
            ));
        }
        let query = string_arg(args, "query")?.filter(|q| !q.trim().is_empty());
        let offset = usize_arg(args, "offset")?.unwrap_or(0);
        let limit = usize_arg(args, "limit")?
            .unwrap_or(DEFAULT_PAGE_BYTES)
            .max(1);
        let entry = match self.store()?.get(&hash).map_err(|e| e.to_string())? {
            Lookup::Found(e) => e,
            Lookup::Gone { reason, .. } => {
                let why = match reason {
                    GoneReason::Expired => {
                        "expired (HEADROOM_TTL sets how long originals are kept)"
                    }
                    GoneReason::Evicted => {
                        "was evicted to keep the store under its size cap (HEADROOM_MAX_STORE_MB)"
                    }
                };
                return Err(format!(
                    "the original for {hash} {why}; re-run the command that produced it, or compress its output again"
                ));
            }
            Lookup::Missing => {
                return Err(format!(
                    "no original stored under {hash}: it was never stored in {} (another machine or HEADROOM_HOME?); re-run the command that produced the marker",
                    self.store()?.location()
                ));
            }
        };
        let (body, note) = match query {
            None => (into_text(entry.original), None),
            Some(q) => {
                let text = String::from_utf8_lossy(&entry.original);
                let m = crate::retrieve::matching(&entry.kind, &text, q);
                let summary = match m.unit {
                    "functions" => format!("{} functions match '{q}'", m.hits.len()),
                    unit => format!("{} of {} {unit} match '{q}'", m.hits.len(), m.total),
                };
                let sep = if m.unit == "functions" { "\n\n" } else { "\n" };
                (m.hits.join(sep), Some(summary))
            }
        };
        let out = paged(body, &hash, query, offset, limit, note);
        let mut s = self.session.lock().unwrap_or_else(|e| e.into_inner());
        s.retrievals += 1;
        s.bytes_retrieved += out[0].len() as u64;
        Ok(out)
    }

    fn compress(&self, args: &Value, record: &mut Record) -> Result<Vec<String>, String> {
        let content = string_arg(args, "content")?
            .ok_or("headroom_compress needs content: the text to compress")?;
        let kind = match string_arg(args, "kind")? {
            None | Some("auto") => None,
            Some(k) => Some(k.parse::<Kind>().map_err(|_| {
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown kind '{k}': expected auto or one of {}",
                    names.join(", ")
                )
            })?),
        };
        let encoding = self.encoding;
        let cost = move |s: &str| tokens::count(s, encoding);
        let sink = StoreSink(self);
        let ctx = Context {
            query: string_arg(args, "query")?
                .map(Query::parse)
                .unwrap_or_default(),
            lossless: false,
            valid_json: false,
            sink: Some(&sink),
            via: RetrieveVia::Tool,
            cost: &cost,
            lossy_min_tokens: self.settings.lossy_min_tokens,
        };
        let o = pipeline::run(content.as_bytes(), kind, &ctx);
        record.tokens_before = o.tokens_before as u64;
        record.tokens_after = o.tokens_after as u64;
        record.estimated = !self.exact;
        record.kinds = o.kind.map(|k| k.name().to_string()).into_iter().collect();
        let est = if self.exact { "" } else { " (estimated)" };
        let kind = o.kind.map_or("-", |k| k.name());
        let mut summary = format!(
            "{kind}, {} → {} tokens{est}, {:.1}% saved",
            o.tokens_before,
            o.tokens_after,
            o.saved_pct()
        );
        if let Some(why) = o.passthrough {
            summary.push_str(&format!(", unchanged ({why})"));
        }
        {
            let mut s = self.session.lock().unwrap_or_else(|e| e.into_inner());
            s.compressions += 1;
            s.tokens_before += o.tokens_before as u64;
            s.tokens_after += o.tokens_after as u64;
        }
        let output = into_text(o.output);
        if output.len() <= DEFAULT_PAGE_BYTES {
            return Ok(vec![output, format!("[headroom: {summary}]")]);
        }
        // A large result is kept whole in the store and handed out a page
        // at a time, as retrieve does; without a store it comes whole.
        match sink.store(output.as_bytes(), "text") {
            Some(hash) => Ok(paged(
                output,
                &hash,
                None,
                0,
                DEFAULT_PAGE_BYTES,
                Some(summary),
            )),
            None => Ok(vec![output, format!("[headroom: {summary}]")]),
        }
    }

    fn stats(&self) -> String {
        let s = *self.session.lock().unwrap_or_else(|e| e.into_inner());
        let est = if self.exact { "" } else { " (estimated)" };
        let mut out = format!(
            "session: {} compressions, {}{est}; {} retrievals, {} bytes returned",
            s.compressions,
            savings(s.tokens_before, s.tokens_after),
            s.retrievals,
            s.bytes_retrieved
        );
        out.push_str("\ntoday: ");
        out.push_str(&self.today().unwrap_or_else(|e| format!("unavailable: {e}")));
        let store = match self.store().and_then(|st| {
            Ok((
                st.list(usize::MAX).map_err(|e| e.to_string())?,
                st.location(),
            ))
        }) {
            Ok((entries, path)) => {
                let bytes: u64 = entries.iter().map(|e| e.size).sum();
                format!("{} originals, {} bytes, in {}", entries.len(), bytes, path)
            }
            Err(e) => format!("unavailable: {e}"),
        };
        out.push_str("\nstore: ");
        out.push_str(&store);
        out
    }

    /// Today's usage records (since local midnight) from every front end,
    /// this session's included, summed.
    fn today(&self) -> Result<String, String> {
        let path = self
            .settings
            .store
            .as_ref()
            .ok_or("there is no store: set HEADROOM_HOME")?;
        if let Some(writer) = self.usage() {
            writer.flush(Duration::from_secs(2));
        }
        let now = jiff::Zoned::now();
        let midnight = now
            .start_of_day()
            .map_err(|e| e.to_string())?
            .timestamp()
            .as_millisecond();
        let records = usage::read(path.clone(), midnight, now.timestamp().as_millisecond() + 1)
            .map_err(|e| e.to_string())?;
        let mut by_source: Vec<(&str, usize)> = Vec::new();
        let (mut before, mut after, mut retrievals, mut estimated) = (0, 0, 0, false);
        for r in &records {
            match by_source.iter_mut().find(|(s, _)| *s == r.source.as_str()) {
                Some((_, n)) => *n += 1,
                None => by_source.push((r.source.as_str(), 1)),
            }
            before += r.tokens_before;
            after += r.tokens_after;
            retrievals += u64::from(r.retrievals);
            estimated |= r.estimated;
        }
        by_source.sort();
        let sources: Vec<String> = by_source.iter().map(|(s, n)| format!("{s} {n}")).collect();
        let est = if estimated { " (some estimated)" } else { "" };
        Ok(format!(
            "{} records ({}), {}{est}; {retrievals} retrievals",
            records.len(),
            if sources.is_empty() {
                "none".to_string()
            } else {
                sources.join(", ")
            },
            savings(before, after)
        ))
    }
}

/// `B → A tokens, S saved (P%)`.
fn savings(before: u64, after: u64) -> String {
    let saved = before.saturating_sub(after);
    let pct = if before == 0 {
        0.0
    } else {
        100.0 * saved as f64 / before as f64
    };
    format!("{before} → {after} tokens, {saved} saved ({pct:.1}%)")
}

/// Bytes as text, without a copy when they are UTF-8 already.
fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The tool result for one page of `body` (see [`page`]): the page, then a
/// `[headroom: …]` line with `note` and, when there is more, the
/// `headroom_retrieve` call that reads on.
fn paged(
    body: String,
    hash: &str,
    query: Option<&str>,
    offset: usize,
    limit: usize,
    note: Option<String>,
) -> Vec<String> {
    let (text, next) = page(&body, offset, limit);
    // The page starts where `page` moved the offset to (a character boundary).
    let start = text.as_ptr() as usize - body.as_ptr() as usize;
    let end = start + text.len();
    let mut notes: Vec<String> = note.into_iter().collect();
    if offset > 0 || next.is_some() {
        let mut s = format!("bytes {start}–{end} of {}", body.len());
        if let Some(n) = next {
            let q = query
                .map(|q| format!(" query={}", json!(q)))
                .unwrap_or_default();
            s.push_str(&format!(
                "; more: headroom_retrieve hash={hash}{q} offset={n}"
            ));
        }
        notes.push(s);
    }
    let text = if start == 0 && end == body.len() {
        // A whole original goes out without being copied again.
        body
    } else {
        text.to_string()
    };
    let mut out = vec![text];
    if !notes.is_empty() {
        out.push(format!("[headroom: {}]", notes.join("; ")));
    }
    out
}

/// Compressors store originals through the server's store; if it cannot be
/// opened, compression stays lossless.
struct StoreSink<'a>(&'a Tools);

impl Sink for StoreSink<'_> {
    fn store_hashed(&self, original: &[u8], kind: &str, hash: &str) -> Option<String> {
        match self.0.store() {
            Ok(store) => match store.put_hashed(original, kind, hash) {
                Ok(h) => Some(h),
                Err(e) => {
                    eprintln!("headroom: warning: {e}; keeping this output lossless");
                    None
                }
            },
            Err(_) => None,
        }
    }
}

fn string_arg<'a>(args: &'a Value, name: &str) -> Result<Option<&'a str>, String> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

fn usize_arg(args: &Value, name: &str) -> Result<Option<usize>, String> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(|n| Some(n as usize))
            .ok_or(format!("{name} must be a whole number of bytes, 0 or more")),
    }
}

/// The page of `text` that starts at byte `offset` (moved forward to a
/// character boundary) and holds at most `limit` bytes, ending after a
/// newline when one falls in its second half; with the offset of the next
/// page, if there is more.
pub(crate) fn page(text: &str, offset: usize, limit: usize) -> (&str, Option<usize>) {
    let mut start = offset.min(text.len());
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let rest = &text[start..];
    if rest.len() <= limit {
        return (rest, None);
    }
    let mut end = limit;
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    if let Some(nl) = rest[..end].rfind('\n').filter(|&nl| nl + 1 > end / 2) {
        end = nl + 1;
    }
    if end == 0 {
        // A limit smaller than one character still moves forward.
        end = rest.chars().next().map_or(0, char::len_utf8);
    }
    (&rest[..end], Some(start + end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_the_text_exactly_once() {
        let text = "alpha\nbeta\ngamma é\ndelta\n".repeat(50);
        for limit in [1, 2, 7, 16, 100, 5000] {
            let (mut offset, mut joined) = (0, String::new());
            loop {
                let (p, next) = page(&text, offset, limit);
                assert!(p.len() <= limit.max(2), "limit {limit}");
                joined.push_str(p);
                match next {
                    Some(n) => offset = n,
                    None => break,
                }
            }
            assert_eq!(joined, text, "limit {limit}");
        }
    }

    #[test]
    fn pages_end_after_a_newline_when_one_is_near() {
        assert_eq!(page("one\ntwo\nthree\n", 0, 10), ("one\ntwo\n", Some(8)));
        assert_eq!(page("one\ntwo\nthree\n", 8, 10), ("three\n", None));
        assert_eq!(page("abc", 9, 10), ("", None));
    }
}
