//! `headroom learn`: flags, and the terminal side (progress, table, diff,
//! summary) of [`headroom::learn`].

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use comfy_table::presets::UTF8_BORDERS_ONLY;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use headroom::human::thousands;
use headroom::learn::detect::waste::approx;
use headroom::learn::{self, Outcome, Scope, Target, rules, source, writer};
use serde_json::{Value, json};

use super::Exit;

/// Learn from past agent sessions what keeps going wrong, and tell the agent.
///
/// Reads Claude Code sessions ($CLAUDE_CONFIG_DIR or ~/.claude/projects,
/// sub-agents included) and Codex rollouts ($CODEX_HOME or ~/.codex/sessions),
/// finds what an agent keeps getting wrong (a command that fails and works
/// another way, a missing program, a wrong path or directory, the user's own
/// corrections, output fetched again and again) and turns what is seen at
/// least --min-count times into short rules with evidence. By default it
/// only shows them and a diff of the files it would change; --apply writes
/// them into a marked block of the project's CLAUDE.md (Claude Code) and
/// AGENTS.md (Codex), leaving everything outside the block untouched.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Project directory whose sessions to learn from [default: the current directory].
    #[arg(long, value_name = "DIR", conflicts_with = "all")]
    pub project: Option<PathBuf>,

    /// Every project found in the transcripts (each gets its own files).
    #[arg(long)]
    pub all: bool,

    /// Write the rules (default: show them and a diff, change nothing).
    #[arg(long)]
    pub apply: bool,

    /// Which agent's sessions to read.
    #[arg(long, value_enum, default_value_t = AgentArg::All)]
    pub agent: AgentArg,

    /// Only sessions in this window: `30d`, `12h`, `2w`, or a date `2025-11-30`.
    #[arg(long, value_name = "AGE|DATE", default_value = "90d", value_parser = parse_window)]
    pub since: String,

    /// A rule needs at least this many occurrences.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_count: u32,

    /// At most this many rules per project, most valuable first.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rules: u32,

    /// Where rules go: `local` for CLAUDE.local.md instead of CLAUDE.md, or a file for all of them.
    #[arg(long, value_name = "local|FILE")]
    pub target: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AgentArg {
    All,
    Claude,
    Codex,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

fn parse_window(s: &str) -> Result<String, String> {
    learn::parse_since(s, 0)
        .map(|_| s.to_string())
        .ok_or_else(|| format!("`{s}` is not an age like 30d, 12h, 2w or a date like 2025-11-30"))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// The agents' data directories, from their own variables or the defaults.
fn agent_dirs(agent: AgentArg) -> (Option<PathBuf>, Option<PathBuf>) {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let claude = var("CLAUDE_CONFIG_DIR").or_else(|| {
        let h = home()?;
        let old = h.join(".config/claude");
        Some(
            if !h.join(".claude/projects").is_dir() && old.join("projects").is_dir() {
                old
            } else {
                h.join(".claude")
            },
        )
    });
    let codex = var("CODEX_HOME").or_else(|| home().map(|h| h.join(".codex")));
    match agent {
        AgentArg::All => (claude, codex),
        AgentArg::Claude => (claude, None),
        AgentArg::Codex => (None, codex),
    }
}

fn absolute(p: &Path) -> Result<PathBuf> {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .context("cannot read the current directory")?
            .join(p)
    };
    // Sessions record the real path; a symlinked checkout resolves to it.
    Ok(abs.canonicalize().unwrap_or(abs))
}

pub fn run(args: Args) -> Result<Exit> {
    let now = now();
    let since = learn::parse_since(&args.since, now);
    let scope = if args.all {
        Scope::All
    } else {
        let dir = absolute(args.project.as_deref().unwrap_or(Path::new(".")))?;
        if !dir.is_dir() {
            bail!("{}: no such directory", dir.display());
        }
        Scope::Project(dir.display().to_string())
    };
    let target = match args.target.as_deref() {
        None => Target::Default,
        Some("local") => Target::Local,
        Some(file) => Target::File(absolute(Path::new(file))?),
    };
    let home = home().map(|h| h.display().to_string());
    let opts = learn::Options {
        scope,
        since,
        rules: rules::Settings {
            min_count: args.min_count as usize,
            max_rules: args.max_rules as usize,
            now,
            home: home.as_deref(),
        },
    };
    let (claude, codex) = agent_dirs(args.agent);
    let files = source::discover(claude.as_deref(), codex.as_deref());
    let bar = progress(files.len() as u64);
    let outcome = learn::learn(&files, &opts, &|| bar.inc(1));
    bar.finish_and_clear();

    let changes = learn::plan(&outcome.rules, &target, args.max_rules as usize)
        .context("cannot read a target file")?;
    let show = |p: &Path| match &home {
        Some(h) => headroom::learn::redact::redact(&p.display().to_string(), Some(h)),
        None => p.display().to_string(),
    };
    if args.apply {
        for c in changes.iter().filter(|c| c.old != c.new) {
            writer::write_atomic(&c.path, c.new.as_bytes())
                .with_context(|| format!("cannot write {}", c.path.display()))?;
        }
    }

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let summary = summary(&outcome);
    match args.format {
        Format::Json => {
            let rules: Vec<Value> = outcome
                .rules
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
                    let targets: Vec<String> =
                        learn::targets(r, &target).iter().map(|p| show(p)).collect();
                    v["target"] = json!(targets);
                    v
                })
                .collect();
            let files: Vec<Value> = changes
                .iter()
                .map(|c| {
                    json!({
                        "path": show(&c.path),
                        "changed": c.old != c.new,
                        "written": args.apply && c.old != c.new,
                        "diff": writer::diff(&show(&c.path), &c.old, &c.new),
                    })
                })
                .collect();
            let doc = json!({
                "projects": outcome.projects.len(),
                "sessions": outcome.sessions,
                "transcripts": outcome.files,
                "bad_lines": outcome.bad_lines,
                "rules": rules,
                "files": files,
                "summary": summary,
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Table => {
            for c in &changes {
                let d = writer::diff(&show(&c.path), &c.old, &c.new);
                if !d.is_empty() && !args.apply {
                    write!(out, "{d}")?;
                    if !d.ends_with('\n') {
                        writeln!(out)?;
                    }
                    writeln!(out)?;
                }
            }
            if !outcome.rules.is_empty() {
                writeln!(out, "{}", table(&outcome, matches!(opts.scope, Scope::All)))?;
            }
            for c in &changes {
                let what = match (c.old == c.new, args.apply) {
                    (true, _) => "unchanged",
                    (false, true) => "updated",
                    (false, false) => "would change (run with --apply to write)",
                };
                writeln!(out, "{}: {what}", show(&c.path))?;
            }
            writeln!(out, "{summary}")?;
        }
    }
    for (path, err) in &outcome.unreadable {
        eprintln!("headroom: warning: {}: {err}", show(path));
    }
    if outcome.bad_lines > 0 {
        eprintln!(
            "headroom: warning: skipped {} malformed transcript lines",
            outcome.bad_lines
        );
    }
    Ok(Exit::Success)
}

fn table(o: &Outcome, with_project: bool) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if t.width().is_none() {
        t.set_width(120);
    }
    let mut header = vec!["rule", "count", "sessions", "tokens wasted"];
    if with_project {
        header.insert(0, "project");
    }
    t.set_header(header.clone());
    for r in &o.rules {
        let mut row = vec![
            r.text.clone(),
            r.count.to_string(),
            r.sessions.to_string(),
            thousands(r.tokens_wasted),
        ];
        if with_project {
            row.insert(0, r.project.clone());
        }
        t.add_row(row);
    }
    for i in header.len() - 3..header.len() {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}

/// "3 projects, 41 sessions: 7 rules (would save ~12k tokens and 19 failed calls a week)".
fn summary(o: &Outcome) -> String {
    let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let head = format!(
        "{}, {}: {}",
        plural(o.projects.len(), "project"),
        plural(o.sessions, "session"),
        plural(o.rules.len(), "rule")
    );
    if o.rules.is_empty() {
        return head;
    }
    let tokens: usize = o.rules.iter().map(|r| r.tokens_wasted).sum();
    let failures: usize = o.rules.iter().map(|r| r.failures).sum();
    // Scaled to a week over the time the sessions span (at least a week).
    let days = o
        .span
        .map_or(7.0, |(a, b)| ((b - a) as f64 / 86_400.0).max(7.0));
    let week = |n: usize| (n as f64 * 7.0 / days).round() as usize;
    format!(
        "{head} (would save {} tokens and {} failed calls a week)",
        approx(week(tokens)),
        thousands(week(failures))
    )
}

/// A bar on stderr, only on a terminal, without NO_COLOR.
fn progress(len: u64) -> indicatif::ProgressBar {
    let show = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if !show || len < 2 {
        return indicatif::ProgressBar::hidden();
    }
    let style = indicatif::ProgressStyle::with_template(
        "{bar:30} {pos}/{len} transcripts {elapsed_precise}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    indicatif::ProgressBar::new(len).with_style(style)
}
