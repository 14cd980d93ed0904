//! The store on Redis against SQLite, through real `headroom proxy`
//! processes and a real `redis-server` (skipped when it is not installed):
//!
//! 1. a put of a 100 KB original in process, SQLite file against Redis
//!    (median and best of many, alternating), the store's own share of
//!    the proxy's overhead;
//! 2. proxy overhead (latency through the proxy minus direct to the same
//!    fake upstream) with a 100 KB tool result, new each request, at the
//!    same fixed rate on both stores. Direct, SQLite and Redis requests
//!    are interleaved within one open-loop run (request `i` goes to
//!    target `i % 3`), so the load other processes put on the machine
//!    falls on all three alike; the run is repeated, and each
//!    repetition's figures are printed as well as the pooled ones;
//! 3. a fleet: 4 replicas on one Redis at 200 requests/s each (open
//!    loop), then every marker any replica sent upstream is retrieved
//!    through every replica: lost originals must be zero.
//!
//! ```sh
//! cargo bench --profile quick --bench store                 # 3 × 5 s, then 5 s fleet
//! cargo bench --profile quick --bench store -- --seconds 10 --rounds 5
//! ```

// The tests' redis-server, started the same way.
#[path = "../tests/it/support/redis.rs"]
mod redis_server;

use std::collections::HashSet;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::IntoResponse;
use redis_server::RedisServer;

const RESPONSE: &str = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":1,"total_tokens":11}}"#;

fn main() {
    let mut seconds = 5u64;
    let mut rounds = 3usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(5),
            "--rounds" => rounds = args.next().and_then(|s| s.parse().ok()).unwrap_or(3),
            _ => {}
        }
    }
    let Some(redis) = RedisServer::start() else {
        println!("store bench skipped: redis-server is not installed");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    puts_in_process(&redis);
    rt.block_on(run(&redis, Duration::from_secs(seconds), rounds.max(1)));
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Every marker hash the upstream has been sent.
type Seen = Arc<Mutex<HashSet<String>>>;

async fn upstream(seen: Seen) -> String {
    async fn answer(State(seen): State<Seen>, body: Bytes) -> impl IntoResponse {
        let text = String::from_utf8_lossy(&body);
        let hashes = headroom::ccr::hashes_in(&text);
        seen.lock().unwrap().extend(hashes);
        ([("content-type", "application/json")], RESPONSE)
    }
    let app = Router::new().fallback(answer).with_state(seen);
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

async fn start_proxy(upstream: &str, store: Option<&str>) -> Proxy {
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_headroom"));
    cmd.args(["proxy", "--port", &port.to_string(), "--log-format", "off"])
        .args(["--openai-base-url", &format!("{upstream}/v1")])
        .env("HEADROOM_HOME", home.path())
        .env_remove("HEADROOM_STORE")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(s) = store {
        cmd.args(["--store", s]);
    }
    let child = cmd.spawn().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    loop {
        if let Ok(r) = client.get(format!("{url}/health")).send().await
            && r.status().is_success()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Proxy {
        child,
        url,
        _home: home,
    }
}

type Body = Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync>;

/// Latencies (ms, sorted) of `rate` requests per second for `dur` spread
/// over `urls` in turn, one list per URL, each timed from the moment it
/// was due; and the errors.
async fn load(
    client: &reqwest::Client,
    urls: &[String],
    rate: u32,
    dur: Duration,
    body: Body,
) -> (Vec<Vec<f64>>, usize) {
    let n = (f64::from(rate) * dur.as_secs_f64()) as usize;
    let lat = Arc::new(Mutex::new(vec![Vec::new(); urls.len()]));
    let errors = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let due = start + Duration::from_secs_f64(i as f64 / f64::from(rate));
        tokio::time::sleep_until(due.into()).await;
        let target = i % urls.len();
        let url = format!("{}/v1/chat/completions", urls[target]);
        let (client, lat, errors, body) = (
            client.clone(),
            Arc::clone(&lat),
            Arc::clone(&errors),
            Arc::clone(&body),
        );
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(&url)
                .header("content-type", "application/json")
                .body(body(i))
                .send()
                .await;
            let ok = match r {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            if ok {
                lat.lock().unwrap()[target].push(due.elapsed().as_secs_f64() * 1e3);
            } else {
                errors.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let mut v = lat.lock().unwrap().clone();
    for l in &mut v {
        l.sort_by(f64::total_cmp);
    }
    (v, errors.load(Ordering::Relaxed))
}

/// All of `lists` in one sorted list.
fn pooled(lists: &[Vec<f64>]) -> Vec<f64> {
    let mut v: Vec<f64> = lists.iter().flatten().copied().collect();
    v.sort_by(f64::total_cmp);
    v
}

fn pct(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// A JSON tool result of `rows` log records (about 140 bytes each), unique per `seed`.
fn tool_result(seed: usize, rows: usize) -> String {
    let rows: Vec<String> = (0..rows)
        .map(|j| {
            let level = if j == rows / 2 { "ERROR" } else { ["INFO", "INFO", "DEBUG"][j % 3] };
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

fn conversation(session: usize, result: &str) -> Vec<u8> {
    serde_json::json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": format!("session {session}")},
            {"role": "user", "content": "Why did checkout fail?"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "logs", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": result},
        ]
    })
    .to_string()
    .into_bytes()
}

/// One line of overhead figures: `lat` holds the latencies direct, through
/// the SQLite proxy and through the Redis proxy.
fn print_overhead(what: &str, lat: &[Vec<f64>], errors: usize, load: &str) {
    let (d, s, r) = (&lat[0], &lat[1], &lat[2]);
    let over = |t: &[f64], q: f64| pct(t, q) - pct(d, q);
    println!(
        "  {what:<8} n {:>4}  direct p50 {:>6.3} p99 {:>7.3}  overhead sqlite p50 {:>+7.3} p99 {:>+7.3}  redis p50 {:>+7.3} p99 {:>+7.3}  redis − sqlite p50 {:>+7.3} p99 {:>+7.3} ms  errors {errors}  load {load}",
        d.len().min(s.len()).min(r.len()),
        pct(d, 0.5),
        pct(d, 0.99),
        over(s, 0.5),
        over(s, 0.99),
        over(r, 0.5),
        over(r, 0.99),
        pct(r, 0.5) - pct(s, 0.5),
        pct(r, 0.99) - pct(s, 0.99),
    );
}

/// The 1-minute load average, for figures taken on a shared machine.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// A put of a new 100 KB original, in process: SQLite file against
/// Redis, alternating, so a busy moment falls on both.
fn puts_in_process(redis: &RedisServer) {
    use headroom::ccr::OriginalStore;
    use headroom::ccr::redis::RedisStore;
    use headroom::ccr::store::{SqliteStore, StoreOptions};
    let dir = tempfile::tempdir().unwrap();
    let sqlite =
        SqliteStore::open(&dir.path().join("headroom.db"), StoreOptions::default()).unwrap();
    let on_redis = RedisStore::connect(&redis.url(), StoreOptions::default()).unwrap();
    let stores: [&dyn OriginalStore; 2] = [&sqlite, &on_redis];
    let n = 300;
    let mut took = [Vec::with_capacity(n), Vec::with_capacity(n)];
    for i in 0..n + 20 {
        for (k, store) in stores.iter().enumerate() {
            let original = tool_result(2_000_000 + 2 * i + k, 700);
            let t = Instant::now();
            store.put(original.as_bytes(), "json").unwrap();
            // The first puts warm caches and connections.
            if i >= 20 {
                took[k].push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    for t in &mut took {
        t.sort_by(f64::total_cmp);
    }
    println!(
        "put of a new {} KB original in process, {n} each, alternating (load {}):",
        tool_result(0, 700).len() / 1024,
        loadavg()
    );
    for (name, t) in ["sqlite", "redis"].iter().zip(&took) {
        println!(
            "  {name:<7} best {:>6.3} p50 {:>6.3} p99 {:>6.3} ms",
            t[0],
            pct(t, 0.5),
            pct(t, 0.99)
        );
    }
}

async fn run(redis: &RedisServer, dur: Duration, rounds: usize) {
    let seen: Seen = Arc::default();
    let up = upstream(Arc::clone(&seen)).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()
        .unwrap();

    // 2. Overhead with a 100 KB tool result, SQLite vs Redis, same rate,
    //    interleaved with direct requests in one run.
    let sqlite = start_proxy(&up, None).await;
    let on_redis = start_proxy(&up, Some(&redis.url())).await;
    let rate = 20;
    let big: Body = Arc::new(|i| conversation(i, &tool_result(i, 700)));
    println!(
        "100 KB tool result ({} KB request), new each time, {rate}/s to each of direct, sqlite, redis, interleaved, {rounds} × {} s:",
        big(0).len() / 1024,
        dur.as_secs()
    );
    let targets = vec![up.clone(), sqlite.url.clone(), on_redis.url.clone()];
    let _ = load(
        &client,
        &targets,
        30,
        Duration::from_secs(2),
        Arc::clone(&big),
    )
    .await;
    let mut all: [Vec<Vec<f64>>; 3] = Default::default();
    let mut errors = 0;
    for round in 1..=rounds {
        let (lat, e) = load(&client, &targets, 3 * rate, dur, Arc::clone(&big)).await;
        print_overhead(&format!("round {round}"), &lat, e, &loadavg());
        errors += e;
        for (a, l) in all.iter_mut().zip(lat) {
            a.push(l);
        }
    }
    let lat: Vec<Vec<f64>> = all.iter().map(|a| pooled(a)).collect();
    print_overhead("pooled", &lat, errors, &loadavg());
    drop(sqlite);
    drop(on_redis);

    // 3. Four replicas × 200 requests/s on one Redis; every marker checked
    //    through every replica afterwards.
    seen.lock().unwrap().clear();
    let mut replicas = Vec::new();
    for _ in 0..4 {
        replicas.push(start_proxy(&up, Some(&redis.url())).await);
    }
    let urls: Vec<String> = replicas.iter().map(|p| p.url.clone()).collect();
    let fleet: Body = Arc::new(|i| conversation(i, &tool_result(1_000_000 + i, 70)));
    let rate = 4 * 200;
    let t = Instant::now();
    let (lat, errors) = load(&client, &urls, rate, dur, Arc::clone(&fleet)).await;
    let lat = pooled(&lat);
    let took = t.elapsed().as_secs_f64();
    let hashes: Vec<String> = seen.lock().unwrap().iter().cloned().collect();
    println!(
        "fleet: 4 replicas × 200/s ({} KB requests) for {} s: {} ok, {} errors, {:.0} req/s done, latency p50 {:.3} p99 {:.3} ms; {} markers emitted",
        fleet(0).len() / 1024,
        dur.as_secs(),
        lat.len(),
        errors,
        lat.len() as f64 / took,
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        hashes.len()
    );
    let mut lost = 0usize;
    let mut checked = 0usize;
    let mut why = std::collections::BTreeMap::<String, usize>::new();
    for h in &hashes {
        for u in &urls {
            let r = client.get(format!("{u}/v1/retrieve/{h}")).send().await;
            checked += 1;
            match r {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => {
                    lost += 1;
                    let status = r.status().as_u16();
                    let body = r.text().await.unwrap_or_default();
                    *why.entry(format!("{status} {body}")).or_default() += 1;
                }
                Err(e) => {
                    lost += 1;
                    *why.entry(e.to_string()).or_default() += 1;
                }
            }
        }
    }
    for (w, n) in why.iter().take(5) {
        println!("  {n} × {w}");
    }
    println!(
        "fleet: {checked} retrievals ({} markers × {} replicas): {lost} lost originals",
        hashes.len(),
        urls.len()
    );
}
