//! The lossy stage: which lines of a log to keep, and the text with gap
//! markers where the rest was.
//!
//! Kept whatever the budget: error and failure lines (a few exemplars per
//! template when one error repeats hundreds of times) with their stack
//! traces, summaries, query matches, rare templates, rare variants of a
//! template, and the first and last lines. Everything else is folded by
//! template: the first line of each stands for the rest, and a run of
//! identical lines keeps its first. Kept lines are printed as they are
//! (nothing appended); each gap becomes one marker line counting the
//! omitted lines by level.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::classify::{self, Label, LineInfo, Tier};
use super::template::{self, Templates};
use crate::compress::lines::slots;
use crate::compress::{gaps, keep_cheap_gaps, lines_bytes, lines_cost_at_most};
use crate::relevance::{self, Query};

/// Repeated errors also keep the first line of each variant (each host,
/// each code) when a template has at most this many.
const ERROR_VARIANTS: usize = 10;
/// When a log has at most this many error lines, every one is kept (thirty
/// failing tests are thirty facts). Beyond that, repeated errors keep
/// their first few and their last occurrence per template.
const ERROR_ALL: usize = 64;
const ERROR_HEAD: usize = 3;
const ERROR_TAIL: usize = 1;
/// Repeated warnings keep two exemplars (two show what varies) and a count.
const WARN_HEAD: usize = 2;
/// Stack-trace context attached to at most this many lines per error template.
const TRACES_PER_TEMPLATE: usize = 2;
/// Lines of trace kept before and after an error line.
const TRACE_LINES: usize = 40;
/// Summary lines are kept whole unless their template is this common.
const SUMMARY_MAX_REPEAT: u32 = 20;
/// Query matches ranked by BM25, and exact anchor hits, kept at most.
const QUERY_RANKED: usize = 40;
const QUERY_ANCHORED: usize = 100;
/// Lines kept at the start and end of the log.
const HEAD: usize = 2;
const TAIL: usize = 3;

/// The lossy rendering of `lines`; `marker` turns a summary into a marker
/// line, and `cost` counts the tokens of a text (a gap that costs no more
/// than its marker is printed instead).
pub fn render(
    lines: &[Cow<'_, str>],
    trailing_newline: bool,
    query: &Query,
    marker: &dyn Fn(&str) -> String,
    cost: &dyn Fn(&str) -> usize,
) -> String {
    // Two independent passes over every line: run them side by side.
    let (infos, templates) = std::thread::scope(|s| {
        let infos = s.spawn(|| {
            lines
                .iter()
                .map(|l| classify::classify(l))
                .collect::<Vec<LineInfo>>()
        });
        let templates = template::build(lines);
        (infos.join().expect("classify does not panic"), templates)
    });
    let mut routine = super::gotest::routine_test_lines(lines);
    let restated = super::gotest::restated_lines(lines);
    routine
        .iter_mut()
        .zip(&restated)
        .for_each(|(r, &s)| *r |= s);
    let mut keep = choose(lines, &infos, &templates, &routine, query);
    // A line that a kept line repeats goes wherever it borders a gap (and
    // the first and last lines stay).
    for i in (1..lines.len().saturating_sub(1)).filter(|&i| restated[i]) {
        keep[i] = false;
    }
    // A gap that costs no more tokens than its own marker is printed as it
    // is. Only a gap near a marker's size is counted: no line of a log runs
    // at more than 16 bytes a token, nor a marker at more than 64 tokens.
    keep_cheap_gaps(&mut keep, |gap| {
        lines_bytes(&lines[gap.clone()]) <= 64 * 16 && {
            let marker_cost = cost(&marker(&gap_summary(&infos[gap.clone()])));
            lines_cost_at_most(&lines[gap], marker_cost, cost)
        }
    });
    write(lines, trailing_newline, &infos, &keep, marker)
}

/// `routine[i]`: line `i` belongs to a test that passed or was skipped, so it is never
/// kept for being rare, a summary, an outlier or sharing a word with the query.
fn choose(
    lines: &[Cow<'_, str>],
    infos: &[LineInfo],
    t: &Templates,
    routine: &[bool],
    query: &Query,
) -> Vec<bool> {
    let n = lines.len();
    let mut keep = vec![false; n];
    // The first and last lines always; the lines next to them unless they
    // belong to a test that passed (the run's end is its results, not the
    // last passing test).
    for i in (0..n.min(HEAD)).chain(n.saturating_sub(TAIL)..n) {
        keep[i] = i == 0 || i + 1 == n || !routine[i];
    }

    // Exemplars per (template, tier), in order of first appearance.
    let mut bucket_of: HashMap<(u32, Tier), usize> = HashMap::new();
    let mut buckets: Vec<Vec<usize>> = Vec::new();
    for (i, info) in infos.iter().enumerate() {
        if info.label == Label::Blank {
            continue;
        }
        let b = *bucket_of
            .entry((t.template[i], info.tier))
            .or_insert_with(|| {
                buckets.push(Vec::new());
                buckets.len() - 1
            });
        buckets[b].push(i);
    }
    // A template is rare when it holds at most about log2(n)/2 lines.
    let rare = ((usize::BITS - n.leading_zeros()) / 2).max(2);
    let mut variants_of: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut seen_variant: HashSet<u64> = HashSet::new();
    for i in 0..n {
        if seen_variant.insert(t.variant[i]) {
            variants_of.entry(t.template[i]).or_default().push(i);
        }
    }
    let few_errors = infos.iter().filter(|i| i.tier == Tier::Error).count() <= ERROR_ALL;
    for members in &buckets {
        let first = members[0];
        let tpl = t.template[first];
        let size = t.size[tpl as usize];
        if size <= rare || (infos[first].tier == Tier::Error && few_errors) {
            members
                .iter()
                .filter(|&&i| !routine[i] || infos[i].tier == Tier::Error)
                .for_each(|&i| keep[i] = true);
        } else if infos[first].tier == Tier::Error {
            members
                .iter()
                .take(ERROR_HEAD)
                .for_each(|&i| keep[i] = true);
            members
                .iter()
                .rev()
                .take(ERROR_TAIL)
                .for_each(|&i| keep[i] = true);
            let firsts = &variants_of[&tpl];
            if firsts.len() <= ERROR_VARIANTS {
                firsts
                    .iter()
                    .filter(|&&i| infos[i].tier == Tier::Error)
                    .for_each(|&i| keep[i] = true);
            }
        } else if infos[first].tier == Tier::Warn {
            members.iter().take(WARN_HEAD).for_each(|&i| keep[i] = true);
        } else if !routine[first] {
            keep[first] = true;
        }
    }

    // Rare variants of big templates, and summaries.
    seen_variant.clear();
    for i in 0..n {
        let size = t.size[t.template[i] as usize];
        if routine[i] {
            continue;
        }
        if size >= 10
            && t.variant_size[i] as u64 * 20 <= size as u64
            && seen_variant.insert(t.variant[i])
        {
            keep[i] = true;
        }
        if infos[i].summary && size <= SUMMARY_MAX_REPEAT {
            keep[i] = true;
        }
    }

    // A number far outside its slot of a template (`latency=12000ms` among
    // `latency=20..90ms`) is an anomaly like any other.
    // A passed test's numbers are not anomalies of the run.
    let mut categories = vec![String::new(); n];
    let mut outliers = vec![false; n];
    slots::by_template(lines, &t.template, false, &mut outliers, &mut categories);
    for i in (0..n).filter(|&i| outliers[i] && !routine[i]) {
        keep[i] = true;
    }

    // A passed test's line answers the query only by naming what it asks
    // for: sharing a word with it (`test`, `go`) is not enough.
    for i in query_hits(lines, query) {
        if !routine[i] || query.anchor_hit(&lines[i]) {
            keep[i] = true;
        }
    }

    // Stack traces and the lines that introduce them, for the first kept
    // lines of each error template.
    let mut traces: HashMap<u32, usize> = HashMap::new();
    for i in 0..n {
        if !keep[i] || infos[i].tier != Tier::Error {
            continue;
        }
        let done = traces.entry(t.template[i]).or_default();
        if *done >= TRACES_PER_TEMPLATE {
            continue;
        }
        *done += 1;
        attach_trace(i, lines, infos, &mut keep);
    }

    // A repeat of the line before it says nothing new: a run of identical
    // lines keeps its first, the rest are counted in the marker.
    for run in super::fold::runs(lines) {
        if keep[run.clone()].iter().any(|&k| k) {
            keep[run.start] = true;
            keep[run.start + 1..run.end]
                .iter_mut()
                .for_each(|k| *k = false);
        }
    }
    keep
}

/// Keeps the trace around error line `i`: indented or frame lines before it
/// with the line that opens them (a Python `Traceback` ends in its error),
/// and after it (Java, Go and Rust frames follow the error).
fn attach_trace(i: usize, lines: &[Cow<'_, str>], infos: &[LineInfo], keep: &mut [bool]) {
    let mut j = i;
    while j > 0 && i - j < TRACE_LINES && infos[j - 1].continuation {
        j -= 1;
        keep[j] = true;
    }
    // An indented error (`    x_test.go:9: want 1, got 2`) belongs to the
    // line it follows, which names what failed.
    if j > 0 && infos[j].continuation && infos[j - 1].label != Label::Blank {
        keep[j - 1] = true;
        // The line before `Traceback (most recent call last):` names what
        // was being done when it failed (`processing record 4411`).
        if lines[j - 1].starts_with("Traceback") && j > 1 && infos[j - 2].label != Label::Blank {
            keep[j - 2] = true;
        }
    }
    let mut k = i + 1;
    // `panicked at src/x.rs:3:5:` is followed by its message.
    if lines[i].ends_with(':') && k < lines.len() && infos[k].label != Label::Blank {
        keep[k] = true;
        k += 1;
    }
    while k < lines.len() && k - i <= TRACE_LINES && infos[k].continuation {
        keep[k] = true;
        k += 1;
    }
}

/// Lines that answer the query: the best BM25 matches and exact anchor hits.
pub(crate) fn query_hits(lines: &[Cow<'_, str>], query: &Query) -> Vec<usize> {
    if query.is_empty() {
        return Vec::new();
    }
    let terms = Query {
        terms: with_singulars(&query.terms),
        anchors: Vec::new(),
    };
    let mut hits = relevance::select(lines.len(), &terms, QUERY_RANKED, |i, s| {
        s.push_str(&lines[i]);
    });
    let anchors = Query {
        terms: Vec::new(),
        anchors: query.anchors.clone(),
    };
    hits.extend(
        (0..lines.len())
            .filter(|&i| anchors.anchor_hit(&lines[i]))
            .take(QUERY_ANCHORED),
    );
    hits
}

/// Query terms plus their singular forms: questions say `errors`, logs say `error`.
fn with_singulars(terms: &[String]) -> Vec<String> {
    let mut out = terms.to_vec();
    for t in terms {
        let singular = if let Some(stem) = t.strip_suffix("ies") {
            format!("{stem}y")
        } else if t.len() > 3 && t.ends_with('s') && !t.ends_with("ss") {
            t[..t.len() - 1].to_string()
        } else {
            continue;
        };
        if !out.contains(&singular) {
            out.push(singular);
        }
    }
    out
}

/// The kept lines as they are, a marker in each gap.
fn write(
    lines: &[Cow<'_, str>],
    trailing_newline: bool,
    infos: &[LineInfo],
    keep: &[bool],
    marker: &dyn Fn(&str) -> String,
) -> String {
    let mut out: Vec<Cow<'_, str>> = Vec::new();
    let mut at = 0;
    for gap in gaps(keep) {
        out.extend(lines[at..gap.start].iter().cloned());
        out.push(Cow::Owned(marker(&gap_summary(&infos[gap.clone()]))));
        at = gap.end;
    }
    out.extend(lines[at..].iter().cloned());
    super::clean::Lines::join(out.iter(), trailing_newline)
}

/// `37 lines omitted (30 INFO, 7 WARN)`: the gap counted by level. A gap
/// of one level says so once (`19 INFO lines omitted`, not `19 lines
/// omitted (19 INFO)`), and lines of no level are what the counts leave
/// (`47 lines omitted (16 passed)`, not `(16 passed, 31 other)`).
fn gap_summary(infos: &[LineInfo]) -> String {
    let mut counts: Vec<(Label, usize)> = Vec::new();
    for info in infos.iter().filter(|i| i.label != Label::Blank) {
        match counts.iter_mut().find(|(l, _)| *l == info.label) {
            Some((_, c)) => *c += 1,
            None => counts.push((info.label, 1)),
        }
    }
    counts.retain(|(l, _)| *l != Label::Other);
    counts.sort_by_key(|(l, _)| *l);
    let noun = if infos.len() == 1 { "line" } else { "lines" };
    match counts.as_slice() {
        [] => format!("{} {noun} omitted", infos.len()),
        [(label, c)] if *c == infos.len() => format!("{c} {} {noun} omitted", label.name()),
        _ => {
            let parts: Vec<String> = counts
                .iter()
                .map(|(l, c)| format!("{c} {}", l.name()))
                .collect();
            format!("{} {noun} omitted ({})", infos.len(), parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infos(labels: &[Label]) -> Vec<LineInfo> {
        labels
            .iter()
            .map(|&label| LineInfo {
                label,
                tier: Tier::Info,
                summary: false,
                continuation: false,
            })
            .collect()
    }

    #[test]
    fn a_gap_is_weighed_against_its_marker_in_real_tokens() {
        let log: Vec<Cow<'_, str>> = [
            "=== RUN   TestA",
            "    a_test.go:9: want 1, got 2",
            "--- FAIL: TestA (0.00s)",
            "=== RUN   TestOk",
            "--- PASS: TestOk (0.00s)",
            "=== RUN   TestB",
            "    b_test.go:9: want 3, got 4",
            "--- FAIL: TestB (0.00s)",
            "FAIL",
            "FAIL\texample.com/pkg\t0.01s",
        ]
        .into_iter()
        .map(Cow::Borrowed)
        .collect();
        let marker = |s: &str| format!("[headroom: {s}; retrieve: x]");
        let run =
            |cost: &dyn Fn(&str) -> usize| render(&log, true, &Query::parse(""), &marker, cost);
        // A byte a token: the three lines (the passed test and the RUN line
        // that `--- FAIL: TestB` repeats) cost more than their marker.
        let out = run(&|s: &str| s.len());
        assert!(
            out.contains("--- FAIL: TestA (0.00s)\n[headroom: 3 lines omitted (1 passed); retrieve: x]\n    b_test.go:9"),
            "{out}"
        );
        // Dear markers: the same lines are printed instead.
        let out = run(&|s: &str| {
            if s.starts_with("[headroom") {
                100
            } else {
                s.len()
            }
        });
        assert!(
            out.contains("=== RUN   TestOk\n--- PASS: TestOk (0.00s)\n=== RUN   TestB\n"),
            "{out}"
        );
    }

    #[test]
    fn gap_summaries_count_by_level_once() {
        use Label::*;
        let cases: &[(&[Label], &str)] = &[
            (&[Info], "1 INFO line omitted"),
            (&[Info, Info, Info], "3 INFO lines omitted"),
            (&[Info, Debug, Info], "3 lines omitted (2 INFO, 1 DEBUG)"),
            (&[Passed, Other, Other], "3 lines omitted (1 passed)"),
            (&[Other, Other], "2 lines omitted"),
            (&[Info, Blank, Info], "3 lines omitted (2 INFO)"),
            (&[Blank], "1 line omitted"),
        ];
        for (labels, want) in cases {
            assert_eq!(gap_summary(&infos(labels)), *want, "{labels:?}");
        }
    }
}
