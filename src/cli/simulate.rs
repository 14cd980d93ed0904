//! `headroom simulate`: what headroom would do to conversations, without
//! changing or storing anything.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use clap::ValueEnum;
use comfy_table::presets::{ASCII_MARKDOWN, UTF8_BORDERS_ONLY};
use comfy_table::{CellAlignment, Table};
use headroom::config::DEFAULT_MODEL;
use headroom::convo::BlockKind;
use headroom::human::{count, thousands};
use headroom::simulate::{self, KindTokens, Report, Settings};
use headroom::tokens::{self, Encoding};
use serde_json::{Value, json};

use super::Exit;

/// Show what headroom would save on conversations, before you trust it.
///
/// Reads OpenAI Chat, OpenAI Responses and Anthropic request bodies, Claude
/// Code transcripts (~/.claude/projects/<project>/*.jsonl) and Codex rollouts
/// (~/.codex/sessions/**/rollout-*.jsonl), detected automatically. A
/// directory is searched for .jsonl and .json files. For each conversation
/// it reports tokens by block kind before and after compression, what was
/// applied and why blocks were left alone, waste signals, whether the output
/// is prefix stable (cache safe), and an estimated cost. Nothing is written
/// to the store: originals that a real run would store are only counted.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Conversation files or directories of them; `-` reads stdin.
    #[arg(value_name = "FILE|DIR", required = true)]
    pub paths: Vec<PathBuf>,

    /// Model for token counts and the cost estimate (price table in the README); default: the one each file names, else gpt-4o.
    #[arg(short, long, value_name = "NAME", env = "HEADROOM_MODEL")]
    pub model: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// List the N biggest blocks of each conversation.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub top: usize,

    /// Skip the prefix-stability check (it compresses the first half again).
    #[arg(long)]
    pub no_prefix_check: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Markdown,
    Json,
}

/// One input and what became of it.
struct Session {
    name: String,
    result: Result<Report, String>,
    millis: f64,
}

pub fn run(args: Args) -> Result<Exit> {
    let config = super::config::load(args.model.as_deref());
    let (encoding, exact) = Encoding::for_model(&config.model);
    let cost = move |s: &str| tokens::count(s, encoding);
    let settings = Settings {
        cost: &cost,
        lossy_min_tokens: config.lossy_min_tokens,
        model: Some(&config.model),
        // A model the user chose (flag, HEADROOM_MODEL, config.toml) wins
        // over the one a file names; the default does not.
        model_from_file: args.model.is_none() && config.model == DEFAULT_MODEL,
        top: args.top,
        check_prefix: !args.no_prefix_check,
    };

    let mut inputs = Vec::new();
    let mut walked_dir = false;
    for p in &args.paths {
        if p.is_dir() {
            walked_dir = true;
            inputs.extend(walk(p));
        } else {
            inputs.push(p.clone());
        }
    }
    let bar = progress(inputs.len() as u64, walked_dir);
    // One file at a time: memory holds one input plus small reports.
    let mut sessions = Vec::with_capacity(inputs.len());
    for path in &inputs {
        let name = path.display().to_string();
        bar.set_message(name.clone());
        let start = Instant::now();
        let result = read(path)
            .and_then(|bytes| simulate::simulate(&bytes, &settings).map_err(|e| e.to_string()));
        sessions.push(Session {
            name,
            result,
            millis: start.elapsed().as_secs_f64() * 1e3,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            let doc = json_doc(&sessions, &config.model, exact);
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Table | Format::Markdown => {
            let md = args.format == Format::Markdown;
            if let [one] = sessions.as_slice() {
                write_session(&mut out, one, md)?;
            } else {
                write_overview(&mut out, &sessions, md)?;
            }
            writeln!(out, "{}", total_line(&sessions))?;
        }
    }
    for s in &sessions {
        if let Err(e) = &s.result {
            eprintln!("headroom: {}: {e}", s.name);
        }
    }
    let ok = sessions.iter().any(|s| s.result.is_ok());
    Ok(if ok { Exit::Success } else { Exit::Failure })
}

/// Conversation files under `dir`, in a stable order.
fn walk(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| match e {
            Ok(e) => Some(e),
            Err(err) => {
                eprintln!("headroom: warning: {err}");
                None
            }
        })
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "jsonl" || x == "json")
        })
        .map(|e| e.into_path())
        .collect()
}

/// A bar on stderr, only for directories, on a terminal, without NO_COLOR.
fn progress(len: u64, walked_dir: bool) -> indicatif::ProgressBar {
    let show = walked_dir
        && std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let style = indicatif::ProgressStyle::with_template(
        "{bar:30} {pos}/{len} sessions {elapsed_precise} {wide_msg}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    indicatif::ProgressBar::new(len).with_style(style)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| format!("cannot read: {e}"))
}

fn table(md: bool) -> Table {
    let mut t = Table::new();
    t.load_style(if md {
        ASCII_MARKDOWN
    } else {
        UTF8_BORDERS_ONLY
    });
    t
}

fn right(t: &mut Table, cols: std::ops::Range<usize>) {
    for i in cols {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn pct(before: usize, after: usize) -> String {
    if before == 0 {
        "-".into()
    } else {
        format!(
            "{:.1}%",
            100.0 * before.saturating_sub(after) as f64 / before as f64
        )
    }
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "-",
    }
}

fn kind_table(by_kind: &BTreeMap<BlockKind, KindTokens>, md: bool) -> Table {
    let mut t = table(md);
    t.set_header([
        "block kind",
        "blocks",
        "tokens before",
        "tokens after",
        "saved",
    ]);
    let mut total = KindTokens::default();
    for (kind, k) in by_kind {
        t.add_row([
            kind.name().to_string(),
            thousands(k.blocks),
            thousands(k.before),
            thousands(k.after),
            pct(k.before, k.after),
        ]);
        total.blocks += k.blocks;
        total.before += k.before;
        total.after += k.after;
    }
    t.add_row([
        "total".to_string(),
        thousands(total.blocks),
        thousands(total.before),
        thousands(total.after),
        pct(total.before, total.after),
    ]);
    right(&mut t, 1..5);
    t
}

fn counts(m: &BTreeMap<String, usize>) -> String {
    if m.is_empty() {
        return "none".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k} ×{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_session(out: &mut impl Write, s: &Session, md: bool) -> Result<()> {
    let r = match &s.result {
        Ok(r) => r,
        Err(e) => {
            writeln!(out, "{}: {e}", s.name)?;
            return Ok(());
        }
    };
    writeln!(
        out,
        "{}: {}, {}, {}/{} paired, prefix stable: {}, {:.0} ms",
        s.name,
        r.format.name(),
        count(r.messages, "message", "messages"),
        r.tool_calls_paired,
        count(r.tool_calls, "tool call", "tool calls"),
        yes_no(r.prefix_stable),
        s.millis
    )?;
    if r.bad_lines > 0 {
        writeln!(
            out,
            "skipped {}",
            count(r.bad_lines, "malformed line", "malformed lines")
        )?;
    }
    writeln!(out, "{}", kind_table(&r.by_kind, md))?;
    if !r.tokens_exact {
        writeln!(
            out,
            "token counts are estimates (o200k_base) for {}",
            r.model.as_deref().unwrap_or("this model")
        )?;
    }
    writeln!(out, "transforms applied: {}", counts(&r.transforms))?;
    writeln!(out, "left alone: {}", counts(&r.left_alone))?;
    let w = &r.waste;
    let mut waste = vec![
        format!("JSON whitespace {}", thousands(w.json_whitespace)),
        format!("HTML noise {}", thousands(w.html_noise)),
        format!("base64 {}", thousands(w.base64)),
        format!("repeated whitespace {}", thousands(w.whitespace)),
        format!(
            "repeated tool output {} ×{}",
            thousands(w.reread_tokens),
            w.rereads
        ),
    ];
    if w.dynamic_system_values > 0 {
        waste.push(format!(
            "{} dates/UUIDs in the system prompt break provider caches (e.g. {})",
            w.dynamic_system_values,
            w.dynamic_examples.join(", ")
        ));
    }
    writeln!(out, "waste (tokens): {}", waste.join("; "))?;
    if let Some(c) = &r.cost {
        writeln!(
            out,
            "estimated cost ({} prices, {}, cache reads assumed): ${:.4} -> ${:.4} (estimate)",
            c.priced_as,
            count(c.calls, "call", "calls"),
            c.before,
            c.after
        )?;
    }
    writeln!(
        out,
        "a real run would store {} ({}); simulate stored nothing",
        count(r.would_store, "original", "originals"),
        count(r.would_store_bytes, "byte", "bytes")
    )?;
    if !r.top.is_empty() {
        let mut t = table(md);
        t.set_header([
            "message",
            "block kind",
            "tool",
            "content",
            "before",
            "after",
        ]);
        for b in &r.top {
            t.add_row([
                b.message.map_or("preamble".into(), |m| m.to_string()),
                b.kind.name().to_string(),
                b.tool.clone().unwrap_or_default(),
                b.content.map(|k| k.name().to_string()).unwrap_or_default(),
                thousands(b.before),
                thousands(b.after),
            ]);
        }
        right(&mut t, 4..6);
        writeln!(out, "biggest blocks:\n{t}")?;
    }
    Ok(())
}

fn write_overview(out: &mut impl Write, sessions: &[Session], md: bool) -> Result<()> {
    let mut t = table(md);
    t.set_header([
        "session",
        "format",
        "messages",
        "tokens before",
        "tokens after",
        "saved",
        "paired",
        "prefix stable",
        "note",
    ]);
    let mut by_kind: BTreeMap<BlockKind, KindTokens> = BTreeMap::new();
    for s in sessions {
        match &s.result {
            Ok(r) => {
                t.add_row([
                    s.name.clone(),
                    r.format.name().to_string(),
                    thousands(r.messages),
                    thousands(r.tokens_before),
                    thousands(r.tokens_after),
                    pct(r.tokens_before, r.tokens_after),
                    format!("{}/{}", r.tool_calls_paired, r.tool_calls),
                    yes_no(r.prefix_stable).to_string(),
                    if r.bad_lines > 0 {
                        format!(
                            "{} skipped",
                            count(r.bad_lines, "malformed line", "malformed lines")
                        )
                    } else {
                        String::new()
                    },
                ]);
                for (k, v) in &r.by_kind {
                    let e = by_kind.entry(*k).or_default();
                    e.blocks += v.blocks;
                    e.before += v.before;
                    e.after += v.after;
                }
            }
            Err(e) => {
                t.add_row([
                    s.name.clone(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    e.clone(),
                ]);
            }
        }
    }
    right(&mut t, 2..6);
    writeln!(out, "{t}")?;
    writeln!(out, "{}", kind_table(&by_kind, md))?;
    Ok(())
}

/// Over the sessions that could be simulated: (how many, tokens before, tokens after).
fn totals(sessions: &[Session]) -> (usize, usize, usize) {
    let ok: Vec<&Report> = sessions
        .iter()
        .filter_map(|s| s.result.as_ref().ok())
        .collect();
    let before = ok.iter().map(|r| r.tokens_before).sum();
    let after = ok.iter().map(|r| r.tokens_after).sum();
    (ok.len(), before, after)
}

fn total_line(sessions: &[Session]) -> String {
    let (ok, before, after) = totals(sessions);
    let failed = sessions.len() - ok;
    let mut line = format!(
        "headroom would have saved {} ({}) across {}",
        count(before.saturating_sub(after), "token", "tokens"),
        pct(before, after),
        count(ok, "session", "sessions")
    );
    if failed > 0 {
        line.push_str(&format!(" ({} skipped)", count(failed, "file", "files")));
    }
    line
}

fn json_doc(sessions: &[Session], model: &str, exact: bool) -> Value {
    let items: Vec<Value> = sessions
        .iter()
        .map(|s| match &s.result {
            Ok(r) => {
                let mut v = report_json(r);
                v["file"] = s.name.clone().into();
                v["ms"] = json!((s.millis * 100.0).round() / 100.0);
                v
            }
            Err(e) => json!({"file": s.name, "error": e}),
        })
        .collect();
    let (ok, before, after) = totals(sessions);
    json!({
        "model": model,
        "tokens_estimated": !exact,
        "sessions": items,
        "total": {
            "sessions": ok,
            "failed": sessions.len() - ok,
            "tokens_before": before,
            "tokens_after": after,
            "saved": before.saturating_sub(after),
        }
    })
}

fn report_json(r: &Report) -> Value {
    let kinds: serde_json::Map<String, Value> = r
        .by_kind
        .iter()
        .map(|(k, v)| {
            (
                k.name().to_string(),
                json!({"blocks": v.blocks, "before": v.before, "after": v.after}),
            )
        })
        .collect();
    let w = &r.waste;
    json!({
        "format": r.format.name(),
        "model": r.model,
        "tokens_estimated": !r.tokens_exact,
        "messages": r.messages,
        "tokens_before": r.tokens_before,
        "tokens_after": r.tokens_after,
        "saved_pct": (r.saved_pct() * 10.0).round() / 10.0,
        "by_kind": kinds,
        "transforms": r.transforms,
        "left_alone": r.left_alone,
        "waste": {
            "json_whitespace": w.json_whitespace,
            "html_noise": w.html_noise,
            "base64": w.base64,
            "whitespace": w.whitespace,
            "dynamic_system_values": w.dynamic_system_values,
            "dynamic_examples": w.dynamic_examples,
            "rereads": w.rereads,
            "reread_tokens": w.reread_tokens,
        },
        "tool_calls": r.tool_calls,
        "tool_calls_paired": r.tool_calls_paired,
        "prefix_stable": r.prefix_stable,
        "cost": r.cost.as_ref().map(|c| json!({
            "priced_as": c.priced_as,
            "calls": c.calls,
            "before_usd": c.before,
            "after_usd": c.after,
            "estimate": true,
        })),
        "top": r.top.iter().map(|b| json!({
            "message": b.message,
            "kind": b.kind.name(),
            "tool": b.tool,
            "content": b.content.map(|k| k.name()),
            "before": b.before,
            "after": b.after,
        })).collect::<Vec<_>>(),
        "would_store": r.would_store,
        "would_store_bytes": r.would_store_bytes,
        "malformed_lines": r.bad_lines,
        "skipped_records": r.skipped_records,
    })
}
