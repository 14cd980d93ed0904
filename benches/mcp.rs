//! `cargo bench --bench mcp`: the MCP server's targets (#15), measured on the
//! binary over stdio, as an agent drives it.
//! - ready: spawn `headroom mcp serve` until the `initialize` and `tools/list`
//!   answers are read (target ≤ 10 ms);
//! - retrieve: one `headroom_retrieve` of a 1 MB original, whole, from request
//!   written to answer read (target ≤ 5 ms), and the same call in process;
//! - memory: resident size after 100 and after 1,000 sequential tool calls
//!   in one session (target: flat).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use headroom::ccr::OriginalStore;
use headroom::ccr::store::SqliteStore;
use serde_json::{Value, json};

struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    line: String,
}

impl Session {
    fn start(home: &std::path::Path) -> Session {
        let mut child = Command::new(env!("CARGO_BIN_EXE_headroom"))
            .args(["mcp", "serve"])
            .env("HEADROOM_HOME", home)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn headroom mcp serve");
        let stdin = child.stdin.take().unwrap();
        // Agents read their servers' pipes in 64 KiB chunks (Node's libuv,
        // the Python SDK's anyio streams); the default 8 KiB would time
        // this client's copying more than the server.
        let stdout = BufReader::with_capacity(64 << 10, child.stdout.take().unwrap());
        Session {
            child,
            stdin,
            stdout,
            line: String::new(),
        }
    }

    fn call(&mut self, msg: &Value) -> usize {
        writeln!(self.stdin, "{msg}").unwrap();
        self.stdin.flush().unwrap();
        self.line.clear();
        self.stdout.read_line(&mut self.line).unwrap();
        assert!(
            self.line.contains("\"result\""),
            "{}",
            &self.line[..self.line.len().min(300)]
        );
        self.line.len()
    }

    fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    fn stop(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

fn tool(id: usize, name: &str, args: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}})
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let home = std::env::temp_dir().join(format!("headroom-mcp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}});
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});

    let mut ready = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        let mut s = Session::start(&home);
        s.call(&init);
        s.call(&list);
        ready.push(start.elapsed());
        s.stop();
    }
    println!(
        "ready (spawn → initialize + tools/list answered): median {}, best {}",
        ms(median(ready.clone())),
        ms(*ready.iter().min().unwrap())
    );

    let original: String = (0..24_000)
        .map(|i| format!("{{\"id\":{i},\"path\":\"/srv/app/{i}.log\",\"ok\":true}}\n"))
        .collect();
    let original = &original[..original.len().min(1 << 20)];
    let store = SqliteStore::open(&home.join("headroom.db"), Default::default()).unwrap();
    let hash = store.put(original.as_bytes(), "text").unwrap();
    let retrieve = tool(
        3,
        "headroom_retrieve",
        json!({"hash": hash, "limit": 2 << 20}),
    );
    let mut s = Session::start(&home);
    s.call(&init);
    let mut times = Vec::new();
    for _ in 0..50 {
        let start = Instant::now();
        let n = s.call(&retrieve);
        times.push(start.elapsed());
        assert!(n > original.len());
    }
    println!(
        "retrieve of a {} byte original over stdio: median {}, best {}",
        original.len(),
        ms(median(times.clone())),
        ms(*times.iter().min().unwrap())
    );
    s.stop();
    let (config, _) = headroom::config::Config::from_lookup(|k| {
        (k == headroom::env::HOME).then(|| home.display().to_string())
    });
    let server = headroom::mcp::Server::new((&config).into());
    let params = retrieve["params"].clone();
    let mut times = Vec::new();
    for _ in 0..50 {
        let start = Instant::now();
        let r = server.answer(json!(3), "tools/call", &params);
        let bytes = serde_json::to_vec(&r).unwrap();
        times.push(start.elapsed());
        assert!(bytes.len() > original.len());
    }
    println!(
        "the same retrieve in process (answer + serialize): median {}",
        ms(median(times))
    );

    let rows: Vec<Value> = (0..60)
        .map(|i| json!({"id": i, "status": if i == 7 { "failed" } else { "ok" }, "ms": 10 + i % 9}))
        .collect();
    let content = serde_json::to_string_pretty(&rows).unwrap();
    let mut s = Session::start(&home);
    s.call(&init);
    let (mut after_100, mut after_500) = (0, 0);
    let start = Instant::now();
    for i in 1..=1000 {
        let msg = match i % 3 {
            0 => tool(i, "headroom_compress", json!({"content": content})),
            1 => tool(
                i,
                "headroom_retrieve",
                json!({"hash": hash, "query": "id 4242"}),
            ),
            _ => tool(i, "headroom_stats", json!({})),
        };
        s.call(&msg);
        // Three points, so a bounded cache filling early (SQLite's page
        // cache holds up to 2 MB) is told apart from growth per call.
        match i {
            100 => after_100 = s.rss_kb(),
            500 => after_500 = s.rss_kb(),
            _ => {}
        }
    }
    let took = start.elapsed();
    let after_1000 = s.rss_kb();
    s.stop();
    println!(
        "1,000 sequential tool calls in one session: {} ({} per call); RSS after 100: {after_100} KB, after 500: {after_500} KB, after 1,000: {after_1000} KB ({:+} KB over the last 500)",
        ms(took),
        ms(took / 1000),
        after_1000 as i64 - after_500 as i64
    );
    let _ = std::fs::remove_dir_all(&home);
}
