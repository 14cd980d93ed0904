//! Detectors: each a pure function from one session's events to findings
//! (one finding per occurrence). Nothing here crosses a session boundary.

pub mod corrections;
pub mod environment;
pub mod paths;
pub mod user;
pub mod waste;
pub mod workdir;

use super::command::{self, Shape};
use super::event::{Call, Event, Session, Status, Tool};

/// What kind of fact a rule states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Correction,
    Environment,
    Path,
    WorkingDirectory,
    UserCorrection,
    Waste,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Correction => "correction",
            Kind::Environment => "environment",
            Kind::Path => "path",
            Kind::WorkingDirectory => "working-directory",
            Kind::UserCorrection => "user-correction",
            Kind::Waste => "waste",
        }
    }
}

/// One occurrence of a learnable fact in one session.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub kind: Kind,
    /// Same key, same rule: occurrences are merged by it.
    pub key: String,
    /// The advice, one line, without evidence.
    pub advice: String,
    /// The error or words that prove it (shown in the rule).
    pub detail: String,
    /// Phrases that, all found in a file's hand-written text, mean the
    /// file already states the rule.
    pub mentions: Vec<String>,
    pub tokens: usize,
    /// Failed calls this occurrence cost.
    pub failures: usize,
    /// Line of the occurrence in the session's file.
    pub line: usize,
    pub time: Option<i64>,
}

/// Every detector over one session.
pub fn all(session: &Session) -> Vec<Finding> {
    let fixes = fixes(session);
    let mut out = Vec::new();
    out.extend(workdir::detect(session, &fixes));
    out.extend(environment::detect(session, &fixes));
    out.extend(corrections::detect(session, &fixes));
    out.extend(paths::detect(session));
    out.extend(user::detect(session));
    out.extend(waste::detect(session));
    out
}

/// A failing shell command and the succeeding one that did its job
/// differently, soon after and in the same session.
#[derive(Clone, Debug)]
pub struct Fix<'a> {
    pub failed: &'a Event,
    pub fixed: &'a Event,
    pub failed_shape: Shape,
    pub fixed_shape: Shape,
    /// Absolute directories they ran in (cwd plus any `cd`).
    pub failed_dir: String,
    pub fixed_dir: String,
    /// Failed calls in the episode (the first one and identical retries).
    pub failures: usize,
    pub tokens: usize,
}

/// How many shell calls after a failure the fix may come.
const WINDOW: usize = 4;

fn shell(e: &Event) -> Option<(&Call, Shape)> {
    let call = e.call()?;
    match &call.tool {
        Tool::Shell { command } => Some((call, command::parse(command)?)),
        _ => None,
    }
}

/// The directory a shell command runs in.
pub fn dir_of(e: &Event, shape: &Shape) -> String {
    let cwd = e.cwd.as_deref().unwrap_or("");
    match shape.cd.as_deref() {
        Some(d) if d.starts_with('/') => d.trim_end_matches('/').to_string(),
        Some(d) if d.starts_with('~') => d.to_string(),
        Some(d) => normalize(&format!("{}/{}", cwd.trim_end_matches('/'), d)),
        None => cwd.trim_end_matches('/').to_string(),
    }
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Programs whose non-zero exit is an answer ("no match", "differs"), not
/// a mistake.
const ANSWERS: &[&str] = &[
    "grep", "egrep", "fgrep", "diff", "cmp", "test", "[", "which", "pgrep", "true", "false",
];

/// Output of tests that ran and failed: fixed by changing code, not the command.
const TEST_FAILURES: &[&str] = &[
    "test result: FAILED",
    "--- FAIL",
    "AssertionError",
    "assertion failed",
    "assert_eq!",
    "panicked at",
    "FAILED tests/",
    "Tests failed",
    "✕",
];

/// Whether a failed command may have been the wrong command: not a search
/// that found nothing, not tests that ran and failed.
fn is_mistake(shape: &Shape, head: &str) -> bool {
    let program = shape.program.rsplit('/').next().unwrap_or("");
    if ANSWERS.contains(&shape.family().as_str()) || ANSWERS.contains(&program) {
        return false;
    }
    let failed_tests = TEST_FAILURES.iter().any(|t| head.contains(t)) || counts_failures(head);
    !failed_tests
}

/// `3 failed` / `1 failed,` as test runners print it.
fn counts_failures(head: &str) -> bool {
    head.match_indices(" failed").any(|(i, _)| {
        let before = head[..i].trim_end();
        before.ends_with(|c: char| c.is_ascii_digit()) && !head[..i].ends_with(" 0")
    })
}

/// All failure → fix pairs of a session. Never a pair: a failure with no
/// success after it, a command that also succeeds unchanged (flaky), a
/// success after a file was edited (the edit may be what fixed it),
/// cancelled, interrupted or rejected calls.
pub fn fixes(session: &Session) -> Vec<Fix<'_>> {
    let ev = &session.events;
    let mut out: Vec<Fix> = Vec::new();
    let mut claimed = vec![false; ev.len()];
    for (i, e) in ev.iter().enumerate() {
        let Some((call, shape)) = shell(e) else {
            continue;
        };
        if call.status != Status::Failed || claimed[i] || !is_mistake(&shape, &call.head) {
            continue;
        }
        let dir = dir_of(e, &shape);
        let same = |o: &Event| {
            shell(o).is_some_and(|(_, s)| s.core() == shape.core() && dir_of(o, &s) == dir)
        };
        // The same command succeeding anywhere in the session: flaky, or
        // fixed by a change elsewhere, not a wrong command.
        if ev
            .iter()
            .any(|o| o.call().is_some_and(|c| c.status == Status::Ok) && same(o))
        {
            continue;
        }
        let mut failures = 1;
        let mut tokens = call.tokens();
        let mut seen = 0;
        for (j, o) in ev.iter().enumerate().skip(i + 1) {
            let Some(oc) = o.call() else { continue };
            if matches!(oc.tool, Tool::Edit { .. }) {
                break;
            }
            let Some((_, os)) = shell(o) else { continue };
            if matches!(
                oc.status,
                Status::Cancelled | Status::Interrupted | Status::Unknown | Status::Rejected { .. }
            ) {
                continue;
            }
            seen += 1;
            if seen > WINDOW {
                break;
            }
            if same(o) {
                // An identical retry that failed again: same episode.
                claimed[j] = true;
                failures += 1;
                tokens += oc.tokens();
                continue;
            }
            let odir = dir_of(o, &os);
            let related = command::same_job(&shape, &os) || (os.core() == shape.core());
            if !related {
                continue;
            }
            if oc.status == Status::Ok {
                out.push(Fix {
                    failed: e,
                    fixed: o,
                    failed_dir: dir.clone(),
                    fixed_dir: odir,
                    failed_shape: shape.clone(),
                    fixed_shape: os,
                    failures,
                    tokens,
                });
                break;
            }
        }
    }
    out
}

/// The finding of a fix that changed the command itself: the parts that
/// differ when only the program or wrapper changed (`python3`, not
/// `python`), else the whole commands (with a `cd` when the directory
/// changed too).
pub fn correction_finding(session: &Session, f: &Fix, kind: Kind) -> Finding {
    let (bad, good) = (&f.failed_shape, &f.fixed_shape);
    let strip_env = |s: &Shape| {
        let mut s = s.clone();
        s.prefix.retain(|p| !p.contains('='));
        s
    };
    let (b, g) = (strip_env(bad), strip_env(good));
    let moved = f.failed_dir != f.fixed_dir;
    let (key, bad_text, good_text) = if b.args == g.args && !moved {
        (
            format!("head\u{0}{}\u{0}{}", b.head(), g.head()),
            b.head(),
            g.head(),
        )
    } else {
        let (removed, added) = command::arg_changes(&b.args, &g.args);
        let key = format!(
            "args\u{0}{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            b.head(),
            g.head(),
            removed.join(" "),
            added.join(" "),
            if moved {
                relative(&f.fixed_dir, session.project.as_deref())
            } else {
                String::new()
            }
        );
        let good_text = match (&good.cd, moved) {
            (Some(cd), true) => format!("cd {cd} && {}", g.core()),
            _ => g.core(),
        };
        (key, shorten(&b.core(), 70), shorten(&good_text, 70))
    };
    Finding {
        kind,
        key: format!("{}\u{0}{key}", kind.name()),
        advice: format!("Use `{good_text}`, not `{bad_text}`"),
        detail: error_line(f.failed.call().map(|c| c.head.as_str()).unwrap_or_default()),
        mentions: vec![good_text],
        tokens: f.tokens,
        failures: f.failures,
        line: f.failed.line,
        time: f.failed.time,
    }
}

/// The line of an output that says what went wrong, shortened.
pub fn error_line(head: &str) -> String {
    const WORDS: &[&str] = &[
        "not found",
        "No such file",
        "No module named",
        "ENOENT",
        "rror",
        "ERR",
        "denied",
        "not recognized",
        "unknown",
        "Unknown",
        "unrecognized",
        "invalid",
        "Invalid",
        "missing",
        "Missing",
        "cannot",
        "can't",
        "failed",
        "FAILED",
    ];
    let lines = || {
        head.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("Exit code"))
    };
    // The most telling word first: "No module named" over "ImportError".
    let line = WORDS
        .iter()
        .find_map(|w| lines().find(|l| l.contains(w)))
        .or_else(|| lines().next())
        .unwrap_or("");
    // Shell prefixes name the shell, not the problem.
    let line = line
        .trim_start_matches("/bin/bash: ")
        .trim_start_matches("bash: ")
        .trim_start_matches("zsh: ")
        .trim_start_matches("sh: ");
    // pytest's `E   ` margin.
    let line = line.strip_prefix("E ").map_or(line, str::trim_start);
    let line = line
        .strip_prefix("line ")
        .and_then(|r| r.split_once(": "))
        .map_or(line, |(_, rest)| rest);
    shorten(line, 80)
}

/// At most `max` characters, ending with `…` when cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `path` relative to the project when it is inside it.
pub fn relative(path: &str, project: Option<&str>) -> String {
    let Some(root) = project.map(|p| p.trim_end_matches('/')) else {
        return path.to_string();
    };
    if path == root {
        return ".".into();
    }
    match path.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
        Some(rest) => rest.to_string(),
        None => path.to_string(),
    }
}

/// Test helpers: events built by hand.
#[cfg(test)]
pub(crate) mod build {
    use super::super::event::{Agent, Call, Event, Session, Status, Tool, What};

    pub const ROOT: &str = "/home/u/proj";

    pub fn session(events: Vec<Event>) -> Session {
        let mut events = events;
        for (i, e) in events.iter_mut().enumerate() {
            e.line = i + 1;
        }
        Session {
            id: "s1".into(),
            agent: Some(Agent::ClaudeCode),
            file: "s1.jsonl".into(),
            project: Some(ROOT.into()),
            events,
        }
    }

    fn call(tool: Tool, status: Status, output: &str) -> Event {
        Event {
            line: 0,
            time: Some(1_764_500_973),
            cwd: Some(ROOT.into()),
            what: What::Call(Call {
                tool,
                status,
                head: output.chars().take(2048).collect(),
                output_bytes: output.len(),
                output_hash: {
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    output.hash(&mut h);
                    h.finish()
                },
            }),
        }
    }

    pub fn sh(cmd: &str, status: Status, output: &str) -> Event {
        call(
            Tool::Shell {
                command: cmd.into(),
            },
            status,
            output,
        )
    }

    pub fn ok(cmd: &str) -> Event {
        sh(cmd, Status::Ok, "ok\n")
    }

    pub fn fail(cmd: &str, output: &str) -> Event {
        sh(cmd, Status::Failed, output)
    }

    pub fn read(path: &str, status: Status, output: &str) -> Event {
        call(
            Tool::Read {
                path: path.into(),
                window: None,
            },
            status,
            output,
        )
    }

    pub fn edit(path: &str) -> Event {
        call(
            Tool::Edit {
                path: Some(path.into()),
            },
            Status::Ok,
            "ok",
        )
    }

    pub fn user(text: &str) -> Event {
        Event {
            line: 0,
            time: Some(1_764_500_973),
            cwd: Some(ROOT.into()),
            what: What::User(text.into()),
        }
    }

    pub fn assistant(text: &str) -> Event {
        Event {
            what: What::Assistant(text.into()),
            ..user("")
        }
    }

    pub fn at(mut e: Event, cwd: &str) -> Event {
        e.cwd = Some(cwd.into());
        e
    }
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::*;

    #[test]
    fn error_lines_name_the_problem() {
        assert_eq!(
            error_line("Exit code 127\n/bin/bash: line 1: python: command not found\n"),
            "python: command not found"
        );
        assert_eq!(error_line("\n\nhello\n"), "hello");
        assert_eq!(
            error_line(
                "ImportError while loading conftest\nE   ModuleNotFoundError: No module named 'x'"
            ),
            "ModuleNotFoundError: No module named 'x'"
        );
    }

    #[test]
    fn never_a_pair() {
        let nf = "bash: pytest: command not found";
        // A failure never followed by a success.
        assert!(fixes(&session(vec![fail("pytest", nf)])).is_empty());
        // Identical retries that later pass (flaky).
        let s = session(vec![
            fail("pytest -x", "boom"),
            fail("pytest -x", "boom"),
            ok("pytest -x"),
        ]);
        assert!(fixes(&s).is_empty());
        // Cancelled and interrupted calls are neither failures nor fixes.
        let s = session(vec![
            sh("pytest", Status::Cancelled, "Sibling tool call errored"),
            ok("uv run pytest"),
        ]);
        assert!(fixes(&s).is_empty());
        let s = session(vec![
            fail("pytest", nf),
            sh("uv run pytest", Status::Interrupted, ""),
        ]);
        assert!(fixes(&s).is_empty());
        // A success after an edit may be the edit's doing.
        let s = session(vec![
            fail("pytest", "1 failed"),
            edit("a.py"),
            ok("pytest -x"),
        ]);
        assert!(fixes(&s).is_empty());
        // A search that found nothing, tests that failed.
        let s = session(vec![fail("grep -rn foo src", ""), ok("grep -rn bar src")]);
        assert!(fixes(&s).is_empty());
        let s = session(vec![
            fail("cargo test", "test result: FAILED. 3 passed; 1 failed"),
            ok("cargo test parser"),
        ]);
        assert!(fixes(&s).is_empty());
        let s = session(vec![
            fail("pytest -q", "2 failed, 10 passed in 0.3s"),
            ok("pytest -q -x tests/a.py"),
        ]);
        assert!(fixes(&s).is_empty());
        // A different job is not a fix.
        let s = session(vec![fail("pytest", nf), ok("git status")]);
        assert!(fixes(&s).is_empty());
    }

    #[test]
    fn a_retry_joins_the_episode() {
        let nf = "bash: pytest: command not found";
        let s = session(vec![
            fail("pytest", nf),
            fail("pytest", nf),
            ok("uv run pytest"),
        ]);
        let f = fixes(&s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].failures, 2);
        assert_eq!(f[0].fixed_shape.head(), "uv run pytest");
    }

    #[test]
    fn paths_relative_to_the_project() {
        assert_eq!(relative("/home/u/proj/web", Some(ROOT)), "web");
        assert_eq!(relative("/home/u/proj", Some(ROOT)), ".");
        assert_eq!(relative("/etc/x", Some(ROOT)), "/etc/x");
        let e = at(ok("npm test"), "/home/u/proj");
        assert_eq!(
            dir_of(&e, &command::parse("cd web/../api && npm test").unwrap()),
            "/home/u/proj/api"
        );
    }
}
