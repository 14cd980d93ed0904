//! Request-body compression: the tool results of a conversation go through
//! the pipeline and are spliced into the original bytes; everything else is
//! forwarded byte for byte. Runs on the blocking pool under a time budget;
//! a panic, an overrun or a body that is not a conversation forwards the
//! original.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::ccr::Sink;
use crate::compress::Context;
use crate::convo::{self, LeafMemo};
use crate::pipeline::Outcome;
use crate::tokens::{self, Encoding};

/// What compression did to one request body.
#[derive(Debug, Default)]
pub struct Rewritten {
    /// The body to send, when it changed.
    pub body: Option<String>,
    pub model: Option<String>,
    /// Input tokens of the whole request as received and as sent (JSON
    /// syntax included; see [`request_tokens`]); 0 for a body that is not
    /// a conversation.
    pub tokens_before: u64,
    pub tokens_after: u64,
    /// Content kinds compressed, sorted, unique.
    pub kinds: Vec<String>,
    /// Names of the tools whose results were compressed, sorted, unique.
    pub tools: Vec<String>,
}

/// The request field the proxy reads besides the conversation.
#[derive(serde::Deserialize)]
struct Head {
    model: Option<String>,
}

/// The model a body names, when it is a JSON object that names one.
pub fn model(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<Head>(body).ok()?.model
}

/// Compresses the tool results of `body`. Pure apart from the store and
/// the memo: the same body gives the same bytes on every call.
pub fn rewrite(
    body: &[u8],
    sink: Option<&dyn Sink>,
    memo: &Memo,
    lossy_min_tokens: usize,
    via: crate::ccr::RetrieveVia,
) -> Rewritten {
    let mut out = Rewritten::default();
    // A conversation names its model as it is parsed: one pass over a
    // large body, not two.
    let Some((text, conv)) = std::str::from_utf8(body)
        .ok()
        .and_then(|t| Some((t, convo::parse(t)?)))
    else {
        out.model = model(body);
        return out;
    };
    out.model = conv.model.clone();
    let (encoding, _) = Encoding::for_model(out.model.as_deref().unwrap_or(""));
    let cost = move |s: &str| tokens::count(s, encoding);
    let ctx = Context {
        query: Default::default(),
        lossless: sink.is_none(),
        valid_json: false,
        sink,
        via,
        cost: &cost,
        lossy_min_tokens,
    };
    let view = MemoFor { memo, encoding };
    let c = convo::compress_memo(text, &conv, &ctx, None, Some(&view));
    let changed = c.output.len() < text.len();
    let mut kinds: Vec<String> = Vec::new();
    for leaf in c.leaves.iter().filter(|l| l.replacement.is_some()) {
        if let Some(k) = leaf.kind {
            kinds.push(k.name().to_string());
        }
    }
    kinds.sort();
    kinds.dedup();
    out.kinds = kinds;
    out.tools = compressed_tools(&conv, &c.leaves);
    let (before, after) = request_tokens(text, &c.leaves, memo, encoding);
    out.tokens_before = before;
    out.tokens_after = if changed { after } else { before };
    if changed {
        out.body = Some(c.output);
    }
    out
}

/// The names of the calls answered by the compressed results, for usage records.
fn compressed_tools(
    conv: &convo::Conversation,
    leaves: &[convo::compress::LeafOutcome],
) -> Vec<String> {
    // The first call of each id names it.
    let mut names: HashMap<&str, &str> = HashMap::new();
    for b in conv.messages.iter().flat_map(|m| &m.blocks) {
        if let (Some(id), Some(name)) = (b.call_id.as_deref(), b.tool_name.as_deref()) {
            names.entry(id).or_insert(name);
        }
    }
    let mut tools: Vec<String> = leaves
        .iter()
        .filter(|l| l.replacement.is_some())
        .filter_map(|l| {
            conv.messages
                .get(l.message)?
                .blocks
                .get(l.block)?
                .call_id
                .as_deref()
        })
        .filter_map(|id| names.get(id).map(|n| n.to_string()))
        .collect();
    tools.sort();
    tools.dedup();
    tools
}

/// Stretches of a body shorter than this are counted outright; longer ones
/// (a system prompt, tool definitions, earlier turns' text) are looked up
/// by their hash, so a long conversation is not counted again every turn.
const COUNT_DIRECT_BYTES: usize = 512;

/// The request's input tokens before and after compression, counted
/// without tokenizing the whole body on every request: each tool result
/// the pipeline measured counts as the pipeline counted it (its decoded
/// text, before and after), and everything between those results (JSON
/// syntax, system prompt, tool definitions, user and assistant text) is
/// counted as bytes, memoized by content. A provider counts its own
/// rendering of the request, so its figure differs by the JSON syntax.
fn request_tokens(
    text: &str,
    leaves: &[convo::LeafOutcome],
    memo: &Memo,
    encoding: Encoding,
) -> (u64, u64) {
    let (mut before, mut saved) = (0u64, 0u64);
    let mut pos = 0;
    for leaf in leaves.iter().filter(|l| l.tokens_before > 0) {
        before += gap_tokens(&text[pos..leaf.range.start], memo, encoding);
        before += leaf.tokens_before as u64;
        if leaf.replacement.is_some() {
            saved += leaf.tokens_before.saturating_sub(leaf.tokens_after) as u64;
        }
        pos = leaf.range.end;
    }
    before += gap_tokens(&text[pos..], memo, encoding);
    (before, before - saved.min(before))
}

fn gap_tokens(gap: &str, memo: &Memo, encoding: Encoding) -> u64 {
    if gap.len() < COUNT_DIRECT_BYTES {
        return tokens::count(gap, encoding) as u64;
    }
    use sha2::{Digest, Sha256};
    let key = (encoding, <[u8; 32]>::from(Sha256::digest(gap.as_bytes())));
    if let Some(&n) = memo.counts().get(&key) {
        return n;
    }
    let n = tokens::count(gap, encoding) as u64;
    let mut counts = memo.counts();
    if counts.len() >= COUNTS_KEPT {
        counts.clear();
    }
    counts.insert(key, n);
    n
}

/// Token counts of long stretches kept at most (about 50 bytes each).
const COUNTS_KEPT: usize = 1 << 16;

/// Compressed tool results by (content, query, settings) and tokenizer,
/// bounded by total bytes; the oldest entries go first.
pub struct Memo {
    cap: usize,
    inner: Mutex<MemoInner>,
    /// Token counts of the stretches between tool results.
    counts: Mutex<HashMap<(Encoding, [u8; 32]), u64>>,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

#[derive(Default)]
struct MemoInner {
    map: HashMap<(Encoding, [u8; 32]), Outcome>,
    order: VecDeque<(Encoding, [u8; 32])>,
    bytes: usize,
}

impl Memo {
    pub fn new(cap: usize) -> Memo {
        Memo {
            cap,
            inner: Mutex::new(MemoInner::default()),
            counts: Mutex::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Entries and bytes held.
    pub fn size(&self) -> (usize, usize) {
        let m = self.lock();
        (m.map.len(), m.bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<(Encoding, [u8; 32]), u64>> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn weight(o: &Outcome) -> usize {
    o.output.len() + o.hashes.iter().map(String::len).sum::<usize>() + 128
}

struct MemoFor<'a> {
    memo: &'a Memo,
    encoding: Encoding,
}

impl LeafMemo for MemoFor<'_> {
    fn get(&self, key: &[u8; 32]) -> Option<Outcome> {
        let found = self.memo.lock().map.get(&(self.encoding, *key)).cloned();
        let counter = if found.is_some() {
            &self.memo.hits
        } else {
            &self.memo.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn put(&self, key: [u8; 32], outcome: &Outcome) {
        let w = weight(outcome);
        if w > self.memo.cap {
            return;
        }
        let mut m = self.memo.lock();
        let k = (self.encoding, key);
        if m.map.insert(k, outcome.clone()).is_some() {
            return;
        }
        m.order.push_back(k);
        m.bytes += w;
        while m.bytes > self.memo.cap {
            let Some(old) = m.order.pop_front() else {
                break;
            };
            if let Some(o) = m.map.remove(&old) {
                m.bytes -= weight(&o);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ccr::{HashOnlySink, RetrieveVia};

    fn body(turns: usize) -> String {
        let rows: Vec<String> = (0..300)
            .map(|i| {
                format!(
                    r#"{{"id":{i},"status":"ok","region":"eu-west-1","latency_ms":{}}}"#,
                    i % 7
                )
            })
            .collect();
        let result = serde_json::to_string(&format!("[{}]", rows.join(","))).unwrap();
        let mut msgs = vec![r#"{"role":"user","content":"list the regions"}"#.to_string()];
        for t in 0..turns {
            msgs.push(format!(
                r#"{{"role":"assistant","content":null,"tool_calls":[{{"id":"c{t}","type":"function","function":{{"name":"q","arguments":"{{}}"}}}}]}}"#
            ));
            msgs.push(format!(
                r#"{{"role":"tool","tool_call_id":"c{t}","content":{result}}}"#
            ));
        }
        format!(
            r#"{{"model":"gpt-4o","stream":true,"messages":[{}],"x_unknown":{{"a": 1}}}}"#,
            msgs.join(",")
        )
    }

    #[test]
    fn splices_and_memoizes() {
        let memo = Memo::new(1 << 20);
        let one = body(1);
        let r = rewrite(
            one.as_bytes(),
            Some(&HashOnlySink),
            &memo,
            50,
            RetrieveVia::Tool,
        );
        let out = r.body.expect("compressed");
        assert!(out.len() < one.len());
        assert!(out.ends_with(r#"],"x_unknown":{"a": 1}}"#));
        assert_eq!(r.model.as_deref(), Some("gpt-4o"));
        assert_eq!(r.kinds, ["json"]);
        assert!(r.tokens_after < r.tokens_before);
        assert_eq!(memo.misses.load(Ordering::Relaxed), 1);
        // The next turn repeats the first result byte for byte (same query:
        // same call arguments, same last user message) from the memo.
        let two = rewrite(
            body(2).as_bytes(),
            Some(&HashOnlySink),
            &memo,
            50,
            RetrieveVia::Tool,
        );
        let out2 = two.body.unwrap();
        let prefix = out.find(r#"]}"#).map(|_| &out[..out.len() - 30]).unwrap();
        assert!(out2.starts_with(prefix));
        assert!(memo.hits.load(Ordering::Relaxed) >= 1);
    }

    /// Usage records count whole requests' input tokens (#11, #12's
    /// summary line), without tokenizing the whole body every turn.
    #[test]
    fn counts_whole_requests() {
        let count = |s: &str| tokens::count(s, Encoding::O200k) as u64;
        let memo = Memo::new(1 << 20);
        // Nothing to compress: the whole body, counted as it is.
        let small = format!(
            r#"{{"model":"gpt-4o","messages":[{{"role":"system","content":{}}},{{"role":"user","content":"hi"}}]}}"#,
            serde_json::to_string(&"You are terse. ".repeat(100)).unwrap()
        );
        for _ in 0..2 {
            let r = rewrite(
                small.as_bytes(),
                Some(&HashOnlySink),
                &memo,
                50,
                RetrieveVia::Tool,
            );
            assert!(r.body.is_none());
            assert_eq!(
                (r.tokens_before, r.tokens_after),
                (count(&small), count(&small))
            );
        }
        // A tool result compressed: the rest of the body counted as bytes,
        // the result as the pipeline counted it; the difference is what the
        // result saved.
        let one = body(1);
        let c = convo::compress(
            &one,
            &convo::parse(&one).unwrap(),
            &Context {
                query: Default::default(),
                lossless: false,
                valid_json: false,
                sink: Some(&HashOnlySink),
                via: RetrieveVia::Tool,
                cost: &|s: &str| tokens::count(s, Encoding::O200k),
                lossy_min_tokens: 50,
            },
            None,
        );
        let [leaf] = &c.leaves[..] else {
            panic!("one result")
        };
        let rest = count(&one[..leaf.range.start]) + count(&one[leaf.range.end..]);
        for _ in 0..2 {
            let r = rewrite(
                one.as_bytes(),
                Some(&HashOnlySink),
                &memo,
                50,
                RetrieveVia::Tool,
            );
            assert_eq!(r.tokens_before, rest + leaf.tokens_before as u64);
            assert_eq!(r.tokens_after, rest + leaf.tokens_after as u64);
        }
    }

    #[test]
    fn not_a_conversation_is_left_alone() {
        let memo = Memo::new(1 << 20);
        for b in [
            &b"{not json"[..],
            b"{\"model\":\"m\",\"input\":\"hi\"}",
            &[0xff, 0xfe],
        ] {
            assert!(
                rewrite(b, Some(&HashOnlySink), &memo, 50, RetrieveVia::Tool)
                    .body
                    .is_none()
            );
        }
    }
}
