//! Slices of source files: `head -n 600 x.rs`, or lines 400–700 of a file
//! read with an offset and a limit, start or end inside a block, and no
//! grammar parses them whole. The slice's outermost level that is complete
//! (between the block it starts in and the one it ends in) usually does:
//! that region is outlined, and the unbalanced lines before and after it
//! stay verbatim.
//!
//! The region is found from the nesting depth line by line (braces, outside
//! strings and comments; indentation in Python): it runs from the first
//! line boundary at the slice's lowest depth to the last one. Members of a
//! class (a slice from the middle of a Java class) parse only inside one,
//! so the region may be parsed inside a made-up wrapper ([`wrapper`]),
//! which the outline keeps untouched and which is taken off again.

use std::ops::Range;

use super::Lang;

/// The byte range of `text` worth outlining on its own, at line
/// boundaries; `None` when the whole text is already one (or none is).
pub fn region(text: &str, lang: Lang) -> Option<Range<usize>> {
    let starts = line_starts(text);
    let range = if lang.is_python() {
        python_region(text, &starts)?
    } else {
        brace_region(text, lang, &starts)?
    };
    let whole = range.start == 0 && range.end == text.len();
    (!whole && range.start < range.end).then_some(range)
}

/// Text that makes members of a type parse: (before, after).
pub fn wrapper(lang: Lang) -> Option<(&'static str, &'static str)> {
    match lang {
        Lang::Java | Lang::JavaScript | Lang::TypeScript | Lang::Tsx => {
            Some(("class _ {\n", "}\n"))
        }
        Lang::Cpp => Some(("struct _ {\n", "};\n")),
        Lang::Rust => Some(("impl _ {\n", "}\n")),
        Lang::Python => Some(("class _:\n", "")),
        Lang::Go | Lang::C => None,
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
    if starts.last() == Some(&text.len()) {
        starts.pop();
    }
    starts
}

/// Lexer state carried from line to line.
#[derive(Clone, Copy, PartialEq)]
enum State {
    Code,
    BlockComment,
    /// Inside a string that may span lines, closed by this byte.
    Str(u8),
}

/// From the first boundary at the lowest depth to the last one.
fn brace_region(text: &str, lang: Lang, starts: &[usize]) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let mut state = State::Code;
    let mut depth: i64 = 0;
    // Depth at each line boundary (before line i), and the lowest depth
    // reached anywhere.
    let mut at_boundary = Vec::with_capacity(starts.len() + 1);
    let mut lowest = 0;
    // A slice that starts inside a block comment: until its `*/`, nothing counts.
    let mut first = 0;
    if let Some(close) = text.find("*/")
        && !text[..close].contains("/*")
    {
        first = starts.partition_point(|&s| s <= close);
    }
    for (i, &start) in starts.iter().enumerate() {
        at_boundary.push(depth);
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        if i < first {
            continue;
        }
        let line = &bytes[start..end];
        let mut j = 0;
        while j < line.len() {
            let c = line[j];
            let next = line.get(j + 1).copied();
            match state {
                State::BlockComment => {
                    if c == b'*' && next == Some(b'/') {
                        state = State::Code;
                        j += 1;
                    }
                }
                State::Str(q) => {
                    if c == b'\\' {
                        j += 1;
                    } else if c == q {
                        state = State::Code;
                    }
                }
                State::Code => match c {
                    b'/' if next == Some(b'/') => break,
                    b'/' if next == Some(b'*') => {
                        state = State::BlockComment;
                        j += 1;
                    }
                    b'"' => state = State::Str(b'"'),
                    b'`' if matches!(
                        lang,
                        Lang::JavaScript | Lang::TypeScript | Lang::Tsx | Lang::Go
                    ) =>
                    {
                        state = State::Str(b'`')
                    }
                    b'\'' => j += char_literal(&line[j..], lang),
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        lowest = lowest.min(depth);
                    }
                    _ => {}
                },
            }
            j += 1;
        }
        // Only multi-line strings go on past the end of a line.
        if let State::Str(q) = state
            && !(q == b'`' || (lang == Lang::Rust && q == b'"'))
        {
            state = State::Code;
        }
    }
    at_boundary.push(depth);
    let at = |p: usize| {
        if p == starts.len() {
            text.len()
        } else {
            starts[p]
        }
    };
    let a = (first..at_boundary.len()).find(|&p| at_boundary[p] == lowest)?;
    let b = (a..at_boundary.len())
        .rev()
        .find(|&p| at_boundary[p] == lowest)?;
    Some(at(a)..at(b))
}

/// How many bytes after the `'` at the start of `s` belong to a character
/// literal (0 for a Rust lifetime or a lone quote).
fn char_literal(s: &[u8], lang: Lang) -> usize {
    if matches!(lang, Lang::JavaScript | Lang::TypeScript | Lang::Tsx) {
        // A string: to its closing quote on this line.
        let mut j = 1;
        while j < s.len() {
            match s[j] {
                b'\\' => j += 1,
                b'\'' => return j,
                _ => {}
            }
            j += 1;
        }
        return 0;
    }
    // `'x'`, `'\n'`, `'\u{1F600}'`: a closing quote within a few bytes.
    let limit = s.len().min(12);
    let mut j = 1;
    while j < limit {
        match s[j] {
            b'\\' => j += 1,
            b'\'' => return j,
            _ if j >= 2 && s[1] != b'\\' => return 0,
            _ => {}
        }
        j += 1;
    }
    0
}

/// From the first statement at the slice's lowest indentation to the end;
/// when the slice starts inside a block, a definition that runs to the end
/// of the slice is taken for a partial one and stays out too.
fn python_region(text: &str, starts: &[usize]) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    // (line, indent) of each line that starts a statement.
    let mut statements = Vec::new();
    let mut open = 0i64;
    let mut triple: Option<u8> = None;
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let line = &bytes[start..end];
        let indent = line
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
        let blank = line[indent..].iter().all(u8::is_ascii_whitespace);
        if open == 0 && triple.is_none() && !blank && line[indent] != b'#' {
            statements.push((i, indent));
        }
        let mut j = indent;
        while j < line.len() {
            let c = line[j];
            if let Some(q) = triple {
                if c == q && line[j..].starts_with(&[q, q, q]) {
                    triple = None;
                    j += 2;
                }
            } else {
                match c {
                    b'#' => break,
                    b'"' | b'\'' if line[j..].starts_with(&[c, c, c]) => {
                        triple = Some(c);
                        j += 2;
                    }
                    b'"' | b'\'' => {
                        j += 1;
                        while j < line.len() && line[j] != c && line[j] != b'\n' {
                            if line[j] == b'\\' {
                                j += 1;
                            }
                            j += 1;
                        }
                    }
                    b'(' | b'[' | b'{' => open += 1,
                    b')' | b']' | b'}' => open -= 1,
                    _ => {}
                }
            }
            j += 1;
        }
        if open < 0 {
            // A slice that starts inside brackets: start counting afresh.
            open = 0;
        }
    }
    let lowest = statements.iter().map(|s| s.1).min()?;
    let first = statements.iter().position(|s| s.1 == lowest)?;
    let a = statements[first].0;
    let tops: Vec<usize> = statements[first..]
        .iter()
        .filter(|s| s.1 == lowest)
        .map(|s| s.0)
        .collect();
    let last = *tops.last()?;
    let cut_inside = open > 0 || triple.is_some();
    let line_at = |i: usize| &text[starts[i]..starts.get(i + 1).copied().unwrap_or(text.len())];
    let defines = |i: usize| {
        let t = line_at(i).trim_start();
        ["def ", "async def ", "class ", "@"]
            .iter()
            .any(|k| t.starts_with(k))
    };
    let mut b = if cut_inside || (a > 0 && defines(last) && last != starts.len() - 1) {
        last
    } else {
        starts.len()
    };
    // Decorators go with the definition they decorate.
    while b > a
        && b < starts.len()
        && let Some(&prev) = tops.iter().rev().find(|&&t| t < b)
        && line_at(prev).trim_start().starts_with('@')
    {
        b = prev;
    }
    let at = |p: usize| {
        if p >= starts.len() {
            text.len()
        } else {
            starts[p]
        }
    };
    Some(at(a)..at(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(text: &str, r: Range<usize>) -> (usize, usize) {
        (
            text[..r.start].lines().count(),
            text[..r.end].lines().count(),
        )
    }

    #[test]
    fn a_brace_slice_keeps_its_unbalanced_ends_out() {
        let text = "    x += 1;\n    return x;\n}\n\nfn a() {\n    let s = \"}\";\n    1\n}\n\nfn b() {\n    2\n";
        let r = region(text, Lang::Rust).unwrap();
        assert_eq!(lines_of(text, r), (3, 9));
        let whole = "fn a() {\n    1\n}\n";
        assert_eq!(region(whole, Lang::Rust), None);
    }

    #[test]
    fn a_python_slice_starts_at_its_outermost_statement() {
        let text = "        total += 1\n    return total\n\n\ndef a(x):\n    '''Doc.\n    }'''\n    return x\n\n\ndef b(y):\n    y += 1\n";
        let r = region(text, Lang::Python).unwrap();
        assert_eq!(lines_of(text, r), (4, 10));
    }
}
