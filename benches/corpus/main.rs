//! Benchmark over a corpus in the layout of `shared/bench` (a manifest.jsonl
//! of cases with needles): tokens before/after, reduction, needle retention
//! and time, per case and per kind. A benchmark, not a test: it prints
//! figures and never fails on timings.
//!
//! `cargo bench --bench corpus -- [CORPUS_DIR] [--kinds json,log] [--runs N]`
//! (the directory defaults to `$HEADROOM_BENCH_DIR`; skipped when absent).
//! `cargo bench --bench corpus -- --synthetic` runs generated inputs instead
//! (arrays of logs, search hits, DB rows, metrics and strings, 100–5,000 items).
//! Each case runs the release binary as an agent would (`headroom compress
//! --query Q FILE`), so start-up is included in the time.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use headroom::tokens::{self, Encoding};

mod synthetic;

struct Row {
    kind: String,
    before: usize,
    after: usize,
    kept: usize,
    needles: usize,
    ms: f64,
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut dir: Option<PathBuf> = std::env::var_os(headroom::env::BENCH_DIR).map(PathBuf::from);
    let mut kinds: Vec<String> = Vec::new();
    let mut runs = 3usize;
    let mut generated: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--synthetic" => {
                let d =
                    std::env::temp_dir().join(format!("headroom-synthetic-{}", std::process::id()));
                synthetic::write_corpus(&d);
                generated = Some(d);
            }
            "--kinds" => {
                kinds = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(String::from)
                    .collect()
            }
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(3),
            _ if !a.starts_with('-') => dir = Some(PathBuf::from(a)),
            _ => {}
        }
    }
    let Some(dir) = generated
        .clone()
        .or(dir)
        .filter(|d| d.join("manifest.jsonl").exists())
    else {
        eprintln!(
            "corpus bench skipped: pass a corpus directory or set {}",
            headroom::env::BENCH_DIR
        );
        return;
    };
    let bin = binary();
    let home = tempdir();
    let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).expect("read manifest");
    let mut rows: Vec<Row> = Vec::new();
    println!(
        "{:<8} {:<36} {:>8} {:>8} {:>7} {:>7} {:>8}",
        "kind", "case", "before", "after", "saved", "kept", "ms"
    );
    for line in manifest.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("manifest line is JSON");
        let kind = case["kind"].as_str().unwrap_or("?").to_string();
        if kind == "transcript" || (!kinds.is_empty() && !kinds.contains(&kind)) {
            continue;
        }
        let path = dir.join(case["path"].as_str().unwrap_or_default());
        let input = String::from_utf8_lossy(&std::fs::read(&path).expect("read case")).into_owned();
        let mut cmd_args: Vec<String> = vec!["compress".into()];
        if let Some(q) = case["query"].as_str() {
            cmd_args.extend(["--query".into(), q.into()]);
        }
        cmd_args.push(path.display().to_string());
        let mut times = Vec::new();
        let mut output = Vec::new();
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            let out = Command::new(&bin)
                .args(&cmd_args)
                .env(headroom::env::HOME, &home)
                .output()
                .expect("run headroom");
            times.push(t.elapsed().as_secs_f64() * 1e3);
            output = out.stdout;
        }
        times.sort_by(f64::total_cmp);
        let text = String::from_utf8_lossy(&output);
        let needles: Vec<&str> = case["needles"]
            .as_array()
            .map(|a| a.iter().filter_map(|n| n.as_str()).collect())
            .unwrap_or_default();
        let row = Row {
            kind: kind.clone(),
            before: tokens::count(&input, Encoding::O200k),
            after: tokens::count(&text, Encoding::O200k),
            kept: needles.iter().filter(|n| text.contains(*n)).count(),
            needles: needles.len(),
            ms: times[times.len() / 2],
        };
        println!(
            "{:<8} {:<36} {:>8} {:>8} {:>6.1}% {:>3}/{:<3} {:>8.1}",
            kind,
            case["id"].as_str().unwrap_or("?"),
            row.before,
            row.after,
            saved(row.before, row.after),
            row.kept,
            row.needles,
            row.ms
        );
        rows.push(row);
    }
    let mut by_kind: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in &rows {
        by_kind.entry(r.kind.as_str()).or_default().push(r);
        by_kind.entry("ALL").or_default().push(r);
    }
    println!(
        "\n{:<8} {:>6} {:>10} {:>10} {:>10}",
        "kind", "cases", "reduction", "retention", "median ms"
    );
    for (kind, rs) in by_kind {
        let before: usize = rs.iter().map(|r| r.before).sum();
        let after: usize = rs.iter().map(|r| r.after).sum();
        let kept: usize = rs.iter().map(|r| r.kept).sum();
        let needles: usize = rs.iter().map(|r| r.needles).sum();
        let mut ms: Vec<f64> = rs.iter().map(|r| r.ms).collect();
        ms.sort_by(f64::total_cmp);
        println!(
            "{:<8} {:>6} {:>9.1}% {:>9.1}% {:>10.1}",
            kind,
            rs.len(),
            saved(before, after),
            100.0 * kept as f64 / needles.max(1) as f64,
            ms[ms.len() / 2]
        );
    }
    let _ = std::fs::remove_dir_all(&home);
    if let Some(d) = generated {
        let _ = std::fs::remove_dir_all(d);
    }
}

fn saved(before: usize, after: usize) -> f64 {
    100.0 * (1.0 - after as f64 / before.max(1) as f64)
}

/// The binary cargo built for this bench (release under `cargo bench`).
fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_headroom"))
}

fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("headroom-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}
