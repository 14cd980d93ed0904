//! `cargo bench --bench json [-- --sizes 1,7,30] [--keep DIR]`: time and peak
//! memory of JSON compression on every shape that once blew up (#10).
//!
//! Generates, at each size in MB: arrays of objects whose keys differ, a
//! date-keyed map, a package-lock-style object map, an array of one-shape path
//! strings, a metrics series, log records with the latency inside a message,
//! a JSON Lines log; plus a 50 MB document on a single line. Each input is
//! compressed by a child process (this bench re-run with `--child FILE`)
//! through the whole pipeline with a store that only hashes, so its peak
//! resident memory (`VmHWM`) belongs to that input alone.
//!
//! Targets: 30 MB of any shape in ≤ 3 s and ≤ 6× the input in memory; the
//! 50 MB single line in ≤ 1 s.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use headroom::ccr::HashOnlySink;
use headroom::compress::Context;
use headroom::tokens::{self, Encoding};

const WORDS: &[&str] = &[
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
];

/// A deterministic pseudo-random sequence (xorshift), so inputs are the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Writes items produced by `item(i, rng, out)` until `out` reaches `bytes`.
fn fill(
    bytes: usize,
    out: &mut String,
    sep: &str,
    mut item: impl FnMut(usize, &mut Rng, &mut String),
) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut i = 0;
    while out.len() < bytes {
        if i > 0 {
            out.push_str(sep);
        }
        item(i, &mut rng, out);
        i += 1;
    }
}

fn differing_keys(bytes: usize) -> String {
    let mut s = String::from("[");
    fill(bytes, &mut s, ",\n", |i, r, s| {
        let k = r.below(2000);
        let v = if i == 777 { 999_999 } else { r.below(100) };
        let _ = write!(s, r#"{{"sku": "S{i}", "k{k}": {v}}}"#);
    });
    s.push(']');
    s
}

fn date_map(bytes: usize) -> String {
    let mut s = String::from("{");
    fill(bytes, &mut s, ",\n", |i, r, s| {
        let (day, hour) = (i / 24, i % 24);
        let (y, d) = (2000 + day / 365, day % 365);
        let errors = if i == 4321 { 977 } else { r.below(3) };
        let _ = write!(
            s,
            r#"  "{y}-{:02}-{:02}T{hour:02}:00": {{"requests": {}, "errors": {errors}, "p99_ms": {}}}"#,
            d / 31 + 1,
            d % 31 + 1,
            1000 + r.below(200),
            40 + r.below(30)
        );
    });
    s.push('}');
    s
}

fn package_lock(bytes: usize) -> String {
    let mut s =
        String::from(r#"{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "packages": {"#);
    fill(bytes, &mut s, ",\n", |i, r, s| {
        let name = format!(
            "{}-{}{i}",
            WORDS[r.below(20) as usize],
            WORDS[r.below(20) as usize]
        );
        let hash: String = (0..64)
            .map(|_| {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    [r.below(64) as usize] as char
            })
            .collect();
        let _ = write!(
            s,
            r#"    "node_modules/{name}": {{"version": "{}.{}.{}", "resolved": "https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz", "integrity": "sha512-{hash}==", "dev": {}, "license": "{}"}}"#,
            r.below(5),
            r.below(20),
            r.below(10),
            r.below(2) == 0,
            if i == 999 { "GPL-3.0" } else { "MIT" }
        );
    });
    s.push_str("}}");
    s
}

fn path_strings(bytes: usize) -> String {
    let mut s = String::from("[");
    fill(bytes, &mut s, ",\n", |_, r, s| {
        let _ = write!(
            s,
            r#""/srv/data/{}/{:08x}.parquet""#,
            WORDS[r.below(20) as usize],
            r.next() as u32
        );
    });
    s.push(']');
    s
}

fn metrics(bytes: usize) -> String {
    let mut s = String::from(r#"{"metric": "cpu", "points": ["#);
    fill(bytes, &mut s, ",", |i, r, s| {
        let v = if i == 5000 {
            99.7
        } else {
            20.0 + r.below(100) as f64 / 10.0
        };
        let _ = write!(s, r#"{{"t": {}, "v": {v:.1}}}"#, 1_700_000_000 + i * 10);
    });
    s.push_str("]}");
    s
}

fn log_record(i: usize, r: &mut Rng) -> String {
    let latency = if i == 3000 { 12000 } else { 20 + r.below(70) };
    format!(
        r#"{{"ts": "2024-05-01T10:{:02}:{:02}Z", "level": "INFO", "msg": "GET /api/items/{} latency={latency}ms", "host": "web-{}"}}"#,
        (i / 60) % 60,
        i % 60,
        r.below(10_000),
        r.below(4)
    )
}

fn log_records(bytes: usize) -> String {
    let mut s = String::from("[");
    fill(bytes, &mut s, ",\n", |i, r, s| {
        s.push_str(&log_record(i, r))
    });
    s.push(']');
    s
}

fn json_lines(bytes: usize) -> String {
    let mut s = String::new();
    fill(bytes, &mut s, "\n", |i, r, s| s.push_str(&log_record(i, r)));
    s.push('\n');
    s
}

fn single_line(bytes: usize) -> String {
    let mut s = String::from("[");
    fill(bytes, &mut s, ",", |i, r, s| {
        let status = if i == 7777 { "failed" } else { "ok" };
        let _ = write!(
            s,
            r#"{{"id":{i},"user":"{}{}","status":"{status}","score":{},"tags":["{}","{}"]}}"#,
            WORDS[r.below(20) as usize],
            r.below(1000),
            r.below(100),
            WORDS[r.below(20) as usize],
            WORDS[r.below(20) as usize]
        );
    });
    s.push(']');
    s
}

type Shape = (&'static str, fn(usize) -> String);

const SHAPES: &[Shape] = &[
    ("differing-keys", differing_keys),
    ("date-map", date_map),
    ("package-lock", package_lock),
    ("path-strings", path_strings),
    ("metrics", metrics),
    ("log-records", log_records),
    ("json-lines", json_lines),
];

/// Compresses one file in this process and prints `ms peak_kb before after`.
fn child(path: &Path) {
    let input = std::fs::read(path).expect("read input");
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
    let t = Instant::now();
    let outcome = headroom::pipeline::run(&input, None, &ctx);
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    println!(
        "{ms:.0} {peak_kb} {} {} {}",
        outcome.tokens_before,
        outcome.tokens_after,
        outcome.kind.map_or("-", |k| k.name())
    );
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut sizes = vec![1usize, 7, 30];
    let mut keep: Option<PathBuf> = None;
    let mut single_mb = 50usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--child" => return child(Path::new(&args.next().expect("--child FILE"))),
            "--sizes" => {
                let list = args.next().unwrap_or_default();
                sizes = list.split(',').filter_map(|n| n.parse().ok()).collect();
            }
            "--single" => single_mb = args.next().and_then(|n| n.parse().ok()).unwrap_or(50),
            "--keep" => keep = args.next().map(PathBuf::from),
            _ => {}
        }
    }
    let work = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("headroom-json-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&work).expect("work dir");
    let mut inputs: Vec<(String, PathBuf)> = Vec::new();
    for &mb in &sizes {
        for (name, make) in SHAPES {
            let path = work.join(format!("{name}-{mb}mb.json"));
            std::fs::write(&path, make(mb << 20)).expect("write input");
            inputs.push((format!("{name} {mb} MB"), path));
        }
    }
    if single_mb > 0 {
        let path = work.join(format!("single-line-{single_mb}mb.json"));
        std::fs::write(&path, single_line(single_mb << 20)).expect("write input");
        inputs.push((format!("single line {single_mb} MB"), path));
    }
    println!(
        "{:<24} {:>6} {:>9} {:>9} {:>7} {:>12} {:>7}",
        "input", "kind", "ms", "peak MB", "×input", "tokens", "saved"
    );
    for (label, path) in &inputs {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(1) as f64;
        let out = Command::new(std::env::current_exe().expect("own path"))
            .arg("--child")
            .arg(path)
            .output()
            .expect("run child");
        let line = String::from_utf8_lossy(&out.stdout);
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 5 {
            println!(
                "{label:<24} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            continue;
        }
        let num = |i: usize| f[i].parse::<f64>().unwrap_or(f64::NAN);
        let peak_mb = num(1) / 1024.0;
        println!(
            "{label:<24} {:>6} {:>9.0} {:>9.1} {:>7.1} {:>12} {:>6.1}%",
            f[4],
            num(0),
            peak_mb,
            peak_mb * 1_048_576.0 / size,
            format!("{}→{}", f[2], f[3]),
            100.0 * (1.0 - num(3) / num(2).max(1.0))
        );
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
}
