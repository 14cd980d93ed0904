//! `cargo bench --bench report [-- --runs N]`: how fast `headroom report`
//! answers, against #14's targets:
//! - `report` (summary, last 7 days) and `report daily` (every record) over
//!   a store of 1,000,000 usage records spread over a year: ≤ 300 ms;
//! - `report --statusline` on that store: ≤ 10 ms;
//! - `report daily --transcripts` over 500 generated Claude Code sessions
//!   (~300 MB): ≤ 5 s.
//!
//! Each figure is the best of N runs of the binary (wall time, start-up
//! included). The store and transcripts are generated in a temporary
//! directory and removed afterwards.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use headroom::usage::{self, Record, Source, UpstreamUsage};

const RECORDS: usize = 1_000_000;
const SESSIONS: usize = 500;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut runs = 5usize;
    while let Some(a) = args.next() {
        if a == "--runs" {
            runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs);
        }
    }
    let work = std::env::temp_dir().join(format!("headroom-report-bench-{}", std::process::id()));
    let home = work.join("home");
    std::fs::create_dir_all(&home).expect("temp dir");

    let t = Instant::now();
    store(&home.join("headroom.db"));
    eprintln!(
        "generated {RECORDS} records in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let bytes = transcripts(&work.join("claude/projects"));
    eprintln!(
        "generated {SESSIONS} sessions ({} MB) in {:.1} s",
        bytes / 1_000_000,
        t.elapsed().as_secs_f64()
    );

    let run = |args: &[&str]| {
        let mut best = Duration::MAX;
        for _ in 0..runs {
            let start = Instant::now();
            let out = Command::new(env!("CARGO_BIN_EXE_headroom"))
                .arg("report")
                .args(args)
                .env("HEADROOM_HOME", &home)
                .env("CLAUDE_CONFIG_DIR", work.join("claude"))
                .env("CODEX_HOME", work.join("codex"))
                .output()
                .expect("run headroom");
            let took = start.elapsed();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            best = best.min(took);
        }
        best.as_secs_f64() * 1e3
    };
    println!("{:<44} {:>10} {:>10}", "command", "best ms", "target ms");
    for (args, target) in [
        (&["--format", "json"][..], 300.0),
        (&["daily", "--format", "json"][..], 300.0),
        (&["monthly"][..], 300.0),
        (&["--statusline"][..], 10.0),
        (&["daily", "--transcripts", "--format", "json"][..], 5000.0),
    ] {
        let ms = run(args);
        println!(
            "report {:<37} {ms:>10.1} {target:>10.0}{}",
            args.join(" "),
            if ms > target { "  OVER" } else { "" }
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// A million records over the last 365 days: proxy requests with upstream
/// usage and CLI runs, a few models and kinds.
fn store(path: &Path) {
    let now = usage::now_ms();
    let span = 365 * 24 * 3_600_000i64;
    let models = [
        "claude-sonnet-4-5",
        "claude-opus-4-6",
        "gpt-5",
        "claude-haiku-4-5",
    ];
    let kinds = ["json", "log", "search", "diff", "code"];
    let writer = usage::Writer::start(path.to_path_buf());
    for i in 0..RECORDS {
        let proxy = i % 4 != 0;
        let mut r = Record::new(
            now - span + (i as i64 * span / RECORDS as i64),
            if proxy { Source::Proxy } else { Source::Cli },
        );
        r.model = Some(models[i % models.len()].into());
        r.agent = Some("claude-code".into());
        r.project = Some(format!("/home/dev/project-{}", i % 20));
        r.kinds = vec![kinds[i % kinds.len()].into()];
        r.tokens_before = 2_000 + (i % 97) as u64 * 10;
        r.tokens_after = 500 + (i % 89) as u64 * 5;
        if proxy {
            r.upstream = UpstreamUsage {
                input: Some(40 + (i % 13) as u64),
                output: Some(300 + (i % 31) as u64),
                cache_write: Some(1_500),
                cache_write_1h: Some(if i % 5 == 0 { 1_500 } else { 0 }),
                cache_read: Some(40_000),
            };
        }
        r.status = "200".into();
        writer.record(r);
        // The writer's queue is bounded (records beyond it are dropped):
        // let it drain now and then.
        if i % 5_000 == 4_999 {
            writer.flush(Duration::from_secs(60));
        }
    }
    assert!(writer.flush(Duration::from_secs(120)));
    let stats = writer.stats();
    assert_eq!(stats.written as usize, RECORDS, "{stats:?}");
}

/// Sessions of ~600 KB: each call streamed as three assistant lines with
/// the same ids, a tool call and a tool result of a few KB.
fn transcripts(dir: &Path) -> usize {
    let mut total = 0;
    let result: String = (0..60)
        .map(|i| format!("src/module_{i}.rs:{i}: fn item_{i}() -> Result<()>\\n"))
        .collect();
    for s in 0..SESSIONS {
        let project = dir.join(format!("-home-dev-project-{}", s % 20));
        std::fs::create_dir_all(&project).expect("mkdir");
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(project.join(format!("session-{s:04}.jsonl"))).expect("create"),
        );
        for c in 0..50 {
            let ts = format!(
                "2026-{:02}-{:02}T{:02}:{:02}:00Z",
                1 + s % 12,
                1 + s % 28,
                c % 24,
                s % 60
            );
            for (k, out) in [(0, 1), (1, 40), (2, 180)] {
                let line = format!(
                    r#"{{"parentUuid":"p{c}","isSidechain":false,"cwd":"/home/dev/project","sessionId":"session-{s}","version":"2.1.39","type":"assistant","timestamp":"{ts}","requestId":"req_{s}_{c}","message":{{"id":"msg_{s}_{c}","model":"claude-sonnet-4-5-20250929","role":"assistant","content":[{{"type":"text","text":"Step {k}: looking at the code and the tests, then running the checks again to be sure."}},{{"type":"tool_use","id":"toolu_{s}_{c}_{k}","name":"Grep","input":{{"pattern":"fn item"}}}}],"usage":{{"input_tokens":4,"output_tokens":{out},"cache_creation_input_tokens":1200,"cache_read_input_tokens":{},"cache_creation":{{"ephemeral_5m_input_tokens":1200,"ephemeral_1h_input_tokens":0}}}}}}}}"#,
                    30_000 + c * 900
                );
                total += line.len() + 1;
                writeln!(f, "{line}").expect("write");
            }
            let user = format!(
                r#"{{"parentUuid":"a{c}","isSidechain":false,"cwd":"/home/dev/project","sessionId":"session-{s}","type":"user","timestamp":"{ts}","message":{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"toolu_{s}_{c}_2","content":"{result}{result}"}}]}},"toolUseResult":{{"stdout":"{result}{result}"}}}}"#
            );
            total += user.len() + 1;
            writeln!(f, "{user}").expect("write");
        }
    }
    total
}
