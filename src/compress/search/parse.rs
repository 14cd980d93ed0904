//! The line grammar of grep and ripgrep output.
//!
//! Recognises `path:N:content` (grep -n, rg -n), `path-N-content` (context
//! lines of -A/-B/-C), `path:N:C:content` (--vimgrep), `--` between context
//! groups, and ripgrep's heading style, where a path stands on its own line
//! and the hits under it are `N:content` / `N-content`. Everything is kept as
//! slices of the input so that a kept line can be printed byte for byte.
//!
//! The grammar is ambiguous (`a-1-b.rs-12-x` could be path `a` at line 1), so
//! a context line prefers a path already seen on a match line, and otherwise
//! takes the earliest `sepDIGITSsep` after a path without whitespace.

use std::collections::HashSet;

/// Longest line number we accept, in digits; longer runs are content.
const MAX_DIGITS: usize = 10;

/// One input line, classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    Hit(Hit<'a>),
    /// `--` between non-adjacent context groups.
    Separator,
    /// A path alone on its line, followed by `N:content` lines (rg --heading).
    Heading(&'a str),
    Blank,
    /// Anything else (e.g. `rg: foo: Permission denied`): always kept.
    Other(&'a str),
}

/// A match (`:`) or context (`-`) line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit<'a> {
    pub path: &'a str,
    /// The path came from a heading line, not from this line.
    pub under_heading: bool,
    /// `true` for a match line (`:`), `false` for a context line (`-`).
    pub is_match: bool,
    pub number: u64,
    /// The line after `path` and its separator: `N:content`, byte-exact.
    pub body: &'a str,
    /// The matched text after `N:` (and a `C:` column, if any is not told
    /// apart it stays part of the content).
    pub content: &'a str,
}

/// A line in flat form: `path:N:…` or `path-N-…`, the earliest split whose
/// path has no whitespace. `known` paths (from match lines) win over an
/// earlier split, which resolves paths that contain `-N-`.
pub fn flat_hit<'a>(line: &'a str, known: &HashSet<&str>) -> Option<Hit<'a>> {
    let bytes = line.as_bytes();
    let mut first: Option<Hit<'a>> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b' ' || b == b'\t' {
            break;
        }
        if (b != b':' && b != b'-') || i == 0 {
            continue;
        }
        let Some(hit) = split_at(line, i) else {
            continue;
        };
        if known.contains(hit.path) {
            return Some(hit);
        }
        if first.is_none() && plausible_path(hit.path, hit.is_match) {
            first = Some(hit);
            if known.is_empty() {
                break;
            }
        }
    }
    first
}

/// The path of a match line (`path:N:`): the earliest `:N:` split, so that
/// a `-N-` inside the path does not make it look like a context line.
fn match_path(line: &str) -> Option<&str> {
    for (i, &b) in line.as_bytes().iter().enumerate() {
        if b == b' ' || b == b'\t' {
            break;
        }
        if b == b':'
            && i > 0
            && let Some(hit) = split_at(line, i)
            && plausible_path(hit.path, true)
        {
            return Some(hit.path);
        }
    }
    None
}

/// `N:content` or `N-content` under a heading (or from grep on one file).
pub fn bare_hit<'a>(line: &'a str, path: &'a str) -> Option<Hit<'a>> {
    let digits = line
        .bytes()
        .take(MAX_DIGITS + 1)
        .take_while(u8::is_ascii_digit)
        .count();
    if !line_number(line, digits) {
        return None;
    }
    let sep = *line.as_bytes().get(digits)?;
    if sep != b':' && sep != b'-' {
        return None;
    }
    Some(Hit {
        path,
        under_heading: true,
        is_match: sep == b':',
        number: line[..digits].parse().ok()?,
        body: line,
        content: &line[digits + 1..],
    })
}

/// Whether the `digits` digits at the start of `s` can be a line number:
/// 1 to 10 digits without a leading zero (`05` is a date or a time).
fn line_number(s: &str, digits: usize) -> bool {
    (1..=MAX_DIGITS).contains(&digits) && !s.starts_with('0')
}

/// Splits `line` at the separator at byte `i` if `DIGITS` and the same
/// separator follow it.
fn split_at(line: &str, i: usize) -> Option<Hit<'_>> {
    let sep = line.as_bytes()[i];
    let body = &line[i + 1..];
    let digits = body
        .bytes()
        .take(MAX_DIGITS + 1)
        .take_while(u8::is_ascii_digit)
        .count();
    if !line_number(body, digits) || body.as_bytes().get(digits) != Some(&sep) {
        return None;
    }
    let path = &line[..i];
    let content = &body[digits + 1..];
    // `…_13:53:08`: a clock, not `path:line:`.
    if digits == 2
        && path.ends_with(|c: char| c.is_ascii_digit())
        && content.starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    Some(Hit {
        path,
        under_heading: false,
        is_match: sep == b':',
        number: body[..digits].parse().ok()?,
        body,
        content,
    })
}

/// A path in front of `-N-` must look like a file (a dot or a slash), since
/// dates (`2024-01-31`) and ranges have the same shape; `:N:` is distinctive
/// enough alone (`Makefile:12:`).
fn plausible_path(path: &str, is_match: bool) -> bool {
    let b = path.as_bytes();
    // `2024-01-31T12:00:00` and `12:30:45` are times, not `path:line:`.
    let date = b.len() >= 7 && b[..4].iter().all(u8::is_ascii_digit) && matches!(b[4], b'-' | b'/');
    let named = path.contains(|c: char| c.is_alphabetic() || c == '/' || c == '.');
    !path.starts_with('[') && named && !date && (is_match || path.contains(['/', '.']))
}

/// Whether a line could be a ripgrep heading: a path, without whitespace
/// (log lines, which also precede number-led lines, have spaces).
fn heading_like(line: &str) -> bool {
    !line.starts_with('[') && line != "--" && !line.contains(char::is_whitespace)
}

/// Classifies every line of `text` (split on `\n`; a trailing `\r` stays
/// part of the line and is handled by the caller).
pub fn parse(text: &str) -> Vec<Line<'_>> {
    let raw: Vec<&str> = text.split('\n').collect();
    // A final newline leaves an empty last piece that is not a line.
    let raw = match raw.split_last() {
        Some((&"", rest)) => rest,
        _ => &raw[..],
    };
    // Paths of match lines, to resolve context lines whose path has `-N-`.
    let known: HashSet<&str> = raw.iter().filter_map(|l| match_path(l)).collect();
    let mut out = Vec::with_capacity(raw.len());
    let mut heading: Option<&str> = None;
    for (i, l) in raw.iter().enumerate() {
        let line = l.strip_suffix('\r').unwrap_or(l);
        if line.trim().is_empty() {
            heading = None;
            out.push(Line::Blank);
            continue;
        }
        if line == "--" {
            out.push(Line::Separator);
            continue;
        }
        if let Some(path) = heading
            && let Some(h) = bare_hit(l, path)
        {
            out.push(Line::Hit(h));
            continue;
        }
        if let Some(h) = flat_hit(l, &known) {
            heading = None;
            out.push(Line::Hit(h));
            continue;
        }
        let next_is_bare = raw.get(i + 1).is_some_and(|n| bare_hit(n, "").is_some());
        if heading_like(line) && next_is_bare {
            heading = Some(line);
            out.push(Line::Heading(line));
        } else {
            heading = None;
            out.push(Line::Other(l));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(line: &str) -> Hit<'_> {
        match parse(line)[0] {
            Line::Hit(h) => h,
            other => panic!("{line:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn flat_forms() {
        let h = hit("src/main.rs:12:fn main() {");
        assert_eq!(
            (h.path, h.number, h.is_match, h.content),
            ("src/main.rs", 12, true, "fn main() {")
        );
        let h = hit("src/main.rs-13-    let x = 1;");
        assert_eq!((h.path, h.number, h.is_match), ("src/main.rs", 13, false));
        let h = hit("a.rs:3:7:let y = 2;");
        assert_eq!((h.path, h.number, h.body), ("a.rs", 3, "3:7:let y = 2;"));
        assert_eq!(hit("Makefile:4:all: build").path, "Makefile");
        assert_eq!(hit(r"C:\src\x.rs:9:y").path, r"C:\src\x.rs");
    }

    #[test]
    fn paths_with_dashes_resolve_against_match_lines() {
        let lines = parse("axum-core/a-1-b.rs:10:x\naxum-core/a-1-b.rs-11-y\n");
        let Line::Hit(h) = lines[1] else { panic!() };
        assert_eq!((h.path, h.number), ("axum-core/a-1-b.rs", 11));
    }

    #[test]
    fn times_are_not_hits() {
        for l in [
            "2024-01-31 12:00:00 INFO x",
            "2024-01-31T12:00:00Z x",
            "12:30:45 x",
            "12:30:45.123 INFO",
            "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova",
        ] {
            assert!(matches!(parse(l)[0], Line::Other(_)), "{l}");
        }
    }

    #[test]
    fn heading_style() {
        let lines = parse("src/lib.rs\n3:pub fn a() {}\n4-}\n\nsrc/b.rs\n9:b\n");
        assert_eq!(lines[0], Line::Heading("src/lib.rs"));
        let Line::Hit(h) = lines[2] else { panic!() };
        assert_eq!(
            (h.path, h.number, h.is_match, h.under_heading),
            ("src/lib.rs", 4, false, true)
        );
        assert_eq!(lines[3], Line::Blank);
        assert_eq!(lines[4], Line::Heading("src/b.rs"));
    }

    #[test]
    fn log_lines_are_not_headings() {
        let log = "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:2181] - x\n2015-07-29 19:04:12,394 - INFO  y\n";
        assert!(parse(log).iter().all(|l| matches!(l, Line::Other(_))));
    }

    #[test]
    fn long_line_without_separator_is_other() {
        let long = "x".repeat(1 << 20);
        assert!(matches!(parse(&long)[0], Line::Other(_)));
    }
}
