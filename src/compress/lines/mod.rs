//! Line-oriented command output that is neither a log, a search result nor
//! a diff: listings (`find`, `ls -l`), tables (`ps aux`, `kubectl get`,
//! `df`, CSV/TSV), KEY=VALUE lists, trees (`cargo tree`, `npm ls`),
//! package lists, `git log`, YAML, and unknown text that is not prose.
//!
//! The contract: every output line is an input line, byte for byte after
//! the lossless clean-ups (ANSI escapes and trailing whitespace removed),
//! in the input's order, or a marker line. Nothing is inserted or
//! rewritten, and two markers never follow each other.
//!
//! Kept whatever the budget: the first and last lines, a table's header,
//! lines that report a failure, lines matching the query, rare values in a
//! column and numeric outliers ([`slots`]), lines of a rare shape (a
//! commit message, a section header), and the first line of every shape.
//! The rest is folded: each gap becomes one marker counting the omitted
//! lines by category (`[headroom: 380 of 412 rows omitted (212 Normal
//! Scheduled, 168 Normal Pulled); …]`), and only where the marker costs
//! less than the lines it stands for.

mod shape;
pub(crate) mod slots;
pub mod table;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::log::clean::{self, Lines};
use super::log::select::query_hits;
use super::{Compressed, Context, gaps, keep_cheap_gaps, lines_cost_at_most};

/// When more lines than this report failures, repeated ones keep only
/// their first few and last occurrence per shape.
const FAILURES_ALL: usize = 64;
const FAILURE_HEAD: usize = 3;
/// Categories named in a marker; the rest are counted as "other".
const MARKER_CATEGORIES: usize = 3;

pub fn compress(text: &str, ctx: &Context) -> Option<Compressed> {
    if text.trim().is_empty() {
        return None;
    }
    let cleaned = clean::clean(text, false);
    let tidy = Lines::join(cleaned.lines.iter(), cleaned.trailing_newline);
    let lossless = || {
        (tidy != text).then(|| Compressed {
            text: tidy.clone(),
            transforms: vec!["lines:clean".into()],
            hashes: Vec::new(),
        })
    };
    if !ctx.may_drop() || ctx.is_small(&tidy) {
        return lossless();
    }
    let plan = plan(&cleaned.lines, ctx);
    if plan.keep.iter().all(|&k| k) {
        return lossless();
    }
    let Some(hash) = ctx.store(text, "lines") else {
        return lossless();
    };
    let out = render(&cleaned, &plan, &|summary| ctx.marker_line(summary, &hash));
    if out.len() >= tidy.len() {
        return lossless();
    }
    Some(Compressed {
        text: out,
        transforms: vec!["lines:clean".into(), "lines:fold-shapes".into()],
        hashes: vec![hash],
    })
}

/// What to keep, and how to name what is not.
struct Plan {
    keep: Vec<bool>,
    blank: Vec<bool>,
    /// Each line's category for the markers (empty: none).
    category: Vec<String>,
    /// `rows` for a table, `lines` otherwise.
    unit: &'static str,
    /// How many lines (or data rows) there are in all.
    total: usize,
}

fn plan(lines: &[Cow<'_, str>], ctx: &Context) -> Plan {
    let n = lines.len();
    let mut keep = vec![false; n];
    let mut category = vec![String::new(); n];
    let blank: Vec<bool> = lines.iter().map(|l| l.trim().is_empty()).collect();
    let first = blank.iter().position(|b| !b).unwrap_or(0);
    let last = blank.iter().rposition(|b| !b).unwrap_or(n - 1);
    for i in [0, first, last, n - 1] {
        keep[i] = true;
    }

    let shapes: Vec<u64> = lines.iter().map(|l| shape::shape(l)).collect();
    let mut members: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut order: Vec<u64> = Vec::new();
    for (i, key) in shapes.iter().enumerate() {
        if blank[i] {
            continue;
        }
        members
            .entry(*key)
            .or_insert_with(|| {
                order.push(*key);
                Vec::new()
            })
            .push(i);
    }

    let table = table::detect(lines);
    let (unit, total) = match &table {
        Some(t) => {
            for &h in &t.header_lines {
                keep[h] = true;
            }
            if let Some((row, _)) = t.rows.first() {
                keep[*row] = true;
            }
            slots::analyse(&t.rows, &mut keep, &mut category);
            ("rows", t.rows.len())
        }
        None => {
            // A shape held by at most about log2(n)/2 lines is rare.
            let rare = ((usize::BITS - n.leading_zeros()) / 2).max(2) as usize;
            for key in &order {
                let group = &members[key];
                if group.len() <= rare {
                    group.iter().for_each(|&i| keep[i] = true);
                } else {
                    keep[group[0]] = true;
                }
            }
            slots::by_template(lines, &shapes, true, &mut keep, &mut category);
            ("lines", n)
        }
    };

    // `git log`: each commit's id and its whole message (the indented lines
    // after the header) are facts, however alike the messages read.
    let mut in_message = false;
    let mut in_record = false;
    for (i, l) in lines.iter().enumerate() {
        if is_record_header(l) {
            keep[i] = true;
            in_record = true;
            in_message = false;
        } else if in_record && l.starts_with("    ") {
            keep[i] = true;
            in_message = true;
        } else if in_message {
            in_record = false;
            in_message = false;
        }
    }
    let failures: Vec<usize> = (0..n).filter(|&i| reports_failure(&lines[i])).collect();
    if failures.len() <= FAILURES_ALL {
        failures.iter().for_each(|&i| keep[i] = true);
    } else {
        let mut per_shape: HashMap<u64, Vec<usize>> = HashMap::new();
        for &i in &failures {
            per_shape.entry(shapes[i]).or_default().push(i);
        }
        for group in per_shape.values() {
            for &i in group.iter().take(FAILURE_HEAD).chain(group.last()) {
                keep[i] = true;
            }
        }
    }
    for i in query_hits(lines, &ctx.query) {
        keep[i] = true;
    }

    let plan = Plan {
        keep,
        blank,
        category,
        unit,
        total,
    };
    let mut keep = plan.keep.clone();
    let marker_cost = (ctx.cost)(&ctx.marker_line(&summary(&plan, 0..n), &"0".repeat(16)));
    keep_cheap_gaps(&mut keep, |gap| {
        lines_cost_at_most(&lines[gap], marker_cost, ctx.cost)
    });
    Plan { keep, ..plan }
}

/// A failure as reported (`error:`, `ERROR`, `FAILED`, `ValueError`,
/// `Permission denied`, `CrashLoopBackOff`), not a listing that merely
/// names one (`liberror-perl`, `common error description library`).
static FAILURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i:\b(error|fatal|failure|warning|panic|exception)(\[[^\]]*\])?:|\bfailed\b",
        r"|permission denied|no such file|not found|cannot |can't |could not|unable to",
        r"|timed out|connection refused|segmentation fault|out of memory|traceback|panicked at)",
        r"|\b[A-Z]\w*(Error|Exception)\b|\b(ERROR|FATAL|FAILED|FAIL|WARN|WARNING|CRITICAL)\b",
        r"|\b(OOMKilled|CrashLoopBackOff|ImagePullBackOff|ErrImagePull|Evicted|Killed|Unhealthy)\b",
    ))
    .expect("static pattern")
});

/// A line that reports a failure in its words, not in the paths and file
/// names it mentions (`error.h` in a listing is a file).
fn reports_failure(line: &str) -> bool {
    if !FAILURE.is_match(line) {
        return false;
    }
    let words: Vec<&str> = line
        .split_whitespace()
        .filter(|w| !is_file_name(w))
        .collect();
    FAILURE.is_match(&words.join(" "))
}

/// `commit 4b26b8a…`: the record header of `git log`, the id its message
/// (kept as a rare line) belongs to.
fn is_record_header(line: &str) -> bool {
    line.strip_prefix("commit ")
        .and_then(|r| r.split_whitespace().next())
        .is_some_and(shape::is_hex_id)
}

/// A path or a name with an extension (`a/b`, `error_test.go`).
fn is_file_name(w: &str) -> bool {
    let w = w.trim_end_matches([',', ';', ':', ')', '.']);
    w.contains('/')
        || w.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && !ext.is_empty()
                && ext.len() <= 5
                && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// `37 of 412 rows omitted (30 Normal Pulled, 7 Normal Created)`.
fn summary(plan: &Plan, gap: std::ops::Range<usize>) -> String {
    let count = plan.blank[gap.clone()].iter().filter(|b| !**b).count();
    let mut cats: Vec<(&str, usize)> = Vec::new();
    for c in &plan.category[gap] {
        if c.is_empty() {
            continue;
        }
        match cats.iter_mut().find(|(k, _)| *k == c) {
            Some((_, n)) => *n += 1,
            None => cats.push((c, 1)),
        }
    }
    cats.sort_by_key(|c| std::cmp::Reverse(c.1));
    let mut s = format!("{count} of {} {} omitted", plan.total, plan.unit);
    if !cats.is_empty() {
        let mut parts: Vec<String> = cats
            .iter()
            .take(MARKER_CATEGORIES)
            .map(|(c, n)| format!("{n} {c}"))
            .collect();
        let other: usize = cats.iter().skip(MARKER_CATEGORIES).map(|(_, n)| n).sum();
        if other > 0 {
            parts.push(format!("{other} other"));
        }
        s.push_str(&format!(" ({})", parts.join(", ")));
    }
    s
}

fn render(lines: &Lines, plan: &Plan, marker: &dyn Fn(&str) -> String) -> String {
    let mut out: Vec<Cow<'_, str>> = Vec::new();
    let mut at = 0;
    for gap in gaps(&plan.keep) {
        out.extend(lines.lines[at..gap.start].iter().cloned());
        out.push(Cow::Owned(marker(&summary(plan, gap.clone()))));
        at = gap.end;
    }
    out.extend(lines.lines[at..].iter().cloned());
    Lines::join(out.iter(), lines.trailing_newline)
}

#[cfg(test)]
mod tests;
