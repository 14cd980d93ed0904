//! Proxy overhead: latency through `headroom proxy` minus latency direct to
//! the same fake upstream, at the same fixed request rate (open loop: each
//! request is timed from when it was due, so a stall is never hidden), plus
//! the proxy's start-up time and resident memory.
//!
//! ```sh
//! cargo bench --profile quick --bench proxy                  # all scenarios, 5 s each
//! cargo bench --profile quick --bench proxy -- --seconds 10
//! ```

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::response::IntoResponse;
use tokio::sync::Mutex;

const RESPONSE: &str = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":1,"total_tokens":11}}"#;

fn main() {
    let mut seconds = 5u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--seconds" {
            seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(Duration::from_secs(seconds)));
}

async fn upstream() -> String {
    let app = Router::new()
        .fallback(|| async { ([("content-type", "application/json")], RESPONSE).into_response() });
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    format!("http://{addr}")
}

struct Proxy {
    child: Child,
    url: String,
    _home: tempfile::TempDir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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

async fn start_proxy(upstream: &str) -> (Proxy, Duration) {
    let home = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_headroom"))
        .args(["proxy", "--port", &port.to_string(), "--log-format", "off"])
        .args(["--openai-base-url", &format!("{upstream}/v1")])
        .env("HEADROOM_HOME", home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    loop {
        if let Ok(r) = client.get(format!("{url}/health")).send().await
            && r.status().is_success()
        {
            break;
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    let ready = started.elapsed();
    (
        Proxy {
            child,
            url,
            _home: home,
        },
        ready,
    )
}

/// Latencies (ms) of `rate` requests per second for `dur`, each body made
/// by `body(i)`, timed from the moment each was due.
async fn load(
    client: &reqwest::Client,
    url: &str,
    rate: u32,
    dur: Duration,
    body: Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync>,
) -> (Vec<f64>, usize) {
    let n = (rate as f64 * dur.as_secs_f64()) as usize;
    let lat = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let errors = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
        tokio::time::sleep_until(due.into()).await;
        let (client, url, lat, errors, body) = (
            client.clone(),
            url.to_string(),
            Arc::clone(&lat),
            Arc::clone(&errors),
            Arc::clone(&body),
        );
        tasks.push(tokio::spawn(async move {
            let b = body(i);
            let r = client
                .post(&url)
                .header("content-type", "application/json")
                .body(b)
                .send()
                .await;
            let ok = match r {
                Ok(r) => r.bytes().await.is_ok(),
                Err(_) => false,
            };
            if ok {
                lat.lock().await.push(due.elapsed().as_secs_f64() * 1e3);
            } else {
                errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let mut v = lat.lock().await.clone();
    v.sort_by(f64::total_cmp);
    (v, errors.load(std::sync::atomic::Ordering::Relaxed))
}

fn pct(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

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

async fn compare(
    name: &str,
    client: &reqwest::Client,
    upstream: &str,
    proxy: &str,
    rate: u32,
    dur: Duration,
    body: Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync>,
) {
    let (direct, e1) = load(
        client,
        &format!("{upstream}/v1/chat/completions"),
        rate,
        dur,
        Arc::clone(&body),
    )
    .await;
    let (through, e2) = load(
        client,
        &format!("{proxy}/v1/chat/completions"),
        rate,
        dur,
        body,
    )
    .await;
    println!(
        "{name:<44} {rate:>5}/s  direct p50 {:>7.3} p99 {:>7.3}  proxy p50 {:>7.3} p99 {:>7.3}  overhead p50 {:>+7.3} p99 {:>+7.3} ms  errors {}",
        pct(&direct, 0.5),
        pct(&direct, 0.99),
        pct(&through, 0.5),
        pct(&through, 0.99),
        pct(&through, 0.5) - pct(&direct, 0.5),
        pct(&through, 0.99) - pct(&direct, 0.99),
        e1 + e2
    );
}

async fn run(dur: Duration) {
    let up = upstream().await;
    let (proxy, ready) = start_proxy(&up).await;
    let pid = proxy.child.id();
    println!(
        "start to healthy /health: {:.1} ms; idle RSS {} KB",
        ready.as_secs_f64() * 1e3,
        rss_kb(pid)
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    // Warm both paths' connection pools.
    let _ = load(
        &client,
        &format!("{}/v1/chat/completions", proxy.url),
        100,
        Duration::from_millis(200),
        Arc::new(small),
    )
    .await;
    compare(
        "small request, new conversation each time",
        &client,
        &up,
        &proxy.url,
        500,
        dur,
        Arc::new(small),
    )
    .await;
    let fresh: Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync> =
        Arc::new(|i| conversation(&format!("session {i}"), &[tool_result(i)]));
    compare(
        "100 KB tool result, new each time",
        &client,
        &up,
        &proxy.url,
        20,
        dur,
        fresh,
    )
    .await;
    let base = Arc::new(vec![tool_result(1)]);
    let again: Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync> = Arc::new(move |i| {
        let mut r = (*base).clone();
        r.push(format!("[\"turn {i}\"]"));
        conversation("one session", &r)
    });
    compare(
        "100 KB result again + one new turn (memo)",
        &client,
        &up,
        &proxy.url,
        200,
        dur,
        again,
    )
    .await;
    println!("RSS after load: {} KB", rss_kb(pid));
    // A 200-turn conversation of about 2 MB: the 201st request.
    let results: Vec<String> = (0..200)
        .map(|t| tool_result(t)[..10_000].to_string() + "]")
        .collect();
    let warm = conversation("long session", &results[..199]);
    let _ = client
        .post(format!("{}/v1/chat/completions", proxy.url))
        .body(warm)
        .send()
        .await;
    let last = conversation("long session", &results);
    let mut direct = Vec::new();
    let mut through = Vec::new();
    for _ in 0..20 {
        for (url, out) in [(&up, &mut direct), (&proxy.url, &mut through)] {
            let t = Instant::now();
            let r = client
                .post(format!("{url}/v1/chat/completions"))
                .body(last.clone())
                .send()
                .await
                .unwrap();
            let _ = r.bytes().await;
            out.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    direct.sort_by(f64::total_cmp);
    through.sort_by(f64::total_cmp);
    println!(
        "200-turn conversation ({} KB), request 201: overhead p50 {:+.3} ms, max {:+.3} ms",
        last.len() / 1024,
        pct(&through, 0.5) - pct(&direct, 0.5),
        pct(&through, 1.0) - pct(&direct, 1.0)
    );
}
