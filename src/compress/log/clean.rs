//! Display clean-up of raw terminal output, line by line.
//!
//! Build tools write for terminals: colour codes, carriage-return redraws of
//! progress bars, CRLF endings, trailing padding. None of it reaches the
//! reader's eyes, all of it costs tokens. ANSI escapes, line-end `\r` and
//! trailing whitespace are removed in every mode (what a terminal shows is
//! unchanged); resolving redraws keeps only the final state of a line, so it
//! runs only when content may be dropped.

use std::borrow::Cow;

/// The input split into cleaned lines.
pub struct Lines<'a> {
    pub lines: Vec<Cow<'a, str>>,
    /// Whether the input ended with a newline (kept in the output).
    pub trailing_newline: bool,
}

impl Lines<'_> {
    /// Joins `lines` back into text, ending with a newline if the input did.
    pub fn join(lines: impl Iterator<Item = impl AsRef<str>>, trailing_newline: bool) -> String {
        let mut out = String::new();
        for (i, l) in lines.enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(l.as_ref());
        }
        if trailing_newline {
            out.push('\n');
        }
        out
    }
}

/// Splits `text` into lines (LF or CRLF) and cleans each one. With
/// `redraws`, a line that was redrawn with `\r` keeps only its last state.
pub fn clean(text: &str, redraws: bool) -> Lines<'_> {
    let trailing_newline = text.ends_with('\n');
    let body = text.strip_suffix('\n').unwrap_or(text);
    let lines = if body.is_empty() && trailing_newline {
        vec![Cow::Borrowed("")]
    } else {
        body.split('\n').map(|l| clean_line(l, redraws)).collect()
    };
    Lines {
        lines,
        trailing_newline,
    }
}

fn clean_line(line: &str, redraws: bool) -> Cow<'_, str> {
    let mut out: Cow<'_, str> = if memchr::memchr(0x1b, line.as_bytes()).is_some() {
        Cow::Owned(strip_ansi(line))
    } else {
        Cow::Borrowed(line)
    };
    if redraws {
        let trimmed = out.trim_end();
        if let Some(pos) = trimmed.rfind('\r') {
            // The terminal shows what was written after the last carriage
            // return (progress bars pad each redraw to the full width).
            let last = trimmed[pos + 1..].to_string();
            out = Cow::Owned(last);
        }
    }
    match out {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim_end()),
        Cow::Owned(s) => {
            let t = s.trim_end();
            if t.len() == s.len() {
                Cow::Owned(s)
            } else {
                Cow::Owned(t.to_string())
            }
        }
    }
}

/// Removes ANSI escape sequences: CSI (`ESC [ … final`), OSC and other
/// string sequences (up to BEL or `ESC \`), and two-byte escapes.
pub fn strip_ansi(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut start = 0;
    while i < b.len() {
        if b[i] != 0x1b {
            i += 1;
            continue;
        }
        out.push_str(&s[start..i]);
        i += 1;
        match b.get(i) {
            Some(b'[') => {
                i += 1;
                while i < b.len() && (0x20..=0x3f).contains(&b[i]) {
                    i += 1;
                }
                if i < b.len() && (0x40..=0x7e).contains(&b[i]) {
                    i += 1;
                }
            }
            Some(b']' | b'P' | b'X' | b'^' | b'_') => {
                i += 1;
                while i < b.len() {
                    if b[i] == 0x07 {
                        i += 1;
                        break;
                    }
                    if b[i] == 0x1b && b.get(i + 1) == Some(&b'\\') {
                        i += 2;
                        break;
                    }
                    i += 1;
                }
            }
            Some(c) if (0x20..=0x2f).contains(c) => {
                while i < b.len() && (0x20..=0x2f).contains(&b[i]) {
                    i += 1;
                }
                if i < b.len() && (0x30..=0x7e).contains(&b[i]) {
                    i += 1;
                }
            }
            Some(c) if (0x30..=0x7e).contains(c) => i += 1,
            _ => {}
        }
        // Every byte skipped above is ASCII, so `i` is a char boundary.
        start = i;
    }
    out.push_str(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_colour_and_osc() {
        assert_eq!(strip_ansi("\x1b[1;31merror\x1b[0m: x"), "error: x");
        assert_eq!(strip_ansi("\x1b]8;;http://x\x07link\x1b]8;;\x07"), "link");
        assert_eq!(strip_ansi("a\x1b(Bb\x1b7c"), "abc");
        assert_eq!(strip_ansi("tail \x1b"), "tail ");
        assert_eq!(strip_ansi("é\x1b[2Kü"), "éü");
    }

    #[test]
    fn crlf_trailing_space_and_redraws() {
        let l = clean("a  \r\nb\r\n", false);
        assert_eq!(l.lines, ["a", "b"]);
        assert!(l.trailing_newline);
        let l = clean(" 10%\r 50%\r100% done\nnext", true);
        assert_eq!(l.lines, ["100% done", "next"]);
        let l = clean(" 10%\r 50%\r100% done", false);
        assert_eq!(l.lines, [" 10%\r 50%\r100% done"]);
        assert_eq!(clean("", false).lines, [""]);
    }
}
