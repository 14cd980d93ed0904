//! `headroom simulate`: reports on conversations, never writes the store.

use serde_json::{Value, json};

use crate::convo::{anthropic_request, sre_messages};
use crate::support::{Env, log_records};

fn codex_rollout() -> String {
    let lines = [
        json!({"timestamp": "2025-12-24T00:56:59.223Z", "type": "session_meta",
               "payload": {"id": "019b", "instructions": "# AGENTS.md\nBe careful."}}),
        json!({"timestamp": "2025-12-24T00:57:00.011Z", "type": "response_item",
               "payload": {"type": "message", "role": "user",
                           "content": [{"type": "input_text", "text": "Why do the logs show errors?"}]}}),
        json!({"timestamp": "2025-12-24T00:57:00.011Z", "type": "event_msg",
               "payload": {"type": "user_message", "message": "Why do the logs show errors?"}}),
        json!({"timestamp": "2025-12-24T00:57:03.200Z", "type": "response_item",
               "payload": {"type": "function_call", "name": "shell", "call_id": "call_1",
                           "arguments": "{\"command\":[\"cat\",\"logs.json\"]}"}}),
        json!({"timestamp": "2025-12-24T00:57:09.800Z", "type": "response_item",
               "payload": {"type": "function_call_output", "call_id": "call_1",
                           "output": log_records(200, 20)}}),
        json!({"timestamp": "2025-12-24T00:57:20.000Z", "type": "response_item",
               "payload": {"type": "message", "role": "assistant",
                           "content": [{"type": "output_text", "text": "A card was declined."}]}}),
    ];
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn claude_transcript() -> String {
    let lines = [
        json!({"type": "summary", "summary": "logs", "leafUuid": "x"}),
        json!({"type": "user", "message": {"role": "user", "content": "check the logs"}}),
        json!({"type": "assistant", "message": {"role": "assistant", "content": [
            {"type": "tool_use", "id": "t1", "name": "Read", "input": {"file_path": "/srv/logs.json"}}]}}),
        json!({"type": "user", "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": log_records(120, 5)}]}}),
    ];
    let mut s: String = lines.iter().map(|l| format!("{l}\n")).collect();
    s.push_str("{\"type\":\"assistant\",\"mess"); // crashed mid-write
    s
}

#[test]
fn one_request_gets_a_detailed_report_and_nothing_is_stored() {
    let env = Env::new();
    let file = env.file("request.json", anthropic_request(&sre_messages(2)));
    let out = env.ok_str(&["simulate", file.to_str().unwrap(), "--top", "2"], "");
    assert!(
        out.contains("anthropic, 9 messages, 4/4 tool calls paired, prefix stable: yes"),
        "{out}"
    );
    for part in [
        "tool result",
        "user text",
        "assistant text",
        "biggest blocks",
        "(estimate)",
    ] {
        assert!(out.contains(part), "missing {part}: {out}");
    }
    assert!(out.contains("headroom would have saved "));
    assert!(out.contains("across 1 session\n"), "{out}");
    assert!(!env.store_path().exists(), "simulate wrote the store");
}

#[test]
fn json_report_has_every_figure() {
    let env = Env::new();
    let file = env.file("request.json", anthropic_request(&sre_messages(2)));
    let out = env.ok_str(
        &[
            "simulate",
            "--format",
            "json",
            "--model",
            "claude-sonnet-4-5",
            file.to_str().unwrap(),
        ],
        "",
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let s = &v["sessions"][0];
    assert_eq!(s["format"], "anthropic");
    assert_eq!(s["tool_calls"], 4);
    assert_eq!(s["tool_calls_paired"], 4);
    assert_eq!(s["prefix_stable"], true);
    assert_eq!(
        s["by_kind"]["user"]["before"],
        s["by_kind"]["user"]["after"]
    );
    assert_eq!(
        s["by_kind"]["system"]["before"],
        s["by_kind"]["system"]["after"]
    );
    let results = &s["by_kind"]["tool result"];
    assert!(results["after"].as_u64() < results["before"].as_u64());
    assert!(s["saved_pct"].as_f64().unwrap() > 39.0);
    assert_eq!(s["cost"]["priced_as"], "claude-sonnet-4");
    assert_eq!(s["cost"]["estimate"], true);
    assert!(s["cost"]["after_usd"].as_f64() < s["cost"]["before_usd"].as_f64());
    // The same log output read twice is waste.
    assert_eq!(s["waste"]["rereads"], 2);
    assert!(s["would_store"].as_u64().unwrap() > 0);
    assert_eq!(v["tokens_estimated"], true);
    assert_eq!(v["total"]["sessions"], 1);
    assert!(!env.store_path().exists());
}

#[test]
fn a_folder_of_mixed_formats_reports_each_file() {
    let env = Env::new();
    let dir = env.dir.path().join("sessions");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("a-claude.jsonl"), claude_transcript()).unwrap();
    std::fs::write(dir.join("sub/rollout-1.jsonl"), codex_rollout()).unwrap();
    std::fs::write(
        dir.join("c-request.json"),
        anthropic_request(&sre_messages(1)),
    )
    .unwrap();
    std::fs::write(dir.join("d-empty.jsonl"), "").unwrap();
    std::fs::write(
        dir.join("e-unknown.jsonl"),
        "{\"kind\":\"metric\",\"v\":1}\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a session").unwrap();
    let out = env.run(&["simulate", dir.to_str().unwrap()], "");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stdout.contains("claude-code") && stdout.contains("codex") && stdout.contains("anthropic")
    );
    assert!(stdout.contains("1 malformed line skipped"), "{stdout}");
    assert!(
        stdout.contains("across 3 sessions (2 files skipped)"),
        "{stdout}"
    );
    assert!(stderr.contains("d-empty.jsonl: empty file"), "{stderr}");
    assert!(
        stderr.contains("e-unknown.jsonl: not a conversation"),
        "{stderr}"
    );
    assert!(!stdout.contains("notes.txt"));
    // No progress bar when stderr is not a terminal.
    assert!(!stderr.contains("sessions 00:"), "{stderr}");
}

#[test]
fn markdown_tables() {
    let env = Env::new();
    let file = env.file("rollout.jsonl", codex_rollout());
    let out = env.ok_str(
        &["simulate", "--format", "markdown", file.to_str().unwrap()],
        "",
    );
    assert!(out.contains("| block kind"), "{out}");
    assert!(
        out.contains("codex, 4 messages, 1/1 tool call paired"),
        "{out}"
    );
}

#[test]
fn nothing_simulatable_fails() {
    let env = Env::new();
    let file = env.file("empty.json", "");
    let out = env.run(&["simulate", file.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_files_model_drives_pricing_and_the_tokenizer_note() {
    let env = Env::new();
    let file = env.file("request.json", anthropic_request(&sre_messages(2)));
    let path = file.to_str().unwrap();
    let out = env.ok_str(&["simulate", path], "");
    assert!(
        out.contains("estimated cost (claude-sonnet-4 prices, "),
        "{out}"
    );
    assert!(
        out.contains("token counts are estimates (o200k_base) for claude-sonnet-4-5"),
        "{out}"
    );
    // A model the user names wins over the file's.
    let out = env.ok_str(&["simulate", "--model", "gpt-4.1", path], "");
    assert!(out.contains("estimated cost (gpt-4.1 prices, "), "{out}");
    assert!(!out.contains("token counts are estimates"), "{out}");
}

#[test]
fn a_request_is_priced_with_its_own_call() {
    let env = Env::new();
    let messages = sre_messages(2);
    let assistant_turns = messages.iter().filter(|m| m["role"] == "assistant").count();
    let file = env.file("request.json", anthropic_request(&messages));
    let out = env.ok_str(
        &["simulate", "--format", "json", file.to_str().unwrap()],
        "",
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let calls = v["sessions"][0]["cost"]["calls"].as_u64().unwrap() as usize;
    assert_eq!(calls, assistant_turns + 1, "{out}");
}

#[test]
fn a_closed_output_pipe_ends_json_reports_quietly() {
    let env = Env::new();
    let file = env.file("request.json", anthropic_request(&sre_messages(2)));
    let c = env.cmd(&["simulate", "--format", "json", file.to_str().unwrap()]);
    let out = crate::support::run_with_closed_stdout(c);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
