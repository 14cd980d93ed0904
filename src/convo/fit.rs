//! `--fit TOKENS`: an opt-in hard budget for a request.
//!
//! When the compressed request is still over budget, the oldest complete
//! tool units (an assistant tool call and all its results) are dropped
//! first, then the oldest user/assistant turns, until it fits. The system
//! prompt (and system/developer messages), tool definitions and the last
//! turn (from the last user message on) are never dropped. The exact JSON
//! text of every dropped message is stored as one JSON array, and one
//! marker message stands where the first dropped message was, so a single
//! retrieve returns exactly what was dropped.
//!
//! This changes the prefix of the request once (the provider cache misses on
//! that turn), which is why it is off by default. Transcripts are records on
//! disk, not requests, and are never fitted.

use std::collections::HashSet;

use super::compress::Compression;
use super::{BlockKind, Conversation, Format, Message, Role};
use crate::compress::Context;

/// What fitting did.
#[derive(Clone, Debug, PartialEq)]
pub struct FitReport {
    pub budget: usize,
    pub tokens_before: usize,
    pub tokens_after: usize,
    pub dropped_messages: usize,
    pub dropped_tool_units: usize,
    pub dropped_turns: usize,
    /// Hash of the stored dropped messages, when any were dropped.
    pub hash: Option<String>,
    /// Whether the result is within the budget.
    pub fits: bool,
    /// Why nothing (or not enough) could be dropped, if so.
    pub note: Option<&'static str>,
}

/// Fits `c.output` (the compression of `conv`, parsed from `text`) into
/// `budget` tokens, rewriting `c.output` and setting `c.fit`.
pub fn fit(text: &str, conv: &Conversation, c: &mut Compression, budget: usize, ctx: &Context) {
    let total = (ctx.cost)(&c.output);
    let mut report = FitReport {
        budget,
        tokens_before: total,
        tokens_after: total,
        dropped_messages: 0,
        dropped_tool_units: 0,
        dropped_turns: 0,
        hash: None,
        fits: total <= budget,
        note: None,
    };
    let list = match (&conv.list, conv.format.is_transcript()) {
        (Some(list), false) => list.clone(),
        _ => {
            report.note = (!report.fits).then_some(
                "a transcript is a record on disk, not a request: transcripts are never fitted",
            );
            c.fit = Some(report);
            return;
        }
    };
    if report.fits {
        c.fit = Some(report);
        return;
    }
    let msgs = &conv.messages;
    let tail = last_turn_start(msgs);
    let cost_of = |i: usize| (ctx.cost)(&c.output[c.message_spans[i].clone()]) + 1;
    // A marker costs about this much; measured exactly at the end.
    let marker_cost = 40;
    let mut est = total + marker_cost;
    let mut dropped = vec![false; msgs.len()];

    for unit in tool_units(msgs, tail) {
        if est <= budget {
            break;
        }
        est -= unit.iter().map(|&i| cost_of(i)).sum::<usize>();
        unit.iter().for_each(|&i| dropped[i] = true);
        report.dropped_tool_units += 1;
    }
    for turn in turns(msgs, tail) {
        if est <= budget {
            break;
        }
        let fresh: Vec<usize> = turn.into_iter().filter(|&i| !dropped[i]).collect();
        if fresh.is_empty() {
            continue;
        }
        est -= fresh.iter().map(|&i| cost_of(i)).sum::<usize>();
        fresh.iter().for_each(|&i| dropped[i] = true);
        report.dropped_turns += 1;
    }
    let gone: Vec<usize> = (0..msgs.len()).filter(|&i| dropped[i]).collect();
    if gone.is_empty() {
        report.note = Some("nothing droppable: only the system prompt and the last turn are left");
        c.fit = Some(report);
        return;
    }
    // The exact input text of the dropped messages, as one JSON array.
    let original = format!(
        "[{}]",
        gone.iter()
            .map(|&i| &text[msgs[i].range.clone()])
            .collect::<Vec<_>>()
            .join(",")
    );
    let Some(hash) = ctx.store(&original, "conversation") else {
        report.note = Some("the store is unavailable or --lossless is set; nothing dropped");
        c.fit = Some(report);
        return;
    };
    let summary = summary(msgs, &gone, report.dropped_turns);
    let marker = marker_message(conv.format, &ctx.marker_line(&summary, &hash));
    let mut items: Vec<&str> = Vec::new();
    let mut placed = false;
    for (i, span) in c.message_spans.iter().enumerate() {
        if dropped[i] {
            if !placed {
                items.push(&marker);
                placed = true;
            }
        } else {
            items.push(&c.output[span.clone()]);
        }
    }
    // Every edit lies inside the list, so only its end moved.
    let out_list = list.start..list.end + c.output.len() - text.len();
    let output = format!(
        "{}[{}]{}",
        &c.output[..out_list.start],
        items.join(","),
        &c.output[out_list.end..]
    );
    report.tokens_after = (ctx.cost)(&output);
    report.fits = report.tokens_after <= budget;
    report.dropped_messages = gone.len();
    report.hash = Some(hash);
    c.output = output;
    c.fit = Some(report);
}

/// Index of the first message of the last turn: the last user message with
/// text (or the last message when there is none).
fn last_turn_start(msgs: &[Message]) -> usize {
    msgs.iter()
        .rposition(Message::is_user_text)
        .unwrap_or(msgs.len().saturating_sub(1))
}

fn protected(m: &Message) -> bool {
    m.role == Role::System || m.has_kind(BlockKind::System)
}

/// Complete tool units before `tail`, oldest first: an assistant message
/// with tool calls (plus adjacent call-only items, as Responses writes one
/// item per call) and the messages that hold exactly their results.
fn tool_units(msgs: &[Message], tail: usize) -> Vec<Vec<usize>> {
    let mut units = Vec::new();
    let mut i = 0;
    while i < tail {
        let m = &msgs[i];
        if m.role != Role::Assistant || !m.has_kind(BlockKind::ToolCall) || protected(m) {
            i += 1;
            continue;
        }
        let mut unit = vec![i];
        let mut calls: HashSet<&str> = HashSet::new();
        let mut results: HashSet<&str> = HashSet::new();
        let mut ok = collect(m, &mut calls, &mut results);
        let mut j = i + 1;
        while j < tail {
            let n = &msgs[j];
            let call_only =
                n.role == Role::Assistant && n.blocks.iter().all(|b| b.kind == BlockKind::ToolCall);
            let results_only = n.has_kind(BlockKind::ToolResult)
                && n.blocks
                    .iter()
                    .all(|b| matches!(b.kind, BlockKind::ToolResult | BlockKind::Image));
            if !(call_only || results_only) || protected(n) {
                break;
            }
            ok &= collect(n, &mut calls, &mut results);
            unit.push(j);
            j += 1;
        }
        if ok && !calls.is_empty() && calls == results {
            units.push(unit);
        }
        i = j;
    }
    units
}

/// Adds the call and result ids of `m`; false if one has no id.
fn collect<'a>(
    m: &'a Message,
    calls: &mut HashSet<&'a str>,
    results: &mut HashSet<&'a str>,
) -> bool {
    let mut ok = true;
    for b in &m.blocks {
        match (b.kind, b.call_id.as_deref()) {
            (BlockKind::ToolCall, Some(id)) => {
                calls.insert(id);
            }
            (BlockKind::ToolResult, Some(id)) => {
                results.insert(id);
            }
            (BlockKind::ToolCall | BlockKind::ToolResult, None) => ok = false,
            _ => {}
        }
    }
    ok
}

/// Turns before `tail`, oldest first: a user message with text and what
/// follows it up to the next one (leading assistant messages form a turn
/// of their own). System messages are never part of one.
fn turns(msgs: &[Message], tail: usize) -> Vec<Vec<usize>> {
    let mut turns: Vec<Vec<usize>> = Vec::new();
    let mut cur: Vec<usize> = Vec::new();
    for (i, m) in msgs.iter().enumerate().take(tail) {
        if protected(m) {
            continue;
        }
        if m.is_user_text() && !cur.is_empty() {
            turns.push(std::mem::take(&mut cur));
        }
        cur.push(i);
    }
    if !cur.is_empty() {
        turns.push(cur);
    }
    // A turn that would split a tool unit across the cut is not complete.
    turns.retain(|t| {
        let ids = |kind| -> HashSet<&str> {
            t.iter()
                .flat_map(|&i| msgs[i].blocks.iter())
                .filter(|b| b.kind == kind)
                .filter_map(|b| b.call_id.as_deref())
                .collect()
        };
        ids(BlockKind::ToolCall) == ids(BlockKind::ToolResult)
    });
    turns
}

fn summary(msgs: &[Message], gone: &[usize], turns: usize) -> String {
    let calls = gone
        .iter()
        .flat_map(|&i| msgs[i].blocks.iter())
        .filter(|b| b.kind == BlockKind::ToolCall)
        .count();
    let mut parts = Vec::new();
    if calls > 0 {
        parts.push(format!("{calls} tool calls with their results"));
    }
    if turns > 0 {
        parts.push(format!("{turns} user turns"));
    }
    format!(
        "{} earlier messages omitted to fit the budget ({})",
        gone.len(),
        parts.join(", ")
    )
}

/// One user message holding the marker, in the request's format.
fn marker_message(format: Format, marker: &str) -> String {
    let text = serde_json::to_string(marker).unwrap_or_default();
    match format {
        Format::OpenAiResponses | Format::Codex => {
            format!(r#"{{"type":"message","role":"user","content":{text}}}"#)
        }
        _ => format!(r#"{{"role":"user","content":{text}}}"#),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ccr::{MemorySink as Memory, RetrieveVia};
    use crate::convo::{compress, parse};
    use crate::relevance::Query;

    fn cost(s: &str) -> usize {
        s.len() / 4
    }

    fn chat(turns: usize) -> String {
        let mut m = vec![r#"{"role":"system","content":"You are terse."}"#.to_string()];
        for t in 0..turns {
            m.push(format!(r#"{{"role":"user","content":"question {t}"}}"#));
            m.push(format!(
                r#"{{"role":"assistant","content":null,"tool_calls":[{{"id":"c{t}","type":"function","function":{{"name":"read","arguments":"{{\"n\":{t}}}"}}}}]}}"#
            ));
            m.push(format!(
                r#"{{"role":"tool","tool_call_id":"c{t}","content":"{}"}}"#,
                format!("line {t} ").repeat(30)
            ));
            m.push(format!(r#"{{"role":"assistant","content":"answer {t}"}}"#));
        }
        format!(r#"{{"model":"gpt-4o","messages":[{}]}}"#, m.join(","))
    }

    #[test]
    fn drops_oldest_units_keeps_system_and_last_turn() {
        let body = chat(6);
        let conv = parse(&body).unwrap();
        let sink = Memory::default();
        let ctx = Context {
            query: Query::default(),
            lossless: false,
            valid_json: false,
            sink: Some(&sink),
            via: RetrieveVia::Tool,
            cost: &cost,
            lossy_min_tokens: 50,
        };
        let budget = cost(&body) / 2;
        let c = compress(&body, &conv, &ctx, Some(budget));
        let r = c.fit.clone().unwrap();
        assert!(r.fits, "{r:?}");
        assert!(r.dropped_tool_units > 0);
        let out = parse(&c.output).unwrap();
        let (calls, paired) = out.pairing();
        assert_eq!(calls, paired);
        assert!(c.output.contains("You are terse."));
        assert!(c.output.contains("question 5") && c.output.contains("line 5"));
        assert!(c.output.contains("headroom_retrieve hash="));
        let stored = sink.0.borrow();
        let dropped: Vec<serde_json::Value> = serde_json::from_slice(&stored[0]).unwrap();
        assert_eq!(dropped.len(), r.dropped_messages);
        assert!(stored[0].windows(6).any(|w| w == b"line 0"));
        // Without a budget nothing is dropped.
        let c = compress(&body, &conv, &ctx, None);
        assert_eq!(c.output, body);
    }
}
