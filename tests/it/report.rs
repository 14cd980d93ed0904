//! `headroom report`: transcripts counted like ccusage, usage records from
//! `compress`, views, formats that agree, the HTML page (rendered in
//! headless Chromium when it is installed).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use headroom::usage::{self, Record, Source, UpstreamUsage};
use serde_json::Value;

use crate::support::Env;

/// `headroom report …` with transcripts read from this test's folders only.
fn report(env: &Env, args: &[&str]) -> Output {
    let mut c = env.cmd(&["report"]);
    c.args(args)
        .env("CLAUDE_CONFIG_DIR", env.dir.path().join("claude"))
        .env("CODEX_HOME", env.dir.path().join("codex"));
    c.output().unwrap()
}

fn ok(env: &Env, args: &[&str]) -> String {
    let out = report(env, args);
    assert!(
        out.status.success(),
        "report {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(env: &Env, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json", "--timezone", "UTC"]);
    serde_json::from_str(&ok(env, &a)).unwrap()
}

fn write(path: PathBuf, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A Claude Code assistant line; `spaced` writes the same JSON with spaces.
fn cc_line(ts: &str, msg: &str, req: &str, model: &str, usage: &str, spaced: bool) -> String {
    let line = format!(
        r#"{{"type":"assistant","cwd":"/srv/app","sessionId":"s","timestamp":"{ts}","requestId":"{req}","message":{{"id":"{msg}","model":"{model}","role":"assistant","content":[{{"type":"text","text":"hi"}}],"usage":{usage}}}}}"#
    );
    if spaced {
        let v: Value = serde_json::from_str(&line).unwrap();
        serde_json::to_string_pretty(&v).unwrap().replace('\n', " ")
    } else {
        line
    }
}

/// Two Claude Code sessions (one with a sub-agent) and one Codex rollout.
fn transcripts(env: &Env) {
    let dir = env.dir.path();
    let a = |out: u64| {
        format!(
            r#"{{"input_tokens":10,"output_tokens":{out},"cache_creation_input_tokens":1000,"cache_read_input_tokens":2000,"cache_creation":{{"ephemeral_5m_input_tokens":400,"ephemeral_1h_input_tokens":600}}}}"#
        )
    };
    let b = |out: u64| {
        format!(
            r#"{{"input_tokens":7,"output_tokens":{out},"cache_creation_input_tokens":100,"cache_read_input_tokens":0}}"#
        )
    };
    let progress_b = format!(
        r#"{{"type":"progress","sessionId":"s","data":{{"type":"agent_progress","message":{{"type":"assistant","timestamp":"2026-02-10T23:40:00Z","requestId":"rB","message":{{"id":"mB","model":"claude-sonnet-4-5-20250929","usage":{}}}}}}}}}"#,
        b(3)
    );
    let main = [
        r#"{"type":"file-history-snapshot","messageId":"x"}"#.to_string(),
        // One call streamed as three lines: the largest counts, once.
        cc_line(
            "2026-02-10T23:30:00Z",
            "mA",
            "rA",
            "claude-opus-4-6",
            &a(1),
            false,
        ),
        cc_line(
            "2026-02-10T23:30:01Z",
            "mA",
            "rA",
            "claude-opus-4-6",
            &a(5),
            true,
        ),
        cc_line(
            "2026-02-10T23:30:02Z",
            "mA",
            "rA",
            "claude-opus-4-6",
            &a(20),
            false,
        ),
        progress_b,
        r#"{"type":"assistant","message":{"usage":{"input_tokens": broken"#.to_string(),
        cc_line(
            "2026-02-10T23:50:00Z",
            "mS",
            "rS",
            "<synthetic>",
            &b(0).replace("7", "0").replace("100", "0"),
            false,
        ),
    ]
    .join("\n");
    write(dir.join("claude/projects/-srv-app/s1.jsonl"), &main);
    let sub = [
        cc_line(
            "2026-02-10T23:40:00Z",
            "mB",
            "rB",
            "claude-sonnet-4-5-20250929",
            &b(8),
            false,
        ),
        cc_line(
            "2026-02-11T00:10:00Z",
            "mC",
            "rC",
            "claude-haiku-4-5-20251001",
            r#"{"input_tokens":50,"output_tokens":5}"#,
            false,
        ),
    ]
    .join("\n");
    write(
        dir.join("claude/projects/-srv-app/s1/subagents/agent-x.jsonl"),
        &sub,
    );
    // A resumed session repeats call A (counted once, in s1) and adds one
    // call to a model without a price.
    let resumed = [
        cc_line(
            "2026-02-11T09:00:00Z",
            "mA",
            "rA",
            "claude-opus-4-6",
            &a(20),
            false,
        ),
        cc_line(
            "2026-02-11T09:05:00Z",
            "mE",
            "rE",
            "mystery-model-1",
            r#"{"input_tokens":100,"output_tokens":1}"#,
            true,
        ),
    ]
    .join("\n");
    write(dir.join("claude/projects/-srv-app/s2.jsonl"), &resumed);
    let tc = |ts: &str, i: u64, c: u64, o: u64| {
        format!(
            r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{{"input_tokens":{i},"cached_input_tokens":{c},"output_tokens":{o},"total_tokens":0}}}}}}}}"#
        )
    };
    let rollout = [
        r#"{"timestamp":"2026-02-12T10:00:00Z","type":"session_meta","payload":{"id":"cx1","cwd":"/srv/cli"}}"#.to_string(),
        r#"{"timestamp":"2026-02-12T10:00:00Z","type":"turn_context","payload":{"model":"gpt-5","cwd":"/srv/cli"}}"#.to_string(),
        tc("2026-02-12T10:00:01Z", 1000, 200, 50),
        tc("2026-02-12T10:00:02Z", 1000, 200, 50),
        tc("2026-02-12T10:00:03Z", 3000, 1200, 80),
    ]
    .join("\n");
    write(
        dir.join("codex/sessions/2026/02/12/rollout-2026-02-12T10-00-00-cx1.jsonl"),
        &rollout,
    );
}

fn row<'a>(rows: &'a Value, key: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row {key} in {rows}"))
}

fn close(v: &Value, want: f64) -> bool {
    (v.as_f64().unwrap() - want).abs() < 1e-9
}

#[test]
fn transcripts_count_each_call_once_at_its_cache_ttl_price() {
    let env = Env::new();
    transcripts(&env);
    let r = json(&env, &["sessions"]);
    let s1 = row(&r["rows"], "s1");
    assert_eq!(
        s1["calls"], 3,
        "A once, B once (copy and own file), C; {s1}"
    );
    let t = &s1["tokens"];
    assert_eq!(
        (
            &t["input"],
            &t["output"],
            &t["cache_write_5m"],
            &t["cache_write_1h"],
            &t["cache_read"]
        ),
        (
            &Value::from(67),
            &Value::from(33),
            &Value::from(500),
            &Value::from(600),
            &Value::from(2000)
        )
    );
    // opus A: 10·5 + 20·25 + 400·6.25 + 600·10 + 2000·0.5; sonnet B: 7·3 + 8·15 + 100·3.75; haiku C: 50 + 25
    assert!(
        close(&s1["cost_usd"], (10_050.0 + 516.0 + 75.0) / 1e6),
        "{s1}"
    );
    assert_eq!(s1["complete"], true);

    let s2 = row(&r["rows"], "s2");
    assert_eq!(s2["calls"], 1);
    assert_eq!(s2["complete"], false);
    assert_eq!(s2["unpriced"], serde_json::json!(["mystery-model-1"]));

    let cx = row(&r["rows"], "cx1");
    assert_eq!(cx["calls"], 2, "a repeated cumulative count is no call");
    assert_eq!(cx["tokens"]["input"], 1800);
    assert_eq!(cx["tokens"]["cache_read"], 1200);
    assert_eq!(cx["tokens"]["output"], 80);
    assert!(close(&cx["cost_usd"], 3200.0 / 1e6));

    assert_eq!(r["totals"]["complete"], false);
    assert_eq!(
        r["totals"]["unpriced"],
        serde_json::json!(["mystery-model-1"])
    );
    assert!(r["rows"][0]["would_save"]["before"].as_u64().unwrap() > 0);

    // Every view counts the same calls: days in UTC and in Tokyo.
    let daily = json(&env, &["daily", "--transcripts"]);
    assert_eq!(daily["totals"]["calls"], 6);
    assert_eq!(row(&daily["rows"], "2026-02-10")["calls"], 2);
    let tokyo = ok(
        &env,
        &[
            "daily",
            "--transcripts",
            "--timezone",
            "Asia/Tokyo",
            "--format",
            "json",
        ],
    );
    let tokyo: Value = serde_json::from_str(&tokyo).unwrap();
    assert_eq!(row(&tokyo["rows"], "2026-02-11")["calls"], 4);
    assert_eq!(tokyo["totals"]["tokens"], daily["totals"]["tokens"]);
    let by_agent = json(&env, &["--by", "agent", "--transcripts"]);
    assert_eq!(row(&by_agent["rows"], "codex")["calls"], 2);
    let codex_only = json(
        &env,
        &[
            "daily",
            "--transcripts",
            "--agent",
            "codex",
            "--since",
            "2026-02-12",
            "--until",
            "2026-02-12",
        ],
    );
    assert_eq!(codex_only["totals"]["calls"], 2);
}

/// Number cells of a Markdown table row, commas, `$` and `%` removed.
fn md_rows(md: &str, header: &str) -> Vec<Vec<String>> {
    let mut lines = md
        .lines()
        .skip_while(|l| !l.starts_with(&format!("| {header}")));
    lines.next();
    lines.next();
    lines
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().replace([',', '$', '%'], ""))
                .collect()
        })
        .collect()
}

#[test]
fn table_markdown_csv_and_json_agree() {
    let env = Env::new();
    transcripts(&env);
    let args = ["daily", "--transcripts", "--timezone", "UTC"];
    let j = json(&env, &args[..2]);
    let csv = ok(&env, &[&args[..], &["--format", "csv"]].concat());
    let md = ok(&env, &[&args[..], &["--format", "md"]].concat());
    let table = ok(&env, &args);
    let rows = j["rows"].as_array().unwrap();
    let csv_rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let md_rows = md_rows(&md, "Date");
    assert_eq!(csv_rows.len(), rows.len() + 1);
    assert_eq!(md_rows.len(), rows.len() + 1);
    for (i, r) in rows.iter().chain(std::iter::once(&j["totals"])).enumerate() {
        let t = &r["tokens"];
        let (c, m) = (&csv_rows[i], &md_rows[i]);
        if i < rows.len() {
            assert_eq!(c[0], r["key"].as_str().unwrap());
            assert_eq!(m[0], r["key"].as_str().unwrap());
            assert!(table.contains(r["key"].as_str().unwrap()));
        }
        assert_eq!(c[1], r["calls"].to_string());
        assert_eq!(m[1], r["calls"].to_string());
        assert_eq!(c[2], t["input"].to_string());
        assert_eq!(m[2], t["input"].to_string());
        assert_eq!(c[3], t["output"].to_string());
        assert_eq!(m[3], t["output"].to_string());
        let writes = t["cache_write_5m"].as_u64().unwrap() + t["cache_write_1h"].as_u64().unwrap();
        assert_eq!(m[4], writes.to_string());
        assert_eq!(c[6], t["cache_read"].to_string());
        assert_eq!(m[5], t["cache_read"].to_string());
        let cost = r["cost_usd"].as_f64().unwrap();
        assert!((c[7].parse::<f64>().unwrap() - cost).abs() < 1e-6);
        assert!(
            m[6].starts_with(&format!("{cost:.2}")),
            "{} vs {cost}",
            m[6]
        );
        assert_eq!(c[8], r["complete"].to_string());
    }
    for text in [&md, &table] {
        assert!(text.contains("Accounting rules v1"), "{text}");
        assert!(text.contains(&format!("prices of {}", headroom::pricing::PRICES_DATE)));
        assert!(
            text.contains("mystery-model-1"),
            "unpriced models are listed"
        );
    }
}

#[test]
fn empty_store_is_one_line_and_success() {
    let env = Env::new();
    for args in [
        &[][..],
        &["daily", "--transcripts"][..],
        &["--format", "json"][..],
    ] {
        let out = report(&env, args);
        assert!(out.status.success());
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("headroom: no usage"), "{err}");
    }
    assert!(!env.store_path().exists(), "reading never creates a store");
}

#[test]
fn bad_flags_are_usage_errors() {
    let env = Env::new();
    for args in [
        &["--timezone", "Mars/Olympus"][..],
        &["--since", "2026-02-12", "--until", "2026-02-10"][..],
        &["--since", "last tuesday"][..],
    ] {
        let out = report(&env, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn compress_writes_one_usage_record_per_run() {
    let env = Env::new();
    let log: String = (0..2000)
        .map(|i| format!("INFO request {i} served in 12ms\n"))
        .collect();
    let a = env.file("a.log", &log);
    let b = env.file("b.json", crate::support::log_records(300, 7));
    env.ok(&["compress", a.to_str().unwrap(), b.to_str().unwrap()], "");
    env.ok(&["compress"], "short text\n");
    env.ok(&["compress", "--no-store"], &log);
    let r = json(&env, &["--by", "source"]);
    let cli = row(&r["rows"], "cli");
    assert_eq!(cli["calls"], 2, "one record per run, none with --no-store");
    let kinds = json(&env, &["--by", "kind"]);
    let both = row(&kinds["rows"], "json,log");
    assert!(both["saved"].as_i64().unwrap() > 0);
    let tools = json(&env, &["--by", "tool"]);
    assert_eq!(row(&tools["rows"], "compress")["calls"], 2);
    assert_eq!(
        both["before"].as_u64().unwrap(),
        (crate::support::tokens(&log)
            + crate::support::tokens(&std::fs::read_to_string(&b).unwrap())) as u64
    );
    let line = ok(&env, &["--statusline"]);
    assert_eq!(line.lines().count(), 1);
    assert!(line.starts_with("today $0.00 · headroom saved "), "{line}");
}

#[test]
fn output_claude_code_would_have_truncated_is_not_credited() {
    let env = Env::new();
    let log: String = (0..20_000)
        .map(|i| format!("INFO request {i} served in 12ms\n"))
        .collect();
    let mut c = env.cmd(&["compress"]);
    c.env("CLAUDECODE", "1");
    let out = crate::support::run_with_stdin(c, log.as_bytes());
    assert!(out.status.success());
    let r = json(&env, &["--by", "agent"]);
    let cc = row(&r["rows"], "claude-code");
    let full = crate::support::tokens(&log) as u64;
    let credited = cc["before"].as_u64().unwrap();
    // Claude Code would have shown the model a 2,300-character preview.
    assert_eq!(
        credited,
        (full as f64 * 2_300.0 / log.len() as f64).ceil() as u64
    );
    assert!(credited * 100 < full);
    assert_eq!(cc["estimated"], true);
}

/// Writes records straight into the test's store.
fn records(env: &Env, records: Vec<Record>) {
    std::fs::create_dir_all(env.home()).unwrap();
    let w = usage::Writer::start(env.store_path());
    for r in records {
        w.record(r);
    }
    assert!(w.flush(Duration::from_secs(30)));
}

fn proxied(time_ms: i64, model: &str, before: u64, after: u64, input: u64) -> Record {
    let mut r = Record::new(time_ms, Source::Proxy);
    r.model = Some(model.into());
    r.agent = Some("claude-code".into());
    r.kinds = vec!["json".into()];
    r.tokens_before = before;
    r.tokens_after = after;
    r.upstream = UpstreamUsage {
        input: Some(input),
        output: Some(10),
        cache_write: Some(0),
        cache_write_1h: None,
        cache_read: Some(0),
    };
    r
}

/// Midnight UTC `days` ago, in unix ms, and its date: records must be
/// younger than the store's retention.
fn days_ago(days: i64) -> (i64, String) {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let d = today.checked_sub(jiff::Span::new().days(days)).unwrap();
    let ms = d
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_millisecond();
    (ms, d.to_string())
}

#[test]
fn savings_are_a_share_of_everything_sent_and_negative_stays_negative() {
    let env = Env::new();
    let (day, date) = days_ago(10);
    let date = date.as_str();
    records(
        &env,
        vec![
            // 1,000 tokens of tool output became 200 in a 10,000-token request.
            proxied(day + 1_000, "claude-sonnet-4-5", 1_000, 200, 10_000),
            // A compression that made things larger.
            proxied(day + 2_000, "claude-sonnet-4-5", 100, 130, 5_000),
        ],
    );
    let r = json(&env, &["daily", "--since", date, "--until", date]);
    let t = &r["totals"];
    assert_eq!(t["saved"], 800 - 30);
    // Of the 15,000 sent plus the 770 not sent; never of the 1,100 compressed.
    assert!(close(&t["saved_pct"], 100.0 * 770.0 / 15_770.0), "{t}");
    let by = json(&env, &["--by", "source", "--since", date]);
    assert_eq!(row(&by["rows"], "proxy")["saved"], 770);
    let md = ok(
        &env,
        &["--since", date, "--format", "md", "--timezone", "UTC"],
    );
    assert!(
        md.contains("Saved by headroom: 770 tokens, 4.9% of all input sent"),
        "{md}"
    );
    records(
        &env,
        vec![proxied(day + 3_000, "claude-sonnet-4-5", 100, 1_000, 1_000)],
    );
    let neg = json(&env, &["daily", "--since", date]);
    assert_eq!(neg["totals"]["saved"], 770 - 900);
    assert!(neg["totals"]["saved_pct"].as_f64().unwrap() < 0.0);
    assert!(neg["totals"]["saved_usd"].as_f64().unwrap() < 0.0);
}

#[test]
fn records_fall_on_local_days() {
    let env = Env::new();
    let (midnight, day) = days_ago(20);
    records(
        &env,
        vec![
            proxied(midnight - 1_800_000, "gpt-4o", 0, 0, 100), // 23:30 UTC the day before
            proxied(midnight + 1_800_000, "gpt-4o", 0, 0, 200), // 00:30 UTC
        ],
    );
    let utc = json(&env, &["daily", "--since", "30d"]);
    let calls: Vec<_> = utc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["calls"].as_u64().unwrap())
        .collect();
    assert_eq!(calls, [1, 1]);
    let tokyo = ok(
        &env,
        &[
            "daily",
            "--since",
            "30d",
            "--timezone",
            "Asia/Tokyo",
            "--format",
            "json",
        ],
    );
    let tokyo: Value = serde_json::from_str(&tokyo).unwrap();
    assert_eq!(tokyo["rows"].as_array().unwrap().len(), 1);
    assert_eq!(tokyo["rows"][0]["tokens"]["input"], 300);
    assert_eq!(tokyo["rows"][0]["key"], day);
}

/// A year of daily records up to yesterday, for the HTML page; the first
/// and last day.
fn a_year(env: &Env) -> (String, String) {
    let (start, first) = days_ago(365);
    let models = [
        "claude-sonnet-4-5",
        "gpt-4o",
        "claude-haiku-4-5",
        "unlisted-model",
    ];
    let recs = (0..365 * 3)
        .map(|i| {
            let mut r = proxied(
                start + i as i64 * 8 * 3_600_000,
                models[i % 4],
                2_000 + (i % 7) as u64 * 100,
                if i % 50 == 0 { 2_600 } else { 600 },
                20_000,
            );
            r.kinds = vec![["json", "log", "search"][i % 3].into()];
            r
        })
        .collect();
    records(env, recs);
    (first, days_ago(1).1)
}

#[test]
fn html_page_is_self_contained_and_small() {
    let env = Env::new();
    let (first, last) = a_year(&env);
    let page = env.dir.path().join("r.html");
    let out = report(
        &env,
        &[
            "daily",
            "--since",
            &first,
            "--until",
            &last,
            "--timezone",
            "UTC",
            "--html",
            page.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert!(out.status.success());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.len() <= 300 * 1024, "{} bytes", html.len());
    assert!(html.contains(&format!("content=\"{}\"", headroom::report::html::CSP)));
    let lower = html.to_ascii_lowercase();
    for banned in [
        "<script", "http:", "https:", "src=", "href=", "url(", "@import", "<link", "<iframe",
        "<object", "<embed",
    ] {
        assert!(!lower.contains(banned), "found {banned}");
    }
    assert!(lower.contains("prefers-color-scheme:dark"));
    assert!(lower.contains("@media print"));
    assert_eq!(html.matches("<svg").count(), 4);
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let total_calls = headroom::human::thousands(j["totals"]["calls"].as_u64().unwrap() as usize);
    assert!(html.contains(&format!("<b>{total_calls}</b>")));
    assert!(html.contains("unlisted-model"), "unpriced model named");
    assert_eq!(j["rows"].as_array().unwrap().len(), 365);
}

/// Headless Chromium (either package name) and poppler's tools, or `None`.
fn chromium() -> Option<String> {
    let have = |c: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {c}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("pdfinfo") || !have("pdftotext") {
        return None;
    }
    ["chromium-headless-shell", "chromium"]
        .into_iter()
        .find(|c| have(c))
        .map(String::from)
}

/// Runs Chromium without network (a fresh network namespace when `unshare`
/// may create one).
fn run_chromium(bin: &str, args: &[&str]) -> bool {
    let unshare_ok = Command::new("unshare")
        .args(["-n", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    let mut c = if unshare_ok {
        let mut c = Command::new("unshare");
        c.args(["-n", bin]);
        c
    } else {
        Command::new(bin)
    };
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
    ])
    .args(args)
    .output()
    .is_ok_and(|o| o.status.success())
}

#[test]
fn html_renders_in_headless_chromium() {
    let Some(bin) = chromium() else {
        eprintln!(
            "skipped: no chromium/chromium-headless-shell with pdfinfo and pdftotext (.ci/setup-chromium installs them)"
        );
        return;
    };
    let env = Env::new();
    let (first, last) = a_year(&env);
    let page = env.dir.path().join("r.html");
    let out = report(
        &env,
        &[
            "daily",
            "--since",
            &first,
            "--until",
            &last,
            "--timezone",
            "UTC",
            "--html",
            page.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert!(out.status.success());
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let url = format!("file://{}", page.display());
    let png = env.dir.path().join("r.png");
    let pdf = env.dir.path().join("r.pdf");
    assert!(run_chromium(
        &bin,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1200,1600",
            &url
        ]
    ));
    assert!(run_chromium(
        &bin,
        &[
            &format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer",
            &url
        ]
    ));
    assert!(!blank_png(&png), "the screenshot is blank");
    let info =
        String::from_utf8(Command::new("pdfinfo").arg(&pdf).output().unwrap().stdout).unwrap();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(pages >= 1, "{info}");
    // The printed numbers are the JSON's.
    let text = String::from_utf8(
        Command::new("pdftotext")
            .args([pdf.to_str().unwrap(), "-"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let t = &j["totals"];
    for want in [
        headroom::human::thousands(t["calls"].as_u64().unwrap() as usize),
        headroom::human::thousands(t["saved"].as_i64().unwrap() as usize),
        format!("${:.2} + unpriced", t["cost_usd"].as_f64().unwrap()),
    ] {
        assert!(text.contains(&want), "{want} not in the PDF");
    }
}

/// A PNG of one colour compresses to almost nothing; a page with charts
/// and tables does not.
fn blank_png(path: &Path) -> bool {
    std::fs::metadata(path).map_or(true, |m| m.len() < 20_000)
}
