//! Numbered file views: `cat -n` and coding agents' file reads
//! (Claude Code's `Read` prints `    12→text`).
//!
//! The numbers hide what the text is (a source file no longer looks like
//! code) and their padding costs a token a line. So the numbers come off,
//! the text is compressed as what it is, and every line that survives gets
//! its number back, unpadded: `12→text`. Lines a compressor wrote (markers,
//! folds) stand without a number, so a gap in the numbers is a gap in the
//! file. Text after the numbered lines (an agent's reminder) is kept as is.

use similar::{Algorithm, DiffTag, capture_diff_slices};

use crate::compress::Compressed;

/// Fewer numbered lines than this are not worth the detour.
const MIN_LINES: usize = 8;

/// A numbered view split into its parts.
#[derive(Debug, PartialEq)]
pub struct Numbered<'a> {
    /// The number of the first line; the rest follow one by one.
    pub first: u64,
    /// The text of each numbered line, without number and separator.
    pub lines: Vec<&'a str>,
    /// `→` or a tab.
    pub separator: &'static str,
    /// Whatever follows the numbered lines, from the start of its line.
    pub trailer: &'a str,
}

impl Numbered<'_> {
    /// The file text the view shows.
    pub fn content(&self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }

    /// The view with the padding taken off the numbers (lossless).
    pub fn unpadded(&self) -> String {
        let mut out = String::new();
        for (i, line) in self.lines.iter().enumerate() {
            self.push_numbered(&mut out, i, line);
        }
        out.push_str(self.trailer);
        out
    }

    /// `compressed` (of [`Numbered::content`]) with the number of every
    /// line that is a line of the view put back in front of it.
    pub fn renumber(&self, compressed: Compressed) -> Compressed {
        let out_lines: Vec<&str> = compressed.text.lines().collect();
        let mut text = String::with_capacity(compressed.text.len() + 6 * out_lines.len());
        for op in capture_diff_slices(Algorithm::Myers, &self.lines, &out_lines) {
            let (tag, old, new) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => {
                    for (k, line) in out_lines[new].iter().enumerate() {
                        self.push_numbered(&mut text, old.start + k, line);
                    }
                }
                DiffTag::Insert | DiffTag::Replace => {
                    // A line that still begins with a line of the view (a
                    // signature with its body folded onto it: `fn f() {`
                    // became `fn f() { /* 9 lines */ }`) keeps its number.
                    let mut next = old.start;
                    for line in &out_lines[new] {
                        let from = (next..old.end).find(|&k| {
                            self.lines[k].contains(char::is_alphanumeric)
                                && line.starts_with(self.lines[k])
                        });
                        match from {
                            Some(k) => {
                                self.push_numbered(&mut text, k, line);
                                next = k + 1;
                            }
                            None => {
                                text.push_str(line);
                                text.push('\n');
                            }
                        }
                    }
                }
                DiffTag::Delete => {}
            }
        }
        text.push_str(self.trailer);
        let mut transforms = vec!["numbered-lines".to_string()];
        transforms.extend(compressed.transforms);
        Compressed {
            text,
            transforms,
            hashes: compressed.hashes,
        }
    }

    fn push_numbered(&self, out: &mut String, index: usize, line: &str) {
        out.push_str(&(self.first + index as u64).to_string());
        out.push_str(self.separator);
        out.push_str(line);
        out.push('\n');
    }
}

/// The numbered view in `text`, if its first lines are numbered one by one.
pub fn parse(text: &str) -> Option<Numbered<'_>> {
    let mut lines = Vec::new();
    let mut first = None;
    let mut separator = "";
    let mut consumed = 0;
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let body = body.strip_suffix('\r').unwrap_or(body);
        let Some((number, sep, rest)) = split_number(body) else {
            break;
        };
        match first {
            None => {
                first = Some(number);
                separator = sep;
            }
            Some(f) if number == f + lines.len() as u64 && sep == separator => {}
            Some(_) => break,
        }
        lines.push(rest);
        consumed += line.len();
    }
    if lines.len() < MIN_LINES {
        return None;
    }
    Some(Numbered {
        first: first?,
        lines,
        separator,
        trailer: &text[consumed..],
    })
}

/// `("12", "→", "text")` parsed from `    12→text` or `    12\ttext`.
fn split_number(line: &str) -> Option<(u64, &'static str, &str)> {
    let t = line.trim_start_matches(' ');
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let number = t[..digits].parse().ok()?;
    let rest = &t[digits..];
    if let Some(r) = rest.strip_prefix('→') {
        Some((number, "→", r))
    } else {
        rest.strip_prefix('\t').map(|r| (number, "\t", r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(n: usize) -> String {
        (1..=n)
            .map(|i| format!("{i:>6}→line {i}\n"))
            .collect::<String>()
    }

    #[test]
    fn parses_claude_code_reads_and_cat_n() {
        let text = format!("{}\n<system-reminder>x</system-reminder>\n", view(10));
        let n = parse(&text).unwrap();
        assert_eq!((n.first, n.lines.len(), n.separator), (1, 10, "→"));
        assert_eq!(n.lines[9], "line 10");
        assert_eq!(n.trailer, "\n<system-reminder>x</system-reminder>\n");
        let cat = (40..60)
            .map(|i| format!("{i:>6}\tx = {i}\n"))
            .collect::<String>();
        let n = parse(&cat).unwrap();
        assert_eq!((n.first, n.lines.len(), n.separator), (40, 20, "\t"));
        assert_eq!(n.content().lines().next(), Some("x = 40"));
    }

    #[test]
    fn other_text_is_not_a_view() {
        assert_eq!(parse(&view(5)), None, "too short");
        let skipping = "1→a\n2→b\n4→c\n5→d\n6→e\n7→f\n8→g\n9→h\n";
        assert_eq!(parse(skipping), None, "numbers skip");
        assert_eq!(parse("2024 was a year\n".repeat(20).as_str()), None);
    }

    #[test]
    fn surviving_lines_get_their_numbers_back() {
        let text = view(10);
        let n = parse(&text).unwrap();
        assert_eq!(
            n.unpadded(),
            (1..=10)
                .map(|i| format!("{i}→line {i}\n"))
                .collect::<String>()
        );
        let compressed = Compressed {
            text: "line 1\nline 2\n[headroom: 7 lines omitted]\nline 10\n".into(),
            transforms: vec!["x".into()],
            hashes: vec![],
        };
        let out = n.renumber(compressed);
        assert_eq!(
            out.text,
            "1→line 1\n2→line 2\n[headroom: 7 lines omitted]\n10→line 10\n"
        );
        assert_eq!(out.transforms, ["numbered-lines", "x"]);
    }

    #[test]
    fn a_line_with_a_fold_appended_keeps_its_number() {
        let lines = [
            "fn f() {",
            "    a();",
            "    b();",
            "}",
            "",
            "// one",
            "// two",
            "fn g() {}",
        ];
        let text: String = lines
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{:>6}→{l}\n", i + 1))
            .collect();
        let n = parse(&text).unwrap();
        let compressed = Compressed {
            text: "fn f() { /* 2 lines */ }\n\n// one (+1 line)\nfn g() {}\n".into(),
            transforms: vec![],
            hashes: vec![],
        };
        assert_eq!(
            n.renumber(compressed).text,
            "1→fn f() { /* 2 lines */ }\n5→\n6→// one (+1 line)\n8→fn g() {}\n"
        );
    }
}
