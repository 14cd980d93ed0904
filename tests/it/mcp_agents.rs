//! `headroom mcp` as the real Claude Code and Codex CLIs use it: registered
//! with `headroom mcp install` in a temporary HOME, launched by the agent,
//! and called by the fake model upstream (tests/python/fake_llm.py), offline.

use std::path::Path;

use headroom::ccr::OriginalStore;
use headroom::ccr::store::SqliteStore;
use serde_json::Value;

use crate::support::Env;
use crate::wrap::{Run, agents_bin, run_agent};

/// A stored original with one fact in it; its hash.
fn store_original(user_home: &Path) -> (String, String) {
    let mut original = String::new();
    for i in 0..120 {
        original += &format!(
            "2026-12-01T07:{:02}:{:02}Z INFO deploy step {i} ok\n",
            i / 60,
            i % 60
        );
        if i == 77 {
            original += "2026-12-01T07:01:17Z ERROR rollback: key kestrel-4471 rejected by vault\n";
        }
    }
    let store =
        SqliteStore::open(&user_home.join(".headroom/headroom.db"), Default::default()).unwrap();
    let hash = store.put(original.as_bytes(), "log").unwrap();
    (original, hash)
}

/// `headroom mcp install AGENT` into `user_home`, with the agents on PATH.
fn install(env: &Env, bin: &Path, user_home: &Path, agent: &str) {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = env
        .cmd(&["mcp", "install", agent])
        .env("HOME", user_home)
        .env("PATH", path)
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The text of the tool result answering `call_id`, as the upstream got it.
fn tool_result(run: &Run, call_id: &str) -> String {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        v => v.to_string(),
    };
    run.requests
        .iter()
        .find_map(|r| {
            let body = &r["body"];
            let anthropic = body["messages"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|m| {
                    m["content"].as_array()?.iter().find_map(|b| {
                        (b["type"] == "tool_result" && b["tool_use_id"] == call_id)
                            .then(|| text(&b["content"]))
                    })
                });
            let openai = body["input"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|i| {
                    (i["type"] == "function_call_output" && i["call_id"] == call_id)
                        .then(|| text(&i["output"]))
                });
            anthropic.or(openai)
        })
        .unwrap_or_else(|| {
            let tools: Vec<String> = run
                .requests
                .iter()
                .flat_map(|r| r["body"]["tools"].as_array().cloned().unwrap_or_default())
                .map(|t| format!("{} {}", t["type"], t["name"]))
                .collect();
            panic!(
                "no result for {call_id} reached the upstream; stderr:\n{}\ntools offered: {tools:?}",
                String::from_utf8_lossy(&run.out.stderr)
            )
        })
}

fn check(run: &Run, call_id: &str, original: &str) {
    let stderr = String::from_utf8_lossy(&run.out.stderr);
    assert_eq!(run.out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&run.out.stdout);
    assert!(stdout.contains("Got the original"), "{stdout}\n{stderr}");
    let result = tool_result(run, call_id);
    assert!(
        result.contains(original),
        "the original did not come back whole:\n{result}"
    );
}

#[test]
fn claude_code_calls_headroom_retrieve_over_mcp() {
    let Some(bin) = agents_bin() else { return };
    let env = Env::new();
    let user = env.dir.path().join("user");
    std::fs::create_dir_all(&user).unwrap();
    let (original, hash) = store_original(&user);
    install(&env, &bin, &user, "claude");
    let store = user.join(".headroom");
    let run = run_agent(
        &env,
        &bin,
        &[
            "claude",
            "-p",
            "Read what the marker left out",
            "--allowedTools",
            "mcp__headroom__headroom_retrieve",
        ],
        &[
            ("ANTHROPIC_API_KEY", "sk-ant-test"),
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
            ("HEADROOM_HOME", store.to_str().unwrap()),
        ],
        ("ANTHROPIC_BASE_URL", ""),
        [&format!("mcp:{hash}"), "Got the original", ""],
    );
    check(&run, "toolu_fake_mcp", &original);
    // Claude Code defers MCP tools: the fake model loaded it through ToolSearch first.
    tool_result(&run, "toolu_fake_search");
}

#[test]
fn codex_calls_headroom_retrieve_over_mcp() {
    let Some(bin) = agents_bin() else { return };
    let env = Env::new();
    let user = env.dir.path().join("user");
    std::fs::create_dir_all(user.join(".codex")).unwrap();
    std::fs::write(
        user.join(".codex/config.toml"),
        "[analytics]\nenabled = false\n\n[features]\nplugins = false\n",
    )
    .unwrap();
    let (original, hash) = store_original(&user);
    install(&env, &bin, &user, "codex");
    let config = std::fs::read_to_string(user.join(".codex/config.toml")).unwrap();
    assert!(config.contains("[mcp_servers.headroom]"), "{config}");
    let store = user.join(".headroom");
    let run = run_agent(
        &env,
        &bin,
        &[
            "codex",
            "exec",
            "--skip-git-repo-check",
            "--dangerously-bypass-approvals-and-sandbox",
            // A model without Codex's client-side tool_search: MCP tools
            // are offered as the `mcp__headroom` namespace tool.
            "-m",
            "gpt-4.1",
            "-c",
            r#"model_provider="fake""#,
            "-c",
            r#"model_providers.fake={name="fake",base_url="@FAKE@/v1",wire_api="responses",env_key="OPENAI_API_KEY"}"#,
            "Read what the marker left out",
        ],
        &[
            ("OPENAI_API_KEY", "sk-test"),
            ("HEADROOM_HOME", store.to_str().unwrap()),
        ],
        ("HEADROOM_FAKE_URL", ""),
        [&format!("mcp:{hash}"), "Got the original", ""],
    );
    check(&run, "call_fake_mcp", &original);
}
