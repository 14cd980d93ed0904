//! Proxy overhead (issue #11's targets): latency through `headroom proxy`
//! minus latency direct to the same fake upstream at the same fixed request
//! rate, plus streaming delays, the proxy's start-up time and its resident
//! memory; side by side with Python Headroom's proxy when it is installed.
//!
//! ```sh
//! cargo bench --profile quick --bench proxy                  # 5 s per load
//! cargo bench --profile quick --bench proxy -- --seconds 10
//! cargo bench --profile quick --bench proxy -- --no-python   # headroom only
//! cargo bench --profile quick --bench proxy -- --only memoized # the loads whose name has this
//! HEADROOM_BENCH_BIN=/tmp/headroom-old cargo bench --bench proxy  # another build of headroom
//! HEADROOM_BENCH_PROXY_LOG=proxy.log cargo bench --bench proxy    # the proxy's log lines
//! HEADROOM_BENCH_PAUSE_MS=50 cargo bench --bench proxy -- --in-process  # a pause before each rewrite
//! ```
//!
//! The load is open loop: a scheduler thread sends request `i` at `i / rate`
//! whatever happened to earlier ones, and each latency is timed from the
//! moment the request was due, so a stall in the proxy is never hidden
//! (no coordinated omission). Direct and proxied requests alternate within
//! one run, so the load other processes put on the machine falls on both.
//! Bodies vary the system prompt, so every request is a new conversation
//! unless a case says otherwise.
//!
//! Python Headroom 0.42 (the reference system) is used when
//! `$HEADROOM_ANCHOR_VENV/bin/headroom` (default
//! `~/.cache/headroom-anchor/venv`) exists: install it with
//! `bash ../shared/tools/headroom-anchor/setup.sh`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

const RESPONSE: &str = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":1,"total_tokens":11}}"#;
/// Streamed responses: this many events, this far apart.
const EVENTS: usize = 10;
const PAUSE: Duration = Duration::from_millis(20);
/// Requests of the 200-turn conversation timed, each the next turn.
const LONG_TIMED: usize = 10;

type BodyFn = Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync>;

fn main() {
    let mut seconds = 5.0f64;
    let mut python = true;
    let mut in_process = false;
    let mut only = String::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(5.0),
            "--no-python" => python = false,
            "--in-process" => in_process = true,
            "--only" => only = args.next().unwrap_or_default(),
            _ => {} // cargo bench passes `--bench`
        }
    }
    if in_process {
        request_201_in_process();
        return new_result_in_process();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    run(&rt, Duration::from_secs_f64(seconds), python, &only);
}

// ---- the fake upstream ---------------------------------------------------

/// Answers every request with a small chat completion, or, when the body
/// asks for a stream, with [`EVENTS`] SSE events [`PAUSE`] apart.
async fn upstream() -> String {
    let app = Router::new().fallback(|body: Bytes| async move {
        if memchr::memmem::find(&body, br#""stream":true"#).is_none() {
            return ([("content-type", "application/json")], RESPONSE).into_response();
        }
        let events = futures_util::stream::unfold(0usize, |k| async move {
            if k > EVENTS {
                return None;
            }
            if k > 0 {
                tokio::time::sleep(PAUSE).await;
            }
            let data = if k == EVENTS {
                "data: [DONE]\n\n".to_string()
            } else {
                format!(
                    "data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"t{k}\"}}}}]}}\n\n"
                )
            };
            Some((Ok::<_, std::io::Error>(Bytes::from(data)), k + 1))
        });
        Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from_stream(events))
            .unwrap()
    });
    // The 200-turn conversation is over axum's default 2 MB limit.
    let app = app.layer(axum::extract::DefaultBodyLimit::disable());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    format!("http://{addr}")
}

// ---- the proxies under test ----------------------------------------------

struct Proxy {
    name: &'static str,
    child: Child,
    url: String,
    ready: Duration,
    _home: Option<tempfile::TempDir>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proxy {
    fn rss_kb(&self) -> u64 {
        rss_kb(self.child.id())
    }
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Starts `cmd` (which listens on `port`) and waits for its `/health`.
async fn start(
    name: &'static str,
    mut cmd: Command,
    port: u16,
    home: Option<tempfile::TempDir>,
    patience: Duration,
) -> Option<Proxy> {
    let started = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .ok()?;
    let url = format!("http://127.0.0.1:{port}");
    let mut proxy = Proxy {
        name,
        child,
        url,
        ready: Duration::ZERO,
        _home: home,
    };
    let client = reqwest::Client::new();
    loop {
        if let Ok(r) = client.get(format!("{}/health", proxy.url)).send().await
            && r.status().is_success()
        {
            proxy.ready = started.elapsed();
            return Some(proxy);
        }
        if started.elapsed() > patience || proxy.child.try_wait().ok().flatten().is_some() {
            eprintln!("{name}: not healthy after {patience:?}; skipped");
            return None;
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

/// Starts headroom's proxy twice on one home: the first start creates the
/// store, the second finds it (as every later start does); returns the
/// second, and how long the first took. Anthropic stays the public API, so
/// the start-up includes loading the system's certificate roots.
async fn start_headroom(upstream: &str) -> (Proxy, Duration) {
    let home = tempfile::tempdir().unwrap();
    let cmd = |port: u16| {
        // Another build of headroom to compare with, when given.
        let bin = std::env::var_os("HEADROOM_BENCH_BIN")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_headroom").into());
        let mut cmd = Command::new(bin);
        // Each request's log line, for looking into a case, when asked for.
        let log = std::env::var_os("HEADROOM_BENCH_PROXY_LOG");
        let format = if log.is_some() { "text" } else { "off" };
        cmd.stderr(match &log {
            Some(f) => std::fs::File::create(f).unwrap().into(),
            None => Stdio::null(),
        });
        cmd.args(["proxy", "--port", &port.to_string(), "--log-format", format])
            .args(["--openai-base-url", &format!("{upstream}/v1")])
            .env("HEADROOM_HOME", home.path());
        cmd
    };
    let port = free_port();
    let first = start("headroom", cmd(port), port, None, Duration::from_secs(10))
        .await
        .expect("headroom proxy starts");
    let created = first.ready;
    drop(first);
    let port = free_port();
    let proxy = start(
        "headroom",
        cmd(port),
        port,
        Some(home),
        Duration::from_secs(10),
    )
    .await
    .expect("headroom proxy starts again");
    (proxy, created)
}

fn anchor_venv() -> PathBuf {
    std::env::var_os("HEADROOM_ANCHOR_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/headroom-anchor/venv")
        })
}

/// Python Headroom's proxy on the same upstream, set up as its README says
/// for offline use (its BPE files from the venv, no rate limit, no replay
/// cache), or `None` with a message.
async fn start_python(upstream: &str) -> Option<Proxy> {
    let venv = anchor_venv();
    let bin = venv.join("bin/headroom");
    if !bin.exists() {
        println!(
            "Python Headroom: not installed at {} (bash ../shared/tools/headroom-anchor/setup.sh); skipped",
            venv.display()
        );
        return None;
    }
    let tiktoken = std::fs::read_dir(venv.join("lib"))
        .ok()?
        .flatten()
        .map(|d| {
            d.path()
                .join("site-packages/litellm/litellm_core_utils/tokenizers")
        })
        .find(|p| p.exists())?;
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.stderr(Stdio::null());
    cmd.args(["proxy", "--host", "127.0.0.1", "--port", &port.to_string()])
        .args([
            "--openai-api-url",
            upstream,
            "--anthropic-api-url",
            upstream,
        ])
        .args([
            "--no-subscription-tracking",
            "--no-rate-limit",
            "--no-cache",
        ])
        .env("HOME", home.path())
        .env("HEADROOM_DISABLE_KOMPRESS", "1")
        .env("HEADROOM_OFFLINE", "1")
        .env("HEADROOM_TELEMETRY", "off")
        .env("TIKTOKEN_CACHE_DIR", tiktoken);
    start("python", cmd, port, Some(home), Duration::from_secs(60)).await
}

// ---- load ----------------------------------------------------------------

/// Latencies in ms, sorted, and the requests that failed.
#[derive(Default)]
struct Sample {
    ms: Vec<f64>,
    errors: usize,
}

impl Sample {
    fn pct(&self, q: f64) -> f64 {
        if self.ms.is_empty() {
            return f64::NAN;
        }
        self.ms[((self.ms.len() - 1) as f64 * q).round() as usize]
    }
}

/// `rate` requests per second to each of `urls` for `dur` (request `i` to
/// every URL in turn, evenly spaced), timed from when each was due.
fn load(
    rt: &tokio::runtime::Handle,
    client: &reqwest::Client,
    urls: &[String],
    rate: f64,
    dur: Duration,
    body: &BodyFn,
    warm: usize,
) -> Vec<Sample> {
    let n = (rate * dur.as_secs_f64()).ceil() as usize;
    // Made before the clock starts, so making them never delays a send; a
    // long run cycles through 4096 of them (a memoized case's sessions go
    // on growing until then). Numbered on from the last load, so a case
    // never meets a conversation an earlier one sent.
    const CYCLE: usize = 4096;
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let first = SEQ.fetch_add(warm + n.min(CYCLE), std::sync::atomic::Ordering::Relaxed);
    rt.block_on(async {
        for i in first..first + warm {
            let b = Bytes::from(body(i));
            for url in urls {
                if let Ok(r) = client.post(url).body(b.clone()).send().await {
                    let _ = r.bytes().await;
                }
            }
        }
    });
    let first = first + warm;
    let bodies: Vec<Bytes> = (first..first + n.min(CYCLE))
        .map(|i| Bytes::from(body(i)))
        .collect();
    let samples: Arc<Vec<Mutex<Sample>>> =
        Arc::new(urls.iter().map(|_| Mutex::default()).collect());
    let step = 1.0 / (rate * urls.len() as f64);
    let start = Instant::now() + Duration::from_millis(5);
    let mut tasks = Vec::with_capacity(n * urls.len());
    for i in 0..n {
        let b = &bodies[i % bodies.len()];
        for (u, url) in urls.iter().enumerate() {
            let due = start + Duration::from_secs_f64((i * urls.len() + u) as f64 * step);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let (client, url, b, samples) =
                (client.clone(), url.clone(), b.clone(), Arc::clone(&samples));
            tasks.push(rt.spawn(async move {
                let ok = match client
                    .post(url)
                    .header("content-type", "application/json")
                    .body(b)
                    .send()
                    .await
                {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                let ms = due.elapsed().as_secs_f64() * 1e3;
                let mut s = samples[u].lock().unwrap();
                if ok { s.ms.push(ms) } else { s.errors += 1 }
            }));
        }
    }
    rt.block_on(async {
        for t in tasks {
            let _ = t.await;
        }
    });
    let samples = Arc::try_unwrap(samples).ok().unwrap();
    samples
        .into_iter()
        .map(|s| {
            let mut s = s.into_inner().unwrap();
            s.ms.sort_by(f64::total_cmp);
            s
        })
        .collect()
}

/// Time to the first event and each event's lateness against the
/// upstream's schedule (event `k` leaves `k × PAUSE` after the first), in
/// ms, over `n` streamed requests.
async fn stream_delays(client: &reqwest::Client, url: &str, n: usize) -> (Sample, Sample) {
    let mut ttfb = Sample::default();
    let mut late = Sample::default();
    for i in 0..n {
        let t = Instant::now();
        let r = client
            .post(url)
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"model":"gpt-4o","stream":true,"messages":[{{"role":"system","content":"stream {i}"}},{{"role":"user","content":"hi"}}]}}"#
            ))
            .send()
            .await;
        let Ok(r) = r else {
            ttfb.errors += 1;
            continue;
        };
        let mut body = r.bytes_stream();
        let mut seen = 0usize;
        while let Some(Ok(chunk)) = body.next().await {
            let at = t.elapsed().as_secs_f64() * 1e3;
            for _ in memchr::memmem::find_iter(&chunk, b"data:") {
                if seen == 0 {
                    ttfb.ms.push(at);
                } else {
                    late.ms.push(
                        at - ttfb.ms.last().unwrap() - (seen as f64) * PAUSE.as_secs_f64() * 1e3,
                    );
                }
                seen += 1;
            }
        }
        if seen != EVENTS + 1 {
            late.errors += 1;
        }
    }
    ttfb.ms.sort_by(f64::total_cmp);
    late.ms.sort_by(f64::total_cmp);
    (ttfb, late)
}

// ---- bodies --------------------------------------------------------------

fn small(i: usize) -> Vec<u8> {
    format!(r#"{{"model":"gpt-4o","messages":[{{"role":"system","content":"session {i}"}},{{"role":"user","content":"hi"}}]}}"#).into_bytes()
}

/// A JSON tool result of about 100 KB (log records with one failure).
fn tool_result(seed: usize) -> String {
    let rows: Vec<String> = (0..700)
        .map(|j| {
            let level = if j == 350 { "ERROR" } else { ["INFO", "INFO", "DEBUG"][j % 3] };
            format!(
                r#"{{"ts":"2024-03-01T12:{:02}:{:02}Z","level":"{level}","service":"checkout","host":"web-{}","msg":"GET /api/items/{} 200","req":"r{:06}"}}"#,
                (j / 60) % 60,
                j % 60,
                j % 3,
                1000 + j,
                (j * 7919 + seed) % 1_000_000
            )
        })
        .collect();
    format!("[{}]", rows.join(","))
}

fn conversation(system: &str, results: &[String]) -> Vec<u8> {
    let mut msgs = vec![
        format!(
            r#"{{"role":"system","content":{}}}"#,
            serde_json::to_string(system).unwrap()
        ),
        r#"{"role":"user","content":"Why did checkout fail?"}"#.to_string(),
    ];
    for (t, r) in results.iter().enumerate() {
        msgs.push(format!(r#"{{"role":"assistant","content":null,"tool_calls":[{{"id":"c{t}","type":"function","function":{{"name":"logs","arguments":"{{\"page\":{t}}}"}}}}]}}"#));
        msgs.push(format!(
            r#"{{"role":"tool","tool_call_id":"c{t}","content":{}}}"#,
            serde_json::to_string(r).unwrap()
        ));
    }
    format!(r#"{{"model":"gpt-4o","messages":[{}]}}"#, msgs.join(",")).into_bytes()
}

// ---- in process ----------------------------------------------------------

/// The request path's own steps on the 201st request of the 200-turn
/// conversation, its results already memoized: best of 20 runs each.
fn request_201_in_process() {
    use headroom::ccr::store::{OriginalStore, SqliteStore, StoreOptions};
    use headroom::ccr::{RetrieveVia, Sink};
    use headroom::compress::Context;
    use headroom::convo::{self, LeafMemo};
    use headroom::pipeline::Outcome;
    use headroom::tokens::{self, Encoding};

    #[derive(Default)]
    struct Memo(std::sync::Mutex<std::collections::HashMap<[u8; 32], Outcome>>);
    impl LeafMemo for Memo {
        fn get(&self, key: &[u8; 32]) -> Option<Outcome> {
            self.0.lock().unwrap().get(key).cloned()
        }
        fn put(&self, key: [u8; 32], outcome: &Outcome) {
            self.0.lock().unwrap().insert(key, outcome.clone());
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let results: Vec<String> = (0..200)
        .map(|t| tool_result(t)[..10_000].to_string() + "]")
        .collect();
    let body = String::from_utf8(conversation("long session", &results)).unwrap();
    let opts = StoreOptions {
        ttl_secs: 3600,
        max_bytes: 1 << 30,
    };
    let store = SqliteStore::open(&dir.path().join("store.db"), opts).unwrap();
    let cost = |s: &str| tokens::count(s, Encoding::O200k);
    let ctx = Context {
        query: Default::default(),
        lossless: false,
        valid_json: false,
        sink: Some(&store as &dyn Sink),
        via: RetrieveVia::Tool,
        cost: &cost,
        lossy_min_tokens: 50,
    };
    let memo = Memo::default();
    let conv = convo::parse(&body).unwrap();
    let out = convo::compress_memo(&body, &conv, &ctx, None, Some(&memo)).output;
    let best = |f: &mut dyn FnMut()| {
        (0..20)
            .map(|_| {
                let at = Instant::now();
                f();
                at.elapsed().as_secs_f64() * 1e3
            })
            .fold(f64::MAX, f64::min)
    };
    let parse = best(&mut || {
        std::hint::black_box(convo::parse(&body));
    });
    let compress = best(&mut || {
        std::hint::black_box(convo::compress_memo(&body, &conv, &ctx, None, Some(&memo)));
    });
    // The proxy's whole rewrite: request 201 after request 200 (its parse
    // and compression picked up where request 200's ended), and request
    // 201 once more.
    use headroom::proxy::rewrite::{Memo as Turns, rewrite};
    let turns = Turns::new(256 << 20);
    let earlier = conversation("long session", &results[..199]);
    let sink = Some(&store as &dyn Sink);
    let request_201 = || {
        std::hint::black_box(rewrite(
            body.as_bytes(),
            sink,
            &turns,
            50,
            RetrieveVia::Tool,
        ));
    };
    let mut next_turn = f64::MAX;
    for _ in 0..20 {
        rewrite(&earlier, sink, &turns, 50, RetrieveVia::Tool);
        let at = Instant::now();
        request_201();
        next_turn = next_turn.min(at.elapsed().as_secs_f64() * 1e3);
    }
    let again = best(&mut || request_201());
    // Request 201 after request 200 with a result never seen before, as
    // in a live conversation: the new result is compressed too.
    let mut next_new = f64::MAX;
    let mut result_alone = f64::MAX;
    for k in 0..20 {
        let new = tool_result(10_000 + k)[..10_000].to_string() + "]";
        let mut with_new = results[..199].to_vec();
        with_new.push(new.clone());
        let b = conversation("long session", &with_new);
        rewrite(&earlier, sink, &turns, 50, RetrieveVia::Tool);
        let at = Instant::now();
        std::hint::black_box(rewrite(&b, sink, &turns, 50, RetrieveVia::Tool));
        next_new = next_new.min(at.elapsed().as_secs_f64() * 1e3);
        let at = Instant::now();
        std::hint::black_box(headroom::pipeline::run(new.as_bytes(), None, &ctx));
        result_alone = result_alone.min(at.elapsed().as_secs_f64() * 1e3);
    }
    let store = &store as &dyn OriginalStore;
    let wire = headroom::proxy::retrieve::Wire::Chat;
    let policy = headroom::proxy::retrieve::Offer::Always;
    let prepare = best(&mut || {
        std::hint::black_box(headroom::proxy::retrieve::prepare(
            policy,
            wire,
            &out,
            Some(store),
        ));
    });
    // As the proxy calls it: told where the message list is.
    let r = rewrite(body.as_bytes(), sink, &turns, 50, RetrieveVia::Tool);
    let sent = r.body.as_deref().map_or(body.as_str(), |b| b.as_str());
    let prepare_known = best(&mut || {
        std::hint::black_box(headroom::proxy::retrieve::prepare_knowing(
            policy,
            wire,
            sent,
            Some(store),
            &headroom::proxy::retrieve::KnownStored::default(),
            r.list.clone(),
        ));
    });
    println!(
        "200-turn conversation ({} KB), request 201 in process, best of 20: \
         convo::parse {parse:.2} ms, memoized compress {compress:.2} ms, \
         retrieve::prepare {prepare:.2} ms ({prepare_known:.2} ms told where the \
         message list is); the proxy's rewrite: after request 200 \
         {next_turn:.2} ms, request 201 again {again:.2} ms, request 201 with a new result {next_new:.2} ms \
         (compressing that result alone {result_alone:.2} ms). Load average: {}",
        body.len() / 1024,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
}

/// A request carrying a new 100 KB JSON tool result, rewritten in
/// process: compression and the store's put, with the store checkpointing
/// as a commit crosses its threshold (SQLite's default) and in the
/// background (as the proxy runs it), and with no store at all. With
/// `HEADROOM_BENCH_PAUSE_MS`, each rewrite follows a pause, as at 20
/// requests a second: on a virtual machine whose CPU sleeps between them the
/// same work takes up to twice as long as back to back.
fn new_result_in_process() {
    use headroom::ccr::store::{SqliteStore, StoreOptions};
    use headroom::ccr::{RetrieveVia, Sink};
    use headroom::proxy::rewrite::{Memo, rewrite};
    let dir = tempfile::tempdir().unwrap();
    let opts = StoreOptions {
        ttl_secs: 3600,
        max_bytes: 1 << 30,
    };
    let inline = SqliteStore::open(&dir.path().join("inline.db"), opts).unwrap();
    let mut background = SqliteStore::open(&dir.path().join("background.db"), opts).unwrap();
    background.checkpoint_in_background().unwrap();
    let memo = Memo::new(64 << 20);
    let pause = std::env::var("HEADROOM_BENCH_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis);
    let mut seed = 0;
    let mut line = Vec::new();
    for (name, sink) in [
        ("checkpoint on commit", Some(&inline as &dyn Sink)),
        ("in the background", Some(&background as &dyn Sink)),
        ("no store", Some(&headroom::ccr::HashOnlySink as &dyn Sink)),
    ] {
        let mut s = Sample::default();
        for i in 0..100 {
            seed += 1;
            let body = conversation(&format!("session {i}"), &[tool_result(seed)]);
            if let Some(pause) = pause {
                std::thread::sleep(pause);
            }
            let at = Instant::now();
            std::hint::black_box(rewrite(&body, sink, &memo, 50, RetrieveVia::Tool));
            s.ms.push(at.elapsed().as_secs_f64() * 1e3);
        }
        s.ms.sort_by(f64::total_cmp);
        line.push(format!(
            "{name} p50 {:.2} / p99 {:.2} ms",
            s.pct(0.5),
            s.pct(0.99)
        ));
    }
    println!(
        "100 KB JSON tool result, new conversation each, rewritten in process (100 each): {}. Load average: {}",
        line.join("; "),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
}

// ---- the table -----------------------------------------------------------

struct Row {
    case: String,
    direct: String,
    cells: Vec<String>,
    target: &'static str,
}

fn ms(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{x:.2}")
    }
}

fn over(through: &Sample, direct: &Sample) -> String {
    let mut s = format!(
        "+{} / +{}",
        ms(through.pct(0.5) - direct.pct(0.5)),
        ms(through.pct(0.99) - direct.pct(0.99))
    )
    .replace("+-", "-");
    if through.errors > 0 {
        s += &format!(" ({} failed)", through.errors);
    }
    s
}

fn print_table(names: &[&str], rows: &[Row]) {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::ASCII_MARKDOWN);
    let mut header = vec!["case".to_string(), "direct p50 / p99 ms".to_string()];
    header.extend(names.iter().map(|n| format!("{n} overhead p50 / p99 ms")));
    header.push("target (headroom)".into());
    t.set_header(header);
    for r in rows {
        let mut line = vec![r.case.clone(), r.direct.clone()];
        line.extend(r.cells.iter().cloned());
        line.resize(2 + names.len(), "-".into());
        line.push(r.target.into());
        t.add_row(line);
    }
    println!("{t}");
}

// ---- the run -------------------------------------------------------------

struct Case {
    name: &'static str,
    rate: f64,
    body: BodyFn,
    target: &'static str,
    /// Sample the proxies' peak RSS during this load.
    rss: bool,
    /// Requests sent one at a time before the clock starts, untimed: what
    /// the case measures from (a memoized case's first turns).
    warm: usize,
}

fn run(runtime: &tokio::runtime::Runtime, dur: Duration, python: bool, only: &str) {
    let rt = runtime.handle();
    let up = rt.block_on(upstream());
    let (headroom, created) = rt.block_on(start_headroom(&up));
    let mut proxies = vec![headroom];
    if python {
        proxies.extend(rt.block_on(start_python(&up)));
    } else {
        println!("Python Headroom: skipped (--no-python)");
    }
    let names: Vec<&str> = proxies.iter().map(|p| p.name).collect();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let chat = |base: &str| format!("{base}/v1/chat/completions");
    let mut rows = vec![
        Row {
            case: "start to healthy /health, new home (creates the store)".into(),
            direct: "-".into(),
            cells: vec![format!("{:.1} ms", created.as_secs_f64() * 1e3)],
            target: "≤ 50 ms",
        },
        Row {
            case: "start to healthy /health (ms); RSS idle (MB)".into(),
            direct: "-".into(),
            cells: proxies
                .iter()
                .map(|p| {
                    format!(
                        "{:.1} ms; {:.1} MB",
                        p.ready.as_secs_f64() * 1e3,
                        p.rss_kb() as f64 / 1024.0
                    )
                })
                .collect(),
            target: "≤ 50 ms; ≤ 20 MB",
        },
    ];

    let base = Arc::new(tool_result(1));
    // Eight agents' sessions, taking turns: request i is session i % 8
    // coming back with one more tool call and result than its last request
    // (16 ms earlier), as an agent's next turn does. The 100 KB result is
    // memoized; the rest of the body is the proxy's next-turn prefix.
    const SESSIONS: usize = 8;
    let memo: BodyFn = {
        let base = Arc::clone(&base);
        Arc::new(move |i| {
            let mut results = vec![(*base).clone()];
            results.extend((0..=i / SESSIONS).map(|t| format!("[\"turn {t}\"]")));
            conversation(&format!("session {}", i % SESSIONS), &results)
        })
    };
    // The same result under a different last turn each time: no next-turn
    // prefix to resume from, only the memoized result.
    let other_last: BodyFn = Arc::new(move |i| {
        conversation("one session", &[(*base).clone(), format!("[\"turn {i}\"]")])
    });
    let cases = [
        Case {
            name: "passthrough (small request, nothing to compress)",
            rate: 500.0,
            body: Arc::new(small),
            target: "p50 ≤ 0.3, p99 ≤ 1",
            rss: false,
            warm: 0,
        },
        Case {
            name: "passthrough (small request, nothing to compress)",
            rate: 50.0,
            body: Arc::new(small),
            target: "p50 ≤ 0.3, p99 ≤ 1",
            rss: false,
            warm: 0,
        },
        Case {
            name: "100 KB JSON tool result, new conversation each",
            rate: 20.0,
            body: Arc::new(|i| conversation(&format!("session {i}"), &[tool_result(i)])),
            target: "p99 ≤ 10",
            rss: false,
            warm: 0,
        },
        Case {
            name: "100 KB JSON tool result, new conversation each",
            rate: 5.0,
            body: Arc::new(|i| conversation(&format!("session {i}"), &[tool_result(i)])),
            target: "p99 ≤ 10",
            rss: false,
            warm: 0,
        },
        Case {
            name: "same conversation + 1 turn (memoized), 8 sessions",
            rate: 500.0,
            body: Arc::clone(&memo),
            target: "p99 ≤ 1",
            rss: true,
            warm: SESSIONS,
        },
        Case {
            name: "same 100 KB result, another last turn each time",
            rate: 500.0,
            body: other_last,
            target: "-",
            rss: false,
            warm: 1,
        },
    ];
    let mut rss_at_load = Vec::new();
    for p in &proxies {
        // Warm both connection pools.
        let _ = load(
            rt,
            &client,
            &[chat(&up), chat(&p.url)],
            100.0,
            Duration::from_millis(300),
            &(Arc::new(small) as BodyFn),
            0,
        );
    }
    for case in cases.iter().filter(|c| c.name.contains(only)) {
        let mut direct = None;
        let mut cells = Vec::new();
        for p in &proxies {
            // The memoized case's RSS is the "100 KB bodies at 500/s" figure.
            let pid = p.child.id();
            let peak = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
            let sampler = {
                let (peak, sampling) = (Arc::clone(&peak), Arc::clone(&sampling));
                std::thread::spawn(move || {
                    while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                        peak.fetch_max(rss_kb(pid), std::sync::atomic::Ordering::Relaxed);
                        std::thread::sleep(Duration::from_millis(20));
                    }
                })
            };
            let urls = [chat(&up), chat(&p.url)];
            let s = load(rt, &client, &urls, case.rate, dur, &case.body, case.warm);
            sampling.store(false, std::sync::atomic::Ordering::Relaxed);
            let _ = sampler.join();
            if case.rss {
                rss_at_load.push(format!(
                    "{:.1} MB",
                    peak.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1024.0
                ));
            }
            cells.push(over(&s[1], &s[0]));
            direct.get_or_insert_with(|| format!("{} / {}", ms(s[0].pct(0.5)), ms(s[0].pct(0.99))));
        }
        rows.push(Row {
            case: format!("{} at {}/s", case.name, case.rate),
            direct: direct.unwrap_or_default(),
            cells,
            target: case.target,
        });
    }
    rows.push(Row {
        case: "peak RSS at 500/s with 100 KB bodies (memoized case)".into(),
        direct: "-".into(),
        cells: rss_at_load,
        target: "≤ 100 MB",
    });

    if "streaming".contains(only) {
        // Streaming: the first event, then each event against the upstream's pauses.
        let (d_ttfb, d_late) = rt.block_on(stream_delays(&client, &chat(&up), 20));
        let mut ttfb_cells = Vec::new();
        let mut late_cells = Vec::new();
        for p in &proxies {
            let (ttfb, late) = rt.block_on(stream_delays(&client, &chat(&p.url), 20));
            ttfb_cells.push(over(&ttfb, &d_ttfb));
            late_cells.push(over(&late, &d_late));
        }
        rows.push(Row {
            case: format!("streaming: time to first byte ({EVENTS} events {PAUSE:?} apart)"),
            direct: format!("{} / {}", ms(d_ttfb.pct(0.5)), ms(d_ttfb.pct(0.99))),
            cells: ttfb_cells,
            target: "+ ≤ 1",
        });
        rows.push(Row {
            case: "streaming: each event's delay after its pause".into(),
            direct: format!("{} / {}", ms(d_late.pct(0.5)), ms(d_late.pct(0.99))),
            cells: late_cells,
            target: "≤ 1",
        });
    }
    if "200-turn conversation".contains(only) {
        // A 200-turn conversation of about 2 MB, sent turn by turn as an agent
        // sends it (each request the one before with a call and its result
        // more), then requests 201 to 210, each the next turn, timed. (Sent
        // whole at once, request 200 would compress 199 new results: over the
        // budget, forwarded as it is while its compression goes on, racing
        // request 201.)
        let results: Vec<String> = (0..200 + LONG_TIMED)
            .map(|t| tool_result(t)[..10_000].to_string() + "]")
            .collect();
        let timed: Vec<Bytes> = (200..200 + LONG_TIMED)
            .map(|n| Bytes::from(conversation("long session", &results[..n])))
            .collect();
        let mut cells = Vec::new();
        let mut direct = String::new();
        for p in &proxies {
            let (d, t) = rt.block_on(async {
                for n in 0..200 {
                    let r = client
                        .post(chat(&p.url))
                        .body(conversation("long session", &results[..n]))
                        .timeout(Duration::from_secs(120))
                        .send()
                        .await;
                    if let Ok(r) = r {
                        let _ = r.bytes().await;
                    }
                }
                let mut d = Sample::default();
                let mut t = Sample::default();
                for body in &timed {
                    for (url, out) in [(chat(&up), &mut d), (chat(&p.url), &mut t)] {
                        let at = Instant::now();
                        match client.post(url).body(body.clone()).send().await {
                            Ok(r) if r.status().is_success() => {
                                let _ = r.bytes().await;
                                out.ms.push(at.elapsed().as_secs_f64() * 1e3);
                            }
                            _ => out.errors += 1,
                        }
                    }
                }
                d.ms.sort_by(f64::total_cmp);
                t.ms.sort_by(f64::total_cmp);
                (d, t)
            });
            cells.push(over(&t, &d));
            if direct.is_empty() {
                direct = format!("{} / {}", ms(d.pct(0.5)), ms(d.pct(0.99)));
            }
        }
        rows.push(Row {
            case: format!(
                "200-turn conversation ({} KB), requests 201-{}, each the next turn",
                timed[0].len() / 1024,
                200 + LONG_TIMED
            ),
            direct,
            cells,
            target: "≤ 5",
        });
    }
    print_table(&names, &rows);
    println!(
        "{:.1} s per load; p99 of 10-20 samples is their maximum. Load average: {}",
        dur.as_secs_f64(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
}
