//! OpenAI Responses: `function_call` output items, `function_call_output`
//! answers, and the stream's numbered events ending in `response.completed`.

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{Value, json};

use super::sse::Event;
use super::{Call, Calls, Stitch, TOOL, add_usage};

fn is_ours(item: &Value) -> bool {
    item["type"] == "function_call" && item["name"] == TOOL
}

/// Items the client must answer (server-side tools' calls are not).
fn is_theirs(item: &Value) -> bool {
    matches!(
        item["type"].as_str().unwrap_or(""),
        "function_call"
            | "custom_tool_call"
            | "local_shell_call"
            | "computer_call"
            | "shell_call"
            | "apply_patch_call"
    ) && !is_ours(item)
}

fn call(item: &Value) -> Call {
    let args = item["arguments"]
        .as_str()
        .and_then(|a| serde_json::from_str(a).ok());
    Call {
        id: item["call_id"].as_str().unwrap_or_default().to_string(),
        args: args.unwrap_or(json!({})),
    }
}

pub(super) fn calls(resp: &Value) -> Calls {
    let mut c = Calls::default();
    for item in resp["output"].as_array().into_iter().flatten() {
        if is_ours(item) {
            c.ours.push(call(item));
        }
        c.theirs |= is_theirs(item);
    }
    c
}

pub(super) fn strip(resp: &mut Value) {
    if let Some(out) = resp.get_mut("output").and_then(Value::as_array_mut) {
        out.retain(|i| !is_ours(i));
    }
}

pub(super) fn append(body: &mut Value, output: Option<&Value>, answers: &[(Call, String)]) {
    let Some(obj) = body.as_object_mut() else {
        return;
    };
    let input = obj.entry("input").or_insert(json!([]));
    if let Some(text) = input.as_str() {
        *input = json!([{"role": "user", "content": text}]);
    }
    let Some(list) = input.as_array_mut() else {
        return;
    };
    list.extend(
        output
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .cloned(),
    );
    for (c, text) in answers {
        list.push(json!({"type": "function_call_output", "call_id": c.id, "output": text}));
    }
}

#[derive(Default)]
pub(super) struct Stream {
    round: usize,
    id: Option<String>,
    /// The client's next `sequence_number` and `output_index`.
    seq: u64,
    next_index: u64,
    /// This round's upstream output index → the client's (`None`: ours).
    index: HashMap<u64, Option<u64>>,
    /// This round's finished items, by upstream index.
    items: Vec<(u64, Value)>,
    /// Every item the client saw finish, over all rounds.
    shown: Vec<Value>,
    theirs: bool,
    completed: Option<(Option<String>, Value)>,
    usage: Option<Value>,
}

impl Stitch for Stream {
    fn event(&mut self, ev: &Event, out: &mut Vec<Bytes>) {
        let Some(mut v) = ev.json() else {
            out.push(ev.raw.clone());
            return;
        };
        let kind = v["type"].as_str().unwrap_or("").to_string();
        match kind.as_str() {
            "response.created" | "response.in_progress" | "response.queued" => {
                if self.id.is_none() {
                    self.id = v
                        .pointer("/response/id")
                        .and_then(Value::as_str)
                        .map(String::from);
                }
                if self.round > 0 {
                    return;
                }
            }
            "response.completed" | "response.incomplete" | "response.failed" => {
                let u = v.pointer("/response/usage").cloned().unwrap_or(Value::Null);
                match &mut self.usage {
                    Some(t) => add_usage(t, &u),
                    None => self.usage = Some(u),
                }
                if self.round > 0 || self.index.values().any(Option::is_none) {
                    self.completed = Some((ev.name.clone(), v));
                    return;
                }
            }
            _ => {}
        }
        let mut changed = false;
        if let Some(i) = v["output_index"].as_u64() {
            let client = *self.index.entry(i).or_insert_with(|| {
                if v.get("item").is_some_and(is_ours) {
                    None
                } else {
                    self.next_index += 1;
                    Some(self.next_index - 1)
                }
            });
            if kind == "response.output_item.added" {
                self.theirs |= is_theirs(&v["item"]);
            }
            if kind == "response.output_item.done" {
                self.items.push((i, v["item"].clone()));
                if client.is_some() {
                    self.shown.push(v["item"].clone());
                }
            }
            let Some(c) = client else { return };
            if c != i {
                v["output_index"] = json!(c);
                changed = true;
            }
        }
        if v.get("sequence_number").is_some() {
            if v["sequence_number"].as_u64() != Some(self.seq) {
                v["sequence_number"] = json!(self.seq);
                changed = true;
            }
            self.seq += 1;
        }
        out.push(if changed {
            ev.with_data(&v.to_string())
        } else {
            ev.raw.clone()
        });
    }

    fn end(&mut self, more: bool, out: &mut Vec<Bytes>) -> Option<Vec<Call>> {
        let ours: Vec<Call> = self
            .items
            .iter()
            .filter(|(_, item)| is_ours(item))
            .map(|(_, item)| call(item))
            .collect();
        let completed = self
            .completed
            .as_ref()
            .is_some_and(|(_, v)| v["type"] == "response.completed");
        if more && !ours.is_empty() && !self.theirs && completed {
            return Some(ours);
        }
        if let Some((name, mut v)) = self.completed.take() {
            if self.round > 0 || !ours.is_empty() {
                let r = &mut v["response"];
                r["output"] = Value::Array(std::mem::take(&mut self.shown));
                if let Some(u) = &self.usage {
                    r["usage"] = u.clone();
                }
                if let Some(id) = &self.id {
                    r["id"] = json!(id);
                }
            }
            if v.get("sequence_number").is_some() {
                v["sequence_number"] = json!(self.seq);
            }
            let ev = Event {
                raw: Bytes::new(),
                name,
                data: String::new(),
            };
            out.push(ev.with_data(&v.to_string()));
        }
        None
    }

    fn append(&mut self, body: &mut Value, answers: &[(Call, String)]) {
        self.items.sort_by_key(|(i, _)| *i);
        let output: Vec<Value> = self.items.drain(..).map(|(_, item)| item).collect();
        append(body, Some(&Value::Array(output)), answers);
        self.index.clear();
        self.completed = None;
        self.round += 1;
    }
}
