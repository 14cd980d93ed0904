//! The lossless fold: a run of identical lines becomes one line and an exact
//! count, `line (×12)`.
//!
//! The fold is exact only if no input line already ends the way a folded
//! one does; when one does, nothing is folded, so every `(×N)` in the output
//! means exactly N copies.

use std::borrow::Cow;

/// The suffix a run of `n` identical lines gets.
pub fn suffix(n: usize) -> String {
    format!(" (×{n})")
}

/// Whether `line` ends like a folded line (` (×` digits `)`).
fn looks_folded(line: &str) -> bool {
    let Some(rest) = line.strip_suffix(')') else {
        return false;
    };
    let digits = rest.bytes().rev().take_while(u8::is_ascii_digit).count();
    digits > 0 && rest[..rest.len() - digits].ends_with(" (×")
}

/// Whether folding is unambiguous for these lines.
pub fn can_fold(lines: &[Cow<'_, str>]) -> bool {
    !lines.iter().any(|l| looks_folded(l))
}

/// Runs of identical lines as `(first index, length)`. Blank lines are
/// never folded (a bare `(×3)` reads worse than three empty lines).
pub fn runs<S: AsRef<str>>(lines: &[S]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i + 1;
        if !lines[i].as_ref().is_empty() {
            while j < lines.len() && lines[j].as_ref() == lines[i].as_ref() {
                j += 1;
            }
        }
        out.push((i, j - i));
        i = j;
    }
    out
}

/// The lossless rendering: runs folded when that is unambiguous.
pub fn render(lines: &[Cow<'_, str>], trailing_newline: bool) -> String {
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    let fold = can_fold(lines);
    let mut first = true;
    let mut push = |out: &mut String, s: &str| {
        if !first {
            out.push('\n');
        }
        first = false;
        out.push_str(s);
    };
    if fold {
        for (i, n) in runs(lines) {
            push(&mut out, &lines[i]);
            if n > 1 {
                out.push_str(&suffix(n));
            }
        }
    } else {
        for l in lines {
            push(&mut out, l);
        }
    }
    if trailing_newline {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cows(v: &[&'static str]) -> Vec<Cow<'static, str>> {
        v.iter().map(|s| Cow::Borrowed(*s)).collect()
    }

    #[test]
    fn folds_runs_exactly() {
        let l = cows(&["a", "b", "b", "b", "", "", "c"]);
        assert_eq!(render(&l, true), "a\nb (×3)\n\n\nc\n");
    }

    #[test]
    fn ambiguous_input_is_not_folded() {
        let l = cows(&["x (×2)", "y", "y"]);
        assert!(!can_fold(&l));
        assert_eq!(render(&l, false), "x (×2)\ny\ny");
        assert!(looks_folded("a (×10)"));
        assert!(!looks_folded("a (×)"));
        assert!(!looks_folded("a (x2)"));
    }
}
