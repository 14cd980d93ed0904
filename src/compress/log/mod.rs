//! Build, test and system logs.
//!
//! Lossless first: ANSI escapes, CRLF and trailing whitespace go; every
//! line is otherwise printed as written (DESIGN §3.5).
//! When content may be dropped and the log is still large, the lossy stage
//! ([`select`]) keeps every error with its stack trace, warnings once per
//! template with a count, summaries, query matches, rare templates and the
//! first and last lines, folds the rest by template, and marks each gap
//! with its size by level and the hash that retrieves the original.
//! `go test -json` streams are first shown as the output they carry.

mod classify;
pub(crate) mod clean;
mod fold;
mod gotest;
pub(crate) mod select;
mod template;

pub use gotest::looks_like as looks_like_go_test_json;

use super::{Compressed, Context};

pub fn compress(text: &str, ctx: &Context) -> Option<Compressed> {
    if text.trim().is_empty() {
        return None;
    }
    let lossless = || {
        let cleaned = clean::clean(text, false);
        let out = clean::Lines::join(cleaned.lines.iter(), cleaned.trailing_newline);
        (out != text).then(|| Compressed {
            text: out,
            transforms: vec!["log:clean".into()],
            hashes: Vec::new(),
        })
    };
    if !ctx.may_drop() {
        return lossless();
    }
    // Logs run at well under 16 bytes a token: only a short one can be
    // within the size that is never thinned, so only then count tokens.
    if text.len() <= 16 * ctx.lossy_min_tokens {
        let small = lossless();
        let cost = (ctx.cost)(small.as_ref().map_or(text, |c| c.text.as_str()));
        if cost <= ctx.lossy_min_tokens {
            return small;
        }
    }
    let lines = clean::clean(text, true);
    let gotest = gotest::looks_like(lines.lines.iter().map(|l| l.as_ref()));
    let Some(hash) = ctx.store(text, "log") else {
        return lossless();
    };
    let marker = |summary: &str| ctx.marker_line(summary, &hash);
    let mut transforms = vec!["log:clean".to_string()];
    let lossy = if gotest {
        let rendered = gotest::render(&lines.lines);
        let shown = clean::clean(&rendered.text, true);
        let mut out = marker(&format!(
            "go test -json shown as its output; {} events without output omitted",
            rendered.silent_events
        ));
        out.push('\n');
        out.push_str(&select::render(
            &shown.lines,
            lines.trailing_newline,
            &ctx.query,
            &marker,
            ctx.cost,
        ));
        transforms.push("log:go-test-json".into());
        out
    } else {
        select::render(
            &lines.lines,
            lines.trailing_newline,
            &ctx.query,
            &marker,
            ctx.cost,
        )
    };
    // Nothing worth dropping: every line was kept, so the markers only add.
    if lossy.len() >= text.len() || !lossy.contains(&hash) {
        return lossless();
    }
    transforms.push("log:fold-templates".into());
    Some(Compressed {
        text: lossy,
        transforms,
        hashes: vec![hash],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ccr::{MemorySink as MemSink, Sink, hash_of};
    use crate::relevance::Query;

    fn cost(s: &str) -> usize {
        s.len() / 4
    }

    fn ctx<'a>(sink: Option<&'a MemSink>, query: &str, lossless: bool) -> Context<'a> {
        Context {
            query: Query::parse(query),
            lossless,
            valid_json: false,
            sink: sink.map(|s| s as &dyn Sink),
            via: Default::default(),
            cost: &cost,
            lossy_min_tokens: 500,
        }
    }

    /// A service log: thousands of routine lines around one error and its trace.
    fn service_log(n: usize) -> String {
        let mut s = String::new();
        for i in 0..n {
            let level = if i % 10 == 3 { "DEBUG" } else { "INFO" };
            s.push_str(&format!(
                "2024-03-01 12:{:02}:{:02},{:03} {level} [worker-{}] GET /api/items/{} 200 in {}ms\n",
                (i / 60) % 60,
                i % 60,
                i % 1000,
                i % 4,
                1000 + i,
                5 + i % 37
            ));
            if i == n / 2 {
                s.push_str("2024-03-01 12:30:00,001 ERROR [worker-2] Unhandled exception in request 8812\n");
                s.push_str("java.lang.IllegalStateException: pool exhausted\n");
                s.push_str("\tat com.acme.Pool.take(Pool.java:88)\n\tat com.acme.Handler.run(Handler.java:41)\n");
                s.push_str(
                    "2024-03-01 12:30:00,002 WARN [worker-2] retrying request 8812 in 50ms\n",
                );
            }
        }
        s
    }

    #[test]
    fn keeps_errors_traces_and_marks_gaps() {
        let sink = MemSink::default();
        let log = service_log(3000);
        let out = compress(&log, &ctx(Some(&sink), "", false)).unwrap();
        for fact in [
            "ERROR [worker-2] Unhandled exception in request 8812",
            "java.lang.IllegalStateException: pool exhausted",
            "\tat com.acme.Pool.take(Pool.java:88)",
            "\tat com.acme.Handler.run(Handler.java:41)",
            "WARN [worker-2] retrying request 8812 in 50ms",
        ] {
            assert!(out.text.contains(fact), "lost {fact:?}");
        }
        assert!(out.text.starts_with("2024-03-01 12:00:00,000 INFO"));
        assert!(
            out.text.contains("GET /api/items/3999 200"),
            "last line kept"
        );
        assert!(out.text.contains("lines omitted ("), "{}", out.text);
        assert!(!out.text.contains("similar)"), "nothing appended to a line");
        assert!(
            out.text.len() * 10 < log.len(),
            "{} of {}",
            out.text.len(),
            log.len()
        );
        let hash = hash_of(log.as_bytes());
        assert_eq!(out.hashes, std::slice::from_ref(&hash));
        assert_eq!(
            sink.0.borrow().as_slice(),
            [log.as_bytes().to_vec()],
            "stored whole before the marker"
        );
        assert!(crate::ccr::hashes_in(&out.text).iter().all(|h| *h == hash));
    }

    #[test]
    fn kept_lines_stay_in_order() {
        let sink = MemSink::default();
        let log = service_log(2000);
        let out = compress(&log, &ctx(Some(&sink), "", false)).unwrap();
        let mut pos = 0;
        for line in out.text.lines().filter(|l| !l.starts_with("[headroom:")) {
            let found = log[pos..]
                .find(line)
                .unwrap_or_else(|| panic!("{line:?} out of order"));
            pos += found + line.len();
        }
    }

    #[test]
    fn deterministic() {
        let log = service_log(2500);
        let a = compress(&log, &ctx(Some(&MemSink::default()), "request 8812", false)).unwrap();
        let b = compress(&log, &ctx(Some(&MemSink::default()), "request 8812", false)).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn query_matches_are_kept() {
        let log = service_log(3000);
        let out = compress(
            &log,
            &ctx(
                Some(&MemSink::default()),
                "what happened to item 2417?",
                false,
            ),
        )
        .unwrap();
        assert!(out.text.contains("GET /api/items/2417 200"), "{}", out.text);
    }

    #[test]
    fn lossless_mode_only_cleans() {
        let mut log = String::from("\x1b[32mstarting\x1b[0m   \r\n");
        for _ in 0..40 {
            log.push_str("waiting for lock on build directory\r\n");
        }
        log.push_str("done\r\n");
        let out = compress(&log, &ctx(None, "", true)).unwrap();
        let want = format!(
            "starting\n{}done\n",
            "waiting for lock on build directory\n".repeat(40)
        );
        assert_eq!(out.text, want);
        assert!(out.hashes.is_empty());
        // Without a store nothing may be dropped either.
        let big = service_log(3000);
        let sink = MemSink::default();
        assert!(compress(&big, &ctx(Some(&sink), "", true)).is_none());
        assert!(sink.0.borrow().is_empty());
    }

    #[test]
    fn slow_request_and_the_record_before_a_traceback_are_kept() {
        let mut log = String::new();
        for i in 0..2000 {
            let ms = if i == 1234 { 12000 } else { 20 + i % 70 };
            log.push_str(&format!(
                "2024-03-01 12:00:{:02},{:03} INFO [api] GET /orders/{i} done latency={ms}ms\n",
                i % 60,
                i % 1000
            ));
            if i == 1500 {
                log.push_str(
                    "2024-03-01 12:30:00,000 INFO [etl] processing record 4411 from batch 7\n",
                );
                log.push_str("Traceback (most recent call last):\n  File \"etl.py\", line 88, in load\n    row = parse(raw)\nValueError: bad amount '12,5'\n");
            }
        }
        let out = compress(&log, &ctx(Some(&MemSink::default()), "", false)).unwrap();
        assert!(
            out.text.contains("GET /orders/1234 done latency=12000ms"),
            "{}",
            out.text
        );
        assert!(
            out.text
                .contains("processing record 4411 from batch 7\nTraceback"),
            "{}",
            out.text
        );
    }

    #[test]
    fn a_run_of_identical_lines_keeps_its_first() {
        let mut log = service_log(2000);
        log.push_str(&"2024-03-01 13:00:00,000 ERROR [worker-1] disk full on /var\n".repeat(50));
        log.push_str("2024-03-01 13:00:01,000 INFO shutting down\n");
        let out = compress(&log, &ctx(Some(&MemSink::default()), "", false)).unwrap();
        assert_eq!(
            out.text
                .matches("ERROR [worker-1] disk full on /var")
                .count(),
            1,
            "{}",
            out.text
        );
        assert!(
            out.text
                .contains("disk full on /var\n[headroom: 49 ERROR lines omitted;"),
            "{}",
            out.text
        );
    }

    #[test]
    fn bad_input_never_panics() {
        let sink = MemSink::default();
        let huge_line = format!("2024-03-01 INFO {}\n", "x".repeat(10 << 20));
        let mut mixed = service_log(1500);
        mixed.push_str("{\"level\":\"error\",\"msg\":\"db down\",\"attempt\":3}\n");
        mixed.push_str(&service_log(1500).replace('\n', "\r\n"));
        for input in [
            "",
            "\n",
            "\r\n",
            "\x1b[",
            "just one line",
            huge_line.as_str(),
            mixed.as_str(),
            "é\r\r\r\n\u{feff}",
        ] {
            for lossless in [false, true] {
                if let Some(out) = compress(input, &ctx(Some(&sink), "db down", lossless)) {
                    assert!(out.text.len() <= input.len() + 100);
                }
            }
        }
        let out = compress(&mixed, &ctx(Some(&sink), "", false)).unwrap();
        assert!(
            out.text
                .contains("{\"level\":\"error\",\"msg\":\"db down\",\"attempt\":3}")
        );
    }

    #[test]
    fn go_test_json_is_shown_as_output() {
        let mut log = String::new();
        for i in 0..300 {
            log.push_str(&format!(
                "{{\"Time\":\"2022-06-19T13:44:44.{i:06}Z\",\"Action\":\"run\",\"Package\":\"example.com/p\",\"Test\":\"TestOk{i}\"}}\n\
                 {{\"Time\":\"2022-06-19T13:44:44.{i:06}Z\",\"Action\":\"output\",\"Package\":\"example.com/p\",\"Test\":\"TestOk{i}\",\"Output\":\"=== RUN   TestOk{i}\\n\"}}\n\
                 {{\"Time\":\"2022-06-19T13:44:44.{i:06}Z\",\"Action\":\"output\",\"Package\":\"example.com/p\",\"Test\":\"TestOk{i}\",\"Output\":\"--- PASS: TestOk{i} (0.00s)\\n\"}}\n"
            ));
        }
        log.push_str("{\"Time\":\"2022-06-19T13:44:45Z\",\"Action\":\"output\",\"Package\":\"example.com/p\",\"Test\":\"TestBad\",\"Output\":\"    bad_test.go:12: want 3, got 4\\n\"}\n");
        log.push_str("{\"Time\":\"2022-06-19T13:44:45Z\",\"Action\":\"output\",\"Package\":\"example.com/p\",\"Test\":\"TestBad\",\"Output\":\"--- FAIL: TestBad (0.00s)\\n\"}\n");
        log.push_str("{\"Time\":\"2022-06-19T13:44:45Z\",\"Action\":\"output\",\"Package\":\"example.com/p\",\"Output\":\"FAIL\\texample.com/p\\t0.012s\\n\"}\n");
        let out = compress(&log, &ctx(Some(&MemSink::default()), "", false)).unwrap();
        assert!(out.text.contains("    bad_test.go:12: want 3, got 4\n--- FAIL: TestBad (0.00s)\nFAIL\texample.com/p\t0.012s"), "{}", out.text);
        assert!(out.text.starts_with(
            "[headroom: go test -json shown as its output; 300 events without output omitted;"
        ));
        assert!(out.text.len() * 20 < log.len());
    }

    #[test]
    fn go_test_verbose_keeps_failures_not_names_that_sound_like_them() {
        let mut log = String::new();
        for i in 0..60 {
            log.push_str(&format!(
                "=== RUN   TestFailoverRetry{i}\n    failover_test.go:{}: retry {i} of 3\n--- PASS: TestFailoverRetry{i} (0.00s)\n",
                10 + i
            ));
        }
        log.push_str("=== RUN   TestErrorPageTimeout\n    errors_test.go:7: needs a browser\n--- SKIP: TestErrorPageTimeout (0.00s)\n");
        log.push_str("=== RUN   TestCharge\n=== PAUSE TestCharge\n=== RUN   TestRefund\n=== PAUSE TestRefund\n");
        log.push_str("=== CONT  TestCharge\n    pay_test.go:41: charge: want 200, got 502\n");
        log.push_str(
            "=== CONT  TestRefund\n--- FAIL: TestCharge (0.01s)\n--- FAIL: TestRefund (0.00s)\n",
        );
        log.push_str("FAIL\nFAIL\texample.com/pay\t0.031s\n");
        let out = compress(
            &log,
            &ctx(Some(&MemSink::default()), "which tests failed?", false),
        )
        .unwrap();
        assert!(
            out.text
                .contains("=== CONT  TestCharge\n    pay_test.go:41: charge: want 200, got 502\n"),
            "the failure with the line naming its test: {}",
            out.text
        );
        for kept in [
            "--- FAIL: TestCharge (0.01s)",
            "--- FAIL: TestRefund (0.00s)",
            "FAIL\texample.com/pay\t0.031s",
        ] {
            assert!(out.text.contains(kept), "lost {kept:?}: {}", out.text);
        }
        for dropped in [
            "TestFailoverRetry3 ",
            "failover_test.go:30",
            "TestErrorPageTimeout",
            "=== RUN   TestRefund",
        ] {
            assert!(
                !out.text.contains(dropped),
                "kept {dropped:?}: {}",
                out.text
            );
        }
        assert!(out.text.len() * 5 < log.len(), "{}", out.text);
    }

    #[test]
    fn a_passing_test_at_the_end_is_not_kept_for_being_last() {
        let mut log = String::from(
            "=== RUN   TestBad\n    bad_test.go:9: want 1, got 2\n--- FAIL: TestBad (0.00s)\n",
        );
        for i in 0..60 {
            log.push_str(&format!(
                "=== RUN   TestOk{i}\n    ok_test.go:{i}: step {i} done\n--- PASS: TestOk{i} (0.00s)\n"
            ));
        }
        log.push_str("FAIL\nFAIL\texample.com/pkg\t0.031s\n");
        let out = compress(&log, &ctx(Some(&MemSink::default()), "", false)).unwrap();
        let hash = hash_of(log.as_bytes());
        let end = format!(
            "(60 passed); retrieve: headroom retrieve {hash}]\nFAIL\texample.com/pkg\t0.031s\n"
        );
        assert!(out.text.ends_with(&end), "{}", out.text);
        assert!(!out.text.contains("TestOk59"), "{}", out.text);
    }

    /// `cargo test --release --lib compress::log::tests::throughput -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn throughput() {
        let log = service_log(200_000);
        let mb = log.len() as f64 / 1e6;
        let time = |name: &str, f: &mut dyn FnMut()| {
            let start = std::time::Instant::now();
            f();
            let secs = start.elapsed().as_secs_f64();
            eprintln!("{name:>10}: {secs:.3}s = {:.0} MB/s", mb / secs);
        };
        let lines = clean::clean(&log, true);
        time("clean", &mut || drop(clean::clean(&log, true)));
        time("runs", &mut || drop(fold::runs(&lines.lines)));
        time("classify", &mut || {
            drop(
                lines
                    .lines
                    .iter()
                    .map(|l| classify::classify(l))
                    .collect::<Vec<_>>(),
            )
        });
        time("templates", &mut || drop(template::build(&lines.lines)));
        let sink = MemSink::default();
        time("compress", &mut || {
            drop(compress(&log, &ctx(Some(&sink), "", false)).unwrap())
        });
    }
}
