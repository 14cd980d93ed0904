//! Dry-run accounting: what headroom would do to a conversation, without
//! changing or storing anything.
//!
//! [`simulate`] parses a request or transcript, compresses it exactly as
//! `headroom compress` and the proxy would (the same pipeline, lossy stage
//! included), and returns tokens by block kind before and after, the
//! transforms applied and why blocks were left alone, waste signals, whether
//! the output is prefix stable, and an estimated cost.
//!
//! It never writes to the store: originals go to a [`RecordingSink`] that
//! hashes them like the real store would and counts what would have been
//! stored, so the numbers are those of a real run. It prints nothing.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::LazyLock;

use regex::Regex;

use crate::ccr::{RetrieveVia, Sink};
use crate::compress::Context;
use crate::convo::{self, BlockKind, Compression, Conversation, Format, Role};
use crate::pipeline::Kind;
use crate::pricing::{self, Price};
use crate::relevance::Query;
use crate::tokens::{self, Encoding};

/// Providers bill an image by its pixels, not its base64 text; this is the
/// cost of a ~1.15-megapixel image (Anthropic's (w·h)/750 at the size cap).
pub const IMAGE_TOKENS: usize = 1600;

/// Tool results at least this long are compared for re-reads.
const REREAD_MIN_BYTES: usize = 200;

/// A sink that stores nothing and remembers what would have been stored.
#[derive(Default)]
pub struct RecordingSink {
    pub originals: Cell<usize>,
    pub bytes: Cell<usize>,
}

impl Sink for RecordingSink {
    fn store_hashed(&self, original: &[u8], _kind: &str, hash: &str) -> Option<String> {
        self.originals.set(self.originals.get() + 1);
        self.bytes.set(self.bytes.get() + original.len());
        Some(hash.to_string())
    }
}

/// How to simulate.
pub struct Settings<'a> {
    pub cost: &'a (dyn Fn(&str) -> usize + Sync),
    pub lossy_min_tokens: usize,
    /// Model for the cost estimate; `None` skips it.
    pub model: Option<&'a str>,
    /// Whether a model the file names (a request's `model`, a transcript's
    /// latest) replaces `model` for pricing and token counts: true unless
    /// the user chose a model.
    pub model_from_file: bool,
    /// How many of the biggest blocks to list.
    pub top: usize,
    /// Re-compress the first half of the conversation and compare bytes.
    pub check_prefix: bool,
}

/// Tokens of one kind of block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KindTokens {
    pub blocks: usize,
    pub before: usize,
    pub after: usize,
}

/// One of the biggest blocks.
#[derive(Clone, Debug, PartialEq)]
pub struct TopBlock {
    /// Index of the message (`None` for the preamble: system, tools).
    pub message: Option<usize>,
    pub kind: BlockKind,
    /// The tool for tool calls and results.
    pub tool: Option<String>,
    pub before: usize,
    pub after: usize,
    /// Content kind of a tool result, when detected.
    pub content: Option<Kind>,
}

/// Signs of tokens spent on nothing, in tokens (estimates).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Waste {
    /// Pretty-printing whitespace of JSON tool results.
    pub json_whitespace: usize,
    /// Tags and comments of HTML tool results.
    pub html_noise: usize,
    /// Long base64 runs in text (not images).
    pub base64: usize,
    /// Trailing spaces, runs of blank lines, long runs of spaces.
    pub whitespace: usize,
    /// Dates, times and UUIDs in the system prompt: they change every
    /// session and stop provider caches from sharing the prefix.
    pub dynamic_system_values: usize,
    /// Up to three examples of them.
    pub dynamic_examples: Vec<String>,
    /// Tool results identical to an earlier one (the same file or command
    /// output read again): count and tokens.
    pub rereads: usize,
    pub reread_tokens: usize,
}

/// Estimated cost of the session's model calls, USD.
#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    /// The price-table entry used.
    pub priced_as: &'static str,
    pub calls: usize,
    pub before: f64,
    pub after: f64,
}

/// What headroom would do to one conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub format: Format,
    pub messages: usize,
    pub tokens_before: usize,
    pub tokens_after: usize,
    pub by_kind: BTreeMap<BlockKind, KindTokens>,
    /// Transform name → number of tool results it was applied to.
    pub transforms: BTreeMap<String, usize>,
    /// Reason → number of blocks left alone for it.
    pub left_alone: BTreeMap<String, usize>,
    pub waste: Waste,
    pub tool_calls: usize,
    pub tool_calls_paired: usize,
    /// Whether compressing the first half alone gives the same bytes as
    /// the first half of the whole (`None`: not checked).
    pub prefix_stable: Option<bool>,
    pub cost: Option<Cost>,
    /// The model the counts and the cost are for.
    pub model: Option<String>,
    /// Whether that model's own tokenizer counted (else an estimate).
    pub tokens_exact: bool,
    pub top: Vec<TopBlock>,
    /// Originals that a real run would store, and their size.
    pub would_store: usize,
    pub would_store_bytes: usize,
    pub bad_lines: usize,
    pub skipped_records: usize,
}

impl Report {
    pub fn saved(&self) -> usize {
        self.tokens_before.saturating_sub(self.tokens_after)
    }

    pub fn saved_pct(&self) -> f64 {
        if self.tokens_before == 0 {
            0.0
        } else {
            100.0 * self.saved() as f64 / self.tokens_before as f64
        }
    }
}

/// Why a file could not be simulated.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum SimError {
    #[error("empty file")]
    Empty,
    #[error("not UTF-8 text")]
    NotText,
    #[error("not a conversation (no OpenAI, Anthropic, Claude Code or Codex messages found)")]
    NotConversation,
}

/// Simulates headroom on `input`, a request body or transcript.
pub fn simulate(input: &[u8], s: &Settings) -> Result<Report, SimError> {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(SimError::Empty);
    }
    let text = std::str::from_utf8(input).map_err(|_| SimError::NotText)?;
    let conv = convo::parse(text).ok_or(SimError::NotConversation)?;
    if conv.messages.is_empty() && conv.preamble.is_empty() {
        return Err(SimError::NotConversation);
    }
    let model = match (s.model_from_file, conv.model.as_deref()) {
        (true, Some(m)) => Some(m),
        _ => s.model,
    };
    let (encoding, exact) = Encoding::for_model(model.unwrap_or_default());
    // The caller's counter serves its own model; another model may count
    // with another tokenizer.
    let file_cost = move |t: &str| tokens::count(t, encoding);
    let own_model = model == s.model;
    let s = &Settings {
        cost: if own_model { s.cost } else { &file_cost },
        model,
        ..*s
    };
    let sink = RecordingSink::default();
    let ctx = Context {
        query: Query::default(),
        lossless: false,
        valid_json: false,
        sink: Some(&sink),
        via: RetrieveVia::Tool,
        cost: s.cost,
        lossy_min_tokens: s.lossy_min_tokens,
    };
    let c = convo::compress(text, &conv, &ctx, None);
    let mut r = account(&conv, &c, s);
    r.model = model.map(str::to_string);
    r.tokens_exact = model.is_some() && exact;
    r.would_store = sink.originals.get();
    r.would_store_bytes = sink.bytes.get();
    if s.check_prefix {
        r.prefix_stable = prefix_stable(text, &conv, &c, &ctx);
    }
    Ok(r)
}

/// Tokens per block before and after, reasons, waste, cost and top blocks.
fn account(conv: &Conversation, c: &Compression, s: &Settings) -> Report {
    let cost = s.cost;
    let (calls, paired) = conv.pairing();
    let mut r = Report {
        format: conv.format,
        messages: conv.messages.len(),
        tokens_before: 0,
        tokens_after: 0,
        by_kind: BTreeMap::new(),
        transforms: BTreeMap::new(),
        left_alone: BTreeMap::new(),
        waste: Waste::default(),
        tool_calls: calls,
        tool_calls_paired: paired,
        prefix_stable: None,
        cost: None,
        model: None,
        tokens_exact: false,
        top: Vec::new(),
        would_store: 0,
        would_store_bytes: 0,
        bad_lines: conv.bad_lines,
        skipped_records: conv.skipped_records,
    };
    // Leaf outcomes by (message, block), in order.
    let mut leaves: HashMap<(usize, usize), Vec<&convo::LeafOutcome>> = HashMap::new();
    for l in &c.leaves {
        leaves.entry((l.message, l.block)).or_default().push(l);
    }
    let mut seen: HashMap<u64, ()> = HashMap::new();
    let mut tool_names: HashMap<&str, &str> = HashMap::new();
    let mut per_message: Vec<(usize, usize)> = Vec::with_capacity(conv.messages.len());
    let mut preamble = 0;

    for b in &conv.preamble {
        let t = cost(&b.text);
        preamble += t;
        add(&mut r, b.kind, t, t);
        *r.left_alone.entry(reason_for(b.kind).into()).or_default() += 1;
        if b.kind == BlockKind::System {
            dynamic_values(&b.text, &mut r.waste);
        }
        push_top(
            &mut r.top,
            s.top,
            TopBlock {
                message: None,
                kind: b.kind,
                tool: None,
                before: t,
                after: t,
                content: None,
            },
        );
    }
    for (mi, m) in conv.messages.iter().enumerate() {
        let (mut mb, mut ma) = (0, 0);
        for (bi, b) in m.blocks.iter().enumerate() {
            if let (BlockKind::ToolCall, Some(id), Some(name)) =
                (b.kind, b.call_id.as_deref(), b.tool_name.as_deref())
            {
                tool_names.insert(id, name);
            }
            let (before, after, content) = match b.kind {
                BlockKind::Image => (IMAGE_TOKENS, IMAGE_TOKENS, None),
                BlockKind::ToolResult => {
                    let outs = leaves.get(&(mi, bi)).map_or(&[][..], Vec::as_slice);
                    result_tokens(b, outs, cost, &mut r)
                }
                kind => {
                    *r.left_alone.entry(reason_for(kind).into()).or_default() += 1;
                    if kind == BlockKind::System {
                        dynamic_values(&b.text, &mut r.waste);
                    }
                    let t = cost(&b.text);
                    (t, t, None)
                }
            };
            if b.kind == BlockKind::ToolResult || b.kind == BlockKind::User {
                text_waste(&b.text, cost, &mut r.waste);
            }
            if b.kind == BlockKind::ToolResult && b.text.len() >= REREAD_MIN_BYTES {
                let mut h = DefaultHasher::new();
                b.text.hash(&mut h);
                if seen.insert(h.finish(), ()).is_some() {
                    r.waste.rereads += 1;
                    r.waste.reread_tokens += before;
                }
            }
            if b.kind == BlockKind::ToolResult && m.role != Role::System {
                json_waste(&b.text, content, cost, &mut r.waste);
            }
            add(&mut r, b.kind, before, after);
            mb += before;
            ma += after;
            let tool = match b.kind {
                BlockKind::ToolCall => b.tool_name.clone(),
                BlockKind::ToolResult => b
                    .call_id
                    .as_deref()
                    .and_then(|id| tool_names.get(id))
                    .map(|n| n.to_string()),
                _ => None,
            };
            push_top(
                &mut r.top,
                s.top,
                TopBlock {
                    message: Some(mi),
                    kind: b.kind,
                    tool,
                    before,
                    after,
                    content,
                },
            );
        }
        per_message.push((mb, ma));
    }
    r.tokens_before = preamble + per_message.iter().map(|p| p.0).sum::<usize>();
    r.tokens_after = preamble + per_message.iter().map(|p| p.1).sum::<usize>();
    if let Some((priced_as, price)) = s.model.and_then(pricing::price_for) {
        r.cost = Some(session_cost(conv, preamble, &per_message, priced_as, price));
    }
    r
}

fn add(r: &mut Report, kind: BlockKind, before: usize, after: usize) {
    let k = r.by_kind.entry(kind).or_default();
    k.blocks += 1;
    k.before += before;
    k.after += after;
}

fn reason_for(kind: BlockKind) -> &'static str {
    match kind {
        BlockKind::System => "system prompt",
        BlockKind::ToolDefinitions => "tool definitions",
        BlockKind::User => "user text",
        BlockKind::Assistant => "assistant text",
        BlockKind::Thinking => "thinking",
        BlockKind::ToolCall => "tool call",
        BlockKind::Image => "image",
        BlockKind::ToolResult | BlockKind::Other => "other",
    }
}

/// Before/after tokens of a tool result from its leaves' outcomes, counting
/// what the pipeline did not measure.
fn result_tokens(
    b: &convo::Block,
    outs: &[&convo::LeafOutcome],
    cost: &(dyn Fn(&str) -> usize + Sync),
    r: &mut Report,
) -> (usize, usize, Option<Kind>) {
    let mut before = 0;
    let mut after = 0;
    let mut content = None;
    for (leaf, o) in b.leaves.iter().zip(outs) {
        content = content.or(o.kind);
        if o.kind.is_some() {
            before += o.tokens_before;
            after += o.tokens_after;
        } else {
            let t = cost(&leaf.text);
            before += t;
            after += t;
        }
        match o.left_alone {
            Some(why) => *r.left_alone.entry(why.into()).or_default() += 1,
            None => {
                for t in &o.transforms {
                    *r.transforms.entry(t.clone()).or_default() += 1;
                }
            }
        }
    }
    if b.leaves.is_empty() {
        *r.left_alone.entry("empty".into()).or_default() += 1;
    }
    (before, after, content)
}

fn push_top(top: &mut Vec<TopBlock>, n: usize, b: TopBlock) {
    if n == 0 {
        return;
    }
    // Biggest first; ties keep the earlier block (stable and deterministic).
    let at = top.partition_point(|t| t.before >= b.before);
    if at < n {
        top.insert(at, b);
        top.truncate(n);
    }
}

static DYNAMIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
        r"|\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?",
        r"|\b\d{1,2}:\d{2}:\d{2}\b"
    ))
    .unwrap()
});
static BASE64: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/]{64,}={0,2}").unwrap());
static WHITESPACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[ \t]+\n|\n{3,}|\S[ \t]{8,}").unwrap());
static HTML_NOISE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<!--[\s\S]*?-->|<[^>]{1,400}>").unwrap());

fn dynamic_values(text: &str, w: &mut Waste) {
    for m in DYNAMIC.find_iter(text) {
        w.dynamic_system_values += 1;
        if w.dynamic_examples.len() < 3 && !w.dynamic_examples.iter().any(|e| e == m.as_str()) {
            w.dynamic_examples.push(m.as_str().to_string());
        }
    }
}

/// Base64 and whitespace waste in any text block.
fn text_waste(text: &str, cost: &(dyn Fn(&str) -> usize + Sync), w: &mut Waste) {
    let b64: Vec<&str> = BASE64
        .find_iter(text)
        .map(|m| m.as_str())
        // Long identifiers and paths are not base64: require digits and both cases.
        .filter(|s| {
            s.bytes().any(|c| c.is_ascii_digit())
                && s.bytes().any(|c| c.is_ascii_uppercase())
                && s.bytes().any(|c| c.is_ascii_lowercase())
        })
        .collect();
    if !b64.is_empty() {
        w.base64 += cost(&b64.join(" "));
    }
    let ws: Vec<&str> = WHITESPACE.find_iter(text).map(|m| m.as_str()).collect();
    if !ws.is_empty() {
        // Each run would cost about one token collapsed.
        w.whitespace += cost(&ws.concat()).saturating_sub(ws.len());
    }
}

/// JSON pretty-printing and HTML markup in a tool result.
fn json_waste(
    text: &str,
    content: Option<Kind>,
    cost: &(dyn Fn(&str) -> usize + Sync),
    w: &mut Waste,
) {
    let kind = content.unwrap_or_else(|| crate::pipeline::detect(text));
    match kind {
        Kind::Json if text.len() > 500 && text.contains(['\n', ' ']) => {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
                let min = v.to_string();
                w.json_whitespace += cost(text).saturating_sub(cost(&min));
            }
        }
        Kind::Html => {
            let tags: Vec<&str> = HTML_NOISE.find_iter(text).map(|m| m.as_str()).collect();
            if !tags.is_empty() {
                w.html_noise += cost(&tags.concat());
            }
        }
        _ => {}
    }
}

/// The session as a sequence of model calls: each run of assistant
/// messages is one call whose input is everything before it. The previous
/// call's input is read from the provider cache (headroom keeps the prefix
/// stable, so the same holds after compression), the rest is written to it.
fn session_cost(
    conv: &Conversation,
    preamble: usize,
    per_message: &[(usize, usize)],
    priced_as: &'static str,
    price: Price,
) -> Cost {
    let mut cost = Cost {
        priced_as,
        calls: 0,
        before: 0.0,
        after: 0.0,
    };
    let mut prefix = (preamble, preamble);
    let mut cached = (0, 0);
    let mut i = 0;
    let n = conv.messages.len();
    while i < n {
        if conv.messages[i].role != Role::Assistant {
            prefix.0 += per_message[i].0;
            prefix.1 += per_message[i].1;
            i += 1;
            continue;
        }
        let mut out = 0;
        let start = prefix;
        while i < n && conv.messages[i].role == Role::Assistant {
            out += per_message[i].0;
            prefix.0 += per_message[i].0;
            prefix.1 += per_message[i].1;
            i += 1;
        }
        cost.calls += 1;
        let call = |input: usize, cached: usize| {
            pricing::usd(input.saturating_sub(cached), price.cache_write)
                + pricing::usd(cached.min(input), price.cached_input)
                + pricing::usd(out, price.output)
        };
        cost.before += call(start.0, cached.0);
        cost.after += call(start.1, cached.1);
        cached = start;
    }
    if !conv.format.is_transcript() {
        // A request body is itself one more call, on everything it holds;
        // its output is not known yet, so only its input is priced.
        cost.calls += 1;
        let input = |all: usize, cached: usize| {
            pricing::usd(all.saturating_sub(cached), price.cache_write)
                + pricing::usd(cached.min(all), price.cached_input)
        };
        cost.before += input(prefix.0, cached.0);
        cost.after += input(prefix.1, cached.1);
    }
    cost
}

/// Compresses the first half of the conversation on its own and compares
/// its messages' bytes with the same messages in the whole.
fn prefix_stable(
    text: &str,
    conv: &Conversation,
    whole: &Compression,
    ctx: &Context,
) -> Option<bool> {
    let half = conv.messages.len() / 2;
    if half == 0 {
        return None;
    }
    let last = &conv.messages[half - 1];
    // The input as if the conversation had ended after message `half - 1`.
    let cut = match (&conv.list, conv.format.is_transcript()) {
        (_, true) => text[..last.range.end].to_string(),
        (Some(list), false) => format!("{}{}", &text[..last.range.end], &text[list.end - 1..]),
        (None, false) => return None,
    };
    let part = convo::parse(&cut)?;
    let c = convo::compress(&cut, &part, ctx, None);
    let a = whole.message_spans.get(half - 1)?;
    let b = c.message_spans.get(half - 1)?;
    Some(a.end == b.end && whole.output[..a.end] == c.output[..b.end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(s: &str) -> usize {
        s.len().div_ceil(4)
    }

    fn settings() -> Settings<'static> {
        Settings {
            cost: &cost,
            lossy_min_tokens: 50,
            model: Some("claude-sonnet-4-5"),
            model_from_file: false,
            top: 3,
            check_prefix: true,
        }
    }

    fn session() -> String {
        let records: Vec<String> = (0..80)
            .map(|i| format!(r#"{{"id": {i}, "level": "INFO", "msg": "request served"}}"#))
            .collect();
        let result = serde_json::to_string(&format!("[\n  {}\n]", records.join(",\n  "))).unwrap();
        let mut m = Vec::new();
        for t in 0..4 {
            m.push(format!(r#"{{"role":"user","content":"check logs {t}"}}"#));
            m.push(format!(r#"{{"role":"assistant","content":[{{"type":"tool_use","id":"t{t}","name":"Logs","input":{{}}}}]}}"#));
            m.push(format!(r#"{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"t{t}","content":{result}}}]}}"#));
            m.push(r#"{"role":"assistant","content":"done"}"#.to_string());
        }
        format!(
            r#"{{"model":"claude-sonnet-4-5","system":"Today is 2025-11-30.","messages":[{}]}}"#,
            m.join(",")
        )
    }

    #[test]
    fn accounts_tokens_waste_and_cost() {
        let r = simulate(session().as_bytes(), &settings()).unwrap();
        assert_eq!(r.format, Format::Anthropic);
        assert_eq!((r.tool_calls, r.tool_calls_paired), (4, 4));
        let results = &r.by_kind[&BlockKind::ToolResult];
        assert_eq!(results.blocks, 4);
        assert!(results.after < results.before);
        assert_eq!(
            r.by_kind[&BlockKind::User].before,
            r.by_kind[&BlockKind::User].after
        );
        assert!(r.tokens_after < r.tokens_before);
        assert_eq!(r.waste.dynamic_system_values, 1);
        assert_eq!(r.waste.rereads, 3);
        assert!(r.waste.json_whitespace > 0);
        assert_eq!(r.prefix_stable, Some(true));
        let cost = r.cost.unwrap();
        // Eight assistant turns, and the call this request itself makes.
        assert_eq!(cost.calls, 9);
        assert!(cost.after < cost.before);
        assert_eq!(r.top.len(), 3);
        assert_eq!(r.top[0].kind, BlockKind::ToolResult);
        assert!(r.would_store <= 4);
    }

    #[test]
    fn a_request_is_priced_as_the_call_it_makes() {
        let body = r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hello there, how are you?"}]}"#;
        let cost = simulate(body.as_bytes(), &settings())
            .unwrap()
            .cost
            .unwrap();
        assert_eq!(cost.calls, 1);
        assert!(cost.before > 0.0 && cost.before == cost.after);
    }

    #[test]
    fn the_files_model_prices_and_counts_unless_the_user_chose_one() {
        let chosen = Settings {
            model: Some("gpt-4o"),
            ..settings()
        };
        let r = simulate(session().as_bytes(), &chosen).unwrap();
        assert_eq!(r.cost.unwrap().priced_as, "gpt-4o");
        assert_eq!(r.model.as_deref(), Some("gpt-4o"));
        assert!(r.tokens_exact);
        let default = Settings {
            model_from_file: true,
            ..chosen
        };
        let r = simulate(session().as_bytes(), &default).unwrap();
        assert_eq!(r.cost.unwrap().priced_as, "claude-sonnet-4");
        assert_eq!(r.model.as_deref(), Some("claude-sonnet-4-5"));
        assert!(!r.tokens_exact, "Claude's tokenizer is estimated");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(simulate(b"", &settings()), Err(SimError::Empty));
        assert_eq!(simulate(b"\xff\xfe", &settings()), Err(SimError::NotText));
        assert_eq!(
            simulate(b"{\"a\":1}", &settings()),
            Err(SimError::NotConversation)
        );
        assert_eq!(
            simulate(b"plain text", &settings()),
            Err(SimError::NotConversation)
        );
    }
}
