//! `cargo bench --bench code [-- DIR] [--runs N]`: how fast source files are
//! outlined, in milliseconds per 1,000 lines (#4's target is 10).
//!
//! The inputs are the fixtures in `tests/fixtures/code`, each repeated to
//! about 1,000 and 5,000 lines, plus the code cases of a corpus when one is
//! given (or `HEADROOM_BENCH_DIR` is set). Each file runs through the release
//! binary with `--format json`, whose `ms` is the time inside the pipeline
//! (parse, outline, re-parse, store write, token counts), so process
//! start-up is left out; the best of N runs is reported.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut corpus: Option<PathBuf> = std::env::var_os(headroom::env::BENCH_DIR).map(PathBuf::from);
    let mut runs = 15usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs),
            _ => corpus = Some(PathBuf::from(a)),
        }
    }
    let work = std::env::temp_dir().join(format!("headroom-code-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temp dir");
    let mut files = Vec::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/code");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("read fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for path in names {
        let text = std::fs::read_to_string(&path).expect("read fixture");
        let lines = text.lines().count().max(1);
        for target in [1000usize, 5000] {
            let name = path.file_name().unwrap().to_string_lossy();
            let out = work.join(format!("x{target}-{name}"));
            std::fs::write(&out, text.repeat(target.div_ceil(lines))).expect("write input");
            files.push(out);
        }
    }
    if let Some(dir) = corpus.filter(|d| d.join("manifest.jsonl").exists()) {
        let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).expect("read manifest");
        for line in manifest.lines() {
            let case: serde_json::Value =
                serde_json::from_str(line).expect("manifest line is JSON");
            if case["kind"] == "code" {
                files.push(dir.join(case["path"].as_str().unwrap_or_default()));
            }
        }
    }
    let home = work.join("home");
    println!(
        "{:<40} {:>7} {:>7} {:>8} {:>12}",
        "file", "lines", "saved", "ms", "ms/1k lines"
    );
    for file in &files {
        let lines = std::fs::read_to_string(file)
            .expect("read input")
            .lines()
            .count();
        let mut best = f64::INFINITY;
        let mut saved = 0.0;
        for _ in 0..runs.max(1) {
            let out = Command::new(env!("CARGO_BIN_EXE_headroom"))
                .args(["compress", "--format", "json"])
                .arg(file)
                .env(headroom::env::HOME, &home)
                .output()
                .expect("run headroom");
            let report: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("--format json prints JSON");
            best = best.min(report["ms"].as_f64().unwrap_or(f64::NAN));
            saved = report["saved_pct"].as_f64().unwrap_or(0.0);
        }
        println!(
            "{:<40} {:>7} {:>6.1}% {:>8.1} {:>12.1}",
            file.file_name().unwrap().to_string_lossy(),
            lines,
            saved,
            best,
            best * 1000.0 / lines.max(1) as f64
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}
