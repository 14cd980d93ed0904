//! A fleet: `headroom proxy` replicas on one real redis-server. A marker
//! written through one replica is retrieved through another, usage of all
//! adds up in one report, and a Redis outage costs requests nothing but
//! the savings.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::Env;
use crate::support::redis::RedisServer;
use crate::support::upstream::Upstream;

/// A running `headroom proxy` on a free port; killed on drop.
struct Replica {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
    _env: Env,
}

impl Replica {
    /// A replica with a HEADROOM_HOME of its own, sharing only `store`.
    fn start(up: &Upstream, store: &str) -> Replica {
        let env = Env::new();
        let openai = format!("{}/v1", up.url());
        let mut child = env
            .cmd(&[
                "proxy",
                "--port",
                "0",
                "--openai-base-url",
                &openai,
                "--anthropic-base-url",
                &up.url(),
                "--budget-ms",
                "20000",
                "--store",
                store,
            ])
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
        Replica {
            child,
            url,
            log,
            _env: env,
        }
    }

    /// Waits until `/health` says the store is reachable.
    fn wait_store_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.health()["store"] != "ok" {
            assert!(
                Instant::now() < deadline,
                "{} never reached the store",
                self.url
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM, a clean exit (usage flushed), and the log.
    fn stop(mut self) -> String {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        assert!(self.child.wait().unwrap().success());
        std::thread::sleep(Duration::from_millis(100));
        self.log.lock().unwrap().clone()
    }

    fn health(&self) -> Value {
        let (status, body) = send("GET", &format!("{}/health", self.url), "");
        assert_eq!(status, 200);
        serde_json::from_slice(&body).unwrap()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn send(method: &str, url: &str, body: impl Into<Vec<u8>>) -> (u16, Vec<u8>) {
    send_with(method, url, &[], body)
}

fn send_with(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Vec<u8>>,
) -> (u16, Vec<u8>) {
    let body = body.into();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let mut rb = reqwest::Client::new()
                .request(method.parse().unwrap(), url)
                .header("content-type", "application/json");
            for (k, v) in headers {
                rb = rb.header(*k, *v);
            }
            let r = rb.body(body).send().await.unwrap();
            (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
        })
}

/// A Chat request with one large log tool result, different for each `n`.
fn chat(n: usize) -> String {
    let result = crate::support::log_records(300 + n, 100 + n);
    json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "Why did the checkout fail?"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "logs", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": result},
        ]
    })
    .to_string()
}

/// Sends `chat(n)` through `replica`; the hashes of the markers the
/// upstream received.
fn through(replica: &Replica, up: &Upstream, n: usize) -> Vec<String> {
    let (status, body) = send(
        "POST",
        &format!("{}/v1/chat/completions", replica.url),
        chat(n),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let sent = String::from_utf8(up.last().body.to_vec()).unwrap();
    headroom::ccr::hashes_in(&sent)
}

fn retrieve(replica: &Replica, hash: &str) -> (u16, Value) {
    let (status, body) = send(
        "POST",
        &format!("{}/v1/retrieve", replica.url),
        json!({"hash": hash}).to_string(),
    );
    (status, serde_json::from_slice(&body).unwrap())
}

/// A fresh redis-server, an upstream, and two replicas sharing the server
/// (`None` when redis-server is missing).
fn two_replicas() -> Option<(RedisServer, Upstream, Replica, Replica)> {
    let server = RedisServer::start()?;
    let up = Upstream::start();
    let a = Replica::start(&up, &server.url());
    let b = Replica::start(&up, &server.url());
    Some((server, up, a, b))
}

#[test]
fn replicas_share_markers_and_usage_through_redis() {
    let Some((server, up, a, b)) = two_replicas() else {
        return;
    };
    let hashes = through(&a, &up, 1);
    assert!(!hashes.is_empty(), "A compressed with a marker");
    for h in &hashes {
        let (status, got) = retrieve(&b, h);
        assert_eq!(status, 200, "{got}");
        let original = got["original"].as_str().unwrap();
        assert!(original.contains("request_id"), "{original}");
    }
    let hashes_b = through(&b, &up, 2);
    let (status, _) = retrieve(&a, &hashes_b[0]);
    assert_eq!(status, 200);
    assert_eq!(a.health()["store"], "ok");
    a.stop();
    b.stop();
    // Both replicas' requests in one report.
    let records = headroom::usage::read(
        headroom::ccr::StoreLocation::parse(&server.url()).unwrap(),
        0,
        i64::MAX,
    )
    .unwrap();
    assert_eq!(records.len(), 2, "{records:?}");
    let report = Env::new().ok_str(
        &["report", "--format", "json", "--store", &server.url()],
        "",
    );
    let before: u64 = records.iter().map(|r| r.tokens_before).sum();
    assert!(report.contains(&before.to_string()), "{before} in {report}");
}

#[test]
fn the_models_retrieve_call_through_another_replica_gets_the_original() {
    let Some((_server, up, a, b)) = two_replicas() else {
        return;
    };
    assert!(!through(&a, &up, 40).is_empty());
    // The conversation as A sent it on (markers in place), continued
    // through B: B offers headroom_retrieve for A's marker and answers
    // the model's call from Redis.
    let mut sent: Value = serde_json::from_slice(&up.last().body).unwrap();
    sent.as_object_mut().unwrap().remove("tools");
    let (status, body) = send_with(
        "POST",
        &format!("{}/v1/chat/completions", b.url),
        &[("x-fake", "retrieve")],
        sent.to_string(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let reply: Value = serde_json::from_slice(&body).unwrap();
    let text = reply["choices"][0]["message"]["content"].as_str().unwrap();
    // chat(40) holds 340 log records: all of them came back (in pages,
    // each call stitched into the one answer).
    assert!(text.ends_with("Retrieved 340 items"), "{reply}");
}

#[test]
fn a_redis_outage_keeps_requests_succeeding_losslessly_then_recovers() {
    let Some((mut server, up, a, b)) = two_replicas() else {
        return;
    };
    assert!(!through(&a, &up, 10).is_empty());
    server.kill();
    for n in 11..16 {
        // Still 200, and nothing sent upstream needs the store.
        assert!(
            through(&a, &up, n).is_empty(),
            "request {n} stayed lossless"
        );
    }
    let health = a.health();
    assert!(
        health["store"]
            .as_str()
            .unwrap()
            .starts_with("unreachable: redis://127.0.0.1"),
        "{health}"
    );
    server.resume();
    a.wait_store_ok();
    let hashes = through(&a, &up, 20);
    assert!(!hashes.is_empty(), "compressing fully again");
    let (status, got) = retrieve(&b, &hashes[0]);
    assert_eq!(status, 200, "{got}");
    let log = a.stop();
    assert_eq!(log.matches("unreachable").count(), 1, "said once: {log}");
    assert_eq!(log.matches("reachable again").count(), 1, "{log}");
    drop(b);
}

#[test]
fn a_proxy_starts_on_an_unreachable_redis_and_compresses_once_it_is_up() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    server.kill();
    let up = Upstream::start();
    let a = Replica::start(&up, &server.url());
    assert!(through(&a, &up, 30).is_empty());
    server.resume();
    a.wait_store_ok();
    assert!(!through(&a, &up, 31).is_empty());
}
