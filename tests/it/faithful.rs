//! The faithfulness contract of line-oriented kinds (DESIGN §3.5), as
//! property tests through the library: every output line is an input line
//! (after removing ANSI escapes and trailing whitespace), in order, or a
//! marker line; two markers never follow each other; every marker
//! retrieves the exact input; with `--type lines` the first and last lines
//! are kept. Generated inputs mix the shapes agents read (tables, paths,
//! KEY=VALUE, trees, log lines, prose, failures, colour, CRLF).

use std::collections::HashMap;
use std::sync::Mutex;

use headroom::ccr::{Sink, hash_of, hashes_in, parse_marker_line};
use headroom::compress::Context;
use headroom::pipeline::{self, Kind};
use headroom::relevance::Query;
use proptest::prelude::*;

use crate::support::tokens;

#[derive(Default)]
struct MemSink(Mutex<HashMap<String, Vec<u8>>>);

impl Sink for MemSink {
    fn store(&self, original: &[u8], _kind: &str) -> Option<String> {
        let h = hash_of(original);
        self.0.lock().unwrap().insert(h.clone(), original.to_vec());
        Some(h)
    }
}

/// What a terminal shows of `line`: no escapes, no trailing whitespace.
fn shown(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out.trim_end().to_string()
}

/// Checks the contract for one run; `ends` also requires the first and last lines.
fn check(
    input: &str,
    kind: Option<Kind>,
    query: &str,
    lossless: bool,
    ends: bool,
) -> Result<(), TestCaseError> {
    let sink = MemSink::default();
    let cost = |s: &str| tokens(s);
    let ctx = Context {
        query: Query::parse(query),
        lossless,
        valid_json: false,
        sink: Some(&sink),
        via: Default::default(),
        cost: &cost,
        lossy_min_tokens: 100,
    };
    let out = pipeline::run(input.as_bytes(), kind, &ctx);
    let text = String::from_utf8(out.output).unwrap();
    let originals: Vec<String> = input.split('\n').map(shown).collect();
    let mut at = 0;
    let mut marker_before = false;
    for line in text.lines() {
        if parse_marker_line(line).is_some() {
            prop_assert!(!marker_before, "two markers in a row:\n{}", text);
            marker_before = true;
            continue;
        }
        marker_before = false;
        let line = shown(line);
        match originals[at..].iter().position(|l| *l == line) {
            Some(found) => at += found + 1,
            None => prop_assert!(
                false,
                "{:?} is not an input line in order ({:?}):\n{}",
                line,
                kind,
                text
            ),
        }
    }
    for h in hashes_in(&text) {
        let stored = sink.0.lock().unwrap().get(&h).cloned();
        prop_assert_eq!(stored.as_deref(), Some(input.as_bytes()));
    }
    prop_assert!(!lossless || hashes_in(&text).is_empty());
    if ends {
        let kept: Vec<String> = text.lines().map(shown).collect();
        let first = originals.iter().find(|l| !l.is_empty());
        let last = originals.iter().rfind(|l| !l.is_empty());
        for end in first.into_iter().chain(last) {
            prop_assert!(kept.contains(end), "{:?} lost:\n{}", end, text);
        }
    }
    Ok(())
}

/// One line of any of the shapes command output is made of.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            0u32..5000,
            0u32..100,
            "[a-z]{3,9}",
            prop_oneof![
                Just("Running"),
                Just("Running"),
                Just("Running"),
                Just("CrashLoopBackOff"),
                Just("Pending")
            ]
        )
            .prop_map(|(pid, cpu, name, status)| format!(
                "{name:<12}{pid:>6}  {cpu:>3}.0  {status:<18}/usr/bin/{name} --port {pid}"
            )),
        ("[a-z]{2,8}", "[a-z]{2,8}", "[a-z_]{2,8}")
            .prop_map(|(a, b, c)| format!("/srv/{a}/{b}/{c}.rs")),
        ("[A-Z_]{3,12}", "[ -~]{0,30}").prop_map(|(k, v)| format!("{k}={v}")),
        (0usize..4, "[a-z-]{3,10}", 0u32..20, 0u32..99)
            .prop_map(|(d, n, a, b)| format!("{}├── {n} v{a}.{b}.0", "│   ".repeat(d))),
        (
            0u32..60,
            prop_oneof![
                Just("INFO"),
                Just("INFO"),
                Just("WARN"),
                Just("ERROR"),
                Just("DEBUG")
            ],
            0u32..20000
        )
            .prop_map(|(s, level, ms)| format!(
                "2024-03-01 12:00:{s:02} {level} request served in latency={ms}ms"
            )),
        Just("The deploy finished and every service reported healthy.".to_string()),
        "[a-z]{2,8}( [a-z]{2,8}){3,9}\\.".prop_map(|s| s),
        Just("error: could not compile `api` due to 2 previous errors".to_string()),
        Just(String::new()),
        "[ -~]{0,60}".prop_map(|s| s),
        "[a-z]{3,8}".prop_map(|s| format!("\x1b[1;31m{s}\x1b[0m   ")),
        "[a-z]{3,8}".prop_map(|s| format!("{s}\r")),
        "\\PC{0,20}".prop_map(|s| s),
    ]
}

/// Runs of one shape (what command output is) mixed with single odd lines.
fn output() -> impl Strategy<Value = String> {
    proptest::collection::vec((line(), 1usize..60), 1..12).prop_map(|runs| {
        let mut s = String::new();
        for (l, n) in runs {
            for i in 0..n {
                // Vary numbers so the run is a shape, not one repeated line.
                s.push_str(&l.replacen("0", &i.to_string(), 1));
                s.push('\n');
            }
        }
        s
    })
}

const KINDS: [Option<Kind>; 5] = [
    None,
    Some(Kind::Lines),
    Some(Kind::Text),
    Some(Kind::Log),
    Some(Kind::Search),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_kept_line_is_an_input_line_in_order(input in output(), q in prop_oneof![Just(String::new()), "[a-z]{3,8}", Just("CrashLoopBackOff".to_string())]) {
        for kind in KINDS {
            for lossless in [false, true] {
                check(&input, kind, &q, lossless, kind == Some(Kind::Lines) && !lossless)?;
            }
        }
    }

    #[test]
    fn random_text_keeps_the_contract(input in "([ -~]{0,60}\n){0,200}") {
        for kind in KINDS {
            check(&input, kind, "", false, false)?;
        }
    }
}

/// The shapes of the integration fixtures, fixed: each kind, each mode.
#[test]
fn fixtures_keep_the_contract() {
    for input in crate::lines::fixtures() {
        for kind in KINDS {
            for (q, lossless) in [("", false), ("CrashLoopBackOff", false), ("", true)] {
                check(
                    &input,
                    kind,
                    q,
                    lossless,
                    kind == Some(Kind::Lines) && !lossless,
                )
                .unwrap();
            }
        }
    }
}
