use super::*;
use crate::ccr::{HashOnlySink, hash_of};
use crate::relevance::Query;

fn cost(s: &str) -> usize {
    s.len() / 4 + 1
}

fn ctx(query: &str, lossless: bool) -> Context<'static> {
    Context {
        query: Query::parse(query),
        lossless,
        valid_json: false,
        sink: Some(&HashOnlySink),
        via: Default::default(),
        cost: &cost,
        lossy_min_tokens: 200,
    }
}

/// Every output line is a cleaned input line, in order, or a marker; no
/// two markers in a row; the first and last lines are kept.
fn assert_faithful(input: &str, output: &str) {
    let cleaned = clean::clean(input, false);
    let mut at = 0;
    let mut marker_before = false;
    for line in output.lines() {
        if crate::ccr::parse_marker_line(line).is_some() {
            assert!(!marker_before, "two markers in a row:\n{output}");
            marker_before = true;
            continue;
        }
        marker_before = false;
        let found = cleaned.lines[at..]
            .iter()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("{line:?} is not an input line in order:\n{output}"));
        at += found + 1;
    }
    let first = cleaned.lines.iter().find(|l| !l.trim().is_empty()).unwrap();
    let last = cleaned
        .lines
        .iter()
        .rfind(|l| !l.trim().is_empty())
        .unwrap();
    assert!(output.lines().any(|l| l == first), "first line lost");
    assert!(output.lines().any(|l| l == last), "last line lost");
}

fn events(n: usize) -> String {
    let mut s = String::from("LAST SEEN   TYPE      REASON      OBJECT           MESSAGE\n");
    for i in 0..n {
        let (ty, reason, msg) = match i {
            200 => (
                "Warning",
                "BackOff",
                "Back-off restarting failed container api in pod api-7".to_string(),
            ),
            _ if i % 2 == 0 => (
                "Normal",
                "Scheduled",
                format!("Successfully assigned default/api-{i} to node-{}", i % 5),
            ),
            _ => (
                "Normal",
                "Pulled",
                format!(
                    "Container image \"api:1.{}\" already present on machine",
                    i % 3
                ),
            ),
        };
        s.push_str(&format!(
            "{:<12}{ty:<10}{reason:<12}pod/api-{i:<8}{msg}\n",
            format!("{}m", i % 50 + 1)
        ));
    }
    s
}

#[test]
fn event_table_keeps_header_rare_rows_and_counts_categories() {
    let input = events(412);
    let out = compress(&input, &ctx("", false)).unwrap();
    assert_faithful(&input, &out.text);
    assert!(out.text.starts_with("LAST SEEN   TYPE"));
    assert!(out.text.contains("Warning   BackOff"), "{}", out.text);
    assert!(
        out.text.contains("rows omitted (") && out.text.contains("Normal Scheduled"),
        "{}",
        out.text
    );
    assert!(out.text.len() * 5 < input.len(), "{}", out.text);
    assert_eq!(out.hashes, [hash_of(input.as_bytes())]);
}

#[test]
fn query_and_failures_are_kept() {
    let input: String = (1..=300)
        .map(|i| format!("APP_SETTING_{i}=/opt/app/{i}/bin\n"))
        .collect();
    let out = compress(&input, &ctx("APP_SETTING_217", false)).unwrap();
    assert_faithful(&input, &out.text);
    assert!(
        out.text.contains("\nAPP_SETTING_217=/opt/app/217/bin\n"),
        "{}",
        out.text
    );
    assert!(!out.text.contains("\n\n"));
    let mut listing: String = (0..400)
        .map(|i| format!("/srv/app/src/module_{i}/error_{i}.rs\n"))
        .collect();
    listing.insert_str(
        listing.len() / 2,
        "find: '/srv/app/secret': Permission denied\n",
    );
    let out = compress(&listing, &ctx("", false)).unwrap();
    assert_faithful(&listing, &out.text);
    assert!(out.text.contains("Permission denied"));
    assert!(out.text.lines().count() < 12, "{}", out.text);
}

#[test]
fn lossless_only_cleans() {
    let input: String = (0..300)
        .map(|i| format!("\x1b[32mrow {i}\x1b[0m   \n"))
        .collect();
    let out = compress(&input, &ctx("", true)).unwrap();
    let want: String = (0..300).map(|i| format!("row {i}\n")).collect();
    assert_eq!(out.text, want);
    assert!(out.hashes.is_empty());
}

#[test]
fn small_input_passes_through() {
    assert_eq!(compress("a\nb\n", &ctx("", false)), None);
    assert_eq!(compress("", &ctx("", false)), None);
}
