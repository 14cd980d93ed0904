//! `headroom mcp install|uninstall`: register the stdio server with Claude
//! Code and Codex, reversibly.
//!
//! Claude Code is changed through its own CLI when `claude` is on PATH, else
//! by editing its JSON config (a backup is kept beside it until uninstall);
//! Codex by editing `config.toml` in place with `toml_edit`, so comments and
//! order survive. Every write goes to a temporary file that is renamed over
//! the original. Installing twice changes nothing; uninstalling removes only
//! an entry that runs `headroom mcp serve`, and a round trip leaves the file
//! as it was, byte for byte.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value, json};

/// The server's name in agents' configs; the model sees `mcp__headroom__…`.
pub const NAME: &str = "headroom";
/// The arguments after the headroom executable.
pub const ARGS: [&str; 2] = ["mcp", "serve"];
const BACKUP_SUFFIX: &str = ".headroom-backup";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    Claude,
    Codex,
}

/// Where to install and what to run.
#[derive(Debug, Clone)]
pub struct Target {
    pub agent: Agent,
    /// Claude Code only: `.mcp.json` in `project` instead of the user's config.
    pub project: Option<PathBuf>,
    /// The headroom executable the agent will launch.
    pub command: PathBuf,
    /// The user's home directory.
    pub home: PathBuf,
    /// `CLAUDE_CONFIG_DIR`, if set.
    pub claude_config_dir: Option<PathBuf>,
    /// `CODEX_HOME`, if set.
    pub codex_home: Option<PathBuf>,
    /// Claude Code's CLI, when it is to be used.
    pub claude_cli: Option<PathBuf>,
}

#[derive(thiserror::Error, Debug)]
pub enum InstallError {
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not valid {format}: {reason}; fix or move it and try again", .path.display())]
    Parse {
        path: PathBuf,
        format: &'static str,
        reason: String,
    },
    #[error("`{command}` failed: {output}")]
    Cli { command: String, output: String },
}

type Result<T> = std::result::Result<T, InstallError>;

impl Target {
    /// The config file this target edits (or that Claude Code's CLI edits).
    pub fn config_path(&self) -> PathBuf {
        match (self.agent, &self.project) {
            (Agent::Claude, Some(dir)) => dir.join(".mcp.json"),
            (Agent::Claude, None) => match &self.claude_config_dir {
                Some(dir) => dir.join(".claude.json"),
                None => self.home.join(".claude.json"),
            },
            (Agent::Codex, _) => self
                .codex_home
                .clone()
                .unwrap_or_else(|| self.home.join(".codex"))
                .join("config.toml"),
        }
    }

    fn command_str(&self) -> String {
        self.command.to_string_lossy().into_owned()
    }

    fn scope(&self) -> &'static str {
        if self.project.is_some() {
            "project"
        } else {
            "user"
        }
    }
}

/// Registers headroom; returns what changed, one line each (empty: nothing to do).
pub fn install(t: &Target) -> Result<Vec<String>> {
    match t.agent {
        Agent::Claude => claude_install(t),
        Agent::Codex => codex_edit(t, true),
    }
}

/// Removes what [`install`] added; returns what changed.
pub fn uninstall(t: &Target) -> Result<Vec<String>> {
    match t.agent {
        Agent::Claude => claude_uninstall(t),
        Agent::Codex => codex_edit(t, false),
    }
}

/// Whether a config entry is one `install` wrote: it runs `headroom mcp serve`.
fn is_ours(command: Option<&str>, args: &[&str]) -> bool {
    let runs_headroom = command
        .map(Path::new)
        .and_then(Path::file_name)
        .is_some_and(|n| n.to_string_lossy().starts_with(NAME));
    runs_headroom && args == ARGS
}

// ── Claude Code ────────────────────────────────────────────────────────────

fn claude_entry(t: &Target) -> Value {
    json!({"type": "stdio", "command": t.command_str(), "args": ARGS, "env": {}})
}

fn read_json(path: &Path) -> Result<Option<(Vec<u8>, Value)>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(io("read", path, source)),
    };
    if bytes.trim_ascii().is_empty() {
        return Ok(Some((bytes, Value::Object(Map::new()))));
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| InstallError::Parse {
        path: path.into(),
        format: "JSON",
        reason: e.to_string(),
    })?;
    if !value.is_object() {
        return Err(InstallError::Parse {
            path: path.into(),
            format: "JSON",
            reason: "expected an object at the top".into(),
        });
    }
    Ok(Some((bytes, value)))
}

fn existing_entry(config: &Value) -> Option<&Value> {
    config.get("mcpServers")?.get(NAME)
}

fn entry_is_ours(entry: &Value) -> bool {
    let args: Vec<&str> = entry
        .get("args")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    is_ours(entry.get("command").and_then(Value::as_str), &args)
}

fn claude_install(t: &Target) -> Result<Vec<String>> {
    let path = t.config_path();
    let current = read_json(&path)?;
    let entry = claude_entry(t);
    let existing = current
        .as_ref()
        .and_then(|(_, v)| existing_entry(v).cloned());
    let same = existing.as_ref().is_some_and(|e| {
        e.get("command") == entry.get("command") && e.get("args") == entry.get("args")
    });
    if same {
        return Ok(Vec::new());
    }
    if let Some(cli) = &t.claude_cli {
        if existing.is_some() {
            run_claude(cli, &["mcp", "remove", "--scope", t.scope(), NAME])?;
        }
        let command = t.command_str();
        let mut args = vec![
            "mcp",
            "add",
            "--scope",
            t.scope(),
            NAME,
            "--",
            command.as_str(),
        ];
        args.extend(ARGS);
        run_claude(cli, &args)?;
        return Ok(vec![format!(
            "registered {NAME} with Claude Code ({} scope) through `{} mcp add`: {command} {}",
            t.scope(),
            cli.display(),
            ARGS.join(" ")
        )]);
    }
    let (bytes, mut config) = current.unwrap_or_default();
    let mut changes = Vec::new();
    if !bytes.is_empty() {
        let backup = backup_path(&path);
        write_atomic(&backup, &bytes)?;
        changes.push(format!(
            "backed up {} to {}",
            path.display(),
            backup.display()
        ));
    }
    let obj = config.as_object_mut().expect("checked to be an object");
    let servers = obj
        .entry("mcpServers")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(servers) = servers.as_object_mut() else {
        return Err(InstallError::Parse {
            path,
            format: "a Claude Code config",
            reason: "mcpServers is not an object".into(),
        });
    };
    let verb = if servers.insert(NAME.into(), entry).is_some() {
        "replaced"
    } else {
        "added"
    };
    write_atomic(&path, &render_json(&config, &bytes))?;
    changes.push(format!(
        "{verb} mcpServers.{NAME} in {}: {} {}",
        path.display(),
        t.command_str(),
        ARGS.join(" ")
    ));
    Ok(changes)
}

fn claude_uninstall(t: &Target) -> Result<Vec<String>> {
    let path = t.config_path();
    let Some((bytes, mut config)) = read_json(&path)? else {
        return Ok(Vec::new());
    };
    match existing_entry(&config) {
        Some(e) if entry_is_ours(e) => {}
        _ => return Ok(Vec::new()),
    }
    if let Some(cli) = &t.claude_cli {
        run_claude(cli, &["mcp", "remove", "--scope", t.scope(), NAME])?;
        return Ok(vec![format!(
            "removed {NAME} from Claude Code ({} scope) through `{} mcp remove`",
            t.scope(),
            cli.display()
        )]);
    }
    let obj = config.as_object_mut().expect("checked to be an object");
    let servers = obj
        .get_mut("mcpServers")
        .and_then(Value::as_object_mut)
        .expect("entry found in it");
    servers.remove(NAME);
    let emptied = servers.is_empty();
    let mut without_key = config.clone();
    if emptied {
        without_key
            .as_object_mut()
            .expect("object")
            .remove("mcpServers");
    }
    // The file as it was before install, when nothing else changed since:
    // its exact bytes rather than a re-rendering.
    let backup = backup_path(&path);
    let before = std::fs::read(&backup).ok();
    let restored = before.as_ref().and_then(|b| {
        let v: Value = serde_json::from_slice(b).ok()?;
        (v == config || v == without_key).then_some(b.clone())
    });
    let new_bytes = match restored {
        Some(b) => b,
        None => render_json(if emptied { &without_key } else { &config }, &bytes),
    };
    write_atomic(&path, &new_bytes)?;
    let mut changes = vec![format!("removed mcpServers.{NAME} from {}", path.display())];
    if before.is_some() {
        std::fs::remove_file(&backup).map_err(|e| io("remove", &backup, e))?;
        changes.push(format!("removed the backup {}", backup.display()));
    }
    Ok(changes)
}

fn run_claude(cli: &Path, args: &[&str]) -> Result<()> {
    let shown = format!("{} {}", cli.display(), args.join(" "));
    let out = Command::new(cli)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| InstallError::Cli {
            command: shown.clone(),
            output: e.to_string(),
        })?;
    if out.status.success() {
        return Ok(());
    }
    let mut output = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if output.is_empty() {
        output = String::from_utf8_lossy(&out.stdout).trim().to_string();
    }
    Err(InstallError::Cli {
        command: shown,
        output,
    })
}

/// `value` pretty-printed with the indentation and final newline of `like`
/// (two spaces, as Claude Code writes, when there is nothing to go by).
fn render_json(value: &Value, like: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(like);
    let indent: String = text
        .lines()
        .nth(1)
        .map(|l| l.chars().take_while(|c| *c == ' ' || *c == '\t').collect())
        .filter(|s: &String| !s.is_empty())
        .unwrap_or_else(|| "  ".into());
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(value, &mut ser).expect("a Value always serializes");
    if like.is_empty() || like.ends_with(b"\n") {
        out.push(b'\n');
    }
    out
}

fn backup_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(BACKUP_SUFFIX);
    PathBuf::from(s)
}

// ── Codex ──────────────────────────────────────────────────────────────────

fn codex_edit(t: &Target, add: bool) -> Result<Vec<String>> {
    use toml_edit::{Array, DocumentMut, Item, Table, value};

    let path = t.config_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io("read", &path, e)),
    };
    let Some(text) = text.or_else(|| add.then(String::new)) else {
        return Ok(Vec::new());
    };
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| InstallError::Parse {
                path: path.clone(),
                format: "TOML",
                reason: e.to_string(),
            })?;
    let existing = doc.get("mcp_servers").and_then(|s| s.get(NAME));
    let existing_is_ours = existing.is_some_and(|e| {
        let args: Vec<&str> = e
            .get("args")
            .and_then(Item::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        is_ours(e.get("command").and_then(Item::as_str), &args)
    });
    let command = t.command_str();
    let change = if add {
        if existing_is_ours
            && existing
                .and_then(|e| e.get("command"))
                .and_then(Item::as_str)
                == Some(&command)
        {
            return Ok(Vec::new());
        }
        let verb = if existing.is_some() {
            "replaced"
        } else {
            "added"
        };
        let servers = doc.entry("mcp_servers").or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        });
        let Some(servers) = servers.as_table_mut() else {
            return Err(InstallError::Parse {
                path,
                format: "a Codex config",
                reason: "mcp_servers is not a table".into(),
            });
        };
        let mut entry = Table::new();
        entry.insert("command", value(command.as_str()));
        entry.insert("args", value(ARGS.into_iter().collect::<Array>()));
        servers.insert(NAME, Item::Table(entry));
        format!(
            "{verb} [mcp_servers.{NAME}] in {}: {command} {}",
            path.display(),
            ARGS.join(" ")
        )
    } else {
        if !existing_is_ours {
            return Ok(Vec::new());
        }
        let servers = doc["mcp_servers"].as_table_mut().expect("holds the entry");
        servers.remove(NAME);
        if servers.is_empty() && servers.is_implicit() {
            doc.remove("mcp_servers");
        }
        format!("removed [mcp_servers.{NAME}] from {}", path.display())
    };
    let out = doc.to_string();
    if !add && out.is_empty() {
        // install created the file; leave no empty one behind.
        std::fs::remove_file(&path).map_err(|e| io("remove", &path, e))?;
    } else {
        write_atomic(&path, out.as_bytes())?;
    }
    Ok(vec![change])
}

// ── files ──────────────────────────────────────────────────────────────────

fn io(action: &'static str, path: &Path, source: std::io::Error) -> InstallError {
    InstallError::Io {
        action,
        path: path.into(),
        source,
    }
}

/// Writes through a temporary file and a rename, so a reader never sees half
/// a config; a new file is owner-only, since agents' configs hold tokens.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
    crate::atomic::write_atomic_private(path, bytes).map_err(|e| io("write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(agent: Agent, home: &Path) -> Target {
        Target {
            agent,
            project: None,
            command: "/usr/local/bin/headroom".into(),
            home: home.into(),
            claude_config_dir: None,
            codex_home: None,
            claude_cli: None,
        }
    }

    #[test]
    fn codex_round_trip_keeps_comments_and_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let t = target(Agent::Codex, dir.path());
        let original = "# my settings\nmodel = \"gpt-5\" # fast\n\n[mcp_servers.other]\ncommand = \"x\" # keep\n\n[profiles.a]\nmodel = \"o3\"\n";
        std::fs::create_dir_all(dir.path().join(".codex")).unwrap();
        std::fs::write(t.config_path(), original).unwrap();
        assert_eq!(install(&t).unwrap().len(), 1);
        let installed = std::fs::read_to_string(t.config_path()).unwrap();
        assert!(
            installed.starts_with("# my settings\nmodel = \"gpt-5\" # fast\n"),
            "{installed}"
        );
        assert!(installed.contains("[mcp_servers.headroom]\ncommand = \"/usr/local/bin/headroom\"\nargs = [\"mcp\", \"serve\"]\n"), "{installed}");
        assert!(install(&t).unwrap().is_empty(), "idempotent");
        assert_eq!(uninstall(&t).unwrap().len(), 1);
        assert_eq!(std::fs::read_to_string(t.config_path()).unwrap(), original);
        assert!(uninstall(&t).unwrap().is_empty());
    }

    #[test]
    fn codex_without_a_config_creates_and_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let t = target(Agent::Codex, dir.path());
        install(&t).unwrap();
        assert_eq!(
            std::fs::read_to_string(t.config_path()).unwrap(),
            "[mcp_servers.headroom]\ncommand = \"/usr/local/bin/headroom\"\nargs = [\"mcp\", \"serve\"]\n"
        );
        uninstall(&t).unwrap();
        assert!(!t.config_path().exists());
    }

    #[test]
    fn claude_json_round_trip_is_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        let t = target(Agent::Claude, dir.path());
        let original = "{\n  \"numStartups\": 3,\n  \"mcpServers\": {\n    \"other\": {\"command\": \"x\"}\n  },\n  \"projects\": {}\n}";
        std::fs::write(t.config_path(), original).unwrap();
        let changes = install(&t).unwrap();
        assert_eq!(changes.len(), 2, "{changes:?}");
        let v: Value = serde_json::from_slice(&std::fs::read(t.config_path()).unwrap()).unwrap();
        assert_eq!(v["mcpServers"]["headroom"]["args"], json!(["mcp", "serve"]));
        assert_eq!(v["mcpServers"]["other"]["command"], "x");
        assert!(install(&t).unwrap().is_empty(), "idempotent");
        uninstall(&t).unwrap();
        assert_eq!(std::fs::read_to_string(t.config_path()).unwrap(), original);
        assert!(!backup_path(&t.config_path()).exists());
    }

    #[test]
    fn uninstall_leaves_an_entry_it_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        let t = target(Agent::Claude, dir.path());
        let original =
            "{\"mcpServers\": {\"headroom\": {\"command\": \"npx\", \"args\": [\"other\"]}}}";
        std::fs::write(t.config_path(), original).unwrap();
        assert!(uninstall(&t).unwrap().is_empty());
        assert_eq!(std::fs::read_to_string(t.config_path()).unwrap(), original);
    }
}
