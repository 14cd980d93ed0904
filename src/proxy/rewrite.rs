//! Request-body compression: the tool results of a conversation go through
//! the pipeline and are spliced into the original bytes; everything else is
//! forwarded byte for byte. Runs on the blocking pool under a time budget;
//! a panic, an overrun or a body that is not a conversation forwards the
//! original.
//!
//! A conversation comes back every turn with its earlier bytes unchanged
//! and a message or two more: the last few conversations are remembered
//! ([`Turns`]), so a body that repeats one up to the end of its last
//! message (checked by a 128-bit hash) parses, compresses and counts only
//! its new messages, to the same result as the whole body would give.

use std::collections::{HashMap, VecDeque};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use xxhash_rust::xxh3::Xxh3Default;

use crate::ccr::Sink;
use crate::compress::Context;
use crate::convo::{self, LeafMemo};
use crate::pipeline::Outcome;
use crate::tokens::{self, Encoding};

/// What compression did to one request body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rewritten {
    /// The body to send, when it changed: shared with the conversation's
    /// kept turn, so a body of megabytes is not copied to be sent.
    pub body: Option<Arc<String>>,
    /// Where the message list is (brackets included) in the body to send,
    /// which is valid JSON there: [`super::retrieve::prepare_knowing`]
    /// need not read a long conversation again to find its `tools`.
    pub list: Option<Range<usize>>,
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

impl Rewritten {
    /// A body forwarded as it is: not a conversation (or not text); only
    /// its model is read, for the usage record.
    pub fn untouched(body: &[u8]) -> Self {
        Rewritten {
            model: model(body),
            ..Rewritten::default()
        }
    }
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
    match std::str::from_utf8(body) {
        Ok(text) => rewrite_text(text, sink, memo, lossy_min_tokens, via),
        Err(_) => Rewritten::untouched(body),
    }
}

/// [`rewrite`] of a body already known to be UTF-8 (a body of megabytes
/// is checked once on the request path).
pub fn rewrite_text(
    text: &str,
    sink: Option<&dyn Sink>,
    memo: &Memo,
    lossy_min_tokens: usize,
    via: crate::ccr::RetrieveVia,
) -> Rewritten {
    let settings = Settings {
        sink: sink.is_some(),
        via,
        lossy_min_tokens,
    };
    if let Some(r) = memo
        .turns
        .again(text, settings, &memo.hits, |turn, hasher| {
            rewrite_after(text, turn, hasher, sink, memo)
        })
    {
        return r;
    }
    // A conversation names its model as it is parsed: one pass over a
    // large body, not two.
    let Some((conv, resume)) = convo::parse_resumable(text) else {
        return Rewritten::untouched(text.as_bytes());
    };
    let (encoding, _) = Encoding::for_model(conv.model.as_deref().unwrap_or(""));
    let cost = move |s: &str| tokens::count(s, encoding);
    let ctx = settings.context(sink, &cost);
    let view = MemoFor { memo, encoding };
    let c = convo::compress_memo(text, &conv, &ctx, None, Some(&view));
    let tally = tally(
        text,
        Tally::default(),
        &c.leaves,
        &conv.messages,
        memo,
        encoding,
    );
    // A body nothing was replaced in is its own output: not copied.
    let replaced = c.leaves.iter().any(|l| l.replacement.is_some());
    let output = replaced.then(|| Arc::new(c.output));
    let out = finish(text, &conv, &[], &c.leaves, tally, output.as_ref(), &view);
    if let Some(resume) = resume {
        let mut hasher = Xxh3Default::new();
        hasher.update(&text.as_bytes()[..resume.end]);
        let turn = Turn::new(
            text,
            settings,
            encoding,
            resume,
            hasher,
            Vec::new(),
            conv.messages,
        );
        memo.turns
            .keep(turn.done(c.leaves, tally, &out, output, text), None);
    }
    out
}

/// The parts of a request's rewrite that do not depend on its earlier
/// messages' bytes: the output, token counts, kinds and tools.
fn finish(
    text: &str,
    conv: &convo::Conversation,
    earlier: &[&[convo::Message]],
    leaves: &[convo::LeafOutcome],
    tally: Tally,
    output: Option<&Arc<String>>,
    view: &MemoFor,
) -> Rewritten {
    let mut out = Rewritten {
        model: conv.model.clone(),
        ..Rewritten::default()
    };
    let output = output.filter(|o| o.len() < text.len());
    let changed = output.is_some();
    let mut kinds: Vec<String> = Vec::new();
    for leaf in leaves.iter().filter(|l| l.replacement.is_some()) {
        if let Some(k) = leaf.kind {
            kinds.push(k.name().to_string());
        }
    }
    kinds.sort();
    kinds.dedup();
    out.kinds = kinds;
    out.tools = compressed_tools(earlier, conv, leaves);
    let (before, after) = tally.total(text, view.memo, view.encoding);
    out.tokens_before = before;
    out.tokens_after = if changed { after } else { before };
    // Every replacement is inside the list: its end moves by what they saved.
    out.list = conv.list.clone().filter(|list| {
        leaves
            .iter()
            .filter(|l| l.replacement.is_some())
            .all(|l| list.start <= l.range.start && l.range.end <= list.end)
    });
    if let Some(output) = output {
        out.list = out
            .list
            .and_then(|l| Some(l.start..l.end.checked_sub(text.len() - output.len())?));
        out.body = Some(Arc::clone(output));
    }
    out
}

/// [`rewrite`] of `text`, whose bytes up to the end of `turn`'s messages
/// are `turn`'s (hashed so far by `hasher`): only the messages after those
/// are parsed, compressed and counted. `None` when `text` must be
/// rewritten whole.
fn rewrite_after(
    text: &str,
    turn: &Turn,
    mut hasher: Xxh3Default,
    sink: Option<&dyn Sink>,
    memo: &Memo,
) -> Option<(Rewritten, Turn)> {
    let (tail, resume) = convo::parse_after(text, &turn.resume)?;
    let (encoding, _) = Encoding::for_model(tail.model.as_deref().unwrap_or(""));
    if encoding != turn.encoding {
        return None;
    }
    let cost = move |s: &str| tokens::count(s, encoding);
    let ctx = turn.settings.context(sink, &cost);
    // The earlier messages as compressing the new ones reads them (their
    // calls and user text), with no results of their own to compress.
    let conv = tail;
    let earlier: Vec<&[convo::Message]> = turn.messages.iter().map(|s| &s[..]).collect();
    let view = MemoFor { memo, encoding };
    let new = convo::compress::compress_leaves_after(&earlier, &conv, &ctx, Some(&view));
    // The earlier messages' output, then the rest of `text` with the new
    // results' replacements (all past the earlier messages) spliced in;
    // none when nothing was ever replaced: the output is `text`.
    let replaced = new.iter().any(|l| l.replacement.is_some());
    let output = (replaced || turn.output.is_some()).then(|| {
        let mut output = String::with_capacity(turn.out_end + text.len() - turn.resume.end);
        match &turn.output {
            Some(earlier) => output.push_str(&earlier[..turn.out_end]),
            None => output.push_str(&text[..turn.resume.end]),
        }
        let mut pos = turn.resume.end;
        for leaf in &new {
            if let Some(rep) = &leaf.replacement {
                output.push_str(&text[pos..leaf.range.start]);
                output.push_str(rep);
                pos = leaf.range.end;
            }
        }
        output.push_str(&text[pos..]);
        Arc::new(output)
    });
    let mut leaves = turn.leaves.clone();
    leaves.extend(new);
    let tally = tally(
        text,
        turn.tally,
        &leaves[turn.leaves.len()..],
        &conv.messages,
        memo,
        encoding,
    );
    let out = finish(
        text,
        &conv,
        &earlier,
        &leaves,
        tally,
        output.as_ref(),
        &view,
    );
    hasher.update(&text.as_bytes()[turn.resume.end..resume.end]);
    let next = Turn::new(
        text,
        turn.settings,
        encoding,
        resume,
        hasher,
        turn.messages.clone(),
        conv.messages,
    );
    let next = next.done(leaves, tally, &out, output, text);
    Some((out, next))
}

/// What a rewrite depends on besides the body (and the store's contents).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Settings {
    sink: bool,
    via: crate::ccr::RetrieveVia,
    lossy_min_tokens: usize,
}

impl Settings {
    /// The pipeline's context for a request's tool results under these
    /// settings (`sink` is the store they were taken with).
    fn context<'a>(
        &self,
        sink: Option<&'a dyn Sink>,
        cost: &'a (dyn Fn(&str) -> usize + Sync),
    ) -> Context<'a> {
        Context {
            query: Default::default(),
            lossless: sink.is_none(),
            valid_json: false,
            sink,
            via: self.via,
            cost,
            lossy_min_tokens: self.lossy_min_tokens,
        }
    }
}

/// A conversation as rewritten last: enough to rewrite its next turn from
/// the new messages alone, or the same body again from nothing.
struct Turn {
    settings: Settings,
    encoding: Encoding,
    resume: convo::Resume,
    /// xxh3-128 of the input up to `resume.end`, and of all of it.
    prefix_hash: u128,
    len: usize,
    hash: u128,
    /// [`sampled`] up to `resume.end`: a cheap first check.
    sampled: u64,
    /// The messages, reduced to what compressing later ones reads: a
    /// segment per turn, shared with the turns before (a long conversation's
    /// next turn copies no message).
    messages: Vec<Arc<[convo::Message]>>,
    /// Every tool result's outcome, with its replacement text emptied (it
    /// is in `output`).
    leaves: Vec<convo::LeafOutcome>,
    tally: Tally,
    /// How many results were looked up in the memo: counted as hits when
    /// the turn is picked up again, as looking them up again would.
    looked_up: u64,
    /// The rewrite of the whole body (its body left out), the output of
    /// compression (sent when smaller; `None`: nothing was replaced, the
    /// output is the input), and where the last message ends in it.
    rewritten: Rewritten,
    output: Option<Arc<String>>,
    out_end: usize,
}

impl Turn {
    fn new(
        text: &str,
        settings: Settings,
        encoding: Encoding,
        resume: convo::Resume,
        prefix: Xxh3Default,
        mut messages: Vec<Arc<[convo::Message]>>,
        mut new: Vec<convo::Message>,
    ) -> Turn {
        let mut whole = prefix.clone();
        whole.update(&text.as_bytes()[resume.end..]);
        for b in new.iter_mut().flat_map(|m| &mut m.blocks) {
            skeletonize(b);
        }
        messages.push(new.into());
        Turn {
            settings,
            encoding,
            sampled: sampled(text.as_bytes(), resume.end),
            resume,
            prefix_hash: prefix.digest128(),
            len: text.len(),
            hash: whole.digest128(),
            messages,
            leaves: Vec::new(),
            tally: Tally::default(),
            looked_up: 0,
            rewritten: Rewritten::default(),
            output: None,
            out_end: 0,
        }
    }

    fn done(
        mut self,
        leaves: Vec<convo::LeafOutcome>,
        tally: Tally,
        out: &Rewritten,
        output: Option<Arc<String>>,
        text: &str,
    ) -> Turn {
        self.looked_up = leaves
            .iter()
            .filter(|l| !matches!(l.left_alone, Some("too small" | "retrieved original")))
            .count() as u64;
        self.leaves = leaves
            .into_iter()
            .map(|l| convo::LeafOutcome {
                replacement: l.replacement.map(|_| String::new()),
                transforms: Vec::new(),
                hashes: Vec::new(),
                ..l
            })
            .collect();
        self.tally = tally;
        // Nothing past the last message is replaced.
        let len = output.as_ref().map_or(text.len(), |o| o.len());
        self.out_end = (self.resume.end + len).saturating_sub(text.len());
        self.output = output;
        self.rewritten = Rewritten {
            body: None,
            ..out.clone()
        };
        self
    }

    /// Whether `body` may repeat this turn's messages: as long, and alike
    /// where [`sampled`] looks (the prefix hash decides).
    fn may_continue(&self, body: &[u8]) -> bool {
        self.resume.end <= body.len() && self.sampled == sampled(body, self.resume.end)
    }

    /// Bytes held.
    fn weight(&self) -> usize {
        self.output.as_ref().map_or(0, |o| o.len())
            + self
                .messages
                .iter()
                .map(|s| s.len() * 64 + 16)
                .sum::<usize>()
            + self.leaves.len() * 128
            + 512
    }
}

/// Reduces a block to what compressing later messages reads: user text,
/// calls' text, ids and names; no results.
fn skeletonize(b: &mut convo::Block) {
    if !matches!(b.kind, convo::BlockKind::User | convo::BlockKind::ToolCall) {
        b.text = String::new();
    }
    b.leaves = Vec::new();
}

/// xxh3-64 of a sample of `text[..end]`: its last 256 bytes and 64 bytes
/// at each of 15 points spread before them. Bodies of one agent's sessions
/// share a system prompt, tools and the shape of every turn, and often end
/// alike; the sample tells them apart at the cost of 1 KB, not of a hash of
/// the whole prefix per session kept.
fn sampled(text: &[u8], end: usize) -> u64 {
    const POINTS: usize = 15;
    const SPAN: usize = 64;
    let bytes = &text[..end];
    let tail = end.saturating_sub(256);
    let mut h = Xxh3Default::new();
    for i in 0..POINTS {
        let at = tail * i / POINTS;
        h.update(&bytes[at..(at + SPAN).min(tail)]);
    }
    h.update(&bytes[tail..]);
    h.digest()
}

/// Conversations kept at most, and bytes (their outputs) held at most.
const TURNS_KEPT: usize = 32;
const TURNS_BYTES: usize = 64 << 20;

/// The last conversations rewritten, most recent first.
#[derive(Default)]
struct Turns {
    list: Mutex<VecDeque<Arc<Turn>>>,
}

impl Turns {
    /// The rewrite of `text` from a conversation it continues or repeats,
    /// if one is kept: `after` rewrites it from that conversation's turn
    /// (with a hasher past its messages).
    fn again(
        &self,
        text: &str,
        settings: Settings,
        hits: &AtomicU64,
        after: impl FnOnce(&Turn, Xxh3Default) -> Option<(Rewritten, Turn)>,
    ) -> Option<Rewritten> {
        let mut candidates: Vec<Arc<Turn>> = self
            .lock()
            .iter()
            .filter(|t| t.settings == settings && t.may_continue(text.as_bytes()))
            .cloned()
            .collect();
        // One pass over the body, shortest prefix first, however many
        // candidates there are (sessions of one agent can sample alike);
        // the longest that matches leaves the least to do.
        candidates.sort_by_key(|t| t.resume.end);
        let mut hasher = Xxh3Default::new();
        let mut hashed = 0;
        let mut found: Option<(Arc<Turn>, Xxh3Default)> = None;
        for turn in candidates {
            hasher.update(&text.as_bytes()[hashed..turn.resume.end]);
            hashed = turn.resume.end;
            let longer = found.as_ref().is_none_or(|(f, _)| f.resume.end < hashed);
            if longer && hasher.digest128() == turn.prefix_hash {
                found = Some((turn, hasher.clone()));
            }
        }
        if let Some((turn, hasher)) = found {
            if text.len() == turn.len {
                let mut whole = hasher.clone();
                whole.update(&text.as_bytes()[turn.resume.end..]);
                if whole.digest128() == turn.hash {
                    let mut r = turn.rewritten.clone();
                    if let Some(o) = &turn.output
                        && r.body.is_none()
                        && o.len() < text.len()
                    {
                        r.body = Some(Arc::clone(o));
                    }
                    self.keep_arc(Arc::clone(&turn), Some(&turn));
                    hits.fetch_add(turn.looked_up, Ordering::Relaxed);
                    return Some(r);
                }
            }
            let (r, next) = after(&turn, hasher)?;
            hits.fetch_add(turn.looked_up, Ordering::Relaxed);
            self.keep(next, Some(&turn));
            return Some(r);
        }
        None
    }

    /// Keeps `turn` first, in place of `old` (the turn it continues).
    fn keep(&self, turn: Turn, old: Option<&Arc<Turn>>) {
        if turn.weight() > TURNS_BYTES {
            return;
        }
        self.keep_arc(Arc::new(turn), old);
    }

    fn keep_arc(&self, turn: Arc<Turn>, old: Option<&Arc<Turn>>) {
        let mut list = self.lock();
        list.retain(|t| !old.is_some_and(|o| Arc::ptr_eq(t, o)));
        list.push_front(turn);
        let mut bytes = 0;
        let mut n = 0;
        for t in list.iter() {
            bytes += t.weight();
            if bytes > TURNS_BYTES || n == TURNS_KEPT {
                break;
            }
            n += 1;
        }
        list.truncate(n.max(1));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Turn>>> {
        self.list.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The names of the calls answered by the compressed results, for usage records.
fn compressed_tools(
    earlier: &[&[convo::Message]],
    conv: &convo::Conversation,
    leaves: &[convo::compress::LeafOutcome],
) -> Vec<String> {
    let messages: Vec<&convo::Message> = earlier
        .iter()
        .flat_map(|s| s.iter())
        .chain(&conv.messages)
        .collect();
    // The first call of each id names it.
    let mut names: HashMap<&str, &str> = HashMap::new();
    for b in messages.iter().flat_map(|m| &m.blocks) {
        if let (Some(id), Some(name)) = (b.call_id.as_deref(), b.tool_name.as_deref()) {
            names.entry(id).or_insert(name);
        }
    }
    let mut tools: Vec<String> = leaves
        .iter()
        .filter(|l| l.replacement.is_some())
        .filter_map(|l| {
            messages
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
///
/// Counted left to right: a tally up to the end of the last result so far,
/// which the next turn of the conversation continues.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Tally {
    before: u64,
    saved: u64,
    /// Where the counted part of the input ends.
    pos: usize,
}

impl Tally {
    /// The counts of the whole of `text`: the tally and what follows it.
    fn total(self, text: &str, memo: &Memo, encoding: Encoding) -> (u64, u64) {
        let before = self.before + gap_tokens(&text[self.pos..], memo, encoding);
        (before, before - self.saved.min(before))
    }
}

/// `t` carried on over `leaves` (each past `t.pos`) to the end of the
/// last of `messages` (in order).
fn tally(
    text: &str,
    mut t: Tally,
    leaves: &[convo::LeafOutcome],
    messages: &[convo::Message],
    memo: &Memo,
    encoding: Encoding,
) -> Tally {
    let count_to = |t: &mut Tally, end: usize| {
        // A stretch per message: counted the same whether the body is
        // counted whole or turn by turn, and each message once (a long
        // conversation's latest messages are not counted again with it).
        let from = messages.partition_point(|m| m.range.end <= t.pos);
        for e in messages[from..]
            .iter()
            .map(|m| m.range.end)
            .take_while(|&e| e < end)
        {
            t.before += gap_tokens(&text[t.pos..e], memo, encoding);
            t.pos = e;
        }
        t.before += gap_tokens(&text[t.pos..end], memo, encoding);
        t.pos = end;
    };
    for leaf in leaves.iter().filter(|l| l.tokens_before > 0) {
        count_to(&mut t, leaf.range.start);
        t.before += leaf.tokens_before as u64;
        if leaf.replacement.is_some() {
            t.saved += leaf.tokens_before.saturating_sub(leaf.tokens_after) as u64;
        }
        t.pos = leaf.range.end;
    }
    if let Some(last) = messages.last().map(|m| m.range.end).filter(|&e| e > t.pos) {
        count_to(&mut t, last);
    }
    t
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
    /// The last conversations rewritten.
    turns: Turns,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

#[derive(Default)]
struct MemoInner {
    map: HashMap<(Encoding, [u8; 32]), Outcome>,
    order: VecDeque<(Encoding, [u8; 32])>,
    bytes: usize,
}

/// A body [`Memo::continues_cheaply`] may say yes to is at most this long,
/// and has at most this much past the kept conversation's messages.
const CHEAP_BODY_BYTES: usize = 1 << 20;
const CHEAP_TAIL_BYTES: usize = 64 << 10;

impl Memo {
    /// Whether `body` looks like the next turn of a kept conversation with
    /// little new in it: its rewrite is then a hash, a short parse and a
    /// splice, cheaper than a hop to another thread and back. A guess from
    /// the bytes just before that conversation's end, which the rewrite
    /// checks.
    pub fn continues_cheaply(&self, body: &[u8]) -> bool {
        body.len() <= CHEAP_BODY_BYTES
            && self
                .turns
                .lock()
                .iter()
                .any(|t| t.may_continue(body) && body.len() - t.resume.end <= CHEAP_TAIL_BYTES)
    }

    pub fn new(cap: usize) -> Memo {
        Memo {
            cap,
            inner: Mutex::new(MemoInner::default()),
            counts: Mutex::default(),
            turns: Turns::default(),
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
    /// summary line), without tokenizing the whole body every turn: a
    /// stretch per message, so each message is counted once.
    #[test]
    fn counts_whole_requests() {
        let count = |s: &str| tokens::count(s, Encoding::O200k) as u64;
        // `s` counted in pieces cut where its messages end, and around
        // `leaf` (left out).
        let pieces = |s: &str, leaf: Range<usize>| {
            let mut cuts: Vec<usize> = convo::parse(s)
                .unwrap()
                .messages
                .iter()
                .map(|m| m.range.end)
                .chain([0, s.len(), leaf.start, leaf.end])
                .collect();
            cuts.sort();
            cuts.dedup();
            cuts.windows(2)
                .filter(|w| w[0] != leaf.start || leaf.is_empty())
                .map(|w| count(&s[w[0]..w[1]]))
                .sum::<u64>()
        };
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
                (pieces(&small, 0..0), pieces(&small, 0..0))
            );
            // Cut where messages end, the count stays the whole body's
            // within a token or so a message.
            assert!(pieces(&small, 0..0).abs_diff(count(&small)) <= 2);
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
        let rest = pieces(&one, leaf.range.clone());
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

    /// A small deterministic generator (xorshift), so every case is the
    /// same on every run.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// One turn's messages in `anthropic` or Chat shape: a user question,
    /// a call and its (compressible or small) result, or plain text.
    fn turn(g: &mut Gen, t: usize, anthropic: bool) -> Vec<String> {
        let rows = [0, 3, 40, 120][g.next(4)];
        let result: Vec<String> = (0..rows)
            .map(|i| {
                format!(
                    r#"{{"id":{i},"turn":{t},"status":"ok","region":"eu-west-{}"}}"#,
                    i % 3
                )
            })
            .collect();
        let result = serde_json::to_string(&format!("[{}]", result.join(","))).unwrap();
        let user = serde_json::to_string(&format!("what about turn {t}? \"quoted\"")).unwrap();
        let space = [" ", "", "\n  "][g.next(3)];
        match (g.next(3), anthropic) {
            (0, _) => vec![
                format!(r#"{{"role":"user","content":{user}}}"#),
                format!(r#"{{"role":"assistant","content":"ok{t}"}}"#),
            ],
            (_, false) => vec![
                format!(
                    r#"{{"role":"assistant","content":null,"tool_calls":[{{"id":"c{t}","type":"function","function":{{"name":"q{}","arguments":"{{}}"}}}}]}}"#,
                    t % 2
                ),
                format!(r#"{{"role":"tool",{space}"tool_call_id":"c{t}","content":{result}}}"#),
            ],
            (_, true) => vec![
                format!(
                    r#"{{"role":"assistant","content":[{{"type":"tool_use","id":"c{t}","name":"q","input":{{}}}}]}}"#
                ),
                format!(
                    r#"{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"c{t}",{space}"content":{result}}}]}}"#
                ),
            ],
        }
    }

    /// A request body around `messages`: the model, `system` and other
    /// fields before or after the list, whitespace around its items.
    fn request(g: &mut Gen, shape: usize, messages: &[String]) -> String {
        let sep = [",", ", ", ",\n"][shape % 3];
        let list = format!("[{}]", messages.join(sep));
        match shape % 4 {
            0 => format!(r#"{{"model":"gpt-4o","messages":{list}}}"#),
            1 => {
                format!(r#"{{"model":"gpt-4o","stream":true,"messages": {list} ,"x":{{"a":[1]}}}}"#)
            }
            2 => {
                format!(r#"{{"messages":{list},"system":"be brief","model":"claude-sonnet-4-5"}}"#)
            }
            _ => format!(
                r#"{{"model":"m","tools":[{{"type":"function","function":{{"name":"q0"}}}}],"messages":{list},"n":{}}}"#,
                g.next(9)
            ),
        }
    }

    /// `body` rewritten with `memo` as the proxy rewrites it.
    fn run(memo: &Memo, body: &str) -> Rewritten {
        rewrite(
            body.as_bytes(),
            Some(&HashOnlySink),
            memo,
            50,
            RetrieveVia::Tool,
        )
    }

    /// The next turn of a kept conversation is told apart from a new
    /// conversation, and from a next turn with much new in it.
    #[test]
    fn a_next_turn_with_little_new_continues_cheaply() {
        let memo = Memo::new(1 << 20);
        let first = body(1);
        assert!(!memo.continues_cheaply(first.as_bytes()));
        run(&memo, &first);
        assert!(memo.continues_cheaply(body(2).as_bytes()));
        // The same body again (a retry) also continues it.
        assert!(memo.continues_cheaply(first.as_bytes()));
        let other = first.replace("list the regions", "list the zones");
        assert!(!memo.continues_cheaply(other.as_bytes()));
        // The result in each turn is about 20 KB: four more turns are too much.
        assert!(!memo.continues_cheaply(body(5).as_bytes()));
        // Whatever it guessed, the rewrite is the whole body's.
        let whole = run(&Memo::new(1 << 20), &body(2));
        let next = run(&memo, &body(2));
        assert_eq!(next, whole);
    }

    /// Sessions alike but for one byte, taking turns: each next turn is
    /// picked up from its own session's, never from another's.
    #[test]
    fn sessions_that_sample_alike_resume_their_own_turns() {
        let memo = Memo::new(8 << 20);
        let session = |k: u8, turns: usize| {
            body(turns).replace(
                "list the regions",
                &format!("list the region{}", (b'a' + k) as char),
            )
        };
        for turns in 1..=3 {
            for k in 0..6 {
                let b = session(k, turns);
                let whole = run(&Memo::new(8 << 20), &b);
                let next = run(&memo, &b);
                assert_eq!(next, whole, "session {k} turn {turns}");
            }
        }
    }

    /// The rewrite of each turn picked up from the one before gives what
    /// the whole body gives, turn after turn; so do bodies that change an
    /// earlier message, add none, or are not JSON past the earlier ones.
    #[test]
    fn a_next_turn_rewrites_as_the_whole_body() {
        let whole = |b: &str| {
            rewrite(
                b.as_bytes(),
                Some(&HashOnlySink),
                &Memo::new(1 << 20),
                50,
                RetrieveVia::Tool,
            )
        };
        let mut resumed = 0;
        for seed in 1..=24u64 {
            let mut g = Gen(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let shape = g.next(8);
            // Shape 2 has a `system`: Anthropic. Otherwise a conversation
            // starts with no message telling the formats apart.
            let anthropic = shape % 4 == 2 || g.next(2) == 0;
            let memo = Memo::new(1 << 20);
            let next = |body: &str| {
                rewrite(
                    body.as_bytes(),
                    Some(&HashOnlySink),
                    &memo,
                    50,
                    RetrieveVia::Tool,
                )
            };
            let mut messages = vec![r#"{"role":"user","content":"go"}"#.to_string()];
            for t in 0..6 {
                messages.extend(turn(&mut g, t, anthropic));
                let body = request(&mut Gen(seed), shape, &messages);
                let (before, _) = memo.turns.lock().front().map_or((0, 0), |t| (t.len, 0));
                let r = next(&body);
                assert_eq!(r, whole(&body), "seed {seed} turn {t}: {body}");
                if before > 0 && before < body.len() {
                    resumed += 1;
                }
                // The same body again.
                let again = next(&body);
                assert_eq!(again, r, "seed {seed} turn {t} again");
                // A variant the turn kept must not be picked up from.
                let variant = match g.next(4) {
                    // An earlier message changed, and one more turn.
                    0 => {
                        let mut m = messages.clone();
                        m[0] = r#"{"role":"user","content":"stop"}"#.into();
                        m.extend(turn(&mut g, 90, anthropic));
                        request(&mut Gen(seed), shape, &m)
                    }
                    // No new message; a field after the list changed.
                    1 => body.replacen(r#""n":"#, r#""n":1"#, 1).replacen(
                        r#""a":[1]"#,
                        r#""a":[2]"#,
                        1,
                    ),
                    // Not JSON past the earlier messages.
                    2 => {
                        let end = body.rfind(']').unwrap();
                        format!("{},]{}", &body[..end], &body[end + 1..])
                    }
                    // A Chat conversation turned Anthropic by its new turn.
                    _ => {
                        let mut m = messages.clone();
                        m.extend(turn(&mut g, 91, !anthropic));
                        request(&mut Gen(seed), shape, &m)
                    }
                };
                let v = next(&variant);
                assert_eq!(
                    v,
                    whole(&variant),
                    "seed {seed} turn {t} variant: {variant}"
                );
                // The conversation goes on from its own last turn.
                let r = next(&body);
                assert_eq!(r, whole(&body));
            }
        }
        assert!(resumed > 50, "{resumed} turns picked up");
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
