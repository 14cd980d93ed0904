//! Runs the real binary with an isolated store and environment.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use std::io::Write;

/// Generated agent sessions with planted patterns, for `learn`.
pub mod sessions;

/// A scratch HEADROOM_HOME plus a way to run `headroom` against it.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// Writes `contents` to a file in the scratch directory and returns its path.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, contents).unwrap();
        p
    }

    /// A `headroom` command with HEADROOM_* and NO_COLOR cleared and the store here.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_headroom"));
        for (name, _) in headroom::env::ALL {
            c.env_remove(name);
        }
        c.env_remove("NO_COLOR");
        c.env("HEADROOM_HOME", self.home());
        c.args(args);
        c
    }

    /// Runs with `stdin` and returns the output.
    pub fn run(&self, args: &[&str], stdin: impl AsRef<[u8]>) -> Output {
        run_with_stdin(self.cmd(args), stdin.as_ref())
    }

    /// Runs, asserts success, returns stdout.
    pub fn ok(&self, args: &[&str], stdin: impl AsRef<[u8]>) -> Vec<u8> {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "headroom {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Runs, asserts success, returns stdout as a string.
    pub fn ok_str(&self, args: &[&str], stdin: impl AsRef<[u8]>) -> String {
        String::from_utf8(self.ok(args, stdin)).unwrap()
    }

    pub fn store_path(&self) -> PathBuf {
        self.home().join("headroom.db")
    }
}

pub mod redis;
pub mod upstream;

pub fn run_with_stdin(mut c: Command, stdin: &[u8]) -> Output {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    // Write from a thread so a large input cannot deadlock against a full stdout pipe.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Tokens as headroom counts them by default (o200k_base).
pub fn tokens(s: &str) -> usize {
    headroom::tokens::count(s, headroom::tokens::Encoding::O200k)
}

/// Every marker hash in `text`.
pub fn hashes(text: &str) -> Vec<String> {
    headroom::ccr::hashes_in(text)
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// A JSON array of `n` log records with one error at `error_at`.
pub fn log_records(n: usize, error_at: usize) -> String {
    let levels = ["INFO", "INFO", "INFO", "DEBUG"];
    let items: Vec<String> = (0..n)
        .map(|i| {
            let (level, msg) = if i == error_at {
                ("ERROR", "payment failed: card declined for order 4242".to_string())
            } else {
                (levels[i % 4], format!("GET /api/items/{} 200 in {}ms", 1000 + i, 20 + (i * 7) % 13))
            };
            format!(
                r#"{{"timestamp":"2024-03-01T12:{:02}:{:02}Z","level":"{level}","service":"checkout","host":"web-{}","message":"{msg}","request_id":"req-{:06}"}}"#,
                (i / 60) % 60,
                i % 60,
                i % 3,
                i * 7919 % 1_000_000
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// Runs `c` (no stdin) with its stdout already closed by the reader, as in
/// `headroom … | head -c 10` once head has exited.
pub fn run_with_closed_stdout(mut c: Command) -> Output {
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

/// Originals in the test's store (0 when there is none); usage records
/// do not count.
pub fn stored_originals(env: &Env) -> i64 {
    if !env.store_path().exists() {
        return 0;
    }
    let db = rusqlite::Connection::open(env.store_path()).unwrap();
    db.query_row("SELECT count(*) FROM originals", [], |r| r.get(0))
        .unwrap()
}

/// A sink that keeps every stored original by its hash, for tests that
/// check each marker retrieves its original.
#[derive(Default)]
pub struct MemSink(pub std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>);

impl headroom::ccr::Sink for MemSink {
    fn store_hashed(&self, original: &[u8], _kind: &str, hash: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap()
            .insert(hash.to_string(), original.to_vec());
        Some(hash.to_string())
    }
}
