//! `cargo bench --bench code [-- DIR] [--runs N]`: how fast source files are
//! outlined, in milliseconds per 1,000 lines (#4's target is 10).
//!
//! The inputs are the fixtures in `tests/fixtures/code`, each repeated to
//! about 1,000 and 5,000 lines, plus the code cases of a corpus when one is
//! given (or `HEADROOM_BENCH_DIR` is set). Two figures per file, each the
//! best of N runs:
//! - `pipeline`: the compression in this process (detection, parse, outline,
//!   re-parse check, token counts), with a store that only hashes: the work
//!   itself, free of start-up and disk;
//! - `cli`: the release binary's own `ms` (`compress --format json`), which
//!   adds the write of the original to a real store.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use headroom::ccr::HashOnlySink;
use headroom::compress::Context;
use headroom::tokens::{self, Encoding};

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
    let cost = |s: &str| tokens::count(s, Encoding::O200k);
    let ctx = Context {
        query: Default::default(),
        lossless: false,
        valid_json: false,
        sink: Some(&HashOnlySink),
        via: Default::default(),
        cost: &cost,
        lossy_min_tokens: headroom::config::DEFAULT_LOSSY_MIN_TOKENS,
    };
    let home = work.join("home");
    println!(
        "{:<36} {:>6} {:>6} {:>9} {:>9} {:>7} {:>9}",
        "file", "lines", "saved", "pipeline", "ms/1k", "cli", "ms/1k"
    );
    let mut per_1k = Vec::new();
    for file in &files {
        let input = std::fs::read(file).expect("read input");
        let lines = input.iter().filter(|&&b| b == b'\n').count().max(1);
        let mut best = f64::INFINITY;
        let mut saved = 0.0;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            let outcome = headroom::pipeline::run_named(&input, None, Some(file), &ctx);
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
            saved =
                100.0 * (1.0 - outcome.tokens_after as f64 / outcome.tokens_before.max(1) as f64);
        }
        let mut cli = f64::INFINITY;
        for _ in 0..runs.max(1) {
            let out = Command::new(env!("CARGO_BIN_EXE_headroom"))
                .args(["compress", "--format", "json"])
                .arg(file)
                .env(headroom::env::HOME, &home)
                .output()
                .expect("run headroom");
            let report: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("--format json prints JSON");
            cli = cli.min(report["ms"].as_f64().unwrap_or(f64::NAN));
        }
        let k = lines as f64 / 1000.0;
        per_1k.push(best / k);
        println!(
            "{:<36} {:>6} {:>5.1}% {:>9.1} {:>9.1} {:>7.1} {:>9.1}",
            file.file_name().unwrap().to_string_lossy(),
            lines,
            saved,
            best,
            best / k,
            cli,
            cli / k
        );
    }
    per_1k.sort_by(f64::total_cmp);
    if let Some(worst) = per_1k.last() {
        println!(
            "\npipeline ms per 1,000 lines: median {:.1}, worst {:.1}",
            per_1k[per_1k.len() / 2],
            worst
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}
