//! The lossy stage: which items of a long array a reader needs.
//!
//! Runs only after the lossless forms are still too large. It never drops an
//! item that carries a fact (errors, rare values, outliers, change points,
//! query matches, the first and last), and it sizes the rest by novelty: an
//! item is worth keeping when it shows a value or a message shape that no kept
//! item has shown yet. Repetitive arrays therefore shrink to a handful of
//! exemplars while diverse ones keep more. Each dropped run becomes one
//! sentinel whose summary counts what it stands for.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use super::table::SENTINEL_KEY;
use super::value::Value;
use crate::compress::{gaps, keep_cheap_gaps};
use crate::relevance::{self, Query};

/// Arrays shorter than this are never thinned: there is little to gain.
pub const MIN_ITEMS: usize = 8;

/// A categorical field has at most this many distinct values.
const MAX_CATEGORIES: usize = 24;

/// Words that mark an item as reporting a failure. ASCII word boundaries
/// keep the regex on its fast DFA path (Unicode `\b` forces a slower engine).
pub static ERROR_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(errors?|exceptions?|fail(s|ed|ure|ures|ing)?|fatal|critical|panic(s|ked)?|abort(s|ed)?|timeout|timed out|denied|rejected|crash(es|ed)?|traceback|segfault)(?-u:\b)",
    )
    .unwrap()
});

/// The outcome for one array: which items stay, and why any went.
pub struct Thinned {
    pub items: Vec<Value>,
    pub dropped: usize,
}

/// Leaves of an item, flattened to `a.b.c` paths (arrays stay whole).
fn leaves<'a>(v: &'a Value, prefix: &str, depth: usize, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Obj(pairs) if depth < 3 => {
            for (k, child) in pairs {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(child, &path, depth + 1, out);
            }
        }
        _ => out.push((prefix.to_string(), v)),
    }
}

/// A leaf's value as text: strings as they are (borrowed), the rest as JSON.
fn leaf_key(v: &Value) -> Cow<'_, str> {
    match v {
        Value::Str(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_json()),
    }
}

/// The shape of a message: its first six words, lower-cased, with numbers,
/// long hex ids and quoted parts each masked as `#`. A byte scanner rather
/// than a regex: it runs on every text field of every item.
fn template(s: &str) -> String {
    let mut out = String::with_capacity(48);
    for (n, word) in s.split_whitespace().take(6).enumerate() {
        if n > 0 {
            out.push(' ');
        }
        let b = word.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let hex_run = b[i..].iter().take_while(|x| x.is_ascii_hexdigit()).count();
            if hex_run >= 8 || c.is_ascii_digit() {
                // A hex id, or a number with optional `.`-separated parts.
                let mut j = i + hex_run.max(1);
                if hex_run < 8 {
                    j = i;
                    while j < b.len()
                        && (b[j].is_ascii_digit()
                            || (b[j] == b'.' && b.get(j + 1).is_some_and(u8::is_ascii_digit)))
                    {
                        j += 1;
                    }
                }
                out.push('#');
                i = j;
            } else if (c == b'\'' || c == b'"') && b[i + 1..].contains(&c) {
                let close = i + 1 + b[i + 1..].iter().position(|&x| x == c).unwrap();
                out.push('#');
                i = close + 1;
            } else {
                let ch_len = word[i..].chars().next().map_or(1, char::len_utf8);
                out.extend(word[i..i + ch_len].chars().flat_map(char::to_lowercase));
                i += ch_len;
            }
        }
    }
    out
}

struct FieldStats {
    present: usize,
    nulls: usize,
    counts: HashMap<String, usize>,
    overflow: bool,
    numbers: Vec<(usize, f64)>,
    strings: usize,
}

/// Chooses what to keep of `items` and returns the array with sentinels in
/// place of the dropped runs, or `None` when thinning is not worth it.
pub fn thin(items: &[Value], query: &Query, marker: &dyn Fn(&str) -> String) -> Option<Thinned> {
    let n = items.len();
    if n < MIN_ITEMS {
        return None;
    }
    let all_objects = items.iter().all(|v| matches!(v, Value::Obj(_)));
    let all_numbers = items.iter().all(|v| matches!(v, Value::Num(_)));
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;

    let texts: Vec<String> = items.iter().map(|v| leaf_key(v).into_owned()).collect();
    let flat: Vec<Vec<(String, &Value)>> = items
        .iter()
        .map(|v| {
            let mut out = Vec::new();
            leaves(v, "", 0, &mut out);
            out
        })
        .collect();

    // Field statistics over every item.
    let mut order: Vec<String> = Vec::new();
    let mut stats: HashMap<String, FieldStats> = HashMap::new();
    for (i, fl) in flat.iter().enumerate() {
        for (path, v) in fl {
            let st = stats.entry(path.clone()).or_insert_with(|| {
                order.push(path.clone());
                FieldStats {
                    present: 0,
                    nulls: 0,
                    counts: HashMap::new(),
                    overflow: false,
                    numbers: Vec::new(),
                    strings: 0,
                }
            });
            st.present += 1;
            match v {
                Value::Null => st.nulls += 1,
                Value::Num(_) => {
                    if let Some(x) = v.as_f64() {
                        st.numbers.push((i, x));
                    }
                }
                Value::Str(_) => st.strings += 1,
                _ => {}
            }
            if !st.overflow {
                *st.counts.entry(leaf_key(v).into_owned()).or_default() += 1;
                if st.counts.len() > MAX_CATEGORIES {
                    st.overflow = true;
                    st.counts.clear();
                }
            }
        }
    }

    // Each item's leaves by field, so per-field scans are direct lookups.
    let field_id: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(p, path)| (path.as_str(), p))
        .collect();
    let cells: Vec<Vec<Option<&Value>>> = flat
        .iter()
        .map(|fl| {
            let mut row = vec![None; order.len()];
            for (path, v) in fl {
                row[field_id[path.as_str()]] = Some(*v);
            }
            row
        })
        .collect();

    // Errors: a failure word in a value, or a truthy field named like one.
    for (i, fl) in flat.iter().enumerate() {
        let is_error = fl.iter().any(|(path, v)| match v {
            Value::Str(s) => ERROR_WORDS.is_match(s),
            Value::Null | Value::Bool(false) => false,
            Value::Arr(a) if a.is_empty() => false,
            Value::Obj(o) if o.is_empty() => false,
            _ => {
                let key = path.rsplit('.').next().unwrap_or(path);
                ERROR_WORDS.is_match(key)
                    && !key.ends_with("_url")
                    && !key.ends_with("_count")
                    && key != "errors_url"
            }
        });
        if is_error {
            keep[i] = true;
        }
    }

    // Rare fields, rare categorical values and rare nulls. A small group is
    // kept whole; a larger one keeps exemplars, and the markers count the rest.
    let sqrt_n = ((n as f64).sqrt() as usize).max(3);
    let keep_group = |members: Vec<usize>, whole: usize, keep: &mut Vec<bool>| {
        if members.len() <= whole {
            members.iter().for_each(|&i| keep[i] = true);
        } else {
            members
                .iter()
                .take(2)
                .chain(members.last())
                .for_each(|&i| keep[i] = true);
        }
    };
    for (p, path) in order.iter().enumerate() {
        let st = &stats[path];
        if st.present * 10 < n {
            let members = (0..n).filter(|&i| cells[i][p].is_some()).collect();
            keep_group(members, sqrt_n, &mut keep);
            continue;
        }
        // Status-like: a few values cover most items; the others are rare.
        let mut rare_values: Vec<&str> = Vec::new();
        if !st.overflow && st.counts.len() >= 2 && st.present * 2 >= n {
            let mut by_count: Vec<(&str, usize)> =
                st.counts.iter().map(|(k, &c)| (k.as_str(), c)).collect();
            by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let mut covered = 0;
            let mut top = 0;
            while top < by_count.len() && covered * 5 < st.present * 4 {
                covered += by_count[top].1;
                top += 1;
            }
            if top <= 5 {
                rare_values.extend(by_count[top..].iter().map(|(k, _)| *k));
            }
        }
        let rare_nulls = st.nulls > 0 && st.nulls <= (n / 10).max(1) && st.present > st.nulls;
        let rare_absence = st.present < n && n - st.present <= (n / 10).max(1);
        let value_of = |i: usize| cells[i][p];
        if rare_nulls || rare_absence {
            let members = (0..n)
                .filter(|&i| match value_of(i) {
                    None => rare_absence,
                    Some(Value::Null) => rare_nulls,
                    Some(_) => false,
                })
                .collect();
            keep_group(members, sqrt_n, &mut keep);
        }
        for rare in rare_values {
            let members = (0..n)
                .filter(|&i| value_of(i).is_some_and(|v| leaf_key(v) == rare))
                .collect();
            keep_group(members, 3, &mut keep);
        }
    }

    // Numeric outliers (beyond 2σ), extremes and change points.
    for path in &order {
        let st = &stats[path];
        let xs = &st.numbers;
        if xs.len() < MIN_ITEMS || xs.len() * 5 < st.present * 4 {
            continue;
        }
        let monotonic =
            xs.windows(2).all(|w| w[1].1 > w[0].1) || xs.windows(2).all(|w| w[1].1 < w[0].1);
        if monotonic {
            continue; // ids, sequence numbers, timestamps: every value is "extreme"
        }
        let m = xs.len() as f64;
        let mean = xs.iter().map(|x| x.1).sum::<f64>() / m;
        let sd = (xs.iter().map(|x| (x.1 - mean).powi(2)).sum::<f64>() / m).sqrt();
        if sd == 0.0 {
            continue;
        }
        // Heavy tails put many values beyond 2σ; the most extreme of them
        // are kept, the rest are counted by the markers.
        let mut outliers: Vec<(usize, f64)> = xs
            .iter()
            .filter(|x| (x.1 - mean).abs() > 2.0 * sd)
            .copied()
            .collect();
        outliers.sort_by(|a, b| {
            (b.1 - mean)
                .abs()
                .total_cmp(&(a.1 - mean).abs())
                .then(a.0.cmp(&b.0))
        });
        let quota = ((outliers.len() as f64).sqrt().ceil() as usize).clamp(3, 5);
        outliers
            .iter()
            .take(quota)
            .for_each(|&(i, _)| keep[i] = true);
        let (mut lo, mut hi) = (xs[0], xs[0]);
        for &(i, x) in xs {
            if x < lo.1 {
                lo = (i, x);
            }
            if x > hi.1 {
                hi = (i, x);
            }
        }
        keep[lo.0] = true;
        keep[hi.0] = true;
        for i in change_points(xs, sd) {
            keep[i] = true;
        }
    }

    // The query: anchors and the best BM25 matches.
    if !query.is_empty() {
        let docs: Vec<&str> = texts.iter().map(String::as_str).collect();
        for i in relevance::matches(&docs, query, 12) {
            keep[i] = true;
        }
    }

    // Novelty: items showing a category or message shape not yet seen.
    if !all_numbers {
        let categorical: HashSet<&str> = order
            .iter()
            .filter(|p| !stats[*p].overflow && stats[*p].counts.len() > 1)
            .map(String::as_str)
            .collect();
        let textual: HashSet<&str> = order
            .iter()
            .filter(|p| stats[*p].overflow && stats[*p].strings * 2 >= stats[*p].present)
            .map(String::as_str)
            .collect();
        let mut seen: HashSet<String> = HashSet::new();
        for (i, fl) in flat.iter().enumerate().filter(|(i, _)| keep[*i]) {
            seen.extend(features(fl, &categorical, &textual, all_objects, &texts[i]));
        }
        let mut novel: Vec<(usize, usize)> = Vec::new();
        for (i, fl) in flat.iter().enumerate() {
            if keep[i] {
                continue;
            }
            let fresh = features(fl, &categorical, &textual, all_objects, &texts[i])
                .into_iter()
                .filter(|f| seen.insert(f.clone()))
                .count();
            if fresh > 0 {
                novel.push((i, fresh));
            }
        }
        // The facts already kept count toward the sample's size.
        let cap = (((n as f64).sqrt() * 2.0).ceil() as usize).max(6);
        let budget = cap.saturating_sub(keep.iter().filter(|&&k| k).count());
        novel.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for &(i, _) in novel.iter().take(budget) {
            keep[i] = true;
        }
    }

    // Identical items add nothing after the first.
    let mut seen_text: HashSet<&str> = HashSet::new();
    for i in 0..n {
        if !seen_text.insert(texts[i].as_str()) && keep[i] && i != n - 1 && i != 0 {
            let errorish = ERROR_WORDS.is_match(&texts[i]);
            if !errorish {
                keep[i] = false;
            }
        }
    }

    // A marker costs about as much as a short row; runs cheaper than their
    // marker are kept instead.
    let marker_bytes = marker("000 of 0000 items omitted (00 status=xxxxxxx)").len();
    keep_cheap_gaps(&mut keep, marker_bytes, |gap| {
        flat[gap]
            .iter()
            .flatten()
            .map(|(_, v)| leaf_key(v).len() + 1)
            .sum()
    });

    let kept = keep.iter().filter(|&&k| k).count();
    if kept * 5 >= n * 4 {
        return None;
    }
    let category =
        summary_field(&order, &stats, all_objects).map(|name| (field_id[name.as_str()], name));
    let mut out = Vec::with_capacity(kept + 8);
    let mut next = 0;
    for gap in gaps(&keep) {
        out.extend_from_slice(&items[next..gap.start]);
        next = gap.end;
        let values = category.as_ref().map(|(p, name)| {
            (
                name.as_str(),
                cells[gap.clone()]
                    .iter()
                    .map(|row| row[*p])
                    .collect::<Vec<_>>(),
            )
        });
        let summary = run_summary(
            &items[gap],
            n,
            values.as_ref().map(|(name, vals)| (*name, vals.as_slice())),
            all_numbers,
            all_objects,
        );
        let text = marker(&summary);
        out.push(if all_objects {
            Value::Obj(vec![(SENTINEL_KEY.to_string(), Value::Str(text))])
        } else {
            Value::Str(crate::ccr::marker_line(&text))
        });
    }
    out.extend_from_slice(&items[next..]);
    Some(Thinned {
        items: out,
        dropped: n - kept,
    })
}

fn features(
    fl: &[(String, &Value)],
    categorical: &HashSet<&str>,
    textual: &HashSet<&str>,
    all_objects: bool,
    text: &str,
) -> Vec<String> {
    if !all_objects {
        return vec![template(text)];
    }
    let mut out = Vec::new();
    for (path, v) in fl {
        if categorical.contains(path.as_str()) {
            out.push(format!("{path}={}", leaf_key(v)));
        } else if let (true, Value::Str(s)) = (textual.contains(path.as_str()), v) {
            out.push(format!("{path}~{}", template(s)));
        }
    }
    out
}

/// Indices where the mean of the next window differs from the previous one by
/// more than 2σ of the whole series.
fn change_points(xs: &[(usize, f64)], sd: f64) -> Vec<usize> {
    const W: usize = 5;
    let mut out = Vec::new();
    if xs.len() < 4 * W {
        return out;
    }
    let mut last: Option<usize> = None;
    for j in W..=xs.len() - W {
        let before = xs[j - W..j].iter().map(|x| x.1).sum::<f64>() / W as f64;
        let after = xs[j..j + W].iter().map(|x| x.1).sum::<f64>() / W as f64;
        if (after - before).abs() > 2.0 * sd && last.is_none_or(|l| j > l + W) {
            out.push(xs[j - 1].0);
            out.push(xs[j].0);
            last = Some(j);
        }
    }
    out
}

/// The field whose values best describe omitted items to a reader: a
/// low-cardinality one, preferring the names logs and APIs use for status.
fn summary_field(
    order: &[String],
    stats: &HashMap<String, FieldStats>,
    all_objects: bool,
) -> Option<String> {
    if !all_objects {
        return None;
    }
    const PREFERRED: &[&str] = &[
        "level", "severity", "status", "state", "type", "kind", "method", "category", "result",
    ];
    let candidates: Vec<&String> = order
        .iter()
        .filter(|p| {
            let st = &stats[*p];
            !st.overflow && (1..=8).contains(&st.counts.len())
        })
        .collect();
    let name_rank = |p: &str| {
        let last = p.rsplit('.').next().unwrap_or(p).to_lowercase();
        PREFERRED
            .iter()
            .position(|w| last == *w || last.ends_with(&format!("_{w}")))
    };
    candidates
        .iter()
        .filter(|p| stats[**p].counts.len() >= 2 || name_rank(p).is_some())
        .min_by_key(|p| {
            (
                name_rank(p).unwrap_or(usize::MAX),
                stats[**p].counts.len(),
                order.iter().position(|o| o == **p),
            )
        })
        .map(|p| p.to_string())
}

/// `category`: the summary field's name and its value in each item of the run.
fn run_summary(
    run: &[Value],
    total: usize,
    category: Option<(&str, &[Option<&Value>])>,
    numbers: bool,
    objects: bool,
) -> String {
    let unit = if objects {
        "items"
    } else if numbers {
        "numbers"
    } else if run.iter().all(|v| matches!(v, Value::Str(_))) {
        "strings"
    } else {
        "items"
    };
    let mut s = format!("{} of {total} {unit} omitted", run.len());
    if numbers {
        let xs: Vec<(f64, &Value)> = run
            .iter()
            .filter_map(|v| v.as_f64().map(|x| (x, v)))
            .collect();
        if let (Some(lo), Some(hi)) = (
            xs.iter().min_by(|a, b| a.0.total_cmp(&b.0)),
            xs.iter().max_by(|a, b| a.0.total_cmp(&b.0)),
        ) {
            s.push_str(&format!(" (range {}..{})", lo.1.to_json(), hi.1.to_json()));
        }
    } else if let Some((field, values)) = category {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for v in values {
            let v = v.map_or_else(|| "absent".to_string(), |v| leaf_key(v).into_owned());
            match counts.iter_mut().find(|(k, _)| *k == v) {
                Some(c) => c.1 += 1,
                None => counts.push((v, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let parts: Vec<String> = counts
            .iter()
            .take(3)
            .map(|(v, c)| format!("{c} {field}={v}"))
            .collect();
        let more = if counts.len() > 3 { ", …" } else { "" };
        s.push_str(&format!(" ({}{more})", parts.join(", ")));
    } else if !objects {
        let mut uniq: HashSet<Cow<str>> = HashSet::new();
        let dups = run.iter().filter(|v| !uniq.insert(leaf_key(v))).count();
        if dups > 0 {
            s.push_str(&format!(" ({dups} duplicates)"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::value::parse;
    use super::*;

    fn marker(s: &str) -> String {
        format!("{s}; retrieve: headroom retrieve 0000000000000000")
    }

    fn logs(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| {
                let level = if i == 37 { "ERROR" } else { "INFO" };
                let msg = if i == 37 { "payment failed: card declined".to_string() } else { format!("request {i} served in {}ms", 10 + i % 7) };
                parse(&format!(r#"{{"ts":"2024-01-01T00:{:02}:00Z","level":"{level}","msg":"{msg}","latency":{}}}"#, i % 60, 10 + i % 7)).unwrap()
            })
            .collect()
    }

    #[test]
    fn repetitive_records_shrink_and_keep_the_error() {
        let items = logs(200);
        let t = thin(&items, &Query::default(), &marker).unwrap();
        let text: Vec<String> = t.items.iter().map(Value::to_json).collect();
        assert!(text.iter().any(|s| s.contains("payment failed")));
        assert!(t.dropped > 180, "dropped only {}", t.dropped);
        assert_eq!(t.items.first(), items.first());
        assert_eq!(t.items.last(), items.last());
        assert!(text.iter().any(|s| s.contains("level=INFO")), "{text:?}");
    }

    #[test]
    fn query_matches_are_kept() {
        let items = logs(200);
        let q = Query::parse("what happened to request 123");
        let t = thin(&items, &q, &marker).unwrap();
        assert!(
            t.items
                .iter()
                .any(|v| v.to_json().contains("request 123 served"))
        );
    }

    #[test]
    fn numeric_outliers_survive() {
        let mut xs: Vec<Value> = (0..500)
            .map(|i| Value::Num(format!("{}", 50 + (i * 7) % 11).into()))
            .collect();
        xs[321] = Value::Num("9999".into());
        let t = thin(&xs, &Query::default(), &marker).unwrap();
        assert!(t.items.contains(&Value::Num("9999".into())));
        assert!(t.items.len() < 25, "kept {}", t.items.len());
    }

    #[test]
    fn short_arrays_are_left_alone() {
        assert!(thin(&logs(5), &Query::default(), &marker).is_none());
    }
}
