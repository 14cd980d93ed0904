//! Detection speed: milliseconds per MB of input for each kind of content
//! (the target is under 1 ms per MB). A benchmark, not a test: it prints
//! figures and never fails on timings.
//!
//! `cargo bench --bench detect`

use std::time::Instant;

use headroom::pipeline::detect;

/// About `bytes` of text made by repeating `line(i)`.
fn sized(bytes: usize, line: impl Fn(usize) -> String) -> String {
    let mut s = String::with_capacity(bytes + 256);
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(&line(i));
        s.push('\n');
        i += 1;
    }
    s
}

fn main() {
    const MB: usize = 1 << 20;
    let cases: Vec<(&str, String)> = vec![
        (
            "table",
            sized(MB, |i| {
                format!(
                    "root     {:>6}  0.0  0.1 167744 11200 ?        Ss   Nov30   0:03 /usr/bin/worker --id {i}",
                    100 + i
                )
            }),
        ),
        (
            "csv",
            sized(MB, |i| {
                format!(
                    "{i},cust-{:05},{}.50,EUR,settled,{}",
                    i * 7 % 99999,
                    10 + i % 400,
                    20 + i % 70
                )
            }),
        ),
        (
            "log",
            sized(MB, |i| {
                format!(
                    "2024-03-01 12:00:{:02},{:03} INFO [api] GET /orders/{i} 200 in {}ms",
                    i % 60,
                    i % 1000,
                    20 + i % 70
                )
            }),
        ),
        (
            "coloured",
            sized(MB, |i| {
                format!("\x1b[1m\x1b[92m   Compiling\x1b[0m crate-{i} v1.0.{i}")
            }),
        ),
        (
            "prose",
            sized(MB, |i| {
                format!(
                    "Paragraph {i} explains how the deploy pipeline works and what it checks before it ships."
                )
            }),
        ),
        (
            "markdown",
            sized(MB, |i| {
                if i % 8 == 0 {
                    "```sh\nkubectl rollout status deploy/api\n```".to_string()
                } else {
                    format!("The step number {i} is described here in plain words for the reader.")
                }
            }),
        ),
        (
            "paths",
            sized(MB, |i| format!("/usr/share/doc/package-{i}/copyright")),
        ),
        (
            "json",
            format!(
                "[{}]",
                sized(MB, |i| format!("{{\"id\":{i},\"name\":\"item {i}\"}},"))
                    .trim_end_matches([',', '\n'])
            ),
        ),
    ];
    println!("{:<10} {:>8} {:>12}", "input", "kind", "ms per MB");
    for (name, text) in &cases {
        let runs = 200;
        let start = Instant::now();
        let mut kind = detect(text);
        for _ in 1..runs {
            kind = detect(std::hint::black_box(text));
        }
        let ms = start.elapsed().as_secs_f64() * 1e3 / runs as f64;
        let per_mb = ms / (text.len() as f64 / MB as f64);
        println!("{name:<10} {:>8} {per_mb:>12.4}", kind.name());
    }
}
