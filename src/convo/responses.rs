//! OpenAI Responses: `instructions` plus `input` items (messages,
//! `function_call` / `function_call_output` paired by `call_id`, reasoning,
//! custom and shell tool calls). Codex rollouts reuse [`parse_item`].

use std::ops::Range;

use serde_json::value::RawValue;

use super::anthropic::text_leaves;
use super::{
    Block, BlockKind, Conversation, Format, Message, Obj, Role, call_block, leaf_of, range_of,
    result_block, string_of,
};

/// Item types that call a client-side tool and get a `<type>_output` item back.
const CALLS: &[&str] = &[
    "function_call",
    "custom_tool_call",
    "local_shell_call",
    "shell_call",
    "apply_patch_call",
    "computer_call",
];

/// Whether `raw` looks like a Responses input item (not just any object
/// with a `type`).
pub fn is_item(raw: &RawValue) -> bool {
    let Ok(it) = serde_json::from_str::<Obj>(raw.get()) else {
        return false;
    };
    match string_of(it.kind) {
        None => it.role.is_some(),
        Some(k) => {
            (k == "message" && it.role.is_some())
                || k == "reasoning"
                || k == "item_reference"
                || k.ends_with("_call")
                || k.ends_with("_call_output")
        }
    }
}

/// The `input` list; `None` if an item is not an object.
pub fn parse_items(base: &str, items: &[&RawValue]) -> Option<Conversation> {
    let messages = items
        .iter()
        .map(|raw| parse_item(base, raw, range_of(base, raw.get())))
        .collect::<Option<Vec<_>>>()?;
    Some(Conversation::empty(Format::OpenAiResponses, messages))
}

/// One input item; `range` is what it occupies in `base`.
pub fn parse_item(base: &str, raw: &RawValue, range: Range<usize>) -> Option<Message> {
    let it: Obj = serde_json::from_str(raw.get()).ok()?;
    let kind = string_of(it.kind).unwrap_or_else(|| "message".into());
    let message = |role, blocks| {
        Some(Message {
            role,
            range: range.clone(),
            blocks,
        })
    };
    if kind == "message" {
        let (role, text_kind) = match string_of(it.role).as_deref() {
            Some("system" | "developer") => (Role::System, BlockKind::System),
            Some("user") => (Role::User, BlockKind::User),
            Some("assistant") => (Role::Assistant, BlockKind::Assistant),
            _ => (Role::Other, BlockKind::Other),
        };
        let mut blocks = Vec::new();
        if let Some(s) = string_of(it.content) {
            blocks.push(Block::new(text_kind, s));
        } else if let Some(parts) = it.content {
            let parts: Vec<&RawValue> = serde_json::from_str(parts.get()).unwrap_or_default();
            for part in parts {
                let p: Obj = serde_json::from_str(part.get()).unwrap_or_default();
                match string_of(p.kind).as_deref() {
                    Some("input_text" | "output_text" | "text") => {
                        blocks.push(Block::new(text_kind, string_of(p.text).unwrap_or_default()))
                    }
                    Some("input_image") => blocks.push(Block::new(BlockKind::Image, String::new())),
                    _ => blocks.push(Block::new(BlockKind::Other, part.get().to_string())),
                }
            }
        }
        return message(role, blocks);
    }
    if CALLS.contains(&kind.as_str()) {
        let args = string_of(it.arguments)
            .or_else(|| string_of(it.input))
            .unwrap_or_else(|| raw.get().to_string());
        let name = string_of(it.name).or(Some(kind.clone()));
        return message(
            Role::Assistant,
            vec![call_block(string_of(it.call_id), name, &args)],
        );
    }
    if kind.ends_with("_call_output") {
        let mut images = 0;
        let leaves = match it.output {
            None => Vec::new(),
            Some(o) => match leaf_of(base, o) {
                Some(leaf) => vec![leaf],
                None => text_leaves(base, o, &mut images),
            },
        };
        let mut blocks = vec![result_block(string_of(it.call_id), leaves)];
        blocks.extend((0..images).map(|_| Block::new(BlockKind::Image, String::new())));
        return message(Role::Tool, blocks);
    }
    if kind == "reasoning" {
        // Only the summary is text a reader sees; encrypted content is opaque.
        let summary = it.summary.map(|s| s.get().to_string()).unwrap_or_default();
        return message(
            Role::Assistant,
            vec![Block::new(BlockKind::Thinking, summary)],
        );
    }
    message(
        Role::Other,
        vec![Block::new(BlockKind::Other, raw.get().to_string())],
    )
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn items_pair_by_call_id() {
        let body = r#"{"instructions":"Be terse.","input":[
            {"type":"message","role":"user","content":[{"type":"input_text","text":"List files"}]},
            {"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"gAAAA"},
            {"type":"function_call","id":"fc_1","call_id":"call_9","name":"shell","arguments":"{\"command\":[\"ls\"]}"},
            {"type":"function_call_output","call_id":"call_9","output":"Cargo.toml\nsrc\n"},
            {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Two entries.","annotations":[]}]}]}"#;
        let c = parse(body).unwrap();
        assert_eq!(c.format, Format::OpenAiResponses);
        assert_eq!(c.preamble[0].text, "Be terse.");
        assert_eq!(c.pairing(), (1, 1));
        assert_eq!(c.messages[3].blocks[0].leaves[0].text, "Cargo.toml\nsrc\n");
        assert!(c.messages[0].is_user_text());
    }
}
