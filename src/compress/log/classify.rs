//! What each log line is: its level, how much it matters, and whether it is
//! a summary or part of a stack trace.
//!
//! Byte and prefix tests plus one Aho-Corasick scan per line for failure
//! words; no per-line regexes.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind};
use memchr::memmem;

/// How much a line matters when deciding what to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Debug,
    Info,
    Warn,
    Error,
}

/// The category a line is counted under in a gap marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Label {
    Fatal,
    Error,
    Warn,
    Notice,
    Info,
    Debug,
    Trace,
    Passed,
    Other,
    Blank,
}

impl Label {
    pub fn name(self) -> &'static str {
        match self {
            Label::Fatal => "FATAL",
            Label::Error => "ERROR",
            Label::Warn => "WARN",
            Label::Notice => "NOTICE",
            Label::Info => "INFO",
            Label::Debug => "DEBUG",
            Label::Trace => "TRACE",
            Label::Passed => "passed",
            Label::Other => "other",
            Label::Blank => "blank",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineInfo {
    pub label: Label,
    pub tier: Tier,
    /// A test or build summary (`test result:`, `== 3 failed ==`, `BUILD FAILURE`).
    pub summary: bool,
    /// Indented, or a stack frame: belongs to the line it follows.
    pub continuation: bool,
}

/// Words that mark a failure wherever they appear (case-insensitive).
static FAILURE_WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        // A DFA: the pattern set is small and it runs on every line.
        .kind(Some(AhoCorasickKind::DFA))
        .build([
            "error",
            "exception",
            "fail",
            "fatal",
            "panic",
            "traceback",
            "abort",
            "denied",
            "refused",
            "timeout",
            "timed out",
            "segfault",
            "segmentation fault",
            "crash",
            "cannot ",
            "can't ",
            "couldn't",
            "could not",
            "unable to",
            "not found",
            "no such",
            "invalid",
            "unexpected",
            "killed",
            "assert",
            "unknown",
        ])
        .expect("static patterns")
});

/// Whether a failure word appears in `line` outside a source location:
/// `fails_test.go:18:` or `error_test.py:7` name a file, not a failure.
fn has_failure_word(line: &str) -> bool {
    FAILURE_WORDS.find_iter(line).any(|m| {
        let bytes = line.as_bytes();
        let start = bytes[..m.start()]
            .iter()
            .rposition(|b| b.is_ascii_whitespace())
            .map_or(0, |p| p + 1);
        let end = bytes[m.end()..]
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .map_or(line.len(), |p| m.end() + p);
        !is_source_location(&line[start..end])
    })
}

/// `path/name.ext:line` or `name.ext:line:col:`, as compilers and test
/// runners print where something was said.
fn is_source_location(token: &str) -> bool {
    let Some((path, at)) = token.trim_end_matches(':').split_once(':') else {
        return false;
    };
    let numbered = !at.is_empty() && at.bytes().all(|b| b.is_ascii_digit() || b == b':');
    let ext = path.rsplit_once('.').map_or("", |(_, ext)| ext);
    numbered && (1..=5).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Progress lines of build tools: never failures, whatever crate or file name they mention.
const PROGRESS: &[&str] = &[
    "Compiling ",
    "Downloaded ",
    "Downloading ",
    "Checking ",
    "Fresh ",
    "Installing ",
    "Installed ",
    "Collecting ",
    "Requirement already satisfied",
    "Updating ",
    "Building ",
    "Linking ",
    "Resolving ",
    "Fetching ",
    "Unpacking ",
    "Setting up ",
    "Preparing ",
    "Documenting ",
    "Locking ",
    "Adding ",
    "Blocking ",
    "Running `",
    // `go test -v`: a test starting, pausing, resuming or skipped. Test
    // names say `Fail`, `Error` or `Timeout` without anything failing.
    "=== RUN ",
    "=== PAUSE ",
    "=== CONT ",
    "=== NAME ",
    "--- SKIP: ",
];

pub fn classify(line: &str) -> LineInfo {
    if line.trim().is_empty() {
        return LineInfo {
            label: Label::Blank,
            tier: Tier::Debug,
            summary: false,
            continuation: false,
        };
    }
    let trimmed = line.trim_start();
    let continuation = trimmed.len() != line.len()
        || starts_with_any(trimmed, &["at ", "Caused by:", "... ", "^"]);
    let level = level_of(line);
    let pass = is_pass(trimmed);
    let failure_word = has_failure_word(line);
    let progress = starts_with_any(trimmed, PROGRESS);
    let tier = match level {
        Some(Label::Fatal | Label::Error) => Tier::Error,
        Some(Label::Warn) => Tier::Warn,
        Some(l) => {
            if failure_word && !pass {
                Tier::Warn
            } else if matches!(l, Label::Debug | Label::Trace) {
                Tier::Debug
            } else {
                Tier::Info
            }
        }
        None if pass || progress => Tier::Info,
        None if failure_word || starts_failure(trimmed) => Tier::Error,
        None if starts_warning(trimmed) => Tier::Warn,
        None => Tier::Info,
    };
    let label = level.unwrap_or(if pass { Label::Passed } else { Label::Other });
    LineInfo {
        label,
        tier,
        summary: is_summary(trimmed),
        continuation,
    }
}

/// The line's level word, if it has one near the start.
fn level_of(line: &str) -> Option<Label> {
    let head = &line.as_bytes()[..line.len().min(200)];
    for w in head
        .split(|&b| matches!(b, b' ' | b'\t' | b'[' | b']' | b'(' | b')' | b',' | b'|'))
        .filter(|w| !w.is_empty())
        .take(12)
    {
        let w = w.strip_suffix(b":").unwrap_or(w);
        if !(3..=8).contains(&w.len()) || !w[0].is_ascii_uppercase() {
            continue;
        }
        // Words of at most 8 bytes compare as one integer, not by memcmp.
        let level = match packed(w) {
            x if [
                packed(b"FATAL"),
                packed(b"CRITICAL"),
                packed(b"CRIT"),
                packed(b"EMERG"),
                packed(b"ALERT"),
                packed(b"SEVERE"),
                packed(b"PANIC"),
            ]
            .contains(&x) =>
            {
                Label::Fatal
            }
            x if x == packed(b"ERROR") || x == packed(b"ERR") => Label::Error,
            x if x == packed(b"WARN") || x == packed(b"WARNING") => Label::Warn,
            x if x == packed(b"NOTICE") => Label::Notice,
            x if x == packed(b"INFO") => Label::Info,
            x if [
                packed(b"DEBUG"),
                packed(b"FINE"),
                packed(b"FINER"),
                packed(b"FINEST"),
            ]
            .contains(&x) =>
            {
                Label::Debug
            }
            x if x == packed(b"TRACE") => Label::Trace,
            _ => continue,
        };
        return Some(level);
    }
    // Lower-case levels only where a format marks them: `[error]`, `level=warn`.
    let head = &line.as_bytes()[..line.len().min(200)];
    for (i, &b) in head.iter().enumerate() {
        let word_start = match b {
            b'[' => i + 1,
            b'=' if head[..i].ends_with(b"level") || head[..i].ends_with(b"lvl") => i + 1,
            b':' if head[..i].ends_with(b"\"level\"") => {
                i + 1 + usize::from(head.get(i + 1) == Some(&b'"'))
            }
            _ => continue,
        };
        let rest = &head[word_start.min(head.len())..];
        let len = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        if !(3..=8).contains(&len) {
            continue;
        }
        let mut buf = [0u8; 8];
        buf[..len].copy_from_slice(&rest[..len]);
        buf.make_ascii_lowercase();
        let level = match &buf[..len] {
            b"fatal" | b"crit" | b"critical" | b"alert" | b"emerg" => Label::Fatal,
            b"error" | b"err" => Label::Error,
            b"warn" | b"warning" => Label::Warn,
            b"notice" => Label::Notice,
            b"info" => Label::Info,
            b"debug" => Label::Debug,
            b"trace" => Label::Trace,
            _ => continue,
        };
        let closed = match b {
            b'[' => rest.get(len) == Some(&b']'),
            _ => true,
        };
        if closed {
            return Some(level);
        }
    }
    None
}

/// Up to 8 bytes as one little-endian integer (zero-padded).
const fn packed(w: &[u8]) -> u64 {
    let mut x = 0u64;
    let mut i = 0;
    while i < w.len() && i < 8 {
        x |= (w[i] as u64) << (8 * i);
        i += 1;
    }
    x
}

fn is_pass(t: &str) -> bool {
    t.starts_with("--- PASS")
        || t.starts_with("ok ")
        || t.starts_with("ok\t")
        || t.starts_with("PASS ")
        || t.starts_with('✓')
        || t.starts_with('√')
        || t.ends_with(" ok")
        || t.ends_with(" ... ok")
        || t.starts_with("PASSED ")
        || PASSED.find(t.as_bytes()).is_some()
}

static PASSED: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(" PASSED"));

/// `t.starts_with(p)`, comparing the first byte inline before calling
/// `memcmp`: these prefix lists run against every line.
fn starts_with(t: &str, p: &str) -> bool {
    t.as_bytes().first() == p.as_bytes().first() && t.starts_with(p)
}

fn starts_with_any(t: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| starts_with(t, p))
}

fn starts_failure(t: &str) -> bool {
    [
        "E ",
        "FAIL",
        "npm ERR!",
        "make: ***",
        "--- FAIL",
        "✗",
        "✖",
        "×",
    ]
    .iter()
    .any(|p| starts_with(t, p))
        || (t.starts_with("make[") && t.contains("***"))
}

fn starts_warning(t: &str) -> bool {
    let lower = &t.as_bytes()[..t.len().min(12)];
    lower.len() >= 4 && lower[..4].eq_ignore_ascii_case(b"warn")
        || t.contains("Warning:")
        || t.contains("deprecated")
}

/// Summaries of test and build tools, and the banners around them.
fn is_summary(t: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "test result:",
        "Test Suites:",
        "Tests:",
        "Snapshots:",
        "Ran all test suites",
        "BUILD SUCCESS",
        "BUILD FAILURE",
        "BUILD FAILED",
        "Tests run:",
        "Total time:",
        "Finished ",
        "error: could not compile",
        "error: test failed",
        "error: aborting",
        "FAIL\t",
        "ok  \t",
        "Found ",
        "Ran ",
        "FAILED (",
        "Done in ",
        "Summary",
        "TOTAL",
        "failures:",
        "Failed tests:",
        "Tests in error:",
        "Run Summary",
        "Executed ",
    ];
    if starts_with_any(t, PREFIXES)
        || matches!(t, "PASS" | "FAIL" | "OK" | "FAILED" | "ERRORS" | "FAILURES")
    {
        return true;
    }
    // pytest banners: `==== 1 failed, 489 passed in 11.18s ====`, `==== short test summary info ====`.
    if t.starts_with("==") && t.ends_with('=') {
        let words = [
            "passed",
            "failed",
            "error",
            "skipped",
            "summary",
            "FAILURES",
            "ERRORS",
            "warnings",
            "no tests ran",
        ];
        return words.iter().any(|w| t.contains(w));
    }
    counts_outcomes(t)
}

/// `12 passed`, `3 failed`, `2 errors`, `1 warning` and the like, in a short line.
fn counts_outcomes(t: &str) -> bool {
    if t.len() > 200 {
        return false;
    }
    const WORDS: &[&str] = &[
        "passed", "failed", "failing", "passing", "errors", "error", "warnings", "warning",
        "skipped", "tests", "problems", "pending",
    ];
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if b.get(j) == Some(&b' ') {
                let rest = &t[j + 1..];
                if WORDS.iter().any(|w| {
                    starts_with(rest, w)
                        && !rest[w.len()..].starts_with(|c: char| c.is_alphanumeric())
                }) {
                    return true;
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_tiers() {
        let c = classify("2015-10-18 18:06:26,029 FATAL [IPC] Task: attempt_1 - exited");
        assert_eq!((c.label, c.tier), (Label::Fatal, Tier::Error));
        let c = classify("081109 203615 148 INFO dfs.DataNode: PacketResponder 1 terminating");
        assert_eq!((c.label, c.tier), (Label::Info, Tier::Info));
        let c = classify("- 1117838570 RAS KERNEL INFO instruction cache parity error corrected");
        assert_eq!(
            c.tier,
            Tier::Warn,
            "an INFO line that mentions an error is notable"
        );
        let c =
            classify("[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6");
        assert_eq!(c.label, Label::Error);
        assert_eq!(
            classify("tests/t.py::test_error_page PASSED [ 3%]").tier,
            Tier::Info
        );
        assert_eq!(classify("error[E0308]: mismatched types").tier, Tier::Error);
        assert_eq!(classify("warning: unused variable: `x`").tier, Tier::Warn);
        assert_eq!(classify("   Compiling thiserror v2.0.1").tier, Tier::Info);
        assert_eq!(
            classify("E       AssertionError: assert 1 == 2").tier,
            Tier::Error
        );
        assert!(classify("\tat com.x.Y.run(Y.java:12)").continuation);
    }

    #[test]
    fn names_are_not_failures() {
        // A test named for failure, a file named `fails_test.go`: nothing failed.
        for line in [
            "=== RUN   TestFailedWithStderr",
            "=== CONT  TestNestedParallelFailures/a",
            "--- SKIP: TestTimeout (0.00s)",
            "    fails_test.go:18: this is a log",
            "src/error_page.rs:12:5: note: defined here",
        ] {
            assert_eq!(classify(line).tier, Tier::Info, "{line}");
        }
        for line in [
            "    fails_test.go:34: this failed",
            "--- FAIL: TestTimeout (0.00s)",
            "main.go:12:3: undefined: fail",
            "error_test.py:7: AssertionError",
        ] {
            assert_eq!(classify(line).tier, Tier::Error, "{line}");
        }
    }

    #[test]
    fn summaries() {
        for s in [
            "test result: ok. 370 passed; 0 failed; 0 ignored",
            "================== 1 failed, 489 passed, 2 skipped in 11.18s ===================",
            "Tests:       2 failed, 40 passed, 42 total",
            "FAIL\tgithub.com/x/y\t0.01s",
            "BUILD FAILURE",
            "Found 3 errors in 2 files.",
            "✖ 4 problems (3 errors, 1 warning)",
        ] {
            assert!(classify(s).summary, "{s}");
        }
        assert!(!classify("GET /api/items/1042 200 in 12ms").summary);
        assert!(!classify("version 2 errorless").summary);
    }
}
