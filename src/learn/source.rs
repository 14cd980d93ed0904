//! Sessions from the agents' transcript files: where they are, and each
//! file turned into normalised [`Session`]s. Message content is read by the
//! transcript adapters of [`crate::convo`]; this module adds what learning
//! needs and they leave out (working directory, time, error flags, the
//! shell command of each call).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::value::RawValue;

use super::event::{Agent, Call, Event, HEAD_BYTES, Session, Status, Tool, What, parse_time};
use crate::convo::{self, Block, BlockKind, anthropic, responses, string_of};

/// Transcript files of the agents asked for, in a stable order:
/// `(agent, path)`.
pub fn discover(claude_dir: Option<&Path>, codex_dir: Option<&Path>) -> Vec<(Agent, PathBuf)> {
    let mut out = Vec::new();
    if let Some(dir) = claude_dir {
        for p in jsonl_under(&dir.join("projects")) {
            out.push((Agent::ClaudeCode, p));
        }
    }
    if let Some(dir) = codex_dir {
        for sub in ["sessions", "archived_sessions"] {
            for p in jsonl_under(&dir.join(sub)) {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.starts_with("rollout-") {
                    out.push((Agent::Codex, p));
                }
            }
        }
    }
    out
}

fn jsonl_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .map(|e| e.into_path())
        .collect()
}

/// What reading one file gave.
#[derive(Debug, Default)]
pub struct Read {
    pub sessions: Vec<Session>,
    /// Lines that were not JSON (e.g. truncated by a crash).
    pub bad_lines: usize,
}

/// The fields of a record learning looks at, beyond the message itself.
#[derive(Deserialize, Default)]
struct Rec<'a> {
    #[serde(borrow, default, rename = "type")]
    kind: Option<&'a RawValue>,
    #[serde(borrow, default)]
    message: Option<&'a RawValue>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
    #[serde(borrow, default)]
    cwd: Option<&'a RawValue>,
    #[serde(borrow, default)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "sessionId")]
    session_id: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "agentId")]
    agent_id: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "isSidechain")]
    is_sidechain: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "isMeta")]
    is_meta: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "toolUseResult")]
    tool_use_result: Option<&'a RawValue>,
    // Codex session metadata (bare in older rollouts, a payload in newer).
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    role: Option<&'a RawValue>,
}

/// A tool call's input: every field a shell or file tool uses.
#[derive(Deserialize, Default)]
struct Input<'a> {
    #[serde(borrow, default)]
    command: Option<&'a RawValue>,
    #[serde(borrow, default)]
    cmd: Option<&'a RawValue>,
    #[serde(borrow, default)]
    workdir: Option<&'a RawValue>,
    #[serde(borrow, default)]
    working_directory: Option<&'a RawValue>,
    #[serde(borrow, default)]
    file_path: Option<&'a RawValue>,
    #[serde(borrow, default)]
    path: Option<&'a RawValue>,
    #[serde(borrow, default)]
    offset: Option<&'a RawValue>,
    #[serde(borrow, default)]
    limit: Option<&'a RawValue>,
    #[serde(borrow, default)]
    action: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ResultFlags<'a> {
    #[serde(borrow, default, rename = "type")]
    kind: Option<&'a RawValue>,
    #[serde(borrow, default)]
    tool_use_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    is_error: Option<&'a RawValue>,
}

fn str_of(raw: Option<&RawValue>) -> Option<String> {
    string_of(raw)
}

fn is_true(raw: Option<&RawValue>) -> bool {
    raw.is_some_and(|r| r.get() == "true")
}

/// Each non-blank line of a transcript that is a JSON object: its 1-based
/// number, byte range, text and fields. Other lines count in `bad_lines`.
fn records<'t>(
    text: &'t str,
    bad_lines: &'t mut usize,
) -> impl Iterator<Item = (usize, std::ops::Range<usize>, &'t str, Rec<'t>)> + 't {
    convo::lines(text)
        .enumerate()
        .filter(|(_, (_, line))| !line.trim().is_empty())
        .filter_map(
            move |(no, (range, line))| match serde_json::from_str::<Rec>(line) {
                Ok(rec) => Some((no + 1, range, line, rec)),
                Err(_) => {
                    *bad_lines += 1;
                    None
                }
            },
        )
}

/// Reads one transcript of `agent`.
pub fn read(agent: Agent, path: &Path, text: &str) -> Read {
    match agent {
        Agent::ClaudeCode => read_claude(path, text),
        Agent::Codex => read_codex(path, text),
    }
}

/// A call waiting for its result.
struct Pending {
    session: usize,
    event: usize,
}

fn read_claude(path: &Path, text: &str) -> Read {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    // Index 0: the main line; 1: sidechain records of a mixed file.
    let mut sessions = vec![Session::default(), Session::default()];
    let mut pending: HashMap<String, Pending> = HashMap::new();
    let mut bad_lines = 0;
    for (no, range, _, rec) in records(text, &mut bad_lines) {
        let kind = str_of(rec.kind).unwrap_or_default();
        let (Some(message), "user" | "assistant") = (rec.message, kind.as_str()) else {
            continue;
        };
        let Some(msg) = anthropic::parse_message(text, message, range) else {
            continue;
        };
        let side = usize::from(is_true(rec.is_sidechain));
        let cwd = str_of(rec.cwd);
        let s = &mut sessions[side];
        if s.id.is_empty() {
            s.id = str_of(rec.agent_id)
                .filter(|_| side == 1 || stem.starts_with("agent-"))
                .or_else(|| str_of(rec.session_id))
                .unwrap_or_else(|| stem.to_string());
        }
        if s.project.is_none() {
            s.project.clone_from(&cwd);
        }
        let time = str_of(rec.timestamp).and_then(|t| parse_time(&t));
        let base = Event {
            line: no,
            time,
            cwd,
            what: What::User(String::new()),
        };
        let flags = error_flags(message);
        for block in msg.blocks {
            match block.kind {
                BlockKind::User if !is_true(rec.is_meta) => {
                    if let Some(words) = human_words(&block.text) {
                        sessions[side].events.push(Event {
                            what: What::User(words),
                            ..base.clone()
                        });
                    }
                }
                BlockKind::Assistant => sessions[side].events.push(Event {
                    what: What::Assistant(block.text),
                    ..base.clone()
                }),
                BlockKind::ToolCall => {
                    let (tool, workdir) = tool_of(&block);
                    let cwd = workdir.or_else(|| base.cwd.clone());
                    if let Some(id) = block.call_id.clone() {
                        pending.insert(
                            id,
                            Pending {
                                session: side,
                                event: sessions[side].events.len(),
                            },
                        );
                    }
                    sessions[side].events.push(Event {
                        cwd,
                        what: What::Call(new_call(tool)),
                        ..base.clone()
                    });
                }
                BlockKind::ToolResult => {
                    let id = block.call_id.as_deref().unwrap_or("");
                    let Some(p) = pending.remove(id) else {
                        continue;
                    };
                    let is_error = flags.iter().any(|(i, e)| i == id && *e);
                    let interrupted = rec
                        .tool_use_result
                        .is_some_and(|r| r.get().contains("\"interrupted\":true"));
                    let status = claude_status(&block.text, is_error, interrupted);
                    if let Some(What::Call(call)) = sessions[p.session]
                        .events
                        .get_mut(p.event)
                        .map(|e| &mut e.what)
                    {
                        fill(call, &block.text, status);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out: Vec<Session> = sessions
        .into_iter()
        .filter(|s| !s.events.is_empty())
        .collect();
    for s in &mut out {
        s.agent = Some(Agent::ClaudeCode);
        s.file = path.to_path_buf();
    }
    Read {
        sessions: out,
        bad_lines,
    }
}

/// `(tool_use_id, is_error)` of each tool result in a message's content.
fn error_flags(message: &RawValue) -> Vec<(String, bool)> {
    #[derive(Deserialize)]
    struct M<'a> {
        #[serde(borrow, default)]
        content: Option<&'a RawValue>,
    }
    let Ok(m) = serde_json::from_str::<M>(message.get()) else {
        return Vec::new();
    };
    let Some(content) = m.content.filter(|c| c.get().starts_with('[')) else {
        return Vec::new();
    };
    let blocks: Vec<ResultFlags> = serde_json::from_str(content.get()).unwrap_or_default();
    blocks
        .into_iter()
        .filter(|b| str_of(b.kind).as_deref() == Some("tool_result"))
        .map(|b| {
            (
                str_of(b.tool_use_id).unwrap_or_default(),
                is_true(b.is_error),
            )
        })
        .collect()
}

/// How a Claude Code tool result ended.
fn claude_status(text: &str, is_error: bool, interrupted: bool) -> Status {
    const REJECTED: &str = "The user doesn't want to proceed with this tool use";
    const SAID: &str = "the user said:\n";
    if interrupted || text.starts_with("[Request interrupted by user") {
        return Status::Interrupted;
    }
    if text.contains("Sibling tool call errored") || text.starts_with("Cancelled: parallel tool") {
        return Status::Cancelled;
    }
    if text.starts_with(REJECTED) || text.starts_with("The user doesn't want to take this action") {
        let feedback = text
            .find(SAID)
            .map(|i| text[i + SAID.len()..].trim().to_string())
            .filter(|f| !f.is_empty());
        return Status::Rejected { feedback };
    }
    if is_error { Status::Failed } else { Status::Ok }
}

/// The words a human typed, or `None` for slash-command artefacts,
/// interruption notices and injected context.
fn human_words(text: &str) -> Option<String> {
    let t = text.trim();
    let artefact = t.is_empty()
        || t.starts_with('<')
        || t.starts_with("[Request interrupted")
        || t.starts_with("Caveat:")
        || t.starts_with("# AGENTS.md");
    (!artefact).then(|| t.to_string())
}

fn new_call(tool: Tool) -> Call {
    Call {
        tool,
        status: Status::Unknown,
        head: String::new(),
        output_bytes: 0,
        output_hash: 0,
    }
}

fn fill(call: &mut Call, output: &str, status: Status) {
    let mut end = output.len().min(HEAD_BYTES);
    while !output.is_char_boundary(end) {
        end -= 1;
    }
    call.head = output[..end].to_string();
    call.output_bytes = output.len();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    output.hash(&mut h);
    call.output_hash = h.finish();
    call.status = status;
}

/// The normalised tool of a call block and the directory it names, if any.
fn tool_of(block: &Block) -> (Tool, Option<String>) {
    let name = block.tool_name.clone().unwrap_or_default();
    let args = block.text[name.len().min(block.text.len())..].trim_start();
    let input: Input = serde_json::from_str(args).unwrap_or_default();
    let workdir = str_of(input.workdir).or_else(|| str_of(input.working_directory));
    let path = || str_of(input.file_path).or_else(|| str_of(input.path));
    let tool = match name.as_str() {
        "Bash" | "shell" | "shell_command" | "exec_command" | "local_shell"
        | "run_shell_command" | "container.exec" => match command_of(&input) {
            Some(command) => Tool::Shell { command },
            None => Tool::Other { name },
        },
        "local_shell_call" => {
            let action: Input = input
                .action
                .and_then(|a| serde_json::from_str(a.get()).ok())
                .unwrap_or_default();
            let dir = str_of(action.working_directory).or_else(|| str_of(action.workdir));
            return match command_of(&action) {
                Some(command) => (Tool::Shell { command }, dir),
                None => (Tool::Other { name }, dir),
            };
        }
        "Read" | "read_file" | "view" => match path() {
            Some(path) => {
                let window = match (input.offset, input.limit) {
                    (None, None) => None,
                    (o, l) => Some(format!(
                        "{}:{}",
                        o.map_or("", |o| o.get()),
                        l.map_or("", |l| l.get())
                    )),
                };
                Tool::Read { path, window }
            }
            None => Tool::Other { name },
        },
        "Edit" | "Write" | "MultiEdit" | "NotebookEdit" | "apply_patch" | "write_file" => {
            Tool::Edit { path: path() }
        }
        _ => Tool::Other { name },
    };
    (tool, workdir)
}

/// A shell command from `command`/`cmd`, a string or an argv list
/// (`["bash", "-lc", "…"]` is the string it runs).
fn command_of(input: &Input) -> Option<String> {
    let raw = input.command.or(input.cmd)?;
    if let Some(s) = string_of(Some(raw)) {
        return Some(s);
    }
    let argv: Vec<String> = serde_json::from_str(raw.get()).ok()?;
    match argv.as_slice() {
        [sh, flag, script] if is_shell(sh) && (flag == "-lc" || flag == "-c") => {
            Some(script.clone())
        }
        [] => None,
        args => Some(args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")),
    }
}

fn is_shell(program: &str) -> bool {
    let base = program.rsplit('/').next().unwrap_or(program);
    matches!(base, "bash" | "sh" | "zsh" | "dash")
}

fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@%+,".contains(&b));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

fn read_codex(path: &Path, text: &str) -> Read {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let mut s = Session {
        agent: Some(Agent::Codex),
        file: path.to_path_buf(),
        ..Session::default()
    };
    let mut cwd: Option<String> = None;
    let mut pending: HashMap<String, usize> = HashMap::new();
    let mut bad_lines = 0;
    for (no, range, line, rec) in records(text, &mut bad_lines) {
        let kind = str_of(rec.kind);
        let time = str_of(rec.timestamp).and_then(|t| parse_time(&t));
        // Envelope `{timestamp, type, payload}`, or a bare item (older rollouts).
        let (item_kind, item) = match (kind.as_deref(), rec.payload) {
            (Some("session_meta" | "turn_context"), Some(payload)) => {
                let meta: Rec = serde_json::from_str(payload.get()).unwrap_or_default();
                if let Some(dir) = str_of(meta.cwd) {
                    if s.project.is_none() {
                        s.project = Some(dir.clone());
                    }
                    cwd = Some(dir);
                }
                if s.id.is_empty()
                    && let Some(id) = str_of(meta.id)
                {
                    s.id = id;
                }
                continue;
            }
            (Some("response_item"), Some(payload)) => {
                let inner: Rec = serde_json::from_str(payload.get()).unwrap_or_default();
                (
                    str_of(inner.kind).unwrap_or_else(|| "message".into()),
                    payload,
                )
            }
            (_, Some(_)) => continue,
            (None, None) if rec.id.is_some() && rec.timestamp.is_some() => {
                // The bare session header of an older rollout.
                if s.id.is_empty() {
                    s.id = str_of(rec.id).unwrap_or_default();
                }
                if let Some(dir) = str_of(rec.cwd) {
                    s.project.get_or_insert_with(|| dir.clone());
                    cwd = Some(dir);
                }
                continue;
            }
            (k, None) => {
                let Ok(raw) = serde_json::from_str::<&RawValue>(line) else {
                    continue;
                };
                let k = k.unwrap_or("message").to_string();
                if k == "message" && rec.role.is_none() {
                    continue;
                }
                (k, raw)
            }
        };
        let Some(msg) = responses::parse_item(text, item, range) else {
            continue;
        };
        let base = Event {
            line: no,
            time,
            cwd: cwd.clone(),
            what: What::User(String::new()),
        };
        for block in msg.blocks {
            match block.kind {
                BlockKind::User => {
                    if let Some(words) = human_words(&block.text) {
                        s.events.push(Event {
                            what: What::User(words),
                            ..base.clone()
                        });
                    }
                }
                BlockKind::Assistant => s.events.push(Event {
                    what: What::Assistant(block.text),
                    ..base.clone()
                }),
                BlockKind::ToolCall => {
                    let block = if item_kind == "local_shell_call" {
                        Block {
                            tool_name: Some("local_shell_call".into()),
                            ..block
                        }
                    } else {
                        block
                    };
                    let (tool, workdir) = tool_of(&block);
                    let dir = workdir.map(|w| join(cwd.as_deref(), &w)).or(cwd.clone());
                    if let Some(id) = block.call_id {
                        pending.insert(id, s.events.len());
                    }
                    s.events.push(Event {
                        cwd: dir,
                        what: What::Call(new_call(tool)),
                        ..base.clone()
                    });
                }
                BlockKind::ToolResult => {
                    let id = block.call_id.as_deref().unwrap_or("");
                    let Some(i) = pending.remove(id) else {
                        continue;
                    };
                    let (status, output) = codex_status(&block.text);
                    if let Some(What::Call(call)) = s.events.get_mut(i).map(|e| &mut e.what) {
                        fill(call, &output, status);
                    }
                }
                _ => {}
            }
        }
    }
    if s.id.is_empty() {
        s.id = stem.trim_start_matches("rollout-").to_string();
    }
    if s.project.is_none() {
        s.project = s.events.iter().find_map(|e| e.cwd.clone());
    }
    let sessions = if s.events.is_empty() { vec![] } else { vec![s] };
    Read {
        sessions,
        bad_lines,
    }
}

/// `dir` resolved against `base` when it is relative.
fn join(base: Option<&str>, dir: &str) -> String {
    match base {
        Some(b) if !dir.starts_with('/') => format!("{}/{}", b.trim_end_matches('/'), dir),
        _ => dir.to_string(),
    }
}

/// How a Codex call ended and its output text, from every shape Codex
/// writes: `{"output", "metadata": {"exit_code"}}` JSON, `Exit code: N`,
/// `Process exited with code N`, a process still running, an abort.
fn codex_status(text: &str) -> (Status, String) {
    #[derive(Deserialize)]
    struct Wrapped {
        output: String,
        #[serde(default)]
        metadata: Option<Meta>,
    }
    #[derive(Deserialize)]
    struct Meta {
        exit_code: Option<i64>,
    }
    let by_code = |code: i64| {
        if code == 0 {
            Status::Ok
        } else {
            Status::Failed
        }
    };
    if text.starts_with('{')
        && let Ok(w) = serde_json::from_str::<Wrapped>(text)
    {
        let status = w
            .metadata
            .and_then(|m| m.exit_code)
            .map_or(Status::Unknown, by_code);
        return (status, w.output);
    }
    let head = &text[..text.len().min(400)];
    for marker in ["Exit code: ", "Process exited with code "] {
        if let Some(i) = head.find(marker) {
            let digits: String = head[i + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '-')
                .collect();
            if let Ok(code) = digits.parse::<i64>() {
                let body = text.find("Output:\n").map_or(text, |j| &text[j + 8..]);
                return (by_code(code), body.to_string());
            }
        }
    }
    if head.starts_with("aborted") || head.contains("aborted by user") {
        return (Status::Interrupted, text.to_string());
    }
    if head.starts_with("execution error") || head.starts_with("failed in sandbox") {
        return (Status::Failed, text.to_string());
    }
    (Status::Unknown, text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codex_exit_code_shapes() {
        let cases = [
            (
                r#"{"output":"boom\n","metadata":{"exit_code":1,"duration_seconds":0.1}}"#,
                Status::Failed,
                "boom\n",
            ),
            (
                r#"{"output":"fine","metadata":{"exit_code":0}}"#,
                Status::Ok,
                "fine",
            ),
            (
                "Exit code: 127\nWall time: 0.1 seconds\nOutput:\nbash: python: command not found\n",
                Status::Failed,
                "bash: python: command not found\n",
            ),
            (
                "Exit code: 0\nWall time: 0 seconds\nOutput:\nok\n",
                Status::Ok,
                "ok\n",
            ),
            (
                "Chunk ID: 3f\nWall time: 0.2 seconds\nProcess exited with code 2\nOriginal token count: 9\nOutput:\nerr\n",
                Status::Failed,
                "err\n",
            ),
            (
                "Chunk ID: 3f\nWall time: 10 seconds\nProcess running with session ID 4\nOutput:\n",
                Status::Unknown,
                "",
            ),
            ("aborted by user", Status::Interrupted, "aborted by user"),
        ];
        for (text, status, out) in cases {
            let (s, o) = codex_status(text);
            assert_eq!(s, status, "{text}");
            if !out.is_empty() {
                assert_eq!(o, out, "{text}");
            }
        }
    }

    #[test]
    fn argv_commands_become_strings() {
        let input: Input =
            serde_json::from_str(r#"{"command":["bash","-lc","cd web && npm test"]}"#).unwrap();
        assert_eq!(command_of(&input).unwrap(), "cd web && npm test");
        let input: Input = serde_json::from_str(r#"{"command":["rg","-n","a b","src"]}"#).unwrap();
        assert_eq!(command_of(&input).unwrap(), "rg -n 'a b' src");
        let input: Input = serde_json::from_str(r#"{"cmd":"ls -la"}"#).unwrap();
        assert_eq!(command_of(&input).unwrap(), "ls -la");
    }

    #[test]
    fn claude_statuses() {
        assert_eq!(
            claude_status("Exit code 1\nboom", true, false),
            Status::Failed
        );
        assert_eq!(claude_status("ok", false, false), Status::Ok);
        assert_eq!(claude_status("ok", false, true), Status::Interrupted);
        assert_eq!(
            claude_status(
                "<tool_use_error>Sibling tool call errored</tool_use_error>",
                true,
                false
            ),
            Status::Cancelled
        );
        assert_eq!(
            claude_status(
                "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). To tell you how to proceed, the user said:\nuse pnpm, not npm",
                true,
                false
            ),
            Status::Rejected {
                feedback: Some("use pnpm, not npm".into())
            }
        );
        assert_eq!(
            claude_status(
                "The user doesn't want to take this action right now. STOP what you are doing and wait for the user to tell you how to proceed.",
                true,
                false
            ),
            Status::Rejected { feedback: None }
        );
    }
}
