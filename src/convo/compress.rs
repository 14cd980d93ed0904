//! Compressing a conversation by splicing: each tool result's text goes
//! through the content pipeline, and its JSON-encoded replacement is written
//! over the exact bytes of the original string. Nothing else is touched:
//! system prompts, user and assistant text, tool definitions, tool calls,
//! thinking blocks and signatures, unknown fields and whitespace are copied
//! through byte for byte.
//!
//! Compression of message *i* depends only on messages `0..=i`: a result's
//! query is its own tool call plus the last user message before it, so the
//! bytes of every message are the same on every later turn and provider
//! prefix caches keep hitting (DESIGN §8).

use std::collections::HashMap;
use std::ops::Range;

use super::{BlockKind, Conversation, Message, fit};
use crate::compress::Context;
use crate::pipeline::{self, Kind, Outcome};
use crate::relevance::Query;

/// Tool results shorter than this are left alone: too little to gain, and
/// the reader usually wants them verbatim.
pub const MIN_RESULT_BYTES: usize = 512;

/// The name of headroom's own retrieve tool; its results are originals the
/// model asked for and are never compressed again.
pub const RETRIEVE_TOOL: &str = "headroom_retrieve";

/// How much of the last user message goes into a result's query: enough for
/// the question, not a pasted log.
const QUERY_USER_CHARS: usize = 2000;
const QUERY_CALL_CHARS: usize = 1000;

/// What happened to one tool-result string.
#[derive(Clone, Debug, PartialEq)]
pub struct LeafOutcome {
    /// Index of the message and of the block within it.
    pub message: usize,
    pub block: usize,
    /// Byte range of the JSON string in the input.
    pub range: Range<usize>,
    /// Detected content kind, when the pipeline ran.
    pub kind: Option<Kind>,
    /// Tokens of the decoded text before and after (0 when not measured).
    pub tokens_before: usize,
    pub tokens_after: usize,
    pub transforms: Vec<String>,
    pub hashes: Vec<String>,
    /// Why the text was left alone, if it was.
    pub left_alone: Option<&'static str>,
    /// The JSON-encoded replacement, when the text was compressed.
    pub replacement: Option<String>,
}

/// The result of compressing a conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Compression {
    pub output: String,
    pub leaves: Vec<LeafOutcome>,
    /// Byte range of each message in `output` (before any `--fit`).
    pub message_spans: Vec<Range<usize>>,
    /// What `--fit` did, when it was asked for.
    pub fit: Option<fit::FitReport>,
}

/// Compresses the tool results of `conv` (parsed from `text`). With `fit`,
/// drops the oldest complete tool units and turns until the request fits
/// that many tokens (request formats only; see [`fit`]).
pub fn compress(text: &str, conv: &Conversation, ctx: &Context, fit: Option<usize>) -> Compression {
    compress_memo(text, conv, ctx, fit, None)
}

/// Remembers the pipeline's outcome for a tool result, so a long-running
/// caller (the proxy) compresses each result once, not on every turn. Keys
/// are SHA-256 of everything the outcome depends on besides the token cost
/// function, which the memo must key on itself (one memo per tokenizer).
pub trait LeafMemo: Sync {
    fn get(&self, key: &[u8; 32]) -> Option<Outcome>;
    fn put(&self, key: [u8; 32], outcome: &Outcome);
}

/// [`compress`], looking each tool result up in `memo` first.
pub fn compress_memo(
    text: &str,
    conv: &Conversation,
    ctx: &Context,
    fit: Option<usize>,
    memo: Option<&dyn LeafMemo>,
) -> Compression {
    let leaves = compress_leaves(conv, ctx, memo);
    let (output, message_spans) = splice(text, &conv.messages, &leaves);
    let mut c = Compression {
        output,
        leaves,
        message_spans,
        fit: None,
    };
    if let Some(budget) = fit {
        fit::fit(text, conv, &mut c, budget, ctx);
    }
    c
}

/// Runs the pipeline on every tool-result string, in order (looking each
/// up in `memo` first); [`compress_memo`] splices what this returns.
pub fn compress_leaves(
    conv: &Conversation,
    ctx: &Context,
    memo: Option<&dyn LeafMemo>,
) -> Vec<LeafOutcome> {
    compress_leaves_after(&[], conv, ctx, memo)
}

/// [`compress_leaves`] of `conv`'s messages coming after `earlier` (read
/// for their calls and user text; numbered first), without gathering them
/// into one list.
pub fn compress_leaves_after(
    earlier: &[&[Message]],
    conv: &Conversation,
    ctx: &Context,
    memo: Option<&dyn LeafMemo>,
) -> Vec<LeafOutcome> {
    let mut out = Vec::new();
    let mut calls: HashMap<&str, (&str, Option<&str>)> = HashMap::new();
    let mut last_user: &str = "";
    let messages = earlier.iter().flat_map(|s| s.iter()).chain(&conv.messages);
    for (mi, m) in messages.enumerate() {
        for (bi, b) in m.blocks.iter().enumerate() {
            match b.kind {
                BlockKind::User if m.is_user_text() => last_user = &b.text,
                BlockKind::ToolCall => {
                    if let Some(id) = &b.call_id {
                        calls.insert(id, (&b.text, b.tool_name.as_deref()));
                    }
                }
                BlockKind::ToolResult => {
                    let call = b.call_id.as_deref().and_then(|id| calls.get(id)).copied();
                    let retrieve = call.is_some_and(|(_, name)| name == Some(RETRIEVE_TOOL));
                    for leaf in &b.leaves {
                        let mut o = LeafOutcome {
                            message: mi,
                            block: bi,
                            range: leaf.range.clone(),
                            kind: None,
                            tokens_before: 0,
                            tokens_after: 0,
                            transforms: Vec::new(),
                            hashes: Vec::new(),
                            left_alone: None,
                            replacement: None,
                        };
                        if retrieve {
                            o.left_alone = Some("retrieved original");
                        } else if leaf.text.len() < MIN_RESULT_BYTES {
                            o.left_alone = Some("too small");
                        } else {
                            let query = query_for(call.map(|c| c.0), last_user, &ctx.query);
                            let leaf_ctx = Context { query, ..*ctx };
                            let key = memo.map(|_| memo_key(&leaf.text, &leaf_ctx));
                            let cached = memo.zip(key.as_ref()).and_then(|(m, k)| m.get(k));
                            let r = cached.unwrap_or_else(|| {
                                let kind = pipeline::detect(&leaf.text);
                                let r = pipeline::run(leaf.text.as_bytes(), Some(kind), &leaf_ctx);
                                if let (Some(m), Some(k)) = (memo, key) {
                                    m.put(k, &r);
                                }
                                r
                            });
                            apply(&mut o, r);
                        }
                        out.push(o);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// What a tool result's outcome depends on: its text, its query and the
/// settings (all but the cost function; see [`LeafMemo`]).
fn memo_key(text: &str, ctx: &Context) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let settings = format!(
        "{:?}|{}|{}|{}|{:?}|{}",
        ctx.query,
        ctx.lossless,
        ctx.valid_json,
        ctx.sink.is_some(),
        ctx.via,
        ctx.lossy_min_tokens
    );
    h.update((settings.len() as u64).to_le_bytes());
    h.update(settings.as_bytes());
    h.update(text.as_bytes());
    h.finalize().into()
}

fn apply(o: &mut LeafOutcome, r: Outcome) {
    o.kind = r.kind;
    o.tokens_before = r.tokens_before;
    o.tokens_after = r.tokens_after;
    if let Some(why) = r.passthrough {
        o.left_alone = Some(why);
        return;
    }
    o.transforms = r.transforms;
    o.hashes = r.hashes;
    // The pipeline only returns text for UTF-8 input it changed.
    let text = String::from_utf8_lossy(&r.output);
    o.replacement = serde_json::to_string(&text).ok();
}

/// The query for one result: its tool call plus the last user message
/// before it, both fixed parts of the history; then the caller's `--query`.
///
/// The call contributes scoring terms only, no exact anchors: its
/// arguments are parameters (a `limit` of 200, a `since` of 12:00, the
/// `service` queried), not facts sought, and as anchors they would match
/// every `200 OK` line or every record of the service and keep everything.
/// BM25 already gives terms found everywhere no weight.
fn query_for(call: Option<&str>, last_user: &str, extra: &Query) -> Query {
    let mut query = Query::parse(prefix_chars(last_user, QUERY_USER_CHARS));
    let mut call = Query::parse(prefix_chars(call.unwrap_or(""), QUERY_CALL_CHARS));
    call.anchors.clear();
    for extra in [&call, extra] {
        for t in &extra.terms {
            if !query.terms.contains(t) {
                query.terms.push(t.clone());
            }
        }
        for a in &extra.anchors {
            if !query.anchors.contains(a) {
                query.anchors.push(a.clone());
            }
        }
    }
    query
}

fn prefix_chars(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

/// Writes the replacements over their ranges and returns the output with
/// each message's span in it.
fn splice(text: &str, messages: &[Message], leaves: &[LeafOutcome]) -> (String, Vec<Range<usize>>) {
    let mut out = String::with_capacity(text.len());
    // (input offset, output offset) after each edit, to map message ranges.
    let mut shifts: Vec<(usize, isize)> = Vec::new();
    let mut pos = 0;
    let mut delta: isize = 0;
    for leaf in leaves {
        let Some(rep) = &leaf.replacement else {
            continue;
        };
        out.push_str(&text[pos..leaf.range.start]);
        out.push_str(rep);
        pos = leaf.range.end;
        delta += rep.len() as isize - leaf.range.len() as isize;
        shifts.push((leaf.range.end, delta));
    }
    out.push_str(&text[pos..]);
    let map = |offset: usize| -> usize {
        // The shift of the last edit that ends at or before `offset`.
        let i = shifts.partition_point(|&(end, _)| end <= offset);
        let d = if i == 0 { 0 } else { shifts[i - 1].1 };
        (offset as isize + d) as usize
    };
    let spans = messages
        .iter()
        .map(|m| map(m.range.start)..map(m.range.end))
        .collect();
    (out, spans)
}

/// The conversation hook of [`pipeline::run`]: `Some` when `text` is a
/// conversation with at least one message, compressed as one.
pub fn outcome(text: &str, ctx: &Context, fit: Option<usize>) -> Option<Outcome> {
    outcome_and_fit(text, ctx, fit).map(|(o, _)| o)
}

/// As [`outcome`], with what `--fit` did (and why it fell short, if it did).
pub fn outcome_and_fit(
    text: &str,
    ctx: &Context,
    fit: Option<usize>,
) -> Option<(Outcome, Option<fit::FitReport>)> {
    let start = std::time::Instant::now();
    let conv = super::parse(text)?;
    if conv.messages.iter().all(|m| m.role == super::Role::Other) {
        return None;
    }
    let cost = ctx.cost;
    let (before, c) = std::thread::scope(|s| {
        let counter = s.spawn(move || cost(text));
        let c = compress(text, &conv, ctx, fit);
        (counter.join().unwrap_or(usize::MAX), c)
    });
    let mut transforms = vec![format!("convo:{}", conv.format.name())];
    let mut hashes = Vec::new();
    for leaf in c.leaves.iter().filter(|l| l.replacement.is_some()) {
        for t in &leaf.transforms {
            if !transforms.contains(t) {
                transforms.push(t.clone());
            }
        }
        for h in &leaf.hashes {
            if !hashes.contains(h) {
                hashes.push(h.clone());
            }
        }
    }
    if let Some(f) = c.fit.as_ref().filter(|f| f.dropped_messages > 0) {
        transforms.push("convo:fit".into());
        hashes.extend(f.hash.clone());
    }
    let mut o = Outcome {
        output: Vec::new(),
        kind: Some(Kind::Json),
        tokens_before: before,
        tokens_after: before,
        hashes: Vec::new(),
        transforms: Vec::new(),
        passthrough: None,
        millis: 0.0,
    };
    if c.output == text {
        o.passthrough = Some("conversation: nothing to compress");
    } else {
        let after = cost(&c.output);
        if after < before {
            o.tokens_after = after;
            o.transforms = transforms;
            o.hashes = hashes;
            o.output = c.output.into_bytes();
        } else {
            o.passthrough = Some("not smaller");
        }
    }
    if o.passthrough.is_some() {
        o.output = text.as_bytes().to_vec();
    }
    o.millis = start.elapsed().as_secs_f64() * 1e3;
    Some((o, c.fit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ccr::RetrieveVia;
    use crate::convo::parse;

    use crate::ccr::HashOnlySink as Memory;

    fn cost(s: &str) -> usize {
        s.len() / 4
    }

    fn ctx(sink: &Memory) -> Context<'_> {
        Context {
            query: Query::default(),
            lossless: false,
            valid_json: false,
            sink: Some(sink),
            via: RetrieveVia::Tool,
            cost: &cost,
            lossy_min_tokens: 50,
        }
    }

    fn records(n: usize) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| format!(r#"{{ "id": {i},  "status": "ok",   "region": "eu-west-1" }}"#))
            .collect();
        format!("[\n  {}\n]", items.join(",\n  "))
    }

    #[test]
    fn only_tool_results_change() {
        let result = serde_json::to_string(&records(60)).unwrap();
        let body = format!(
            r#"{{"model":"x", "messages":[{{"role":"system","content":"Sys  prompt"}},{{"role":"user","content":"list  regions"}},{{"role":"assistant","content":null,"tool_calls":[{{"id":"c1","type":"function","function":{{"name":"q","arguments":"{{}}"}}}}]}},{{"role":"tool","tool_call_id":"c1","content":{result}}}], "zzz": [1,  2]}}"#
        );
        let conv = parse(&body).unwrap();
        let sink = Memory;
        let c = compress(&body, &conv, &ctx(&sink), None);
        assert!(c.output.len() < body.len());
        let leaf = &conv.messages[3].blocks[0].leaves[0];
        assert_eq!(c.output[..leaf.range.start], body[..leaf.range.start]);
        let tail = &body[leaf.range.end..];
        assert!(c.output.ends_with(tail));
        let again = parse(&c.output).unwrap();
        assert_eq!(again.pairing(), (1, 1));
        assert_eq!(
            &c.output[c.message_spans[3].clone()][..12],
            r#"{"role":"too"#
        );
    }

    #[test]
    fn call_numbers_are_not_anchors() {
        let q = query_for(
            Some(r#"query_logs {"since":"12:00","limit":200,"path":"/var/log/app.log"}"#),
            "why did order 4242 fail?",
            &Query::parse("timeout"),
        );
        let anchors: Vec<&str> = q.anchors.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(anchors, ["4242"]);
        assert!(q.terms.contains(&"limit".to_string()) && q.terms.contains(&"timeout".to_string()));
    }

    #[test]
    fn retrieve_results_and_small_results_are_left_alone() {
        let big = serde_json::to_string(&records(60)).unwrap();
        let body = format!(
            r#"[{{"role":"assistant","tool_calls":[{{"id":"r","function":{{"name":"headroom_retrieve","arguments":"{{}}"}}}}]}},{{"role":"tool","tool_call_id":"r","content":{big}}},{{"role":"tool","tool_call_id":"s","content":"short"}}]"#
        );
        let conv = parse(&body).unwrap();
        let sink = Memory;
        let c = compress(&body, &conv, &ctx(&sink), None);
        assert_eq!(c.output, body);
        let why: Vec<_> = c.leaves.iter().map(|l| l.left_alone).collect();
        assert_eq!(why, [Some("retrieved original"), Some("too small")]);
    }
}
