//! `cargo bench --bench learn [-- --sessions N] [--scale S]`: how fast
//! `headroom learn` reads a fleet of sessions, and how well it does on them.
//!
//! Generates N realistic sessions (default 500, about 300 MB: both agents,
//! three projects, planted patterns and decoys; see
//! `tests/it/support/sessions.rs`) in a temporary HOME, then runs learning
//! in this process and prints the wall time, throughput, peak memory
//! (VmHWM), and recall, precision and decoy rules against what was planted.
//! The target is ≤ 5 s for 500 sessions with memory bounded by the largest
//! files, not the total.

#[path = "../tests/it/support/sessions.rs"]
mod sessions;

use std::time::Instant;

use headroom::learn::{self, Scope, rules, source};

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut n = 500usize;
    let mut scale = 45usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--sessions" => n = args.next().and_then(|v| v.parse().ok()).unwrap_or(n),
            "--scale" => scale = args.next().and_then(|v| v.parse().ok()).unwrap_or(scale),
            _ => {}
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path();
    let t = Instant::now();
    let world = sessions::generate(home, "", 42, n / 3, scale, now);
    println!(
        "generated {} sessions, {:.0} MB in {:.1} s",
        world.sessions,
        world.bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let rss_before = peak_rss_mb().unwrap_or(0.0);

    let t = Instant::now();
    let files = source::discover(Some(&home.join(".claude")), Some(&home.join(".codex")));
    let opts = learn::Options {
        scope: Scope::All,
        since: None,
        rules: rules::Settings {
            min_count: 2,
            max_rules: 20,
            now,
            home: None,
        },
    };
    let outcome = learn::learn(&files, &opts, &|| {});
    let secs = t.elapsed().as_secs_f64();
    println!(
        "learn: {} files, {} sessions, {} rules in {:.2} s ({:.0} MB/s)",
        outcome.files,
        outcome.sessions,
        outcome.rules.len(),
        secs,
        world.bytes as f64 / 1e6 / secs
    );
    match peak_rss_mb() {
        Some(peak) => println!(
            "peak memory: {peak:.0} MB (generator's own peak before learning: {rss_before:.0} MB)"
        ),
        None => println!("peak memory: unknown (no /proc)"),
    }
    let rules: Vec<serde_json::Value> = outcome
        .rules
        .iter()
        .map(|r| serde_json::to_value(r).expect("rule as JSON"))
        .collect();
    let s = sessions::score(&world, &rules);
    println!(
        "recall {:.0}% ({} of {}), precision {:.0}%, decoy rules {}, codex-only found {}/{}, counts off by > 25%: {}",
        100.0 * s.recall(),
        s.found.len(),
        s.found.len() + s.missed.len(),
        100.0 * s.precision(),
        s.decoy_rules.len(),
        s.codex_only_found,
        s.codex_only,
        s.bad_counts.len()
    );
    for m in &s.missed {
        println!("  missed: {m}");
    }
    for f in &s.false_rules {
        println!("  false rule: {f}");
    }
}
