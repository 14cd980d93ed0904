//! Codex rollouts (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`): one
//! `{timestamp, type, payload}` record per line. `response_item` payloads are
//! Responses API items (what the model reads); `session_meta` carries the
//! instructions; `event_msg`, `turn_context` and `compacted` are UI and
//! bookkeeping. Older rollouts have bare items without the envelope.

use super::{Block, BlockKind, Conversation, Format, Obj, records, responses, string_of};

const ENVELOPES: &[&str] = &[
    "session_meta",
    "turn_context",
    "response_item",
    "event_msg",
    "compacted",
];

/// Bare item types of older rollouts.
const BARE_ITEMS: &[&str] = &[
    "message",
    "reasoning",
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "custom_tool_call_output",
    "local_shell_call",
    "local_shell_call_output",
];

/// Parses a rollout; `None` if no line looks like a Codex record.
pub fn parse(text: &str) -> Option<Conversation> {
    let mut conv = Conversation::empty(Format::Codex, Vec::new());
    let mut recognized = false;
    let mut bad_lines = 0;
    for (range, line, rec) in records(text, &mut bad_lines) {
        let kind = string_of(rec.kind).unwrap_or_default();
        match (kind.as_str(), rec.payload) {
            ("response_item", Some(payload)) => {
                recognized = true;
                match responses::parse_item(text, payload, range) {
                    Some(m) => conv.messages.push(m),
                    None => conv.skipped_records += 1,
                }
            }
            ("session_meta", Some(payload)) => {
                recognized = true;
                let meta: Obj = serde_json::from_str(payload.get()).unwrap_or_default();
                if let Some(text) = string_of(meta.instructions) {
                    conv.preamble.push(Block::new(BlockKind::System, text));
                }
            }
            (k, Some(payload)) if ENVELOPES.contains(&k) => {
                recognized = true;
                conv.skipped_records += 1;
                if k == "turn_context"
                    && let Ok(context) = serde_json::from_str::<Obj>(payload.get())
                    && let Some(model) = string_of(context.model)
                {
                    conv.model = Some(model);
                }
            }
            (k, None) if BARE_ITEMS.contains(&k) && (k != "message" || rec.role.is_some()) => {
                let item = serde_json::from_str::<&serde_json::value::RawValue>(line).ok();
                match item.and_then(|raw| responses::parse_item(text, raw, range)) {
                    Some(m) => {
                        recognized = true;
                        conv.messages.push(m);
                    }
                    None => conv.skipped_records += 1,
                }
            }
            _ => conv.skipped_records += 1,
        }
    }
    conv.bad_lines = bad_lines;
    recognized.then_some(conv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollout_items_and_envelopes() {
        let text = concat!(
            "{\"timestamp\":\"t\",\"type\":\"session_meta\",\"payload\":{\"id\":\"s\",\"instructions\":\"# AGENTS.md\"}}\n",
            "{\"timestamp\":\"t\",\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Fix the test\"}]}}\n",
            "{\"timestamp\":\"t\",\"type\":\"event_msg\",\"payload\":{\"type\":\"user_message\",\"message\":\"Fix the test\"}}\n",
            "{\"timestamp\":\"t\",\"type\":\"response_item\",\"payload\":{\"type\":\"function_call\",\"name\":\"shell\",\"arguments\":\"{}\",\"call_id\":\"c1\"}}\n",
            "{\"timestamp\":\"t\",\"type\":\"response_item\",\"payload\":{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"ok\"}}\n",
        );
        let c = parse(text).unwrap();
        assert_eq!(c.messages.len(), 3);
        assert_eq!(c.skipped_records, 1);
        assert_eq!(c.preamble[0].text, "# AGENTS.md");
        assert_eq!(c.pairing(), (1, 1));
        let leaf = &c.messages[2].blocks[0].leaves[0];
        assert_eq!(&text[leaf.range.clone()], "\"ok\"");
    }
}
