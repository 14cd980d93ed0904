//! A fake LLM upstream on 127.0.0.1: answers OpenAI Chat, OpenAI Responses
//! and Anthropic Messages (JSON or SSE, as the request asks) and records
//! every request it gets. The `x-fake` request header scripts failures:
//! `429`, `500`, `drop` (stream cut mid-way), `slow` (pauses between
//! events), `hang` (never answers; counts the cancellation).

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
    let events: Vec<String> = match path.as_str() {
        "/v1/messages" if stream => anthropic_events(&model, input_tokens),
        "/v1/messages" => return json_ok(anthropic_json(&model, input_tokens)),
        "/v1/messages/count_tokens" => {
            return json_ok(serde_json::json!({"input_tokens": input_tokens}));
        }
        "/v1/chat/completions" if stream => chat_events(&model, input_tokens),
        "/v1/chat/completions" => return json_ok(chat_json(&model, input_tokens)),
        "/v1/responses" if stream => responses_events(&model, input_tokens),
        "/v1/responses" => return json_ok(responses_json(&model, input_tokens)),
        "/v1/models" => {
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
    let drop_after = (mode == "drop").then_some(2);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        for (i, e) in events.into_iter().enumerate() {
            if drop_after == Some(i) {
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

fn anthropic_json(model: &str, input: usize) -> serde_json::Value {
    serde_json::json!({
        "id": "msg_fake1", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": "Hello there"}],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": input, "output_tokens": 2, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0},
        "safeguard_results": {"passed": true},
    })
}

fn anthropic_events(model: &str, input: usize) -> Vec<String> {
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
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}),
        ),
        sse(
            Some("content_block_delta"),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}}),
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

fn chat_json(model: &str, input: usize) -> serde_json::Value {
    serde_json::json!({
        "id": "chatcmpl-fake1", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": input, "completion_tokens": 2, "total_tokens": input + 2},
    })
}

fn chat_events(model: &str, input: usize) -> Vec<String> {
    use serde_json::json;
    let chunk = |delta: serde_json::Value, finish: serde_json::Value| {
        sse(
            None,
            json!({"id":"chatcmpl-fake1","object":"chat.completion.chunk","created":1,"model":model,"choices":[{"index":0,"delta":delta,"finish_reason":finish}]}),
        )
    };
    vec![
        chunk(json!({"role":"assistant","content":""}), json!(null)),
        chunk(json!({"content":"Hello"}), json!(null)),
        chunk(json!({"content":" there"}), json!(null)),
        chunk(json!({}), json!("stop")),
        sse(
            None,
            json!({"id":"chatcmpl-fake1","object":"chat.completion.chunk","created":1,"model":model,"choices":[],"usage":{"prompt_tokens":input,"completion_tokens":2,"total_tokens":input+2}}),
        ),
        "data: [DONE]\n\n".to_string(),
    ]
}

fn responses_json(model: &str, input: usize) -> serde_json::Value {
    serde_json::json!({
        "id": "resp_fake1", "object": "response", "created_at": 1, "status": "completed", "model": model,
        "output": [{"type": "message", "id": "msg_fake1", "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "text": "Hello there", "annotations": []}]}],
        "parallel_tool_calls": true, "tool_choice": "auto", "tools": [], "error": null,
        "incomplete_details": null, "instructions": null, "metadata": {},
        "usage": {"input_tokens": input, "output_tokens": 2, "total_tokens": input + 2,
                  "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}},
    })
}

fn responses_events(model: &str, input: usize) -> Vec<String> {
    use serde_json::json;
    let done = responses_json(model, input);
    let mut created = done.clone();
    created["status"] = json!("in_progress");
    created["output"] = json!([]);
    vec![
        sse(
            Some("response.created"),
            json!({"type":"response.created","sequence_number":0,"response":created}),
        ),
        sse(
            Some("response.output_text.delta"),
            json!({"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_fake1","output_index":0,"content_index":0,"delta":"Hello","logprobs":[]}),
        ),
        sse(
            Some("response.output_text.delta"),
            json!({"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_fake1","output_index":0,"content_index":0,"delta":" there","logprobs":[]}),
        ),
        sse(
            Some("response.completed"),
            json!({"type":"response.completed","sequence_number":3,"response":done}),
        ),
    ]
}
