//! `headroom learn`: mine Claude Code and Codex sessions for the mistakes an
//! agent keeps repeating and write them where the agent reads them.
//!
//! Transcripts ([`source`]) become one normalised event stream per session
//! ([`event`]); small detectors ([`detect`]) find facts within one session at
//! a time; [`rules`] merges them across sessions with evidence and
//! thresholds; [`writer`] puts them in a marked block of CLAUDE.md or
//! AGENTS.md. Deterministic: the same transcripts give the same bytes.

pub mod command;
pub mod detect;
pub mod event;
pub mod redact;
pub mod rules;
pub mod source;
pub mod writer;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use self::detect::Finding;
use self::event::{Agent, Session};
use self::rules::{Origin, Rule};

/// Which sessions count.
#[derive(Clone, Debug)]
pub enum Scope {
    /// Every project.
    All,
    /// Sessions started in this directory or below it.
    Project(String),
}

pub struct Options<'a> {
    pub scope: Scope,
    /// Events before this time (seconds since the epoch) are ignored.
    pub since: Option<i64>,
    pub rules: rules::Settings<'a>,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub files: usize,
    pub sessions: usize,
    pub projects: BTreeSet<String>,
    pub bad_lines: usize,
    /// Files that could not be read, with why.
    pub unreadable: Vec<(PathBuf, String)>,
    pub rules: Vec<Rule>,
    /// Earliest and latest event time seen.
    pub span: Option<(i64, i64)>,
}

impl Scope {
    fn contains(&self, project: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Project(dir) => {
                let dir = dir.trim_end_matches('/');
                project == dir
                    || project
                        .strip_prefix(dir)
                        .is_some_and(|rest| rest.starts_with('/'))
            }
        }
    }
}

/// One file's sessions, kept to what the options ask for.
fn sessions_of(agent: Agent, path: &Path, opts: &Options) -> Result<(Vec<Session>, usize), String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&bytes);
    let read = source::read(agent, path, &text);
    let mut sessions = read.sessions;
    sessions.retain(|s| s.project.as_deref().is_some_and(|p| opts.scope.contains(p)));
    if let Some(since) = opts.since {
        for s in &mut sessions {
            s.events.retain(|e| e.time.is_none_or(|t| t >= since));
        }
        sessions.retain(|s| !s.events.is_empty());
    }
    Ok((sessions, read.bad_lines))
}

/// Reads `files` (on every core; memory holds one file per core) and
/// returns the rules they prove. `tick` is called once per file.
pub fn learn(files: &[(Agent, PathBuf)], opts: &Options, tick: &(dyn Fn() + Sync)) -> Outcome {
    struct FileResult {
        sessions: usize,
        projects: Vec<String>,
        bad_lines: usize,
        error: Option<String>,
        found: Vec<(Origin, Finding)>,
        span: Option<(i64, i64)>,
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, FileResult)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    std::thread::scope(|scope| {
        for _ in 0..workers.min(files.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((agent, path)) = files.get(i) else {
                        break;
                    };
                    let mut r = FileResult {
                        sessions: 0,
                        projects: Vec::new(),
                        bad_lines: 0,
                        error: None,
                        found: Vec::new(),
                        span: None,
                    };
                    match sessions_of(*agent, path, opts) {
                        Err(e) => r.error = Some(e),
                        Ok((sessions, bad)) => {
                            r.bad_lines = bad;
                            r.sessions = sessions.len();
                            for s in &sessions {
                                let project = s.project.clone().unwrap_or_default();
                                for t in s.events.iter().filter_map(|e| e.time) {
                                    r.span =
                                        Some(r.span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
                                }
                                let origin = Origin {
                                    session: s.id.clone(),
                                    file: path.display().to_string(),
                                    project: project.clone(),
                                    agent: *agent,
                                };
                                for f in detect::all(s) {
                                    r.found.push((origin.clone(), f));
                                }
                                r.projects.push(project);
                            }
                        }
                    }
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, r));
                    tick();
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    let mut out = Outcome {
        files: files.len(),
        ..Outcome::default()
    };
    let mut found = Vec::new();
    for (i, r) in results {
        out.sessions += r.sessions;
        out.bad_lines += r.bad_lines;
        out.projects.extend(r.projects);
        if let Some(e) = r.error {
            out.unreadable.push((files[i].1.clone(), e));
        }
        if let Some((a, b)) = r.span {
            out.span = Some(out.span.map_or((a, b), |(x, y)| (x.min(a), y.max(b))));
        }
        found.extend(r.found);
    }
    out.rules = rules::merge(&found, &opts.rules);
    out
}

/// Which file a rule goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// CLAUDE.md for Claude Code rules, AGENTS.md for Codex rules.
    Default,
    /// CLAUDE.local.md instead of CLAUDE.md.
    Local,
    /// This file, for every rule.
    File(PathBuf),
}

/// The files of a project a rule should be written to.
pub fn targets(rule: &Rule, target: &Target) -> Vec<PathBuf> {
    let root = Path::new(&rule.project);
    if let Target::File(f) = target {
        return vec![f.clone()];
    }
    let mut out = Vec::new();
    if rule.agent_set.contains(&Agent::ClaudeCode) {
        out.push(root.join(if *target == Target::Local {
            "CLAUDE.local.md"
        } else {
            "CLAUDE.md"
        }));
    }
    if rule.agent_set.contains(&Agent::Codex) {
        out.push(root.join("AGENTS.md"));
    }
    out
}

/// A target file and what it would become.
#[derive(Debug)]
pub struct Change {
    pub path: PathBuf,
    pub old: String,
    pub new: String,
}

/// Every target file with the rules it gets, old and new text. Files whose
/// project directory does not exist are skipped.
pub fn plan(rules: &[Rule], target: &Target, max: usize) -> std::io::Result<Vec<Change>> {
    let mut by_file: BTreeMap<PathBuf, Vec<&Rule>> = BTreeMap::new();
    for r in rules {
        for path in targets(r, target) {
            by_file.entry(path).or_default().push(r);
        }
    }
    let mut out = Vec::new();
    for (path, rules) in by_file {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if dir.is_some_and(|d| !d.is_dir()) {
            continue;
        }
        let old = match std::fs::read(&path) {
            Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{} is not UTF-8 text", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        let new = writer::splice(&old, &rules, max);
        out.push(Change { path, old, new });
    }
    Ok(out)
}

/// Parses `30d`, `12h`, `2w` or a date `2025-11-30` into the earliest time
/// to consider, given `now`.
pub fn parse_since(s: &str, now: i64) -> Option<i64> {
    if let Some(t) = event::parse_time(&format!("{s}T00:00:00Z")) {
        return Some(t);
    }
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    let secs = match unit {
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "m" => 30 * 86_400,
        "y" => 365 * 86_400,
        _ => return None,
    };
    Some(now - n * secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_and_scope() {
        assert_eq!(parse_since("30d", 100 * 86_400), Some(70 * 86_400));
        assert_eq!(parse_since("2w", 100 * 86_400), Some(86 * 86_400));
        assert_eq!(parse_since("1970-01-02", 0), Some(86_400));
        assert_eq!(parse_since("soon", 0), None);
        assert_eq!(parse_since("3x", 0), None);
        let s = Scope::Project("/home/u/proj/".into());
        assert!(s.contains("/home/u/proj") && s.contains("/home/u/proj/web"));
        assert!(!s.contains("/home/u/project2"));
    }
}
