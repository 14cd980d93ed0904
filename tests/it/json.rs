//! `headroom compress` on JSON of every shape an agent reads (#10): keys
//! that are data, maps whose entries are items, arrays of one-shape strings,
//! metrics series, numbers inside message strings, JSON Lines, a byte-order
//! mark. Each through the real binary: facts kept, a reduction asserted,
//! and the original retrieved byte for byte.

use crate::support::{Env, hashes, tokens};

/// Compresses `input`, checks `facts` are in the output and the saving is
/// at least `min_saved`, and that the marker's original is the input exactly.
fn compress_keeps(input: &str, facts: &[&str], min_saved: f64) -> String {
    let env = Env::new();
    let out = env.ok_str(&["compress"], input);
    for fact in facts {
        assert!(out.contains(fact), "lost {fact:?}:\n{out}");
    }
    let saved = 1.0 - tokens(&out) as f64 / tokens(input) as f64;
    assert!(saved >= min_saved, "saved only {saved:.3}:\n{out}");
    let hs = hashes(&out);
    assert!(!hs.is_empty(), "no marker:\n{out}");
    assert_eq!(env.ok(&["retrieve", &hs[0]], ""), input.as_bytes());
    out
}

#[test]
fn objects_whose_keys_differ_are_thinned() {
    let items: Vec<String> = (0..2000)
        .map(|i| match i {
            1500 => r#"{"sku": "S1500", "error": "inventory sync failed"}"#.to_string(),
            _ => {
                let v = if i == 777 { 999_999 } else { i % 100 };
                format!(r#"{{"sku": "S{i}", "k{}": {v}}}"#, (i * 7919) % 2000)
            }
        })
        .collect();
    let input = format!("[{}]", items.join(",\n"));
    compress_keeps(
        &input,
        &["inventory sync failed", "999999", "S0", "S1999"],
        0.9,
    );
}

#[test]
fn a_date_keyed_map_is_thinned_like_an_array() {
    let entries: Vec<String> = (0..3000)
        .map(|i| {
            let errors = if i == 2222 { 977 } else { i % 3 };
            format!(
                r#"  "2024-{:02}-{:02}T{:02}:00": {{"requests": {}, "errors": {errors}, "p99_ms": {}}}"#,
                i / 24 / 28 % 12 + 1,
                i / 24 % 28 + 1,
                i % 24,
                1000 + (i * 37) % 200,
                40 + (i * 13) % 30
            )
        })
        .collect();
    let input = format!("{{\n{}\n}}", entries.join(",\n"));
    let out = compress_keeps(&input, &["\"errors\":977", "2024-01-01T00:00"], 0.9);
    assert!(out.contains("entries omitted"), "{out}");
}

#[test]
fn a_package_lock_keeps_the_odd_license() {
    let words = ["left", "pad", "is", "even", "react", "dom", "core", "util"];
    let entries: Vec<String> = (0..1500)
        .map(|i| {
            let name = format!("{}-{}{i}", words[i % 8], words[i * 3 % 8]);
            let license = if i == 999 { "GPL-3.0-only" } else { "MIT" };
            format!(
                r#"    "node_modules/{name}": {{"version": "{}.{}.0", "resolved": "https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz", "integrity": "sha512-{:064x}", "license": "{license}"}}"#,
                i % 5,
                i % 17,
                (i as u128).wrapping_mul(0x9e3779b97f4a7c15_f39cc0605cedc835)
            )
        })
        .collect();
    let input = format!(
        "{{\n  \"name\": \"app\",\n  \"lockfileVersion\": 3,\n  \"packages\": {{\n{}\n  }}\n}}",
        entries.join(",\n")
    );
    compress_keeps(&input, &["GPL-3.0-only", "\"lockfileVersion\":3"], 0.9);
}

#[test]
fn one_shape_strings_beat_the_reference_reduction() {
    let words = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
    ];
    let mut items: Vec<String> = (0..3000u64)
        .map(|i| {
            let id = (i.wrapping_mul(0x9e3779b97f4a7c15) >> 32) as u32;
            format!("\"/srv/data/{}/{id:08x}.parquet\"", words[i as usize % 7])
        })
        .collect();
    items[2024] = "\"/srv/data/quarantine/corrupt-2024.parquet.tmp\"".into();
    let input = format!("[\n  {}\n]", items.join(",\n  "));
    // The reference system reaches 96.9% on such arrays.
    compress_keeps(&input, &["corrupt-2024.parquet.tmp"], 0.975);
}

#[test]
fn a_metrics_series_keeps_its_spike() {
    let points: Vec<String> = (0..5000)
        .map(|i| {
            let v = if i == 4321 {
                99.7
            } else {
                20.0 + ((i * 37) % 100) as f64 / 10.0
            };
            format!(r#"{{"t": {}, "v": {v:.1}}}"#, 1_700_000_000 + i * 10)
        })
        .collect();
    let input = format!(r#"{{"metric": "cpu", "points": [{}]}}"#, points.join(", "));
    // The reference system reaches 98.5% on a metrics series.
    compress_keeps(&input, &["99.7", "1700043210"], 0.986);
}

fn request_log(i: usize) -> String {
    let ms = if i == 3000 { 12000 } else { 20 + (i * 37) % 70 };
    format!(
        r#"{{"ts": "2024-05-01T10:{:02}:{:02}Z", "level": "INFO", "msg": "GET /api/items/{} latency={ms}ms", "host": "web-{}"}}"#,
        i / 60 % 60,
        i % 60,
        (i * 7919) % 10_000,
        i % 4
    )
}

#[test]
fn a_slow_request_inside_a_message_string_is_kept() {
    let items: Vec<String> = (0..5000).map(request_log).collect();
    let input = format!("[{}]", items.join(",\n"));
    compress_keeps(&input, &["latency=12000ms"], 0.9);
}

#[test]
fn json_lines_are_records_and_stay_faithful_lines() {
    let mut lines: Vec<String> = (0..5000).map(request_log).collect();
    lines[4100] =
        r#"{"ts": "2024-05-01T11:08:20Z", "level": "ERROR", "msg": "upstream connect failed", "host": "web-2"}"#.into();
    let input = lines.join("\n") + "\n";
    let env = Env::new();
    let out = env.ok_str(&["compress", "--format", "json"], &input);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["kind"], "json");
    let out = compress_keeps(&input, &["latency=12000ms", "upstream connect failed"], 0.9);
    assert!(out.ends_with('\n'));
    for line in out.lines() {
        assert!(
            lines.iter().any(|l| l == line) || line.starts_with("[headroom: "),
            "not an input line: {line}"
        );
    }
    assert!(out.contains("records omitted ("), "{out}");
    let first = out.lines().next().unwrap();
    assert_eq!(first, lines[0]);
    assert_eq!(out.lines().last().unwrap(), lines[4999]);
}

#[test]
fn go_test_json_stays_a_log() {
    let lines: Vec<String> = (0..300)
        .map(|i| format!(r#"{{"Time":"2024-01-01T00:00:00Z","Action":"pass","Package":"example.com/p","Test":"TestN{i}","Elapsed":0.01}}"#))
        .collect();
    let env = Env::new();
    let out = env.ok_str(&["compress", "--format", "json"], lines.join("\n") + "\n");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["kind"], "log");
}

#[test]
fn json_with_a_byte_order_mark_is_compressed() {
    let items: Vec<String> = (0..50)
        .map(|i| format!(r#"{{"id": {i}, "name": "user{i}", "plan": "free"}}"#))
        .collect();
    let input = format!("\u{feff}[\n  {}\n]\n", items.join(",\n  "));
    let env = Env::new();
    let out = env.ok_str(&["compress"], &input);
    assert!(
        out.starts_with("[50]{id,name,plan=free}\n0,user0\n"),
        "{out}"
    );
}

#[test]
fn a_huge_single_line_keeps_items_not_just_a_marker() {
    let items: Vec<String> = (0..40_000)
        .map(|i| {
            let status = if i == 31_337 { "failed" } else { "ok" };
            format!(
                r#"{{"id":{i},"user":"u{}","status":"{status}","tags":["a","b"]}}"#,
                i % 977
            )
        })
        .collect();
    let input = format!("[{}]", items.join(","));
    assert!(!input.contains('\n'));
    let out = compress_keeps(&input, &["31337", "failed", "39999"], 0.9);
    assert!(out.lines().count() > 5, "{out}");
}
