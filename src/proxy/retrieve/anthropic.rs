//! Anthropic Messages: `tool_use` content blocks, `tool_result` answers,
//! and the stream's `message_start` … `message_stop` events.

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{Value, json};

use super::sse::Event;
use super::{Call, Calls, Stitch, TOOL, add_usage};

fn is_ours(block: &Value) -> bool {
    block["type"] == "tool_use" && block["name"] == TOOL
}

pub(super) fn calls(resp: &Value) -> Calls {
    let mut c = Calls::default();
    for b in resp["content"].as_array().into_iter().flatten() {
        if is_ours(b) {
            c.ours.push(Call {
                id: b["id"].as_str().unwrap_or_default().to_string(),
                args: b["input"].clone(),
            });
        } else if b["type"] == "tool_use" {
            c.theirs = true;
        }
    }
    c
}

pub(super) fn strip(resp: &mut Value) {
    let Some(content) = resp.get_mut("content").and_then(Value::as_array_mut) else {
        return;
    };
    let before = content.len();
    content.retain(|b| !is_ours(b));
    let tool_use_left = content.iter().any(|b| b["type"] == "tool_use");
    if content.len() < before && !tool_use_left && resp["stop_reason"] == "tool_use" {
        resp["stop_reason"] = json!("end_turn");
    }
}

pub(super) fn append(body: &mut Value, content: Option<&Value>, answers: &[(Call, String)]) {
    let Some(messages) = body.get_mut("messages").and_then(Value::as_array_mut) else {
        return;
    };
    messages.push(json!({"role": "assistant", "content": content.cloned().unwrap_or(json!([]))}));
    let results: Vec<Value> = answers
        .iter()
        .map(|(c, text)| json!({"type": "tool_result", "tool_use_id": c.id, "content": text}))
        .collect();
    messages.push(json!({"role": "user", "content": results}));
}

/// A content block being streamed, rebuilt for the turn to append.
struct Block {
    value: Value,
    partial_json: String,
    /// The client's index, or `None` for our call (held).
    client: Option<u64>,
}

#[derive(Default)]
pub(super) struct Stream {
    round: usize,
    /// Client block indices used so far, over every round.
    next_index: u64,
    blocks: Vec<(u64, Block)>,
    by_index: HashMap<u64, usize>,
    theirs: bool,
    /// This round's usage (`message_start`, then `message_delta`'s).
    usage: Value,
    /// Every finished round's usage.
    total: Value,
    delta: Option<Value>,
    delta_name: Option<String>,
    stopped: Option<Event>,
}

impl Stream {
    /// Whether the message's end waits for [`Stitch::end`]: once our call
    /// has started (it may be answered and continued), and on later rounds
    /// (the end carries the usage of every round).
    fn holding(&self) -> bool {
        self.round > 0 || self.blocks.iter().any(|(_, b)| b.client.is_none())
    }

    fn block(&mut self, ev: &Value) -> Option<&mut Block> {
        let i = ev["index"].as_u64()?;
        let at = *self.by_index.get(&i)?;
        Some(&mut self.blocks[at].1)
    }

    /// Passes `ev` with the block's client index in place of the upstream's.
    fn pass(out: &mut Vec<Bytes>, ev: &Event, mut v: Value, client: u64) {
        if v["index"].as_u64() == Some(client) {
            out.push(ev.raw.clone());
        } else {
            v["index"] = json!(client);
            out.push(ev.with_data(&v.to_string()));
        }
    }
}

impl Stitch for Stream {
    fn event(&mut self, ev: &Event, out: &mut Vec<Bytes>) {
        let Some(v) = ev.json() else {
            out.push(ev.raw.clone());
            return;
        };
        match v["type"].as_str().unwrap_or("") {
            "message_start" => {
                self.usage = v.pointer("/message/usage").cloned().unwrap_or(json!({}));
                if self.round == 0 {
                    out.push(ev.raw.clone());
                }
            }
            "content_block_start" => {
                let Some(i) = v["index"].as_u64() else {
                    out.push(ev.raw.clone());
                    return;
                };
                let block = &v["content_block"];
                let client = if is_ours(block) {
                    None
                } else {
                    self.theirs |= block["type"] == "tool_use";
                    self.next_index += 1;
                    Some(self.next_index - 1)
                };
                self.by_index.insert(i, self.blocks.len());
                self.blocks.push((
                    i,
                    Block {
                        value: block.clone(),
                        partial_json: String::new(),
                        client,
                    },
                ));
                if let Some(c) = client {
                    Stream::pass(out, ev, v, c);
                }
            }
            "content_block_delta" | "content_block_stop" => {
                let Some(b) = self.block(&v) else {
                    out.push(ev.raw.clone());
                    return;
                };
                let d = &v["delta"];
                match d["type"].as_str().unwrap_or("") {
                    "text_delta" => push_str(&mut b.value, "text", &d["text"]),
                    "thinking_delta" => push_str(&mut b.value, "thinking", &d["thinking"]),
                    "signature_delta" => b.value["signature"] = d["signature"].clone(),
                    "input_json_delta" => {
                        b.partial_json
                            .push_str(d["partial_json"].as_str().unwrap_or(""));
                    }
                    _ => {}
                }
                if v["type"] == "content_block_stop"
                    && b.value.get("input").is_some()
                    && let Ok(input) = serde_json::from_str::<Value>(&b.partial_json)
                {
                    b.value["input"] = input;
                }
                if let Some(c) = b.client {
                    Stream::pass(out, ev, v, c);
                }
            }
            "message_delta" => {
                add_usage_replacing(&mut self.usage, &v["usage"]);
                if self.holding() {
                    self.delta = Some(v);
                    self.delta_name = ev.name.clone();
                } else {
                    out.push(ev.raw.clone());
                }
            }
            "message_stop" if self.holding() => self.stopped = Some(ev.clone()),
            _ => out.push(ev.raw.clone()),
        }
    }

    fn end(&mut self, more: bool, out: &mut Vec<Bytes>) -> Option<Vec<Call>> {
        let usage = std::mem::take(&mut self.usage);
        if self.total.is_null() {
            self.total = usage;
        } else {
            add_usage(&mut self.total, &usage);
        }
        let ours: Vec<Call> = self
            .blocks
            .iter()
            .filter(|(_, b)| b.client.is_none())
            .map(|(_, b)| Call {
                id: b.value["id"].as_str().unwrap_or_default().to_string(),
                args: b.value["input"].clone(),
            })
            .collect();
        if more && !ours.is_empty() && !self.theirs && self.stopped.is_some() {
            return Some(ours);
        }
        if let Some(mut d) = self.delta.take() {
            if !ours.is_empty()
                && !self.theirs
                && d.pointer("/delta/stop_reason") == Some(&json!("tool_use"))
            {
                d["delta"]["stop_reason"] = json!("end_turn");
            }
            if self.round > 0 || !ours.is_empty() {
                d["usage"] = self.total.clone();
            }
            let ev = Event {
                raw: Bytes::new(),
                name: self.delta_name.clone(),
                data: String::new(),
            };
            out.push(ev.with_data(&d.to_string()));
        }
        if let Some(stop) = self.stopped.take() {
            out.push(stop.raw);
        }
        None
    }

    fn append(&mut self, body: &mut Value, answers: &[(Call, String)]) {
        let content: Vec<Value> = self.blocks.drain(..).map(|(_, b)| b.value).collect();
        append(body, Some(&Value::Array(content)), answers);
        self.by_index.clear();
        self.delta = None;
        self.stopped = None;
        self.round += 1;
    }
}

fn push_str(v: &mut Value, key: &str, add: &Value) {
    let s = format!(
        "{}{}",
        v[key].as_str().unwrap_or(""),
        add.as_str().unwrap_or("")
    );
    v[key] = json!(s);
}

/// `message_delta`'s usage is the round's running total: its numbers
/// replace `message_start`'s rather than add to them.
fn add_usage_replacing(usage: &mut Value, delta: &Value) {
    if let (Some(u), Some(d)) = (usage.as_object_mut(), delta.as_object()) {
        for (k, v) in d {
            if !v.is_null() {
                u.insert(k.clone(), v.clone());
            }
        }
    } else if delta.is_object() {
        *usage = delta.clone();
    }
}
