//! `headroom wrap`: the real binary running programs and the real agents
//! (Claude Code, Codex from npm, installed by .ci/setup-agents) against a
//! scripted fake of the remote side (tests/python/fake_llm.py), inside an
//! empty network namespace when `unshare -n` works.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::Env;

fn wrap(env: &Env, args: &[&str]) -> Output {
    let mut c = env.cmd(&["wrap"]);
    c.args(args).stdin(Stdio::null());
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_command_gets_both_base_urls_and_its_exit_code_is_wraps() {
    let env = Env::new();
    let out = wrap(
        &env,
        &[
            "--",
            "sh",
            "-c",
            "echo $OPENAI_BASE_URL $ANTHROPIC_BASE_URL; exit 3",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let urls: Vec<&str> = stdout.split_whitespace().collect();
    assert_eq!(urls.len(), 2, "{stdout}");
    assert!(urls[0].starts_with("http://127.0.0.1:") && urls[0].ends_with("/v1"));
    assert_eq!(urls[1], urls[0].trim_end_matches("/v1"));
    assert_eq!(
        stderr(&out),
        "headroom: no model requests went through headroom\n"
    );
}

#[test]
fn arguments_pass_through_untouched() {
    let env = Env::new();
    let out = wrap(
        &env,
        &[
            "-q",
            "sh",
            "-c",
            r#"printf '%s|' "$@""#,
            "--",
            "-p",
            "--",
            "a b",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8(out.stdout.clone()).unwrap(), "-p|--|a b|");
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_missing_agent_is_named_with_how_to_install_it_and_exits_127() {
    let env = Env::new();
    let mut c = env.cmd(&["wrap", "claude", "--", "-p", "hi"]);
    c.env("PATH", "/nonexistent");
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(
        stderr(&out),
        "headroom: error: claude not found on PATH; install it with: npm install -g @anthropic-ai/claude-code\n"
    );
    let out = wrap(&env, &["--", "no-such-program-for-headroom"]);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(
        stderr(&out),
        "headroom: error: no-such-program-for-headroom not found on PATH\n"
    );
}

#[test]
fn an_agent_ended_by_a_signal_exits_128_plus_n() {
    let env = Env::new();
    let out = wrap(&env, &["-q", "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status.code(), Some(143), "{}", stderr(&out));
}

#[test]
fn sigterm_to_wrap_reaches_the_agent() {
    let env = Env::new();
    let mut child = env
        .cmd(&[
            "wrap",
            "-q",
            "--",
            "sh",
            "-c",
            "trap 'echo got TERM; exit 42' TERM; echo ready; while :; do sleep 0.05; done",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    assert_eq!(lines.next().unwrap().unwrap(), "got TERM");
    assert_eq!(child.wait().unwrap().code(), Some(42));
}

#[test]
fn cursor_gets_instructions_and_print_env_exports() {
    let env = Env::new();
    let out = wrap(&env, &["cursor"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(text.contains("Cursor's servers"), "{text}");
    let out = wrap(&env, &["--port", "9", "--print-env"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout.clone()).unwrap(),
        "export OPENAI_BASE_URL=http://127.0.0.1:9/v1\nexport ANTHROPIC_BASE_URL=http://127.0.0.1:9\n"
    );
    assert!(stderr(&out).contains("no headroom proxy answers on http://127.0.0.1:9"));
}

// ---- the real agents -------------------------------------------------------

/// The agents' bin directory, installed by .ci/setup-agents (run here when
/// missing); `None` (the test skips) only when npm itself is missing.
pub(crate) fn agents_bin() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join("target/agents/bin");
    if bin.join("claude").exists() && bin.join("codex").exists() {
        return Some(bin);
    }
    if Command::new("npm").arg("--version").output().is_err() {
        eprintln!("skipping: npm is not installed, so the real agents cannot be");
        return None;
    }
    let ok = Command::new("bash")
        .arg(root.join(".ci/setup-agents"))
        .status()
        .unwrap()
        .success();
    assert!(ok, ".ci/setup-agents failed");
    Some(bin)
}

/// One agent run against the fake upstream.
pub(crate) struct Run {
    pub out: Output,
    /// Requests the fake upstream received, in order.
    pub requests: Vec<Value>,
    pub user_home: PathBuf,
}

/// Runs `argv` (`@FAKE@` in an argument stands for the fake upstream's URL)
/// with `vars` set, the fake upstream (tests/python/fake_llm.py) scripted by
/// `[command, final_text, query]`: it answers with `command`, then a
/// `headroom_retrieve` call for `query` in the marker's original, then
/// `final_text` and the retrieved line; all inside `unshare -n` when it
/// works. HOME is `user_home`; HEADROOM_HOME the env's unless `vars` say.
pub(crate) fn run_agent(
    env: &Env,
    bin: &Path,
    argv: &[&str],
    vars: &[(&str, &str)],
    base_var: (&str, &str),
    [command, final_text, query]: [&str; 3],
) -> Run {
    let dir = env.dir.path();
    let user_home = dir.join("user");
    let work = dir.join("work");
    let record = dir.join("requests.jsonl");
    let port_file = dir.join("port");
    std::fs::create_dir_all(&work).unwrap();
    let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/fake_llm.py");
    let quoted: Vec<String> = argv.iter().map(|a| shell_quote(a)).collect();
    let script = format!(
        r#"ip link set lo up 2>/dev/null
python3 {fake} {port} {record} {command} {final_text} {query} & fake=$!
while [ ! -s {port} ]; do sleep 0.02; done
FAKE="http://127.0.0.1:$(cat {port})"
export {var}="$FAKE{suffix}"
{args} </dev/null
rc=$?
kill $fake; wait $fake 2>/dev/null
exit $rc"#,
        fake = shell_quote(fake.to_str().unwrap()),
        port = shell_quote(port_file.to_str().unwrap()),
        record = shell_quote(record.to_str().unwrap()),
        command = shell_quote(command),
        final_text = shell_quote(final_text),
        query = shell_quote(query),
        var = base_var.0,
        suffix = base_var.1,
        args = quoted.join(" ").replace("@FAKE@", r#"'"$FAKE"'"#),
    );
    let isolated = Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success());
    let mut c = if isolated {
        let mut c = Command::new("unshare");
        c.args(["-n", "sh", "-c", &script]);
        c
    } else {
        eprintln!("note: unshare -n is not available; running on loopback only");
        let mut c = Command::new("sh");
        c.args(["-c", &script]);
        c
    };
    for (name, _) in headroom::env::ALL {
        c.env_remove(name);
    }
    for name in [
        "OPENAI_BASE_URL",
        "ANTHROPIC_BASE_URL",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
    ] {
        c.env_remove(name);
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    c.current_dir(&work)
        .env("PATH", path)
        .env("HOME", &user_home)
        .env("HEADROOM_HOME", env.home())
        .envs(vars.iter().copied())
        .stdin(Stdio::null());
    let started = Instant::now();
    let out = c.output().unwrap();
    eprintln!("agent run took {:?}", started.elapsed());
    let requests = std::fs::read_to_string(&record)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Run {
        out,
        requests,
        user_home,
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

/// No process is left whose environment names `home`.
fn assert_no_process_left(home: &Path) {
    let needle = format!("HOME={}", home.display());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left: Vec<String> = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
            .filter(|e| {
                std::fs::read(e.path().join("environ"))
                    .map(|env| env.split(|b| *b == 0).any(|v| v == needle.as_bytes()))
                    .unwrap_or(false)
            })
            .map(|e| {
                std::fs::read_to_string(e.path().join("cmdline"))
                    .unwrap_or_default()
                    .replace('\0', " ")
            })
            .collect();
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "processes left behind: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The marker hash in `text`, which must have one.
fn marker_hash(text: &str) -> String {
    let re = regex::Regex::new(
        r"retrieve: (?:headroom retrieve |headroom_retrieve hash=)([0-9a-f]{16})",
    )
    .unwrap();
    re.captures(text)
        .unwrap_or_else(|| panic!("no marker in what the upstream got:\n{text}"))[1]
        .to_string()
}

fn tokens(s: &str) -> usize {
    headroom::tokens::count(s, headroom::tokens::Encoding::O200k)
}

/// Checks what every agent run must show: exit 0 with the final text, the
/// tool result compressed ≥ 70% with its marker and the failure kept, the
/// original retrievable, no process left, the user's files unchanged; and
/// the round trip: `omitted` (a fact the compressed result left out) ends
/// the agent's answer, got by one `headroom_retrieve` call the agent never
/// saw.
fn check_run(
    env: &Env,
    run: &Run,
    home_before: &[(PathBuf, Vec<u8>)],
    result: &str,
    original: &str,
    failure: &str,
    omitted: &str,
) {
    eprintln!("{}", stderr(&run.out));
    assert_eq!(run.out.status.code(), Some(0), "{}", stderr(&run.out));
    let stdout = String::from_utf8_lossy(&run.out.stdout);
    assert!(stdout.contains("All done: one failure found"), "{stdout}");
    assert!(!result.contains(omitted), "{omitted} was not omitted");
    assert!(
        stdout.contains(omitted),
        "{omitted} was not retrieved: {stdout}"
    );
    assert_eq!(
        marker_hash(result),
        marker_hash(&run.requests.last().unwrap()["body"].to_string()),
        "the continuation carries the conversation"
    );
    // The agent's own files (transcripts, logs) never name the tool.
    for (path, bytes) in snapshot(&run.user_home) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("headroom_retrieve"),
            "the agent saw the retrieve tool: {}",
            path.display()
        );
    }
    assert!(
        result.contains(failure),
        "the failure was dropped:\n{result}"
    );
    let hash = marker_hash(result);
    // The store holds exactly what the agent sent (Codex sends a cut of
    // long outputs): compare with that.
    let sent = env.ok_str(&["retrieve", &hash], "");
    assert!(sent.contains(failure));
    assert!(sent.contains(original.lines().next().unwrap()));
    let (before, after) = (tokens(&sent), tokens(result));
    assert!(
        after * 10 <= before * 3,
        "only {before} → {after} tokens:\n{result}"
    );
    assert_no_process_left(&run.user_home);
    for (path, bytes) in home_before {
        assert_eq!(
            &std::fs::read(path).unwrap(),
            bytes,
            "{} was changed",
            path.display()
        );
    }
    let summary = stderr(&run.out);
    let line = summary
        .lines()
        .find(|l| l.starts_with("headroom: ") && l.contains("requests"))
        .unwrap_or_else(|| panic!("no summary line:\n{summary}"));
    let records = headroom::usage::read(env.store_path(), 0, i64::MAX).unwrap();
    let (b, a): (u64, u64) = records
        .iter()
        .filter(|r| r.source == headroom::usage::Source::Wrap)
        .fold((0, 0), |(b, a), r| {
            (b + r.tokens_before, a + r.tokens_after)
        });
    let figures = format!(
        "{} → {} input tokens",
        headroom::wrap::summary::compact(b),
        headroom::wrap::summary::compact(a)
    );
    assert!(line.contains(&figures), "{line} vs records {figures}");
    assert!(line.contains(", 1 retrieval;"), "{line}");
    assert_eq!(records.iter().map(|r| r.retrievals).sum::<u32>(), 1);
}

#[test]
fn claude_code_through_wrap_gets_compressed_tool_results() {
    let Some(bin) = agents_bin() else { return };
    let env = Env::new();
    let items: Vec<Value> = (0..200)
        .map(|i| {
            let status = if i == 137 {
                "error: disk quota exceeded"
            } else {
                "ok"
            };
            serde_json::json!({"id": i, "name": format!("job-{i:03}"), "status": status,
                "region": "eu-west-1", "duration_ms": 100 + (i * 7) % 50, "owner": "build-team"})
        })
        .collect();
    let original = serde_json::to_string_pretty(&items).unwrap();
    assert!(
        original.len() < 30_000,
        "Claude Code would keep it in a file"
    );
    std::fs::create_dir_all(env.dir.path().join("work")).unwrap();
    std::fs::write(env.dir.path().join("work/jobs.json"), &original).unwrap();
    let user = env.dir.path().join("user");
    std::fs::create_dir_all(user.join(".claude")).unwrap();
    std::fs::write(
        user.join(".claude/settings.json"),
        "{\"theme\": \"dark\"}\n",
    )
    .unwrap();
    let home_before = snapshot(&user);
    let run = run_agent(
        &env,
        &bin,
        // Debug builds on a busy machine compress slower than the default budget.
        &[
            env!("CARGO_BIN_EXE_headroom"),
            "wrap",
            "--budget-ms",
            "20000",
            "claude",
            "--",
            "-p",
            "Check the jobs",
            "--allowedTools",
            "Bash",
        ],
        &[
            ("ANTHROPIC_API_KEY", "sk-ant-test"),
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
        ],
        ("ANTHROPIC_BASE_URL", ""),
        ["cat jobs.json", "All done: one failure found", "job-042"],
    );
    let with_result = claude_tool_result(&run);
    check_run(
        &env,
        &run,
        &home_before,
        &with_result,
        &original,
        "disk quota exceeded",
        "job-042",
    );
}

/// The first Bash result the upstream received from Claude Code.
fn claude_tool_result(run: &Run) -> String {
    run.requests
        .iter()
        .find_map(|r| {
            r["body"]["messages"].as_array()?.iter().find_map(|m| {
                m["content"].as_array()?.iter().find_map(|b| {
                    (b["type"] == "tool_result").then(|| match &b["content"] {
                        Value::String(s) => s.clone(),
                        v => v.to_string(),
                    })
                })
            })
        })
        .unwrap_or_else(|| {
            panic!(
                "no tool result reached the upstream; stderr:\n{}",
                stderr(&run.out)
            )
        })
}

/// A 120,000-character output with one failure at about 90,000: a log, and
/// a JSON array of records.
fn large_outputs() -> [(&'static str, String, &'static str); 2] {
    let failure = "ERROR payments: charge 8812 FAILED: connection refused";
    let mut log = String::new();
    let mut i = 0;
    while log.len() < 120_000 {
        if log.len() >= 90_000 && !log.contains(failure) {
            log += &format!("2026-12-01T05:00:00.000Z {failure}\n");
        } else {
            log += &format!(
                "2026-12-01T04:{:02}:{:02}.{:03}Z INFO worker-{} processed batch {} in {}ms\n",
                i / 60 % 60,
                i % 60,
                i % 1000,
                i % 4,
                10_000 + i,
                5 + i % 20
            );
        }
        i += 1;
    }
    let n = 120_000 * 100 / crate::support::log_records(100, 0).len();
    let json = crate::support::log_records(n, n * 3 / 4);
    [
        ("log", log, "charge 8812 FAILED"),
        ("json", json, "card declined for order 4242"),
    ]
}

/// Issue #12: what `--full-output` does, measured with the real Claude
/// Code. Without it Claude Code keeps a Bash output over 30,000 characters
/// in a file and gives the model a ~2 KB preview, so a failure deep in the
/// output never reaches the model; with it the whole output reaches
/// headroom, which compresses it and keeps the failure. The figures are in
/// the README's wrap section.
#[test]
fn full_output_lets_a_deep_failure_reach_the_model_compressed() {
    let Some(bin) = agents_bin() else { return };
    for (kind, output, failure) in large_outputs() {
        assert!((115_000..128_000).contains(&output.len()), "{kind}");
        assert!(output.find(failure).unwrap() > 80_000, "{kind}");
        for full in [false, true] {
            let env = Env::new();
            std::fs::create_dir_all(env.dir.path().join("work")).unwrap();
            std::fs::write(env.dir.path().join("work/out.txt"), &output).unwrap();
            let mut argv = vec![
                env!("CARGO_BIN_EXE_headroom"),
                "wrap",
                "--budget-ms",
                "20000",
                "claude",
            ];
            if full {
                argv.insert(4, "--full-output");
            }
            argv.extend(["--", "-p", "Check the output", "--allowedTools", "Bash"]);
            let run = run_agent(
                &env,
                &bin,
                &argv,
                &[
                    ("ANTHROPIC_API_KEY", "sk-ant-test"),
                    ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
                ],
                ("ANTHROPIC_BASE_URL", ""),
                ["cat out.txt", "All done", ""],
            );
            assert_eq!(run.out.status.code(), Some(0), "{}", stderr(&run.out));
            let upstream = claude_tool_result(&run);
            // What Claude Code sent to headroom: the stored original when
            // headroom compressed it, else what went upstream.
            let sent = match headroom::ccr::hashes_in(&upstream).first() {
                Some(hash) => env.ok_str(&["retrieve", hash], ""),
                None => upstream.clone(),
            };
            eprintln!(
                "MEASURE {kind} full_output={full}: output {} tokens; Claude Code sent {} chars / {} tokens; upstream got {} chars / {} tokens; failure reaches the model: {}",
                tokens(&output),
                sent.len(),
                tokens(&sent),
                upstream.len(),
                tokens(&upstream),
                upstream.contains(failure)
            );
            if full {
                assert!(sent.contains(failure), "{kind}: Claude Code cut it");
                assert!(upstream.contains(failure), "{kind}:\n{upstream}");
                marker_hash(&upstream);
                // Measured: 231 (log) and 327 (JSON) of 50,632 and 40,878.
                assert!(
                    tokens(&upstream) <= 1_000,
                    "{kind}: {} tokens upstream",
                    tokens(&upstream)
                );
            } else {
                assert!(!sent.contains(failure), "{kind}: the limit is not 30K?");
                assert!(!upstream.contains(failure), "{kind}");
                assert!(sent.len() < 5_000, "{kind}: {} chars", sent.len());
            }
        }
    }
}

/// `headroom wrap codex` running one non-interactive Codex task (test
/// settings: a debug build on a busy machine compresses slower than the
/// default budget).
const CODEX_EXEC: [&str; 12] = [
    env!("CARGO_BIN_EXE_headroom"),
    "wrap",
    "--budget-ms",
    "20000",
    "codex",
    "--",
    "exec",
    "--skip-git-repo-check",
    "--dangerously-bypass-approvals-and-sandbox",
    "-m",
    "gpt-5.5",
    "Check the service log",
];

#[test]
fn codex_through_wrap_gets_compressed_tool_results() {
    let Some(bin) = agents_bin() else { return };
    let env = Env::new();
    let mut log = String::new();
    for i in 0..3000 {
        if i == 2990 {
            log +=
                "2026-12-01T04:49:50.000Z ERROR payments: charge 8812 FAILED: connection refused\n";
        } else {
            log += &format!(
                "2026-12-01T04:{:02}:{:02}.{:03}Z INFO worker-{} processed batch {} in {}ms\n",
                i / 60 % 60,
                i % 60,
                i % 1000,
                i % 4,
                10_000 + i,
                5 + i % 20
            );
        }
    }
    std::fs::create_dir_all(env.dir.path().join("work")).unwrap();
    std::fs::write(env.dir.path().join("work/service.log"), &log).unwrap();
    let user = env.dir.path().join("user");
    std::fs::create_dir_all(user.join(".codex")).unwrap();
    std::fs::write(
        user.join(".codex/config.toml"),
        "[analytics]\nenabled = false\n\n[features]\nplugins = false\n",
    )
    .unwrap();
    let home_before = snapshot(&user);
    let run = run_agent(
        &env,
        &bin,
        &CODEX_EXEC,
        &[("OPENAI_API_KEY", "sk-test")],
        ("OPENAI_BASE_URL", "/v1"),
        [
            "cat service.log",
            "All done: one failure found",
            "batch 10042 in",
        ],
    );
    let with_result = run
        .requests
        .iter()
        .find_map(|r| {
            r["body"]["input"].as_array()?.iter().find_map(|i| {
                (i["type"] == "function_call_output").then(|| match &i["output"] {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                })
            })
        })
        .unwrap_or_else(|| {
            panic!(
                "no tool result reached the upstream; stderr:\n{}",
                stderr(&run.out)
            )
        });
    check_run(
        &env,
        &run,
        &home_before,
        &with_result,
        &log,
        "charge 8812 FAILED",
        "batch 10042 in",
    );
}

/// Issue #12's target: the summary line's figures are the proxy's `/stats`
/// for the session. A `headroom proxy` runs first (inside the same network
/// namespace as the fake upstream); wrap reuses it, and the line it prints
/// must be the one `/stats` gives, read after the agent exited.
#[test]
fn the_summary_is_the_reused_proxys_stats_for_the_session() {
    let Some(bin) = agents_bin() else { return };
    let env = Env::new();
    let items: Vec<Value> = (0..200)
        .map(|i| {
            let status = if i == 137 { "error: disk full" } else { "ok" };
            serde_json::json!({"id": i, "name": format!("job-{i:03}"), "status": status,
                "region": "eu-west-1", "owner": "build-team"})
        })
        .collect();
    std::fs::create_dir_all(env.dir.path().join("work")).unwrap();
    std::fs::write(
        env.dir.path().join("work/jobs.json"),
        serde_json::to_string_pretty(&items).unwrap(),
    )
    .unwrap();
    let stats_file = env.dir.path().join("stats.json");
    let headroom = env!("CARGO_BIN_EXE_headroom");
    let get = r#"python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())'"#;
    let script = format!(
        r#"port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$0" proxy --port "$port" --anthropic-base-url "$ANTHROPIC_BASE_URL" --budget-ms 20000 2>/dev/null & proxy=$!
until {get} "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.05; done
"$0" wrap --port "$port" claude -- -p "Check the jobs" --allowedTools Bash
rc=$?
{get} "http://127.0.0.1:$port/stats" > "$1"
kill $proxy; wait $proxy
exit $rc"#
    );
    let run = run_agent(
        &env,
        &bin,
        &["sh", "-c", &script, headroom, stats_file.to_str().unwrap()],
        &[
            ("ANTHROPIC_API_KEY", "sk-ant-test"),
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
        ],
        ("ANTHROPIC_BASE_URL", ""),
        ["cat jobs.json", "All done", "job-042"],
    );
    assert_eq!(run.out.status.code(), Some(0), "{}", stderr(&run.out));
    let stats: Value =
        serde_json::from_str(&std::fs::read_to_string(&stats_file).unwrap()).unwrap();
    let from_stats = headroom::wrap::summary::Session::between(None, &stats);
    // The session did compress and retrieve, so the comparison means something.
    assert!(from_stats.requests >= 2, "{stats}");
    assert!(
        from_stats.tokens_after < from_stats.tokens_before,
        "{stats}"
    );
    assert_eq!(from_stats.retrievals, 1, "{stats}");
    let summary = stderr(&run.out);
    let line = summary
        .lines()
        .find(|l| l.starts_with("headroom: ") && l.contains("requests"))
        .unwrap_or_else(|| panic!("no summary line:\n{summary}"));
    assert_eq!(line, from_stats.line(), "{stats}");
}

/// A JWT with `claims` (unsigned: Codex only reads it).
fn jwt(claims: &Value) -> String {
    let b64 = |v: &Value| {
        const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = serde_json::to_vec(v).unwrap();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    };
    format!(
        "{}.{}.c2ln",
        b64(&serde_json::json!({"alg": "RS256", "typ": "JWT"})),
        b64(claims)
    )
}

/// A CODEX_HOME whose auth.json holds a ChatGPT login (fake tokens; a
/// fresh `last_refresh` so Codex does not try to refresh them) and the
/// access token in it.
fn chatgpt_codex_home(dir: &Path) -> (PathBuf, String) {
    let home = dir.join("codex-home");
    std::fs::create_dir_all(&home).unwrap();
    // Test settings: no analytics, and no ChatGPT apps and plugins, which
    // a ChatGPT login would otherwise look up online.
    std::fs::write(
        home.join("config.toml"),
        "[analytics]\nenabled = false\n\n[features]\nplugins = false\napps = false\n",
    )
    .unwrap();
    let claims = serde_json::json!({"https://api.openai.com/auth": {
        "chatgpt_plan_type": "plus", "chatgpt_account_id": "acct-fake-7", "chatgpt_user_id": "user-fake"},
        "email": "dev@example.com", "exp": 4_102_444_800_u64});
    let access = jwt(&claims);
    let auth = serde_json::json!({
        "auth_mode": "chatgpt", "OPENAI_API_KEY": null,
        "last_refresh": "2026-12-01T00:00:00Z",
        "tokens": {"id_token": jwt(&claims), "access_token": access,
            "refresh_token": "rt-fake", "account_id": "acct-fake-7"}});
    std::fs::write(home.join("auth.json"), auth.to_string()).unwrap();
    (home, access)
}

/// Codex with a ChatGPT login (no OPENAI_API_KEY; tokens in CODEX_HOME's
/// auth.json): through wrap its requests reach the proxy, and the proxy
/// forwards the user's bearer token and `chatgpt-account-id` unchanged to
/// the configured upstream.
#[test]
fn codex_with_a_chatgpt_login_keeps_its_login_through_wrap() {
    let Some(bin) = agents_bin() else { return };
    let env = Env::new();
    let (codex_home, access) = chatgpt_codex_home(env.dir.path());
    std::fs::create_dir_all(env.dir.path().join("work")).unwrap();
    std::fs::write(
        env.dir.path().join("work/service.log"),
        "INFO started\nERROR payments: charge 8812 FAILED\n",
    )
    .unwrap();
    let auth_before = std::fs::read(codex_home.join("auth.json")).unwrap();
    let run = run_agent(
        &env,
        &bin,
        &CODEX_EXEC,
        &[("CODEX_HOME", codex_home.to_str().unwrap())],
        ("OPENAI_BASE_URL", "/v1"),
        ["cat service.log", "All done", ""],
    );
    assert_eq!(run.out.status.code(), Some(0), "{}", stderr(&run.out));
    let stdout = String::from_utf8_lossy(&run.out.stdout);
    assert!(stdout.contains("All done"), "{stdout}");
    let turns: Vec<&Value> = run
        .requests
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/v1/responses")
        .collect();
    assert_eq!(turns.len(), 2, "{:?}", run.requests);
    for r in &run.requests {
        assert_eq!(r["headers"]["authorization"], format!("Bearer {access}"));
        assert_eq!(r["headers"]["chatgpt-account-id"], "acct-fake-7");
    }
    // Every request, model listings included, went through the proxy.
    let summary = format!("headroom: {} requests", run.requests.len());
    assert!(stderr(&run.out).contains(&summary), "{}", stderr(&run.out));
    assert_eq!(
        std::fs::read(codex_home.join("auth.json")).unwrap(),
        auth_before
    );
}

/// With a ChatGPT login and no base URL of the user's, wrap's proxy
/// forwards to the ChatGPT backend Codex would call itself; with an API key,
/// to the OpenAI API. (A stand-in `codex` asks the proxy it was given.)
#[test]
fn codex_with_a_chatgpt_login_goes_to_the_chatgpt_backend() {
    let env = Env::new();
    let (codex_home, _) = chatgpt_codex_home(env.dir.path());
    let bin = env.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let codex = bin.join("codex");
    std::fs::write(
        &codex,
        r#"#!/bin/sh
for a; do case $a in model_providers.headroom=*) url=${a#*base_url=\"}; url=${url%%/v1\"*};; esac; done
exec python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "/health").read().decode())' "$url"
"#,
    )
    .unwrap();
    std::fs::set_permissions(&codex, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let upstream = |key: Option<&str>| {
        let mut c = env.cmd(&["wrap", "-q", "--port", "9", "codex"]);
        c.env("PATH", &path)
            .env("CODEX_HOME", &codex_home)
            .env_remove("OPENAI_BASE_URL")
            .env_remove("OPENAI_API_KEY")
            .stdin(Stdio::null());
        if let Some(k) = key {
            c.env("OPENAI_API_KEY", k);
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let health: Value = serde_json::from_slice(&out.stdout).unwrap();
        health["upstreams"]["openai"].as_str().unwrap().to_string()
    };
    assert_eq!(upstream(None), "https://chatgpt.com/backend-api/codex");
    assert_eq!(upstream(Some("sk-test")), "https://api.openai.com/v1");
}
