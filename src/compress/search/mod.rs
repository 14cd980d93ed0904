//! Search results (grep -n, ripgrep, --vimgrep, rg --heading).
//!
//! Agents open files at the paths and line numbers a search prints, so those
//! are never altered: every kept line is printed as it was, or under its
//! path printed once as a heading (ripgrep's own `--heading` form).
//!
//! 1. Lossless: matches are grouped by file with the path printed once
//!    (when no path could be mistaken for a line) and trailing whitespace
//!    goes.
//! 2. Lossy, only when that is still large and the original is stored: keep
//!    the matches that best answer the query ([`rank`]: BM25 plus a boost for
//!    definitions of the asked name, and the body of the best definitions),
//!    the first and last match, and then matches round-robin over files so
//!    every file stays visible; repeated identical lines are kept once. Each
//!    run of omitted matches becomes `… N more matches (lines A-B)` where it
//!    was, and one marker at the end names the stored original.

pub mod parse;
pub mod rank;

use std::collections::HashSet;

use self::parse::{Hit, Line};
use super::{Compressed, Context};

/// With this many matches or fewer, everything is kept.
const MIN_MATCHES_TO_THIN: usize = 20;

/// At most this many files with no kept match get a line of their own.
const MAX_LISTED_FILES: usize = 20;

/// A definition's body keeps at most this many of its matches.
const MAX_BODY_MATCHES: usize = 12;

/// The bodies of at most this many of the best definitions are kept.
const MAX_BODIES: usize = 4;

/// Compresses grep/ripgrep output, or `None` if `text` is not search output.
pub fn compress(text: &str, ctx: &Context) -> Option<Compressed> {
    let lines = parse::parse(text);
    let hits = lines.iter().filter(|l| matches!(l, Line::Hit(_))).count();
    let content_lines = lines.iter().filter(|l| !matches!(l, Line::Blank)).count();
    if hits == 0 || hits * 2 < content_lines {
        return None;
    }
    let grouped = groupable(&lines, ctx.lossless);
    let keep_all = vec![true; lines.len()];
    let lossless = render(&lines, &keep_all, grouped, None);
    let mut out = Compressed {
        text: lossless,
        transforms: vec![
            if grouped {
                "search:group-by-file"
            } else {
                "search:trim"
            }
            .to_string(),
        ],
        hashes: Vec::new(),
    };
    let matches = lines
        .iter()
        .filter(|l| matches!(l, Line::Hit(h) if h.is_match))
        .count();
    if !ctx.may_drop() || matches <= MIN_MATCHES_TO_THIN || ctx.is_small(&out.text) {
        return Some(out);
    }
    let keep = select(&lines, &ctx.query, budget(matches));
    if keep == keep_all {
        return Some(out);
    }
    let Some(hash) = ctx.store(text, "search") else {
        return Some(out);
    };
    let marker = |summary: &str| ctx.marker_line(summary, &hash);
    let lossy = render(&lines, &keep, groupable(&lines, false), Some(&marker));
    let kept = lines
        .iter()
        .zip(&keep)
        .filter(|(l, k)| **k && matches!(l, Line::Hit(h) if h.is_match))
        .count();
    out.text = lossy;
    out.transforms
        .push(format!("search:select({kept} of {matches} matches)"));
    out.hashes.push(hash);
    Some(out)
}

/// How many matches to keep out of `n`: grows like the square root, so a
/// result set ten times larger shows about three times as many.
fn budget(n: usize) -> usize {
    (10.0 + 2.0 * (n as f64).sqrt()).round() as usize
}

/// Whether the grouped form is unambiguous: no path could be read as a
/// line of its own, and (for an exact transform) no other lines sit among
/// the hits that a reader could take for a heading.
fn groupable(lines: &[Line], exact: bool) -> bool {
    lines.iter().all(|l| match l {
        Line::Hit(h) => {
            !h.path.is_empty()
                && h.path != "--"
                && !h.path.starts_with('…')
                && !h.path.starts_with([' ', '\t'])
                && parse::bare_hit(h.path, "").is_none()
        }
        Line::Other(_) => !exact,
        _ => true,
    })
}

/// A match, its context lines and where it sits.
struct Match<'a> {
    line: usize,
    hit: Hit<'a>,
    file: usize,
}

/// Chooses the lines to keep: a flag per line of `lines`.
fn select(lines: &[Line], query: &crate::relevance::Query, budget: usize) -> Vec<bool> {
    // Files are runs of hits with the same path.
    let mut matches: Vec<Match> = Vec::new();
    let mut files: Vec<Vec<usize>> = Vec::new();
    let mut last_path: Option<&str> = None;
    for (i, l) in lines.iter().enumerate() {
        if let Line::Hit(h) = l {
            if last_path != Some(h.path) {
                files.push(Vec::new());
                last_path = Some(h.path);
            }
            if h.is_match {
                files.last_mut().unwrap().push(matches.len());
                matches.push(Match {
                    line: i,
                    hit: *h,
                    file: files.len() - 1,
                });
            }
        }
    }
    let contents: Vec<&str> = matches.iter().map(|m| m.hit.content).collect();
    let paths: Vec<&str> = matches.iter().map(|m| m.hit.path).collect();
    let scores = rank::scores(&contents, &paths, query);
    let mut kept = vec![false; matches.len()];

    // 1. The best answers, at most 2/3 of the budget: matches within half of
    //    the best score, and definitions of a name the query asks about
    //    within a quarter of it. Lines that merely tie with many others are
    //    left to the round-robin below, which spreads them over files.
    let top = scores.iter().cloned().fold(0.0, f64::max);
    let mut ranked: Vec<usize> = (0..matches.len())
        .filter(|&m| {
            scores[m] > 0.0
                && (scores[m] >= top * 0.5
                    || (scores[m] >= top * 0.25 && rank::defines_asked_name(contents[m], query)))
        })
        .collect();
    ranked.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    ranked.truncate((budget * 2 / 3).max(1));
    for &m in &ranked {
        kept[m] = true;
    }
    // 2. The body of the best definitions: following matches in the same
    //    file indented deeper than the definition line (where the defined
    //    thing is used or does its work).
    let definitions = ranked
        .iter()
        .filter(|&&m| !rank::defined_names(contents[m]).is_empty());
    let mut body_left = budget / 2;
    for &m in definitions.take(MAX_BODIES) {
        let indent = indent_of(contents[m]);
        let file = &files[matches[m].file];
        let from = file.iter().position(|&x| x == m).unwrap_or(0) + 1;
        for &b in file[from..].iter().take(MAX_BODY_MATCHES.min(body_left)) {
            if indent_of(contents[b]) <= indent && !contents[b].trim().is_empty() {
                break;
            }
            body_left -= usize::from(!kept[b]);
            kept[b] = true;
        }
    }
    // 3. The first and last match.
    kept[0] = true;
    kept[matches.len() - 1] = true;
    // 4. Round-robin over files, best file first, best match first; a line
    //    identical to one already kept is not kept again.
    let mut seen: HashSet<&str> = (0..matches.len())
        .filter(|&m| kept[m])
        .map(|m| contents[m].trim())
        .collect();
    let file_score: Vec<f64> = files
        .iter()
        .map(|f| f.iter().map(|&m| scores[m]).fold(0.0, f64::max))
        .collect();
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|&a, &b| file_score[b].total_cmp(&file_score[a]).then(a.cmp(&b)));
    let mut queues: Vec<Vec<usize>> = files
        .iter()
        .map(|f| {
            let mut q: Vec<usize> = f.iter().copied().filter(|&m| !kept[m]).collect();
            q.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
            q.reverse(); // pop() takes the best
            q
        })
        .collect();
    let mut count = kept.iter().filter(|k| **k).count();
    while count < budget && queues.iter().any(|q| !q.is_empty()) {
        for &f in &order {
            if count >= budget {
                break;
            }
            while let Some(m) = queues[f].pop() {
                if seen.insert(contents[m].trim()) {
                    kept[m] = true;
                    count += 1;
                    break;
                }
            }
        }
    }

    // Lines: kept matches, and context lines whose nearest match is kept.
    let mut keep: Vec<bool> = lines.iter().map(|l| !matches!(l, Line::Hit(_))).collect();
    let mut line_kept = vec![false; lines.len()];
    for (m, k) in matches.iter().zip(&kept) {
        line_kept[m.line] = *k;
    }
    let owners = context_owners(lines);
    for (i, l) in lines.iter().enumerate() {
        match l {
            Line::Hit(h) if h.is_match => keep[i] = line_kept[i],
            Line::Hit(_) => keep[i] = owners[i].is_some_and(|j| line_kept[j]),
            _ => {}
        }
    }
    keep
}

fn indent_of(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

/// For each context line, the match line closest to it by line number
/// within the same unbroken run of its file (the earlier one on a tie).
fn context_owners(lines: &[Line]) -> Vec<Option<usize>> {
    // The nearest match before and after each line, within its run.
    let sweep = |order: &mut dyn Iterator<Item = usize>| {
        let mut nearest = vec![None; lines.len()];
        let mut last: Option<(usize, &str, u64)> = None;
        for i in order {
            let Line::Hit(h) = lines[i] else {
                last = None;
                continue;
            };
            if last.is_some_and(|(_, path, _)| path != h.path) {
                last = None;
            }
            if h.is_match {
                last = Some((i, h.path, h.number));
            } else {
                nearest[i] = last.map(|(j, _, n)| (j, h.number.abs_diff(n)));
            }
        }
        nearest
    };
    let before = sweep(&mut (0..lines.len()));
    let after = sweep(&mut (0..lines.len()).rev());
    before
        .into_iter()
        .zip(after)
        .map(|(b, a)| match (b, a) {
            (Some(b), Some(a)) => Some(if a.1 < b.1 { a.0 } else { b.0 }),
            (b, a) => b.or(a).map(|x| x.0),
        })
        .collect()
}

/// Omitted matches of one file, waiting to be reported where they were.
#[derive(Default)]
struct Gap {
    count: usize,
    first: u64,
    last: u64,
}

impl Gap {
    fn add(&mut self, n: u64) {
        if self.count == 0 {
            self.first = n;
        }
        self.last = n;
        self.count += 1;
    }

    /// `… 3 more matches (lines 10-80)` under a heading, or naming the path
    /// where no heading says it.
    fn line(&self, path: Option<&str>, more: bool) -> String {
        let n = self.count;
        let what = if n == 1 { "match" } else { "matches" };
        let more = if more { " more" } else { "" };
        let lines = if n == 1 {
            format!("line {}", self.first)
        } else {
            format!("lines {}-{}", self.first, self.last)
        };
        match path {
            Some(p) => format!("… {n}{more} {what} in {p} ({lines})"),
            None => format!("… {n}{more} {what} ({lines})"),
        }
    }
}

/// Prints kept lines in order, grouped or flat, with a gap line where
/// matches were omitted.
struct Printer<'a> {
    out: String,
    grouped: bool,
    /// The file being printed and whether any of its lines was printed.
    path: Option<&'a str>,
    shown: bool,
    gap: Gap,
    pending_separator: bool,
    /// Files none of whose matches is shown: listed up to a limit, then counted.
    listed: usize,
    unlisted_files: usize,
    unlisted_matches: usize,
    total: usize,
    omitted: usize,
    files_with_omissions: usize,
    file_omitted: bool,
}

impl<'a> Printer<'a> {
    fn push(&mut self, s: &str) {
        self.out.push_str(s.trim_end());
        self.out.push('\n');
    }

    fn flush_gap(&mut self) {
        if self.gap.count == 0 {
            return;
        }
        let line = if self.shown && self.grouped {
            Some(self.gap.line(None, true))
        } else if self.shown {
            Some(self.gap.line(self.path, true))
        } else if self.listed < MAX_LISTED_FILES {
            self.listed += 1;
            Some(self.gap.line(self.path, false))
        } else {
            self.unlisted_files += 1;
            self.unlisted_matches += self.gap.count;
            None
        };
        if let Some(line) = line {
            self.push(&line);
        }
        self.gap = Gap::default();
        self.pending_separator = false;
    }

    fn other(&mut self, line: &str) {
        self.flush_gap();
        self.path = None;
        self.push(line);
    }

    fn hit(&mut self, h: &Hit<'a>, keep: bool) {
        if self.path != Some(h.path) {
            self.flush_gap();
            self.path = Some(h.path);
            self.shown = false;
            self.pending_separator = false;
            self.file_omitted = false;
        }
        self.total += usize::from(h.is_match);
        if !keep {
            if h.is_match {
                self.gap.add(h.number);
                self.omitted += 1;
                self.files_with_omissions += usize::from(!self.file_omitted);
                self.file_omitted = true;
            }
            return;
        }
        if !self.shown && self.grouped {
            self.push(h.path);
            self.shown = true;
        }
        if self.gap.count > 0 {
            self.flush_gap();
        } else if self.pending_separator && self.shown {
            self.push("--");
        }
        self.pending_separator = false;
        self.shown = true;
        if self.grouped {
            self.push(h.body);
        } else {
            self.push(&flat_line(h));
        }
    }
}

/// Prints the kept lines, grouped under path headings or flat, with gap
/// lines where matches were omitted and, when `marker` is given, a final
/// marker line summarising the omission.
fn render(
    lines: &[Line],
    keep: &[bool],
    grouped: bool,
    marker: Option<&dyn Fn(&str) -> String>,
) -> String {
    let mut p = Printer {
        out: String::new(),
        grouped,
        path: None,
        shown: false,
        gap: Gap::default(),
        pending_separator: false,
        listed: 0,
        unlisted_files: 0,
        unlisted_matches: 0,
        total: 0,
        omitted: 0,
        files_with_omissions: 0,
        file_omitted: false,
    };
    for (i, l) in lines.iter().enumerate() {
        match l {
            Line::Hit(h) => p.hit(h, keep[i]),
            Line::Separator => p.pending_separator = true,
            // Printed with the first kept hit of the file.
            Line::Heading(_) => {}
            // Group separators of rg --heading go with their headings.
            Line::Blank if matches!(lines.get(i + 1), Some(Line::Heading(_)) | None) => {}
            Line::Blank => p.other(""),
            Line::Other(s) => p.other(s),
        }
    }
    p.flush_gap();
    if let Some(marker) = marker {
        if p.unlisted_files > 0 {
            let line = format!(
                "… {} match{} in {} more file{}",
                p.unlisted_matches,
                if p.unlisted_matches == 1 { "" } else { "es" },
                p.unlisted_files,
                if p.unlisted_files == 1 { "" } else { "s" },
            );
            p.push(&line);
        }
        let files = match p.files_with_omissions {
            1 => "1 file".to_string(),
            n => format!("{n} files"),
        };
        let line = marker(&format!(
            "{} of {} matches omitted in {files}",
            p.omitted, p.total
        ));
        p.push(&line);
    }
    p.out
}

/// A hit in flat form: its path, separator and body (the input line itself
/// unless it stood under a heading).
fn flat_line(h: &Hit) -> String {
    let sep = if h.is_match { ':' } else { '-' };
    format!("{}{sep}{}", h.path, h.body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relevance::Query;

    use crate::ccr::HashOnlySink as Memory;

    fn cost(s: &str) -> usize {
        s.len() / 4
    }

    fn ctx(query: &str, lossless: bool) -> Context<'static> {
        Context {
            query: Query::parse(query),
            lossless,
            valid_json: false,
            sink: if lossless { None } else { Some(&Memory) },
            via: Default::default(),
            cost: &cost,
            lossy_min_tokens: 200,
        }
    }

    fn many_hits() -> String {
        let mut s = String::new();
        for f in 0..12 {
            for n in 0..25 {
                let line = 10 * n + 1;
                if f == 7 && n == 13 {
                    s.push_str(&format!(
                        "src/mod{f}.rs:{line}:pub fn parse_config(input: &str) -> Config {{\n"
                    ));
                } else {
                    s.push_str(&format!(
                        "src/mod{f}.rs:{line}:    let cfg = parse_config(&input_{n});\n"
                    ));
                }
            }
        }
        s
    }

    #[test]
    fn lossless_groups_by_file_exactly() {
        let input = "src/a.rs:1:x  \nsrc/a.rs-2-y\n--\nsrc/a.rs:9:z\nsrc/b.rs:3:w\n";
        let out = compress(input, &ctx("", true)).unwrap();
        assert_eq!(out.text, "src/a.rs\n1:x\n2-y\n--\n9:z\nsrc/b.rs\n3:w\n");
    }

    #[test]
    fn ambiguous_paths_stay_flat() {
        let input = "12:odd/a.rs:1:x\n12:odd/a.rs:2:y\n";
        let out = compress(input, &ctx("", true)).unwrap();
        assert_eq!(out.text, input);
    }

    #[test]
    fn keeps_the_definition_and_marks_gaps() {
        let input = many_hits();
        let out = compress(&input, &ctx("where is parse_config defined?", false)).unwrap();
        assert!(out.text.contains("src/mod7.rs\n"), "{}", out.text);
        assert!(
            out.text
                .contains("131:pub fn parse_config(input: &str) -> Config {")
        );
        assert!(out.text.contains("… "), "{}", out.text);
        assert_eq!(out.hashes.len(), 1);
        assert!(
            out.text
                .trim_end()
                .ends_with(&format!("retrieve: headroom retrieve {}]", out.hashes[0]))
        );
        assert!(
            out.text.len() * 2 < input.len(),
            "{} vs {}",
            out.text.len(),
            input.len()
        );
        // Every file is still named.
        for f in 0..12 {
            assert!(
                out.text.contains(&format!("src/mod{f}.rs")),
                "file {f} missing"
            );
        }
    }

    #[test]
    fn kept_lines_are_input_lines_in_order() {
        let input = many_hits();
        let out = compress(&input, &ctx("parse_config", false)).unwrap();
        let mut path = "";
        let mut last = 0;
        for l in out.text.lines() {
            if l.starts_with("src/") {
                path = l;
                continue;
            }
            if l.starts_with('…') || l.starts_with("[headroom") {
                continue;
            }
            let flat = format!("{path}:{l}");
            let pos = input
                .find(&format!("{flat}\n"))
                .unwrap_or_else(|| panic!("{flat} not in input"));
            assert!(pos >= last);
            last = pos;
        }
    }

    #[test]
    fn lossless_mode_drops_nothing() {
        let input = many_hits();
        let out = compress(&input, &ctx("parse_config", true)).unwrap();
        assert!(out.hashes.is_empty());
        assert_eq!(
            out.text.lines().filter(|l| !l.starts_with("src/")).count(),
            300
        );
    }

    #[test]
    fn not_search_output() {
        assert!(compress("just some words\nand more\n", &ctx("", false)).is_none());
        assert!(compress("", &ctx("", false)).is_none());
    }

    #[test]
    fn deterministic() {
        let input = many_hits();
        let a = compress(&input, &ctx("config", false)).unwrap();
        let b = compress(&input, &ctx("config", false)).unwrap();
        assert_eq!(a, b);
    }
}
