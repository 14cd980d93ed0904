//! The faithfulness contract of line-oriented kinds (DESIGN §3.5), as
//! property tests through the library: every output line is an input line
//! (after removing ANSI escapes and trailing whitespace), in order, or a
//! marker line; two markers never follow each other; every marker
//! retrieves the exact input; with `--type lines` the first and last lines
//! are kept. Generated inputs mix the shapes agents read (tables, paths,
//! KEY=VALUE, trees, log lines, prose, failures, colour, CRLF).
//!
//! Search output may also print a hit under its path instead of on the
//! path's line (ripgrep's `--heading` form), so a search output line is
//! exactly one of:
//! * an input line, in order;
//! * a path heading: the path of a later input hit (`PATH:N:…`, `PATH-N-…`);
//! * a hit under a heading: `PATH` + `:` or `-` + the line is an input line,
//!   in order, `PATH` being the heading above it;
//! * a heading-form hit printed flat: `PATH` + `:` or `-` + an input line
//!   (in order) that stood under the input heading `PATH`;
//! * a gap line: `… N [more] match(es) [in PATH] (line A | lines A-B)` or
//!   `… N match(es) in M more file(s)`;
//! * a marker line.

use headroom::ccr::{hashes_in, parse_marker_line};
use headroom::compress::Context;
use headroom::pipeline::{self, Kind};
use headroom::relevance::Query;
use proptest::prelude::*;
use regex::Regex;

use crate::support::{MemSink, tokens};

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

/// `:N:` or `-N-` (or `:N-`…) after a path: what makes a line a hit of that path.
fn is_hit_rest(rest: &str) -> bool {
    let Some(r) = rest.strip_prefix([':', '-']) else {
        return false;
    };
    let digits = r.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && r[digits..].starts_with([':', '-'])
}

/// A search gap line (`… 3 more matches (lines 10-80)`), never a data line.
fn is_gap_line(line: &str) -> bool {
    static GAP: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(concat!(
            r"^… \d+( more)? match(es)?( in \S+)? \((line \d+|lines \d+-\d+)\)$",
            r"|^… \d+ match(es)? in \d+ more files?$",
        ))
        .unwrap()
    });
    GAP.is_match(line)
}

/// What a search output line that is not itself an input line stands for.
enum Source {
    /// The path of a later input hit.
    Heading,
    /// The input line at this index.
    Line(usize),
}

/// Where a search output line that is not itself an input line comes from,
/// if anywhere (see the module's doc), looking at input lines from `at` on.
fn search_source(
    line: &str,
    originals: &[String],
    at: usize,
    heading: Option<&str>,
) -> Option<Source> {
    if let Some(p) = heading {
        let found = originals[at..].iter().position(|l| {
            l.strip_prefix(p)
                .is_some_and(|r| is_hit_rest(r) && &r[1..] == line)
        });
        if let Some(found) = found {
            return Some(Source::Line(at + found));
        }
    }
    if originals[at..]
        .iter()
        .any(|l| l.strip_prefix(line).is_some_and(is_hit_rest))
    {
        return Some(Source::Heading);
    }
    (at..originals.len()).map(Source::Line).find(|s| {
        let Source::Line(j) = *s else { return false };
        let Some(prefix) = line.strip_suffix(originals[j].as_str()) else {
            return false;
        };
        let Some(path) = prefix.strip_suffix([':', '-']) else {
            return false;
        };
        !path.is_empty() && originals[..j].iter().any(|l| l == path)
    })
}

/// Checks the contract for one run; `ends` also requires the first and last lines.
fn check(
    input: &str,
    kind: Option<Kind>,
    query: &str,
    lossless: bool,
    ends: bool,
) -> Result<Option<Kind>, TestCaseError> {
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
    let search = out.kind == Some(Kind::Search);
    let mut at = 0;
    let mut marker_before = false;
    let mut heading: Option<String> = None;
    for line in text.lines() {
        if parse_marker_line(line).is_some() {
            prop_assert!(!marker_before, "two markers in a row:\n{}", text);
            marker_before = true;
            continue;
        }
        marker_before = false;
        if search && is_gap_line(line) {
            continue;
        }
        let line = shown(line);
        let path_like = |l: &str| {
            search
                && originals[at..]
                    .iter()
                    .any(|o| o.strip_prefix(l).is_some_and(is_hit_rest))
        };
        match originals[at..].iter().position(|l| *l == line) {
            Some(found) => {
                if path_like(&line) {
                    heading = Some(line.clone());
                }
                at += found + 1;
            }
            None if search => match search_source(&line, &originals, at, heading.as_deref()) {
                Some(Source::Heading) => heading = Some(line),
                Some(Source::Line(j)) => at = j + 1,
                None => prop_assert!(
                    false,
                    "{:?} is neither an input line, a heading, a hit under one nor a gap line, in order:\n{}",
                    line,
                    text
                ),
            },
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
    Ok(out.kind)
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

/// grep -n / ripgrep output: files of hits with growing line numbers,
/// context lines after `--`, flat (`PATH:N:…`) or under headings
/// (`rg --heading`), with odd lines (`rg: …: Permission denied`).
fn search_output() -> impl Strategy<Value = String> {
    let file = ("[a-z]{2,8}", 1usize..40, line(), any::<bool>());
    (proptest::collection::vec(file, 1..10), any::<bool>()).prop_map(|(files, headings)| {
        let mut s = String::new();
        for (f, (name, hits, content, context)) in files.into_iter().enumerate() {
            let path = format!("src/{name}_{f}.rs");
            if headings {
                if f > 0 {
                    s.push('\n');
                }
                s.push_str(&path);
                s.push('\n');
            }
            let mut number = 0;
            for i in 0..hits {
                number += 1 + (i * 7) % 13;
                let body = content.replacen('0', &i.to_string(), 1);
                let context_line = context && i % 5 == 4;
                if context_line {
                    s.push_str("--\n");
                }
                let sep = if context_line { '-' } else { ':' };
                if headings {
                    s.push_str(&format!("{number}{sep}{body}\n"));
                } else {
                    s.push_str(&format!("{path}{sep}{number}{sep}{body}\n"));
                }
            }
            if f == 2 {
                s.push_str("rg: src/secret: Permission denied (os error 13)\n");
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
    fn search_output_keeps_the_contract(input in search_output(), q in prop_oneof![Just(String::new()), "[a-z]{3,8}", Just("CrashLoopBackOff".to_string())]) {
        for kind in [None, Some(Kind::Search)] {
            for lossless in [false, true] {
                let detected = check(&input, kind, &q, lossless, false)?;
                prop_assert_eq!(detected, Some(Kind::Search), "{}", input);
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

/// The search rules accept only what the module's doc lists.
#[test]
fn search_lines_are_told_apart() {
    let originals: Vec<String> = ["src/a.rs:3:let x = 1;", "src/b.rs", "7-fn f() {}"]
        .map(String::from)
        .to_vec();
    let at = |line: &str, heading: Option<&str>| match search_source(line, &originals, 0, heading) {
        Some(Source::Heading) => Some("heading".to_string()),
        Some(Source::Line(j)) => Some(j.to_string()),
        None => None,
    };
    assert_eq!(at("src/a.rs", None).as_deref(), Some("heading"));
    assert_eq!(at("3:let x = 1;", Some("src/a.rs")).as_deref(), Some("0"));
    assert_eq!(at("src/b.rs-7-fn f() {}", None).as_deref(), Some("2"));
    assert_eq!(at("3:let x = 2;", Some("src/a.rs")), None);
    assert_eq!(at("src/c.rs", None), None);
    assert_eq!(at("src/a.rs:4:let x = 1;", None), None);
    assert!(is_gap_line("… 3 more matches (lines 10-80)"));
    assert!(is_gap_line("… 1 match in src/a.rs (line 9)"));
    assert!(is_gap_line("… 12 matches in 4 more files"));
    assert!(!is_gap_line("… 3 more matches (lines 10-80) and a fact"));
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
