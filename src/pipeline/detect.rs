//! Content-kind detection from a prefix of the input.
//!
//! Runs on every call, so it looks only at the first few kilobytes and uses
//! cheap line-shape tests. A wrong guess costs only savings: each compressor
//! re-checks its input and passes through what it cannot handle.

use std::fmt;

use crate::compress::search::parse::Line as SearchLine;
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
    pub const ALL: [Kind; 7] = [
        Kind::Json,
        Kind::Log,
        Kind::Search,
        Kind::Diff,
        Kind::Code,
        Kind::Html,
        Kind::Text,
    ];

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
    if looks_like_json(trimmed) {
        return Kind::Json;
    }
    let lower_start: String = trimmed
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower_start.starts_with("<!doctype html")
        || lower_start.starts_with("<html")
        || (lower_start.starts_with('<')
            && (head.contains("<body") || head.contains("<head") || head.contains("<div")))
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
    let search = search_line_count(&lines);
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
        || ["true", "false", "null"]
            .iter()
            .any(|w| rest.starts_with(w))
}

fn is_diff(lines: &[&str]) -> bool {
    let git = lines
        .iter()
        .any(|l| l.starts_with("diff --git ") || l.starts_with("diff -"));
    let minus = lines.iter().any(|l| l.starts_with("--- "));
    let plus = lines.iter().any(|l| l.starts_with("+++ "));
    let hunk = lines
        .iter()
        .any(|l| l.starts_with("@@ ") && l[3..].contains(" @@"));
    (git && hunk) || (minus && plus && hunk)
}

/// How many of `lines` read as grep/ripgrep output: `path:line:content`,
/// `path-line-context`, `path:line:col:content`, `--`, and rg's heading
/// style (a path line, then `line:content` lines).
fn search_line_count(lines: &[&str]) -> usize {
    let text = lines.join("\n");
    crate::compress::search::parse::parse(&text)
        .iter()
        .filter(|l| {
            matches!(
                l,
                SearchLine::Hit(_) | SearchLine::Separator | SearchLine::Heading(_)
            )
        })
        .count()
}

fn is_log_line(l: &str) -> bool {
    let t = l.trim_start();
    let b = t.as_bytes();
    // Timestamps: 2024-01-31, 12:34:56, Jan 31, 081109 (HDFS), [..] prefixes.
    let date = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(b[4], b'-' | b'/' | b'.');
    let clock = t.find(':').is_some_and(|i| {
        (2..=24).contains(&i)
            && b.get(i + 3) == Some(&b':')
            && b[i - 2..i].iter().all(u8::is_ascii_digit)
    });
    let month = [
        "Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ", "Nov ",
        "Dec ",
    ]
    .iter()
    .any(|m| t.starts_with(m));
    let level = [
        " INFO ",
        " WARN ",
        " ERROR ",
        " DEBUG ",
        " TRACE ",
        " FATAL ",
        "[INFO]",
        "[WARN",
        "[ERROR]",
        "[DEBUG]",
        "level=",
        " WARNING ",
    ]
    .iter()
    .any(|w| l.contains(w));
    let build = [
        "Compiling ",
        "Finished ",
        "Running ",
        "running ",
        "test ",
        "=== RUN",
        "--- FAIL",
        "--- PASS",
        "PASS",
        "FAIL",
        "ok  ",
        "PASSED",
        "FAILED",
        "ERROR",
        "error[",
        "error:",
        "warning:",
        "npm ",
        "Traceback",
        "  File \"",
        "> ",
        "[INFO]",
        "BUILD ",
        "collected ",
        "=====",
    ]
    .iter()
    .any(|w| t.starts_with(w));
    date || clock || month || level || build
}

fn is_code_line(l: &str) -> bool {
    let t = l.trim_start();
    [
        "fn ",
        "pub ",
        "use ",
        "impl ",
        "struct ",
        "enum ",
        "def ",
        "class ",
        "import ",
        "from ",
        "package ",
        "func ",
        "#include",
        "const ",
        "let ",
        "var ",
        "function ",
        "export ",
        "return ",
        "public ",
        "private ",
        "static ",
        "}",
        "if (",
        "if ",
        "for ",
        "while ",
        "//",
        "/*",
        "* ",
        "#[",
        "@",
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
        assert_eq!(
            detect("src/main.rs:12:fn main() {\nsrc/lib.rs:3:pub fn x() {}\n"),
            Kind::Search
        );
        assert_eq!(
            detect("diff --git a/x b/x\nindex 1..2\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"),
            Kind::Diff
        );
        assert_eq!(
            detect("<!DOCTYPE html><html><body>x</body></html>"),
            Kind::Html
        );
        assert_eq!(
            detect("use std::io;\n\nfn main() {\n    let x = 1;\n}\n"),
            Kind::Code
        );
        assert_eq!(
            detect("Just some prose.\nAnother sentence here.\n"),
            Kind::Text
        );
        assert_eq!(
            detect("2024-01-01 12:00:00 INFO started\n2024-01-01 12:00:01 INFO ok\n"),
            Kind::Log
        );
        assert_eq!(detect("[not json"), Kind::Text);
    }

    #[test]
    fn detects_every_search_format() {
        let context = "axum-core/src/a.rs-10-use x;\naxum-core/src/a.rs:11:fn limit() {\naxum-core/src/a.rs-12-}\n--\naxum-core/src/b.rs:3:limit\n";
        assert_eq!(detect(context), Kind::Search);
        assert_eq!(
            detect("src/a.rs:3:7:let x = 1;\nsrc/b.rs:9:1:fn y() {}\n"),
            Kind::Search
        );
        let heading = "src/lib.rs\n3:pub fn a() {}\n4-}\n\nsrc/b.rs\n9:b\n10:c\n";
        assert_eq!(detect(heading), Kind::Search);
    }

    #[test]
    fn logs_are_not_search_results() {
        let zookeeper = "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200\n\
                         2015-07-29 19:04:12,394 - INFO  [/10.10.34.11:3888:QuorumCnxManager$Listener@493] - Received connection\n";
        assert_eq!(detect(zookeeper), Kind::Log);
        let openstack = "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-1] GET\n\
                         nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.272 25746 INFO nova.osapi_compute.wsgi.server [req-2] GET\n";
        assert_eq!(detect(openstack), Kind::Log);
    }

    #[test]
    fn detects_diffs_in_markdown_and_crlf() {
        let md =
            "Here is the change:\n\n```diff\n--- a/x.rs\n+++ b/x.rs\n@@ -1 +1 @@\n-a\n+b\n```\n";
        assert_eq!(detect(md), Kind::Diff);
        let crlf = "diff --git a/x b/x\r\n--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n";
        assert_eq!(detect(crlf), Kind::Diff);
    }
}
