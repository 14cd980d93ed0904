//! `headroom compress` on grep/ripgrep output through the real binary.

use crate::support::{Env, hashes, tokens};

/// `rg -n` output over a made-up repository: one definition of
/// `load_config`, many call sites, docs and tests, in `files` files.
fn rg_output(files: usize) -> String {
    let mut out = String::new();
    for f in 0..files {
        let path = match f % 4 {
            0 => format!("docs/guide/part{f}.md"),
            1 => format!("tests/config_{f}.rs"),
            _ => format!("src/module_{f}/mod.rs"),
        };
        for k in 0..12 {
            let line = 7 + 13 * k;
            let content = if f == 6 && k == 5 {
                "pub fn load_config(path: &Path) -> Result<Config, ConfigError> {".to_string()
            } else if path.ends_with(".md") {
                format!(
                    "Call `load_config` with the path of section {k} before starting the server."
                )
            } else if path.starts_with("tests/") {
                format!("    let cfg = load_config(&fixture(\"case_{k}.toml\")).unwrap();")
            } else {
                format!("        let config = load_config(&self.paths[{k}])?; // step {k}")
            };
            out.push_str(&format!("{path}:{line}:{content}\n"));
        }
    }
    out
}

/// The flat lines a grouped output stands for: `path:N:content` under a heading.
fn flatten(grouped: &str) -> Vec<String> {
    let mut path = String::new();
    let mut lines = Vec::new();
    for l in grouped.lines() {
        if l.starts_with('…') || l.starts_with("[headroom") || l == "--" {
            continue;
        }
        if l.starts_with(|c: char| c.is_ascii_digit()) {
            let sep = l.find([':', '-']).map(|i| &l[i..=i]).unwrap();
            lines.push(format!("{path}{sep}{l}"));
        } else {
            path = l.to_string();
        }
    }
    lines
}

#[test]
fn is_detected_as_search() {
    let env = Env::new();
    let json = env.ok_str(&["compress", "--format", "json"], rg_output(10));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["kind"], "search");
}

#[test]
fn keeps_the_definition_halves_the_tokens_and_alters_no_line() {
    let env = Env::new();
    let input = rg_output(20);
    let out = env.ok_str(
        &["compress", "--query", "Where is load_config defined?"],
        &input,
    );
    let saved = 1.0 - tokens(&out) as f64 / tokens(&input) as f64;
    assert!(saved >= 0.5, "saved only {saved:.2}:\n{out}");
    assert!(out.contains("src/module_6/mod.rs\n"), "{out}");
    assert!(out.contains("72:pub fn load_config(path: &Path) -> Result<Config, ConfigError> {"));
    // Every kept line is an input line, in input order.
    let mut from = 0;
    for line in flatten(&out) {
        let at = input[from..]
            .find(&format!("{line}\n"))
            .unwrap_or_else(|| panic!("not an input line: {line}"));
        from += at;
    }
    // Every file is still named, and the marker retrieves the exact input.
    for f in 0..20 {
        let named = [
            format!("part{f}.md"),
            format!("config_{f}.rs"),
            format!("module_{f}/"),
        ];
        assert!(
            named.iter().any(|n| out.contains(n.as_str())),
            "file {f} vanished:\n{out}"
        );
    }
    let hs = hashes(&out);
    assert_eq!(hs.len(), 1);
    assert_eq!(env.ok_str(&["retrieve", &hs[0]], ""), input);
}

#[test]
fn output_is_deterministic() {
    let env = Env::new();
    let input = rg_output(20);
    let a = env.ok(&["compress", "--query", "load_config"], &input);
    let b = env.ok(&["compress", "--query", "load_config"], &input);
    assert_eq!(a, b);
}

#[test]
fn lossless_mode_only_groups_by_file() {
    let env = Env::new();
    let input = rg_output(20);
    let out = env.ok_str(&["compress", "--lossless"], &input);
    assert!(hashes(&out).is_empty());
    assert_eq!(flatten(&out).join("\n") + "\n", input);
    assert!(tokens(&out) < tokens(&input));
}

#[test]
fn context_lines_stay_with_their_match() {
    let env = Env::new();
    let mut input = String::new();
    for f in 0..30 {
        for k in 0..4 {
            let n = 100 * k + 10;
            input.push_str(&format!("lib/part-{f}/file.py-{}-    # setup {k}\n", n - 1));
            let body = if f == 17 && k == 2 {
                "def retry_request(session, attempts=3):".to_string()
            } else {
                format!("    retry_request(session, attempts={k})")
            };
            input.push_str(&format!("lib/part-{f}/file.py:{n}:{body}\n"));
            input.push_str(&format!(
                "lib/part-{f}/file.py-{}-    log.debug(\"done {k}\")\n",
                n + 1
            ));
            input.push_str("--\n");
        }
    }
    let out = env.ok_str(
        &["compress", "--query", "where is retry_request defined"],
        &input,
    );
    assert!(out.contains("lib/part-17/file.py\n"), "{out}");
    assert!(out.contains("209-    # setup 2\n210:def retry_request(session, attempts=3):\n211-    log.debug(\"done 2\")\n"), "{out}");
    assert!(out.contains("… "), "{out}");
}

#[test]
fn other_lines_survive() {
    let env = Env::new();
    let mut input = rg_output(20);
    input.push_str("rg: ./secret: Permission denied (os error 13)\n");
    let out = env.ok_str(&["compress", "--query", "load_config"], &input);
    assert!(out.contains("rg: ./secret: Permission denied (os error 13)\n"));
}

#[test]
fn few_matches_without_a_query_drop_nothing() {
    let env = Env::new();
    let input = rg_output(1);
    let out = env.ok_str(&["compress"], &input);
    assert!(hashes(&out).is_empty());
    assert_eq!(flatten(&out).join("\n") + "\n", input);
}

#[test]
fn crlf_input_is_handled() {
    let env = Env::new();
    let input = rg_output(20).replace('\n', "\r\n");
    let out = env.ok_str(
        &["compress", "--query", "Where is load_config defined?"],
        &input,
    );
    assert!(!out.contains('\r'));
    assert!(
        out.contains("72:pub fn load_config(path: &Path) -> Result<Config, ConfigError> {\n"),
        "{out}"
    );
}

#[test]
fn a_ten_megabyte_line_passes_through() {
    let env = Env::new();
    // Words, not one 10 MB word: the tokenizer that counts the input is
    // slow on a single giant word, whatever the compressor does.
    let long = "lorem ipsum ".repeat(10 << 20 >> 4);
    let input = format!("src/a.rs:1:{long}\n");
    let out = env.ok(&["compress", "--type", "search"], &input);
    assert!(out.len() <= input.len());
    let out = env.ok(&["compress", "--type", "search"], &long);
    assert_eq!(out, long.as_bytes());
}
