//! `go test -json` event streams, shown as the test output they carry.
//!
//! Each event is a JSON object (`Time`, `Action`, `Package`, `Test`,
//! `Output`). The text a developer would have seen is the concatenation of
//! the `output` events; `run`, `pass`, `fail`, `pause` and `cont` events
//! repeat what that text already says (`=== RUN`, `--- FAIL: …`). Rendering
//! the stream as its output is lossy (timestamps go), so it is done only
//! when the original is stored.

use std::collections::HashSet;

use serde::Deserialize;

use super::classify::{self, Tier};

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Output")]
    output: Option<String>,
}

/// Whether `line` looks like one `go test -json` event.
pub fn is_event_line(line: &str) -> bool {
    let l = line.trim_start();
    (l.starts_with("{\"Time\":") || l.starts_with("{\"Action\":")) && l.contains("\"Action\":\"")
}

/// Whether most of the first non-blank lines are `go test -json` events.
pub fn looks_like<'a>(lines: impl Iterator<Item = &'a str>) -> bool {
    let (mut seen, mut events) = (0, 0);
    for l in lines.filter(|l| !l.trim().is_empty()).take(20) {
        seen += 1;
        events += usize::from(is_event_line(l));
    }
    seen > 0 && events * 10 >= seen * 6
}

/// The output text of the stream and how many events carried no output.
pub struct Rendered {
    pub text: String,
    pub silent_events: usize,
}

/// Renders the events of `lines` as their output; lines that are not
/// events (build errors printed around the stream) stay as they are.
pub fn render<S: AsRef<str>>(lines: &[S]) -> Rendered {
    let mut text = String::new();
    let mut silent_events = 0;
    for line in lines {
        let line = line.as_ref();
        let event = if is_event_line(line) {
            serde_json::from_str::<Event>(line).ok()
        } else {
            None
        };
        match event {
            Some(Event {
                action,
                output: Some(out),
            }) if action == "output" => {
                text.push_str(&out);
                if !out.ends_with('\n') {
                    text.push('\n');
                }
            }
            Some(_) => silent_events += 1,
            None => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    Rendered {
        text,
        silent_events,
    }
}

/// Which lines of `go test -v` output tell nothing when a run fails,
/// however rare each line is: everything a test that passed or was skipped
/// printed (its `=== RUN/PAUSE/CONT` lines, its output, its `--- PASS` or
/// `--- SKIP` line), and a failing test's `=== RUN/PAUSE/CONT` lines that
/// introduce no output (its `--- FAIL` line names it). Failures, their
/// output, package results and build output are never marked.
/// Each package's output (up to its `ok`/`FAIL` line) is read on its own:
/// the same test name may pass in one package and fail in another.
/// When some package failed, a package that passed is routine as a whole
/// (its `ok` line, its `PASS`, what it printed outside its tests): the run
/// is read for what failed, and the marker counts what passed.
pub fn routine_test_lines(lines: &[impl AsRef<str>]) -> Vec<bool> {
    let mut out = vec![false; lines.len()];
    let some_failed = lines.iter().any(|l| l.as_ref().starts_with("FAIL\t"));
    let mut start = 0;
    for (i, line) in lines.iter().enumerate() {
        let line = line.as_ref();
        if is_package_result(line) || i + 1 == lines.len() {
            if some_failed && line.starts_with("ok  \t") {
                out[start..=i].iter_mut().for_each(|r| *r = true);
            } else {
                mark_package(&lines[start..=i], &mut out[start..=i]);
            }
            start = i + 1;
        }
    }
    out
}

/// Lines that a line kept anyway repeats, so that they can go into a gap
/// beside them: a test's `=== RUN/CONT/NAME` line when its output runs
/// straight into that test's own `--- FAIL` line (which names it as well),
/// and a bare `PASS` or `FAIL` just before its package's `ok`/`FAIL` line.
/// A progress line whose output is followed by another test's lines is
/// needed to tell whose output it is, and is not marked.
/// In such a failing test's output, a plain line (no error or warning) that
/// a test of the same package which passed printed too tells nothing about
/// the failure either (a banner every test prints).
pub fn restated_lines(lines: &[impl AsRef<str>]) -> Vec<bool> {
    let mut out = vec![false; lines.len()];
    let mut start = 0;
    for (i, line) in lines.iter().enumerate() {
        if is_package_result(line.as_ref()) || i + 1 == lines.len() {
            restated_in_package(&lines[start..=i], &mut out[start..=i]);
            start = i + 1;
        }
    }
    out
}

fn restated_in_package(lines: &[impl AsRef<str>], out: &mut [bool]) {
    let line = |i: usize| lines.get(i).map(AsRef::as_ref);
    let mut routine = vec![false; lines.len()];
    mark_package(lines, &mut routine);
    let printed_by_passed: HashSet<&str> = (0..lines.len())
        .filter(|&i| routine[i])
        .filter_map(line)
        .filter(|l| progress_of(l).is_none() && !ends_test(l))
        .collect();
    for i in 0..lines.len() {
        let this = lines[i].as_ref();
        if let Some(name) = progress_of(this) {
            let end = (i + 1..lines.len())
                .find(|&j| line(j).is_some_and(|l| progress_of(l).is_some() || ends_test(l)))
                .unwrap_or(lines.len());
            if line(end).and_then(|l| result_of(l, "--- FAIL: ")) != Some(name) {
                continue;
            }
            out[i] = true;
            for k in i + 1..end {
                let l = lines[k].as_ref();
                out[k] = printed_by_passed.contains(l)
                    && matches!(classify::classify(l).tier, Tier::Info | Tier::Debug);
            }
        } else if this == "PASS" || this == "FAIL" {
            out[i] = line(i + 1).is_some_and(is_package_result);
        }
    }
}

fn is_package_result(line: &str) -> bool {
    line.starts_with("ok  \t") || line.starts_with("FAIL\t")
}

/// `=== RUN   TestX` and its kin: the test name.
fn progress_of(line: &str) -> Option<&str> {
    ["=== RUN ", "=== PAUSE ", "=== CONT ", "=== NAME "]
        .iter()
        .find_map(|p| line.strip_prefix(p))
        .map(str::trim)
}

/// A line that ends the output of the test before it.
fn ends_test(line: &str) -> bool {
    ["--- PASS: ", "--- FAIL: ", "--- SKIP: "]
        .iter()
        .any(|p| result_of(line, p).is_some())
        || line == "PASS"
        || line == "FAIL"
        || is_package_result(line)
}

fn mark_package(lines: &[impl AsRef<str>], out: &mut [bool]) {
    let mut settled: HashSet<&str> = HashSet::new();
    let mut failed: HashSet<&str> = HashSet::new();
    for line in lines {
        let line = line.as_ref();
        if let Some(name) = result_of(line, "--- PASS: ").or_else(|| result_of(line, "--- SKIP: "))
        {
            settled.insert(name);
        } else if let Some(name) = result_of(line, "--- FAIL: ") {
            failed.insert(name);
        }
    }
    let settled = |name: &str| settled.contains(name) && !failed.contains(name);
    let mut current: Option<&str> = None;
    for (i, line) in lines.iter().enumerate() {
        let line = line.as_ref();
        if let Some(name) = progress_of(line) {
            current = Some(name);
            let introduces_output = lines
                .get(i + 1)
                .map(AsRef::as_ref)
                .is_some_and(|next| progress_of(next).is_none() && !ends_test(next));
            out[i] = settled(name) || !introduces_output;
        } else if ends_test(line) {
            out[i] = ["--- PASS: ", "--- SKIP: "]
                .iter()
                .find_map(|p| result_of(line, p))
                .is_some_and(settled);
            current = None;
        } else {
            out[i] = current.is_some_and(settled);
        }
    }
}

/// The test name of a `--- PASS: TestX (0.00s)` line (any indent).
fn result_of<'l>(line: &'l str, prefix: &str) -> Option<&'l str> {
    let rest = line.trim_start().strip_prefix(prefix)?;
    Some(rest.split(" (").next().unwrap_or(rest).trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passing_and_skipped_tests_are_marked_and_failures_are_not() {
        let log = [
            "=== RUN   TestOk",
            "    ok_test.go:9: all good",
            "--- PASS: TestOk (0.00s)",
            "=== RUN   TestBad",
            "    bad_test.go:12: want 1, got 2",
            "--- FAIL: TestBad (0.00s)",
            "=== RUN   TestSkip",
            "    skip_test.go:3: needs a database",
            "--- SKIP: TestSkip (0.00s)",
            "=== RUN   TestQuiet",
            "=== PAUSE TestQuiet",
            "=== CONT  TestQuiet",
            "--- FAIL: TestQuiet (0.00s)",
            "FAIL",
            "FAIL\texample.com/pkg\t0.01s",
            // The same name failing in the next package is not marked.
            "=== RUN   TestOk",
            "    ok_test.go:9: not good now",
            "--- FAIL: TestOk (0.00s)",
            "FAIL\texample.com/other\t0.01s",
        ];
        assert_eq!(
            routine_test_lines(&log),
            [
                true, true, true, // passed
                false, false, false, // failed, with output
                true, true, true, // skipped
                true, true, true, false, // failed without output: its FAIL line stays
                false, false, false, false, false, false
            ]
        );
    }

    #[test]
    fn a_passed_package_is_routine_when_another_failed() {
        let pkg_ok = [
            "testing: warning: no tests to run",
            "PASS",
            "ok  \texample.com/empty\t0.01s [no tests to run]",
        ];
        let pkg_failed = [
            "=== RUN   TestBad",
            "    bad_test.go:12: want 1, got 2",
            "--- FAIL: TestBad (0.00s)",
            "FAIL",
            "FAIL\texample.com/pkg\t0.01s",
        ];
        let log: Vec<&str> = pkg_ok.iter().chain(&pkg_failed).copied().collect();
        assert_eq!(
            routine_test_lines(&log),
            [true, true, true, false, false, false, false, false]
        );
        // In a run where nothing failed, the package results are the facts.
        assert_eq!(routine_test_lines(&pkg_ok), [false; 3]);
    }

    #[test]
    fn progress_lines_that_a_fail_line_repeats_are_restated() {
        let log = [
            "=== RUN   TestC",
            "    c_test.go:7: fine",
            "this is stderr",
            "--- PASS: TestC (0.00s)",
            "=== RUN   TestA",
            "this is stderr",
            "only TestA says this",
            "    a_test.go:9: want 1, got 2",
            "--- FAIL: TestA (0.00s)",
            // Output followed by another test's line: the CONT line says whose it is.
            "=== CONT  TestB/x",
            "    b_test.go:5: failed x",
            "=== CONT  TestB/y",
            "--- FAIL: TestB (0.00s)",
            "    --- FAIL: TestB/x (0.00s)",
            "FAIL",
            "FAIL\texample.com/pkg\t0.01s",
            "PASS",
        ];
        assert_eq!(
            restated_lines(&log),
            [
                false, false, false, false, // a pass is routine, not restated
                true,  // RUN TestA: its FAIL line names it
                true,  // a line TestC (passed) printed as well
                false, false, false, // its own output and its FAIL line
                false, false, false, false, false, // CONT TestB/x is needed
                true, false, // bare FAIL before the package line
                false  // bare PASS with no package line after it
            ]
        );
    }

    #[test]
    fn renders_output_events() {
        let lines = [
            r#"{"Time":"2022-06-19T13:44:44Z","Action":"run","Package":"p","Test":"TestA"}"#,
            r#"{"Time":"2022-06-19T13:44:44Z","Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}"#,
            r#"{"Time":"2022-06-19T13:44:44Z","Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:9: boom\n"}"#,
            r#"{"Time":"2022-06-19T13:44:44Z","Action":"fail","Package":"p","Test":"TestA","Elapsed":0}"#,
            "# p [build failed]",
        ];
        assert!(looks_like(lines.iter().copied()));
        let r = render(&lines);
        assert_eq!(
            r.text,
            "=== RUN   TestA\n    a_test.go:9: boom\n# p [build failed]\n"
        );
        assert_eq!(r.silent_events, 2);
        assert!(!looks_like(["plain", "text"].into_iter()));
    }
}
