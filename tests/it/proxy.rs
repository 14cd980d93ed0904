//! `headroom proxy`: the real binary between the official Python SDKs (and
//! raw HTTP) and a fake upstream (support/upstream.rs).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use serde_json::value::RawValue;

use crate::support::Env;
use crate::support::upstream::Upstream;

/// A running `headroom proxy`; killed on drop.
struct Proxy {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Proxy {
    fn start(env: &Env, up: &Upstream, extra: &[&str]) -> Proxy {
        let openai = format!("{}/v1", up.url());
        let anthropic = up.url();
        let mut args = vec![
            "proxy",
            "--port",
            "0",
            "--openai-base-url",
            &openai,
            "--anthropic-base-url",
            &anthropic,
            // Debug builds on a shared machine are slow; the budget itself
            // is exercised by the library tests.
            "--budget-ms",
            "20000",
        ];
        args.extend_from_slice(extra);
        let mut child = env
            .cmd(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_string();
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for l in lines.map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&l);
                s.push('\n');
            }
        });
        Proxy { child, url, log }
    }

    /// Sends SIGTERM and waits for a clean exit.
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "proxy exited {status}");
        std::thread::sleep(Duration::from_millis(100));
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The venv's python with the pinned SDKs, or `None` (and a message) when
/// python3 is missing.
fn python() -> Option<PathBuf> {
    static PY: OnceLock<Option<PathBuf>> = OnceLock::new();
    PY.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        if Command::new("python3").arg("--version").output().is_err() {
            eprintln!("skipping the proxy SDK tests: python3 is not installed");
            return None;
        }
        let status = Command::new("bash")
            .arg(root.join(".ci/setup-python"))
            .status()
            .unwrap();
        assert!(status.success(), ".ci/setup-python failed");
        Some(root.join("target/pyenv/bin/python"))
    })
    .clone()
}

/// Runs one scenario of tests/fixtures/proxy/clients.py against `proxy`.
fn client(py: &PathBuf, scenario: &str, proxy: &Proxy) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/proxy/clients.py");
    let out = Command::new(py)
        .arg(script)
        .args([scenario, &proxy.url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{scenario}: {}\nproxy log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        proxy.log.lock().unwrap()
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A raw request through the proxy: (status, headers, body).
fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Vec<u8>>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let body = body.into();
    runtime().block_on(async {
        let mut rb = reqwest::Client::new().request(method.parse().unwrap(), url);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        let r = rb.body(body).send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, headers, r.bytes().await.unwrap().to_vec())
    })
}

fn tool_result(n: usize) -> String {
    crate::support::log_records(n, n / 2)
}

/// A Chat request whose `turns` tool results are large log arrays.
fn chat_body(turns: usize) -> String {
    let mut msgs = vec![
        r#"{"role":"system","content":"You  are terse."}"#.to_string(),
        r#"{"role":"user","content":"Why did the checkout fail?"}"#.to_string(),
    ];
    for t in 0..turns {
        msgs.push(format!(
            r#"{{"role":"assistant","content":null,"tool_calls":[{{"id":"call_{t}","type":"function","function":{{"name":"logs","arguments":"{{\"page\":{t}}}"}}}}]}}"#
        ));
        let result = serde_json::to_string(&tool_result(300 + t)).unwrap();
        msgs.push(format!(
            r#"{{"role":"tool","tool_call_id":"call_{t}","content":{result}}}"#
        ));
        msgs.push(format!(
            r#"{{"role":"assistant","content":"Turn {t} read."}}"#
        ));
        msgs.push(format!(
            r#"{{"role":"user","content":"Go on with page {}"}}"#,
            t + 1
        ));
    }
    format!(
        "{{\"model\":\"gpt-4o\", \"messages\":[{}],\n \"safeguards\": {{\"x\": [1, 2]}}}}",
        msgs.join(",")
    )
}

fn messages_of(body: &[u8]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct B<'a> {
        #[serde(borrow)]
        messages: Vec<&'a RawValue>,
    }
    let b: B = serde_json::from_slice(body).unwrap();
    b.messages.iter().map(|m| m.get().to_string()).collect()
}

#[test]
fn sdks_round_trip_through_the_proxy_and_the_upstream_gets_fewer_tokens() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &[]);
    let plain_env = Env::new();
    let plain = Proxy::start(&plain_env, &up, &["--mode", "passthrough"]);
    for scenario in [
        "chat",
        "chat-stream",
        "responses",
        "responses-stream",
        "messages",
        "messages-stream",
    ] {
        let out = client(&py, scenario, &proxy);
        assert_eq!(out["text"], "Hello there", "{scenario}: {out}");
        let compressed = up.last();
        let through_plain = client(&py, scenario, &plain);
        assert_eq!(through_plain["text"], "Hello there");
        let original = up.last();
        let (a, b) = (
            std::str::from_utf8(&compressed.body).unwrap(),
            std::str::from_utf8(&original.body).unwrap(),
        );
        let (ta, tb) = (crate::support::tokens(a), crate::support::tokens(b));
        assert!(
            ta * 2 < tb,
            "{scenario}: upstream got {ta} tokens through headroom, {tb} without"
        );
        // The fact the user asked about survives; the body is still JSON.
        assert!(a.contains("disk full"), "{scenario}");
        serde_json::from_str::<Value>(a).unwrap();
        // The SDK's own headers reached the upstream; headroom's did not.
        assert!(compressed.headers.contains_key("x-stainless-lang"));
        assert_eq!(compressed.path_and_query, original.path_and_query);
        // The usage the SDK read is the one the upstream reported.
        assert_eq!(out["prompt_tokens"], Value::from(a.len() / 4), "{scenario}");
    }
    let stats: Value =
        serde_json::from_slice(&send("GET", &format!("{}/stats", proxy.url), &[], "").2).unwrap();
    assert_eq!(stats["requests"], 6);
    assert!(
        stats["tokens"]["tokens_saved"].as_i64().unwrap() > 0,
        "{stats}"
    );
    assert_eq!(stats["by_provider"]["anthropic"]["requests"], 2);
    assert_eq!(stats["by_kind"]["json"], 6);
    let log = proxy.stop();
    assert_eq!(log.matches("POST /v1/").count(), 6, "{log}");
    assert!(!log.contains("sk-test-secret") && !log.contains("sk-ant-test-secret"));
    // One usage record per request, written on shutdown at the latest.
    let records = headroom::usage::read(env.store_path(), 0, i64::MAX).unwrap();
    assert_eq!(records.len(), 6);
    assert!(
        records
            .iter()
            .all(|r| r.source == headroom::usage::Source::Proxy
                && r.status == "200"
                && r.tokens_after < r.tokens_before
                && r.upstream.input.is_some())
    );
}

#[test]
fn the_model_retrieves_through_the_proxy_and_the_client_gets_one_answer() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &[]);
    let wires = [
        ("messages", "end_turn", "msg_fake1"),
        ("messages-stream", "end_turn", "msg_fake1"),
        ("chat", "stop", "chatcmpl-fake1"),
        ("chat-stream", "stop", "chatcmpl-fake2"),
        ("responses", "completed", "resp_fake0"),
        ("responses-stream", "completed", "resp_fake0"),
    ];
    for (wire, stop, id) in wires {
        let before = up.seen().len();
        let out = client(&py, &format!("retrieve-{wire}"), &proxy);
        let seen = up.seen()[before..].to_vec();
        // The original is two pages: two calls, then the answer.
        assert_eq!(seen.len(), 3, "{wire}: two calls, then the answer");
        // The tool came last in the client's tools; the marker names it.
        let first: Value = serde_json::from_slice(&seen[0].body).unwrap();
        let names: Vec<&str> = first["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                t["name"]
                    .as_str()
                    .or(t["function"]["name"].as_str())
                    .unwrap()
            })
            .collect();
        assert_eq!(names, ["list_hosts", "headroom_retrieve"], "{wire}");
        let sent = String::from_utf8_lossy(&seen[0].body);
        assert!(
            sent.contains("; retrieve: headroom_retrieve hash="),
            "{wire}"
        );
        // The fake model got all 400 items back and said so; the client
        // sees one answer: the text of both rounds, no retrieve call, the
        // usage of both rounds, one id.
        assert_eq!(
            out["text"].as_str().unwrap_or_default(),
            "Let me look. Let me look. Retrieved 400 items",
            "{wire}: {out}"
        );
        assert_eq!(out["calls"], serde_json::json!([]), "{wire}");
        assert_eq!(out["stop"], stop, "{wire}");
        assert_eq!(out["id"], id, "{wire}");
        let input: usize = seen.iter().map(|s| s.body.len() / 4).sum();
        assert_eq!(out["input"], input as u64, "{wire}: {out}");
        assert_eq!(out["output"], 5 + 5 + 2, "{wire}: {out}");
        if wire == "chat-stream" {
            assert_eq!(out["ids"], 1);
        }
        if wire == "responses-stream" {
            assert_eq!(
                (&out["in_order"], &out["completed"]),
                (&Value::Bool(true), &Value::from(1))
            );
        }
    }
    // Without an offered tool, a call cannot happen: `never` sends the
    // CLI's marker and no tool.
    let never_env = Env::new();
    let never = Proxy::start(&never_env, &up, &["--retrieve-tool", "never"]);
    let out = client(&py, "retrieve-chat", &never);
    assert_eq!(out["text"], "Hello there");
    let sent = String::from_utf8_lossy(&up.last().body).into_owned();
    assert!(sent.contains("; retrieve: headroom retrieve ") && !sent.contains("headroom_retrieve"));
    never.stop();
    let stats: Value =
        serde_json::from_slice(&send("GET", &format!("{}/stats", proxy.url), &[], "").2).unwrap();
    assert_eq!(
        (&stats["requests"], &stats["retrievals"]),
        (&Value::from(6), &Value::from(12)),
        "{stats}"
    );
    let metrics =
        String::from_utf8(send("GET", &format!("{}/metrics", proxy.url), &[], "").2).unwrap();
    assert!(
        metrics.contains("headroom_retrievals_total 12"),
        "{metrics}"
    );
    let log = proxy.stop();
    assert_eq!(log.matches(" retrievals=2").count(), 6, "{log}");
    let records = headroom::usage::read(env.store_path(), 0, i64::MAX).unwrap();
    assert_eq!(records.len(), 6);
    assert!(
        records
            .iter()
            .all(|r| r.retrievals == 2 && r.status == "200")
    );
}

#[test]
fn count_tokens_sees_the_body_that_will_be_sent() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &[]);
    client(&py, "messages", &proxy);
    let sent = up.last();
    let counted = client(&py, "count-tokens", &proxy);
    let count = up.last();
    assert_eq!(count.path_and_query, "/v1/messages/count_tokens");
    assert_eq!(messages_of(&count.body), messages_of(&sent.body));
    assert_eq!(counted["input_tokens"], Value::from(count.body.len() / 4));
}

#[test]
fn upstream_errors_drops_and_disconnects_reach_the_client_as_they_are() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &[]);
    let r = client(&py, "429", &proxy);
    assert_eq!(
        r,
        serde_json::json!({"status": 429, "retry_after": "7", "type": "rate_limit_error"})
    );
    let r = client(&py, "500", &proxy);
    assert_eq!(r["status"], 500);
    assert_eq!(r["message"], "upstream broke");
    // A cut stream stays a failure for the SDK, never a clean end.
    let r = client(&py, "drop", &proxy);
    assert!(r["error"].is_string(), "{r}");
    assert_eq!(r["text"], "Hello");
    // The client giving up cancels the upstream request.
    let r = client(&py, "cancel", &proxy);
    assert_eq!(r["timed_out"], true);
    let deadline = Instant::now() + Duration::from_secs(10);
    while up
        .shared
        .cancelled
        .load(std::sync::atomic::Ordering::SeqCst)
        == 0
    {
        assert!(
            Instant::now() < deadline,
            "upstream request was not cancelled"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = proxy.stop();
    assert!(
        log.contains(" 429 ") && log.contains(" 500 ") && log.contains(" dropped "),
        "{log}"
    );
    assert!(log.contains(" cancelled "), "{log}");
}

#[test]
fn stream_events_are_forwarded_as_they_arrive() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &[]);
    for scenario in ["slow", "slow-tools"] {
        let r = client(&py, scenario, &proxy);
        let gaps: Vec<i64> = r["gaps_ms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_i64().unwrap())
            .collect();
        // The upstream pauses 300 ms between events; buffering would merge them.
        assert!(gaps.len() >= 4, "{scenario}: {gaps:?}");
        assert!(gaps.iter().all(|&g| g >= 200), "{scenario}: {gaps:?}");
    }
    let offered = String::from_utf8_lossy(&up.last().body).into_owned();
    assert!(offered.contains("\"headroom_retrieve\""), "{offered}");
}

#[test]
fn bodies_are_spliced_and_everything_else_is_byte_identical() {
    let env = Env::new();
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &[]);
    let chat = format!("{}/v1/chat/completions", proxy.url);
    let headers = [
        ("content-type", "application/json"),
        ("authorization", "Bearer sk-secret-key"),
        ("x-headroom-note", "internal"),
        ("idempotency-key", "k-42"),
    ];
    // Nothing to compress: the upstream gets the exact bytes.
    let small = "{ \"model\":\"gpt-4o\",\n  \"messages\":[{\"role\":\"user\",\"content\":\"hi \\u00e9\"}], \"zzz\": [1,2 ] }";
    let (status, h, _) = send("POST", &chat, &headers, small);
    assert_eq!(status, 200);
    assert_eq!(h["x-upstream"], "fake");
    let seen = up.last();
    assert_eq!(seen.body, small.as_bytes());
    assert_eq!(seen.headers["authorization"], "Bearer sk-secret-key");
    assert_eq!(seen.headers["idempotency-key"], "k-42");
    assert!(!seen.headers.contains_key("x-headroom-note"));
    // Malformed JSON is forwarded unchanged.
    send("POST", &chat, &headers, "{\"messages\": [");
    assert_eq!(up.last().body, &b"{\"messages\": ["[..]);
    // The bypass header forwards a compressible body untouched.
    let big = chat_body(1);
    let mut bypass = headers.to_vec();
    bypass.push(("x-headroom-bypass", "true"));
    send("POST", &chat, &bypass, big.clone());
    assert_eq!(up.last().body, big.as_bytes());
    assert!(!up.last().headers.contains_key("x-headroom-bypass"));
    // Compressed: only the tool result's string changed.
    send("POST", &chat, &headers, big.clone());
    let out = String::from_utf8(up.last().body.to_vec()).unwrap();
    assert!(out.len() < big.len() / 2);
    let before = messages_of(big.as_bytes());
    let after = messages_of(out.as_bytes());
    assert_eq!(before.len(), after.len());
    for (i, (a, b)) in before.iter().zip(&after).enumerate() {
        if i != 3 {
            assert_eq!(a, b, "message {i}");
        }
    }
    assert!(out.starts_with("{\"model\":\"gpt-4o\", \"messages\":["));
    // The body held no tools list: the retrieve tool comes in one, at the end.
    let (head, tools) = out.split_at(out.rfind(",\"tools\":[").unwrap());
    assert!(head.ends_with("],\n \"safeguards\": {\"x\": [1, 2]}"));
    let tools: Value = serde_json::from_str(&format!("{{{}", &tools[1..])).unwrap();
    assert_eq!(tools["tools"][0]["function"]["name"], "headroom_retrieve");
    assert!(out.contains("; retrieve: headroom_retrieve hash="));
    // The marker's original is retrievable from the proxy.
    let hash = headroom::ccr::hashes_in(&out)[0].clone();
    let (status, _, body) = send("GET", &format!("{}/v1/retrieve/{hash}", proxy.url), &[], "");
    assert_eq!(status, 200);
    let got: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        got["original"]
            .as_str()
            .unwrap()
            .contains("card declined for order 4242")
    );
    // Other routes and methods pass through; WebSocket upgrades get 426.
    let (status, _, body) = send("GET", &format!("{}/v1/models", proxy.url), &[], "");
    assert_eq!(
        (status, up.last().path_and_query.as_str()),
        (200, "/v1/models")
    );
    assert!(String::from_utf8_lossy(&body).contains("\"owned_by\":\"fake\""));
    let (status, _, _) = send(
        "GET",
        &format!("{}/v1/responses", proxy.url),
        &[("connection", "upgrade"), ("upgrade", "websocket")],
        "",
    );
    assert_eq!(status, 426);
    let log = proxy.stop();
    assert!(!log.contains("sk-secret-key"), "{log}");
}

/// Codex sends `content-encoding: zstd`: the body is decoded, compressed
/// and forwarded plain; unchanged or undecodable bodies go on as they came.
#[test]
fn zstd_request_bodies_are_decoded_and_compressed() {
    let env = Env::new();
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &[]);
    let chat = format!("{}/v1/chat/completions", proxy.url);
    let zstd = [
        ("content-type", "application/json"),
        ("content-encoding", "zstd"),
    ];
    let big = chat_body(1);
    let (status, _, _) = send(
        "POST",
        &chat,
        &zstd,
        zstd::encode_all(big.as_bytes(), 3).unwrap(),
    );
    assert_eq!(status, 200);
    let seen = up.last();
    assert!(!seen.headers.contains_key("content-encoding"));
    let out = String::from_utf8(seen.body.to_vec()).unwrap();
    assert!(out.len() < big.len() / 2);
    assert!(out.contains("retrieve: headroom_retrieve hash="));
    let (before, after) = (messages_of(big.as_bytes()), messages_of(out.as_bytes()));
    assert_eq!(before[..3], after[..3]);
    // Nothing to compress: the client's own bytes and header.
    let small = zstd::encode_all(
        &br#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#[..],
        3,
    )
    .unwrap();
    send("POST", &chat, &zstd, small.clone());
    assert_eq!(up.last().body, small);
    assert_eq!(up.last().headers["content-encoding"], "zstd");
    // Not zstd after all, or an encoding the proxy does not read: untouched.
    for (enc, body) in [
        ("zstd", b"not zstd".to_vec()),
        ("br", big.clone().into_bytes()),
    ] {
        send("POST", &chat, &[("content-encoding", enc)], body.clone());
        assert_eq!(up.last().body, body);
        assert_eq!(up.last().headers["content-encoding"], enc);
    }
    proxy.stop();
}

#[test]
fn earlier_turns_reach_the_upstream_identical_on_every_turn() {
    let env = Env::new();
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &[]);
    let chat = format!("{}/v1/chat/completions", proxy.url);
    let mut previous: Vec<String> = Vec::new();
    for turn in 1..=10 {
        send(
            "POST",
            &chat,
            &[("content-type", "application/json")],
            chat_body(turn),
        );
        let now = messages_of(&up.last().body);
        assert!(now.len() > previous.len());
        assert_eq!(now[..previous.len()], previous[..], "turn {turn}");
        previous = now;
    }
    let stats: Value =
        serde_json::from_slice(&send("GET", &format!("{}/stats", proxy.url), &[], "").2).unwrap();
    // Each result is compressed once; later turns hit the memo.
    assert_eq!(stats["memo"]["misses"], 10, "{stats}");
    assert_eq!(stats["memo"]["hits"], 45, "{stats}");
}

#[test]
fn oversized_bodies_get_413_in_the_providers_shape() {
    let env = Env::new();
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &["--max-body-mb", "1"]);
    let body = format!(
        "{{\"model\":\"m\",\"pad\":\"{}\"}}",
        "x".repeat((1 << 20) + 1000)
    );
    let (status, _, out) = send(
        "POST",
        &format!("{}/v1/messages", proxy.url),
        &[("content-type", "application/json")],
        body,
    );
    assert_eq!(status, 413);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "request_too_large");
    assert!(up.seen().is_empty());
}

/// A body sent in pieces with no length announced (chunked): forwarded whole
/// and byte for byte under the limit, 413 once its pieces pass it.
#[test]
fn chunked_bodies_are_read_whole_up_to_the_limit() {
    let env = Env::new();
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &["--max-body-mb", "1"]);
    let url = format!("{}/v1/messages", proxy.url);
    let chunked = |body: String| {
        let pieces: Vec<Result<Vec<u8>, std::io::Error>> = body
            .into_bytes()
            .chunks(4096)
            .map(|c| Ok(c.to_vec()))
            .collect();
        let url = url.clone();
        runtime().block_on(async move {
            let r = reqwest::Client::new()
                .post(url)
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                    pieces,
                )))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.bytes().await.unwrap())
        })
    };
    let fits = format!(r#"{{"model":"m","pad":"{}"}}"#, "x".repeat(900_000));
    let (status, _) = chunked(fits.clone());
    assert_eq!(status, 200);
    assert_eq!(up.last().body, fits.as_bytes());
    let over = format!(
        r#"{{"model":"m","pad":"{}"}}"#,
        "x".repeat((1 << 20) + 1000)
    );
    let (status, out) = chunked(over);
    assert_eq!(status, 413);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["error"]["type"], "request_too_large");
    assert_eq!(up.seen().len(), 1);
}

#[test]
fn ops_endpoints_and_prometheus_metrics() {
    let env = Env::new();
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &[]);
    send(
        "POST",
        &format!("{}/v1/chat/completions", proxy.url),
        &[("content-type", "application/json")],
        chat_body(1),
    );
    let (status, _, body) = send("GET", &format!("{}/health", proxy.url), &[], "");
    assert_eq!(status, 200);
    let health: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["store"], "ok");
    assert_eq!(health["upstreams"]["anthropic"], up.url());
    let (_, _, metrics) = send("GET", &format!("{}/metrics", proxy.url), &[], "");
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(
        metrics.contains("headroom_requests_total{provider=\"openai\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("headroom_overhead_seconds_count 1"));
    if Command::new("promtool").arg("--version").output().is_ok() {
        let mut child = Command::new("promtool")
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(metrics.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    } else {
        eprintln!("skipping promtool check: promtool is not installed");
    }
    // /v1/compress gives what `headroom compress` gives for the same body.
    let body = chat_body(1);
    let (status, _, out) = send(
        "POST",
        &format!("{}/v1/compress", proxy.url),
        &[],
        body.clone(),
    );
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&out).unwrap();
    let cli = env.ok_str(&["compress", "--format", "json"], body);
    let cli: Value = serde_json::from_str(&cli).unwrap();
    assert_eq!(v["body"], cli["output"]);
    assert_eq!(v["tokens_after"], cli["tokens_after"]);
}

#[test]
fn a_non_loopback_bind_needs_a_token() {
    let env = Env::new();
    let out = env.run(&["proxy", "--host", "0.0.0.0", "--port", "0"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--auth-token"));
    // With one, the ops endpoints ask for it.
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &["--host", "0.0.0.0", "--auth-token", "t0ken"]);
    let port = proxy.url.rsplit(':').next().unwrap();
    let local = format!("http://127.0.0.1:{port}");
    assert_eq!(send("GET", &format!("{local}/stats"), &[], "").0, 401);
    let ok = send(
        "GET",
        &format!("{local}/stats"),
        &[("authorization", "Bearer t0ken")],
        "",
    );
    assert_eq!(ok.0, 200);
}

#[test]
fn records_name_the_agents_session_and_the_tools_compressed() {
    let env = Env::new();
    let up = Upstream::start();
    let proxy = Proxy::start(&env, &up, &[]);
    let chat = format!("{}/v1/chat/completions", proxy.url);
    let json = ("content-type", "application/json");
    // Claude Code's header, then Codex's, then none.
    send(
        "POST",
        &chat,
        &[json, ("x-claude-code-session-id", "cc-1")],
        chat_body(1),
    );
    send(
        "POST",
        &chat,
        &[json, ("session-id", "codex-7")],
        chat_body(2),
    );
    send("POST", &chat, &[json], chat_body(1));
    proxy.stop();
    let mut records = headroom::usage::read(env.store_path(), 0, i64::MAX).unwrap();
    records.sort_by_key(|r| r.session.clone());
    let got: Vec<_> = records
        .iter()
        .map(|r| (r.session.as_deref(), r.tool.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (None, Some("logs")),
            (Some("cc-1"), Some("logs")),
            (Some("codex-7"), Some("logs"))
        ]
    );
    // `report sessions` and `--by tool` group the proxy's records by them.
    let report = |args: &[&str]| -> Value {
        let out = env
            .cmd(&["report"])
            .args(args)
            .args(["--format", "json", "--timezone", "UTC"])
            .env("CLAUDE_CONFIG_DIR", env.dir.path().join("claude"))
            .env("CODEX_HOME", env.dir.path().join("codex"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let keys = |v: &Value| -> Vec<(String, u64)> {
        let mut k: Vec<_> = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["key"].as_str().unwrap().to_string(),
                    r["calls"].as_u64().unwrap(),
                )
            })
            .collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&report(&["sessions"])),
        [
            ("(none)".into(), 1),
            ("cc-1".into(), 1),
            ("codex-7".into(), 1)
        ]
    );
    let by_tool = report(&["--by", "tool"]);
    assert_eq!(keys(&by_tool), [("logs".to_string(), 3)]);
    assert!(by_tool["rows"][0]["saved"].as_i64().unwrap() > 0);
}
