//! `headroom compress` on build, test and service logs.

use crate::support::{self, Env};

/// A pytest run: hundreds of passes, one failure with its traceback, a summary.
fn pytest_run(passes: usize) -> String {
    let mut s = String::from(
        "============================= test session starts ==============================\n\
         platform linux -- Python 3.12.1, pytest-8.3.2, pluggy-1.5.0\n\
         rootdir: /home/dev/shop\n\
         collected 401 items\n\n",
    );
    for i in 0..passes {
        let pct = i * 100 / passes;
        s.push_str(&format!(
            "tests/test_orders.py::test_order_total_{i} PASSED{:>30}\n",
            format!("[{pct:3}%]")
        ));
        if i == passes / 3 {
            s.push_str(
                "tests/test_orders.py::test_refund_rounding FAILED                  [ 33%]\n",
            );
        }
    }
    s.push_str(
        "\n=================================== FAILURES ===================================\n\
         __________________________ test_refund_rounding __________________________\n\n\
         \x20   def test_refund_rounding():\n\
         >       assert refund(Decimal(\"10.005\")) == Decimal(\"10.01\")\n\
         E       AssertionError: assert Decimal('10.00') == Decimal('10.01')\n\n\
         tests/test_orders.py:88: AssertionError\n\
         =========================== short test summary info ============================\n\
         FAILED tests/test_orders.py::test_refund_rounding - AssertionError: assert Decimal('10.00') == Decimal('10.01')\n",
    );
    s.push_str(&format!(
        "========================= 1 failed, {passes} passed in 4.20s =========================\n"
    ));
    s
}

#[test]
fn pytest_failure_survives_and_passes_fold() {
    let env = Env::new();
    let input = pytest_run(400);
    let out = env.ok_str(&["compress"], &input);
    for fact in [
        "tests/test_orders.py::test_refund_rounding FAILED",
        ">       assert refund(Decimal(\"10.005\")) == Decimal(\"10.01\")",
        "E       AssertionError: assert Decimal('10.00') == Decimal('10.01')",
        "tests/test_orders.py:88: AssertionError",
        "FAILED tests/test_orders.py::test_refund_rounding - AssertionError",
        "1 failed, 400 passed in 4.20s",
    ] {
        assert!(out.contains(fact), "lost {fact:?}:\n{out}");
    }
    assert!(
        out.contains("passed); retrieve: headroom retrieve "),
        "{out}"
    );
    assert!(support::tokens(&out) * 5 < support::tokens(&input), "{out}");
}

#[test]
fn every_marker_retrieves_the_exact_original() {
    let env = Env::new();
    let input = pytest_run(300).replace('\n', "\r\n");
    let out = env.ok_str(&["compress"], &input);
    let hashes = support::hashes(&out);
    assert_eq!(hashes.len(), 1, "{out}");
    let original = env.ok(&["retrieve", &hashes[0]], "");
    assert_eq!(original, input.as_bytes());
}

#[test]
fn detected_as_log_and_reported() {
    let env = Env::new();
    let mut go = String::new();
    for i in 0..200 {
        go.push_str(&format!(
            "{{\"Time\":\"2024-01-01T00:00:00Z\",\"Action\":\"output\",\"Package\":\"example.com/x\",\"Test\":\"TestN{i}\",\"Output\":\"--- PASS: TestN{i} (0.00s)\\n\"}}\n"
        ));
    }
    for input in [pytest_run(300), go] {
        let out = env.ok_str(&["compress", "--format", "json"], &input);
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["kind"], "log");
        assert!(
            report["transforms"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "log:fold-templates"),
            "{report}"
        );
    }
}

#[test]
fn lossless_flag_keeps_every_line() {
    let env = Env::new();
    let mut input = String::new();
    for i in 0..300 {
        input.push_str(&format!(
            "\x1b[2m2024-01-01 10:00:{:02}\x1b[0m INFO polling queue depth={}   \n",
            i % 60,
            i % 7
        ));
        input.push_str(
            "INFO waiting for runner\nINFO waiting for runner\nINFO waiting for runner\n",
        );
    }
    let out = env.ok_str(&["compress", "--lossless"], &input);
    assert!(support::hashes(&out).is_empty());
    assert!(!out.contains('\x1b'));
    assert_eq!(out.lines().count(), 1200, "every line kept, none rewritten");
    assert_eq!(out.matches("INFO waiting for runner\n").count(), 900);
}

#[test]
fn small_and_odd_logs_pass_or_shrink_without_error() {
    let env = Env::new();
    let small = "2024-01-01 10:00:00 INFO started\n2024-01-01 10:00:01 INFO ready\n";
    assert_eq!(env.ok_str(&["compress"], small), small);
    let huge_line = format!("2024-01-01 10:00:00 INFO {}\n", "ab".repeat(1 << 19));
    let out = env.ok(&["compress", "--type", "log"], &huge_line);
    assert_eq!(out, huge_line.as_bytes());
    let out = env.ok(&["compress", "--type", "log"], "");
    assert!(out.is_empty());
}

#[test]
fn go_test_verbose_keeps_failed_tests_and_drops_passed_ones() {
    // Sixty passing tests, each with its own name and log line (every line
    // "rare"), then one failure: only the failure is worth reading.
    let names = ["Parse", "Render", "Cache", "Fetch", "Store", "Route"];
    let mut log = String::new();
    for k in 0..60 {
        let name = format!(
            "Test{}{}",
            names[k % 6],
            [
                "Empty", "Large", "Unicode", "Nested", "Quoted", "Broken", "Cold", "Warm", "Stale",
                "Fresh"
            ][k / 6]
        );
        log.push_str(&format!(
            "=== RUN   {name}\n    {}_test.go:{}: checked {} cases\n--- PASS: {name} (0.0{}s)\n",
            names[k % 6].to_lowercase(),
            10 + k,
            k * 7,
            k % 10
        ));
    }
    log.push_str("=== RUN   TestStoreEviction\n    store_test.go:88: evicted 3 entries, want 2\n--- FAIL: TestStoreEviction (0.01s)\nFAIL\nFAIL\texample.com/shop/store\t0.412s\n");
    let env = Env::new();
    let out = env.ok_str(&["compress"], &log);
    // The `=== RUN` line goes into the gap before it: `--- FAIL` names the test.
    let failure = "]\n    store_test.go:88: evicted 3 entries, want 2\n--- FAIL: TestStoreEviction (0.01s)\nFAIL\nFAIL\texample.com/shop/store\t0.412s\n";
    assert!(out.contains(failure), "lost the failure:\n{out}");
    assert!(
        out.contains(" passed"),
        "the gap counts passed lines:\n{out}"
    );
    let saved = 1.0 - support::tokens(&out) as f64 / support::tokens(&log) as f64;
    assert!(saved >= 0.8, "saved only {saved:.2}:\n{out}");
}
