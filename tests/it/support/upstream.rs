//! A fake LLM upstream on 127.0.0.1: answers OpenAI Chat, OpenAI Responses
//! and Anthropic Messages (JSON or SSE, as the request asks) and records
//! every request it gets. The `x-fake` request header scripts failures:
//! `429`, `500`, `drop` (stream cut mid-way), `slow` (pauses between
//! events), `hang` (never answers; counts the cancellation), `retrieve`
//! (see [`Script`]).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// A request as the upstream received it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Default)]
pub struct Shared {
    pub seen: Mutex<Vec<Seen>>,
    /// Requests whose handler was dropped before answering (client gone).
    pub cancelled: AtomicUsize,
    /// Pause between SSE events in `slow` mode.
    pub pause_ms: AtomicUsize,
}

pub struct Upstream {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    _runtime: tokio::runtime::Runtime,
}

impl Upstream {
    pub fn start() -> Upstream {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let shared = Arc::new(Shared::default());
        shared.pause_ms.store(300, Ordering::Relaxed);
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Upstream {
            addr,
            shared,
            _runtime: runtime,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    pub fn last(&self) -> Seen {
        self.seen().pop().expect("the upstream got no request")
    }
}

struct CancelGuard(Arc<Shared>, bool);

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if !self.1 {
            self.0.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let path = parts.uri.path().to_string();
    shared.seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map_or(path.clone(), |p| p.to_string()),
        headers: parts.headers.clone(),
        body: body.clone(),
    });
    let mode = parts
        .headers
        .get("x-fake")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    match mode.as_str() {
        "429" => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "7"), ("content-type", "application/json")],
                r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#,
            )
                .into_response();
        }
        "500" => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [("content-type", "application/json")],
                r#"{"error":{"message":"upstream broke","type":"server_error","param":null,"code":null}}"#,
            )
                .into_response();
        }
        "hang" => {
            let mut guard = CancelGuard(Arc::clone(&shared), false);
            tokio::time::sleep(Duration::from_secs(30)).await;
            guard.1 = true;
            return StatusCode::NO_CONTENT.into_response();
        }
        _ => {}
    }
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let stream = json["stream"].as_bool().unwrap_or(false);
    let model = json["model"].as_str().unwrap_or("m").to_string();
    let input_tokens = body.len() / 4;
    let script = if mode == "retrieve" {
        Script::of(&String::from_utf8_lossy(&body))
    } else {
        Script::Say("Hello there".into())
    };
    let events: Vec<String> = match (path.as_str(), &script) {
        ("/v1/messages", Script::Call(h, o, n)) if stream => {
            anthropic_call_events(&model, input_tokens, (h, *o, *n))
        }
        ("/v1/messages", Script::Call(h, o, n)) => {
            return json_ok(anthropic_call_json(&model, input_tokens, (h, *o, *n)));
        }
        ("/v1/chat/completions", Script::Call(h, o, n)) if stream => {
            chat_call_events(&model, input_tokens, (h, *o, *n))
        }
        ("/v1/chat/completions", Script::Call(h, o, n)) => {
            return json_ok(chat_call_json(&model, input_tokens, (h, *o, *n)));
        }
        ("/v1/responses", Script::Call(h, o, n)) if stream => {
            responses_call_events(&model, input_tokens, (h, *o, *n))
        }
        ("/v1/responses", Script::Call(h, o, n)) => {
            return json_ok(responses_call_json(&model, input_tokens, (h, *o, *n)));
        }
        ("/v1/messages", Script::Say(t)) if stream => anthropic_events(&model, input_tokens, t),
        ("/v1/messages", Script::Say(t)) => {
            return json_ok(anthropic_json(&model, input_tokens, t));
        }
        ("/v1/messages/count_tokens", _) => {
            return json_ok(serde_json::json!({"input_tokens": input_tokens}));
        }
        ("/v1/chat/completions", Script::Say(t)) if stream => chat_events(&model, input_tokens, t),
        ("/v1/chat/completions", Script::Say(t)) => {
            return json_ok(chat_json(&model, input_tokens, t));
        }
        ("/v1/responses", Script::Say(t)) if stream => responses_events(&model, input_tokens, t),
        ("/v1/responses", Script::Say(t)) => {
            return json_ok(responses_json(&model, input_tokens, t));
        }
        ("/v1/models", _) => {
            return json_ok(
                serde_json::json!({"object":"list","data":[{"id":"m","object":"model","created":0,"owned_by":"fake"}]}),
            );
        }
        _ => return (StatusCode::NOT_FOUND, "no such route").into_response(),
    };
    let pause = match mode.as_str() {
        "slow" => Duration::from_millis(shared.pause_ms.load(Ordering::Relaxed) as u64),
        _ => Duration::ZERO,
    };
    let drop_after = (mode == "drop").then_some(3);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        for (i, e) in events.into_iter().enumerate() {
            if drop_after == Some(i) {
                // Let what was sent reach the client before the cut.
                tokio::time::sleep(Duration::from_millis(200)).await;
                let _ = tx
                    .send(Err(std::io::Error::other("fake upstream cut the stream")))
                    .await;
                return;
            }
            if i > 0 && !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            if tx.send(Ok(Bytes::from(e))).await.is_err() {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(Body::from_stream(stream))
        .unwrap()
}

fn json_ok(v: serde_json::Value) -> Response {
    (
        [("content-type", "application/json"), ("x-upstream", "fake")],
        v.to_string(),
    )
        .into_response()
}

fn sse(event: Option<&str>, data: serde_json::Value) -> String {
    match event {
        Some(e) => format!("event: {e}\ndata: {data}\n\n"),
        None => format!("data: {data}\n\n"),
    }
}

/// Responses events, each named by its type and numbered in order.
fn numbered<const N: usize>(events: [(&str, serde_json::Value); N]) -> Vec<String> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, (name, mut data))| {
            data["type"] = serde_json::json!(name);
            data["sequence_number"] = serde_json::json!(i);
            sse(Some(name), data)
        })
        .collect()
}

fn anthropic_json(model: &str, input: usize, text: &str) -> serde_json::Value {
    serde_json::json!({
        "id": "msg_fake1", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": input, "output_tokens": 2, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0},
        "safeguard_results": {"passed": true},
    })
}

fn anthropic_events(model: &str, input: usize, text: &str) -> Vec<String> {
    let (head, tail) = text.split_at(text.find(' ').unwrap_or(text.len()));
    use serde_json::json;
    vec![
        sse(
            Some("message_start"),
            json!({"type":"message_start","message":{"id":"msg_fake1","type":"message","role":"assistant","model":model,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":input,"output_tokens":1,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}}),
        ),
        sse(
            Some("content_block_start"),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        ),
        sse(
            Some("content_block_delta"),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":head}}),
        ),
        sse(
            Some("content_block_delta"),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":tail}}),
        ),
        sse(
            Some("content_block_stop"),
            json!({"type":"content_block_stop","index":0}),
        ),
        sse(
            Some("message_delta"),
            json!({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}),
        ),
        sse(Some("message_stop"), json!({"type":"message_stop"})),
    ]
}

fn chat_json(model: &str, input: usize, text: &str) -> serde_json::Value {
    serde_json::json!({
        "id": "chatcmpl-fake1", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": input, "completion_tokens": 2, "total_tokens": input + 2},
    })
}

fn chat_events(model: &str, input: usize, text: &str) -> Vec<String> {
    let (head, tail) = text.split_at(text.find(' ').unwrap_or(text.len()));
    use serde_json::json;
    let chunk = |delta: serde_json::Value, finish: serde_json::Value| {
        sse(
            None,
            json!({"id":"chatcmpl-fake1","object":"chat.completion.chunk","created":1,"model":model,"choices":[{"index":0,"delta":delta,"finish_reason":finish}]}),
        )
    };
    vec![
        chunk(json!({"role":"assistant","content":""}), json!(null)),
        chunk(json!({"content":head}), json!(null)),
        chunk(json!({"content":tail}), json!(null)),
        chunk(json!({}), json!("stop")),
        sse(
            None,
            json!({"id":"chatcmpl-fake1","object":"chat.completion.chunk","created":1,"model":model,"choices":[],"usage":{"prompt_tokens":input,"completion_tokens":2,"total_tokens":input+2}}),
        ),
        "data: [DONE]\n\n".to_string(),
    ]
}

fn responses_json(model: &str, input: usize, text: &str) -> serde_json::Value {
    serde_json::json!({
        "id": "resp_fake1", "object": "response", "created_at": 1, "status": "completed", "model": model,
        "output": [{"type": "message", "id": "msg_fake1", "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}],
        "parallel_tool_calls": true, "tool_choice": "auto", "tools": [], "error": null,
        "incomplete_details": null, "instructions": null, "metadata": {},
        "usage": {"input_tokens": input, "output_tokens": 2, "total_tokens": input + 2,
                  "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}},
    })
}

fn responses_events(model: &str, input: usize, text: &str) -> Vec<String> {
    use serde_json::json;
    let (head, tail) = text.split_at(text.find(' ').unwrap_or(text.len()));
    let done = responses_json(model, input, text);
    let mut created = done.clone();
    created["status"] = json!("in_progress");
    created["output"] = json!([]);
    let item = done["output"][0].clone();
    let mut added = item.clone();
    added["status"] = json!("in_progress");
    added["content"] = json!([]);
    let part = json!({"type":"output_text","text":"","annotations":[]});
    let at = |extra: serde_json::Value| {
        let mut v = json!({"item_id":"msg_fake1","output_index":0,"content_index":0});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let events = [
        ("response.created", json!({"response":created})),
        (
            "response.output_item.added",
            json!({"output_index":0,"item":added}),
        ),
        ("response.content_part.added", at(json!({"part":part}))),
        (
            "response.output_text.delta",
            at(json!({"delta":head,"logprobs":[]})),
        ),
        (
            "response.output_text.delta",
            at(json!({"delta":tail,"logprobs":[]})),
        ),
        (
            "response.output_text.done",
            at(json!({"text":text,"logprobs":[]})),
        ),
        (
            "response.content_part.done",
            at(json!({"part":item["content"][0]})),
        ),
        (
            "response.output_item.done",
            json!({"output_index":0,"item":item}),
        ),
        ("response.completed", json!({"response":done})),
    ];
    numbered(events)
}

/// What the `retrieve` script answers: the model calls `headroom_retrieve`
/// for the first marker of a request that offers the tool, calls it again
/// with the next offset while the answer says there is more, then says how
/// much it got back (`Retrieved N items` for a JSON array, else `Retrieved
/// N bytes`).
pub enum Script {
    Say(String),
    /// Hash, offset, and the call's number (1, 2, …) for its id.
    Call(String, usize, usize),
}

/// The `n`th call's id: `call_hrN` (OpenAI), `toolu_hrN` (Anthropic).
pub fn call_id(n: usize, anthropic: bool) -> String {
    if anthropic {
        format!("toolu_hr{n}")
    } else {
        format!("call_hr{n}")
    }
}

impl Script {
    pub fn of(body: &str) -> Script {
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        // The answers so far: Chat tool messages, Responses output items,
        // Anthropic tool_result blocks.
        let mut answers: Vec<String> = Vec::new();
        for m in v["messages"]
            .as_array()
            .or(v["input"].as_array())
            .into_iter()
            .flatten()
        {
            let id = m["tool_call_id"]
                .as_str()
                .or(m["call_id"].as_str())
                .unwrap_or("");
            if id.starts_with("call_hr") && m["role"] != "assistant" && m["type"] != "function_call"
            {
                answers.push(
                    m["content"]
                        .as_str()
                        .or(m["output"].as_str())
                        .unwrap_or("")
                        .to_string(),
                );
            }
            for b in m["content"].as_array().into_iter().flatten() {
                if b["tool_use_id"]
                    .as_str()
                    .is_some_and(|i| i.starts_with("toolu_hr"))
                {
                    answers.push(b["content"].as_str().unwrap_or("").to_string());
                }
            }
        }
        let hash = headroom::ccr::hashes_in(body).first().cloned();
        if let Some(last) = answers.last() {
            let more = last
                .rsplit_once("offset=")
                .and_then(|(_, n)| n.trim_end_matches(']').parse::<usize>().ok());
            if let (Some(offset), Some(h)) = (more, &hash) {
                return Script::Call(h.clone(), offset, answers.len() + 1);
            }
            let text: String = answers
                .iter()
                .map(|a| {
                    a.rsplit_once("\n[headroom: ")
                        .map_or(a.as_str(), |(page, _)| page)
                })
                .collect();
            let n = serde_json::from_str::<Vec<serde_json::Value>>(&text)
                .map(|a| format!("{} items", a.len()))
                .unwrap_or_else(|_| format!("{} bytes", text.len()));
            return Script::Say(format!("Retrieved {n}"));
        }
        let offered = v["tools"].as_array().into_iter().flatten().any(|t| {
            t["name"] == "headroom_retrieve" || t["function"]["name"] == "headroom_retrieve"
        });
        match hash {
            Some(h) if offered => Script::Call(h, 0, 1),
            _ => Script::Say("Hello there".into()),
        }
    }
}

fn call_args(hash: &str, offset: usize) -> String {
    if offset == 0 {
        serde_json::json!({"hash": hash}).to_string()
    } else {
        serde_json::json!({"hash": hash, "offset": offset}).to_string()
    }
}

fn anthropic_call_json(
    model: &str,
    input: usize,
    (hash, offset, n): (&str, usize, usize),
) -> serde_json::Value {
    serde_json::json!({
        "id": "msg_fake1", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": "Let me look. "},
                    {"type": "tool_use", "id": call_id(n, true), "name": "headroom_retrieve", "input": serde_json::from_str::<serde_json::Value>(&call_args(hash, offset)).unwrap()}],
        "stop_reason": "tool_use", "stop_sequence": null,
        "usage": {"input_tokens": input, "output_tokens": 5, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0},
    })
}

fn anthropic_call_events(
    model: &str,
    input: usize,
    (hash, offset, n): (&str, usize, usize),
) -> Vec<String> {
    use serde_json::json;
    let args = call_args(hash, offset);
    let (a, b) = args.split_at(9);
    vec![
        sse(
            Some("message_start"),
            json!({"type":"message_start","message":{"id":"msg_fake1","type":"message","role":"assistant","model":model,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":input,"output_tokens":1,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}}),
        ),
        sse(
            Some("content_block_start"),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        ),
        sse(
            Some("content_block_delta"),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me look. "}}),
        ),
        sse(
            Some("content_block_stop"),
            json!({"type":"content_block_stop","index":0}),
        ),
        sse(
            Some("content_block_start"),
            json!({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":call_id(n, true),"name":"headroom_retrieve","input":{}}}),
        ),
        sse(
            Some("content_block_delta"),
            json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":a}}),
        ),
        sse(
            Some("content_block_delta"),
            json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":b}}),
        ),
        sse(
            Some("content_block_stop"),
            json!({"type":"content_block_stop","index":1}),
        ),
        sse(
            Some("message_delta"),
            json!({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":5}}),
        ),
        sse(Some("message_stop"), json!({"type":"message_stop"})),
    ]
}

fn chat_call_json(
    model: &str,
    input: usize,
    (hash, offset, n): (&str, usize, usize),
) -> serde_json::Value {
    serde_json::json!({
        "id": "chatcmpl-fake1", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Let me look. ",
            "tool_calls": [{"id": call_id(n, false), "type": "function", "function": {"name": "headroom_retrieve", "arguments": call_args(hash, offset)}}]},
            "finish_reason": "tool_calls"}],
        "usage": {"prompt_tokens": input, "completion_tokens": 5, "total_tokens": input + 5},
    })
}

fn chat_call_events(
    model: &str,
    input: usize,
    (hash, offset, n): (&str, usize, usize),
) -> Vec<String> {
    use serde_json::json;
    let args = call_args(hash, offset);
    let (a, b) = args.split_at(9);
    let chunk = |delta: serde_json::Value, finish: serde_json::Value| {
        sse(
            None,
            json!({"id":"chatcmpl-fake2","object":"chat.completion.chunk","created":1,"model":model,"choices":[{"index":0,"delta":delta,"finish_reason":finish}]}),
        )
    };
    vec![
        chunk(json!({"role":"assistant","content":""}), json!(null)),
        chunk(json!({"content":"Let me look. "}), json!(null)),
        chunk(
            json!({"tool_calls":[{"index":0,"id":call_id(n, false),"type":"function","function":{"name":"headroom_retrieve","arguments":""}}]}),
            json!(null),
        ),
        chunk(
            json!({"tool_calls":[{"index":0,"function":{"arguments":a}}]}),
            json!(null),
        ),
        chunk(
            json!({"tool_calls":[{"index":0,"function":{"arguments":b}}]}),
            json!(null),
        ),
        chunk(json!({}), json!("tool_calls")),
        sse(
            None,
            json!({"id":"chatcmpl-fake2","object":"chat.completion.chunk","created":1,"model":model,"choices":[],"usage":{"prompt_tokens":input,"completion_tokens":5,"total_tokens":input+5}}),
        ),
        "data: [DONE]\n\n".to_string(),
    ]
}

fn responses_call_output((hash, offset, n): (&str, usize, usize)) -> serde_json::Value {
    serde_json::json!([
        {"type": "message", "id": format!("msg_hr{n}"), "status": "completed", "role": "assistant",
         "content": [{"type": "output_text", "text": "Let me look. ", "annotations": []}]},
        {"type": "function_call", "id": format!("fc_hr{n}"), "call_id": call_id(n, false), "name": "headroom_retrieve",
         "arguments": call_args(hash, offset), "status": "completed"},
    ])
}

fn responses_call_json(
    model: &str,
    input: usize,
    (hash, offset, n): (&str, usize, usize),
) -> serde_json::Value {
    let mut v = responses_json(model, input, "");
    v["id"] = serde_json::json!("resp_fake0");
    v["output"] = responses_call_output((hash, offset, n));
    v["usage"]["output_tokens"] = serde_json::json!(5);
    v["usage"]["total_tokens"] = serde_json::json!(input + 5);
    v
}

fn responses_call_events(
    model: &str,
    input: usize,
    (hash, offset, n): (&str, usize, usize),
) -> Vec<String> {
    use serde_json::json;
    let done = responses_call_json(model, input, (hash, offset, n));
    let mut created = done.clone();
    created["status"] = json!("in_progress");
    created["output"] = json!([]);
    let out = responses_call_output((hash, offset, n));
    let mut msg_added = out[0].clone();
    msg_added["status"] = json!("in_progress");
    msg_added["content"] = json!([]);
    let mut fc_added = out[1].clone();
    fc_added["status"] = json!("in_progress");
    fc_added["arguments"] = json!("");
    let args = call_args(hash, offset);
    let part = json!({"type":"output_text","text":"","annotations":[]});
    let events = [
        ("response.created", json!({"response":created})),
        (
            "response.output_item.added",
            json!({"output_index":0,"item":msg_added}),
        ),
        (
            "response.content_part.added",
            json!({"item_id":format!("msg_hr{n}"),"output_index":0,"content_index":0,"part":part}),
        ),
        (
            "response.output_text.delta",
            json!({"item_id":format!("msg_hr{n}"),"output_index":0,"content_index":0,"delta":"Let me look. ","logprobs":[]}),
        ),
        (
            "response.output_text.done",
            json!({"item_id":format!("msg_hr{n}"),"output_index":0,"content_index":0,"text":"Let me look. ","logprobs":[]}),
        ),
        (
            "response.content_part.done",
            json!({"item_id":format!("msg_hr{n}"),"output_index":0,"content_index":0,"part":out[0]["content"][0]}),
        ),
        (
            "response.output_item.done",
            json!({"output_index":0,"item":out[0]}),
        ),
        (
            "response.output_item.added",
            json!({"output_index":1,"item":fc_added}),
        ),
        (
            "response.function_call_arguments.delta",
            json!({"item_id":format!("fc_hr{n}"),"output_index":1,"delta":args}),
        ),
        (
            "response.function_call_arguments.done",
            json!({"item_id":format!("fc_hr{n}"),"output_index":1,"name":"headroom_retrieve","arguments":args}),
        ),
        (
            "response.output_item.done",
            json!({"output_index":1,"item":out[1]}),
        ),
        ("response.completed", json!({"response":done})),
    ];
    numbered(events)
}
