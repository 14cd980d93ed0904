//! Configuration problems through the real binary: each is one warning line
//! on stderr, and the user still gets their compressed output.

use std::process::Output;

use crate::support::{Env, hashes, log_records, run_with_stdin};

/// Runs `compress` on a compressible input with extra environment variables.
fn compress_with(env: &Env, vars: &[(&str, &str)]) -> Output {
    let mut c = env.cmd(&["compress"]);
    // The default home, for settings that fall back to it.
    c.env("HOME", env.dir.path().join("user"));
    for (k, v) in vars {
        c.env(k, v);
    }
    run_with_stdin(c, log_records(300, 5).as_bytes())
}

/// Asserts the run succeeded with compressed output and exactly one warning
/// that contains every part of `expected`; returns the warning.
fn one_warning(out: &Output, expected: &[&str]) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    assert_eq!(hashes(&stdout).len(), 1, "no compressed output: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("headroom: warning: "), "{stderr}");
    for part in expected {
        assert!(stderr.contains(part), "{part} missing: {stderr}");
    }
    stderr
}

#[test]
fn bad_environment_values_warn_once_and_use_the_default() {
    let env = Env::new();
    let out = compress_with(&env, &[("HEADROOM_TTL", "0")]);
    one_warning(&out, &["HEADROOM_TTL '0'", "using the default, 7d"]);
    let out = compress_with(&env, &[("HEADROOM_MAX_STORE_MB", "abc")]);
    one_warning(
        &out,
        &["HEADROOM_MAX_STORE_MB 'abc'", "using the default, 512"],
    );
    // The marker's original is retrievable: the store works with the defaults.
    let h = hashes(&String::from_utf8_lossy(&out.stdout)).remove(0);
    assert_eq!(
        env.ok(&["retrieve", &h], ""),
        log_records(300, 5).as_bytes()
    );
}

#[test]
fn a_home_that_is_a_file_falls_back_to_the_default_home() {
    let env = Env::new();
    let file = env.file("not-a-dir", "");
    let out = compress_with(&env, &[("HEADROOM_HOME", file.to_str().unwrap())]);
    one_warning(
        &out,
        &["HEADROOM_HOME", "is not a directory", "user/.headroom"],
    );
    assert!(env.dir.path().join("user/.headroom/headroom.db").exists());
}

#[test]
fn a_config_file_with_a_table_or_a_misspelt_key_still_compresses() {
    let env = Env::new();
    std::fs::create_dir_all(env.home()).unwrap();
    let config = env.home().join("config.toml");
    std::fs::write(&config, "[store]\nttl = \"2h\"\n").unwrap();
    one_warning(
        &compress_with(&env, &[]),
        &["config.toml, line 1: table [store] is not read"],
    );
    std::fs::write(&config, "ttl = \"2h\"\nmax_store_mbs = 64\n").unwrap();
    one_warning(
        &compress_with(&env, &[]),
        &["line 2: unknown key 'max_store_mbs' (did you mean 'max_store_mb'?)"],
    );
    std::fs::write(&config, "ttl = \"soon\"\n").unwrap();
    one_warning(
        &compress_with(&env, &[]),
        &[
            "invalid ttl in ",
            "config.toml 'soon'",
            "using the default, 7d",
        ],
    );
}

#[test]
fn a_damaged_store_is_moved_aside_and_a_fresh_one_started() {
    let env = Env::new();
    std::fs::create_dir_all(env.home()).unwrap();
    std::fs::write(env.store_path(), vec![b'x'; 8192]).unwrap();
    let warning = one_warning(
        &compress_with(&env, &[]),
        &[
            "the store was damaged",
            "moved it aside to ",
            "started a fresh one",
        ],
    );
    // Nothing deleted: the damaged bytes are where the warning says.
    let aside = warning
        .trim_end()
        .split("moved it aside to ")
        .nth(1)
        .unwrap();
    let aside = aside.split(" and started").next().unwrap();
    assert_eq!(std::fs::read(aside).unwrap(), vec![b'x'; 8192]);
    // The next run is quiet and stores again.
    let out = compress_with(&env, &[]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let h = hashes(&String::from_utf8_lossy(&out.stdout)).remove(0);
    assert_eq!(
        env.ok(&["retrieve", &h], ""),
        log_records(300, 5).as_bytes()
    );
}

#[test]
fn retrieve_from_a_damaged_store_says_so_in_one_line() {
    let env = Env::new();
    std::fs::create_dir_all(env.home()).unwrap();
    std::fs::write(env.store_path(), vec![b'x'; 8192]).unwrap();
    let out = env.run(&["retrieve", "0123456789abcdef"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(err.matches("not a database").count(), 1, "{err}");
    assert!(
        err.contains("moved aside to ") && err.contains("re-run"),
        "{err}"
    );
}

#[test]
fn a_store_damaged_inside_is_replaced_at_the_first_failed_write() {
    let env = Env::new();
    for i in 0..5 {
        env.ok(&["compress"], log_records(3000, i));
    }
    // Header intact (it opens), pages inside overwritten.
    let mut db = std::fs::read(env.store_path()).unwrap();
    for page in (8192..db.len()).step_by(3 * 4096) {
        db[page..page + 256].fill(0xde);
    }
    std::fs::write(env.store_path(), db).unwrap();
    one_warning(
        &compress_with(&env, &[]),
        &[
            "database disk image is malformed",
            "moved it aside to ",
            "started a fresh one",
        ],
    );
    let out = compress_with(&env, &[]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
