//! `headroom compress` on JSON through the real binary.

use std::io::Read;
use std::process::Stdio;

use headroom::compress::json::{table, value};

use crate::support::{Env, hashes, log_records, tokens};

fn uniform_rows(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id":{i},"name":"user{i}","email":"user{i}@example.com","active":{},"plan":"{}","country":"{}","created_at":"2024-01-{:02}T10:00:00Z"}}"#,
                i % 3 != 0,
                ["free", "pro", "team"][i % 3],
                ["DE", "US", "FR", "JP"][i % 4],
                1 + i % 28
            )
        })
        .collect();
    format!("[{}]", rows.join(",\n  "))
}

#[test]
fn uniform_records_become_a_table() {
    let env = Env::new();
    let input = uniform_rows(3);
    let out = env.ok_str(&["compress"], &input);
    assert_eq!(
        out,
        "[3]{id,name,email,active,plan,country,created_at}\n\
         0,user0,user0@example.com,false,free,DE,2024-01-01T10:00:00Z\n\
         1,user1,user1@example.com,true,pro,US,2024-01-02T10:00:00Z\n\
         2,user2,user2@example.com,true,team,FR,2024-01-03T10:00:00Z"
    );
}

#[test]
fn lossless_tables_decode_to_the_input_and_save_a_third() {
    let env = Env::new();
    let input = uniform_rows(200);
    let out = env.ok_str(&["compress", "--lossless"], &input);
    assert!(hashes(&out).is_empty(), "lossless output has a marker");
    assert_eq!(table::decode(&out).unwrap(), value::parse(&input).unwrap());
    let saved = 1.0 - tokens(&out) as f64 / tokens(&input) as f64;
    assert!(saved >= 0.35, "lossless saved only {saved:.2}");
    assert!(
        !env.store_path().exists(),
        "lossless mode wrote to the store"
    );
}

#[test]
fn repetitive_records_shrink_by_seventy_percent_and_keep_the_error() {
    let env = Env::new();
    let input = log_records(300, 157);
    let out = env.ok_str(&["compress"], &input);
    let saved = 1.0 - tokens(&out) as f64 / tokens(&input) as f64;
    assert!(saved >= 0.70, "saved only {saved:.2}:\n{out}");
    assert!(out.contains("payment failed: card declined for order 4242"));
    let hs = hashes(&out);
    assert_eq!(hs.len(), 1, "one original per input:\n{out}");
    // Every omitted item is retrievable: the original comes back byte for byte.
    assert_eq!(env.ok(&["retrieve", &hs[0]], ""), input.as_bytes());
    // Markers count what they stand for.
    assert!(
        out.contains("items omitted (") && out.contains("level=INFO"),
        "{out}"
    );
}

#[test]
fn report_format_json_has_every_field() {
    let env = Env::new();
    let input = log_records(120, 3);
    let out = env.ok_str(&["compress", "--format", "json"], &input);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in [
        "output",
        "kind",
        "tokens_before",
        "tokens_after",
        "saved_pct",
        "hashes",
        "transforms",
        "ms",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {out}");
    }
    assert_eq!(v["kind"], "json");
    assert_eq!(
        v["tokens_before"].as_u64().unwrap() as usize,
        tokens(&input)
    );
    assert_eq!(
        v["tokens_after"].as_u64().unwrap() as usize,
        tokens(v["output"].as_str().unwrap())
    );
    assert_eq!(v["hashes"].as_array().unwrap().len(), 1);
}

#[test]
fn valid_json_keeps_output_parseable_with_sentinels() {
    let env = Env::new();
    let input = log_records(200, 50);
    let out = env.ok_str(&["compress", "--valid-json"], &input);
    let v: serde_json::Value = serde_json::from_str(&out).expect("output is JSON");
    let items = v.as_array().unwrap();
    let sentinels: Vec<&str> = items
        .iter()
        .filter_map(|i| i.get("_headroom").and_then(|s| s.as_str()))
        .collect();
    assert!(!sentinels.is_empty());
    assert!(
        sentinels
            .iter()
            .all(|s| s.contains("items omitted") && s.contains("retrieve: headroom retrieve "))
    );
    assert!(out.contains("payment failed"));
}

#[test]
fn query_keeps_the_matching_item() {
    let env = Env::new();
    let input = log_records(300, 10);
    let out = env.ok_str(
        &["compress", "--query", "what happened to /api/items/1234?"],
        &input,
    );
    assert!(out.contains("/api/items/1234 "), "{out}");
}

#[test]
fn order_is_kept() {
    let env = Env::new();
    let input = log_records(400, 200);
    let out = env.ok_str(&["compress", "--valid-json"], &input);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let stamps: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i.get("request_id")?.as_str())
        .collect();
    let positions: Vec<usize> = stamps.iter().map(|s| input.find(s).unwrap()).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "items out of order"
    );
}

#[test]
fn no_store_writes_nothing_and_drops_nothing() {
    let env = Env::new();
    let input = log_records(300, 157);
    let out = env.ok_str(&["compress", "--no-store"], &input);
    assert!(hashes(&out).is_empty());
    assert!(!env.store_path().exists());
    assert_eq!(table::decode(&out).unwrap(), value::parse(&input).unwrap());
}

#[test]
fn malformed_binary_and_empty_input_pass_through_byte_identical() {
    let env = Env::new();
    let cases: Vec<Vec<u8>> = vec![
        b"{\"a\": [1, 2,, 3]}".to_vec(),
        b"[{\"a\":1},{\"a\":2}".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x41, 0x80],
        b"\x00\x01binary\x00".to_vec(),
        Vec::new(),
        b"just some words".to_vec(),
    ];
    for input in cases {
        for args in [&["compress"][..], &["compress", "--type", "json"][..]] {
            let out = env.ok(args, &input);
            assert_eq!(out, input, "{args:?} changed {input:?}");
        }
    }
}

#[test]
fn small_inputs_that_cannot_shrink_are_unchanged() {
    let env = Env::new();
    let input = r#"{"a":1}"#;
    assert_eq!(env.ok_str(&["compress"], input), input);
}

#[test]
fn several_files_get_headers_and_a_bad_file_fails_alone() {
    let env = Env::new();
    let a = env.file("a.json", uniform_rows(3));
    let b = env.file("b.txt", "plain text\n");
    let missing = env.dir.path().join("missing.json");
    let out = env.run(
        &[
            "compress",
            a.to_str().unwrap(),
            missing.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with(&format!("==> {} <==\n[3]{{", a.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("\n\n==> {} <==\nplain text\n", b.display())),
        "{stdout}"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("missing.json") && stderr.starts_with("headroom: error:"),
        "{stderr}"
    );
}

#[test]
fn stats_go_to_stderr_only() {
    let env = Env::new();
    let input = log_records(100, 1);
    let out = env.run(&["compress", "--stats"], &input);
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("json,") && stderr.contains("tokens") && stderr.contains("% saved"),
        "{stderr}"
    );
    assert!(!String::from_utf8(out.stdout).unwrap().contains("saved"));
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    assert_eq!(
        env.run(&["compress", "--type", "yaml"], "").status.code(),
        Some(2)
    );
    assert_eq!(env.run(&["compress", "--bogus"], "").status.code(), Some(2));
    assert_eq!(
        env.run(&["retrieve", "not-a-hash"], "").status.code(),
        Some(2)
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let env = Env::new();
    let big = env.file("big.json", uniform_rows(20_000));
    let mut child = env
        .cmd(&["compress", "--lossless", big.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ten_processes_compress_at_once_and_every_original_is_retrievable() {
    let env = Env::new();
    let inputs: Vec<String> = (0..10).map(|k| log_records(150 + k * 10, k * 7)).collect();
    let children: Vec<_> = inputs
        .iter()
        .enumerate()
        .map(|(k, input)| {
            let path = env.file(&format!("in{k}.json"), input);
            env.cmd(&["compress", path.to_str().unwrap()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (child, input) in children.into_iter().zip(&inputs) {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let hs = hashes(&text);
        assert_eq!(hs.len(), 1);
        assert_eq!(env.ok(&["retrieve", &hs[0]], ""), input.as_bytes());
    }
}

#[test]
fn deterministic_across_runs_and_stores() {
    let input = log_records(500, 250);
    let a = Env::new().ok(&["compress", "--query", "declined"], &input);
    let b = Env::new().ok(&["compress", "--query", "declined"], &input);
    assert_eq!(a, b);
}

#[test]
fn opaque_blobs_move_to_the_store() {
    let env = Env::new();
    let blob: String = (0..4000)
        .map(|i| (b'A' + (i * 7 % 26) as u8) as char)
        .chain("+/09".chars())
        .collect();
    let items: Vec<String> = (0..30)
        .map(|i| format!(r#"{{"id":{i},"note":"n{i}"}}"#))
        .collect();
    let input = format!(r#"{{"attachment":"{blob}","items":[{}]}}"#, items.join(","));
    let out = env.ok_str(&["compress"], &input);
    assert!(!out.contains(&blob[..100]));
    assert!(out.contains("base64 string of 3.9 KB omitted"), "{out}");
    let hs = hashes(&out);
    assert_eq!(env.ok(&["retrieve", &hs[0]], ""), blob.as_bytes());
}

#[test]
fn long_arrays_of_numbers_and_near_duplicate_strings_shrink_by_95_percent() {
    let env = Env::new();
    let numbers: Vec<String> = (0..5000)
        .map(|i| format!("{}", 100 + (i * 37) % 23))
        .collect();
    let mut numbers = numbers;
    numbers[4321] = "99999".into();
    let input = format!("[{}]", numbers.join(","));
    let out = env.ok_str(&["compress"], &input);
    assert!(out.contains("99999"));
    assert!(
        tokens(&out) * 20 <= tokens(&input),
        "numbers: {} -> {}",
        tokens(&input),
        tokens(&out)
    );

    let strings: Vec<String> = (0..3000)
        .map(|i| format!("\"worker {} heartbeat ok\"", i % 50))
        .collect();
    let mut strings = strings;
    strings[1777] = "\"worker 17 crashed: out of memory\"".into();
    let input = format!("[{}]", strings.join(","));
    let out = env.ok_str(&["compress"], &input);
    assert!(out.contains("worker 17 crashed: out of memory"));
    assert!(
        tokens(&out) * 20 <= tokens(&input),
        "strings: {} -> {}",
        tokens(&input),
        tokens(&out)
    );
}

#[test]
fn inputs_over_the_size_limit_pass_through() {
    let env = Env::new();
    let mut input = b"[".to_vec();
    input.resize(headroom::pipeline::MAX_INPUT_BYTES + 1, b' ');
    let path = env.file("huge.json", &input);
    let out = env.run(&["compress", "--stats", path.to_str().unwrap()], "");
    assert!(out.status.success());
    assert!(out.stdout == input, "huge input changed");
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("larger than 64 MiB")
    );
}

#[test]
fn a_ten_megabyte_string_does_not_break_anything() {
    let env = Env::new();
    // A minified blob: ten megabytes on one line, as words and numbers.
    let long = "lorem ipsum 12345 dolor sit amet ".repeat((10 << 20) / 33);
    let input = format!(r#"[{{"a":"{long}"}},{{"a":"b"}}]"#);
    let out = env.ok(&["compress"], &input);
    assert!(out.len() <= input.len());
}

#[test]
fn a_closed_output_pipe_is_not_an_error_in_any_format() {
    let env = Env::new();
    let file = env.file("records.json", log_records(300, 5));
    for format in ["text", "json"] {
        let c = env.cmd(&["compress", "--format", format, file.to_str().unwrap()]);
        let out = crate::support::run_with_closed_stdout(c);
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert!(
            out.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn output_keeps_the_inputs_final_newline() {
    let env = Env::new();
    for (input, flags) in [
        (log_records(300, 5) + "\n", vec!["compress"]),
        (log_records(300, 5) + "\n", vec!["compress", "--valid-json"]),
        (log_records(300, 5) + "\n", vec!["compress", "--lossless"]),
    ] {
        let out = env.ok_str(&flags, &input);
        assert!(out.len() < input.len(), "{flags:?} did not compress");
        assert!(
            out.ends_with('\n') && !out.ends_with("\n\n"),
            "{flags:?}: {out}"
        );
    }
    // Without a final newline, none is added.
    let out = env.ok_str(&["compress"], log_records(300, 5));
    assert!(!out.ends_with('\n'), "{out}");
}

#[test]
fn input_passed_through_uncounted_is_never_reported_as_zero_tokens() {
    let env = Env::new();
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 256) as u8).collect();
    let out = env.run(&["compress", "--stats"], &binary);
    assert_eq!(out.stdout, binary);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "headroom: -: 4,096 bytes passed through unchanged (binary or not UTF-8), not counted\n"
    );
    let json = env.ok_str(&["compress", "--format", "json"], &binary);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        v["tokens_before"].is_null() && v["tokens_after"].is_null(),
        "{v}"
    );
    // Over the size limit: passed through whole, with its real size.
    let big = "2024-01-01 INFO ok\n".repeat(64 * 1024 * 1024 / 19 + 1);
    let file = env.file("big.log", &big);
    let out = env.run(&["compress", "--stats", file.to_str().unwrap()], "");
    assert!(out.status.success());
    assert_eq!(out.stdout.len(), big.len());
    let stats = String::from_utf8(out.stderr).unwrap();
    assert!(
        stats.contains("bytes passed through unchanged (larger than 64 MiB), not counted"),
        "{stats}"
    );
}
