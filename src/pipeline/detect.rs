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
    // `go test -json` is JSON lines, but what it carries is a test log.
    if crate::compress::log::looks_like_go_test_json(head.lines()) {
        return Kind::Log;
    }
    if looks_like_json(trimmed) {
        return Kind::Json;
    }
    if looks_like_html(trimmed) {
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
    let code = code_line_count(&lines);
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

/// Tags that only HTML uses (XML, JSX and templates mostly do not), counted
/// to tell an HTML page or fragment from other angle-bracket text.
const HTML_TAGS: &[&str] = &[
    "<html", "<head", "<body", "<div", "<p>", "<p ", "<span", "<a href", "<table", "<tr", "<td",
    "<ul", "<ol", "<li", "<br", "<meta", "<title", "<link ", "<script", "<style", "<article",
    "<section", "<nav", "<header", "<footer", "<main", "<h1", "<h2", "<h3", "<img ", "<form",
    "<input", "<button", "<iframe",
];

/// An HTML page or fragment: a doctype or `<html>` at the start (after an XML
/// declaration or comments, if any), or markup that starts with a tag and
/// uses several HTML-only tags.
fn looks_like_html(t: &str) -> bool {
    if !t.starts_with('<') {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    let mut start = lower.as_str();
    // Skip an XML declaration and leading comments (`<!-- saved from url -->`, IE conditionals).
    loop {
        start = start.trim_start();
        if let Some(rest) = start.strip_prefix("<?xml") {
            start = rest.split_once("?>").map_or("", |(_, r)| r);
        } else if let Some(rest) = start.strip_prefix("<!--") {
            start = rest.split_once("-->").map_or("", |(_, r)| r);
        } else {
            break;
        }
    }
    if start.starts_with("<!doctype html") || start.starts_with("<html") {
        return true;
    }
    if !start.starts_with('<')
        || start.starts_with("<?")
        || start.starts_with("<svg")
        || start.starts_with("<rss")
    {
        return false;
    }
    let distinct = HTML_TAGS.iter().filter(|tag| lower.contains(*tag)).count();
    distinct >= 3 || ["<body", "<head"].iter().any(|tag| lower.contains(tag))
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
    // Coloured output starts with an escape sequence (`ESC[2m2024-…`).
    let mut t = l.trim_start();
    while let Some(rest) = t.strip_prefix("\x1b[") {
        let end = rest
            .find(|c: char| c.is_ascii_alphabetic())
            .map_or(rest.len(), |i| i + 1);
        t = &rest[end..];
    }
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
        "[error]",
        "[notice]",
        "[warn]",
        "[info]",
        "[debug]",
        "[crit]",
    ]
    .iter()
    .any(|w| l.contains(w))
        || [
            "INFO ", "WARN ", "ERROR ", "DEBUG ", "TRACE ", "FATAL ", "WARNING ",
        ]
        .iter()
        .any(|w| t.starts_with(w));
    // Test runners' per-test status: pytest `path::test PASSED [ 3%]`, cargo `test x ... ok`.
    let status = [
        " PASSED", " FAILED", " SKIPPED", " XFAIL", " XPASS", " ERROR",
    ]
    .iter()
    .any(|w| l.contains(w))
        || [" ... ok", " ... FAILED", " ... ignored"]
            .iter()
            .any(|w| l.ends_with(w));
    let build = [
        "Compiling ",
        "Finished ",
        "Running ",
        "running ",
        "test ",
        "=== RUN",
        "=== PAUSE",
        "=== CONT",
        "--- FAIL",
        "--- PASS",
        "--- SKIP",
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
    date || clock || month || level || status || build
}

/// How many of `lines` read as source code. Lines of a `/* … */` block
/// count: C headers open with long licence and API comments (`** text`),
/// and a comment block is part of a source file, not prose.
fn code_line_count(lines: &[&str]) -> usize {
    let mut in_comment = false;
    let mut n = 0;
    for l in lines {
        let code = is_code_line(l);
        let starts_in_comment = in_comment || l.trim_start().starts_with("/*");
        // Follow every opener and closer on the line, in order; in prose a
        // `/*` (a path glob) opens nothing.
        let mut rest = if starts_in_comment || code { *l } else { "" };
        loop {
            let marker = if in_comment { "*/" } else { "/*" };
            let Some(i) = rest.find(marker) else { break };
            in_comment = !in_comment;
            rest = &rest[i + 2..];
        }
        if starts_in_comment || code {
            n += 1;
        }
    }
    n
}

/// A line that reads as source code in one of the common languages:
/// a keyword or declaration start, an assignment, a call statement, or a
/// line that opens or closes a block.
fn is_code_line(l: &str) -> bool {
    const STARTS: &[&str] = &[
        "fn ",
        "pub ",
        "use ",
        "impl ",
        "impl<",
        "struct ",
        "enum ",
        "trait ",
        "mod ",
        "def ",
        "async ",
        "await ",
        "class ",
        "import ",
        "from ",
        "package ",
        "func ",
        "#include",
        "#define",
        "#if",
        "#endif",
        "#pragma",
        "const ",
        "let ",
        "var ",
        "function ",
        "export ",
        "return ",
        "public ",
        "private ",
        "protected ",
        "static ",
        "final ",
        "abstract ",
        "override ",
        "virtual ",
        "typedef ",
        "extern ",
        "namespace ",
        "template",
        "interface ",
        "type ",
        "}",
        "if (",
        "if ",
        "elif ",
        "else:",
        "else {",
        "else if",
        "for ",
        "for (",
        "while ",
        "switch ",
        "case ",
        "default:",
        "do {",
        "try:",
        "try {",
        "except",
        "catch (",
        "finally",
        "raise ",
        "throw ",
        "yield ",
        "with ",
        "match ",
        "//",
        "/*",
        "* ",
        "*/",
        "#[",
        "@",
        "\"\"\"",
        "'''",
        "self.",
        "this.",
    ];
    let t = l.trim_start();
    let e = t.trim_end();
    if looks_like_hit(l) {
        return false;
    }
    STARTS.iter().any(|w| t.starts_with(w))
        || e.ends_with(['{', ';', '(', '['])
        || matches!(e, "]" | ")" | "})" | "});" | "];" | ")," | "},")
        || is_assignment(e)
        || is_call_statement(e)
}

/// `dir/file.rs:12:` or `file.py-3-` at the start: a search hit quoting
/// code, not code (paths may contain `-`, so any `:`/`-` may end the path).
fn looks_like_hit(l: &str) -> bool {
    l.match_indices([':', '-']).take(4).any(|(i, _)| {
        let path = &l[..i];
        let rest = &l[i + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        !path.is_empty()
            && !path.contains(char::is_whitespace)
            && path.contains(['/', '.'])
            && digits > 0
            && matches!(rest.as_bytes().get(digits), Some(b':' | b'-'))
    })
}

/// `name = value`, `self.x += 1`, `items[i] = v` (prose rarely has ` = `).
fn is_assignment(t: &str) -> bool {
    let Some(i) = t.find(" = ").or_else(|| {
        ["+= ", "-= ", "*= ", "|= ", ":= "]
            .iter()
            .find_map(|op| t.find(op))
    }) else {
        return false;
    };
    let lhs = t[..i].trim_end_matches(['+', '-', '*', '|', ':']).trim();
    !lhs.is_empty()
        && lhs.chars().all(|c| {
            c.is_alphanumeric()
                || matches!(
                    c,
                    '_' | '.' | '[' | ']' | '"' | '\'' | ',' | ' ' | '*' | '&' | ':' | '<' | '>'
                )
        })
        && lhs.split_whitespace().count() <= 3
}

/// `foo(bar)`, `obj.method(x, y)` on a line of their own.
fn is_call_statement(t: &str) -> bool {
    let name_len = t.find('(').unwrap_or(0);
    name_len > 0
        && t[..name_len]
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | ':'))
        && t.ends_with([')', ';'])
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
    fn detects_code_in_common_languages() {
        let python = "\"\"\"Helpers.\n\nLonger description of the module, in prose.\n\"\"\"\n\nLIMIT = 10\n\n\ndef total(items):\n    \"\"\"Sum them.\"\"\"\n    result = 0\n    for item in items:\n        result += item.value\n    log_total(result)\n    return result\n";
        assert_eq!(detect(python), Kind::Code);
        let go = "package main\n\n// Route holds a path.\ntype Route struct {\n\tpath string\n}\n\nfunc (r *Route) Path() string {\n\tp := r.path\n\treturn p\n}\n";
        assert_eq!(detect(go), Kind::Code);
        let c = "/* Copyright notice\n * spanning lines\n */\n#include <stdio.h>\n\nstatic int add(int a, int b)\n{\n    int s = a + b;\n    return s;\n}\n";
        assert_eq!(detect(c), Kind::Code);
    }

    #[test]
    fn headers_that_open_with_long_comments_are_code() {
        let mut sqlite = String::from("/*\n");
        for k in 0..60 {
            sqlite.push_str(&format!(
                "** Paragraph {k} of the licence and the API notes, in prose.\n"
            ));
        }
        sqlite.push_str("*/\n#ifndef API_H\n#define API_H\n#include <stdarg.h>\n");
        assert_eq!(detect(&sqlite), Kind::Code);
        // A path glob in prose opens no comment.
        let prose = "Clean the cache with rm -rf /tmp/cache/* before you start.\nThen run the tool again.\nIt rebuilds what it needs.\nNothing else is required.\n";
        assert_eq!(detect(prose), Kind::Text);
    }

    #[test]
    fn prose_with_a_little_code_stays_text() {
        let prose = "The release notes follow.\nWe fixed the parser, which crashed on empty input.\nThe option (see above) is now on by default.\nUpgrade when you can; nothing else changed.\nThanks to everyone who reported issues.\nx = 1 is the example we use.\n";
        assert_eq!(detect(prose), Kind::Text);
        let search = "src/a.py:12:    result = 0\nsrc/a.py:13:    for item in items:\nsrc/b.py:3:def total(items):\n";
        assert_eq!(detect(search), Kind::Search);
        // Hits from a repository whose directory has a `-` in its name.
        let hits = "axum-core/src/macros.rs:62:        impl IntoResponse for Name {\naxum-core/src/lib.rs:9:use http::Request;\naxum/src/json.rs:197:impl<T> IntoResponse for Json<T>\n";
        assert_ne!(detect(hits), Kind::Code);
    }

    #[test]
    fn detects_html_pages_and_fragments() {
        for page in [
            "<!DOCTYPE html>\n<html><head><title>x</title></head><body><p>hi</p></body></html>",
            "\u{feff}  <HTML LANG=en><HEAD>",
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\">\n<html>",
            "<!-- saved from url=(0014)about:internet -->\n<html><body>x</body></html>",
            "<html xmlns=\"http://www.w3.org/1999/xhtml\"><!--<![endif]--><head>",
            "<div class=\"post\"><h1>Title</h1><p>Body text with <a href=\"/x\">a link</a>.</p></div>",
            "<table><tr><td>a</td></tr><tr><td>b</td></tr></table><ul><li>x</li></ul>",
        ] {
            assert_eq!(detect(page), Kind::Html, "{page}");
        }
        for other in [
            "<?xml version=\"1.0\"?>\n<project><modelVersion>4.0.0</modelVersion></project>",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><title>t</title><rect/></svg>",
            "<rss version=\"2.0\"><channel><title>t</title><link>x</link></channel></rss>",
            "<configuration>\n  <appSettings>\n  </appSettings>\n</configuration>",
            "Some prose that mentions <div> and <p> tags in passing.",
            "{\"html\": \"<html><body><p>x</p></body></html>\"}",
        ] {
            assert_ne!(detect(other), Kind::Html, "{other}");
        }
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

    #[test]
    fn detects_test_and_service_logs() {
        let pytest = "============ test session starts ============\nplatform linux -- Python 3.11\n\ntests/test_a.py::test_one PASSED   [ 10%]\ntests/test_a.py::test_two FAILED   [ 20%]\ntests/test_b.py::test_three PASSED [ 30%]\n";
        assert_eq!(detect(pytest), Kind::Log);
        let go = "{\"Time\":\"2022-06-19T13:44:44Z\",\"Action\":\"run\",\"Package\":\"p\",\"Test\":\"TestA\"}\n{\"Time\":\"2022-06-19T13:44:44Z\",\"Action\":\"output\",\"Package\":\"p\",\"Output\":\"ok\\n\"}\n";
        assert_eq!(detect(go), Kind::Log);
        let apache = "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok\n[Sun Dec 04 04:47:44 2005] [error] mod_jk child in error state 6\n";
        assert_eq!(detect(apache), Kind::Log);
        let cargo =
            "running 3 tests\ntest a::b ... ok\ntest a::c ... FAILED\ntest a::d ... ignored\n";
        assert_eq!(detect(cargo), Kind::Log);
        let coloured =
            "\x1b[2m2024-01-01 10:00:00\x1b[0m INFO polling\nINFO waiting\nINFO waiting\n";
        assert_eq!(detect(coloured), Kind::Log);
        // JSON lines that are not test events stay JSON; search hits stay search.
        assert_eq!(
            detect("{\"level\":\"info\",\"msg\":\"x\"}\n{\"level\":\"info\",\"msg\":\"y\"}\n"),
            Kind::Json
        );
        assert_eq!(
            detect("src/log.rs:12:    error!(\"x\");\nsrc/a.rs:3:    warn!(\"y\");\n"),
            Kind::Search
        );
    }
}
