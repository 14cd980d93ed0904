//! `headroom mcp`: the protocol over stdio and HTTP (spec examples, the
//! official Python SDK in both protocol generations), the HTTP checks, and
//! install/uninstall round trips.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::support::Env;

/// The responses `headroom mcp serve` writes for `lines`, one per line of stdout.
fn stdio_session(env: &Env, lines: &[Value]) -> Vec<Value> {
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let out = env.run(&["mcp", "serve"], input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every stdout line is one JSON message"))
        .collect()
}

fn modern(method: &str, id: i64, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

#[test]
fn stdio_answers_both_generations_and_bad_messages() {
    let env = Env::new();
    let r = stdio_session(
        &env,
        &[
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "claude-code", "version": "2.1.0"}}}),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {"protocolVersion": "2099-01-01"}}),
            json!({"jsonrpc": "2.0", "id": 3, "method": "ping"}),
            json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list", "params": {}}),
            modern("server/discover", 5, json!({})),
            modern("tools/list", 6, json!({})),
            json!({"jsonrpc": "2.0", "id": 7, "method": "resources/list"}),
            json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {"name": "nope", "arguments": {}}}),
            json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": "2030-01-01"}}}),
            json!([{"jsonrpc": "2.0", "id": 10, "method": "ping"}]),
            json!({"jsonrpc": "1.0", "id": 11, "method": "ping"}),
        ],
    );
    assert_eq!(r.len(), 11, "the notification gets no answer: {r:?}");
    assert_eq!(r[0]["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(r[0]["result"]["serverInfo"]["name"], "headroom");
    assert_eq!(
        r[0]["result"]["capabilities"],
        json!({"tools": {"listChanged": false}})
    );
    assert_eq!(
        r[1]["result"]["protocolVersion"], "2025-11-25",
        "unknown version: our newest"
    );
    assert_eq!(r[2], json!({"jsonrpc": "2.0", "id": 3, "result": {}}));
    let names: Vec<&str> = r[3]["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["headroom_retrieve", "headroom_compress", "headroom_stats"]
    );
    assert_eq!(
        r[3]["result"].get("resultType"),
        None,
        "handshake-era results carry no resultType"
    );
    assert_eq!(r[4]["id"], 5);
    assert_eq!(r[4]["result"]["resultType"], "complete");
    assert_eq!(r[4]["result"]["supportedVersions"][0], "2026-07-28");
    assert_eq!(
        r[4]["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "headroom"
    );
    assert_eq!(r[5]["result"]["tools"], r[3]["result"]["tools"]);
    assert_eq!(r[5]["result"]["cacheScope"], "public");
    assert_eq!(r[6]["error"]["code"], -32601);
    assert_eq!(r[7]["error"]["code"], -32602);
    assert_eq!(r[8]["error"]["code"], -32022);
    assert_eq!(r[8]["error"]["data"]["requested"], "2030-01-01");
    assert_eq!(r[9]["error"]["code"], -32600, "batches are not supported");
    assert_eq!(r[10]["error"]["code"], -32600);
}

#[test]
fn stdio_survives_garbage_and_exits_at_end_of_input() {
    let env = Env::new();
    let out = env.run(
        &["mcp", "serve"],
        "{not json\n\n   \n{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"ping\"}\n",
    );
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["error"]["code"], -32700);
    assert_eq!(lines[0]["id"], Value::Null);
    assert_eq!(lines[1], json!({"jsonrpc": "2.0", "id": "a", "result": {}}));
}

#[test]
fn tools_compress_retrieve_and_explain_misses() {
    let env = Env::new();
    let original = crate::support::log_records(300, 123);
    let call = |id: i64, name: &str, args: Value| json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}});
    let r = stdio_session(
        &env,
        &[call(1, "headroom_compress", json!({"content": original}))],
    );
    let texts = &r[0]["result"]["content"];
    let compressed = texts[0]["text"].as_str().unwrap();
    assert!(
        compressed.contains("payment failed"),
        "the error survives: {compressed}"
    );
    assert!(
        texts[1]["text"]
            .as_str()
            .unwrap()
            .starts_with("[headroom: json, ")
    );
    let hash = crate::support::hashes(compressed)[0].clone();
    assert!(
        compressed.contains(&format!("retrieve: headroom_retrieve hash={hash}")),
        "markers name the tool"
    );

    let r = stdio_session(
        &env,
        &[
            call(
                2,
                "headroom_retrieve",
                json!({"hash": format!("hash={hash}"), "limit": 10_000_000}),
            ),
            call(
                3,
                "headroom_retrieve",
                json!({"hash": hash, "query": "declined"}),
            ),
            call(4, "headroom_retrieve", json!({"hash": "0000000000000000"})),
            call(5, "headroom_retrieve", json!({"hash": "xyz"})),
            call(6, "headroom_retrieve", json!({})),
            call(
                7,
                "headroom_compress",
                json!({"content": "x", "kind": "yaml"}),
            ),
            call(8, "headroom_stats", json!({})),
        ],
    );
    assert_eq!(
        r[0]["result"]["content"],
        json!([{"type": "text", "text": original}])
    );
    assert_eq!(r[0]["result"]["isError"], false);
    let hits = r[1]["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        hits.contains("card declined") && hits.lines().count() == 1,
        "{hits}"
    );
    assert_eq!(
        r[1]["result"]["content"][1]["text"],
        "[headroom: 1 of 300 items match 'declined']"
    );
    for (i, needle) in [
        (2, "never stored"),
        (3, "invalid hash 'xyz'"),
        (4, "needs hash"),
        (5, "unknown kind 'yaml'"),
    ] {
        assert_eq!(r[i]["result"]["isError"], true);
        let msg = r[i]["result"]["content"][0]["text"].as_str().unwrap();
        assert!(msg.contains(needle), "{msg}");
    }
    let stats = r[6]["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        stats.contains("1 retrievals") || stats.contains("2 retrievals"),
        "{stats}"
    );
    assert!(stats.contains("store: 1 originals"), "{stats}");
}

#[test]
fn large_originals_come_back_in_pages_that_join_to_the_original() {
    let env = Env::new();
    let original: String = (0..5000)
        .map(|i| format!("line {i} of the build output\n"))
        .collect();
    let hash = headroom::ccr::hash_of(original.as_bytes());
    let store =
        headroom::ccr::store::SqliteStore::open(&env.store_path(), Default::default()).unwrap();
    headroom::ccr::OriginalStore::put(&store, original.as_bytes(), "log").unwrap();
    let (mut offset, mut joined, mut pages) = (0u64, String::new(), 0);
    loop {
        let req = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "headroom_retrieve", "arguments": {"hash": hash, "offset": offset}}});
        let r = stdio_session(&env, &[req]);
        let content = r[0]["result"]["content"].as_array().unwrap().clone();
        let page = content[0]["text"].as_str().unwrap();
        assert!(
            page.len() <= 32 * 1024 && page.ends_with('\n'),
            "pages hold whole lines"
        );
        joined.push_str(page);
        pages += 1;
        let note = content[1]["text"].as_str().unwrap();
        match note.split("offset=").nth(1) {
            Some(n) => offset = n.trim_end_matches(']').parse().unwrap(),
            None => break,
        }
    }
    assert_eq!(joined, original);
    assert_eq!(pages, original.len().div_ceil(32 * 1024));
}

// ── the official Python SDK ────────────────────────────────────────────────

/// The venv's python with the MCP SDK, set up by .ci/setup-mcp-python; `None`
/// (with a message) when python3 is missing.
fn sdk_python() -> Option<PathBuf> {
    static SETUP: Mutex<()> = Mutex::new(());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("target/venv-mcp/bin/python");
    let _guard = SETUP.lock().unwrap_or_else(|e| e.into_inner());
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipping: python3 is missing, so the Python MCP SDK tests cannot run");
        return None;
    }
    let status = Command::new(root.join(".ci/setup-mcp-python"))
        .status()
        .unwrap();
    assert!(status.success(), ".ci/setup-mcp-python failed");
    Some(python)
}

fn sdk_session(env: &Env, mode: &str, server: &[&str]) -> Option<Value> {
    let python = sdk_python()?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/mcp_client.py");
    let out = Command::new(python)
        .arg(script)
        .arg(mode)
        .args(server)
        .env("HEADROOM_HOME", env.home())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn check_sdk_session(r: &Value, version: &str) {
    assert_eq!(r["protocol_version"], version);
    assert_eq!(r["server_name"], "headroom");
    assert_eq!(
        r["tools"],
        json!(["headroom_retrieve", "headroom_compress", "headroom_stats"])
    );
    assert_eq!(r["compress"]["is_error"], false);
    let compressed = r["compress"]["texts"][0].as_str().unwrap();
    assert!(
        compressed.contains("37,user37,suspended"),
        "the rare row is kept: {compressed}"
    );
    assert_eq!(
        r["retrieve"]["texts"],
        json!([r["original"]]),
        "the exact original, whole"
    );
    assert_eq!(
        r["retrieve_query"]["texts"],
        json!([
            "{\"id\":37,\"name\":\"user37\",\"status\":\"suspended\"}",
            "[headroom: 1 of 200 items match 'suspended']"
        ])
    );
    let page = r["retrieve_page"]["texts"][0].as_str().unwrap();
    assert!(r["original"].as_str().unwrap().starts_with(page) && page.len() <= 1000);
    assert!(
        r["retrieve_page"]["texts"][1]
            .as_str()
            .unwrap()
            .contains(&format!("offset={}]", page.len()))
    );
    assert_eq!(r["unknown_hash"]["is_error"], true);
    assert!(
        r["unknown_hash"]["texts"][0]
            .as_str()
            .unwrap()
            .contains("no original stored under 0123456789abcdef")
    );
    assert_eq!(r["bad_argument"]["is_error"], true);
    assert_eq!(r["unknown_tool"]["code"], -32602);
    assert!(
        r["stats"]["texts"][0]
            .as_str()
            .unwrap()
            .contains("1 compressions")
    );
}

#[test]
fn python_sdk_over_stdio_in_both_generations() {
    let bin = env!("CARGO_BIN_EXE_headroom");
    for (mode, version) in [("legacy", "2025-11-25"), ("auto", "2026-07-28")] {
        let env = Env::new();
        let Some(r) = sdk_session(&env, mode, &[bin, "mcp", "serve"]) else {
            return;
        };
        check_sdk_session(&r, version);
    }
}

#[test]
fn python_sdk_over_http_in_both_generations() {
    for (mode, version) in [("legacy", "2025-11-25"), ("auto", "2026-07-28")] {
        let env = Env::new();
        let server = HttpServer::start(&env, &[]);
        let Some(r) = sdk_session(&env, mode, &[&server.url()]) else {
            return;
        };
        check_sdk_session(&r, version);
    }
}

// ── Streamable HTTP checks ─────────────────────────────────────────────────

/// `headroom mcp serve --http 127.0.0.1:0`, stopped on drop.
struct HttpServer {
    child: Child,
    addr: String,
}

impl HttpServer {
    fn start(env: &Env, extra: &[&str]) -> HttpServer {
        let mut args = vec!["mcp", "serve", "--http", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        HttpServer::spawn(env, &args)
    }

    /// `headroom proxy` on a free port, its upstreams unreachable: only `/mcp` is used.
    fn proxy(env: &Env, extra: &[&str]) -> HttpServer {
        let mut args = vec![
            "proxy",
            "--port",
            "0",
            "--openai-base-url",
            "http://127.0.0.1:9/v1",
            "--anthropic-base-url",
            "http://127.0.0.1:9",
        ];
        args.extend_from_slice(extra);
        HttpServer::spawn(env, &args)
    }

    /// Runs `headroom ARGS` until its first stderr line names the address.
    fn spawn(env: &Env, args: &[&str]) -> HttpServer {
        let mut cmd = env.cmd(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stderr.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .map(|a| a.trim_end_matches("/mcp"))
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_string();
        HttpServer { child, addr }
    }

    fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// One request on a fresh connection: (status, body).
    fn request(&self, method: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        let mut req = format!(
            "{method} /mcp HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes()).unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        let status = resp[9..12].parse().unwrap();
        let body = resp
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    fn post(&self, extra: &[(&str, &str)], body: &Value) -> (u16, Value) {
        let mut headers = vec![
            ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
        ];
        headers.extend_from_slice(extra);
        let (status, body) = self.request("POST", &headers, &body.to_string());
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn http_checks_origin_headers_and_methods() {
    let env = Env::new();
    let server = HttpServer::start(&env, &[]);
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    assert_eq!(
        server.post(&[], &ping),
        (200, json!({"jsonrpc": "2.0", "id": 1, "result": {}}))
    );
    assert_eq!(
        server.post(&[("Origin", "http://localhost:5173")], &ping).0,
        200
    );
    assert_eq!(
        server.post(&[("Origin", "http://evil.example")], &ping).0,
        403,
        "DNS rebinding from a web page"
    );
    let (status, _) = server.request("POST", &[("Content-Type", "text/plain")], &ping.to_string());
    assert_eq!(status, 415);
    assert_eq!(
        server
            .request("GET", &[("Accept", "text/event-stream")], "")
            .0,
        405
    );
    assert_eq!(
        server
            .post(
                &[],
                &json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
            )
            .0,
        202
    );
    let (status, body) = server.request("POST", &[("Content-Type", "application/json")], "{oops");
    assert_eq!(status, 400);
    assert!(body.contains("-32700"), "{body}");
    assert_eq!(
        server
            .post(&[("MCP-Protocol-Version", "1999-01-01")], &ping)
            .0,
        400
    );

    let list = modern("tools/list", 2, json!({}));
    let (status, r) = server.post(
        &[
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Method", "tools/list"),
        ],
        &list,
    );
    assert_eq!(
        (status, r["result"]["resultType"].clone()),
        (200, json!("complete"))
    );
    let (status, r) = server.post(
        &[
            ("MCP-Protocol-Version", "2025-11-25"),
            ("Mcp-Method", "tools/list"),
        ],
        &list,
    );
    assert_eq!(
        (status, r["error"]["code"].clone()),
        (400, json!(-32020)),
        "header and _meta disagree"
    );
    let (status, r) = server.post(&[("MCP-Protocol-Version", "2026-07-28")], &list);
    assert_eq!(
        (status, r["error"]["code"].clone()),
        (400, json!(-32020)),
        "Mcp-Method is required"
    );
    let call = modern(
        "tools/call",
        3,
        json!({"name": "headroom_stats", "arguments": {}}),
    );
    let h = [
        ("MCP-Protocol-Version", "2026-07-28"),
        ("Mcp-Method", "tools/call"),
        ("Mcp-Name", "headroom_retrieve"),
    ];
    assert_eq!(
        server.post(&h, &call).1["error"]["code"],
        -32020,
        "Mcp-Name names another tool"
    );
    let unknown = modern("prompts/list", 4, json!({}));
    let (status, r) = server.post(
        &[
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Method", "prompts/list"),
        ],
        &unknown,
    );
    assert_eq!((status, r["error"]["code"].clone()), (404, json!(-32601)));
}

#[test]
fn http_token_is_required_when_set_and_off_loopback() {
    let env = Env::new();
    let server = HttpServer::start(&env, &["--token", "s3cret"]);
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    assert_eq!(server.post(&[], &ping).0, 401);
    assert_eq!(
        server.post(&[("Authorization", "Bearer wrong")], &ping).0,
        401
    );
    assert_eq!(
        server.post(&[("Authorization", "Bearer s3cret")], &ping).0,
        200
    );

    let out = env.run(&["mcp", "serve", "--http", "0.0.0.0:0"], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--token") && err.contains("HEADROOM_MCP_TOKEN"),
        "{err}"
    );
}

#[test]
fn python_sdk_through_the_proxy_at_mcp() {
    let env = Env::new();
    let proxy = HttpServer::proxy(&env, &[]);
    let Some(r) = sdk_session(&env, "legacy", &[&proxy.url()]) else {
        return;
    };
    check_sdk_session(&r, "2025-11-25");
}

#[test]
fn the_proxys_token_guards_mcp() {
    let env = Env::new();
    let proxy = HttpServer::proxy(&env, &["--auth-token", "s3cret"]);
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    assert_eq!(proxy.post(&[], &ping).0, 401);
    assert_eq!(
        proxy.post(&[("Authorization", "Bearer wrong")], &ping).0,
        401
    );
    for header in [
        ("Authorization", "Bearer s3cret"),
        ("x-headroom-token", "s3cret"),
    ] {
        let (status, body) = proxy.post(&[header], &ping);
        assert_eq!((status, &body["result"]), (200, &json!({})), "{header:?}");
    }
    let (status, _) = proxy.post(&[("Origin", "http://evil.example")], &ping);
    assert_eq!(status, 401, "no token, whatever the origin");
}

#[test]
fn tool_calls_write_usage_records_and_stats_adds_up_today() {
    let env = Env::new();
    // A record from another front end, today.
    env.ok(&["compress"], crate::support::log_records(400, 200));
    let store =
        headroom::ccr::store::SqliteStore::open(&env.store_path(), Default::default()).unwrap();
    let hash = headroom::ccr::OriginalStore::put(&store, b"the stored original\n", "text").unwrap();
    drop(store);
    let rows: Vec<Value> = (0..200)
        .map(|i| json!({"id": i, "status": if i == 37 { "failed" } else { "ok" }}))
        .collect();
    let content = serde_json::to_string_pretty(&rows).unwrap();
    let call = |id: i64, name: &str, args: Value| json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}});
    let answers = stdio_session(
        &env,
        &[
            call(1, "headroom_compress", json!({"content": content})),
            call(2, "headroom_retrieve", json!({"hash": hash})),
            call(3, "headroom_retrieve", json!({"hash": "0123456789abcdef"})),
            call(4, "headroom_stats", json!({})),
        ],
    );
    let stats = answers[3]["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        stats.contains("\ntoday: 4 records (cli 1, mcp 3), "),
        "{stats}"
    );
    assert!(stats.contains("; 2 retrievals\n"), "{stats}");

    let records = headroom::usage::read(env.store_path(), 0, i64::MAX).unwrap();
    let mcp: Vec<_> = records
        .iter()
        .filter(|r| r.source == headroom::usage::Source::Mcp)
        .collect();
    assert_eq!(mcp.len(), 3, "{records:?}");
    let compress = &mcp[0];
    assert_eq!(compress.kinds, ["json"]);
    assert!(compress.tokens_after < compress.tokens_before);
    assert_eq!((compress.retrievals, compress.status.as_str()), (0, "ok"));
    assert_eq!((mcp[1].retrievals, mcp[1].status.as_str()), (1, "ok"));
    assert_eq!((mcp[2].retrievals, mcp[2].status.as_str()), (1, "error"));
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(mcp[1].project.as_deref(), Some(cwd.to_str().unwrap()));
}

#[test]
fn large_compress_output_comes_in_pages_that_retrieve_continues() {
    let env = Env::new();
    // One-line functions: nothing to fold, so this passes through whole,
    // far above one page.
    let content: String = (0..1500)
        .map(|i| {
            format!(
                "def f_{i:05}(x):\n    return x * {} + {}\n\n",
                i * 7919 % 10007,
                i * 31 % 977
            )
        })
        .collect();
    let call = |id: i64, name: &str, args: Value| json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}});
    let first = &stdio_session(
        &env,
        &[call(1, "headroom_compress", json!({"content": content}))],
    )[0];
    let texts: Vec<&str> = first["result"]["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[0].len() <= 32 * 1024);
    let re =
        regex::Regex::new(r"more: headroom_retrieve hash=([0-9a-f]{16}) offset=(\d+)\]$").unwrap();
    let m = re
        .captures(texts[1])
        .unwrap_or_else(|| panic!("{}", texts[1]));
    assert!(texts[1].starts_with("[headroom: code, "), "{}", texts[1]);
    assert_eq!(m[2].parse::<usize>().unwrap(), texts[0].len());
    let rest = &stdio_session(
        &env,
        &[call(
            2,
            "headroom_retrieve",
            json!({"hash": &m[1], "offset": texts[0].len(), "limit": 10_000_000}),
        )],
    )[0];
    let whole = format!(
        "{}{}",
        texts[0],
        rest["result"]["content"][0]["text"].as_str().unwrap()
    );
    let cli = env.ok_str(&["compress", "--for", "mcp"], &content);
    assert_eq!(whole, cli, "the pages join to what compress prints");
}

// ── install / uninstall ────────────────────────────────────────────────────

/// A command with a scratch HOME (and CODEX_HOME unset) and a PATH of `path` only.
fn agent_cmd(env: &Env, path: &Path, args: &[&str]) -> Command {
    let mut c = env.cmd(args);
    c.env("HOME", env.dir.path())
        .env("PATH", path)
        .env_remove("CODEX_HOME")
        .env_remove("CLAUDE_CONFIG_DIR");
    c
}

fn ok(mut c: Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn install_round_trips_leave_configs_byte_identical() {
    let env = Env::new();
    let empty_path = env.dir.path().join("bin");
    std::fs::create_dir_all(&empty_path).unwrap();
    let codex = env.dir.path().join(".codex/config.toml");
    let claude = env.dir.path().join(".claude.json");
    std::fs::create_dir_all(codex.parent().unwrap()).unwrap();
    let codex_before = "# Codex settings\nmodel = \"gpt-5.5\"  # keep me\n\n[mcp_servers.docs]\ncommand = \"docs-mcp\"\n\n[tui]\nnotifications = true\n";
    let claude_before = "{\n  \"numStartups\": 12,\n  \"projects\": {\n    \"/src/app\": {\n      \"allowedTools\": []\n    }\n  }\n}\n";
    std::fs::write(&codex, codex_before).unwrap();
    std::fs::write(&claude, claude_before).unwrap();

    let said = ok(agent_cmd(&env, &empty_path, &["mcp", "install", "codex"]));
    assert!(said.contains("added [mcp_servers.headroom]"), "{said}");
    let exe = env!("CARGO_BIN_EXE_headroom");
    let expected = codex_before.replace(
        "\n[tui]",
        &format!(
            "\n[mcp_servers.headroom]\ncommand = \"{exe}\"\nargs = [\"mcp\", \"serve\"]\n\n[tui]"
        ),
    );
    assert_eq!(
        std::fs::read_to_string(&codex).unwrap(),
        expected,
        "beside the other servers, nothing else touched"
    );
    let said = ok(agent_cmd(&env, &empty_path, &["mcp", "install", "codex"]));
    assert!(said.contains("already registered"), "{said}");

    let said = ok(agent_cmd(&env, &empty_path, &["mcp", "install", "claude"]));
    assert!(
        said.contains("added mcpServers.headroom") && said.contains("backed up"),
        "{said}"
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&claude).unwrap()).unwrap();
    assert_eq!(v["mcpServers"]["headroom"]["args"], json!(["mcp", "serve"]));
    assert_eq!(v["numStartups"], 12);

    ok(agent_cmd(&env, &empty_path, &["mcp", "uninstall", "codex"]));
    ok(agent_cmd(
        &env,
        &empty_path,
        &["mcp", "uninstall", "claude"],
    ));
    assert_eq!(std::fs::read_to_string(&codex).unwrap(), codex_before);
    assert_eq!(std::fs::read_to_string(&claude).unwrap(), claude_before);
    let left: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !left.iter().any(|n| n.to_string_lossy().contains("backup")),
        "{left:?}"
    );
    let said = ok(agent_cmd(&env, &empty_path, &["mcp", "uninstall", "codex"]));
    assert!(said.contains("not registered"), "{said}");
}

#[test]
fn install_uses_claude_codes_own_cli_when_present() {
    let env = Env::new();
    let bin = env.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = env.dir.path().join("claude-args");
    let script = bin.join("claude");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$@\" >> {}\n", log.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let said = ok(agent_cmd(&env, &bin, &["mcp", "install", "claude"]));
    assert!(said.contains("mcp add"), "{said}");
    let exe = env!("CARGO_BIN_EXE_headroom");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("mcp add --scope user headroom -- {exe} mcp serve\n")
    );
    assert!(
        !env.dir.path().join(".claude.json").exists(),
        "the CLI owns the file"
    );
}

#[test]
fn compress_for_names_how_to_retrieve() {
    let env = Env::new();
    let input = crate::support::log_records(300, 5);
    let cli = env.ok_str(&["compress"], &input);
    let mcp = env.ok_str(&["compress", "--for", "mcp"], &input);
    let proxy = env.ok_str(&["compress", "--for", "proxy"], &input);
    let hash = &crate::support::hashes(&cli)[0];
    assert!(
        cli.contains(&format!("retrieve: headroom retrieve {hash}")),
        "{cli}"
    );
    assert!(
        mcp.contains(&format!("retrieve: headroom_retrieve hash={hash}")),
        "{mcp}"
    );
    assert_eq!(mcp, proxy);
    assert_eq!(
        mcp.replace(
            &format!("headroom_retrieve hash={hash}"),
            &format!("headroom retrieve {hash}")
        ),
        cli
    );
}
