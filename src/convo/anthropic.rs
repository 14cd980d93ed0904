//! Anthropic Messages: `system` plus `messages` of `{role, content}` where
//! content is a string or a list of text, image, tool_use, tool_result and
//! thinking blocks. Claude Code transcripts reuse [`parse_message`].

use serde_json::value::RawValue;

use super::{
    Block, BlockKind, Conversation, Format, Message, Obj, Role, call_block, leaf_of, range_of,
    result_block, string_of,
};

/// The messages of a request body (or a bare list); `None` if one of them
/// is not a message object.
pub fn parse_messages(base: &str, items: &[&RawValue]) -> Option<Conversation> {
    let messages = items
        .iter()
        .map(|raw| parse_message(base, raw, range_of(base, raw.get())))
        .collect::<Option<Vec<_>>>()?;
    Some(Conversation::empty(Format::Anthropic, messages))
}

/// One `{role, content}` object; `range` is what the message occupies in
/// `base` (the object itself, or a transcript line around it).
pub fn parse_message(base: &str, raw: &RawValue, range: std::ops::Range<usize>) -> Option<Message> {
    let m: Obj = serde_json::from_str(raw.get()).ok()?;
    let role = match string_of(m.role)?.as_str() {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        "system" => Role::System,
        _ => Role::Other,
    };
    let text_kind = match role {
        Role::User => BlockKind::User,
        Role::Assistant => BlockKind::Assistant,
        Role::System => BlockKind::System,
        _ => BlockKind::Other,
    };
    let mut blocks = Vec::new();
    content_blocks(base, m.content, text_kind, &mut blocks);
    Some(Message {
        role,
        range,
        blocks,
    })
}

/// The top-level `system`: a string or a list of text blocks.
pub fn system_blocks(raw: &RawValue) -> Vec<Block> {
    let mut out = Vec::new();
    // Ranges are not needed for the system prompt: it is never changed.
    content_blocks(raw.get(), Some(raw), BlockKind::System, &mut out);
    out
}

fn content_blocks(
    base: &str,
    content: Option<&RawValue>,
    text_kind: BlockKind,
    out: &mut Vec<Block>,
) {
    let Some(content) = content else { return };
    if let Some(s) = string_of(Some(content)) {
        out.push(Block::new(text_kind, s));
        return;
    }
    let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(content.get()) else {
        return;
    };
    for item in items {
        block(base, item, text_kind, out);
    }
}

fn block(base: &str, raw: &RawValue, text_kind: BlockKind, out: &mut Vec<Block>) {
    let Ok(b) = serde_json::from_str::<Obj>(raw.get()) else {
        out.push(Block::new(BlockKind::Other, raw.get().to_string()));
        return;
    };
    let kind = string_of(b.kind).unwrap_or_default();
    match kind.as_str() {
        "text" => out.push(Block::new(text_kind, string_of(b.text).unwrap_or_default())),
        "image" => out.push(Block::new(BlockKind::Image, String::new())),
        "thinking" => out.push(Block::new(
            BlockKind::Thinking,
            string_of(b.thinking).unwrap_or_default(),
        )),
        "redacted_thinking" => out.push(Block::new(
            BlockKind::Thinking,
            b.data.map(|d| d.get().to_string()).unwrap_or_default(),
        )),
        "tool_use" | "server_tool_use" | "mcp_tool_use" => out.push(call_block(
            string_of(b.id),
            string_of(b.name),
            b.input.map_or("", |i| i.get()),
        )),
        k if k == "tool_result" || k.ends_with("_tool_result") => {
            let mut images = 0;
            let leaves = match b.content {
                None => Vec::new(),
                Some(c) => match leaf_of(base, c) {
                    Some(leaf) => vec![leaf],
                    None => text_leaves(base, c, &mut images),
                },
            };
            out.push(result_block(string_of(b.tool_use_id), leaves));
            for _ in 0..images {
                out.push(Block::new(BlockKind::Image, String::new()));
            }
        }
        _ => out.push(Block::new(BlockKind::Other, raw.get().to_string())),
    }
}

/// The `text` strings of a list of content parts (`text`, `input_text`,
/// `output_text`), counting image parts.
pub(crate) fn text_leaves(base: &str, parts: &RawValue, images: &mut usize) -> Vec<super::Leaf> {
    let Ok(items) = serde_json::from_str::<Vec<Obj>>(parts.get()) else {
        return Vec::new();
    };
    let mut leaves = Vec::new();
    for part in items {
        match string_of(part.kind).as_deref() {
            Some("text" | "input_text" | "output_text") => {
                if let Some(leaf) = part.text.and_then(|t| leaf_of(base, t)) {
                    leaves.push(leaf);
                }
            }
            Some("image" | "image_url" | "input_image") => *images += 1,
            _ => {}
        }
    }
    leaves
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn blocks_of_every_type() {
        let body = r#"{"system":[{"type":"text","text":"sys"}],"messages":[
            {"role":"user","content":[{"type":"text","text":"hi"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]},
            {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig"},{"type":"tool_use","id":"t1","name":"Read","input":{"p":1}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t2"}]}]}"#;
        let c = parse(body).unwrap();
        assert_eq!(c.format, Format::Anthropic);
        assert_eq!(c.preamble[0].kind, BlockKind::System);
        let kinds: Vec<BlockKind> = c
            .messages
            .iter()
            .flat_map(|m| m.blocks.iter().map(|b| b.kind))
            .collect();
        use BlockKind::*;
        assert_eq!(
            kinds,
            [User, Image, Thinking, ToolCall, ToolResult, ToolResult]
        );
        let r = &c.messages[2].blocks[0];
        assert_eq!(r.leaves.len(), 2);
        assert_eq!(r.text, "a\nb");
        assert_eq!(c.pairing(), (1, 1));
    }
}
