//! Conversations: one provider-neutral model of a chat request or agent
//! transcript, with an adapter per wire format.
//!
//! Requests and transcripts are parsed with `serde_json::RawValue`, so every
//! message and every tool-result string keeps the byte range it has in the
//! input. Compression ([`compress`]) replaces only those ranges and copies
//! everything else through byte for byte: unknown fields, key order,
//! whitespace and escapes stay exactly as the client wrote them.
//!
//! Formats: OpenAI Chat ([`openai_chat`]), OpenAI Responses ([`responses`]),
//! Anthropic Messages ([`anthropic`]), Claude Code transcripts
//! ([`claude_code`]) and Codex rollouts ([`codex`]); [`parse`] detects which.

pub mod anthropic;
pub mod claude_code;
pub mod codex;
pub mod compress;
pub mod fit;
pub mod openai_chat;
pub mod responses;

use std::ops::Range;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

pub use self::compress::{Compression, LeafMemo, LeafOutcome, compress, compress_memo};

/// The wire format of a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    OpenAiChat,
    OpenAiResponses,
    Anthropic,
    ClaudeCode,
    Codex,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::OpenAiChat => "openai-chat",
            Format::OpenAiResponses => "openai-responses",
            Format::Anthropic => "anthropic",
            Format::ClaudeCode => "claude-code",
            Format::Codex => "codex",
        }
    }

    /// Transcripts are JSONL files an agent keeps on disk; the others are
    /// request bodies (or their message lists).
    pub fn is_transcript(self) -> bool {
        matches!(self, Format::ClaudeCode | Format::Codex)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
    /// OpenAI Chat `tool` messages and Responses `*_output` items.
    Tool,
    /// Items the adapters keep but do not interpret (e.g. Responses `reasoning`).
    Other,
}

/// What a block is, for accounting and for what compression may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BlockKind {
    System,
    ToolDefinitions,
    User,
    Assistant,
    Thinking,
    ToolCall,
    ToolResult,
    Image,
    Other,
}

impl BlockKind {
    pub const ALL: [BlockKind; 9] = [
        BlockKind::System,
        BlockKind::ToolDefinitions,
        BlockKind::User,
        BlockKind::Assistant,
        BlockKind::Thinking,
        BlockKind::ToolCall,
        BlockKind::ToolResult,
        BlockKind::Image,
        BlockKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BlockKind::System => "system",
            BlockKind::ToolDefinitions => "tool definitions",
            BlockKind::User => "user",
            BlockKind::Assistant => "assistant",
            BlockKind::Thinking => "thinking",
            BlockKind::ToolCall => "tool call",
            BlockKind::ToolResult => "tool result",
            BlockKind::Image => "image",
            BlockKind::Other => "other",
        }
    }
}

/// A JSON string literal inside a tool result that compression may replace:
/// its byte range in the input (quotes included) and its decoded text.
#[derive(Clone, Debug, PartialEq)]
pub struct Leaf {
    pub range: Range<usize>,
    pub text: String,
}

/// One content block of a message.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    /// The text a model reads (tool call: name and arguments; image: empty).
    pub text: String,
    /// Tool call id (calls) or the id of the call answered (results).
    pub call_id: Option<String>,
    /// Tool name (calls only).
    pub tool_name: Option<String>,
    /// The replaceable strings of a tool result (empty for other kinds).
    pub leaves: Vec<Leaf>,
}

impl Block {
    pub fn new(kind: BlockKind, text: String) -> Block {
        Block {
            kind,
            text,
            call_id: None,
            tool_name: None,
            leaves: Vec::new(),
        }
    }
}

/// One message (request formats) or record (transcripts).
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub role: Role,
    /// Byte range of the whole message object (transcripts: the line).
    pub range: Range<usize>,
    pub blocks: Vec<Block>,
}

impl Message {
    /// A human turn: a user message with text, not only tool results.
    pub fn is_user_text(&self) -> bool {
        self.role == Role::User && self.blocks.iter().any(|b| b.kind == BlockKind::User)
    }

    pub fn has_kind(&self, kind: BlockKind) -> bool {
        self.blocks.iter().any(|b| b.kind == kind)
    }
}

/// A parsed conversation. Byte ranges refer to the text it was parsed from.
#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    pub format: Format,
    /// Blocks outside the message list: top-level system prompt, instructions
    /// and tool definitions.
    pub preamble: Vec<Block>,
    pub messages: Vec<Message>,
    /// Request formats: byte range of the message array (brackets included),
    /// where `--fit` rewrites the list.
    pub list: Option<Range<usize>>,
    /// Transcript lines that were not valid JSON (e.g. a truncated last line).
    pub bad_lines: usize,
    /// Transcript records of types that carry nothing a model reads.
    pub skipped_records: usize,
    /// The model the request names, or the transcript's latest model.
    pub model: Option<String>,
}

/// Parses `text` as a conversation in any supported format, or `None` when
/// it is not one.
pub fn parse(text: &str) -> Option<Conversation> {
    parse_resumable(text).map(|(conv, _)| conv)
}

/// Where the parse of a request body can be picked up when the next turn's
/// body repeats it up to the end of its last message ([`parse_after`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Resume {
    /// Just past the `[` of the message list.
    pub head: usize,
    /// The end of the last message.
    pub end: usize,
    pub format: Format,
    /// Whether the body has a top-level `system` (which makes it Anthropic).
    system: bool,
    /// What the messages so far say of the format (see [`decides_anthropic`]).
    decided: Option<bool>,
}

/// [`parse`], with where the next turn of a request body with `messages`
/// can resume (`None` for other formats and shapes).
pub fn parse_resumable(text: &str) -> Option<(Conversation, Option<Resume>)> {
    let t = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.starts_with('[') {
        // Most arrays headroom sees are tool output; a list of messages
        // names a role or an item type early, so skip parsing the rest.
        let head = &t.as_bytes()[..t.len().min(64 * 1024)];
        let mentions = |key: &[u8]| memchr::memmem::find(head, key).is_some();
        return (mentions(b"\"role\"") || mentions(b"\"type\""))
            .then(|| parse_list(text))
            .flatten()
            .map(|conv| (conv, None));
    }
    if !t.starts_with('{') {
        return None;
    }
    // A request body with `messages` (Chat, Anthropic): the list split
    // into messages in the same pass as the body. Anything else, or a body
    // this path does not take, goes the general way below.
    if let Ok(body) = serde_json::from_str::<Body>(text)
        && let Some(items) = &body.messages
        && let Some(list) = list_range(text, items)
        && let Some((mut conv, decided)) =
            parse_message_list(text, items, list.clone(), body.system, body.tools)
        && let Some(last) = conv.messages.last()
    {
        let resume = Resume {
            head: list.start + 1,
            end: last.range.end,
            format: conv.format,
            system: body.system.is_some(),
            decided,
        };
        conv.model = string_of(body.model);
        return Some((conv, Some(resume)));
    }
    if let Ok(obj) = serde_json::from_str::<Obj>(text) {
        // One JSON object is a request body, or at most a one-line
        // transcript; a pretty-printed document is never read line by line.
        if let Some(conv) = parse_body(text, &obj) {
            return Some((conv, None));
        }
        if t.trim_end().contains('\n') {
            return None;
        }
    }
    // Not one JSON value: maybe one record per line.
    claude_code::parse(text)
        .or_else(|| codex::parse(text))
        .map(|conv| (conv, None))
}

/// The messages of `text` past those `from` was made from, ranges in
/// `text`, with the body's preamble, list and model, and where the next
/// turn can resume; prepended with the earlier messages, this is what
/// [`parse`] gives for `text`. The caller guarantees that `text[..from.end]`
/// is the text `from` was made from (by hash). `None` when `text` must be
/// parsed whole: no new message, or one that changes the format.
///
/// The new messages are parsed from a copy of `text` with the earlier ones
/// cut out: a JSON array's items are independent, so that copy parses iff
/// `text` does, to the same fields.
pub fn parse_after(text: &str, from: &Resume) -> Option<(Conversation, Resume)> {
    let bytes = text.as_bytes();
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let comma = from.end + bytes.get(from.end..)?.iter().position(|b| !is_space(b))?;
    if bytes[comma] != b',' {
        return None;
    }
    let next = comma + 1 + bytes[comma + 1..].iter().position(|b| !is_space(b))?;
    // `,]` is not JSON, yet would be once the comma is cut.
    if bytes[next] == b']' || next < from.head {
        return None;
    }
    let cut = next - from.head;
    let mut rest = String::with_capacity(text.len() - cut);
    rest.push_str(text.get(..from.head)?);
    rest.push_str(&text[next..]);
    let body: Body = serde_json::from_str(&rest).ok()?;
    let items = body.messages.as_ref()?;
    let list = list_range(&rest, items)?;
    if list.start + 1 != from.head || body.system.is_some() != from.system {
        return None;
    }
    let decided = if from.system {
        None
    } else {
        from.decided.or_else(|| decides_anthropic(items))
    };
    let anthropic = from.system || decided == Some(true);
    let mut conv = if anthropic {
        anthropic::parse_messages(&rest, items)
    } else {
        openai_chat::parse_messages(&rest, items)
    }?;
    if conv.format != from.format {
        return None;
    }
    add_preamble(&mut conv, anthropic, body.system, body.tools);
    conv.list = Some(list.start..list.end + cut);
    conv.model = string_of(body.model);
    for m in &mut conv.messages {
        m.range = m.range.start + cut..m.range.end + cut;
        for leaf in m.blocks.iter_mut().flat_map(|b| &mut b.leaves) {
            leaf.range = leaf.range.start + cut..leaf.range.end + cut;
        }
    }
    let end = conv.messages.last()?.range.end;
    let resume = Resume {
        end,
        decided,
        ..from.clone()
    };
    Some((conv, resume))
}

/// A request body: Chat or Anthropic `messages`, or Responses `input`.
fn parse_body(base: &str, obj: &Obj) -> Option<Conversation> {
    let mut conv = parse_body_messages(base, obj)?;
    conv.model = string_of(obj.model);
    Some(conv)
}

fn parse_body_messages(base: &str, obj: &Obj) -> Option<Conversation> {
    if let Some(messages) = obj.messages {
        let items: Vec<&RawValue> = serde_json::from_str(messages.get()).ok()?;
        let list = range_of(base, messages.get());
        return parse_message_list(base, &items, list, obj.system, obj.tools).map(|(c, _)| c);
    }
    // A string `input` holds no tool results: nothing to do.
    let input = obj.input?;
    let items: Vec<&RawValue> = serde_json::from_str(input.get()).ok()?;
    let mut conv = responses::parse_items(base, &items)?;
    conv.list = Some(range_of(base, input.get()));
    if let Some(text) = string_of(obj.instructions) {
        conv.preamble.push(Block::new(BlockKind::System, text));
    }
    if let Some(tools) = obj.tools {
        conv.preamble.push(Block::new(
            BlockKind::ToolDefinitions,
            tools.get().to_string(),
        ));
    }
    Some(conv)
}

/// The `messages` of a Chat or Anthropic request body: `items`, the list at
/// `list` in `base`, with the body's `system` and `tools`; and what the
/// items say of the format, when there is no `system`.
fn parse_message_list(
    base: &str,
    items: &[&RawValue],
    list: Range<usize>,
    system: Option<&RawValue>,
    tools: Option<&RawValue>,
) -> Option<(Conversation, Option<bool>)> {
    let decided = if system.is_some() {
        None
    } else {
        decides_anthropic(items)
    };
    let anthropic = system.is_some() || decided == Some(true);
    let mut conv = if anthropic {
        anthropic::parse_messages(base, items)
    } else {
        openai_chat::parse_messages(base, items)
    }?;
    conv.list = Some(list);
    add_preamble(&mut conv, anthropic, system, tools);
    Some((conv, decided))
}

/// The body's `system` (Anthropic) and `tools` as preamble blocks.
fn add_preamble(
    conv: &mut Conversation,
    anthropic: bool,
    system: Option<&RawValue>,
    tools: Option<&RawValue>,
) {
    if anthropic && let Some(system) = system {
        conv.preamble.extend(anthropic::system_blocks(system));
    }
    if let Some(tools) = tools {
        conv.preamble.push(Block::new(
            BlockKind::ToolDefinitions,
            tools.get().to_string(),
        ));
    }
}

/// The byte range of a non-empty JSON array (brackets included) from its
/// items, slices of `base`: the brackets are the first bytes past the
/// whitespace around them.
fn list_range(base: &str, items: &[&RawValue]) -> Option<Range<usize>> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let first = range_of(base, items.first()?.get());
    let last = range_of(base, items.last()?.get());
    let bytes = base.as_bytes();
    let open = bytes[..first.start].iter().rposition(|b| !is_space(b))?;
    let close = last.end + bytes[last.end..].iter().position(|b| !is_space(b))?;
    (bytes[open] == b'[' && bytes[close] == b']').then_some(open..close + 1)
}

/// A request body's fields with `messages` split into raw messages. Every
/// other field [`Obj`] reads is named too (and skipped), so a body this
/// parses is one `Obj` parses: a repeated field fails both alike.
#[derive(Deserialize)]
struct Body<'a> {
    #[serde(borrow, default)]
    messages: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    system: Option<&'a RawValue>,
    #[serde(borrow, default)]
    tools: Option<&'a RawValue>,
    #[serde(borrow, default)]
    model: Option<&'a RawValue>,
    #[serde(default, rename = "role")]
    _role: Option<IgnoredAny>,
    #[serde(default, rename = "type")]
    _kind: Option<IgnoredAny>,
    #[serde(default, rename = "content")]
    _content: Option<IgnoredAny>,
    #[serde(default, rename = "text")]
    _text: Option<IgnoredAny>,
    #[serde(default, rename = "thinking")]
    _thinking: Option<IgnoredAny>,
    #[serde(default, rename = "tool_calls")]
    _tool_calls: Option<IgnoredAny>,
    #[serde(default, rename = "tool_call_id")]
    _tool_call_id: Option<IgnoredAny>,
    #[serde(default, rename = "tool_use_id")]
    _tool_use_id: Option<IgnoredAny>,
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[serde(default, rename = "call_id")]
    _call_id: Option<IgnoredAny>,
    #[serde(default, rename = "name")]
    _name: Option<IgnoredAny>,
    #[serde(default, rename = "arguments")]
    _arguments: Option<IgnoredAny>,
    #[serde(default, rename = "input")]
    _input: Option<IgnoredAny>,
    #[serde(default, rename = "output")]
    _output: Option<IgnoredAny>,
    #[serde(default, rename = "function")]
    _function: Option<IgnoredAny>,
    #[serde(default, rename = "message")]
    _message: Option<IgnoredAny>,
    #[serde(default, rename = "payload")]
    _payload: Option<IgnoredAny>,
    #[serde(default, rename = "instructions")]
    _instructions: Option<IgnoredAny>,
    #[serde(default, rename = "data")]
    _data: Option<IgnoredAny>,
    #[serde(default, rename = "summary")]
    _summary: Option<IgnoredAny>,
    #[serde(default, rename = "isSidechain")]
    _is_sidechain: Option<IgnoredAny>,
}

/// A bare list of messages or Responses items.
fn parse_list(base: &str) -> Option<Conversation> {
    let items: Vec<&RawValue> = serde_json::from_str(base).ok()?;
    let first: Obj = serde_json::from_str(items.first()?.get()).ok()?;
    let mut conv = if first.role.is_none() && first.kind.is_some() {
        // A bare list of objects with a `type` is common tool output (events,
        // records); only a list of Responses items is a conversation.
        if !items.iter().all(|i| responses::is_item(i)) {
            return None;
        }
        responses::parse_items(base, &items)
    } else if looks_anthropic(&items) {
        anthropic::parse_messages(base, &items)
    } else {
        openai_chat::parse_messages(base, &items)
    }?;
    let start = base.len() - base.trim_start().len();
    let end = base.trim_end().len();
    conv.list = Some(start..end);
    Some(conv)
}

/// Anthropic and Chat share `{role, content}`; content block types and
/// roles tell them apart. A list with neither marker parses the same way in
/// both adapters, so the default hardly matters.
fn looks_anthropic(items: &[&RawValue]) -> bool {
    decides_anthropic(items).unwrap_or(false)
}

/// The verdict of the first item whose role or content block types tell
/// Anthropic from Chat, if any does: the verdict on a list is that on its
/// first part, else that on the rest.
fn decides_anthropic(items: &[&RawValue]) -> Option<bool> {
    for item in items {
        let Ok(m) = serde_json::from_str::<Obj>(item.get()) else {
            continue;
        };
        if let Some("tool" | "system" | "developer" | "function") = string_of(m.role).as_deref() {
            return Some(false);
        }
        if m.tool_calls.is_some() {
            return Some(false);
        }
        let Some(content) = m.content else { continue };
        let Ok(blocks) = serde_json::from_str::<Vec<Obj>>(content.get()) else {
            continue;
        };
        for b in blocks {
            match string_of(b.kind).as_deref() {
                Some("tool_use" | "tool_result" | "thinking" | "redacted_thinking" | "image") => {
                    return Some(true);
                }
                Some("image_url" | "input_audio" | "file") => return Some(false),
                _ => {}
            }
        }
    }
    None
}

impl Conversation {
    pub(crate) fn empty(format: Format, messages: Vec<Message>) -> Conversation {
        Conversation {
            format,
            preamble: Vec::new(),
            messages,
            list: None,
            bad_lines: 0,
            skipped_records: 0,
            model: None,
        }
    }

    /// Number of tool calls and how many of them have a result.
    pub fn pairing(&self) -> (usize, usize) {
        let mut answered = std::collections::HashSet::new();
        for m in &self.messages {
            for b in &m.blocks {
                if b.kind == BlockKind::ToolResult
                    && let Some(id) = &b.call_id
                {
                    answered.insert(id.as_str());
                }
            }
        }
        let mut calls = 0;
        let mut paired = 0;
        for m in &self.messages {
            for b in &m.blocks {
                if b.kind == BlockKind::ToolCall {
                    calls += 1;
                    if b.call_id.as_deref().is_some_and(|id| answered.contains(id)) {
                        paired += 1;
                    }
                }
            }
        }
        (calls, paired)
    }
}

/// Every field any adapter looks at, each kept raw so that a field of an
/// unexpected type never fails the parse of its object.
#[derive(Deserialize, Default)]
pub(crate) struct Obj<'a> {
    #[serde(borrow, default)]
    pub role: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "type")]
    pub kind: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub content: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub text: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub thinking: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub tool_calls: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub tool_call_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub tool_use_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub call_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub name: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub arguments: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub input: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub output: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub function: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub message: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub payload: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub system: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub messages: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub instructions: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub tools: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub model: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub summary: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "isSidechain")]
    pub is_sidechain: Option<&'a RawValue>,
}

/// The byte range of `part`, a slice borrowed from `base`.
pub(crate) fn range_of(base: &str, part: &str) -> Range<usize> {
    let start = part.as_ptr() as usize - base.as_ptr() as usize;
    debug_assert!(start + part.len() <= base.len());
    start..start + part.len()
}

/// The decoded value of a JSON string, if `raw` is one.
pub(crate) fn string_of(raw: Option<&RawValue>) -> Option<String> {
    let raw = raw?;
    if !raw.get().starts_with('"') {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// A JSON string as a replaceable leaf.
pub(crate) fn leaf_of(base: &str, raw: &RawValue) -> Option<Leaf> {
    let text = string_of(Some(raw))?;
    Some(Leaf {
        range: range_of(base, raw.get()),
        text,
    })
}

/// A tool result block from its leaves (the strings compression may replace).
pub(crate) fn result_block(call_id: Option<String>, leaves: Vec<Leaf>) -> Block {
    let text = match leaves.as_slice() {
        [one] => one.text.clone(),
        many => many
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    };
    Block {
        kind: BlockKind::ToolResult,
        text,
        call_id,
        tool_name: None,
        leaves,
    }
}

/// A tool call block; `args` is the raw JSON of its arguments or input.
pub(crate) fn call_block(call_id: Option<String>, name: Option<String>, args: &str) -> Block {
    let text = format!("{} {}", name.as_deref().unwrap_or(""), args);
    Block {
        kind: BlockKind::ToolCall,
        text,
        call_id,
        tool_name: name,
        leaves: Vec::new(),
    }
}

/// The lines of a JSONL text with their byte ranges (newline excluded;
/// a trailing `\r` is dropped too).
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (Range<usize>, &str)> {
    let mut start = 0;
    text.split_inclusive('\n').map(move |l| {
        let s = start;
        start += l.len();
        let body = l.trim_end_matches('\n').trim_end_matches('\r');
        (s..s + body.len(), body)
    })
}

/// The records of a JSONL transcript: each non-blank line with its byte
/// range and its fields. Lines that are not JSON objects are counted in
/// `bad_lines` and skipped.
pub(crate) fn records<'t>(
    text: &'t str,
    bad_lines: &'t mut usize,
) -> impl Iterator<Item = (Range<usize>, &'t str, Obj<'t>)> + 't {
    lines(text)
        .filter(|(_, line)| !line.trim().is_empty())
        .filter_map(
            move |(range, line)| match serde_json::from_str::<Obj>(line) {
                Ok(rec) => Some((range, line, rec)),
                Err(_) => {
                    *bad_lines += 1;
                    None
                }
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_comes_from_the_body_or_the_latest_transcript_record() {
        let chat = r#"{"model":"gpt-4.1","messages":[{"role":"user","content":"u"}]}"#;
        assert_eq!(parse(chat).unwrap().model.as_deref(), Some("gpt-4.1"));
        let cc = concat!(
            "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"hi\"}}\n",
            "{\"type\":\"assistant\",\"message\":{\"model\":\"claude-haiku-4-5\",\"role\":\"assistant\",\"content\":\"a\"}}\n",
            "{\"type\":\"assistant\",\"message\":{\"model\":\"claude-sonnet-4-5\",\"role\":\"assistant\",\"content\":\"b\"}}\n",
        );
        assert_eq!(
            parse(cc).unwrap().model.as_deref(),
            Some("claude-sonnet-4-5")
        );
        let codex = concat!(
            "{\"timestamp\":\"t\",\"type\":\"turn_context\",\"payload\":{\"cwd\":\"/\",\"model\":\"gpt-5-codex\"}}\n",
            "{\"timestamp\":\"t\",\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"go\"}]}}\n",
        );
        assert_eq!(parse(codex).unwrap().model.as_deref(), Some("gpt-5-codex"));
        let anonymous = r#"[{"role":"user","content":"u"}]"#;
        assert_eq!(parse(anonymous).unwrap().model, None);
    }

    #[test]
    fn detects_each_format() {
        let chat = r#"{"model":"gpt-4o","messages":[{"role":"system","content":"s"},{"role":"user","content":"u"}]}"#;
        let anth = r#"{"model":"c","system":"s","messages":[{"role":"user","content":"u"}]}"#;
        let resp = r#"{"model":"m","input":[{"type":"function_call","call_id":"c1","name":"ls","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":"a"}]}"#;
        let cc = "{\"type\":\"summary\",\"summary\":\"x\"}\n{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"hi\"}}\n";
        let codex = "{\"timestamp\":\"t\",\"type\":\"session_meta\",\"payload\":{\"instructions\":\"be good\"}}\n{\"timestamp\":\"t\",\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"go\"}]}}\n";
        assert_eq!(parse(chat).unwrap().format, Format::OpenAiChat);
        assert_eq!(parse(anth).unwrap().format, Format::Anthropic);
        assert_eq!(parse(resp).unwrap().format, Format::OpenAiResponses);
        assert_eq!(parse(cc).unwrap().format, Format::ClaudeCode);
        assert_eq!(parse(codex).unwrap().format, Format::Codex);
        for not in [
            "",
            "{}",
            "[]",
            "[1,2]",
            "{\"a\":1}",
            "hello",
            "{\"messages\":3}",
        ] {
            assert!(parse(not).is_none(), "{not}");
        }
    }

    /// The one-pass path for bodies with `messages` gives what the
    /// general path gives, whitespace around the list included.
    #[test]
    fn a_body_with_messages_parses_as_the_general_path_does() {
        let chat = r#"{"model":"gpt-4o","tools":[{"type":"function","function":{"name":"ls"}}],"messages" : [ {"role":"user","content":"u"} ,
 {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"ls","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"a\nb"}
 ] }"#;
        let anth = r#"{"model":"c","system":[{"type":"text","text":"s"}],"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"x"}]}]}"#;
        for body in [chat, anth] {
            let obj: Obj = serde_json::from_str(body).unwrap();
            let general = parse_body(body, &obj).unwrap();
            assert_eq!(parse(body).unwrap(), general);
            assert_eq!(&body[general.list.unwrap()][..1], "[");
        }
        // A repeated field fails the one-pass parse as it fails the general
        // one, so such a body goes the general way.
        let twice = r#"{"role":"a","role":"b","messages":[{"role":"user","content":"u"}]}"#;
        assert!(serde_json::from_str::<Obj>(twice).is_err());
        assert!(serde_json::from_str::<Body>(twice).is_err());
    }

    /// The earlier turn's messages and the new ones parsed after them are
    /// what the whole body parses to; a new turn that would change the
    /// format, or no new message, is not picked up.
    #[test]
    fn a_next_turn_parses_as_the_whole_body() {
        let msgs = [
            r#"{"role":"user","content":"q"}"#,
            r#"{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"ls","input":{}}]}"#,
            r#"{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"x\ny"}]}"#,
            r#"{"role":"tool","tool_call_id":"t","content":"a\"b"}"#,
        ];
        let body = |m: &[&str], system: bool| {
            let sys = if system { r#","system":"s""# } else { "" };
            format!(
                r#"{{"model":"m","messages": [ {} ]{sys},"tools":[]}}"#,
                m.join(" ,\n")
            )
        };
        for system in [false, true] {
            for (upto, with) in [(1, 3), (2, 3), (3, 4)] {
                let (first, next) = (body(&msgs[..upto], system), body(&msgs[..with], system));
                let (conv, resume) = parse_resumable(&first).unwrap();
                let whole = parse(&next);
                let Some((tail, _)) = parse_after(&next, &resume.unwrap()) else {
                    // Only a Chat tool message after Anthropic blocks (or the
                    // reverse) changes the format.
                    assert!(whole.is_none_or(|w| w.format != conv.format), "{next}");
                    continue;
                };
                let mut merged = tail;
                let new = std::mem::take(&mut merged.messages);
                merged.messages = conv.messages;
                merged.messages.extend(new);
                assert_eq!(Some(merged), whole, "{next}");
            }
            let same = body(&msgs[..2], system);
            let (_, resume) = parse_resumable(&same).unwrap();
            assert!(parse_after(&same, &resume.unwrap()).is_none());
        }
    }

    #[test]
    fn ranges_point_into_the_input() {
        let body = r#"{"messages":[{"role":"user","content":"q"},{"role":"tool","tool_call_id":"a","content":"x\"y"}]}"#;
        let c = parse(body).unwrap();
        let leaf = &c.messages[1].blocks[0].leaves[0];
        assert_eq!(&body[leaf.range.clone()], r#""x\"y""#);
        assert_eq!(leaf.text, "x\"y");
        assert_eq!(&body[c.list.clone().unwrap()][..2], "[{");
    }
}
