//! Runs of identical lines: a repeat of the line before it says nothing
//! new, so the lossy stage keeps a run's first line and counts the rest in
//! its marker (a line is never rewritten to carry a count).

use std::ops::Range;

/// Runs of identical non-blank lines longer than one.
pub fn runs<S: AsRef<str>>(lines: &[S]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i + 1;
        if !lines[i].as_ref().trim().is_empty() {
            while j < lines.len() && lines[j].as_ref() == lines[i].as_ref() {
                j += 1;
            }
        }
        if j - i > 1 {
            out.push(i..j);
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_identical_lines() {
        assert_eq!(runs(&["a", "b", "b", "b", "", "", "c", "c"]), [1..4, 6..8]);
    }
}
