//! OpenAI Chat Completions: `tool_calls` on the assistant message, `tool`
//! messages as answers, and the stream's chunks ending in `[DONE]`.

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{Value, json};

use super::sse::Event;
use super::{Call, Calls, Stitch, TOOL, add_usage};

fn is_ours(call: &Value) -> bool {
    call.pointer("/function/name").and_then(Value::as_str) == Some(TOOL)
}

fn args(call: &Value) -> Value {
    let text = call.pointer("/function/arguments").and_then(Value::as_str);
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(json!({}))
}

pub(super) fn calls(resp: &Value) -> Calls {
    let mut c = Calls::default();
    // Several choices would each need their own continuation.
    if resp["choices"].as_array().is_none_or(|a| a.len() != 1) {
        return c;
    }
    for call in resp
        .pointer("/choices/0/message/tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if is_ours(call) {
            c.ours.push(Call {
                id: call["id"].as_str().unwrap_or_default().to_string(),
                args: args(call),
            });
        } else {
            c.theirs = true;
        }
    }
    c
}

pub(super) fn strip(resp: &mut Value) {
    let Some(choice) = resp.pointer_mut("/choices/0") else {
        return;
    };
    let Some(list) = choice
        .pointer_mut("/message/tool_calls")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    list.retain(|c| !is_ours(c));
    if list.is_empty() {
        if let Some(m) = choice["message"].as_object_mut() {
            m.remove("tool_calls");
        }
        if choice["finish_reason"] == "tool_calls" {
            choice["finish_reason"] = json!("stop");
        }
    }
}

pub(super) fn append(body: &mut Value, message: Option<&Value>, answers: &[(Call, String)]) {
    let Some(messages) = body.get_mut("messages").and_then(Value::as_array_mut) else {
        return;
    };
    let mut m = message.cloned().unwrap_or(json!({"role": "assistant"}));
    // Only what a request's assistant message may hold goes back.
    if let Some(o) = m.as_object_mut() {
        o.retain(|k, _| matches!(k.as_str(), "role" | "content" | "tool_calls" | "name"));
    }
    messages.push(m);
    for (c, text) in answers {
        messages.push(json!({"role": "tool", "tool_call_id": c.id, "content": text}));
    }
}

/// Puts the earlier rounds' text before this message's.
pub(super) fn prepend(message: &mut Value, earlier: &Value) {
    let before = earlier["content"].as_str().unwrap_or("");
    if before.is_empty() {
        return;
    }
    let after = message["content"].as_str().unwrap_or("");
    message["content"] = json!(format!("{before}{after}"));
}

/// One tool call being streamed.
struct Streamed {
    /// The client's index, or `None` for ours.
    client: Option<u64>,
    id: String,
    arguments: String,
}

#[derive(Default)]
pub(super) struct Stream {
    round: usize,
    id: Option<String>,
    next_index: u64,
    calls: HashMap<u64, Streamed>,
    /// Upstream indices of our calls this round, in order.
    ours: Vec<u64>,
    theirs: bool,
    content: String,
    /// The chunk with `finish_reason`, the usage chunk, `[DONE]`.
    finish: Option<Value>,
    usage_chunk: Option<Value>,
    done: bool,
    /// This round's usage, and every finished round's.
    usage: Value,
    usage_total: Option<Value>,
}

impl Stream {
    /// Whether the message's end waits for [`Stitch::end`]: once our call
    /// has started, and on later rounds (usage summed, one `[DONE]`).
    fn holding(&self) -> bool {
        self.round > 0 || !self.ours.is_empty()
    }

    /// Our calls' parts leave the chunk, the client's get their client
    /// index; `true` when the chunk changed.
    fn tool_calls(&mut self, delta: &mut Value) -> bool {
        let Some(list) = delta.get_mut("tool_calls").and_then(Value::as_array_mut) else {
            return false;
        };
        let mut changed = false;
        let mut kept = Vec::with_capacity(list.len());
        for mut tc in list.drain(..) {
            let i = tc["index"].as_u64().unwrap_or(0);
            if !self.calls.contains_key(&i) {
                let client = if is_ours(&tc) {
                    self.ours.push(i);
                    None
                } else {
                    self.theirs = true;
                    self.next_index += 1;
                    Some(self.next_index - 1)
                };
                let id = tc["id"].as_str().unwrap_or_default().to_string();
                self.calls.insert(
                    i,
                    Streamed {
                        client,
                        id,
                        arguments: String::new(),
                    },
                );
            }
            let s = self.calls.get_mut(&i).expect("inserted above");
            match s.client {
                None => {
                    let part = tc.pointer("/function/arguments").and_then(Value::as_str);
                    s.arguments.push_str(part.unwrap_or(""));
                    changed = true;
                }
                Some(c) => {
                    if c != i {
                        tc["index"] = json!(c);
                        changed = true;
                    }
                    kept.push(tc);
                }
            }
        }
        if kept.is_empty() {
            if let Some(o) = delta.as_object_mut() {
                o.remove("tool_calls");
            }
        } else {
            *list = kept;
        }
        changed
    }
}

impl Stitch for Stream {
    fn event(&mut self, ev: &Event, out: &mut Vec<Bytes>) {
        if ev.data.trim() == "[DONE]" {
            if self.holding() {
                self.done = true;
            } else {
                out.push(ev.raw.clone());
            }
            return;
        }
        let Some(mut v) = ev.json() else {
            out.push(ev.raw.clone());
            return;
        };
        let mut changed = false;
        match (&self.id, v["id"].as_str()) {
            (None, Some(id)) => self.id = Some(id.to_string()),
            (Some(first), Some(id)) if first != id => {
                v["id"] = json!(first);
                changed = true;
            }
            _ => {}
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            self.usage = u.clone();
        }
        let Some(choice) = v.pointer_mut("/choices/0") else {
            if v.get("usage").is_some_and(Value::is_object) && self.holding() {
                self.usage_chunk = Some(v);
            } else {
                out.push(ev.raw.clone());
            }
            return;
        };
        if let Some(text) = choice.pointer("/delta/content").and_then(Value::as_str) {
            self.content.push_str(text);
        }
        changed |= self.tool_calls(&mut choice["delta"]);
        if !choice["finish_reason"].is_null() && self.holding() {
            self.finish = Some(v);
            return;
        }
        let delta = &choice["delta"];
        let empty = delta.as_object().is_some_and(|d| {
            d.iter().all(|(k, x)| {
                x.is_null() || (k == "role" && self.round > 0) || (k == "content" && x == "")
            })
        });
        // Nothing left to say: only our call's part, or a later round's
        // role announcement.
        if empty && (changed || self.round > 0) {
            return;
        }
        if changed {
            out.push(ev.with_data(&v.to_string()));
        } else {
            out.push(ev.raw.clone());
        }
    }

    fn end(&mut self, more: bool, out: &mut Vec<Bytes>) -> Option<Vec<Call>> {
        let usage = std::mem::take(&mut self.usage);
        let total = match self.usage_total.take() {
            None => usage,
            Some(mut t) => {
                add_usage(&mut t, &usage);
                t
            }
        };
        self.usage_total = Some(total);
        let ours: Vec<Call> = self
            .ours
            .iter()
            .filter_map(|i| self.calls.get(i))
            .map(|s| Call {
                id: s.id.clone(),
                args: serde_json::from_str(&s.arguments).unwrap_or(json!({})),
            })
            .collect();
        if more && !ours.is_empty() && !self.theirs && self.done {
            return Some(ours);
        }
        let ev = Event {
            raw: Bytes::new(),
            name: None,
            data: String::new(),
        };
        let total = self.usage_total.clone().unwrap_or(Value::Null);
        let summed = self.round > 0 || !ours.is_empty();
        if let Some(mut f) = self.finish.take() {
            if !ours.is_empty()
                && !self.theirs
                && f.pointer("/choices/0/finish_reason") == Some(&json!("tool_calls"))
            {
                f["choices"][0]["finish_reason"] = json!("stop");
            }
            if summed && f.get("usage").is_some_and(Value::is_object) {
                f["usage"] = total.clone();
            }
            out.push(ev.with_data(&f.to_string()));
        }
        if let Some(mut u) = self.usage_chunk.take() {
            if summed {
                u["usage"] = total;
            }
            out.push(ev.with_data(&u.to_string()));
        }
        if self.done {
            out.push(Bytes::from_static(b"data: [DONE]\n\n"));
        }
        None
    }

    fn append(&mut self, body: &mut Value, answers: &[(Call, String)]) {
        let tool_calls: Vec<Value> = self
            .ours
            .iter()
            .filter_map(|i| self.calls.get(i))
            .map(|s| json!({"id": s.id, "type": "function", "function": {"name": TOOL, "arguments": s.arguments}}))
            .collect();
        let content = std::mem::take(&mut self.content);
        let message = json!({
            "role": "assistant",
            "content": if content.is_empty() { Value::Null } else { json!(content) },
            "tool_calls": tool_calls,
        });
        append(body, Some(&message), answers);
        self.calls.clear();
        self.ours.clear();
        self.finish = None;
        self.usage_chunk = None;
        self.done = false;
        self.round += 1;
    }
}
