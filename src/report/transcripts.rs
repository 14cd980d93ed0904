//! Model calls from Claude Code and Codex transcripts, counted the way
//! ccusage counts them, so the two tools agree on the same files.
//!
//! Claude Code (`<config>/projects/<project>/<session>.jsonl`, sub-agents in
//! `<session>/subagents/*.jsonl`) writes several lines per API call, one per
//! streamed content block, each repeating the call's usage. A call is
//! counted once: lines are deduplicated by message id + request id across
//! every file, keeping the line with the most tokens. Calls a sub-agent made
//! also appear as `agent_progress` copies inside its parent's file; they
//! count (once) even when the sub-agent's own file is missing, and they
//! belong to the parent's session. Cache writes are split by TTL (5 minutes
//! and 1 hour are priced differently).
//!
//! Codex rollouts (`<codex home>/sessions/**/rollout-*.jsonl`) report
//! cumulative `total_token_usage` in `token_count` events; each call is the
//! difference from the previous total (the last call's own figure when a
//! rollout has no totals). Codex input includes its cached part.
//!
//! Lines are parsed as JSON, so spacing does not matter; lines that are not
//! JSON are skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Entry, Simulated, Source, Tokens, WouldSave};
use crate::simulate;

pub const CLAUDE_CODE: &str = "claude-code";
pub const CODEX: &str = "codex";

/// Where the agents keep their transcripts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dirs {
    /// Claude Code config directories (each holding `projects/`).
    pub claude: Vec<PathBuf>,
    /// Codex homes (each holding `sessions/`).
    pub codex: Vec<PathBuf>,
}

impl Dirs {
    /// Claude Code: `CLAUDE_CONFIG_DIR` (comma-separated) or
    /// `~/.config/claude` and `~/.claude`; Codex: `CODEX_HOME` or `~/.codex`.
    pub fn from_env(var: impl Fn(&str) -> Option<String>, home: Option<&Path>) -> Dirs {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let claude = match set("CLAUDE_CONFIG_DIR") {
            Some(v) => v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect(),
            None => home
                .map(|h| vec![h.join(".config/claude"), h.join(".claude")])
                .unwrap_or_default(),
        };
        let codex = match set("CODEX_HOME") {
            Some(v) => vec![PathBuf::from(v)],
            None => home.map(|h| vec![h.join(".codex")]).unwrap_or_default(),
        };
        Dirs { claude, codex }
    }
}

/// One transcript file and the session it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionFile {
    pub path: PathBuf,
    pub session: String,
    pub agent: &'static str,
}

/// The calls read from every transcript, and the files they came from.
#[derive(Debug, Default)]
pub struct Calls {
    pub entries: Vec<Entry>,
    pub files: Vec<SessionFile>,
}

/// Reads every transcript under `dirs`. Unreadable files and lines are
/// skipped: a report never fails on an agent's log.
pub fn read(dirs: &Dirs) -> Calls {
    let mut files = Vec::new();
    for d in &dirs.claude {
        files.extend(jsonl_files(&d.join("projects"), CLAUDE_CODE));
    }
    for d in &dirs.codex {
        files.extend(jsonl_files(&d.join("sessions"), CODEX));
        files.extend(jsonl_files(&d.join("archived_sessions"), CODEX));
    }
    let parsed = parallel_map(&files, |f| {
        let text = std::fs::read(&f.path).unwrap_or_default();
        if f.agent == CODEX {
            codex_calls(&text, f)
        } else {
            claude_calls(&text, f)
        }
    });
    // Deduplicate in path order, so the result never depends on threads.
    let mut entries: Vec<Entry> = Vec::new();
    let mut totals: Vec<(u64, u64)> = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (key, entry) in parsed.into_iter().flatten() {
        let u = entry.usage.unwrap_or_default();
        let size = (u.total(), u.output);
        match key.map(|k| match seen.get(&k) {
            Some(&i) => Ok(i),
            None => Err(k),
        }) {
            Some(Ok(i)) => {
                if size > totals[i] {
                    // The parent's session keeps the call.
                    let session = std::mem::take(&mut entries[i].session);
                    entries[i] = Entry { session, ..entry };
                    totals[i] = size;
                }
            }
            Some(Err(k)) => {
                seen.insert(k, entries.len());
                entries.push(entry);
                totals.push(size);
            }
            None => {
                entries.push(entry);
                totals.push(size);
            }
        }
    }
    Calls { entries, files }
}

/// What headroom would save on each session's transcripts (the simulate
/// engine; token counts are estimates for non-OpenAI models).
pub fn would_save(files: &[SessionFile], settings: &simulate::Settings) -> Simulated {
    let mut out = Simulated::new();
    for f in files {
        let Ok(bytes) = std::fs::read(&f.path) else {
            continue;
        };
        if let Ok(r) = simulate::simulate(&bytes, settings) {
            let w = out.entry(f.session.clone()).or_default();
            w.add(&WouldSave {
                before: r.tokens_before as u64,
                after: r.tokens_after as u64,
            });
        }
    }
    out
}

/// `*.jsonl` under `root`, sorted, with the session each belongs to.
fn jsonl_files(root: &Path, agent: &'static str) -> Vec<SessionFile> {
    let mut out: Vec<SessionFile> = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "jsonl"))
        .map(|e| {
            let path = e.into_path();
            let session = session_of(root, &path, agent);
            SessionFile {
                path,
                session,
                agent,
            }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Claude Code: `<project>/<session>.jsonl` or `<project>/<session>/…`
/// (sub-agents belong to the session whose folder holds them). Codex: the
/// file name (`session_meta` may name it better; see [`codex_calls`]).
fn session_of(root: &Path, path: &Path, agent: &str) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if agent == CODEX {
        return stem;
    }
    let rel: Vec<_> = path
        .strip_prefix(root)
        .map(|r| r.components().collect())
        .unwrap_or_default();
    match rel.as_slice() {
        [_, _, _, ..] => rel[1].as_os_str().to_string_lossy().into_owned(),
        _ => stem,
    }
}

/// Runs `f` over `items` on up to four threads, keeping their order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
        .min(items.len().max(1));
    if threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    let done = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= items.len() {
                        break;
                    }
                    let r = f(&items[i]);
                    done.lock().unwrap_or_else(|e| e.into_inner()).push((i, r));
                }
            });
        }
    });
    for (i, r) in done.into_inner().unwrap_or_else(|e| e.into_inner()) {
        slots[i] = Some(r);
    }
    slots.into_iter().flatten().collect()
}

/// A call with its deduplication key (message id, request id), if any.
type Keyed = (Option<(String, String)>, Entry);

#[derive(Deserialize)]
struct ClaudeLine<'a> {
    timestamp: Option<String>,
    #[serde(rename = "requestId")]
    request_id: Option<String>,
    cwd: Option<String>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ClaudeMessage {
    id: Option<String>,
    model: Option<String>,
    usage: Option<ClaudeUsage>,
}

#[derive(Deserialize)]
struct Progress<'a> {
    #[serde(borrow)]
    message: Option<ProgressMessage<'a>>,
}

#[derive(Deserialize)]
struct ProgressMessage<'a> {
    timestamp: Option<String>,
    #[serde(rename = "requestId")]
    request_id: Option<String>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ClaudeUsage {
    input_tokens: u64,
    output_tokens: u64,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
    cache_creation: Option<CacheCreation>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CacheCreation {
    ephemeral_5m_input_tokens: u64,
    ephemeral_1h_input_tokens: u64,
}

impl ClaudeUsage {
    fn tokens(&self) -> Tokens {
        let written = self.cache_creation_input_tokens.unwrap_or(0);
        // The split by TTL, when given, is part of the total written.
        let hour = self
            .cache_creation
            .as_ref()
            .map_or(0, |c| c.ephemeral_1h_input_tokens)
            .min(written);
        Tokens {
            input: self.input_tokens,
            output: self.output_tokens,
            cache_write_5m: written - hour,
            cache_write_1h: hour,
            cache_read: self.cache_read_input_tokens.unwrap_or(0),
        }
    }
}

fn claude_calls(text: &[u8], file: &SessionFile) -> Vec<Keyed> {
    let mut out = Vec::new();
    let mut project = String::new();
    for line in text.split(|&b| b == b'\n') {
        if memchr::memmem::find(line, b"\"usage\"").is_none()
            && (!project.is_empty() || memchr::memmem::find(line, b"\"cwd\"").is_none())
        {
            continue;
        }
        let Ok(rec) = serde_json::from_slice::<ClaudeLine>(line) else {
            continue;
        };
        if project.is_empty()
            && let Some(cwd) = rec.cwd.as_deref()
        {
            project = cwd.to_string();
        }
        let direct = rec
            .message
            .and_then(|m| serde_json::from_str::<ClaudeMessage>(m.get()).ok())
            .filter(|m| m.usage.is_some());
        let (message, timestamp, request_id) = match direct {
            Some(m) => (m, rec.timestamp, rec.request_id),
            None => {
                // A sub-agent's call, copied into its parent's file.
                let Some(p) = rec
                    .data
                    .and_then(|d| serde_json::from_str::<Progress>(d.get()).ok())
                    .and_then(|p| p.message)
                else {
                    continue;
                };
                let Some(m) = p
                    .message
                    .and_then(|m| serde_json::from_str::<ClaudeMessage>(m.get()).ok())
                    .filter(|m| m.usage.is_some())
                else {
                    continue;
                };
                (m, p.timestamp, p.request_id)
            }
        };
        // Claude Code's own messages (errors, interruptions): no API call.
        if message.model.as_deref() == Some(super::SYNTHETIC_MODEL) {
            continue;
        }
        let Some(at) = timestamp.and_then(|t| t.parse::<Timestamp>().ok()) else {
            continue;
        };
        let key = message
            .id
            .clone()
            .map(|id| (id, request_id.unwrap_or_default()));
        out.push((
            key,
            Entry {
                at,
                source: Source::Transcript,
                agent: CLAUDE_CODE.to_string(),
                project: String::new(),
                session: file.session.clone(),
                model: message.model.unwrap_or_default(),
                kind: String::new(),
                tool: String::new(),
                calls: 1,
                usage: message.usage.map(|u| u.tokens()),
                before: 0,
                after: 0,
                retrieved: 0,
                estimated: false,
            },
        ));
    }
    for (_, e) in &mut out {
        e.project.clone_from(&project);
    }
    out
}

#[derive(Deserialize)]
struct CodexLine<'a> {
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(borrow)]
    payload: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodexPayload {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
    model: Option<String>,
    cwd: Option<String>,
    info: Option<CodexInfo>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodexInfo {
    total_token_usage: Option<CodexUsage>,
    last_token_usage: Option<CodexUsage>,
    model: Option<String>,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq)]
#[serde(default)]
struct CodexUsage {
    input_tokens: u64,
    cached_input_tokens: u64,
    output_tokens: u64,
}

impl CodexUsage {
    fn minus(self, o: CodexUsage) -> CodexUsage {
        CodexUsage {
            input_tokens: self.input_tokens.saturating_sub(o.input_tokens),
            cached_input_tokens: self
                .cached_input_tokens
                .saturating_sub(o.cached_input_tokens),
            output_tokens: self.output_tokens.saturating_sub(o.output_tokens),
        }
    }
}

fn codex_calls(text: &[u8], file: &SessionFile) -> Vec<Keyed> {
    let mut out = Vec::new();
    let mut session = file.session.clone();
    let mut project = String::new();
    let mut model = String::new();
    let mut previous: Option<CodexUsage> = None;
    for line in text.split(|&b| b == b'\n') {
        let find = |s: &[u8]| memchr::memmem::find(line, s).is_some();
        if !(find(b"token_count") || find(b"turn_context") || find(b"session_meta")) {
            continue;
        }
        let Ok(rec) = serde_json::from_slice::<CodexLine>(line) else {
            continue;
        };
        let Some(p) = rec
            .payload
            .and_then(|p| serde_json::from_str::<CodexPayload>(p.get()).ok())
        else {
            continue;
        };
        match rec.kind.as_deref() {
            Some("session_meta") => {
                if let Some(id) = p.id.filter(|s| !s.is_empty()) {
                    session = id;
                }
                if let Some(cwd) = p.cwd {
                    project = cwd;
                }
            }
            Some("turn_context") => {
                if let Some(m) = p.model.filter(|s| !s.is_empty()) {
                    model = m;
                }
                if let Some(cwd) = p.cwd {
                    project = cwd;
                }
            }
            Some("event_msg") if p.kind.as_deref() == Some("token_count") => {
                let Some(info) = p.info else { continue };
                let call = match info.total_token_usage {
                    Some(total) => {
                        let delta = total.minus(previous.unwrap_or_default());
                        previous = Some(total);
                        delta
                    }
                    None => match info.last_token_usage {
                        Some(last) => last,
                        None => continue,
                    },
                };
                if call == CodexUsage::default() {
                    continue;
                }
                let Some(at) = rec.timestamp.and_then(|t| t.parse::<Timestamp>().ok()) else {
                    continue;
                };
                let cached = call.cached_input_tokens.min(call.input_tokens);
                out.push((
                    None,
                    Entry {
                        at,
                        source: Source::Transcript,
                        agent: CODEX.to_string(),
                        project: project.clone(),
                        session: String::new(),
                        model: info.model.unwrap_or_else(|| model.clone()),
                        kind: String::new(),
                        tool: String::new(),
                        calls: 1,
                        usage: Some(Tokens {
                            input: call.input_tokens - cached,
                            output: call.output_tokens,
                            cache_write_5m: 0,
                            cache_write_1h: 0,
                            cache_read: cached,
                        }),
                        before: 0,
                        after: 0,
                        retrieved: 0,
                        estimated: false,
                    },
                ));
            }
            _ => {}
        }
    }
    for (_, e) in &mut out {
        e.session.clone_from(&session);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(session: &str, agent: &'static str) -> SessionFile {
        SessionFile {
            path: PathBuf::new(),
            session: session.into(),
            agent,
        }
    }

    #[test]
    fn claude_lines_compact_or_spaced_and_progress_copies() {
        let text = concat!(
            "{\"type\":\"assistant\",\"cwd\":\"/p\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"requestId\":\"r1\",\"message\":{\"id\":\"m1\",\"model\":\"claude-opus-4-6\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1,\"cache_creation_input_tokens\":10,\"cache_read_input_tokens\":5,\"cache_creation\":{\"ephemeral_5m_input_tokens\":4,\"ephemeral_1h_input_tokens\":6}}}}\n",
            "{ \"type\" : \"assistant\", \"timestamp\" : \"2026-01-01T00:00:01Z\", \"requestId\" : \"r1\", \"message\" : { \"id\" : \"m1\", \"model\" : \"claude-opus-4-6\", \"usage\" : { \"input_tokens\" : 3, \"output_tokens\" : 9 } } }\n",
            "{\"type\":\"progress\",\"data\":{\"message\":{\"type\":\"assistant\",\"timestamp\":\"2026-01-01T00:00:02Z\",\"requestId\":\"r9\",\"message\":{\"id\":\"m9\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":7,\"output_tokens\":2}}}}}\n",
            "not json \"usage\"\n",
        );
        let calls = claude_calls(text.as_bytes(), &file("s", CLAUDE_CODE));
        assert_eq!(calls.len(), 3);
        let u = calls[0].1.usage.unwrap();
        assert_eq!(
            (u.cache_write_5m, u.cache_write_1h, u.cache_read),
            (4, 6, 5)
        );
        assert_eq!(calls[1].1.usage.unwrap().output, 9);
        assert_eq!(calls[2].0, Some(("m9".into(), "r9".into())));
        assert!(
            calls
                .iter()
                .all(|(_, e)| e.project == "/p" && e.session == "s")
        );
    }

    #[test]
    fn codex_counts_deltas_of_cumulative_totals() {
        let tc = |ts: &str, i: u64, c: u64, o: u64| {
            format!(
                "{{\"timestamp\":\"{ts}\",\"type\":\"event_msg\",\"payload\":{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{{\"input_tokens\":{i},\"cached_input_tokens\":{c},\"output_tokens\":{o}}}}}}}}}\n"
            )
        };
        let text = [
            "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"session_meta\",\"payload\":{\"id\":\"abc\",\"cwd\":\"/w\"}}\n".to_string(),
            "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"turn_context\",\"payload\":{\"model\":\"gpt-5\",\"cwd\":\"/w\"}}\n".to_string(),
            tc("2026-01-01T00:00:01Z", 100, 0, 10),
            tc("2026-01-01T00:00:02Z", 100, 0, 10), // repeated event: no call
            tc("2026-01-01T00:00:03Z", 250, 90, 15),
        ]
        .concat();
        let calls = codex_calls(text.as_bytes(), &file("rollout-x", CODEX));
        let got: Vec<_> = calls.iter().map(|(_, e)| e.usage.unwrap()).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].input, got[0].cache_read, got[0].output),
            (100, 0, 10)
        );
        assert_eq!(
            (got[1].input, got[1].cache_read, got[1].output),
            (60, 90, 5)
        );
        assert!(
            calls
                .iter()
                .all(|(_, e)| e.session == "abc" && e.model == "gpt-5" && e.project == "/w")
        );
    }

    #[test]
    fn sessions_from_paths() {
        let root = Path::new("/c/projects");
        assert_eq!(
            session_of(root, Path::new("/c/projects/p/s1.jsonl"), CLAUDE_CODE),
            "s1"
        );
        assert_eq!(
            session_of(
                root,
                Path::new("/c/projects/p/s1/subagents/agent-a.jsonl"),
                CLAUDE_CODE
            ),
            "s1"
        );
        let d = Dirs::from_env(
            |k| (k == "CLAUDE_CONFIG_DIR").then(|| "/a, /b".to_string()),
            Some(Path::new("/h")),
        );
        assert_eq!(d.claude, [PathBuf::from("/a"), PathBuf::from("/b")]);
        assert_eq!(d.codex, [PathBuf::from("/h/.codex")]);
    }
}
