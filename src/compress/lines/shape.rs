//! Line shapes: lines that differ only in their values (numbers, paths,
//! names in a listing) share one shape, the unit that runs are folded by.
//!
//! A line is cut into tokens at whitespace and at `=`, `,`, `;`, `|`, `"`
//! and the `:` that ends a label; a tree's drawing prefix (`│   ├── `) is
//! set aside, so every depth of a tree shares its shapes. Each token becomes
//! a class (number, path, word) or stays literal where it names what the
//! line is: a label (`Author:`, `HOME=`), the first word of a line of three
//! or more tokens (`ii`, `commit`, `-rw-r--r--`), a status word. A sentence
//! keeps all its words (numbers aside): two messages are two facts.

/// Tokens that take part in a shape; a longer line shares the shape of
/// others with the same first tokens.
const SHAPE_TOKENS: usize = 4;

/// The token classes of a shape.
const NUMBER: u64 = 1;
const PATH: u64 = 2;
const WORD: u64 = 3;

/// One token of a line: its text and where it sits in the shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub text: &'a str,
    pub class: Class,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Number,
    Path,
    Word,
}

/// The shape key of `line`: equal keys, same shape.
pub fn shape(line: &str) -> u64 {
    let body = strip_tree(line);
    let indent = body.len() - body.trim_start().len();
    let tree = line.len() != body.len();
    let tokens = tokenize(body.trim_start());
    let prose = is_prose(body.trim_start(), &tokens);
    let mut h = mix(0x51_7cc1_b727_220a, indent as u64);
    h = mix(h, u64::from(tree));
    h = mix(h, tokens.len().min(SHAPE_TOKENS + 1) as u64);
    for (i, t) in tokens.iter().enumerate() {
        if !prose && i >= SHAPE_TOKENS {
            break;
        }
        let literal = prose
            || is_label(body.trim_start(), t.text)
            || (i == 0 && !tree && tokens.len() >= 3 && t.class == Class::Word)
            || is_status(t.text);
        h = mix(
            h,
            if literal {
                hash_masked(t.text)
            } else {
                match t.class {
                    Class::Number => NUMBER,
                    Class::Path => PATH,
                    Class::Word => WORD,
                }
            },
        );
    }
    h
}

/// `line` without a tree's drawing prefix (`│   ├── `, `|-- `, `` `-- ``).
pub fn strip_tree(line: &str) -> &str {
    let mut rest = line;
    loop {
        let t = rest.trim_start_matches(' ');
        let next = [
            "│",
            "├──",
            "└──",
            "├─",
            "└─",
            "|--",
            "`--",
            "|   ",
            "+--",
            "\\--",
        ]
        .iter()
        .find_map(|p| t.strip_prefix(p));
        match next {
            Some(r) => rest = r,
            None => return if rest.len() == line.len() { line } else { t },
        }
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '=' | ',' | ';' | '|' | '"' | '(' | ')' | '{' | '}')
}

/// The tokens of `text`; a `:` ends a token only when a space or the end
/// follows it (`Author: x`, `key: v`), so `12:00` and `a/b.rs:3` stay whole.
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    for word in text.split(is_separator) {
        let word = word.trim_matches(|c| matches!(c, '[' | ']' | '<' | '>' | '\''));
        if word.is_empty() {
            continue;
        }
        out.push(Token {
            text: word,
            class: class_of(word),
        });
    }
    out
}

/// A number is a token that starts with a digit (or `v1.2`, `-3`), an id
/// made mostly of digits, or a month or weekday; `utf8parse` and `api-7`
/// are names.
fn class_of(word: &str) -> Class {
    let b = word.as_bytes();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let lead = b
        .iter()
        .position(|c| !matches!(c, b'v' | b'V' | b'-' | b'+'))
        .is_some_and(|i| i <= 1 && b[i].is_ascii_digit());
    if word.contains(['/', '\\']) && word.len() > 1 {
        Class::Path
    } else if lead
        || digits * 2 >= b.len()
        || (digits > 0 && is_hex_id(word))
        || is_calendar_word(word)
    {
        Class::Number
    } else {
        Class::Word
    }
}

/// A hash or id: hex digits only, seven or more.
pub fn is_hex_id(w: &str) -> bool {
    w.len() >= 7 && w.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A token that says what the value after it is: `Author:`, `name:`, `HOME`
/// in `HOME=/root`.
fn is_label(line: &str, word: &str) -> bool {
    let start = word.as_ptr() as usize - line.as_ptr() as usize;
    let after = &line[start + word.len()..];
    start == 0 && (word.ends_with(':') || after.starts_with('='))
}

/// A sentence rather than a row: mostly lowercase words, single-spaced.
pub fn is_prose(line: &str, tokens: &[Token]) -> bool {
    if tokens.len() < 2 || line.contains("  ") || line.contains('\t') {
        return false;
    }
    let words = tokens
        .iter()
        .filter(|t| {
            t.class == Class::Word
                && t.text
                    .trim_end_matches(['.', ',', ':', '!', '?'])
                    .chars()
                    .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
        })
        .count();
    let lower = tokens
        .iter()
        .any(|t| t.text.len() >= 3 && t.text.chars().all(|c| c.is_lowercase()));
    words * 4 >= tokens.len() * 3 && lower
}

pub fn is_calendar_word(w: &str) -> bool {
    matches!(
        w,
        "Jan"
            | "Feb"
            | "Mar"
            | "Apr"
            | "May"
            | "Jun"
            | "Jul"
            | "Aug"
            | "Sep"
            | "Oct"
            | "Nov"
            | "Dec"
            | "Mon"
            | "Tue"
            | "Wed"
            | "Thu"
            | "Fri"
            | "Sat"
            | "Sun"
    )
}

fn is_status(w: &str) -> bool {
    matches!(
        w,
        "ERROR"
            | "WARN"
            | "WARNING"
            | "FAIL"
            | "FAILED"
            | "PASS"
            | "PASSED"
            | "OK"
            | "ok"
            | "error"
            | "warning"
            | "failed"
            | "Error"
            | "Warning"
            | "Failed"
    )
}

/// The hash of `w` with every run of digits standing as one `#`.
fn hash_masked(w: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut digits = false;
    for b in w.bytes() {
        if b.is_ascii_digit() {
            if !digits {
                h = (h ^ u64::from(b'#')).wrapping_mul(0x100_0000_01b3);
            }
            digits = true;
            continue;
        }
        digits = false;
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h | 0x100
}

fn mix(h: u64, v: u64) -> u64 {
    (h ^ v).wrapping_mul(0x0100_0000_01b3).rotate_left(29) ^ v.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The number a token starts with (`12000ms` → 12000, `-3.5` → -3.5,
/// `90.0%` → 90), if it starts with one.
pub fn leading_number(w: &str) -> Option<f64> {
    let b = w.as_bytes();
    let mut end = usize::from(b.first() == Some(&b'-'));
    let digits_start = end;
    while end < b.len() && (b[end].is_ascii_digit() || b[end] == b'.') {
        end += 1;
    }
    if end == digits_start {
        return None;
    }
    // `1.2.3` is a version and `12:00` a time, not numbers.
    if w[..end].matches('.').count() > 1 || matches!(b.get(end), Some(b':' | b'-' | b'/' | b'.')) {
        return None;
    }
    w[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(l: &str) -> u64 {
        shape(l)
    }

    #[test]
    fn values_vary_within_a_shape() {
        assert_eq!(key("│   ├── serde v1.0.219"), key("    └── tokio v1.47.1"));
        assert_eq!(key("├── a v1 (*)"), key("│   └── b v2 (*)"));
        assert_eq!(key("/usr/lib/a.so"), key("/usr/share/doc/b"));
        assert_eq!(
            key("APP_SETTING_1=/opt/app/1/bin"),
            key("APP_SETTING_300=/opt/app/300/bin")
        );
        assert_ne!(key("HOME=/root"), key("PWD=/work"));
        assert_eq!(
            key("-rw-r--r-- 1 root root  4096 Jan  1 12:00 notes.txt"),
            key("-rw-r--r-- 1 root root 81920 Feb 11 09:13 build.log")
        );
        assert_ne!(
            key("-rw-r--r-- 1 root root 4096 Jan 1 12:00 a"),
            key("-rwsr-xr-x 1 root root 4096 Jan 1 12:00 a")
        );
        assert_ne!(
            key("    Fix the parser on empty input"),
            key("    Add a flag for the output format")
        );
        assert_eq!(
            key("ii  adduser   3.134  all  add and remove users and groups"),
            key("ii  bash      5.2.15 all  GNU Bourne Again SHell")
        );
    }

    #[test]
    fn numbers_lead_tokens() {
        assert_eq!(leading_number("12000ms"), Some(12000.0));
        assert_eq!(leading_number("90.0"), Some(90.0));
        assert_eq!(leading_number("-3.5"), Some(-3.5));
        assert_eq!(leading_number("1.2.3"), None);
        assert_eq!(leading_number("12:00"), None);
        assert_eq!(leading_number("v1"), None);
        assert_eq!(
            tokenize("latency=12000ms size=3")
                .iter()
                .map(|t| t.text)
                .collect::<Vec<_>>(),
            ["latency", "12000ms", "size", "3"]
        );
    }
}
