//! `headroom compress` on source files: outlines that keep every signature,
//! markers that retrieve the exact original, passthrough of what does not parse.

use crate::support::{self, Env};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/code");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

#[test]
fn files_in_every_language_are_outlined_and_retrievable() {
    let env = Env::new();
    for name in [
        "records.py",
        "records.go",
        "records.rs",
        "Records.java",
        "records.js",
        "records.ts",
        "records.c",
        "records.cc",
    ] {
        let original = fixture(name);
        let path = format!("{FIXTURES}/{name}");
        let out = env.ok_str(&["compress", &path], "");
        assert!(
            support::tokens(&out) * 10 <= support::tokens(&original) * 6,
            "{name}: too little saved"
        );
        let hashes = support::hashes(&out);
        assert_eq!(hashes.len(), 1, "{name}: one store entry per input");
        let back = env.ok(&["retrieve", &hashes[0]], "");
        assert_eq!(
            back,
            original.as_bytes(),
            "{name}: retrieve returns the exact original"
        );
    }
}

#[test]
fn stdin_is_detected_as_code_and_signatures_survive() {
    let env = Env::new();
    let original = fixture("records.go");
    let out = env.ok_str(&["compress", "--type", "auto"], &original);
    assert_ne!(out, original);
    for line in original.lines().filter(|l| l.starts_with("func ")) {
        assert!(out.contains(line), "lost {line:?}");
    }
    assert!(out.contains("// [headroom: "));
}

#[test]
fn the_query_keeps_the_function_it_names_whole() {
    let env = Env::new();
    let original = fixture("records.py");
    // The longest top-level function in the fixture.
    let start = original.find("\ndef ").unwrap() + 1;
    let name_end = original[start + 4..].find('(').unwrap() + start + 4;
    let name = &original[start + 4..name_end];
    let body_end = original[start..]
        .find("\n\n\n")
        .map_or(original.len(), |i| start + i);
    let whole = &original[start..body_end];
    let plain = env.ok_str(&["compress"], &original);
    let asked = env.ok_str(
        &["compress", "--query", &format!("what does {name} do?")],
        &original,
    );
    assert!(asked.contains(whole), "{name} not whole:\n{asked}");
    assert!(asked.len() > plain.len());
}

#[test]
fn lossless_and_unparseable_input_pass_through() {
    let env = Env::new();
    let original = fixture("records.rs");
    assert_eq!(env.ok_str(&["compress", "--lossless"], &original), original);
    let broken = original.replacen("pub fn", "pub fn (", 40);
    assert_eq!(env.ok_str(&["compress", "--type", "code"], &broken), broken);
    let prose = "Plain words, not a program.\n".repeat(200);
    assert_eq!(env.ok_str(&["compress", "--type", "code"], &prose), prose);
}

#[test]
fn output_is_deterministic() {
    let env = Env::new();
    let original = fixture("records.ts");
    let a = env.ok(&["compress"], &original);
    let b = env.ok(&["compress"], &original);
    assert_eq!(a, b);
}

#[test]
fn a_folded_function_comes_back_whole_by_name() {
    let env = Env::new();
    let original = fixture("records.py");
    let out = env.ok_str(&["compress", &format!("{FIXTURES}/records.py")], "");
    // Pick a function whose body was folded: its def line is followed by a marker.
    let lines: Vec<&str> = out.lines().collect();
    let def = lines
        .windows(3)
        .find(|w| {
            w[0].trim_start().starts_with("def ") && w.iter().any(|l| l.contains("[headroom: "))
        })
        .map(|w| w[0])
        .expect("a folded function");
    let name = def
        .trim_start()
        .trim_start_matches("def ")
        .split('(')
        .next()
        .unwrap();
    let hash = &support::hashes(&out)[0];
    let got = env.ok_str(&["retrieve", hash, "--query", name], "");
    // The exact source text of that function, from its def line on.
    let start = original.find(def.trim_start()).unwrap();
    let body_line = original[start..].lines().nth(1).unwrap();
    assert!(got.contains(def.trim_start()), "{got}");
    assert!(got.contains(body_line), "body missing:\n{got}");
    assert!(!got.contains("[headroom: "));
}
