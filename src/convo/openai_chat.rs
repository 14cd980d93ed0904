//! OpenAI Chat Completions: `messages` with roles system/developer, user,
//! assistant (with `tool_calls`) and tool (answering `tool_call_id`).

use serde_json::value::RawValue;

use super::anthropic::text_leaves;
use super::{
    Block, BlockKind, Conversation, Format, Message, Obj, Role, call_block, leaf_of, range_of,
    result_block, string_of,
};

/// The messages of a request body (or a bare list); `None` if one of them
/// is not a message object with a role.
pub fn parse_messages(base: &str, items: &[&RawValue]) -> Option<Conversation> {
    let messages = items
        .iter()
        .map(|raw| parse_message(base, raw))
        .collect::<Option<Vec<_>>>()?;
    Some(Conversation::empty(Format::OpenAiChat, messages))
}

fn parse_message(base: &str, raw: &RawValue) -> Option<Message> {
    let m: Obj = serde_json::from_str(raw.get()).ok()?;
    let range = range_of(base, raw.get());
    let (role, text_kind) = match string_of(m.role)?.as_str() {
        "system" | "developer" => (Role::System, BlockKind::System),
        "user" => (Role::User, BlockKind::User),
        "assistant" => (Role::Assistant, BlockKind::Assistant),
        "tool" | "function" => (Role::Tool, BlockKind::ToolResult),
        _ => (Role::Other, BlockKind::Other),
    };
    let mut blocks = Vec::new();
    if role == Role::Tool {
        let mut images = 0;
        let leaves = match m.content {
            None => Vec::new(),
            Some(c) => match leaf_of(base, c) {
                Some(leaf) => vec![leaf],
                None => text_leaves(base, c, &mut images),
            },
        };
        let id = string_of(m.tool_call_id).or_else(|| string_of(m.name));
        blocks.push(result_block(id, leaves));
        return Some(Message {
            role,
            range,
            blocks,
        });
    }
    if let Some(content) = m.content {
        if let Some(s) = string_of(Some(content)) {
            blocks.push(Block::new(text_kind, s));
        } else if let Ok(parts) = serde_json::from_str::<Vec<&RawValue>>(content.get()) {
            for part in parts {
                let p: Obj = serde_json::from_str(part.get()).unwrap_or_default();
                match string_of(p.kind).as_deref() {
                    Some("text") => {
                        blocks.push(Block::new(text_kind, string_of(p.text).unwrap_or_default()))
                    }
                    Some("image_url") => blocks.push(Block::new(BlockKind::Image, String::new())),
                    _ => blocks.push(Block::new(BlockKind::Other, part.get().to_string())),
                }
            }
        }
    }
    if let Some(calls) = m.tool_calls {
        for call in serde_json::from_str::<Vec<&RawValue>>(calls.get()).unwrap_or_default() {
            let c: Obj = serde_json::from_str(call.get()).unwrap_or_default();
            let f: Obj = c
                .function
                .and_then(|f| serde_json::from_str(f.get()).ok())
                .unwrap_or_default();
            let args = string_of(f.arguments).unwrap_or_else(|| call.get().to_string());
            blocks.push(call_block(string_of(c.id), string_of(f.name), &args));
        }
    }
    Some(Message {
        role,
        range,
        blocks,
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn tool_round_trip() {
        let body = r#"{"model":"gpt-4.1","messages":[
            {"role":"system","content":"You are a coding agent."},
            {"role":"user","content":[{"type":"text","text":"What's in src/main.rs?"}]},
            {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"src/main.rs\"}"}}]},
            {"role":"tool","tool_call_id":"call_abc123","content":"fn main() { ... }"}],
            "tools":[{"type":"function","function":{"name":"read_file"}}]}"#;
        let c = parse(body).unwrap();
        assert_eq!(c.format, Format::OpenAiChat);
        assert_eq!(c.messages.len(), 4);
        assert_eq!(
            c.messages[2].blocks[0].tool_name.as_deref(),
            Some("read_file")
        );
        assert_eq!(c.messages[3].blocks[0].leaves[0].text, "fn main() { ... }");
        assert_eq!(c.preamble[0].kind, BlockKind::ToolDefinitions);
        assert_eq!(c.pairing(), (1, 1));
    }
}
