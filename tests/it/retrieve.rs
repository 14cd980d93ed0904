//! `headroom retrieve` through the real binary.

use crate::support::{Env, hashes, log_records};

fn compressed_hash(env: &Env, input: &str) -> String {
    let out = env.ok_str(&["compress"], input);
    hashes(&out).into_iter().next().expect("a marker")
}

#[test]
fn returns_the_exact_original_bytes() {
    let env = Env::new();
    // Pretty-printed, with escapes and odd numbers that re-serializing would change.
    let pretty = log_records(200, 9)
        .replace("},{", "},\n  {")
        .replace("\"level\"", "\"lev\\u0065l\"")
        + "\n";
    let h = compressed_hash(&env, &pretty);
    assert_eq!(env.ok(&["retrieve", &h], ""), pretty.as_bytes());
    assert_eq!(
        env.ok(&["retrieve", &format!("hash={h}")], ""),
        pretty.as_bytes()
    );
}

#[test]
fn query_returns_matching_items_in_order_with_a_count() {
    let env = Env::new();
    let input = log_records(300, 120);
    let h = compressed_hash(&env, &input);
    let out = env.run(
        &[
            "retrieve",
            &h,
            "--query",
            "/api/items/1005 or /api/items/1002",
        ],
        "",
    );
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].contains("/api/items/1002 ") && lines[1].contains("/api/items/1005 "));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("2 of 300 items match"), "{stderr}");
}

#[test]
fn query_results_as_json() {
    let env = Env::new();
    let input = log_records(100, 50);
    let h = compressed_hash(&env, &input);
    let out = env.ok_str(
        &["retrieve", &h, "--query", "declined", "--format", "json"],
        "",
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["unit"], "items");
    assert_eq!(v["total"], 100);
    assert_eq!(v["matches"].as_array().unwrap().len(), 1);
}

#[test]
fn unknown_and_invalid_hashes_fail_clearly() {
    let env = Env::new();
    let out = env.run(&["retrieve", "0123456789abcdef"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("headroom: error: no original stored under 0123456789abcdef"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);

    // With a store present, a miss says the hash was never stored.
    compressed_hash(&env, &log_records(200, 1));
    let err = String::from_utf8(env.run(&["retrieve", "0123456789abcdef"], "").stderr).unwrap();
    assert!(
        err.contains("never stored") && err.contains("re-run"),
        "{err}"
    );

    let out = env.run(&["retrieve", "xyz"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("invalid hash 'xyz'")
    );
}

#[test]
fn expired_originals_say_so() {
    let env = Env::new();
    let mut c = env.cmd(&["compress"]);
    c.env("HEADROOM_TTL", "1s");
    let out = crate::support::run_with_stdin(c, log_records(200, 5).as_bytes());
    let h = hashes(&String::from_utf8(out.stdout).unwrap()).remove(0);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let out = env.run(&["retrieve", &h], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("expired") && err.contains("re-run"), "{err}");
}

#[test]
fn list_shows_recent_entries() {
    let env = Env::new();
    let h = compressed_hash(&env, &log_records(200, 5));
    let out = env.ok_str(&["retrieve", "--list"], "");
    assert!(
        out.contains(&h) && out.contains("json") && out.contains("expires in"),
        "{out}"
    );
    let json = env.ok_str(&["retrieve", "--list", "--format", "json"], "");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["hash"], h.as_str());
    assert_eq!(v[0]["kind"], "json");
}

#[cfg(unix)]
#[test]
fn the_store_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    compressed_hash(&env, &log_records(200, 5));
    let mode = std::fs::metadata(env.store_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn query_is_found_as_written_or_nothing_is_printed() {
    let env = Env::new();
    let log: String = (1..=300)
        .map(|i| format!("2024-01-01 INFO worker_fn {i} processed job {i} ok (queue=main)\n"))
        .collect();
    let h = compressed_hash(&env, &log);
    // Not a pattern: '(' is the character, in every line.
    let out = env.run(&["retrieve", &h, "--query", "("], "");
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 300);
    // A word that occurs nowhere matches nothing, and says so; no line that
    // shares only `fn` with it (`worker_fn`).
    let out = env.run(&["retrieve", &h, "--query", "nonexistent_fn"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "headroom: no lines match 'nonexistent_fn' (searched 300)\n"
    );
    let out = env.ok_str(&["retrieve", &h, "--query", "job 17 ok"], "");
    assert_eq!(
        out,
        "17:2024-01-01 INFO worker_fn 17 processed job 17 ok (queue=main)\n"
    );
}

#[test]
fn list_limit_zero_lists_every_entry() {
    let env = Env::new();
    let a = compressed_hash(&env, &log_records(200, 5));
    let b = compressed_hash(&env, &log_records(200, 6));
    let out = env.ok_str(&["retrieve", "--list", "--limit", "0"], "");
    assert!(out.contains(&a) && out.contains(&b), "{out}");
    let one = env.ok_str(&["retrieve", "--list", "--limit", "1"], "");
    assert!(one.contains(&b) && !one.contains(&a), "{one}");
}

#[test]
fn an_original_evicted_for_size_names_the_size_cap() {
    let env = Env::new();
    let compress = |input: String| {
        let mut c = env.cmd(&["compress"]);
        c.env("HEADROOM_MAX_STORE_MB", "1");
        let out = crate::support::run_with_stdin(c, input.as_bytes());
        hashes(&String::from_utf8(out.stdout).unwrap()).remove(0)
    };
    let first = compress(log_records(4000, 5));
    compress(log_records(4000, 6));
    let out = env.run(&["retrieve", &first], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("evicted to keep the store under its size cap")
            && err.contains("HEADROOM_MAX_STORE_MB sets the cap")
            && !err.contains("HEADROOM_TTL"),
        "{err}"
    );
}
