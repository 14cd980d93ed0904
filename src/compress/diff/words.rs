//! A removed/added line pair as one word-level change.
//!
//! `-let x = compute(a, b);` / `+let x = compute(a, b, c);` becomes
//! `~let x = compute(a, b{+, c+});`, git's `--word-diff=plain` notation,
//! which models have seen often. It is exact: the old line is the `~` line
//! without the `{+…+}` parts and with the `[-…-]` parts unwrapped, the new
//! line the other way round. A pair whose text already contains one of the
//! four delimiters is never rewritten, so the notation cannot be ambiguous.

use similar::{Algorithm, DiffTag, capture_diff_slices};

/// The delimiters of the notation.
const DELIMITERS: [&str; 4] = ["[-", "-]", "{+", "+}"];

/// Lines longer than this are not diffed by words (cost grows with length).
const MAX_LINE: usize = 400;

/// At most this many changed places in one line; more reads worse than the pair.
const MAX_CHANGES: usize = 3;

/// The `~` line for `old` → `new` (both without their `-`/`+`), or `None`
/// when the lines share too little for the combined form to read well.
pub fn word_diff(old: &str, new: &str) -> Option<String> {
    if old.len() > MAX_LINE || new.len() > MAX_LINE || old == new {
        return None;
    }
    if DELIMITERS
        .iter()
        .any(|d| old.contains(d) || new.contains(d))
    {
        return None;
    }
    let a = tokens(old);
    let b = tokens(new);
    let ops = capture_diff_slices(Algorithm::Myers, &a, &b);
    // Segments: (tag, old text, new text), merging a change with the next
    // when only a space or one punctuation mark stands between them.
    let mut segs: Vec<(DiffTag, String, String)> = Vec::new();
    for op in &ops {
        let (tag, o, n) = op.as_tag_tuple();
        let old_text: String = a[o].concat();
        let new_text: String = b[n].concat();
        let tag = if tag == DiffTag::Equal {
            DiffTag::Equal
        } else {
            DiffTag::Replace
        };
        match segs.last_mut() {
            Some(last) if last.0 == DiffTag::Replace && tag == DiffTag::Replace => {
                last.1.push_str(&old_text);
                last.2.push_str(&new_text);
            }
            _ => segs.push((tag, old_text, new_text)),
        }
    }
    let mut merged: Vec<(DiffTag, String, String)> = Vec::new();
    let mut i = 0;
    while i < segs.len() {
        let (tag, o, n) = segs[i].clone();
        let bridge = tag == DiffTag::Equal && o.chars().count() <= 1 && i > 0 && i + 1 < segs.len();
        if bridge {
            let last = merged.last_mut().expect("a change precedes a bridge");
            last.1.push_str(&o);
            last.2.push_str(&n);
            let (_, no, nn) = &segs[i + 1];
            last.1.push_str(no);
            last.2.push_str(nn);
            i += 2;
            continue;
        }
        merged.push((tag, o, n));
        i += 1;
    }
    let changes = merged.iter().filter(|s| s.0 != DiffTag::Equal).count();
    let same: usize = merged
        .iter()
        .filter(|s| s.0 == DiffTag::Equal)
        .map(|s| s.1.len())
        .sum();
    if changes == 0 || changes > MAX_CHANGES || same * 2 < old.len().max(new.len()) {
        return None;
    }
    let mut out = String::with_capacity(new.len() + 16);
    for (tag, o, n) in &merged {
        if *tag == DiffTag::Equal {
            out.push_str(o);
            continue;
        }
        if !o.is_empty() {
            out.push_str("[-");
            out.push_str(o);
            out.push_str("-]");
        }
        if !n.is_empty() {
            out.push_str("{+");
            out.push_str(n);
            out.push_str("+}");
        }
    }
    Some(out)
}

/// Words, runs of whitespace, and single other characters.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<u8> = None; // 0 word, 1 space, 2 other
    for (i, c) in s.char_indices() {
        let class = if c.is_alphanumeric() || c == '_' {
            0
        } else if c.is_whitespace() {
            1
        } else {
            2
        };
        if i > start && (prev != Some(class) || class == 2) {
            out.push(&s[start..i]);
            start = i;
        }
        prev = Some(class);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// The old and new lines a `~` line stands for (the inverse of [`word_diff`]).
#[cfg(test)]
pub fn split(line: &str) -> (String, String) {
    let (mut old, mut new) = (String::new(), String::new());
    let mut rest = line;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("[-") {
            let end = r.find("-]").expect("closed");
            old.push_str(&r[..end]);
            rest = &r[end + 2..];
        } else if let Some(r) = rest.strip_prefix("{+") {
            let end = r.find("+}").expect("closed");
            new.push_str(&r[..end]);
            rest = &r[end + 2..];
        } else {
            let next = ["[-", "{+"]
                .iter()
                .filter_map(|d| rest.find(d))
                .min()
                .unwrap_or(rest.len())
                .max(1);
            let next = (next..=rest.len())
                .find(|&k| rest.is_char_boundary(k))
                .unwrap_or(rest.len());
            old.push_str(&rest[..next]);
            new.push_str(&rest[..next]);
            rest = &rest[next..];
        }
    }
    (old, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_word_changed() {
        let w = word_diff(
            "    let timeout = Duration::from_secs(30);",
            "    let timeout = Duration::from_secs(60);",
        )
        .unwrap();
        assert_eq!(w, "    let timeout = Duration::from_secs([-30-]{+60+});");
        assert_eq!(
            split(&w),
            (
                "    let timeout = Duration::from_secs(30);".into(),
                "    let timeout = Duration::from_secs(60);".into()
            )
        );
    }

    #[test]
    fn unrelated_lines_stay_apart() {
        assert_eq!(word_diff("fn main() {", "    println!(\"hello\");"), None);
    }

    #[test]
    fn delimiters_in_text_are_never_rewritten() {
        assert_eq!(word_diff("x = a[-1] + 1", "x = a[-1] + 2"), None);
    }

    #[test]
    fn round_trips() {
        let pairs = [
            ("use a::{B, C};", "use a::{B, C, D};"),
            (
                "        if value > limit && !done {",
                "        if value >= limit && !done {",
            ),
            (
                "héllo wörld, this is a long line",
                "héllo wörld, this is a longer line",
            ),
        ];
        for (o, n) in pairs {
            if let Some(w) = word_diff(o, n) {
                assert_eq!(split(&w), (o.to_string(), n.to_string()), "{w}");
            }
        }
    }
}
