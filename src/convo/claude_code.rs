//! Claude Code transcripts (`~/.claude/projects/<slug>/<session>.jsonl`):
//! one JSON record per line; `user` and `assistant` records carry an
//! Anthropic `message`. Everything else (progress, snapshots, summaries) is
//! bookkeeping that no model reads. The top-level `toolUseResult` duplicates
//! the tool output for the UI and is not sent to the model either, so it is
//! left alone.
//!
//! Sub-agent sidechains live in their own files (`agent-*.jsonl`,
//! `<session>/subagents/*.jsonl`) and are conversations of their own. When a
//! file mixes main-line and sidechain records, only the main line is kept:
//! the two are sent to the model as separate requests.

use super::{Conversation, Format, Obj, anthropic, records, string_of};

/// Record types Claude Code writes that hold nothing a model reads.
const BOOKKEEPING: &[&str] = &[
    "summary",
    "file-history-snapshot",
    "progress",
    "system",
    "queue-operation",
    "custom-title",
    "tag",
];

/// Parses a transcript; `None` if no line looks like a Claude Code record.
pub fn parse(text: &str) -> Option<Conversation> {
    let mut conv = Conversation::empty(Format::ClaudeCode, Vec::new());
    let mut recognized = false;
    let mut sidechain = Vec::new();
    let mut bad_lines = 0;
    for (range, _, rec) in records(text, &mut bad_lines) {
        let kind = string_of(rec.kind).unwrap_or_default();
        match (kind.as_str(), rec.message) {
            ("user" | "assistant", Some(message)) => {
                recognized = true;
                if kind == "assistant"
                    && memchr::memmem::find(message.get().as_bytes(), b"\"model\"").is_some()
                    && let Ok(m) = serde_json::from_str::<Obj>(message.get())
                    && let Some(model) = string_of(m.model)
                {
                    conv.model = Some(model);
                }
                match anthropic::parse_message(text, message, range) {
                    Some(m) => {
                        let side = rec.is_sidechain.is_some_and(|s| s.get() == "true");
                        sidechain.push(side);
                        conv.messages.push(m);
                    }
                    None => conv.skipped_records += 1,
                }
            }
            (k, _) if BOOKKEEPING.contains(&k) && rec.payload.is_none() => {
                recognized = true;
                conv.skipped_records += 1;
            }
            _ => conv.skipped_records += 1,
        }
    }
    conv.bad_lines = bad_lines;
    if !recognized {
        return None;
    }
    if sidechain.contains(&false) && sidechain.contains(&true) {
        let mut keep = sidechain.iter().map(|side| !side);
        conv.messages.retain(|_| keep.next().unwrap_or(true));
        conv.skipped_records += sidechain.iter().filter(|s| **s).count();
    }
    Some(conv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convo::BlockKind;

    #[test]
    fn records_bad_lines_and_sidechains() {
        let text = concat!(
            "{\"type\":\"file-history-snapshot\",\"messageId\":\"m\"}\n",
            "{\"type\":\"user\",\"isSidechain\":false,\"message\":{\"role\":\"user\",\"content\":\"fix it\"}}\n",
            "{\"type\":\"assistant\",\"isSidechain\":false,\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"Bash\",\"input\":{\"command\":\"ls\"}}]}}\n",
            "{\"type\":\"user\",\"isSidechain\":true,\"message\":{\"role\":\"user\",\"content\":\"side\"}}\n",
            "{\"type\":\"user\",\"isSidechain\":false,\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"content\":\"a b\"}]},\"toolUseResult\":{\"stdout\":\"a b\"}}\n",
            "{\"type\":\"assistant\",\"message\":{\"role\":\"assis",
        );
        let c = parse(text).unwrap();
        assert_eq!(c.messages.len(), 3);
        assert_eq!(c.bad_lines, 1);
        assert_eq!(c.pairing(), (1, 1));
        let leaf = &c.messages[2].blocks[0].leaves[0];
        assert_eq!(&text[leaf.range.clone()], "\"a b\"");
        assert_eq!(c.messages[0].blocks[0].kind, BlockKind::User);
        assert!(parse("{\"a\":1}\n{\"b\":2}\n").is_none());
    }
}
