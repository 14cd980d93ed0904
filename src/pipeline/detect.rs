//! Content-kind detection from a prefix of the input.
//!
//! Runs on every call, so it looks only at the first few kilobytes and uses
//! cheap line-shape tests. A wrong guess costs only savings: each compressor
//! re-checks its input and passes through what it cannot handle.

use std::fmt;
use std::str::FromStr;

/// How many bytes of the input detection looks at.
const PREFIX: usize = 8 * 1024;

/// The kinds of content headroom distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Json,
    Log,
    Search,
    Diff,
    Code,
    Html,
    Text,
}

impl Kind {
    pub const ALL: [Kind; 7] = [Kind::Json, Kind::Log, Kind::Search, Kind::Diff, Kind::Code, Kind::Html, Kind::Text];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Json => "json",
            Kind::Log => "log",
            Kind::Search => "search",
            Kind::Diff => "diff",
            Kind::Code => "code",
            Kind::Html => "html",
            Kind::Text => "text",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown content kind '{s}'"))
    }
}

/// Guesses the kind of `text` from its first few kilobytes.
pub fn detect(text: &str) -> Kind {
    let mut end = text.len().min(PREFIX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    let trimmed = head.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    // `go test -json` is JSON lines, but what it carries is a test log.
    if crate::compress::log::looks_like_go_test_json(head.lines()) {
        return Kind::Log;
    }
    if looks_like_json(trimmed) {
        return Kind::Json;
    }
    let lower_start: String = trimmed.chars().take(512).collect::<String>().to_ascii_lowercase();
    if lower_start.starts_with("<!doctype html") || lower_start.starts_with("<html") || (lower_start.starts_with('<') && (head.contains("<body") || head.contains("<head") || head.contains("<div")))
    {
        return Kind::Html;
    }
    let lines: Vec<&str> = head.lines().take(200).collect();
    if lines.is_empty() {
        return Kind::Text;
    }
    if is_diff(&lines) {
        return Kind::Diff;
    }
    let n = lines.iter().filter(|l| !l.trim().is_empty()).count().max(1);
    let search = lines.iter().filter(|l| is_search_line(l)).count();
    if search * 10 >= n * 6 {
        return Kind::Search;
    }
    let log = lines.iter().filter(|l| is_log_line(l)).count();
    if log * 10 >= n * 3 {
        return Kind::Log;
    }
    let code = lines.iter().filter(|l| is_code_line(l)).count();
    if head.starts_with("#!") || code * 10 >= n * 3 {
        return Kind::Code;
    }
    Kind::Text
}

fn looks_like_json(t: &str) -> bool {
    let Some(rest) = t.strip_prefix(['{', '[']) else {
        return false;
    };
    let rest = rest.trim_start();
    if t.starts_with('{') {
        return rest.starts_with(['"', '}']);
    }
    rest.starts_with(['{', '[', '"', ']', '-'])
        || rest.starts_with(|c: char| c.is_ascii_digit())
        || ["true", "false", "null"].iter().any(|w| rest.starts_with(w))
}

fn is_diff(lines: &[&str]) -> bool {
    let git = lines.iter().any(|l| l.starts_with("diff --git ") || l.starts_with("diff -"));
    let minus = lines.iter().any(|l| l.starts_with("--- "));
    let plus = lines.iter().any(|l| l.starts_with("+++ "));
    let hunk = lines.iter().any(|l| l.starts_with("@@ ") && l[3..].contains(" @@"));
    (git && hunk) || (minus && plus && hunk)
}

/// `path:line:content`, `path-line-context` or `path:line:col:content`.
fn is_search_line(l: &str) -> bool {
    if l == "--" {
        return true;
    }
    let Some(pos) = l.find([':', '-']) else { return false };
    let path = &l[..pos];
    if path.is_empty() || path.contains(char::is_whitespace) || path.starts_with('[') {
        return false;
    }
    let rest = &l[pos + 1..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && matches!(rest.as_bytes().get(digits), Some(b':' | b'-'))
        && (path.contains(['/', '.']) || l.as_bytes()[pos] == b':')
}

fn is_log_line(l: &str) -> bool {
    // Coloured output starts with an escape sequence (`ESC[2m2024-…`).
    let mut t = l.trim_start();
    while let Some(rest) = t.strip_prefix("\x1b[") {
        let end = rest.find(|c: char| c.is_ascii_alphabetic()).map_or(rest.len(), |i| i + 1);
        t = &rest[end..];
    }
    let b = t.as_bytes();
    // Timestamps: 2024-01-31, 12:34:56, Jan 31, 081109 (HDFS), [..] prefixes.
    let date = b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && matches!(b[4], b'-' | b'/' | b'.');
    let clock = t.find(':').is_some_and(|i| (2..=24).contains(&i) && b.get(i + 3) == Some(&b':') && b[i - 2..i].iter().all(u8::is_ascii_digit));
    let month = ["Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec "].iter().any(|m| t.starts_with(m));
    let level = [
        " INFO ", " WARN ", " ERROR ", " DEBUG ", " TRACE ", " FATAL ", "[INFO]", "[WARN", "[ERROR]", "[DEBUG]", "level=", " WARNING ",
        "[error]", "[notice]", "[warn]", "[info]", "[debug]", "[crit]",
    ]
    .iter()
    .any(|w| l.contains(w))
        || ["INFO ", "WARN ", "ERROR ", "DEBUG ", "TRACE ", "FATAL ", "WARNING "].iter().any(|w| t.starts_with(w));
    // Test runners' per-test status: pytest `path::test PASSED [ 3%]`, cargo `test x ... ok`.
    let status = [" PASSED", " FAILED", " SKIPPED", " XFAIL", " XPASS", " ERROR"].iter().any(|w| l.contains(w))
        || [" ... ok", " ... FAILED", " ... ignored"].iter().any(|w| l.ends_with(w));
    let build = [
        "Compiling ", "Finished ", "Running ", "running ", "test ", "=== RUN", "=== PAUSE", "=== CONT", "--- FAIL", "--- PASS", "--- SKIP", "PASS", "FAIL", "ok  ", "PASSED", "FAILED", "ERROR", "error[", "error:", "warning:", "npm ", "Traceback", "  File \"", "> ", "[INFO]", "BUILD ", "collected ", "=====",
    ]
    .iter()
    .any(|w| t.starts_with(w));
    date || clock || month || level || status || build
}

fn is_code_line(l: &str) -> bool {
    let t = l.trim_start();
    [
        "fn ", "pub ", "use ", "impl ", "struct ", "enum ", "def ", "class ", "import ", "from ", "package ", "func ", "#include", "const ", "let ", "var ", "function ", "export ", "return ", "public ", "private ", "static ", "}", "if (", "if ", "for ", "while ", "//", "/*", "* ", "#[", "@",
    ]
    .iter()
    .any(|w| t.starts_with(w))
        || t.ends_with('{')
        || t.ends_with(';')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_common_kinds() {
        assert_eq!(detect("  [{\"a\":1}]"), Kind::Json);
        assert_eq!(detect("{\n  \"a\": 1\n}"), Kind::Json);
        assert_eq!(detect("[INFO] building\n[INFO] done"), Kind::Log);
        assert_eq!(detect("src/main.rs:12:fn main() {\nsrc/lib.rs:3:pub fn x() {}\n"), Kind::Search);
        assert_eq!(detect("diff --git a/x b/x\nindex 1..2\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"), Kind::Diff);
        assert_eq!(detect("<!DOCTYPE html><html><body>x</body></html>"), Kind::Html);
        assert_eq!(detect("use std::io;\n\nfn main() {\n    let x = 1;\n}\n"), Kind::Code);
        assert_eq!(detect("Just some prose.\nAnother sentence here.\n"), Kind::Text);
        assert_eq!(detect("2024-01-01 12:00:00 INFO started\n2024-01-01 12:00:01 INFO ok\n"), Kind::Log);
        assert_eq!(detect("[not json"), Kind::Text);
    }

    #[test]
    fn detects_test_and_service_logs() {
        let pytest = "============ test session starts ============\nplatform linux -- Python 3.11\n\ntests/test_a.py::test_one PASSED   [ 10%]\ntests/test_a.py::test_two FAILED   [ 20%]\ntests/test_b.py::test_three PASSED [ 30%]\n";
        assert_eq!(detect(pytest), Kind::Log);
        let go = "{\"Time\":\"2022-06-19T13:44:44Z\",\"Action\":\"run\",\"Package\":\"p\",\"Test\":\"TestA\"}\n{\"Time\":\"2022-06-19T13:44:44Z\",\"Action\":\"output\",\"Package\":\"p\",\"Output\":\"ok\\n\"}\n";
        assert_eq!(detect(go), Kind::Log);
        let apache = "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok\n[Sun Dec 04 04:47:44 2005] [error] mod_jk child in error state 6\n";
        assert_eq!(detect(apache), Kind::Log);
        let cargo = "running 3 tests\ntest a::b ... ok\ntest a::c ... FAILED\ntest a::d ... ignored\n";
        assert_eq!(detect(cargo), Kind::Log);
        let coloured = "\x1b[2m2024-01-01 10:00:00\x1b[0m INFO polling\nINFO waiting\nINFO waiting\n";
        assert_eq!(detect(coloured), Kind::Log);
        // JSON lines that are not test events stay JSON; search hits stay search.
        assert_eq!(detect("{\"level\":\"info\",\"msg\":\"x\"}\n{\"level\":\"info\",\"msg\":\"y\"}\n"), Kind::Json);
        assert_eq!(detect("src/log.rs:12:    error!(\"x\");\nsrc/a.rs:3:    warn!(\"y\");\n"), Kind::Search);
    }
}
